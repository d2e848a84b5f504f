"""Paediatric ages (defects 74-78): the age gates of the findings, on constructed tables and
simulated infant nights with a perfect detector (``truth_detection_tables``)."""

from __future__ import annotations

import numpy as np
import pytest

from myosleep.classification import classify

from .conftest import detection, lm_bursts, make_context

# ------------------------------------------------------------------ 78: PLMS index without an age


@pytest.mark.parametrize("n_lms,present", [
    (8, False),    # 4/h: below the children's 5/h, absent at any age
    (12, None),    # 6/h: above 5/h, not above 15/h: the verdict is the age's
    (30, None),    # 15/h: not above the adults' 15/h
    (32, True),    # 16/h: above 15/h, present at any age
])
def test_plms_index_between_the_child_and_adult_cut_offs_needs_the_age(night_stages, n_lms, present):
    """2 h of N2 sleep; LMs at 30-s intervals in N2: PLMS index n / 2 h."""
    ctx = make_context(night_stages)
    b = lm_bursts([(1200 + 30 * k, 1.5, "right") for k in range(n_lms)])
    f = classify(detection([], b), ctx).finding("periodic_limb_movements")
    assert f.values["plms_index_per_h"] == pytest.approx(n_lms / 2.0)
    assert f.present is present, f.evidence
    assert f.values["verdict_depends_on_age"] is (present is None)
    if present is None:
        assert "depends on age" in f.evidence and "--age" in f.evidence
        assert "> 5/h" in f.evidence and "> 15/h" in f.evidence
    else:
        assert f"{'present' if present else 'absent'} at any age" in f.evidence
    # with an age the verdict is the age group's cut-off, as before
    child = classify(detection([], b), ctx, age="7").finding("periodic_limb_movements")
    adult = classify(detection([], b), ctx, age="45").finding("periodic_limb_movements")
    assert (child.present, adult.present) == (n_lms / 2.0 > 5.0, n_lms / 2.0 > 15.0)
    assert child.values["verdict_depends_on_age"] is False


# ------------------------------------------------- 74, 75: 1-5 Hz jerk clusters in wake and past infancy

_BNSM: dict = {}


def _bnsm(age, relabel=None):
    """The simulated infant BNSM night (1.5 h, seed 1: 14 clusters, 330 jerks), perfect detector; the
    epochs holding the clusters ``relabel`` picks (every one, every second) scored W."""
    from myosleep.context import build_context
    from myosleep.io.hypnogram_model import Hypnogram
    from myosleep.simulate import simulate_night

    from .conftest import sim_detection, truth_detection_tables

    if "sim" not in _BNSM:
        sim = simulate_night("infant_bnsm", hours=1.5, seed=1, sfreq_emg=200, sfreq_eeg=100)
        _BNSM["sim"] = sim
        _BNSM["det"] = sim_detection(sim, truth_detection_tables(sim))
    sim, det = _BNSM["sim"], _BNSM["det"]
    hyp = sim.hypnogram
    nm = sim.events[sim.events["trial_type"] == "neonatal_myoclonus"]
    spans = nm.groupby("cluster_id")["onset"].agg(["min", "max"]).to_numpy()
    stages = np.array(hyp.stages, copy=True)
    start = np.arange(stages.size) * hyp.epoch_s
    for lo, hi in spans[relabel] if relabel is not None else ():
        stages[(start + hyp.epoch_s > lo - 30.0) & (start < hi + 30.0)] = 0
    ctx = build_context(hypnogram=Hypnogram(stages, epoch_s=hyp.epoch_s, source="simulated"),
                        detect_arousals=False)
    return sim, classify(det, ctx, age=age)


def test_bnsm_typical_night_at_three_weeks_stays_present():
    """Control: all 14 clusters in sleep at 3 weeks: present, every true jerk neonatal_myoclonus."""
    sim, c = _bnsm("3w")
    f = c.finding("benign_neonatal_sleep_myoclonus")
    assert f.present is True and f.values["n_clusters"] == 14 and f.values["n_neonatal_jerks"] == 330
    assert f.values["n_wake_clusters"] == 0 and f.values["red_flag"] is None
    assert "only in sleep" in f.evidence and "see a doctor" in f.evidence


@pytest.mark.parametrize("relabel,n_sleep,n_wake,n_wake_jerks", [
    (slice(None, None, 2), 7, 6, 184),   # 7 clusters in sleep, the other 7 in W (one cut at a wake epoch's edge)
    (slice(None), 0, 13, 319),           # all 14 in W (two run together)
])
def test_jerk_clusters_in_wakefulness_exclude_bnsm_with_a_red_flag(relabel, n_sleep, n_wake, n_wake_jerks):
    """Half or all of the clusters' epochs scored W at 3 weeks: BNSM not present, the wake clusters
    counted, a red flag; never "only in sleep"."""
    _, c = _bnsm("3w", relabel)
    f = c.finding("benign_neonatal_sleep_myoclonus")
    assert f.present is False, f.evidence
    assert f.values["n_clusters"] == n_sleep
    assert (f.values["n_wake_clusters"], f.values["n_wake_cluster_jerks"]) == (n_wake, n_wake_jerks)
    assert f.evidence.startswith(f"RED FLAG: {n_wake} clusters of 1-5 Hz jerks in wakefulness ({n_wake_jerks} jerks)")
    assert "EEG" in f.evidence and ") only in sleep" not in f.evidence
    assert f.values["red_flag"].startswith(f"{f.values['n_wake_clusters']} clusters of 1-5 Hz jerks in wakefulness")


@pytest.mark.parametrize("age", ["2y", "12mo", None])
def test_jerk_clusters_are_counted_at_every_age_and_are_not_rem_twitches(age):
    """From 1 year or without an age: the clusters are counted in the finding, their jerks are
    myoclonic_jerk (with their cluster_id), not rem_twitch; the finding says they are not BNSM at
    this age, or that the age is needed.  Past infancy the single-channel potentials of <= 150 ms
    stay fragmentary myoclonus (12 of the 330 jerks), which cuts one of the 14 clusters below 4
    jerks: 13 clusters, 306 jerks."""
    sim, c = _bnsm(age)
    f = c.finding("benign_neonatal_sleep_myoclonus")
    assert f.values["n_clusters"] == 13 and f.values["n_neonatal_jerks"] == 306
    assert "13 clusters of 1-5 Hz jerks in sleep (306 jerks)" in f.evidence
    ev = c.events
    clustered = ev[ev["cluster_id"] >= 0]
    assert len(clustered) == 306 and set(clustered["trial_type"]) == {"myoclonic_jerk"}
    assert "neonatal_myoclonus" not in set(ev["trial_type"])
    n_twitch = int((ev["trial_type"] == "rem_twitch").sum())
    n_twitch_3w = int((_bnsm("3w")[1].events["trial_type"] == "rem_twitch").sum())
    # the background twitches, and the 12 jerks of the cluster the FM potentials cut (before: 330 more)
    assert n_twitch == n_twitch_3w + 12
    if age is None:
        assert f.present is None and "give --age" in f.evidence
    else:
        assert f.present is False and "not BNSM at this age" in f.evidence


# ------------------------------------------------------- 76: adult rules outside the ages of their source


def _scenario(scenario, age, **kw):
    from .test_simulated import run

    sim, ctx, _ = run(scenario, **kw)
    from myosleep.classification import classify as _classify

    from .conftest import sim_detection, truth_detection_tables

    return _classify(sim_detection(sim, truth_detection_tables(sim)), ctx, age=age)


@pytest.mark.parametrize("scenario,code,kw,ages", [
    # RSWA (SINBAR / atonia index, adults; Kohyama 1999: adult tonic atonia at preadolescence, 10 y)
    ("rsbd", "rem_sleep_without_atonia", {"rem_rich": True},
     {"3w": None, "2y": None, "9.9y": None, "10y": True, "45": True, None: True}),
    # EFM (AASM; norms of sleepers aged 19-77 years, Frauscher 2014)
    ("excessive_fragmentary_myoclonus", "excessive_fragmentary_myoclonus", {},
     {"3w": None, "17y": None, "18y": True, "45": True, None: True}),
    # sleep starts (wake-to-N1/N2 transitions; AASM infant rules to 2 months: no N1/N2)
    ("sleep_starts", "sleep_starts", {}, {"3w": None, "2mo": True, "45": True, None: True}),
])
def test_adult_rules_cannot_be_assessed_below_the_ages_of_their_source(scenario, code, kw, ages):
    for age, present in ages.items():
        f = _scenario(scenario, age, **kw).finding(code)
        assert f.present is present, (age, f.evidence)
        assert f.values["ages_covered"]["min_age_years"] == pytest.approx(
            {"rem_sleep_without_atonia": 10.0, "excessive_fragmentary_myoclonus": 18.0,
             "sleep_starts": 2 / 12}[code], abs=1e-3)
        if present is None:
            assert f.evidence.startswith("Cannot be assessed: no norms below ") and "Measured, not judged" in f.evidence
            assert f.values["not_assessed_age"] in f.evidence
        else:
            assert "not_assessed_age" not in f.values

"""Defect 39: events outside lights off .. lights on are counted neither in numerators nor in hours.

The hours of every index per hour are counted between lights off and lights on (the recording
period, AASM TRT); the events must be too (AASM Manual v2.6: events are scored in the recording
period; SOMAS removes leg movements outside lights before counting).  The cases are those of the
PLM audit (s26/plm caseB/caseC): a 2.5-h night whose scorer put lights off at 600 s and lights on at
8700 s, with 5 periodic leg movements in wake before lights off and 4 in N3 after lights on.  Each
test writes the night's hypnogram and scored events (lights, apnoea, arousals) as files and reads
them as ``myosleep analyze --hypnogram --events`` does; the leg movements are the detector's "lm"
bursts, placed where the audit's recording has them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from myosleep.classification import AASM, WASM2016, classify
from myosleep.context import build_context
from myosleep.schema import EVENTS

from ._plm_cases import CASE_STAGES, N1, N2, R, W, case_c_lms, write_night
from .conftest import detection, lm_bursts, make_context, motor_event


def case_c(tmp_path: Path, *, rules=AASM, lms=None):
    hyp, ev = write_night(tmp_path, CASE_STAGES)
    ctx = build_context(hypnogram=hyp, scored_events=ev, detect_arousals=False)
    assert (ctx.lights_off_s, ctx.lights_on_s, ctx.lights_source) == (600.0, 8700.0, "scored_events")
    return classify(detection([], lm_bursts(case_c_lms() if lms is None else lms)), ctx, rules=rules)


# --------------------------------------------------------------------------- the audit's cases
def test_case_c_plms_counted_within_lights_only(tmp_path):
    c = case_c(tmp_path)
    plm = c.indices["plm"]
    # AASM hand count within lights off .. on: 30 PLMS in 2.17 h of sleep (before: 34, 15.69/h)
    assert plm["n_plms"] == 30
    assert plm["plms_index_per_h"] == pytest.approx(30 / (7800 / 3600))  # 13.85/h
    f = c.finding("periodic_limb_movements")
    # no age given and 5 < 13.85 <= 15/h: the verdict is the age's (defect 78)
    assert f.present is None and "the verdict depends on age" in f.evidence
    # PLMW: the 5 periodic LMs in the night's wake bout, over its 5 min (before: 10, 120/h)
    assert plm["n_plmw"] == 5 and plm["plmw_index_per_h"] == pytest.approx(60.0)
    # N3 holds 10 min between lights off and on, and no leg movement there (before: 24/h from the
    # 4 LMs after lights on)
    assert plm["plms_index_per_h_by_stage"]["N3"] == pytest.approx(0.0)
    lm = c.indices["by_trial_type"]["leg_movement"]
    # 33 LMs in N2 between lights off and on, less the one within 0.5 s of the apnoea (AASM: not scored)
    assert lm["count_by_stage"] == {"W": 5, "N1": 0, "N2": 32, "N3": 0, "R": 4}
    assert lm["index_per_h_by_stage"]["N3"] == pytest.approx(0.0)
    assert lm["index_per_h_by_stage"]["W"] == pytest.approx(60.0)
    assert lm["count"] == 41 and lm["count_outside_lights"] == 9
    assert plm["n_lm"] == 41 and plm["n_lm_sleep"] == 36


def test_case_b_plmw_within_lights(tmp_path):
    # case B: no LM after lights on; the 5 periodic LMs of wake before lights off are not PLMW
    c = case_c(tmp_path, lms=case_c_lms(after_lights_on=False))
    assert c.indices["plm"]["n_plmw"] == 5 and c.indices["plm"]["plmw_index_per_h"] == pytest.approx(60.0)


def test_events_outside_lights_stay_in_events_tsv_marked(tmp_path):
    c = case_c(tmp_path)
    ev = c.events[c.events["trial_type"] == "leg_movement"]
    out = ev[~ev["in_lights"].astype(bool)]
    assert out["onset"].tolist() == [100.0, 120.0, 140.0, 160.0, 180.0, 8720.0, 8740.0, 8760.0, 8780.0]
    assert out["stage"].tolist() == ["W"] * 5 + ["N3"] * 4  # with its stage
    assert not out["periodic"].astype(bool).any()  # in no series
    assert all("outside lights off .. lights on: not counted" in r for r in out["rule"])
    assert ev.loc[ev["in_lights"].astype(bool), "onset"].min() == 1000.0
    # the column is part of events.tsv
    text = EVENTS.to_strings(c.events)
    assert "in_lights" in text.columns and set(text["in_lights"]) == {"True", "False"}


@pytest.mark.parametrize("rules", [AASM, WASM2016])
def test_a_series_running_into_lights_off_counts_from_lights_off(tmp_path, rules):
    # 8 LMs 20 s apart in N2, 4 before lights off (600 s) and 4 after: only the 4 after count, and
    # they are a series of their own; with 3 after lights off, no series remains
    stages = [N2] * 300
    hyp, ev = write_night(tmp_path, stages)
    ctx = build_context(hypnogram=hyp, scored_events=ev, detect_arousals=False)
    four = classify(detection([], lm_bursts([(520 + 20 * k, 1.0, "left") for k in range(8)])), ctx, rules=rules)
    assert four.indices["plm"]["n_plms"] == 4
    assert four.leg_movements["periodic"].tolist() == [False] * 4 + [True] * 4
    three = classify(detection([], lm_bursts([(540 + 20 * k, 1.0, "left") for k in range(6)])), ctx, rules=rules)
    assert three.indices["plm"]["n_plms"] == 0


# ------------------------------------------------------------------------ every index per hour
def test_every_class_and_stage_index_counts_within_lights(tmp_path):
    # N2 before lights off (the scorer started the recording asleep): its fragmentary myoclonus,
    # jerks and hours are outside the recording period
    stages = [N2] * 140 + [R] * 80  # N2 0-4200 s, R 4200-6600 s
    hyp, ev = write_night(tmp_path, stages, lights=(600.0, 6000.0))
    ctx = build_context(hypnogram=hyp, scored_events=ev, detect_arousals=False)
    assert ctx.hours_in("N2") == pytest.approx(1.0) and ctx.hours_in("R") == pytest.approx(0.5)
    rows = [motor_event(100.0 + 10 * k, burst_s=0.08, event_id=k) for k in range(30)]  # FM before lights off
    rows += [motor_event(1000.0 + 60 * k, burst_s=0.08, event_id=100 + k) for k in range(10)]  # FM in N2
    rows += [motor_event(6100.0 + 60 * k, burst_s=0.08, event_id=200 + k) for k in range(5)]  # FM after lights on
    c = classify(detection(rows), ctx)
    fm = c.indices["by_trial_type"]["fragmentary_myoclonus"]
    assert fm["count"] == 10 and fm["count_outside_lights"] == 35
    assert fm["count_by_stage"]["N2"] == 10 and fm["count_by_stage"]["R"] == 0  # 5 in R after lights on
    assert fm["index_per_h_sleep"] == pytest.approx(10 / 1.5)
    assert fm["index_per_h_by_stage"]["N2"] == pytest.approx(10.0) and fm["index_per_h_by_stage"]["R"] == 0.0
    assert c.finding("excessive_fragmentary_myoclonus").values["fm_index_per_h"] == pytest.approx(10 / 1.5)
    per_h = c.summary(by=("trial_type", "stage"))
    assert per_h.loc[("fragmentary_myoclonus", "N2"), "count"] == 10
    assert per_h.loc[("fragmentary_myoclonus", "N2"), "per_h"] == pytest.approx(10.0)


def test_efm_minutes_of_nrem_within_lights(tmp_path):
    # 25 NREM minutes with 6 potentials each, 20 of them before lights off: 5 minutes count, not excessive
    stages = [N2] * 200
    hyp, ev = write_night(tmp_path, stages, lights=(1200.0, 6000.0))
    ctx = build_context(hypnogram=hyp, scored_events=ev, detect_arousals=False)
    onsets = [0.0 + 60 * m + s for m in range(25) for s in (5.0, 15.0, 25.0, 35.0, 45.0, 55.0)]
    rows = [motor_event(o, burst_s=0.1, peak_uv=70.0, event_id=i) for i, o in enumerate(onsets)]
    f = classify(detection(rows), ctx).finding("excessive_fragmentary_myoclonus")
    assert f.values["nrem_min"] == pytest.approx(80.0)  # 1200-6000 s
    assert f.values["efm_min"] == pytest.approx(5.0) and f.present is False


def test_hypnic_jerks_per_transition_within_lights(tmp_path):
    leg2 = (("EMG Chin", "EMG LAT", "EMG FDS L"), ("chin", "leg", "arm"))
    # wake-to-sleep transitions at 120 s (before lights off at 600 s), 900 s and 1800 s
    stages = [W] * 4 + [N1] * 4 + [W] * 22 + [N1] * 4 + [W] * 26 + [N2] * 100
    hyp, ev = write_night(tmp_path, stages, lights=(600.0, 4800.0))
    ctx = build_context(hypnogram=hyp, scored_events=ev, detect_arousals=False)
    assert len(ctx.transitions) == 3 and ctx.stats["n_wake_to_sleep_transitions"] == 2
    rows = [motor_event(t, channels=leg2[0], roles=leg2[1], burst_s=0.12, latencies_ms=[0, 10, 20], event_id=k)
            for k, t in enumerate([110.0, 115.0, 125.0, 130.0, 905.0, 1805.0])]
    f = classify(detection(rows), ctx).finding("sleep_starts")
    assert f.values["n_wake_to_sleep_transitions"] == 2 and f.values["n_hypnic_jerks"] == 2
    assert f.values["hypnic_jerks_by_transition"] == [1, 1]
    assert f.present is False  # 1 per transition, 2 jerks in all: < 3


# --------------------------------------------------------------------------------- lights unknown
def test_lights_unknown_first_and_last_scored_epochs(tmp_path):
    # no lights in the events; 10 unscored epochs lead the hypnogram: LMs there are outside the
    # period the measures count (first to last scored epoch)
    stages = [N2] * 260
    hyp, ev = write_night(tmp_path, stages, lights=(None, None), leading_unscored=10)
    ctx = build_context(hypnogram=hyp, scored_events=ev, detect_arousals=False)
    lms = [(100 + 20 * k, 1.0, "left") for k in range(8)] + [(1000 + 20 * k, 1.0, "left") for k in range(8)]
    c = classify(detection([], lm_bursts(lms)), ctx)
    lm = c.indices["by_trial_type"]["leg_movement"]
    assert lm["count"] == 8 and lm["count_outside_lights"] == 8
    assert c.indices["plm"]["n_lm"] == 8 and c.indices["plm"]["n_plms"] == 8
    assert c.events["in_lights"].tolist() == [False] * 8 + [True] * 8
    assert ctx.lights_source == "first/last scored epoch" and ctx.recording_period_s == (300.0, 300.0 + 7800.0)


def test_lights_mid_epoch_numerators_follow_the_epochs_counted():
    # lights off at 615 s, on at 1790 s: the hours count the epochs whose middle lies between
    # (600-1800 s); an event counts when its onset lies in those epochs
    from myosleep.context import build_context as bc
    from myosleep.io.hypnogram_model import Hypnogram

    hyp = Hypnogram(np.asarray([N2] * 80, dtype=int), epoch_s=30.0, source="made", lights_off_s=615.0,
                    lights_on_s=1790.0)
    ctx = bc(hypnogram=hyp, detect_arousals=False)
    assert ctx.recording_period_s == (600.0, 1800.0) and ctx.hours_in("N2") == pytest.approx(1200 / 3600)
    assert ctx.in_lights(np.array([599.9, 600.0, 1799.9, 1800.0])).tolist() == [False, True, True, False]
    ctx_known = make_context([N2] * 10)
    assert ctx_known.recording_period_s == (0.0, 300.0)

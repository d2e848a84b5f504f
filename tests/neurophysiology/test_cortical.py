"""jerk_locked_analysis on the true onsets: found with the truth's lead, its outputs; ten jerks give no
verdict; jittered onsets give none (the wired stage: test_wired.py)."""

from __future__ import annotations

import numpy as np

from myosleep.io import read_recording
from myosleep.neurophysiology import jerk_locked_analysis

#: DESIGN/issue 10: the measured lead within +-5 ms of the simulated one.
LEAD_TOLERANCE_MS = 5.0


def _truth_lead(sim, muscle: str) -> float:
    ev = sim.events[sim.events["trial_type"] == "cortical_myoclonus"]
    first = ev["channel"].str.split(",").str[0]
    return float(ev.loc[first == muscle, "eeg_lead_ms"].mean())


def test_cortical_from_true_onsets_and_outputs(cortical_256):
    sim, path = cortical_256
    with read_recording(path) as rec:
        res = jerk_locked_analysis(rec, sim.events, classes=("cortical_myoclonus",), seed=3)
    assert res.cortical.present is True
    g = res.group()
    assert abs(g.transient.latency_ms - _truth_lead(sim, g.name)) <= LEAD_TOLERANCE_MS
    assert g.transient.polarity == "positive" and g.transient.amplitude_uv > 5
    # the coherence's phase slope says the EEG leads, by about the transient's lead
    assert g.coherence.significant and g.coherence.leader == "EEG"
    assert abs(g.coherence.lead_ms - _truth_lead(sim, g.name)) <= 3 * LEAD_TOLERANCE_MS
    # bursts of 20-40 ms: the burst-duration test supports a cortical origin
    assert g.bursts.verdict == "supports_cortical" and g.bursts.median_ms <= 45
    assert res.bereitschaftspotential.status in ("absent", "not_assessable")
    assert res.functional.present is not True
    # outputs: summary, table, repr, mne epochs, plot
    s = res.summary()
    assert s["findings"][0]["code"] == "cortical_myoclonus" and s["findings"][1]["code"] == "functional_jerks"
    df = res.to_dataframe()
    assert set(df["channel"]) == set(res.channels) and np.isfinite(df["mean_uv"]).all()
    assert (df["ci_low_uv"] <= df["mean_uv"] + 1e-9).all() and (df["ci_high_uv"] >= df["mean_uv"] - 1e-9).all()
    assert "cortical=True" in repr(res) and len(repr(res)) < 200
    epochs = res.to_mne_epochs(g.name)
    assert len(epochs) == g.n_jerks and epochs.info["sfreq"] == 256.0
    assert np.isclose(epochs.tmin, -2.5)
    ax = res.plot_average()
    assert ax.get_xlabel().startswith("time from EMG onset")
    # same seed, same answer
    with read_recording(path) as rec:
        again = jerk_locked_analysis(rec, sim.events, classes=("cortical_myoclonus",), seed=3)
    assert again.cortical.values == res.cortical.values


def test_ten_jerks_not_enough(cortical_256):
    sim, path = cortical_256
    ten = sim.events[sim.events["trial_type"] == "cortical_myoclonus"].head(10)
    with read_recording(path) as rec:
        res = jerk_locked_analysis(rec, ten, classes=None)
    assert res.n_selected == 10
    assert res.cortical.present is None
    assert "Not enough jerks" in res.cortical.evidence and "at least 20" in res.cortical.evidence
    assert res.cortical.values["lead_ms"] is None and res.groups == ()
    assert res.functional.present is None
    assert res.relabel_index == ()


def test_jittered_onsets_find_nothing(cortical_256):
    """The same night, onsets moved 0.7-1.3 s away from the jerks: nothing time-locked."""
    sim, path = cortical_256
    ev = sim.events[sim.events["trial_type"] == "cortical_myoclonus"].copy()
    rng = np.random.default_rng(0)
    ev["onset"] = ev["onset"] - rng.uniform(0.7, 1.3, len(ev))
    with read_recording(path) as rec:
        res = jerk_locked_analysis(rec, ev[["onset", "duration"]], classes=None)
    assert res.n_usable >= 20
    assert res.cortical.present is False, res.cortical.evidence

"""The simulator's EEG potentials are where the truth says, at any EEG rate."""

from __future__ import annotations

import numpy as np
import pytest

from myosleep.simulate import simulate_night
from myosleep.simulate.eeg import _transient
from myosleep.simulate.events import EegTransient


@pytest.mark.parametrize("sfreq", [200.0, 256.0, 512.0])
def test_spike_peak_at_truth(sfreq):
    tr = EegTransient("C3-M2", peak_s=100.0123, amplitude_uv=30.0)
    i0, w = _transient(tr, sfreq)
    t = (i0 + np.arange(w.size)) / sfreq
    # the sampled positive peak is within half a sample of the true peak time
    assert abs(t[np.argmax(w)] - tr.peak_s) <= 0.5 / sfreq + 1e-9
    assert 0.8 * tr.amplitude_uv < w.max() <= tr.amplitude_uv


@pytest.mark.parametrize("sfreq", [200.0, 256.0])
def test_bp_shape(sfreq):
    tr = EegTransient("C3-M2", peak_s=50.0, amplitude_uv=10.0, kind="bp", rise_s=1.5)
    i0, w = _transient(tr, sfreq)
    t = (i0 + np.arange(w.size)) / sfreq - tr.peak_s
    assert w[t < -1.5].max(initial=0.0) == 0.0  # nothing before the BP's start
    assert np.interp(-0.4, t, w) == pytest.approx(-4.0, abs=0.1)  # early BP: 40 % at -0.4 s
    assert np.interp(0.0, t, w) == pytest.approx(-10.0, abs=0.2)  # full amplitude at EMG onset
    assert np.all(np.diff(w[t < 0]) <= 1e-6)  # a monotonic negative drift


@pytest.mark.parametrize("sfreq_eeg", [200.0, 256.0])
def test_cortical_truth_leads(sfreq_eeg):
    sim = simulate_night("cortical_myoclonus", hours=0.5, seed=5, sfreq_eeg=sfreq_eeg)
    ev = sim.events[sim.events["trial_type"] == "cortical_myoclonus"]
    assert len(ev) > 5
    first = ev["channel"].str.split(",").str[0]
    arm = ev.loc[first.str.contains("FDS"), "eeg_lead_ms"]
    leg = ev.loc[first.str.contains("AT"), "eeg_lead_ms"]
    # DESIGN.md: the positive peak leads EMG onset by ~20 ms (arm; 15-25 here), 30-45 ms (leg)
    assert arm.between(15.0, 25.0).all() and leg.between(30.0, 45.0).all()


def test_functional_scenario():
    sim = simulate_night("functional_jerks", hours=1.0, seed=6)
    ev = sim.events[sim.events["trial_type"] == "myoclonic_jerk"]
    assert len(ev) >= 10 and set(ev["stage"]) == {"W"}
    b = sim.bursts[sim.bursts["event_id"].isin(ev["event_id"])]
    # the modelled bursts (duration is the scored span within them: simulate.emg.scored_span)
    assert b["model_duration"].between(0.07, 0.5 + 1e-9).all() and b["model_duration"].median() >= 0.1
    assert (b["duration"] <= b["model_duration"] + 1e-9).all()

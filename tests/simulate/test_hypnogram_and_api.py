"""Generated hypnograms are plausible nights; small API behaviours."""

from __future__ import annotations

import numpy as np
import pytest

from myosleep.errors import ParameterError
from myosleep.simulate import simulate_night
from myosleep.simulate.hypnogram import adult_hypnogram, infant_hypnogram, sleep_onset_transitions_s, stage_runs


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_adult_night_structure(seed):
    hyp = adult_hypnogram(960, np.random.default_rng(seed))
    st = hyp.stages
    assert st.size == 960 and hyp.source == "simulated"
    first_sleep = int(np.flatnonzero(st > 0)[0])
    assert 10 * 2 <= first_sleep <= 20 * 2  # sleep latency 10-20 min
    assert st[first_sleep] == 1  # sleep onset through N1
    share = {k: v / hyp.duration_s for k, v in hyp.time_in_stage_s().items()}
    assert 0.45 <= share["N2"] <= 0.70 and 0.08 <= share["N3"] <= 0.25 and 0.15 <= share["R"] <= 0.28
    assert 0.01 <= share["N1"] <= 0.08
    runs = stage_runs(hyp)
    rem_runs = [(on, off) for s, on, off in runs if s == 4]
    assert 4 <= len(rem_runs) <= 6  # 4-5 NREM-REM cycles
    assert rem_runs[-1][1] - rem_runs[-1][0] > rem_runs[0][1] - rem_runs[0][0]  # REM longer later
    n3_on = np.array([on for s, on, _ in runs if s == 3])
    assert n3_on.max() < hyp.duration_s / 2  # N3 in the first half
    assert sleep_onset_transitions_s(hyp).size >= 3  # several re-onsets


def test_infant_night_structure():
    hyp = infant_hypnogram(480, np.random.default_rng(0))
    st = hyp.stages
    first_sleep = int(np.flatnonzero(st > 0)[0])
    assert st[first_sleep] == 4  # neonates enter sleep through active sleep
    assert 2 not in set(st.tolist())  # no N2 (no spindles before ~6 weeks)
    runs = stage_runs(hyp)
    r_on = [on for s, on, _ in runs if s == 4]
    cycle_min = np.diff(r_on) / 60.0
    assert np.all(cycle_min >= 50.0)  # 50-60-min cycles (longer when a wake period intervenes)
    assert np.median(cycle_min) <= 62.0


def test_to_mne_raw_and_rates():
    sim = simulate_night("healthy_adult", hours=0.05, seed=0, sfreq_emg=500.0, sfreq_eeg=200.0)
    assert sim.channel("EMG Chin").sfreq == 500.0 and sim.channel("C4-M1").sfreq == 200.0
    assert sim.signal("EMG Chin").size == 500 * 180  # 0.05 h = 6 epochs of 30 s
    raw = sim.to_mne_raw(["C4-M1", "E1-M2"])
    assert raw.info["sfreq"] == 200.0
    assert np.allclose(raw.get_data(picks=["C4-M1"])[0] * 1e6, sim.signal("C4-M1"), atol=1e-3)
    with pytest.raises(ParameterError):
        sim.to_mne_raw(["C4-M1", "EMG Chin"])
    with pytest.raises(ParameterError):
        simulate_night("healthy_adult", hours=0.05, mains_hz=55.0)
    with pytest.raises(ParameterError):
        simulate_night("healthy_adult", hours=0.05, sfreq_eeg=256.5)
    assert not sim.signal("C4-M1").flags.writeable  # the truth's signals cannot be altered

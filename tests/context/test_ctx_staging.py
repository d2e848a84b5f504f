"""YASA staging of a short simulated night; channel choice; refusals."""

from __future__ import annotations

import numpy as np
import pytest
from .conftest import FakeRecording

from myosleep.context import build_context, stage_with_yasa
from myosleep.context._channels import pick_eeg
from myosleep.errors import ChannelError, HypnogramError
from myosleep.vocab import Role, Stage


@pytest.fixture(scope="module")
def sim():
    from myosleep.simulate import simulate_night

    return simulate_night("healthy_adult", hours=1.0, seed=1)


def _rec(sim) -> FakeRecording:
    return FakeRecording({c.label: (c.role, c.sfreq, c.data) for c in sim.channels})


@pytest.mark.slow
def test_stages_a_simulated_night(sim):
    rec = _rec(sim)
    hyp = stage_with_yasa(rec)
    # Aligned to the recording: one 30-s epoch per full 30 s from its start.
    assert hyp.source == "yasa" and hyp.start_s == 0.0 and hyp.epoch_s == 30.0
    assert hyp.n_epochs == int(sim.duration_s // 30)
    # EEG at 256 Hz and chin at 512 Hz were brought to YASA's 100 Hz; central EEG chosen.
    assert (hyp.metadata["eeg"], hyp.metadata["emg"]) == ("C4-M1", "EMG Chin")
    assert hyp.metadata["model"] == "clf_eeg+eog+emg"
    proba = hyp.metadata["proba"]
    assert list(proba.columns) == ["W", "N1", "N2", "N3", "R"] and len(proba) == hyp.n_epochs
    assert np.allclose(proba.sum(axis=1), 1.0, atol=1e-6)
    assert np.allclose(hyp.metadata["confidence"], proba.max(axis=1))
    # Agreement with the simulated truth: measured accuracy 0.88, kappa 0.83
    # and wake/sleep agreement 0.98 on this hour; asserted well below, as a floor.
    truth = sim.hypnogram.stages[: hyp.n_epochs]
    wake_sleep = np.mean((truth == int(Stage.W)) == (hyp.stages == int(Stage.W)))
    assert wake_sleep >= 0.8
    assert np.mean(truth == hyp.stages) >= 0.6
    # build_context stages the night itself when no hypnogram is given, and says so.
    ctx = build_context(rec, detect_arousals=False)
    assert ctx.hypnogram_source == "yasa"
    assert np.array_equal(ctx.hypnogram.stages, hyp.stages)
    assert any("YASA" in w for w in ctx.warnings)


def test_channel_preference_and_refusals():
    n = 100 * 60
    rec = FakeRecording({"Fp1-M2": (Role.EEG, 100.0, np.zeros(n)), "EEG C3-A2": (Role.EEG, 100.0, np.zeros(n)),
                         "C4:M1": (Role.EEG, 100.0, np.zeros(n)), "EMG": (Role.CHIN, 1.0, np.zeros(60))})
    assert pick_eeg(rec).label == "C4:M1"
    rec2 = FakeRecording({"Fp1-M2": (Role.EEG, 100.0, np.zeros(n)), "EEG C3-A2": (Role.EEG, 100.0, np.zeros(n))})
    assert pick_eeg(rec2).label == "EEG C3-A2"
    with pytest.raises(ChannelError, match="Chin2"):
        stage_with_yasa(rec, emg="Chin2")
    low = FakeRecording({"Fpz-Cz": (Role.EEG, 50.0, np.zeros(50 * 600))})
    with pytest.raises(HypnogramError, match="--hypnogram"):
        stage_with_yasa(low)
    short = FakeRecording({"C4-M1": (Role.EEG, 100.0, np.zeros(100 * 20))})
    with pytest.raises(HypnogramError, match="30-s epoch"):
        stage_with_yasa(short)

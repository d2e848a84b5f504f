"""AASM leg movements are sustained activity, not a chain of brief spikes."""

from __future__ import annotations

import numpy as np

from myosleep.detection.bursts import find_lm_bursts
from myosleep.preprocessing import filter_emg


def _leg(seed: int = 0, fs: float = 256.0, dur_s: float = 120.0):
    rng = np.random.default_rng(seed)
    n = int(fs * dur_s)
    x = rng.normal(0.0, 4.0, n)  # resting leg EMG + amplifier noise, ~4 uV RMS
    # residual heartbeat spikes (after imperfect cardiac subtraction): 30 uV, 15 ms, every 0.45 s;
    # the gaps between them (< 0.5 s) never close an AASM LM, so without the mean-activity rule
    # they chain into one 58-s "movement" whose RMS is 1.6 uV above rest
    t = np.arange(int(0.015 * fs)) / fs
    spike = 30.0 * np.sin(np.pi * t / 0.015)
    for i in range(int(2 * fs), int(60 * fs), int(0.45 * fs)):
        x[i:i + spike.size] += spike
    # one real leg movement: 1.5 s of 40-uV RMS interference pattern at 90 s
    a = int(90 * fs)
    x[a:a + int(1.5 * fs)] += rng.normal(0.0, 40.0, int(1.5 * fs))
    return filter_emg(x, fs), fs


def test_spike_train_is_not_a_leg_movement_but_a_real_one_is():
    filt, fs = _leg()
    lm = find_lm_bursts(filt, fs)
    onsets = lm["onset"]
    # the real movement is found, within 50 ms of its start
    assert np.any(np.abs(onsets - 90.0) < 0.05), onsets
    # nothing during the 58 s of spikes: each LM found there would need its mean RMS above rest + 2 uV
    assert not np.any((onsets > 1.0) & (onsets < 61.0)), onsets
    assert np.all(lm["mean_amplitude_uv"] >= 2.0)

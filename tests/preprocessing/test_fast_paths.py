"""The fast (chunked, blocked, batched) code paths give the plain computations' results."""

from __future__ import annotations

import numpy as np
from scipy.ndimage import uniform_filter1d

from myosleep.detection.bursts import Baseline, _exceeds, _threshold
from myosleep.preprocessing.artefacts import flat_runs, runs_from_mask
from myosleep.preprocessing.ecg import remove_cardiac_counted
from myosleep.preprocessing.envelope import emg_envelope
from myosleep.preprocessing.mains import remove_mains

FS = 512.0


def test_chunked_envelope_matches_whole_night_filter():
    x = (np.random.default_rng(0).standard_normal(300_003) * 10).astype(np.float32)
    for window_s in (0.01, 0.05):
        n = int(round(window_s * FS))
        ref = np.sqrt(np.maximum(uniform_filter1d(np.square(x), n, mode="nearest"), 0))
        env = emg_envelope(x, FS, window_s=window_s)
        assert env.shape == ref.shape
        # identical up to the running sum's rounding restarting at chunk edges
        assert np.max(np.abs(env - ref) / ref) < 1e-6
        assert np.count_nonzero(env != ref) <= 5


def test_in_place_cardiac_removal_equals_copy():
    rng = np.random.default_rng(2)
    n = int(60 * FS)
    peaks = np.arange(int(0.05 * FS), n, int(0.9 * FS))  # first beat cut by the start
    x = rng.standard_normal(n).astype(np.float32) * 2
    qrs = 40 * np.exp(-0.5 * ((np.arange(-20, 21)) / 5.0) ** 2).astype(np.float32)
    for p in peaks:
        lo, hi = max(0, p - 20), min(n, p + 21)
        x[lo:hi] += qrs[lo - (p - 20): hi - (p - 20)]
    ref, nb = remove_cardiac_counted(x, FS, peaks)
    y = x.copy()
    out, nb2 = remove_cardiac_counted(y, FS, peaks, overwrite=True)
    assert out is y and nb == nb2 == peaks.size
    np.testing.assert_array_equal(out, ref)
    assert np.std(ref) < 0.6 * np.std(x)  # the field is removed


def test_block_thresholds_equal_per_sample_thresholds():
    rng = np.random.default_rng(3)
    n, nb = 10_007, 51
    blocks = rng.random(-(-n // nb)) * 5 + 0.5
    base = Baseline(blocks, nb, n)
    env = (rng.random(n) * 20).astype(np.float32)
    for strict in (False, True):
        thr = _threshold(base.per_sample(), 2.5, 2.0)
        ref = env > thr if strict else env >= thr
        np.testing.assert_array_equal(_exceeds(env, base, 2.5, 2.0, strict=strict), ref)


def test_runs_and_flat_runs_fast_paths():
    rng = np.random.default_rng(4)
    for _ in range(200):
        m = rng.random(rng.integers(1, 40)) < rng.random()
        d = np.diff(m.view(np.int8), prepend=np.int8(0), append=np.int8(0))
        s, e = runs_from_mask(m)
        np.testing.assert_array_equal(s, np.flatnonzero(d == 1))
        np.testing.assert_array_equal(e, np.flatnonzero(d == -1))
    x = rng.standard_normal(2000)
    x[100:400] = 3.0
    x[1000:1400] = np.inf  # equal infinities are not a flat (disconnected) run
    s, e = flat_runs(x, 100.0)
    assert s.tolist() == [100] and e.tolist() == [400]


def test_joint_mains_fit_removes_each_line():
    n = int(120 * FS) + 37
    t = np.arange(n) / FS
    rng = np.random.default_rng(5)
    noise = rng.standard_normal(n) * 5
    x = (noise + 20 * np.sin(2 * np.pi * 50.02 * t + 0.3) + 5 * np.sin(2 * np.pi * 150.02 * t)).astype(np.float32)
    y = remove_mains(x, FS, (50.0, 150.0))
    assert y.dtype == np.float32 and y is not x
    resid = y.astype(np.float64) - noise
    # hum RMS 14.6 uV; what is left is the 1-s fits' noise (5 uV / sqrt(512 / 2) ~ 0.3 uV per block)
    assert np.sqrt(np.mean(resid[: int(118 * FS)] ** 2)) < 0.05 * 14.6

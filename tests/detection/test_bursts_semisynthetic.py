"""Burst detection on real resting EMG with bursts of known onset and amplitude inserted."""

from __future__ import annotations

import numpy as np
from scipy.signal import butter, sosfilt

from myosleep.detection import detect_channel
from myosleep.detection.bursts import find_short_bursts
from myosleep.preprocessing import emg_envelope, preprocess_emg

FS = 1000.0


def _texture(n: int, rng: np.random.Generator, fs: float = FS) -> np.ndarray:
    sos = butter(2, [20.0, min(200.0, 0.45 * fs)], btype="bandpass", fs=fs, output="sos")
    x = sosfilt(sos, rng.standard_normal(n + 500))[500:]
    return x / np.std(x)


def _insert(base: np.ndarray, onsets_s, durations_s, rms_uv, rng, fs=FS) -> np.ndarray:
    x = base.copy()
    for o, d, a in zip(onsets_s, durations_s, np.broadcast_to(rms_uv, len(onsets_s))):
        i, n = int(round(o * fs)), int(round(d * fs))
        x[i:i + n] += a * _texture(n, rng, fs)
    return x


def _native(rest: np.ndarray):
    """Activity the detector finds in the unmodified rest recording (real small contractions)."""
    b, _, _ = detect_channel(rest, FS, label="EMG", role="arm")
    return b[b.detector == "short"]


def test_inserted_bursts_recovered_with_onsets(rest_emg):
    rng = np.random.default_rng(7)
    rest_rms = float(np.std(rest_emg))
    onsets = np.arange(2.0, 96.0, 2.3) + rng.uniform(0, 0.4, size=np.arange(2.0, 96.0, 2.3).size)
    durs = rng.uniform(0.02, 0.25, onsets.size)
    x = _insert(rest_emg, onsets, durs, 4.0 * rest_rms, rng)
    b, _, st = detect_channel(x, FS, label="EMG", role="arm")
    short = b[b.detector == "short"]
    native = _native(rest_emg)
    on, off = short.onset.to_numpy(), short.offset_s.to_numpy()
    found, errs = 0, []
    for o, d in zip(onsets, durs):
        hit = np.flatnonzero((on < o + d) & (off > o))
        if hit.size:
            found += 1
            errs.append(on[hit[np.argmin(np.abs(on[hit] - o))]] - o)
    extra = [t for t, t_end in zip(on, off)
             if not np.any((onsets < t_end) & (onsets + durs > t))
             and not np.any((native.onset.to_numpy() < t_end + 0.05) & (native.offset_s.to_numpy() > t - 0.05))]
    assert found == onsets.size  # every 4x-RMS burst, 20-250 ms
    assert np.median(np.abs(errs)) <= 0.010  # median onset error <= 10 ms
    assert len(extra) == 0


def test_two_bursts_50ms_apart_stay_two(rest_emg):
    rng = np.random.default_rng(3)
    x = _insert(rest_emg[:20000], [5.0, 5.130], [0.080, 0.080], 30.0, rng)
    pre = preprocess_emg(x, FS)
    tab, _ = find_short_bursts(pre.filtered, FS, mask=pre.mask, delay_s=pre.delay_s)
    near = tab["onset"][(tab["onset"] > 4.9) & (tab["onset"] < 5.3)]
    assert near.size == 2
    assert abs(near[0] - 5.0) < 0.01 and abs(near[1] - 5.13) < 0.01


def test_amplitude_measure_is_rms_of_the_burst():
    # a 40 uV RMS burst of muscle-like noise on 1 uV RMS rest reads ~40 uV; a sinusoid of
    # amplitude A reads A / sqrt(2)
    rng = np.random.default_rng(0)
    x = 1.0 * _texture(30000, rng)
    x[10000:10400] += 40.0 * _texture(400, rng)
    b, _, _ = detect_channel(x, FS, label="EMG", role="leg")
    short = b[b.detector == "short"]
    row = short.iloc[np.argmin(np.abs(short.onset - 10.0))]
    assert 0.8 * 40 <= row.peak_amplitude_uv + row.baseline_uv <= 1.35 * 40
    assert 0.7 <= row.baseline_uv <= 1.3
    assert 0.85 * 40 * 0.4 <= row.area_uv_s <= 1.15 * 40 * 0.4
    t = np.arange(4000) / FS
    env = emg_envelope(10.0 * np.sin(2 * np.pi * 80 * t), FS, window_s=0.05)
    assert abs(float(np.median(env)) - 10.0 / np.sqrt(2)) < 0.05


def test_lm_detector_follows_aasm_thresholds():
    rng = np.random.default_rng(1)
    rest = 1.5 * _texture(60000, rng)
    x = rest.copy()
    x[10000:12000] += 20.0 * _texture(2000, rng)   # 20 uV above rest for 2 s: an LM
    x[30000:32000] += 5.0 * _texture(2000, rng)    # 5 uV: below the AASM 8-uV onset
    b, _, _ = detect_channel(x, FS, label="LAT", role="leg")
    lm = b[b.detector == "lm"]
    assert len(lm) == 1
    assert abs(lm.onset.iloc[0] - 10.0) <= 0.05
    assert abs(lm.duration.iloc[0] - 2.0) <= 0.15
    # the arm is not scored for LMs
    b_arm, _, _ = detect_channel(x, FS, label="FDS", role="arm")
    assert (b_arm.detector == "lm").sum() == 0

"""Mains hum whose amplitude changes within seconds (defect 62).

The amplitude of the interference follows the electrodes' impedance and the body's position in
the field (Huhta & Webster, IEEE TBME 1973): it swings with breathing (0.1-0.5 Hz) and steps when
the sleeper turns.  ``remove_mains`` fitted the hum per 1-s block and smoothed it with a 9-block
median: it followed nothing faster than ~10 s, and what it left read as bursts (a 20-uV leg hum
+-20 % at 0.25 Hz: 96-232 false events per hour on the artefact trial's nights, a 50-uV one
1,364 and a false PLM finding; steps between 5 and 30 uV: 5.5-7 per hour).  Each line is now
tracked from 0.1 s to 0.1 s (``preprocessing.mains``); the goal is a residue well under the
quietest resting EMG, ~1 uV RMS (REM atonia 0.8-0.9 uV plus 0.5 uV of amplifier noise;
docs/simulator.md), without taking a burst's broadband power at 50/60 Hz for hum.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import butter, sosfilt

from myosleep.detection import detect_channel
from myosleep.preprocessing import preprocess_emg, remove_mains

#: Residue of a moving hum that may stay, as a fraction of the resting EMG's RMS: half.  Added in
#: power it raises the resting level by < 12 % (sqrt(1 + 0.5^2)), under the +-20 % slow swing of
#: resting tone (docs/simulator.md), where the short-burst detector's onset is twice the resting
#: RMS and the AASM LM onset 8 uV above it.  Measured: 0.10-0.28, and 0.48 for 50 uV +-30 % at
#: 0.5 Hz (30 breaths/min) at 200 Hz.
MAX_RESIDUE_REL = 0.5


def _emg(n: int, rng: np.random.Generator, fs: float, rms: float) -> np.ndarray:
    sos = butter(2, [20.0, min(200.0, 0.45 * fs)], btype="bandpass", fs=fs, output="sos")
    x = sosfilt(sos, rng.standard_normal(n + 500))[500:]
    return rms * x / np.std(x)


def _band(x: np.ndarray, fs: float) -> np.ndarray:
    sos = butter(2, [10.0, min(200.0, 0.4 * fs)], btype="bandpass", fs=fs, output="sos")
    return sosfilt(sos, x)


def _breathing_hum(n: int, fs: float, mains: float, amp: float, depth: float, rate: float,
                   drift_hz: float = 0.02) -> np.ndarray:
    t = np.arange(n) / fs
    return amp * (1 + depth * np.sin(2 * np.pi * rate * t)) * np.sin(2 * np.pi * (mains + drift_hz) * t + 0.4)


def _stepping_hum(n: int, fs: float, mains: float, rng: np.random.Generator, bursts: np.ndarray) -> np.ndarray:
    """5 <-> 30 uV every ~23 s, each step at a random sample at least 1 s from a burst (a step that
    falls within a burst's first 50 ms is a limit of its own: docs/robustness.md, section 62)."""
    t = np.arange(n) / fs
    a = np.full(n, 5.0)
    for k, ts in enumerate(np.arange(7.0, n / fs - 5, 23.0)):
        at = ts + rng.uniform(0, 1)
        while np.any(np.abs(bursts - at) < 1.0):
            at += 0.5
        a[int(at * fs):] = 30.0 if k % 2 == 0 else 5.0
    return a * np.sin(2 * np.pi * (mains + 0.02) * t + 0.4)


@pytest.mark.parametrize("fs, mains, amp, depth, rate", [
    (200.0, 50.0, 20.0, 0.2, 0.25), (200.0, 60.0, 50.0, 0.3, 0.25), (200.0, 50.0, 50.0, 0.3, 0.5),
    (256.0, 50.0, 10.0, 0.3, 0.1), (512.0, 60.0, 20.0, 0.2, 0.5)])
def test_hum_swinging_with_breathing_leaves_a_residue_well_under_rest(fs, mains, amp, depth, rate):
    """On 1-uV resting EMG, the part of what the hum leaves that follows the breathing (averaged
    over its periods; the mains exactly at 50/60 Hz so that the average keeps its phase) stays
    under half the rest, and the band-passed EMG keeps its level within 12 % (the tracker takes
    little of it at the line, and what it leaves adds little: 0-3 %, 10.5 % for 50 uV +-30 % at
    0.5 Hz).  Before: 0.87-3.2 uV RMS left, the level 1.4-3.8 x."""
    rng = np.random.default_rng(7)
    n = int(400 * fs)
    emg = _emg(n, rng, fs, 1.0)
    hum = _breathing_hum(n, fs, mains, amp, depth, rate, drift_hz=0.0)
    res = _band(remove_mains(emg + hum, fs, (mains,)) - emg, fs)
    period = int(round(fs / rate))
    k = (n - int(10 * fs)) // period
    folded = res[int(5 * fs): int(5 * fs) + k * period].reshape(k, period).mean(axis=0)
    residue = float(np.sqrt(np.mean(folded ** 2)))
    assert residue <= MAX_RESIDUE_REL * 1.0, residue
    kept = np.std(_band(remove_mains(emg + hum, fs, (mains,)), fs)[int(5 * fs):])
    assert 0.95 <= kept / np.std(_band(emg, fs)[int(5 * fs):]) <= 1.12


def _night(fs: float, seed: int = 0, dur: float = 600.0) -> tuple[np.ndarray, np.ndarray]:
    """1-uV resting leg EMG with a 50-400-ms, 10-40-uV burst every ~20 s, and the bursts' onsets (s)."""
    rng = np.random.default_rng(seed)
    n = int(dur * fs)
    x = _emg(n, rng, fs, 1.0)
    onsets = []
    for a in np.arange(10.0, dur - 10, 20.0):
        i = int((a + rng.uniform(0, 5)) * fs)
        m = int(rng.uniform(0.05, 0.4) * fs)
        x[i:i + m] += _emg(m, rng, fs, rng.uniform(10, 40)) * np.hanning(m)
        onsets.append(i / fs)
    return x, np.asarray(onsets)


@pytest.mark.parametrize("fs, mains, kind", [
    (200.0, 50.0, (20.0, 0.2, 0.25)), (200.0, 60.0, (50.0, 0.3, 0.25)), (256.0, 50.0, (10.0, 0.3, 0.1)),
    (512.0, 60.0, (20.0, 0.2, 0.25)), (200.0, 50.0, "steps"), (512.0, 50.0, "steps")])
def test_moving_hum_leaves_the_bursts_as_without_it(fs, mains, kind):
    """A leg lead's bursts with a hum that swings with breathing or steps are the bursts without it
    (onsets within 50 ms), the resting level within 3 %, and no second of rest differs from the
    hum-free one by more than 0.8 x the resting RMS (the EMG taken at the line with the hum is
    part of it; measured 0.23-0.74).  Before: up to 46 extra bursts and 20 lost in 10 min, the
    resting level up to 8x, a second's difference 3.4-25 x the resting RMS."""
    x, onsets = _night(fs)
    rng = np.random.default_rng(1)
    hum = _stepping_hum(x.size, fs, mains, rng, onsets) if kind == "steps" \
        else _breathing_hum(x.size, fs, mains, *kind)
    b0, _, s0 = detect_channel(x, fs, role="leg")
    b1, _, s1 = detect_channel(x + hum, fs, role="leg")
    on0, on1 = b0.onset.to_numpy(), b1.onset.to_numpy()
    new = [o for o in on1 if np.min(np.abs(on0 - o)) > 0.05]
    lost = [o for o in on0 if np.min(np.abs(on1 - o)) > 0.05]
    assert not new and not lost, (new, lost)
    assert s1.mains_hz and abs(s1.baseline_median_uv / s0.baseline_median_uv - 1) <= 0.03
    p0, p1 = preprocess_emg(x, fs, cardiac="off"), preprocess_emg(x + hum, fs, cardiac="off")
    k, nb = x.size // int(fs), int(fs)
    clean = np.sqrt((p0.filtered[: k * nb].astype(float).reshape(k, nb) ** 2).mean(axis=1))
    resid = np.sqrt(((p1.filtered - p0.filtered)[: k * nb].astype(float).reshape(k, nb) ** 2).mean(axis=1))
    rest = clean <= 1.5 * np.median(clean)
    rest[[0, -1]] = False
    assert resid[rest].max() <= 0.8 * s0.baseline_median_uv, resid[rest].max()


def test_a_burst_is_not_taken_for_hum_nor_smeared_beside_it():
    """Bursts of 20-200 uV lasting 50 ms-2 s, broadband through 50 Hz, on a 20-uV hum +-20 % at
    0.25 Hz: within them the hum model takes < 2 % of their RMS, and 50-300 ms after them it
    leaves what it leaves at rest.  Before: 6.6 uV at most after them (1.9 uV RMS)."""
    fs = 200.0
    rng = np.random.default_rng(0)
    n = int(600 * fs)
    emg = _emg(n, rng, fs, 1.0)
    hum = _breathing_hum(n, fs, 50.0, 20.0, 0.2, 0.25)
    burst = np.zeros(n)
    inside = np.zeros(n, dtype=bool)
    after = np.zeros(n, dtype=bool)
    for k, a in enumerate(np.arange(20.0, 580.0, 7.0)):
        i, m = int(a * fs), int([0.05, 0.2, 0.5, 2.0][k % 4] * fs)
        burst[i:i + m] = _emg(m, rng, fs, [20.0, 50.0, 200.0][k % 3])
        inside[i:i + m] = True
        after[i + m + int(0.05 * fs): i + m + int(0.3 * fs)] = True
    res = _band(remove_mains(emg + burst + hum, fs, (50.0,)) - emg - burst, fs)
    quiet = ~inside & ~after
    quiet[: int(5 * fs)] = False
    assert np.sqrt(np.mean(res[inside] ** 2)) < 0.02 * np.sqrt(np.mean(_band(burst, fs)[inside] ** 2))
    assert np.sqrt(np.mean(res[after] ** 2)) <= 1.5 * np.sqrt(np.mean(res[quiet] ** 2))
    assert np.abs(res[after]).max() < 1.5

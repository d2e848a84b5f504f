"""Mains harmonics folded from above the Nyquist frequency (defect 63).

A recorder that samples without an anti-alias filter folds mains harmonic ``k f0`` to
``|k f0 - m sfreq|``: 60-Hz mains at 200 Hz puts its 2nd-5th harmonics at 80, 20, 40 and 100 Hz.
``detect_mains`` looked only at ``k f0`` below the Nyquist frequency: on the artefact trial's PLMD
night (60 Hz at 200 Hz; fundamental 20 uV, harmonics 2, 6, 1.5 and 3 uV) the lines stayed in,
the legs' resting level rose from 1.2 to 3.98 uV, 6 of 40 fragmentary myoclonus potentials were
lost, and nothing said why.  The folded harmonics are now looked for, removed as the others, and
the channel's warning says the recorder did not filter them out.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import butter, sosfilt

from myosleep.detection import detect_channel
from myosleep.detection.results import ChannelStatus
from myosleep.preprocessing import detect_mains, preprocess_emg

#: The trial's harmonics (uV): fundamental 20, 2nd 2, 3rd 6, 4th 1.5, 5th 3.
HARMONICS_UV = {1: 20.0, 2: 2.0, 3: 6.0, 4: 1.5, 5: 3.0}


def _emg(n: int, rng: np.random.Generator, fs: float, rms: float) -> np.ndarray:
    sos = butter(2, [20.0, min(200.0, 0.45 * fs)], btype="bandpass", fs=fs, output="sos")
    x = sosfilt(sos, rng.standard_normal(n + 500))[500:]
    return rms * x / np.std(x)


def _hum(n: int, fs: float, mains: float, rng: np.random.Generator) -> np.ndarray:
    """Every harmonic sampled as it is (folded where above fs / 2): no anti-alias filter."""
    t = np.arange(n) / fs
    return sum(a * np.sin(2 * np.pi * k * mains * t + rng.uniform(0, 2 * np.pi)) for k, a in HARMONICS_UV.items())


@pytest.mark.parametrize("mains, fs, lines, folded", [
    (60.0, 200.0, (60.0, 80.0, 20.0, 40.0, 100.0), (80.0, 20.0, 40.0, 100.0)),
    (50.0, 256.0, (50.0, 100.0, 106.0, 56.0, 6.0), (106.0, 56.0, 6.0)),
    (60.0, 256.0, (60.0, 120.0, 76.0, 16.0, 44.0), (76.0, 16.0, 44.0)),
    (60.0, 512.0, (60.0, 120.0, 180.0, 240.0, 212.0), (212.0,)),
    # 50 Hz at 200 Hz folds 150 and 250 Hz onto the fundamental and 200 Hz onto 0 Hz: one line
    (50.0, 200.0, (50.0, 100.0), ())])
def test_folded_harmonics_are_found_removed_and_said(mains, fs, lines, folded):
    """Each folded harmonic is found (and none in the EMG without hum), the resting EMG keeps its
    hum-free level within 5 % (each line tracked takes a little EMG with it), and the channel's
    warning names the folded lines and the missing anti-alias filter (none where nothing folds
    apart).  Before: 80/20/40/100, 106/56/6, 76/16/44
    and 212 Hz were not looked for and the resting level rose 1.2-3.3 x."""
    rng = np.random.default_rng(1)
    n = int(1200 * fs)
    emg = _emg(n, rng, fs, 1.2)
    x = emg + _hum(n, fs, mains, rng)
    found = detect_mains(x, fs)
    assert found.base_hz == mains and set(found.freqs_hz) == set(lines), found
    assert detect_mains(emg, fs).base_hz is None
    p0 = preprocess_emg(emg, fs, cardiac="off")
    p1 = preprocess_emg(x, fs, cardiac="off")
    rest0 = float(np.std(p0.filtered[int(2 * fs):-int(2 * fs)]))
    rest1 = float(np.std(p1.filtered[int(2 * fs):-int(2 * fs)]))
    assert abs(rest1 / rest0 - 1) <= 0.05, (rest0, rest1)
    text = " ".join(ChannelStatus("EMG LAT", "leg", fs, True, mains_hz=found.freqs_hz).quality_warnings(3600.0))
    if folded:
        assert "anti-alias" in text and all(f"{f:g}" in text for f in folded), text
    else:
        assert "anti-alias" not in text


def test_folded_harmonics_no_longer_hide_brief_potentials():
    """Fragmentary-myoclonus-like potentials (40-100 ms, 8-15 uV RMS) on 1.2-uV rest at 200 Hz with
    60-Hz mains and its folded harmonics: every potential found without the hum is found with it
    (onsets within 20 ms), none added.  Before: the resting level read 3.4x and 13 of 40 were lost."""
    fs = 200.0
    rng = np.random.default_rng(4)
    n = int(900 * fs)
    x = _emg(n, rng, fs, 1.2)
    for a in np.linspace(10.0, 880.0, 40):
        i, m = int(a * fs), int(rng.uniform(0.04, 0.1) * fs)
        x[i:i + m] += _emg(m, rng, fs, rng.uniform(8.0, 15.0)) * np.hanning(m)
    hum = _hum(n, fs, 60.0, rng)
    b0, _, s0 = detect_channel(x, fs, role="leg")
    b1, _, s1 = detect_channel(x + hum, fs, role="leg")
    assert len(b0) >= 38  # two potentials may fall within one burst's reach
    on0, on1 = b0.onset.to_numpy(), b1.onset.to_numpy()
    assert all(np.min(np.abs(on1 - o)) <= 0.02 for o in on0)
    assert all(np.min(np.abs(on0 - o)) <= 0.02 for o in on1)
    assert abs(s1.baseline_median_uv / s0.baseline_median_uv - 1) <= 0.05

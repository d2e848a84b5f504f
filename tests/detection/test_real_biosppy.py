"""Real voluntary EMG bursts (BioSPPy example, 1000 Hz, BITalino 12-bit ADC).

Reference onsets, marked by hand: the rectified band-passed (10-200 Hz) signal was
printed as 10-ms means; resting level ~2.7 uV.  An onset is the first 10-ms bin
>= 3x rest (8 uV) with at least 4 of the next 5 bins >= 2x rest (6 uV), read off
the printed rows (1.46, 15.46, 25.63, 26.39, 35.93, 44.96 s).  Burst 26.39 follows
a low-level build-up from 26.33 s that does not stay above 2x rest.
"""

from __future__ import annotations

import numpy as np
from ._detect_helpers import load_biosppy

from myosleep.detection import detect_channel

HAND_ONSETS_S = np.array([1.46, 15.46, 25.63, 26.39, 35.93, 44.96])


def _short_onsets(x: np.ndarray) -> np.ndarray:
    b, _, st = detect_channel(x, 1000.0, label="EMG", role="arm")
    assert st.used
    return b.loc[b.detector == "short", "onset"].to_numpy()


def test_voluntary_bursts_found_at_hand_marked_onsets():
    x = load_biosppy("emg_bursts_1000hz.txt")
    on = _short_onsets(x)
    err = np.array([on[np.argmin(np.abs(on - h))] - h for h in HAND_ONSETS_S])
    assert np.all(np.abs(err) <= 0.020), err
    assert np.median(np.abs(err)) <= 0.010


def test_unit_scale_does_not_move_onsets_of_clear_bursts():
    # The ADC-to-uV factor is an assumption (BITalino gain 1009, 3.3 V).  The short
    # detector is relative to the resting baseline except for a 2-uV floor, so were
    # the factor off by 2x either way, the clear bursts keep the same onsets.
    x = load_biosppy("emg_bursts_1000hz.txt")
    ref = _short_onsets(x)
    ref_clear = ref[np.min(np.abs(ref[:, None] - HAND_ONSETS_S[None, :]), axis=1) <= 0.02]
    for factor in (0.5, 2.0):
        on = _short_onsets(x * factor)
        assert np.abs(on[:, None] - ref_clear[None, :]).min(axis=0).max() <= 0.002

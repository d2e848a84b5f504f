"""Signals as a scorer views them: AASM display filters and min/max reduction of long windows.

One definition serves the report's evidence traces (``reporting.evidence``) and the review
page (``review.signals``), so a trace looks the same in both.  Only the requested seconds of
a channel are decoded (:meth:`myosleep.io.Recording.get_data` reads lazily), with a margin
on each side in which the zero-phase display filter settles.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..vocab import EMG_ROLES, Role

if TYPE_CHECKING:  # pragma: no cover
    from ..io.recording import Recording

__all__ = ["DisplayWindow", "display_band_hz", "display_window", "minmax_pairs", "FILTER_PAD_S"]

#: Seconds read on each side of a window to let the zero-phase display filter settle
#: (a 0.3-Hz high-pass settles in about 1 / (2 pi 0.3) * 5 = 2.7 s).
FILTER_PAD_S = 3.0

# AASM Manual v2.5 (2018), technical specifications, recommended display filters:
# EEG and EOG 0.3-35 Hz, EMG 10-100 Hz, ECG 0.3-70 Hz.  EMG of unknown site (Role.EMG) is EMG.
_BAND_HZ = {Role.EEG: (0.3, 35.0), Role.EOG: (0.3, 35.0), Role.ECG: (0.3, 70.0), Role.EMG: (10.0, 100.0),
            **{role: (10.0, 100.0) for role in EMG_ROLES}}
# Notch quality factor: -3 dB width f0 / 30 (1.7 Hz at 50 Hz), as detection's notch.
_NOTCH_Q = 30.0


def display_band_hz(role: Role, sfreq: float) -> tuple[float, float] | None:
    """AASM display pass band ``(low_hz, high_hz)`` for a channel's role; None: shown as recorded.

    The upper edge is kept below 0.45 x ``sfreq`` (an EMG at 200 Hz is shown 10-90 Hz); a band
    narrower than an octave at a low rate is not a display filter: None.
    """
    band = _BAND_HZ.get(role)
    if band is None:
        return None
    low, high = band[0], min(band[1], 0.45 * float(sfreq))
    return (low, high) if high > 2 * low else None


@functools.lru_cache(maxsize=64)
def _display_sos(sfreq: float, low: float, high: float, notch_hz: tuple[float, ...]) -> np.ndarray:
    from scipy import signal

    # 2nd-order Butterworth, applied forward and backward (zero phase: onsets are not shifted).
    sections = [signal.butter(2, [low, high], btype="bandpass", fs=sfreq, output="sos")]
    for f0 in notch_hz:
        b, a = signal.iirnotch(f0, _NOTCH_Q, fs=sfreq)
        sections.append(signal.tf2sos(b, a))
    return np.vstack(sections)


def minmax_pairs(y: np.ndarray, per: int) -> np.ndarray:
    """Minimum and maximum of each bin of ``per`` samples, interleaved in the order they occur.

    The last bin may be shorter (it is padded with its last sample), so no sample is dropped;
    the pairs draw the same trace as every sample (the envelope a PSG viewer draws zoomed out).
    """
    n_bins = -(-y.size // per)
    body = np.pad(y, (0, n_bins * per - y.size), mode="edge").reshape(n_bins, per)
    lo, hi = body.min(axis=1), body.max(axis=1)
    first_is_min = body.argmin(axis=1) <= body.argmax(axis=1)
    out = np.empty(2 * n_bins, dtype=y.dtype)
    out[0::2] = np.where(first_is_min, lo, hi)
    out[1::2] = np.where(first_is_min, hi, lo)
    return out


def _filter_finite(y: np.ndarray, sos: np.ndarray) -> np.ndarray:
    """``sosfiltfilt`` over each run of finite samples (NaN stays NaN; a run too short to filter is NaN)."""
    from scipy import signal

    bad = ~np.isfinite(y)
    if not bad.any():
        return signal.sosfiltfilt(sos, y)
    out = np.full(y.shape, np.nan)
    edges = np.diff(np.concatenate(([1], bad.astype(np.int8), [1])))
    for a, b in zip(np.flatnonzero(edges == -1), np.flatnonzero(edges == 1)):
        if b - a > 3 * (2 * len(sos) + 1):  # sosfiltfilt's default padding
            out[a:b] = signal.sosfiltfilt(sos, y[a:b])
    return out


@dataclass(frozen=True)
class DisplayWindow:
    """One channel's display trace: ``values`` from ``t0_s`` every ``dt_s`` seconds.

    ``minmax``: the values are min/max pairs of ``dt_s``-long bins; ``band_hz``: the display
    filter applied (None: as recorded); ``notch_hz``: mains notches applied.
    """

    t0_s: float
    dt_s: float
    values: np.ndarray
    minmax: bool
    band_hz: tuple[float, float] | None
    notch_hz: tuple[float, ...]


def display_window(rec: Recording, label: str, start_s: float, stop_s: float, *,
                   band_hz: tuple[float, float] | None, notch_hz: tuple[float, ...] = (),
                   max_points: int, nan: float | None = None) -> DisplayWindow:
    """Channel ``label`` over ``[start_s, stop_s)`` (s), filtered to ``band_hz``, at most ``max_points`` values.

    ``notch_hz``: mains frequencies notched when they fall inside the pass band (up to 1.2 x
    its upper edge, where a 2nd-order roll-off still passes hum).  ``nan``: the value NaN
    samples (a gap of the recording) take in the trace (None: kept NaN).  The filter runs over
    each stretch of finite samples on its own, so that a gap neither spreads NaN over the
    window nor rings into the signal beside it.
    """
    info = rec.channel(label)
    sfreq = float(info.sfreq)
    pad = FILTER_PAD_S if band_hz is not None else 0.0
    first = max(0.0, start_s - pad)
    y = rec.get_data(info.label, start_s=first, stop_s=min(info.duration_s, stop_s + pad))
    i0 = int(math.floor(first * sfreq + 1e-9))
    notch: tuple[float, ...] = ()
    applied = None
    if band_hz is not None and y.size > 15:  # sosfiltfilt needs more samples than its padding
        notch = tuple(float(f) for f in notch_hz if band_hz[0] < f < min(band_hz[1] * 1.2, 0.49 * sfreq))
        y = _filter_finite(y, _display_sos(sfreq, band_hz[0], band_hz[1], notch))
        applied = band_hz
    if nan is not None:
        y = np.nan_to_num(y, nan=nan)
    lo = max(0, int(math.floor(start_s * sfreq + 1e-9)) - i0)
    hi = max(lo, min(y.size, int(math.ceil(stop_s * sfreq - 1e-9)) - i0))
    y = y[lo:hi]
    dt = 1.0 / sfreq
    minmax = y.size > max_points
    if minmax:
        per = -(-y.size // (max_points // 2))
        dt = per / sfreq
        y = minmax_pairs(y, per)
    return DisplayWindow(t0_s=(i0 + lo) / sfreq, dt_s=dt, values=y, minmax=bool(minmax),
                         band_hz=applied if y.size else None, notch_hz=notch)

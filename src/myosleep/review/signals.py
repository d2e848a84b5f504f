"""Windows of signal for the review page, read from the recording on demand.

Only the requested channels and seconds are decoded (:meth:`myosleep.io.Recording.get_data`
reads the memory-mapped file lazily), so the browser never receives the night, only a
window around the event under review.  A window longer than the screen can show is reduced
to the minimum and maximum of each time bin, which draws the same trace as every sample
(the envelope a PSG viewer draws when it zooms out) at a bounded size.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ParameterError
from ..vocab import EMG_ROLES, Role

if TYPE_CHECKING:  # pragma: no cover
    from ..io.recording import Recording

__all__ = ["read_window", "display_band_hz", "MAX_WINDOW_S", "MAX_POINTS"]

#: Longest window served at once, in seconds: two 30-s epochs and margins.  Whole-night
#: browsing is the hypnogram's job, not the traces'.
MAX_WINDOW_S = 120.0
#: Most values sent per channel (min/max pairs beyond that): about two per pixel of a wide screen.
MAX_POINTS = 4000
#: Seconds read on each side of the window to let the zero-phase display filter settle
#: (a 0.3-Hz high-pass settles in about 1 / (2 pi 0.3) * 5 = 2.7 s).
FILTER_PAD_S = 3.0

# AASM Manual v2.5 (2018), technical specifications, recommended display filters:
# EEG and EOG 0.3-35 Hz, EMG 10-100 Hz, ECG 0.3-70 Hz.
_AASM_BAND_HZ = {Role.EEG: (0.3, 35.0), Role.EOG: (0.3, 35.0), Role.ECG: (0.3, 70.0)}
_EMG_BAND_HZ = (10.0, 100.0)


def display_band_hz(role: Role, sfreq: float) -> tuple[float, float] | None:
    """AASM display pass band ``(low_hz, high_hz)`` for a channel's role, None for other roles.

    The upper edge is kept below 0.45 x ``sfreq`` (an EMG at 200 Hz is shown 10-90 Hz).
    """
    band = _EMG_BAND_HZ if role in EMG_ROLES else _AASM_BAND_HZ.get(role)
    if band is None:
        return None
    low, high = band
    high = min(high, 0.45 * float(sfreq))
    return (low, high) if high > low else None


@functools.lru_cache(maxsize=64)
def _band_sos(sfreq: float, low: float, high: float) -> np.ndarray:
    from scipy import signal

    # 2nd-order Butterworth, applied forward and backward (zero phase: onsets are not shifted).
    return signal.butter(2, [low, high], btype="bandpass", fs=sfreq, output="sos")


def _minmax(y: np.ndarray, per: int) -> np.ndarray:
    """Minimum and maximum of each bin of ``per`` samples, interleaved in the order they occur.

    The last bin may be shorter (it is padded with its last sample), so no sample is dropped.
    """
    n_bins = -(-y.size // per)
    body = np.pad(y, (0, n_bins * per - y.size), mode="edge").reshape(n_bins, per)
    lo, hi = body.min(axis=1), body.max(axis=1)
    first_is_min = body.argmin(axis=1) <= body.argmax(axis=1)
    out = np.empty(2 * n_bins, dtype=y.dtype)
    out[0::2] = np.where(first_is_min, lo, hi)
    out[1::2] = np.where(first_is_min, hi, lo)
    return out


def read_window(rec: Recording, labels: Sequence[str], start_s: float | str | None, stop_s: float | str | None, *,
                display_filter: bool = True, max_points: int = MAX_POINTS,
                roles: dict[str, Role] | None = None) -> dict[str, Any]:
    """Samples of some channels over ``[start_s, stop_s)``, ready to draw.

    Parameters
    ----------
    rec : Recording
        The open recording.
    labels : sequence of str
        Channel labels (as in the file).
    start_s, stop_s : float
        Window, in seconds from the recording's start; clipped to the recording.  Text (a
        query string's) is parsed; anything that is no number is a ParameterError.
    display_filter : bool
        Apply the AASM display filter of each channel's role (zero phase); False: the samples
        as recorded (in uV, offset included).
    max_points : int
        Most values per channel; longer windows send the min/max of equal time bins.
    roles : dict, optional
        Role per label to choose the display filter (default: the recording's roles).

    Returns
    -------
    dict
        ``start_s``, ``stop_s`` and ``channels``: for each, ``label``, ``role``, ``unit``,
        ``sfreq`` (Hz), ``t0_s`` (time of the first value, s), ``dt_s`` (s between values; for
        min/max pairs, between bins), ``minmax`` (bool), ``band_hz`` (display filter or None)
        and ``y`` (values, in ``unit``).
    """
    try:
        if start_s is None or stop_s is None:
            raise TypeError("missing")
        start, stop = float(start_s), float(stop_s)
    except (TypeError, ValueError):
        raise ParameterError(f"start_s and stop_s must be numbers, got {start_s!r}, {stop_s!r}",
                             where="window") from None
    if not (math.isfinite(start) and math.isfinite(stop) and stop > start):
        raise ParameterError(f"needs finite start_s < stop_s, got {start_s!r}, {stop_s!r}", where="window")
    if stop - start > MAX_WINDOW_S + 1e-9:
        raise ParameterError(f"is {stop - start:g} s long; at most {MAX_WINDOW_S:g} s is served", where="window")
    if not labels:
        raise ParameterError("names no channel", where="window", hint="give at least one channel label")
    start, stop = max(0.0, start), min(rec.duration_s, stop)
    if stop <= start:
        raise ParameterError(f"lies outside the recording (0..{rec.duration_s:g} s)", where="window")
    if not 16 <= int(max_points) <= 100_000:
        raise ParameterError(f"must be 16..100000, got {max_points!r}", where="max_points")
    channels = []
    for label in dict.fromkeys(labels):
        info = rec.channel(label)
        role = (roles or {}).get(info.label, info.role)
        band = display_band_hz(role, info.sfreq) if display_filter else None
        pad = FILTER_PAD_S if band is not None else 0.0
        first = max(0.0, start - pad)
        y = rec.get_data(info.label, start_s=first, stop_s=min(info.duration_s, stop + pad))
        i0 = int(math.floor(first * info.sfreq + 1e-9))
        if band is not None and y.size > 12:  # sosfiltfilt needs more samples than its padding
            from scipy import signal

            y = signal.sosfiltfilt(_band_sos(float(info.sfreq), *band), y)
        lo = max(0, int(math.floor(start * info.sfreq + 1e-9)) - i0)
        hi = max(lo, min(y.size, int(math.ceil(stop * info.sfreq - 1e-9)) - i0))
        y = y[lo:hi]
        t0, dt = (i0 + lo) / info.sfreq, 1.0 / info.sfreq
        minmax = y.size > max_points
        if minmax:
            per = -(-y.size // (max_points // 2))
            dt = per / info.sfreq
            y = _minmax(y, per)
        channels.append({"label": info.label, "role": role.value, "unit": info.data_unit, "sfreq": info.sfreq,
                         "t0_s": t0, "dt_s": dt, "minmax": bool(minmax),
                         "band_hz": list(band) if band is not None else None,
                         "y": np.round(y.astype(np.float64), 2).tolist()})
    return {"start_s": start, "stop_s": stop, "channels": channels}

"""Windows of signal for the review page, read from the recording on demand.

Only the requested channels and seconds are decoded (:meth:`myosleep.io.Recording.get_data`
reads the memory-mapped file lazily), so the browser never receives the night, only a
window around the event under review.  A window longer than the screen can show is reduced
to the minimum and maximum of each time bin, which draws the same trace as every sample
(the envelope a PSG viewer draws when it zooms out) at a bounded size.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ParameterError
from ..preprocessing.display import display_band_hz, display_window
from ..vocab import Role

if TYPE_CHECKING:  # pragma: no cover
    from ..io.recording import Recording

__all__ = ["read_window", "display_band_hz", "MAX_WINDOW_S", "MAX_POINTS"]

#: Longest window served at once, in seconds: two 30-s epochs and margins.  Whole-night
#: browsing is the hypnogram's job, not the traces'.
MAX_WINDOW_S = 120.0
#: Most values sent per channel (min/max pairs beyond that): about two per pixel of a wide screen.
MAX_POINTS = 4000


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
        w = display_window(rec, info.label, start, stop, band_hz=band, max_points=max_points)
        channels.append({"label": info.label, "role": role.value, "unit": info.data_unit, "sfreq": info.sfreq,
                         "t0_s": w.t0_s, "dt_s": w.dt_s, "minmax": w.minmax,
                         "band_hz": list(w.band_hz) if w.band_hz is not None else None,
                         "y": _json_values(w.values)})
    return {"start_s": start, "stop_s": stop, "channels": channels}


def _json_values(values: np.ndarray) -> list[float | None]:
    """Values to 0.01, NaN (a gap of the recording) as None: JSON null, which the trace leaves blank."""
    y = np.round(np.asarray(values, dtype=np.float64), 2)
    finite = np.isfinite(y)
    if finite.all():
        return y.tolist()
    return [v if ok else None for v, ok in zip(y.tolist(), finite.tolist())]

"""Interval overlap: the one test behind the respiratory, arousal and LM association rules and the
channels that record one muscle (``detection.same_muscle``)."""

from __future__ import annotations

import numpy as np

__all__ = ["overlaps_any"]


def overlaps_any(on: np.ndarray, off: np.ndarray, w_on: np.ndarray, w_off: np.ndarray, *,
                 closed: bool = False) -> np.ndarray:
    """For each interval [on, off] (s), whether it overlaps any window [w_on, w_off] (s).

    ``closed`` counts touching ends as overlap (``<=``); otherwise overlap is strict.  Intervals
    or windows with a NaN bound overlap nothing.  The windows are sorted once: for each interval
    the windows starting before its end are a prefix, and it overlaps one of them when the
    latest end among them lies after its start (O((n + m) log m), not an n x m table).
    """
    on = np.asarray(on, dtype=float)
    off = np.asarray(off, dtype=float)
    w_on = np.asarray(w_on, dtype=float)
    w_off = np.asarray(w_off, dtype=float)
    out = np.zeros(on.size, dtype=bool)
    keep = ~(np.isnan(w_on) | np.isnan(w_off))
    w_on, w_off = w_on[keep], w_off[keep]
    if on.size == 0 or w_on.size == 0:
        return out
    order = np.argsort(w_on, kind="stable")
    starts = w_on[order]
    latest_end = np.maximum.accumulate(w_off[order])
    k = np.searchsorted(starts, off, side="right" if closed else "left") - 1
    end = latest_end[np.maximum(k, 0)]
    hit = (k >= 0) & ((end >= on) if closed else (end > on))
    return hit & ~(np.isnan(on) | np.isnan(off))

"""Interval overlap: the one test behind the respiratory, arousal and LM association rules and the
channels that record one muscle (``detection.same_muscle``); the union of intervals (a channel's
artefact time, the time a channel did not observe)."""

from __future__ import annotations

import numpy as np

__all__ = ["merge_intervals", "overlaps_any", "union_length"]


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


def merge_intervals(on: np.ndarray, off: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The union of intervals [on, off] (s) as sorted, disjoint intervals (overlapping or touching ones
    joined; intervals with a NaN bound or off <= on dropped)."""
    on = np.asarray(on, dtype=float).ravel()
    off = np.asarray(off, dtype=float).ravel()
    keep = np.isfinite(on) & np.isfinite(off) & (off > on)
    on, off = on[keep], off[keep]
    if on.size == 0:
        return on, off
    order = np.argsort(on, kind="stable")
    on, off = on[order], np.maximum.accumulate(off[order])
    # a new interval starts where the next onset lies after every offset so far
    new = np.concatenate([[True], on[1:] > off[:-1]])
    idx = np.flatnonzero(new)
    ends = np.concatenate([idx[1:] - 1, [on.size - 1]])
    return on[idx], off[ends]


def union_length(on: np.ndarray, off: np.ndarray) -> float:
    """Total length (s) of the union of intervals [on, off] (s): overlapping ones counted once."""
    a, b = merge_intervals(on, off)
    return float((b - a).sum())

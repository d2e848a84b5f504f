"""Interval overlap, the one test behind the respiratory, arousal and LM association rules."""

from __future__ import annotations

import numpy as np

__all__ = ["overlaps_any"]


def overlaps_any(on: np.ndarray, off: np.ndarray, w_on: np.ndarray, w_off: np.ndarray, *,
                 closed: bool = False) -> np.ndarray:
    """For each interval [on, off] (s), whether it overlaps any window [w_on, w_off] (s).

    ``closed`` counts touching ends as overlap (``<=``); otherwise overlap is strict.
    """
    on = np.asarray(on, dtype=float)
    off = np.asarray(off, dtype=float)
    w_on = np.asarray(w_on, dtype=float)
    w_off = np.asarray(w_off, dtype=float)
    if on.size == 0 or w_on.size == 0:
        return np.zeros(on.size, dtype=bool)
    if closed:
        return np.any((on[:, None] <= w_off[None, :]) & (off[:, None] >= w_on[None, :]), axis=1)
    return np.any((on[:, None] < w_off[None, :]) & (off[:, None] > w_on[None, :]), axis=1)

"""Interval overlap, the one test behind the respiratory, arousal and LM association rules."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["arousal_mask", "overlaps_any"]


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


def arousal_mask(on: np.ndarray, off: np.ndarray, arousals: pd.DataFrame | None, gap_s: float) -> np.ndarray:
    """AASM association of intervals [on, off] (s) with arousals: overlap, or < ``gap_s`` between
    the end of one and the onset of the other (either way)."""
    out = np.zeros(on.size, dtype=bool)
    if arousals is None or len(arousals) == 0 or on.size == 0:
        return out
    a_on = arousals["onset"].to_numpy(dtype=float)
    a_off = a_on + arousals["duration"].to_numpy(dtype=float)
    return overlaps_any(on, off, a_on - gap_s, a_off + gap_s)

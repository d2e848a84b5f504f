"""AASM association of intervals with arousals (the overlap test: :func:`myosleep._intervals.overlaps_any`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .._intervals import overlaps_any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["arousal_mask", "overlaps_any"]


def arousal_mask(on: np.ndarray, off: np.ndarray, arousals: pd.DataFrame | None, gap_s: float) -> np.ndarray:
    """AASM association of intervals [on, off] (s) with arousals: overlap, or < ``gap_s`` between
    the end of one and the onset of the other (either way)."""
    out = np.zeros(on.size, dtype=bool)
    if arousals is None or len(arousals) == 0 or on.size == 0:
        return out
    a_on = arousals["onset"].to_numpy(dtype=float)
    a_off = a_on + arousals["duration"].to_numpy(dtype=float)
    return overlaps_any(on, off, a_on - gap_s, a_off + gap_s)

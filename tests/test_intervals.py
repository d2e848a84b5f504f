"""The one interval-overlap test (``myosleep._intervals.overlaps_any``) against its definition."""

from __future__ import annotations

import numpy as np
import pytest

from myosleep._intervals import overlaps_any


def _by_definition(on, off, w_on, w_off, closed):
    if on.size == 0 or w_on.size == 0:
        return np.zeros(on.size, dtype=bool)
    if closed:
        return np.any((on[:, None] <= w_off[None, :]) & (off[:, None] >= w_on[None, :]), axis=1)
    return np.any((on[:, None] < w_off[None, :]) & (off[:, None] > w_on[None, :]), axis=1)


@pytest.mark.parametrize("closed", [False, True])
def test_overlap_as_defined_on_ties_nan_and_reversed_intervals(closed) -> None:
    rng = np.random.default_rng(0)
    for trial in range(1500):
        n, m = int(rng.integers(0, 30)), int(rng.integers(0, 30))
        on = np.round(rng.uniform(0, 50, n))  # whole seconds: touching ends are frequent
        off = on + np.round(rng.uniform(-2, 5, n))
        w_on = np.round(rng.uniform(0, 50, m))
        w_off = w_on + np.round(rng.uniform(-2, 5, m))
        if trial % 5 == 0 and n:
            on[rng.integers(n)] = np.nan
        if trial % 7 == 0 and m:
            w_off[rng.integers(m)] = np.nan
        np.testing.assert_array_equal(overlaps_any(on, off, w_on, w_off, closed=closed),
                                      _by_definition(on, off, w_on, w_off, closed))

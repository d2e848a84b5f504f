"""Which groups of jerks are averaged."""

from __future__ import annotations

import numpy as np

from myosleep.neurophysiology.stage import _groups


def test_groups():
    """One group per muscle with >= 20 jerks, the others pooled when >= 20; disjoint."""
    t = np.array(["A"] * 25 + ["B"] * 5, dtype=object)
    g = dict(_groups(t, 20))
    assert set(g) == {"A"} and g["A"].size == 25
    t = np.array(["A"] * 25 + ["B"] * 12 + ["C"] * 9, dtype=object)
    g = dict(_groups(t, 20))
    assert set(g) == {"A", "other muscles"} and set(g["other muscles"]) == set(range(25, 46))
    assert [n for n, _ in _groups(np.array(["A"] * 30, dtype=object), 20)] == ["A"]
    assert [n for n, _ in _groups(np.array(["A"] * 10 + ["B"] * 10, dtype=object), 20)] == ["all"]
    assert _groups(np.array(["A"] * 19, dtype=object), 20) == []
    assert [n for n, _ in _groups(np.array([""] * 25, dtype=object), 20)] == ["all"]

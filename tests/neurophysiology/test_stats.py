"""Exact small cases of the statistics: Holm over groups, the sequential null, which jerks are relabelled."""

from __future__ import annotations

import numpy as np
import pytest

from myosleep.neurophysiology.params import DEFAULT_PARAMS
from myosleep.neurophysiology.stage import _covered
from myosleep.neurophysiology.transient import (
    NOT_TESTED,
    STOP_AFTER_EXCEEDANCES,
    TransientNull,
    _null_max_t,
    _t_values,
    holm,
    holm_levels,
    locate_transient,
)


def test_least_lead_by_muscle():
    """The fastest corticomuscular conduction to the trigger muscles bounds the lead (MEP latencies)."""
    p = DEFAULT_PARAMS
    assert p.min_lead_ms({"chin"}) == 8.0 and p.min_lead_ms({"arm"}) == 10.0 and p.min_lead_ms({"leg"}) == 18.0
    assert p.min_lead_ms({"leg", "arm"}) == 10.0 and p.min_lead_ms({"unknown", "leg"}) == 8.0
    assert p.min_lead_ms(set()) == 8.0


def test_holm():
    # Holm (1979): sorted p 0.001, 0.01, 0.03, 0.04 with m = 4 -> 0.004, 0.03, 0.06, 0.06
    p = np.array([0.03, 0.001, 0.04, 0.01])
    assert holm(p) == pytest.approx([0.06, 0.004, 0.06, 0.03])
    assert holm_levels(p, 0.01) == pytest.approx([0.01 / 2, 0.01 / 4, 0.01 / 1, 0.01 / 3])
    assert holm(np.array([0.5])) == pytest.approx([0.5]) and holm(np.array([0.9, 0.9])).max() == 1.0


def test_null_matches_the_direct_draws():
    """The accumulated sums give the max |t| of drawing one segment per jerk, as gathering them does."""
    rng = np.random.default_rng(0)
    n, k1 = 30, 11
    seg = rng.standard_normal((n, k1, 20, 3)) + 0.2
    null = _null_max_t(seg.reshape(n * k1, -1), n, 500, np.random.default_rng(5), np.inf)
    r = np.random.default_rng(5)
    ref = []
    for _ in range(2):
        pick = r.integers(0, k1, size=(250, n))
        ref.append(np.abs(_t_values(seg[np.arange(n)[None, :], pick])).reshape(250, -1).max(axis=1))
    assert null == pytest.approx(np.concatenate(ref), rel=1e-9)


def test_sequential_stop():
    """Draws stop after 10 exceed the observed statistic (Besag & Clifford 1991); never for a large one."""
    rng = np.random.default_rng(1)
    n = 25
    seg = rng.standard_normal((n * 11, 40))
    small = _null_max_t(seg, n, 2000, np.random.default_rng(2), 1.0)
    assert small.size == 250 and np.sum(small >= 1.0) >= STOP_AFTER_EXCEEDANCES
    assert _null_max_t(seg, n, 2000, np.random.default_rng(2), 50.0).size == 2000


def _null(t_obs: np.ndarray, null: np.ndarray) -> TransientNull:
    times = np.arange(-25, 0) / 256.0
    return TransientNull(t_obs, null, t_obs.copy(), times, times <= -0.008 + 1e-9, ("C3", "C4"), 8.0)


def test_locate_transient():
    null = np.linspace(0.0, 5.0, 2000)  # t_crit at level 0.01: ~4.95
    t = np.zeros((25, 2))
    t[15:18, 0] = [3.0, 6.0, 3.0]  # a run peaking 9 samples (35.2 ms) before onset on C3
    nl = _null(t, null)
    assert nl.p_value == pytest.approx(1 / 2001)
    tr = locate_transient(nl, level=0.01, p_adjusted=nl.p_value, alpha=0.01, params=DEFAULT_PARAMS)
    assert tr.channel == "C3" and tr.polarity == "positive" and tr.latency_ms == pytest.approx(9000 / 256, abs=0.01)
    # not rejected by Holm: no transient, no runs listed
    no = locate_transient(nl, level=0.01, p_adjusted=0.02, alpha=0.01, params=DEFAULT_PARAMS)
    assert no.channel is None and no.clusters == () and no.p_adjusted == 0.02
    # a run wholly within the last 8 ms is the jerk's own onset: untested, never a transient
    late = np.zeros((25, 2))
    late[23:, 1] = 9.0
    nl2 = _null(late, null)
    assert nl2.p_value == 1.0
    assert locate_transient(nl2, level=0.01, p_adjusted=0.001, alpha=0.01, params=DEFAULT_PARAMS).channel is None
    assert locate_transient(None, level=0.01, p_adjusted=0.0, alpha=0.01, params=DEFAULT_PARAMS) is NOT_TESTED


class _G:
    def __init__(self, name, rows, sig):
        self.name, self.event_index, self.significant = name, tuple(rows), sig


def test_which_jerks_are_relabelled():
    """Every significant group's own jerks (the groups are disjoint)."""
    a, b, pooled = _G("FDS L", [0, 1, 2], True), _G("LAT", [3, 4], False), _G("other muscles", [5, 6, 7], True)
    assert _covered([a, b, pooled]) == (("FDS L", (0, 1, 2)), ("other muscles", (5, 6, 7)))
    assert _covered([_G("all", range(5), True)]) == (("all", (0, 1, 2, 3, 4)),)
    assert _covered([b, _G("FDS L", [0, 1, 2], False)]) == ()

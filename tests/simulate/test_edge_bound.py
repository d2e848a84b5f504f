"""The Cramer-Rao bound on a burst edge's time (``myosleep.simulate.truth.edge_time_bound_s``).

The bound is what the 90th percentiles of REM-twitch and leg-movement durations in
``benchmarks/eval_rates.py`` are compared with; it must be the real one.  Checked against
the estimator that reaches it: the maximum-likelihood fit of the exponential tail's
amplitude and slope to Gaussian samples, one degree of freedom each at the band's
``2 x bandwidth`` per second, whose spread over many tails must match the bound.
"""

from __future__ import annotations

import numpy as np
import pytest

from myosleep.preprocessing.filters import emg_band_hz
from myosleep.simulate.truth import edge_time_bound_s, p90_floor_s


def _ml_crossings(sfreq: float, slope: float, level: float, peak: float, trials: int, seed: int) -> np.ndarray:
    """Crossing times (s, truth 0) fitted by maximum likelihood (Fisher scoring) to simulated tails."""
    lo, hi = emg_band_hz(sfreq)
    rho = 2.0 * (hi - lo)
    c = level ** 2 - 1.0
    t0 = -np.log(peak ** 2 / c) / (2.0 * slope)
    t = np.arange(t0, t0 + 30.0 / (2.0 * slope), 1.0 / rho)
    p = 1.0 + c * np.exp(-2.0 * slope * t)
    z = np.random.default_rng(seed).standard_normal((trials, t.size)) ** 2 * p  # squared samples
    a = np.full(trials, np.log(c))
    b = np.full(trials, -2.0 * slope)
    for _ in range(50):
        e = np.exp(a[:, None] + b[:, None] * t)
        P = 1.0 + e
        g = 1.0 / P - z / P ** 2
        ga, gb = (g * e).sum(1), (g * e * t).sum(1)
        w = e * e / P ** 2
        haa, hab, hbb = w.sum(1), (w * t).sum(1), (w * t * t).sum(1)
        det = haa * hbb - hab ** 2
        a -= (hbb * ga - hab * gb) / det
        b -= (haa * gb - hab * ga) / det
    return (np.log(c) - a) / b


@pytest.mark.parametrize(("sfreq", "slope", "level"), [(200, 10.0, 2.0), (512, 5.0, 2.0), (512, 20.0, 3.0)])
def test_bound_is_reached_by_maximum_likelihood(sfreq, slope, level):
    bound = float(edge_time_bound_s(slope, sfreq, level_ratio=level, peak_ratio=10.0))
    tx = _ml_crossings(sfreq, slope, level, 10.0, trials=600, seed=1)
    assert abs(np.median(tx)) < 0.3 * bound  # the fit is nearly unbiased (median error of 600: ~0.05 bound)
    # the SD of 600 draws is known to ~3 %; the fit reaches the bound asymptotically
    assert 0.85 * bound < np.std(tx) < 1.2 * bound, (np.std(tx), bound)


def test_bound_scaling():
    b = edge_time_bound_s(np.array([5.0, 20.0]), 512)
    assert b[0] / b[1] == pytest.approx(2.0, rel=1e-3)  # 1 / sqrt(slope)
    # a wider recorded band holds more degrees of freedom per second: 200 Hz (10-80 Hz) vs 512 Hz (10-200 Hz)
    assert edge_time_bound_s(10.0, 200) / edge_time_bound_s(10.0, 512) == pytest.approx(np.sqrt(190 / 70), rel=1e-3)
    assert np.isnan(edge_time_bound_s(0.0, 512))
    assert np.isnan(edge_time_bound_s(10.0, 512, level_ratio=20.0, peak_ratio=10.0))  # level above the peak


def test_p90_floor():
    assert p90_floor_s(np.full(50, 0.01)) == pytest.approx(0.016449, rel=1e-4)
    mixed = np.r_[np.full(50, 0.001), np.full(50, 0.05)]
    draws = np.abs(np.random.default_rng(0).standard_normal((4000, 100)) * mixed)
    assert p90_floor_s(mixed) == pytest.approx(np.percentile(draws, 90), rel=0.03)
    assert np.isnan(p90_floor_s(np.array([np.nan])))

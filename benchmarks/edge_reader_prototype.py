"""Three readers of a burst's offset on slow tails, compared (docs/detection.md, "The floor").

* the change point the detector uses (``detection.bursts._refine_edges``): the end of the stretch
  whose summed log power about the level is largest - by the switching relation (Groeneboom
  1985) the crossing of the isotonic fit of the log power (here without the detector's stopping
  rule, on one offset per burst);
* a local line through the log power of 2-degree-of-freedom blocks around that reading, its width
  chosen by Lepski's method (the widest whose crossing agrees within kappa standard errors with
  every narrower one's);
* a local exponential over the resting power, ``rest**2 + exp(a + b t)``, fitted to the blocks'
  mean squares by maximum likelihood (each a Gamma variable), its width chosen the same way.

Band-limited Gaussian EMG (10-200 Hz, 2nd order, capped at 0.4 x the rate) modulated by the
burst in one of two ways: ``additive``, the burst's power added to the resting power (motor
units firing independently of the tonic ones), or ``coherent``, the burst's amplitude added to
the resting amplitude on the same carrier, as ``myosleep.simulate`` builds its EMG (``texture x
(tone + envelope)``).  The truth is where the noiseless amplitude falls below twice the resting
amplitude (SINBAR's twice the background).  Shapes: exponential tails at 5, 10 and 20/s after a
50-200 ms plateau, and the simulator's Hann, fast-rise and gamma envelopes of 100-500 ms; peaks
5-40 x rest; 400 bursts each.  Prints the median and 90th percentile of the offset error (ms) of
each reader.

    .venv/bin/python benchmarks/edge_reader_prototype.py [RATE_HZ] [SEED]     # ~2 min
"""
import sys

import numpy as np
from scipy.optimize import minimize
from scipy.signal import butter, sosfilt

FS = float(sys.argv[1]) if len(sys.argv) > 1 else 512.0
RNG = np.random.default_rng(int(sys.argv[2]) if len(sys.argv) > 2 else 0)
SOS = butter(2, [10.0, min(200.0, 0.4 * FS)], btype="band", fs=FS, output="sos")
K = 3 if FS < 600 else int(round(FS / 170))  # samples per block of ~2 degrees of freedom
REST = 1.0
LEVEL2 = (2 * REST) ** 2


def envelope(kind: str, m: int) -> np.ndarray:
    u = (np.arange(m) + 0.5) / m
    if kind == "hann":
        return np.sin(np.pi * u) ** 2
    if kind == "fast_rise":
        r = RNG.uniform(0.15, 0.25)
        e = np.where(u < r, np.sin(0.5 * np.pi * u / r) ** 2, np.exp(-(u - r) / (0.35 * (1 - r))))
        return np.minimum(e, np.sin(np.pi * u) ** 0.5 + 1e-3)
    e = (u / 0.3) ** 2 * np.exp(-2 * (u / 0.3 - 1))  # gamma
    return e * np.sin(np.pi * u) ** 0.3


def burst(kind: str, slope: float | None, model: str) -> tuple[np.ndarray, int, int]:
    """(signal, true offset sample, peak sample)."""
    pre, post = int(0.5 * FS), int(0.8 * FS)
    peak_amp = RNG.uniform(5, 40) * REST
    if kind == "exp":
        plateau = int(RNG.uniform(0.05, 0.2) * FS)
        t = np.arange(int(np.log(peak_amp / 0.01) / slope * FS)) / FS
        env = np.r_[np.full(plateau, peak_amp), peak_amp * np.exp(-slope * t)]
    else:
        env = peak_amp * envelope(kind, int(RNG.uniform(0.1, 0.5) * FS))
    n = pre + env.size + post
    amp = np.zeros(n)
    amp[pre:pre + env.size] = env
    x = sosfilt(SOS, RNG.standard_normal(n + 2000))[2000:]
    x /= np.sqrt(np.mean(x ** 2))
    total = np.sqrt(REST ** 2 + amp ** 2) if model == "additive" else REST + amp
    return x * total, int(np.flatnonzero(total >= 2 * REST)[-1] + 1), pre + int(np.argmax(env))


def blocks(sig: np.ndarray, start: int) -> tuple[np.ndarray, np.ndarray]:
    """Log mean square of consecutive K-sample blocks from ``start``, and their centres (samples)."""
    nb = (sig.size - start) // K
    s = sig[start:start + nb * K].reshape(nb, K)
    return np.log(np.mean(s ** 2, axis=1)), start + K * np.arange(nb) + (K - 1) / 2.0


_rest = sosfilt(SOS, RNG.standard_normal(400000))[2000:]
_rest /= np.sqrt(np.mean(_rest ** 2))
_lb, _ = blocks(_rest, 0)
BIAS, VAR = -float(np.mean(_lb)), float(np.var(_lb))  # E ln and variance of a block's log mean square


def change_point(sig: np.ndarray, peak: int) -> float:
    y, c = blocks(sig, peak)
    j = int(np.argmax(np.cumsum(y + BIAS - np.log(LEVEL2))))
    return c[j] + (K + 1) / 2.0  # one past the block's last sample


def _lepski(c: np.ndarray, y: np.ndarray, pilot: float, fit, *, kappa: float = 2.0,
            inside: bool = False) -> float:
    """Crossing read by ``fit(t, y) -> (crossing, its standard error) | None`` over windows around ``pilot``.

    Half-widths of 3-120 blocks; the widest window whose crossing agrees within ``kappa``
    standard errors with every narrower one's is kept (Lepski's rule); ``inside``: a crossing
    outside its window's blocks is no reading.
    """
    j0 = int(np.argmin(abs(c - pilot)))
    fits = []
    for h in np.unique(np.round(np.geomspace(3, 120, 14)).astype(int)):
        lo, hi = max(0, j0 - h), min(y.size, j0 + h + 1)
        if hi - lo < 5:
            continue
        r = fit(c[lo:hi], y[lo:hi])
        if r is not None and (not inside or c[lo] - K <= r[0] <= c[hi - 1] + K):
            fits.append(r)
    best = fits[0][0] if fits else pilot
    for i, (tau, _) in enumerate(fits):
        if not all(abs(tau - t2) <= kappa * s2 for t2, s2 in fits[:i]):
            break
        best = tau
    return best + 0.5  # the crossing, to the rule's sample convention (one past the last above)


def _line(t: np.ndarray, yy: np.ndarray) -> tuple[float, float] | None:
    """(crossing of 0, its standard error) of the least-squares line through log powers ``yy``."""
    tb = t.mean()
    sxx = np.sum((t - tb) ** 2)
    b = np.sum((t - tb) * (yy - yy.mean())) / sxx
    if b >= 0:
        return None
    tau = tb - yy.mean() / b
    return tau, float(np.sqrt(VAR * (1 / t.size + (tau - tb) ** 2 / sxx)) / abs(b))


def lepski(sig: np.ndarray, peak: int, pilot: float) -> float:
    y, c = blocks(sig, peak)
    return _lepski(c, y + BIAS - np.log(LEVEL2), pilot, _line)


_ms = np.exp(_lb)  # resting block mean squares: their Gamma shape from their mean and variance
SHAPE = float(np.mean(_ms) ** 2 / np.var(_ms))


def _floor_exp(t: np.ndarray, y: np.ndarray) -> tuple[float, float] | None:
    """(crossing, its standard error) of ``REST**2 + exp(a + b t)`` fitted to block powers ``y``."""
    tb = t.mean()
    tt = t - tb
    r2 = REST ** 2
    b0 = np.polyfit(tt, np.log(np.maximum(y - r2, 0.2 * r2)), 1)

    def nll(p: np.ndarray) -> tuple[float, np.ndarray]:
        ex = np.exp(np.clip(p[0] + p[1] * tt, -50, 50))
        mu = r2 + ex
        g = (1 / mu - y / mu ** 2) * ex
        return float(np.sum(y / mu + np.log(mu))), np.array([g.sum(), (g * tt).sum()])

    a, b = minimize(nll, x0=[b0[1], b0[0]], jac=True, method="BFGS").x
    if b >= 0:
        return None
    lev = np.log(LEVEL2 - r2)
    ex = np.exp(a + b * tt)
    w = SHAPE * (ex / (r2 + ex)) ** 2
    info = np.array([[w.sum(), (w * tt).sum()], [(w * tt).sum(), (w * tt * tt).sum()]])
    g = np.array([-1 / b, -(lev - a) / b ** 2])
    return (lev - a) / b + tb, float(np.sqrt(max(g @ np.linalg.inv(info) @ g, 1e-12)))


def lepski_floor_exp(sig: np.ndarray, peak: int, pilot: float) -> float:
    nb = (sig.size - peak) // K
    y = np.mean(sig[peak:peak + nb * K].reshape(nb, K) ** 2, axis=1)
    return _lepski(peak + K * np.arange(nb) + (K - 1) / 2.0, y, pilot, _floor_exp, inside=True)


for model in ("additive", "coherent"):
    for kind, slope in [("exp", 5.0), ("exp", 10.0), ("exp", 20.0), ("hann", None), ("fast_rise", None),
                        ("gamma", None)]:
        errs: list[list[float]] = [[], [], []]
        for _ in range(400):
            sig, truth, peak = burst(kind, slope, model)
            p = change_point(sig, peak)
            for k, reading in enumerate((p, lepski(sig, peak, p), lepski_floor_exp(sig, peak, p))):
                errs[k].append((reading - truth) / FS * 1e3)
        cells = [f"{np.median(e):+.1f} / {np.percentile(np.abs(e), 90):.1f}" for e in map(np.array, errs)]
        print(f"{FS:g} Hz {model:8s} {kind:9s} {slope or '':4}: change point {cells[0]} | Lepski line {cells[1]} | "
              f"Lepski exponential over rest {cells[2]}   (median / p90, ms)", flush=True)

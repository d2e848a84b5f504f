"""Two readers of a burst's offset on slow tails, compared (docs/detection.md, "The floor").

* the change point the detector uses (``detection.bursts._refine_edges``): the end of the stretch
  whose summed log power about the level is largest - by the switching relation (Groeneboom
  1985) the crossing of the isotonic fit of the log power (here without the detector's stopping
  rule, on one offset per burst);
* a local line through the log power of 2-degree-of-freedom blocks around that reading, its width
  chosen by Lepski's method (the widest whose crossing agrees within kappa standard errors with
  every narrower one's).

Band-limited Gaussian EMG (10-200 Hz, 2nd order, capped at 0.4 x the rate) whose power is the
resting power plus the burst's envelope squared; the truth is where the noiseless power falls
below (2 x rest)^2 (SINBAR's twice the background).  Shapes: exponential tails at 5, 10 and
20/s after a 50-200 ms plateau, and the simulator's Hann, fast-rise and gamma envelopes of
100-500 ms; peaks 5-40 x rest; 400 bursts each.  Prints the median and 90th percentile of the
offset error (ms) of each reader.

    .venv/bin/python benchmarks/edge_reader_prototype.py [RATE_HZ] [SEED]     # ~1 min
"""
import sys

import numpy as np
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


def burst(kind: str, slope: float | None) -> tuple[np.ndarray, int, int]:
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
    power = REST ** 2 + amp ** 2
    return x * np.sqrt(power), int(np.flatnonzero(power >= LEVEL2)[-1] + 1), pre + int(np.argmax(env))


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


def lepski(sig: np.ndarray, peak: int, pilot: float, kappa: float = 2.0) -> float:
    y, c = blocks(sig, peak)
    y = y + BIAS - np.log(LEVEL2)
    j0 = int(np.argmin(abs(c - pilot)))
    fits = []
    for h in np.unique(np.round(np.geomspace(3, 120, 14)).astype(int)):
        lo, hi = max(0, j0 - h), min(y.size, j0 + h + 1)
        if hi - lo < 5:
            continue
        t, yy = c[lo:hi], y[lo:hi]
        tb = t.mean()
        sxx = np.sum((t - tb) ** 2)
        b = np.sum((t - tb) * (yy - yy.mean())) / sxx
        if b >= 0:
            continue
        tau = tb - yy.mean() / b
        fits.append((tau, np.sqrt(VAR * (1 / t.size + (tau - tb) ** 2 / sxx)) / abs(b)))
    best = fits[0][0] if fits else pilot
    for i, (tau, _) in enumerate(fits):
        if not all(abs(tau - t2) <= kappa * s2 for t2, s2 in fits[:i]):
            break
        best = tau
    return best + 0.5  # the crossing, to the rule's sample convention (one past the last above)


for kind, slope in [("exp", 5.0), ("exp", 10.0), ("exp", 20.0), ("hann", None), ("fast_rise", None),
                    ("gamma", None)]:
    e1, e2 = [], []
    for _ in range(400):
        sig, truth, peak = burst(kind, slope)
        p = change_point(sig, peak)
        e1.append((p - truth) / FS * 1e3)
        e2.append((lepski(sig, peak, p) - truth) / FS * 1e3)
    a, b = np.array(e1), np.array(e2)
    print(f"{FS:g} Hz {kind:9s} {slope or '':4}: change point median {np.median(a):+.1f} p90 "
          f"{np.percentile(abs(a), 90):.1f} | Lepski line median {np.median(b):+.1f} p90 "
          f"{np.percentile(abs(b), 90):.1f}", flush=True)

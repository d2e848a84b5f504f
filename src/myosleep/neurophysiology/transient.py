"""Is there an EEG transient time-locked before the jerks? A cluster test against jittered onsets.

For each usable jerk j and EEG channel, the EEG of the test window (the 100 ms before EMG
onset) is taken after removing the line fitted on -300 to -100 ms (slow activity: delta
waves, a Bereitschaftspotential, is not a transient). The same measure is taken at K = 10
onsets jittered 0.2-2.0 s *earlier* (never later: that would pull the jerk's own EMG and
movement artefact into the null): the EEG of the same moment of the night, unlocked from
the EMG. Under the null (no activity time-locked to EMG onset) the EEG is as likely to
look as it does at the onset as at any of the jittered times, so drawing, independently
per jerk, one of its K + 1 segments gives the null distribution of the average.

Statistic: the one-sample t across jerks of the segments at the true onsets, at every
sample and channel, and its maximum |t| over all samples and channels (the "t-max"
permutation test; Blair & Karniski, Psychophysiology 1993); its null is the same maximum
for 2000 random draws of one segment per jerk, so the family-wise error over channels and
samples is controlled (max-statistic; Nichols & Holmes, Hum Brain Mapp 2002). t-max rather
than cluster mass (Maris & Oostenveld, J Neurosci Methods 2007): a cortical transient is
sharp (10-20 ms), and the mass of a few-sample cluster is no larger than that of the
broad, weak deflections the background EEG makes by chance, whereas t-max is the more
powerful test for sharp, focal effects (Groppe, Urbach & Kutas, Psychophysiology 2011).
Samples whose |t| exceeds the null's 1 - alpha quantile are significant; their
contiguous runs of one sign are the reported "clusters". (MNE's cluster tests permute
signs only, a null of "zero mean", not of jittered onsets.) Groups of jerks (per trigger muscle)
are Bonferroni-corrected by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict

import numpy as np

from .epochs import EpochSet
from .params import NeuroParams


class _Cluster(TypedDict):
    """One run of significant samples of one sign on one channel (times in ms from EMG onset)."""

    channel: str
    start_ms: float
    end_ms: float
    p_value: float
    sign: str
    peak_ms: float
    peak_uv: float

__all__ = ["TransientResult", "test_transient", "detrended_window"]


@dataclass(frozen=True)
class TransientResult:
    """Pre-jerk transient of one group of jerks.

    Attributes
    ----------
    p_value : float
        Smallest cluster p-value (family-wise over channels; NaN when not tested).
    channel : str | None
        Channel of the earliest significant peak (None when none).
    latency_ms : float
        Its lead over EMG onset, ms (positive = EEG before EMG; NaN when none).
    polarity : str | None
        ``"positive"`` or ``"negative"``.
    amplitude_uv : float
        Peak of the detrended average, uV (signed).
    cluster_start_ms, cluster_end_ms : float
        The significant cluster's span relative to EMG onset, ms.
    clusters : tuple of dict
        Every cluster found: channel, start_ms, end_ms, p_value, sign.
    """

    p_value: float
    channel: str | None
    latency_ms: float
    polarity: str | None
    amplitude_uv: float
    cluster_start_ms: float
    cluster_end_ms: float
    clusters: tuple[dict, ...]

    def to_dict(self) -> dict:
        return {"p_value": self.p_value, "channel": self.channel, "latency_ms": self.latency_ms,
                "polarity": self.polarity, "amplitude_uv": self.amplitude_uv,
                "cluster_start_ms": self.cluster_start_ms, "cluster_end_ms": self.cluster_end_ms,
                "clusters": [dict(c) for c in self.clusters]}


NOT_TESTED = TransientResult(float("nan"), None, float("nan"), None, float("nan"), float("nan"),
                             float("nan"), ())


def _window_indices(times: np.ndarray, lo_s: float, hi_s: float) -> np.ndarray:
    return np.flatnonzero((times >= lo_s - 1e-9) & (times < hi_s - 1e-9))


def detrended_window(data: np.ndarray, times: np.ndarray, shift: np.ndarray | None,
                     params: NeuroParams) -> tuple[np.ndarray, np.ndarray]:
    """Test-window samples of each epoch after removing the line fitted on the detrend window.

    ``data`` (n, c, t); ``shift`` (n,) whole samples to move each epoch's zero (negative =
    earlier), None for none. Returns (n, n_win, c) and the window's times (s).
    """
    win = _window_indices(times, *params.transient_window_s)
    fit = _window_indices(times, *params.detrend_window_s)
    n = data.shape[0]
    s = np.zeros(n, dtype=np.int64) if shift is None else shift.astype(np.int64)
    rows = np.arange(n)[:, None]
    xw = data[rows, :, (win[None, :] + s[:, None])]  # (n, n_win, c)
    xf = data[rows, :, (fit[None, :] + s[:, None])]  # (n, n_fit, c)
    tf = times[fit] - times[fit].mean()
    slope = np.einsum("t,ntc->nc", tf, xf - xf.mean(axis=1, keepdims=True)) / np.sum(tf * tf)
    level = xf.mean(axis=1)
    tw = times[win] - times[fit].mean()
    trend = level[:, None, :] + slope[:, None, :] * tw[None, :, None]
    return xw - trend, times[win]


def _peak(avg: np.ndarray, t_s: np.ndarray, mask: np.ndarray, sign: float) -> tuple[float, float]:
    """Latency (s) and value of the extreme of ``sign * avg`` within ``mask``, refined by a
    parabola through the peak sample and its neighbours (sub-sample latency)."""
    idx = np.flatnonzero(mask)
    k = idx[np.argmax(sign * avg[idx])]
    t, v = t_s[k], avg[k]
    if 0 < k < avg.size - 1:
        y0, y1, y2 = sign * avg[k - 1], sign * avg[k], sign * avg[k + 1]
        den = y0 - 2 * y1 + y2
        if den < 0:
            d = 0.5 * (y0 - y2) / den
            if abs(d) <= 1:
                dt = t_s[1] - t_s[0]
                t = t + d * dt
                v = sign * (y1 - 0.25 * (y0 - y2) * d)
    return float(t), float(v)


#: Jittered segments per jerk (the null's K): (K + 1)^n draws, far more than are used.
N_JITTER = 10


def _t_values(d: np.ndarray) -> np.ndarray:
    """One-sample t over axis -3 of ``d`` (..., n, n_win, c)."""
    n = d.shape[-3]
    sd = d.std(axis=-3, ddof=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = d.mean(axis=-3) / (sd / np.sqrt(n))
    return np.nan_to_num(t)


def _max_abs_t(t: np.ndarray) -> np.ndarray:
    """max |t| over samples and channels, per permutation: ``t`` (B, n_win, c)."""
    return np.abs(t).reshape(t.shape[0], -1).max(axis=1)


def _clusters(t: np.ndarray, thresh: float) -> list[tuple[int, int, int, float]]:
    """Clusters of ``t`` (n_win, c): (channel, first, last sample, mass)."""
    out = []
    for ch in range(t.shape[1]):
        for sign in (1.0, -1.0):
            m = sign * t[:, ch] > thresh
            k = 0
            while k < m.size:
                if m[k]:
                    e = k
                    while e + 1 < m.size and m[e + 1]:
                        e += 1
                    out.append((ch, k, e, float(t[k:e + 1, ch].sum())))
                    k = e + 1
                else:
                    k += 1
    return out


def test_transient(ep: EpochSet, rows: np.ndarray, *, params: NeuroParams, alpha: float,
                   rng: np.random.Generator) -> TransientResult:
    """Cluster test of the pre-jerk window for the epochs ``rows`` of ``ep`` (see module doc).

    ``alpha`` is the group's significance level (already Bonferroni-corrected).
    """
    x = ep.data_uv[rows]
    n, n_ch, _ = x.shape
    if n < 3:
        return NOT_TESTED
    a, t_win = detrended_window(x, ep.times_s, None, params)
    segs = [a]
    for _ in range(N_JITTER):
        shift = np.round(rng.uniform(params.jitter_s[0], params.jitter_s[1], n) * ep.sfreq).astype(np.int64)
        segs.append(detrended_window(x, ep.times_s, shift, params)[0])
    s_all = np.stack(segs, axis=1)  # (n, K + 1, n_win, c); index 0 = the true onsets
    t_obs = _t_values(a)
    null = np.empty(params.n_permutations)
    batch = max(1, int(2e6 // max(1, a.size)))
    done = 0
    jerk = np.arange(n)
    while done < params.n_permutations:
        b = min(batch, params.n_permutations - done)
        pick = rng.integers(0, N_JITTER + 1, size=(b, n))
        chosen = s_all[jerk[None, :], pick]  # (b, n, n_win, c)
        null[done:done + b] = _max_abs_t(_t_values(chosen))
        done += b
    avg = a.mean(axis=0)  # (n_win, c): detrended average at the true onsets
    # significant samples: |t| above the null's 1 - alpha quantile; runs of one sign
    t_crit = float(np.quantile(null, 1.0 - alpha))
    found: list[_Cluster] = []
    for ch, k0, k1, mass in _clusters(t_obs, t_crit):
        t_run = float(np.abs(t_obs[k0:k1 + 1, ch]).max())
        p = float((1 + np.sum(null >= t_run)) / (1 + null.size))
        tm = np.zeros(t_win.size, dtype=bool)
        tm[k0:k1 + 1] = True
        sign = 1.0 if mass > 0 else -1.0
        lat_s, val = _peak(avg[:, ch], t_win, tm, sign)
        found.append({"channel": ep.channels[ch], "start_ms": round(float(t_win[k0]) * 1000, 2),
                      "end_ms": round(float(t_win[k1]) * 1000, 2), "p_value": p,
                      "sign": "positive" if sign > 0 else "negative", "peak_ms": lat_s * 1000.0,
                      "peak_uv": val})
    if not found:
        p_none = float((1 + np.sum(null >= np.abs(t_obs).max())) / (1 + null.size))
        return TransientResult(p_none, None, float("nan"), None, float("nan"), float("nan"), float("nan"), ())
    p_min = float((1 + np.sum(null >= np.abs(t_obs).max())) / (1 + null.size))
    # a peak closer to EMG onset than the shortest corticomuscular conduction time is the
    # jerk's own onset (or an onset error), not its cortical cause
    sig = [c for c in found if c["p_value"] < alpha and -c["peak_ms"] >= params.min_conduction_ms]
    public = tuple({"channel": c["channel"], "start_ms": c["start_ms"], "end_ms": c["end_ms"],
                    "p_value": c["p_value"], "sign": c["sign"]} for c in found)
    if not sig:
        return TransientResult(p_min, None, float("nan"), None, float("nan"), float("nan"), float("nan"), public)
    # the earliest peak of the significant time-locked complex gives the corticomuscular lead
    # (the first deflection of the biphasic cortical potential; Shibasaki 1992)
    best = min(sig, key=lambda c: (c["peak_ms"], c["p_value"]))
    return TransientResult(p_min, best["channel"], -best["peak_ms"], best["sign"], best["peak_uv"],
                           best["start_ms"], best["end_ms"], public)

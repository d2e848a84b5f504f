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
signs only, a null of "zero mean", not of jittered onsets.)

Which samples are tested: those of the window at least the shortest corticomuscular conduction
time to the group's muscles before EMG onset (8 ms; 10 ms for arm and 18 ms for leg muscles:
:class:`~.params.NeuroParams`). A cortical discharge cannot lead its jerk by less, so those last
samples would only add chances to the maximum; a run of significant samples may continue into
them, and when its peak lies there it is the jerk's own onset (or the potential's later
component), not its cause.

Two phases, so that several groups of jerks (one per trigger muscle, and all together) are
corrected by Holm's step-down procedure (Holm, Scand J Stat 1979; uniformly more powerful
than Bonferroni, same family-wise guarantee): :func:`transient_null` gives each group's
statistic, null and p-value; :func:`holm` adjusts the p-values; :func:`locate_transient`
finds the significant samples of a group at the level at which Holm rejected it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict

import numpy as np

from .channels import Reference, parse_derivation
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

__all__ = ["TransientResult", "TransientNull", "transient_null", "holm", "holm_levels", "locate_transient",
           "detrended_window"]


@dataclass(frozen=True)
class TransientResult:
    """Pre-jerk transient of one group of jerks.

    Attributes
    ----------
    p_value : float
        The group's permutation p-value: its max |t| over the tested samples and channels
        (family-wise over channels and samples; NaN when not tested).
    p_adjusted : float
        ``p_value`` adjusted over the groups of the analysis (Holm); the group is
        significant when it is <= alpha and a run's peak lies >= 8 ms before onset.
    channel : str | None
        Channel of the reported transient (None when none): of the significant runs, the one
        in the muscles' lead window, over the jerking limb's motor area, with the largest
        deflection (:func:`locate_transient`); with a scalp common reference, the derivation
        of the site where the deflection is largest.
    latency_ms : float
        Its lead over EMG onset, ms (positive = EEG before EMG; NaN when none).
    polarity : str | None
        ``"positive"`` or ``"negative"``.
    amplitude_uv : float
        Peak of the detrended average, uV (signed).
    cluster_start_ms, cluster_end_ms : float
        The span of the significant run reported relative to EMG onset, ms (with a scalp
        common reference it may lie on another channel than ``channel``).
    clusters : tuple of dict
        When Holm rejected the group: every run of samples above its threshold (channel,
        start_ms, end_ms, p_value, sign, peak_ms); else empty.
    reference : str | None
        The recording's common reference when it is a scalp electrode (``"Cz"``; EGI nets):
        its potential appears inverted on every channel. None for ears, mastoids, mixed or
        no common reference.
    reference_free : dict | None
        With such a reference and channels covering the head: the average reference's view
        at the transient's peak (``reference`` "average", ``site`` with the largest
        deflection, ``amplitude_uv``, ``polarity``, ``n_sites``); else None.
    lead_window_ms : tuple of float | None
        The physiological lead window of the group's muscles (:meth:`NeuroParams.lead_window_ms`).
    """

    p_value: float
    p_adjusted: float
    channel: str | None
    latency_ms: float
    polarity: str | None
    amplitude_uv: float
    cluster_start_ms: float
    cluster_end_ms: float
    clusters: tuple[dict, ...]
    reference: str | None = None
    reference_free: dict | None = None
    lead_window_ms: tuple[float, float] | None = None

    def to_dict(self) -> dict:
        return {"p_value": self.p_value, "p_value_adjusted": self.p_adjusted, "channel": self.channel,
                "latency_ms": self.latency_ms, "polarity": self.polarity, "amplitude_uv": self.amplitude_uv,
                "cluster_start_ms": self.cluster_start_ms, "cluster_end_ms": self.cluster_end_ms,
                "clusters": [dict(c) for c in self.clusters], "reference": self.reference,
                "reference_free": None if self.reference_free is None else dict(self.reference_free),
                "lead_window_ms": None if self.lead_window_ms is None else list(self.lead_window_ms)}


NOT_TESTED = TransientResult(float("nan"), float("nan"), None, float("nan"), None, float("nan"), float("nan"),
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


#: Draws of the null per batch; the sequential stop is checked after each batch.
NULL_BATCH = 250
#: Sequential Monte Carlo p-value (Besag & Clifford, Biometrika 1991): the draws stop once
#: this many exceed the observed statistic; the p-value is then >= 10 / draws (>= 0.04 after
#: one batch), far above any level a group is tested at, and exact draws go on otherwise.
STOP_AFTER_EXCEEDANCES = 10


def _null_max_t(segments: np.ndarray, n: int, n_permutations: int, rng: np.random.Generator,
                t_observed: float) -> np.ndarray:
    """max |t| of up to ``n_permutations`` random draws of one of the K + 1 segments per jerk,
    stopping early once :data:`STOP_AFTER_EXCEEDANCES` draws reach ``t_observed``.

    ``segments`` (n * (K + 1), m): jerk j's segments in rows j (K + 1) .. j (K + 1) + K. Each
    draw's sum and sum of squares over jerks are accumulated jerk by jerk (one row gathered
    per draw and jerk), so the t of every draw costs n additions of its chosen rows.
    """
    k1 = segments.shape[0] // n
    both = np.concatenate([segments, segments * segments], axis=1)
    m = segments.shape[1]
    out = np.empty(n_permutations)
    cols = np.arange(n) * k1
    for b0 in range(0, n_permutations, NULL_BATCH):
        b = min(NULL_BATCH, n_permutations - b0)
        pick = rng.integers(0, k1, size=(b, n))
        r = np.zeros((b, 2 * m))
        for j in range(n):
            r += both[cols[j] + pick[:, j]]
        mean = r[:, :m] / n
        var = np.maximum(r[:, m:] - n * mean * mean, 0.0) / (n - 1)
        with np.errstate(invalid="ignore", divide="ignore"):
            t = np.nan_to_num(mean / np.sqrt(var / n))
        out[b0:b0 + b] = np.abs(t).max(axis=1)
        if np.sum(out[:b0 + b] >= t_observed) >= STOP_AFTER_EXCEEDANCES:
            return out[:b0 + b]
    return out


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


@dataclass(frozen=True, eq=False)
class TransientNull:
    """Phase one of the test for one group: the observed t, its null and the group's p-value.

    Attributes
    ----------
    t_obs : ndarray, shape (n_win, n_channels)
        One-sample t across jerks of the detrended window at the true onsets.
    null : ndarray, shape (n_draws,)
        max |t| over the tested samples and channels, per random draw of one segment per
        jerk (up to ``n_permutations``; fewer when the sequential stop ended the draws).
    avg_uv : ndarray, shape (n_win, n_channels)
        Detrended average at the true onsets, uV.
    times_s : ndarray
        Times of the window's samples relative to EMG onset, s.
    tested : ndarray of bool
        Samples of the window the statistic covers (>= ``min_lead_ms`` before onset).
    channels : tuple of str
    min_lead_ms : float
        The least lead a cortical transient can have over these jerks (ms).
    """

    t_obs: np.ndarray
    null: np.ndarray
    avg_uv: np.ndarray
    times_s: np.ndarray
    tested: np.ndarray
    channels: tuple[str, ...]
    min_lead_ms: float

    def p_of(self, t_abs: float) -> float:
        """Permutation p-value of a max |t| (Phipson & Smyth 2010: (1 + exceedances) / (1 + draws))."""
        return float((1 + np.sum(self.null >= t_abs)) / (1 + self.null.size))

    @property
    def t_max(self) -> float:
        return float(np.abs(self.t_obs[self.tested]).max()) if self.tested.any() else 0.0

    @property
    def p_value(self) -> float:
        """The group's p-value: its max |t| over the tested samples against the null."""
        return self.p_of(self.t_max)


def transient_null(ep: EpochSet, rows: np.ndarray, *, params: NeuroParams, rng: np.random.Generator,
                   min_lead_ms: float) -> TransientNull | None:
    """Observed t and its jittered-onset null for the epochs ``rows`` of ``ep`` over the samples
    at least ``min_lead_ms`` before EMG onset (None below 3 jerks)."""
    x = ep.data_uv[rows]
    n = x.shape[0]
    if n < 3:
        return None
    a, t_win = detrended_window(x, ep.times_s, None, params)
    tested = t_win <= -min_lead_ms / 1000.0 + 1e-9
    segs = [a[:, tested]]
    for _ in range(N_JITTER):
        shift = np.round(rng.uniform(params.jitter_s[0], params.jitter_s[1], n) * ep.sfreq).astype(np.int64)
        segs.append(detrended_window(x, ep.times_s, shift, params)[0][:, tested])
    s_all = np.stack(segs, axis=1)  # (n, K + 1, n_tested, c); index 0 = the true onsets
    t_obs = _t_values(a)
    t_max = float(np.abs(t_obs[tested]).max()) if tested.any() else 0.0
    null = _null_max_t(s_all.reshape(n * (N_JITTER + 1), -1), n, params.n_permutations, rng, t_max)
    return TransientNull(t_obs, null, a.mean(axis=0), t_win, tested, ep.channels, float(min_lead_ms))


def holm(p_values: np.ndarray) -> np.ndarray:
    """Holm-adjusted p-values (step-down; Holm, Scand J Stat 1979): reject at ``alpha`` where adjusted <= alpha."""
    p = np.asarray(p_values, dtype=float)
    m = p.size
    order = np.argsort(p, kind="stable")
    adj = np.empty(m)
    running = 0.0
    for k, i in enumerate(order):
        running = max(running, min(1.0, (m - k) * p[i]))
        adj[i] = running
    return adj


def holm_levels(p_values: np.ndarray, alpha: float) -> np.ndarray:
    """Per group, the level Holm tests it at: alpha / (m - rank), rank 0 for the smallest p."""
    p = np.asarray(p_values, dtype=float)
    m = p.size
    levels = np.empty(m)
    levels[np.argsort(p, kind="stable")] = alpha / (m - np.arange(m))
    return levels


def _locate(c: _Cluster, nl: TransientNull, electrodes: list[str | None], free: np.ndarray | None,
            reference: Reference | None) -> tuple[_Cluster, int, int, str | None, float]:
    """Where the deflection of a significant run lies: (run, peak sample, channel index, electrode,
    size in uV). With a scalp reference every channel carries the reference's potential
    inverted, so the run's channel does not say where the field is: the site of the largest
    deflection at the run's peak against the average reference (``free``; its channel is the
    derivation of that site, or the largest recorded deflection when the site is the
    reference), else the largest recorded deflection. Otherwise the run's own channel."""
    k = int(np.argmin(np.abs(nl.times_s * 1000.0 - c["peak_ms"])))
    if reference is None:
        ch = nl.channels.index(c["channel"])
        return c, k, ch, electrodes[ch], abs(c["peak_uv"])
    row = nl.avg_uv[k]
    if free is not None:
        j = int(np.argmax(np.abs(free[k])))
        site = reference.sites[j].lower()
        ch = j if j < row.size else int(np.argmax(np.abs(row)))
        return c, k, ch, site, float(abs(free[k, j]))
    ch = int(np.argmax(np.abs(row)))
    return c, k, ch, electrodes[ch], float(abs(row[ch]))


def locate_transient(nl: TransientNull | None, *, level: float, p_adjusted: float, alpha: float,
                     params: NeuroParams, lead_window_ms: tuple[float, float] | None = None,
                     preferred: frozenset[str] = frozenset(), reference: Reference | None = None) -> TransientResult:
    """The reported run of ``nl`` at ``level`` (the group's Holm level) when Holm rejected the
    group (``p_adjusted <= alpha``); else the group's p-values and no transient.

    Of the significant runs peaking at least ``nl.min_lead_ms`` before onset, the one reported
    peaks within ``lead_window_ms`` (the muscles' physiological lead), on a ``preferred``
    site (electrode over the motor area of the jerking limb, lower case) and with the largest deflection in the
    reference-free sense, in that order (Shibasaki 1992; Shibasaki & Hallett 2005): with a
    scalp ``reference`` (Cz, EGI's vertex) the reference's own potential appears inverted on
    every channel, and the earliest or largest recorded deflection can be the reference's.
    When the channels cover the head, deflections are compared against the average reference
    (Dien 1998; Nunez & Srinivasan 2006), which ``reference_free`` reports."""
    if nl is None:
        return NOT_TESTED
    p_group = nl.p_value
    ref_name = reference.name if reference is not None and reference.active else None
    if not p_adjusted <= alpha:
        return TransientResult(p_group, p_adjusted, None, float("nan"), None, float("nan"), float("nan"),
                               float("nan"), (), ref_name, None, lead_window_ms)
    t_crit = float(np.quantile(nl.null, 1.0 - level))
    found: list[_Cluster] = []
    for ch, k0, k1, mass in _clusters(nl.t_obs, t_crit):
        run_tested = nl.tested[k0:k1 + 1]
        if not run_tested.any():
            continue  # wholly within the last 8 ms: the jerk's own onset
        t_run = float(np.abs(nl.t_obs[k0:k1 + 1, ch][run_tested]).max())
        tm = np.zeros(nl.times_s.size, dtype=bool)
        tm[k0:k1 + 1] = True
        sign = 1.0 if mass > 0 else -1.0
        lat_s, val = _peak(nl.avg_uv[:, ch], nl.times_s, tm, sign)
        found.append({"channel": nl.channels[ch], "start_ms": round(float(nl.times_s[k0]) * 1000, 2),
                      "end_ms": round(float(nl.times_s[k1]) * 1000, 2), "p_value": nl.p_of(t_run),
                      "sign": "positive" if sign > 0 else "negative", "peak_ms": lat_s * 1000.0, "peak_uv": val})
    public = tuple({"channel": c["channel"], "start_ms": c["start_ms"], "end_ms": c["end_ms"],
                    "p_value": c["p_value"], "sign": c["sign"], "peak_ms": round(c["peak_ms"], 2)} for c in found)
    none = TransientResult(p_group, p_adjusted, None, float("nan"), None, float("nan"), float("nan"),
                           float("nan"), public, ref_name, None, lead_window_ms)
    # a peak closer to EMG onset than the shortest corticomuscular conduction time is the
    # jerk's own onset (or an onset error), not its cortical cause
    sig = [c for c in found if c["p_value"] <= level and -c["peak_ms"] >= nl.min_lead_ms]
    if not sig:
        return none
    active = reference is not None and reference.active
    free = reference.rereference(nl.avg_uv) if reference is not None and reference.average else None
    electrodes = [parse_derivation(c).active for c in nl.channels]
    located = [_locate(c, nl, electrodes, free, reference if active else None) for c in sig]

    def rank(loc: tuple[_Cluster, int, int, str | None, float]) -> tuple[bool, bool, float]:
        c, _, _, site, size = loc
        lead = -c["peak_ms"]
        inside = lead_window_ms is None or lead_window_ms[0] - 1e-6 <= lead <= lead_window_ms[1] + 1e-6
        return inside, site in preferred, size

    run, k, ch, _, _ = max(located, key=rank)
    if active:  # the located channel's own peak over the run's span
        sign = 1.0 if nl.avg_uv[k, ch] > 0 else -1.0
        t_ms = nl.times_s * 1000.0  # the run's bounds are rounded to 0.01 ms
        tm = (t_ms >= run["start_ms"] - 0.006) & (t_ms <= run["end_ms"] + 0.006)
        lat_s, val = _peak(nl.avg_uv[:, ch], nl.times_s, tm, sign)
        best = _Cluster(channel=nl.channels[ch], start_ms=run["start_ms"], end_ms=run["end_ms"],
                        p_value=run["p_value"], sign="positive" if sign > 0 else "negative",
                        peak_ms=lat_s * 1000.0, peak_uv=val)
    else:
        best = run
    ref_free = None
    if free is not None and reference is not None:
        row = free[k]
        j = int(np.argmax(np.abs(row)))
        ref_free = {"reference": "average", "site": reference.sites[j], "amplitude_uv": round(float(row[j]), 2),
                    "polarity": "positive" if row[j] > 0 else "negative", "n_sites": len(reference.sites)}
    return TransientResult(p_group, p_adjusted, best["channel"], -best["peak_ms"], best["sign"], best["peak_uv"],
                           best["start_ms"], best["end_ms"], public, ref_name, ref_free, lead_window_ms)

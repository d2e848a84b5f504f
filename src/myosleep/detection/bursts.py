"""EMG burst detection on one preprocessed channel: short (myoclonic) and AASM leg-movement sets.

Both detectors share the running resting baseline (low quantile of 100-ms block
amplitude over ~20 s, :func:`myosleep.preprocessing.running_baseline`) and use
hysteresis: a burst is a run where the envelope stays above the offset threshold
(runs closer than a minimum gap merged) that somewhere reaches the onset threshold.
Times are corrected for the causal filter's group delay.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..errors import ParameterError
from ..preprocessing.artefacts import PopCriteria, _RawSlow, pop_verdict
from ..preprocessing.envelope import SUPER_BLOCK_S, _baseline_from_super_quantiles
from ..preprocessing.filters import emg_band_hz
from ..preprocessing.quality import Quantisation
from ..schema import BURSTS
from .params import DetectionParams, LegMovementParams, ShortBurstParams

__all__ = ["BURST_COLUMNS", "Baseline", "resting_baseline", "find_short_bursts", "find_lm_bursts",
           "detection_window_s", "false_alarm_ratio", "resting_autocorrelation", "rms_dof",
           "settling_runs", "quantisation_problem"]

#: Spectrum of the resting EMG: median periodogram of up to this many ~1-s segments
#: spread over the record (a median ignores bursts filling fewer than half of them).
_ACF_SEGMENTS = 64
#: Width (Hz) of the running median that takes spectral lines out of that spectrum.
_LINE_HZ = 10.0
#: Lags (s) of the resting autocorrelation kept with the baseline: the longest RMS window
#: whose degrees of freedom are needed (baseline block 0.1 s; detection window <= 0.133 s
#: at 100 Hz, ``detection_window_s``).
_ACF_LAG_S = 0.15
#: The background an edge is read against (s on each side of a burst): the resting tone
#: changes within a second (an arousal, the background between the jerks of a train).
_EDGE_REST_S = 1.0
#: Probability that resting EMG beyond an edge, after a dip of the edge sum, climbs back
#: far enough to carry the edge outward (``EdgeStatistic.climb_margin``): the conventional
#: 5 % significance level of a one-sided test.
EDGE_FALSE_ALARM = 0.05

#: Columns of the bursts table (DataFrame), in order: :data:`myosleep.schema.BURSTS`.
BURST_COLUMNS = list(BURSTS.names)


class Baseline:
    """Resting-EMG level of one channel (uV RMS), per block and per sample.

    Attributes
    ----------
    blocks_uv : ndarray
        The baseline per block (uV RMS): the running low quantile of block RMS.
    n_block, n_samples : int
        Block length and signal length (samples).
    block_rms_uv : ndarray | None
        The RMS of every block itself (uV), for local levels around a burst.
    block_valid : ndarray of bool | None
        Blocks free of artefact.
    rms_per_baseline : float
        Resting RMS / baseline: the baseline is the ``quantile`` of block RMS, below the
        resting RMS by the spread of a block's RMS (chi-square with the block's degrees
        of freedom, :func:`rms_dof`); 1.0 when unknown.
    acf : ndarray | None
        Normalised autocorrelation of the resting EMG (:func:`resting_autocorrelation`).
    """

    def __init__(self, blocks_uv: np.ndarray, n_block: int, n_samples: int, *,
                 block_rms_uv: np.ndarray | None = None, block_valid: np.ndarray | None = None,
                 rms_per_baseline: float = 1.0, acf: np.ndarray | None = None):
        self.blocks_uv = blocks_uv
        self.n_block = n_block
        self.n_samples = n_samples
        self.block_rms_uv = block_rms_uv
        self.block_valid = block_valid
        self.rms_per_baseline = float(rms_per_baseline)
        self.acf = acf

    def per_sample(self) -> np.ndarray:
        """Baseline (uV, float32) repeated to every sample."""
        return np.repeat(self.blocks_uv.astype(np.float32), self.n_block)[: self.n_samples]

    def at(self, idx: np.ndarray) -> np.ndarray:
        """Baseline (uV) at sample indices ``idx``."""
        b = np.minimum(np.asarray(idx) // self.n_block, self.blocks_uv.size - 1)
        return self.blocks_uv[b]

    def side_levels(self, starts: np.ndarray, stops: np.ndarray, *, window_s: float, sfreq: float,
                    quantile: float) -> tuple[np.ndarray, np.ndarray]:
        """Resting level (baseline units: block RMS, uV) before and after each burst.

        The ``quantile`` of the block RMS over ``window_s`` before ``starts`` and over
        ``window_s`` after ``stops`` (blocks touching the burst and artefact blocks left
        out), as the baseline takes it over its first-level span.  A side without a usable
        block takes the other side's level, and the baseline where neither has one.
        """
        starts = np.asarray(starts, dtype=np.int64)
        stops = np.asarray(stops, dtype=np.int64)
        base = self.at(starts).astype(np.float64)
        if self.block_rms_uv is None or starts.size == 0:
            return base, base.copy()
        from . import _kernels

        amp = np.ascontiguousarray(self.block_rms_uv, dtype=np.float64)
        ok = np.ones(amp.size, dtype=bool) if self.block_valid is None else \
            np.ascontiguousarray(self.block_valid, dtype=bool)
        k = max(1, int(round(window_s * sfreq / self.n_block)))
        b0 = starts // self.n_block  # first block touching the burst
        b1 = (np.maximum(stops, starts + 1) - 1) // self.n_block + 1  # one past the last
        before, after = _kernels.side_levels(amp, ok, b0, b1, k, float(quantile))
        before = np.where(np.isfinite(before), before, after)
        after = np.where(np.isfinite(after), after, before)
        return np.where(np.isfinite(before), before, base), np.where(np.isfinite(after), after, base)

    def local_level(self, starts: np.ndarray, stops: np.ndarray, *, window_s: float, sfreq: float,
                    quantile: float) -> np.ndarray:
        """Resting level (uV RMS) on each side of each burst: the larger of the two.

        :meth:`side_levels`; the baseline where neither side holds a usable block.
        """
        before, after = self.side_levels(starts, stops, window_s=window_s, sfreq=sfreq, quantile=quantile)
        return np.maximum(before, after)


def resting_baseline(filtered: np.ndarray, sfreq: float, *, mask: np.ndarray | None = None,
                     window_s: float = 30.0, quantile: float = 0.2, block_s: float = 0.1) -> Baseline:
    """Running resting-EMG baseline of a band-passed channel.

    Parameters
    ----------
    filtered : ndarray
        Band-passed EMG (uV).
    sfreq : float
        Sampling rate (Hz).
    mask : ndarray of bool | None
        Artefact samples, excluded from the estimate.
    window_s, quantile, block_s : float
        Window (s), quantile (0-1) and block length (s); see ``running_baseline``.

    Returns
    -------
    Baseline
    """
    from . import _kernels

    filtered = np.ascontiguousarray(filtered, dtype=np.float32)
    n = filtered.shape[0]
    nb = max(1, int(round(block_s * sfreq)))
    use_mask, mask_arr = _mask_arg(mask, n)
    # block_power(filtered, nb) and block_any(mask, nb) in one pass
    power, hit = _kernels.block_power_any(filtered, nb, mask_arr.view(np.uint8), use_mask)
    amp = np.sqrt(power)
    # running_baseline(amp, nb / sfreq, window_s=..., quantile=..., valid=~hit), its super-block
    # quantiles from a kernel (np.quantile over rows of 50 costs more than the block power)
    block_s_eff = nb / sfreq
    per = max(1, int(round(SUPER_BLOCK_S / block_s_eff)))
    q = _kernels.super_block_quantiles(amp, ~hit, bool(hit.any()), per, float(quantile))
    b = _baseline_from_super_quantiles(q, amp.shape[0], per, block_s_eff, window_s=window_s,
                                       window_quantile=0.5)
    if not np.isfinite(b).all():
        fill = float(np.nanmedian(b)) if np.isfinite(b).any() else float(np.median(amp))
        b = np.where(np.isfinite(b), b, fill)
    # a baseline of exactly zero (digitally silent stretch) would make ratios meaningless
    b = np.maximum(b, 1e-3)
    acf = resting_autocorrelation(filtered, sfreq, max(nb, int(round(_ACF_LAG_S * sfreq))), mask=mask)
    return Baseline(b, nb, n, block_rms_uv=amp, block_valid=~hit, acf=acf,
                    rms_per_baseline=_rms_per_baseline(acf, nb, sfreq, quantile))


def _rms_per_baseline(acf: np.ndarray | None, n_block: int, sfreq: float, quantile: float) -> float:
    """Resting RMS / baseline for Gaussian resting EMG: 1 / sqrt(chi2_q(nu) / nu).

    The baseline is the ``quantile`` of block RMS; a block's mean square is
    s^2 chi2(nu) / nu with nu its degrees of freedom (:func:`rms_dof` of the channel's
    resting autocorrelation; 2 x bandwidth x block without one).
    """
    from scipy.special import gammaincinv

    nu = window_dof(acf, n_block, sfreq)
    return float(1.0 / np.sqrt(2.0 * gammaincinv(0.5 * nu, quantile) / nu))


def window_dof(acf: np.ndarray | None, n: int, sfreq: float) -> float:
    """Degrees of freedom of the mean square over ``n`` samples of resting EMG: :func:`rms_dof` of
    the channel's resting autocorrelation ``acf``, 2 x bandwidth x window (nominal band) without one."""
    if acf is None or acf.shape[0] < 1:
        low, high = emg_band_hz(sfreq)
        return min(float(n), 2.0 * (high - low) * n / sfreq)
    return rms_dof(acf, n)


def _mask_arg(mask: np.ndarray | None, n: int) -> tuple[bool, np.ndarray]:
    """(use it, bool array) for the kernels: an empty array when no sample is masked."""
    if mask is None:
        return False, np.zeros(0, dtype=bool)
    mask = np.ascontiguousarray(mask, dtype=bool)
    if mask.shape[0] != n:
        raise ParameterError(f"has {mask.shape[0]} samples, the signal {n}", where="mask")
    if not mask.any():
        return False, np.zeros(0, dtype=bool)
    return True, mask


def _table(starts: np.ndarray, stops: np.ndarray, filtered: np.ndarray, base: Baseline, sfreq: float,
           delay_s: float, *, window_s: float, smooth_window_s: float | None = None,
           found: tuple[np.ndarray, np.ndarray] | None = None, edge_lag: float = 0.0) -> dict[str, np.ndarray]:
    """Per-burst features.

    ``onset`` is ``starts`` minus the filter's ``delay_s`` and minus ``edge_lag`` samples,
    ``offset_s`` ``stops`` minus the delay plus ``edge_lag`` samples: the edges placed by
    :func:`_refine_edges` sit that far inside the crossing they read
    (:attr:`EdgeStatistic.lag`); a burst lasts at least one sample.

    ``peak`` is the maximum of the ``smooth_window_s`` RMS envelope for bursts at
    least that long, of the ``window_s`` envelope otherwise: the maximum of a short
    RMS window over a noise-like burst overshoots its true RMS by ~50 %.  It is taken
    over the run the detector ``found`` (its envelopes' span, when given; ``run_start``,
    ``run_stop`` in samples), so that a burst's peak is the level its detection reached
    whatever the placing of its edges.
    ``mean`` is the burst's RMS between its edges (square root of the mean of the
    ``window_s`` envelope squared).
    """
    from . import _kernels

    starts = np.ascontiguousarray(starts, dtype=np.int64)
    stops = np.ascontiguousarray(stops, dtype=np.int64)
    n_smooth = 0 if smooth_window_s is None else _window_samples(smooth_window_s, sfreq)
    min_smooth = 0 if smooth_window_s is None else int(round(smooth_window_s * sfreq))
    n_env = _window_samples(window_s, sfreq)
    peak, mean = _kernels.burst_features(filtered, starts, stops, n_env, n_smooth, min_smooth)
    if found is not None:
        peak, _ = _kernels.burst_features(filtered, np.ascontiguousarray(found[0], dtype=np.int64),
                                          np.ascontiguousarray(found[1], dtype=np.int64), n_env, n_smooth,
                                          min_smooth)
    b = base.at(starts)
    onset = np.maximum((starts - edge_lag) / sfreq - delay_s, 0.0)
    # at least a sample: below 200 Hz an edge window is one sample (lag -0.5), and a burst read on
    # one sample would otherwise last 0 s (its duration is known to a sample, no better)
    duration = np.maximum((stops + edge_lag) / sfreq - delay_s - onset, 1.0 / sfreq)
    mean_above = np.maximum(mean - b, 0.0)
    return {
        "onset": onset,
        "duration": duration,
        "offset_s": onset + duration,
        "peak_amplitude_uv": np.maximum(peak - b, 0.0),
        "mean_amplitude_uv": mean_above,
        "area_uv_s": mean_above * duration,
        "baseline_uv": b,
        "snr": peak / b,
        "start": starts,
        "stop": stops,
        "run_start": starts if found is None else np.asarray(found[0], dtype=np.int64),
        "run_stop": stops if found is None else np.asarray(found[1], dtype=np.int64),
    }


def detection_window_s(params: ShortBurstParams, sfreq: float) -> float:
    """Detection RMS window (s): ``params.detection_window_s``, lengthened at low rates.

    Band-limited noise of bandwidth B averaged over T seconds has ~2BT degrees of
    freedom; below ``params.min_dof`` (8) resting EMG would cross 2.5x its level
    too often.  At 512 Hz (B = 190 Hz) 50 ms gives 19; at 100 Hz (B = 30 Hz) the
    window grows to 0.13 s, so bursts shorter than ~50 ms are not resolved there
    (EMG should be sampled >= 200 Hz: AASM).
    """
    from ..preprocessing.filters import emg_band_hz

    low, high = emg_band_hz(sfreq)
    return max(params.detection_window_s, params.min_dof / (2.0 * (high - low)))


def resting_autocorrelation(filtered: np.ndarray, sfreq: float, max_lag: int, *,
                            mask: np.ndarray | None = None) -> np.ndarray | None:
    """Normalised autocorrelation (lags ``0 .. max_lag - 1`` samples) of the resting EMG.

    Estimated from the channel itself, so that it reflects what the recording holds:
    the band-pass of :mod:`myosleep.preprocessing.filters` but also an amplifier's own
    filters (many PSG systems low-pass EMG at 100 Hz) or an anti-aliasing filter.
    The power spectrum is the per-frequency median of the Hann-windowed periodograms of
    up to 64 segments of ~1 s (a power of two) spread over the record, skipping
    segments with masked or non-finite samples, then a 10-Hz running median across
    frequency (spectral lines are sinusoids, whose windowed power does not fluctuate);
    its inverse transform, divided by the window's own autocorrelation, is the
    autocorrelation.  None when no segment is usable.
    """
    x = np.asarray(filtered)
    n = x.shape[0]
    seg = 1 << int(np.ceil(np.log2(max(sfreq, 4.0 * max_lag, 16.0))))
    if n < seg:
        return None
    starts = np.unique(np.linspace(0, n - seg, min(_ACF_SEGMENTS, n // seg)).astype(np.int64))
    rows = np.stack([x[a: a + seg] for a in starts.tolist()]).astype(np.float64)
    ok = np.isfinite(rows).all(axis=1)
    if mask is not None and np.any(mask):
        m = np.asarray(mask, dtype=bool)
        ok &= ~np.stack([m[a: a + seg] for a in starts.tolist()]).any(axis=1)
    rows = rows[ok]
    if rows.shape[0] == 0:
        return None
    from scipy.ndimage import median_filter

    w = np.hanning(seg)
    spec = np.median(np.abs(np.fft.rfft(rows * w, 2 * seg, axis=1)) ** 2, axis=0)
    # narrow lines (a mains residual, a harmonic left in) are sinusoids: their power in a
    # window does not fluctuate, so they must not count as narrow-band noise; a running
    # median over _LINE_HZ removes lines a few Hz wide and keeps the broad EMG spectrum
    spec = median_filter(spec, size=2 * int(round(0.5 * _LINE_HZ * 2 * seg / sfreq)) + 1, mode="nearest")
    acf = np.fft.irfft(spec)[:max_lag]
    wacf = np.fft.irfft(np.abs(np.fft.rfft(w, 2 * seg)) ** 2)[:max_lag]
    if not acf[0] > 0:
        return None
    acf = acf / wacf
    return acf / acf[0]


def rms_dof(rho: np.ndarray, n: int) -> float:
    """Equivalent degrees of freedom of the mean square over ``n`` consecutive samples.

    For Gaussian noise of normalised autocorrelation ``rho`` the mean square m has
    E[m] = s^2 and Var[m] = (2 s^4 / n^2) sum_(|k| < n) (n - |k|) rho(k)^2; matching
    s^2 chi2(nu) / nu (Satterthwaite) gives nu = n^2 / sum_(|k| < n) (n - |k|) rho(k)^2
    (= n for white noise, ~2 x bandwidth x window for band-limited noise).
    """
    n = max(1, int(n))
    k = np.arange(1, min(n, rho.shape[0]))
    return float(n * n / (n + 2.0 * np.sum((n - k) * rho[k] ** 2)))


def false_alarm_ratio(filtered: np.ndarray, sfreq: float, *, params: ShortBurstParams = ShortBurstParams(),
                      mask: np.ndarray | None = None, window_s: float | None = None,
                      acf: np.ndarray | None = None) -> float:
    """Onset ratio (x baseline) that resting EMG exceeds ``params.false_alarms_per_h`` times an hour.

    The baseline is the ``q`` (``baseline_quantile``) quantile of the RMS of
    ``baseline_block_s`` blocks, i.e. s * sqrt(chi2_q(nu_b) / nu_b) for Gaussian
    resting EMG of RMS s, nu_b the block's degrees of freedom (:func:`rms_dof`,
    from the channel's :func:`resting_autocorrelation`).  The mean square over the
    detection window (``window_s``, nu_d degrees of freedom) exceeds
    s^2 chi2_(1-a)(nu_d) / nu_d with probability a.  A window of T s holding nu_d
    degrees of freedom is renewed nu_d / T times a second (one independent sample
    per 1 / (2 B)); over an hour, by the union bound, the false-alarm rate stays
    below ``false_alarms_per_h`` when a = rate x T / (3600 nu_d).  The ratio
    returned is sqrt(chi2_(1-a)(nu_d) / nu_d) / sqrt(chi2_q(nu_b) / nu_b).
    Without a usable segment, nu = 2 x bandwidth x window (nominal band).  ``acf``: the
    channel's resting autocorrelation when already estimated (``Baseline.acf``).

    Measured at 200 Hz: ~2.6-2.9 (nu_d ~ 7-9), against 1.9-2.0 at 512 Hz, where
    ``on_ratio`` (2.5) decides.
    """
    from scipy.special import gammainccinv, gammaincinv

    from ..preprocessing.filters import emg_band_hz

    t_det = detection_window_s(params, sfreq) if window_s is None else float(window_s)
    n_det = _window_samples(t_det, sfreq)
    n_blk = max(1, int(round(params.baseline_block_s * sfreq)))
    rho = acf if acf is not None and acf.shape[0] >= max(n_det, n_blk) else \
        resting_autocorrelation(filtered, sfreq, max(n_det, n_blk), mask=mask)
    if rho is None:
        low, high = emg_band_hz(sfreq)
        nu_d = min(float(n_det), 2.0 * (high - low) * n_det / sfreq)
        nu_b = min(float(n_blk), 2.0 * (high - low) * n_blk / sfreq)
    else:
        nu_d, nu_b = rms_dof(rho, n_det), rms_dof(rho, n_blk)
    alpha = min(0.5, params.false_alarms_per_h * (n_det / sfreq) / (3600.0 * nu_d))
    crit = 2.0 * gammainccinv(0.5 * nu_d, alpha) / nu_d
    base = 2.0 * gammaincinv(0.5 * nu_b, params.baseline_quantile) / nu_b
    return float(np.sqrt(crit / base))


def _window_samples(window_s: float, sfreq: float) -> int:
    """RMS window in samples, as :func:`emg_envelope` rounds it."""
    return max(1, int(round(window_s * sfreq)))


def _threshold(b: np.ndarray, ratio: float, floor_uv: float, *, out: np.ndarray | None = None) -> np.ndarray:
    """max(ratio x b, b + floor_uv) per sample, float32, with one temporary."""
    out = np.multiply(b, np.float32(ratio), out=out)
    tmp = np.add(b, np.float32(floor_uv))
    np.maximum(out, tmp, out=out)
    return out


def _exceeds(env: np.ndarray, base: Baseline, ratio: float, floor_uv: float, *,
             strict: bool = False) -> np.ndarray:
    """``env`` (>= or >) max(ratio x baseline, baseline + floor_uv), per sample (numpy reference).

    The search itself compares in :func:`_kernels.hysteresis_runs` without this
    array; the threshold is computed per block (float32, as :func:`_threshold`).
    """
    n, nb = env.shape[0], base.n_block
    if base.blocks_uv.size * nb < n or base.n_samples != n:
        thr = _threshold(base.per_sample(), ratio, floor_uv)
        return env > thr if strict else env >= thr
    thr = _threshold(base.blocks_uv.astype(np.float32), ratio, floor_uv)
    cmp = np.greater if strict else np.greater_equal
    out = np.empty(n, dtype=bool)
    nfull = n // nb
    cmp(env[: nfull * nb].reshape(nfull, nb), thr[:nfull, None], out=out[: nfull * nb].reshape(nfull, nb))
    if n > nfull * nb:
        cmp(env[nfull * nb:], thr[nfull], out=out[nfull * nb:])
    return out


def _search(filtered: np.ndarray, sfreq: float, base: Baseline, mask: np.ndarray | None, *,
            window_s: float, on_window_s: float | None, off: tuple[float, float], on: tuple[float, float],
            strict_off: bool, min_gap: int, min_len: int,
            tight_onset: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hysteresis runs (start, stop, first onset-crossing samples) of the moving RMS against the
    per-block baseline.

    A sample is above the offset threshold when the ``window_s`` RMS is >= (> with
    ``strict_off``) max(off[0] x baseline, baseline + off[1]); it reaches the onset
    threshold when that RMS and, if given, the ``on_window_s`` RMS are both >=
    max(on[0] x baseline, baseline + on[1]); masked samples are neither.  Runs above
    the offset threshold closer than ``min_gap`` samples merge; a merged run is kept
    when it reaches the onset threshold and lasts >= ``min_len`` samples; with
    ``tight_onset`` it starts with the contiguous run holding the first onset
    crossing (noise flickers bridged by the gap do not pull the onset early).
    """
    from . import _kernels

    n = filtered.shape[0]
    use_mask, mask_arr = _mask_arg(mask, n)
    blocks = base.blocks_uv.astype(np.float32)
    runs = _kernels.hysteresis_runs(
        filtered, _window_samples(window_s, sfreq),
        0 if on_window_s is None else _window_samples(on_window_s, sfreq),
        _kernels.mean_square_thresholds(blocks, float(off[0]), float(off[1]), bool(strict_off)),
        _kernels.mean_square_thresholds(blocks, float(on[0]), float(on[1]), False), int(base.n_block),
        mask_arr, use_mask,
        max(1, int(min_gap)), int(min_len), bool(tight_onset))
    return runs[0].copy(), runs[1].copy(), runs[2].copy()


def _already_active(starts: np.ndarray, mask: np.ndarray | None, tol: int) -> np.ndarray:
    """Bursts starting within ``tol`` samples after a segment start: active when observation began.

    A phasic burst rises above the background and returns to it (AASM phasic REM
    activity; Frauscher et al., Sleep 2012): its onset is the moment it leaves a
    background that was seen.  Activity already there when the record starts, or when
    the signal comes back after a gap or a clipped stretch (the end of a masked run),
    has no such moment: it is an amplifier or filter settling
    (or the continuation of what went on in the gap), and the detector's own merge rule
    cannot tell it from activity that began earlier.  ``tol`` is that merge gap: a burst
    needs at least that much observed rest before it.  (Looked up per burst: the record
    start, or a masked sample among the ``tol + 1`` before it.)
    """
    starts = np.asarray(starts, dtype=np.int64)
    out = starts <= tol
    if mask is None or starts.size == 0:
        return out
    m = np.asarray(mask, dtype=bool)
    for k, s0 in enumerate(starts.tolist()):
        if not out[k]:
            out[k] = bool(m[max(0, s0 - tol - 1): s0].any())
    return out


def _peak_rms(filtered: np.ndarray, starts: np.ndarray, stops: np.ndarray, n_win: int) -> np.ndarray:
    """Largest ``n_win``-sample moving RMS (uV) within each burst."""
    from . import _kernels

    if starts.size == 0:
        return np.zeros(0)
    peak, _ = _kernels.burst_features(filtered, np.ascontiguousarray(starts, dtype=np.int64),
                                      np.ascontiguousarray(stops, dtype=np.int64), n_win, n_win, 0)
    return peak


def _refine_edges(filtered: np.ndarray, core_start: np.ndarray, core_stop: np.ndarray, lo: np.ndarray,
                  hi: np.ndarray, level_uv: np.ndarray, stop: np.ndarray, *, mask: np.ndarray | None,
                  edge: EdgeStatistic, margin: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """Onsets and offsets of detected bursts placed on the band-passed samples themselves.

    An edge is where the EMG's amplitude crosses a level (twice the background for a
    phasic burst, 8 uV and 2 uV above rest for a leg movement), and a scorer reads it on
    the trace itself.  The moving-RMS envelope that finds a burst also smears it: a
    centred window of w samples starts to rise w/2 before the activity and falls w/2
    after it, and its fluctuation (a 10-ms window holds two samples at 200 Hz) ends the
    hysteresis run early or late on a slow rise or fall, or splits one burst in two.
    So the edges are placed on the samples: from the burst's core ``[core_start,
    core_stop)`` (samples that are certainly activity) outward, the onset is where the sum
    of ``ln(m / level**2) + bias`` from there to the core is largest, the offset likewise
    (``_kernels.refine_edges``; ``m`` the mean square over the few samples of one pair of
    degrees of freedom, ``bias`` making each term average zero at the level:
    :class:`EdgeStatistic`).  These are the change points of the signal's log power about
    the level (Hinkley, Biometrika 1970): the burst keeps every stretch next to its core
    whose power, accumulated, stands above the level, and ends where the signal falls back
    below it for good.  The averaging adapts to the edge: a sharp edge is placed to a
    sample or two, a slow one uses as many samples as its slope needs.

    Why the logarithm: the power of EMG fluctuates in proportion to itself (a Gaussian
    signal's square is its power times a chi-square variable), so on the raw squares the
    samples inside a burst, louder, carry the larger fluctuations, and the change point is
    pulled into the burst: edges on slow rises and falls came out 5-15 ms inside.  The
    logarithm makes the fluctuation the same at every level (the variance-stabilising
    transform of a scale family), and the change point is then unbiased on a rise or fall
    whichever its speed.

    Each search walks outward from the core, not only within the detected run, and stops
    at ``lo``/``hi`` (the neighbouring bursts' cores, other candidates' runs), at an
    artefact sample, or once the sum has fallen ``stop`` below its best: Page's CUSUM
    stopping rule (Biometrika 1954), the signal having stayed below the level long enough -
    ``stop`` is what a stated stretch of resting EMG adds, :func:`_cusum_stop` - that the
    edge lies behind.

    What that argmax gets wrong is chance: walking outward past a sharp edge into resting
    EMG, the sum falls, but a stretch of a few samples of resting EMG (4-8 degrees of
    freedom in 30-60 ms at 200 Hz) can reach the level by chance and lift the sum back
    above its best, however slightly, and the edge then jumps 30-60 ms outward.  So a
    farther maximum beyond a dip counts only once the sum has climbed ``margin`` from the
    dip's lowest point (:meth:`EdgeStatistic.climb_margin`: the climb resting EMG makes
    with a stated small probability); a sum that rises without a dip is followed as before.
    The detectors give onsets that margin and offsets none (``margin`` 0: the plain argmax).
    The walk from a burst's loudest sample to its offset crosses most of the burst (EMG
    bursts rise fast and decay slowly), whose amplitude dips below the level and recovers
    as activity does, not as resting EMG: with the margin, offsets of REM twitches came
    out 1-2 ms earlier at the median and the 90th percentile of sharp twitches' duration
    error at 256 Hz rose from 23.4 to 27.3 ms, while no offset's 90th percentile improved
    (simulated nights, ``benchmarks/eval_rates.py``, seeds 1-9).
    """
    from . import _kernels

    c1 = np.asarray(core_start, dtype=np.int64)
    if c1.size == 0:
        return c1.copy(), c1.copy()
    c2 = np.maximum(np.asarray(core_stop, dtype=np.int64), c1)
    lo = np.minimum(np.asarray(lo, dtype=np.int64), c1)
    hi = np.maximum(np.asarray(hi, dtype=np.int64), c2)
    theta = np.square(np.asarray(level_uv, dtype=np.float64))
    use_mask, mask_arr = _mask_arg(mask, filtered.shape[0])
    stop = np.broadcast_to(np.asarray(stop, dtype=np.float64), c1.shape).copy()
    margin = np.broadcast_to(np.asarray(margin, dtype=np.float64), c1.shape).copy()
    on, off = _kernels.refine_edges(filtered, c1, c2, lo, hi, theta, stop, margin,
                                    mask_arr, use_mask, int(edge.n_window), float(edge.log_bias))
    return on, np.maximum(off, on + 1)


def _offsets_read_backward(filtered: np.ndarray, sfreq: float, core: np.ndarray, off: np.ndarray, hi: np.ndarray,
                           level_uv: np.ndarray, stop: np.ndarray, *, mask: np.ndarray | None, edge: EdgeStatistic,
                           delay_s: float, margin: np.ndarray | float) -> np.ndarray:
    """Offsets placed again, as :func:`_refine_edges` does, on the signal filtered backward.

    The causal band-pass rings after a burst ends (its output still holds the burst's
    power for tens of ms: :func:`myosleep.preprocessing.filters.as_filtered_backward`),
    so an offset read on it is late, the more so the louder the burst: +10 ms at the
    median, +20-30 ms at the 90th percentile for 75-150 ms potentials at 200 Hz.  Read on
    the same filter run backward, whose ringing lies inside the burst, it is not.  (An
    onset is read on the causal output, whose ringing also lies inside the burst.)  The
    search starts at most ``MASK_MARGIN_S`` (0.2 s, the ringing the preprocessing allows
    for) before the causal offset ``off`` - never before the ``core`` - and ends as many
    samples after it (or at ``hi``).  Offsets are returned in the frame of
    ``filtered``.  Until issue 9 the search ended at the causal offset: the reading could
    move an offset earlier but never later, a one-sided bound on a noisy estimate that read
    slow tails early (-9 ms at the median at 10/s, 512 Hz: ``tests/detection/test_edge_tails.py``).
    The backward filter rings *before* the next burst, so ``hi`` must stop short of it.
    """
    from ..preprocessing.filters import BACKWARD_PAD_S, as_filtered_backward
    from ..preprocessing.pipeline import MASK_MARGIN_S
    from . import _kernels

    n = filtered.shape[0]
    out = np.asarray(off, dtype=np.int64).copy()
    if out.size == 0:
        return out
    pad = int(np.ceil(BACKWARD_PAD_S * sfreq))
    ring = int(round(MASK_MARGIN_S * sfreq))
    shift = int(round(2.0 * delay_s * sfreq))  # the backward output leads the causal one by 2 x the delay
    use_mask, mask_arr = _mask_arg(mask, n)
    theta = np.square(np.asarray(level_uv, dtype=np.float64))
    stop = np.broadcast_to(np.asarray(stop, dtype=np.float64), out.shape)
    margin = np.broadcast_to(np.asarray(margin, dtype=np.float64), out.shape)
    for k in range(out.size):
        s0 = max(int(core[k]), int(off[k]) - ring)
        e0 = max(s0, min(int(hi[k]), int(off[k]) + ring))
        a = max(0, s0 - shift - pad)
        z = min(n, e0 + pad)
        seg = as_filtered_backward(filtered[a:z], sfreq)
        if use_mask:
            m = np.zeros(z - a, dtype=bool)
            src = mask_arr[min(n, a + shift): min(n, z + shift)]
            m[: src.size] = src
        else:
            m = np.zeros(0, dtype=bool)
        c = np.array([max(0, s0 - shift - a)], dtype=np.int64)
        h = np.array([max(int(c[0]), e0 - shift - a)], dtype=np.int64)
        _, o = _kernels.refine_edges(seg, c, c, c, h, theta[k: k + 1], stop[k: k + 1], margin[k: k + 1],
                                     m, use_mask, int(edge.n_window), float(edge.log_bias))
        out[k] = int(o[0]) + a + shift
    return out


class EdgeStatistic:
    """The mean square that edges are placed on, and the bias of its logarithm.

    ``n_window`` is the fewest consecutive samples holding >= 2 degrees of freedom of the
    channel's resting EMG (:func:`rms_dof` of its autocorrelation; 2 x bandwidth x window
    without one): 2-3 at 200-512 Hz, more at high rates where consecutive samples are
    correlated (8 at 2048 Hz; at most 10 ms).  The logarithm of that mean square m has a
    modest spread (that of one sample, chi2(1), reaches zero and makes the log erratic),
    and its mean lies ``log_bias`` below ln P for Gaussian EMG of power P: computed
    exactly for the channel's autocorrelation (m / P is a sum of independent chi2(1)
    variables weighted by the eigenvalues l_j of the window's correlation matrix, and
    E ln(sum l_j z_j^2) = integral over t > 0 of (exp(-t) - prod_j (1 + 2 l_j t)^(-1/2)) dt / t;
    chi2(nu) with Satterthwaite's nu would be off by up to 0.08, a 4 % error of the level,
    which moves an edge on a slow tail by several ms).  The window reaches from the sample
    away from the burst's core, so that it never spreads a sharp edge outward; its centre,
    where it reads the crossing, lies ``(n_window - 1) / 2`` samples outward of the sample
    an edge is assigned to, and the rule's own edge (the first sample above the level, one
    past the last) half a sample outward of the crossing: so an edge sits :attr:`lag` =
    ``(n_window - 2) / 2`` samples inside (0 at 200 Hz, half a sample at 256-512 Hz, 3 at
    2048 Hz), which the burst tables add back (``tests/detection/test_edge_tails.py``:
    offsets on exponential tails were read 1.5-5 ms early at 2048 Hz before).
    """

    def __init__(self, acf: np.ndarray | None, sfreq: float, *, min_dof: float = 2.0, max_window_s: float = 0.01):
        from ..preprocessing.filters import emg_band_hz

        low, high = emg_band_hz(sfreq)
        k_max = max(1, int(round(max_window_s * sfreq)))
        k, nu = 1, 1.0
        for k in range(1, k_max + 1):
            nu = rms_dof(acf, k) if acf is not None and acf.shape[0] >= k else \
                min(float(k), 2.0 * (high - low) * k / sfreq)
            if nu >= min_dof:
                break
        self.n_window = int(k)
        self.dof = float(nu)
        if acf is not None and acf.shape[0] >= k:
            lag = np.abs(np.subtract.outer(np.arange(k), np.arange(k)))
            eig = np.clip(np.linalg.eigvalsh(acf[lag]), 0.0, None)
        else:  # nu / 2 pairs of equal weight: chi2(nu)
            m = max(1, int(round(nu)))
            eig = np.full(m, k / m)
        self.log_bias = float(np.log(k) - _mean_log_quadratic_form(eig))

    def climb_margin(self, level_uv: np.ndarray, rest_uv: np.ndarray, *,
                     false_alarm: float = EDGE_FALSE_ALARM) -> np.ndarray:
        """Climb of the edge sum, from the lowest point of a dip, that resting EMG of RMS
        ``rest_uv`` makes with probability at most ``false_alarm``, against the level
        ``level_uv`` (both uV, per burst or scalars).

        Resting EMG gives terms u = ln(rest^2 X / level^2) + ``log_bias`` with X ~ chi2(nu) / nu
        (nu = :attr:`dof`), a walk drifting down by ln(level^2 / rest^2) per sample.  By
        Lundberg's inequality (Feller, An Introduction to Probability Theory II, XII.5; the
        bound behind Page's CUSUM and Lorden's, Ann Math Stat 1971) such a walk ever climbs h
        above a given point with probability <= exp(-theta h), theta the positive root of
        E[exp(theta u)] = 1:
        theta (log_bias - ln r) + ln Gamma(nu/2 + theta) - ln Gamma(nu/2) - theta ln(nu/2) = 0,
        r = level^2 / rest^2.  Consecutive terms share ``n_window - 1`` samples: the sum over
        ``n_window`` terms is taken as ``n_window`` times one term (the correlation's upper
        bound), theta / ``n_window``.  So h = n_window ln(1 / false_alarm) / theta: 1.4-1.5 at
        200-512 Hz for a level twice the rest, 0.5 for three times.  A level at or below the
        rest (r <= 1) gives no finite climb: inf (a farther maximum beyond a dip is then never
        taken).  Measured on simulated resting EMG (200-2048 Hz, level twice the rest), a walk
        climbs h within 0.2 s from 0.6-1.8 % of its starting points, inside the 5 % bound.

        The bound is per low point, not over every point a search walks past (a union bound
        over those, ln(N / false_alarm), doubles h at 200 Hz and was measured to read offsets
        on slow tails 5-10 ms early at 200 and 2048 Hz, ``tests/detection/test_edge_tails.py``).
        """
        from scipy.special import digamma, gammaln

        lv = np.asarray(level_uv, dtype=np.float64)
        rs = np.asarray(rest_uv, dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            lr = 2.0 * np.log(lv / rs)
        a = 0.5 * self.dof
        ok = np.isfinite(lr) & (lr > 0)
        ok &= self.log_bias - np.log(a) + digamma(a) - np.where(ok, lr, 1.0) < 0
        # slope of E[exp(theta u)]'s logarithm at theta = 0 is -ln r (log_bias centres ln X)
        d = np.where(ok, self.log_bias - np.log(a), 0.0) - np.where(ok, lr, 1.0)

        def g(t: np.ndarray) -> np.ndarray:
            return t * d + gammaln(a + t) - gammaln(a)

        # g is convex, g(0) = 0, g'(0) < 0: Newton from a point beyond the positive root
        t = np.ones(d.shape)
        while np.any(g(t) <= 0):
            t = np.where(g(t) <= 0, 2.0 * t, t)
        for _ in range(100):
            step = g(t) / (d + digamma(a + t))
            t = t - step
            if np.all(np.abs(step) <= 1e-9 * t):
                break
        h = self.n_window * np.log(1.0 / false_alarm) / t
        return np.where(ok, h, np.inf)

    @property
    def lag(self) -> float:
        """Samples (``(n_window - 2) / 2``) by which an edge placed on this statistic lies inside the rule's edge."""
        return 0.5 * (self.n_window - 2)

    def __repr__(self) -> str:
        return f"EdgeStatistic(n_window={self.n_window}, dof={self.dof:.2f}, log_bias={self.log_bias:.3f})"


def _mean_log_quadratic_form(weights: np.ndarray) -> float:
    """E ln(sum_j w_j z_j^2) for independent standard Gaussians z_j (weights >= 0, not all 0)."""
    from scipy.integrate import quad

    w = np.asarray(weights, dtype=np.float64)
    w = w[w > 1e-12 * w.max()]

    def f(t: float) -> float:
        return (np.exp(-t) - float(np.prod(1.0 + 2.0 * w * t) ** -0.5)) / t

    a, _ = quad(f, 0.0, 1.0, limit=200)
    b, _ = quad(f, 1.0, np.inf, limit=200)
    return float(a + b)


def _cusum_stop(level_uv: np.ndarray, rest_uv: np.ndarray, rest_s: float, sfreq: float) -> np.ndarray:
    """What ``rest_s`` of resting EMG subtracts from the edge sum of :func:`_refine_edges`: its CUSUM stop.

    Resting EMG of RMS ``rest_uv`` averages ``ln(rest**2 / level**2)`` per sample (at most
    ``ln(1/4)``: a level below twice the rest is not used by the detectors).
    """
    lv = np.asarray(level_uv, dtype=np.float64)
    rs = np.minimum(np.asarray(rest_uv, dtype=np.float64), 0.5 * lv)
    return 2.0 * np.log(lv / rs) * max(1.0, rest_s * sfreq)


def _edge_bounds(starts: np.ndarray, stops: np.ndarray, removed: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Search bounds of each burst's edges: the neighbouring candidates' runs.

    ``[starts, stops)`` are the bursts' detected runs (sorted), ``removed`` an (m, 2) array
    of the runs of candidates that are not bursts (pops, settling, tone).  The runs are
    disjoint; an edge may move out of its own run (a hysteresis run can end early on a
    slow fall, at a chance dip of the envelope) but never into another one.  Returns
    (lo, hi): an onset lies in ``[lo, core]``, an offset in ``[core, hi]``.
    """
    s = np.asarray(starts, dtype=np.int64)
    e = np.asarray(stops, dtype=np.int64)
    runs = np.concatenate([np.stack([s, e], axis=1), np.asarray(removed, dtype=np.int64).reshape(-1, 2)])
    runs = runs[np.argsort(runs[:, 0], kind="stable")]
    ends = np.maximum.accumulate(runs[:, 1]) if runs.size else runs[:, 1]
    k = np.searchsorted(runs[:, 0], s, side="left")  # position of each burst's own run
    lo = np.where(k > 0, ends[np.maximum(k - 1, 0)], 0)
    nxt = np.searchsorted(runs[:, 0], e, side="left")
    hi = np.where(nxt < runs.shape[0], runs[np.minimum(nxt, runs.shape[0] - 1), 0], n)
    return np.minimum(lo, s), np.maximum(hi, e)


def _merge_close(on: np.ndarray, off: np.ndarray, gap: int, *others: np.ndarray) -> list[np.ndarray]:
    """Bursts whose placed edges come closer than ``gap`` samples become one (the union).

    The envelope can split a burst at a chance dip: on a slow rise or fall its 10-ms RMS
    falls below the offset threshold for 20 ms and the detection gives two runs, each of
    whose edges, placed on the samples, then stops short of the other.  The separation
    ``gap`` is what tells two bursts apart (the merge gap, or the time holding enough
    degrees of freedom at low rates): closer pieces are one burst.  ``others`` are
    per-burst [start, stop) pairs (the detected runs) merged the same way.  Inputs in
    order of onset.
    """
    if on.size < 2:
        return [on, off, *others]
    run_off = np.maximum.accumulate(off)
    first = np.flatnonzero(np.r_[True, on[1:] - run_off[:-1] >= gap])
    out = [on[first], np.maximum.reduceat(off, first)]
    for k, o in enumerate(others):
        out.append(np.minimum.reduceat(o, first) if k % 2 == 0 else np.maximum.reduceat(o, first))
    return out


def find_short_bursts(filtered: np.ndarray, sfreq: float, *, params: ShortBurstParams = ShortBurstParams(),
                      mask: np.ndarray | None = None, baseline: Baseline | None = None,
                      delay_s: float = 0.0, slow: np.ndarray | _RawSlow | None = None,
                      pop_criteria: PopCriteria = PopCriteria(),
                      envelopes: dict[int, np.ndarray] | None = None, step_uv: float = 0.0,
                      rejected: dict[str, np.ndarray] | None = None,
                      beats: np.ndarray | None = None) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Short (myoclonic) bursts in one band-passed EMG channel.

    Candidates are runs of the ``envelope_window_s`` RMS above the offset threshold that
    reach the onset threshold (both against the running resting baseline).  A candidate
    is not a burst when it was already active when the signal's observation began
    (record start, end of an artefact run: :func:`_already_active`; returned as
    ``rejected["settling"]``), when it is an electrode pop, or when it does not rise
    above the resting level on *both* sides by the onset criterion (a step of tone at a
    change of sleep stage, not a phasic burst; ``rejected["tone"]``).  The edges of the
    bursts kept are then placed on the band-passed samples (:func:`_refine_edges`) at
    ``params.edge_ratio`` x the resting RMS.

    Parameters
    ----------
    filtered : ndarray
        Band-passed, cleaned EMG (uV).
    sfreq : float
        Sampling rate (Hz).
    params : ShortBurstParams
        Thresholds.
    mask : ndarray of bool | None
        Artefact samples: no burst may touch them.
    baseline : Baseline | None
        Precomputed resting baseline (else computed with ``params``).
    delay_s : float
        Filter group delay (s), subtracted from onsets.
    slow : ndarray | None
        Slow (< 10 Hz) component of the raw signal, to reject electrode pops;
        None skips the pop test.
    pop_criteria : PopCriteria
        Pop thresholds.
    envelopes : dict | None
        Accepted for compatibility and left untouched: the search computes its RMS
        envelopes on the fly (numba kernels) and no longer stores or shares them.
    step_uv : float
        Quantisation step of the raw channel (uV; :func:`myosleep.preprocessing.quantisation`).
        A burst must clear it: the onset floor is at least one step of RMS above rest and
        the offset floor half a step (see ``ShortBurstParams``).
    rejected : dict | None
        When given, receives ``"settling"`` and ``"tone"``: (n, 2) int arrays of the
        [start, stop) runs set aside for those reasons.
    beats : ndarray | None
        Samples of the heartbeats subtracted (``PreprocessedEMG.beats``): an edge does not
        move out of its run into a QRS (:func:`_qrs_windows`).

    Returns
    -------
    (table, pops)
        ``table``: dict of arrays (onset, duration, offset_s in s; peak_amplitude_uv,
        mean_amplitude_uv, baseline_uv in uV; area_uv_s; snr; start/stop samples of the placed
        edges; run_start/run_stop: the detected run(s) the burst was found as, where the pop
        test looked).
        ``pops``: (n, 2) int array of [start, stop) runs rejected as electrode pops.
    """
    filtered = np.ascontiguousarray(filtered, dtype=np.float32)
    if baseline is None:
        baseline = resting_baseline(filtered, sfreq, mask=mask, window_s=params.baseline_window_s,
                                    quantile=params.baseline_quantile, block_s=params.baseline_block_s)
    det_window_s = detection_window_s(params, sfreq)
    # few degrees of freedom in the detection window (low rates, narrow bands): raise the onset
    # ratio so that resting EMG starts no more than params.false_alarms_per_h bursts an hour
    on_ratio = max(params.on_ratio, false_alarm_ratio(filtered, sfreq, params=params, mask=mask,
                                                      window_s=det_window_s, acf=baseline.acf))
    on_floor, off_floor = _quantised_floors(params.on_floor_uv, params.off_floor_uv, step_uv)
    min_gap = int(round(params.min_gap_s * sfreq))
    s, e, _ = _search(filtered, sfreq, baseline, mask, window_s=params.envelope_window_s,
                      on_window_s=det_window_s, off=(params.off_ratio, off_floor),
                      on=(on_ratio, on_floor), strict_off=False, min_gap=min_gap,
                      min_len=max(1, int(round(params.min_duration_s * sfreq))), tight_onset=True)
    settling = _already_active(s, mask, min_gap)
    out_settling = np.stack([s[settling], e[settling]], axis=1)
    s, e = s[~settling], e[~settling]
    pops = residue = np.zeros((0, 2), dtype=np.int64)
    if slow is not None and s.size:
        verdict = np.array([pop_verdict(slow, filtered, sfreq, int(a), int(z), criteria=pop_criteria)
                            for a, z in zip(s.tolist(), e.tolist())])
        is_pop = verdict == "pop"
        # a slow two-phase transient on a heartbeat's QRS is what the subtraction left of the beat; elsewhere
        # it is muscle (docs/robustness.md, section 19)
        is_res = (verdict == "two-phase") & _on_qrs(beats, sfreq, s, e)
        pops, residue = np.stack([s[is_pop], e[is_pop]], axis=1), np.stack([s[is_res], e[is_res]], axis=1)
        s, e = s[~(is_pop | is_res)], e[~(is_pop | is_res)]
    # phasic: the burst stands above the resting level on both sides by the onset criterion
    before, after = baseline.side_levels(s, e, window_s=SUPER_BLOCK_S, sfreq=sfreq,
                                         quantile=params.baseline_quantile)
    local = np.maximum(before, after)
    peak = _peak_rms(filtered, s, e, _window_samples(det_window_s, sfreq))
    phasic = (peak >= on_ratio * local) & (peak >= local + on_floor)
    out_tone = np.stack([s[~phasic], e[~phasic]], axis=1)
    s, e, local = s[phasic], e[phasic], local[phasic]
    # edges where the EMG crosses twice the background (SINBAR), at least one quantisation step: the
    # resting RMS, the median of the running baseline and of the levels in the second before and the
    # second after the burst.  The baseline, a 30-s median, misses the background between the jerks
    # of a train or an arousal's tone, and lags a change of stage; one side alone can hold activity
    near_before, near_after = baseline.side_levels(s, e, window_s=_EDGE_REST_S, sfreq=sfreq,
                                                   quantile=params.baseline_quantile)
    rest_on = rest_off = baseline.rms_per_baseline * np.median(np.stack([baseline.at(s), near_before, near_after]),
                                                               axis=0)
    removed = np.concatenate([out_settling, pops.reshape(-1, 2), residue.reshape(-1, 2), out_tone,
                              _qrs_windows(beats, sfreq, s, e, filtered.shape[0])]).astype(np.int64)
    # what separates two bursts: the merge gap or, at low rates, the time holding min_dof degrees
    # of freedom (57 ms at 200 Hz), as for the detection window: a 20-ms dip holds too few there to
    # tell rest from the low part of a burst.  A search ends once the signal has stayed below the
    # level that long; bursts whose placed edges come closer than that are one.
    band_low, band_high = emg_band_hz(sfreq)
    sep_s = max(params.min_gap_s, params.min_dof / (2.0 * (band_high - band_low)))
    # another burst inside a run stands above the run's own background as a burst above rest
    run_rest = _run_background(baseline, s, e, quantile=params.baseline_quantile)
    thr_on = np.maximum.reduce([on_ratio * baseline.at(s), baseline.at(s) + on_floor, on_ratio * run_rest,
                                run_rest + on_floor])
    edge = EdgeStatistic(baseline.acf, sfreq)
    rs, re_, s, e = _place_short_edges(filtered, sfreq, s, e, removed, mask=mask, rest_on=rest_on,
                                       rest_off=rest_off, level_ratio=params.edge_ratio, step_uv=step_uv,
                                       sep_s=sep_s, thr_on=thr_on,
                                       n_env=_window_samples(params.envelope_window_s, sfreq),
                                       n_det=_window_samples(det_window_s, sfreq),
                                       min_len=max(1, int(round(params.min_duration_s * sfreq))),
                                       edge=edge, delay_s=delay_s)
    if rejected is not None:
        rejected["settling"] = out_settling
        rejected["tone"] = out_tone
    return _table(rs, re_, filtered, baseline, sfreq, delay_s, window_s=params.envelope_window_s,
                  smooth_window_s=det_window_s, found=(s, e), edge_lag=edge.lag), pops


#: The QRS complex around an R-peak (s): 80-120 ms (ECG norms), +-50 ms.
_QRS_HALF_S = 0.05


def _on_qrs(beats: np.ndarray | None, sfreq: float, s: np.ndarray, e: np.ndarray) -> np.ndarray:
    """True for each run ``[s, e)`` that overlaps the QRS complex (R +- ``_QRS_HALF_S``) of a beat."""
    if beats is None or len(beats) == 0:
        return np.zeros(s.size, dtype=bool)
    h = int(round(_QRS_HALF_S * sfreq))
    b = np.sort(np.asarray(beats, dtype=np.int64))
    k = np.searchsorted(b, s - h, side="left")  # first beat whose window does not end before the run
    return (k < b.size) & (b[np.minimum(k, b.size - 1)] - h < e)


def _qrs_windows(beats: np.ndarray | None, sfreq: float, s: np.ndarray, e: np.ndarray, n: int) -> np.ndarray:
    """(m, 2) runs of the QRS complexes (``beats``: samples of ``filtered``), less the bursts' runs.

    A burst's edge search may go beyond its run (a slow tail the envelope lost) but not into
    a QRS beside it: the residual of a subtracted heartbeat next to a burst (at 200 Hz the
    alignment of beats is one sample, and residuals remain) is not the burst's tail.
    """
    if beats is None or len(beats) == 0:
        return np.zeros((0, 2), dtype=np.int64)
    h = int(round(_QRS_HALF_S * sfreq))
    b = np.asarray(beats, dtype=np.int64)
    w = np.stack([np.clip(b - h, 0, n), np.clip(b + h + 1, 0, n)], axis=1)
    if s.size:  # the parts of a window inside a run are the burst's own (a jerk on a beat)
        k = np.searchsorted(s, w[:, 1], side="left")  # runs starting before each window ends
        prev_stop = np.where(k > 0, e[np.maximum(k - 1, 0)], -1)
        hit = prev_stop > w[:, 0]
        pieces = [w[~hit]]
        for a, z in w[hit].tolist():
            i0, i1 = np.searchsorted(e, a, side="right"), np.searchsorted(s, z, side="left")
            cur = a
            for rs, re_ in zip(s[i0:i1].tolist(), e[i0:i1].tolist()):
                if rs > cur:
                    pieces.append(np.array([[cur, rs]], dtype=np.int64))
                cur = max(cur, re_)
            if z > cur:
                pieces.append(np.array([[cur, z]], dtype=np.int64))
        w = np.concatenate(pieces).reshape(-1, 2)
        w = w[np.argsort(w[:, 0], kind="stable")]
    # runs of the removed set must not overlap one another
    if w.shape[0] > 1:
        from ..preprocessing.artefacts import merge_runs

        a, z = merge_runs(w[:, 0], np.maximum.accumulate(w[:, 1]), 1)
        w = np.stack([a, z], axis=1)
    return w.astype(np.int64)


def _run_background(baseline: Baseline, s: np.ndarray, e: np.ndarray, *, quantile: float,
                    min_blocks: int = 5) -> np.ndarray:
    """The ``quantile`` of the block RMS inside each run (uV): the background between its bursts.

    A run that holds a train of jerks (the envelope kept above its offset threshold by the
    background between them) has that background in its quiet blocks; a run of sustained
    activity (tone rising at an arousal) has the activity itself.  Runs of fewer than
    ``min_blocks`` whole blocks get +inf (too short to hold a train: no burst is sought
    inside them besides the first).
    """
    out = np.full(s.size, np.inf)
    amp = baseline.block_rms_uv
    if amp is None or s.size == 0:
        return out
    nb = baseline.n_block
    b0 = -(-np.asarray(s, dtype=np.int64) // nb)  # first whole block
    b1 = np.asarray(e, dtype=np.int64) // nb  # one past the last whole block
    valid = baseline.block_valid
    for k in np.flatnonzero(b1 - b0 >= min_blocks).tolist():
        v = amp[b0[k]:b1[k]]
        if valid is not None:
            v = v[valid[b0[k]:b1[k]]]
        if v.size >= min_blocks:
            out[k] = float(np.quantile(v, quantile))
    return out


def _place_short_edges(filtered: np.ndarray, sfreq: float, s: np.ndarray, e: np.ndarray, removed: np.ndarray, *,
                       mask: np.ndarray | None, rest_on: np.ndarray, rest_off: np.ndarray, level_ratio: float,
                       step_uv: float, sep_s: float, thr_on: np.ndarray, n_env: int,
                       n_det: int, min_len: int, edge: EdgeStatistic,
                       delay_s: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Onsets and offsets of the short bursts found as the runs ``[s, e)``: (on, off, run starts, run stops).

    The core of a burst is the loudest sample of its run (of the ``n_env`` envelope: a run
    can outlast the activity at low rates, its ends are no safe core); the onset is placed
    from there against ``level_ratio`` x the resting RMS before the run, the offset against
    that after it (:func:`_refine_edges`, each search bounded by the neighbouring runs,
    :func:`_edge_bounds`; offsets read again on the backward-filtered signal,
    :func:`_offsets_read_backward`).  A run can hold several bursts: where the background
    between jerks of a train (neonatal myoclonus at 1-5 Hz) keeps the envelope above its
    offset threshold, the run spans the train.  So what is left of a run on either side of
    a placed burst is searched again: a part whose ``n_env`` and ``n_det`` RMS reach
    ``thr_on`` (uV: the detection's onset threshold, and as far above the run's own
    background, :func:`_run_background`: sustained activity is not cut into bursts) holds
    another burst, placed the same way within that part.  Bursts whose placed edges come closer than ``sep_s`` are one
    (:func:`_merge_close`).
    """
    from . import _kernels

    n = filtered.shape[0]
    if s.size == 0:
        return s.copy(), e.copy(), s.copy(), e.copy()
    lo_run, hi_run = _edge_bounds(s, e, removed, n)
    # work items: (run index, part start, part stop, onset bound, offset bound)
    idx, a, z, lo, hi = np.arange(s.size), s.copy(), e.copy(), lo_run, hi_run
    first = True
    ons, offs, runs, bounds_hi, cores = [], [], [], [], []
    for _ in range(64):  # each round peels one burst off every part that still holds one
        if idx.size == 0:
            break
        top = _kernels.envelope_argmax(filtered, a, z, n_env)
        if not first:  # the part's own samples reach the onset threshold (windows inside the part)
            h_env, h_det = n_env // 2, n_det // 2
            qual = ((z - a) > 2 * h_det) & \
                (_peak_rms(filtered, a + h_env, np.maximum(z - h_env, a + h_env), n_env) >= thr_on[idx]) & \
                (_peak_rms(filtered, a + h_det, np.maximum(z - h_det, a + h_det), n_det) >= thr_on[idx])
            idx, a, z, lo, hi, top = idx[qual], a[qual], z[qual], lo[qual], hi[qual], top[qual]
            if idx.size == 0:
                break
        lv_on = np.maximum(level_ratio * rest_on[idx], step_uv)
        lv_off = np.maximum(level_ratio * rest_off[idx], step_uv)
        on, _ = _refine_edges(filtered, top, top, lo, top, lv_on, _cusum_stop(lv_on, rest_on[idx], sep_s, sfreq),
                              mask=mask, edge=edge, margin=edge.climb_margin(lv_on, rest_on[idx]))
        # no margin for offsets: see _refine_edges
        _, off = _refine_edges(filtered, top, top, top, hi, lv_off, _cusum_stop(lv_off, rest_off[idx], sep_s, sfreq),
                               mask=mask, edge=edge, margin=0.0)
        ons.append(on)
        offs.append(off)
        runs.append(idx)
        bounds_hi.append(hi)
        cores.append(top)
        # what the run holds beyond the placed burst, each side searched again next round
        left = (on - a) >= min_len
        right = (z - off) >= min_len
        idx = np.r_[idx[left], idx[right]]
        a, z = np.r_[a[left], off[right]], np.r_[on[left], z[right]]
        lo, hi = np.r_[lo[left], off[right]], np.r_[on[left], hi[right]]
        first = False
    on = np.concatenate(ons)
    off = np.concatenate(offs)
    run = np.concatenate(runs)
    hi_all = np.concatenate(bounds_hi)
    core = np.concatenate(cores)
    order = np.lexsort((off, on))
    on, off, run, hi_all, core = on[order], off[order], run[order], hi_all[order], core[order]
    lv_off = np.maximum(level_ratio * rest_off[run], step_uv)
    # the backward filter rings before the next burst: a backward reading stops the merge gap short of
    # the next burst's onset (never before its own causal offset), so bursts placed apart stay apart
    gap_n = max(1, int(round(sep_s * sfreq)))
    hi_back = np.maximum(np.minimum(hi_all, np.r_[on[1:] - gap_n, n]), np.minimum(off, hi_all))
    off = np.maximum(_offsets_read_backward(filtered, sfreq, core, off, hi_back, lv_off,
                                            _cusum_stop(lv_off, rest_off[run], sep_s, sfreq), mask=mask, edge=edge,
                                            delay_s=delay_s, margin=0.0), on + 1)
    on, off, rs, re_ = _merge_close(on, off, max(1, int(round(sep_s * sfreq))), s[run], e[run])
    return on, off, rs, re_


def _quantised_floors(on_floor_uv: float, off_floor_uv: float, step_uv: float) -> tuple[float, float]:
    """Onset and offset floors (uV above rest) a burst must clear on a quantised channel.

    A signal confined to two adjacent codes has an RMS of at most half a step (a square
    wave toggling between them), to three codes at most one step.  So a burst must stand
    one step of RMS above rest to start (it then spans at least four codes, several steps
    peak to peak: a flip between adjacent codes never qualifies) and ends when it falls to
    half a step.  With a fine step (< 2 uV) the floors are unchanged.
    """
    step = max(0.0, float(step_uv))
    return max(on_floor_uv, step), max(off_floor_uv, 0.5 * step)


def find_lm_bursts(filtered: np.ndarray, sfreq: float, *, params: LegMovementParams = LegMovementParams(),
                   mask: np.ndarray | None = None, baseline: Baseline | None = None,
                   delay_s: float = 0.0, envelopes: dict[int, np.ndarray] | None = None,
                   step_uv: float = 0.0, rejected: dict[str, np.ndarray] | None = None,
                   short: Mapping[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """AASM leg-movement activity in one band-passed EMG channel.

    AASM (Manual v2.5, 2018, VII.A): an LM starts at an 8-uV increase of the EMG above its
    resting level and ends at the start of >= 0.5 s with the EMG within 2 uV of it.  The
    resting level is the resting RMS (the baseline x ``Baseline.rms_per_baseline``: the
    baseline itself is a low quantile of block RMS, below the level a scorer reads as rest),
    and the EMG is the ``envelope_window_s`` RMS.  An LM is the contiguous run of that RMS
    above the rest tolerance (resting RMS + 2 uV, at least ``off_min_ratio`` x baseline)
    that leads to the 8-uV crossing (at least ``on_min_ratio`` x baseline), runs less than
    0.5 s apart merged: it starts where the EMG leaves rest on the way to that crossing -
    earlier activity separated from it by rest, however briefly, is not part of it - and
    ends where the quiet 0.5 s begin, which are not part of it.  That run finds the
    movement; its onset (the 8-uV crossing) and offset (the start of the quiet period) are
    then placed on the samples (:func:`_lm_edges`).  Measured on simulated LMs whose truth
    is these rules on the noiseless amplitude: duration error -1 to -12 ms at the median,
    52-97 ms at the 90th percentile at 200-2048 Hz (slow rises and falls:
    ``tests/detection/test_rates_durations.py``, ``benchmarks/eval_rates.py``).  As for
    short bursts, activity already present when the signal's observation began, or that
    does not rise by the onset criterion above the resting level on both sides, is set
    aside (``rejected``).

    The quiet period that ends a movement must be quiet: a burst of the short-burst
    detector on the same channel (``short``, the table :func:`find_short_bursts` returned)
    that starts within it and reaches above the rest tolerance (:func:`_burst_level_uv`)
    continues the movement, whose offset is read again from that burst on
    (:func:`_interruptions`).  On a slow tail that hovers about the tolerance the offset's
    change point can stop at an early dip (issue 9, defect 17: two movements of a PLMD night
    recorded at 200 and 256 Hz ended 0.21-0.28 s early, and the rest of their tails became
    fragmentary myoclonus or a myoclonic jerk; at 512 Hz neither).  A burst there that stays
    under the tolerance is the movement's fading tail: classification does not score it as a
    jerk of its own (``myosleep.classification.plm.decide``).

    Parameters and returned table as :func:`find_short_bursts` (without pops and the
    pop test; ``envelopes`` is likewise accepted and left untouched).
    """
    filtered = np.ascontiguousarray(filtered, dtype=np.float32)
    if baseline is None:
        baseline = resting_baseline(filtered, sfreq, mask=mask, window_s=params.baseline_window_s,
                                    quantile=params.baseline_quantile, block_s=params.baseline_block_s)
    on_floor, off_floor = _quantised_floors(params.on_above_uv, params.off_above_uv, step_uv)
    quiet = int(round(params.off_quiet_s * sfreq))
    # thresholds max(ratio x baseline, resting RMS + floor): the search's max(ratio' x b', b' + floor)
    # on the baseline scaled to the resting RMS (b' = r b, ratio' = ratio / r)
    r = max(baseline.rms_per_baseline, 1e-6)
    rest = Baseline(baseline.blocks_uv * r, baseline.n_block, baseline.n_samples)
    s, e, first = _search(filtered, sfreq, rest, mask, window_s=params.envelope_window_s, on_window_s=None,
                          off=(params.off_min_ratio / r, off_floor), on=(params.on_min_ratio / r, on_floor),
                          strict_off=True, min_gap=quiet, min_len=1, tight_onset=True)
    settling = _already_active(s, mask, quiet)
    out_settling = np.stack([s[settling], e[settling]], axis=1)
    s, e, first = s[~settling], e[~settling], first[~settling]
    w = _window_samples(params.envelope_window_s, sfreq)
    local = baseline.local_level(s, e, window_s=SUPER_BLOCK_S, sfreq=sfreq, quantile=params.baseline_quantile)
    peak = _peak_rms(filtered, s, e, w)
    phasic = (peak >= params.on_min_ratio * local) & (peak >= r * local + on_floor)
    out_tone = np.stack([s[~phasic], e[~phasic]], axis=1)
    s, e, first = s[phasic], e[phasic], first[phasic]
    if rejected is not None:
        rejected["settling"] = out_settling
        rejected["tone"] = out_tone
    edge = EdgeStatistic(baseline.acf, sfreq)
    on, off = _lm_edges(filtered, sfreq, s, e, first, baseline, params=params, on_floor=on_floor,
                        off_floor=off_floor, mask=mask, delay_s=delay_s, edge=edge, short=short)
    keep = (off - on) >= max(1, int(round(params.min_duration_s * sfreq)))
    table = _table(on[keep], off[keep], filtered, baseline, sfreq, delay_s, window_s=params.envelope_window_s,
                   found=(s[keep], e[keep]), edge_lag=edge.lag)
    # A movement is sustained activity: its RMS over the whole LM must itself stand above the
    # AASM rest tolerance (2 uV above resting EMG).  Brief spikes (residual heartbeats, noise)
    # that keep re-crossing the 2-uV line less than 0.5 s apart would otherwise chain into a
    # "movement" whose mean lies at the resting level.
    real = table["mean_amplitude_uv"] >= params.off_above_uv
    return {k: v[real] for k, v in table.items()}


def _lm_edges(filtered: np.ndarray, sfreq: float, s: np.ndarray, e: np.ndarray, first: np.ndarray,
              baseline: Baseline, *, params: LegMovementParams, on_floor: float, off_floor: float,
              mask: np.ndarray | None, delay_s: float, edge: EdgeStatistic,
              short: Mapping[str, np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """AASM onset and offset of each leg movement found as the run ``[s, e)`` (first onset crossing ``first``).

    The levels are those of the AASM rules against the resting RMS R: the onset where the
    EMG first rises 8 uV above R, the offset at the start of >= 0.5 s within 2 uV of R
    (at least ``on_min_ratio`` / ``off_min_ratio`` x the baseline on noisy recordings).
    Both are placed on the samples by :func:`_refine_edges`:

    * the onset is the change point about R + 8 uV between the run's start (where the EMG
      left rest) and the loudest point of the first stretch of the 50-ms RMS above that
      level (the activity leading to the first crossing, as the rule reads it);
    * the offset is the change point about R + 2 uV from the movement's loudest point
      onward; the search ends once the signal has stayed below that level for the deficit
      of 0.5 s of resting EMG (the AASM quiet period) or at the next movement; a short burst
      above R + 2 uV that starts within the 0.5 s after it continues the movement, whose
      offset is then read again from that burst's loudest point (:func:`_interruptions`).
    """
    from . import _kernels

    if s.size == 0:
        return s.copy(), e.copy()
    b = baseline.at(s).astype(np.float64)
    # the resting EMG: the median of the baseline and the 1-s levels on each side (as for short bursts)
    near_before, near_after = baseline.side_levels(s, e, window_s=_EDGE_REST_S, sfreq=sfreq,
                                                   quantile=params.baseline_quantile)
    rest = baseline.rms_per_baseline * np.median(np.stack([b, near_before, near_after]), axis=0)
    lv_on = np.maximum(params.on_min_ratio * b, rest + on_floor)
    lv_off = np.maximum(params.off_min_ratio * b, rest + off_floor)
    w = _window_samples(params.envelope_window_s, sfreq)
    first = np.clip(first, s, np.maximum(e - 1, s))
    c1 = _kernels.first_stretch_peak(filtered, first, e, w, np.square(lv_on))
    c2 = np.maximum(_kernels.envelope_argmax(filtered, c1, np.maximum(e, c1 + 1), w), c1)
    inf = np.full(s.size, np.inf)
    on, _ = _refine_edges(filtered, c1, c1, s, c1, lv_on, inf, mask=mask, edge=edge,
                          margin=edge.climb_margin(lv_on, rest))
    nxt = np.r_[s[1:], filtered.shape[0]]
    stop = _cusum_stop(lv_off, rest, params.off_quiet_s, sfreq)
    margin = np.zeros(s.size)  # no margin for offsets: see _refine_edges
    _, off = _refine_edges(filtered, c2, c2, c2, nxt, lv_off, stop, mask=mask, edge=edge, margin=margin)
    off = _offsets_read_backward(filtered, sfreq, c2, off, nxt, lv_off, stop, mask=mask, edge=edge, delay_s=delay_s,
                                 margin=margin)
    if short is not None and len(short["start"]):
        # AASM: activity in the quiet period continues the movement; its offset is read again after it
        b_start = np.asarray(short["start"], dtype=np.int64)
        b_stop = np.maximum(np.asarray(short["stop"], dtype=np.int64), b_start + 1)
        dof = window_dof(baseline.acf, w, sfreq)
        level = np.full(b_start.size, np.nan)  # read for the bursts that start in a quiet period
        quiet = int(round(params.off_quiet_s * sfreq))
        while True:
            ends = np.sort(off)
            j = np.searchsorted(ends, b_start, side="right") - 1
            todo = np.flatnonzero(np.isnan(level) & (j >= 0) & (b_start < ends[np.maximum(j, 0)] + quiet))
            level[todo] = _burst_level_uv(filtered, b_start[todo], b_stop[todo], w, dof)
            k, a, z = _interruptions(off, nxt, lv_off, quiet, b_start, b_stop, level)
            if k.size == 0:
                break
            core = np.maximum(_kernels.envelope_argmax(filtered, a, z, w), off[k] + 1)
            _, o = _refine_edges(filtered, core, core, core, nxt[k], lv_off[k], stop[k], mask=mask, edge=edge,
                                 margin=margin[k])
            o = _offsets_read_backward(filtered, sfreq, core, o, nxt[k], lv_off[k], stop[k], mask=mask, edge=edge,
                                       delay_s=delay_s, margin=margin[k])
            off[k] = np.maximum(o, core)  # later each pass: the loop ends
    return on, np.maximum(off, on + 1)


def _burst_level_uv(filtered: np.ndarray, starts: np.ndarray, stops: np.ndarray, n_win: int, dof: float) -> np.ndarray:
    """The RMS amplitude each burst ``[start, stop)`` reaches, read without the bias of a maximum (uV).

    The burst is cut into m consecutive windows of ``n_win`` samples (m its length in windows,
    rounded, at least one), and the loudest window's RMS is taken.
    That maximum overshoots the amplitude the burst reaches: over m windows of ``dof``
    degrees of freedom of EMG of constant amplitude A (a Gaussian signal: each mean square
    A^2 chi2(dof) / dof, the windows nearly independent), the largest mean square has its
    median at A^2 x the chi-square quantile 0.5^(1/m) / dof (the median of the largest of m
    independent draws).  Divided by that factor's square root, the loudest RMS is an
    amplitude that a burst reaching exactly A exceeds half the time: a reading of "the EMG
    exceeds the level" biased neither way at the level (``tests/detection/test_lm_quiet.py``).
    """
    from scipy.special import gammaincinv

    n = filtered.shape[0]
    w = max(1, int(n_win))
    out = np.empty(starts.size, dtype=np.float64)
    m = np.empty(starts.size, dtype=np.float64)
    for i, (a, z) in enumerate(zip(starts.tolist(), stops.tolist())):
        k = max(1, int(round((z - a) / w)))
        a = max(0, min(a, n - k * w))
        seg = np.square(np.asarray(filtered[a: a + k * w], dtype=np.float64))
        k = seg.size // w
        out[i] = float(np.max(np.mean(seg[: k * w].reshape(k, w), axis=1))) if k else float(np.mean(seg))
        m[i] = max(k, 1)
    nu = max(float(dof), 1.0)
    overshoot = 2.0 * gammaincinv(0.5 * nu, np.power(0.5, 1.0 / m)) / nu
    return np.sqrt(out / overshoot)


def _interruptions(off: np.ndarray, nxt: np.ndarray, level_uv: np.ndarray, quiet: int, b_start: np.ndarray,
                   b_stop: np.ndarray, b_peak_uv: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The leg movements whose terminating quiet period a burst interrupts, and where.

    AASM (Manual v2.5, 2018, VII.A.4): an LM ends at the start of a period of >= 0.5 s
    (``quiet`` samples) during which the EMG does not exceed 2 uV above the resting level.
    A burst of the short-burst detector (samples ``[b_start, b_stop)``, reaching the RMS
    ``b_peak_uv``: :func:`_burst_level_uv`) that starts within ``[off, off + quiet)``, ends no
    later than the next movement's search start ``nxt`` and reaches above the movement's
    offset level ``level_uv`` (R + 2 uV) shows that the period was not quiet.  A burst that
    began before the offset is not counted: it is the movement itself, read at the short
    detector's lower level (twice the background), at which it ends later.

    Returns
    -------
    (k, a, z)
        Indices of the interrupted movements and, for each, the samples ``[a, z)`` from the
        first of its interrupting bursts' starts to the last of their ends.
    """
    order = np.argsort(b_start, kind="stable")
    bs, be, bp = b_start[order], b_stop[order], b_peak_uv[order]
    off = np.asarray(off, dtype=np.int64)
    first = np.searchsorted(bs, off, side="left")
    last = np.searchsorted(bs, off + quiet, side="left")
    k, a, z = [], [], []
    for i in np.flatnonzero(last > first):
        j = np.arange(first[i], last[i])
        j = j[(be[j] <= nxt[i]) & (bp[j] > level_uv[i])]
        if j.size:
            k.append(i)
            a.append(int(bs[j].min()))
            z.append(int(be[j].max()))
    return np.array(k, dtype=np.int64), np.array(a, dtype=np.int64), np.array(z, dtype=np.int64)


def settling_runs(*rejected: dict[str, np.ndarray]) -> np.ndarray:
    """The ``"settling"`` runs of the detectors' ``rejected`` dicts, merged where they overlap ((n, 2) int)."""
    from ..preprocessing.artefacts import merge_runs

    runs = [r["settling"] for r in rejected if "settling" in r and len(r["settling"])]
    if not runs:
        return np.zeros((0, 2), dtype=np.int64)
    allr = np.concatenate(runs)
    allr = allr[np.argsort(allr[:, 0], kind="stable")]
    # overlapping or touching runs become one (stops may decrease: keep the running maximum)
    stops = np.maximum.accumulate(allr[:, 1])
    s, e = merge_runs(allr[:, 0], stops, 1)
    return np.stack([s, e], axis=1).astype(np.int64)


def quantisation_problem(quant: Quantisation, baseline: Baseline | None, role: str, *,
                         params: DetectionParams) -> str | None:
    """Why a channel's quantisation is too coarse for the amplitudes its rules read, or None.

    The rules on leg, chin and arm EMG read amplitudes within 2 uV of rest: the AASM leg
    movement ends where the EMG is back within 2 uV of resting (``LegMovementParams.
    off_above_uv``), and SINBAR and the REM atonia index read chin and arm EMG against a
    REM background of ~1 uV.  A quantiser whose step exceeds that cannot show it: any
    change of the signal is at least one step.  It still can when the resting EMG spans
    several steps (it dithers the quantiser, whose error is then additive noise of
    step / sqrt(12) RMS: Widrow, IRE Trans Circuit Theory 1956), so the channel is refused
    only when its step exceeds the amplitude and its resting RMS is below one step (then
    most consecutive samples are identical, and a flip between two adjacent codes is
    a jump of the whole step).  Other roles (axial) are kept: their bursts must clear the
    step (``find_short_bursts``).

    Parameters
    ----------
    quant : myosleep.preprocessing.Quantisation
        The channel's step and identical-sample fraction.
    baseline : Baseline | None
        Its resting-EMG baseline (for the resting RMS); None when the channel holds no usable
        stretch (a coarse quantiser's runs of identical codes are all "flat"): no dithering.
    role : str
        The channel's role.
    params : DetectionParams
        ``fine_amplitude_roles`` and ``lm.off_above_uv``.
    """
    step = float(quant.step_uv)
    need = float(params.lm.off_above_uv)
    if role not in params.fine_amplitude_roles or step <= need:
        return None
    rest = 0.0 if baseline is None else baseline.rms_per_baseline * float(np.median(baseline.blocks_uv))
    if rest >= step:
        return None
    rules = ("the AASM leg-movement rules (offset: EMG back within 2 uV of rest)" if role == "leg" else
             "SINBAR and the REM atonia index (REM background ~1 uV)")
    return (f"quantised at {step:.3g} uV per step ({100 * quant.identical_fraction:.0f} % of consecutive "
            f"samples identical): too coarse for {rules}; record EMG with a finer range, e.g. +-3.2 mV "
            f"in 16 bits (0.1 uV per step)")

"""EMG burst detection on one preprocessed channel: short (myoclonic) and AASM leg-movement sets.

Both detectors share the running resting baseline (low quantile of 100-ms block
amplitude over ~20 s, :func:`myosleep.preprocessing.running_baseline`) and use
hysteresis: a burst is a run where the envelope stays above the offset threshold
(runs closer than a minimum gap merged) that somewhere reaches the onset threshold.
Times are corrected for the causal filter's group delay.
"""

from __future__ import annotations

import numpy as np

from ..errors import ParameterError
from ..preprocessing.artefacts import PopCriteria, _RawSlow, is_electrode_pop
from ..preprocessing.envelope import SUPER_BLOCK_S, _baseline_from_super_quantiles
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

    def local_level(self, starts: np.ndarray, stops: np.ndarray, *, window_s: float, sfreq: float,
                    quantile: float) -> np.ndarray:
        """Resting level (uV RMS) on each side of each burst: the larger of the two.

        The ``quantile`` of the block RMS over ``window_s`` before ``starts`` and after
        ``stops`` (blocks touching the burst and artefact blocks left out), as the
        baseline takes it over its first-level span; the baseline where neither side holds
        a usable block.
        """
        starts = np.asarray(starts, dtype=np.int64)
        stops = np.asarray(stops, dtype=np.int64)
        base = self.at(starts).astype(np.float64)
        if self.block_rms_uv is None or starts.size == 0:
            return base
        from . import _kernels

        amp = np.ascontiguousarray(self.block_rms_uv, dtype=np.float64)
        ok = np.ones(amp.size, dtype=bool) if self.block_valid is None else \
            np.ascontiguousarray(self.block_valid, dtype=bool)
        k = max(1, int(round(window_s * sfreq / self.n_block)))
        b0 = starts // self.n_block  # first block touching the burst
        b1 = (np.maximum(stops, starts + 1) - 1) // self.n_block + 1  # one past the last
        out = _kernels.side_levels(amp, ok, b0, b1, k, float(quantile), base)
        return out


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

    from ..preprocessing.filters import emg_band_hz

    if acf is None:
        low, high = emg_band_hz(sfreq)
        nu = min(float(n_block), 2.0 * (high - low) * n_block / sfreq)
    else:
        nu = rms_dof(acf, n_block)
    return float(1.0 / np.sqrt(2.0 * gammaincinv(0.5 * nu, quantile) / nu))


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
           found: tuple[np.ndarray, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """Per-burst features.

    ``peak`` is the maximum of the ``smooth_window_s`` RMS envelope for bursts at
    least that long, of the ``window_s`` envelope otherwise: the maximum of a short
    RMS window over a noise-like burst overshoots its true RMS by ~50 %.  It is taken
    over the run the detector ``found`` (its envelopes' span, when given), so that a
    burst's peak is the level its detection reached whatever the placing of its edges.
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
    onset = np.maximum(starts / sfreq - delay_s, 0.0)
    duration = (stops - starts) / sfreq
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


def _refine_edges(filtered: np.ndarray, starts: np.ndarray, stops: np.ndarray, level_uv: np.ndarray, *,
                  core_start: np.ndarray, core_stop: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Onsets and offsets of detected bursts placed on the band-passed samples themselves.

    The moving-RMS envelope that finds a burst also smears it: a centred window of w
    samples starts to rise w/2 before the activity and falls w/2 after it, and its
    fluctuation at low sampling rates (a 10-ms window holds two samples at 200 Hz) lets
    the hysteresis run on through noise.  A scorer reads the edges on the trace itself.
    So does this step: from the burst's core ``[core_start, core_stop)`` (samples that
    are certainly activity) out to the ends of the detected run ``[starts, stops)`` -
    whose offset threshold lies below ``level_uv``, so that it holds the edges - the
    edges are the change points of the signal's power about ``level_uv`` (uV RMS): the
    onset is where the sum of ``x**2 - level**2`` from there to the core is largest, the
    offset likewise (``_kernels.refine_edges``), i.e. the burst keeps every stretch next
    to its core whose accumulated power stands above the level, and ends where the
    signal falls back below it for good.
    """
    from . import _kernels

    s = np.asarray(starts, dtype=np.int64)
    e = np.asarray(stops, dtype=np.int64)
    if s.size == 0:
        return s.copy(), e.copy()
    c1 = np.clip(np.asarray(core_start, dtype=np.int64), s, e)
    c2 = np.clip(np.asarray(core_stop, dtype=np.int64), c1, e)
    theta = np.square(np.asarray(level_uv, dtype=np.float64))
    on, off = _kernels.refine_edges(filtered, c1, c2, s, e, theta)
    return on, np.maximum(off, on + 1)


def find_short_bursts(filtered: np.ndarray, sfreq: float, *, params: ShortBurstParams = ShortBurstParams(),
                      mask: np.ndarray | None = None, baseline: Baseline | None = None,
                      delay_s: float = 0.0, slow: np.ndarray | _RawSlow | None = None,
                      pop_criteria: PopCriteria = PopCriteria(),
                      envelopes: dict[int, np.ndarray] | None = None, step_uv: float = 0.0,
                      rejected: dict[str, np.ndarray] | None = None) -> tuple[dict[str, np.ndarray], np.ndarray]:
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

    Returns
    -------
    (table, pops)
        ``table``: dict of arrays (onset, duration, offset_s in s; peak_amplitude_uv,
        mean_amplitude_uv, baseline_uv in uV; area_uv_s; snr; start/stop samples).
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
    pops = np.zeros((0, 2), dtype=np.int64)
    if slow is not None and s.size:
        is_pop = np.array([is_electrode_pop(slow, filtered, sfreq, int(a), int(z), criteria=pop_criteria)
                           for a, z in zip(s.tolist(), e.tolist())], dtype=np.bool_)
        pops = np.stack([s[is_pop], e[is_pop]], axis=1)
        s, e = s[~is_pop], e[~is_pop]
    # phasic: the burst stands above the resting level on both sides by the onset criterion
    local = baseline.local_level(s, e, window_s=SUPER_BLOCK_S, sfreq=sfreq, quantile=params.baseline_quantile)
    peak = _peak_rms(filtered, s, e, _window_samples(det_window_s, sfreq))
    phasic = (peak >= on_ratio * local) & (peak >= local + on_floor)
    out_tone = np.stack([s[~phasic], e[~phasic]], axis=1)
    s, e = s[phasic], e[phasic]
    # the core of a short burst is its loudest sample (of the 10-ms envelope): the envelope's
    # run can outlast the activity at low rates, its edges are no safe core
    from . import _kernels

    w = _window_samples(params.envelope_window_s, sfreq)
    top = _kernels.envelope_argmax(filtered, s, e, w) if s.size else s
    # edges where the EMG is back to twice the resting RMS (SINBAR), at least one quantisation step
    level = np.maximum(params.edge_ratio * baseline.rms_per_baseline * baseline.at(s), step_uv)
    rs, re_ = _refine_edges(filtered, s, e, level, core_start=top, core_stop=top)
    if rejected is not None:
        rejected["settling"] = out_settling
        rejected["tone"] = out_tone
    return _table(rs, re_, filtered, baseline, sfreq, delay_s, window_s=params.envelope_window_s,
                  smooth_window_s=det_window_s, found=(s, e)), pops


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
                   step_uv: float = 0.0, rejected: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
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
    ends where the quiet 0.5 s begin, which are not part of it.  The 50-ms RMS places these
    edges without bias on the rise and fall of a movement, which take tens to hundreds of
    ms (measured on simulated LMs: median duration error -2 to -15 ms at 200-2048 Hz,
    where change points on the samples themselves, as for short bursts, gave -18 to -37 ms:
    ``benchmarks/eval_rates.py``).  As for short bursts, activity already present when the
    signal's observation began, or that does not rise by the onset criterion above the
    resting level on both sides, is set aside (``rejected``).

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
    s, e, _ = _search(filtered, sfreq, rest, mask, window_s=params.envelope_window_s, on_window_s=None,
                      off=(params.off_min_ratio / r, off_floor), on=(params.on_min_ratio / r, on_floor),
                      strict_off=True, min_gap=quiet, min_len=1, tight_onset=True)
    settling = _already_active(s, mask, quiet)
    out_settling = np.stack([s[settling], e[settling]], axis=1)
    s, e = s[~settling], e[~settling]
    w = _window_samples(params.envelope_window_s, sfreq)
    local = baseline.local_level(s, e, window_s=SUPER_BLOCK_S, sfreq=sfreq, quantile=params.baseline_quantile)
    peak = _peak_rms(filtered, s, e, w)
    phasic = (peak >= params.on_min_ratio * local) & (peak >= r * local + on_floor)
    out_tone = np.stack([s[~phasic], e[~phasic]], axis=1)
    s, e = s[phasic], e[phasic]
    keep = (e - s) >= max(1, int(round(params.min_duration_s * sfreq)))
    if rejected is not None:
        rejected["settling"] = out_settling
        rejected["tone"] = out_tone
    table = _table(s[keep], e[keep], filtered, baseline, sfreq, delay_s, window_s=params.envelope_window_s)
    # A movement is sustained activity: its RMS over the whole LM must itself stand above the
    # AASM rest tolerance (2 uV above resting EMG).  Brief spikes (residual heartbeats, noise)
    # that keep re-crossing the 2-uV line less than 0.5 s apart would otherwise chain into a
    # "movement" whose mean lies at the resting level.
    real = table["mean_amplitude_uv"] >= params.off_above_uv
    return {k: v[real] for k, v in table.items()}


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

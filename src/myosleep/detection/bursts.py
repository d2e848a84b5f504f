"""EMG burst detection on one preprocessed channel: short (myoclonic) and AASM leg-movement sets.

Both detectors share the running resting baseline (low quantile of 100-ms block
amplitude over ~20 s, :func:`myosleep.preprocessing.running_baseline`) and use
hysteresis: a burst is a run where the envelope stays above the offset threshold
(runs closer than a minimum gap merged) that somewhere reaches the onset threshold.
Times are corrected for the causal filter's group delay.
"""

from __future__ import annotations

import numpy as np

from ..preprocessing.artefacts import PopCriteria, is_electrode_pop, merge_runs, runs_from_mask
from ..preprocessing.envelope import block_power, emg_envelope, running_baseline
from .params import LegMovementParams, ShortBurstParams

__all__ = ["BURST_COLUMNS", "Baseline", "resting_baseline", "find_short_bursts", "find_lm_bursts",
           "detection_window_s"]

#: Columns of the bursts table (DataFrame), in order; see docs/detection.md.
BURST_COLUMNS = ["onset", "duration", "offset_s", "channel", "role", "side", "detector",
                 "peak_amplitude_uv", "mean_amplitude_uv", "area_uv_s", "baseline_uv", "snr",
                 "burst_id", "event_id", "trial_type"]


class Baseline:
    """Resting-EMG level of one channel (uV RMS), per block and per sample."""

    def __init__(self, blocks_uv: np.ndarray, n_block: int, n_samples: int):
        self.blocks_uv = blocks_uv
        self.n_block = n_block
        self.n_samples = n_samples

    def per_sample(self) -> np.ndarray:
        """Baseline (uV, float32) repeated to every sample."""
        return np.repeat(self.blocks_uv.astype(np.float32), self.n_block)[: self.n_samples]

    def at(self, idx: np.ndarray) -> np.ndarray:
        """Baseline (uV) at sample indices ``idx``."""
        b = np.minimum(np.asarray(idx) // self.n_block, self.blocks_uv.size - 1)
        return self.blocks_uv[b]


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
    n = filtered.shape[0]
    nb = max(1, int(round(block_s * sfreq)))
    amp = np.sqrt(block_power(filtered, nb))
    valid = None
    if mask is not None and mask.any():
        valid = ~block_any(mask, nb)
    b = running_baseline(amp, nb / sfreq, window_s=window_s, quantile=quantile, valid=valid)
    if not np.isfinite(b).all():
        fill = float(np.nanmedian(b)) if np.isfinite(b).any() else float(np.median(amp))
        b = np.where(np.isfinite(b), b, fill)
    # a baseline of exactly zero (digitally silent stretch) would make ratios meaningless
    b = np.maximum(b, 1e-3)
    return Baseline(b, nb, n)


def block_any(mask: np.ndarray, n_block: int) -> np.ndarray:
    """True for each block of ``n_block`` samples holding any True (last partial block kept)."""
    n = mask.shape[0]
    nfull = n // n_block
    out = mask[: nfull * n_block].reshape(nfull, n_block).any(axis=1)
    if n > nfull * n_block:
        out = np.append(out, bool(mask[nfull * n_block:].any()))
    return out


def _table(starts: np.ndarray, stops: np.ndarray, env: np.ndarray, base: Baseline, sfreq: float,
           delay_s: float, *, smooth: np.ndarray | None = None,
           smooth_window_s: float = 0.05) -> dict[str, np.ndarray]:
    """Per-burst features.

    ``peak`` is the maximum of the ``smooth`` envelope (``smooth_window_s`` RMS) for
    bursts at least that long, of ``env`` otherwise: the maximum of a short RMS
    window over a noise-like burst overshoots its true RMS by ~50 %.  ``mean`` is
    the burst's RMS (square root of the mean of ``env`` squared).
    """
    n = starts.size
    peak = np.zeros(n)
    mean = np.zeros(n)
    min_smooth = int(round(smooth_window_s * sfreq))
    for k in range(n):
        a, z = int(starts[k]), int(stops[k])
        seg = env[a:z]
        src = smooth[a:z] if smooth is not None and z - a >= min_smooth else seg
        peak[k] = float(src.max())
        mean[k] = float(np.sqrt(np.mean(np.square(seg, dtype=np.float64))))
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


def _threshold(b: np.ndarray, ratio: float, floor_uv: float, *, out: np.ndarray | None = None) -> np.ndarray:
    """max(ratio x b, b + floor_uv) per sample, float32, with one temporary."""
    out = np.multiply(b, np.float32(ratio), out=out)
    tmp = np.add(b, np.float32(floor_uv))
    np.maximum(out, tmp, out=out)
    return out


def _cached_envelope(filtered: np.ndarray, sfreq: float, window_s: float,
                     envelopes: dict[int, np.ndarray] | None) -> np.ndarray:
    """:func:`emg_envelope` of ``filtered``, taken from / stored in ``envelopes`` (keyed by window samples)."""
    if envelopes is None:
        return emg_envelope(filtered, sfreq, window_s=window_s)
    key = max(1, int(round(window_s * sfreq)))
    env = envelopes.get(key)
    if env is None or env.shape[0] != filtered.shape[0]:
        env = emg_envelope(filtered, sfreq, window_s=window_s)
        envelopes[key] = env
    return env


def _exceeds(env: np.ndarray, base: Baseline, ratio: float, floor_uv: float, *,
             strict: bool = False) -> np.ndarray:
    """``env`` (>= or >) max(ratio x baseline, baseline + floor_uv), per sample, without per-sample baselines.

    The baseline is constant within a block, so the threshold is computed per block
    (float32, as :func:`_threshold`) and compared block by block through a reshape.
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


def _valid_runs(off_ok: np.ndarray, on_idx: np.ndarray, min_gap: int,
                min_len: int, *, tight_onset: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Merged runs of ``off_ok`` holding an onset-threshold crossing.

    With ``tight_onset`` the onset is the start of the contiguous (unmerged) run
    that holds the first onset crossing: noise flickers just before a burst,
    bridged by the merge gap, do not pull its onset early.
    """
    raw_s, raw_e = runs_from_mask(off_ok)
    s, e = merge_runs(raw_s, raw_e, max(1, min_gap))
    if s.size == 0 or on_idx.size == 0:
        z = np.zeros(0, dtype=np.int64)
        return z, z, z
    first_on = np.searchsorted(on_idx, s)
    has = first_on < on_idx.size
    has[has] = on_idx[first_on[has]] < e[has]
    keep = has & ((e - s) >= min_len)
    s, e, first = s[keep], e[keep], on_idx[first_on[keep]]
    if tight_onset and s.size:
        k = np.searchsorted(raw_s, first, side="right") - 1
        s = np.maximum(s, raw_s[np.clip(k, 0, raw_s.size - 1)])
    return s, e, first


def find_short_bursts(filtered: np.ndarray, sfreq: float, *, params: ShortBurstParams = ShortBurstParams(),
                      mask: np.ndarray | None = None, baseline: Baseline | None = None,
                      delay_s: float = 0.0, slow: np.ndarray | None = None,
                      pop_criteria: PopCriteria = PopCriteria(),
                      envelopes: dict[int, np.ndarray] | None = None) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Short (myoclonic) bursts in one band-passed EMG channel.

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
        Cache of envelopes of ``filtered`` keyed by RMS window (samples), shared with
        :func:`find_lm_bursts` so each envelope is computed once per channel.

    Returns
    -------
    (table, pops)
        ``table``: dict of arrays (onset, duration, offset_s in s; peak_amplitude_uv,
        mean_amplitude_uv, baseline_uv in uV; area_uv_s; snr; start/stop samples).
        ``pops``: (n, 2) int array of [start, stop) runs rejected as electrode pops.
    """
    filtered = np.asarray(filtered, dtype=np.float32)
    if baseline is None:
        baseline = resting_baseline(filtered, sfreq, mask=mask, window_s=params.baseline_window_s,
                                    quantile=params.baseline_quantile, block_s=params.baseline_block_s)
    env = _cached_envelope(filtered, sfreq, params.envelope_window_s, envelopes)
    det_window_s = detection_window_s(params, sfreq)
    det = _cached_envelope(filtered, sfreq, det_window_s, envelopes)
    off_ok = _exceeds(env, baseline, params.off_ratio, params.off_floor_uv)
    on_ok = _exceeds(det, baseline, params.on_ratio, params.on_floor_uv)
    on_ok &= _exceeds(env, baseline, params.on_ratio, params.on_floor_uv)
    if mask is not None and mask.any():
        # a & ~b without a temporary: for booleans a > b is a and not b
        np.greater(off_ok, mask, out=off_ok)
        np.greater(on_ok, mask, out=on_ok)
    on_idx = np.flatnonzero(on_ok)
    del on_ok
    s, e, _ = _valid_runs(off_ok, on_idx, int(round(params.min_gap_s * sfreq)),
                          max(1, int(round(params.min_duration_s * sfreq))), tight_onset=True)
    pops = np.zeros((0, 2), dtype=np.int64)
    if slow is not None and s.size:
        is_pop = np.array([is_electrode_pop(slow, filtered, sfreq, int(a), int(z), criteria=pop_criteria)
                           for a, z in zip(s, e)], dtype=bool)
        pops = np.stack([s[is_pop], e[is_pop]], axis=1)
        s, e = s[~is_pop], e[~is_pop]
    return _table(s, e, env, baseline, sfreq, delay_s, smooth=det,
                  smooth_window_s=det_window_s), pops


def _rise_start(filtered: np.ndarray, sfreq: float, baseline: Baseline, starts: np.ndarray,
                max_back: int) -> np.ndarray:
    """Move each start back to just after the last sample where the 10-ms envelope <= baseline.

    Looks back at most ``max_back`` samples; the 10-ms envelope smears a rise by
    only 5 ms (the 50-ms detection envelope would by 25 ms).
    """
    out = starts.copy()
    half = max(1, int(round(0.005 * sfreq)))
    for k, s0 in enumerate(starts):
        a = max(0, int(s0) - max_back)
        lo = max(0, a - half)
        seg = emg_envelope(filtered[lo:int(s0) + half], sfreq, window_s=0.01)[a - lo: a - lo + int(s0) - a]
        if seg.size == 0:
            continue
        below = np.flatnonzero(seg <= baseline.at(np.array([s0]))[0])
        if below.size:
            out[k] = a + int(below[-1]) + 1
    if out.size > 1:  # never reach back into the previous burst
        out[1:] = np.maximum(out[1:], starts[:-1] + 1)
    return out


def find_lm_bursts(filtered: np.ndarray, sfreq: float, *, params: LegMovementParams = LegMovementParams(),
                   mask: np.ndarray | None = None, baseline: Baseline | None = None,
                   delay_s: float = 0.0, envelopes: dict[int, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """AASM leg-movement activity in one band-passed EMG channel.

    An LM is activity that reaches max(baseline + 8 uV, 2 x baseline) (AASM onset
    criterion); its onset is placed where that activity leaves rest, i.e. the
    first sample of the run above max(baseline + 2 uV, 1.5 x baseline) that leads
    to the 8-uV crossing (what a scorer marks as the start of the movement; the
    8-uV point itself lags by the rise time of the burst), refined back to the last
    sample at or below the resting level within ``onset_lookback_s``.  Offset:
    start of >= 0.5 s with the envelope below the rest threshold (AASM).

    Parameters and returned table as :func:`find_short_bursts` (without pops and the
    pop test; ``envelopes`` is the same shared cache).
    """
    filtered = np.asarray(filtered, dtype=np.float32)
    if baseline is None:
        baseline = resting_baseline(filtered, sfreq, mask=mask, window_s=params.baseline_window_s,
                                    quantile=params.baseline_quantile, block_s=params.baseline_block_s)
    env = _cached_envelope(filtered, sfreq, params.envelope_window_s, envelopes)
    off_ok = _exceeds(env, baseline, params.off_min_ratio, params.off_above_uv, strict=True)
    on_ok = _exceeds(env, baseline, params.on_min_ratio, params.on_above_uv)
    if mask is not None and mask.any():
        # a & ~b without a temporary: for booleans a > b is a and not b
        np.greater(off_ok, mask, out=off_ok)
        np.greater(on_ok, mask, out=on_ok)
    on_idx = np.flatnonzero(on_ok)
    del on_ok
    s, e, _ = _valid_runs(off_ok, on_idx, int(round(params.off_quiet_s * sfreq)), 1)
    s = _rise_start(filtered, sfreq, baseline, s, int(round(params.onset_lookback_s * sfreq)))
    keep = (e - s) >= max(1, int(round(params.min_duration_s * sfreq)))
    table = _table(s[keep], e[keep], env, baseline, sfreq, delay_s)
    # A movement is sustained activity: its RMS over the whole LM must itself stand above the
    # AASM rest tolerance (2 uV above resting EMG).  Brief spikes (residual heartbeats, noise)
    # that keep re-crossing the 2-uV line less than 0.5 s apart would otherwise chain into a
    # "movement" whose mean lies at the resting level.
    real = table["mean_amplitude_uv"] >= params.off_above_uv
    return {k: v[real] for k, v in table.items()}

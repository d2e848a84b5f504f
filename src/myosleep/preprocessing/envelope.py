"""Amplitude envelopes and the running resting-EMG baseline.

Amplitude measure (used for every "uV above resting EMG" in myosleep): the
**moving RMS** of the band-passed EMG, in uV.  RMS is the standard amplitude
measure of the surface-EMG interference pattern (De Luca, J Appl Biomech 1997;
SENIAM recommendations): unbiased for power, smooth, and it sits between the
two readings of AASM's "8 uV increase in EMG voltage" (AASM Manual v2.5, leg
movements) - the rectified mean (0.80 x RMS for Gaussian EMG) and the
sine-equivalent deflection (1.41 x RMS).  A burst whose RMS is A uV reads A uV;
a sinusoid of amplitude A reads A / sqrt(2).
"""

from __future__ import annotations

import numpy as np

__all__ = ["emg_envelope", "rectified_average", "block_power", "running_baseline"]


#: Samples per chunk of the moving mean: 32 k float32 samples (128 kB) stay in the CPU
#: cache; ``uniform_filter1d`` over a whole night copies it to a float64 line buffer
#: and runs ~2.5x slower.  Chunks overlap by the window, so results are identical up
#: to the rounding of the filter's running sum, which restarts at each chunk (measured:
#: 1 sample in 10^6 differs, by one float32 ulp).
_CHUNK = 1 << 15


def _moving_mean(x2: np.ndarray, n: int, *, chunk: int = _CHUNK) -> np.ndarray:
    """Centred moving mean over ``n`` samples, edges repeated (``uniform_filter1d``, mode "nearest"), chunked."""
    from scipy.ndimage import uniform_filter1d

    n = int(n)
    if n <= 1:
        return x2
    size = x2.shape[0]
    if size <= 4 * chunk:
        return uniform_filter1d(x2, size=n, mode="nearest")
    out = np.empty_like(x2)
    for start in range(0, size, chunk):
        stop = min(size, start + chunk)
        lo, hi = max(0, start - n), min(size, stop + n)
        out[start:stop] = uniform_filter1d(x2[lo:hi], size=n, mode="nearest")[start - lo: stop - lo]
    return out


def emg_envelope(x: np.ndarray, sfreq: float, *, window_s: float = 0.01) -> np.ndarray:
    """Amplitude envelope: centred moving RMS (uV).

    Parameters
    ----------
    x : ndarray, shape (n_samples,)
        Band-passed EMG (uV).
    sfreq : float
        Sampling rate (Hz).
    window_s : float
        RMS window (s); 10 ms resolves a 20-ms potential.

    Returns
    -------
    ndarray of float32, uV, same length as ``x``.  A burst of RMS A uV reads A uV.
    """
    from scipy.ndimage import uniform_filter1d

    x = np.asarray(x, dtype=np.float32)
    n = max(1, int(round(window_s * sfreq)))
    size = x.shape[0]
    if size <= 4 * _CHUNK:
        p = _moving_mean(np.square(x, dtype=np.float32), n)
        np.maximum(p, 0, out=p)
        return np.sqrt(p, out=p)
    # long records: square, mean, root chunk by chunk while the chunk is in cache
    # (chunks overlap by the window: identical up to one float32 ulp, see _CHUNK)
    out = np.empty(size, dtype=np.float32)
    for start in range(0, size, _CHUNK):
        stop = min(size, start + _CHUNK)
        lo, hi = max(0, start - n), min(size, stop + n)
        p = np.square(x[lo:hi], dtype=np.float32)
        if n > 1:
            p = uniform_filter1d(p, size=n, mode="nearest")
        seg = out[start:stop]
        np.maximum(p[start - lo: stop - lo], 0, out=seg)
        np.sqrt(seg, out=seg)
    return out


def rectified_average(x: np.ndarray, sfreq: float, *, window_s: float = 1.0) -> np.ndarray:
    """Mean rectified amplitude in consecutive windows (e.g. REM atonia index mini-epochs).

    Ferri et al., Sleep Med 2010: the REM atonia index is computed on the average
    rectified chin EMG amplitude in 1-s mini-epochs.

    Parameters
    ----------
    x : ndarray, shape (n_samples,)
        Band-passed EMG (uV); NaN samples are ignored.
    sfreq : float
        Sampling rate (Hz).
    window_s : float
        Window length (s).

    Returns
    -------
    ndarray of float64, uV, one value per complete window (``n_samples // (window_s*sfreq)``);
    NaN where a window holds no finite sample.
    """
    x = np.asarray(x)
    n = int(round(window_s * sfreq))
    if n <= 0:
        raise ValueError("window_s * sfreq must be at least one sample")
    nwin = x.shape[0] // n
    blocks = np.abs(x[: nwin * n].astype(np.float64)).reshape(nwin, n)
    with np.errstate(invalid="ignore"):
        finite = np.isfinite(blocks)
        s = np.where(finite, blocks, 0.0).sum(axis=1)
        c = finite.sum(axis=1)
        return np.where(c > 0, s / np.maximum(c, 1), np.nan)


def block_power(x: np.ndarray, n_block: int) -> np.ndarray:
    """Mean of ``x**2`` over consecutive blocks of ``n_block`` samples (last partial block kept)."""
    x = np.asarray(x, dtype=np.float32)
    nfull = x.shape[0] // n_block
    out = np.square(x[: nfull * n_block]).reshape(nfull, n_block).mean(axis=1, dtype=np.float64)
    if x.shape[0] > nfull * n_block:
        out = np.append(out, float(np.mean(np.square(x[nfull * n_block:], dtype=np.float64))))
    return out


#: Super-block length (s) of :func:`running_baseline`: the first-level quantile's span.
SUPER_BLOCK_S = 5.0


def running_baseline(block_amp: np.ndarray, block_s: float, *, window_s: float = 30.0,
                     quantile: float = 0.2, valid: np.ndarray | None = None,
                     super_block_s: float = SUPER_BLOCK_S, window_quantile: float = 0.5) -> np.ndarray:
    """Running low quantile of a decimated amplitude series: the resting-EMG level.

    Muscle tone falls from wake to NREM to REM, so the baseline follows the night.
    Fast method: the ``quantile`` of ``block_amp`` in super-blocks of
    ``super_block_s`` s, then the ``window_quantile`` (median) of the super-blocks
    within ``window_s`` (centred), linearly interpolated back to the block grid.
    The low quantile ignores activity filling up to ~80 % of a super-block; the
    median ignores whole super-blocks of activity up to half the window (a 15-s
    body movement inside a 30-s window does not lift the baseline) while a lasting
    change of tone is followed within half a window.

    Parameters
    ----------
    block_amp : ndarray, shape (n_blocks,)
        Amplitude (uV) per block, e.g. sqrt(block_power).
    block_s : float
        Block length (s).
    window_s : float
        Baseline window (s).
    quantile : float
        Quantile in (0, 1).
    valid : ndarray of bool | None
        Blocks usable for the estimate (artefact-free).
    super_block_s : float
        First-level block length (s).
    window_quantile : float
        Quantile (0-1) over the super-blocks of a window.

    Returns
    -------
    ndarray of float64, uV, shape (n_blocks,).
    """
    a = np.asarray(block_amp, dtype=np.float64).copy()
    if valid is not None:
        a[~np.asarray(valid, dtype=bool)] = np.nan
    nb = a.shape[0]
    per = max(1, int(round(super_block_s / block_s)))
    nsuper = int(np.ceil(nb / per))
    pad = np.full(nsuper * per, np.nan)
    pad[:nb] = a
    mat = pad.reshape(nsuper, per)
    n_ok = np.isfinite(mat).sum(axis=1)
    q = np.full(nsuper, np.nan)
    full = n_ok == per
    if full.any():  # fast path: np.quantile on complete rows (nanquantile loops per row)
        q[full] = np.quantile(mat[full], quantile, axis=1)
    part = (n_ok >= max(1, per // 4)) & ~full
    if part.any():
        with _quiet_nan_warnings():
            q[part] = np.nanquantile(mat[part], quantile, axis=1)
    return _baseline_from_super_quantiles(q, nb, per, block_s, window_s=window_s,
                                          window_quantile=window_quantile)


def _baseline_from_super_quantiles(q: np.ndarray, nb: int, per: int, block_s: float, *, window_s: float,
                                   window_quantile: float) -> np.ndarray:
    """Second half of :func:`running_baseline`: super-block quantiles ``q`` (NaN: unusable) to
    the running ``window_quantile`` over ``window_s``, interpolated to ``nb`` blocks."""
    from numpy.lib.stride_tricks import sliding_window_view

    nsuper = q.shape[0]
    ok = np.flatnonzero(np.isfinite(q))
    if ok.size == 0:
        return np.full(nb, np.nan)
    if ok.size < nsuper:  # unusable super-blocks take their neighbours' level
        q = np.interp(np.arange(nsuper), ok, q[ok])
    k = max(1, int(round(window_s / (per * block_s))))
    k += (k + 1) % 2  # odd, centred
    h = k // 2
    qp = np.concatenate([np.full(h, q[0]), q, np.full(h, q[-1])])
    med = np.quantile(sliding_window_view(qp, k), window_quantile, axis=1)
    idx = np.arange(nsuper)
    centres = (np.arange(nsuper) + 0.5) * per
    if nsuper * per > nb:  # the last super-block is partial: centre it on its data
        centres[-1] = (nsuper - 1) * per + 0.5 * (nb - (nsuper - 1) * per)
    return np.interp(np.arange(nb) + 0.5, centres[idx], med[idx])


class _quiet_nan_warnings:
    def __enter__(self):
        import warnings

        self._cm = warnings.catch_warnings()
        self._cm.__enter__()
        warnings.simplefilter("ignore", RuntimeWarning)
        return self

    def __exit__(self, *exc):
        return self._cm.__exit__(*exc)

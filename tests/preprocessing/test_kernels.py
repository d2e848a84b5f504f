"""numba kernels of the preprocessing agree with the numpy/scipy formulations; the beats field."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from myosleep.preprocessing import (clipped_runs, design_emg_sos, detect_r_peaks, filter_emg, flat_runs, nan_runs,
                                    preprocess_emg, remove_cardiac, remove_mains, runs_from_mask, sos_filter)
from myosleep.preprocessing._kernels import block_moments, block_solve, ici_means
from myosleep.preprocessing.ecg import _qrs_sos, remove_cardiac_counted
from myosleep.preprocessing.filters import _sosfilt
from myosleep.preprocessing.mains import _mains_model

FS = 512.0


def _lead_with_field(n, fs, beats, rng, amp_uv=30.0):
    x = rng.standard_normal(n) * 2.0
    t = np.arange(-0.06, 0.06, 1 / fs)
    w = amp_uv * (np.exp(-0.5 * (t / 0.008) ** 2) - 0.25 * np.exp(-0.5 * ((t - 0.025) / 0.01) ** 2))
    for b in beats:
        i = int(round(b * fs)) - t.size // 2
        if 0 <= i and i + t.size <= n:
            x[i:i + t.size] += w
    return x


def test_beats_field_is_the_subtracted_peaks_in_filtered_frame():
    rng = np.random.default_rng(10)
    n = int(60 * FS)
    r_s = np.arange(0.5, 59.6, 0.85)
    x = _lead_with_field(n, FS, r_s, rng)
    pre = preprocess_emg(x, FS, r_peaks_s=r_s)
    assert pre.n_beats_removed == r_s.size == pre.beats.size
    assert pre.beats.dtype == np.int64
    # R-peak times shifted by the filter's group delay, in samples of the channel
    np.testing.assert_array_equal(pre.beats, np.round((r_s + pre.delay_s) * FS).astype(np.int64))
    # peaks beyond the record are not subtracted and not listed
    pre2 = preprocess_emg(x, FS, r_peaks_s=np.concatenate([r_s, [61.0, 75.0]]))
    np.testing.assert_array_equal(pre2.beats, pre.beats)
    # cardiac removal off, or no cardiac field: empty
    off = preprocess_emg(x, FS, r_peaks_s=r_s, cardiac="off")
    assert off.beats.size == 0 and off.beats.dtype == np.int64 and off.n_beats_removed == 0
    quiet = preprocess_emg(rng.standard_normal(n) * 2.0, FS, r_peaks_s=r_s)
    assert quiet.n_beats_removed == 0 and quiet.beats.size == 0
    # beats found in the lead itself (no ECG) lie within the QRS (80-100 ms, Pan & Tompkins 1985)
    # of the true, delayed ones: the largest deflection of the band-passed field, not the R apex
    own = preprocess_emg(x, FS)
    assert own.beats.size == own.n_beats_removed > 0.9 * r_s.size
    true = np.round((r_s + own.delay_s) * FS)
    d = np.abs(own.beats[:, None] - true[None, :]).min(axis=1)
    assert np.mean(d <= 0.04 * FS) > 0.9


# ------------------------------------------------------------------ reference formulations
# the numpy formulations the kernels replaced (myosleep 0.x before the numba kernels)

def _ref_runs(m):
    d = np.diff(np.asarray(m, dtype=np.int8), prepend=np.int8(0), append=np.int8(0))
    return np.flatnonzero(d == 1), np.flatnonzero(d == -1)


def _ref_flat(x, sfreq, min_duration_s=0.5, tolerance_uv=0.0):
    if x.size < 2:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    with np.errstate(invalid="ignore"):  # inf - inf
        same = x[1:] == x[:-1] if tolerance_uv == 0 else np.abs(np.diff(x)) <= tolerance_uv
    s, e = _ref_runs(same)
    e = e + 1
    keep = (e - s) >= max(2, int(round(min_duration_s * sfreq)))
    s, e = s[keep], e[keep]
    if tolerance_uv == 0 and s.size:
        fin = np.isfinite(x[s])
        s, e = s[fin], e[fin]
    return s, e


def _ref_clipped(x, low, high, min_samples=2):
    fin = x[np.isfinite(x)]
    if fin.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    lo = float(fin.min()) if low is None else low
    hi = float(fin.max()) if high is None else high
    if hi <= lo:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    tol = 1e-3 * (hi - lo)
    with np.errstate(invalid="ignore"):
        s, e = _ref_runs((x >= hi - tol) | (x <= lo + tol))
    keep = (e - s) >= min_samples
    return s[keep], e[keep]


def _signals(rng):
    """Random, quantised (many equal neighbours), NaN/inf runs at the ends, flat and railed stretches."""
    out = []
    for n in (0, 1, 2, 3, 5000, 70_001):
        x = rng.standard_normal(n) * 10
        out.append(x)
        out.append(np.round(x).astype(np.float32))  # quantised: equal neighbours everywhere
    x = np.round(rng.standard_normal(50_000) * 3).astype(np.float32)
    x[:300] = np.nan  # NaN run at the start
    x[-257:] = np.nan  # and at the end
    x[1000:1256] = 4.0  # exactly 256 samples flat (the 0.5-s minimum at 512 Hz)
    x[2000:2255] = -2.0  # one sample short
    x[5000:5000 + 6000] = 7.0  # disconnected-long
    x[20000:20003] = np.inf
    x[20003:20400] = np.inf  # equal infinities: not flat
    x[30000:30050] = 60.0  # rail
    x[30100:30101] = 60.0  # single sample at the rail
    x[40000:40010] = -60.0
    out += [x, x.astype(np.float64), np.full(3000, np.nan), np.full(3000, 2.5, dtype=np.float32)]
    return out


def test_run_kernels_equal_numpy_formulations():
    rng = np.random.default_rng(20)
    for x in _signals(rng):
        s, e = nan_runs(x)
        rs, re_ = _ref_runs(~np.isfinite(x))
        np.testing.assert_array_equal(s, rs)
        np.testing.assert_array_equal(e, re_)
        for tol in (0.0, 0.5):
            s, e = flat_runs(x, FS, tolerance_uv=tol)
            rs, re_ = _ref_flat(x, FS, tolerance_uv=tol)
            np.testing.assert_array_equal(s, rs)
            np.testing.assert_array_equal(e, re_)
        for low, high in ((None, None), (-60.0, 60.0), (-5.0, 5.0)):
            s, e = clipped_runs(x, low=low, high=high)
            rs, re_ = _ref_clipped(x, low, high)
            np.testing.assert_array_equal(s, rs)
            np.testing.assert_array_equal(e, re_)
        m = np.isfinite(x) & (np.nan_to_num(x) > 0)
        s, e = runs_from_mask(m)
        rs, re_ = _ref_runs(m)
        np.testing.assert_array_equal(s, rs)
        np.testing.assert_array_equal(e, re_)
    # the edge cases, by hand
    x = np.array([1.0, 1.0, 1.0, np.nan, 2.0, 2.0])
    assert [a.tolist() for a in flat_runs(x, 6.0, min_duration_s=0.5)] == [[0], [3]]
    assert [a.tolist() for a in nan_runs(x)] == [[3], [4]]
    assert [a.tolist() for a in flat_runs(np.arange(5, dtype=np.int64), 1.0)] == [[], []]
    assert [a.tolist() for a in flat_runs(np.zeros(6, dtype=np.int16), 4.0)] == [[0], [6]]


def _ref_remove_cardiac(x: np.ndarray, sfreq: float, peaks: np.ndarray, *, pre_s: float = 0.1,
                           post_s: float = 0.2, n_beats: int = 30,
                           min_snr: float = 10.0, overwrite: bool = False) -> tuple[np.ndarray, int]:
    """The numpy formulation (cumsum templates, einsum correlations) the kernels replaced."""
    pre, post = int(round(pre_s * sfreq)), int(round(post_s * sfreq))
    lag_max = max(1, int(round(0.004 * sfreq)))  # +-4 ms: one sample of a 256 Hz ECG
    x = np.asarray(x)
    n = x.shape[0]
    y = x if overwrite and x.dtype == np.float32 and x.flags.writeable else np.array(x, dtype=np.float32)
    peaks = np.asarray(peaks, dtype=np.int64)
    peaks = peaks[(peaks >= 0) & (peaks < n)]
    if peaks.size < 5:
        return y, 0
    offs = np.arange(-pre, post + 1)
    taper = np.ones(offs.size, dtype=np.float32)
    ramp = max(1, int(0.02 * sfreq))
    taper[:ramp] = np.linspace(0, 1, ramp, dtype=np.float32)
    taper[-ramp:] = np.linspace(1, 0, ramp, dtype=np.float32)

    # one gather of every beat's window widened by the largest lag and one more (the parabola's
    # neighbour at the search's ends); lagged windows are slices of it (outside the record the
    # lead reads 0, as if zero-padded: first and last beats are subtracted too)
    wide = _ref_gather(y, peaks - pre - lag_max - 1, pre + post + 2 * lag_max + 3)
    width = offs.size
    epochs = wide[:, lag_max + 1:lag_max + 1 + width]
    # Is there a cardiac field at all?  The mean over n beats of activity that is
    # not phase-locked has energy ~ var / n; require 10x that.
    mean_ep = epochs.mean(axis=0, dtype=np.float64)
    noise = float(np.median(np.var(epochs, axis=1))) / peaks.size
    if float(np.mean(mean_ep ** 2)) < min_snr * noise:
        return y, 0
    from numpy.lib.stride_tricks import sliding_window_view

    m, h = peaks.size, n_beats // 2
    lags = np.arange(-lag_max - 1, lag_max + 2)
    blk = _TEMPLATE_BLOCK

    def good_beats(ep: np.ndarray) -> np.ndarray:
        # beats whose energy exceeds 4x the night's median hold a burst: not in the template
        e = np.mean(np.square(ep), axis=1)
        return (e <= 4.0 * np.median(e)).astype(np.float64)

    def block_template(ep: np.ndarray, good: np.ndarray, r0: int, r1: int) -> np.ndarray:
        # rows r0..r1 of the running template, from the beats r0 - h .. r1 + h only
        lo, hi = max(0, r0 - h), min(m, r1 + h)
        return _ref_running_template(ep[lo:hi], good[lo:hi], h)[r0 - lo: r1 - lo]

    # pass 1, block by block (arrays in cache): integer alignment by correlation
    # with the running template, and the aligned epochs
    good = good_beats(epochs)
    aligned = np.empty((m, width), dtype=np.float32)
    corr = np.empty((m, lags.size), dtype=np.float32)
    best = np.empty(m, dtype=np.int64)
    for r0 in range(0, m, blk):
        r1 = min(m, r0 + blk)
        tmpl = block_template(epochs, good, r0, r1)
        win = sliding_window_view(wide[r0:r1], width, axis=1)  # (beats, lags, width) view
        c = np.einsum("ikj,ij->ik", win, tmpl)
        for k in np.flatnonzero(good[r0:r1] == 0):  # a burst in the window: correlate on the QRS
            core = tmpl[k].astype(np.float64) ** 2 >= _ref_core_level(tmpl[k])
            c[k] = np.einsum("kj,j->k", win[k][:, core].astype(np.float64), tmpl[k][core].astype(np.float64))
        corr[r0:r1] = c
        best[r0:r1] = 1 + np.argmax(c[:, 1:-1], axis=1)  # the outer lags for the parabola only
        aligned[r0:r1] = win[np.arange(r1 - r0), best[r0:r1]]
    del wide, epochs
    # fractional shift from the parabola through the correlation peak
    rows = np.arange(m)
    c0 = corr[rows, best]
    cm = corr[rows, best - 1]
    cp = corr[rows, best + 1]
    den = cm - 2 * c0 + cp
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(np.abs(den) > 1e-12, 0.5 * (cm - cp) / den, 0.0)
    frac = np.clip(np.nan_to_num(frac), -0.5, 0.5).astype(np.float32)
    # pass 2: template of the aligned beats, least-squares gain, subtraction (in beat
    # order, so where windows overlap the later beat's write wins, as in one scatter)
    good = good_beats(aligned)
    centred = _ref_lanczos_shift(aligned, -frac.astype(np.float64)).astype(np.float32)
    for r0 in range(0, m, blk):
        r1 = min(m, r0 + blk)
        tmpl = block_template(centred, good, r0, r1)
        ep = aligned[r0:r1]
        fitted = _ref_lanczos_shift(tmpl, frac[r0:r1].astype(np.float64)).astype(np.float32)
        num = np.sum(ep * fitted, axis=1)
        den2 = np.sum(fitted * fitted, axis=1)
        gain = np.clip(np.where(den2 > 0, num / np.maximum(den2, 1e-12), 1.0), 0.0, 2.0)
        for k in np.flatnonzero((good[r0:r1] == 0) & (den2 > 0)):  # a burst: robust gain on the QRS
            gain[k] = _ref_robust_gain(ep[k].astype(np.float64), fitted[k].astype(np.float64), gain[k])
        gain = gain.astype(np.float32)
        new = ep - gain[:, None] * fitted * taper[None, :]
        idx = peaks[r0:r1, None] + offs[None, :] + lags[best[r0:r1]][:, None]
        inside = (idx >= 0) & (idx < n)
        if inside.all():
            y[idx] = new
        else:  # samples beyond the ends are dropped (they were padding)
            y[idx[inside]] = new[inside]
    return y, int(peaks.size)


def _ref_lanczos_shift(rows: np.ndarray, f: np.ndarray, a: int = 4) -> np.ndarray:
    """Each row delayed by its ``f`` (samples): Lanczos-windowed sinc (``np.sinc(x) * np.sinc(x / a)``,
    weights summed to 1), edge samples repeated."""
    w = rows.shape[1]
    q = np.arange(-a, a + 1)
    x = q[None, :] + f[:, None]
    k = np.where(np.abs(x) < a, np.sinc(x) * np.sinc(x / a), 0.0)
    k /= k.sum(axis=1, keepdims=True)
    src = np.clip(np.arange(w)[:, None] + q[None, :], 0, w - 1)  # (w, taps)
    return np.einsum("iwq,iq->iw", rows.astype(np.float64)[:, src], k)


def _ref_core_level(tmpl: np.ndarray, fraction: float = 0.9) -> float:
    """Smallest square among the largest samples holding ``fraction`` of the energy."""
    sq = np.sort(tmpl.astype(np.float64) ** 2)[::-1]
    if sq.sum() <= 0:
        return 0.0
    k = int(np.searchsorted(np.cumsum(sq), fraction * sq.sum()))
    return float(sq[min(k, sq.size - 1)])


def _ref_robust_gain(a: np.ndarray, fit: np.ndarray, g: float) -> float:
    """Gain on the QRS samples, residuals beyond 3 robust SDs left out, twice."""
    core = fit ** 2 >= _ref_core_level(fit)
    for _ in range(2):
        r = np.abs(a - g * fit)
        keep = core & (r <= 3.0 * np.median(r) / 0.6745)
        den = float(np.sum(fit[keep] ** 2))
        if den <= 0:
            break
        g = min(2.0, max(0.0, float(np.sum(a[keep] * fit[keep])) / den))
    return g


#: Beats per block of the running template: a block's float64 cumulative sum
#: (512 x ~160 samples at 512 Hz, ~650 kB) stays in the CPU cache.
_TEMPLATE_BLOCK = 512


def _ref_running_template(epochs: np.ndarray, good: np.ndarray, h: int) -> np.ndarray:
    """Per beat ``i``: mean of the ``good`` beats among ``i - h .. i + h`` (cut at the ends), float32.

    Cumulative sums in float64, block by block (each block with ``h`` beats of
    margin on each side) so the arrays stay in cache on a night of ~30 000 beats.
    """
    m, width = epochs.shape
    cc = np.concatenate([[0.0], np.cumsum(good)])
    i = np.arange(m)
    a, b = np.clip(i - h, 0, m), np.clip(i + h + 1, 0, m)
    cnt = np.maximum(cc[b] - cc[a], 1.0)
    out = np.empty((m, width), dtype=np.float32)
    for r0 in range(0, m, _TEMPLATE_BLOCK):
        r1 = min(m, r0 + _TEMPLATE_BLOCK)
        lo, hi = max(0, r0 - h), min(m, r1 + h)
        cs = np.zeros((hi - lo + 1, width))
        np.multiply(epochs[lo:hi], good[lo:hi, None], out=cs[1:])
        np.cumsum(cs[1:], axis=0, out=cs[1:])
        k = r1 - r0
        if r0 >= h and r1 + h <= m:  # window not cut by the ends: rows of cs are slices
            diff = np.subtract(cs[2 * h + 1: 2 * h + 1 + k], cs[:k])
        else:
            diff = cs[b[r0:r1] - lo] - cs[a[r0:r1] - lo]
        out[r0:r1] = np.divide(diff, cnt[r0:r1, None], out=diff)
    return out


def _ref_gather(y: np.ndarray, starts: np.ndarray, width: int) -> np.ndarray:
    """Windows ``y[s:s + width]`` for each of ``starts`` as rows, reading 0 outside ``y``.

    Rows are copied from a strided window view of ``y`` (no (beats x width) index
    array); only windows that cross an end of ``y`` are gathered sample by sample.
    """
    from numpy.lib.stride_tricks import sliding_window_view

    n = y.shape[0]
    out = np.zeros((starts.size, width), dtype=y.dtype)
    ok = (starts >= 0) & (starts + width <= n)
    if n >= width and ok.any():
        out[ok] = sliding_window_view(y, width)[starts[ok]]
    for k in np.flatnonzero(~ok):
        idx = starts[k] + np.arange(width)
        inside = (idx >= 0) & (idx < n)
        out[k, inside] = y[idx[inside]]
    return out


# ------------------------------------------------------------------------- the tests


def _scipy_sosfilt(x, sos):
    """The reference: scipy's sosfilt from the steady state of the first sample, float32 out."""
    x = np.asarray(x, dtype=np.float64)
    if x.size == 0:
        return np.zeros(0, dtype=np.float32)
    return signal.sosfilt(sos, x, zi=signal.sosfilt_zi(sos) * x[0])[0].astype(np.float32)


@pytest.mark.parametrize("fs", [200.0, 512.0, 2048.0])
def test_band_pass_kernel_equals_scipy_sosfilt(fs):
    rng = np.random.default_rng(21)
    sos = design_emg_sos(fs)
    qrs = _qrs_sos(fs)
    # lengths: empty, one sample, shorter than the warm-up, and long enough for the
    # two-segment path (odd length: a remainder sample after the second segment)
    for n in (0, 1, 7, 3000, 400_001):
        x = (rng.standard_normal(n) * 20 + 300).astype(np.float32)  # an offset: steady-state start
        for design in (sos, qrs, sos[:1], np.vstack([sos, qrs])):
            ref = _scipy_sosfilt(x, design)
            out = sos_filter(x, design)
            assert out.dtype == np.float32 and out.shape == x.shape
            # same recursion in the same order: equal up to float32 rounding of the output
            # (the second segment's warm-up error decays below 1e-16 relative)
            np.testing.assert_allclose(out, ref, rtol=0, atol=1e-6 * max(1.0, float(np.abs(ref).max(initial=0))))
        out64 = sos_filter(x.astype(np.float64), sos)  # float64 input read without a copy
        np.testing.assert_array_equal(out64, sos_filter(x, sos))
    ints = rng.integers(-500, 500, 5000).astype(np.int16)
    np.testing.assert_allclose(sos_filter(ints, sos), _scipy_sosfilt(ints, sos), atol=1e-4)


def test_filter_reads_nan_as_fill_and_nan_propagates_without():
    rng = np.random.default_rng(22)
    x = (rng.standard_normal(300_000) * 10).astype(np.float32)
    x[:40] = np.nan  # NaN run at the start
    x[150_000:150_600] = np.nan
    x[-3:] = np.nan  # and at the end
    fin = np.isfinite(x)
    med = float(np.median(x[fin]))
    ref = _scipy_sosfilt(np.where(fin, x, med), design_emg_sos(FS))
    np.testing.assert_allclose(filter_emg(x, FS), ref, atol=1e-5)
    assert np.isfinite(filter_emg(x, FS)).all()
    raw = sos_filter(x[100:], design_emg_sos(FS))  # unreplaced NaN propagates, as with scipy
    assert np.isfinite(raw[: 150_000 - 100]).all() and np.isnan(raw[150_000 - 100:]).all()
    assert filter_emg(np.full(10, np.nan), FS).tolist() == [0.0] * 10


def test_mains_subtraction_inside_the_filter_equals_remove_then_filter():
    rng = np.random.default_rng(23)
    n = int(200 * FS) + 77  # a partial last block
    t = np.arange(n) / FS
    noise = rng.standard_normal(n) * 5
    x = (noise + 20 * np.sin(2 * np.pi * 50.03 * t + 0.4) + 4 * np.sin(2 * np.pi * 150.09 * t)).astype(np.float32)
    sos = design_emg_sos(FS)
    ref = _scipy_sosfilt(remove_mains(x, FS, (50.0, 150.0)), sos)
    out = _sosfilt(x, sos, mains=_mains_model(x, FS, (50.0, 150.0)))
    # the model is summed in float32 in another order than the BLAS product: ~1 ulp of 20 uV
    np.testing.assert_allclose(out, ref, atol=1e-4)
    # and most of the hum (14.6 uV RMS) is gone (how well remove_mains fits: test_fast_paths)
    resid = out[int(2 * FS):] - _scipy_sosfilt(noise, sos)[int(2 * FS):]
    hum = _scipy_sosfilt(x, sos)[int(2 * FS):] - _scipy_sosfilt(noise, sos)[int(2 * FS):]
    assert np.std(resid) < 0.2 * np.std(hum)
    assert _mains_model(x[: int(0.25 * FS)], FS, (50.0,)) is None  # < 3 blocks of 0.1 s: nothing fitted


def _ref_ici(re, im, w, halves, gamma):
    """numpy formulation of ``ici_means``: every window's weighted least-squares line read at its
    centre, the intervals +- gamma sd intersected from the narrowest window with weight up, the
    widest agreeing window kept."""
    n = re.size
    out_r, out_i = re.copy(), im.copy()
    for b in range(n):
        lo_r = lo_i = -np.inf
        hi_r = hi_i = np.inf
        for h in halves:
            sl = slice(max(0, b - h), min(n, b + h + 1))
            d = np.arange(sl.start, sl.stop) - b
            ww = w[sl]
            s0, s1, s2 = ww.sum(), (ww * d).sum(), (ww * d * d).sum()
            if not s0 > 0:
                continue
            det = s0 * s2 - s1 * s1
            g = gamma
            if det > 0 and det * 9.0 >= s0 * s2:  # the line's variance <= 9 x the mean's
                est = [(s2 * (ww * y[sl]).sum() - s1 * (ww * y[sl] * d).sum()) / det for y in (re, im)]
                sd = g * np.sqrt(s2 / det)
            else:
                est = [(ww * y[sl]).sum() / s0 for y in (re, im)]
                sd = g / np.sqrt(s0)
            lo_r, hi_r = max(lo_r, est[0] - sd), min(hi_r, est[0] + sd)
            lo_i, hi_i = max(lo_i, est[1] - sd), min(hi_i, est[1] + sd)
            if lo_r > hi_r or lo_i > hi_i:
                break
            out_r[b], out_i[b] = est
    return out_r, out_i


def test_mains_tracker_kernels_equal_numpy_formulation():
    rng = np.random.default_rng(24)
    x = (rng.standard_normal(5_003) * 3 + 1500.0).astype(np.float32)  # a DC offset of 1.5 mV
    u = (np.arange(20) - 9.5) / 20
    mom = np.empty((248, 3))
    block_moments(x, 7, u, mom)
    xb = x[7: 7 + 248 * 20].astype(np.float64).reshape(248, 20)
    np.testing.assert_allclose(mom[:, 0], xb.sum(axis=1), rtol=1e-13)
    np.testing.assert_allclose(mom[:, 1], xb @ u, rtol=1e-11, atol=1e-9)
    np.testing.assert_allclose(mom[:, 2], (xb ** 2).sum(axis=1), rtol=1e-13)
    prod = rng.standard_normal((248, 5))
    g = rng.standard_normal((5, 5))
    g = g @ g.T
    theta, resid = np.empty((248, 5)), np.empty(248)
    block_solve(prod, g, mom[:, 2], theta, resid)
    np.testing.assert_allclose(theta, prod @ g, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(resid, mom[:, 2] - (theta * prod).sum(axis=1), rtol=1e-12)
    n = 2_500  # more than two chunks of the kernel
    t = np.arange(n) * 0.1
    re = 20 * (1 + 0.2 * np.sin(2 * np.pi * 0.25 * t)) + rng.normal(0, 0.3, n)
    im = 5.0 + rng.normal(0, 0.3, n)
    re[300:320] += rng.normal(0, 30, 20)  # a burst: weighs nothing
    w = np.full(n, 1 / 0.09) * rng.uniform(0.5, 2.0, n)
    w[300:320] = 0.0
    w[700:702] = 1e-4  # a block far noisier than the rest
    re[500:] += 25.0  # a step
    halves = np.array([0, 1, 2, 4, 8, 16, 32, 64])
    out_r, out_i = np.empty(n), np.empty(n)
    ici_means(re, im, w, halves, 1.5, out_r, out_i)
    ref_r, ref_i = _ref_ici(re, im, w, halves, 1.5)
    # prefix sums against direct ones, beside weights 1e4 times smaller: ~1e-9 relative
    np.testing.assert_allclose(out_r, ref_r, rtol=1e-8, atol=1e-8)
    np.testing.assert_allclose(out_i, ref_i, rtol=1e-8, atol=1e-8)


def test_cardiac_kernels_equal_numpy_formulation():
    rng = np.random.default_rng(25)
    for fs, n_s, rr_s in ((512.0, 120, 0.85), (256.0, 60, 0.35), (2048.0, 20, 1.1)):
        n = int(n_s * fs)
        beats = np.arange(0.02, n_s, rr_s) + rng.normal(0, 0.01, int(np.ceil((n_s - 0.02) / rr_s)))
        beats = beats[beats < n_s]
        x = filter_emg(_lead_with_field(n, fs, beats, rng), fs)
        x[int(5 * fs):int(5.3 * fs)] += (rng.standard_normal(int(0.3 * fs)) * 80).astype(np.float32)  # a burst
        peaks = np.round(beats * fs).astype(np.int64)  # first beat cut by the start
        peaks = np.concatenate([peaks, [n + 5, -3]])  # outside the record: ignored
        ref, nr = _ref_remove_cardiac(x, fs, peaks)
        out, nk = remove_cardiac_counted(x, fs, peaks)
        assert nr == nk == np.count_nonzero((peaks >= 0) & (peaks < n)) and nk > 10
        # float64 sums instead of float32 ones: differences of float32 rounding (~1e-6 of the field)
        np.testing.assert_allclose(out, ref, atol=1e-4 * float(np.abs(x).max()))
        calm = np.r_[0:int(4.5 * fs), int(6 * fs):n]  # away from the burst: the field is removed
        assert np.std(out[calm]) < 0.7 * np.std(x[calm])
    # no cardiac field: both leave the lead untouched; fewer than 5 beats: untouched
    y = filter_emg(rng.standard_normal(int(60 * FS)) * 2, FS)
    pk = np.arange(100, y.size - 100, 400)
    assert remove_cardiac_counted(y, FS, pk)[1] == _ref_remove_cardiac(y, FS, pk)[1] == 0
    np.testing.assert_array_equal(remove_cardiac(y, FS, pk[:4]), y)


def _ref_detect_r_peaks(ecg, sfreq):
    """detect_r_peaks as numpy/scipy (find_peaks, np.quantile, np.median per window)."""
    from scipy.ndimage import uniform_filter1d

    x = np.asarray(ecg, dtype=np.float64)
    finite = np.isfinite(x)
    if not finite.all():
        x = np.where(finite, x, np.median(x[finite]))
    y = _scipy_sosfilt(x, _qrs_sos(float(sfreq)))
    p = np.zeros_like(y)
    p[1:] = np.square(y[1:] - y[:-1])
    q = max(1, int(sfreq // 128.0))
    nfull = p.size // q
    p_dec = p[: nfull * q].reshape(nfull, q).mean(axis=1, dtype=np.float32)
    if p.size > nfull * q:
        p_dec = np.append(p_dec, p[nfull * q:].mean(dtype=np.float32))
    energy = uniform_filter1d(p_dec, max(1, int(round(0.1 * sfreq / q))), mode="nearest")
    fs_e = sfreq / q
    blk = max(1, int(10 * fs_e))
    ref = np.array([np.quantile(energy[i:i + blk], 0.98) for i in range(0, energy.size, blk)])
    thr = np.repeat(0.3 * ref, blk)[: energy.size]
    peaks, _ = signal.find_peaks(energy, height=thr, distance=max(1, int(0.25 * fs_e)))
    peaks = np.minimum(peaks * q + q // 2, x.size - 1)
    h = int(0.075 * sfreq)
    idx = np.clip(peaks[:, None] + np.arange(-h, h + 1)[None, :], 0, x.size - 1)
    seg = x[idx] - np.median(x[idx], axis=1, keepdims=True)
    sign = 1.0 if np.median(seg.max(axis=1)) >= np.median(-seg.min(axis=1)) else -1.0
    refined = np.unique(idx[np.arange(idx.shape[0]), np.argmax(sign * seg, axis=1)])
    keep = np.concatenate([[True], np.diff(refined) >= int(0.25 * sfreq)])
    return refined[keep]


@pytest.mark.parametrize("fs", [200.0, 512.0, 1000.0])
def test_r_peak_kernels_equal_scipy_formulation(fs):
    rng = np.random.default_rng(26)
    n = int(125.3 * fs)  # a partial last 10-s block
    beats = np.cumsum(0.8 + 0.1 * np.sin(np.arange(200) / 4.0))
    beats = beats[beats < 125]
    ecg = -_lead_with_field(n, fs, beats, rng, amp_uv=500.0) + rng.normal(0, 5, n)  # inverted lead
    ecg[int(30 * fs):int(31 * fs)] = np.nan
    for x in (ecg, ecg.astype(np.float32)):
        got = detect_r_peaks(x, fs)
        np.testing.assert_array_equal(got, _ref_detect_r_peaks(x, fs))
        d = np.abs(got[:, None] / fs - beats[None, :]).min(axis=0)
        assert np.mean(d < 0.01) > 0.95  # and they are the beats
    assert detect_r_peaks(np.full(int(5 * fs), np.nan), fs).size == 0
    assert detect_r_peaks(np.zeros(int(fs)), fs).size == 0  # shorter than 2 s

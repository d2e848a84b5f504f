"""The burst-search numba kernels give the numpy formulation's results.

The references below are the computations the kernels replaced, written plainly:
``uniform_filter1d`` moving RMS (mode "nearest"), per-sample thresholds from the
block baseline, boolean masks, runs, merge, onset test, tight onset, per-burst
features, the local resting levels and the edge refinement.
"""

from __future__ import annotations

import math
import subprocess
import sys
import threading

import numpy as np
import pytest
from scipy.ndimage import uniform_filter1d

from myosleep.detection import _kernels
from myosleep.detection.bursts import (Baseline, find_lm_bursts, find_short_bursts, resting_baseline,
                                       _search)
from myosleep.detection.params import LegMovementParams, ShortBurstParams
from myosleep.preprocessing.envelope import block_power, running_baseline


# ---------------------------------------------------------------- reference formulation

def _env(x: np.ndarray, n: int) -> np.ndarray:
    """Centred moving RMS, float32, edges repeated (what emg_envelope computes)."""
    p = uniform_filter1d(np.square(x, dtype=np.float32), n, mode="nearest") if n > 1 else np.square(x)
    return np.sqrt(np.maximum(p, 0)).astype(np.float32)


def _thr(base: Baseline, ratio: float, floor: float) -> np.ndarray:
    b = base.blocks_uv.astype(np.float32)[np.minimum(np.arange(base.n_samples) // base.n_block,
                                                     base.blocks_uv.size - 1)]
    return np.maximum(b * np.float32(ratio), b + np.float32(floor))


def _runs(m: np.ndarray) -> list[list[int]]:
    runs, i = [], 0
    while i < m.size:
        if m[i]:
            j = i
            while j < m.size and m[j]:
                j += 1
            runs.append([i, j])
            i = j
        else:
            i += 1
    return runs


def _ref_search(x, base, mask, *, n_off, n_on, off, on, strict_off, min_gap, min_len, tight):
    """Hysteresis runs (start, stop) the plain way."""
    env = _env(x, n_off)
    t_off, t_on = _thr(base, *off), _thr(base, *on)
    off_ok = env > t_off if strict_off else env >= t_off
    on_ok = env >= t_on
    if n_on:
        on_ok &= _env(x, n_on) >= t_on
    if mask is not None:
        off_ok &= ~mask
        on_ok &= ~mask
    raw = _runs(off_ok)
    merged = []
    for s, e in raw:
        if merged and s - merged[-1][1] < max(1, min_gap):
            merged[-1][1] = e
        else:
            merged.append([s, e])
    on_idx = np.flatnonzero(on_ok)
    out = []
    for s, e in merged:
        inside = on_idx[(on_idx >= s) & (on_idx < e)]
        if inside.size == 0 or e - s < min_len:
            continue
        if tight:
            first = inside[0]
            s = max(s, max(rs for rs, _ in raw if rs <= first))
        out.append((s, e))
    return out


def _signal(rng, n, fs, *, n_bursts, scale=5.0):
    """Noise with bursts of 5-400 ms at 2-12x the resting level, a tone change and a quiet stretch."""
    x = rng.standard_normal(n) * scale
    x[n // 2:] *= 0.4  # tone falls
    for _ in range(n_bursts):
        d = int(rng.uniform(0.005, 0.4) * fs)
        a = int(rng.integers(0, max(1, n - d)))
        x[a: a + d] += rng.standard_normal(min(d, n - a)) * scale * rng.uniform(2, 12)
    return x.astype(np.float32)


def _baseline(x, fs, rng, *, jitter=True):
    nb = max(1, int(round(0.1 * fs)))
    nblocks = -(-x.size // nb) if x.size else 0
    if nblocks == 0:
        return Baseline(np.zeros(0), nb, x.size)
    b = np.sqrt(block_power(x, nb))
    b = np.maximum(running_baseline(b, nb / fs, window_s=5.0) if nblocks > 1 else b, 1e-3)
    if jitter:
        b = b * rng.uniform(0.8, 1.2, b.size)
    return Baseline(b, nb, x.size)


# ---------------------------------------------------------------------------- the tests

def test_mean_square_thresholds_decide_like_the_root():
    rng = np.random.default_rng(0)
    t = np.concatenate([
        (10 ** rng.uniform(-6, 6, 3000)).astype(np.float32),
        np.array([0, -1, 1e-45, 1e-40, 1.0, 2.0, 3.4e38, np.inf, -np.inf, np.nan], dtype=np.float32),
    ])
    for strict in (False, True):
        # blocks t, ratio 1 and floor -3e38: the kernel's threshold max(t, t - 3e38) is t itself
        T = _kernels.mean_square_thresholds(t, 1.0, -3e38, strict)
        with np.errstate(over="ignore", invalid="ignore"):
            t2 = (t.astype(np.float64) ** 2).astype(np.float32)
        for k, tk in enumerate(t):
            # mean squares 0-3 float32 ulps either side of t^2, and the extremes
            cands = [np.float32(0), np.float32(-1e-30), np.float32(np.inf), np.float32(np.nan), t2[k]]
            for direction in (np.float32(np.inf), np.float32(-np.inf)):
                c = t2[k]
                for _ in range(3):
                    c = np.nextafter(c, direction)
                    cands.append(c)
            m = np.array(cands, dtype=np.float32)
            with np.errstate(invalid="ignore"):
                r = np.sqrt(np.maximum(m, np.float32(0)))
                want = r > tk if strict else r >= tk
                got = m >= T[k]
            np.testing.assert_array_equal(got, want, err_msg=f"t={tk!r} strict={strict}")


@pytest.mark.parametrize("fs", [200.0, 256.0, 512.0, 1000.0, 2048.0])
def test_short_search_equals_plain_hysteresis(fs):
    rng = np.random.default_rng(int(fs))
    n = int(120 * fs) + 37  # not a whole number of blocks or chunks
    x = _signal(rng, n, fs, n_bursts=150)
    base = _baseline(x, fs, rng)
    mask = np.zeros(n, dtype=bool)
    mask[: int(0.3 * fs)] = True
    mask[n // 3: n // 3 + int(2 * fs)] = True
    mask[rng.integers(0, n, 40)] = True  # isolated masked samples, also inside bursts
    p = ShortBurstParams()
    n_env, n_det = int(round(0.01 * fs)), int(round(0.05 * fs))
    for m in (None, mask):
        s, e, _ = _search(x, fs, base, m, window_s=0.01, on_window_s=0.05, off=(p.off_ratio, p.off_floor_uv),
                       on=(p.on_ratio, p.on_floor_uv), strict_off=False, min_gap=int(round(0.02 * fs)),
                       min_len=max(1, int(round(0.01 * fs))), tight_onset=True)
        ref = _ref_search(x, base, m, n_off=n_env, n_on=n_det, off=(p.off_ratio, p.off_floor_uv),
                          on=(p.on_ratio, p.on_floor_uv), strict_off=False, min_gap=int(round(0.02 * fs)),
                          min_len=max(1, int(round(0.01 * fs))), tight=True)
        assert len(ref) >= 50  # the signal has bursts to find
        assert list(zip(s.tolist(), e.tolist())) == ref


@pytest.mark.parametrize("fs", [200.0, 512.0])
def test_lm_search_equals_plain_hysteresis(fs):
    rng = np.random.default_rng(7)
    n = int(300 * fs) + 11
    x = _signal(rng, n, fs, n_bursts=120, scale=3.0)
    base = _baseline(x, fs, rng)
    mask = np.zeros(n, dtype=bool)
    mask[n // 2: n // 2 + int(5 * fs)] = True
    p = LegMovementParams()
    n_env = int(round(0.05 * fs))
    gap = int(round(0.5 * fs))
    s, e, _ = _search(x, fs, base, mask, window_s=0.05, on_window_s=None, off=(p.off_min_ratio, p.off_above_uv),
                   on=(p.on_min_ratio, p.on_above_uv), strict_off=True, min_gap=gap, min_len=1,
                   tight_onset=False)
    ref = _ref_search(x, base, mask, n_off=n_env, n_on=0, off=(p.off_min_ratio, p.off_above_uv),
                      on=(p.on_min_ratio, p.on_above_uv), strict_off=True, min_gap=gap, min_len=1, tight=False)
    assert len(ref) >= 20
    assert list(zip(s.tolist(), e.tolist())) == ref


def test_search_with_onset_threshold_below_offset_and_odd_parameters():
    # an onset threshold below the offset one puts onset crossings in the gaps between
    # runs: they count only when the gap is bridged (the old searchsorted semantics)
    rng = np.random.default_rng(3)
    fs = 256.0
    for trial in range(30):
        n = int(rng.integers(200, 6000))
        x = _signal(rng, n, fs, n_bursts=int(rng.integers(0, 20)))
        base = _baseline(x, fs, rng)
        mask = rng.random(n) < rng.choice([0.0, 0.01, 0.3])
        kw = dict(off=(float(rng.uniform(1.0, 3.0)), float(rng.uniform(0, 3))),
                  on=(float(rng.uniform(0.8, 3.0)), float(rng.uniform(-1, 3))),
                  strict_off=bool(rng.integers(0, 2)), min_gap=int(rng.integers(1, 60)),
                  min_len=int(rng.integers(1, 10)))
        win = [float(rng.choice([1, 2, 3, 5, 13, 26, 64])) / fs for _ in range(2)]
        tight = bool(rng.integers(0, 2))
        on_window = win[1] if rng.integers(0, 2) else None
        s, e, _ = _search(x, fs, base, mask, window_s=win[0], on_window_s=on_window, tight_onset=tight, **kw)
        ref = _ref_search(x, base, mask, n_off=max(1, int(round(win[0] * fs))),
                          n_on=0 if on_window is None else max(1, int(round(on_window * fs))),
                          tight=tight, **kw)
        assert list(zip(s.tolist(), e.tolist())) == ref, f"trial {trial}"


@pytest.mark.parametrize("n", [0, 1, 2, 3, 7, 50, 51, 52])
def test_tiny_inputs(n):
    rng = np.random.default_rng(n)
    fs = 512.0
    x = (rng.standard_normal(n) * 20).astype(np.float32)
    if n:
        x[n // 2] = 400.0  # a spike the search must see even in a record shorter than the window
    base = Baseline(np.full(max(1, -(-n // 51)), 1.0), 51, n)
    for tight, on_w in ((True, 0.05), (False, None)):
        s, e, _ = _search(x, fs, base, None, window_s=0.01, on_window_s=on_w, off=(1.5, 1.0), on=(2.5, 2.0),
                       strict_off=False, min_gap=10, min_len=1, tight_onset=tight)
        ref = _ref_search(x, base, None, n_off=5, n_on=26 if on_w else 0, off=(1.5, 1.0), on=(2.5, 2.0),
                          strict_off=False, min_gap=10, min_len=1, tight=tight)
        assert list(zip(s.tolist(), e.tolist())) == ref
        assert (len(ref) == 1) == (n > 0)


def test_burst_features_equal_the_envelopes():
    rng = np.random.default_rng(11)
    fs = 512.0
    n = int(30 * fs)
    x = _signal(rng, n, fs, n_bursts=30)
    starts = np.sort(rng.choice(n - 200, 60, replace=False)).astype(np.int64)
    starts[0] = 0  # windows clamped at both ends
    stops = np.minimum(starts + rng.integers(1, 150, 60), n)
    stops[-1] = n
    env, smooth = _env(x, 5), _env(x, 26)
    peak, mean = _kernels.burst_features(x, starts, stops, 5, 26, 26)
    for k, (a, z) in enumerate(zip(starts, stops)):
        src = smooth[a:z] if z - a >= 26 else env[a:z]
        assert peak[k] == pytest.approx(float(src.max()), rel=1e-6)
        want = math.sqrt(np.mean(np.square(env[a:z], dtype=np.float64)))
        assert mean[k] == pytest.approx(want, rel=1e-6)
    peak1, mean1 = _kernels.burst_features(x, starts, stops, 26, 0, 0)  # no smooth envelope
    for k, (a, z) in enumerate(zip(starts, stops)):
        assert peak1[k] == pytest.approx(float(smooth[a:z].max()), rel=1e-6)


def _ref_u(x, t, k, theta, bias, onset):
    """The edge statistic of sample t: log mean square of the k samples from t away from the core."""
    first = t - k + 1 if onset else t
    idx = np.clip(np.arange(first, first + k), 0, x.size - 1)
    m = max(float(np.mean(x[idx].astype(np.float64) ** 2)), 1e-12 * theta)
    return math.log(m) - math.log(theta) + bias


def _ref_refine(x, c1, c2, lo, hi, theta, stop, mask, k, bias, margin=0.0):
    """Argmax of the cumulative statistic outward from the core, stopped by mask, bound or CUSUM;
    a maximum after a dip below the best counts once the sum climbed ``margin`` from the dip's bottom."""
    out = []
    for onset, rng_ in ((True, range(c1 - 1, lo - 1, -1)), (False, range(c2, hi))):
        best, arg, s = 0.0, (c1 if onset else c2), 0.0
        sums = []
        for t in rng_:
            if mask is not None and mask[t]:
                break
            s += _ref_u(x, t, k, theta, bias, onset)
            sums.append(s)
            # the lowest sum since the best was set (the best itself when no dip)
            j_best = max((i for i, v in enumerate(sums[:-1]) if v == best), default=-1)
            low = min([best] + sums[j_best + 1: -1])
            if s > best and (low >= best or s - low >= margin):
                best, arg = s, (t if onset else t + 1)
            elif s < best - stop:
                break
        out.append(arg)
    return tuple(out)


def test_refine_edges_equal_the_cumulative_sums():
    """Onset: the t <= c1 maximising the sum of ln(m_t / theta) + bias down to t; offset likewise
    from c2 up; ties go to the edge nearer the core; masks, bounds and the CUSUM stop end a search."""
    rng = np.random.default_rng(12)
    fs = 512.0
    x = _signal(rng, int(20 * fs), fs, n_bursts=25)
    c1 = np.sort(rng.choice(np.arange(300, x.size - 300), 80, replace=False)).astype(np.int64)
    c2 = c1 + rng.integers(0, 40, c1.size)
    lo = c1 - rng.integers(0, 200, c1.size)
    hi = c2 + rng.integers(0, 200, c1.size)
    theta = rng.uniform(1, 200, c1.size)
    mask = rng.random(x.size) < 0.002
    cases = ((1, np.inf, False, 0.0), (2, 30.0, False, 0.0), (4, 10.0, True, 0.0), (3, np.inf, True, 0.0),
             (2, 30.0, False, 1.5), (3, np.inf, True, 4.0))
    moved = 0
    for k, stop, use_mask, margin in cases:
        stops = np.full(c1.size, stop)
        on, off = _kernels.refine_edges(x, c1, c2, lo, hi, theta, stops, np.full(c1.size, margin),
                                        mask if use_mask else np.zeros(0, bool), use_mask, k, 0.45)
        for j in range(c1.size):
            want = _ref_refine(x, c1[j], c2[j], lo[j], hi[j], theta[j], stop, mask if use_mask else None, k, 0.45,
                               margin)
            assert (on[j], off[j]) == want
            if margin > 0:
                plain = _ref_refine(x, c1[j], c2[j], lo[j], hi[j], theta[j], stop, mask if use_mask else None, k,
                                    0.45)
                moved += (on[j], off[j]) != plain
    assert moved > 0  # the margin changes some edges of this signal


def test_block_power_and_masked_blocks():
    rng = np.random.default_rng(13)
    for n, nb in ((10_007, 51), (51, 51), (50, 51), (1, 3), (2048 * 3 + 5, 205)):
        x = (rng.standard_normal(n) * 7).astype(np.float32)
        mask = rng.random(n) < 0.002
        p, hit = _kernels.block_power_any(x, nb, mask.view(np.uint8), True)
        # block_power squares a last partial block in float64, the kernel in float32 throughout
        np.testing.assert_allclose(p, block_power(x, nb), rtol=1e-7)
        want = np.array([mask[i: i + nb].any() for i in range(0, n, nb)])
        np.testing.assert_array_equal(hit, want)


def test_resting_baseline_with_and_without_mask():
    rng = np.random.default_rng(14)
    fs = 256.0
    x = _signal(rng, int(600 * fs), fs, n_bursts=40)
    mask = np.zeros(x.size, dtype=bool)
    mask[5000:9000] = True
    nb = int(round(0.1 * fs))
    for m in (None, mask):
        base = resting_baseline(x, fs, mask=m)
        valid = None if m is None else ~np.array([m[i: i + nb].any() for i in range(0, x.size, nb)])
        want = np.maximum(running_baseline(np.sqrt(block_power(x, nb)), nb / fs, valid=valid), 1e-3)
        np.testing.assert_allclose(base.blocks_uv, want, rtol=1e-9)


def _ref_side_level(amp, valid, a, z, k, q, fallback):
    """max over the two sides of the q-quantile of valid block RMS (numpy)."""
    lev = []
    for lo, hi in ((max(0, a - k), a), (min(amp.size, z), min(amp.size, z + k))):
        v = amp[lo:hi][valid[lo:hi]]
        if v.size:
            lev.append(float(np.quantile(v, q)))
    return max(lev) if lev else fallback


def _ref_backward_offset(x, fs, core, off, hi, level, stop, mask, edge, delay_s, reach, margin):
    """The offset read again on the signal as the band-pass run backward gives it."""
    from myosleep.preprocessing.filters import BACKWARD_PAD_S, as_filtered_backward

    n = x.size
    pad, ring, shift = int(np.ceil(BACKWARD_PAD_S * fs)), int(round(0.2 * fs)), int(round(2 * delay_s * fs))
    s0 = max(core, off - ring)
    e0 = max(s0, min(hi, off + reach))
    a, z = max(0, s0 - shift - pad), min(n, e0 + pad)
    seg = as_filtered_backward(x[a:z], fs)
    m = np.zeros(z - a, dtype=bool)
    src = mask[min(n, a + shift): min(n, z + shift)]
    m[: src.size] = src
    c = max(0, s0 - shift - a)
    _, o = _ref_refine(seg, c, c, c, max(c, e0 - shift - a), level ** 2, stop, m, edge.n_window, edge.log_bias,
                       margin)
    return o + a + shift


def test_detectors_equal_the_plain_pipeline():
    """find_short_bursts = hysteresis runs, minus those active at a segment start, minus those not
    standing above the resting level on both sides, with edges placed on the samples."""
    rng = np.random.default_rng(15)
    fs = 512.0
    x = _signal(rng, int(200 * fs), fs, n_bursts=80)
    mask = np.zeros(x.size, dtype=bool)
    mask[:150] = True
    x[150:170] += 40.0 * rng.standard_normal(20).astype(np.float32)  # active as observation begins
    base = resting_baseline(x, fs, mask=mask)
    rejected: dict = {}
    tab, pops = find_short_bursts(x, fs, mask=mask, baseline=base, delay_s=0.0015, rejected=rejected)
    p = ShortBurstParams()
    ref = _ref_search(x, base, mask, n_off=5, n_on=26, off=(p.off_ratio, p.off_floor_uv),
                      on=(max(p.on_ratio, 2.5), p.on_floor_uv), strict_off=False, min_gap=10, min_len=5, tight=True)
    assert pops.shape == (0, 2) and len(ref) >= 40
    assert ref[0][0] == 150 and rejected["settling"].tolist() == [list(ref[0])]
    env, det = _env(x, 5), _env(x, 26)
    nb, k = base.n_block, int(round(5.0 * fs / base.n_block))
    kept, tone = [], []
    for a, z in ref[1:]:
        local = _ref_side_level(base.block_rms_uv, base.block_valid, a // nb, (z - 1) // nb + 1, k, 0.2,
                                float(base.at(np.array([a]))[0]))
        peak = det[a:z].max()
        (kept if peak >= 2.5 * local and peak >= local + p.on_floor_uv else tone).append((a, z))
    assert rejected["tone"].tolist() == [list(r) for r in tone]
    # edges: log-power change points, searched up to the neighbouring candidates' runs, offsets read
    # again on the backward-filtered signal, pieces closer than the separation joined
    from myosleep.detection.bursts import EdgeStatistic
    from myosleep.preprocessing.filters import emg_band_hz

    edge = EdgeStatistic(base.acf, fs)
    low, high = emg_band_hz(fs)
    sep = max(p.min_gap_s, p.min_dof / (2 * (high - low)))
    runs = sorted(ref)  # every candidate run (settling, tone, kept): disjoint
    on_ratio = max(p.on_ratio, 2.5)
    placed = []
    for a, z in kept:
        i = runs.index((a, z))
        lo = runs[i - 1][1] if i else 0
        hi = runs[i + 1][0] if i + 1 < len(runs) else x.size
        b_a = float(base.at(np.array([a]))[0])
        # the background: the median of the baseline and the two 1-s sides
        amp, ok = base.block_rms_uv, base.block_valid
        before = amp[max(0, a // nb - 10): a // nb][ok[max(0, a // nb - 10): a // nb]]
        after = amp[(z - 1) // nb + 1: (z - 1) // nb + 11][ok[(z - 1) // nb + 1: (z - 1) // nb + 11]]
        qb = float(np.quantile(before, 0.2)) if before.size else np.nan
        qa = float(np.quantile(after, 0.2)) if after.size else np.nan
        qb, qa = (qa if np.isnan(qb) else qb), (qb if np.isnan(qa) else qa)
        qb, qa = (b_a, b_a) if np.isnan(qb) else (qb, qa)
        rest = base.rms_per_baseline * float(np.median([b_a, qb, qa]))
        level = 2.0 * rest
        stop = 2.0 * math.log(level / rest) * max(1.0, sep * fs)
        margin = float(edge.climb_margin(level, rest))  # onsets only: the climb resting EMG makes by chance
        # the run's own background: a part beside a placed burst holds another one when it stands
        # above that (and above the detection's threshold) as a burst above rest
        blocks = amp[-(-a // nb): z // nb][ok[-(-a // nb): z // nb]]
        run_rest = float(np.quantile(blocks, 0.2)) if z // nb - (-(-a // nb)) >= 5 and blocks.size >= 5 else np.inf
        thr = max(on_ratio * b_a, b_a + p.on_floor_uv, on_ratio * run_rest, run_rest + p.on_floor_uv)
        parts, first = [(a, z, lo, hi)], True
        while parts:
            pa, pz, plo, phi = parts.pop()
            if not first:
                inner5 = env[pa + 2: pz - 2] if pz - pa > 4 else env[:0]
                inner26 = det[pa + 13: pz - 13] if pz - pa > 26 else det[:0]
                if pz - pa <= 26 or inner5.max(initial=-1) < thr or inner26.max(initial=-1) < thr:
                    continue
            top = pa + int(np.argmax(env[pa:pz] ** 2))
            on, _ = _ref_refine(x, top, top, plo, top, level ** 2, stop, mask, edge.n_window, edge.log_bias, margin)
            _, off = _ref_refine(x, top, top, top, phi, level ** 2, stop, mask, edge.n_window, edge.log_bias)
            placed.append([on, off, a, z, top, phi, level, stop])
            if on - pa >= 5:
                parts.append((pa, on, plo, on))
            if pz - off >= 5:
                parts.append((off, pz, off, phi))
            first = False
    placed.sort(key=lambda q: (q[0], q[1]))
    # offsets read backward, at most up to the merge gap before the next placed burst
    gap_n = max(1, int(round(sep * fs)))
    for k_, q in enumerate(placed):
        on, off, a, z, top, phi, level, stop = q
        nxt = placed[k_ + 1][0] - gap_n if k_ + 1 < len(placed) else x.size
        hi_b = max(min(phi, nxt), min(off, phi))
        placed[k_] = [on, max(_ref_backward_offset(x, fs, top, off, hi_b, level, stop, mask, edge, 0.0015,
                                                   int(round(0.2 * fs)), 0.0), on + 1), a, z]
    merged = [placed[0]]
    for q in placed[1:]:
        if q[0] - merged[-1][1] < max(1, int(round(sep * fs))):
            merged[-1] = [merged[-1][0], max(merged[-1][1], q[1]), merged[-1][2], max(merged[-1][3], q[3])]
        else:
            merged.append(q)
    assert len(tab["start"]) == len(merged) and len(merged) >= 30
    for k_, (on, off, a, z) in enumerate(merged):
        assert (tab["start"][k_], tab["stop"][k_]) == (on, off)
        # the peak is the one the detection saw, over the run(s) it found
        b = base.at(np.array([tab["start"][k_]]))[0]
        peak = (det if z - a >= 26 else env)[a:z].max()
        assert tab["peak_amplitude_uv"][k_] == pytest.approx(max(peak - b, 0), rel=1e-5, abs=1e-6)
        # times: the samples, less the filter's delay, widened by the edge statistic's lag on each side
        assert tab["onset"][k_] == pytest.approx(max((tab["start"][k_] - edge.lag) / fs - 0.0015, 0))
        assert tab["duration"][k_] == pytest.approx((tab["stop"][k_] - tab["start"][k_] + 2 * edge.lag) / fs)
    lm = find_lm_bursts(x, fs, mask=mask, baseline=base)
    assert np.all(lm["stop"] > lm["start"]) and np.all(np.diff(lm["start"]) > 0)


def test_channels_in_two_threads_give_the_sequential_results():
    rng = np.random.default_rng(16)
    fs = 512.0
    xs = [_signal(rng, int(120 * fs), fs, n_bursts=60) for _ in range(2)]
    bases = [resting_baseline(x, fs) for x in xs]
    seq = [find_short_bursts(x, fs, baseline=b)[0]["start"] for x, b in zip(xs, bases)]
    got: list = [None, None]

    def work(k):
        got[k] = find_short_bursts(xs[k], fs, baseline=bases[k])[0]["start"]

    threads = [threading.Thread(target=work, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for a, b in zip(seq, got):
        np.testing.assert_array_equal(a, b)


def test_numba_is_not_imported_with_the_package():
    code = "import sys, myosleep, myosleep.detection; print('numba' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_super_block_quantiles_equal_numpy():
    rng = np.random.default_rng(17)
    for nb, per, quantile in ((1000, 50, 0.2), (1013, 50, 0.2), (7, 50, 0.5), (999, 7, 0.9), (60, 1, 0.2)):
        amp = rng.gamma(2.0, 3.0, nb)
        amp[rng.random(nb) < 0.02] = np.nan  # e.g. a NaN block
        valid = rng.random(nb) > 0.3
        for use in (False, True):
            got = _kernels.super_block_quantiles(amp, valid, use, per, quantile)
            a = np.where(valid, amp, np.nan) if use else amp
            for s in range(got.size):
                row = a[s * per: (s + 1) * per]
                row = row[np.isfinite(row)]
                if row.size == 0 or (row.size < per and row.size < max(1, per // 4)):
                    assert np.isnan(got[s])
                else:
                    assert got[s] == np.quantile(row, quantile)  # bit for bit

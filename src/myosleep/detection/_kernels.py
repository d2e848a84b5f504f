"""numba kernels of the burst search (private; imported lazily by :mod:`myosleep.detection.bursts`).

The kernels read the band-passed EMG itself and compute the centred moving RMS on
the fly, a few thousand samples at a time, so no night-long envelope, threshold
or boolean array is materialised.  The envelope is that of
:func:`myosleep.preprocessing.emg_envelope`: a window of ``n`` samples covering
``[i - n//2, i + n - n//2 - 1]``, edges repeated (``uniform_filter1d`` mode
"nearest"), squares in float32, window sums in float64 (from prefix sums that
restart every chunk of ~4096 samples, or running sums over one burst, so rounding
never accumulates over a night), mean cast to float32, float32 square root.
Results equal the numpy formulation up to the last bit of a float64 window sum:
on an 8-h night ~1 sample in 10^5 has a mean square one float32 ulp away from
``uniform_filter1d``'s, which only matters for a sample exactly at a threshold
(``tests/detection/test_kernels.py`` compares run by run).

All kernels are ``nogil`` (two channels can be searched in two threads) and
cached on disk (``cache=True``): the first call in a process loads them (~0.1 s;
numba's own import costs ~0.5 s more).
"""

from __future__ import annotations

import math
from typing import Any

import numba
import numpy as np

_JIT: dict[str, Any] = {"cache": True, "nogil": True}


@numba.njit(**_JIT)
def _window_sum(x, i, h1, h2):
    """Sum of float32 squares of ``x[i-h1 .. i+h2]`` (indices clamped), in float64."""
    n = x.shape[0]
    s = 0.0
    for k in range(i - h1, i + h2 + 1):
        j = min(max(k, 0), n - 1)
        v = x[j] * x[j]
        s += np.float64(v)
    return s


@numba.njit(**_JIT)
def _step(x, i, h1, h2, n):
    """Change of the window sum from ``i - 1`` to ``i``: square entering minus square leaving."""
    a = min(i + h2, n - 1)
    b = max(i - h1 - 1, 0)
    va = x[a] * x[a]
    vb = x[b] * x[b]
    return np.float64(va) - np.float64(vb)


@numba.njit(**_JIT)
def _rms(s, inv):
    """float32 RMS from a float64 window sum and 1 / window length."""
    m = np.float32(s * inv)
    if m < 0:
        m = np.float32(0.0)
    return np.float32(math.sqrt(np.float64(m)))


@numba.njit(**_JIT)
def _squares(x, lo, hi, q):
    """``q[t]`` = float32 square of ``x[lo + t]`` (index clamped to ``x``) as float64, ``t < hi - lo``."""
    n = x.shape[0]
    if lo >= 0 and hi <= n:
        xs = x[lo:hi]  # a slice: non-negative indices, so the loop vectorises
        for t in range(hi - lo):
            v = xs[t] * xs[t]
            q[t] = np.float64(v)
    else:
        for t in range(hi - lo):
            j = min(max(lo + t, 0), n - 1)
            v = x[j] * x[j]
            q[t] = np.float64(v)


@numba.njit(**_JIT)
def _prefix(q, m, p):
    """``p[t]`` = ``q[0] + ... + q[t - 1]`` for ``t <= m`` (float64).

    Four samples per step: the partial sums within a step do not wait on the running
    total, so one addition per four samples is on the dependency chain.
    """
    p[0] = 0.0
    acc = 0.0
    for u in range(m // 4):
        t = 4 * u
        q0 = q[t]
        q01 = q0 + q[t + 1]
        q012 = q01 + q[t + 2]
        p[t + 1] = acc + q0
        p[t + 2] = acc + q01
        p[t + 3] = acc + q012
        acc += q012 + q[t + 3]
        p[t + 4] = acc
    for t in range(4 * (m // 4), m):
        acc += q[t]
        p[t + 1] = acc


@numba.njit(**_JIT)
def _mean_sq(p, k, h1, h2, inv):
    """float32 mean square over the window ``[k - h1, k + h2]`` (prefix indices) from prefix sums ``p``."""
    return np.float32((p[k + h2 + 1] - p[k - h1]) * inv)


@numba.njit(**_JIT)
def _window_means(p, k0, length, h1, h2, out):
    """``out[j]`` = :func:`_mean_sq` at prefix index ``k0 + j``, ``j < length``."""
    inv = 1.0 / (h1 + h2 + 1)
    hi = p[k0 + h2 + 1: k0 + h2 + 1 + length]
    lo = p[k0 - h1: k0 - h1 + length]
    for j in range(length):
        out[j] = np.float32((hi[j] - lo[j]) * inv)


@numba.njit(**_JIT)
def _max_int(a):
    """Largest element of an int32 array (-2**31 if empty); vectorises, unlike a float max."""
    mx = np.int32(-2147483648)
    for j in range(a.shape[0]):
        mx = max(mx, a[j])
    return mx


@numba.njit(**_JIT)
def mean_square_thresholds(blocks, ratio, floor, strict):
    """Per block, the float32 mean square ``T`` such that ``m >= T`` <=> the RMS
    (float32 ``sqrt(max(m, 0))``) is >= ``t`` (``>`` with ``strict``), where
    ``t = max(ratio x b, b + floor)`` in float32 for the block's baseline ``b``.

    A correctly rounded float32 root reaches ``t`` exactly when the true root exceeds
    the midpoint between ``t`` and the float32 below it (with ``strict``: between
    ``t`` and the one above).  The root of a float32 is never such a midpoint (25
    significant bits: its square would need ~50), and the midpoint squared (<= 50
    bits) is exact in float64; ``T`` is the smallest float32 above it.  The search
    then compares mean squares with ``T``, never takes a root per sample, and
    decides exactly as ``sqrt(m) >= t`` would.  -inf when every mean square passes,
    NaN when none does.
    """
    nb = blocks.shape[0]
    out = np.empty(nb, dtype=np.float32)
    out_bits = out.view(np.int32)
    tmp = np.empty(1, dtype=np.float32)
    tmp_bits = tmp.view(np.int32)
    r = np.float32(ratio)
    f = np.float32(floor)
    inf = np.float32(np.inf)
    for k in range(nb):
        b = np.float32(blocks[k])
        u = b * r
        v = b + f
        if u != u or v != v:
            out[k] = np.float32(np.nan)
            continue
        t = u if u >= v else v
        if t == inf:
            # nothing exceeds inf; only an infinite mean square reaches it
            out[k] = np.float32(np.nan) if strict else inf
            continue
        if t < 0 or (t == 0 and not strict):
            out[k] = -inf
            continue
        # the neighbouring float32 (t >= 0 here: its bits step by one)
        tmp[0] = t
        tmp_bits[0] += 1 if strict else -1
        mid = (np.float64(t) + np.float64(tmp[0])) * 0.5
        sq = mid * mid
        out[k] = np.float32(sq)
        if np.float64(out[k]) <= sq and out[k] != inf:
            out_bits[k] += 1
    return out


@numba.njit(**_JIT)
def _grow(buf, need):
    """``buf`` (3, m) with at least ``need`` columns (contents kept)."""
    if need <= buf.shape[1]:
        return buf
    new = np.empty((3, max(need, 2 * buf.shape[1])), dtype=np.int64)
    new[:, : buf.shape[1]] = buf
    return new


# the search state (int64 array): in a contiguous run, merged run open, onset reached in it,
# merged run start / end, contiguous run start, first onset sample, tight start, first onset
# sample in the current gap (-1: none) and the contiguous run start before it, runs written
_IN_RAW, _OPEN, _HAS_ON, _MS, _ME, _RS, _FIRST, _TIGHT, _PENDING, _PENDING_RS, _K = range(11)


@numba.njit(**_JIT)
def _walk(st, out, ma, c0, p, w1, hb1, hb2, invb, two, msq_off, msq_on, n_block, mask, use_mask,
          max_gap, min_len, tight_onset, a, b, stop_at_rest):
    """Run the hysteresis state machine over samples ``[a, b)`` of the chunk starting at ``c0``.

    ``ma`` holds the chunk's offset-window mean squares, ``p`` its prefix sums (for the
    onset window).  With ``stop_at_rest``, returns at the first sample where no run is
    open (the merged run closed once ``max_gap`` samples passed); else returns ``b``.
    """
    nblocks = msq_off.shape[0]
    in_raw = st[_IN_RAW] != 0
    open_run = st[_OPEN] != 0
    has_on = st[_HAS_ON] != 0
    ms = st[_MS]
    me = st[_ME]
    rs = st[_RS]
    first = st[_FIRST]
    tight = st[_TIGHT]
    pending = st[_PENDING]
    pending_rs = st[_PENDING_RS]
    k = st[_K]
    blk = min(a // n_block, nblocks - 1)
    nxt = (blk + 1) * n_block if blk < nblocks - 1 else b + 1
    t_off = msq_off[blk]
    t_on = msq_on[blk]
    i = a
    while i < b:
        if i >= nxt:
            blk += 1
            nxt = (blk + 1) * n_block if blk < nblocks - 1 else b + 1
            t_off = msq_off[blk]
            t_on = msq_on[blk]
        if open_run and not in_raw and i - me >= max_gap:
            # the gap can no longer be bridged: the merged run is complete
            if has_on and me - ms >= min_len:
                out[0, k] = tight if tight_onset else ms
                out[1, k] = me
                out[2, k] = first
                k += 1
            open_run = False
            has_on = False
            pending = -1
        if stop_at_rest and not in_raw and not open_run:
            break
        m_a = ma[i - c0]
        off_ok = m_a >= t_off
        need_on = False
        if use_mask and mask[i]:
            off_ok = False
        elif not has_on:
            # an on-ok sample outside a run counts only in a gap that may still be bridged
            need_on = off_ok or (open_run and pending < 0 and (in_raw or i - me < max_gap))
        on_ok = False
        if need_on:
            on_ok = m_a >= t_on
            if on_ok and two:
                on_ok = _mean_sq(p, i - c0 + w1, hb1, hb2, invb) >= t_on
        if off_ok:
            if not in_raw:
                if open_run:  # within max_gap of the open run: bridged
                    if not has_on and pending >= 0:
                        has_on = True
                        first = pending
                        tight = pending_rs
                else:
                    open_run = True
                    has_on = False
                    ms = i
                pending = -1
                in_raw = True
                rs = i
            if on_ok and not has_on:
                has_on = True
                first = i
                tight = rs
        else:
            if in_raw:
                in_raw = False
                me = i
            if on_ok and pending < 0 and open_run:
                pending = i
                pending_rs = rs
        i += 1
    st[_IN_RAW] = in_raw
    st[_OPEN] = open_run
    st[_HAS_ON] = has_on
    st[_MS] = ms
    st[_ME] = me
    st[_RS] = rs
    st[_FIRST] = first
    st[_TIGHT] = tight
    st[_PENDING] = pending
    st[_PENDING_RS] = pending_rs
    st[_K] = k
    return i


@numba.njit(**_JIT)
def _latest_reset(ma, c0, msq_off, n_block, mask, use_mask, max_gap, a, b):
    """Latest sample ``r`` in ``[a, b]`` preceded by ``max_gap`` samples (within ``[a, b)``)
    below the offset threshold; ``a`` if there is none.

    Whatever happened before, no run is open at ``r``: starting the state machine there
    at rest gives its exact state, provided no onset crossing lies in ``[a, r)``.
    """
    if b <= a:
        return a
    nblocks = msq_off.shape[0]
    cnt = 0
    j = b - 1
    blk = min(j // n_block, nblocks - 1)
    start = blk * n_block  # first sample of block blk
    t = msq_off[blk]
    while j >= a:
        if j < start:
            blk -= 1
            start -= n_block
            t = msq_off[blk]
        if ma[j - c0] >= t and not (use_mask and mask[j]):
            cnt = 0
        else:
            cnt += 1
            if cnt >= max_gap:
                return j + max_gap
        j -= 1
    return a


@numba.njit(**_JIT)
def _hot_blocks(ma, c0, b0, b1, n_block, n, msq_on, p, w1, hb1, hb2, invb, two, hot):
    """``hot[b - b0]``: whether block ``b`` of the chunk at ``c0`` may hold an onset crossing
    (offset-window mean square and, with ``two``, the onset-window one >= its ``msq_on``);
    masks are ignored.  Returns the number of hot blocks."""
    nblocks = msq_on.shape[0]
    ma_bits = ma.view(np.int32)
    on_bits = msq_on.view(np.int32)
    count = 0
    for blk in range(b0, b1):
        j0 = blk * n_block - c0
        j1 = (n if blk == nblocks - 1 else min(n, (blk + 1) * n_block)) - c0
        t_on = msq_on[blk]
        h = True
        if t_on != t_on:
            h = False
        elif t_on > 0:
            # the bits of a non-negative float32 order as the float (NaN bits count as hot);
            # an integer maximum vectorises, a float one does not
            h = _max_int(ma_bits[j0:j1]) >= on_bits[blk]
            if h and two:
                h = False
                for j in range(j0, j1):
                    if ma[j] >= t_on and _mean_sq(p, j + w1, hb1, hb2, invb) >= t_on:
                        h = True
                        break
        hot[blk - b0] = h
        count += h
    return count


@numba.njit(**_JIT)
def hysteresis_runs(x, n_off, n_on, msq_off, msq_on, n_block, mask, use_mask, max_gap, min_len,
                    tight_onset):
    """Hysteresis burst search on the moving RMS of ``x`` with a per-block threshold.

    Sample ``i`` (block ``min(i // n_block, nblocks - 1)``) is *off-ok* when the
    ``n_off``-sample mean square (float32) is >= ``msq_off[block]`` and *on-ok* when
    that mean square and, if ``n_on > 0``, the ``n_on``-sample one are both >=
    ``msq_on[block]`` (``bursts._mean_square_thresholds`` turns RMS thresholds into
    these, exactly); masked samples are neither.  Runs of off-ok samples separated
    by fewer than ``max_gap`` samples merge; a merged run ``[s, e)`` is kept when an
    on-ok sample lies in it and ``e - s >= min_len``.  With ``tight_onset`` its start
    is that of the contiguous run holding (or, for a crossing in a bridged gap,
    preceding) the first on-ok sample.

    Window sums come from prefix sums of squares computed a chunk of blocks at a
    time (restarted each chunk, so rounding never accumulates).  Only runs holding an
    onset crossing are kept, so the state machine walks sample by sample only the
    blocks that may hold one ("hot": one vectorised maximum per block) and, before
    each, the stretch back to the latest point where any run must have closed
    (``max_gap`` samples below the offset threshold); stretches without a crossing
    are skipped.  The result is the plain sample-by-sample machine's.

    Returns an int64 array (3, n_runs): start, stop (exclusive), first on-ok sample.
    """
    n = x.shape[0]
    nblocks = msq_off.shape[0]
    out = np.empty((3, 64), dtype=np.int64)
    if n == 0 or nblocks == 0:
        return out[:, :0]
    two = n_on > 0
    ha1 = n_off // 2
    ha2 = n_off - ha1 - 1
    hb1 = n_on // 2
    hb2 = n_on - hb1 - 1
    invb = 1.0 / n_on if two else 0.0
    w1 = max(ha1, hb1) if two else ha1  # chunk margins for the windows
    w2 = max(ha2, hb2) if two else ha2
    per_chunk = max(1, 4096 // n_block)
    # a chunk holds per_chunk blocks; the last one also whatever lies past the last block
    span = max(per_chunk * n_block, n - ((nblocks - 1) // per_chunk) * per_chunk * n_block)
    q = np.empty(span + w1 + w2, dtype=np.float64)
    p = np.empty(span + w1 + w2 + 1, dtype=np.float64)
    ma = np.empty(span, dtype=np.float32)
    hot = np.empty(per_chunk, dtype=np.bool_)
    st = np.zeros(11, dtype=np.int64)
    st[_PENDING] = -1
    for b0 in range(0, nblocks, per_chunk):
        c0 = b0 * n_block
        if c0 >= n:
            break
        b1 = min(nblocks, b0 + per_chunk)
        c1 = n if b1 == nblocks else min(n, b1 * n_block)
        # a chunk closes at most one run per two samples, plus the one open before it
        out = _grow(out, st[_K] + (c1 - c0) // 2 + 2)
        # prefix sums of squares over [c0 - w1, c1 + w2): sample i is prefix index i - c0 + w1
        _squares(x, c0 - w1, c1 + w2, q)
        _prefix(q, c1 - c0 + w1 + w2, p)
        _window_means(p, w1, c1 - c0, ha1, ha2, ma)
        pos = c0  # the state is exact at pos
        n_hot = _hot_blocks(ma, c0, b0, b1, n_block, n, msq_on, p, w1, hb1, hb2, invb, two, hot)
        for blk in range(b0, b1 if n_hot > 0 else b0):
            if not hot[blk - b0]:
                continue
            i0 = blk * n_block
            i1 = n if blk == nblocks - 1 else min(n, i0 + n_block)
            if pos < i0:
                pos = _walk(st, out, ma, c0, p, w1, hb1, hb2, invb, two, msq_off, msq_on, n_block, mask,
                            use_mask, max_gap, min_len, tight_onset, pos, i0, True)
                if pos < i0:  # at rest: what lies before the latest reset point cannot matter
                    pos = _latest_reset(ma, c0, msq_off, n_block, mask, use_mask, max_gap, pos, i0)
            pos = _walk(st, out, ma, c0, p, w1, hb1, hb2, invb, two, msq_off, msq_on, n_block, mask,
                        use_mask, max_gap, min_len, tight_onset, pos, i1, False)
        if pos < c1:  # the state at the chunk's end, from its latest reset point
            pos = _walk(st, out, ma, c0, p, w1, hb1, hb2, invb, two, msq_off, msq_on, n_block, mask,
                        use_mask, max_gap, min_len, tight_onset, pos, c1, True)
            if pos < c1:
                pos = _latest_reset(ma, c0, msq_off, n_block, mask, use_mask, max_gap, pos, c1)
                _walk(st, out, ma, c0, p, w1, hb1, hb2, invb, two, msq_off, msq_on, n_block, mask,
                      use_mask, max_gap, min_len, tight_onset, pos, c1, False)
    k = st[_K]
    me = n if st[_IN_RAW] else st[_ME]
    if st[_OPEN] and st[_HAS_ON] and me - st[_MS] >= min_len:
        out[0, k] = st[_TIGHT] if tight_onset else st[_MS]
        out[1, k] = me
        out[2, k] = st[_FIRST]
        k += 1
    return out[:, :k]


@numba.njit(**_JIT)
def burst_features(x, starts, stops, n_env, n_smooth, min_smooth):
    """Per-burst peak and RMS of the moving-RMS envelopes of ``x``.

    ``peak`` is the maximum over ``[start, stop)`` of the ``n_smooth``-sample RMS for
    bursts of at least ``min_smooth`` samples (when ``n_smooth > 0``), of the
    ``n_env``-sample RMS otherwise; ``mean`` is the square root of the mean of the
    ``n_env``-sample RMS squared.  Both float64 (uV).
    """
    nb = starts.shape[0]
    n = x.shape[0]
    peak = np.zeros(nb)
    mean = np.zeros(nb)
    h1 = n_env // 2
    h2 = n_env - h1 - 1
    inv = 1.0 / n_env
    g1 = n_smooth // 2
    g2 = n_smooth - g1 - 1
    invg = 1.0 / n_smooth if n_smooth > 0 else 0.0
    for k in range(nb):
        a = starts[k]
        z = stops[k]
        use_smooth = n_smooth > 0 and z - a >= min_smooth
        s = _window_sum(x, a, h1, h2)
        g = _window_sum(x, a, g1, g2) if use_smooth else 0.0
        acc = 0.0
        pk = np.float32(-1.0)
        for i in range(a, z):
            if i > a:
                s += _step(x, i, h1, h2, n)
                if use_smooth:
                    g += _step(x, i, g1, g2, n)
            r = _rms(s, inv)
            acc += np.float64(r) * np.float64(r)
            v = _rms(g, invg) if use_smooth else r
            if v > pk:
                pk = v
        peak[k] = pk
        mean[k] = math.sqrt(acc / max(z - a, 1))
    return peak, mean


@numba.njit(cache=True, nogil=True, fastmath={"reassoc", "nsz"})
def block_power_any(x, n_block, mask, use_mask):
    """Mean of ``x**2`` (float32 squares, float64 sums) per block of ``n_block`` samples,
    last partial block kept, and whether each block holds a masked sample (``mask``:
    uint8 view of the bool mask).

    ``reassoc`` lets the float64 sums vectorise (summation order changes the last bit).
    """
    n = x.shape[0]
    nblocks = (n + n_block - 1) // n_block
    power = np.empty(nblocks)
    hit = np.zeros(nblocks, dtype=np.bool_)
    for b in range(nblocks):
        i0 = b * n_block
        i1 = min(n, i0 + n_block)
        xs = x[i0:i1]
        s = 0.0
        for t in range(i1 - i0):
            v = xs[t] * xs[t]
            s += np.float64(v)
        power[b] = s / (i1 - i0)
        if use_mask:
            ms = mask[i0:i1]
            c = np.uint8(0)
            for t in range(i1 - i0):
                c |= ms[t]  # a byte-wide OR vectorises without widening
            hit[b] = c != 0
    return power, hit


@numba.njit(**_JIT)
def super_block_quantiles(amp, valid, use_valid, per, quantile):
    """``quantile`` (numpy "linear" method) of the valid finite ``amp`` in each super-block
    of ``per`` blocks; NaN where fewer than ``max(1, per // 4)`` values are usable (a
    complete super-block always is).  As the first half of
    :func:`myosleep.preprocessing.running_baseline`, without sorting: the two order
    statistics the interpolation needs are kept by insertion while scanning.
    """
    nb = amp.shape[0]
    nsuper = (nb + per - 1) // per
    q = np.full(nsuper, np.nan)
    vals = np.empty(per + 1)
    for s in range(nsuper):
        i0 = s * per
        i1 = min(nb, i0 + per)
        n_ok = 0
        for i in range(i0, i1):
            v = amp[i]
            if (not use_valid or valid[i]) and math.isfinite(v):
                n_ok += 1
        if n_ok == 0 or (n_ok < per and n_ok < max(1, per // 4)):
            continue
        # numpy's virtual index for the linear method
        virt = (n_ok - 1) * quantile
        lo = int(math.floor(virt))
        lo = min(max(lo, 0), n_ok - 1)
        hi = min(lo + 1, n_ok - 1)
        gamma = virt - math.floor(virt)
        keep = hi + 1  # the keep smallest values, sorted
        m = 0
        for i in range(i0, i1):
            v = amp[i]
            if not ((not use_valid or valid[i]) and math.isfinite(v)):
                continue
            if m < keep:
                j = m
                m += 1
            elif v < vals[keep - 1]:
                j = keep - 1
            else:
                continue
            while j > 0 and vals[j - 1] > v:
                vals[j] = vals[j - 1]
                j -= 1
            vals[j] = v
        a = vals[lo]
        b = vals[hi]
        diff = b - a
        # numpy's _lerp
        q[s] = b - diff * (1.0 - gamma) if gamma >= 0.5 else a + diff * gamma
    return q


@numba.njit(**_JIT)
def _edge_power(x, first, k):
    """Mean square of ``x[first : first + k]`` (indices clamped), float64."""
    n = x.shape[0]
    s = 0.0
    for j in range(first, first + k):
        v = np.float64(x[min(max(j, 0), n - 1)])
        s += v * v
    return s / k


@numba.njit(**_JIT)
def refine_edges(x, c1, c2, lo, hi, theta, stop, margin, mask, use_mask, k_win, log_bias):
    """Burst edges on the band-passed samples themselves: change points of the log power.

    Each sample ``t`` gives ``u_t = ln(m_t / theta[b]) + log_bias``, with ``m_t`` the mean
    square of ``x`` over ``k_win`` samples from ``t`` away from the core (``t - k_win + 1 ..
    t`` for an onset, ``t .. t + k_win - 1`` for an offset: at a sharp edge the window of
    the first sample outside holds no sample of the burst) and ``log_bias`` = -E[ln(m / P)]
    for a Gaussian signal of power P, so that ``u`` averages
    zero where the power is ``theta`` (uV^2), is positive above it and negative below.  For
    burst ``b`` the samples ``[c1[b], c2[b])`` are known to be activity (its core); the
    onset is the ``t`` in ``[lo[b], c1[b]]`` maximising ``sum(u[t:c1])`` and the offset the
    ``t`` in ``[c2[b], hi[b]]`` maximising ``sum(u[c2:t])`` (on a tie the ``t`` nearer the
    core; an empty sum is 0): the burst keeps every stretch next to its core whose power,
    accumulated, stands above ``theta``, and stops where the signal falls back below it for
    good.

    Each search walks outward from the core and ends at its bound, at a masked sample
    (``use_mask``), or once the sum has fallen ``stop[b]`` below its best (Page's CUSUM
    stopping rule; ``inf`` searches to the bound).

    A farther maximum beyond a dip (the sum having fallen below its best since the best
    was set) replaces the nearer one only when the sum has climbed at least ``margin[b]``
    from the dip's lowest point: a climb that resting EMG makes by chance with a stated
    probability (``bursts.EdgeStatistic.climb_margin``).  While the sum rises without a
    dip, every new maximum is taken, as before.

    Returns (onsets, offsets), int64 sample indices (offset exclusive).
    """
    nb = c1.shape[0]
    on = np.empty(nb, dtype=np.int64)
    off = np.empty(nb, dtype=np.int64)
    for b in range(nb):
        lth = math.log(theta[b])
        floor = 1e-12 * theta[b]
        h = stop[b]
        g = margin[b]
        best = 0.0
        low = 0.0  # lowest sum since the best was set (== best: no dip)
        arg = c1[b]
        s = 0.0
        for t in range(c1[b] - 1, lo[b] - 1, -1):
            if use_mask and mask[t]:
                break
            s += math.log(max(_edge_power(x, t - k_win + 1, k_win), floor)) - lth + log_bias
            if s > best and (low >= best or s - low >= g):
                best = s
                low = s
                arg = t
            elif s < best - h:
                break
            elif s < low:
                low = s
        on[b] = arg
        best = 0.0
        low = 0.0
        arg = c2[b]
        s = 0.0
        for t in range(c2[b], hi[b]):
            if use_mask and mask[t]:
                break
            s += math.log(max(_edge_power(x, t, k_win), floor)) - lth + log_bias
            if s > best and (low >= best or s - low >= g):
                best = s
                low = s
                arg = t + 1
            elif s < best - h:
                break
            elif s < low:
                low = s
        off[b] = arg
    return on, off


@numba.njit(**_JIT)
def first_stretch_peak(x, first, stops, n_env, theta):
    """Sample of the largest ``n_env``-sample moving mean square in the first stretch above ``theta``.

    For burst ``k`` the stretch starts at ``first[k]`` (the first sample whose moving mean
    square reaches ``theta[k]``, uV^2) and lasts while it stays >= ``theta[k]``, up to
    ``stops[k]`` (centred window, edges repeated; the first on a tie).
    """
    nb = first.shape[0]
    n = x.shape[0]
    out = np.empty(nb, dtype=np.int64)
    h1 = n_env // 2
    h2 = n_env - h1 - 1
    inv = 1.0 / n_env
    for k in range(nb):
        a = first[k]
        s = _window_sum(x, a, h1, h2)
        best = s
        arg = a
        for i in range(a + 1, stops[k]):
            s += _step(x, i, h1, h2, n)
            if s * inv < theta[k]:
                break
            if s > best:
                best = s
                arg = i
        out[k] = arg
    return out


@numba.njit(**_JIT)
def _quantile_sorted(v, m, quantile):
    """numpy's "linear" quantile of the first ``m`` values of the sorted array ``v``."""
    virt = (m - 1) * quantile
    lo = min(max(int(math.floor(virt)), 0), m - 1)
    hi = min(lo + 1, m - 1)
    gamma = virt - math.floor(virt)
    a = v[lo]
    b = v[hi]
    diff = b - a
    return b - diff * (1.0 - gamma) if gamma >= 0.5 else a + diff * gamma


@numba.njit(**_JIT)
def side_levels(amp, valid, b0, b1, k, quantile):
    """For each burst, the ``quantile`` of the valid ``amp`` in blocks ``[b0 - k, b0)`` (before)
    and in ``[b1, b1 + k)`` (after), numpy's linear method; NaN where a side holds no valid block."""
    nb = b0.shape[0]
    na = amp.shape[0]
    out = np.full((2, nb), np.nan)
    buf = np.empty(k)
    for i in range(nb):
        for side in range(2):
            a = max(0, b0[i] - k) if side == 0 else min(na, b1[i])
            z = b0[i] if side == 0 else min(na, b1[i] + k)
            m = 0
            for j in range(a, z):
                if valid[j] and math.isfinite(amp[j]):
                    buf[m] = amp[j]
                    m += 1
            if m == 0:
                continue
            v = np.sort(buf[:m])
            out[side, i] = _quantile_sorted(v, m, quantile)
    return out


@numba.njit(**_JIT)
def envelope_argmax(x, starts, stops, n_env):
    """Sample of the largest ``n_env``-sample moving mean square within each ``[start, stop)``
    (centred window, edges repeated; the first on a tie)."""
    nb = starts.shape[0]
    n = x.shape[0]
    out = np.empty(nb, dtype=np.int64)
    h1 = n_env // 2
    h2 = n_env - h1 - 1
    for k in range(nb):
        a = starts[k]
        z = stops[k]
        s = _window_sum(x, a, h1, h2)
        best = s
        arg = a
        for i in range(a + 1, z):
            s += _step(x, i, h1, h2, n)
            if s > best:
                best = s
                arg = i
        out[k] = arg
    return out

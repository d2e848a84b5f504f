"""numba kernels of the per-channel preprocessing (private).

Imported lazily by the functions that use them, never at package import (numba
takes ~0.5 s to import).  Conventions: ``@numba.njit(cache=True, nogil=True)`` so
that two channels can run in two threads; float32 (or float64) arrays in, float32
signals out; float64 filter states and accumulators.  Each kernel states the
numpy/scipy formulation it replaces; tests/preprocessing/test_kernels.py checks
them against it.
"""

from __future__ import annotations

import numba
import numpy as np

_jit = numba.njit(cache=True, nogil=True)
#: For sums over beat windows: reassociation lets LLVM vectorise them (rounding differs from a
#: sequential sum by ~1e-16 relative; NaN/inf semantics kept: no "nnan"/"ninf").
_jit_sums = numba.njit(cache=True, nogil=True, fastmath={"reassoc", "contract", "nsz", "arcp"})


# --------------------------------------------------------------------------- runs


@_jit
def _as_arrays(starts, stops):
    a = np.empty(len(starts), dtype=np.int64)
    b = np.empty(len(starts), dtype=np.int64)
    for k in range(len(starts)):
        a[k] = starts[k]
        b[k] = stops[k]
    return a, b


@_jit
def mask_runs(m):
    """Runs of True of a boolean mask: ``(starts, stops)``, stops exclusive (``runs_from_mask``)."""
    st = [np.int64(0) for _ in range(0)]
    en = [np.int64(0) for _ in range(0)]
    n = m.shape[0]
    prev = False
    for i in range(n):
        v = m[i]
        if v != prev:
            if v:
                st.append(i)
            else:
                en.append(i)
            prev = v
    if prev:
        en.append(n)
    return _as_arrays(st, en)


#: Longest block of the artefact scan: blocks with no candidate sample are passed over.
_SCAN_BLOCK = 1024


@_jit
def _scan_exact(x, s0, s1, st, want_nan, want_clip, lo, hi, clip_min, ns_, ne_, cs_, ce_):
    """Samples ``s0 .. s1`` of the NaN and rail runs; ``st`` = [in_nan, in_clip, clip start]."""
    for i in range(s0, s1):
        v = x[i]
        if want_nan:
            bad = not np.isfinite(v)
            if bad != (st[0] != 0):
                if bad:
                    ns_.append(i)
                else:
                    ne_.append(i)
                st[0] = 1 if bad else 0
        if want_clip:
            c = v >= hi or v <= lo
            if c != (st[1] != 0):
                if c:
                    st[2] = i
                elif i - st[2] >= clip_min:
                    cs_.append(st[2])
                    ce_.append(i)
                st[1] = 1 if c else 0


@_jit
def scan_runs(x, want_nan, want_flat, tol, exact, flat_min, want_clip, lo, hi, clip_min):
    """One pass over ``x`` for the runs of :mod:`.artefacts`: non-finite samples
    (``~np.isfinite(x)``), flat stretches and samples at the rails.

    Flat: consecutive differences ``|x[i + 1] - x[i]|`` of at most ``tol`` (``exact``,
    tol 0: ``x[i + 1] == x[i]``, which it is but for equal infinities, whose runs
    ``flat_runs`` drops), a run of k small
    differences spanning k + 1 samples, kept when >= ``flat_min`` samples.  Rails:
    ``x >= hi`` or ``x <= lo``, runs of >= ``clip_min`` samples.  ``tol``, ``lo`` and
    ``hi`` must have the dtype of ``x`` (numpy compares in that dtype).

    The record is read in blocks of ``flat_min // 2`` samples (at most 1024) with a
    quick test: NaN and rail runs are traced sample by sample only in blocks holding a
    candidate (or with a run open); a flat run of >= ``flat_min`` samples contains a
    whole block whose differences are all small, so only such blocks are extended
    left and right to the run's ends (quantised data have many equal neighbours).
    Returns six int64 arrays: starts and stops (exclusive) of the three kinds.
    """
    ns_ = [np.int64(0) for _ in range(0)]
    ne_ = [np.int64(0) for _ in range(0)]
    fs_ = [np.int64(0) for _ in range(0)]
    fe_ = [np.int64(0) for _ in range(0)]
    cs_ = [np.int64(0) for _ in range(0)]
    ce_ = [np.int64(0) for _ in range(0)]
    n = x.shape[0]
    st = np.zeros(3, dtype=np.int64)
    blk = _SCAN_BLOCK
    if want_flat:
        blk = max(1, min(_SCAN_BLOCK, flat_min // 2))
    ftol = tol if want_flat else -np.inf  # |d| <= -inf never: no flat candidates
    flat_end = 0  # samples before this are inside a flat run already found
    for s0 in range(0, n, blk):
        s1 = min(n, s0 + blk)
        bad = 0
        small = 0
        for i in range(max(1, s0), s1):
            v = x[i]
            bad |= ((v - v) != 0) | (v >= hi) | (v <= lo)
            small += abs(v - x[i - 1]) <= ftol
        if s0 == 0 and n:
            v = x[0]
            bad |= ((v - v) != 0) | (v >= hi) | (v <= lo)
            small += 1  # no difference before the first sample
        if (want_nan or want_clip) and (bad != 0 or st[0] != 0 or st[1] != 0):
            _scan_exact(x, s0, s1, st, want_nan, want_clip, lo, hi, clip_min, ns_, ne_, cs_, ce_)
        if want_flat and small == s1 - s0 and s1 > flat_end:
            # differences s0 .. s1 - 1 all small: extend to the run's ends
            a = max(s0 - 1, 0)
            while a > 0 and abs(x[a] - x[a - 1]) <= tol:
                a -= 1
            b = s1
            while b < n and abs(x[b] - x[b - 1]) <= tol:
                b += 1
            if b - a >= flat_min and b - a >= 2 and (not exact or np.isfinite(x[a])):
                fs_.append(a)
                fe_.append(b)
            flat_end = b
    if st[0]:
        ne_.append(n)
    if st[1] and n - st[2] >= clip_min:
        cs_.append(st[2])
        ce_.append(n)
    a_, b_ = _as_arrays(ns_, ne_)
    c_, d_ = _as_arrays(fs_, fe_)
    e_, f_ = _as_arrays(cs_, ce_)
    return a_, b_, c_, d_, e_, f_


@_jit
def count_finite(x):
    """``np.count_nonzero(np.isfinite(x))`` (``v - v`` is 0 exactly for finite ``v``: vectorisable)."""
    c = 0
    for i in range(x.shape[0]):
        v = x[i]
        c += (v - v) == 0
    return c


# ---------------------------------------------------------------------- mains tracker


@_jit_sums
def block_moments(x, off, u, out):
    """Per block ``b`` of ``nb = u.shape[0]`` samples from ``off``: ``out[b] = (sum xb, sum xb u,
    sum xb^2)`` with ``xb = float64(x[off + b nb: off + (b + 1) nb])``, for ``b < out.shape[0]``
    (numpy: ``xb.sum(1)``, ``xb @ u``, ``(xb ** 2).sum(1)``).  float64 sums: the block's energy
    minus that of its fit is its residual, which float32 sums lose under a DC offset of thousands
    of uV."""
    nb = u.shape[0]
    for b in range(out.shape[0]):
        xs = x[off + b * nb: off + (b + 1) * nb]
        s = 0.0
        su = 0.0
        e = 0.0
        for t in range(nb):
            v = np.float64(xs[t])
            s += v
            su += v * u[t]
            e += v * v
        out[b, 0] = s
        out[b, 1] = su
        out[b, 2] = e


@_jit
def block_solve(prod, gram_inv, energy, theta, resid):
    """``theta = prod @ gram_inv`` (``gram_inv`` symmetric) and ``resid = energy - sum(theta * prod,
    axis=1)`` (the residual energy of each block's least-squares fit), row by row (numpy:
    ``np.einsum``; no BLAS call, whose threads stall on busy cores)."""
    n, p = prod.shape
    for b in range(n):
        fit = 0.0
        for k in range(p):
            a = 0.0
            for q in range(p):
                a += prod[b, q] * gram_inv[q, k]
            theta[b, k] = a
            fit += a * prod[b, k]
        resid[b] = energy[b] - fit


#: Blocks per chunk of :func:`ici_means` (its window sums taken in the chunk's own coordinates).
_ICI_CHUNK = 512
#: :func:`ici_means` reads a window's line at its centre only when that value's variance is at most
#: this many times the window mean's (``s0 s2 / det``; 1 for weights symmetric about the centre):
#: further, the line extrapolates from blocks on one side (a burst's blocks weigh nothing) and
#: its slope's noise sets the value, and the mean is read instead.
_ICI_MAX_LEVERAGE = 9.0


@_jit
def ici_means(re, im, w, halves, gamma, out_re, out_im):
    """Weighted local-linear estimates of ``re + 1j im`` over the window each block's ICI rule
    chooses (:func:`myosleep.preprocessing.mains._ici_smooth`; its numpy formulation is
    ``tests/preprocessing/test_kernels.py::_ref_ici``).  For half-widths ``h`` in ``halves``
    (increasing), over blocks ``b - h .. b + h`` (cut at the ends) with weights ``w`` (the inverse
    variance of each part; 0: not used): the value at ``b`` of the weighted least-squares line
    (the weighted mean where the line would extrapolate: :data:`_ICI_MAX_LEVERAGE`), of variance
    ``sum w d^2 / det`` (``d`` the offset from ``b``, ``det = sum w sum w d^2 - (sum w d)^2``; the
    mean's ``1 / sum w``);
    the intervals ``estimate +- gamma sd`` of the real and of the imaginary parts are
    intersected from the smallest ``h`` with weight up, and the estimate of the largest ``h``
    whose intersection is not empty is kept (``re[b] + 1j im[b]`` when no window has weight).
    Window sums come from prefix sums over each chunk of blocks and its margins, in coordinates
    centred on the chunk (the squared offsets stay small); the windows of a chunk are computed
    in a vectorisable loop, then the intervals compared."""
    n = re.shape[0]
    nh = halves.shape[0]
    hmax = halves[nh - 1]
    c = _ICI_CHUNK
    ln = c + 2 * hmax
    mid = 0.5 * ln
    p0 = np.zeros(ln + 1)
    p1 = np.zeros(ln + 1)
    p2 = np.zeros(ln + 1)
    q0r = np.zeros(ln + 1)
    q1r = np.zeros(ln + 1)
    q0i = np.zeros(ln + 1)
    q1i = np.zeros(ln + 1)
    mr = np.empty((nh, c))
    mi = np.empty((nh, c))
    sd = np.empty((nh, c))
    for c0 in range(0, n, c):
        m = min(c, n - c0)
        base = c0 - hmax
        for u in range(ln):
            k = base + u
            wk = 0.0
            a = 0.0
            bi = 0.0
            if 0 <= k < n:
                wk = w[k]
                a = re[k]
                bi = im[k]
            x = u - mid
            p0[u + 1] = p0[u] + wk
            p1[u + 1] = p1[u] + wk * x
            p2[u + 1] = p2[u] + wk * x * x
            q0r[u + 1] = q0r[u] + wk * a
            q1r[u + 1] = q1r[u] + wk * a * x
            q0i[u + 1] = q0i[u] + wk * bi
            q1i[u + 1] = q1i[u] + wk * bi * x
        for j in range(nh):
            h = halves[j]
            for q in range(m):
                uc = hmax + q
                xc = uc - mid
                lo = uc - h
                hi = uc + h + 1
                s0 = p0[hi] - p0[lo]
                r1 = p1[hi] - p1[lo]
                s1 = r1 - xc * s0
                s2 = (p2[hi] - p2[lo]) - 2.0 * xc * r1 + xc * xc * s0
                t0r = q0r[hi] - q0r[lo]
                t0i = q0i[hi] - q0i[lo]
                t1r = (q1r[hi] - q1r[lo]) - xc * t0r
                t1i = (q1i[hi] - q1i[lo]) - xc * t0i
                det = s0 * s2 - s1 * s1
                # the line where it does not extrapolate, else the mean (selects, no branches: the
                # loop vectorises); an empty window gets sd -1
                lin = (det > 0.0) & (det * _ICI_MAX_LEVERAGE >= s0 * s2)
                has = s0 > 0.0
                inv = 1.0 / (det if lin else (s0 if has else 1.0))
                a_r = (s2 * t0r - s1 * t1r) if lin else t0r
                a_i = (s2 * t0i - s1 * t1i) if lin else t0i
                mr[j, q] = a_r * inv
                mi[j, q] = a_i * inv
                var = (s2 if lin else 1.0) * inv
                sd[j, q] = gamma * np.sqrt(var) if has else -1.0
        for q in range(m):
            lo_r = -np.inf
            hi_r = np.inf
            lo_i = -np.inf
            hi_i = np.inf
            keep_r = re[c0 + q]
            keep_i = im[c0 + q]
            for j in range(nh):
                e = sd[j, q]
                if e < 0.0:
                    continue  # the window holds no weight yet (a burst's blocks alone)
                lo_r = max(lo_r, mr[j, q] - e)
                hi_r = min(hi_r, mr[j, q] + e)
                lo_i = max(lo_i, mi[j, q] - e)
                hi_i = min(hi_i, mi[j, q] + e)
                if lo_r > hi_r or lo_i > hi_i:
                    break
                keep_r = mr[j, q]
                keep_i = mi[j, q]
            out_re[c0 + q] = keep_r
            out_im[c0 + q] = keep_i


# ---------------------------------------------------------------------- filtering

#: Samples per block of a filter input computed on the fly (stays in L1/L2).
_BLOCK = 2048


@_jit
def _load(x, s0, m, coef, wave, tail, fix, fill, dst):
    """``dst[:m]`` = the filter's input at samples ``s0 .. s0 + m`` as float64.

    With mains (``coef.shape[1] > 0``): ``float32(x) - coef[b] @ wave`` per block ``b``
    of ``wave.shape[1]`` samples, then ``- tail`` (float32 arithmetic, as ``remove_mains``), and
    minus each row of ``fix`` (sorted by its start ``fix[r, 0]``) over the ``fix.shape[1] - 1``
    samples from its start: where a step of the hum was placed sample by sample.
    Without: ``x``, non-finite samples read as ``fill``.
    """
    nl = coef.shape[1]
    if nl == 0:
        for j in range(m):
            v = np.float64(x[s0 + j])
            dst[j] = v if np.isfinite(v) else fill
        return
    nb = wave.shape[1]
    nfull = coef.shape[0] * nb
    acc = np.empty(m, dtype=np.float32)
    i = s0
    j = 0
    while j < m:
        if i < nfull:
            b = i // nb
            o = i - b * nb
            cnt = min(nb - o, m - j)
            # the block's sinusoids, line by line (float32, lines summed in order); slices
            # index from 0, which lets LLVM vectorise
            w0 = wave[0, o:o + cnt]
            c0 = coef[b, 0]
            for t in range(cnt):
                acc[t] = c0 * w0[t]
            for k in range(1, nl):
                wk = wave[k, o:o + cnt]
                ck = coef[b, k]
                for t in range(cnt):
                    acc[t] += ck * wk[t]
            xs = x[i:i + cnt]
            ds = dst[j:j + cnt]
            for t in range(cnt):
                ds[t] = np.float32(xs[t]) - acc[t]
            i += cnt
            j += cnt
        else:
            dst[j] = np.float32(x[i]) - tail[i - nfull]
            i += 1
            j += 1
    nf = fix.shape[0]
    if nf == 0:
        return
    lf = fix.shape[1] - 1
    lo = 0
    hi = nf
    while lo < hi:  # the first row whose span ends after s0
        mid = (lo + hi) // 2
        if fix[mid, 0] + lf <= s0:
            lo = mid + 1
        else:
            hi = mid
    r = lo
    while r < nf and fix[r, 0] < s0 + m:
        a = int(fix[r, 0])
        for t in range(max(a, s0), min(a + lf, s0 + m)):
            dst[t - s0] = np.float32(dst[t - s0]) - np.float32(fix[r, 1 + t - a])
        r += 1


@_jit
def _filter_block(src, so, m, sos, z, out, o):
    """Sections ``sos`` over ``src[so:so + m]`` from state ``z`` (updated), output to
    ``out[o:o + m]`` (none when ``o < 0``: warm-up).  scipy ``sosfilt`` operation order."""
    ns = sos.shape[0]
    if ns == 2:
        b00, b01, b02, a01, a02 = sos[0, 0], sos[0, 1], sos[0, 2], sos[0, 4], sos[0, 5]
        b10, b11, b12, a11, a12 = sos[1, 0], sos[1, 1], sos[1, 2], sos[1, 4], sos[1, 5]
        z00, z01, z10, z11 = z[0, 0], z[0, 1], z[1, 0], z[1, 1]
        for j in range(m):
            v = np.float64(src[so + j])
            y = b00 * v + z00
            z00 = b01 * v - a01 * y + z01
            z01 = b02 * v - a02 * y
            w = b10 * y + z10
            z10 = b11 * y - a11 * w + z11
            z11 = b12 * y - a12 * w
            if o >= 0:
                out[o + j] = w
        z[0, 0], z[0, 1], z[1, 0], z[1, 1] = z00, z01, z10, z11
        return
    for j in range(m):
        v = np.float64(src[so + j])
        for s in range(ns):
            y = sos[s, 0] * v + z[s, 0]
            z[s, 0] = sos[s, 1] * v - sos[s, 4] * y + z[s, 1]
            z[s, 1] = sos[s, 2] * v - sos[s, 5] * y
            v = y
        if o >= 0:
            out[o + j] = v


@_jit
def _filter2(a, ia, b, ib, m, sos, z, out, o0, o1):
    """Two sections over two independent segments at once (``a[ia:ia + m]`` and
    ``b[ib:ib + m]``, states ``z[0]``, ``z[1]``): the two recursions overlap in the CPU
    (one alone waits on its own latency)."""
    b00, b01, b02, a01, a02 = sos[0, 0], sos[0, 1], sos[0, 2], sos[0, 4], sos[0, 5]
    b10, b11, b12, a11, a12 = sos[1, 0], sos[1, 1], sos[1, 2], sos[1, 4], sos[1, 5]
    p0, q0, r0, s0 = z[0, 0, 0], z[0, 0, 1], z[0, 1, 0], z[0, 1, 1]
    p1, q1, r1, s1 = z[1, 0, 0], z[1, 0, 1], z[1, 1, 0], z[1, 1, 1]
    for j in range(m):
        v0 = np.float64(a[ia + j])
        v1 = np.float64(b[ib + j])
        y0 = b00 * v0 + p0
        y1 = b00 * v1 + p1
        p0 = b01 * v0 - a01 * y0 + q0
        p1 = b01 * v1 - a01 * y1 + q1
        q0 = b02 * v0 - a02 * y0
        q1 = b02 * v1 - a02 * y1
        w0 = b10 * y0 + r0
        w1 = b10 * y1 + r1
        r0 = b11 * y0 - a11 * w0 + s0
        r1 = b11 * y1 - a11 * w1 + s1
        s0 = b12 * y0 - a12 * w0
        s1 = b12 * y1 - a12 * w1
        out[o0 + j] = w0
        out[o1 + j] = w1
    z[0, 0, 0], z[0, 0, 1], z[0, 1, 0], z[0, 1, 1] = p0, q0, r0, s0
    z[1, 0, 0], z[1, 0, 1], z[1, 1, 0], z[1, 1, 1] = p1, q1, r1, s1


@_jit
def _start_state(x, s0, coef, wave, tail, fix, fill, unit_zi, z):
    one = np.empty(1)
    _load(x, s0, 1, coef, wave, tail, fix, fill, one)
    for s in range(unit_zi.shape[0]):
        z[s, 0] = unit_zi[s, 0] * one[0]
        z[s, 1] = unit_zi[s, 1] * one[0]


@_jit
def _run(x, direct, s0, s1, coef, wave, tail, fix, fill, sos, z, out, o, buf):
    """Filter input samples ``s0 .. s1`` from state ``z``, output at ``out[o:]`` (o < 0: none)."""
    if direct:
        _filter_block(x, s0, s1 - s0, sos, z, out, o)
        return
    for p in range(s0, s1, _BLOCK):
        m = min(_BLOCK, s1 - p)
        _load(x, p, m, coef, wave, tail, fix, fill, buf)
        _filter_block(buf, 0, m, sos, z, out, o + p - s0 if o >= 0 else -1)


@_jit
def sosfilt(x, coef, wave, tail, fix, fill, sos, unit_zi, warm, out):
    """Causal second-order sections ``sos`` (``scipy.signal.sosfilt``: transposed direct
    form II, same operation order, float64 state) over the input of :func:`_load`
    (``x``, minus the mains model ``coef``/``wave``/``tail``/``fix`` if any, non-finite samples
    read as ``fill`` unless ``fill`` is NaN), into float32 ``out``.  The state starts at
    ``unit_zi`` times the first input sample (``sosfilt_zi``: steady state).

    ``warm`` > 0 allows splitting a long record into 2 segments filtered side by side
    (two independent recursions run ~2x faster than one): the second segment starts
    from the steady state of the sample ``warm`` samples before it and filters those
    ``warm`` samples first.  The state error decays as ``r ** warm`` (``r`` the largest
    pole modulus): the caller chooses ``warm`` so that it is below 1e-16.  A non-finite
    output at the segment edge (NaN input left unreplaced) falls back to the plain
    recursion, so NaN propagates as with scipy.
    """
    n = x.shape[0]
    if n == 0:
        return
    direct = coef.shape[1] == 0 and not np.isfinite(fill)
    z0 = np.empty((sos.shape[0], 2))
    _start_state(x, 0, coef, wave, tail, fix, fill, unit_zi, z0)
    buf = np.empty(_BLOCK)
    seg = n // 2
    if sos.shape[0] != 2 or warm <= 0 or seg < max(_BLOCK, 8 * warm):
        _run(x, direct, 0, n, coef, wave, tail, fix, fill, sos, z0, out, 0, buf)
        return
    z = np.empty((2, 2, 2))
    z[0] = z0
    _start_state(x, seg - warm, coef, wave, tail, fix, fill, unit_zi, z[1])
    _run(x, direct, seg - warm, seg, coef, wave, tail, fix, fill, sos, z[1], out, -1, buf)
    if direct:
        _filter2(x, 0, x, seg, seg, sos, z, out, 0, seg)
    else:
        buf2 = np.empty(_BLOCK)
        for p in range(0, seg, _BLOCK):
            m = min(_BLOCK, seg - p)
            _load(x, p, m, coef, wave, tail, fix, fill, buf)
            _load(x, seg + p, m, coef, wave, tail, fix, fill, buf2)
            _filter2(buf, 0, buf2, 0, m, sos, z, out, p, seg + p)
    if 2 * seg < n:
        _run(x, direct, 2 * seg, n, coef, wave, tail, fix, fill, sos, z[1], out, 2 * seg, buf)
    if not (np.isfinite(out[seg - 1]) and np.isfinite(z[0, 0, 0]) and np.isfinite(z[0, 1, 0])):
        _start_state(x, 0, coef, wave, tail, fix, fill, unit_zi, z0)
        _run(x, direct, 0, n, coef, wave, tail, fix, fill, sos, z0, out, 0, buf)


# ------------------------------------------------------------ cardiac subtraction


@_jit_sums
def _window(y, s0, w, buf):
    """``buf[:w] = y[s0:s0 + w]`` as float64, 0 outside the record (as if zero-padded)."""
    n = y.shape[0]
    if s0 >= 0 and s0 + w <= n:
        for j in range(w):
            buf[j] = y[s0 + j]
    else:
        for j in range(w):
            k = s0 + j
            buf[j] = y[k] if 0 <= k < n else 0.0


@_jit_sums
def beat_stats(y, peaks, pre, post):
    """Per beat, of the window ``y[p - pre : p + post + 1]`` (0 outside): mean square and
    variance; and the sum over beats of the windows (float64)."""
    m = peaks.shape[0]
    w = pre + post + 1
    energy = np.empty(m)
    var = np.empty(m)
    total = np.zeros(w)
    buf = np.empty(w)
    for i in range(m):
        _window(y, peaks[i] - pre, w, buf)
        acc = 0.0
        acc2 = 0.0
        for j in range(w):
            v = buf[j]
            acc += v
            acc2 += v * v
            total[j] += v
        mu = acc / w
        d2 = 0.0
        for j in range(w):
            d = buf[j] - mu
            d2 += d * d
        energy[i] = acc2 / w
        var[i] = d2 / w
    return energy, var, total


@_jit
def _energy_core_level(tmpl, fraction):
    """Smallest squared value among the largest samples of ``tmpl`` that together hold
    ``fraction`` of its energy (0 if it has none): the core where a mean beat's energy is."""
    sq = np.sort(tmpl * tmpl)[::-1]
    total = 0.0
    for v in sq:
        total += v
    if total <= 0:
        return 0.0
    acc = 0.0
    for v in sq:
        acc += v
        if acc >= fraction * total:
            return v
    return 0.0


#: Lanczos window's half-width (lobes of the sinc kept) of the fractional shift of a beat.
LANCZOS_A = 4


@_jit
def lanczos_weights(f, a, wts):
    """``wts[q]`` (q = 0 .. 2a) such that ``out[j] = sum_q wts[q] * src[j + q - a]`` is ``src``
    delayed by ``f`` samples (|f| <= 1): the Lanczos-windowed sinc ``L(x) = sinc(x) sinc(x / a)``
    at ``x = q - a + f``, normalised to a sum of 1 (a constant is shifted unchanged)."""
    tot = 0.0
    for q in range(2 * a + 1):
        x = (q - a) + f
        if x == 0.0:
            v = 1.0
        elif abs(x) < a:
            px = np.pi * x
            v = a * np.sin(px) * np.sin(px / a) / (px * px)
        else:
            v = 0.0
        wts[q] = v
        tot += v
    for q in range(2 * a + 1):
        wts[q] /= tot


@_jit_sums
def shift_row(src, f, a, wts, out):
    """``out = src`` delayed by ``f`` samples (|f| <= 1), band-limited: ``out(t) = src(t - f)``
    interpolated by the Lanczos kernel of :func:`lanczos_weights` (the numpy formulation:
    ``_ref_lanczos_shift`` in tests/preprocessing/test_kernels.py), the edge samples repeated
    beyond the ends.  Exact
    for a constant and for whole samples; a tone at 0.15 / 0.3 x the sampling rate (30 / 60
    Hz at 200 Hz, where a QRS field has its energy) is shifted by half a sample to within
    0.9 / 1.9 % of its amplitude, where the first-order shift it replaced
    (``src - f * gradient(src)``) erred by 12 / 51 % (tests/preprocessing/test_cardiac_subsample.py)."""
    w = src.shape[0]
    lanczos_weights(f, a, wts)
    for j in range(w):
        acc = 0.0
        for q in range(2 * a + 1):
            k = j + q - a
            k = 0 if k < 0 else (w - 1 if k >= w else k)
            acc += wts[q] * src[k]
        out[j] = acc


@_jit_sums
def align_beats(y, peaks, pre, post, lag_max, good, h, aligned, lags, frac, energy, core_energy):
    """Pass 1 of ``remove_cardiac_counted``: for each beat ``i``, the running template
    (float32 mean of the ``good`` beats among ``i - h .. i + h``, windows read at lag 0),
    the integer lag in ``-lag_max .. lag_max`` maximising the correlation with it (first
    maximum, as ``argmax``), the fractional shift from the parabola through the
    correlation peak and its two neighbours (clipped to +-0.5; 0 if flat), the aligned
    window (``aligned[i]``) and its mean square (``energy[i]``).  The correlation is also
    taken one lag beyond each end of the search, so that a peak at its last lag has a
    parabola (without it the shift there was +-0.5 whatever the beat: issue 9, defect 14).
    A beat that is not ``good`` (a burst in its window) is correlated over the template's
    largest samples that hold ``core_energy`` (0-1) of its energy only
    (:func:`_energy_core_level`).  ``y`` is only read."""
    m = peaks.shape[0]
    w = pre + post + 1
    nl = 2 * lag_max + 3  # lags -lag_max - 1 .. lag_max + 1: the outer two for the parabola only
    tsum = np.zeros(w)
    tmpl = np.empty(w)
    corr = np.empty(nl)
    row = np.empty(w)
    wide = np.empty(w + nl - 1)
    cnt = 0.0
    for k in range(min(h, m)):
        if good[k]:
            _window(y, peaks[k] - pre, w, row)
            for j in range(w):
                tsum[j] += row[j]
            cnt += 1.0
    for i in range(m):
        a = i + h
        if a < m and good[a]:
            _window(y, peaks[a] - pre, w, row)
            for j in range(w):
                tsum[j] += row[j]
            cnt += 1.0
        r = i - h - 1
        if r >= 0 and good[r]:
            _window(y, peaks[r] - pre, w, row)
            for j in range(w):
                tsum[j] -= row[j]
            cnt -= 1.0
        c = max(cnt, 1.0)
        for j in range(w):
            tmpl[j] = np.float32(tsum[j] / c)
        s0 = peaks[i] - pre - lag_max - 1
        _window(y, s0, w + nl - 1, wide)
        # a beat whose window also holds a burst (not good) is aligned on the samples that
        # carry the mean beat's energy (its QRS); over the whole window the burst would
        # decide the lag (the QRS then subtracted a sample off, its slope left behind)
        lim = 0.0 if good[i] else _energy_core_level(tmpl, core_energy)
        for li in range(nl):
            acc = 0.0
            for j in range(w):
                if tmpl[j] * tmpl[j] >= lim:
                    acc += wide[li + j] * tmpl[j]
            corr[li] = acc
        best = 1
        for li in range(2, nl - 1):
            if corr[li] > corr[best]:
                best = li
        c0 = corr[best]
        cm = corr[best - 1]
        cp = corr[best + 1]
        den = cm - 2.0 * c0 + cp
        f = 0.5 * (cm - cp) / den if abs(den) > 1e-12 else 0.0
        if not np.isfinite(f):
            f = 0.0
        frac[i] = min(0.5, max(-0.5, f))
        lags[i] = best - lag_max - 1
        e = 0.0
        for j in range(w):
            v = wide[best + j]
            aligned[i, j] = v
            e += v * v
        energy[i] = e / w


@_jit_sums
def _robust_gain(a, fit, g, resid, core_energy):
    """Gain of ``fit`` in ``a`` with the samples of a muscle burst left out.

    A beat whose window also holds a burst (energy > 4x the median beat) would have its
    least-squares gain pulled by the burst: the cardiac field is then under- or
    over-subtracted and its residual, next to the burst, lengthens it.  The gain is
    refitted on the template's QRS (its largest samples holding ``core_energy`` of its
    energy, :func:`_energy_core_level`) with two passes of hard-rejection re-weighting
    (Huber, Ann Math Stat 1964): residuals beyond 3 robust standard deviations (median
    absolute residual / 0.6745, Gaussian consistency) are left out (clipped to 0-2, as
    the plain fit).
    """
    w = a.shape[0]
    core = _energy_core_level(fit, core_energy)
    for _ in range(2):
        for j in range(w):
            resid[j] = abs(a[j] - g * fit[j])
        med = np.median(resid)
        lim = 3.0 * med / 0.6745
        num = 0.0
        den = 0.0
        for j in range(w):
            if abs(a[j] - g * fit[j]) <= lim and fit[j] * fit[j] >= core:
                num += a[j] * fit[j]
                den += fit[j] * fit[j]
        if den <= 0:
            break
        g = min(2.0, max(0.0, num / den))
    return g


@_jit_sums
def subtract_beats(y, peaks, pre, aligned, good, h, lags, frac, taper, core_energy):
    """Pass 2 of ``remove_cardiac_counted``: for each beat in order, the running template of
    the good aligned windows, each brought back by its fractional lag first (float32 mean
    over ``i - h .. i + h`` of ``shift_row(aligned[k], -frac[k])``: beats on one sub-sample
    grid, so the template is not smeared by their +-0.5-sample spread), delayed by the beat's
    own fractional lag (:func:`shift_row`, band-limited), scaled by the
    least-squares gain (clipped to 0-2; 1 if the template is zero; refitted without the
    burst's samples for a beat that is not ``good``: :func:`_robust_gain`), tapered and subtracted
    from the aligned window; written to ``y`` (samples outside the record dropped; where
    windows overlap the later beat's write wins)."""
    m, w = aligned.shape
    n = y.shape[0]
    tsum = np.zeros(w)
    tmpl = np.empty(w)
    fit = np.empty(w)
    resid = np.empty(w)
    row = np.empty(w)
    wts = np.empty(2 * LANCZOS_A + 1)
    cnt = 0.0
    for k in range(min(h, m)):
        if good[k]:
            shift_row(aligned[k], -frac[k], LANCZOS_A, wts, row)
            for j in range(w):
                tsum[j] += row[j]
            cnt += 1.0
    for i in range(m):
        a = i + h
        if a < m and good[a]:
            shift_row(aligned[a], -frac[a], LANCZOS_A, wts, row)
            for j in range(w):
                tsum[j] += row[j]
            cnt += 1.0
        r = i - h - 1
        if r >= 0 and good[r]:
            shift_row(aligned[r], -frac[r], LANCZOS_A, wts, row)
            for j in range(w):
                tsum[j] -= row[j]
            cnt -= 1.0
        c = max(cnt, 1.0)
        for j in range(w):
            tmpl[j] = np.float32(tsum[j] / c)
        shift_row(tmpl, frac[i], LANCZOS_A, wts, fit)
        num = 0.0
        den = 0.0
        for j in range(w):
            num += aligned[i, j] * fit[j]
            den += fit[j] * fit[j]
        g = min(2.0, max(0.0, num / max(den, 1e-12))) if den > 0 else 1.0
        if not good[i] and den > 0:
            g = _robust_gain(aligned[i], fit, g, resid, core_energy)
        s0 = peaks[i] - pre + lags[i]
        if s0 >= 0 and s0 + w <= n:
            for j in range(w):
                y[s0 + j] = aligned[i, j] - g * fit[j] * taper[j]
        else:
            for j in range(w):
                k = s0 + j
                if 0 <= k < n:
                    y[k] = aligned[i, j] - g * fit[j] * taper[j]


# ------------------------------------------------------------------------ R-peaks


@_jit
def slope_energy(y, q, nwin):
    """QRS energy of the band-passed ECG ``y`` (float32): squared slope ``(y[i] - y[i-1]) ** 2``
    (0 at the first sample, float32 as numpy), averaged over blocks of ``q`` samples (the
    last block partial; float32 sums in sample order), then a centred moving mean over
    ``nwin`` blocks with edges repeated (``scipy.ndimage.uniform_filter1d``, mode
    "nearest": the same running float64 sum)."""
    n = y.shape[0]
    nd = (n + q - 1) // q
    p = np.empty(nd, dtype=np.float32)
    prev = y[0] if n else np.float32(0.0)  # slope 0 at the first sample
    for b in range(nd):
        s0 = b * q
        s1 = min(n, s0 + q)
        acc = np.float32(0.0)
        for i in range(s0, s1):
            v = y[i]
            d = v - prev
            acc += d * d
            prev = v
        p[b] = acc / np.float32(s1 - s0)
    if nwin <= 1 or nd == 0:
        return p
    out = np.empty(nd, dtype=np.float32)
    size1 = nwin // 2
    size2 = nwin - size1 - 1
    tmp = 0.0
    for k in range(-size1, size2 + 1):
        tmp += p[min(max(k, 0), nd - 1)]
    tmp /= nwin
    out[0] = tmp
    for i in range(1, nd):
        tmp += (np.float64(p[min(i + size2, nd - 1)]) - np.float64(p[max(i - size1 - 1, 0)])) / nwin
        out[i] = tmp
    return out


@_jit
def _block_quantile(a, qt):
    """``np.quantile(a, qt)`` (method "linear") of a finite block, from its largest values
    only (kept sorted by insertion: a high quantile needs the top few per cent)."""
    n = a.shape[0]
    vi = n * qt + (1.0 + qt * (1.0 - 1.0 - 1.0)) - 1.0
    lo = min(max(int(np.floor(vi)), 0), n - 1)
    g = vi - lo
    k = n - lo  # the k largest values: order statistics lo .. n - 1
    top = np.empty(k)
    cnt = 0
    for i in range(n):
        v = np.float64(a[i])
        if cnt < k:
            j = cnt
            cnt += 1
        elif v > top[0]:
            j = 0
            while j + 1 < k and top[j + 1] < v:
                top[j] = top[j + 1]
                j += 1
            top[j] = v
            continue
        else:
            continue
        while j > 0 and top[j - 1] > v:  # insertion while filling
            top[j] = top[j - 1]
            j -= 1
        top[j] = v
    va = top[0]
    vb = top[1] if k > 1 else top[0]
    d = vb - va
    if g >= 0.5:
        return vb - d * (1.0 - g)
    return va + d * g


@_jit
def energy_peaks(energy, blk, qt, rel, distance):
    """``scipy.signal.find_peaks(energy, height=thr, distance=distance)`` with ``thr`` =
    ``rel`` x the ``qt`` quantile of each block of ``blk`` samples: local maxima (a flat
    top at its middle sample), at or above the threshold, then the highest kept first,
    removing lower peaks closer than ``distance``."""
    n = energy.shape[0]
    nb = (n + blk - 1) // blk
    thr = np.empty(nb)
    for b in range(nb):
        thr[b] = rel * _block_quantile(energy[b * blk: min(n, (b + 1) * blk)], qt)
    # a sample below the lowest threshold of its block and all later blocks cannot be (the
    # start of the flat top of) a kept peak: skipped with one comparison
    smin = np.empty(nb)
    lowest = np.inf
    for b in range(nb - 1, -1, -1):
        lowest = min(lowest, thr[b])
        smin[b] = lowest
    cand = [np.int64(0) for _ in range(0)]
    i = 1
    i_max = n - 1
    while i < i_max:
        b = i // blk
        t = smin[b]
        stop = min(i_max, (b + 1) * blk)
        while i < stop and energy[i] < t:
            i += 1
        if i >= stop:
            continue
        if energy[i - 1] < energy[i]:
            ahead = i + 1
            while ahead < i_max and energy[ahead] == energy[i]:
                ahead += 1
            if energy[ahead] < energy[i]:
                mid = (i + ahead - 1) // 2
                if energy[mid] >= thr[mid // blk]:
                    cand.append(mid)
                i = ahead
        i += 1
    m = len(cand)
    peaks = np.empty(m, dtype=np.int64)
    heights = np.empty(m, dtype=np.float64)
    for k in range(m):
        peaks[k] = cand[k]
        heights[k] = energy[cand[k]]
    keep = np.ones(m, dtype=np.bool_)
    order = np.argsort(heights, kind="mergesort")
    dist = np.int64(np.ceil(distance))
    for r in range(m - 1, -1, -1):
        j = order[r]
        if not keep[j]:
            continue
        k = j - 1
        while k >= 0 and peaks[j] - peaks[k] < dist:
            keep[k] = False
            k -= 1
        k = j + 1
        while k < m and peaks[k] - peaks[j] < dist:
            keep[k] = False
            k += 1
    return peaks[keep]


@_jit
def peak_extremes(x, peaks, h):
    """For each peak, the window ``x[p - h : p + h + 1]`` (indices clipped to the record):
    its largest and smallest deviation from its median (float64) and the sample
    indices of its first maximum and first minimum."""
    m = peaks.shape[0]
    n = x.shape[0]
    w = 2 * h + 1
    pos = np.empty(m)
    neg = np.empty(m)
    imax = np.empty(m, dtype=np.int64)
    imin = np.empty(m, dtype=np.int64)
    buf = np.empty(w)
    for r in range(m):
        p = peaks[r]
        bi = min(max(p - h, 0), n - 1)
        ai = bi
        vmax = np.float64(x[bi])
        vmin = vmax
        for j in range(w):
            k = min(max(p - h + j, 0), n - 1)
            v = np.float64(x[k])
            buf[j] = v
            if v > vmax:
                vmax = v
                bi = k
            if v < vmin:
                vmin = v
                ai = k
        med = np.median(buf)
        pos[r] = vmax - med
        neg[r] = -(vmin - med)
        imax[r] = bi
        imin[r] = ai
    return pos, neg, imax, imin

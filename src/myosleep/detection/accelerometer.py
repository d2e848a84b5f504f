"""Jerk detection on accelerometer channels (wearables, PSG-embedded sensors).

The kinematic "jerk" is the time derivative of acceleration; a myoclonic jerk is
a brief burst of it.  Each axis is low-passed (15 Hz), differentiated, and the
magnitude of the derivative vector (g/s) is smoothed and thresholded with the
same running-baseline hysteresis as EMG.  Rows use the bursts-table schema with
``detector`` "accel"; ``peak_amplitude_uv`` etc. are NaN and the jerk magnitudes
are given in ``peak_jerk_g_per_s`` / ``baseline_g_per_s``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from ..preprocessing.artefacts import merge_runs, runs_from_mask
from ..preprocessing.envelope import block_power, running_baseline
from ..preprocessing.filters import sos_filter
from ..preprocessing.quality import quantisation
from .bursts import _already_active
from .params import AccelerometerParams

__all__ = ["unit_to_g", "find_accel_jerks", "accel_rate_problem", "dropout_runs", "flicker_jerk"]

#: Standard gravity (m/s^2), CGPM 1901.
G_M_S2 = 9.80665


def unit_to_g(unit: str) -> float | None:
    """Factor from an acceleration unit to g (``g``, ``mg``, ``m/s^2``...); None if unknown."""
    u = re.sub(r"\s+", "", str(unit)).lower().replace("²", "^2")
    if u in ("g", "gn", "g0"):
        return 1.0
    if u in ("mg",):
        return 1e-3
    if u in ("m/s^2", "m/s2", "m.s-2", "ms-2", "ms^-2", "m/s/s", "ms^2"):
        return 1.0 / G_M_S2
    return None


def accel_rate_problem(sfreq: float, params: AccelerometerParams = AccelerometerParams()) -> str | None:
    """Why an accelerometer sampled at ``sfreq`` (Hz) cannot show jerks, or None.

    A jerk's movement is a rise and a fall of acceleration: the shortest the rules read
    (``params.shortest_jerk_s``, 0.1 s) needs >= 2 sample intervals inside it, so
    ``sfreq >= params.min_sfreq`` (20 Hz).  At 5 Hz a 50-200 ms jerk is one sample or none
    (before: 19 of 53 found, durations +1.6 s); 1-Hz epoch data hold no jerk at all.
    """
    if sfreq >= params.min_sfreq:
        return None
    return (f"sampled at {sfreq:g} Hz; jerks need >= {params.min_sfreq:g} Hz (two samples inside the "
            f"shortest jerk the rules read, {1000 * params.shortest_jerk_s:.0f} ms): record the raw "
            "accelerometer, not epoch counts or a downsampled copy")


def dropout_runs(axes: Sequence[np.ndarray], sfreq: float, *, min_duration_s: float = 0.5) -> np.ndarray:
    """[start, stop) sample runs where every axis holds one value and the sensor cannot be at rest.

    EDF has no NaN: converters fill a wearable's dropouts with 0 or hold the last value.  All
    axes constant for >= ``min_duration_s`` (0.5 s, the EMG's ``flat`` rule) is a dropout when

    * every axis reads exactly 0 on a sensor of >= 3 axes: gravity gives |a| = 1 g at rest, or
    * the sensor's noise moves its code between most samples (fewer than half of the consecutive
      samples outside such runs identical, on every axis): a live sensor does not hold all its
      axes for 0.5 s.

    A coarsely quantised sensor at rest (Empatica E4: 1/64 g per code, 2 mg noise) holds its codes
    for seconds: its constant stretches are rest, not dropouts, unless they are all zero.

    Returns
    -------
    ndarray, shape (n_runs, 2), int64
    """
    n = min(a.shape[0] for a in axes)
    if n < 2 or not axes:
        return np.zeros((0, 2), dtype=np.int64)
    same = np.ones(n - 1, dtype=bool)
    for a in axes:
        a = np.asarray(a[:n], dtype=np.float64)
        same &= a[1:] == a[:-1]
    s, e = runs_from_mask(same)  # runs of equal pairs: samples s .. e are equal
    min_pairs = max(1, int(round(min_duration_s * sfreq)) - 1)
    keep = (e - s) >= min_pairs
    s, e = s[keep], e[keep] + 1  # [start, stop) in samples
    if s.size == 0:
        return np.zeros((0, 2), dtype=np.int64)
    outside = np.ones(n - 1, dtype=bool)
    for a0, a1 in zip(s.tolist(), e.tolist()):
        outside[a0:max(a0, a1 - 1)] = False
    live = bool(outside.any())
    for a in axes:
        d = np.diff(np.asarray(a[:n], dtype=np.float64))[outside]
        d = d[np.isfinite(d)]
        live &= d.size > 0 and float(np.mean(d == 0)) < 0.5
    zero = np.zeros(s.size, dtype=bool)
    if len(axes) >= 3:
        zero = np.array([all(np.asarray(a)[a0] == 0 for a in axes) for a0 in s.tolist()], dtype=bool)
    dropout = zero | live
    return np.stack([s[dropout], e[dropout]], axis=1).astype(np.int64)


def flicker_jerk(axes: Sequence[np.ndarray], sfreq: float, sos: np.ndarray) -> float:
    """The largest |d a/dt| (data unit per s) that quantisation flicker can make after the low-pass.

    A sensor at rest near a code boundary flips between adjacent codes: on one axis a flip is
    one step ``q`` in one sample, ``q x sfreq`` per s of the derivative, and no sequence of such
    flips gives the low-passed derivative more than ``q x sfreq x sum|h|`` (``h`` the low-pass's
    impulse response).  Over the axes the vector magnitude is at most
    ``sqrt(sum q_i^2) x sfreq x sum|h|``.  The multiple required is 1 of this worst case: the
    bound already holds for every sample of every flicker sequence, with no statistical margin
    needed, so a jerk that clears it is no flicker (Empatica E4: 1/64 g at 32 Hz, 0.5 g/s per
    flip, exactly the 0.5-g/s floor, gave 10,344 jerks in an hour of rest; this is 0.95 g/s).
    Steps are estimated from the data (:func:`myosleep.preprocessing.quantisation`); continuous
    data (no step) give 0.
    """
    from scipy import signal

    q2 = 0.0
    for a in axes:
        a = np.asarray(a, dtype=np.float64)
        q = quantisation(a[np.isfinite(a)]).step_uv  # the step in the data's own unit
        q2 += q * q
    if q2 == 0.0:
        return 0.0
    imp = np.zeros(max(64, int(4 * sfreq)))
    imp[0] = 1.0
    h = signal.sosfilt(sos, imp)
    return float(np.sqrt(q2) * sfreq * np.abs(h).sum())


def find_accel_jerks(axes: Sequence[np.ndarray], sfreq: float, *, scale_to_g: float | None = 1.0,
                     params: AccelerometerParams = AccelerometerParams(),
                     rejected: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """Jerks in 1-3 accelerometer axes sampled together.

    A jerk must rise above a background that was seen: a run already active when the
    record starts or when the signal comes back after a gap (NaN on any axis) is the
    device's or the filter's settling (a sensor whose first sample is 0 and the next at its
    gravity level; the low-pass of the samples filled in over a gap), not a jerk: it is
    returned in ``rejected["settling"]``.  So are runs that overlap a gap.  Dropouts written as
    constant values (:func:`dropout_runs`) are gaps too.  A jerk must clear what quantisation
    flicker can make (:func:`flicker_jerk`) as well as ``params.on_floor_g_per_s``.

    Parameters
    ----------
    axes : sequence of ndarray
        One array per axis, same length (acceleration in the unit of ``scale_to_g``).
    sfreq : float
        Sampling rate (Hz).
    scale_to_g : float | None
        Factor to g; None when the unit is unknown (the absolute floor is then not applied).
    params : AccelerometerParams
        Thresholds.
    rejected : dict | None
        When given, receives ``"settling"``: (n, 2) int array of the [start, stop) runs set
        aside as settling, in samples of the input axes (the filter's delay taken out), and
        ``"flat"``: the dropouts (:func:`dropout_runs`), read as gaps.

    Returns
    -------
    dict of arrays: onset, duration, offset_s (s), peak_jerk_g_per_s, baseline_g_per_s,
    snr, start, stop (samples), posture_s (s: pi/2 x the net change of the acceleration vector
    from the ``params.posture_window_s`` before the run to that after it, divided by the peak
    jerk: how long a smooth (cosine) movement at that peak jerk needs to move gravity that far;
    ~0 for a jerk, which returns).
    """
    from scipy import signal

    n = min(a.shape[0] for a in axes)
    sos = signal.butter(2, min(params.lowpass_hz, 0.4 * sfreq), btype="lowpass", fs=sfreq, output="sos")
    raw = [np.array(a[:n], dtype=np.float64) for a in axes]  # a copy: dropouts become NaN
    flat = dropout_runs(raw, sfreq, min_duration_s=params.flat_min_s)
    for a0, a1 in flat:  # read as a gap: its edges are settling, not jerks
        for a in raw:
            a[a0:a1] = np.nan
    flicker = flicker_jerk(raw, sfreq, sos)  # in the data's unit per s
    mag2 = np.zeros(n, dtype=np.float32)
    gap = np.zeros(n, dtype=bool)
    for a in raw:
        fin = np.isfinite(a)
        gap |= ~fin
        a = np.where(fin, a, np.nanmedian(a) if fin.any() else 0.0)
        lp = sos_filter(a, sos)
        d = np.diff(lp, prepend=lp[:1]) * np.float32(sfreq * (scale_to_g or 1.0))
        mag2 += d * d
    from scipy.ndimage import uniform_filter1d

    # The jerk of one acceleration pulse passes through 0 at the pulse's peak (a single sample at
    # 25-32 Hz): the centred window spans >= 3 samples, one each side of it, or one jerk is split.
    n_win = max(3, int(params.envelope_window_s * sfreq))
    env = np.sqrt(uniform_filter1d(mag2, size=n_win, mode="nearest"))
    nb = max(1, int(round(params.baseline_block_s * sfreq)))
    amp = np.sqrt(block_power(env, nb))
    base = running_baseline(amp, nb / sfreq, window_s=params.baseline_window_s, quantile=params.baseline_quantile)
    base = np.maximum(np.nan_to_num(base, nan=float(np.nanmedian(amp))), 1e-9)
    b = np.repeat(base.astype(np.float32), nb)[:n]
    floor = params.on_floor_g_per_s if scale_to_g is not None else 0.0
    flicker *= scale_to_g or 1.0
    floor = max(floor, flicker)  # code flicker can never make a jerk ...
    on_ok = env >= np.maximum(params.on_ratio * b, floor)
    off_ok = env >= np.maximum(params.off_ratio * b, flicker)  # ... nor keep one going (at rest on a code: b ~ 0)
    s, e = runs_from_mask(off_ok)
    # The jerk of one acceleration pulse has two lobes (its rise and its fall) with a zero at the
    # peak between them, and the floor over a quantised sensor's flicker can part them by most of
    # the pulse.  Runs less than the shortest jerk (100 ms) apart are one: no jerk fits between
    # them (and one motor event groups onsets within 100 ms anyway).
    s, e = merge_runs(s, e, max(1, int(np.ceil(params.shortest_jerk_s * sfreq))))
    on_idx = np.flatnonzero(on_ok)
    if s.size and on_idx.size:
        k = np.searchsorted(on_idx, s)
        has = k < on_idx.size
        has[has] = on_idx[k[has]] < e[has]
        keep = has & ((e - s) >= max(1, int(params.min_duration_s * sfreq)))
        s, e = s[keep], e[keep]
    else:
        s, e = s[:0], e[:0]
    # settling: active within the merge gap of the record start or of a gap's end, or over a gap
    settle = _already_active(s, gap, max(1, int(0.02 * sfreq)))
    g0, g1 = runs_from_mask(gap)
    if g0.size and s.size:
        k = np.searchsorted(g0, e, side="left")  # gaps starting before each run's end
        last_stop = np.where(k > 0, g1[np.maximum(k - 1, 0)], -1)
        settle |= last_stop > s
    # low-pass group delay (2nd-order Butterworth at 15 Hz: ~15 ms) + derivative half-sample
    w, gd = signal.group_delay(signal.sos2tf(sos), w=[min(5.0, 0.2 * sfreq)], fs=sfreq)
    delay_s = float(gd[0]) / sfreq + 0.5 / sfreq
    if rejected is not None:  # in samples of the input axes: the filter's delay taken out
        lag = int(round(delay_s * sfreq))
        rejected["flat"] = flat
        rejected["settling"] = np.stack([np.maximum(s[settle] - lag, 0), np.maximum(e[settle] - lag, 0)], axis=1)
    s, e = s[~settle], e[~settle]
    peak = np.array([float(env[a:z].max()) for a, z in zip(s, e)]) if s.size else np.zeros(0)
    bb = base[np.minimum(s // nb, base.size - 1)] if s.size else np.zeros(0)
    # The centred window lets a run begin up to half a window before the jerk (onsets a median
    # 30-34 ms early at 100-512 Hz); not taken out: the EMG's motor events group an accelerometer
    # row by its onset within EventParams.sync_window_s, and on simulated propriospinal nights the
    # later onsets left movements out of their jerks (docs/robustness.md, defect 32).
    onset = np.maximum(s / sfreq - delay_s, 0.0)
    dur = (e - s) / sfreq
    # A posture change moves the gravity vector to stay: its net change of acceleration over the
    # run, at the run's peak jerk, takes longer than a jerk lasts: a change of A over T s with a
    # cosine profile peaks at pi A / (2 T), so T = pi/2 x A / peak; a jerk returns (A ~0).
    lag = int(round(delay_s * sfreq))
    w = max(1, int(round(params.posture_window_s * sfreq)))
    net = np.zeros(s.size)
    for j, (r0, r1) in enumerate(zip((s - lag).tolist(), (e - lag).tolist())):
        d2 = 0.0
        for x in raw:
            before, after = x[max(0, r0 - w): max(0, r0)], x[max(0, r1): r1 + w]
            if np.isfinite(before).any() and np.isfinite(after).any():
                d2 += (float(np.nanmedian(after)) - float(np.nanmedian(before))) ** 2
        net[j] = np.sqrt(d2) * (scale_to_g or 1.0)
    return {"onset": onset, "duration": dur, "offset_s": onset + dur,
            "posture_s": 0.5 * np.pi * net / np.maximum(peak, 1e-12),
            "peak_jerk_g_per_s": peak, "baseline_g_per_s": bb, "snr": peak / np.maximum(bb, 1e-9),
            "start": s, "stop": e}

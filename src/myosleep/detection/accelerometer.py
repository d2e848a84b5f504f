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
from .bursts import _already_active
from .params import AccelerometerParams

__all__ = ["unit_to_g", "find_accel_jerks"]

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


def find_accel_jerks(axes: Sequence[np.ndarray], sfreq: float, *, scale_to_g: float | None = 1.0,
                     params: AccelerometerParams = AccelerometerParams(),
                     rejected: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """Jerks in 1-3 accelerometer axes sampled together.

    A jerk must rise above a background that was seen: a run already active when the
    record starts or when the signal comes back after a gap (NaN on any axis) is the
    device's or the filter's settling (a sensor whose first sample is 0 and the next at its
    gravity level; the low-pass of the samples filled in over a gap), not a jerk: it is
    returned in ``rejected["settling"]``.  So are runs that overlap a gap.

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
        aside as settling, in samples of the input axes (the filter's delay taken out).

    Returns
    -------
    dict of arrays: onset, duration, offset_s (s), peak_jerk_g_per_s, baseline_g_per_s,
    snr, start, stop (samples).
    """
    from scipy import signal

    n = min(a.shape[0] for a in axes)
    sos = signal.butter(2, min(params.lowpass_hz, 0.4 * sfreq), btype="lowpass", fs=sfreq, output="sos")
    mag2 = np.zeros(n, dtype=np.float32)
    gap = np.zeros(n, dtype=bool)
    for a in axes:
        a = np.asarray(a[:n], dtype=np.float64)
        fin = np.isfinite(a)
        gap |= ~fin
        a = np.where(fin, a, np.nanmedian(a) if fin.any() else 0.0)
        lp = sos_filter(a, sos)
        d = np.diff(lp, prepend=lp[:1]) * np.float32(sfreq * (scale_to_g or 1.0))
        mag2 += d * d
    from scipy.ndimage import uniform_filter1d

    env = np.sqrt(uniform_filter1d(mag2, size=max(1, int(params.envelope_window_s * sfreq)), mode="nearest"))
    nb = max(1, int(round(params.baseline_block_s * sfreq)))
    amp = np.sqrt(block_power(env, nb))
    base = running_baseline(amp, nb / sfreq, window_s=params.baseline_window_s, quantile=params.baseline_quantile)
    base = np.maximum(np.nan_to_num(base, nan=float(np.nanmedian(amp))), 1e-9)
    b = np.repeat(base.astype(np.float32), nb)[:n]
    floor = params.on_floor_g_per_s if scale_to_g is not None else 0.0
    on_ok = env >= np.maximum(params.on_ratio * b, floor)
    off_ok = env >= params.off_ratio * b
    s, e = runs_from_mask(off_ok)
    s, e = merge_runs(s, e, max(1, int(0.02 * sfreq)))
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
        rejected["settling"] = np.stack([np.maximum(s[settle] - lag, 0), np.maximum(e[settle] - lag, 0)], axis=1)
    s, e = s[~settle], e[~settle]
    peak = np.array([float(env[a:z].max()) for a, z in zip(s, e)]) if s.size else np.zeros(0)
    bb = base[np.minimum(s // nb, base.size - 1)] if s.size else np.zeros(0)
    onset = np.maximum(s / sfreq - delay_s, 0.0)
    return {"onset": onset, "duration": (e - s) / sfreq, "offset_s": onset + (e - s) / sfreq,
            "peak_jerk_g_per_s": peak, "baseline_g_per_s": bb, "snr": peak / np.maximum(bb, 1e-9),
            "start": s, "stop": e}

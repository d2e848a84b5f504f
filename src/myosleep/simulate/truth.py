"""Reading a simulated night's truth against what myosleep found: shared by tests and benchmarks."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["resting_rms_before", "cortical_lead_truth", "edge_time_bound_s", "p90_floor_s"]


def resting_rms_before(x: np.ndarray, sfreq: float, onsets_s: np.ndarray) -> np.ndarray:
    """Resting RMS (uV) of a raw channel in the 2 s before each onset: the median of its 100-ms RMS.

    The background each true burst stands on, to keep the bursts a detector can be asked to
    find (e.g. peak >= 3x this).  NaN where fewer than 100 ms precede the onset.
    """
    n = int(0.1 * sfreq)
    out = []
    for o in np.asarray(onsets_s, dtype=float):
        seg = np.asarray(x[max(0, int((o - 2.0) * sfreq)): max(0, int(o * sfreq))], dtype=float)
        m = seg[: (seg.size // n) * n].reshape(-1, n)
        out.append(float(np.median(np.sqrt(np.mean((m - m.mean(axis=1, keepdims=True)) ** 2, axis=1))))
                   if m.size else np.nan)
    return np.array(out)


def cortical_lead_truth(truth_events: pd.DataFrame, events: pd.DataFrame, muscle: str
                        ) -> tuple[float, float, int, int]:
    """The simulation's EEG lead over the jerks of ``muscle`` that analyze called cortical.

    Each ``cortical_myoclonus`` row of ``events`` whose first channel is ``muscle`` is matched to
    the true cortical jerk with the nearest onset (< 50 ms).  Returns the mean true lead (ms, the
    simulated EEG transient's peak to the true EMG onset, ``eeg_lead_ms``), detection's median
    onset error over those jerks (detected - true, ms), the number matched and the number of rows.
    """
    truth = truth_events[truth_events["trial_type"] == "cortical_myoclonus"]
    on_true = truth["onset"].to_numpy(float)
    ev = events[(events["trial_type"] == "cortical_myoclonus")
                & (events["channel"].map(lambda c: c[0] if len(c) else "") == muscle)]
    leads, errors = [], []
    for on in ev["onset"].to_numpy(float):
        k = int(np.argmin(np.abs(on_true - on)))
        if abs(on_true[k] - on) < 0.05:
            leads.append(float(truth["eeg_lead_ms"].iloc[k]))
            errors.append(1000.0 * (on - on_true[k]))
    return float(np.mean(leads)), float(np.median(errors)), len(leads), len(ev)


def edge_time_bound_s(slope_per_s: np.ndarray | float, sfreq: float, *, level_ratio: np.ndarray | float = 2.0,
                      peak_ratio: np.ndarray | float = 10.0) -> np.ndarray:
    """Cramer-Rao bound (s, standard deviation) on the time of one burst edge read from the EMG.

    EMG is a random signal: a Gaussian interference pattern whose power ``P(t)`` carries the
    envelope, each degree of freedom of the recorded band (``2 x bandwidth`` per second,
    :func:`myosleep.preprocessing.filters.emg_band_hz`) a chi-square sample of it.  At an
    edge the burst's own power ``own(t)**2`` rises or falls exponentially at ``2 x
    slope_per_s`` (the amplitude's |d ln A / dt|, as the truth's ``onset_log_slope_per_s``)
    over a resting RMS ``R``: ``P = R**2 + own**2``, from the burst's peak (``peak_ratio`` x
    R) down into the background.  The rule places the edge where ``sqrt(P)`` crosses
    ``level_ratio`` x R (2 for a phasic burst; (R + 8 uV) / R, (R + 2 uV) / R for an AASM
    leg movement).  With ``R`` known and the edge's amplitude and slope unknown (the two
    parameters of the exponential), the Fisher information of the crossing time gives the
    smallest standard deviation any unbiased reading of the trace can have:
    ``sqrt([J^-1]_aa / (rho x slope))``, ``J`` the information of (log amplitude, slope) in
    units of the e-folding time, ``rho`` the degrees of freedom per second.  It grows as
    ``1 / sqrt(slope)``: at 200 Hz (10-80 Hz band) 18 ms at 10/s, 26 ms at 5/s; at >= 500 Hz
    (10-200 Hz) 11 and 16 ms.  An envelope that is not exponential, an ``R`` to be estimated
    and correlated samples only raise it.
    """
    from scipy.integrate import trapezoid

    from ..preprocessing.filters import emg_band_hz

    lo, hi = emg_band_hz(float(sfreq))
    rho = 2.0 * (hi - lo)
    slope, lvl, peak = np.broadcast_arrays(np.asarray(slope_per_s, dtype=float),
                                           np.asarray(level_ratio, dtype=float), np.asarray(peak_ratio, dtype=float))
    out = np.full(slope.shape, np.nan)
    for idx in np.ndindex(slope.shape):
        c = lvl[idx] ** 2 - 1.0  # the burst's own power at the level, in units of R**2
        if not (slope[idx] > 0 and c > 0 and peak[idx] ** 2 > c):
            continue
        # v = 2 x slope x t from the crossing: own**2 = c exp(-v), from the peak (v0 < 0) into the background
        v = np.linspace(-np.log(peak[idx] ** 2 / c), 60.0, 24001)
        f = c * np.exp(-v) / (1.0 + c * np.exp(-v))  # d ln P / d(log amplitude)
        f2 = f * f
        jm = np.array([[trapezoid(f2, v), trapezoid(v * f2, v)],
                       [trapezoid(v * f2, v), trapezoid(v * v * f2, v)]])
        out[idx] = float(np.sqrt(np.linalg.inv(jm)[0, 0] / (rho * slope[idx])))
    return out


def p90_floor_s(sd_s: np.ndarray) -> float:
    """90th percentile of |error| (s) for errors drawn, one per burst, from N(0, ``sd_s[i]``).

    The floor a population of bursts sets on the 90th percentile of |duration error| when
    each is read at its Cramer-Rao bound (:func:`edge_time_bound_s`; a duration's bound is
    the root sum of squares of its two edges').  NaN bounds are left out.
    """
    from scipy.special import erf

    sd = np.asarray(sd_s, dtype=float)
    sd = sd[np.isfinite(sd) & (sd > 0)]
    if sd.size == 0:
        return float("nan")
    lo, hi = 0.0, 5.0 * float(sd.max())
    for _ in range(60):
        q = 0.5 * (lo + hi)
        if float(np.mean(erf(q / (np.sqrt(2.0) * sd)))) < 0.9:
            lo = q
        else:
            hi = q
    return 0.5 * (lo + hi)

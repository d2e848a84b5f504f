"""Non-muscle stretches and transients: NaN, flat, clipped, disconnected, electrode pops.

All functions are vectorised (mask -> runs without per-sample loops, as in MNE's
``_mask_to_onsets_offsets``) and return sample-index runs ``(starts, stops)``,
``stops`` exclusive.

Electrode pops versus muscle
----------------------------
A pop is a sudden change of electrode-skin impedance: a step or a single sharp
spike in the *raw* signal that decays exponentially (tens to hundreds of ms).
After the 10-200 Hz band-pass it leaves a short ringing transient that the burst
detector sees as a candidate.  Muscle is an interference pattern of many motor
unit potentials: a zero-mean 20-200 Hz oscillation with many turns and zero
crossings, and no large slow deflection (De Luca 1997; Willison turns analysis,
J Neurol Neurosurg Psychiatry 1964).  A candidate is a pop when its raw signal, low-passed below 10 Hz, deflects by
more than ``lf_ratio`` (0.5) times the candidate's band-passed peak amplitude - a
step or an exponential tail carries its energy below the EMG band, whereas
surface EMG has little power below 10 Hz (De Luca 1997; measured here: real
voluntary bursts of the BioSPPy recording 0.05-0.39, simulated muscle bursts
0.03-0.1, simulated pops 0.49 and above) - **and** it lacks the interference pattern:
fewer than ``min_zc_per_s`` zero crossings per second of candidate (ringing of the
10-Hz high-pass, not 20-200 Hz muscle), or at most ``max_spike_turns`` turns
larger than half its peak (a single spike and its ringing).  Requiring the slow
deflection in both cases keeps brief, spiky true potentials, which have none.
"""

from __future__ import annotations

import numpy as np

__all__ = ["runs_from_mask", "nan_runs", "flat_runs", "clipped_runs", "merge_runs",
           "pop_features", "is_electrode_pop", "PopCriteria", "slow_component",
           "lazy_slow_component"]

import functools
from dataclasses import dataclass


def runs_from_mask(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and (exclusive) stop indices of the True runs of a boolean mask."""
    m = np.asarray(mask, dtype=bool)
    if m.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    # one comparison pass: positions where the mask changes, then their direction
    t = np.flatnonzero(m[1:] != m[:-1]) + 1
    rising = m[t]
    starts, stops = t[rising], t[~rising]
    if m[0]:
        starts = np.concatenate([[0], starts])
    if m[-1]:
        stops = np.concatenate([stops, [m.size]])
    return starts.astype(np.int64), stops.astype(np.int64)


def merge_runs(starts: np.ndarray, stops: np.ndarray, max_gap: int) -> tuple[np.ndarray, np.ndarray]:
    """Merge runs separated by fewer than ``max_gap`` samples."""
    if starts.size == 0:
        return starts, stops
    gaps = starts[1:] - stops[:-1]
    brk = np.flatnonzero(gaps >= max_gap)
    new_starts = np.concatenate([starts[:1], starts[brk + 1]])
    new_stops = np.concatenate([stops[brk], stops[-1:]])
    return new_starts, new_stops


def _keep_long(starts: np.ndarray, stops: np.ndarray, min_len: int) -> tuple[np.ndarray, np.ndarray]:
    keep = (stops - starts) >= min_len
    return starts[keep], stops[keep]


def nan_runs(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Runs of non-finite samples (NaN, inf)."""
    return runs_from_mask(~np.isfinite(np.asarray(x)))


def flat_runs(x: np.ndarray, sfreq: float, *, min_duration_s: float = 0.5,
              tolerance_uv: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Runs of at least ``min_duration_s`` (s) where consecutive samples differ by <= ``tolerance_uv``.

    Living muscle and any working amplifier show noise of the order of 1 uV
    (IEC 60601-2-26 allows up to 6 uV peak-to-valley input noise); an unchanged
    value for 0.5 s (>= 50 samples at 100 Hz) is a disconnected, saturated or
    zero-padded channel.
    """
    x = np.asarray(x)
    if x.size < 2:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    if tolerance_uv == 0:
        # one comparison pass; |x[i+1] - x[i]| <= 0 is x[i+1] == x[i] except for equal
        # infinities (inf - inf is NaN), whose runs are dropped below
        same = x[1:] == x[:-1]
    else:
        same = np.abs(np.diff(x)) <= tolerance_uv
    s, e = runs_from_mask(same)
    del same
    e = e + 1  # a run of k equal differences spans k+1 samples
    s, e = _keep_long(s, e, max(2, int(round(min_duration_s * sfreq))))
    if tolerance_uv == 0 and s.size:
        fin = np.isfinite(x[s])
        s, e = s[fin], e[fin]
    return s, e


def clipped_runs(x: np.ndarray, *, low: float | None, high: float | None,
                 min_samples: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Runs of >= ``min_samples`` samples at or beyond the amplifier range ``[low, high]`` (uV).

    With ``low``/``high`` None the observed extremes are used, but only when they are
    reached for at least ``min_samples`` consecutive samples (a rail, not a peak).
    The edge tolerance is 0.1 % of the range (one digital step of a 10-bit ADC).
    """
    x = np.asarray(x)
    if low is None or high is None:
        lo_obs, hi_obs = float(np.min(x)), float(np.max(x))  # NaN if any sample is NaN
        if not (np.isfinite(lo_obs) and np.isfinite(hi_obs)):
            finite = x[np.isfinite(x)]
            if finite.size == 0:
                return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
            lo_obs, hi_obs = float(finite.min()), float(finite.max())
    lo = lo_obs if low is None else float(low)
    hi = hi_obs if high is None else float(high)
    if hi <= lo:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    tol = 1e-3 * (hi - lo)
    with np.errstate(invalid="ignore"):
        mask = (x >= hi - tol) | (x <= lo + tol)
    s, e = runs_from_mask(mask)
    return _keep_long(s, e, min_samples)


@dataclass(frozen=True)
class PopCriteria:
    """Thresholds telling an electrode pop from a muscle burst (see module docstring).

    Attributes
    ----------
    lf_ratio : float
        Slow (< 10 Hz) raw deflection over band-passed peak amplitude above which a
        candidate has a step/tail (dimensionless).
    min_zc_per_s : float
        Muscle's interference pattern crosses zero > 40 times per second (mean
        power frequency of surface EMG 50-120 Hz -> ~100-240 crossings/s, De Luca
        1997); the ringing of a 10-Hz high-pass crosses ~20-40 times per second.
    max_spike_turns : int
        A single spike and its ringing make at most 3 turns above half the peak.
    """

    lf_ratio: float = 0.5
    min_zc_per_s: float = 40.0
    max_spike_turns: int = 3


class _RawSlow:
    """Lazy slow component: low-passes only the stretch around each candidate."""

    def __init__(self, raw: np.ndarray, sfreq: float):
        self.raw = raw
        self.sfreq = float(sfreq)

    def around(self, start: int, stop: int, sfreq: float) -> tuple[np.ndarray, int, int]:
        """The slow component of [start - 1 s, stop + 0.2 s) and the shifted candidate bounds."""
        a = max(0, start - int(1.0 * sfreq))
        b = min(self.raw.shape[0], stop + int(0.2 * sfreq))
        return slow_component(self.raw[a:b], sfreq), start - a, stop - a


def lazy_slow_component(raw: np.ndarray, sfreq: float) -> _RawSlow:
    """A stand-in for :func:`slow_component` that filters only around candidates (fast on long records).

    The 1 s of lead-in lets the causal 10-Hz low-pass settle before the candidate.
    """
    return _RawSlow(raw, sfreq)


def slow_component(raw: np.ndarray, sfreq: float) -> np.ndarray:
    """Raw signal low-passed below 10 Hz (causal, float32): where steps and tails live."""
    from .filters import sos_filter

    raw = np.asarray(raw)
    bad = ~np.isfinite(raw)
    if bad.any():
        raw = np.where(bad, float(np.median(raw[~bad])) if (~bad).any() else 0.0, raw)
    return sos_filter(raw, _lowpass_sos(float(sfreq)))


def pop_features(slow: np.ndarray, filt: np.ndarray, sfreq: float, start: int,
                 stop: int) -> tuple[float, float, int]:
    """Features of one candidate ``[start, stop)``: (lf_ratio, zero crossings per s, large turns).

    ``slow`` is :func:`slow_component` of the raw signal, ``filt`` the band-passed
    signal (uV), same sampling.  The slow deflection is measured from the median of
    the 100 ms before the candidate to the largest excursion up to 150 ms after its
    end (the causal low-pass lags a step by ~30 ms).
    """
    s0, s1 = start, stop
    if isinstance(slow, _RawSlow):
        slow, s0, s1 = slow.around(start, stop, sfreq)
    n = slow.shape[0]
    pre = slow[max(0, s0 - int(0.1 * sfreq)): max(1, s0)]
    ref = float(np.median(pre)) if pre.size else float(slow[s0])
    seg = slow[s0: min(n, s1 + int(0.15 * sfreq))]
    lf_dev = float(np.max(np.abs(seg - ref))) if seg.size else 0.0
    core = np.asarray(filt[start:stop], dtype=np.float64)
    peak = float(np.max(np.abs(core))) if core.size else 0.0
    lf_ratio = lf_dev / peak if peak > 0 else 0.0
    dur_s = max((stop - start) / sfreq, 1.0 / sfreq)
    zc = int(np.count_nonzero(np.diff(np.signbit(core)))) if core.size > 1 else 0
    d = np.diff(core)
    ext = np.flatnonzero(np.diff(np.signbit(d))) + 1 if d.size > 1 else np.zeros(0, dtype=int)
    vals = core[ext] if ext.size else core[:0]
    turns = int(np.count_nonzero(np.abs(vals) >= 0.5 * peak)) if peak > 0 else 0
    return lf_ratio, zc / dur_s, turns


@functools.lru_cache(maxsize=32)
def _lowpass_sos(sfreq: float) -> np.ndarray:
    """2nd-order 10-Hz low-pass, designed once per sampling rate (Hz): the pop test runs per candidate."""
    from scipy import signal

    return signal.butter(2, min(10.0, 0.4 * sfreq), btype="lowpass", fs=sfreq, output="sos")


def is_electrode_pop(slow: np.ndarray, filt: np.ndarray, sfreq: float, start: int, stop: int,
                     *, criteria: PopCriteria = PopCriteria()) -> bool:
    """True if candidate ``[start, stop)`` is an electrode pop rather than muscle (see module docstring)."""
    lf_ratio, zc_rate, turns = pop_features(slow, filt, sfreq, start, stop)
    if lf_ratio < criteria.lf_ratio:
        return False
    return zc_rate < criteria.min_zc_per_s or turns <= criteria.max_spike_turns

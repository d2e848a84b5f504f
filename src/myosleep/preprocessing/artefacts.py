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
J Neurol Neurosurg Psychiatry 1964).  A candidate is a pop when either test holds:

1. **Slow deflection without interference pattern.**  Its raw signal, low-passed
   below 10 Hz, deflects by more than ``lf_ratio`` (0.5) times the candidate's
   band-passed peak amplitude - a step or an exponential tail carries its energy
   below the EMG band, whereas surface EMG has little power below 10 Hz (De Luca
   1997; measured here: real voluntary bursts of the BioSPPy recording 0.05-0.39,
   simulated muscle bursts 0.03-0.1, simulated pops 0.45 and above) - **and** it
   lacks the interference pattern: fewer than ``min_zc_per_s`` zero crossings per
   second of candidate (ringing of the 10-Hz high-pass, not 20-200 Hz muscle), or
   at most ``max_spike_turns`` turns larger than half its peak (a single spike and
   its ringing).

2. **A monophasic transient with a tail of its own sign.**  A spike whose tail is
   smaller than half the spike's band-passed peak fails test 1, so the shape is
   tested on the raw signal with its < 10 Hz part removed (``raw - slow``: no
   low-pass ringing, which at 200-256 Hz gives a band-passed spike an opposite
   lobe of 0.7-1.0 x its peak).  Surface EMG is recorded differentially (two
   electrodes over the muscle): each motor unit potential is the difference of
   two delayed copies of the propagating potential, so its net area is zero and
   its opposite phases are of comparable size; the most asymmetric standard
   surface-MUAP shape, the triphasic 2nd-order Hermite-Rodriguez function (Lo
   Conte et al., IEEE TBME 1994), has side phases of 0.45 x its main phase, and an
   interference pattern of many units is more symmetric still (measured: BioSPPy
   candidates >= 0.32, simulated muscle >= 0.30, band-limited single HR1/HR2 MUAPs
   >= 0.28 at 200-2048 Hz).  A pop is one-signed: its only
   opposite excursion is the noise and the complementary low-pass's 4 %
   undershoot (measured 0.04-0.23).  So a candidate whose largest opposite-sign
   excursion in ``raw - slow`` is at most ``max_opposite_ratio`` (0.25) of its
   largest one, with at most ``max_spike_turns`` large turns in the band-passed
   signal, **and** whose slow deflection has the same sign and at least
   ``min_tail_ratio`` (0.2) x the band-passed peak (the tail: muscle measured
   median 0.07), is a pop.

Requiring a slow deflection in both tests keeps brief, spiky true potentials,
which have none (a single triphasic MUAP: < 0.1 at 512-2048 Hz).

**Two phases.**  Below 200 Hz (the AASM minimum; SHHS records the chin at 125 Hz, many older
systems at 128 Hz) the recorded band narrows to 10 Hz - ~0.4 x the rate, the band-passed peak of
muscle shrinks with it, and its own leakage through the 10-Hz low-pass reaches 0.5 x that peak:
real voluntary and resting EMG of the BioSPPy recording resampled to 100-128 Hz had 15-35 % of its
candidates called pops by test 1, with few large turns in so few samples.  At 200 Hz brief limb
bursts and the residues of subtracted heartbeats on infants' arm leads passed test 1 too.  What
does not depend on the rate is the differential recording: so a candidate that meets test 1 but
whose opposite-sign excursion in ``raw - slow`` reaches ``biphasic_ratio`` (0.45, the side phase
of the most asymmetric differential MUAP above) of its largest is not a pop - a step's is the
low-pass's 4 % undershoot (simulated pops at 128-2048 Hz: <= 0.22) - but a **two-phase**
transient (:func:`pop_verdict`): on a heartbeat's QRS complex it is what the subtraction left of
the beat (a QRS is biphasic too; the detector sets it aside, unlisted), elsewhere muscle.  A
candidate of one or two samples shows no phases at all: the shape is read on at least
``min_shape_samples`` (3: two phases and the sample between) centred on it.
"""

from __future__ import annotations

import numpy as np

__all__ = ["runs_from_mask", "nan_runs", "flat_runs", "clipped_runs", "merge_runs",
           "pop_features", "is_electrode_pop", "pop_verdict", "PopCriteria", "slow_component",
           "lazy_slow_component", "PopFeatures"]

import functools
from dataclasses import dataclass
from typing import NamedTuple


def runs_from_mask(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and (exclusive) stop indices of the True runs of a boolean mask."""
    m = np.asarray(mask, dtype=bool)
    if m.ndim == 1 and m.size >= _KERNEL_MIN_SAMPLES:
        from ._kernels import mask_runs

        return mask_runs(np.ascontiguousarray(m))
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
    x = _as_float(x)
    return _scan_runs(x, nan=True)[0]


#: Below this many samples the numpy formulations are as fast as a kernel call.
_KERNEL_MIN_SAMPLES = 4096


def _as_float(x: np.ndarray) -> np.ndarray:
    """``x`` as a 1-D contiguous float32 or float64 array (other dtypes as float64)."""
    x = np.asarray(x)
    if x.dtype not in (np.float32, np.float64):
        x = x.astype(np.float64)
    return np.ascontiguousarray(x)


def _in_dtype(x: np.ndarray, v: float):
    """``v`` in the dtype of ``x``, as numpy compares an array with a Python float (NEP 50)."""
    with np.errstate(over="ignore"):
        return x.dtype.type(v)


def _scan_runs(x: np.ndarray, *, nan: bool = False, flat: tuple[float, int] | None = None,
               rails: tuple[float, float, int] | None = None):
    """NaN, flat ``(tolerance_uv, min_samples)`` and rail ``(low, high, min_samples)`` runs
    of float ``x`` (:func:`_as_float`) in one pass of the numba kernel ``scan_runs``;
    returns three ``(starts, stops)`` pairs (empty for the kinds not asked)."""
    from ._kernels import scan_runs

    tol, flat_min = flat if flat is not None else (0.0, 1)
    lo, hi, clip_min = rails if rails is not None else (-np.inf, np.inf, 1)
    r = scan_runs(x, nan, flat is not None, _in_dtype(x, tol), tol == 0, int(flat_min), rails is not None,
                  _in_dtype(x, lo), _in_dtype(x, hi), int(clip_min))
    return (r[0], r[1]), (r[2], r[3]), (r[4], r[5])


def flat_runs(x: np.ndarray, sfreq: float, *, min_duration_s: float = 0.5,
              tolerance_uv: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Runs of at least ``min_duration_s`` (s) where consecutive samples differ by <= ``tolerance_uv``.

    Living muscle and any working amplifier show noise of the order of 1 uV
    (IEC 60601-2-26 allows up to 6 uV peak-to-valley input noise); an unchanged
    value for 0.5 s (>= 50 samples at 100 Hz) is a disconnected, saturated or
    zero-padded channel.
    """
    x = _as_float(x)
    if x.size < 2:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    # one kernel pass: |x[i+1] - x[i]| <= tolerance (tolerance 0: x[i+1] == x[i], runs of
    # equal infinities dropped); a run of k small differences spans k+1 samples
    return _scan_runs(x, flat=(float(tolerance_uv), max(2, int(round(min_duration_s * sfreq)))))[1]


def clipped_runs(x: np.ndarray, *, low: float | None, high: float | None,
                 min_samples: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Runs of >= ``min_samples`` samples at or beyond the amplifier range ``[low, high]`` (uV).

    With ``low``/``high`` None the observed extremes are used, but only when they are
    reached for at least ``min_samples`` consecutive samples (a rail, not a peak).
    The edge tolerance is 0.1 % of the range (one digital step of a 10-bit ADC).
    """
    x = _as_float(x)
    limits = _rail_limits(x, low, high)
    if limits is None:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return _scan_runs(x, rails=(limits[0], limits[1], min_samples))[2]


def _rail_limits(x: np.ndarray, low: float | None, high: float | None) -> tuple[float, float] | None:
    """The thresholds of :func:`clipped_runs` (``x <= lo``, ``x >= hi``), None if no rail can be found."""
    if x.size == 0:
        return None
    if low is None or high is None:
        lo_obs, hi_obs = float(np.min(x)), float(np.max(x))  # NaN if any sample is NaN
        if not (np.isfinite(lo_obs) and np.isfinite(hi_obs)):
            finite = x[np.isfinite(x)]
            if finite.size == 0:
                return None
            lo_obs, hi_obs = float(finite.min()), float(finite.max())
    lo = lo_obs if low is None else float(low)
    hi = hi_obs if high is None else float(high)
    if hi <= lo:
        return None
    tol = 1e-3 * (hi - lo)
    return lo + tol, hi - tol


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
    max_opposite_ratio : float
        Test 2: largest opposite-sign excursion of ``raw - slow`` over its largest
        excursion at or below which the candidate is monophasic (dimensionless; a
        differential surface MUAP >= 0.45, a pop ~0.04 + noise).
    min_tail_ratio : float
        Test 2: slow deflection of the peak's sign, over the band-passed peak, at or
        above which the monophasic transient has a tail (dimensionless).
    biphasic_ratio : float
        Test 1 is not met by a candidate whose opposite-sign excursion of ``raw - slow``
        is at least this fraction of its largest (a differential MUAP's side phase, 0.45:
        the triphasic Hermite-Rodriguez shape, Lo Conte et al. 1994).
    min_shape_samples : int
        Fewest samples the shape is read on: a shorter candidate is widened about its
        centre (two phases need three samples).
    """

    lf_ratio: float = 0.5
    min_zc_per_s: float = 40.0
    max_spike_turns: int = 3
    max_opposite_ratio: float = 0.25
    min_tail_ratio: float = 0.2
    biphasic_ratio: float = 0.45
    min_shape_samples: int = 3


class PopFeatures(NamedTuple):
    """Features of one candidate (see :func:`pop_features`)."""

    lf_ratio: float
    zc_per_s: float
    turns: int
    opposite_ratio: float
    tail_same_sign: bool


class _RawSlow:
    """Lazy slow component: low-passes only the stretch around each candidate."""

    def __init__(self, raw: np.ndarray, sfreq: float, beats: np.ndarray | None = None):
        self.raw = raw
        self.sfreq = float(sfreq)
        self.beats = np.zeros(0, dtype=np.int64) if beats is None else np.asarray(beats, dtype=np.int64)

    def around(self, start: int, stop: int, sfreq: float) -> tuple[np.ndarray, int, int]:
        """The slow component of [start - 1 s, stop + 0.2 s) and the shifted candidate bounds."""
        slow, _, s0, s1 = self.around_raw(start, stop, sfreq)
        return slow, s0, s1

    def around_raw(self, start: int, stop: int, sfreq: float) -> tuple[np.ndarray, np.ndarray, int, int]:
        """As :meth:`around`, with the raw stretch itself (same samples as the slow component).

        With ``beats``, a candidate within a beat's cardiac window has the cardiac field
        removed from its raw stretch first: the sample-wise median of the same stretch
        around the neighbouring beats (each referenced to its own median), so that the
        QRS's own slow and monophasic content is not taken for a pop's tail or spike.
        """
        a = max(0, start - int(1.0 * sfreq))
        b = min(self.raw.shape[0], stop + int(0.2 * sfreq))
        raw = self.raw[a:b]
        ref = self._cardiac_reference(start, a, b, sfreq)
        if ref is not None:
            raw = np.asarray(raw, dtype=np.float64) - ref
        return slow_component(raw, sfreq), raw, start - a, stop - a

    def _cardiac_reference(self, start: int, a: int, b: int, sfreq: float) -> np.ndarray | None:
        beats = self.beats
        if beats.size < 2 * _CARDIAC_MIN_NEIGHBOURS + 1:
            return None
        pre, post = int(round(_CARDIAC_PRE_S * sfreq)), int(round(_CARDIAC_POST_S * sfreq))
        k = int(np.searchsorted(beats, start + pre, side="right")) - 1
        if k < 0 or not (beats[k] - pre <= start <= beats[k] + post):
            return None
        nb = np.concatenate([beats[max(0, k - _CARDIAC_NEIGHBOURS):k], beats[k + 1:k + 1 + _CARDIAC_NEIGHBOURS]])
        s0 = nb + (a - int(beats[k]))
        n = self.raw.shape[0]
        s0 = s0[(s0 >= 0) & (s0 + (b - a) <= n)]
        if s0.size < _CARDIAC_MIN_NEIGHBOURS:
            return None
        segs = self.raw[s0[:, None] + np.arange(b - a)[None, :]].astype(np.float64)
        if not np.isfinite(segs).all():
            return None
        segs -= np.median(segs, axis=1, keepdims=True)
        return np.median(segs, axis=0)


#: Cardiac window (s before / after the R-peak) and neighbouring beats used to remove
#: the cardiac field from a candidate's raw stretch (as the subtraction and the cardiac gate).
_CARDIAC_PRE_S, _CARDIAC_POST_S = 0.1, 0.2
_CARDIAC_NEIGHBOURS, _CARDIAC_MIN_NEIGHBOURS = 10, 6


def lazy_slow_component(raw: np.ndarray, sfreq: float, *, beats: np.ndarray | None = None) -> _RawSlow:
    """A stand-in for :func:`slow_component` that filters only around candidates (fast on long records).

    The 1 s of lead-in lets the causal 10-Hz low-pass settle before the candidate.
    ``beats`` (sample indices, e.g. ``PreprocessedEMG.beats``): where the lead carries a
    cardiac field, a candidate on a beat is tested on the raw signal minus the median of
    its neighbouring beats (a QRS of 50 uV low-passed at 10 Hz deflects by ~10 uV, as a
    small pop's tail would).  ``detect_channel`` gives the beats it subtracted: a muscle
    potential just before a beat was otherwise taken for a pop at 200-256 Hz (issue 9,
    defect 14; tests/detection/test_cardiac_low_rate.py).
    """
    return _RawSlow(raw, sfreq, beats)


def slow_component(raw: np.ndarray, sfreq: float) -> np.ndarray:
    """Raw signal low-passed below 10 Hz (causal, float32): where steps and tails live."""
    from .filters import sos_filter

    raw = np.asarray(raw)
    bad = ~np.isfinite(raw)
    if bad.any():
        raw = np.where(bad, float(np.median(raw[~bad])) if (~bad).any() else 0.0, raw)
    return sos_filter(raw, _lowpass_sos(float(sfreq)))


def pop_features(slow: np.ndarray | _RawSlow, filt: np.ndarray, sfreq: float, start: int,
                 stop: int, *, raw: np.ndarray | None = None) -> PopFeatures:
    """Features of one candidate ``[start, stop)`` (see the module docstring).

    ``slow`` is :func:`slow_component` of the raw signal (or :func:`lazy_slow_component`,
    which also gives the raw signal), ``filt`` the band-passed signal (uV), same
    sampling; ``raw`` the raw signal (uV), needed for ``opposite_ratio`` when ``slow``
    is an array (NaN without it).  The slow deflection is measured from the median
    of the 100 ms before the candidate to the largest excursion up to 150 ms after
    its end (the causal low-pass lags a step by ~30 ms).

    Returns
    -------
    PopFeatures
        ``lf_ratio`` (slow deflection / band-passed peak), ``zc_per_s`` (zero
        crossings per s of the band-passed candidate), ``turns`` (band-passed turns
        larger than half its peak), ``opposite_ratio`` (largest opposite-sign over
        largest excursion of ``raw - slow`` in the candidate), ``tail_same_sign``
        (the slow deflection has the sign of that largest excursion).
    """
    s0, s1 = start, stop
    raw_seg: np.ndarray | None
    if isinstance(slow, _RawSlow):
        slow, raw_seg, s0, s1 = slow.around_raw(start, stop, sfreq)
    else:
        raw_seg = None if raw is None else np.asarray(raw)
    n = slow.shape[0]
    pre = slow[max(0, s0 - int(0.1 * sfreq)): max(1, s0)]
    ref = float(np.median(pre)) if pre.size else float(slow[s0])
    seg = slow[s0: min(n, s1 + int(0.15 * sfreq))]
    if seg.size:
        k = int(np.argmax(np.abs(seg - ref)))
        lf_signed = float(seg[k]) - ref
    else:
        lf_signed = 0.0
    lf_dev = abs(lf_signed)
    core = np.asarray(filt[start:stop], dtype=np.float64)
    peak = float(np.max(np.abs(core))) if core.size else 0.0
    lf_ratio = lf_dev / peak if peak > 0 else 0.0
    dur_s = max((stop - start) / sfreq, 1.0 / sfreq)
    zc = int(np.count_nonzero(np.diff(np.signbit(core)))) if core.size > 1 else 0
    d = np.diff(core)
    ext = np.flatnonzero(np.diff(np.signbit(d))) + 1 if d.size > 1 else np.zeros(0, dtype=int)
    vals = core[ext] if ext.size else core[:0]
    turns = int(np.count_nonzero(np.abs(vals) >= 0.5 * peak)) if peak > 0 else 0
    opposite, same_sign = float("nan"), False
    if raw_seg is not None and s1 > s0:
        # the raw candidate without its < 10 Hz part: the spike or step itself, no ringing
        hp = np.asarray(raw_seg[s0:s1], dtype=np.float64) - slow[s0:s1]
        if np.isfinite(hp).all():
            j = int(np.argmax(np.abs(hp)))
            big = float(hp[j])
            if big != 0.0:
                opposite = float(max(0.0, np.max(-np.sign(big) * hp))) / abs(big)
                same_sign = lf_signed * big > 0
    return PopFeatures(lf_ratio, zc / dur_s, turns, opposite, bool(same_sign))


@functools.lru_cache(maxsize=32)
def _lowpass_sos(sfreq: float) -> np.ndarray:
    """2nd-order 10-Hz low-pass, designed once per sampling rate (Hz): the pop test runs per candidate."""
    from scipy import signal

    return signal.butter(2, min(10.0, 0.4 * sfreq), btype="lowpass", fs=sfreq, output="sos")


def is_electrode_pop(slow: np.ndarray | _RawSlow, filt: np.ndarray, sfreq: float, start: int, stop: int,
                     *, criteria: PopCriteria = PopCriteria(), raw: np.ndarray | None = None) -> bool:
    """True if candidate ``[start, stop)`` is an electrode pop rather than muscle (see module docstring).

    Test 2 (monophasic transient) needs the raw signal: from :func:`lazy_slow_component`,
    or ``raw`` (uV) beside an array ``slow``.
    """
    return pop_verdict(slow, filt, sfreq, start, stop, criteria=criteria, raw=raw) == "pop"


def pop_verdict(slow: np.ndarray | _RawSlow, filt: np.ndarray, sfreq: float, start: int, stop: int,
                *, criteria: PopCriteria = PopCriteria(), raw: np.ndarray | None = None) -> str:
    """``"pop"``, ``"two-phase"`` or ``"muscle"`` for candidate ``[start, stop)`` (see module docstring).

    ``"two-phase"``: a slow deflection without interference pattern (test 1), but with the
    opposite phase of a differential potential - a muscle potential in a narrow band, or what
    the cardiac subtraction left of a QRS complex (which the caller can tell by the beats).
    """
    short = criteria.min_shape_samples - (stop - start)
    if short > 0:  # too few samples to show two phases: read the shape on the ones around it
        start = max(0, start - (short + 1) // 2)
        stop = min(int(np.shape(filt)[0]), start + criteria.min_shape_samples)
    f = pop_features(slow, filt, sfreq, start, stop, raw=raw)
    if f.lf_ratio >= criteria.lf_ratio and (f.zc_per_s < criteria.min_zc_per_s or f.turns <= criteria.max_spike_turns):
        # test 1: slow deflection, no interference pattern; NaN (no raw signal): the phases not tested
        return "two-phase" if f.opposite_ratio >= criteria.biphasic_ratio else "pop"
    # test 2: a monophasic transient (NaN without the raw signal: not tested) with its own tail
    return "pop" if (f.opposite_ratio <= criteria.max_opposite_ratio and f.tail_same_sign
                     and f.lf_ratio >= criteria.min_tail_ratio and f.turns <= criteria.max_spike_turns) else "muscle"

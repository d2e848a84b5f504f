"""Cardiac gate: short bursts that are the residual of the cardiac field, not muscle.

Template subtraction (:mod:`myosleep.preprocessing.ecg`) removes the part of the
cardiac field that repeats from beat to beat.  What varies - QRS amplitude and
shape change with respiration (the heart's electrical axis rotates with the
diaphragm), conduction jitter - stays behind as a residual locked to the R-peak:
a 50-uV QRS field on a leg lead whose shape varies by ~15 % leaves a few uV at
the same latency after every beat, and in the beats that deviate most enough to
cross a short-burst threshold of 2.5 x a 1.5-uV resting level (measured: 102-124
false bursts per hour on the two legs of a simulated healthy night; 2 with the gate,
tests/detection/test_quiet_night.py).

Muscle is not phase-locked to the heartbeat.  So a short burst that lies within a
beat's cardiac window (``[-0.1, +0.2]`` s, the subtraction window) is compared with
the neighbouring beats (``n_neighbours`` on each side), at the same latency
(power ``P_on``) and just before their cardiac window (power ``P_off``: the
resting EMG between beats), both medians over the neighbours (a neighbour holding a
jerk of its own, frequent in a cluster of jerks, does not count):

* the latency carries a phase-locked residual when ``P_on - P_off`` exceeds ``min_z``
  (2) standard errors (from the spread of the neighbours' powers); otherwise nothing
  cardiac repeats there and the burst is kept; so it is when ``P_on`` exceeds
  ``max_typical_ratio`` (4) x ``P_off``: a residual left in the *typical* beat is the
  beat-to-beat variation, a fraction of rest, not a train of jerks at the heart rate;
* if a beat's residual amplitude is a Gaussian deviation from the template
  (amplitude and shape vary as Gaussian), its power is ``P_res x Z**2`` with ``Z``
  standard normal, whose median is 0.455 x its mean: ``P_res = (P_on - P_off) / 0.455``;
  a burst is a residual unless its power above rest exceeds ``exceed_factor`` (16)
  x ``P_res``, i.e. ``|Z| > 4``: 6e-5 of beats, < 1 per hour even at 240 bpm
  (14 400 beats per hour).  Powers of uncorrelated signals add, so a jerk on a beat is
  kept when its RMS exceeds 4 x the residual's RMS there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["CardiacGate", "cardiac_residual_mask"]


@dataclass(frozen=True)
class CardiacGate:
    """Thresholds of the cardiac gate (see the module docstring).

    Attributes
    ----------
    pre_s, post_s : float
        Cardiac window before / after each R-peak (s); the subtraction's window.
    n_neighbours : int
        Beats compared on each side (20 + 20: ~30-40 s at adult rates, ~8 breaths; the
        running template spans 15 + 15).  The phase-locked test compares two medians
        whose standard error falls as 1 / sqrt(n): a residual of 1.2-2 x rest, what a
        template subtraction leaves at the QRS, reads z = 1.2-1.8 with 10 + 10 beats
        (not significant: the burst is kept) and 3.6-5.2 with 40 + 40 (measured on the
        false bursts left by 10 + 10, tests/detection/test_quiet_night.py).  More
        neighbours also make ``P_res`` exact, so the 4-sigma rule then costs the
        faintest jerks on a beat (10 uV RMS, 4-7x rest): measured false bursts per hour
        / 10-uV jerks on a QRS missed of 40: 10 + 10: 10-14 / 6-7; 20 + 20: 2 / 7-8;
        30 + 30: 0 / 15; 40 + 40: 0 / 18 (on the infant night of regress_detect,
        20 + 20 also removes 3 false bursts and no true one).
    min_neighbours : int
        With fewer usable neighbours (unmasked, not overlapping the burst) the burst is kept.
    min_z : float
        Phase-locked when the neighbours' median power at the burst's latency exceeds
        their median resting power by this many standard errors of the difference
        (2: one-sided 2.3 %; each median's error from the spread of its 20 powers, so
        that a cluster of jerks, which scatters the powers, does not pass for a residual).
    max_typical_ratio : float
        Above this ratio of the neighbours' median power at the latency to their resting
        power the repeated activity is not a subtraction residual (a template subtraction
        leaves in the typical beat the beat-to-beat variation only: measured 0.1-1.3 x
        the resting power with a 50-uV field varying by ~15 %), but e.g. a train of jerks
        at the heart rate (neonatal myoclonus at 1-5 Hz, hearts at 2-2.5 Hz): not gated.
    exceed_factor : float
        A burst at a phase-locked latency is kept when its power above rest exceeds this
        many times the residual's mean power there (16: a 4-sigma residual).
    """

    pre_s: float = 0.1
    post_s: float = 0.2
    n_neighbours: int = 20
    min_neighbours: int = 6
    min_z: float = 2.0
    max_typical_ratio: float = 4.0
    exceed_factor: float = 16.0


#: Median of a chi-square variable with 1 degree of freedom over its mean: a residual
#: whose amplitude is Gaussian over beats has a median power 0.455 x its mean power.
_MEDIAN_CHI2_1 = 0.455


def _median_se(v: np.ndarray) -> float:
    """Standard error of a median: 1.253 sigma / sqrt(n), sigma from the MAD (1.4826 MAD)."""
    mad = float(np.median(np.abs(v - np.median(v))))
    return 1.253 * 1.4826 * mad / np.sqrt(v.size)


def _span_power(x: np.ndarray, s0: np.ndarray, width: int) -> np.ndarray:
    idx = s0[:, None] + np.arange(width)[None, :]
    return np.mean(np.square(x[idx], dtype=np.float64), axis=1)


def _touches(run_starts: np.ndarray, run_stops: np.ndarray, s0: np.ndarray, width: int) -> np.ndarray:
    """True where the window ``[s0, s0 + width)`` overlaps one of the sorted, disjoint runs."""
    k = np.searchsorted(run_stops, s0, side="right")  # first run ending after s0
    hit = k < run_starts.size
    hit[hit] = run_starts[k[hit]] < s0[hit] + width
    return hit


def cardiac_residual_mask(filtered: np.ndarray, sfreq: float, beats: np.ndarray, starts: np.ndarray,
                          stops: np.ndarray, *, mask: np.ndarray | None = None,
                          gate: CardiacGate = CardiacGate()) -> np.ndarray:
    """True for each burst ``[starts[k], stops[k])`` that is a residual of the cardiac field.

    Parameters
    ----------
    filtered : ndarray
        Band-passed EMG after cardiac subtraction (uV).
    sfreq : float
        Sampling rate (Hz).
    beats : ndarray of int
        R-peak sample indices in the time frame of ``filtered`` (``PreprocessedEMG.beats``).
    starts, stops : ndarray of int
        Burst sample bounds (stop exclusive).
    mask : ndarray of bool | None
        Artefact samples; neighbour windows touching them are not used.
    gate : CardiacGate
        Thresholds.

    Returns
    -------
    ndarray of bool, one per burst.
    """
    starts = np.asarray(starts, dtype=np.int64)
    stops = np.asarray(stops, dtype=np.int64)
    out = np.zeros(starts.size, dtype=bool)
    beats = np.asarray(beats, dtype=np.int64)
    if starts.size == 0 or beats.size < gate.min_neighbours + 1:
        return out
    n = filtered.shape[0]
    pre, post = int(round(gate.pre_s * sfreq)), int(round(gate.post_s * sfreq))
    k_all = np.searchsorted(beats, starts + pre, side="right") - 1
    runs = None  # artefact runs of ``mask``, found once when first needed
    for i in np.flatnonzero(k_all >= 0):
        k = int(k_all[i])
        a, z = int(starts[i]), int(stops[i])
        b = int(beats[k])
        if not (b - pre <= a and z <= b + post + 1):
            continue  # not within one beat's cardiac window
        width = z - a
        lo, hi = max(0, k - gate.n_neighbours), min(beats.size, k + gate.n_neighbours + 1)
        nb = np.concatenate([beats[lo:k], beats[k + 1:hi]])
        on0 = nb + (a - b)
        off0 = nb - pre - width  # the same span just before each neighbour's cardiac window
        ok = (off0 >= 0) & (on0 + width <= n) & (on0 >= 0)
        ok &= (on0 + width <= a) | (on0 >= z)  # a neighbour overlapping this burst is no reference
        on0, off0 = on0[ok], off0[ok]
        if mask is not None and on0.size:
            if runs is None:
                from ..preprocessing import runs_from_mask

                runs = runs_from_mask(mask)
            clean = ~(_touches(*runs, on0, width) | _touches(*runs, off0, width))
            on0, off0 = on0[clean], off0[clean]
        if on0.size < gate.min_neighbours:
            continue
        # medians: neighbours holding bursts of their own (frequent in a cluster of
        # jerks) must not pass for a phase-locked residual
        on = _span_power(filtered, on0, width)
        off = _span_power(filtered, off0, width)
        p_on, p_off = float(np.median(on)), float(np.median(off))
        if p_on - p_off <= gate.min_z * np.hypot(_median_se(on), _median_se(off)):
            continue  # nothing phase-locked at this latency
        if p_on > gate.max_typical_ratio * p_off:
            continue  # repeated activity far beyond a subtraction residual: rhythmic jerks
        p_res = (p_on - p_off) / _MEDIAN_CHI2_1
        p_c = float(np.mean(np.square(filtered[a:z], dtype=np.float64)))
        out[i] = p_c - p_off <= gate.exceed_factor * p_res
    return out

"""Cardiac artefact: R-peak detection and template subtraction from EMG leads.

Choice: **template subtraction**, not gating.  Gating (blanking ~100 ms around
every QRS) would blind the detector to ~10 % of the night at 60 bpm and to more at
an infant's 120-160 bpm, and a 20-250 ms myoclonic potential falling on a beat
would be lost or cut.  Subtraction of a running, per-lead, per-beat aligned and
scaled average of the cardiac field keeps the EMG during the QRS; muscle activity
is not phase-locked to the R-peak, so it averages out of the template (as in
Mak et al., IEEE TBME 2010; Abbaspour et al., Physiol Meas 2014, who compare
template subtraction and gating for trunk EMG).
"""

from __future__ import annotations

import functools
import logging

import numpy as np

log = logging.getLogger("myosleep")

__all__ = ["detect_r_peaks", "emg_cardiac_beats", "r_peaks_from_emg", "regular_fraction", "remove_cardiac",
           "remove_cardiac_counted"]

#: Maximal heart rate considered: 240 bpm (neonates reach 160-200 bpm; Fleming et
#: al., Lancet 2011, 99th centile < 200 bpm at birth) -> refractory 0.25 s.
_MIN_RR_S = 0.25
#: Slowest heart rate considered: 30 bpm.
_MAX_RR_S = 2.0
#: A beat with a burst in its window is aligned on the template's largest samples that hold
#: this fraction of its energy: the QRS, wherever the lead shows it (90 %: the energy of a
#: lead's mean beat lies in its QRS; the rest, P and T waves and noise, would let the burst in).
_QRS_ENERGY = 0.9


#: Rate (Hz) at or above which the QRS energy is kept: a QRS complex lasts 80-100 ms
#: (Pan & Tompkins 1985), >= 10 samples at 128 Hz; the peak is refined on the raw ECG.
_ENERGY_MIN_HZ = 128.0


def _qrs_energy(x: np.ndarray, sfreq: float, *, decimate: bool = True, fill: float = float("nan")
                ) -> tuple[np.ndarray, int]:
    """Pan & Tompkins (IEEE TBME 1985) style QRS energy: 5-25 Hz band, squared slope, 100-ms integration.

    The squared slope is averaged over blocks of ``q`` samples (``sfreq / q`` >= 128 Hz)
    before the integration, so the energy is a decimated series; returns ``(energy, q)``,
    energy sample ``k`` standing for raw samples ``[k q, (k + 1) q)``.  Non-finite
    samples are read as ``fill`` unless it is NaN.  Kernels: ``sosfilt``, ``slope_energy``.
    """
    from ._kernels import slope_energy
    from .filters import _sosfilt

    y = _sosfilt(x, _qrs_sos(float(sfreq)), fill=fill)
    q = max(1, int(sfreq // _ENERGY_MIN_HZ)) if decimate else 1
    return slope_energy(y, q, max(1, int(round(0.1 * sfreq / q)))), q


@functools.lru_cache(maxsize=32)
def _qrs_sos(sfreq: float) -> np.ndarray:
    """5-25 Hz band-pass (Pan & Tompkins 1985 QRS band), designed once per sampling rate (Hz)."""
    from scipy import signal

    return signal.butter(2, [5.0, min(25.0, 0.45 * sfreq)], btype="bandpass", fs=sfreq, output="sos")


def _peaks_from_energy(energy: np.ndarray, sfreq: float, *, rel_height: float = 0.3) -> np.ndarray:
    """Peaks of ``energy`` at or above ``rel_height`` x the 98th percentile of their 10-s block,
    0.25 s apart at least (``scipy.signal.find_peaks`` semantics; kernel ``energy_peaks``)."""
    from ._kernels import energy_peaks

    return energy_peaks(np.ascontiguousarray(energy), max(1, int(10 * sfreq)), 0.98, float(rel_height),
                        float(max(1, int(_MIN_RR_S * sfreq))))


def detect_r_peaks(ecg: np.ndarray, sfreq: float, *, decimate: bool = True) -> np.ndarray:
    """R-peak sample indices in an ECG channel.

    QRS energy (Pan & Tompkins 1985) with an adaptive threshold (30 % of the
    98th percentile in 10-s blocks) and a 0.25-s refractory period, then each
    peak refined to the largest deflection of the raw ECG within +-75 ms,
    with the polarity that dominates the record (leads may be inverted).

    Parameters
    ----------
    ecg : ndarray, shape (n_samples,)
        ECG (any unit).
    sfreq : float
        Sampling rate (Hz).
    decimate : bool
        Compute the QRS energy at >= 128 Hz rather than at ``sfreq`` (4x less work at
        512 Hz; the peaks are refined on the full-rate signal either way).  Kept off for
        EMG leads (:func:`r_peaks_from_emg`), whose noisy QRS energy needs full rate.

    Returns
    -------
    ndarray of int64, sample indices (sorted, unique).
    """
    x = np.asarray(ecg)
    if x.dtype not in (np.float32, np.float64):
        x = x.astype(np.float64)
    x = np.ascontiguousarray(x)
    if x.size < int(2 * sfreq):
        return np.zeros(0, dtype=np.int64)
    from ._kernels import count_finite, peak_extremes

    n_fin = count_finite(x)
    if n_fin == 0:
        return np.zeros(0, dtype=np.int64)
    # NaNs read as the median by the kernels (no filled copy)
    fill = float("nan") if n_fin == x.size else float(np.median(x[np.isfinite(x)]))
    energy, q = _qrs_energy(x, sfreq, decimate=decimate, fill=fill)
    peaks = _peaks_from_energy(energy, sfreq / q)
    del energy
    if peaks.size == 0:
        return peaks.astype(np.int64)
    peaks = np.minimum(peaks.astype(np.int64) * q + q // 2, x.shape[0] - 1)
    if n_fin < x.size:
        x = np.where(np.isfinite(x), x, fill)
    # refine on the raw ECG (the causal 5-25 Hz filter delays y by ~10-20 ms), each
    # window referenced to its own median so baseline wander does not matter;
    # polarity: the sign of the larger extreme in most beats
    pos, neg, imax, imin = peak_extremes(x, peaks, int(0.075 * sfreq))
    refined = imax if np.median(pos) >= np.median(neg) else imin
    refined = np.unique(refined)
    if refined.size > 1:
        keep = np.concatenate([[True], np.diff(refined) >= int(_MIN_RR_S * sfreq)])
        refined = refined[keep]
    return refined.astype(np.int64)


def r_peaks_from_emg(x_filt: np.ndarray, sfreq: float, *, min_regular: float = 0.7) -> np.ndarray:
    """Cardiac beats seen in an EMG lead itself, for recordings without ECG.

    Peaks of QRS energy are accepted as beats only if the rhythm is cardiac:
    median RR 0.25-2 s and at least ``min_regular`` of intervals within 20 % of the
    local median RR; otherwise the lead shows no cardiac field and an empty array
    is returned.  The rhythm then repairs what a lead's 10-s thresholds get wrong
    (:func:`_repair_rhythm`): a leg movement raises its block's threshold above the
    beats beside it, and an EMG peak passes for a beat.

    Parameters
    ----------
    x_filt : ndarray
        Band-passed EMG (uV).
    sfreq : float
        Sampling rate (Hz).
    min_regular : float
        Fraction (0-1) of regular RR intervals required.

    Returns
    -------
    ndarray of int64, sample indices (possibly empty).
    """
    return emg_cardiac_beats(x_filt, sfreq, min_regular=min_regular)[0]


def emg_cardiac_beats(x_filt: np.ndarray, sfreq: float, *, min_regular: float = 0.7) -> tuple[np.ndarray, int]:
    """(:func:`r_peaks_from_emg`'s beats, the number of regular RR intervals found before the repair).

    The count says how clearly the lead shows the heart: the lead with the most regular
    intervals gives a recording without ECG its beats.
    """
    peaks = detect_r_peaks(x_filt, sfreq, decimate=False)
    empty = np.zeros(0, dtype=np.int64)
    if peaks.size < 10:
        return empty, 0
    if not (_MIN_RR_S <= float(np.median(np.diff(peaks) / sfreq)) <= _MAX_RR_S):
        return empty, 0
    frac = regular_fraction(peaks)
    if frac < min_regular:
        return empty, 0
    return _repair_rhythm(peaks, np.asarray(x_filt), float(sfreq)), int(round(frac * (peaks.size - 1)))


def regular_fraction(peaks: np.ndarray) -> float:
    """Fraction of the RR intervals of ``peaks`` within 20 % of the local median RR (9 intervals)."""
    from scipy.ndimage import median_filter

    rr = np.diff(np.asarray(peaks, dtype=np.float64))
    if rr.size == 0:
        return 0.0
    local = median_filter(rr, size=9, mode="nearest")
    return float(np.mean(np.abs(rr - local) <= 0.2 * local))


#: A beat is looked for within +-20 % of the local RR of where the rhythm puts it (sinus
#: rhythm's beat-to-beat variability in sleep is a few per cent; 20 % also takes respiratory
#: sinus arrhythmia), and QRS-energy peaks within +-15 % of the RR are searched too - Pan &
#: Tompkins' search back (IEEE TBME 1985), on the rhythm.
_TRACK_RR = 0.2
_SEARCH_HALF_RR = 0.15
#: A detected peak with more than 3 x a typical beat's QRS energy is a movement's, not a beat.
_MOVEMENT_ENERGY = 3.0
#: A beat's QRS energy: 0.5-2 x the lead's typical beat (its amplitude varies by ~15 % with
#: breathing, its energy by ~30 %).  A search back that finds less than half of it finds no
#: beat (the rhythm's phase was lost), and a window holding more than twice it holds a movement.
_BEAT_ENERGY = (0.5, 2.0)
#: After this many beats put by the rhythm alone, a detected peak or the largest QRS energy of a
#: beat's energy (``_BEAT_ENERGY``) from half to one and a half RR after the last beat, the one
#: nearest the rhythm's time, re-locks the rhythm.
_RELOCK_AFTER = 3
#: The night's rhythm is the RR interval that the most detected intervals lie within +-10 % of
#: (beat-to-beat variation in sleep is a few per cent, respiratory sinus arrhythmia up to ~10 %;
#: Task Force of the ESC/NASPE, Circulation 1996): the mode of the RR distribution, which extra
#: peaks inside movements (at any phase, 0.25-0.5 s apart) do not move as they move its median.
_MODE_HALF_WIDTH = 0.1
#: A tracked rhythm with more beats than this many times the detected peaks invents them (every
#: missed beat under a movement is found again, and the extra peaks are dropped): it is refused
#: and the detected peaks are kept.
_MAX_BEATS_PER_PEAK = 1.25


def _rhythm_rr(rr: np.ndarray) -> float:
    """The night's RR interval (samples): the RR that the most intervals ``rr`` lie within
    +-``_MODE_HALF_WIDTH`` of (candidates on a 1 % grid), refined to their median."""
    r = np.sort(np.asarray(rr, dtype=np.float64))
    lo, hi = max(float(r[0]), 1.0), max(float(r[-1]), 1.0)
    cand = np.exp(np.arange(np.log(lo), np.log(hi) + 0.01, 0.01))
    count = np.searchsorted(r, cand * (1 + _MODE_HALF_WIDTH), side="right") - np.searchsorted(
        r, cand / (1 + _MODE_HALF_WIDTH), side="left")
    best = float(cand[int(np.argmax(count))])
    near = r[(r >= best / (1 + _MODE_HALF_WIDTH)) & (r <= best * (1 + _MODE_HALF_WIDTH))]
    return float(np.median(near))


def _repair_rhythm(peaks: np.ndarray, x: np.ndarray, sfreq: float) -> np.ndarray:
    """The beats of one EMG lead tracked on its rhythm: misses found, extra peaks dropped.

    A lead's QRS-energy threshold is set per 10-s block, so a leg movement in a block raises
    it above the beats beside the movement (missed: each stays in the EMG as a 5-15 uV
    "potential"), and inside the movement EMG peaks pass for beats.  From the longest run of
    regular intervals, the rhythm is followed forward and backward; the RR is the median of
    the last 8 intervals.  The next beat is, of the detected peaks within +-20 % of the RR of
    where the rhythm puts it and the QRS-energy peaks of a beat's energy (``_BEAT_ENERGY``)
    within +-15 % (Pan & Tompkins' search back), the one nearest the rhythm's time.  Where the
    window holds more energy than a beat (a movement), its energy peaks are not taken and
    detected peaks only within +-10 % (beat-to-beat variation); with no beat, the rhythm's
    time is taken, and after ``_RELOCK_AFTER`` such beats a peak of a beat's energy within
    0.5-1.5 RR re-locks the rhythm.  Other detected peaks are dropped (EMG peaks pass the
    refractory period at any phase).  Runs of beats put at the rhythm's time are then spaced
    between the beats found on either side (:func:`_between_anchors`).
    """
    energy, _ = _qrs_energy(np.ascontiguousarray(x), sfreq, decimate=False)
    p = np.asarray(peaks, dtype=np.int64)
    n = x.shape[0]
    rr = np.diff(p).astype(np.float64)
    # the longest run of intervals within the tracking tolerance of the night's rhythm seeds it
    # (not of their local median: inside a movement peaks 0.45 s apart are regular too, and a run
    # starting there and going on into the rhythm seeded a tracker at twice the heart rate)
    rr0 = _rhythm_rr(rr)
    reg = np.abs(rr - rr0) <= _TRACK_RR * rr0
    best_len, best_at, run = 0, 0, 0
    for i, ok in enumerate(reg):
        run = run + 1 if ok else 0
        if run > best_len:
            best_len, best_at = run, i - run + 1
    typical = float(np.median(energy[np.minimum(p, n - 1)]))
    seed = int(best_at)
    from ._kernels import peak_extremes

    xs = np.ascontiguousarray(x)
    w = int(0.075 * sfreq)
    pos, neg, _, _ = peak_extremes(xs, p, w)
    positive = bool(np.median(pos) >= np.median(neg))  # the lead's dominant deflection

    def refine(i: int) -> int:
        _, _, imax, imin = peak_extremes(xs, np.array([i], dtype=np.int64), w)
        return int(imax[0] if positive else imin[0])

    guessed: set[int] = set()  # beats put at the rhythm's time alone

    def follow(direction: int) -> list[int]:
        cands = p[seed + 1:] if direction > 0 else p[:seed][::-1]
        hist = list(rr[seed: seed + min(8, max(1, best_len))]) if best_len else [rr0]
        last, out, forced, j = int(p[seed]), [], 0, 0
        while True:
            r = max(float(np.median(hist[-8:])), _MIN_RR_S * sfreq)  # never below the refractory period
            exp = last + direction * r
            if not (0 <= exp < n):
                break
            while j < cands.size and direction * (cands[j] - exp) < -_TRACK_RR * r:
                j += 1  # an extra peak before the window
            near = [int(c) for c in cands[j:j + 4] if abs(c - exp) <= _TRACK_RR * r
                    and energy[min(int(c), n - 1)] <= _MOVEMENT_ENERGY * typical]  # not a movement's peak
            half = int(_SEARCH_HALF_RR * r)
            lo, hi = max(0, int(exp) - half), min(n, int(exp) + half + 1)
            if hi - lo < 3:
                break
            # the search back near the rhythm's time: a QRS-energy peak of a beat's energy (a
            # movement's is larger; far less is no beat at all - the rhythm's phase was lost)
            seg = energy[lo:hi]
            tops = np.flatnonzero((seg[1:-1] >= seg[:-2]) & (seg[1:-1] > seg[2:])) + 1 + lo
            bumps = [int(b) for b in tops if _BEAT_ENERGY[0] * typical <= energy[b] <= _BEAT_ENERGY[1] * typical]
            # the QRS-energy peak of a beat's energy nearest the rhythm's time (not the window's
            # largest energy, which beside a movement is the movement's), refined to the deflection
            searched = [refine(min(bumps, key=lambda b: abs(b - exp)))] if bumps else []
            if float(seg.max()) > _BEAT_ENERGY[1] * typical:
                # a movement at the rhythm's time: its energy bumps pass for beats (searched ones are
                # not taken), and so do its detected peaks unless they keep the RR within beat-to-beat
                # variation (half the window) - else the rhythm's time is the better guess
                near = [c for c in near if abs(c - exp) <= 0.5 * _TRACK_RR * r]
                searched = []
            if near or searched:
                # the one nearest the rhythm's time: a movement's peak detected at the edge of the window
                # does not displace the undetected beat the search back finds nearer
                beat = int(min(near + searched, key=lambda c: abs(c - exp)))
                forced = 0 if beat in near else forced + 1
            else:
                # after a few beats put by the rhythm alone, the beat nearest its time within the RR
                # re-locks it: a detected peak or the largest QRS energy there, of a beat's energy
                lo2, hi2 = max(0, last + direction * int(0.5 * r)), last + direction * int(1.5 * r)
                lo2, hi2 = (lo2, min(n, hi2)) if direction > 0 else (max(0, hi2), min(n, lo2 + 1))
                relock = [int(c) for c in cands[j:j + 4] if 0.5 * r <= direction * (c - last) <= 1.5 * r
                          and _BEAT_ENERGY[0] * typical <= energy[min(int(c), n - 1)] <= _BEAT_ENERGY[1] * typical]
                if hi2 - lo2 >= 3:
                    m2 = lo2 + int(np.argmax(energy[lo2:hi2]))
                    if _BEAT_ENERGY[0] * typical <= energy[m2] <= _BEAT_ENERGY[1] * typical:
                        relock.append(refine(m2))
                if forced >= _RELOCK_AFTER and relock:
                    beat = int(min(relock, key=lambda c: abs(c - exp)))
                    forced = 0
                elif float(seg.max()) > _BEAT_ENERGY[1] * typical:
                    beat = int(exp)  # under a movement, which hides the QRS: the rhythm's time
                    guessed.add(beat)
                    forced += 1
                else:
                    # no beat where the rhythm puts it and nothing hiding one: a pause, or the rhythm's
                    # phase or rate is off - no beat is invented; the rhythm goes on from its time
                    last = int(exp)
                    forced += 1
                    while j < cands.size and direction * (cands[j] - last) <= 0:
                        j += 1
                    continue
            hist.append(abs(beat - last))
            out.append(beat)
            last = beat
            while j < cands.size and direction * (cands[j] - last) <= 0:
                j += 1
        return out

    beats = np.asarray(sorted(follow(-1) + [int(p[seed])] + follow(+1)), dtype=np.int64)
    beats = beats[np.concatenate([[True], np.diff(beats) >= int(_MIN_RR_S * sfreq)])] if beats.size else beats
    if beats.size > _MAX_BEATS_PER_PEAK * p.size:  # a rhythm that invents beats: not the heart's
        log.warning("cardiac rhythm tracked on the EMG put %d beats for %d peaks detected (median RR %.3g s "
                    "against the night's %.3g s); the detected peaks are kept", beats.size, p.size,
                    float(np.median(np.diff(beats))) / sfreq, rr0 / sfreq)
        return p
    return _between_anchors(beats, np.isin(beats, np.fromiter(guessed, dtype=np.int64, count=len(guessed))))


def _between_anchors(beats: np.ndarray, guessed: np.ndarray) -> np.ndarray:
    """Beats put at the rhythm's time alone, spaced evenly between the beats found on either side.

    Followed in one direction, the rhythm's time drifts from beat to beat under a movement (the
    RR is the median of past intervals, and the heart rate changes meanwhile): tens of ms after a
    few beats, and every lead then subtracts its cardiac field beside its QRS.  The beats found
    on both sides bound the run; sinus rhythm changes little over a few beats, so the run's beats
    are placed at equal intervals between them (when that interval is within 30 % of the RR
    before the run: the run holds the right number of beats).
    """
    out = beats.copy()
    k = 0
    while k < beats.size:
        if not guessed[k]:
            k += 1
            continue
        e = k
        while e < beats.size and guessed[e]:
            e += 1
        if k >= 2 and e < beats.size:  # a found beat on each side, and an RR before the run
            a, b = int(beats[k - 1]), int(beats[e])
            step = (b - a) / (e - k + 1)
            before = float(beats[k - 1] - beats[k - 2])
            if abs(step - before) <= 0.3 * before:
                out[k:e] = np.round(a + step * np.arange(1, e - k + 1)).astype(np.int64)
        k = e
    return out


def remove_cardiac(x: np.ndarray, sfreq: float, peaks: np.ndarray, *, pre_s: float = 0.1,
                   post_s: float = 0.2, n_beats: int = 30,
                   min_snr: float = 10.0) -> np.ndarray:
    """Subtract the cardiac field from one band-passed EMG lead (see :func:`remove_cardiac_counted`)."""
    return remove_cardiac_counted(x, sfreq, peaks, pre_s=pre_s, post_s=post_s, n_beats=n_beats,
                                  min_snr=min_snr)[0]


#: How far (s) a beat's window may move to match the lead's template when the beats are an ECG's
#: R-peaks: 4 ms, one sample of a 256-Hz ECG (beats placed on an EMG lead's field need more:
#: ``myosleep.detection.run.EMG_BEATS_ALIGN_S``).
ECG_ALIGN_S = 0.004


def remove_cardiac_counted(x: np.ndarray, sfreq: float, peaks: np.ndarray, *, pre_s: float = 0.1,
                           post_s: float = 0.2, n_beats: int = 30,
                           min_snr: float = 10.0, overwrite: bool = False,
                           align_s: float = ECG_ALIGN_S) -> tuple[np.ndarray, int]:
    """Subtract the cardiac field from one band-passed EMG lead.

    For each beat: the window ``[-pre_s, +post_s]`` around the R-peak is aligned to
    the lead's running template (integer lag by cross-correlation, then a
    fractional lag from the parabola through the correlation peak and its two
    neighbours), scaled by its least-squares gain (clipped to 0-2) and subtracted.
    The template is the running mean of the ``n_beats`` neighbouring beats, each
    brought back by its own fractional lag, excluding beats whose energy exceeds 4x
    the median (a burst on the beat) so muscle activity does not leak into it; it is
    delayed by the beat's fractional lag before the fit.  Both shifts are band-limited
    (``_kernels.shift_row``, a Lanczos-windowed sinc): at 200-256 Hz a QRS field has
    energy up to 0.3 x the sampling rate, where a first-order shift errs by half the
    field (issue 9, defect 14).  Such a beat is itself aligned
    on its QRS alone (the template's samples holding 90 % of its energy) and its gain
    refitted without the burst's samples
    (``_kernels._robust_gain``), so that its cardiac field is removed next to the burst as
    well as elsewhere (a residual QRS beside a burst lengthens it).  Two numba passes over the
    beats keep the template as a running float64 sum (one beat in, one out per step).

    Parameters
    ----------
    x : ndarray of float32, shape (n_samples,)
        Band-passed EMG (uV); modified copy returned.
    sfreq : float
        Sampling rate of ``x`` (Hz).
    peaks : ndarray of int
        R-peak sample indices *in the sampling of x*.
    pre_s, post_s : float
        Window before/after the R-peak (s).
    n_beats : int
        Number of beats in the running template.
    min_snr : float
        The lead is left untouched unless the night's mean beat has at least
        ``min_snr`` times the energy expected from non-phase-locked activity.
    overwrite : bool
        Subtract in place when ``x`` is a float32 array (saves a copy of the night).
    align_s : float
        How far (s) each beat's window may move to match the template: 4 ms (one sample of a
        256-Hz ECG) for R-peaks of an ECG; more for beats placed on another lead's cardiac
        field (``myosleep.detection.run.EMG_BEATS_ALIGN_S``).

    Returns
    -------
    (ndarray of float32 in uV, number of beats subtracted)
    """
    pre, post = int(round(pre_s * sfreq)), int(round(post_s * sfreq))
    lag_max = max(1, int(round(align_s * sfreq)))
    x = np.asarray(x)
    n = x.shape[0]
    y = x if overwrite and x.dtype == np.float32 and x.flags.writeable else np.array(x, dtype=np.float32)
    peaks = np.asarray(peaks, dtype=np.int64)
    peaks = peaks[(peaks >= 0) & (peaks < n)]
    if peaks.size < 5:
        return y, 0
    width = pre + post + 1
    taper = np.ones(width, dtype=np.float32)
    ramp = max(1, int(0.02 * sfreq))
    taper[:ramp] = np.linspace(0, 1, ramp, dtype=np.float32)
    taper[-ramp:] = np.linspace(1, 0, ramp, dtype=np.float32)
    from ._kernels import align_beats, beat_stats, subtract_beats

    # Is there a cardiac field at all?  The mean over n beats of activity that is
    # not phase-locked has energy ~ var / n; require 10x that.  (Windows reaching
    # outside the record read 0, as if zero-padded: first and last beats are subtracted too.)
    energy, var, total = beat_stats(y, peaks, pre, post)
    noise = float(np.median(var)) / peaks.size
    if float(np.mean((total / peaks.size) ** 2)) < min_snr * noise:
        return y, 0
    m, h = peaks.size, n_beats // 2

    def good_beats(e: np.ndarray) -> np.ndarray:
        # beats whose energy exceeds 4x the night's median hold a burst: not in the template
        return e <= 4.0 * np.median(e)

    # pass 1 (reads y only): integer alignment by correlation with the running template
    # of the neighbouring good beats, fractional shift, the aligned windows
    aligned = np.empty((m, width), dtype=np.float32)
    lags = np.empty(m, dtype=np.int64)
    frac = np.empty(m, dtype=np.float64)
    energy2 = np.empty(m, dtype=np.float64)
    # a beat with a burst in its window is aligned on the samples holding 90 % of the mean
    # beat's energy (its QRS), not on the burst
    align_beats(y, peaks, pre, post, lag_max, good_beats(energy), h, aligned, lags, frac, energy2,
                _QRS_ENERGY)
    # pass 2: template of the aligned beats, least-squares gain, subtraction (in beat
    # order, so where windows overlap the later beat's write wins)
    subtract_beats(y, peaks, pre, aligned, good_beats(energy2), h, lags, frac, taper, _QRS_ENERGY)
    return y, int(peaks.size)

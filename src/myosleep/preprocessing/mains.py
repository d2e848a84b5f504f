"""Mains interference: detect 50/60 Hz and harmonics from the data, not assumed.

A spectral peak test: Welch spectrum (0.5 Hz resolution) on up to ``n_segments``
short segments spread over the recording; the power within +-1 Hz of a candidate
line is compared with the median power 2-6 Hz either side.  Surface EMG has a
smooth, broad spectrum (20-200 Hz, De Luca 1997), so a narrow excess of
``min_ratio_db`` (10 dB) marks interference.  The fundamental (50 or 60 Hz) with the
larger excess wins; its harmonics are kept when they pass the same test, those above the
Nyquist frequency where they fold when the recorder did not filter them out before sampling
(aliased harmonics, :data:`MAX_FOLDED_HARMONIC`).  The lines found are tracked and
subtracted (:func:`remove_mains`).
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass

import numpy as np

__all__ = ["MainsLines", "detect_mains", "folded_harmonics", "remove_mains"]

#: Mains frequencies in use worldwide (IEC 60038): 50 Hz and 60 Hz.
MAINS_BASE_HZ = (50.0, 60.0)
#: Harmonics looked for above the Nyquist frequency.  Sampled without an anti-alias filter (or
#: one set above half the rate), harmonic ``k f0`` reads as ``|k f0 - m sfreq|`` in 0 .. sfreq / 2
#: (60-Hz mains at 200 Hz: 120 -> 80, 180 -> 20, 240 -> 40, 300 -> 100 Hz).  Up to the 13th, the
#: last whose compatibility level in public low-voltage networks is >= 3 % of the fundamental
#: (IEC 61000-2-2: 3rd 5 %, 5th 6 %, 7th 5 %, 9th 1.5 %, 11th 3.5 %, 13th 3 %; 2nd 2 %, 4th 1 %).
MAX_FOLDED_HARMONIC = 13
#: Lines below this frequency (Hz) are not looked for: the EMG band's 10-Hz high-pass (2nd order)
#: takes more than 16 dB off them (a 3-uV harmonic leaves < 0.5 uV), and the neighbourhood the
#: test compares them with is the band of movement and electrode drift.  Above it a folded
#: harmonic counts (50 Hz at 256 Hz folds its 5th to 6 Hz, where the band-pass leaves a third).
MIN_LINE_HZ = 4.0
#: Half-width (Hz) of a line: the test reads the peak within +-1 Hz of a candidate, and two
#: candidates this close are one line (a harmonic folded onto another: 50 Hz at 200 Hz folds
#: 150 and 250 Hz onto the fundamental, where they are removed with it).
LINE_HALF_WIDTH_HZ = 1.0


@dataclass(frozen=True)
class MainsLines:
    """Mains lines found in a channel.

    Attributes
    ----------
    base_hz : float | None
        Fundamental (50 or 60 Hz), None if no line was found.
    freqs_hz : tuple of float
        Fundamental and harmonics found (Hz, in 0 .. sfreq / 2): the fundamental first, then
        by harmonic number, a harmonic above the Nyquist frequency where it folds.
    excess_db : tuple of float
        Peak excess over the neighbouring spectrum (dB) for each of ``freqs_hz``.
    folded_hz : tuple of float
        Those of ``freqs_hz`` that are harmonics above the Nyquist frequency folded back: the
        recorder sampled without filtering them out first (:data:`MAX_FOLDED_HARMONIC`).
    """

    base_hz: float | None
    freqs_hz: tuple[float, ...]
    excess_db: tuple[float, ...]
    folded_hz: tuple[float, ...] = ()


def _line_excess_db(freqs: np.ndarray, psd: np.ndarray, f0: float) -> float:
    peak = psd[np.abs(freqs - f0) <= 1.0]
    side = psd[(np.abs(freqs - f0) >= 2.0) & (np.abs(freqs - f0) <= 6.0)]
    if peak.size == 0 or side.size == 0:
        return 0.0
    ref = float(np.median(side))
    if ref <= 0:
        return 0.0 if float(peak.max()) <= 0 else 99.0
    return float(10 * np.log10(max(float(peak.max()), 1e-30) / ref))


def detect_mains(x: np.ndarray, sfreq: float, *, min_ratio_db: float = 10.0,
                 n_segments: int = 8, segment_s: float = 16.0) -> MainsLines:
    """Find mains interference lines in ``x``.

    Parameters
    ----------
    x : ndarray, shape (n_samples,)
        Raw signal (any unit; the test is relative).
    sfreq : float
        Sampling rate (Hz).
    min_ratio_db : float
        Minimum excess of a line over its neighbourhood (dB).
    n_segments, segment_s : int, float
        Number and length (s) of segments analysed, spread evenly over the record.

    Returns
    -------
    MainsLines

    Notes
    -----
    Each segment's spectrum is the *median* of its Welch periodograms (``average="median"``),
    not their mean: a line matters where it is compared with the resting EMG (the rules
    read amplitudes against the resting level), and the mean lets intermittent loud
    bursts bury it.  On a leg channel with a 2-s movement every 20 s, a 1.5-uV line stood
    ~3 dB above the mean spectrum and > 20 dB above the median one; left in, it doubled the
    resting RMS at 200 Hz.  The median of periodograms is unbiased for a stationary
    spectrum up to a common factor (scipy's correction), which the line-to-neighbourhood
    ratio does not see; the mains line is stationary, the bursts are not.  For the same reason
    the segments are combined by their median spectrum, not their sum: a segment holding a
    long movement or a waking spell set the sum and buried a 2.5-uV line that stood 17-31 dB
    above its neighbourhood in the seven other segments (issue 9, defect 15).
    """
    from scipy import signal

    x = np.asarray(x)
    nseg = int(segment_s * sfreq)
    n = x.shape[0]
    nperseg = int(round(2 * sfreq))  # 0.5 Hz resolution
    if n < nperseg:
        return MainsLines(None, (), ())
    if n <= nseg * n_segments:
        segs = [x]
    else:
        starts = np.linspace(0, n - nseg, n_segments).astype(int)
        segs = [x[s:s + nseg] for s in starts]
    spectra = []
    freqs = None
    for seg in segs:
        seg = np.asarray(seg, dtype=np.float64)
        seg = seg[np.isfinite(seg)]
        if seg.size < nperseg:
            continue
        freqs, p = signal.welch(seg - seg.mean(), fs=sfreq, nperseg=nperseg, average="median")
        spectra.append(p)
    if not spectra or freqs is None:
        return MainsLines(None, (), ())
    # the median over the segments too: one loud segment (a long movement, wake) summed in buried
    # the line of every other (issue 9, defect 15)
    psd = np.median(np.stack(spectra), axis=0)
    best: tuple[float, float] | None = None
    for base in MAINS_BASE_HZ:
        if base + 6.0 >= 0.5 * sfreq:
            continue
        ex = _line_excess_db(freqs, psd, base)
        if ex >= min_ratio_db and (best is None or ex > best[1]):
            best = (base, ex)
    if best is None:
        return MainsLines(None, (), ())
    base = best[0]
    found: list[float] = []
    excess: list[float] = []
    folded: list[float] = []
    for k in range(1, max(MAX_FOLDED_HARMONIC, int(0.5 * sfreq // base)) + 1):
        f = _fold(k * base, sfreq)
        if f < MIN_LINE_HZ or any(abs(f - g) <= LINE_HALF_WIDTH_HZ for g in found):
            continue  # under the EMG band, or folded onto a line already found (one line)
        ex = _line_excess_db(freqs, psd, f)
        if ex >= min_ratio_db:
            found.append(f)
            excess.append(round(ex, 1))
            if k * base > 0.5 * sfreq:
                folded.append(f)
    return MainsLines(base, tuple(found), tuple(excess), tuple(folded))


def _fold(f_hz: float, sfreq: float) -> float:
    """Where a sinusoid of ``f_hz`` sampled at ``sfreq`` reads in 0 .. sfreq / 2 (Hz)."""
    r = float(f_hz) % float(sfreq)
    return round(min(r, float(sfreq) - r), 6)


def folded_harmonics(freqs_hz: tuple[float, ...], sfreq: float) -> tuple[float, ...]:
    """Of the lines :func:`detect_mains` found (``MainsLines.freqs_hz``, the fundamental first), those
    that are harmonics folded from above the Nyquist frequency: not within
    :data:`LINE_HALF_WIDTH_HZ` of a multiple of the fundamental below ``sfreq / 2`` (Hz)."""
    if len(freqs_hz) < 2:
        return ()
    base = float(freqs_hz[0])
    kmax = int(0.5 * float(sfreq) // base)
    return tuple(float(f) for f in freqs_hz[1:]
                 if min(abs(float(f) - k * base) for k in range(1, kmax + 1)) > LINE_HALF_WIDTH_HZ)


#: Fitting block of the mains tracker (s): 5 cycles of 50 Hz and 6 of 60 Hz.  Short enough to
#: follow a hum whose amplitude moves with breathing (0.1-0.5 Hz; 12-30 breaths/min in adults
#: and children) or steps at a change of posture: the amplitude of the interference follows the
#: electrodes' impedance and the body's position in the field (Huhta & Webster, IEEE TBME 1973).
MAINS_BLOCK_S = 0.1
#: Half-widths (blocks) of the windows the ICI rule chooses among: 0 to 6.4 s either side.
#: The longest (12.9 s) averages a steady hum as the 9-s median of 1-s fits did before.
ICI_HALF_BLOCKS = (0, 1, 2, 4, 8, 16, 32, 64)
#: ICI threshold: each window's estimate +- 2 standard deviations (the two-sided 95 % normal
#: interval, 1.96; Katkovnik, IEEE Trans Signal Process 1999, uses 1.5-2.5).  Lower keeps less of
#: a moving hum but stops the windows short of a steady one more often: at 1.5 the model moved by
#: ~1 uV near bursts with where its blocks fell (a flat minute padded into a night moved two
#: bursts' onsets by 30 ms); at 2, on 1-uV EMG at 200 Hz, a 20-uV hum +-20 % at 0.25 Hz leaves
#: 0.19 uV RMS (0.14 at 1.5, 0.24 at 2.5).
ICI_GAMMA = 2.0
#: A block's residual power is floored at this fraction of the night's median: no block weighs
#: more than 100 typical ones (a flat or quantised stretch would otherwise set its neighbours).
_MIN_POWER_REL = 0.01
#: A block whose residual power exceeds this many times the local level holds a burst (EMG RMS
#: twice the resting level, the short-burst detector's onset) and weighs nothing; below, it weighs
#: its inverse variance.  A brief potential's block fitted with several lines (at 200 Hz, five
#: lines and a slope take 12 of its 24 samples) loses much of its power to them: weighed by the
#: power left, one of 4.7 uV was half taken for hum where the bound was 16.
_BURST_POWER_REL = 4.0
#: A run of loud fitting blocks this long (0.2 s) or shorter is brief (a QRS, a pop, a potential):
#: the blocks beside it weigh nothing too (:func:`_quiet_blocks`).
_BRIEF_BLOCKS = 2
#: Stretch (blocks, 3.2 s) whose median residual power is a local level (:func:`_local_level`).
_LEVEL_BLOCKS = 32
#: A step of the hum (the lead moved, a lamp switched on) is looked for from this many fitting
#: blocks either side (0.3 s)...
_STEP_SIDE_BLOCKS = 3
#: ... as a jump of more than this many standard deviations of the sides' means ...
_STEP_MIN_SD = 6.0
#: ... this many times the change between the sides and the blocks beyond them (a breathing
#: swing of +-30 % at 0.5 Hz changes by 70 % of its jump over 0.3 s further out) ...
_STEP_SHARPNESS = 3.0
#: ... and placed sample by sample where the step explains the samples better than the
#: linear amplitude by this much (residual energy in units of the block's noise power per
#: sample: a 5-sigma improvement, squared).
_STEP_MIN_GAIN = 25.0
#: ... and leaves, over the blocks it lies in, at most this many times the noise power (a burst
#: there is no step: its power stays; the short-burst detector's onset is twice the resting RMS),
#: read from the median of the squared samples.
_STEP_MAX_LEFT = 4.0


def remove_mains(x: np.ndarray, sfreq: float, freqs_hz: tuple[float, ...], *,
                 block_s: float = MAINS_BLOCK_S) -> np.ndarray:
    """Subtract mains lines that follow their amplitude from 0.1 s to 0.1 s, without filter ringing.

    A notch filter of Q 30 at 50 Hz rings for ~150 ms after every large muscle burst (its
    -3 dB width is 1.7 Hz), which would glue together jerks 200 ms apart; and a hum whose
    amplitude moves with breathing (+-20 % at 0.25 Hz) or steps when the sleeper turns has
    sidebands a narrow notch, or a fit smoothed over seconds, leaves in.  The amplitude of the
    interference follows the electrodes' impedance and the body's position in the field
    (Huhta & Webster, IEEE TBME 1973).  Each line is tracked instead (:func:`_mains_model`):

    1. its complex amplitude is fitted by least squares in blocks of ``block_s`` (0.1 s),
       jointly with every other line and a straight line (the drift under the block, whose
       slope would otherwise leak ``2 slope / (2 pi f)`` into the line's amplitude), with the
       block's residual power;
    2. the line's exact frequency is refined from the median phase advance between blocks,
       within the +-1 Hz :func:`detect_mains` reads a line in (grids drift by up to +-0.05 Hz,
       ENTSO-E; harmonic k drifts k times as much);
    3. each block's amplitude is replaced by the weighted local-linear estimate over the window
       the intersection-of-confidence-intervals rule chooses (Goldenshluger & Nemirovski, Math
       Methods Stat 1997; Katkovnik, IEEE Trans Signal Process 1999): the widest window (0.1 to
       12.9 s) whose estimate agrees with those of every narrower one within +-2 standard
       deviations (:data:`ICI_GAMMA`).  A block weighs the inverse of its fit's variance, and
       nothing when it holds a burst (:func:`_ici_smooth`): a muscle burst, whose broadband
       power reaches 50/60 Hz, is neither taken for hum nor smeared beside itself, and the hum
       under it is read from the blocks around it.  A steady hum gets the widest window (the
       noise of a 12.9-s estimate), a hum that moves gets windows short enough to follow it;
    4. the amplitude is interpolated linearly between block centres and the sinusoid
       subtracted; where it steps (:func:`_step_candidates`), the step is placed sample by
       sample (:func:`_place_steps`).

    Parameters
    ----------
    x : ndarray
        Signal (uV), NaN-free.
    sfreq : float
        Sampling rate (Hz).
    freqs_hz : tuple of float
        Lines to remove (Hz, in 0 .. sfreq / 2; aliased harmonics included), e.g.
        ``detect_mains(x, sfreq).freqs_hz``.
    block_s : float
        Fitting block (s); lengthened to twice the number of fitted parameters if shorter.

    Returns
    -------
    ndarray of float32 (uV), same length.
    """
    x32 = np.asarray(x, dtype=np.float32)  # no copy when x is float32: only read below
    model = _mains_model(x32, sfreq, freqs_hz, block_s=block_s)
    if model is None:
        return np.array(x32, dtype=np.float32, copy=True)
    coef, wave, tail, fix = model
    n_tot = x32.shape[0]
    nblk, nb = coef.shape[0], wave.shape[1]
    blocks = x32[: nblk * nb].reshape(nblk, nb)
    y = np.empty(n_tot, dtype=np.float32)
    yb = y[: nblk * nb].reshape(nblk, nb)
    # one product written straight into the output, then x minus it in place (a single
    # BLAS call: many small calls stall when the BLAS threads compete for busy cores)
    np.matmul(coef, wave, out=yb)
    np.subtract(blocks, yb, out=yb)
    if tail.size:
        y[nblk * nb:] = x32[nblk * nb:] - tail
    for row in fix:  # the steps placed sample by sample
        a = int(row[0])
        y[a: a + row.size - 1] -= row[1:].astype(np.float32)
    return y


#: The last models fitted (:func:`_mains_model`): (the samples, weakly; their key; the model).
_MODELS: list[tuple[weakref.ref, tuple, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None]] = []
_MODELS_LOCK = threading.Lock()
#: Models remembered: one per detection worker (two) and one more.
_MODELS_KEPT = 3


def _mains_model(x32: np.ndarray, sfreq: float, freqs_hz: tuple[float, ...], *, block_s: float = MAINS_BLOCK_S
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """:func:`_fit_mains_model`, remembered for the same array object with the same samples at
    4096 places, rate, lines and block: detection fits a chin's model once for its bursts and
    reads its amplitude per second (REM atonia) with the same model (a second fit cost ~0.15 s
    per 8-h channel at 512 Hz)."""
    n = x32.shape[0]
    probe = np.asarray(x32[:: max(1, n // 4096)], dtype=np.float64)
    key = (float(sfreq), tuple(float(f) for f in freqs_hz), float(block_s), n, x32.strides, x32.dtype.str,
           float(probe.sum()), float((probe * probe).sum()))
    with _MODELS_LOCK:
        for ref, k, model in _MODELS:
            if ref() is x32 and k == key:
                return model
    model = _fit_mains_model(x32, sfreq, freqs_hz, block_s=block_s)
    with _MODELS_LOCK:
        _MODELS[:] = [m for m in _MODELS if m[0]() is not None][-(_MODELS_KEPT - 1):] + [(weakref.ref(x32), key, model)]
    return model


def _fit_mains_model(x32: np.ndarray, sfreq: float, freqs_hz: tuple[float, ...], *, block_s: float = MAINS_BLOCK_S
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """The tracked mains sinusoids of :func:`remove_mains`, as ``(coef, wave, tail, fix)``:
    block ``b`` (of ``nb = wave.shape[1]`` samples) holds ``coef[b] @ wave``, the samples after
    the last whole block hold ``tail`` (float32), and each row of ``fix`` (float64) is added
    over ``fix.shape[1] - 1`` samples from its first value (:func:`_place_steps`); None when
    there is nothing to remove.

    ``wave`` holds, per line of frequency ``f``, ``cos``, ``-sin``, ``u cos`` and ``-u sin`` of
    ``2 pi f tau`` (``tau`` the time from the block's start, ``u = tau / block``): the amplitude
    is linear within a block, from its value at the block's start to the next block's.  A line
    with fewer than two cycles in a block (a folded harmonic below 20 Hz), or fewer than two
    cycles of its beat with another line (a folded harmonic within 20 Hz of another), is fitted
    in blocks holding two (with a parabola for the drift under them) and its amplitude
    interpolated onto the same boundaries.
    """
    fs = float(sfreq)
    n_tot = x32.shape[0]
    freqs = np.array([float(f) for f in freqs_hz])
    if freqs.size == 0:
        return None
    # a line at the Nyquist frequency is cos(pi n) times a real amplitude: no sine column
    nyq = np.abs(freqs - 0.5 * fs) < 1e-6 * fs
    freqs[nyq] = 0.5 * fs
    n_par = 3 + 2 * freqs.size - int(nyq.sum())
    nb = max(int(round(block_s * fs)), 2 * n_par)
    n_out = n_tot // nb
    if n_out < 3:
        return None
    bounds = np.arange(n_out + 1) * nb / fs
    env = np.zeros((n_out + 1, freqs.size), dtype=np.complex128)
    # a line needs two cycles in its fitting block, and two of its beat with every other line (50 and
    # 56 Hz, folded at 256 Hz, are one line in 0.1 s): blocks a whole number of the model's
    sep = np.array([min([float(f)] + [abs(float(f) - float(g)) for g in freqs if g != f]) for f in freqs])
    mult = np.maximum(1, np.ceil(2.0 * fs / (np.maximum(sep, 1e-6) * nb) - 1e-9)).astype(int)
    groups = [(mult == m, int(m), bool(m > 1)) for m in np.unique(mult)]
    tracked = np.zeros(freqs.size, dtype=bool)
    steps: list[tuple[int, int, float]] = []  # (line, fitting block, noise power)
    quiet_fit, off_fit = np.zeros(0, dtype=bool), 0  # the fitting blocks without a burst, and their start
    for sel, m, quadratic in groups:
        nb_g = m * nb
        off = nb_g // 2  # fitting blocks centred on boundaries of the model's blocks
        n_fit = (n_tot - off) // nb_g if n_tot > off else 0
        if not sel.any() or n_fit < 2:
            continue
        amp, gain, power, flat = _block_fits(x32, fs, freqs, nyq, nb_g, off, n_fit, quadratic=quadratic)
        amp, gain = amp[:, sel], gain[sel]
        f_g, nyq_g = freqs[sel], nyq[sel]
        level = _local_level(power)  # the noise power of each block's neighbourhood
        quiet, long_run = _quiet_blocks(power, level, amp, gain)
        quiet &= ~flat
        step_s = nb_g / fs
        # each line's frequency refined from its phase advance, and the amplitudes (fitted with the
        # phase of each block's start) brought to one frame
        df = np.where(~nyq_g, _frequency_offsets(amp, quiet, f_g, step_s), 0.0)
        t0 = off / fs
        c0 = (off + 0.5 * (nb_g - 1)) / fs
        centres = c0 + np.arange(n_fit) * step_s
        amp *= _phasors(-(f_g * t0 + df * c0), -(f_g + df) * step_s, n_fit)
        freqs[sel] = f_g + df
        smooth, weight = _ici_smooth(amp, power, gain, quiet)
        smooth = _burst_edges(smooth, quiet, long_run)
        if m == 1:
            quiet_fit, off_fit = weight[:, 0] > 0, off
        # the amplitudes at the model's block boundaries, linear between fitting-block centres
        env[:, np.flatnonzero(sel)] = _interp_rows(bounds, centres, smooth)
        if m == 1:  # the centre of fitting block b is the model's boundary b + 1
            for j, i in enumerate(np.flatnonzero(sel)):
                steps += [(int(i), b, float(level[b])) for b, _, _ in _step_candidates(amp[:, j], weight[:, j])
                          if b >= 1 and b + 3 <= n_out]
        del amp, smooth, weight
        tracked |= sel
    if not tracked.any():
        return None
    fix = _place_steps(x32, fs, freqs, env, tracked, nb, steps, quiet_fit, off_fit) if steps \
        else np.zeros((0, 4 * nb + 1))
    freqs, env = freqs[tracked], env[:, tracked]
    rot = _phasors(np.zeros(freqs.size), freqs * nb / fs, n_out)
    start = env[:-1] * rot
    slope = (env[1:] - env[:-1]) * rot
    nl = freqs.size
    coef = np.empty((n_out, 4 * nl), dtype=np.float32)
    coef[:, :nl], coef[:, nl:2 * nl] = start.real, start.imag
    coef[:, 2 * nl:3 * nl], coef[:, 3 * nl:] = slope.real, slope.imag
    arg = 2 * np.pi * freqs[:, None] * (np.arange(nb) / fs)[None, :]
    u = np.arange(nb)[None, :] / nb
    wave = np.concatenate([np.cos(arg), -np.sin(arg), u * np.cos(arg), -u * np.sin(arg)], axis=0).astype(np.float32)
    rest = n_tot - n_out * nb
    t_rest = (n_out * nb + np.arange(rest)) / fs
    last = (env[-1][None, :] * np.exp(2j * np.pi * freqs[None, :] * t_rest[:, None])).real.sum(axis=1)
    return coef, wave, last.astype(np.float32), fix


def _place_steps(x32: np.ndarray, fs: float, freqs: np.ndarray, env: np.ndarray, tracked: np.ndarray, nb: int,
                 steps: list[tuple[int, int, float]], quiet: np.ndarray, off: int) -> np.ndarray:
    """The model's corrections where a line's amplitude steps, as rows ``[start, d_0 .. d_{4 nb - 1}]``
    (float64, sorted by start): what to subtract besides the linear amplitude over the four model
    blocks around the step.

    For each candidate ``(line, fitting block b, noise power)`` (:func:`_step_candidates`, the
    local level of :func:`_local_level`; the step lies in block ``b`` or a neighbour): over the
    model's blocks ``b - 1 .. b + 2`` (from the centre of fitting block ``b - 2`` to that of
    ``b + 2``) the samples minus every line's linear model and a parabola (the drift) are compared
    with the line stepping, at each sample, from its amplitude at the span's start to that at its
    end.  The best step is kept when it lowers the residual energy by more than
    :data:`_STEP_MIN_GAIN` times the noise power per sample, on the samples of quiet fitting
    blocks (``quiet``, blocks of ``nb`` from ``off``: a burst's or a QRS's are no evidence) and of
    the three around ``b`` (loud with the step's own misfit), and leaves at most
    :data:`_STEP_MAX_LEFT` times the noise power on the latter (a burst there is no step).  With a
    burst there (posture changes come with movements), it is kept when the quiet samples alone
    call for it (a ramp across the burst, the breathing's swing, fits them better than a step),
    placed by all the samples where they leave it open.  Without it the amplitude ramps over the
    0.2 s between block centres, and the half step left either side read as a 0.1-0.2-s burst.
    """
    width = 4 * nb
    rows: list[np.ndarray] = []
    idx = np.flatnonzero(tracked)
    k = np.arange(width)
    u = (k % nb) / nb
    blk = k // nb
    taken: dict[int, int] = {}
    for line, b, noise in sorted(steps, key=lambda s: (s[0], s[1])):
        if taken.get(line, -10**9) > b - 4:
            continue  # overlaps the span of this line's previous step
        a = (b - 1) * nb
        t = (a + k) / fs
        lo = env[b - 1 + blk][:, idx].T
        hi = env[b + blk][:, idx].T
        lin = lo + (hi - lo) * u[None, :]  # every line's amplitude, linear per model block
        carrier = np.exp(2j * np.pi * np.mod(freqs[idx][:, None] * t[None, :], 1.0))
        hums = (lin * carrier).real
        e = x32[a: a + width].astype(np.float64) - hums.sum(axis=0)
        c = (k - 0.5 * (width - 1)) / width
        poly = np.stack([np.ones(width), c, c * c], axis=1)
        e -= poly @ np.linalg.lstsq(poly, e, rcond=None)[0]
        j = int(np.flatnonzero(idx == line)[0])
        d_left = (env[b - 1, line] * carrier[j]).real - hums[j]
        d_right = (env[b + 3, line] * carrier[j]).real - hums[j]
        fb = (a + k - off) // nb
        seen = ((fb >= 0) & (fb < quiet.size)) & quiet[np.clip(fb, 0, quiet.size - 1)]
        centre = np.abs(fb - b) <= 1  # the fitting blocks the step may lie in: loud with its misfit
        gain = _step_gain(e, d_left, d_right, seen | centre)  # step before each sample 0 .. width
        tau = int(np.argmax(gain))
        step = np.where(k < tau, d_left, d_right)
        # the step explains its loud blocks, what is left there is the EMG's rest, not a burst's (the
        # median of the squared samples over 0.455, the median of a chi-square with 1 degree of
        # freedom: a QRS there does not count) ...
        explains = gain[tau] >= _STEP_MIN_GAIN * noise and \
            float(np.median((e - step)[centre] ** 2)) / 0.455 <= _STEP_MAX_LEFT * noise
        if not explains:
            # ... or, a burst there, the quiet samples alone call for it (a ramp across the burst,
            # the breathing's swing, fits them better), and all the samples place it where they
            # leave it open
            quiet_gain = _step_gain(e, d_left, d_right, seen)
            best = float(quiet_gain.max())
            if best < _STEP_MIN_GAIN * noise:
                continue
            tie = np.flatnonzero(quiet_gain >= best - noise)
            tau = int(tie[np.argmax(_step_gain(e, d_left, d_right, np.ones(width, dtype=bool))[tie])])
            step = np.where(k < tau, d_left, d_right)
        rows.append(np.concatenate([[float(a)], step]))
        taken[line] = b
    if not rows:
        return np.zeros((0, width + 1))
    out = np.stack(rows)
    return out[np.argsort(out[:, 0], kind="stable")]


def _step_gain(e: np.ndarray, d_left: np.ndarray, d_right: np.ndarray, use: np.ndarray) -> np.ndarray:
    """Residual energy the step explains when placed before each sample ``0 .. e.size`` of ``e``:
    ``sum 2 e d - d^2`` over the samples ``use``, ``d`` the change the step makes (``d_left``
    before it, ``d_right`` from it)."""
    g_left = np.concatenate([[0.0], np.cumsum(np.where(use, 2 * e * d_left - d_left ** 2, 0.0))])
    g_right = np.concatenate([np.cumsum(np.where(use, 2 * e * d_right - d_right ** 2, 0.0)[::-1])[::-1], [0.0]])
    return g_left + g_right


def _interp_rows(at: np.ndarray, centres: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Rows of ``values`` (at ``centres``, equally spaced) interpolated linearly at times ``at``
    (equally spaced), each column; constant beyond the ends (``np.interp``).  Where the two grids
    have one spacing (the model's blocks and the fitting blocks of 0.1 s) the fraction is one
    number and the rows are slices."""
    step = float(centres[1] - centres[0])
    pos = (at - centres[0]) / step
    if at.size > 1 and abs(float(at[1] - at[0]) - step) < 1e-9 * step:
        out = np.empty((at.size, values.shape[1]), dtype=values.dtype)
        k0 = int(np.floor(pos[0]))
        frac = float(pos[0] - k0)
        k = k0 + np.arange(at.size)
        inside = (k >= 0) & (k + 1 <= centres.size - 1)
        a, z = int(np.argmax(inside)), int(inside.size - np.argmax(inside[::-1]))
        if inside.any():
            ka = k0 + a
            out[a:z] = values[ka: ka + z - a] * (1.0 - frac) + values[ka + 1: ka + 1 + z - a] * frac
        out[pos <= 0] = values[0]
        out[pos >= centres.size - 1] = values[-1]
        return out
    out = np.empty((at.size, values.shape[1]), dtype=values.dtype)
    for i in range(values.shape[1]):
        out[:, i] = np.interp(at, centres, values[:, i].real) + 1j * np.interp(at, centres, values[:, i].imag)
    return out


def _frequency_offsets(amp: np.ndarray, quiet: np.ndarray, freqs: np.ndarray, step_s: float) -> np.ndarray:
    """Each line's frequency offset (Hz) from ``freqs``: the median phase advance between
    consecutive ``quiet`` blocks (``step_s`` apart; not flat, no burst), rounded to 10 mHz; 0
    within 10 mHz, beyond the +-1 Hz a line is read in, or with fewer than 100 such pairs.

    The grid's frequency wanders by up to +-50 mHz over minutes (ENTSO-E), which no single
    offset follows and the tracker does (a 10-mHz error turns the phase by 0.4 rad over 6.4 s,
    the widest window's half, which the local-linear windows follow): the offset only centres
    the lines.  A flat stretch (a gap) or a burst gives no phase: on a night with a 2-min gap
    the median over every pair moved a 60-Hz line by 0.044 Hz.  Rounded, the offset does not
    move when a gap takes some pairs away (the night's detection outside the gap stays the same:
    tests/detection/test_gaps.py)."""
    k_all = np.flatnonzero(quiet[1:] & quiet[:-1])
    turn = np.exp(-2j * np.pi * freqs * step_s)
    out = np.zeros(amp.shape[1])
    for i in range(amp.shape[1]):
        k = k_all
        if k.size < 100:
            continue  # too few pairs to read an offset
        off = float(np.median(np.angle(amp[k + 1, i] * np.conj(amp[k, i]) * turn[i]))) / (2 * np.pi * step_s)
        if 0.01 <= abs(off) <= LINE_HALF_WIDTH_HZ:
            out[i] = round(off, 2)
    return out


def _phasors(first: np.ndarray, step: np.ndarray, n: int) -> np.ndarray:
    """``exp(2j pi (first + k step))`` for ``k < n`` (rows) and each column of ``first``/``step``
    (cycles): exact every 1024 rows, times the exact phasors of ``j step`` for ``j < 1024``
    (rounding ~1e-16, whatever ``n``)."""
    m = -(-n // 1024)
    j = np.arange(1024)
    anchor = np.exp(2j * np.pi * np.mod(first[None, :] + (np.arange(m) * 1024)[:, None] * step[None, :], 1.0))
    within = np.exp(2j * np.pi * np.mod(j[:, None] * step[None, :], 1.0))
    return (anchor[:, None, :] * within[None, :, :]).reshape(m * 1024, first.size)[:n]


def _block_fits(x32: np.ndarray, fs: float, freqs: np.ndarray, nyq: np.ndarray, nb: int, off: int, n_fit: int, *,
                quadratic: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Least-squares fit of every line, a constant and a slope (and a parabola if ``quadratic``) in
    each of ``n_fit`` blocks of ``nb`` samples from ``off``: ``(amp, gain, power, flat)``, ``amp[b, i]``
    the complex amplitude of line ``i`` with the phase of block ``b``'s start (``x ~ Re(amp e^{j 2
    pi f tau})``), ``power[b]`` the block's residual power (uV^2 per sample, floored at
    ``_MIN_POWER_REL`` of the median; kernel ``block_moments``), ``gain[i] * power[b]`` the
    variance of each of the parts of ``amp[b, i]`` for white noise of that power, and ``flat[b]``
    where the power was below the floor (a flat stretch)."""
    from ._kernels import block_moments, block_solve

    tau = np.arange(nb) / fs
    u = (np.arange(nb) - 0.5 * (nb - 1)) / nb
    cols = [u * u - float(np.mean(u * u))] if quadratic else []
    for f, q in zip(freqs, nyq):
        cols.append(np.cos(2 * np.pi * f * tau))
        if not q:
            cols.append(np.sin(2 * np.pi * f * tau))
    other = np.stack(cols, axis=1)
    basis = np.concatenate([np.ones((nb, 1)), u[:, None], other], axis=1)
    gram_inv = np.linalg.inv(basis.T @ basis)
    x32 = np.ascontiguousarray(x32)
    mom = np.empty((n_fit, 3))
    block_moments(x32, off, u, mom)
    prod = np.empty((n_fit, basis.shape[1]))
    prod[:, :2] = mom[:, :2]
    # the sinusoids' (and parabola's) products in one float32 BLAS call: their rounding (~1e-7 of
    # the block's DC times sqrt(nb)) is far below a line's amplitude; the sums that carry the DC
    # and the energy are float64
    prod[:, 2:] = x32[off: off + n_fit * nb].reshape(n_fit, nb) @ other.astype(np.float32)
    theta = np.empty_like(prod)
    resid = np.empty(n_fit)
    block_solve(prod, np.ascontiguousarray(gram_inv), np.ascontiguousarray(mom[:, 2]), theta, resid)
    resid = np.maximum(resid, 0.0) / (nb - basis.shape[1])
    del prod, mom
    floor = _MIN_POWER_REL * float(np.median(resid))
    flat = resid < floor  # a flat stretch (a lead off, a gap read as the median): no information
    resid = np.maximum(resid, floor if floor > 0 else 1e-12)
    # the cosine and sine coefficients' columns of each line (the sine's repeats the cosine's at Nyquist)
    cos_col = 2 + int(quadratic) + np.concatenate([[0], np.cumsum(np.where(nyq, 1, 2))[:-1]]).astype(np.int64)
    sin_col = np.where(nyq, cos_col, cos_col + 1)
    amp = theta[:, cos_col] - 1j * np.where(nyq[None, :], 0.0, theta[:, sin_col])
    d = np.diag(gram_inv)
    return amp, 0.5 * (d[cos_col] + d[sin_col]), resid, flat


def _ici_smooth(amp: np.ndarray, power: np.ndarray, gain: np.ndarray, quiet: np.ndarray, *,
                gamma: float = ICI_GAMMA,
                halves: tuple[int, ...] = ICI_HALF_BLOCKS) -> tuple[np.ndarray, np.ndarray]:
    """Each block's amplitude ``amp[:, i]`` replaced by the weighted local-linear estimate over
    the window the intersection-of-confidence-intervals rule chooses (kernel ``ici_means``);
    returns ``(smoothed, weight)``, the weights used (0 for a burst's blocks).

    ``power[b] * gain[i]``: variance of each of the real and imaginary parts of ``amp[b, i]``
    (uV^2) for white noise of the block's residual power (:func:`_block_fits`).  Each block weighs
    its inverse (Gauss-Markov), with two refinements:

    - a block that is not ``quiet`` (:func:`_quiet_blocks`: its residual power exceeds
      :data:`_BURST_POWER_REL` times the local level, the lowest median of three neighbouring
      stretches of :data:`_LEVEL_BLOCKS` blocks, or it holds a brief burst's edge) weighs nothing:
      its amplitude is read from the blocks around it.  A burst's block's error is
      heavy-tailed (the burst starts or ends inside it): weighed by its variance, one such block
      in ten lay beyond 2 standard deviations, stood for the hum (or, at a burst's edge, tilted
      the line), and the interpolation between block centres carried it 50 ms into the quiet
      EMG beside the burst.  The line (local-linear, not a mean) keeps a window that the burst
      leaves one-sided from shifting the estimate along a changing amplitude;
    - the variance is scaled to the data: surface EMG's power is not white (it peaks at
      50-100 Hz; Merletti & Parker 2004), so the residual power over the whole band misstates
      it at the line.  The scale is read from the third differences of the blocks' amplitudes
      (a breathing swing of +-30 % at 0.5 Hz moves them by a quarter of the noise; a step or a
      burst is one outlier): the median, over runs of four blocks of weight, of the squared
      difference over its predicted variance, divided by ln 2 (the median of a chi-square with
      2 degrees of freedom over 2), clipped to 1/4-4.
    """
    from ._kernels import ici_means

    n, n_lines = amp.shape
    out = np.empty_like(amp)
    weight = np.empty(amp.shape)
    h = np.asarray(halves, dtype=np.int64)
    inv = np.where(quiet, 1.0 / power, 0.0)
    if n >= 8:
        run = quiet[3:] & quiet[2:-1] & quiet[1:-2] & quiet[:-3]
        pred = (power[3:] + 9 * power[2:-1] + 9 * power[1:-2] + power[:-3])[run]
    for i in range(n_lines):
        scale = 1.0
        if n >= 8 and pred.size:
            a = amp[:, i]
            d3 = (a[3:] - 3 * a[2:-1] + 3 * a[1:-2] - a[:-3])[run]
            scale = float(np.clip(np.median(np.abs(d3) ** 2 / (2.0 * gain[i] * pred)) / np.log(2.0), 0.25, 4.0))
        w = inv / (gain[i] * scale)
        sr = np.empty(n)
        si = np.empty(n)
        ici_means(np.ascontiguousarray(amp[:, i].real), np.ascontiguousarray(amp[:, i].imag), w, h, float(gamma),
                  sr, si)
        out[:, i] = sr + 1j * si
        weight[:, i] = w
    return out, weight


def _quiet_blocks(power: np.ndarray, level: np.ndarray, amp: np.ndarray, gain: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """The fitting blocks without a burst, and those of the bursts longer than :data:`_BRIEF_BLOCKS`.

    A block holds a burst when its residual power exceeds :data:`_BURST_POWER_REL` times the local
    ``level`` (:func:`_local_level`).  Beside a brief one (a QRS, a pop, a potential) a block may
    hold its edge, which the block's sinusoids and slope partly fit: its residual power stays low
    but its amplitude is off (2-4 uV beside a 150-uV QRS at 200 Hz, the same at every beat, read
    as potentials next to the heartbeats).  Such a block counts as the burst's when, for a line, its amplitude lies more
    than 3 standard deviations from the line through the two blocks beyond it (a hum swinging
    with breathing keeps it there: the blocks beside a brief muscle burst stay, and the hum is
    followed up to the burst).
    """
    loud = power > _BURST_POWER_REL * level
    quiet = ~loud
    n = loud.size
    edges = np.diff(np.concatenate([[0], loud.view(np.int8), [0]]))
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    brief = stops - starts <= _BRIEF_BLOCKS
    long_run = np.zeros(n, dtype=bool)
    if (~brief).any():  # the blocks of the long runs: a cumulative count of starts minus stops
        mark = np.zeros(n + 1, dtype=np.int64)
        np.add.at(mark, starts[~brief], 1)
        np.add.at(mark, stops[~brief], -1)
        long_run = np.cumsum(mark[:-1]) > 0
    var = power[:, None] * gain[None, :]
    for side, near, far in ((starts[brief] - 1, starts[brief] - 2, starts[brief] - 3),
                            (stops[brief], stops[brief] + 1, stops[brief] + 2)):
        ok = (side >= 0) & (side < n)
        side, near, far = side[ok], near[ok], far[ok]
        inside = (near >= 0) & (near < n) & (far >= 0) & (far < n)
        nc, fc = np.clip(near, 0, n - 1), np.clip(far, 0, n - 1)
        inside &= ~loud[nc] & ~loud[fc]
        pred = 2 * amp[nc] - amp[fc]
        spread = var[side] + 4 * var[nc] + var[fc]
        off = np.any(np.abs(amp[side] - pred) ** 2 > 2 * 9.0 * spread, axis=1)
        quiet[side[~inside | off]] = False
    return quiet, long_run


def _burst_edges(smooth: np.ndarray, quiet: np.ndarray, long_run: np.ndarray) -> np.ndarray:
    """``smooth`` with each long burst's first and last fitting block (``long_run``, beside two
    ``quiet`` ones) set to the line through the two quiet blocks' amplitudes beside it,
    extrapolated one block (both sides' mean when one block is both).

    The model is linear between block centres: from the last quiet block to the burst's first it
    ramps towards the burst's estimate, which is read across the burst (its curvature, up to
    ~1 uV under a 50-uV hum swinging +-30 % at 0.25 Hz); half of it reached the quiet samples
    before the burst, moving its onset 50 ms earlier at 200 Hz.  Inside the burst the hum's error
    is under the burst's power.  Across a brief run (a QRS) the curvature does not matter, and the
    quiet block beside it may hold its edge: no extrapolation there."""
    n = smooth.shape[0]
    if n < 5:
        return smooth
    out = smooth.copy()
    b = np.flatnonzero(long_run[2:n - 2]) + 2  # the long bursts' blocks (few)
    left = quiet[b - 1] & quiet[b - 2]
    right = quiet[b + 1] & quiet[b + 2]
    edge = left | right
    b, left, right = b[edge], left[edge], right[edge]
    from_left = 2 * smooth[b - 1] - smooth[b - 2]
    from_right = 2 * smooth[b + 1] - smooth[b + 2]
    both = (left & right)[:, None]
    out[b] = np.where(both, 0.5 * (from_left + from_right), np.where(left[:, None], from_left, from_right))
    return out


def _local_level(v: np.ndarray) -> np.ndarray:
    """Each block's local level of ``v``: the lowest of the medians of its stretch of
    :data:`_LEVEL_BLOCKS` blocks and the two beside it (a movement filling one stretch does
    not set its level; a waking spell filling three does)."""
    k = _LEVEL_BLOCKS
    n = v.size
    full = n // k
    med = np.empty(full + (1 if n > full * k else 0))
    if full:
        med[:full] = np.median(v[: full * k].reshape(full, k), axis=1)
    if n > full * k:
        med[-1] = float(np.median(v[full * k:]))
    lo = np.minimum(med, np.minimum(np.concatenate([med[:1], med[:-1]]), np.concatenate([med[1:], med[-1:]])))
    return np.repeat(lo, k)[:n]


def _step_candidates(amp: np.ndarray, w: np.ndarray) -> list[tuple[int, complex, complex]]:
    """Fitting blocks where one line's amplitude steps: ``(block, before, after)``.

    ``before``/``after``: weighted means of the :data:`_STEP_SIDE_BLOCKS` blocks either side.
    A step is a jump ``after - before`` of more than :data:`_STEP_MIN_SD` standard deviations
    that is :data:`_STEP_SHARPNESS` times the change between the same blocks and the next
    ones out on each side, per block between where the means stand (a ramp or the breathing's
    swing changes as much on the sides, also across a burst); a burst's blocks weigh nothing
    (``w``: :func:`_ici_smooth`), and each side needs a block that does; the largest of adjacent
    candidates.
    """
    n = amp.shape[0]
    k = _STEP_SIDE_BLOCKS
    if n < 4 * k + 1:
        return []
    # blocks whose neighbours differ by more than twice their standard deviation (a step of
    # _STEP_MIN_SD over 3-block means does)
    inv_w = np.divide(1.0, w, out=np.full(n, np.inf), where=w > 0)
    jump1 = np.abs(amp[2:] - amp[:-2]) ** 2 >= 8.0 * (inv_w[2:] + inv_w[:-2])  # blocks b - 1, b + 1
    jump2 = np.abs(amp[4:] - amp[:-4]) ** 2 >= 8.0 * (inv_w[4:] + inv_w[:-4])  # b - 2, b + 2 (a burst beside)
    b = np.flatnonzero(jump1[1:-1] | jump2) + 2
    b = b[(b >= 2 * k) & (b < n - 2 * k)]
    if b.size == 0:
        return []

    def mean(lo: int, hi: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Weighted mean of blocks b + lo .. b + hi - 1 (a burst's weigh 0), the weight, and where
        (blocks from b) the mean stands."""
        sw = np.sum([w[b + dd] for dd in range(lo, hi)], axis=0)
        safe = np.where(sw > 0, sw, 1.0)
        at = sum(w[b + dd] * dd for dd in range(lo, hi)) / safe
        mean_amp = sum(w[b + dd] * amp[b + dd] for dd in range(lo, hi)) / safe
        return mean_amp, sw, np.where(sw > 0, at, 0.5 * (lo + hi - 1))

    left, wl, pl = mean(-k, 0)
    right, wr, pr = mean(1, k + 1)
    left2, wl2, pl2 = mean(-2 * k, -k)
    right2, wr2, pr2 = mean(k + 1, 2 * k + 1)
    jump = right - left
    seen = (wl > 0) & (wr > 0)
    big = seen & (np.abs(jump) ** 2 >= _STEP_MIN_SD ** 2 * 2.0 * (1.0 / np.where(seen, wl, 1.0)
                                                                  + 1.0 / np.where(seen, wr, 1.0)))
    # per block, the jump against the sides' own change (where the blocks beyond them are not all
    # bursts): a ramp across a burst's blocks changes as much per block on the sides as across
    slope = np.maximum(np.where(wl2 > 0, np.abs(left - left2) / np.maximum(pl - pl2, 1.0), 0.0),
                       np.where(wr2 > 0, np.abs(right2 - right) / np.maximum(pr2 - pr, 1.0), 0.0))
    sharp = np.abs(jump) / np.maximum(pr - pl, 1.0) >= _STEP_SHARPNESS * slope
    ok = big & sharp
    b, size, left, right = b[ok], np.abs(jump[ok]), left[ok], right[ok]
    out = []
    for i in range(b.size):  # the largest of adjacent candidates
        prev = size[i - 1] if i > 0 and b[i - 1] == b[i] - 1 else 0.0
        nxt = size[i + 1] if i + 1 < b.size and b[i + 1] == b[i] + 1 else 0.0
        if size[i] >= prev and size[i] > nxt:
            out.append((int(b[i]), complex(left[i]), complex(right[i])))
    return out

"""Surface EMG: band-limited Gaussian texture modulated by tone and burst envelopes.

A channel is ``texture(t) * (tone(t) + bursts(t)) + amplifier noise``: the texture is
white noise band-passed to 20-200 Hz (2nd-order Butterworth, spectral peak near the
geometric centre ~ 60-70 Hz, as surface EMG: Merletti & Parker, Electromyography, 2004,
median frequency 50-100 Hz), normalised to unit RMS, so ``tone`` and each burst
envelope are RMS amplitudes in uV. A burst's envelope is zero outside its samples.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..vocab import Role
from .events import Burst
from .timeline import TONE_STEP_S, Timeline, envelope_shape, smooth_noise

__all__ = ["TONE_RMS_UV", "AMPLIFIER_NOISE_UV", "REST_TOLERANCE_UV", "emg_texture", "tone_profile",
           "burst_envelope", "scored_span", "band_gains", "edge_log_slopes",
           "LM_ONSET_UV", "LM_QUIET_S"]

#: Resting (tonic) EMG RMS per stage W, N1, N2, N3, R, in uV, by muscle.
#: Chin: tone falls from wake through NREM to REM atonia (AASM; Lapierre & Montplaisir,
#: Neurology 1992; chin EMG in wake ~5-15 uV RMS, REM atonia ~1 uV rectified: Ferri et
#: al., J Sleep Res 2008 atonia index on 1 uV bins). Limb (tibialis, FDS) resting EMG is
#: 1-3 uV in relaxed wake and falls slightly in sleep (AASM leg EMG resting level;
#: Ferri et al., Sleep Med 2016); axial muscles hold a little more tone.
TONE_RMS_UV = {
    Role.CHIN: (10.0, 6.0, 4.0, 3.0, 0.8),
    Role.LEG: (2.5, 1.8, 1.5, 1.3, 0.9),
    Role.ARM: (2.5, 1.8, 1.5, 1.3, 0.9),
    Role.AXIAL: (4.0, 2.8, 2.3, 2.0, 1.1),
}
#: Input-referred amplifier noise, RMS uV (IEC 60601-2-26: <= 6 uV peak-to-peak
#: ~ 1 uV RMS; modern PSG amplifiers ~0.3-0.5 uV RMS).
AMPLIFIER_NOISE_UV = 0.5
#: AASM leg movement (Manual v2.5, 2018, VII.A): the onset is an 8-uV increase of the EMG above
#: resting; the LM ends at the start of >= 0.5 s with the EMG <= 2 uV above resting.  A leg
#: movement's truth is scored by these rules on its noiseless amplitude: :func:`scored_span`.
LM_ONSET_UV = 8.0
REST_TOLERANCE_UV = 2.0
LM_QUIET_S = 0.5
#: Tonic chin RMS in RSWA REM epochs (about the NREM level: SINBAR tonic activity is
#: >= 2x the lowest NREM amplitude over >= 50 % of the epoch, Frauscher et al., Sleep 2012).
RSWA_TONIC_UV = 7.0


@lru_cache(maxsize=8)
def _texture_sos(sfreq: float) -> tuple[np.ndarray, float]:
    from scipy.signal import butter, sosfreqz

    hi = min(200.0, 0.45 * sfreq)  # 200 Hz, or below Nyquist at low rates
    sos = butter(2, [20.0, hi], btype="bandpass", fs=sfreq, output="sos")
    _, h = sosfreqz(sos, worN=8192)
    rms_gain = float(np.sqrt(np.mean(np.abs(h) ** 2)))
    return sos, rms_gain


@lru_cache(maxsize=8)
def band_gains(sfreq: float) -> tuple[float, float]:
    """RMS gains (texture, white amplifier noise) of the EMG filter a recording is read through.

    Amplitudes in the clinical rules are those of the EMG as recorded, through its EMG
    filter: AASM 10 Hz low cut, up to ~200 Hz where the sampling rate allows
    (:func:`myosleep.preprocessing.filters.design_emg_sos`, 2nd order: at most 0.4 x the
    rate).  The texture keeps 89-97 % of its RMS through it, white noise 45-86 %.
    """
    from scipy.signal import sosfreqz

    from ..preprocessing.filters import design_emg_sos

    fs = float(sfreq)
    sos, _ = _texture_sos(fs)
    f, h = sosfreqz(sos, worN=16384, fs=fs)
    _, g = sosfreqz(design_emg_sos(fs), worN=f, fs=fs)
    p, q = np.abs(h) ** 2, np.abs(g) ** 2
    return float(np.sqrt(np.sum(p * q) / np.sum(p))), float(np.sqrt(np.mean(q)))


def emg_texture(n: int, sfreq: float, rng: np.random.Generator) -> np.ndarray:
    """Unit-RMS, 20-200 Hz band-limited Gaussian noise (float32)."""
    from scipy.signal import sosfilt

    sos, gain = _texture_sos(float(sfreq))
    x = sosfilt(sos, rng.standard_normal(n, dtype=np.float32)).astype(np.float32)
    x /= np.float32(gain)
    return x


def tone_profile(role: Role, tl: Timeline, sfreq: float, n: int, rng: np.random.Generator, *,
                 rswa_epochs: np.ndarray | None = None, epoch_s: float = 30.0) -> np.ndarray:
    """Tonic RMS (uV) per sample: stage level, stepping within 1-2 s at a change of stage
    (:data:`~myosleep.simulate.timeline.TONE_STEP_S`), slow +-20 % fluctuation, raised
    during arousals (AASM REM arousal needs a chin EMG increase) and in RSWA epochs."""
    levels = TONE_RMS_UV[role]
    coarse = tl.coarse(levels, crossfade_s=TONE_STEP_S)
    coarse = coarse * np.exp(0.2 * smooth_noise(coarse.size, rng, time_constant_s=60.0))
    wake = levels[0]
    coarse = coarse + tl.arousal * 0.6 * np.maximum(wake - coarse, 0.0)
    if role == Role.CHIN and rswa_epochs is not None and rswa_epochs.size:
        mask = np.zeros(coarse.size)
        t = tl.t_coarse
        ep = np.floor(t / epoch_s).astype(int)
        mask[np.isin(ep, rswa_epochs)] = 1.0
        win = np.hanning(31)
        mask = np.convolve(mask, win / win.sum(), mode="same")
        coarse = coarse + mask * (RSWA_TONIC_UV - coarse).clip(min=0.0)
    return tl.at(coarse, sfreq, n)


def burst_envelope(bursts: list[Burst], n: int, rng: np.random.Generator, *,
                   tone_uv: np.ndarray | None = None, noise_uv: float = 0.0,
                   spans: list[tuple[int, int]] | None = None,
                   aasm_lm: list[bool] | None = None, sfreq: float = 0.0,
                   slopes: list[tuple[float, float]] | None = None) -> np.ndarray:
    """Sum of burst envelopes (uV RMS) for one channel; zero outside the bursts.

    Parameters
    ----------
    bursts : list of Burst
        The channel's bursts (``onset_i``, ``n`` samples, ``amplitude_uv``, ``shape``).
    n : int
        Samples in the channel.
    rng : numpy.random.Generator
        Draws the shapes' random parameters (the same draws with or without ``tone_uv``).
    tone_uv : ndarray | None
        The channel's tonic RMS per sample (uV, :func:`tone_profile`).  When given, ``spans``
        receives each burst's **scored span** (:func:`scored_span`).
    noise_uv : float
        Amplifier noise RMS (uV), part of the resting EMG.
    spans : list | None
        Filled with one ``(onset_i, n)`` per burst, in order, when ``tone_uv`` is given.
    aasm_lm : list of bool | None
        Per burst: it is a leg movement, scored by the AASM rules rather than the phasic
        criterion (:func:`scored_span`); default False for all.
    sfreq : float
        Sampling rate (Hz), for the 0.5-s quiet period that ends a leg movement.
    slopes : list | None
        Filled with one ``(onset, offset)`` pair per burst (with ``spans``): how fast the
        amplitude changes at the scored edges (:func:`edge_log_slopes`, 1/s).
    """
    env = np.zeros(n, dtype=np.float32)
    for k, b in enumerate(bursts):
        a, e = b.onset_i, min(b.onset_i + b.n, n)
        if e <= a:
            if spans is not None:
                spans.append((b.onset_i, b.n))
            if slopes is not None:
                slopes.append((float("nan"), float("nan")))
            continue
        own = np.float32(b.amplitude_uv) * envelope_shape(b.shape, b.n, rng)[: e - a]
        env[a:e] += own
        if tone_uv is not None and spans is not None:
            lm = bool(aasm_lm[k]) if aasm_lm is not None else False
            gains = band_gains(sfreq) if sfreq > 0 else (1.0, 1.0)
            spans.append(scored_span(own, tone_uv[a:e], noise_uv, a, aasm_lm=lm, sfreq=sfreq, gains=gains))
            if slopes is not None:
                slopes.append(edge_log_slopes(own, tone_uv[a:e], noise_uv, a, spans[-1], sfreq=sfreq, gains=gains))
        elif spans is not None:
            spans.append((b.onset_i, b.n))
            if slopes is not None:
                slopes.append((float("nan"), float("nan")))
    return env


def scored_span(own_uv: np.ndarray, tone_uv: np.ndarray, noise_uv: float, onset_i: int, *,
                aasm_lm: bool = False, sfreq: float = 0.0,
                gains: tuple[float, float] = (1.0, 1.0)) -> tuple[int, int]:
    """``(first sample, number of samples)`` of a burst as its clinical rule scores it.

    The rules read the amplitude of the EMG against its resting level.  Here both are
    known without noise: the EMG is ``texture x (tone + envelope) + amplifier noise`` with
    a unit-RMS texture, so its expected RMS amplitude in the recorded EMG band is
    ``A = sqrt(gt**2 (tone + own)**2 + gn**2 noise**2)`` and the resting EMG ``R =
    sqrt(gt**2 tone**2 + gn**2 noise**2)`` (``gains`` = (gt, gn): :func:`band_gains`; the
    same measure as the detector's moving RMS).  A modelled envelope (a
    Hann window, a Tukey ramp, an exponential decay) tapers towards zero, and no scorer and
    no detector can place an edge in a tail that the background hides; the truth is
    therefore where the rule places the edges, applied to ``A`` and ``R``:

    * a phasic burst (myoclonic potentials, twitches, jerks): where ``A >= 2 R``, the
      amplitude criterion of phasic EMG activity, "exceeding twice the background EMG
      activity" (SINBAR: Frauscher et al., Sleep 2012; the myoclonic potentials of
      fragmentary myoclonus have no amplitude rule for their edges in the AASM manual);
    * a leg movement (``aasm_lm``): the AASM rules (Manual v2.5, 2018, VII.A): the onset is
      the first sample where ``A`` is 8 uV above ``R``; the offset is the start of the
      first period of >= 0.5 s (``sfreq`` gives its samples) with ``A`` within 2 uV of
      ``R``, which is not part of the movement.  After the modelled span the envelope is
      zero, so such a period always comes.

    The envelope itself is left as modelled (the signal does not change); only the truth's
    onset and duration are taken from it.  A burst that never reaches the criterion keeps
    its whole modelled span.
    """
    gt, gn = float(gains[0]), float(gains[1])
    tone = gt * np.asarray(tone_uv, dtype=np.float64)
    noise2 = (gn * float(noise_uv)) ** 2
    amp = np.sqrt(np.square(tone + gt * np.asarray(own_uv, dtype=np.float64)) + noise2)
    rest = np.sqrt(np.square(tone) + noise2)
    if not aasm_lm:
        above = np.flatnonzero(amp >= 2.0 * rest)
        if above.size == 0:
            return int(onset_i), int(own_uv.size)
        return int(onset_i + above[0]), int(above[-1] - above[0] + 1)
    start = np.flatnonzero(amp - rest >= LM_ONSET_UV)
    if start.size == 0:
        return int(onset_i), int(own_uv.size)
    i0 = int(start[0])
    quiet = amp[i0:] - rest[i0:] <= REST_TOLERANCE_UV
    need = max(1, int(round(LM_QUIET_S * sfreq)))
    # runs of quiet samples after the onset; the first one of >= 0.5 s (or reaching the end of
    # the modelled span, after which the envelope is zero) starts the offset period
    edges = np.flatnonzero(np.diff(np.r_[0, quiet.astype(np.int8), 0]))
    for q0, q1 in zip(edges[::2].tolist(), edges[1::2].tolist()):
        if q1 - q0 >= need or q1 == quiet.size:
            return int(onset_i + i0), int(q0)
    return int(onset_i + i0), int(quiet.size)


def edge_log_slopes(own_uv: np.ndarray, tone_uv: np.ndarray, noise_uv: float, onset_i: int,
                    span: tuple[int, int], *, sfreq: float,
                    gains: tuple[float, float] = (1.0, 1.0)) -> tuple[float, float]:
    """``(onset, offset)``: |d ln A / dt| (1/s) of the burst's amplitude at its scored edges.

    ``A`` as in :func:`scored_span`.  How precisely an edge can be placed at all depends on
    it: the amplitude of EMG, a random signal, is only known with a relative error that
    shrinks with the samples averaged, so an edge where the amplitude changes by a factor
    e in 1 / slope seconds cannot be placed to better than a fraction of that time from a
    few degrees of freedom (a slope of 20/s: 50 ms for a factor e).
    """
    gt, gn = float(gains[0]), float(gains[1])
    tone = gt * np.asarray(tone_uv, dtype=np.float64)
    amp = np.sqrt(np.square(tone + gt * np.asarray(own_uv, dtype=np.float64)) + (gn * float(noise_uv)) ** 2)
    if amp.size < 2 or sfreq <= 0:
        return float("nan"), float("nan")
    g = np.abs(np.gradient(np.log(amp))) * float(sfreq)
    i0 = min(max(span[0] - onset_i, 0), amp.size - 1)
    i1 = min(max(span[0] - onset_i + span[1] - 1, 0), amp.size - 1)
    return float(g[i0]), float(g[i1])

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
           "burst_envelope", "visible_span"]

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
#: AASM rest tolerance (uV): EMG within 2 uV of its resting level is at rest (AASM Manual
#: v2.5, 2018, leg movements: the LM ends at the start of >= 0.5 s with EMG <= 2 uV above
#: resting).  A leg movement's truth ends where its own amplitude falls below this:
#: :func:`visible_span`.
REST_TOLERANCE_UV = 2.0
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
                   rest_tolerance: list[bool] | None = None) -> np.ndarray:
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
        receives each burst's **visible span** (:func:`visible_span`) against the resting
        RMS ``sqrt(tone_uv**2 + noise_uv**2)``.
    noise_uv : float
        Amplifier noise RMS (uV), part of the resting RMS.
    spans : list | None
        Filled with one ``(onset_i, n)`` per burst, in order, when ``tone_uv`` is given.
    rest_tolerance : list of bool | None
        Per burst: its truth follows the AASM rest tolerance (leg movements) rather than
        the phasic criterion (:func:`visible_span`); default False for all.
    """
    env = np.zeros(n, dtype=np.float32)
    for k, b in enumerate(bursts):
        a, e = b.onset_i, min(b.onset_i + b.n, n)
        if e <= a:
            if spans is not None:
                spans.append((b.onset_i, b.n))
            continue
        own = np.float32(b.amplitude_uv) * envelope_shape(b.shape, b.n, rng)[: e - a]
        env[a:e] += own
        if tone_uv is not None and spans is not None:
            rest = np.sqrt(np.square(tone_uv[a:e], dtype=np.float32) + np.float32(noise_uv) ** 2)
            aasm = bool(rest_tolerance[k]) if rest_tolerance is not None else False
            spans.append(visible_span(own, rest, a, rest_tolerance=aasm))
    return env


def visible_span(own_uv: np.ndarray, background_uv: np.ndarray, onset_i: int, *,
                 rest_tolerance: bool = False) -> tuple[int, int]:
    """``(first sample, number of samples)`` of a burst where it is visible above the background.

    A modelled envelope (a Hann window, a Tukey plateau, an exponential decay) tapers
    towards zero at both ends, and where it is small against the channel's resting EMG
    nothing marks it: no scorer, and no detector, can place an edge in a tail that
    the background hides.  The truth of a burst is therefore the span where the rule that
    scores it sees it:

    * a phasic burst (myoclonic potentials, twitches, jerks): where its own envelope is at
      least the resting RMS.  The signal is ``texture x (tone + envelope)``, so there the
      amplitude is at least **twice the background**: the amplitude criterion of phasic
      EMG activity in SINBAR (Frauscher et al., Sleep 2012: bursts "exceeding twice the
      background EMG activity");
    * a leg movement (``rest_tolerance``): where its own envelope is more than
      :data:`REST_TOLERANCE_UV` above rest: the AASM rule ends an LM where the EMG is back
      within 2 uV of resting (AASM Manual v2.5, 2018).

    The envelope itself is left as modelled (the signal does not change); only the truth's
    onset and duration are taken from it.  A burst that never reaches that level keeps its
    whole modelled span.
    """
    level = np.float32(REST_TOLERANCE_UV) if rest_tolerance else background_uv
    above = np.flatnonzero(own_uv >= level)
    if above.size == 0:
        return int(onset_i), int(own_uv.size)
    return int(onset_i + above[0]), int(above[-1] - above[0] + 1)

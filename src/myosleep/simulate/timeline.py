"""Shared machinery: stage weights on a coarse grid, shaped noise, burst envelope shapes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..io.hypnogram_model import Hypnogram

__all__ = ["Timeline", "shaped_noise", "smooth_noise", "envelope_shape", "SHAPES", "STAGE_ORDER", "TONE_STEP_S"]

#: Stage codes in the order of per-stage parameter tuples: W, N1, N2, N3, R.
STAGE_ORDER = (0, 1, 2, 3, 4)
#: Grid of the slowly varying profiles (stage weights, arousal state), Hz. 4 Hz resolves
#: the ~0.3-s rise of an arousal and divides the usual PSG rates (100, 128, 200, 256, 512 Hz).
COARSE_HZ = 4.0
#: Width of the cross-fade between stages, s. Stage changes are gradual over seconds
#: (EEG does not switch at epoch borders; AASM scores the epoch by its majority content),
#: so profiles are smoothed with a Hann window of this width: no discontinuity at borders.
CROSSFADE_S = 6.0
#: Width of the change of muscle tone at a change of stage, s.  Tone does not drift with
#: the EEG over seconds: REM atonia is a postsynaptic inhibition of the motoneurons that
#: sets in and lifts abruptly (Chase & Morales, Annu Rev Psychol 1990), and on waking or
#: an arousal chin tone rises within a second (AASM Manual v2.5, 2018: an arousal in REM
#: needs a concurrent chin EMG increase lasting >= 1 s).  Tone therefore steps within
#: 1-2 s of the stage change: a 1.5-s Hann cross-fade at the epoch border.
TONE_STEP_S = 1.5


@dataclass(frozen=True, eq=False)
class Timeline:
    """Stage weights and arousal level on a coarse grid for one night.

    Parameters
    ----------
    duration_s : float
        Night length, s.
    weights : ndarray, shape (5, n_coarse)
        Weight of W, N1, N2, N3, R at each coarse sample (sum 1); unscored/artefact
        epochs count as W.
    arousal : ndarray, shape (n_coarse,)
        0..1 arousal level (EEG arousals after events), filled by the event model.
    """

    duration_s: float
    weights: np.ndarray
    arousal: np.ndarray
    stages: np.ndarray | None = None  # stage code (0-4) at each coarse sample

    @classmethod
    def from_hypnogram(cls, hyp: Hypnogram, duration_s: float) -> Timeline:
        n = int(np.ceil(duration_s * COARSE_HZ)) + 1
        t = np.arange(n) / COARSE_HZ
        st = hyp.stage_at(t).astype(int)
        st[st < 0] = 0
        return cls(duration_s=float(duration_s), weights=_crossfade(st, CROSSFADE_S), arousal=np.zeros(n),
                   stages=st)

    @property
    def t_coarse(self) -> np.ndarray:
        return np.arange(self.weights.shape[1]) / COARSE_HZ

    def coarse(self, per_stage: tuple[float, float, float, float, float] | np.ndarray, *,
               crossfade_s: float | None = None) -> np.ndarray:
        """Stage-weighted profile on the coarse grid from one value per stage (W..R).

        ``crossfade_s``: width (s) of the change at a stage border (default
        :data:`CROSSFADE_S`; muscle tone uses :data:`TONE_STEP_S`).
        """
        w = self.weights
        if crossfade_s is not None and crossfade_s != CROSSFADE_S and self.stages is not None:
            w = _crossfade(self.stages, crossfade_s)
        return np.asarray(per_stage, dtype=float) @ w

    def at(self, coarse_profile: np.ndarray, sfreq: float, n: int) -> np.ndarray:
        """Linearly interpolate a coarse profile to ``n`` samples at ``sfreq`` Hz (float32)."""
        p = np.asarray(coarse_profile, dtype=np.float32)
        ratio = sfreq / COARSE_HZ
        if ratio == int(ratio):
            r = int(ratio)
            k = -(-n // r)  # coarse intervals needed
            if k + 1 <= p.size:
                frac = (np.arange(r, dtype=np.float32) / np.float32(r))[None, :]
                out = p[:k, None] * (np.float32(1.0) - frac) + p[1:k + 1, None] * frac
                return out.ravel()[:n]
        t = np.arange(n, dtype=np.float64) / sfreq
        return np.interp(t, self.t_coarse, p).astype(np.float32)

    def profile(self, per_stage, sfreq: float, n: int) -> np.ndarray:
        return self.at(self.coarse(per_stage), sfreq, n)


def _crossfade(stages: np.ndarray, width_s: float) -> np.ndarray:
    """Weights (5, n) of W..R on the coarse grid, smoothed by a Hann window ``width_s`` wide."""
    n = stages.size
    onehot = np.zeros((5, n), dtype=np.float64)
    onehot[stages, np.arange(n)] = 1.0
    win = np.hanning(int(width_s * COARSE_HZ) + 1)
    win /= win.sum()
    pad = win.size // 2
    padded = np.pad(onehot, ((0, 0), (pad, pad)), mode="edge")
    return np.stack([np.convolve(row, win, mode="valid") for row in padded])[:, :n]


def shaped_noise(n: int, sfreq: float, rng: np.random.Generator, amplitude_of_f) -> np.ndarray:
    """Gaussian noise of unit variance with the amplitude spectrum ``amplitude_of_f``.

    ``amplitude_of_f`` is a function of frequency (Hz) or an array over
    ``numpy.fft.rfftfreq(n, 1 / sfreq)`` (to reuse one spectrum). White noise shaped in
    the frequency domain (one real FFT), float32.
    """
    import scipy.fft as sfft

    white = rng.standard_normal(n, dtype=np.float32)
    spec = sfft.rfft(white)
    if callable(amplitude_of_f):
        amplitude_of_f = amplitude_of_f(np.fft.rfftfreq(n, 1.0 / sfreq))
    spec *= np.asarray(amplitude_of_f, dtype=np.float32)
    out = sfft.irfft(spec, n=n).astype(np.float32, copy=False)
    sd = float(out.std())
    if sd > 0:
        out /= np.float32(sd)
    return out


def smooth_noise(n_coarse: int, rng: np.random.Generator, *, time_constant_s: float) -> np.ndarray:
    """Slow unit-variance Gaussian fluctuation on the coarse grid (exponential smoothing)."""
    from scipy.signal import lfilter

    a = np.exp(-1.0 / (time_constant_s * COARSE_HZ))
    x = lfilter([np.sqrt(1 - a * a)], [1.0, -a], rng.standard_normal(n_coarse))
    return x


def band_amplitude(lo_hz: float, hi_hz: float, *, edge_hz: float = 0.5):
    """Amplitude spectrum flat in [lo, hi] with raised-cosine edges of ``edge_hz``."""

    def fn(f: np.ndarray) -> np.ndarray:
        a = np.zeros_like(f)
        a[(f >= lo_hz) & (f <= hi_hz)] = 1.0
        lo_edge = (f > lo_hz - edge_hz) & (f < lo_hz)
        a[lo_edge] = 0.5 - 0.5 * np.cos(np.pi * (f[lo_edge] - (lo_hz - edge_hz)) / edge_hz)
        hi_edge = (f > hi_hz) & (f < hi_hz + edge_hz)
        a[hi_edge] = 0.5 + 0.5 * np.cos(np.pi * (f[hi_edge] - hi_hz) / edge_hz)
        return a

    return fn


# ------------------------------------------------------------------ burst shapes
def envelope_shape(kind: str, n: int, rng: np.random.Generator | None = None) -> np.ndarray:
    """Unit-peak amplitude envelope of ``n`` samples, strictly positive on every sample.

    Evaluated at the sample mid-points ``u = (j + 0.5) / n``, so the first and last
    samples of a burst are non-zero and the burst onset is exactly its first sample.

    Shapes: ``hann`` (symmetric rise/fall), ``fast_rise`` (rise over the first 15-25 %,
    exponential decay: a jerk), ``plateau`` (Tukey: sustained contraction, leg movements),
    ``gamma`` (skewed rise then slower decay).
    """
    u = (np.arange(n) + 0.5) / n
    if kind == "hann":
        e = np.sin(np.pi * u) ** 2
    elif kind == "fast_rise":
        r = 0.2 if rng is None else rng.uniform(0.15, 0.25)
        e = np.where(u < r, np.sin(0.5 * np.pi * u / r) ** 2, np.exp(-(u - r) / (0.35 * (1 - r))))
        e = np.minimum(e, np.sin(np.pi * u) ** 0.5 + 1e-3)  # taper to the end
    elif kind == "plateau":
        alpha = 0.3 if rng is None else rng.uniform(0.2, 0.5)
        e = np.ones(n)
        edge = u < alpha / 2
        e[edge] = 0.5 - 0.5 * np.cos(2 * np.pi * u[edge] / alpha)
        edge = u > 1 - alpha / 2
        e[edge] = 0.5 - 0.5 * np.cos(2 * np.pi * (1 - u[edge]) / alpha)
        if rng is not None:  # irregular recruitment within a sustained contraction
            wob = np.interp(u, np.linspace(0, 1, 8), rng.uniform(0.7, 1.0, 8))
            e *= wob
    elif kind == "gamma":
        k = 2.0
        e = (u / 0.3) ** k * np.exp(-k * (u / 0.3 - 1))
        e *= np.sin(np.pi * u) ** 0.3
    else:
        raise ValueError(f"unknown envelope shape {kind!r}")
    e = np.maximum(e, 1e-3)
    return (e / e.max()).astype(np.float32)


SHAPES = ("hann", "fast_rise", "plateau", "gamma")

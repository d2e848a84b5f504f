"""Non-physiological signals: mains hum, electrode pops, movement artefacts on EEG/EOG."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .timeline import Timeline, shaped_noise, smooth_noise

__all__ = ["Artefact", "mains_hum", "electrode_pops", "pop_waveform", "movement_contamination"]


@dataclass
class Artefact:
    onset_s: float
    duration_s: float
    kind: str
    channel: str
    amplitude_uv: float


def mains_hum(n: int, sfreq: float, mains_hz: float, amplitude_uv: float, tl: Timeline,
              rng: np.random.Generator) -> np.ndarray:
    """Mains interference: fundamental of ``amplitude_uv`` (slowly varying +-40 % over
    minutes as cables and electrode impedances change) plus the 3rd harmonic at 30 % and
    the 2nd at 10 % where below 0.45 * sfreq (non-linear loads make odd harmonics the
    largest; IEEE 519)."""
    env = amplitude_uv * np.exp(0.4 * smooth_noise(tl.t_coarse.size, rng, time_constant_s=300.0))
    env = tl.at(env, sfreq, n)
    # integer mains and sampling frequencies: the waveform repeats every second exactly,
    # so one second is computed and tiled
    period = int(round(sfreq))
    t = np.arange(period, dtype=np.float64) / sfreq
    one = np.zeros(period, dtype=np.float64)
    for k, rel in ((1, 1.0), (2, 0.1), (3, 0.3)):
        f = k * mains_hz
        if f < 0.45 * sfreq:
            one += rel * np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi))
    x = np.tile(one.astype(np.float32), n // period + 1)[:n]
    return (env * x).astype(np.float32)


def pop_waveform(amplitude_uv: float, tau_s: float, sfreq: float, kind: str) -> np.ndarray:
    """Electrode pop: an instantaneous step (``"step"``) or a 1-2-sample sharp spike
    (``"spike"``) followed by an exponential return to baseline with time constant
    ``tau_s`` (0.1-2 s), no 20-200 Hz texture (a sudden electrode-skin impedance change
    discharging through the input's high-pass; Rampil, Anesthesiology 1998 / AASM
    technical artefacts). The waveform ends when it falls below 0.5 uV."""
    n = int(np.ceil(tau_s * np.log(max(abs(amplitude_uv), 1.0) / 0.5) * sfreq)) + 1
    t = np.arange(n) / sfreq
    w = amplitude_uv * np.exp(-t / tau_s)
    if kind == "spike":
        w[1:] *= 0.35  # the spike stands above its tail
    return w.astype(np.float32)


def electrode_pops(labels: list[str], sfreqs: dict[str, float], duration_s: float, per_hour: float,
                   rng: np.random.Generator) -> list[tuple[Artefact, int, np.ndarray]]:
    """Random pops: channel, onset sample and waveform; 50-500 uV, tau 0.1-2 s."""
    out = []
    n = int(rng.poisson(per_hour * duration_s / 3600.0))
    for _ in range(n):
        lab = labels[int(rng.integers(len(labels)))]
        fs = sfreqs[lab]
        amp = rng.uniform(50.0, 500.0) * rng.choice([-1.0, 1.0])
        tau = float(np.exp(rng.uniform(np.log(0.1), np.log(2.0))))
        kind = "step" if rng.random() < 0.5 else "spike"
        w = pop_waveform(amp, tau, fs, kind)
        i0 = int(rng.integers(int(fs), max(int(fs) + 1, int((duration_s - 5.0) * fs))))
        dur = min(w.size / fs, duration_s - i0 / fs)
        out.append((Artefact(i0 / fs, dur, "electrode_pop", lab, abs(amp)), i0, w))
    return out


def movement_contamination(n_s: int, sfreq: float, rng: np.random.Generator) -> np.ndarray:
    """Body-movement artefact on an EEG/EOG lead: a slow electrode-motion swing (< 2 Hz,
    ~50-150 uV) and muscle activity (20-60 uV RMS above 20 Hz), tapered at both ends."""
    slow = shaped_noise(n_s, sfreq, rng, lambda f: (f > 0.1) * (f < 2.0))
    fast = shaped_noise(n_s, sfreq, rng, lambda f: (f > 20.0) * (f < 0.45 * sfreq))
    taper = np.sin(np.pi * (np.arange(n_s) + 0.5) / n_s) ** 0.5
    x = rng.uniform(50.0, 150.0) * slow + rng.uniform(20.0, 60.0) * fast
    return (taper * x).astype(np.float32)


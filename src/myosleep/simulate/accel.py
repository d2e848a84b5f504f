"""A chest (trunk) tri-axial accelerometer: posture, body movements and jerks, in g."""

from __future__ import annotations

import numpy as np

from .events import Event
from .timeline import shaped_noise

__all__ = ["ACCEL_HZ", "simulate_accelerometer", "JERK_TYPES"]

#: Sampling rate of the accelerometer, Hz (PSG position sensors and research wearables
#: record at 25-100 Hz; 100 Hz resolves jerk transients of 4-8 Hz).
ACCEL_HZ = 100.0
#: Sensor noise, g RMS: MEMS accelerometers ~150-300 ug/sqrt(Hz) over a 50 Hz band
#: ~ 1-2 mg (e.g. ADXL345 data sheet); with skin and breathing motion ~3 mg.
NOISE_G = 0.003
#: Electromechanical delay between EMG onset and the start of movement, s (20-50 ms;
#: Cavanagh & Komi, Eur J Appl Physiol 1979).
EMD_S = 0.025
#: Jerk classes moving the trunk, with peak acceleration range (g): sleep starts are
#: whole-body jerks (~0.1-0.5 g at the trunk); propriospinal jerks flex the trunk.
JERK_TYPES = {"hypnic_jerk": (0.1, 0.5), "propriospinal_myoclonus": (0.05, 0.25)}

# Lying postures (unit gravity vectors in the sensor frame: x head-foot, y left-right,
# z antero-posterior): supine, left, right, prone.
_POSTURES = np.array([[0.0, 0.0, 1.0], [0.0, 1.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, -1.0]])


def simulate_accelerometer(events: list[Event], fs_emg: float, duration_s: float,
                           rng: np.random.Generator) -> tuple[np.ndarray, dict[int, float]]:
    """Three axes (3, n) in g at :data:`ACCEL_HZ`, and the movement onset (s) of every
    event visible on them, keyed by the event's index in ``events``.

    Gravity follows the posture, which changes only during body movements (smooth
    rotation over the movement, plus 0.5-5 Hz movement acceleration of 0.05-0.2 g);
    jerks add a damped 4-8 Hz oscillation (time constant 80-150 ms) along a random
    direction, starting :data:`EMD_S` after the first EMG burst.
    """
    fs = ACCEL_HZ
    n = int(round(duration_s * fs))
    t = np.arange(n) / fs
    post = _POSTURES[int(rng.integers(len(_POSTURES)))] + rng.normal(0.0, 0.1, 3)
    grav = np.tile((post / np.linalg.norm(post))[:, None], (1, n))
    out = np.zeros((3, n), dtype=np.float64)
    visible: dict[int, float] = {}
    for k, ev in enumerate(events):
        on = min(b.onset_i for b in ev.bursts) / fs_emg
        off = max(b.onset_i + b.n for b in ev.bursts) / fs_emg
        if ev.trial_type == "body_movement":
            i0, i1 = int(round((on + EMD_S) * fs)), min(int(round(off * fs)), n)
            if i1 - i0 < 2:
                continue
            new = _POSTURES[int(rng.integers(len(_POSTURES)))] + rng.normal(0.0, 0.1, 3)
            new /= np.linalg.norm(new)
            old = grav[:, i0].copy()
            w = 0.5 - 0.5 * np.cos(np.pi * np.arange(i1 - i0) / (i1 - i0))
            seg = old[:, None] * (1 - w) + new[:, None] * w
            grav[:, i0:i1] = seg / np.linalg.norm(seg, axis=0)
            grav[:, i1:] = new[:, None]
            m = i1 - i0
            taper = np.sin(np.pi * (np.arange(m) + 0.5) / m)
            for ax in range(3):
                out[ax, i0:i1] += rng.uniform(0.05, 0.2) * taper * shaped_noise(
                    m, fs, rng, lambda f: ((f > 0.5) & (f < 5.0)).astype(float))
            visible[k] = i0 / fs
        elif ev.trial_type in JERK_TYPES:
            lo, hi = JERK_TYPES[ev.trial_type]
            start = on + EMD_S
            i0 = int(np.ceil(start * fs))
            i1 = min(n, i0 + int(0.8 * fs))
            tt = t[i0:i1] - start
            f = rng.uniform(4.0, 8.0)
            tau = rng.uniform(0.08, 0.15)
            wave = np.sin(2 * np.pi * f * tt) * np.exp(-tt / tau)
            wave /= np.abs(wave).max()
            direction = rng.normal(0.0, 1.0, 3)
            direction /= np.linalg.norm(direction)
            out[:, i0:i1] += rng.uniform(lo, hi) * direction[:, None] * wave[None, :]
            visible[k] = start
    out += grav
    out += NOISE_G * rng.standard_normal((3, n))
    return out.astype(np.float32), visible

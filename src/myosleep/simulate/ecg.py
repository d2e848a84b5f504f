"""ECG: beat times with stage-dependent heart rate and variability, a PQRST template,
and the cardiac field that every EMG lead picks up."""

from __future__ import annotations

import numpy as np

from .timeline import COARSE_HZ, Timeline

__all__ = ["beat_times", "render_ecg", "render_cardiac_field", "HR_BPM_ADULT", "HR_BPM_INFANT"]

#: Heart rate per stage W, N1, N2, N3, R (bpm). NREM lowers heart rate by ~5-10 % from
#: wake, REM brings it back near wake level (Trinder et al., J Sleep Res 2001,
#: "Autonomic activity during human sleep as a function of time and sleep stage").
HR_BPM_ADULT = (68.0, 65.0, 62.0, 60.0, 66.0)
#: Neonates: 120-160 bpm, lower in quiet sleep (coded N3) than in active sleep (coded R)
#: (Fleming et al., Arch Dis Child 2011 centiles; Harper et al. 1976).
HR_BPM_INFANT = (150.0, 145.0, 140.0, 132.0, 142.0)

# ECGSYN Gaussian-wave parameters (McSharry et al., IEEE TBME 2003): angle (rad, R at 0),
# amplitude, width for P, Q, R, S, T.
_THETA = np.array([-np.pi / 3, -np.pi / 12, 0.0, np.pi / 12, np.pi / 2])
_A = np.array([1.2, -5.0, 30.0, -7.5, 0.75])
_B = np.array([0.25, 0.1, 0.1, 0.1, 0.4])


def beat_times(tl: Timeline, rng: np.random.Generator, *, hr_bpm=HR_BPM_ADULT,
               resp_hz: float = 0.25) -> np.ndarray:
    """R-peak times (s) over the night.

    RR = 60 / HR(stage) modulated by respiratory sinus arrhythmia (+-4 % at the breathing
    rate: ~0.25 Hz adults, ~0.7 Hz neonates; Task Force ESC/NASPE, Circulation 1996 HF
    band 0.15-0.4 Hz), a slow LF wander (0.1 Hz, +-3 %) and 1.5 % beat-to-beat jitter.
    """
    t = tl.t_coarse
    rate_hz = tl.coarse(hr_bpm) / 60.0
    rate_hz = rate_hz / (1.0 + 0.04 * np.sin(2 * np.pi * resp_hz * t + rng.uniform(0, 2 * np.pi))
                         + 0.03 * np.sin(2 * np.pi * 0.1 * t + rng.uniform(0, 2 * np.pi)))
    phase = np.concatenate([[0.0], np.cumsum(rate_hz[:-1]) / COARSE_HZ]) + rng.uniform(0.0, 1.0)
    k = np.arange(np.ceil(phase[0]), np.floor(phase[-1]) + 1)
    beats = np.interp(k, phase, t)
    rr = np.diff(beats, prepend=beats[0] - 1.0)
    beats = beats + 0.015 * rr * rng.standard_normal(beats.size) / np.sqrt(2)
    beats = np.sort(beats[(beats > 0.0) & (beats < tl.duration_s)])
    return beats


def _template(sfreq: float, rr_s: float) -> tuple[np.ndarray, int]:
    """PQRST template at ``sfreq`` (unit R amplitude) and the index of the R peak."""
    scale = np.sqrt(rr_s)  # QT shortens with RR (Bazett)
    span = (-0.30 * scale, 0.45 * scale)
    t = np.arange(int(np.floor(span[0] * sfreq)), int(np.ceil(span[1] * sfreq)) + 1) / sfreq
    theta = 2 * np.pi * t / scale
    x = np.zeros_like(t)
    for th, a, b in zip(_THETA, _A, _B):
        x += a * np.exp(-((theta - th) ** 2) / (2 * b * b))
    x -= np.linspace(x[0], x[-1], x.size)  # zero at both ends: no steps
    r_idx = int(np.argmax(x))  # the R peak: the template's maximum
    return x / x[r_idx], r_idx


def _place(template: np.ndarray, r_idx: int, beats_s: np.ndarray, sfreq: float, n: int,
           amps: np.ndarray) -> np.ndarray:
    """Template at each beat (R sample = round(beat * sfreq)): an impulse train convolved
    with the template."""
    from scipy.signal import oaconvolve

    imp = np.zeros(n + template.size, dtype=np.float32)
    centre = np.round(beats_s * sfreq).astype(np.int64)
    ok = (centre >= 0) & (centre < n)
    np.add.at(imp, centre[ok], amps[ok])
    full = oaconvolve(imp, template.astype(np.float32))
    return full[r_idx:r_idx + n].astype(np.float32, copy=False)


def render_ecg(beats_s: np.ndarray, sfreq: float, n: int, rng: np.random.Generator, *,
               r_amplitude_uv: float = 1000.0, rr_s: float = 0.9) -> np.ndarray:
    """Lead II ECG (uV): PQRST per beat (R ~ 1 mV, Goldberger's Clinical
    Electrocardiography: normal lead II R 0.5-1.5 mV), baseline wander with breathing
    (~30 uV) and 5 uV noise."""
    tpl, r_idx = _template(sfreq, rr_s)
    amps = r_amplitude_uv * (1.0 + 0.05 * rng.standard_normal(beats_s.size))
    x = _place(tpl, r_idx, beats_s, sfreq, n, amps)
    # breathing baseline wander at 0.25 Hz: exactly periodic over 4 s at an integer rate
    period = int(round(4.0 * sfreq))
    one = 30.0 * np.sin(2 * np.pi * 0.25 * np.arange(period) / sfreq + rng.uniform(0, 2 * np.pi))
    x += np.tile(one.astype(np.float32), n // period + 1)[:n]
    x += np.float32(5.0) * rng.standard_normal(n, dtype=np.float32)
    return x


def render_cardiac_field(beats_s: np.ndarray, sfreq: float, n: int, r_amplitude_uv: float,
                         rng: np.random.Generator, *, rr_s: float = 0.9) -> np.ndarray:
    """The ECG as seen by an EMG lead: the QRS complex dominates after the EMG high-pass
    (P and T waves lie below 10 Hz), R-wave amplitude ``r_amplitude_uv`` (5-30 uV in
    chin/leg leads, larger on the left and on the trunk: Carvelli et al., Sleep Med 2020
    discuss ECG contamination of tibialis leads; Marsh et al., IEEE TBME 1992)."""
    from scipy.signal import butter, sosfiltfilt

    tpl, r_idx = _template(sfreq, rr_s)
    # the EMG amplifier's ~10 Hz high-pass (AASM EMG filter 10-100 Hz) keeps the sharp
    # QRS and removes P and T: zero-phase so that the R peak stays at the ECG's R time
    pad = np.pad(tpl, tpl.size)
    tpl = sosfiltfilt(butter(2, 10.0, btype="highpass", fs=sfreq, output="sos"), pad)[tpl.size:2 * tpl.size]
    t = (np.arange(tpl.size) - r_idx) / sfreq
    tpl = tpl * np.exp(-0.5 * (t / 0.04) ** 4)  # confine to the QRS (+-60 ms)
    tpl /= tpl[r_idx]
    amps = r_amplitude_uv * (1.0 + 0.05 * rng.standard_normal(beats_s.size))
    return _place(tpl, r_idx, beats_s, sfreq, n, amps)

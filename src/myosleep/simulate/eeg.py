"""Stage-dependent EEG: 1/f background, rhythms per stage, and sleep graphoelements.

Amplitudes are RMS in uV at a central derivation (C4-M1); other sites scale them by
:data:`SITE_GAIN`. Each rhythm is a band-limited Gaussian process whose amplitude follows
the (cross-faded) stage, so nothing jumps at epoch borders.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .events import EegTransient
from .timeline import Timeline, band_amplitude, shaped_noise, smooth_noise

__all__ = ["simulate_eeg", "RHYTHM_RMS_UV", "INFANT_RHYTHM_RMS_UV"]

# RMS (uV) per stage (W, N1, N2, N3, R) of each component at C4-M1.
# Sources: AASM Manual v2.6 (2020) stage definitions; Rechtschaffen & Kales (1968);
# Niedermeyer's Electroencephalography, 6th ed., ch. "Sleep and EEG" (Silber et al.).
# - background: broadband 1/f activity (Gao et al., NeuroImage 2017: steeper, larger
#   aperiodic component in deeper sleep); wake/REM "low-voltage mixed frequency" EEG is
#   ~10-30 uV peak-to-peak.
# - delta (0.5-2 Hz): AASM N3 = slow waves > 75 uV peak-to-peak over >= 20 % of the
#   epoch; an RMS of 38 uV gives a narrow-band envelope whose median peak-to-peak is
#   ~ 2 * sqrt(2) * 1.18 * 38 ~ 125 uV; N2 holds some slow waves (< 20 %).
# - theta (4-7 Hz): the dominant N1 rhythm (AASM "low amplitude, mixed 4-7 Hz"), present
#   in REM.
# - alpha (8-12 Hz): posterior dominant rhythm of relaxed eyes-closed wake (~20-50 uV
#   occipital, smaller centrally), attenuated (< 50 % of the epoch) in N1; REM alpha is
#   1-2 Hz slower and small (Cantero et al., Clin Neurophysiol 2002).
# - beta (16-30 Hz): wake, low amplitude (< 10 uV), raised by scalp-muscle activity in
#   wake (Goncharova et al., Clin Neurophysiol 2003: EMG contamination of EEG, > 20 Hz).
RHYTHM_RMS_UV = {
    "background": (9.0, 9.0, 10.0, 11.0, 8.0),
    "delta": (3.0, 7.0, 16.0, 38.0, 5.0),
    "theta": (3.0, 9.0, 7.0, 7.0, 7.5),
    "alpha": (11.0, 3.0, 1.5, 1.0, 2.5),
    "beta": (6.0, 2.5, 1.5, 1.0, 2.5),
}
#: Neonatal EEG (~3 weeks, post-menstrual ~ 43 weeks): no alpha, no spindles (spindles
#: appear at 6-8 weeks); quiet sleep = high-voltage slow / trace alternant (coded N3);
#: active sleep = continuous mixed activity (coded R) (André et al., Neurophysiol Clin 2010).
INFANT_RHYTHM_RMS_UV = {
    "background": (15.0, 15.0, 15.0, 18.0, 15.0),
    "delta": (10.0, 18.0, 25.0, 40.0, 20.0),
    "theta": (8.0, 10.0, 10.0, 10.0, 12.0),
    "alpha": (1.0, 1.0, 1.0, 1.0, 1.0),
    "beta": (3.0, 2.0, 2.0, 1.5, 2.5),
}

#: Relative amplitude of each component by site (frontal, central, occipital).
#: Slow waves and K-complexes are frontal-maximal (Massimini et al., J Neurosci 2004),
#: spindles central (fast) and frontal (slow), alpha occipital, vertex waves central.
SITE_GAIN = {
    "F": {"background": 1.0, "delta": 1.15, "theta": 0.9, "alpha": 0.5, "beta": 1.0,
          "spindle": 0.8, "kcomplex": 1.2, "vertex": 0.8, "sawtooth": 0.9},
    "C": {"background": 1.0, "delta": 1.0, "theta": 1.0, "alpha": 0.8, "beta": 1.0,
          "spindle": 1.0, "kcomplex": 1.0, "vertex": 1.0, "sawtooth": 1.0},
    "O": {"background": 1.0, "delta": 0.7, "theta": 0.8, "alpha": 1.6, "beta": 0.8,
          "spindle": 0.4, "kcomplex": 0.5, "vertex": 0.4, "sawtooth": 0.6},
}

# Graphoelement densities per minute of each stage (W, N1, N2, N3, R).
# Spindles: 11-16 Hz, 0.5-2 s, 2-5/min in N2, fewer in N3 (De Gennaro & Ferrara, Sleep
# Med Rev 2003; AASM). K-complexes: ~1-3/min in N2 (Halasz, Sleep Med Rev 2005).
# Vertex sharp waves: N1 (AASM). Sawtooth waves: trains of 2-6 Hz in REM (AASM;
# Pearl et al., J Clin Neurophysiol 2002).
SPINDLES_PER_MIN = (0.0, 0.2, 3.5, 1.5, 0.0)
KCOMPLEX_PER_MIN = (0.0, 0.1, 1.5, 0.5, 0.0)
VERTEX_PER_MIN = (0.0, 3.0, 0.3, 0.0, 0.0)
SAWTOOTH_PER_MIN = (0.0, 0.0, 0.0, 0.0, 1.5)


def _site(label: str) -> str:
    head = label.strip().upper()[:1]
    return head if head in ("F", "C", "O") else "C"


def _event_times(tl: Timeline, per_min, rng: np.random.Generator) -> np.ndarray:
    """Poisson times with a stage-dependent rate (inhomogeneous, by thinning)."""
    rate = tl.coarse(per_min) / 60.0  # per s
    rmax = float(rate.max()) if rate.size else 0.0
    if rmax <= 0:
        return np.empty(0)
    n = rng.poisson(rmax * tl.duration_s)
    t = np.sort(rng.uniform(0.0, tl.duration_s, n))
    keep = rng.random(n) < np.interp(t, tl.t_coarse, rate) / rmax
    return t[keep]


def _add(x: np.ndarray, start: int, wave: np.ndarray) -> None:
    a, b = max(start, 0), min(start + wave.size, x.size)
    if b > a:
        x[a:b] += wave[a - start:b - start]


def _graphoelements(tl: Timeline, sfreq: float, rng: np.random.Generator,
                    infant: bool) -> list[tuple[float, np.ndarray, str]]:
    """Waveforms (start time s, waveform at ``sfreq``, kind) shared by all EEG sites."""
    out = []
    if not infant:
        for t in _event_times(tl, SPINDLES_PER_MIN, rng):
            dur = rng.uniform(0.5, 2.0)
            f = rng.uniform(11.0, 16.0)
            tt = np.arange(int(dur * sfreq)) / sfreq
            env = np.sin(np.pi * tt / dur) ** 2
            amp = rng.uniform(12.0, 25.0)  # ~ 25-50 uV peak-to-peak (AASM: usually < 50 uV)
            out.append((t, (amp * env * np.sin(2 * np.pi * f * tt + rng.uniform(0, 6.3))), "spindle"))
        for t in _event_times(tl, KCOMPLEX_PER_MIN, rng):
            # negative sharp wave then positive component, >= 0.5 s, 100-200 uV p-p (AASM)
            tt = np.arange(int(1.2 * sfreq)) / sfreq
            neg = rng.uniform(70.0, 130.0)
            pos = rng.uniform(35.0, 70.0)
            w = -neg * np.exp(-0.5 * ((tt - 0.30) / 0.07) ** 2) + pos * np.exp(-0.5 * ((tt - 0.65) / 0.15) ** 2)
            out.append((t, w, "kcomplex"))
        for t in _event_times(tl, VERTEX_PER_MIN, rng):
            tt = np.arange(int(0.4 * sfreq)) / sfreq
            w = -rng.uniform(40.0, 90.0) * np.exp(-0.5 * ((tt - 0.15) / 0.04) ** 2)
            w += 15.0 * np.exp(-0.5 * ((tt - 0.27) / 0.05) ** 2)
            out.append((t, w, "vertex"))
        for t in _event_times(tl, SAWTOOTH_PER_MIN, rng):
            f = rng.uniform(2.0, 6.0)
            dur = rng.uniform(1.5, 4.0)
            tt = np.arange(int(dur * sfreq)) / sfreq
            saw = 2.0 * (f * tt - np.floor(f * tt + 0.5))  # rising ramp, sharp fall
            saw = -np.sign(saw) * np.abs(saw) ** 0.7
            env = np.sin(np.pi * tt / dur) ** 0.5
            out.append((t, rng.uniform(20.0, 45.0) * env * saw, "sawtooth"))
    return out


def simulate_eeg(labels: list[str], tl: Timeline, sfreq: float, n: int, rng: np.random.Generator, *,
                 infant: bool = False, transients: Sequence[EegTransient] = ()) -> dict[str, np.ndarray]:
    """EEG in uV per label (float32)."""
    table = INFANT_RHYTHM_RMS_UV if infant else RHYTHM_RMS_UV
    alpha_hz = rng.uniform(9.0, 11.0)  # individual alpha frequency 9-11 Hz (Klimesch 1999)
    spectra = {
        "delta": band_amplitude(0.5, 2.0, edge_hz=0.3),
        "theta": band_amplitude(4.0, 7.0, edge_hz=0.8),
        "alpha": lambda f: np.exp(-0.5 * ((f - alpha_hz) / 0.8) ** 2),
        "beta": band_amplitude(16.0, 30.0, edge_hz=3.0),
    }
    a = tl.arousal
    # arousal: abrupt shift to alpha/theta/> 16 Hz, slow waves suppressed (AASM arousal)
    amp_coarse = {k: tl.coarse(v) for k, v in table.items()}
    amp_coarse["alpha"] = amp_coarse["alpha"] + a * (12.0 if not infant else 3.0)
    amp_coarse["beta"] = amp_coarse["beta"] + a * 5.0
    amp_coarse["theta"] = amp_coarse["theta"] + a * 4.0
    amp_coarse["delta"] = amp_coarse["delta"] * (1.0 - 0.7 * a)
    # slow fluctuation of every rhythm's amplitude (+-15 %, tens of seconds)
    common = {}
    for k in spectra:
        mod = np.exp(0.15 * smooth_noise(amp_coarse[k].size, rng, time_constant_s=20.0))
        common[k] = (shaped_noise(n, sfreq, rng, spectra[k]), tl.at(amp_coarse[k] * mod, sfreq, n))
    bg_amp = tl.at(amp_coarse["background"], sfreq, n)
    pink = _pink(sfreq)(np.fft.rfftfreq(n, 1.0 / sfreq))
    elements = _graphoelements(tl, sfreq, rng, infant)
    out = {}
    for lab in labels:
        site = SITE_GAIN[_site(lab)]
        x = bg_amp * shaped_noise(n, sfreq, rng, pink) * site["background"]
        for k, (noise, amp) in common.items():
            # rhythms share one source across the scalp (coherent); sites differ by gain
            # and by their own 1/f background
            x += (site[k] * amp) * noise
        own_gain = rng.uniform(0.9, 1.1)
        for t, w, kind in elements:
            _add(x, int(round(t * sfreq)), (site[kind] * own_gain * w).astype(np.float32))
        for tr in transients:
            if tr.label == lab:
                _add(x, *_transient(tr, sfreq))
        out[lab] = x.astype(np.float32)
    return out


def _pink(sfreq: float):
    def fn(f: np.ndarray) -> np.ndarray:
        a = np.zeros_like(f)
        ok = f > 0
        a[ok] = f[ok] ** -0.8  # 1/f^1.6 power (aperiodic exponent ~1-2 in sleep; Gao 2017)
        a *= 1.0 / (1.0 + (f / 40.0) ** 4)  # amplifier low-pass ~40 Hz
        a *= 1.0 / (1.0 + (0.3 / np.maximum(f, 1e-6)) ** 2)  # 0.3 Hz high-pass (AASM EEG filter)
        return a

    return fn


def _transient(tr: EegTransient, sfreq: float) -> tuple[int, np.ndarray]:
    """Biphasic cortical transient: positive peak (width ~ 10 ms) then a slower negativity,
    like the jerk-locked potential of cortical myoclonus (Shibasaki 1992); or a
    Bereitschaftspotential (``kind="bp"``, see :func:`_bereitschaft`)."""
    if tr.kind == "bp":
        return _bereitschaft(tr, sfreq)
    t0 = tr.peak_s - 0.05
    i0 = int(np.floor(t0 * sfreq))
    tt = (i0 + np.arange(int(0.15 * sfreq))) / sfreq - tr.peak_s
    w = tr.amplitude_uv * (np.exp(-0.5 * (tt / 0.006) ** 2) - 0.6 * np.exp(-0.5 * ((tt - 0.02) / 0.012) ** 2))
    return i0, w.astype(np.float32)


def _bereitschaft(tr: EegTransient, sfreq: float) -> tuple[int, np.ndarray]:
    """Bereitschaftspotential ending at the EMG onset ``tr.peak_s``: the early BP, a linear
    negative ramp from ``rise_s`` before onset to 40 % of the amplitude at -0.4 s, then the
    steeper late BP (NS') to ``-amplitude_uv`` at onset (Shibasaki & Hallett, Clin
    Neurophysiol 2006), and a return to baseline over the 0.3 s after onset (the
    motor potential and the post-movement reafferent potentials resolve it)."""
    t_start = tr.peak_s - tr.rise_s
    i0 = int(np.floor(t_start * sfreq))
    tt = (i0 + np.arange(int(np.ceil((tr.rise_s + 0.3) * sfreq)) + 1)) / sfreq - tr.peak_s  # 0 = EMG onset
    early_end = -0.4
    w = np.where(tt < early_end, 0.4 * (tt + tr.rise_s) / (tr.rise_s + early_end),
                 np.where(tt < 0.0, 0.4 + 0.6 * (tt - early_end) / -early_end, 1.0 - tt / 0.3))
    w = np.clip(w, 0.0, 1.0)
    return i0, (-tr.amplitude_uv * w).astype(np.float32)

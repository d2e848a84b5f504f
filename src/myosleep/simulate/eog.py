"""EOG (E1-M2, E2-M1): blinks, slow rolling and rapid eye movements, EEG leakage.

E1 sits 1 cm below the left outer canthus, E2 1 cm above the right one (AASM), so eye
movements appear with opposite polarity on E1 and E2 while EEG leaks in phase.
"""

from __future__ import annotations

import numpy as np

from .timeline import Timeline, band_amplitude, shaped_noise

__all__ = ["simulate_eog"]

#: Slow (rolling) eye movements, RMS uV of the 0.1-0.6 Hz eye-position signal per stage
#: W, N1, N2, N3, R: characteristic of drowsiness and N1 (AASM: "slow eye movements,
#: sinusoidal, initial deflection > 500 ms"; De Gennaro et al., Clin Neurophysiol 2000).
SEM_RMS_UV = (15.0, 45.0, 8.0, 0.0, 8.0)
#: Bursts of rapid eye movements per minute of each stage (each burst 1-4 saccades, mean
#: 2.5): REM sleep shows conjugate, sharp saccades (AASM: initial deflection < 500 ms)
#: grouped in phasic episodes separated by tonic REM without eye movements; average REM
#: density ~ 10-25 movements per minute of REM (Aserinsky, Psychophysiology 1971;
#: Takahashi & Atsumi, Sleep 1997). Saccades in wake (eyes open between eyes-closed rest).
REM_PER_MIN = (4.0, 0.3, 0.0, 0.0, 7.0)
#: Phasic/tonic REM alternation: eye movements come in episodes of tens of seconds,
#: ~ 1/3 of REM time phasic (Simor et al., Sleep Med Rev 2020).
PHASIC_FRACTION = 0.35
#: Blinks per minute: relaxed wake with eyes mostly closed at lights-off, fewer than the
#: 15-20/min of alert eyes-open wake (Doughty, Optom Vis Sci 2001); absent in sleep.
BLINKS_PER_MIN = (8.0, 1.0, 0.0, 0.0, 0.0)
#: Fraction of the frontal EEG that the EOG derivations pick up (in phase on both).
EEG_LEAK = 0.5


def _times(tl: Timeline, per_min, rng) -> np.ndarray:
    rate = tl.coarse(per_min) / 60.0
    rmax = float(rate.max())
    if rmax <= 0:
        return np.empty(0)
    n = rng.poisson(rmax * tl.duration_s)
    t = np.sort(rng.uniform(0.0, tl.duration_s, n))
    return t[rng.random(n) < np.interp(t, tl.t_coarse, rate) / rmax]


def simulate_eog(tl: Timeline, sfreq: float, n: int, rng: np.random.Generator,
                 frontal_eeg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """E1-M2 and E2-M1 in uV (float32)."""
    from scipy.signal import butter, sosfilt

    pos = tl.profile(SEM_RMS_UV, sfreq, n) * shaped_noise(n, sfreq, rng, band_amplitude(0.1, 0.6, edge_hz=0.1))
    # rapid eye movements: steps of eye position (saccades, 20-60 ms), clustered in
    # bursts in REM; the amplifier's 0.3 Hz high-pass turns them into sharp deflections
    # that decay over ~0.5 s (AASM EOG filter 0.3-35 Hz).
    steps = np.zeros(n, dtype=np.float64)
    t_rem = _times(tl, REM_PER_MIN, rng)
    # clustering: each drawn time spawns a short burst of 1-4 saccades 0.3-0.8 s apart
    # phasic episodes: a slow random process above its 65th percentile (~ 35 % of time)
    from .timeline import smooth_noise

    slow = smooth_noise(tl.t_coarse.size, rng, time_constant_s=15.0)
    phasic = slow > np.quantile(slow, 1.0 - PHASIC_FRACTION)
    rem_w = np.interp(t_rem, tl.t_coarse, tl.weights[4])
    keep = (rng.random(t_rem.size) >= rem_w) | np.interp(t_rem, tl.t_coarse, phasic.astype(float)).astype(bool)
    # inside REM only phasic episodes keep their saccades, at 1/PHASIC_FRACTION the rate
    t_rem = t_rem[keep]
    extra = _times(tl, tuple(r * (1.0 / PHASIC_FRACTION - 1.0) * (i == 4) for i, r in enumerate(REM_PER_MIN)), rng)
    extra = extra[np.interp(extra, tl.t_coarse, phasic.astype(float)) > 0.5]
    t_rem = np.sort(np.r_[t_rem, extra])
    for t in t_rem:
        k = int(rng.integers(1, 5))
        tt = t + np.cumsum(rng.uniform(0.3, 0.8, k)) - 0.3
        amp = rng.uniform(50.0, 200.0, k) * rng.choice([-1.0, 1.0], k)  # 50-200 uV
        idx = np.round(tt * sfreq).astype(int)
        ok = idx < n
        np.add.at(steps, idx[ok], amp[ok])
    sacc = np.cumsum(steps)
    # saccade rise ~ 40 ms
    rise = np.hanning(max(3, int(0.04 * sfreq)))
    sacc = np.convolve(sacc, rise / rise.sum(), mode="same")
    sos = butter(1, 0.3, btype="highpass", fs=sfreq, output="sos")
    sacc = sosfilt(sos, sacc)
    pos += sacc.astype(np.float32)
    # blinks: ~300 ms, 100-200 uV, opposite polarity on E1/E2 (vertical eye movement with
    # electrodes below/above the eyes)
    for t in _times(tl, BLINKS_PER_MIN, rng):
        w = int(0.3 * sfreq)
        i0 = int(round(t * sfreq))
        if i0 + w >= n:
            continue
        pos[i0:i0 + w] += rng.uniform(100.0, 200.0) * np.hanning(w).astype(np.float32)
    leak = EEG_LEAK * frontal_eeg
    noise1 = 2.0 * rng.standard_normal(n).astype(np.float32)
    noise2 = 2.0 * rng.standard_normal(n).astype(np.float32)
    e1 = -pos + leak + noise1
    e2 = pos + leak + noise2
    return e1.astype(np.float32), e2.astype(np.float32)

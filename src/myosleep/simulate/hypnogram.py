"""Plausible hypnograms: adult NREM-REM cycles and infant active/quiet sleep cycles."""

from __future__ import annotations

import numpy as np

from ..io.hypnogram_model import Hypnogram
from ..vocab import Stage

__all__ = ["adult_hypnogram", "infant_hypnogram", "stage_runs", "sleep_onset_transitions_s"]

EPOCH_S = 30.0
W, N1, N2, N3, R = (int(Stage.W), int(Stage.N1), int(Stage.N2), int(Stage.N3), int(Stage.R))


def _epochs(minutes: float) -> int:
    return max(1, int(round(minutes * 60.0 / EPOCH_S)))


def adult_hypnogram(n_epochs: int, rng: np.random.Generator, *, extra_sleep_onsets: int = 0) -> Hypnogram:
    """An adult night of ``n_epochs`` 30-s epochs.

    Structure (Carskadon & Dement, "Normal human sleep: an overview", in Principles and
    Practice of Sleep Medicine, 6th ed. 2017): sleep latency 10-20 min entered through N1;
    NREM-REM cycles of ~90 min (80-100 min), 4-5 a night; N3 concentrated in the first
    cycles (~30 min in the first, ~20 in the second, vanishing after the third); REM periods lengthening
    from ~5-10 min to ~25-35 min across the night; brief awakenings (30-120 s) after REM
    periods and within NREM, each followed by a re-onset through N1 (N1 ~ 5 % and
    wake after sleep onset ~ 5-10 % of the night in young adults: Ohayon et al., Sleep
    2004). ``extra_sleep_onsets`` inserts W -> N1 -> W attempts before the final sleep
    onset.
    """
    seq: list[tuple[int, int]] = []
    latency_min = rng.uniform(10.0, 20.0)  # sleep latency 10-20 min (Carskadon & Dement 2017)
    seq.append((W, max(4, _epochs(latency_min) - 3 * extra_sleep_onsets)))
    for _ in range(extra_sleep_onsets):
        seq.append((N1, int(rng.integers(1, 3))))
        seq.append((W, int(rng.integers(1, 4))))
    seq.append((N1, int(rng.integers(3, 11))))  # N1 1.5-5 min at sleep onset
    cycle = 0
    while sum(n for _, n in seq) < n_epochs:
        length = _epochs(rng.uniform(80.0, 100.0))  # cycle 80-100 min
        n3 = _epochs(max(0.0, 32.0 - 11.0 * cycle + rng.uniform(-6.0, 6.0))) if cycle < 3 else 0
        rem = _epochs(min(35.0, 6.0 + 7.0 * cycle + rng.uniform(-3.0, 3.0)))
        n2a = _epochs(rng.uniform(10.0, 20.0))
        n2b = max(2, length - n2a - n3 - rem)
        seq.append((N2, n2a))
        if n3 > 0:
            seq.append((N3, n3))
        if rng.random() < 0.5:  # a brief awakening within NREM, re-onset through N1
            seq.append((N2, max(2, n2b // 2)))
            seq.append((W, int(rng.integers(1, 4))))
            seq.append((N1, int(rng.integers(2, 5))))
            seq.append((N2, max(2, n2b - n2b // 2)))
        else:
            seq.append((N2, n2b))
        if rng.random() < 0.5:  # N1 often precedes a REM period
            seq.append((N1, int(rng.integers(1, 3))))
        seq.append((R, rem))
        if rng.random() < 0.6:  # awakening after REM (30 s - 3 min), re-onset through N1
            seq.append((W, int(rng.integers(1, 7))))
            seq.append((N1, int(rng.integers(2, 7))))
        else:
            seq.append((N1, int(rng.integers(1, 3))))
        cycle += 1
    stages = np.concatenate([np.full(n, s, dtype=np.int8) for s, n in seq if n > 0])[:n_epochs]
    return Hypnogram(stages, epoch_s=EPOCH_S, source="simulated")


def infant_hypnogram(n_epochs: int, rng: np.random.Generator) -> Hypnogram:
    """A neonatal (~3 weeks) hypnogram: active sleep coded R, quiet sleep coded N3.

    Neonates enter sleep through active sleep; sleep cycles last 50-60 min, about half
    active and half quiet sleep, with brief indeterminate (transitional, coded N1)
    stretches, and wake periods of 10-20 min every 2-3 h (feeding) (Grigg-Damberger,
    J Clin Neurophysiol 2016 / AASM infant scoring 2007; Anders et al. 1971 manual).
    """
    seq: list[tuple[int, int]] = [(W, _epochs(rng.uniform(5.0, 15.0)))]
    cycles_since_wake = 0
    while sum(n for _, n in seq) < n_epochs:
        length_min = rng.uniform(50.0, 60.0)  # 50-60-min cycles
        active = _epochs(length_min * rng.uniform(0.45, 0.55))
        quiet = _epochs(length_min) - active - 2
        seq += [(R, active), (N1, 1), (N3, quiet), (N1, 1)]
        cycles_since_wake += 1
        if cycles_since_wake >= int(rng.integers(2, 4)):
            seq.append((W, _epochs(rng.uniform(10.0, 20.0))))
            cycles_since_wake = 0
    stages = np.concatenate([np.full(n, s, dtype=np.int8) for s, n in seq if n > 0])[:n_epochs]
    return Hypnogram(stages, epoch_s=EPOCH_S, source="simulated")


def stage_runs(hyp: Hypnogram) -> list[tuple[int, float, float]]:
    """Runs of identical stages: (stage code, onset s, offset s)."""
    st = hyp.stages.astype(int)
    if st.size == 0:
        return []
    change = np.flatnonzero(np.diff(st)) + 1
    starts = np.r_[0, change]
    stops = np.r_[change, st.size]
    on = float(hyp.start_s)
    ep = float(hyp.epoch_s)
    return [(int(st[a]), on + a * ep, on + b * ep) for a, b in zip(starts, stops)]


def sleep_onset_transitions_s(hyp: Hypnogram) -> np.ndarray:
    """Times (s) of every wake -> N1/N2 boundary (sleep onset and every re-onset)."""
    st = hyp.stages.astype(int)
    idx = np.flatnonzero((st[:-1] == W) & np.isin(st[1:], (N1, N2))) + 1
    return float(hyp.start_s) + idx * float(hyp.epoch_s)

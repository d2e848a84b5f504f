"""Short recordings made for the tests of issue 9: a simulated background with no event of its
own (real EEG/EOG/EMG textures, a given hypnogram) and the events a test places, written as
EDF+ with its hypnogram TSV.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

#: The events each test places: (channel, onset s, duration s, RMS amplitude uV).
Bursts = list[tuple[str, float, float, float]]


def blank_scenario(*, infant: bool = False):
    """A sleeper without any motor event of the simulator's own (no pops either)."""
    from myosleep.simulate.scenarios import (
        ARMS,
        CHIN,
        ECG_CHANNEL,
        EEG_CHANNELS,
        EOG_CHANNELS,
        LEGS,
        STANDARD,
        EventRates,
        Scenario,
    )

    rates = EventRates(hypnic_jerks_per_onset=0.0, fm_per_hour=0.0, lm_isolated_per_hour=0.0,
                       rem_twitches_per_min=0.0, body_movements_per_hour=0.0, pops_per_hour=0.0)
    if infant:
        return Scenario("blank_infant", "an infant without events", age_days=21.0,
                        channels=(*EEG_CHANNELS[1:], *EOG_CHANNELS, CHIN, *LEGS, *ARMS, ECG_CHANNEL),
                        rates=rates, hypnogram_kind="infant")
    return Scenario("blank_adult", "an adult without events", channels=(*STANDARD, *ARMS), rates=rates)


def write_recording(path: Path, stages: list[int], bursts: Bursts, *, infant: bool = False, seed: int = 0) -> Path:
    """Simulate ``stages`` (30-s epochs) with the ``bursts`` added, write ``path`` (EDF+) and its
    hypnogram (``<stem>.hypnogram.tsv``); return the hypnogram's path."""
    from myosleep.io.hypnogram_model import Hypnogram
    from myosleep.simulate import simulate_night
    from myosleep.simulate.emg import emg_texture
    from myosleep.simulate.timeline import envelope_shape

    hyp = Hypnogram(np.asarray(stages, dtype=np.int8), epoch_s=30.0, source="made")
    sim = simulate_night(blank_scenario(infant=infant), seed=seed, hypnogram=hyp)
    rng = np.random.default_rng(seed + 1)
    data = {c.label: c.data.copy() for c in sim.channels}
    for label, onset_s, dur_s, amp_uv in bursts:
        ch = sim.channel(label)
        a, n = int(round(onset_s * ch.sfreq)), int(round(dur_s * ch.sfreq))
        shape = "plateau" if dur_s >= 0.5 else "fast_rise"
        env = envelope_shape(shape, n, rng) * np.float32(amp_uv)
        data[label][a:a + n] += emg_texture(n, ch.sfreq, rng) * env
    sim = replace(sim, channels=tuple(replace(c, data=data[c.label]) for c in sim.channels))
    paths = [Path(p) for p in sim.write(path)]
    return next(p for p in paths if p.name.endswith(".hypnogram.tsv"))


def periodic_leg_movements(onsets_s: list[float]) -> Bursts:
    """1.5-s leg movements of 40 uV RMS on the left tibialis anterior."""
    return [("EMG LAT", t, 1.5, 40.0) for t in onsets_s]


def neonatal_clusters(starts_s: list[float], *, n_jerks: int = 8, rate_hz: float = 2.0) -> Bursts:
    """Clusters of 80-ms jerks of both a forearm and a leg at ``rate_hz``."""
    out: Bursts = []
    for start in starts_s:
        for k in range(n_jerks):
            t = start + k / rate_hz
            out += [("EMG FDS L", t, 0.08, 60.0), ("EMG LAT", t + 0.004, 0.08, 60.0)]
    return out

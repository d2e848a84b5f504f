"""Simulated nights for the neurophysiology stage (module-scoped: each is built once)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from myosleep.simulate import SCENARIOS, simulate_night


def scenario_with(name: str, **rates):
    """A scenario with some event rates changed (the test's own parameters, not a threshold)."""
    sc = SCENARIOS[name]
    return dataclasses.replace(sc, rates=dataclasses.replace(sc.rates, **rates))


def simulate_to_edf(tmp_dir, scenario, *, hours: float, seed: int, sfreq_eeg: float = 256.0):
    sim = simulate_night(scenario, hours=hours, seed=seed, sfreq_eeg=sfreq_eeg)
    path = tmp_dir / "night.edf"
    sim.write(path)
    return sim, path


def finding(summary: dict, code: str) -> dict:
    return next(f for f in summary["findings"] if f["code"] == code)


def truth_lead_ms(sim, events, muscle: str) -> tuple[float, float, int]:
    """The simulation's lead of the EEG transient over the jerks of ``muscle`` that analyze
    relabelled: each relabelled event whose first muscle is ``muscle`` is matched to the true
    cortical event with the nearest onset (< 50 ms); returns the mean true lead over those
    (EEG transient peak to the true EMG onset, ``eeg_lead_ms``), the median onset error of
    detection (detected - true, ms) and the number matched."""
    truth = sim.events[sim.events["trial_type"] == "cortical_myoclonus"]
    on_true = truth["onset"].to_numpy(float)
    ev = events[(events["trial_type"] == "cortical_myoclonus")
                & (events["channel"].map(lambda c: c[0] if len(c) else "") == muscle)]
    leads, errors = [], []
    for on in ev["onset"].to_numpy(float):
        k = int(np.argmin(np.abs(on_true - on)))
        if abs(on_true[k] - on) < 0.05:
            leads.append(float(truth["eeg_lead_ms"].iloc[k]))
            errors.append(1000.0 * (on - on_true[k]))
    return float(np.mean(leads)), float(np.median(errors)), len(leads)


@pytest.fixture(scope="session")
def cortical_256(tmp_path_factory):
    """1.5 h of cortical myoclonus at 120 jerks/h (EEG 256 Hz)."""
    sc = scenario_with("cortical_myoclonus", cortical_jerks_per_hour=120.0)
    return simulate_to_edf(tmp_path_factory.mktemp("c256"), sc, hours=1.5, seed=1)

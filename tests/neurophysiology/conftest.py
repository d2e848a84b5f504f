"""Simulated nights for the neurophysiology stage (module-scoped: each is built once)."""

from __future__ import annotations

import dataclasses

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


@pytest.fixture(scope="session")
def cortical_256(tmp_path_factory):
    """1.5 h of cortical myoclonus at 120 jerks/h (EEG 256 Hz)."""
    sc = scenario_with("cortical_myoclonus", cortical_jerks_per_hour=120.0)
    return simulate_to_edf(tmp_path_factory.mktemp("c256"), sc, hours=1.5, seed=1)

"""Short simulated nights shared by the simulator tests (each simulated once per session)."""

from __future__ import annotations

import pytest

from myosleep.simulate import simulate_night

#: Short nights keep the suite fast; 1 h holds sleep onset, N1/N2 and (with the given
#: hypnograms below) every stage.
HOURS = 1.0


@pytest.fixture(scope="session")
def sims():
    cache = {}

    def get(name: str, *, hours: float = HOURS, seed: int = 3):
        key = (name, hours, seed)
        if key not in cache:
            cache[key] = simulate_night(name, hours=hours, seed=seed)
        return cache[key]

    return get

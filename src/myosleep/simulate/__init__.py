"""Simulated polysomnography with known truth (``myosleep simulate``).

``simulate_night`` returns the signals **and** their true events; each physiological
parameter carries its literature source in the module that uses it (see
docs/simulator.md for the whole list).
"""

from __future__ import annotations

from .core import SimChannel, Simulation, simulate_night
from .scenarios import SCENARIOS, ChannelSpec, EventRates, Scenario

__all__ = ["simulate_night", "Simulation", "SimChannel", "SCENARIOS", "Scenario", "ChannelSpec", "EventRates"]

"""Gross body movements: detection decides them (sustained activity of several body regions,
:mod:`myosleep.detection.events`); classification keeps them as ``body_movement``."""

from __future__ import annotations

from ..vocab import TrialType
from .cascade import Cascade, Decision, Step
from .table import EventTable, RuleInputs

__all__ = ["STEP"]


def decide(events: EventTable, state: Cascade, inputs: RuleInputs) -> Decision:
    """Body movements of detection stay body movements."""
    return Decision(state.free & (events.trial_type == TrialType.BODY_MOVEMENT.value), TrialType.BODY_MOVEMENT,
                    "body movement (detection)")


STEP = Step("body_movement", decide)

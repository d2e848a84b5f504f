"""The last rule: a jerk that fits no other class is a ``myoclonic_jerk``.

``cortical_myoclonus`` needs EEG evidence (jerk-locked back-averaging) that a later stage
supplies; classification never assigns it (:mod:`.cortical`).
"""

from __future__ import annotations

from ..vocab import TrialType
from .cascade import Cascade, Decision, Step
from .table import EventTable, RuleInputs

__all__ = ["STEP"]


def decide(events: EventTable, state: Cascade, inputs: RuleInputs) -> Decision:
    """Every event no rule took."""
    return Decision(state.free.copy(), TrialType.MYOCLONIC_JERK, "fits no other class")


STEP = Step("myoclonic_jerk", decide)

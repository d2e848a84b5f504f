"""The last rule: a jerk that fits no other class is a ``myoclonic_jerk``.

``cortical_myoclonus`` needs EEG evidence (jerk-locked back-averaging) that a later stage
supplies; classification never assigns it (:mod:`.cortical`).  A brief single-muscle
potential in wakefulness has the shape of a fragmentary myoclonus potential but is not one
(FM is a sleep phenomenon, :mod:`.fragmentary`); its rule says so.
"""

from __future__ import annotations

import numpy as np

from ..vocab import TrialType
from .cascade import Cascade, Decision, Step
from .fragmentary import brief_potential_in_wake
from .table import EventTable, RuleInputs

__all__ = ["STEP"]

_WAKE_POTENTIAL = ("single-channel potential {d:.0f} ms in {stage}: not fragmentary myoclonus (a sleep phenomenon: "
                   "AASM VII.D, Frauscher et al. 2014)")


def decide(events: EventTable, state: Cascade, inputs: RuleInputs) -> Decision:
    """Every event no rule took; brief single-channel potentials outside sleep say why they are not FM."""
    mask = state.free.copy()
    wake = brief_potential_in_wake(events, rules=inputs.rules)
    labels = events.stage_labels
    rules = np.array(["fits no other class"] * events.n, dtype=object)
    for i in np.flatnonzero(mask & wake):
        stage = "wakefulness" if labels[i] == "W" else "an epoch without a sleep stage"
        rules[i] = _WAKE_POTENTIAL.format(d=events.max_burst_ms[i], stage=stage)
    return Decision(mask, TrialType.MYOCLONIC_JERK, rules[mask].tolist())


STEP = Step("myoclonic_jerk", decide)

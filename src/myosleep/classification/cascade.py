"""The machinery of the class rules: a :class:`Step` decides, the :class:`Cascade` applies.

A step looks at the events not yet decided and returns a :class:`Decision`: which events it
takes (``mask``), the class it gives them (or None: they leave the event table, e.g. chin
tone of an arousal), the rule text of each, and any columns or tables it computed
(``cluster_id``, ``velocity_m_s``, the leg-movement table).  The first step that takes an event
decides it; the order is :data:`myosleep.classification.classify.STEPS`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..vocab import TrialType
from .table import EventTable, RuleInputs

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["Cascade", "Decision", "Step"]


@dataclass(frozen=True)
class Decision:
    """What one step decided.

    Attributes
    ----------
    mask : ndarray of bool
        The events the step takes (only events still undecided may be taken).
    trial_type : TrialType | None
        Their class; None: they leave the event table (counted in ``counts``).
    rules : str | sequence of str
        The rule text, one for all or one per taken event.
    columns : Mapping[str, ndarray]
        Per-event values for the event table (``cluster_id``, ``velocity_m_s``), every event.
    leg_movements : DataFrame | None
        The leg-movement table (:data:`myosleep.schema.LEG_MOVEMENTS`), from the LM step.
    counts : Mapping[str, int]
        Numbers for the indices (``arousal_chin_fragments``).
    """

    mask: np.ndarray
    trial_type: TrialType | None
    rules: str | Sequence[str] = ""
    columns: Mapping[str, np.ndarray] = field(default_factory=dict)
    leg_movements: pd.DataFrame | None = None
    counts: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Step:
    """One rule of the cascade.

    Attributes
    ----------
    name : str
        The class it gives (or what it takes out), as listed in summary.json
        ``methods.classification_order``.
    decide : callable
        ``decide(events, state, inputs) -> Decision``.
    """

    name: str
    decide: Callable[[EventTable, Cascade, RuleInputs], Decision]


@dataclass
class Cascade:
    """The state of one classification run: what is decided so far (mutated by :meth:`apply` only).

    Attributes
    ----------
    trial : ndarray of object
        Class of each event so far (detection's until a step decides).
    rule : ndarray of object
        Rule text of each decided event.
    free : ndarray of bool
        Events no step has taken yet.
    keep : ndarray of bool
        Events that stay in the event table.
    """

    trial: np.ndarray
    rule: np.ndarray
    free: np.ndarray
    keep: np.ndarray
    columns: dict[str, np.ndarray] = field(default_factory=dict)
    leg_movements: pd.DataFrame | None = None
    counts: dict[str, int] = field(default_factory=dict)

    @classmethod
    def start(cls, events: EventTable) -> Cascade:
        n = events.n
        return cls(trial=events.trial_type.copy(), rule=np.array(["" for _ in range(n)], dtype=object),
                   free=np.ones(n, dtype=bool), keep=np.ones(n, dtype=bool),
                   columns={"cluster_id": np.full(n, -1, dtype=np.int64), "velocity_m_s": np.full(n, np.nan)})

    def decided_as(self, trial_type: TrialType) -> np.ndarray:
        """Events already decided as ``trial_type``."""
        return ~self.free & (self.trial == trial_type.value)

    def apply(self, decision: Decision) -> None:
        """Give the taken events their class and rule text; they are decided."""
        mask = np.asarray(decision.mask, dtype=bool) & self.free
        if decision.trial_type is None:
            self.keep &= ~mask
        else:
            self.trial[mask] = decision.trial_type.value
        if isinstance(decision.rules, str):
            self.rule[mask] = decision.rules
        else:
            self.rule[mask] = list(decision.rules)
        self.free &= ~mask
        self.columns.update(decision.columns)
        if decision.leg_movements is not None:
            self.leg_movements = decision.leg_movements
        self.counts.update(decision.counts)

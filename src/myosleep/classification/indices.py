"""Counts and indices per hour of every event class, overall and by stage (:class:`EventIndices`).

An index per hour of sleep counts the events scored in sleep (N1, N2, N3, R) over the total
sleep time; an index of one stage counts the events of that stage over the hours spent in it
(wake included).  A stage with no time has NaN indices (``null`` in summary.json), not 0.
Hours are counted within lights off .. lights on (:meth:`SleepContext.hours_in`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..vocab import TrialType

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ..context.context import SleepContext

__all__ = ["STAGE_LABELS", "SLEEP_LABELS", "ClassIndex", "EventIndices"]

#: Stage labels of the indices, in order.
STAGE_LABELS = ("W", "N1", "N2", "N3", "R")
#: The sleep stages.
SLEEP_LABELS = ("N1", "N2", "N3", "R")


@dataclass(frozen=True)
class ClassIndex:
    """Counts and indices of one event class."""

    count: int
    count_by_stage: dict[str, int]
    index_per_h_sleep: float
    index_per_h_by_stage: dict[str, float]

    def to_dict(self) -> dict[str, object]:
        return {"count": self.count, "count_by_stage": dict(self.count_by_stage),
                "index_per_h_sleep": self.index_per_h_sleep,
                "index_per_h_by_stage": dict(self.index_per_h_by_stage)}


@dataclass(frozen=True)
class EventIndices:
    """Hours by stage and, per event class, counts and indices per hour.

    Attributes
    ----------
    hours_by_stage : dict
        Hours in W, N1, N2, N3, R.
    tst_h, nrem_h : float
        Total sleep time and NREM time (h).
    by_trial_type : dict
        :class:`ClassIndex` of every class of :class:`~myosleep.vocab.TrialType`.
    """

    hours_by_stage: dict[str, float]
    tst_h: float
    nrem_h: float
    by_trial_type: dict[str, ClassIndex]

    @classmethod
    def compute(cls, events: pd.DataFrame, context: SleepContext) -> EventIndices:
        """From the classified events (``trial_type`` and ``stage`` columns) and the night."""
        hours = {lab: float(context.hours_in(lab)) for lab in STAGE_LABELS}
        tst_h = sum(hours[s] for s in SLEEP_LABELS)
        per_type = {}
        for t in TrialType:
            sub = events[events["trial_type"] == t.value]
            by_stage = {s: int((sub["stage"] == s).sum()) for s in STAGE_LABELS}
            n_sleep = sum(by_stage[s] for s in SLEEP_LABELS)
            per_type[t.value] = ClassIndex(
                count=int(len(sub)), count_by_stage=by_stage,
                index_per_h_sleep=n_sleep / tst_h if tst_h > 0 else float("nan"),
                index_per_h_by_stage={s: (by_stage[s] / hours[s] if hours[s] > 0 else float("nan"))
                                      for s in by_stage})
        return cls(hours_by_stage=hours, tst_h=tst_h, nrem_h=hours["N1"] + hours["N2"] + hours["N3"],
                   by_trial_type=per_type)

    def counts(self) -> dict[str, int]:
        """Events per class."""
        return {t: v.count for t, v in self.by_trial_type.items()}

    def per_hour(self, trial_type: str) -> float:
        """Events of one class scored in sleep per hour of sleep."""
        return self.by_trial_type[trial_type].index_per_h_sleep

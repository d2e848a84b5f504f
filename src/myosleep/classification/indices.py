"""Counts and indices per hour of every event class, overall and by stage (:class:`EventIndices`).

An index per hour of sleep counts the events scored in sleep (N1, N2, N3, R) over the total
sleep time; an index of one stage counts the events of that stage over the hours spent in it
(wake included).  A stage with no time has NaN indices (``null`` in summary.json), not 0.

Numerators and hours cover the same time, the recording period: hours are counted within lights
off .. lights on (:meth:`SleepContext.hours_in`), and so are events, by their onset
(:meth:`SleepContext.in_lights`; AASM Manual v2.6, "Sleep scoring data": events are scored between
lights off and lights on, the total recording time).  An event before lights off or after lights
on stays in events.tsv with its stage (``in_lights`` False) and counts in ``count_outside_lights``
only.  Events the ruleset does not score (``not_scored``: under AASM the leg movements within
0.5 s of a respiratory event, AASM Manual VII.A.2.f "should not be scored") are left out too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

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
    #: Events of the class outside lights off .. lights on (not in ``count``).
    count_outside_lights: int = 0

    def to_dict(self) -> dict[str, object]:
        return {"count": self.count, "count_by_stage": dict(self.count_by_stage),
                "index_per_h_sleep": self.index_per_h_sleep,
                "index_per_h_by_stage": dict(self.index_per_h_by_stage),
                "count_outside_lights": self.count_outside_lights}


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
    def compute(cls, events: pd.DataFrame, context: SleepContext, *,
                not_scored: np.ndarray | None = None) -> EventIndices:
        """From the classified events (``onset``, ``trial_type`` and ``stage`` columns) and the night.

        ``count`` and ``count_by_stage`` hold the events of the recording period (onset between
        lights off and on, :meth:`SleepContext.in_lights`), the time their hours cover;
        ``count_outside_lights`` the others.  ``not_scored`` (bool per event row, optional): events
        the ruleset does not score, left out of every count.
        """
        hours = {lab: float(context.hours_in(lab)) for lab in STAGE_LABELS}
        tst_h = sum(hours[s] for s in SLEEP_LABELS)
        onset = events["onset"].to_numpy(float)
        inside = np.asarray(context.in_lights(onset), dtype=bool) if len(events) else np.zeros(0, bool)
        if not_scored is not None:
            keep = ~np.asarray(not_scored, dtype=bool)
            inside, outside = inside & keep, ~inside & keep
        else:
            outside = ~inside
        trial = events["trial_type"].astype(str).to_numpy()
        stage = events["stage"].astype(object).to_numpy()
        per_type = {}
        for t in TrialType:
            of_t = trial == t.value
            sel = of_t & inside
            by_stage = {s: int(np.count_nonzero(sel & (stage == s))) for s in STAGE_LABELS}
            n_sleep = sum(by_stage[s] for s in SLEEP_LABELS)
            per_type[t.value] = ClassIndex(
                count=int(np.count_nonzero(sel)), count_by_stage=by_stage,
                index_per_h_sleep=n_sleep / tst_h if tst_h > 0 else float("nan"),
                index_per_h_by_stage={s: (by_stage[s] / hours[s] if hours[s] > 0 else float("nan"))
                                      for s in by_stage},
                count_outside_lights=int(np.count_nonzero(of_t & outside)))
        return cls(hours_by_stage=hours, tst_h=tst_h, nrem_h=hours["N1"] + hours["N2"] + hours["N3"],
                   by_trial_type=per_type)

    def counts(self) -> dict[str, int]:
        """Events per class, between lights off and on."""
        return {t: v.count for t, v in self.by_trial_type.items()}

    def per_hour(self, trial_type: str) -> float:
        """Events of one class scored in sleep per hour of sleep."""
        return self.by_trial_type[trial_type].index_per_h_sleep

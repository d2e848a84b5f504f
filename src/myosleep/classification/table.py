"""What the class rules read: the motor events of detection as typed arrays (:class:`EventTable`),
and everything else they need (:class:`RuleInputs`).

Built once per :func:`~myosleep.classification.classify` call from a
:class:`~myosleep.detection.DetectionResult` and a :class:`~myosleep.context.SleepContext`;
no rule reads a DataFrame column by name or a channel's samples.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from ..vocab import EMG_ROLES, Role, Stage
from .rules import RuleSet

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ..age import Age
    from ..context.context import SleepContext
    from ..detection.results import DetectionResult

__all__ = ["EventTable", "Recruit", "RuleInputs", "SLEEP_CODES"]

#: Stage codes of sleep (N1, N2, N3, R).
SLEEP_CODES = (int(Stage.N1), int(Stage.N2), int(Stage.N3), int(Stage.R))
_EMG_ROLE_NAMES = frozenset(r.value for r in EMG_ROLES)


class Recruit(NamedTuple):
    """One muscle of a motor event, in recruitment order: the channel's first EMG burst."""

    label: str
    role: str
    latency_ms: float


@dataclass(frozen=True)
class RuleInputs:
    """What the rules need besides the events.

    Attributes
    ----------
    rules : RuleSet
    age : Age | None
    context : SleepContext
    detection : DetectionResult
    roles : Mapping[str, str]
        Role of every usable channel (the recording's channels less those detection refused).
    sides : Mapping[str, str]
        Side (``left``, ``right`` or ``n/a``) of every usable channel.
    """

    rules: RuleSet
    age: Age | None
    context: SleepContext
    detection: DetectionResult
    roles: Mapping[str, str]
    sides: Mapping[str, str]

    @classmethod
    def build(cls, detection: DetectionResult, context: SleepContext, *, rules: RuleSet,
              age: Age | None) -> RuleInputs:
        usable = detection.usable_channels()
        return cls(rules=rules, age=age, context=context, detection=detection,
                   roles={c.label: c.role.value for c in usable},
                   sides={c.label: "n/a" if c.side is None else c.side.value for c in usable})

    def labels_with_role(self, role: Role) -> list[str]:
        """Usable channels of one role, in file order."""
        return [lab for lab, r in self.roles.items() if r == role.value]


@dataclass(frozen=True)
class EventTable:
    """The motor events of detection, one entry per event, sorted by onset.

    Attributes
    ----------
    onset_s, offset_s : ndarray of float
        Onset and end (s from the recording start).
    stage : ndarray of int
        Stage code at the onset (:class:`~myosleep.vocab.Stage`, -2 outside the hypnogram).
    trial_type : ndarray of str
        Detection's class: ``myoclonic_jerk`` or ``body_movement``.
    regions : list of frozenset of str
        Body regions recruited (channel roles).
    n_channels : ndarray of int
    first_role : ndarray of str
    max_burst_s, min_burst_s, median_burst_s : ndarray of float
        Longest, shortest and median EMG burst (s): what the rules compare with their limits.
    max_burst_ms, median_burst_ms : ndarray of float
        The same in ms, as detection reports them (for the rule texts and the event table).
    peak_amplitude_uv : ndarray of float
    event_id : ndarray of int
    frame : pandas.DataFrame
        The detection rows themselves (:data:`myosleep.schema.MOTOR_EVENTS`), same order.
    members : pandas.DataFrame
        Detection's membership table (:data:`myosleep.schema.MEMBERS`).
    """

    onset_s: np.ndarray
    offset_s: np.ndarray
    stage: np.ndarray
    trial_type: np.ndarray
    regions: list[frozenset[str]]
    n_channels: np.ndarray
    first_role: np.ndarray
    max_burst_s: np.ndarray
    min_burst_s: np.ndarray
    median_burst_s: np.ndarray
    max_burst_ms: np.ndarray
    median_burst_ms: np.ndarray
    peak_amplitude_uv: np.ndarray
    event_id: np.ndarray
    frame: pd.DataFrame
    members: pd.DataFrame

    @classmethod
    def build(cls, detection: DetectionResult, context: SleepContext) -> EventTable:
        me = detection.events.sort_values("onset", kind="stable").reset_index(drop=True)
        on = me["onset"].to_numpy(float)
        n = on.size
        return cls(
            onset_s=on, offset_s=on + me["duration"].to_numpy(float),
            stage=np.asarray(context.stage_at(on), dtype=int) if n else np.zeros(0, int),
            trial_type=me["trial_type"].astype(str).to_numpy(dtype=object),
            regions=[frozenset(str(r).strip() for r in v if str(r).strip()) for v in me["regions"]],
            n_channels=me["n_channels"].to_numpy(float).astype(int),
            first_role=me["first_role"].astype(str).to_numpy(),
            # the clinical limits are in seconds; detection reports milliseconds
            max_burst_s=me["max_burst_duration_ms"].to_numpy(float) / 1000.0,
            min_burst_s=me["min_burst_duration_ms"].to_numpy(float) / 1000.0,
            median_burst_s=me["median_burst_duration_ms"].to_numpy(float) / 1000.0,
            max_burst_ms=me["max_burst_duration_ms"].to_numpy(float),
            median_burst_ms=me["median_burst_duration_ms"].to_numpy(float),
            peak_amplitude_uv=me["peak_amplitude_uv"].to_numpy(float),
            event_id=me["event_id"].to_numpy(np.int64),
            frame=me, members=detection.members)

    @property
    def n(self) -> int:
        return int(self.onset_s.size)

    @property
    def stage_labels(self) -> list[str]:
        """W, N1, N2, N3, R or n/a at each onset."""
        return [Stage(int(c)).label for c in self.stage]

    def has_region(self, region: str) -> np.ndarray:
        """Whether each event recruits ``region``."""
        return np.array([region in s for s in self.regions], dtype=bool)

    def only_regions(self, *regions: str) -> np.ndarray:
        """Whether each event recruits some of ``regions`` and nothing else."""
        allowed = set(regions)
        return np.array([bool(s) and s <= allowed for s in self.regions], dtype=bool)

    def recruitment(self, i: int) -> list[Recruit]:
        """The muscles of event ``i`` in recruitment order: each EMG channel's first burst."""
        m = self.members
        rows = m[(m["event_id"].to_numpy() == self.event_id[i]) & m["role"].astype(str).isin(_EMG_ROLE_NAMES)]
        rows = rows.sort_values(["latency_ms", "burst_id"], kind="stable").drop_duplicates("channel")
        return [Recruit(str(c), str(r), float(t)) for c, r, t in
                zip(rows["channel"], rows["role"], rows["latency_ms"])]

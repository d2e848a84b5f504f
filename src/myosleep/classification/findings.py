"""Recording-level findings: :class:`Finding`, one per code of summary.json.

Every finding says whether it is ``present`` (True / False, or None when it cannot be
assessed on this recording), one sentence of ``evidence`` with the numbers, and ``values``
(numbers with units in their keys, always including ``ruleset``).  Decision support, never
a diagnosis.  Each class module builds its own finding beside its rules
(:func:`myosleep.classification.hypnic.sleep_starts`, ``fragmentary``, ``plm``, ``rswa``,
``neonatal``, ``propriospinal``, ``cortical``); this module holds what they share.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..vocab import FindingCode
from .rules import RuleSet

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from .indices import EventIndices
    from .table import RuleInputs

__all__ = ["Evidence", "Finding", "fmt", "tag"]


@dataclass(frozen=True)
class Finding:
    """One recording-level finding.

    Parameters
    ----------
    code : FindingCode
    present : bool | None
        None when the recording does not allow the assessment (the evidence says why).
    evidence : str
        One sentence with the numbers behind ``present``.
    values : dict
        Numbers, units in the key names (``plms_index_per_h``, ``rem_min``), and ``ruleset``.
    """

    code: FindingCode
    present: bool | None
    evidence: str
    values: Mapping[str, object] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        """``{"code", "present", "evidence", "values"}`` (JSON-ready with numpy scalars as numbers)."""
        return {"code": self.code.value, "present": self.present, "evidence": self.evidence,
                "values": dict(self.values)}

    def __repr__(self) -> str:
        state = {True: "present", False: "not present", None: "cannot be assessed"}[self.present]
        return f"<Finding {self.code.value}: {state}>"


@dataclass(frozen=True)
class Evidence:
    """What a finding rule reads: the classified events and the night.

    Attributes
    ----------
    events : pandas.DataFrame
        The classified events (events.tsv rows, :data:`myosleep.schema.EVENTS`).
    leg_movements : pandas.DataFrame
        Every leg movement scored (:data:`myosleep.schema.LEG_MOVEMENTS`).
    indices : EventIndices
        Counts and hours by stage.
    inputs : RuleInputs
        Ruleset, age, context, detection, channel roles.
    """

    events: pd.DataFrame
    leg_movements: pd.DataFrame
    indices: EventIndices
    inputs: RuleInputs

    def of_type(self, trial_type: str) -> pd.DataFrame:
        """The events of one class."""
        return self.events[self.events["trial_type"] == trial_type]


def fmt(x: float | None, nd: int = 1) -> str:
    """``x`` with ``nd`` decimals, ``n/a`` when missing."""
    return "n/a" if x is None or (isinstance(x, float) and not math.isfinite(x)) else f"{x:.{nd}f}"


def tag(rules: RuleSet) -> str:
    """``(AASM rules)``: every evidence sentence names its ruleset."""
    return f"({rules.name.upper()} rules)"

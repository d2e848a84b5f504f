"""Recording-level findings: :class:`Finding`, one per code of summary.json.

Every finding says whether it is ``present`` (True / False, or None when it cannot be
assessed on this recording), one sentence of ``evidence`` with the numbers, and ``values``
(numbers with units in their keys, always including ``ruleset``).  Decision support, never
a diagnosis.  Each class module builds its own finding beside its rules
(:func:`myosleep.classification.hypnic.sleep_starts`, ``fragmentary``, ``plm``, ``rswa``,
``neonatal``, ``propriospinal``, ``cortical``); this module holds what they share.

Every finding states the least evidence its rule needs (:class:`Minimum`: hours of sleep,
minutes of NREM or REM sleep, wake-to-sleep transitions, bursts), each with its source, in
``values["minimum_evidence"]``; below any of them the finding is ``present: None`` and its
evidence says what is missing (:func:`insufficient`).  Never a finding from minutes of data.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..vocab import FindingCode
from .rules import RuleSet

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd

    from .indices import EventIndices
    from .table import RuleInputs

__all__ = ["Evidence", "Finding", "Minimum", "fmt", "insufficient", "minimum_evidence", "tag"]


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
class Minimum:
    """The least evidence a finding's rule needs, and what the recording holds.

    Attributes
    ----------
    quantity : str
        What is counted, its unit in the name (``tst_h``, ``nrem_min``, ``rem_min``,
        ``sleep_min``, ``wake_to_sleep_transitions``, ``bursts``).
    required, observed : float
        The minimum and the recording's amount (NaN when unknown: not met).
    what : str
        The quantity in words, after its unit (``"of sleep"``, ``"wake-to-sleep transitions"``).
    unit : str
        ``"h"``, ``"min"``, or ``""`` for counts.
    source : str
        Where the minimum comes from.
    """

    quantity: str
    required: float
    observed: float
    what: str
    unit: str
    source: str

    @property
    def met(self) -> bool:
        """Whether the recording holds at least the minimum (hours and minutes summed from epochs: to 1e-9)."""
        return bool(math.isfinite(self.observed) and self.observed >= self.required - 1e-9 * abs(self.required))

    def to_dict(self) -> dict[str, object]:
        """``{"quantity", "required", "observed", "met", "source"}`` (JSON-ready)."""
        return {"quantity": self.quantity, "required": self.required, "observed": self.observed, "met": self.met,
                "source": self.source}

    def shortfall(self) -> str:
        """``"0.01 h of sleep, less than the 2 h required (source)"``."""
        if self.unit:
            nd = 2 if self.unit == "h" else 1
            # rounded down, so that a shortfall never reads as the minimum itself (4.95 min: "4.9", not "5.0")
            shown = math.floor(self.observed * 10 ** nd) / 10 ** nd if math.isfinite(self.observed) else self.observed
            text = (f"{fmt(shown, nd)} {self.unit} {self.what}, less than the {self.required:g} {self.unit} "
                    f"required")
        else:
            text = f"{fmt(self.observed, 0)} {self.what}, fewer than the {self.required:g} required"
        return f"{text} ({self.source})"


def minimum_evidence(minimums: list[Minimum]) -> list[dict[str, object]]:
    """``values["minimum_evidence"]`` of a finding."""
    return [m.to_dict() for m in minimums]


def insufficient(code: FindingCode, minimums: list[Minimum], values: Mapping[str, object], rules: RuleSet, *,
                 subject: str, seen: str = "") -> Finding | None:
    """The ``present: None`` finding when a minimum is not met (None when all are met).

    ``subject`` names what cannot be assessed; ``seen`` (optional) says what was nevertheless
    counted, without turning it into a finding.  Its ``values["below_minimum"]`` lists the
    quantities that fell short.
    """
    short = [m for m in minimums if not m.met]
    if not short:
        return None
    seen_text = f"; {seen}" if seen else ""
    return Finding(code, None, f"Cannot be assessed: {'; '.join(m.shortfall() for m in short)}, too little to "
                               f"assess {subject}{seen_text} {tag(rules)}.",
                   {**values, "below_minimum": [m.quantity for m in short]})


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
    counted : numpy.ndarray of bool, optional
        Per row of ``events``: whether the event counts (onset between lights off and on, scored
        under the ruleset; :meth:`EventIndices.compute`).  None: every event counts.
    """

    events: pd.DataFrame
    leg_movements: pd.DataFrame
    indices: EventIndices
    inputs: RuleInputs
    counted: np.ndarray | None = None

    def of_type(self, trial_type: str) -> pd.DataFrame:
        """The events of one class that count: those the indices count (between lights off and on,
        scored under the ruleset), the only ones a finding rests on."""
        sel = (self.events["trial_type"] == trial_type).to_numpy()
        if self.counted is not None:
            sel = sel & self.counted
        return self.events[sel]

    @property
    def transitions(self) -> pd.DataFrame:
        """The wake-to-sleep transitions between lights off and on
        (:meth:`SleepContext.transitions_in_lights`)."""
        return self.inputs.context.transitions_in_lights()


def fmt(x: float | None, nd: int = 1) -> str:
    """``x`` with ``nd`` decimals, ``n/a`` when missing."""
    return "n/a" if x is None or (isinstance(x, float) and not math.isfinite(x)) else f"{x:.{nd}f}"


def tag(rules: RuleSet) -> str:
    """``(AASM rules)``: every evidence sentence names its ruleset."""
    return f"({rules.name.upper()} rules)"

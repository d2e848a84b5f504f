"""Stages that run after classification, and how their outcome joins the classification.

The analysis runs an ordered list of stages after :func:`~myosleep.classification.classify`
(:data:`myosleep.pipeline.STAGES`).  A stage reads what it needs (the open recording: the
neurophysiology stage averages EEG around the jerks classification found, the one stage after
detection that reads samples) and returns a :class:`StageOutcome`: events to relabel (by
``event_id``), findings to set (e.g. ``cortical_myoclonus`` and ``functional_jerks``) and the
numbers it measured (summary.json ``stages``).  :func:`apply_outcome` relabels the events,
assesses every finding again on the relabelled events, then sets the stage's findings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from ..vocab import TrialType
from .findings import Finding
from .result import Classification

if TYPE_CHECKING:  # pragma: no cover
    from ..context.context import SleepContext
    from ..detection.results import DetectionResult
    from ..io.recording import Recording

__all__ = ["AnalysisStage", "Relabel", "StageOutcome", "apply_outcome", "run_stages"]


@dataclass(frozen=True)
class Relabel:
    """Motor events (``event_id``) that a stage gives another class, and the rule text that says why."""

    event_ids: tuple[int, ...]
    trial_type: TrialType
    rule: str


@dataclass(frozen=True)
class StageOutcome:
    """What one stage contributes.

    Attributes
    ----------
    name : str
        The stage's name (the key of its numbers in summary.json ``stages``).
    relabel : tuple of Relabel
        Events to give another class, applied in order.
    findings : tuple of Finding
        Findings that replace those with the same code (new codes are added).
    values : Mapping[str, object]
        The numbers the stage measured (JSON-ready, units in the keys).
    """

    name: str
    relabel: tuple[Relabel, ...] = ()
    findings: tuple[Finding, ...] = ()
    values: Mapping[str, object] = field(default_factory=dict)


class AnalysisStage(Protocol):
    """A stage after classification: ``name`` and ``run(...) -> StageOutcome``."""

    name: str

    def run(self, recording: Recording, detection: DetectionResult, context: SleepContext,
            classification: Classification) -> StageOutcome:
        """Measure what the stage measures; never modify its inputs."""
        ...  # pragma: no cover - a protocol


def apply_outcome(classification: Classification, outcome: StageOutcome) -> Classification:
    """The classification with a stage's relabelled events and findings (a new object)."""
    out = classification
    for r in outcome.relabel:
        out = out.relabel(r.event_ids, r.trial_type, r.rule)
    return out.with_findings(outcome.findings) if outcome.findings else out


def run_stages(stages: Sequence[AnalysisStage], recording: Recording, detection: DetectionResult,
               context: SleepContext, classification: Classification,
               ) -> tuple[Classification, dict[str, Mapping[str, object]]]:
    """Run ``stages`` in order, each on the classification the previous ones left."""
    values: dict[str, Mapping[str, object]] = {}
    for stage in stages:
        outcome = stage.run(recording, detection, context, classification)
        classification = apply_outcome(classification, outcome)
        values[outcome.name] = dict(outcome.values)
    return classification, values

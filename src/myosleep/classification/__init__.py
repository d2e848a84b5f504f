"""Classification: every motor event gets a trial_type; the night gets its findings.

Public API: :func:`classify` -> :class:`Classification`; the class rules in order
(:data:`STEPS`) and the findings (:data:`FINDINGS`), each in its own module beside its rules;
:class:`Finding`; the rulesets :data:`AASM` and :data:`WASM2016` (:class:`RuleSet`);
:func:`atonia_index`, :func:`sinbar`, :func:`score_leg_movements`; :func:`score_events`
(per-class F1 against a truth table); the stages that run after classification
(:class:`AnalysisStage`, :class:`StageOutcome`, :func:`apply_outcome`); :func:`reclassify` (the findings
of reviewed events).
"""

from __future__ import annotations

from .classify import EVENT_COLUMNS, FINDINGS, STEPS, assess, classify
from .evaluate import score_events
from .findings import Evidence, Finding
from .plm import plm_series, score_leg_movements
from .result import Classification
from .reviewed import reclassify
from .rswa import atonia_index, noise_corrected, sinbar, stage_medians
from .rules import AASM, RULESETS, WASM2016, RuleSet, get_ruleset
from .stages import AnalysisStage, Relabel, StageOutcome, apply_outcome, run_stages

__all__ = ["AASM", "EVENT_COLUMNS", "FINDINGS", "RULESETS", "STEPS", "WASM2016", "AnalysisStage", "Classification",
           "Evidence", "Finding", "Relabel", "RuleSet", "StageOutcome", "apply_outcome", "assess", "atonia_index",
           "classify",
           "get_ruleset", "noise_corrected", "plm_series", "reclassify", "run_stages", "score_events",
           "score_leg_movements", "sinbar", "stage_medians"]

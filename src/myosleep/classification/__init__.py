"""Classification: every motor event gets a trial_type; the night gets its findings.

Public API: :func:`classify` -> :class:`Classification`; :class:`Finding`; the rulesets
:data:`AASM` and :data:`WASM2016` (:class:`RuleSet`); :func:`atonia_index`, :func:`sinbar`,
:func:`score_leg_movements`; :func:`score_events` (per-class F1 against a truth table).
"""

from __future__ import annotations

from .classify import EVENT_COLUMNS, Classification, classify
from .evaluate import score_events
from .findings import Finding
from .plm import plm_series, score_leg_movements
from .rswa import atonia_index, noise_corrected, sinbar, stage_medians
from .rules import AASM, RULESETS, WASM2016, RuleSet, get_ruleset

__all__ = ["classify", "Classification", "EVENT_COLUMNS", "Finding", "RuleSet", "AASM", "WASM2016", "RULESETS",
           "get_ruleset", "score_leg_movements", "plm_series", "atonia_index", "noise_corrected", "sinbar",
           "stage_medians", "score_events"]

"""Sleep context: hypnogram (given, YASA-staged or an infant estimate), wake-to-sleep
transitions, EEG arousals and sleep measures.

Names are imported lazily so that ``import myosleep.context`` stays light.
"""

from __future__ import annotations

from .._lazy import attach

_LAZY = {
    "SleepContext": ".context",
    "ContextInputs": ".context",
    "build_context": ".context",
    "read_inputs": ".context",
    "TransitionWindow": ".transitions",
    "find_transitions": ".transitions",
    "sleep_onset_s": ".transitions",
    "sleep_statistics": ".sleepstats",
    "ArousalParams": ".arousals",
    "detect_arousals": ".arousals",
    "combine_arousals": ".arousals",
    "stage_with_yasa": ".staging",
    "estimate_infant_hypnogram": ".infant",
    "InfantStateParams": ".infant",
}

__getattr__, __dir__, __all__ = attach(__name__, _LAZY)

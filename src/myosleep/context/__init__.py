"""Sleep context: hypnogram (given, YASA-staged or an infant estimate), wake-to-sleep
transitions, EEG arousals and sleep measures.

Names are imported lazily so that ``import myosleep.context`` stays light.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "SleepContext": ".context",
    "build_context": ".context",
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

__all__ = list(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module 'myosleep.context' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)

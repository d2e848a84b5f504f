"""Input: recordings (EDF, EDF+, BDF, mne Raw) and hypnograms.

Names are imported lazily so that importing one reader does not import the others.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "read_recording": ".recording",
    "Recording": ".recording",
    "ChannelInfo": ".recording",
    "read_hypnogram": ".hypnogram",
    "read_scored_events": ".hypnogram",
    "Hypnogram": ".hypnogram_model",
}

__all__ = list(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module 'myosleep.io' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)

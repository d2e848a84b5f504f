"""myosleep: find and explain sleep myoclonus.

The public API is imported lazily so that ``import myosleep`` (and the CLI's
start-up) stays fast; heavy libraries load where they are used.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

from ._version import __version__

logging.getLogger("myosleep").addHandler(logging.NullHandler())

_LAZY = {
    "read_recording": "myosleep.io",
    "read_hypnogram": "myosleep.io",
    "Recording": "myosleep.io",
    "Hypnogram": "myosleep.io",
    "simulate_night": "myosleep.simulate",
    "Stage": "myosleep.vocab",
    "Role": "myosleep.vocab",
    "TrialType": "myosleep.vocab",
    "FindingCode": "myosleep.vocab",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = importlib.import_module(_LAZY[name])
        return getattr(module, name)
    raise AttributeError(f"module 'myosleep' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)

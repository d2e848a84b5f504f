"""myosleep: find and explain sleep myoclonus.

The public API is imported lazily so that ``import myosleep`` (and the CLI's
start-up) stays fast; heavy libraries load where they are used.
"""

from __future__ import annotations

import logging

from ._lazy import attach
from ._version import __version__

logging.getLogger("myosleep").addHandler(logging.NullHandler())

_LAZY = {
    # the stages, in pipeline order, and their results
    "read_recording": "myosleep.io",
    "read_hypnogram": "myosleep.io",
    "read_scored_events": "myosleep.io",
    "Recording": "myosleep.io",
    "Hypnogram": "myosleep.io",
    "detect": "myosleep.detection",
    "DetectionResult": "myosleep.detection",
    "build_context": "myosleep.context",
    "SleepContext": "myosleep.context",
    "classify": "myosleep.classification",
    "Classification": "myosleep.classification",
    "analyze": "myosleep.pipeline",
    "analyze_to_dir": "myosleep.pipeline",
    "Analysis": "myosleep.pipeline",
    "simulate_night": "myosleep.simulate",
    # errors (every one a user can cause is an InputError)
    "MyosleepError": "myosleep.errors",
    "InputError": "myosleep.errors",
    "RecordingError": "myosleep.errors",
    "ChannelError": "myosleep.errors",
    "HypnogramError": "myosleep.errors",
    "ParameterError": "myosleep.errors",
    "OutputError": "myosleep.errors",
    # vocabularies
    "Stage": "myosleep.vocab",
    "Role": "myosleep.vocab",
    "TrialType": "myosleep.vocab",
    "FindingCode": "myosleep.vocab",
}

__getattr__, _dir, _names = attach(__name__, _LAZY)
__all__ = ["__version__", *_names]


def __dir__() -> list[str]:
    return sorted(__all__)

"""Input: recordings (EDF, EDF+, BDF, mne Raw) and hypnograms.

Names are imported lazily so that importing one reader does not import the others.
"""

from __future__ import annotations

from .._lazy import attach

_LAZY = {
    "read_recording": ".recording",
    "Recording": ".recording",
    "ChannelInfo": ".recording",
    "read_hypnogram": ".hypnogram",
    "read_scored_events": ".hypnogram",
    "HypnogramFile": ".hypnogram",
    "Hypnogram": ".hypnogram_model",
    "read_scorer_events": ".scored_events",
    "to_mne_annotations": ".export_edf",
}

__getattr__, __dir__, __all__ = attach(__name__, _LAZY)

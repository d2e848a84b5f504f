"""Is this jerk cortical? Jerk-locked EEG back-averaging, Bereitschaftspotential,
EEG-EMG coherence and the burst-duration test (the pipeline layer after classification).

Entry point: :func:`jerk_locked_analysis` -> :class:`NeurophysiologyResult`; inside
``myosleep analyze``: :class:`NeurophysiologyStage` (``myosleep.pipeline.STAGES``).
"""

from __future__ import annotations

from .._lazy import attach

_LAZY = {
    "jerk_locked_analysis": ".stage",
    "DEFAULT_CLASSES": ".stage",
    "NeurophysiologyResult": ".result",
    "GroupAverage": ".result",
    "NeuroParams": ".params",
    "DEFAULT_PARAMS": ".params",
    "NeurophysiologyStage": ".analysis_stage",
}

__getattr__, __dir__, __all__ = attach(__name__, _LAZY)

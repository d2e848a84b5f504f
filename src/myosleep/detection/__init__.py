"""Detection: EMG bursts (short myoclonic and AASM leg-movement sets), accelerometer
jerks, multi-channel motor events, and the chin amplitude per second.

``detect(recording) -> DetectionResult`` is the library entry (``myosleep detect`` writes
its tables through :func:`myosleep.pipeline.detect_to_dir`).  Array-level detectors live in
:mod:`.bursts`, :mod:`.accelerometer`, :mod:`.events` and :mod:`.chin`; the columns of every
table in :mod:`myosleep.schema`.
"""

from __future__ import annotations

from .accelerometer import find_accel_jerks
from .bursts import BURST_COLUMNS, find_lm_bursts, find_short_bursts, resting_baseline
from .chin import ChinAmplitude, chin_amplitude_1s
from .events import EVENT_COLUMNS, Grouping, group_events
from .params import (
                     AASM_LM,
                     SHORT,
                     AccelerometerParams,
                     DetectionParams,
                     EventParams,
                     LegMovementParams,
                     ShortBurstParams,
)
from .results import ARTEFACT_COLUMNS, ChannelRef, ChannelStatus, DetectionResult
from .run import detect, detect_channel, require_usable_channels

__all__ = [
    "AASM_LM", "ARTEFACT_COLUMNS", "BURST_COLUMNS", "EVENT_COLUMNS", "SHORT", "AccelerometerParams", "ChannelRef",
    "ChannelStatus", "ChinAmplitude", "DetectionParams", "DetectionResult", "EventParams", "Grouping",
    "LegMovementParams", "ShortBurstParams", "chin_amplitude_1s", "detect", "detect_channel", "find_accel_jerks",
    "find_lm_bursts", "find_short_bursts", "group_events", "require_usable_channels", "resting_baseline",
]

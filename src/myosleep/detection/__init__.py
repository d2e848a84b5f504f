"""Detection: EMG bursts (short myoclonic and AASM leg-movement sets), accelerometer
jerks, and multi-channel motor events.

``detect(recording)`` is the library entry; ``run_detect(path, out_dir=...)`` backs
``myosleep detect``.  Array-level detectors live in :mod:`.bursts`,
:mod:`.accelerometer` and :mod:`.events`.
"""

from __future__ import annotations

from .accelerometer import find_accel_jerks
from .bursts import BURST_COLUMNS, find_lm_bursts, find_short_bursts, resting_baseline
from .events import EVENT_COLUMNS, group_events
from .params import (AASM_LM, SHORT, AccelerometerParams, DetectionParams, EventParams, LegMovementParams,
                     ShortBurstParams)
from .results import ARTEFACT_COLUMNS, BurstResult, ChannelStatus, DetectionResult, MotorEventResult
from .run import detect, detect_channel, run_detect

__all__ = [
    "detect", "detect_channel", "run_detect", "find_short_bursts", "find_lm_bursts", "find_accel_jerks",
    "resting_baseline", "group_events", "BURST_COLUMNS", "EVENT_COLUMNS", "ARTEFACT_COLUMNS",
    "DetectionParams", "ShortBurstParams", "LegMovementParams", "EventParams", "AccelerometerParams",
    "SHORT", "AASM_LM", "BurstResult", "MotorEventResult", "DetectionResult", "ChannelStatus",
]

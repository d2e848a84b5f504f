"""Events (and the hypnogram) as NSRR XML annotations.

The layout of the National Sleep Research Resource's XML files (``PSGAnnotation``, as
written by NSRR's EDF Editor and Translator and read by Luna, the NSRR EDF Viewer and
myosleep's own :func:`~myosleep.io.read_scored_events`):

.. code-block:: xml

    <PSGAnnotation>
      <SoftwareVersion>myosleep 1.0</SoftwareVersion>
      <EpochLength>30</EpochLength>
      <ScoredEvents>
        <ScoredEvent><EventType/><EventConcept>Recording Start Time</EventConcept>
          <Start>0</Start><Duration>28800.0</Duration><ClockTime>00.00.00 22.30.00</ClockTime></ScoredEvent>
        <ScoredEvent><EventType>Stages|Stages</EventType><EventConcept>Wake|0</EventConcept>
          <Start>0.0</Start><Duration>60.0</Duration></ScoredEvent>
        <ScoredEvent><EventType>Limb Movement|Limb Movement</EventType>
          <EventConcept>Periodic leg movement - left|PLM (Left)</EventConcept>
          <Start>1234.5678</Start><Duration>1.25</Duration><SignalLocation>EMG LAT</SignalLocation></ScoredEvent>
      </ScoredEvents>
    </PSGAnnotation>

Start and Duration are seconds from the start of the recording; ``ClockTime`` of the
"Recording Start Time" event is NSRR's ``dd.mm.yy hh.mm.ss`` with the date blanked
(``00.00.00``), as NSRR publishes it.  Stage concepts are NSRR's R&K-coded names ("Wake|0",
"Stage 1 sleep|1", "Stage 2 sleep|2", "Stage 3 sleep|3", "REM sleep|5", "Unscored|9"),
consecutive epochs of one stage merged into one event.  Leg movements use NSRR's concepts
("Limb movement - left|Limb Movement (Left)", "Periodic leg movement - right|PLM (Right)");
the other myosleep classes have no NSRR concept and are written as "<Name>|<trial_type>"
under the event type "Myoclonus|Myoclonus" (body movements: "Movement|Movement"), which
Luna takes as one annotation class each and myosleep reads back to the same trial_type.
"""

from __future__ import annotations

import datetime as _dt
import logging
import math
import os
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ParameterError
from ..vocab import Stage, TrialType

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["nsrr_concept", "events_to_nsrr_xml", "write_nsrr_xml"]

logger = logging.getLogger("myosleep")

#: NSRR stage concepts (R&K codes; AASM N3 is written as R&K stage 3).
STAGE_CONCEPTS = {int(Stage.W): "Wake|0", int(Stage.N1): "Stage 1 sleep|1", int(Stage.N2): "Stage 2 sleep|2",
                  int(Stage.N3): "Stage 3 sleep|3", int(Stage.R): "REM sleep|5",
                  int(Stage.ARTEFACT): "Movement|6", int(Stage.UNSCORED): "Unscored|9"}
_NAMES = {
    TrialType.HYPNIC_JERK.value: "Hypnic jerk",
    TrialType.FRAGMENTARY_MYOCLONUS.value: "Fragmentary myoclonus",
    TrialType.REM_TWITCH.value: "REM twitch",
    TrialType.NEONATAL_MYOCLONUS.value: "Neonatal sleep myoclonus",
    TrialType.PROPRIOSPINAL_MYOCLONUS.value: "Propriospinal myoclonus",
    TrialType.CORTICAL_MYOCLONUS.value: "Cortical myoclonus",
    TrialType.MYOCLONIC_JERK.value: "Myoclonic jerk",
    TrialType.BODY_MOVEMENT.value: "Body movement",
}


def _truthy(value: Any) -> bool:
    return str(value).strip().lower() in ("true", "1", "yes")


def _sides(channel: Any) -> set[str]:
    from .export_edf import split_channels
    from .roles import infer_side

    out = set()
    for label in split_channels(channel):
        side = infer_side(label)
        if side is not None:
            out.add(side.value)
    return out


def nsrr_concept(trial_type: str, *, periodic: Any = None, channel: Any = None) -> tuple[str, str]:
    """(EventType, EventConcept) of one event in NSRR's vocabulary.

    Leg movements get NSRR's concepts, with the side when all the event's channels are on
    one side, "PLM" when ``periodic`` is true; the other classes "<Name>|<trial_type>".
    """
    if trial_type == TrialType.LEG_MOVEMENT.value:
        sides = _sides(channel)
        side = sides.pop() if len(sides) == 1 else None
        if _truthy(periodic):
            concept = (f"Periodic leg movement - {side}|PLM ({side.title()})" if side
                       else "Periodic leg movement|PLM")
        else:
            concept = (f"Limb movement - {side}|Limb Movement ({side.title()})" if side
                       else "Limb movement|Limb Movement")
        return "Limb Movement|Limb Movement", concept
    if trial_type == TrialType.BODY_MOVEMENT.value:
        return "Movement|Movement", f"{_NAMES[trial_type]}|{trial_type}"
    name = _NAMES.get(trial_type, str(trial_type).replace("_", " ").capitalize())
    return "Myoclonus|Myoclonus", f"{name}|{trial_type}"


def _number(x: float) -> str:
    """Seconds in positional notation, shortest round-trip (no exponent, as NSRR writes)."""
    import numpy as np

    return np.format_float_positional(float(x), unique=True, trim="0")


def _add(parent: ET.Element, tag: str, text: str | None) -> ET.Element:
    el = ET.SubElement(parent, tag)
    if text is not None:
        el.text = text
    return el


def _scored_event(container: ET.Element, etype: str, concept: str, start: float, duration: float,
                  location: str | None = None, clock: str | None = None) -> None:
    ev = ET.SubElement(container, "ScoredEvent")
    _add(ev, "EventType", etype or None)
    _add(ev, "EventConcept", concept)
    _add(ev, "Start", _number(start))
    _add(ev, "Duration", _number(duration))
    if location:
        _add(ev, "SignalLocation", location)
    if clock:
        _add(ev, "ClockTime", clock)


def events_to_nsrr_xml(events: pd.DataFrame, *, start_datetime: _dt.datetime | None = None,
                       duration_s: float | None = None, hypnogram: Any = None,
                       software: str | None = None) -> str:
    """The NSRR XML text of the events (and the hypnogram's stages).

    Parameters
    ----------
    events : DataFrame
        events.tsv rows: ``onset``, ``duration`` (s from the recording start),
        ``trial_type``, optionally ``channel`` and ``periodic``.
    start_datetime : datetime | None
        Start of the recording; its clock time becomes the "Recording Start Time" event.
    duration_s : float | None
        Duration of the recording (s), the "Recording Start Time" event's duration;
        default: the end of the last event or epoch.
    hypnogram : Hypnogram | None
        Stages to include ("Stages|Stages" events, consecutive equal epochs merged).
    software : str | None
        ``SoftwareVersion`` text; default ``myosleep <version>``.
    """
    import numpy as np

    from .._version import __version__
    from ..schema import join_list
    from .export_edf import _check_events, split_channels

    _check_events(events, "events_to_nsrr_xml")
    root = ET.Element("PSGAnnotation")
    _add(root, "SoftwareVersion", software or f"myosleep {__version__}")
    epoch_s = float(hypnogram.epoch_s) if hypnogram is not None else 30.0
    _add(root, "EpochLength", _number(epoch_s) if epoch_s != int(epoch_s) else str(int(epoch_s)))
    container = ET.SubElement(root, "ScoredEvents")
    onsets = np.asarray(events["onset"], dtype=float)
    durations = np.nan_to_num(np.asarray(events["duration"], dtype=float), nan=0.0)
    ends = [float(np.max(onsets + durations))] if len(events) else []
    if hypnogram is not None:
        ends.append(float(hypnogram.end_s))
    total = float(duration_s) if duration_s is not None else (max(ends) if ends else 0.0)
    if not (math.isfinite(total) and total >= 0):
        raise ParameterError(f"recording duration must be >= 0 s, got {duration_s!r}", where="duration_s")
    clock = None
    if start_datetime is not None:
        clock = f"00.00.00 {start_datetime:%H.%M.%S}"
    _scored_event(container, "", "Recording Start Time", 0.0, total, clock=clock)
    if hypnogram is not None:
        stages = np.asarray(hypnogram.stages)
        if stages.size:
            change = np.flatnonzero(np.diff(stages)) + 1
            starts = np.concatenate([[0], change])
            stops = np.concatenate([change, [stages.size]])
            for a, b in zip(starts, stops):
                _scored_event(container, "Stages|Stages", STAGE_CONCEPTS[int(stages[a])],
                              float(hypnogram.start_s) + a * epoch_s, (b - a) * epoch_s)
    channels = events["channel"] if "channel" in events.columns else [None] * len(events)
    periodic = events["periodic"] if "periodic" in events.columns else [None] * len(events)
    order = np.argsort(onsets, kind="stable")
    trial = list(events["trial_type"])
    ch, per = list(channels), list(periodic)
    for i in order:
        etype, concept = nsrr_concept(str(trial[i]), periodic=per[i], channel=ch[i])
        location = join_list(split_channels(ch[i])) or None  # a label's own comma escaped, as in events.tsv
        _scored_event(container, etype, concept, float(onsets[i]), float(durations[i]), location)
    ET.indent(root, space=" ")
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n' + body + "\n"


def write_nsrr_xml(events: pd.DataFrame, path: str | os.PathLike[str], *,
                   start_datetime: _dt.datetime | None = None, duration_s: float | None = None,
                   hypnogram: Any = None, software: str | None = None) -> Path:
    """Write :func:`events_to_nsrr_xml` to ``path`` (UTF-8, atomically); return the path."""
    from .._atomic import atomic_write_text

    p = atomic_write_text(path, events_to_nsrr_xml(events, start_datetime=start_datetime, duration_s=duration_s,
                                                   hypnogram=hypnogram, software=software))
    logger.info("wrote %d events to %s", len(events), p)
    return p

"""Philips Respironics RML: the scoring that Alice 5/6 and Sleepware G3 export (``.rml`` XML).

Philips publishes no specification of the format.  Its structure here is the one that public
readers of real files rely on: the ``AliceRMLLoader`` of the pyPhases record loaders
(``pyPhasesRecordloader``, an ``XMLAnnotationLoader``) and the ``PhilipsAnnotationReader`` of
wuji (Xuesong Chen, ``wuji/Reader/Annotation/Philips.py``).  Neither documents more than it reads,
so what they do not show (several recording sessions) is refused rather than guessed.

* root ``<PatientStudy xmlns="http://www.respironics.com/PatientStudy.xsd">`` (the namespace is
  ignored: files without it read the same);
* ``Acquisition/Sessions/Session``: ``RecordingStart`` (local clock time, ``2019-03-04T22:30:12``),
  ``Duration`` (s), ``LightsOff`` and ``LightsOn`` (s from the recording start; either may be
  missing or empty);
* ``ScoringData/StagingData/UserStaging/NeuroAdultAASMStaging/Stage`` with ``Type`` (``Wake``,
  ``NonREM1``-``NonREM4``, ``REM``, ``NotScored``) and ``Start`` (s): each is a stage *change*
  that lasts until the next one, the last until the session's ``Duration``.  ``NeuroRKStaging``
  holds R&K staging in the same words; ``MachineStaging`` the automatic staging;
* ``ScoringData/Events/Event`` with ``Family`` (``Neuro``, ``Limb``, ``Respiratory``, ``SpO2``,
  ``Cardiac``, ...), ``Type`` (``Arousal``, ``LegMovement``, ``ObstructiveApnea``, ...),
  ``Start`` and ``Duration`` (s) and ``Machine="true"`` for automatically scored events; a child
  element may name the EDF signal the event was scored on (``<LegMovement EdfSignal="3"/>``,
  -1 when unknown), which ``ChannelConfig/Channels/Channel`` (``EdfSignal``, ``<Label>``) names.
"""

from __future__ import annotations

import logging
import math
from datetime import datetime
from pathlib import Path

import numpy as np

from ..errors import HypnogramError
from ..vocab import Stage
from ._hypno_common import RawScoring, classify_event
from ._hypno_markup import _float, _format_convention, _local, _parse_xml

__all__ = ["read_alice_rml", "RML_ROOT"]

logger = logging.getLogger("myosleep")

#: Root element of an RML file (any namespace).
RML_ROOT = "PatientStudy"

#: RML stage words.  NonREM3 and NonREM4 are R&K S3 and S4, AASM N3 (Iber et al., AASM Manual 2007).
_STAGE_OF: dict[str, Stage] = {"wake": Stage.W, "nonrem1": Stage.N1, "nonrem2": Stage.N2, "nonrem3": Stage.N3,
                               "nonrem4": Stage.N3, "rem": Stage.R, "notscored": Stage.UNSCORED}

#: Where the staging is taken from, in order: the scorer's AASM staging, the scorer's R&K staging,
#: then (stated as a warning) the automatic ones.
_STAGINGS = (("UserStaging", "NeuroAdultAASMStaging", "aasm-labels"),
             ("UserStaging", "NeuroRKStaging", "rk-labels"),
             ("MachineStaging", "NeuroAdultAASMStaging", "aasm-labels"),
             ("MachineStaging", "NeuroRKStaging", "rk-labels"))

# AASM Manual v2.5 (2018): sleep is staged in 30-s epochs; an RML states no epoch length.
_AASM_EPOCH_S = 30.0
# A stage change within 2 % of an epoch (0.6 s of 30 s) of the grid is on it: the tolerance of
# the other segment readers (_hypno_common.segments_to_stages) for exporters' clock rounding.
_GRID_TOL = 0.02


def _children(elem, name: str) -> list:
    return [ch for ch in elem if _local(ch.tag) == name]


def _path(elem, *names: str):
    """The first element along ``names`` below ``elem`` (namespace ignored), or None."""
    for name in names:
        if elem is None:
            return None
        elem = next(iter(_children(elem, name)), None)
    return elem


def _text(elem) -> str | None:
    text = None if elem is None else (elem.text or "").strip()
    return text or None


def _number(text: str | None, *, what: str, source: str) -> float:
    """A finite number of seconds; anything else is refused."""
    value = _float(text, what=what, source=source)
    if not math.isfinite(value):
        raise HypnogramError(f"{what} {text!r} is not a number of seconds", where=source)
    return value


def _seconds(text: str | None, *, what: str, source: str) -> float | None:
    """A number of seconds, None when missing or empty."""
    return None if text is None or not text.strip() else _number(text, what=what, source=source)


def _recording_start(text: str | None, *, source: str) -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise HypnogramError(f"RecordingStart {text!r} is not a date and time", where=source,
                             hint="expected e.g. 2019-03-04T22:30:12") from None


def _session(root, raw: RawScoring, *, source: str) -> float | None:
    """Start, lights and duration of the session; returns its duration (s), or None."""
    container = _path(root, "Acquisition", "Sessions")
    sessions = _children(container, "Session") if container is not None else []
    if not sessions:
        return None
    if len(sessions) > 1:
        # Public readers take one session (AliceRMLLoader logs several as unexpected); how the
        # times of later sessions count is undocumented, so they are not guessed.
        raise HypnogramError(f"Philips RML holds {len(sessions)} recording sessions: only single-session files "
                             "are read (how the times of later sessions count is not documented)", where=source,
                             hint="export each session's scoring to its own RML")
    session = sessions[0]
    raw.start_datetime = _recording_start(_text(_path(session, "RecordingStart")), source=source)
    raw.lights_off_s = _seconds(_text(_path(session, "LightsOff")), what="LightsOff", source=source)
    raw.lights_on_s = _seconds(_text(_path(session, "LightsOn")), what="LightsOn", source=source)
    duration = _seconds(_text(_path(session, "Duration")), what="Duration", source=source)
    if duration is not None:
        raw.metadata["duration_s"] = duration
    return duration


def _channel_labels(root) -> dict[str, str]:
    """EDF signal index (as written) -> channel label, from ``ChannelConfig/Channels/Channel``."""
    channels = _path(root, "ChannelConfig", "Channels")
    out: dict[str, str] = {}
    for ch in _children(channels, "Channel") if channels is not None else []:
        index, label = (ch.get("EdfSignal") or "").strip(), _text(_path(ch, "Label"))
        if index and label:
            out[index] = label
    return out


def _words(camel: str) -> str:
    """``"ObstructiveApnea"`` -> ``"Obstructive Apnea"``, so that the event rules see words."""
    out = []
    for i, c in enumerate(camel):
        if i and c.isupper() and (camel[i - 1].islower() or (i + 1 < len(camel) and camel[i + 1].islower())):
            out.append(" ")
        out.append(c)
    return "".join(out)


def _events(root, raw: RawScoring, *, source: str) -> None:
    """``ScoringData/Events/Event`` as scored events, with their channel and machine flag."""
    labels = _channel_labels(root)
    container = _path(root, "ScoringData", "Events")
    unknown: set[str] = set()
    for i, ev in enumerate(_children(container, "Event") if container is not None else [], start=1):
        etype = (ev.get("Type") or "").strip()
        family = (ev.get("Family") or "").strip()
        onset = _number(ev.get("Start"), what=f"Start of Event {i}", source=source)
        dur = _seconds(ev.get("Duration"), what=f"Duration of Event {i}", source=source) or 0.0
        description = etype or family
        if etype.lower() == "comment":  # the scorer's text is the event (as AliceRMLLoader reads it)
            description = _text(_path(ev, "Comment")) or etype
        kind = classify_event(_words(description), event_type=family)
        channel = None
        for child in ev:
            index = (child.get("EdfSignal") or "").strip()
            if index and index != "-1":
                channel = labels.get(index)
                if channel is None:
                    unknown.add(index)
                break
        raw.events.append((onset, dur, description, kind, channel))
        raw.event_machine.append((ev.get("Machine") or "").strip().lower() == "true")
    if unknown:
        raw.metadata["unknown_edf_signals"] = sorted(unknown, key=lambda s: (len(s), s))
        logger.warning("%s: events name EDF signal(s) %s that the channel config does not list",
                       source, ", ".join(sorted(unknown)))
    for lights_s, text in ((raw.lights_off_s, "Lights off"), (raw.lights_on_s, "Lights on")):
        if lights_s is not None:
            raw.events.append((lights_s, 0.0, text, "lights", None))
            raw.event_machine.append(False)


def _staging(root) -> tuple[list, str, str] | None:
    """The ``Stage`` elements read, their path (``UserStaging/NeuroAdultAASMStaging``) and convention."""
    staging_data = _path(root, "ScoringData", "StagingData")
    if staging_data is None:
        return None
    for who, scheme, convention in _STAGINGS:
        el = _path(staging_data, who, scheme)
        stages = _children(el, "Stage") if el is not None else []
        if any((st.get("Type") or "").strip().lower() != "notscored" for st in stages):  # some epoch staged
            return stages, f"{who}/{scheme}", convention
    return None


def _stage_changes(elements: list, where: str, *,
                   source: str) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    """Onsets (s), codes, Type words and places (``Stage 3 of ...``) of the stage changes, in time order."""
    onsets, codes, words = [], [], []
    for i, el in enumerate(elements, start=1):
        word = (el.get("Type") or "").strip()
        onset = _number(el.get("Start"), what=f"Start of Stage {i} of {where}", source=source)
        st = _STAGE_OF.get(word.lower())
        if st is None:
            raise HypnogramError(f"unknown RML stage Type {word!r} (Stage {i} of {where}, at {onset:g} s)",
                                 where=source, hint="RML stages are Wake, NonREM1-NonREM4, REM and NotScored")
        onsets.append(onset)
        codes.append(int(st))
        words.append(word)
    order = np.argsort(np.asarray(onsets), kind="stable")
    on = np.asarray(onsets, dtype=np.float64)[order]
    code = np.asarray(codes, dtype=np.int8)[order]
    word_of = [words[k] for k in order]
    place = [f"Stage {k + 1} of {where}" for k in order]
    for k in np.flatnonzero(np.diff(on) == 0):
        if code[k] != code[k + 1]:
            raise HypnogramError(f"two stage changes at {on[k]:g} s: {word_of[k]} ({place[k]}) and "
                                 f"{word_of[k + 1]} ({place[k + 1]})", where=source,
                                 hint="each time may change to one stage only")
    keep = np.r_[True, np.diff(on) > 0]  # a repeat of the same stage at the same time changes nothing
    return (on[keep], code[keep], [w for w, k in zip(word_of, keep) if k],
            [p for p, k in zip(place, keep) if k])


def _to_epochs(on: np.ndarray, code: np.ndarray, words: list[str], place: list[str], end_s: float | None, *,
               epoch_s: float, source: str) -> tuple[np.ndarray, dict]:
    """One code per epoch: each change lasts to the next, the last to ``end_s`` (its partial epoch dropped)."""
    first = float(on[0])
    pos = (on - first) / epoch_s
    off = np.flatnonzero(np.abs(pos - np.round(pos)) > _GRID_TOL)
    if off.size:
        k = int(off[0])
        raise HypnogramError(f"stage change to {words[k]} at {on[k]:g} s ({place[k]}) is not on the {epoch_s:g}-s "
                             f"epoch grid that starts at {first:g} s (the first stage's start)", where=source,
                             hint="RML stages are 30-s epochs; pass epoch_s= (CLI: --hypnogram-epoch S) if this file "
                                  "was scored in others")
    start = np.round(pos).astype(np.int64)
    note: dict = {}
    if end_s is None:  # no Duration: the last change is taken as one epoch
        n_total = int(start[-1]) + 1
        note["last_stage_epochs"] = "1 (the session states no Duration)"
    else:
        late = np.flatnonzero(on >= end_s)
        if late.size:
            k = int(late[0])
            raise HypnogramError(f"stage change to {words[k]} at {on[k]:g} s ({place[k]}) is not before the end of "
                                 f"the recording ({end_s:g} s, the session's Duration)", where=source,
                                 hint="check that the RML belongs to this recording")
        n_total = int(math.floor((end_s - first) / epoch_s + 1e-9))
        # the recording's last partial epoch is dropped, as the Elan and DREAMS readers drop a trailing part
        note["dropped_tail_s"] = round(float(end_s - first - n_total * epoch_s), 6)
    out = np.empty(n_total, dtype=np.int8)
    bounds = np.minimum(np.r_[start, n_total], n_total)
    for k in range(start.size):
        out[int(bounds[k]):int(bounds[k + 1])] = code[k]
    return out, note


def read_alice_rml(path: Path, *, source: str, epoch_s: float | None, convention: str | None = None) -> RawScoring:
    """Philips Respironics RML (Alice 5/6, Sleepware G3): stages, lights and scored events.

    The scorer's AASM staging is read (``UserStaging/NeuroAdultAASMStaging``), else the scorer's
    R&K staging (``UserStaging/NeuroRKStaging``: NonREM3 and NonREM4 are N3); the automatic
    staging (``MachineStaging``) only when the file holds no other (a staging of NotScored
    only counts as none), with a warning in the metadata (``warnings``) that the analysis
    states.  ``metadata["staging"]`` names the one read.  Stages are 30-s epochs (AASM) on the
    grid of the first stage's start; a change off it, an unknown ``Type`` or a change past the
    recording's end is refused in one line.  Events keep their ``Type`` as description, the
    channel their EDF signal names, and ``Machine="true"`` (see the module docstring).
    """
    _format_convention(convention, "labels", "Philips Respironics RML", source=source)
    root = _parse_xml(path, source=source)
    if _local(root.tag) != RML_ROOT:
        raise HypnogramError(f"is not a Philips Respironics RML: its XML root is <{_local(root.tag)}>, not "
                             f"<{RML_ROOT}>", where=source, hint="drop format='alice-rml' for this file")
    ep = float(epoch_s) if epoch_s else _AASM_EPOCH_S
    raw = RawScoring(format="alice-rml", epoch_s=ep,
                     epoch_source=("epoch_s= given" if epoch_s else
                                   "the RML format: AASM 30-s epochs (the file states no epoch length)"))
    end_s = _session(root, raw, source=source)
    _events(root, raw, source=source)
    chosen = _staging(root)
    if chosen is None:
        return raw
    elements, where, label_convention = chosen
    on, code, words, place = _stage_changes(elements, where, source=source)
    raw.stages, note = _to_epochs(on, code, words, place, end_s, epoch_s=ep, source=source)
    raw.first_onset_s = float(on[0])
    raw.metadata.update(note)
    raw.metadata.update(convention=label_convention, staging=where, n_stage_changes=int(on.size),
                        convention_evidence=f"the RML's {where} Stage Type words")
    if where.startswith("MachineStaging"):
        raw.metadata["warnings"] = [
            f"stages from the automatic staging ({where}): the RML holds no scorer's staging "
            "(UserStaging); check them before relying on the sleep measures"]
    # the stage changes are scored events too (as NSRR's and EDF+'s stage annotations are)
    ends = np.r_[on[1:], on[0] + raw.stages.size * ep if end_s is None else end_s]
    for onset, stop, word in zip(on, ends, words):
        raw.events.append((float(onset), float(stop - onset), word, "stage", None))
        raw.event_machine.append(where.startswith("MachineStaging"))
    return raw

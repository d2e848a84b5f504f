"""Structured hypnogram/event files: EDF+ annotations, NSRR XML, Compumedics Profusion XML, wonambi XML."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np

from ..errors import HypnogramError
from ..vocab import Stage
from ._hypno_common import RawScoring, classify_event, infer_epoch_s, lights_kind
from ._hypno_conventions import LABEL_CONVENTIONS
from ._hypno_labels import RK_CODES, label_convention, label_to_stage

__all__ = ["read_edf_annotations", "read_nsrr_xml", "read_profusion_xml", "read_wonambi_xml", "xml_root_tag",
           "WONAMBI_ROOT"]

logger = logging.getLogger("myosleep")


# ---------------------------------------------------------------------------------- EDF+
def _edf_annotations(path: Path, *, source: str) -> tuple[list[tuple[float, float, str]],
                                                          datetime | None, bool]:
    """(onset, duration, text) of every annotation, the start datetime, date-unknown flag.

    Read by the package's own EDF reader (:mod:`.edf_header`, :mod:`._edf_data`), the one that
    decodes the signals.  As EDF+ (Kemp and Olivan 2003, 2.2.4) and edfio/MNE have it: the first
    data record's time-keeping onset is the start's sub-second part (added to the start, taken
    from every onset); a TAL without duration gives NaN; an anonymised EDF+ start date
    ("Startdate X") leaves the date unknown (the flag; the clock time is the file's, the date the
    header's ``dd.mm.yy`` or 1 January 1985: the one start-date rule of :mod:`.edf_header`).
    """
    from ..errors import RecordingError
    from ._edf_data import EdfData, parse_tals
    from .edf_header import read_edf_header

    try:  # header fields and file size against the declared data records
        header = read_edf_header(path)
    except RecordingError as exc:
        raise HypnogramError(exc.what, where=source, hint=exc.hint) from None
    data = EdfData(header)
    anns: list[tuple[float, float, str]] = []
    first: float | None = None
    try:
        for k, signal in enumerate(header.annotation_signals):
            for record in data.annotation_bytes(signal):
                keeping, tals = parse_tals(record.tobytes(), missing_duration=float("nan"))
                if k == 0 and first is None and keeping is not None:
                    first = keeping
                anns.extend(tals)
    finally:
        data.close()
    shift = first or 0.0
    anns = sorted(((round(on - shift, 12), dur, text) for on, dur, text in anns),
                  key=lambda a: (a[0], -1.0 if not np.isfinite(a[1]) else a[1], a[2]))
    start = header.start_datetime  # one date rule for recordings and hypnograms (edf_header)
    if start is not None and shift:
        start += timedelta(seconds=shift)
    return anns, start, not header.start_date_known


def _format_convention(convention: str | None, own: str, fmt: str, *, source: str) -> None:
    """Refuse a ``convention=`` that contradicts what a format defines (``own``: a name, or "labels")."""
    if convention is None or convention == own or (own == "labels" and convention in LABEL_CONVENTIONS):
        return
    raise HypnogramError(f"a {fmt} file defines its own stage coding; convention={convention!r} does not apply",
                         where=source, hint="drop the convention option for this file")


def read_edf_annotations(path: Path, *, source: str, epoch_s: float | None,
                         convention: str | None = None) -> RawScoring:
    """EDF+ annotations: sleep stages (Sleep-EDF, HMC), lights off/on and scored events.

    Stage annotations ("Sleep stage W/1/2/3/4/R/?/N1/N2/N3", "Movement time") become
    segments; "Lights off"/"Lights on" (with HMC's ``@@channel`` suffix stripped) set
    the lights times; everything else is kept as a scored event.  Trailing "Sleep
    stage ?" epochs are dropped: Sleep-EDF pads its hypnograms with hours of them past
    the end of the recording (SC4001EC: 230 epochs beyond the 79,500-s PSG).
    """
    _format_convention(convention, "labels", "EDF+ annotation", source=source)
    anns, start, time_only = _edf_annotations(path, source=source)
    raw = RawScoring(format="edf", start_datetime=start, start_time_only=time_only,
                     metadata={"n_annotations": len(anns)})
    onsets, durations, codes, where, labels = [], [], [], [], []
    for i, (onset, dur, text) in enumerate(anns, start=1):
        channel = text.split("@@", 1)[1].strip() if "@@" in text else None
        description = text.split("@@", 1)[0].strip()
        kind = classify_event(text)
        raw.events.append((onset, 0.0 if not np.isfinite(dur) else dur, description, kind, channel))
        lk = lights_kind(text)
        if lk == "off" and raw.lights_off_s is None:
            raw.lights_off_s = onset
        elif lk == "on":
            raw.lights_on_s = onset
        if kind != "stage":
            continue
        st = label_to_stage(description)
        if st is None:
            raise HypnogramError(f"unknown sleep-stage annotation {description!r} (annotation {i} "
                                 f"at {onset:g} s)", where=source,
                                 hint="expected 'Sleep stage W/1/2/3/4/R/?' or 'Sleep stage N1/N2/N3'")
        onsets.append(onset)
        durations.append(dur)
        codes.append(int(st))
        labels.append(description)
        where.append(f"annotation {i}")
    if onsets:
        raw.seg_onset_s = np.asarray(onsets)
        raw.seg_duration_s = np.asarray(durations)
        raw.seg_code = np.asarray(codes, dtype=np.int8)
        raw.seg_where = where
        raw.metadata.update(convention=label_convention(labels), convention_evidence="text stage annotations")
    # AASM Manual v2.5 (2018) and R&K 1968 both score 30-s epochs; older files (MASS SS2/SS4/SS5)
    # use 20 s, which the annotation durations show.
    raw.epoch_s = epoch_s or infer_epoch_s(np.asarray(durations, dtype=float), np.asarray(onsets, dtype=float))
    raw.epoch_source = "epoch_s= given" if epoch_s else "the stage annotations' durations and onsets"
    raw.metadata["trim_unscored_tail"] = True
    return raw


# ----------------------------------------------------------------------------------- XML
def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child_text(elem, name: str) -> str | None:
    for ch in elem:
        if _local(ch.tag).lower() == name.lower():
            return (ch.text or "").strip()
    return None


def _parse_xml(path: Path, *, source: str):
    import xml.etree.ElementTree as ET

    try:
        return ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise HypnogramError(f"is not well-formed XML ({exc})", where=source,
                             hint="check that the file is a complete NSRR, Profusion or Philips RML export") from None


def xml_root_tag(path: Path, *, source: str) -> str:
    return _local(_parse_xml(path, source=source).tag)


def _float(text: str | None, *, what: str, source: str) -> float:
    try:
        return float(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise HypnogramError(f"{what} {text!r} is not a number of seconds", where=source) from None


def _nsrr_clock(text: str | None) -> tuple[datetime | None, bool]:
    """NSRR "Recording Start Time" ClockTime, ``"00.00.00 22.09.57"`` (date, then time).

    NSRR blanks the date ("00.00.00"); then only the clock time is known (flag True).
    """
    if not text:
        return None, False
    parts = text.split()
    for fmt in ("%d.%m.%y %H.%M.%S", "%d.%m.%Y %H.%M.%S", "%Y-%m-%d %H:%M:%S", "%d.%m.%y %H:%M:%S"):
        try:
            return datetime.strptime(" ".join(parts[-2:]), fmt), False
        except ValueError:
            continue
    for fmt in ("%H.%M.%S", "%H:%M:%S"):
        try:
            t = datetime.strptime(parts[-1], fmt).time()
        except ValueError:
            continue
        return datetime.combine(date(1985, 1, 1), t), True
    return None, False


def read_nsrr_xml(path: Path, *, source: str, epoch_s: float | None, convention: str | None = None) -> RawScoring:
    """NSRR XML (``PSGAnnotation/ScoredEvents/ScoredEvent``).

    Format as documented by NSRR and read by Luna (remnrem/luna-doc
    docs/ref/annotations.md, "NSRR XML files") and the BEST toolbox
    (bnelair/best-toolbox best/hypnogram/NSRR.py): each ScoredEvent has EventType
    ("Stages|Stages", "Arousals|Arousals", "Respiratory|Respiratory", "Limb
    Movement|Limb Movement"...), EventConcept ("Wake|0", "Stage 1 sleep|1" ...
    "Stage 4 sleep|4", "REM sleep|5", "Movement|6", "Unscored|9"), Start and Duration
    in seconds, optionally SignalLocation.  The integer after "|" is an R&K code
    (4 -> N3).  A "Recording Start Time" event carries the ClockTime of the start.
    """
    _format_convention(convention, "rk", "NSRR XML", source=source)
    root = _parse_xml(path, source=source)
    file_epoch = _child_text(root, "EpochLength")
    raw = RawScoring(format="nsrr-xml", metadata={"software": _child_text(root, "SoftwareVersion"),
                                                  "convention": "rk",
                                                  "convention_evidence": "NSRR EventConcept codes ('REM sleep|5')"})
    container = next((e for e in root.iter() if _local(e.tag) == "ScoredEvents"), None)
    if container is None:
        raise HypnogramError("NSRR XML has no ScoredEvents element", where=source)
    onsets, durations, codes, where = [], [], [], []
    for i, ev in enumerate((e for e in container if _local(e.tag) == "ScoredEvent"), start=1):
        etype = _child_text(ev, "EventType") or ""
        concept = _child_text(ev, "EventConcept") or ""
        onset = _float(_child_text(ev, "Start"), what=f"Start of ScoredEvent {i}", source=source)
        dur_text = _child_text(ev, "Duration")
        dur = _float(dur_text, what=f"Duration of ScoredEvent {i}", source=source) if dur_text else 0.0
        if concept.lower().startswith("recording start time"):
            raw.start_datetime, raw.start_time_only = _nsrr_clock(_child_text(ev, "ClockTime"))
            continue
        name = concept.split("|", 1)[0].strip()
        kind = classify_event(name, event_type=etype)
        raw.events.append((onset, dur, concept, kind, _child_text(ev, "SignalLocation") or None))
        lk = lights_kind(name)
        if lk == "off":
            raw.lights_off_s = onset
        elif lk == "on":
            raw.lights_on_s = onset
        if kind != "stage":
            continue
        code_text = concept.split("|", 1)[1].strip() if "|" in concept else ""
        st: Stage | None
        if code_text.lstrip("-").isdigit() and int(code_text) in RK_CODES:
            st = RK_CODES[int(code_text)]
        else:
            st = label_to_stage(name)
        if st is None:
            raise HypnogramError(f"unknown NSRR stage concept {concept!r} (ScoredEvent {i})",
                                 where=source, hint="expected e.g. 'Wake|0' ... 'REM sleep|5', 'Unscored|9'")
        onsets.append(onset)
        durations.append(dur)
        codes.append(int(st))
        where.append(f"ScoredEvent {i}")
    if onsets:
        raw.seg_onset_s = np.asarray(onsets, dtype=float)
        raw.seg_duration_s = np.asarray(durations, dtype=float)
        raw.seg_code = np.asarray(codes, dtype=np.int8)
        raw.seg_where = where
    raw.epoch_s = epoch_s or (_float(file_epoch, what="EpochLength", source=source) if file_epoch else 30.0)
    raw.epoch_source = ("epoch_s= given" if epoch_s else "the file's EpochLength" if file_epoch
                        else "default: AASM 30-s epochs")
    return raw


def read_profusion_xml(path: Path, *, source: str, epoch_s: float | None,
                       convention: str | None = None) -> RawScoring:
    """Compumedics Profusion XML (``CMPStudyConfig``).

    ``EpochLength`` (s), ``SleepStages`` with one ``SleepStage`` integer per epoch
    (Profusion's R&K coding as NSRR republishes it: 0 W, 1-4 S1-S4, 5 REM, 6 movement,
    9 unscored), and ``ScoredEvents/ScoredEvent`` with ``Name``, ``Start``,
    ``Duration`` (s) and ``Input`` (the channel).
    """
    _format_convention(convention, "rk", "Compumedics Profusion XML", source=source)
    root = _parse_xml(path, source=source)
    file_epoch = _child_text(root, "EpochLength")
    ep = epoch_s or (_float(file_epoch, what="EpochLength", source=source) if file_epoch else 30.0)
    stages_el = next((e for e in root.iter() if _local(e.tag) == "SleepStages"), None)
    raw = RawScoring(format="profusion-xml", epoch_s=ep,
                     epoch_source=("epoch_s= given" if epoch_s else "the file's EpochLength" if file_epoch
                                   else "default: AASM 30-s epochs"),
                     metadata={"convention": "rk", "convention_evidence": "Profusion SleepStage codes"})
    if stages_el is not None:
        codes = []
        for i, el in enumerate((e for e in stages_el if _local(e.tag) == "SleepStage"), start=1):
            txt = (el.text or "").strip()
            if not txt.lstrip("-").isdigit() or int(txt) not in RK_CODES:
                raise HypnogramError(f"unknown Profusion SleepStage {txt!r} (epoch {i})", where=source,
                                     hint="Profusion codes are 0 W, 1-4 S1-S4, 5 REM, 6 movement, 9 unscored")
            codes.append(int(RK_CODES[int(txt)]))
        raw.stages = np.asarray(codes, dtype=np.int8)
    for i, ev in enumerate((e for e in root.iter() if _local(e.tag) == "ScoredEvent"), start=1):
        name = _child_text(ev, "Name") or ""
        onset = _float(_child_text(ev, "Start"), what=f"Start of ScoredEvent {i}", source=source)
        dur_text = _child_text(ev, "Duration")
        dur = _float(dur_text, what=f"Duration of ScoredEvent {i}", source=source) if dur_text else 0.0
        raw.events.append((onset, dur, name, classify_event(name), _child_text(ev, "Input") or None))
        lk = lights_kind(name)
        if lk == "off":
            raw.lights_off_s = onset
        elif lk == "on":
            raw.lights_on_s = onset
    return raw


# ------------------------------------------------------------------------------- Wonambi XML
#: Root tag of wonambi's annotation files (wonambi/attr/annotations.py ``create_empty_annotations``).
WONAMBI_ROOT = "annotations"


def read_wonambi_xml(path: Path, *, source: str, epoch_s: float | None,
                     convention: str | None = None) -> RawScoring:
    """Wonambi annotation XML (``<annotations version="5">``), the scoring files of the wonambi package.

    Layout as wonambi writes and reads it (wonambi-python/wonambi wonambi/attr/annotations.py:
    ``create_empty_annotations``, ``Annotations.epochs``, ``add_event``): ``dataset/start_time``
    (ISO, time-zone unaware), then one ``rater`` element per scorer (``name`` attribute) holding
    ``stages/epoch`` (``epoch_start`` and ``epoch_end`` in seconds from the recording's start,
    ``stage``, ``quality`` Good or Poor) and ``events/event_type[@type]/event`` (``event_start``,
    ``event_end``, ``event_chan``).  Stage names are wonambi's (``STAGE_NAME`` of
    wonambi/widgets/utils.py): Wake, NREM1-NREM3, REM, Movement and Artefact (artefact),
    Undefined, Unknown and Unrecognized (unscored), read by :func:`label_to_stage`.

    The first rater is read, as ``Annotations(xml_file)`` selects it when no rater is named; the
    others are named in ``metadata["warnings"]``.  Epochs of "Poor" quality keep their stage
    (``metadata["poor_quality_epochs"]`` counts them).  The epoch length is the first epoch's
    (wonambi's ``Annotations.epoch_length``).
    """
    _format_convention(convention, "labels", "wonambi annotation", source=source)
    root = _parse_xml(path, source=source)
    if _local(root.tag) != WONAMBI_ROOT:
        raise HypnogramError(f"is not a wonambi annotation file: its XML root is <{_local(root.tag)}>, not "
                             f"<{WONAMBI_ROOT}>", where=source, hint="drop format='wonambi-xml' for this file")
    raters = [e for e in root if _local(e.tag) == "rater"]
    if not raters:
        raise HypnogramError("wonambi annotations hold no <rater>, so no sleep scoring", where=source,
                             hint="score the recording in wonambi (Annotations > Rater > New) and save it")
    names = [r.get("name") or f"#{i + 1}" for i, r in enumerate(raters)]
    dataset = next((e for e in root if _local(e.tag) == "dataset"), None)
    start_text = _child_text(dataset, "start_time") if dataset is not None else None
    start = None
    if start_text:
        try:
            start = datetime.fromisoformat(start_text)
        except ValueError:
            raise HypnogramError(f"dataset start_time {start_text!r} is not an ISO date-time", where=source,
                                 hint="wonambi writes e.g. 2000-01-01T23:00:00") from None
    raw = RawScoring(format="wonambi-xml", start_datetime=start,
                     metadata={"version": root.get("version"), "rater": names[0], "raters": names})
    if len(raters) > 1:
        raw.metadata["warnings"] = [
            f"the file holds {len(raters)} raters; the stages of the first, {names[0]!r}, are read (as wonambi "
            f"reads a file when no rater is named), not those of {', '.join(repr(n) for n in names[1:])}"]
    rater = raters[0]
    onsets, durations, codes, where, labels = [], [], [], [], []
    poor = 0
    stages_el = next((e for e in rater if _local(e.tag) == "stages"), None)
    for i, ep in enumerate((e for e in (stages_el if stages_el is not None else []) if _local(e.tag) == "epoch"),
                           start=1):
        t0 = _float(_child_text(ep, "epoch_start"), what=f"epoch_start of epoch {i}", source=source)
        t1 = _float(_child_text(ep, "epoch_end"), what=f"epoch_end of epoch {i}", source=source)
        label = _child_text(ep, "stage") or ""
        st = label_to_stage(label)
        if st is None:
            raise HypnogramError(f"unknown wonambi stage {label!r} (rater {names[0]!r}, epoch {i} at {t0:g} s)",
                                 where=source, hint="wonambi stages are Wake, NREM1, NREM2, NREM3, REM, Movement, "
                                                    "Artefact, Undefined, Unknown")
        if (_child_text(ep, "quality") or "").lower() == "poor":
            poor += 1
        onsets.append(t0)
        durations.append(t1 - t0)
        codes.append(int(st))
        labels.append(label)
        where.append(f"rater {names[0]!r} epoch {i}")
        raw.events.append((t0, t1 - t0, label, "stage", None))
    scored = [c for c in codes if c != int(Stage.UNSCORED)]
    if not scored:
        others = [n for r, n in zip(raters[1:], names[1:])
                  if any(label_to_stage(_child_text(ep, "stage") or "") not in (None, Stage.UNSCORED)
                         for ep in r.iter() if _local(ep.tag) == "epoch")]
        if others:
            raise HypnogramError(f"the first rater, {names[0]!r} (the one wonambi reads by default), scored no "
                                 f"epoch; {', '.join(repr(n) for n in others)} did", where=source,
                                 hint="delete the empty rater in wonambi (Annotations > Rater > Delete) and save")
    for etype in (e for e in rater.iter() if _local(e.tag) == "event_type"):
        name = etype.get("type") or ""
        for ev in (e for e in etype if _local(e.tag) == "event"):
            t0 = _float(_child_text(ev, "event_start"), what=f"event_start of a {name!r} event", source=source)
            t1 = _float(_child_text(ev, "event_end"), what=f"event_end of a {name!r} event", source=source)
            chan = _child_text(ev, "event_chan") or None
            raw.events.append((t0, t1 - t0, name, classify_event(name), chan))
            lk = lights_kind(name)
            if lk == "off" and raw.lights_off_s is None:
                raw.lights_off_s = t0
            elif lk == "on":
                raw.lights_on_s = t0
    if onsets:
        raw.seg_onset_s = np.asarray(onsets, dtype=float)
        raw.seg_duration_s = np.asarray(durations, dtype=float)
        raw.seg_code = np.asarray(codes, dtype=np.int8)
        raw.seg_where = where
        raw.metadata.update(convention=label_convention(labels), coding="labels",
                            convention_evidence="wonambi stage names", poor_quality_epochs=poor)
    if epoch_s is not None:
        raw.epoch_s, raw.epoch_source = float(epoch_s), "epoch_s= given"
    elif onsets:
        raw.epoch_s = float(np.round(durations[0]))
        raw.epoch_source = "the file's first epoch (epoch_end - epoch_start, as wonambi's Annotations.epoch_length)"
    return raw

"""Read hypnograms and scored events from the files sleep labs and databases write.

Formats (detected from the content; ``format=`` forces one):

``"table"``
    CSV/TSV (``,`` ``;`` or tab) with ``onset`` and ``stage`` columns and an optional
    ``duration`` (BIDS events style; the stage column may also be called
    ``description``, ``trial_type``, ``label``, ``event`` or ``sleep_stage``; names are matched
    with units in brackets dropped and spaces read as ``_``: ``Onset (s)``, ``Start Time``,
    ``Sleep-Stage``; a unit in the name scales the column: ``Onset (samples)`` at the rate a
    comment line states, ``onset_ms``, ``Onset [min]``, ``Onset (epochs)``).  Onsets in seconds,
    24- or 12-hour clock times, ``Elapsed Time`` or date-times (ISO, dotted, slashed with the
    day/month order the file shows); decimal commas; ``#``/``%``/``;`` comment lines and
    repeated header rows skipped; UTF-8/16/32 or Windows-1252 text.  Without a duration column
    an end column (``End Time``, ``stop``) gives each row's length.  A row lasting k
    epochs gives k epochs; gaps are unscored.  :meth:`Hypnogram.to_tsv` writes it.
``"text"``
    One stage per line (W/N1/N2/N3/R, R&K S1-S4/REM/MT/?, integers of a convention the file
    names or its values show; DREAMS ``[HypnogramAASM]``/``[HypnogramR&K]`` files).
``"elan"``
    Elan ``.hyp`` (one R&K code per second after a ``time_base`` header).
``"edf"``
    EDF+ annotations (Sleep-EDF R&K, HMC AASM, lights off/on).
``"nsrr-xml"`` / ``"profusion-xml"``
    NSRR ``PSGAnnotation`` and Compumedics ``CMPStudyConfig`` XML.
``"somnomedics"``
    SOMNOmedics/Domino text exports (sleep profile, arousals, flow events, EMG events).
``"remlogic"``
    RemLogic (Embla/Natus) event exports: a ``Sleep Stage``, ``Time [hh:mm:ss]``, ``Event``,
    ``Duration[s]`` table (the CAP Sleep Database's annotation files).
``"alice-rml"``
    Philips Respironics Alice/Sleepware G3 ``.rml`` XML (``PatientStudy``): the scorer's staging,
    lights, events (:mod:`myosleep.io._hypno_rml`).
``"luna-annot"``
    Luna ``.annot`` (remnrem/luna): class, [instance, [channel,]] start, stop[, meta] rows; stage
    classes make the hypnogram, the rest are scored events (:mod:`myosleep.io._hypno_luna`).
``"wonambi-xml"``
    wonambi annotation XML (``<annotations>``): the first rater's epochs, its events
    (:func:`myosleep.io._hypno_markup.read_wonambi_xml`).
``"visbrain"``
    visbrain Sleep ``.txt`` (``*Duration_sec``, then stage and end time of each run;
    :mod:`myosleep.io._hypno_visbrain`).

All of them read into :class:`~myosleep.vocab.Stage` codes: R&K S3 and S4 become N3,
movement time becomes artefact (-1), "?" and unscored become -2.

Integer stage codes are never read by a guess: the convention (YASA, R&K/NSRR/Profusion,
ISRUC, DREAMS AASM and R&K, Elan) comes from the file (a header, a legend line, its format),
from ``convention=`` (CLI ``--hypnogram-convention``), or from the file's set of values when
every convention that fits reads them the same; otherwise the file is refused with one line
naming the conventions that fit (:mod:`myosleep.io._hypno_conventions`).  The
:class:`Hypnogram` records the convention and where its epoch length came from
(``convention``, ``convention_evidence``, ``epoch_s``, ``epoch_s_source``).
"""

from __future__ import annotations

import logging
import math
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..errors import HypnogramError, InputError, ParameterError
from ..vocab import Stage
from ._hypno_common import EVENT_COLUMNS, RawScoring, segments_to_stages
from ._hypno_conventions import INTEGER_CONVENTIONS, LABEL_CONVENTIONS, check_convention
from .hypnogram_model import Hypnogram

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["read_hypnogram", "read_scored_events", "detect_hypnogram_format", "HYPNOGRAM_FORMATS",
           "HypnogramFile", "HYPNOGRAM_CONVENTIONS", "bids_levels", "events_table_stage_rows"]

logger = logging.getLogger("myosleep")

#: Values accepted by ``format=``.
HYPNOGRAM_FORMATS = ("table", "text", "elan", "edf", "nsrr-xml", "profusion-xml", "somnomedics", "remlogic",
                     "alice-rml", "luna-annot", "wonambi-xml", "visbrain")
#: Values accepted by ``convention=`` (integer conventions, then text-label ones).
HYPNOGRAM_CONVENTIONS = INTEGER_CONVENTIONS + LABEL_CONVENTIONS

_EDF_MAGIC = b"0       "


@dataclass(frozen=True)
class HypnogramFile:
    """A hypnogram path with how to read it: pass it wherever a hypnogram path is accepted.

    It is a path (``os.fspath`` gives the file), so APIs that take a hypnogram path and call
    :func:`read_hypnogram` read it with these options (the CLI's ``--hypnogram-convention`` and
    ``--hypnogram-epoch``).

    Parameters
    ----------
    path : path-like
        The hypnogram file.
    convention : str | None
        Integer stage convention (see :data:`HYPNOGRAM_CONVENTIONS`).
    epoch_s : float | None
        Epoch length, in seconds.
    format : str | None
        Force a format (one of :data:`HYPNOGRAM_FORMATS`).
    """

    path: str | os.PathLike[str]
    convention: str | None = None
    epoch_s: float | None = None
    format: str | None = None

    def __fspath__(self) -> str:
        return os.fspath(self.path)

    def __str__(self) -> str:
        return os.fspath(self.path)


def _check_path(path: str | os.PathLike[str]) -> Path:
    p = Path(path)
    if not p.exists():
        raise HypnogramError("file not found", where=p, hint="check the path of the hypnogram")
    if not p.is_file():
        raise HypnogramError("is not a file", where=p, hint="give the path of a hypnogram file")
    if p.stat().st_size == 0:
        raise HypnogramError("file is empty", where=p, hint="export the hypnogram again")
    return p


def _read_text(path: Path) -> str:
    return _read_text_and_encoding(path)[0]


def _read_text_and_encoding(path: Path) -> tuple[str, str]:
    """The file's text and encoding (UTF-8/16/32 by their byte-order marks, UTF-16 without one,
    else UTF-8, Windows-1252 or Latin-1: :func:`myosleep.io._hypno_fields.decode_text`)."""
    from ._hypno_fields import decode_text

    return decode_text(path.read_bytes(), source=str(path))


def detect_hypnogram_format(path: str | os.PathLike[str]) -> str:
    """Format of a hypnogram or event file, from its content (one of :data:`HYPNOGRAM_FORMATS`)."""
    from . import _hypno_markup as markup
    from . import _hypno_text as text_fmt
    from ._hypno_luna import is_luna_annot
    from ._hypno_visbrain import is_visbrain

    p = _check_path(path)
    with open(p, "rb") as fh:
        head = fh.read(512)
    if head.startswith(_EDF_MAGIC) and len(head) >= 256 and p.stat().st_size >= 256:
        return "edf"
    xml = head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")
    if not xml and head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 XML (its BOM then '<')
        from ._hypno_fields import decode_text

        try:
            xml = decode_text(head[: len(head) // 4 * 4], source=str(p))[0].lstrip(" \t\r\n").startswith("<")
        except HypnogramError:  # a character cut at the end of the head: read the whole file below
            xml = False
    if xml:
        tag = markup.xml_root_tag(p, source=str(p))
        if tag == "PSGAnnotation":
            return "nsrr-xml"
        if tag == "CMPStudyConfig":
            return "profusion-xml"
        if tag == "PatientStudy":
            return "alice-rml"
        if tag == markup.WONAMBI_ROOT:
            return "wonambi-xml"
        raise HypnogramError(f"XML root <{tag}> is neither NSRR <PSGAnnotation>, Profusion <CMPStudyConfig>, "
                             f"Philips RML <PatientStudy> nor wonambi <annotations>", where=p,
                             hint="export the hypnogram as NSRR XML, as EDF+ annotations or as a CSV with onset, "
                                  "duration, stage columns (read_hypnogram's format= forces a format; the CLI has "
                                  "no such option)")
    lines = _read_text(p).splitlines()
    if not any(ln.strip() for ln in lines):
        raise HypnogramError("file holds only blank lines", where=p, hint="export the hypnogram again")
    if text_fmt.is_elan(lines):
        return "elan"
    if text_fmt.is_somnomedics(lines):
        return "somnomedics"
    if text_fmt.is_remlogic(lines):
        return "remlogic"
    if is_visbrain(lines):
        return "visbrain"
    if text_fmt.looks_like_table(lines):
        return "table"
    if is_luna_annot(lines):
        return "luna-annot"
    return "text"


def _read_raw(path: Path, fmt: str, epoch_s: float | None, *, stages: bool = True,
              convention: str | None = None) -> RawScoring:
    from . import _hypno_markup as markup

    source = str(path)
    if fmt == "edf":
        return markup.read_edf_annotations(path, source=source, epoch_s=epoch_s, convention=convention)
    if fmt == "nsrr-xml":
        return markup.read_nsrr_xml(path, source=source, epoch_s=epoch_s, convention=convention)
    if fmt == "profusion-xml":
        return markup.read_profusion_xml(path, source=source, epoch_s=epoch_s, convention=convention)
    if fmt == "alice-rml":
        from ._hypno_rml import read_alice_rml

        return read_alice_rml(path, source=source, epoch_s=epoch_s, convention=convention)
    if fmt == "wonambi-xml":
        return markup.read_wonambi_xml(path, source=source, epoch_s=epoch_s, convention=convention)
    text, encoding = _read_text_and_encoding(path)
    levels = bids_levels(path) if fmt == "table" else None
    raw = _read_text_format(text, fmt, source=source, epoch_s=epoch_s, stages=stages, convention=convention,
                            levels=levels)
    raw.metadata["encoding"] = encoding
    return raw


def _read_text_format(text: str, fmt: str, *, source: str, epoch_s: float | None, stages: bool,
                      convention: str | None, levels: dict | None = None) -> RawScoring:
    from . import _hypno_text as text_fmt
    from ._hypno_luna import read_luna_annot
    from ._hypno_visbrain import read_visbrain

    if fmt == "table":
        return text_fmt.read_table(text, source=source, epoch_s=epoch_s, stages=stages, convention=convention,
                                   levels=levels)
    reader = {"text": text_fmt.read_lines, "elan": text_fmt.read_elan,
              "somnomedics": text_fmt.read_somnomedics, "remlogic": text_fmt.read_remlogic,
              "luna-annot": read_luna_annot, "visbrain": read_visbrain}[fmt]
    return reader(text, source=source, epoch_s=epoch_s, convention=convention)


_BIDS_ENTITY = re.compile(r"^[A-Za-z0-9]+-[A-Za-z0-9]+$")


def _bids_entities(stem: str) -> dict[str, str] | None:
    """``{"sub": "1", "task": "Sleep"}`` of ``sub-1_task-Sleep``; None when a part is not ``key-label``."""
    parts = stem.split("_") if stem else []
    if not all(_BIDS_ENTITY.match(x) for x in parts):
        return None
    return dict(x.split("-", 1) for x in parts)


def _level_text(value: object) -> str:
    if isinstance(value, dict):  # BIDS >= 1.9 allows {"Description": ..., "TermURL": ...}
        for key in ("Description", "LongName", "Label", "Name"):
            if isinstance(value.get(key), str):
                return value[key]
        return ""
    return str(value)


def bids_levels(path: str | os.PathLike[str]) -> dict[str, tuple[dict[int, Stage], str]]:
    """Integer codes of a BIDS ``_events.tsv``'s columns, from its ``events.json`` sidecars' ``Levels``.

    BIDS describes a tabular file's columns in a JSON sidecar of the same name
    (``sub-1_task-Sleep_events.json``) or, by the inheritance principle (BIDS specification,
    "The Inheritance Principle"), in one higher up whose entities are a subset of the file's
    (``task-Sleep_events.json`` at the dataset root); the nearer file wins.  A column's
    ``"Levels": {"0": "Wake", "1": "N1", ...}`` (or ``{"0": {"Description": "Wake"}}``) says what
    its codes mean.  Only columns whose every level reads as a stage label (``label_to_stage``)
    are returned, as ``{column: ({code: Stage}, "where it was said")}``; a level that does not
    read is refused with one line (the sidecar states a meaning myosleep cannot use).
    """
    import json

    from ._hypno_labels import label_to_stage

    p = Path(path)
    if not p.name.endswith("_events.tsv"):
        return {}
    ents = _bids_entities(p.name[: -len("_events.tsv")])
    if ents is None:
        return {}
    folders = []
    d = p.parent
    for _ in range(5):  # sub-x/ses-y/eeg/ -> the dataset root
        folders.append(d)
        if (d / "dataset_description.json").is_file() or d.parent == d:
            break
        d = d.parent
    out: dict[str, tuple[dict[int, Stage], str]] = {}
    for folder in reversed(folders):  # the root first: nearer sidecars override
        for js in sorted(folder.glob("*_events.json"), key=lambda q: len(q.name)):
            theirs = _bids_entities(js.name[: -len("_events.json")])
            if theirs is None or not theirs.items() <= ents.items():
                continue
            try:
                data = json.loads(js.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if not isinstance(data, dict):
                continue
            for column, desc in data.items():
                lv = desc.get("Levels") if isinstance(desc, dict) else None
                if not isinstance(lv, dict) or not lv or not all(re.fullmatch(r"[+-]?\d+", str(k).strip()) for k in lv):
                    continue
                codes = {}
                for code, meaning in lv.items():
                    text = _level_text(meaning)
                    st = label_to_stage(text)
                    if st is None:
                        raise HypnogramError(f"the sidecar {js} gives code {code} of column {column!r} the meaning "
                                             f"{text!r}, which is not a sleep stage", where=p,
                                             hint="describe each code as W, N1, N2, N3, R, 'artefact' or 'unscored'")
                    codes[int(code)] = st
                out[column] = (codes, f"the Levels of {column!r} in {js.name}")
    return out


def events_table_stage_rows(path: str | os.PathLike[str]) -> tuple[int, list[str]]:
    """(number of sleep-stage rows, labels of the other rows) of a BIDS-style events table.

    For choosing files, not reading them: a table with no stage column, or whose rows are all
    markers, lights or scored events (no row :func:`~myosleep.io._hypno_text.row_is_stage`), has
    0 stage rows.  A file that cannot be read as a table gives ``(1, [])``: reading it as a
    hypnogram then says what is wrong.
    """
    from . import _hypno_text as text_fmt

    try:
        p = _check_path(path)
        fmt = detect_hypnogram_format(p)
        if fmt != "table":
            return 0, []
        raw = text_fmt.read_table(_read_text(p), source=str(p), epoch_s=None, stages=False)
    except InputError:
        return 1, []
    labels = [str(e[2]).strip() for e in raw.events]
    n = sum(1 for lab in labels if text_fmt.row_is_stage(lab))
    others = list(dict.fromkeys(lab for lab in labels if not text_fmt.row_is_stage(lab)))
    return n, others


def _validate(path: str | os.PathLike[str], epoch_s: float | None, format: str | None,
              recording_start: datetime | None) -> tuple[Path, str]:
    if epoch_s is not None:
        try:
            ok = math.isfinite(float(epoch_s)) and float(epoch_s) > 0
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise ParameterError(f"epoch_s must be a number of seconds > 0, got {epoch_s!r}",
                                 where="epoch_s", hint="AASM epochs last 30 s")
    if format is not None and format not in HYPNOGRAM_FORMATS:
        raise ParameterError(f"unknown format {format!r}; allowed: {', '.join(HYPNOGRAM_FORMATS)}",
                             where="format")
    if recording_start is not None and not isinstance(recording_start, datetime):
        raise ParameterError(f"recording_start must be a datetime, got {type(recording_start).__name__}",
                             where="recording_start", hint="pass Recording.start_datetime")
    p = _check_path(path)
    return p, format or detect_hypnogram_format(p)


def _offset_s(raw: RawScoring, recording_start: datetime | None, *, source: str) -> float:
    """Seconds from the recording's start to the file's own start (0 when either is unknown)."""
    fs = raw.start_datetime
    if recording_start is None or fs is None:
        return 0.0
    rs = recording_start
    if (rs.tzinfo is None) != (fs.tzinfo is None):
        rs, fs = rs.replace(tzinfo=None), fs.replace(tzinfo=None)

    period = float(raw.clock_period_s)

    def time_of_day_offset() -> float:
        a = fs.hour * 3600 + fs.minute * 60 + fs.second + fs.microsecond / 1e6
        b = rs.hour * 3600 + rs.minute * 60 + rs.second + rs.microsecond / 1e6
        return (a - b + period / 2) % period - period / 2

    if raw.start_time_only or period < 86400.0:
        # No date (anonymised EDF+), or a 12-hour clock whose AM/PM exporters get wrong
        # (SOMNOmedics "01:00:00 PM" beside 24-hour event clocks): align by clock time.
        off = time_of_day_offset()
        where = raw.metadata.get("clock_or_elapsed")
        if where and abs(off) >= 1.0:
            raise HypnogramError(
                f"its first onset 00:00:00 ({where}) reads as midnight, {off:g} s from the recording's start "
                f"at {rs.time().isoformat()}, or as the start itself (time elapsed)", where=source,
                hint="name the column 'Clock time' for clock times or 'Elapsed time' for times since the start")
        return off
    off = (fs - rs).total_seconds()
    if abs(off) > 86400.0:
        # Anonymised files replace the date (EDF+ "Startdate X", 01.01.85) but keep the clock.
        logger.warning("%s: file starts %s, recording %s: dates differ by more than a day; "
                       "aligning by clock time only", source, fs, rs)
        return time_of_day_offset()
    return off


def read_hypnogram(path: str | os.PathLike[str], *, epoch_s: float | None = None,
                   format: str | None = None, recording_start: datetime | None = None,
                   convention: str | None = None) -> Hypnogram:
    """Read a scored hypnogram.

    Parameters
    ----------
    path : path-like
        The hypnogram file (see the module docstring for the formats), or a
        :class:`HypnogramFile` carrying the options below (explicit arguments win).
    epoch_s : float | None
        Epoch length in seconds.  Default: what the file states (a header, a legend line,
        durations, a format such as DREAMS' 5 s), else 30 s (AASM); ``Hypnogram.epoch_s_source``
        says which.
    format : str | None
        Force a format (one of :data:`HYPNOGRAM_FORMATS`); default: detected from the content.
    convention : str | None
        How integer stage codes are numbered, when the file does not say: ``"yasa"`` (0 W, 1 N1,
        2 N2, 3 N3, 4 R, -1 artefact, -2 unscored), ``"rk"`` (0 W, 1-4 S1-S4, 5 REM, 6 movement,
        9 unscored: SHHS/NSRR, Profusion, Sleep-EDF exports), ``"isruc"`` (0-3 W-N3, 5 R),
        ``"dreams-aasm"``/``"dreams-rk"`` (5 W, 4 R, ...; 5-s values), ``"elan"``.  Default:
        recognised from the file, or refused when conventions that fit read it differently.
    recording_start : datetime | None
        Start of the recording the hypnogram belongs to.  When the file states its own
        start (EDF+, SOMNOmedics, NSRR, RemLogic, RML, wonambi, clock times of a table or Luna .annot),
        ``start_s`` and the lights times are shifted by
        the difference, so that they count seconds from the recording's start.

    Returns
    -------
    Hypnogram
        ``stages`` (Stage codes), ``epoch_s`` (s), ``start_s`` (s from the recording's
        start), ``lights_off_s``/``lights_on_s`` (s, when the file has them),
        ``source="file:<name>"``, ``convention``, ``convention_evidence``,
        ``epoch_s_source``, and ``metadata`` with ``format``, ``coding``, ``start_datetime``
        (the file's own, ISO) and format-specific notes.

    Raises
    ------
    HypnogramError
        Missing, empty or unreadable file; unknown stage labels (naming the label and
        its line); stages off the epoch grid; integer codes whose convention the file does
        not show and that conventions read differently (the line names them).
    ParameterError
        An unknown ``convention``, ``format`` or a bad ``epoch_s``.
    """
    if isinstance(path, HypnogramFile):
        epoch_s = path.epoch_s if epoch_s is None else epoch_s
        format = path.format if format is None else format
        convention = path.convention if convention is None else convention
        path = path.path
    convention = check_convention(convention)
    p, fmt = _validate(path, epoch_s, format, recording_start)
    raw = _read_raw(p, fmt, None if epoch_s is None else float(epoch_s), convention=convention)
    source = str(p)
    ep = float(raw.epoch_s or 30.0)  # AASM Manual v2.5 (2018): 30-s epochs
    if raw.stages is not None:
        stages, first = np.asarray(raw.stages, dtype=np.int8), float(raw.first_onset_s)
    elif (raw.seg_code is not None and raw.seg_code.size and raw.seg_onset_s is not None
          and raw.seg_duration_s is not None):
        stages, first = segments_to_stages(raw.seg_onset_s, raw.seg_duration_s, raw.seg_code,
                                           raw.seg_where, epoch_s=ep, source=source)
    else:
        raise HypnogramError("holds no sleep stages", where=source,
                             hint="a file of scored events (arousals, respiratory events) goes to --events on the "
                                  "command line (read_scored_events in Python), not --hypnogram")
    meta = dict(raw.metadata)
    meta.pop("trim_unscored_tail", None)
    meta.pop("clock_or_elapsed", None)
    if raw.metadata.get("trim_unscored_tail"):
        scored = np.flatnonzero(stages != int(Stage.UNSCORED))
        keep = int(scored[-1]) + 1 if scored.size else 0
        meta["trimmed_unscored_tail_epochs"] = int(stages.size - keep)
        stages = stages[:keep]
    if stages.size == 0 or np.all(stages == int(Stage.UNSCORED)):
        raise HypnogramError("holds no scored epochs (all unscored)", where=source,
                             hint="check that the file is the scored hypnogram")
    offset = _offset_s(raw, recording_start, source=source)
    meta["format"] = fmt
    if raw.start_datetime is not None:
        if raw.start_time_only:  # anonymised date: only the clock time is the file's
            meta["start_time"] = raw.start_datetime.time().isoformat()
        else:
            meta["start_datetime"] = raw.start_datetime.isoformat()
    meta["offset_s"] = offset
    lights_off = None if raw.lights_off_s is None else float(raw.lights_off_s) + offset
    lights_on = None if raw.lights_on_s is None else float(raw.lights_on_s) + offset
    epoch_source = raw.epoch_source or ("epoch_s= given" if epoch_s is not None
                                        else "the file" if raw.epoch_s else "default: AASM 30-s epochs")
    hyp = Hypnogram(stages, epoch_s=ep, start_s=first + offset, source=f"file:{p.name}",
                    lights_off_s=lights_off, lights_on_s=lights_on, metadata=meta,
                    convention=meta.get("convention"), convention_evidence=meta.get("convention_evidence"),
                    epoch_s_source=epoch_source)
    logger.info("read %r", hyp)
    return hyp


def read_scored_events(path: str | os.PathLike[str], *, format: str | None = None,
                       recording_start: datetime | None = None) -> pd.DataFrame:
    """Read scored events (arousals, respiratory events, limb movements, lights, EMG events).

    Parameters
    ----------
    path : path-like
        EDF+ annotations, NSRR or Profusion XML, a Philips RML, a SOMNOmedics or RemLogic
        event export, or an onset/duration/description table.
    format : str | None
        Force a format (one of :data:`HYPNOGRAM_FORMATS`); default: detected.
    recording_start : datetime | None
        Start of the recording; onsets are shifted to count from it when the file
        states its own start.

    Returns
    -------
    pandas.DataFrame
        One row per event, sorted by onset: ``onset`` (s from the recording start),
        ``duration`` (s; 0 for point events), ``description`` (the file's text),
        ``kind`` (``arousal``, ``respiratory``, ``limb_movement``, ``stage``,
        ``lights``, ``desaturation``, ``emg_phasic``, ``emg_tonic``, ``emg_any``,
        ``artefact`` or ``other``), ``channel`` (label as in the file, or None) and
        ``machine`` (bool: True for events the file marks as scored automatically, Philips RML
        ``Machine="true"`` and its ``MachineStaging``; no other format marks them).
        ``DataFrame.attrs`` holds ``source``, ``format`` and ``start_datetime``.
    """
    import pandas as pd

    if isinstance(path, HypnogramFile):
        format = path.format if format is None else format
        path = path.path
    p, fmt = _validate(path, None, format, recording_start)
    if fmt in ("text", "elan"):
        raise HypnogramError(
            f"is read as a {'text' if fmt == 'text' else 'Elan'} hypnogram, which holds sleep stages only, no scored "
            "events", where=p,
            hint="give it with --hypnogram on the command line (read_hypnogram in Python); --events takes a file of "
                 "scored arousals and respiratory events: EDF+ annotations, NSRR/Profusion XML, Philips RML, "
                 "SOMNOmedics, RemLogic, or a CSV/TSV with onset, duration and description columns")
    raw = _read_raw(p, fmt, None, stages=False)
    offset = _offset_s(raw, recording_start, source=str(p))
    ev = raw.events
    df = pd.DataFrame({
        "onset": np.array([float(e[0]) + offset for e in ev], dtype=float),
        "duration": np.array([float(e[1]) for e in ev], dtype=float),
        "description": pd.Series([str(e[2]) for e in ev], dtype=object),
        "kind": pd.Series([e[3] for e in ev], dtype=object),
        "channel": pd.Series([e[4] for e in ev], dtype=object),
        "machine": np.array(raw.event_machine if len(raw.event_machine) == len(ev) else [False] * len(ev),
                            dtype=bool),
    }, columns=EVENT_COLUMNS)
    df = df.sort_values("onset", kind="stable").reset_index(drop=True)
    df.attrs.update({"source": f"file:{p.name}", "format": fmt,
                     "start_datetime": (raw.start_datetime.isoformat()
                                        if raw.start_datetime and not raw.start_time_only else None)})
    return df

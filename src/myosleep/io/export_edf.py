"""Events as EDF+ annotations (``annotations.edf``) and as :class:`mne.Annotations`.

``annotations.edf`` is an annotation-only EDF+C file, the layout of the Sleep-EDF and HMC
hypnogram files that sleep software already exchanges (Kemp and Olivan, Clin Neurophysiol
2003, section 3.3: "its hypnogram and apnea detections in another EDF+ file"): one data
record of duration 0 holding one ``EDF Annotations`` signal, whose time-stamped annotation
lists (TALs, EDF+ section 2.2.2) carry one annotation per event.

* description: the event class (``trial_type``), ``class@@label`` when the event has one
  channel (the channel-specific convention MNE writes in ``mne.export.export_raw`` and
  reads back in ``mne.io.read_raw_edf``);
* onset and duration: seconds, written by edfio in positional notation with the shortest
  decimal string that round-trips the float (``+1234.5678\\x151.25\\x14...``);
* start date and time: the recording's, to the second, with the recording's sub-second
  start offset in the time-keeping TAL (``+0.X``), so that the annotations line up with the
  signals in EDFbrowser (Tools > Import annotations/events > EDF+/BDF+, which shifts onsets
  by the difference of the two files' start date/time) and in MNE.

EDFbrowser's reader conventions followed (its ``check_edf_file.cpp`` and
``edf_annotations.cpp``): printable 7-bit ASCII header fields; EDF+ patient field
``code sex birthdate name`` and recording field ``Startdate dd-MMM-yyyy ...`` matching the
``dd.mm.yy`` start date (year >= 1985); ``EDF Annotations`` label with empty transducer and
prefilter fields and digital range -32768..32767; the annotation signal of each record ends
in a 0 byte, its first TAL is the time-keeping TAL with an onset < 1 s; TALs are contiguous
and zero padding only follows the last one; descriptions at most 512 bytes (EDFbrowser's
``MAX_ANNOTATION_LEN_II``), durations at most 15 characters.  A data-record duration of 0 is
what EDFbrowser expects of an annotation-only file: it imports such a file onto an open
recording instead of opening it as a recording of its own.
"""

from __future__ import annotations

import datetime as _dt
import logging
import math
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from ..errors import ParameterError, RecordingError

if TYPE_CHECKING:  # pragma: no cover
    import mne
    import pandas as pd

__all__ = ["to_mne_annotations", "edf_annotation_texts", "write_annotations_edf", "annotations_edf_bytes",
           "recording_start", "split_channels"]

logger = logging.getLogger("myosleep")

#: EDFbrowser keeps at most this many bytes of an annotation's text (edf_annot_list.h).
MAX_ANNOTATION_BYTES = 512
#: EDFbrowser keeps at most this many characters of a duration (edf_annotations.cpp).
MAX_DURATION_CHARS = 15
# TAL separators (EDF+ 2.2.2: 0x14 ends a text, 0x15 precedes a duration, 0x00 ends a TAL) and
# other control characters cannot be part of a description.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# EDF+ (2.1.3.2): header subfields are separated by spaces; spaces inside one become '_'.
_NOT_PRINTABLE = re.compile(r"[^\x20-\x7e]")
# EDF+ local patient identification (spec 2.1.3.3): sex F or M; X when unknown or anonymised.
_EDF_SEXES: dict[str, Literal["F", "M", "X"]] = {"F": "F", "M": "M", "X": "X"}


def split_channels(channel: object) -> list[str]:
    """Labels of an event's ``channel``: the tuple of events in memory, or an events.tsv cell.

    A cell is split as the schema writes it (:func:`myosleep.schema.list_items`: a comma
    inside a label is escaped, so ``"Leg\\, left,EMG RAT"`` is two labels); ``n/a`` or a
    missing value is no label.
    """
    from ..schema import list_items

    return list(list_items(channel))


def _check_events(events: pd.DataFrame, where: str) -> None:
    import numpy as np

    missing = [c for c in ("onset", "duration", "trial_type") if c not in events.columns]
    if missing:
        raise ParameterError(f"events table lacks the column(s) {', '.join(missing)}", where=where,
                             hint="pass an events.tsv table (onset, duration in s, trial_type, channel)")
    onset = np.asarray(events["onset"], dtype=float)
    duration = np.asarray(events["duration"], dtype=float)  # NaN ("n/a"): a point event
    if not np.all(np.isfinite(onset)):
        raise ParameterError("an event onset is not a finite number of seconds", where=where)
    if np.any(np.isinf(duration)) or np.any(duration < 0):
        raise ParameterError("an event duration is negative or infinite", where=where)


def _durations(events: pd.DataFrame) -> list[float]:
    import numpy as np

    d = np.asarray(events["duration"], dtype=float)
    return [0.0 if not np.isfinite(v) else float(v) for v in d]


def edf_annotation_texts(events: pd.DataFrame) -> list[str]:
    """EDF+ annotation text of every row: ``trial_type``, or ``trial_type@@label`` with one channel.

    Control characters (the TAL separators among them) become spaces; a text longer
    than EDFbrowser's 512 bytes is refused (:class:`~myosleep.errors.ParameterError`).
    """
    out = []
    channels = events["channel"] if "channel" in events.columns else [None] * len(events)
    for i, (cls, channel) in enumerate(zip(events["trial_type"], channels)):
        text = _CONTROL.sub(" ", str(cls)).strip()
        labels = split_channels(channel)
        if len(labels) == 1:
            text = f"{text}@@{_CONTROL.sub(' ', labels[0]).strip()}"
        if len(text.encode("utf-8")) > MAX_ANNOTATION_BYTES:
            raise ParameterError(f"annotation text of row {i} is {len(text.encode('utf-8'))} bytes long; "
                                 f"EDF readers keep {MAX_ANNOTATION_BYTES}", where="events")
        out.append(text)
    return out


def to_mne_annotations(events: pd.DataFrame, *, orig_time: _dt.datetime | None = None) -> mne.Annotations:
    """The events as :class:`mne.Annotations`.

    Parameters
    ----------
    events : DataFrame
        events.tsv rows: ``onset`` and ``duration`` (s from the recording start),
        ``trial_type``, optionally ``channel`` (comma-separated labels).
    orig_time : datetime | None
        Start of the recording (MNE's ``meas_date``); None: onsets relative to the data.

    Returns
    -------
    mne.Annotations
        description = ``trial_type``; ``ch_names`` = the event's channels (every label of a
        multi-channel event), so that ``raw.set_annotations`` ties each event to its channels.
    """
    import mne
    import numpy as np

    _check_events(events, "to_mne_annotations")
    channels = events["channel"] if "channel" in events.columns else [None] * len(events)
    ch_names = [tuple(split_channels(c)) for c in channels]
    if orig_time is not None and orig_time.tzinfo is None:
        orig_time = orig_time.replace(tzinfo=_dt.timezone.utc)  # MNE's meas_date is UTC-aware
    return mne.Annotations(onset=np.asarray(events["onset"], dtype=float), duration=_durations(events),
                           description=[str(t) for t in events["trial_type"]], orig_time=orig_time,
                           ch_names=ch_names)


def _header_text(text: str | None, fallback: str) -> str:
    if not text:
        return fallback
    return _NOT_PRINTABLE.sub("_", str(text)).strip() or fallback


def _edf_plus_patient(patient: str | None):
    """edfio Patient from an EDF+ patient field (``code sex birthdate name ...``), else anonymous."""
    import edfio

    if patient:
        fields = _NOT_PRINTABLE.sub("_", patient).split()
        sex = _EDF_SEXES.get(fields[1]) if len(fields) >= 4 else None
        if sex is not None:
            from .edf_header import edf_plus_date  # the one EDF+ date parser

            birth = edf_plus_date(fields[2])
            try:
                if birth is not None or fields[2] == "X":
                    return edfio.Patient(code=fields[0], sex=sex, birthdate=birth, name=fields[3],
                                         additional=fields[4:])
            except ValueError:
                pass
    return edfio.Patient()


def _build_edf(events: pd.DataFrame, *, start_datetime: _dt.datetime | None, patient: str | None,
               equipment: str, date_known: bool = True):
    import edfio

    _check_events(events, "write_annotations_edf")
    texts = edf_annotation_texts(events)
    onsets = [float(x) for x in events["onset"]]
    annotations = []
    for onset, duration, text in zip(onsets, _durations(events), texts):
        # a duration field longer than 15 characters is cut by EDFbrowser: 1 us is below any
        # sampling interval (a 200-Hz sample lasts 5 ms)
        dur = round(duration, 6)
        annotations.append(edfio.EdfAnnotation(onset, dur if dur > 0 else None, text))
    if start_datetime is None:
        startdate, starttime = None, _dt.time(0, 0, 0)
    elif not date_known:  # anonymised: the clock is the recording's, the date is not (EDF+ 2.1.3.3)
        startdate, starttime = None, start_datetime.time()
    else:
        if not 1985 <= start_datetime.year <= 2084:
            raise ParameterError(f"recording starts in {start_datetime.year}; EDF dates span 1985-2084",
                                 where="start_datetime", hint="give the recording's real start date")
        startdate, starttime = start_datetime.date(), start_datetime.time()
    recording = edfio.Recording(startdate=startdate, equipment_code=_header_text(equipment, "X").replace(" ", "_"))
    return edfio.Edf(signals=[], patient=_edf_plus_patient(patient), recording=recording, starttime=starttime,
                     annotations=annotations)


def annotations_edf_bytes(events: pd.DataFrame, *, start_datetime: _dt.datetime | None,
                          patient: str | None = None, equipment: str = "myosleep", date_known: bool = True) -> bytes:
    """The bytes of :func:`write_annotations_edf` (for tests and in-memory use)."""
    import io

    _check_events(events, "write_annotations_edf")
    empty = len(events) == 0
    if empty:  # edfio needs one annotation: write one stand-in row, then keep only the time keeping
        import pandas as pd

        events = pd.DataFrame({"onset": [0.0], "duration": [0.0], "trial_type": ["x"]})
    edf = _build_edf(events, start_datetime=start_datetime, patient=patient, equipment=equipment,
                     date_known=date_known)
    buf = io.BytesIO()
    edf.write(buf)
    data = buf.getvalue()
    if empty:
        header = 256 * (1 + int(data[252:256]))
        record = data[header:]
        keeping = record[: record.index(b"\x00") + 1]  # "+0[.X]\x14\x14\x00" (EDF+ 2.2.4)
        data = data[:header] + keeping + b"\x00" * (len(record) - len(keeping))
    return data


def write_annotations_edf(events: pd.DataFrame, path: str | os.PathLike[str], *,
                          start_datetime: _dt.datetime | None, patient: str | None = None,
                          equipment: str = "myosleep", date_known: bool = True) -> Path:
    """Write ``annotations.edf``: an annotation-only EDF+C file, one annotation per event.

    Parameters
    ----------
    events : DataFrame
        events.tsv rows (``onset``, ``duration`` in s from the recording start,
        ``trial_type``, ``channel``).
    path : path-like
        Output file; written atomically (a failure leaves nothing behind).
    start_datetime : datetime | None
        Start of the recording (:func:`recording_start`), microseconds included: the EDF+
        start date/time fields get the whole second, the time-keeping TAL the fraction.
        None: unknown (``Startdate X``, 01.01.85 00.00.00), onsets stay relative.
    patient : str | None
        The recording's EDF+ patient identification, copied when it follows EDF+
        (``code sex birthdate name``) so that both files name the same patient (EDF+ 3.3);
        anything else is replaced by the anonymous ``X X X X``.
    equipment : str
        EDF+ recording field's equipment subfield.
    date_known : bool
        False when the recording's date is anonymised (its EDF+ ``Startdate X``): the file gets
        ``Startdate X`` and 01.01.85 with the recording's clock time, not an invented date.

    Returns
    -------
    Path
    """
    from .._atomic import atomic_path

    p = Path(path)
    data = annotations_edf_bytes(events, start_datetime=start_datetime, patient=patient, equipment=equipment,
                                 date_known=date_known)
    with atomic_path(p) as tmp:
        tmp.write_bytes(data)
    logger.info("wrote %d annotations to %s", len(events), p)
    return p


def recording_start(path: str | os.PathLike[str]) -> _dt.datetime | None:
    """Start of an EDF/EDF+/BDF recording, with EDF+'s sub-second offset as microseconds.

    The header gives the date and the second; an EDF+ file's first time-keeping TAL gives
    the fraction (EDF+ 2.2.4: ``+0.X`` when the first record starts X s after that second).
    Returns None when the header's date/time is unreadable.

    Raises
    ------
    RecordingError
        The file is not a readable EDF/BDF.
    """
    from ._edf_data import EdfData, record_onsets
    from .edf_header import read_edf_header

    header = read_edf_header(path)
    start = header.start_datetime
    if start is None or not header.annotation_signals or header.n_records == 0:
        return start
    data = EdfData(header)
    try:
        first = float(record_onsets(data)[0])
    except (ValueError, IndexError) as exc:  # pragma: no cover - read_edf_header validated the layout
        raise RecordingError(f"cannot read the first annotation record ({exc})", where=path) from None
    finally:
        data.close()
    if math.isfinite(first) and 0.0 < first < 1.0:
        start = start + _dt.timedelta(microseconds=round(first * 1e6))
    return start

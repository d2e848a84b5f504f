"""Parse and validate EDF / EDF+ / BDF / BDF+ headers before any data are decoded.

The header is the fixed 256-byte block followed by ``ns`` blocks of 256 bytes
(one field of every signal after the other), as specified by Kemp et al., Electroencephalogr
Clin Neurophysiol 1992 (EDF), Kemp and Olivan, Clin Neurophysiol 2003 (EDF+) and the BioSemi
BDF specification (24-bit samples, version field ``0xFF "BIOSEMI"``).

Every problem that would make the data unreadable or wrong is a :class:`~myosleep.errors.RecordingError`
with one line saying what, where (the path) and what to do.  Harmless deviations seen in files
from real labs (extra bytes after the last record, odd date fields) are logged, not fatal; those
that change what is read are also in :attr:`EdfHeader.warnings` (shown by ``myosleep info`` and
kept in the recording's warnings): a header-bytes field that is not ``256 * (ns + 1)`` (blank, 0,
256 without the signal block: the number of signals fixes the header's size and the layout it
gives is checked against the file), 0 data records declared over recorded data (a count never
updated: the file's complete records are read, as MNE and edfio do), and complete records after
the declared ones (not read, but stated).  A NUL ends every text and number field (writers in C
pad with NULs, or leave the bytes of memory after a string's NUL).

A signal whose header fields cannot scale its samples spoils only that signal: it is kept with
its ``problem`` and the channel is listed and skipped.  The whole class: a physical or digital
range field that is not a (whole, finite) number, physical minimum = maximum (a dummy input),
digital minimum >= maximum, a digital range outside the format's 16 (EDF) or 24 (BDF) bits, and 0
samples per data record (an input switched off).  The layout of a data record depends only on
the samples-per-record fields, so these leave every other signal readable; a samples-per-record
field that is not a whole number >= 0 makes the layout unknowable and the file is refused.

Start date and time (one rule, used by every reader of the package, including the EDF+
annotation reader of hypnograms): the time is the header's ``hh.mm.ss``; the date is the EDF+
``Startdate dd-MMM-yyyy`` subfield of the local recording identification when the file has one
(Kemp and Olivan, Clin Neurophysiol 2003, section 2.1.3.3: it carries the 4-digit year and is
the date of the recording), else the header's ``dd.mm.yy`` with the EDF clipping rule (years
85-99 are 19xx, 00-84 are 20xx: Kemp et al. 1992 and the EDF+ spec, section 2.1.3.2); exporters'
other separators (``/ - : '`` or a space, in date and time) and a 4-digit year written first or
last (``2021/3/4``, ``4.3.2021``) are read too, a date or time that is not three numbers is
unknown (never guessed), and ``yy`` in letters (EDF+ after 2084) leaves the Startdate.  When both
are given and disagree, the Startdate wins and :attr:`EdfHeader.warnings` says so (edfio, MNE and
EDFbrowser read such files differently; a day's difference once misplaced a hypnogram by
86,400 s).  ``Startdate X`` (anonymised) leaves only the clock time known
(:attr:`EdfHeader.start_date_known` False).
"""

from __future__ import annotations

import datetime as _dt
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, overload

from ..errors import RecordingError
from ._containers import container_kind

__all__ = ["SignalHeader", "EdfHeader", "StartDate", "read_edf_header", "start_from_fields",
           "ANNOTATION_LABELS", "peek_edf_kind"]

log = logging.getLogger("myosleep")

#: Labels of EDF+/BDF+ annotation signals (EDF+ spec section 2.2.1; BDF+ by BioSemi).
ANNOTATION_LABELS = frozenset({"EDF Annotations", "BDF Annotations"})

_EDF_VERSION = b"0       "
_BDF_VERSION = b"\xffBIOSEMI"
# (name, width in bytes) of the per-signal header fields, in file order (EDF spec).
_SIGNAL_FIELDS = (
    ("label", 16), ("transducer", 80), ("unit", 8), ("physical_min", 8), ("physical_max", 8),
    ("digital_min", 8), ("digital_max", 8), ("prefilter", 80), ("samples_per_record", 8),
    ("reserved", 32),
)
_HINT_NOT_EDF = "Give an EDF, EDF+ or BDF recording (export it again from the recording software if needed)"
_HINT_CORRUPT = ("The file is corrupt or was written by a non-conforming program; "
                 "export it again from the recording software")


@dataclass(frozen=True)
class SignalHeader:
    """Header of one signal (channel) of an EDF/BDF file.

    Attributes
    ----------
    label : str
        Label as in the file, padding stripped (may be empty or non-ASCII).
    transducer, unit, prefilter : str
        Header text fields; ``unit`` is the physical dimension (e.g. ``"uV"``).
    physical_min, physical_max : float
        Physical range, in ``unit``.
    digital_min, digital_max : int
        Digital range, in ADC steps.
    samples_per_record : int
        Samples of this signal in one data record.
    byte_offset : int
        Offset of this signal's first sample inside a data record, in bytes.
    is_annotation : bool
        True for an ``EDF Annotations`` / ``BDF Annotations`` signal.
    problem : str | None
        Why this signal's samples cannot be converted to physical values (e.g. a dummy
        channel whose physical minimum equals its maximum, a range field that is not a
        number, 0 samples per record), None when they can.  Such a signal does not make the
        file unreadable: the channel is listed and skipped.  Its unparsable range fields are
        NaN (physical) or 0 (digital).
    """

    label: str
    transducer: str
    unit: str
    physical_min: float
    physical_max: float
    digital_min: int
    digital_max: int
    prefilter: str
    samples_per_record: int
    byte_offset: int
    is_annotation: bool
    problem: str | None = None

    @property
    def gain(self) -> float:
        """Physical units per digital step (nan when the signal cannot be scaled)."""
        if self.problem is not None or self.digital_max == self.digital_min:
            return float("nan")
        return (self.physical_max - self.physical_min) / (self.digital_max - self.digital_min)

    @property
    def offset(self) -> float:
        """Physical value of digital zero, in ``unit``."""
        return self.physical_max - self.gain * self.digital_max


@dataclass(frozen=True)
class EdfHeader:
    """Validated header of an EDF/EDF+/BDF/BDF+ file.

    Attributes
    ----------
    path : Path
        The file.
    format : str
        ``"EDF"``, ``"EDF+C"``, ``"EDF+D"``, ``"BDF"``, ``"BDF+C"`` or ``"BDF+D"``.
    sample_bytes : int
        2 (EDF) or 3 (BDF).
    header_bytes : int
        Size of the header, in bytes (``256 * (ns + 1)``).
    n_records : int
        Data records read: those declared, or the complete records the file holds when it
        declares ``-1`` or ``0`` or was cut short (:attr:`declared_records`).
    record_duration_s : float
        Duration of one data record, in seconds (0 only in annotation-only EDF+).
    record_bytes : int
        Size of one data record, in bytes.
    start_datetime : datetime | None
        Start of the recording (local clock time, no time zone), None when unreadable; see the
        module docstring for the date rule.
    patient, recording : str
        Identification fields.
    signals : tuple of SignalHeader
        Every signal, annotation signals included, in file order.
    start_date_known : bool
        False when the date is anonymised (EDF+ ``Startdate X``) or unreadable: only the clock
        time of ``start_datetime`` is the file's (its date is then the header's, often 01.01.85).
    warnings : tuple of str
        Header-level deviations worth telling the user (e.g. the two date fields disagree).
    declared_records : int | None
        The data records the header declares when the file holds fewer (it was cut short:
        ``n_records`` are read); None when the file holds them all.
    """

    path: Path
    format: str
    sample_bytes: int
    header_bytes: int
    n_records: int
    record_duration_s: float
    record_bytes: int
    start_datetime: _dt.datetime | None
    patient: str
    recording: str
    signals: tuple[SignalHeader, ...]
    start_date_known: bool = True
    warnings: tuple[str, ...] = ()
    declared_records: int | None = None

    @property
    def is_bdf(self) -> bool:
        return self.sample_bytes == 3

    @property
    def is_plus(self) -> bool:
        return "+" in self.format

    @property
    def duration_s(self) -> float:
        """Duration of the data, in seconds."""
        return self.n_records * self.record_duration_s

    @property
    def declared_duration_s(self) -> float:
        """Duration the header declares (seconds): :attr:`duration_s` unless the file was cut short."""
        n = self.n_records if self.declared_records is None else self.declared_records
        return n * self.record_duration_s

    @property
    def data_signals(self) -> tuple[SignalHeader, ...]:
        return tuple(s for s in self.signals if not s.is_annotation)

    @property
    def annotation_signals(self) -> tuple[SignalHeader, ...]:
        return tuple(s for s in self.signals if s.is_annotation)

    @property
    def annotation_only(self) -> bool:
        """True when every signal is an EDF+/BDF+ annotation signal (e.g. a hypnogram file)."""
        return all(s.is_annotation for s in self.signals)


def _text(raw: bytes) -> str:
    """Decode a header field: ASCII per spec, UTF-8 or Latin-1 as written by real software.

    A NUL ends the field: writers in C pad with NULs instead of spaces, or copy a
    NUL-terminated string into the field with whatever bytes followed it in memory
    (``"Chin\\x00\\xcd\\xcd..."``); MNE-Python cuts its numeric fields the same way.
    """
    raw = raw.split(b"\x00", 1)[0]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    return text.strip()


@overload
def _number(raw: bytes, name: str, where: object, *, integer: Literal[True]) -> int: ...
@overload
def _number(raw: bytes, name: str, where: object, *, integer: Literal[False] = ...) -> float: ...


def _number(raw: bytes, name: str, where: object, *, integer: bool = False) -> float:
    """Parse a numeric header field (a decimal comma is accepted) or raise RecordingError at ``where``."""
    text = _text(raw).replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        raise RecordingError(f"header field {name!r} is not a number ({text!r})", where=where,
                             hint=_HINT_CORRUPT) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise RecordingError(f"header field {name!r} is not a finite number ({text!r})", where=where,
                             hint=_HINT_CORRUPT)
    if integer and value != int(value):
        raise RecordingError(f"header field {name!r} must be a whole number, got {text!r}", where=where,
                             hint=_HINT_CORRUPT)
    return int(value) if integer else value


_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_STARTDATE = re.compile(r"^Startdate\s+(\S+)")


@dataclass(frozen=True)
class StartDate:
    """The start of a recording as the header states it (see the module docstring for the rule).

    Attributes
    ----------
    datetime : datetime | None
        Start (date from the rule, time from ``hh.mm.ss``), None when the time is unreadable.
    date_known : bool
        False when the EDF+ Startdate is ``X`` (anonymised) or no date field is readable.
    warning : str | None
        Set when the header date and the EDF+ Startdate disagree (the Startdate is used).
    """

    datetime: _dt.datetime | None
    date_known: bool
    warning: str | None = None


#: A date or time as three numbers between separators.  The EDF spec writes ``dd.mm.yy`` and
#: ``hh.mm.ss``; exporters also write ``/ - : ' `` or a space (the separators edfio accepts), and
#: some a 4-digit year (``4.3.2021``, ``2021/3/4``: the 8-byte field holds it only so).
_THREE_NUMBERS = re.compile(r"\s*(\d{1,4})\s*[.:'\-/ ]\s*(\d{1,2})\s*[.:'\-/ ]\s*(\d{1,4})\s*")


def _legacy_date(date: str) -> _dt.date | None:
    """The header's start date, None if unreadable.

    ``dd.mm.yy`` with the EDF clipping rule (85-99 -> 19xx, 00-84 -> 20xx; Kemp et al. 1992,
    EDF+ spec 2.1.3.2), any separator of :data:`_THREE_NUMBERS`; a 4-digit year is taken as
    written, first (``yyyy.m.d``) or last (``d.m.yyyy``).  ``yy`` written as letters (the EDF+
    spec's form after 2084) is None here: the EDF+ Startdate then holds the date.
    """
    match = _THREE_NUMBERS.fullmatch(date)
    if match is None:
        return None
    a, b, c = match.groups()
    try:
        if len(a) == 4 and len(c) <= 2:
            return _dt.date(int(a), int(b), int(c))
        if len(c) == 4 and len(a) <= 2:
            return _dt.date(int(c), int(b), int(a))
        if len(a) <= 2 and len(c) <= 2:
            year = int(c)
            return _dt.date(year + (1900 if year >= 85 else 2000), int(b), int(a))
    except ValueError:
        return None
    return None


def _month_first_date(date: str) -> _dt.date | None:
    """``mm.dd.yy`` (the US order some exporters write) when it is the field's only valid reading:
    day-month-year gives no date (``04/23/21``) and month-day-year does; else None."""
    match = _THREE_NUMBERS.fullmatch(date)
    if match is None or _legacy_date(date) is not None:
        return None
    a, b, c = match.groups()
    if len(a) > 2 or len(b) > 2 or len(c) not in (2, 4):
        return None
    year = int(c) if len(c) == 4 else int(c) + (1900 if int(c) >= 85 else 2000)
    try:
        return _dt.date(year, int(a), int(b))
    except ValueError:
        return None


def _clock(time: str) -> _dt.time | None:
    """The header's ``hh.mm.ss`` start time (any separator of :data:`_THREE_NUMBERS`), None if unreadable."""
    match = _THREE_NUMBERS.fullmatch(time)
    if match is None or max(len(g) for g in match.groups()) > 2:
        return None
    try:
        hour, minute, second = (int(g) for g in match.groups())
        return _dt.time(hour, minute, second)
    except ValueError:
        return None


def _edfplus_date(recording_field: str) -> tuple[bool, _dt.date | None]:
    """(the field has an EDF+ Startdate subfield, its date or None for ``X``/unreadable)."""
    match = _STARTDATE.match(recording_field)
    if match is None:
        return False, None
    sub = match.group(1)
    date = edf_plus_date(sub)
    if date is None and re.fullmatch(r"(\d{2})-([A-Za-z]{3})-(\d{4})", sub) is None:
        return sub.upper() == "X", None
    return True, date


def edf_plus_date(text: str) -> _dt.date | None:
    """An EDF+ date subfield ``dd-MMM-yyyy`` (spec 2.1.3.2-3: ``02-MAY-1951``), None for ``X`` or unreadable."""
    m = re.fullmatch(r"(\d{2})-([A-Za-z]{3})-(\d{4})", text.strip())
    if m is None or m.group(2).upper() not in _MONTHS:
        return None
    try:
        return _dt.date(int(m.group(3)), _MONTHS.index(m.group(2).upper()) + 1, int(m.group(1)))
    except ValueError:
        return None


def edf_plus_birthdate(patient: str | None) -> _dt.date | None:
    """The birthdate of an EDF+ patient field (spec 2.1.3.3: ``code sex birthdate name``, subfields
    separated by spaces, ``X`` when unknown): None when the field does not follow EDF+ or the
    birthdate is ``X`` or unreadable."""
    fields = (patient or "").split()
    if len(fields) < 4 or fields[1].upper() not in ("F", "M", "X"):
        return None
    return edf_plus_date(fields[2])


def start_from_fields(date: str, time: str, recording_field: str) -> StartDate:
    """Start of a recording from the header's date, time and local recording identification fields.

    Parameters
    ----------
    date : str
        Header start date ``dd.mm.yy``.
    time : str
        Header start time ``hh.mm.ss``.
    recording_field : str
        Local recording identification (EDF+: ``Startdate dd-MMM-yyyy ...``).

    Returns
    -------
    StartDate
        The EDF+ Startdate when the file has one (authoritative), else the header date; a
        warning when both are given and disagree.  A readable time with no readable date gives
        the clock time alone (``date_known`` False, with a warning); no readable time, no start.
    """
    clock = _clock(time)
    if clock is None:
        return StartDate(None, False)
    legacy = _legacy_date(date)
    plus, plus_date = _edfplus_date(recording_field)
    warning = None
    if plus_date is not None:
        chosen, known = plus_date, True
        if legacy is not None and legacy != plus_date:
            warning = (f"header start date {date!r} ({legacy.isoformat()}) and EDF+ 'Startdate "
                       f"{plus_date.strftime('%d-%b-%Y').upper()}' disagree; using the EDF+ Startdate "
                       f"{plus_date.isoformat()} (EDF+ spec 2.1.3.3)")
    elif plus:  # "Startdate X": anonymised, only the clock time is the file's
        chosen, known = (legacy or _dt.date(1985, 1, 1)), False
    elif legacy is not None:
        chosen, known = legacy, True
    elif (us := _month_first_date(date)) is not None:
        chosen, known = us, True
        warning = (f"header start date {date!r} is not a date day-month-year (dd.mm.yy, EDF spec); read "
                   f"month-day-year, its only valid reading: {us.isoformat()}")
    else:
        # the date cannot be read but the clock can: the clock alone is the file's, as for an
        # anonymised date (a hypnogram is aligned by its clock time; the date is never guessed)
        chosen, known = _dt.date(1985, 1, 1), False
        warning = (f"header start date {date!r} is not a date (dd.mm.yy): only the start time "
                   f"{clock.isoformat()} is used, the date is unknown")
    return StartDate(_dt.datetime.combine(chosen, clock), known, warning)


_FIELD_NAMES = {"physical_min": "physical minimum", "physical_max": "physical maximum",
                "digital_min": "digital minimum", "digital_max": "digital maximum"}


def _lenient_number(raw: bytes, *, integer: bool) -> tuple[float | None, str]:
    """(value, text) of a numeric field; value None when it is not a (whole, finite) number."""
    text = _text(raw).replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        return None, text
    if value != value or value in (float("inf"), float("-inf")) or (integer and value != int(value)):
        return None, text
    return (int(value) if integer else value), text


def _scaling_fields(fields: dict[str, list[bytes]], i: int, *, fmt: str, sample_bytes: int,
                    annotation: bool) -> tuple[float, float, int, int, str | None]:
    """Physical and digital range of signal ``i`` and why they cannot scale its samples (or None).

    Only the signal itself is spoiled by a bad range: the record layout does not depend on it.
    Annotation signals hold text, so their ranges are not checked.
    """
    values: dict[str, float | int] = {}
    problem = None
    for key, name in _FIELD_NAMES.items():
        integer = key.startswith("digital")
        value, text = _lenient_number(fields[key][i], integer=integer)
        if value is None:
            values[key] = 0 if integer else float("nan")
            if problem is None:
                kind = "a whole number" if integer else "a finite number"
                problem = f"header field {name!r} is not {kind} ({text!r}): its values cannot be scaled"
        else:
            values[key] = value
    pmin, pmax = float(values["physical_min"]), float(values["physical_max"])
    dmin, dmax = int(values["digital_min"]), int(values["digital_max"])
    if annotation:
        return pmin, pmax, dmin, dmax, None
    digital_limit = 2 ** (8 * sample_bytes - 1)
    if problem is None:
        # A range that cannot scale samples spoils this signal only (dummy and spare inputs of
        # some amplifiers are written so); the other channels stay readable.
        if pmin == pmax:
            problem = (f"physical minimum equals physical maximum ({pmin:g}): its values cannot be scaled "
                       "(a dummy or disconnected input)")
        elif dmin == dmax:
            problem = (f"digital minimum equals digital maximum ({dmin}): its values cannot be scaled "
                       "(a dummy or disconnected input)")
        elif not dmin < dmax:
            problem = f"digital minimum {dmin} is not below digital maximum {dmax}: its values cannot be scaled"
        elif dmin < -digital_limit or dmax > digital_limit - 1:
            problem = (f"digital range {dmin}..{dmax} exceeds the {8 * sample_bytes}-bit samples of "
                       f"{fmt[:3]}: its values cannot be scaled")
    return pmin, pmax, dmin, dmax, problem


def _span(n_records: int, record_duration_s: float) -> str:
    """Duration of ``n_records`` records for people: ``12 s``, ``7.5 min``."""
    seconds = n_records * record_duration_s
    return f"{seconds:.3g} s" if seconds < 60.0 else f"{seconds / 60.0:.1f} min"


def peek_edf_kind(path: str | os.PathLike[str]) -> Literal["recording", "annotations", "not-edf"]:
    """What a file is, from its first bytes only: for choosing files, never for reading them.

    ``"annotations"``: an EDF+/BDF+ file whose every signal is an annotation signal
    (``EDF Annotations``/``BDF Annotations``: a hypnogram or event file such as Sleep-EDF's
    ``*-Hypnogram.edf``); ``"recording"``: an EDF/BDF file with at least one other signal, or
    whose header cannot be told apart further (:func:`read_edf_header` then says what is wrong);
    ``"not-edf"``: the version field is neither EDF's ``0`` nor BDF's ``0xFF BIOSEMI`` (or the
    file is shorter than it).  Reads 256 + 16 x ns bytes (the fixed header and the labels).
    """
    try:
        with open(path, "rb") as f:
            fixed = f.read(256)
            version = fixed[:8]
            if len(version) < 8 or not (version == _BDF_VERSION or version.rstrip(b" \x00") == b"0"):
                return "not-edf"
            try:
                ns = int(_text(fixed[252:256]))
            except ValueError:
                return "recording"
            if not 0 < ns <= 4096:
                return "recording"
            labels = f.read(16 * ns)
    except OSError:
        return "recording"  # unreadable: the night says so when it is read
    if len(labels) < 16 * ns:
        return "recording"
    names = {_text(labels[16 * i: 16 * (i + 1)]) for i in range(ns)}
    return "annotations" if names <= ANNOTATION_LABELS else "recording"


def read_edf_header(path: str | os.PathLike[str]) -> EdfHeader:
    """Read and validate the header of an EDF/EDF+/BDF/BDF+ file (no signal data are decoded).

    Parameters
    ----------
    path : str | PathLike
        The file.

    Returns
    -------
    EdfHeader

    Raises
    ------
    RecordingError
        Missing file, a directory, not EDF/BDF, unparsable or inconsistent header fields,
        fewer bytes than the declared data records.
    """
    path = Path(path)
    if not path.exists():
        raise RecordingError("no such file", where=path, hint="Check the path")
    if path.is_dir():
        raise RecordingError("is a directory, not a recording", where=path, hint="Give the path of an EDF or BDF file")
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            fixed = f.read(256)
            if len(fixed) < 256:
                raise RecordingError(f"is {size} bytes long, shorter than the 256-byte EDF/BDF header",
                                     where=path, hint=_HINT_NOT_EDF)
            version = fixed[:8]
            if version == _BDF_VERSION:
                sample_bytes = 3
            elif version.rstrip(b" \x00") == b"0":
                sample_bytes = 2
            else:
                container = container_kind(fixed)
                if container is not None:
                    raise RecordingError(f"is {container[0]}, not an EDF or BDF file", where=path,
                                         hint=container[1][:1].upper() + container[1][1:])
                raise RecordingError(f"is not an EDF or BDF file (version field {_text(version)[:8]!r}, expected '0' "
                                     "or 0xFF 'BIOSEMI')", where=path, hint=_HINT_NOT_EDF)
            reserved = _text(fixed[192:236])
            declared_records = _number(fixed[236:244], "number of data records", path, integer=True)
            record_duration_s = _number(fixed[244:252], "duration of a data record", path)
            ns = _number(fixed[252:256], "number of signals", path, integer=True)
            if ns <= 0:
                raise RecordingError(f"declares {ns} signals; a recording needs at least one", where=path,
                                     hint=_HINT_CORRUPT)
            # The header is 256 bytes plus 256 per signal (EDF spec): the number of signals fixes its
            # size, so the header-bytes field is only checked.  Exporters write it blank, 0, or the
            # size without the signal block (256); the layout read with ns is then validated by the
            # samples-per-record fields and the file size like any other.
            header_bytes = 256 * (ns + 1)
            stated_header_bytes, stated_text = _lenient_number(fixed[184:192], integer=True)
            header_note = None
            if stated_header_bytes != header_bytes:
                header_note = (f"header byte count field says {stated_text!r}, but {ns} signals make the header "
                               f"256 * ({ns} + 1) = {header_bytes} bytes (EDF spec); read with {header_bytes}")
            if size < header_bytes:
                raise RecordingError(f"is {size} bytes long, shorter than its {header_bytes}-byte header",
                                     where=path, hint="The file is truncated; copy or export it again")
            block = f.read(header_bytes - 256)
    except OSError as err:
        raise RecordingError(f"cannot be read ({err.strerror or err})", where=path,
                             hint="Check the file's permissions") from None

    try:
        return _parse(path, fixed, block, size=size, sample_bytes=sample_bytes, reserved=reserved, ns=ns,
                      header_bytes=header_bytes, declared_records=declared_records,
                      record_duration_s=record_duration_s, header_note=header_note)
    except RecordingError as err:
        if header_note is None:
            raise
        # The header-bytes field disagreed with the number of signals: either may be the wrong one.
        raise RecordingError(f"{err.what} (and the header byte count field says {stated_text!r}, not the "
                             f"{header_bytes} bytes of {ns} signals: the number of signals may be the wrong field)",
                             where=err.where, hint=err.hint) from None


def _parse(path: Path, fixed: bytes, block: bytes, *, size: int, sample_bytes: int, reserved: str, ns: int,
           header_bytes: int, declared_records: int, record_duration_s: float,
           header_note: str | None) -> EdfHeader:
    """The header from its fixed part and signal block, checked against the file size."""
    header_warnings = [] if header_note is None else [header_note]
    fields: dict[str, list[bytes]] = {}
    pos = 0
    for name, width in _SIGNAL_FIELDS:
        fields[name] = [block[pos + i * width: pos + (i + 1) * width] for i in range(ns)]
        pos += width * ns

    is_plus = reserved.upper().startswith(("EDF+", "BDF+"))
    if is_plus:
        fmt = ("BDF" if sample_bytes == 3 else "EDF") + ("+D" if reserved.upper()[4:5] == "D" else "+C")
    else:
        fmt = "BDF" if sample_bytes == 3 else "EDF"

    signals: list[SignalHeader] = []
    byte_offset = 0
    for i in range(ns):
        label = _text(fields["label"][i])
        where = f"{path} (signal {i + 1} {label!r})"
        # The record layout needs every samples-per-record field: unreadable ones refuse the file.
        spr = _number(fields["samples_per_record"][i], "samples per data record", where, integer=True)
        if spr < 0:
            raise RecordingError(f"declares {spr} samples per data record; must be >= 0", where=where,
                                 hint=_HINT_CORRUPT)
        is_annotation = label in ANNOTATION_LABELS
        if is_annotation and spr == 0:
            raise RecordingError("annotation signal declares 0 samples per data record", where=where,
                                 hint=_HINT_CORRUPT)
        pmin, pmax, dmin, dmax, problem = _scaling_fields(fields, i, fmt=fmt, sample_bytes=sample_bytes,
                                                          annotation=is_annotation)
        if problem is None and spr == 0 and not is_annotation:
            problem = "declares 0 samples per data record: the input holds no samples (switched off)"
        signals.append(SignalHeader(
            label=label, transducer=_text(fields["transducer"][i]), unit=_text(fields["unit"][i]),
            physical_min=pmin, physical_max=pmax, digital_min=dmin, digital_max=dmax,
            prefilter=_text(fields["prefilter"][i]), samples_per_record=spr, byte_offset=byte_offset,
            is_annotation=is_annotation, problem=problem))
        byte_offset += spr * sample_bytes
    if byte_offset == 0:
        raise RecordingError("declares 0 samples per data record for every signal", where=path, hint=_HINT_CORRUPT)

    annotation_only = all(s.is_annotation for s in signals)
    # EDF+ (Kemp and Olivan 2003, section 2.2.4): a record duration of 0 is allowed only in
    # annotation-only files.
    if record_duration_s < 0 or (record_duration_s == 0 and not annotation_only):
        raise RecordingError(f"declares a data record duration of {record_duration_s:g} s; must be > 0",
                             where=path, hint=_HINT_CORRUPT)

    record_bytes = byte_offset
    data_bytes = size - header_bytes
    complete = data_bytes // record_bytes
    partial = data_bytes % record_bytes
    cut_short_of: int | None = None
    if declared_records == -1:
        n_records = complete
        if partial:
            header_warnings.append(f"number of data records not declared (-1): read the {complete} complete "
                                   f"records; a partial record of {partial} bytes at the end is not read")
    elif declared_records < -1:
        raise RecordingError(f"declares {declared_records} data records", where=path, hint=_HINT_CORRUPT)
    elif declared_records == 0 and complete > 0:
        # 0 declared over data: the recorder wrote the count when it opened the file and never
        # updated it (a recording not stopped properly); the records are counted as for -1.
        n_records = complete
        header_warnings.append(f"declares 0 data records but holds {complete} complete records of {record_bytes} "
                               f"bytes; read them all (the count was never updated: the recording was "
                               f"probably not stopped properly)")
    else:
        n_records = declared_records
        if complete < declared_records:
            if complete == 0:
                raise RecordingError(
                    f"is truncated: declares {declared_records} data records of {record_bytes} bytes but holds "
                    f"{data_bytes} bytes of data (no complete record)", where=path,
                    hint="Copy or export the file again; a download or copy was probably interrupted")
            # The file ends before the records it declares (a recorder stopped before it closed the
            # file, or an interrupted copy): the complete records are read, as MNE and edfio read
            # them, and the loss is stated wherever the recording's warnings go.
            n_records, cut_short_of = complete, declared_records
            header_warnings.append(
                f"is cut short: declares {declared_records} data records "
                f"({_span(declared_records, record_duration_s)}) but holds {complete} complete ones"
                f"{f' and {partial} bytes of a partial one' if partial else ''}; read the "
                f"{_span(complete, record_duration_s)} it holds; the last "
                f"{_span(declared_records - complete, record_duration_s)} of the recording is missing (the "
                f"recorder stopped before closing the file, or a copy was interrupted: copy it again if the "
                f"original is whole)")
        extra = complete - declared_records
        if extra > 0:
            # Whole records beyond the declared count: kept out (the count is the header's word),
            # but stated, since they are likely recorded data (MNE and edfio read them).
            header_warnings.append(
                f"holds {extra} complete data record{'s' if extra != 1 else ''} after the {declared_records} it "
                f"declares ({_span(extra, record_duration_s)}); only the declared records are read")
        if cut_short_of is None and data_bytes > declared_records * record_bytes:
            log.warning("%s: %d bytes after the %d declared data records are ignored", path,
                        data_bytes - declared_records * record_bytes, declared_records)
    if n_records == 0:
        raise RecordingError("holds no data records", where=path, hint="The recording is empty; export it again")

    date_field, time_field = _text(fixed[168:176]), _text(fixed[176:184])
    start = start_from_fields(date_field, time_field, _text(fixed[88:168]))
    if start.datetime is None:
        log.warning("%s: start date/time %r %r unreadable; start_datetime set to None", path, date_field, time_field)
    if start.warning:
        header_warnings.append(start.warning)
    for line in header_warnings:
        log.warning("%s: %s", path, line)

    return EdfHeader(
        path=path, format=fmt, sample_bytes=sample_bytes, header_bytes=header_bytes, n_records=n_records,
        record_duration_s=record_duration_s, record_bytes=record_bytes,
        start_datetime=start.datetime, start_date_known=start.date_known, warnings=tuple(header_warnings),
        declared_records=cut_short_of,
        patient=_text(fixed[8:88]), recording=_text(fixed[88:168]), signals=tuple(signals))

"""Fields of text hypnograms as other labs' tools write them: encodings, numbers, clocks, units.

* Encodings: UTF-8 (with or without a byte-order mark), UTF-16 and UTF-32 with a BOM (Excel's
  "Unicode text" export and many Windows exporters), UTF-16 without one (recognised from its
  NUL bytes), and Windows-1252 / Latin-1 for the rest.
* Numbers with a decimal comma, as Excel writes them in locales whose decimal separator is a
  comma (there its list separator, between CSV fields, is ``;``).  A number that reads two ways
  (``1,500`` in a comma file; ``1.500`` beside decimal commas) is refused naming both.
* Clock times of 24 or 12 hours (``11:59:30 PM``, ``12:00:00 a.m.``), and date-times with
  ISO, dotted (day first: ``04.03.2021``) or slashed dates, whose day/month order comes from
  the file (a day above 12, or the date that advances by one day at midnight); when the file
  never says, only the clock is used.
* Units of a column, from its name: ``Onset (samples)``, ``onset_ms``, ``Onset [min]``,
  ``Onset (epochs)``; a sampling rate stated in the file's comment lines.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from ..errors import HypnogramError
from ._containers import container_kind

__all__ = ["decode_text", "COMMENT_MARKS", "NumberReader", "parse_clock", "DateTimeReader", "column_unit",
           "stated_sampling_rate_hz", "UNIT_SECONDS"]

#: Marks that start a comment line in text hypnograms (``;`` as INI-style and RemLogic/Somnologica
#: exporters write; ``%`` as MATLAB; ``#`` as YASA, MNE and BIDS tools).
COMMENT_MARKS = ("#", "%", ";")

_BOMS = ((b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xef\xbb\xbf", "utf-8"),
         (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))


def _printable(text: str) -> bool:
    """True when ``text`` holds no control characters other than tab, CR, LF, FF."""
    return not any((ord(ch) < 32 and ch not in "\t\r\n\f") or ch == "\x7f" for ch in text)


def _utf16_without_bom(data: bytes) -> str | None:
    """``"utf-16-le"``/``"utf-16-be"`` when NUL bytes fill one half of the byte pairs (ASCII text in
    UTF-16 without a byte-order mark), else None."""
    head = data[:4096]
    pairs = len(head) // 2
    if pairs < 2:
        return None
    even = sum(1 for i in range(0, 2 * pairs, 2) if head[i] == 0)
    odd = sum(1 for i in range(1, 2 * pairs, 2) if head[i] == 0)
    # most characters of a hypnogram (digits, letters, separators) are ASCII: one NUL per pair
    if odd >= 0.6 * pairs and even == 0:
        return "utf-16-le"
    if even >= 0.6 * pairs and odd == 0:
        return "utf-16-be"
    return None


def decode_text(data: bytes, *, source: str) -> tuple[str, str]:
    """The text of a hypnogram file and its encoding's name.

    Raises
    ------
    HypnogramError
        Binary data: NUL bytes or control characters in no Unicode encoding that fits.
    """
    container = container_kind(data[:16])
    if container is not None:
        raise HypnogramError(f"is {container[0]}, not a text hypnogram", where=source, hint=container[1])
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom):].decode(name)
            except UnicodeDecodeError:
                break
            if _printable(text[:4096]):
                return text, name
            break
    else:
        guess = _utf16_without_bom(data) if b"\x00" in data[:4096] else None
        if guess is not None:
            try:
                text = data.decode(guess)
            except UnicodeDecodeError:
                text = ""
            if text and _printable(text[:4096]):
                return text, guess
    if b"\x00" in data[:4096]:
        raise HypnogramError("is a binary file, not a text hypnogram", where=source,
                             hint="give a CSV/TSV/text hypnogram, an EDF+ or an XML annotation file")
    for name in ("utf-8", "cp1252"):
        try:
            return data.decode(name), name
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"


# ----------------------------------------------------------------------------------- numbers
_PLAIN = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_COMMA = re.compile(r"^[+-]?\d*,\d+$")
_GROUPED_COMMA = re.compile(r"^[1-9]\d{0,2}(,\d{3})+$")
_GROUPED_DOT = re.compile(r"^[1-9]\d{0,2}(\.\d{3})+$")


class NumberReader:
    """Numbers of a table whose decimal mark is a point, or a comma (Excel in decimal-comma
    locales), decided from the file.

    Parameters
    ----------
    delimiter : str
        The table's field delimiter.
    samples : list of str
        The numeric fields of the file (onsets, durations), to see which decimal mark it uses.
    """

    def __init__(self, delimiter: str, samples: list[str], *, source: str):
        self.source = source
        self.delimiter = delimiter
        vals = [s.strip() for s in samples]
        # a comma that is not a thousands separator (30,0; 0,5; 1,25) makes the comma the decimal mark
        self.decimal_comma = any(_COMMA.match(v) and not _GROUPED_COMMA.match(v) for v in vals) or (
            delimiter == ";" and any(_COMMA.match(v) for v in vals))

    def parse(self, text: str, *, line: int) -> float | None:
        """The number in ``text`` (seconds or whatever the column holds), or None if it is none."""
        v = text.strip()
        if _COMMA.match(v):
            if _GROUPED_COMMA.match(v) and not self.decimal_comma:
                a, b = v.replace(",", "."), v.replace(",", "")
                raise HypnogramError(
                    f"number {v!r} at line {line} reads {float(a):g} (decimal comma) or {float(b):g} "
                    "(thousands separator)", where=self.source,
                    hint="write the numbers without thousands separators")
            return float(v.replace(",", "."))
        if _PLAIN.match(v):
            if self.decimal_comma and _GROUPED_DOT.match(v):
                raise HypnogramError(
                    f"number {v!r} at line {line} reads {float(v):g} (decimal point) or "
                    f"{float(v.replace('.', '')):g} (thousands separator) beside the file's decimal commas",
                    where=self.source, hint="write the numbers without thousands separators")
            return float(v)
        return None


# ------------------------------------------------------------------------------------ clocks
_CLOCK = re.compile(r"^(\d{1,2})[:.](\d{2})(?:[:.](\d{2})(?:[.,](\d+))?)?\s*(?:([AaPp])\.?\s*[Mm]\.?)?$")


def parse_clock(text: str) -> float | None:
    """Seconds since midnight of a 24-hour ``HH:MM:SS[,fff]`` or a 12-hour ``hh:mm[:ss] AM/PM``
    clock (12:00 AM is midnight, 12:00 PM noon), or None.  ``HH:MM`` without AM/PM is None: it
    reads as hours and minutes or minutes and seconds."""
    m = _CLOCK.match(text.strip())
    if not m:
        return None
    h, mi, s, frac, half = m.groups()
    hour = int(h)
    if half is None:
        if s is None:
            return None
    else:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half.lower() == "p" else 0)
    if hour > 23 or int(mi) > 59 or (s is not None and int(s) > 60):
        return None
    value = hour * 3600 + int(mi) * 60 + int(s or 0)
    if frac:
        value += int(frac) / 10 ** len(frac)
    return float(value)


_DATE = re.compile(r"^(\d{1,4})([./-])(\d{1,2})\2(\d{1,4})$")


def _split(text: str) -> tuple[tuple[int, int, int, str] | None, float | None]:
    """(date fields, separator), clock seconds of ``"<date> <time>"`` / ``"<date>T<time>"``."""
    t = text.strip()
    parts = re.split(r"[ T]+", t, maxsplit=1)
    if len(parts) != 2:
        return None, None
    m = _DATE.match(parts[0])
    clock = parse_clock(parts[1].strip())
    if not m or clock is None:
        return None, None
    a, sep, b, c = m.groups()
    return (int(a), int(b), int(c), sep + ("y" if len(m.group(1)) == 4 else "")), clock


def _year(y: int) -> int:
    return y + 2000 if y < 70 else (y + 1900 if y < 100 else y)


class DateTimeReader:
    """Date-times of one file; the day/month order of slashed dates decided from all of them.

    Orders: ISO and ``yyyy/mm/dd`` (year first), dotted dates day first (the German, Dutch and
    Scandinavian form), slashed or dashed ``a/b/yyyy`` day or month first: day first when some
    ``a`` exceeds 12, month first when some ``b`` does, else the order in which the dates advance
    by at most a day between rows; when every row holds the same date, the date is unknown and
    only the clock times are used (``time_only``).
    """

    def __init__(self, texts: list[str], *, source: str):
        self.source = source
        fields = [f for f, _ in map(_split, texts) if f is not None]
        slashed = [f for f in fields if not f[3].endswith("y") and f[3] != "."]
        self.order: str | None = "dmy"
        self.time_only = False
        if slashed:
            day_first = any(a > 12 for a, _, _, _ in slashed)
            month_first = any(b > 12 for _, b, _, _ in slashed)
            if day_first and month_first:
                raise HypnogramError(
                    "dates are written day first in some rows and month first in others "
                    f"({_fmt(next(f for f in slashed if f[0] > 12))}, {_fmt(next(f for f in slashed if f[1] > 12))})",
                    where=source, hint="export the dates in one form (yyyy-mm-dd)")
            if day_first or month_first:
                self.order = "dmy" if day_first else "mdy"
            else:
                self.order = self._order_from_steps(slashed)
                self.time_only = self.order is None

    @staticmethod
    def _order_from_steps(fields: list[tuple[int, int, int, str]]) -> str | None:
        fits = []
        for order in ("dmy", "mdy"):
            try:
                days = [_date(f, order) for f in fields]
            except ValueError:
                continue
            if all(0 <= (b - a).days <= 1 for a, b in zip(days, days[1:])):
                fits.append(order)
        if len(set(_date(f, "dmy") for f in fields)) == 1 and len(fits) == 2:
            return None  # one date all night, read both ways: unknown
        return fits[0] if len(fits) == 1 else None

    def parse(self, text: str) -> datetime | None:
        """The date-time in ``text``, or None when it is none (or its date is unknown: see
        ``time_only``, then :func:`parse_clock` of its time part is what counts)."""
        f, clock = _split(text)
        if f is None or clock is None:
            try:
                return datetime.fromisoformat(text.strip())
            except ValueError:
                return None
        if self.time_only and not f[3].endswith("y") and f[3] != ".":
            return datetime(1985, 1, 1) + timedelta(seconds=clock)
        try:
            day = _date(f, "ymd" if f[3].endswith("y") else ("dmy" if f[3] == "." else self.order or "dmy"))
        except ValueError:
            return None
        return datetime(day.year, day.month, day.day) + timedelta(seconds=clock)


def _date(f: tuple[int, int, int, str], order: str) -> date:
    a, b, c, _ = f
    if order == "ymd":
        return date(_year(a), b, c)
    if order == "dmy":
        return date(_year(c), b, a)
    return date(_year(c), a, b)


def _fmt(f: tuple[int, int, int, str]) -> str:
    sep = f[3][0]
    return f"{f[0]:02d}{sep}{f[1]:02d}{sep}{f[2]}"


# ------------------------------------------------------------------------------------- units
#: Seconds per unit a column's name may state.
UNIT_SECONDS = {"s": 1.0, "sec": 1.0, "secs": 1.0, "second": 1.0, "seconds": 1.0,
                "ms": 1e-3, "msec": 1e-3, "millisecond": 1e-3, "milliseconds": 1e-3,
                "min": 60.0, "mins": 60.0, "minute": 60.0, "minutes": 60.0,
                "h": 3600.0, "hr": 3600.0, "hour": 3600.0, "hours": 3600.0}
_SAMPLES = ("samples", "sample", "smp", "sample index")
_EPOCHS = ("epochs", "epoch", "epoch number", "epoch nr", "epoch no")
_CLOCKS = ("hh:mm:ss", "hh.mm.ss", "hh:mm:ss.xxx", "clock", "time", "datetime", "date time", "utc", "local time")
_SUFFIX = re.compile(r"^(.*?)_(s|sec|ms|msec|min|samples?|smp|epochs?)$")


def column_unit(name: str, key: str) -> tuple[str | None, str]:
    """(unit, base key) of a header field: ``"Onset (samples)"`` -> ("samples", "onset"),
    ``"onset_ms"`` -> ("ms", "onset"); the unit is ``"s"``, ``"ms"``, ``"min"``, ``"h"`` (any
    key of :data:`UNIT_SECONDS` normalised), ``"samples"``, ``"epochs"``, ``"clock"``, another
    word in brackets as written, or None when the name states none."""
    m = re.search(r"[\[(]\s*([^\])]*?)\s*[\])]\s*$", name.strip().strip('"'))
    unit = None
    if m:
        unit = m.group(1).strip().lower()
    else:
        s = _SUFFIX.match(key)
        if s:
            unit, key = s.group(2), s.group(1)
    if unit is None or unit == "":
        return None, key
    if unit in UNIT_SECONDS:
        return {1.0: "s", 1e-3: "ms", 60.0: "min", 3600.0: "h"}[UNIT_SECONDS[unit]], key
    if unit in _SAMPLES:
        return "samples", key
    if unit in _EPOCHS:
        return "epochs", key
    if unit in _CLOCKS or re.fullmatch(r"[hmsdy:./ -]+(am/pm)?", unit):
        return "clock", key
    return unit, key


_RATE = re.compile(r"\b(?:sampling[ _-]?(?:rate|frequency|freq)|sample[ _-]?rate|sfreq|fs)\b\s*[:=]?\s*"
                   r"(\d+(?:[.,]\d+)?)\s*(?:hz)?\b", re.IGNORECASE)


def stated_sampling_rate_hz(lines: list[tuple[int, str]]) -> tuple[float, int] | None:
    """A sampling rate stated in comment/preamble lines (``# sampling rate: 256 Hz``, ``fs = 200``)."""
    for number, text in lines:
        m = _RATE.search(text)
        if m:
            value = float(m.group(1).replace(",", "."))
            if value > 0:
                return value, number
    return None

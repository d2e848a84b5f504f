"""Luna ``.annot`` files (remnrem/luna), the generic annotation format of the Luna toolset.

Format (remnrem/luna-doc docs/ref/annotations.md, ".annot files"):

* tab- (or whitespace-) delimited rows of 3, 4 or 6 fields: ``class start stop``,
  ``class instance start stop`` or ``class instance channel start stop meta``; ``.`` is a
  missing value;
* optional ``#`` preamble lines (``# name | description | meta types``) and, before the first
  data row, an optional column-header row that is exactly ``class start stop``,
  ``class instance start stop`` or ``class instance channel start stop meta``;
* start: elapsed seconds (a number), a 24-hour clock time ``hh:mm:ss`` or ``hh.mm.ss`` (with
  fractions), elapsed ``0+hh:mm:ss``, or an epoch ``e:N[:len[:inc]]`` (1-based; 30-s epochs
  unless ``len`` says; ``inc`` defaults to ``len``); intervals are ``[start, stop)``;
* stop: the same encodings (``e:M`` is the end of epoch M), ``+dur`` (a duration), ``...``
  (until the next row's start in file order, or the EDF's end for the last row) or ``.``
  (missing: with an ``e:`` start, that one epoch).

Rows whose class is a sleep stage make the hypnogram: Luna's stage classes W, N1, N2, N3, R,
``?`` and L (lights on: an epoch outside the lights-off period; Luna docs/ref/hypnograms.md)
and the NSRR-style names :func:`~myosleep.io._hypno_labels.label_to_stage` reads ("wake",
"NREM1").  Lights come from ``lights_off``/``lights_on`` annotations by Luna's rules
(hypnograms.md, "Lights Off/Lights On"), else from leading and trailing L epochs.  Every other
row is a scored event.  Clock times are placed as :func:`~myosleep.io._hypno_text.read_table`
places them (its ``_OnsetParser``): from the first clock time, aligned to the recording's
start by the clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ..errors import HypnogramError
from ._hypno_common import RawScoring, classify_event, clock_to_seconds, infer_epoch_s, lights_kind
from ._hypno_fields import DateTimeReader, NumberReader, parse_clock
from ._hypno_labels import label_convention, label_to_stage

__all__ = ["is_luna_annot", "read_luna_annot"]

#: The column-header rows the spec allows (exactly these; Luna docs/ref/annotations.md, "Headers").
_HEADERS = (("class", "start", "stop"), ("class", "instance", "start", "stop"),
            ("class", "instance", "channel", "start", "stop", "meta"))
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_EPOCH = re.compile(r"^e:(\d+)(?::(\d+(?:\.\d+)?))?(?::(\d+(?:\.\d+)?))?$")
#: Luna's default epoch: non-overlapping 30-s epochs (annotations.md, "Epoch encoding").
_LUNA_EPOCH_S = 30.0
_HINT = ("write each row as class, start, stop (tab-separated; seconds, hh:mm:ss, 0+hh:mm:ss or e:N; "
         "stop also +duration, ... or .), as Luna's WRITE-ANNOTS does")


def _fields(line: str) -> list[str]:
    """A row's fields: split on tabs when that gives 3, 4 or 6 (class names may hold spaces),
    else on any whitespace (the spec allows both, and its own examples mix them)."""
    by_tab = [f.strip() for f in line.strip().split("\t")]
    return by_tab if len(by_tab) in (3, 4, 6) else line.split()


def _data_lines(lines: list[str]) -> list[tuple[int, str]]:
    return [(k, ln) for k, ln in enumerate(lines, start=1) if ln.strip() and not ln.lstrip().startswith("#")]


def _time_kind(text: str, *, stop: bool) -> str | None:
    """How a start (or stop) is encoded, or None when it is no Luna time."""
    if _NUMBER.match(text):
        return "elapsed"
    if _EPOCH.match(text):
        return "epoch"
    if text.startswith("0+") and clock_to_seconds(text[2:]) is not None:
        return "elapsed"
    if parse_clock(text) is not None and re.match(r"^\d{1,2}[:.]\d{2}[:.]\d{2}", text):
        return "clock"
    if stop and (text in ("...", ".") or (text.startswith("+") and _NUMBER.match(text[1:]))):
        return "special"
    return None


def is_luna_annot(lines: list[str]) -> bool:
    """True when the first row that is not blank or ``#`` is one of the spec's column-header rows,
    or when the first rows (up to 20) all have 3, 4 or 6 fields with a Luna start and stop."""
    data = _data_lines(lines)[:20]
    if not data:
        return False
    if tuple(data[0][1].split()) in _HEADERS:
        return True
    for _, line in data:
        f = _fields(line)
        if len(f) not in (3, 4, 6):
            return False
        start, stop = (f[3], f[4]) if len(f) == 6 else (f[-2], f[-1])
        if _time_kind(start, stop=False) is None or _time_kind(stop, stop=True) is None:
            return False
    return True


@dataclass
class _Row:
    line: int
    cls: str
    description: str
    channel: str | None
    start_s: float
    stop: str              # the stop as written
    end_s: float | None    # resolved end (s), None until resolved
    epoch_len_s: float | None  # the e: epoch length of the start, when it is one


class _Times:
    """Starts and stops of one file on one time axis: seconds from the EDF start (numbers,
    ``0+hh:mm:ss``, ``e:N``) or clock times (read by :class:`~myosleep.io._hypno_text._OnsetParser`,
    from the first clock time); a file mixing both is refused (their offset is the recording's
    start, unknown while the file is read)."""

    def __init__(self, source: str):
        from ._hypno_text import _OnsetParser

        self.source = source
        self.clock = _OnsetParser(source=source, epoch_s=None, epoch_numbers=False,
                                  numbers=NumberReader("\t", [], source=source),
                                  dates=DateTimeReader([], source=source), scale_s=1.0, read_as="seconds",
                                  column="start")
        self.first: dict[str, int] = {}

    def _axis(self, kind: str, line: int) -> None:
        self.first.setdefault(kind, line)
        if len(self.first) > 1:
            raise HypnogramError(
                f"mixes clock times (line {self.first['clock']}) with elapsed seconds or epochs "
                f"(line {self.first['elapsed']})", where=self.source,
                hint="write every start and stop as clock times, or every one as seconds from the recording's "
                     "start (Luna WRITE-ANNOTS writes one or the other)")

    def epoch(self, text: str, *, line: int) -> tuple[float, float]:
        """(start, end) in s of ``e:N[:len[:inc]]``."""
        m = _EPOCH.match(text)
        assert m is not None
        n = int(m.group(1))
        length = float(m.group(2)) if m.group(2) else _LUNA_EPOCH_S
        inc = float(m.group(3)) if m.group(3) else length
        if n < 1 or length <= 0 or inc <= 0:
            raise HypnogramError(f"epoch {text!r} at line {line} is not e:N with N >= 1 (Luna numbers epochs "
                                 "from 1) and a length > 0", where=self.source, hint=_HINT)
        self._axis("elapsed", line)
        return (n - 1) * inc, (n - 1) * inc + length

    def point(self, text: str, *, line: int, what: str) -> float:
        """Seconds of a number, ``0+hh:mm:ss`` or a clock time."""
        if _NUMBER.match(text):
            self._axis("elapsed", line)
            return float(text)
        if text.startswith("0+") and (secs := clock_to_seconds(text[2:])) is not None:
            self._axis("elapsed", line)
            return secs
        if _time_kind(text, stop=False) == "clock":
            self._axis("clock", line)
            return self.clock.parse(text, line=line)
        raise HypnogramError(f"{what} {text!r} at line {line} is not a Luna time (seconds, hh:mm:ss, "
                             "0+hh:mm:ss or e:N)", where=self.source, hint=_HINT)


def _read_rows(lines: list[str], times: _Times, *, source: str) -> tuple[list[_Row], int | None]:
    rows: list[_Row] = []
    n_cols: int | None = None
    header_line: int | None = None
    for k, line in _data_lines(lines):
        if not rows and header_line is None and tuple(line.split()) in _HEADERS:
            header_line, n_cols = k, len(line.split())
            continue
        f = _fields(line)
        if len(f) not in (3, 4, 6):
            raise HypnogramError(f"line {k} has {len(f)} fields; a Luna .annot row has 3, 4 or 6 (class, "
                                 "[instance, [channel,]] start, stop[, meta])", where=source, hint=_HINT)
        if n_cols is not None and len(f) != n_cols:
            raise HypnogramError(f"line {k} has {len(f)} fields, the column-header row (line {header_line}) "
                                 f"names {n_cols}", where=source, hint="give every row the header's columns")
        cls, instance = f[0], (f[1] if len(f) >= 4 else ".")
        channel = f[2] if len(f) == 6 and f[2] not in (".", "") else None
        start_text, stop = (f[3], f[4]) if len(f) == 6 else (f[-2], f[-1])
        epoch_len = None
        if _EPOCH.match(start_text):
            start, epoch_end = times.epoch(start_text, line=k)
            epoch_len = epoch_end - start
        else:
            start = times.point(start_text, line=k, what="start")
        end: float | None = None
        if stop == ".":
            end = start + epoch_len if epoch_len is not None else start
        elif stop == "...":
            end = None
        elif stop.startswith("+") and _NUMBER.match(stop[1:]):
            end = start + float(stop[1:])
        elif _EPOCH.match(stop):
            end = times.epoch(stop, line=k)[1]
        else:
            end = times.point(stop, line=k, what="stop")
            if end < start and _time_kind(stop, stop=True) == "clock":
                end += 86400.0  # an interval across midnight (as read_table reads end clock times)
        if end is not None and end < start:
            raise HypnogramError(f"stop {stop!r} at line {k} is before its start {start_text!r}", where=source,
                                 hint=_HINT)
        desc = cls if instance in (".", "", cls) else f"{cls} {instance}"
        rows.append(_Row(k, cls, desc, channel, start, stop, end, epoch_len))
    return rows, header_line


def _is_stage(cls: str) -> bool:
    """A stage class: one :func:`label_to_stage` reads and that names no scored event (an
    "artifact" or "arousal" class is an event, not a stage)."""
    return label_to_stage(cls) is not None and classify_event(cls) in ("stage", "other") and lights_kind(cls) is None


def _lights(rows: list[_Row], stage_rows: list[_Row], *, epoch_s: float) -> tuple[float | None, float | None, str]:
    """(lights off, lights on, where from): Luna's rules for ``lights_off``/``lights_on`` annotations
    (docs/ref/hypnograms.md: one lights_off interval longer than an epoch spans the lights-off
    period; two lights_on intervals bracket it; lights_off and lights_on change points), else the
    end of the leading L epochs and the start of the trailing ones."""
    offs = [r for r in rows if lights_kind(r.cls) == "off"]
    ons = [r for r in rows if lights_kind(r.cls) == "on"]

    def end(r: _Row) -> float:
        return r.start_s if r.end_s is None or not np.isfinite(r.end_s) else r.end_s

    if offs:
        off = offs[0].start_s
        if ons:
            return off, ons[-1].start_s, "lights_off and lights_on annotations"
        if len(offs) == 1 and end(offs[0]) - off > epoch_s:
            return off, end(offs[0]), "the lights_off interval"
        return off, None, "the lights_off annotation"
    if len(ons) == 2:
        return end(ons[0]), ons[1].start_s, "the two lights_on intervals"
    if ons:
        return None, ons[-1].start_s, "the lights_on annotation"
    lit = [r for r in stage_rows if r.cls.strip().upper() == "L"]
    scored = [r for r in stage_rows if r.cls.strip().upper() != "L"]
    if not lit or not scored:
        return None, None, ""
    first, last = min(r.start_s for r in scored), max(end(r) for r in scored)
    before = [end(r) for r in lit if end(r) <= first]
    after = [r.start_s for r in lit if r.start_s >= last]
    return (max(before) if before else None, min(after) if after else None, "the L (lights on) epochs")


def read_luna_annot(text: str, *, source: str, epoch_s: float | None, convention: str | None = None) -> RawScoring:
    """Luna ``.annot``: stage rows as segments, lights, every other row a scored event.

    Parameters
    ----------
    text : str
        The file's text.
    source : str
        The file, for messages.
    epoch_s : float | None
        Epoch length (s); default: the stage rows' ``e:`` epochs (Luna's 30 s unless ``e:N:len``
        says), else their durations and onsets (30 s when they are multiples of it).
    convention : str | None
        Refused unless a label convention: the file's classes are text.

    Returns
    -------
    RawScoring
        Times in seconds from the EDF start (or from the first clock time, with that clock time
        as the file's start when the file writes clock times).
    """
    from ._hypno_markup import _format_convention

    _format_convention(convention, "labels", "Luna .annot", source=source)
    lines = text.splitlines()
    times = _Times(source)
    rows, header_line = _read_rows(lines, times, source=source)
    if not rows:
        raise HypnogramError("Luna .annot holds no annotation rows", where=source, hint=_HINT)
    notes: dict = {}
    for i, r in enumerate(rows):  # "...": until the next row's start in the file, whatever its class
        if r.stop != "...":
            continue
        if i + 1 < len(rows):
            if rows[i + 1].start_s < r.start_s:
                raise HypnogramError(f"stop '...' at line {r.line} runs to the next row's start, which is "
                                     f"earlier (line {rows[i + 1].line})", where=source,
                                     hint="list rows that end with '...' in time order")
            r.end_s = rows[i + 1].start_s
        else:
            # Luna runs it to the EDF's end, unknown here: one epoch, as the RML reader takes a last
            # stage change without the session's Duration (myosleep.io._hypno_rml)
            r.end_s = float("nan")
            notes["last_row_open"] = f"line {r.line}"
    stage_rows = [r for r in rows if _is_stage(r.cls)]
    for r in stage_rows:
        if r.stop == "." and r.epoch_len_s is None:
            raise HypnogramError(f"stage {r.cls!r} at line {r.line} has no stop ('.') and its start is no epoch "
                                 "(e:N), so its length is unknown", where=source,
                                 hint="write its stop (seconds, +duration or ...) or its start as e:N")
    ep_lens = {r.epoch_len_s for r in stage_rows if r.epoch_len_s is not None}
    if epoch_s is not None:
        ep, ep_source = float(epoch_s), "epoch_s= given"
    elif len(ep_lens) == 1:
        ep = ep_lens.pop()
        ep_source = "the file's e:N epochs (Luna: 30 s unless e:N:len says)"
    else:
        ons = np.array([r.start_s for r in stage_rows], dtype=float)
        durs = np.array([np.nan if r.end_s is None else r.end_s - r.start_s for r in stage_rows], dtype=float)
        ep, ep_source = infer_epoch_s(durs, ons), "the stage rows' durations and onsets"
    raw = RawScoring(format="luna-annot", epoch_s=ep, epoch_source=ep_source,
                     start_datetime=times.clock.start, start_time_only=times.clock.time_only,
                     metadata={"onsets": "clock" if "clock" in times.first else "elapsed seconds",
                               "n_rows": len(rows), **({"header_line": header_line} if header_line else {})})
    if notes and stage_rows and stage_rows[-1] is rows[-1]:
        raw.metadata["last_stage_epochs"] = f"1 ({notes['last_row_open']}: its stop '...' runs to the EDF's end)"
        raw.metadata["warnings"] = [
            f"the last stage row ({notes['last_row_open']}, stop '...') lasts to the end of the recording in Luna; "
            "read as one epoch, the rest of the night unscored (write its stop to keep it)"]
    elif notes:
        raw.metadata["last_event_open"] = f"{notes['last_row_open']}: read as a point event (stop '...')"
    for r in rows:
        dur = 0.0 if r.end_s is None or not np.isfinite(r.end_s) else r.end_s - r.start_s
        kind = "stage" if _is_stage(r.cls) else "lights" if lights_kind(r.cls) else classify_event(r.description)
        raw.events.append((r.start_s, dur, r.description, kind, r.channel))
    raw.lights_off_s, raw.lights_on_s, lights_from = _lights(rows, stage_rows, epoch_s=ep)
    if lights_from:
        raw.metadata["lights_source"] = lights_from
    if stage_rows:
        codes = np.array([int(st) for st in (label_to_stage(r.cls) for r in stage_rows) if st is not None],
                         dtype=np.int8)  # _is_stage: every stage row's class is a stage
        raw.seg_onset_s = np.array([r.start_s for r in stage_rows], dtype=float)
        raw.seg_duration_s = np.array([np.nan if r.end_s is None or not np.isfinite(r.end_s) else r.end_s - r.start_s
                                       for r in stage_rows], dtype=float)
        raw.seg_code = codes
        raw.seg_where = [f"line {r.line}" for r in stage_rows]
        labels = [r.cls for r in stage_rows]
        raw.metadata.update(convention=label_convention(labels), convention_evidence="Luna stage classes",
                            coding="labels")
    return raw

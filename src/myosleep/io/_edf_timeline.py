"""Where the data records of an EDF+D/BDF+D lie in time, and reading a signal onto that timeline.

EDF+ (Kemp and Olivan, Clin Neurophysiol 2003, section 2.2.4) starts every data record's
first annotation list with a time-keeping TAL: the record's onset, in seconds from the
header's start time.  In EDF+D ("discontinuous") the records need not follow each other:
a recorder paused during the night (a bathroom break, an electrode fixed) writes the records
after the pause at their own time.  Such a file is read onto one timeline that starts at the
first record's onset: every record at its onset, the samples of a gap NaN.  Runs of records
that follow each other are *segments*; the time between two segments is a *gap*.

The reserved field's ``EDF+C`` does not decide alone (:func:`timing_of`): an EDF+C must time its records
end to end, and one whose time-keeping jumps (two nights concatenated by a tool that kept ``EDF+C``)
is read as the EDF+D its record times describe, with a warning naming the record where they jump,
and refused as an EDF+D would be.  Onsets all offset by the same amount (a sub-second start) follow
each other.  Reading the onsets of an EDF+C costs one pass over the first TAL of every record (the
same as for an EDF+D), done when the file is opened.

What is refused, each with one line (what, where, what to do):

* a record without a time-keeping TAL, a record that starts before the previous one (out of
  order) or before it ends (overlap), and records whose time-keeping drifts off the sample
  grid within a segment;
* a segment that starts between two samples of a channel: more than a quarter of that
  channel's sample period off its grid (a sample of every channel must start it; a quarter
  period leaves room for onsets written to 0.1 ms, e.g. 0.12 of a sample at 2.5 kHz, and keeps
  any shift of a channel below a quarter of its own sample);
* a single gap over :data:`MAX_GAP_S` (24 h: not a pause within one recording, but two
  recordings in one file or a broken clock), or gaps that add up to more than the time
  recorded (:data:`MAX_GAP_FRACTION`): the timeline would be mostly NaN, and reading a channel
  whole would cost more than twice the memory of its samples; such a file is better split.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import RecordingError
from ._edf_data import EdfData, record_onsets
from .edf_header import EdfHeader, SignalHeader

__all__ = ["Timeline", "Segment", "Timing", "timeline_of", "timing_of", "gap_warning", "MAX_GAP_S", "MAX_GAP_FRACTION",
           "GRID_TOLERANCE"]

#: Longest single gap (s) read as a pause within one recording (24 h).
MAX_GAP_S = 24 * 3600.0
#: Largest share of the timeline the gaps may take (half: no more gap than recording).
MAX_GAP_FRACTION = 0.5
#: How far (fraction of a channel's sample period) a segment's onset may lie off that channel's grid.
GRID_TOLERANCE = 0.25

_HINT = "Export each continuous segment as EDF+C (e.g. EDFbrowser's EDF+D to EDF+C converter)"


@dataclass(frozen=True)
class Segment:
    """Records that follow each other: ``n_records`` from ``first_record``, starting at ``start_s``.

    ``start_s`` counts from the first data record's onset (the timeline's 0).
    """

    first_record: int
    n_records: int
    start_s: float


@dataclass(frozen=True)
class Timeline:
    """The segments of an EDF+D with gaps (at least two segments)."""

    record_duration_s: float
    segments: tuple[Segment, ...]

    @property
    def duration_s(self) -> float:
        """First record's onset to the end of the last record, in seconds."""
        last = self.segments[-1]
        return last.start_s + last.n_records * self.record_duration_s

    @property
    def gaps_s(self) -> tuple[tuple[float, float], ...]:
        """(start, stop) of every gap, in seconds of the timeline."""
        d = self.record_duration_s
        return tuple((a.start_s + a.n_records * d, b.start_s) for a, b in zip(self.segments, self.segments[1:]))

    def n_samples(self, samples_per_record: int) -> int:
        """Samples of a signal on the timeline (its last segment's first sample plus that segment's samples)."""
        last = self.segments[-1]
        return self._first_sample(last, samples_per_record) + last.n_records * samples_per_record

    def _first_sample(self, seg: Segment, samples_per_record: int) -> int:
        return int(round(seg.start_s * samples_per_record / self.record_duration_s))

    def read(self, data: EdfData, signal: SignalHeader, start: int, stop: int, *, gain: float, offset: float,
             dtype: Any) -> np.ndarray:
        """Samples ``start:stop`` of the timeline: each segment's from the file, NaN in the gaps.

        Decodes only the records of the span, straight into the output (no copy).
        """
        spr = signal.samples_per_record
        stop = min(stop, self.n_samples(spr))
        start = max(0, min(start, stop))
        out = np.empty(stop - start, dtype=dtype)
        done = start  # samples before it are written
        for seg in self.segments:
            t0 = self._first_sample(seg, spr)
            lo, hi = max(start, t0), min(stop, t0 + seg.n_records * spr)
            if hi <= lo:
                continue
            out[done - start: lo - start] = np.nan  # the gap before the segment
            f0 = seg.first_record * spr - t0
            data.physical(signal, f0 + lo, f0 + hi, gain=gain, offset=offset, out=out[lo - start: hi - start])
            done = hi
        out[done - start:] = np.nan
        return out


def _s(x: float) -> str:
    """Seconds as written, to the microsecond, without trailing zeros."""
    return f"{x:.6f}".rstrip("0").rstrip(".")


def span_text(seconds: float) -> str:
    """A duration for people: ``4 s``, ``7.5 min``, ``25 h``."""
    if seconds < 60.0:
        return f"{seconds:.3g} s"
    if seconds < 3600.0:
        return f"{seconds / 60.0:.1f} min"
    return f"{seconds / 3600.0:.3g} h"


def gap_warning(fmt: str, gaps_s: Sequence[tuple[float, float]]) -> str:
    """The line that states the gaps: ``EDF+D: 2 gaps, 7.5 min in all, left out of the analysis (...)``."""
    total = sum(b - a for a, b in gaps_s)
    shown = ", ".join(f"{_s(a)}-{_s(b)} s" for a, b in gaps_s[:3])
    more = f" and {len(gaps_s) - 3} more" if len(gaps_s) > 3 else ""
    return (f"{fmt}: {len(gaps_s)} gap{'s' if len(gaps_s) != 1 else ''}, {span_text(total)} in all, left out of "
            f"the analysis (no signal recorded at {shown}{more})")


def _tolerance_s(header: EdfHeader) -> float:
    """How far (s) a record's onset may lie from where the records before it put it: half a sample of the
    fastest signal (time-keeping is written to the sample); half a record without data signals."""
    dur = header.record_duration_s
    rates = [s.samples_per_record / dur for s in header.data_signals if s.samples_per_record > 0]
    return 0.5 / max(rates) if rates else 0.5 * dur


def timeline_of(data: EdfData, header: EdfHeader, *, onsets: np.ndarray | None = None,
                what: str | None = None) -> Timeline | None:
    """The timeline of an EDF+D/BDF+D; None when its records are contiguous (read as EDF+C).

    ``onsets`` are the records' time-keeping onsets when already read (:func:`record_onsets`);
    ``what`` names the file in refusals (default: its format, ``is EDF+D: ...``).

    Raises
    ------
    RecordingError
        No annotation signal, or record timing that cannot be read onto one timeline (module docstring).
    """
    where = header.path
    what = header.format if what is None else what
    if not header.annotation_signals:
        raise RecordingError(f"is {what} (discontinuous) but has no annotation signal to time its "
                             "data records", where=where, hint=_HINT)
    onsets = record_onsets(data) if onsets is None else onsets
    if onsets.size == 0:
        return None
    dur = header.record_duration_s
    missing = np.flatnonzero(np.isnan(onsets))
    if missing.size:
        raise RecordingError(f"is {what}: data record {missing[0] + 1} has no time-keeping annotation "
                             "(its onset), so its place in time is unknown", where=where, hint=_HINT)
    rates = [(s.label, s.samples_per_record / dur) for s in header.data_signals if s.samples_per_record > 0]
    tol = _tolerance_s(header)
    _refuse_disorder(onsets, dur, tol, header, what)
    firsts = np.r_[0, np.flatnonzero(np.diff(onsets) - dur > tol) + 1]
    # Within a segment every record must stay on the grid of its first record (no drift).
    seg_of = np.cumsum(np.isin(np.arange(onsets.size), firsts)) - 1
    drift = onsets - (onsets[firsts][seg_of] + (np.arange(onsets.size) - firsts[seg_of]) * dur)
    bad = np.flatnonzero(np.abs(drift) > tol)
    if bad.size:
        r = int(bad[0])
        raise RecordingError(
            f"is {what}: data record {r + 1} starts at {_s(onsets[r])} s, {_s(abs(drift[r]))} s off the "
            f"{_s(dur)}-s grid of the records before it (its time-keeping drifts)", where=where, hint=_HINT)
    if firsts.size == 1:
        return None
    counts = np.diff(np.r_[firsts, onsets.size])
    segments = tuple(Segment(int(f), int(n), float(onsets[f] - onsets[0])) for f, n in zip(firsts, counts))
    for seg in segments[1:]:
        for label, fs in rates:
            pos = seg.start_s * fs
            if abs(pos - round(pos)) > GRID_TOLERANCE:
                raise RecordingError(
                    f"is {what}: data record {seg.first_record + 1} starts at "
                    f"{_s(onsets[seg.first_record])} s, between two samples of {label!r} ({fs:g} Hz): "
                    "a record after a gap must start on a sample of every channel", where=where, hint=_HINT)
    timeline = Timeline(dur, segments)
    _refuse_oversized(timeline, onsets.size * dur, header, what)
    return timeline


@dataclass(frozen=True)
class Timing:
    """How the data records of an EDF/BDF file are read in time.

    ``format`` is the format they are read as: the header's, or ``EDF+D``/``BDF+D`` for an
    EDF+C/BDF+C whose record times jump (``warning`` then says so); ``timeline`` is None when the
    records follow each other.
    """

    format: str
    timeline: Timeline | None = None
    warning: str | None = None


def timing_of(data: EdfData, header: EdfHeader) -> Timing:
    """How the records of a file lie in time: by their time-keeping for an EDF+D, and for an EDF+C whose
    time-keeping says its records do not follow each other (EDF+ 2.2.4: in EDF+C every record starts
    where the one before ends; a file that breaks that is read as the EDF+D its record times describe).

    An EDF+C's onsets may all be offset by the same amount (a sub-second start, EDF+ 2.2.4): they follow
    each other.  Plain EDF/BDF, and EDF+C without data signals or time-keeping, follow each other.

    Raises
    ------
    RecordingError
        As :func:`timeline_of`, for an EDF+D and for an EDF+C whose record times jump.
    """
    fmt = header.format
    if fmt.endswith("+D"):
        return Timing(fmt, timeline_of(data, header))
    if not (fmt.endswith("+C") and header.annotation_signals and header.data_signals and header.n_records > 1):
        return Timing(fmt)
    onsets = record_onsets(data)
    dur = header.record_duration_s
    known = np.flatnonzero(np.isfinite(onsets))
    if known.size < 2:
        return Timing(fmt)
    # A jump is a step between two timed records that is not their distance in records: time-keeping
    # that only creeps off the grid (a record duration rounded in the header, each step within half a
    # sample) is the declared EDF+C's and stays read as one run of records.
    step = np.diff(onsets[known]) - np.diff(known) * dur
    off = np.flatnonzero(np.abs(step) > _tolerance_s(header)) + 1
    if not off.size:
        return Timing(fmt)
    k = int(off[0])
    r = int(known[k])
    due_s = float(onsets[known[k - 1]] + (known[k] - known[k - 1]) * dur)  # where the record before put it
    read_as = fmt[:-1] + "D"
    timeline = timeline_of(data, header, onsets=onsets, what=f"{fmt} whose record times jump (read as {read_as})")
    warning = (f"declares {fmt} (records that follow each other) but its record times jump at data record {r + 1} "
               f"(+{_s(onsets[r])} s, where +{_s(due_s)} s was due): read as {read_as}, each record at its time")
    return Timing(read_as, timeline, warning)


def _refuse_disorder(onsets: np.ndarray, dur: float, tol: float, header: EdfHeader, what: str) -> None:
    """Refuse the first record that starts before the previous one, or before it ends."""
    step = np.diff(onsets)
    bad = np.flatnonzero(step - dur < -tol)
    if not bad.size:
        return
    r = int(bad[0]) + 1  # index of the offending record; 1-based number r + 1, the one before it r
    if onsets[r] < onsets[r - 1]:
        reason = f"before record {r} ({_s(onsets[r - 1])} s): records out of order"
    else:
        reason = f"before the end of record {r} ({_s(onsets[r - 1] + dur)} s): records overlap"
    raise RecordingError(f"is {what}: data record {r + 1} starts at {_s(onsets[r])} s, {reason}",
                         where=header.path, hint=_HINT)


def _refuse_oversized(timeline: Timeline, recorded_s: float, header: EdfHeader, what: str) -> None:
    """Refuse a gap over :data:`MAX_GAP_S`, or gaps that exceed the time recorded."""
    gaps = timeline.gaps_s
    lengths = [b - a for a, b in gaps]
    k = int(np.argmax(lengths))
    if lengths[k] > MAX_GAP_S:
        seg = timeline.segments[k]
        raise RecordingError(
            f"is {what}: a gap of {span_text(lengths[k])} after data record {seg.first_record + seg.n_records}"
            f" (at {_s(gaps[k][0])} s), longer than {span_text(MAX_GAP_S)}: not a pause within one recording",
            where=header.path, hint=_HINT)
    total = math.fsum(lengths)
    if total > MAX_GAP_FRACTION * timeline.duration_s:
        raise RecordingError(
            f"is {what}: gaps of {span_text(total)} in all ({len(gaps)} gap{'s' if len(gaps) != 1 else ''}) "
            f"are more than the "
            f"{span_text(recorded_s)} recorded", where=header.path, hint=_HINT)

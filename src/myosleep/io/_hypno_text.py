"""Text hypnogram formats: onset/duration/stage tables, one stage per line, Elan ``.hyp``,
SOMNOmedics/Domino text exports (sleep profile and event lists)."""

from __future__ import annotations

import csv
import io
import logging
import re
from datetime import datetime, timedelta

import numpy as np

from ..errors import HypnogramError
from ..vocab import Stage
from ._hypno_common import RawScoring, classify_event, clock_to_seconds, infer_epoch_s, lights_kind
from ._hypno_labels import RK_CODES, YASA_CODES, is_integer_label, label_to_stage, normalise_label

__all__ = ["read_table", "read_lines", "read_elan", "read_somnomedics", "integer_coding"]

logger = logging.getLogger("myosleep")

_ONSET_NAMES = ("onset", "onset_s", "onset_sec", "start", "start_s", "start_sec", "begin", "time",
                "time_s", "start_time", "starttime")
_DURATION_NAMES = ("duration", "duration_s", "duration_sec", "dur", "length", "length_s")
_EPOCH_NAMES = ("epoch", "epoch_nr", "epoch_number", "epoch_index", "epoch_no", "epochs")
_STAGE_NAMES = ("stage", "sleep_stage", "sleepstage", "description", "trial_type", "label",
                "annotation", "hypnogram", "value", "event", "stages", "sleep stage", "score")


def integer_coding(labels: list[str]) -> tuple[dict[int, Stage] | None, str]:
    """Choose how bare integers are read in a sequence of labels.

    Only integers: R&K/Elan/Compumedics numbering (5 = REM, 4 = S4) when a 5, 6, 7 or 9
    occurs, YASA's (4 = R, -1 artefact, -2 unscored) otherwise.  Integers mixed with
    text labels ("W", "REM", "1".."4"): R&K stage numbers.
    """
    values = {normalise_label(x) for x in labels if normalise_label(x) != ""}
    ints = [v for v in values if is_integer_label(v)]
    if values and len(ints) == len(values):
        nums = {int(float(v)) for v in ints}
        if nums & {5, 6, 7, 9}:
            return RK_CODES, "rk-integers"
        return YASA_CODES, "yasa-integers"
    if ints:
        return None, "labels+rk-integers"
    return None, "labels"


def _map_labels(labels: list[str], where: list[str], *, source: str) -> tuple[np.ndarray, str]:
    codes_map, coding = integer_coding(labels)
    out = np.empty(len(labels), dtype=np.int8)
    for i, (lab, w) in enumerate(zip(labels, where)):
        st = label_to_stage(lab, integer_codes=codes_map)
        if st is None:
            raise HypnogramError(
                f"unknown sleep-stage label {lab.strip()!r} at {w}", where=source,
                hint="use W, N1, N2, N3, R (or R&K S1-S4, REM, MT, ?, or YASA integers 0-4/-1/-2)")
        out[i] = int(st)
    return out, coding


# ------------------------------------------------------------------ onset/duration/stage tables
def sniff_delimiter(line: str) -> str | None:
    """The delimiter (tab, ``;`` or ``,``) that splits a header line into most fields."""
    best, n_best = None, 1
    for d in ("\t", ";", ","):
        n = len(line.split(d))
        if n > n_best:
            best, n_best = d, n
    return best


def looks_like_table(lines: list[str]) -> bool:
    """True when the first non-comment line is a header naming a stage column."""
    for line in lines:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        delim = sniff_delimiter(line)
        if delim is None:
            return False
        names = [c.strip().strip('"').lower() for c in line.split(delim)]
        return (any(n in _STAGE_NAMES for n in names)
                and any(n in _ONSET_NAMES or n in _EPOCH_NAMES for n in names))
    return False


def _column(names: list[str], candidates: tuple[str, ...]) -> int | None:
    for cand in candidates:
        if cand in names:
            return names.index(cand)
    return None


def read_table(text: str, *, source: str, epoch_s: float | None, stages: bool = True) -> RawScoring:
    """BIDS-events-like table: ``onset`` (s or clock time), optional ``duration`` (s), ``stage``.

    With ``stages=False`` the rows are read as scored events only (no stage labels needed).
    """
    lines = text.splitlines()
    first = next(i for i, ln in enumerate(lines) if ln.strip() and not ln.lstrip().startswith("#"))
    delim = sniff_delimiter(lines[first]) or "\t"
    rows = list(csv.reader(io.StringIO("\n".join(lines[first:])), delimiter=delim))
    names = [c.strip().strip('"').lower() for c in rows[0]]
    i_on, i_dur, i_st = (_column(names, _ONSET_NAMES), _column(names, _DURATION_NAMES),
                         _column(names, _STAGE_NAMES))
    i_ep = _column(names, _EPOCH_NAMES)
    i_time = i_on if i_on is not None else i_ep
    if i_time is None or i_st is None:
        raise HypnogramError(f"table header {rows[0]} has no onset (or epoch) and stage columns",
                             where=source, hint="name the columns onset, duration, stage")
    onsets, durations, labels, where = [], [], [], []
    lights_off = lights_on = None
    lights_rows: list[tuple[float, float, str, str, str | None]] = []
    clock = _OnsetParser(source=source, epoch_s=epoch_s, epoch_numbers=i_on is None)
    for k, row in enumerate(rows[1:], start=first + 2):
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) <= max(i_time, i_st):
            raise HypnogramError(f"line {k} has {len(row)} fields, the header {len(names)}",
                                 where=source, hint="check the delimiter and missing values")
        onset = clock.parse(row[i_time].strip(), line=k)
        label = row[i_st]
        lk = lights_kind(label)
        if lk is not None:
            if lk == "off":
                lights_off = onset
            else:
                lights_on = onset
            lights_rows.append((onset, 0.0, label, "lights", None))
            continue
        dur = np.nan
        if i_dur is not None and i_dur < len(row) and row[i_dur].strip() not in ("", "n/a", "na"):
            try:
                dur = float(row[i_dur])
            except ValueError:
                raise HypnogramError(f"duration {row[i_dur]!r} at line {k} is not a number",
                                     where=source, hint="write durations in seconds") from None
        onsets.append(onset)
        durations.append(dur)
        labels.append(label)
        where.append(f"line {k}")
    dur_arr = np.asarray(durations, dtype=float)
    raw = RawScoring(format="table", lights_off_s=lights_off, lights_on_s=lights_on,
                     start_datetime=clock.start, start_time_only=clock.time_only,
                     metadata={"delimiter": {"\t": "tab"}.get(delim, delim), "onsets": clock.kind})
    if stages:
        codes, raw.metadata["coding"] = _map_labels(labels, where, source=source)
        raw.seg_onset_s, raw.seg_duration_s = np.asarray(onsets, dtype=float), dur_arr
        raw.seg_code, raw.seg_where = codes, where
    raw.epoch_s = epoch_s if epoch_s is not None else infer_epoch_s(dur_arr, np.asarray(onsets))
    raw.events = lights_rows + [(o, d if np.isfinite(d) else 0.0, lab, _table_kind(lab), None)
                                for o, d, lab in zip(onsets, durations, labels)]
    return raw


def _table_kind(label: str) -> str:
    kind = classify_event(label)
    if kind == "other" and label_to_stage(label) is not None:
        return "stage"
    return kind


class _OnsetParser:
    """Onsets as seconds, clock times (``22:30:00``), ISO datetimes (MNE's annotation CSV)
    or epoch numbers; all turned into seconds from the first row."""

    def __init__(self, *, source: str, epoch_s: float | None, epoch_numbers: bool):
        self.source, self.epoch_s, self.epoch_numbers = source, epoch_s, epoch_numbers
        self.kind: str | None = None
        self.start: datetime | None = None
        self.time_only = False
        self._first: float | None = None

    def parse(self, text: str, *, line: int) -> float:
        if self.epoch_numbers:
            try:
                n = float(text)
            except ValueError:
                raise HypnogramError(f"epoch number {text!r} at line {line} is not a number",
                                     where=self.source) from None
            self.kind = "epoch numbers"
            self._first = n if self._first is None else self._first
            return (n - self._first) * (self.epoch_s or 30.0)  # AASM: 30-s epochs
        try:
            value = float(text)
            self.kind = self.kind or "seconds"
            return value
        except ValueError:
            pass
        secs = clock_to_seconds(text)
        if secs is not None:
            if self._first is None:
                self._first, self.kind, self.time_only = secs, "clock", True
                self.start = datetime(1985, 1, 1) + timedelta(seconds=secs)
            return (secs - self._first) % 86400.0
        try:
            dt = datetime.fromisoformat(text)
        except ValueError:
            raise HypnogramError(f"onset {text!r} at line {line} is not seconds, a clock time "
                                 f"nor a date-time", where=self.source,
                                 hint="write onsets in seconds from the recording start") from None
        if self.start is None:
            self.start, self.kind = dt, "datetime"
        return (dt - self.start).total_seconds()


# ------------------------------------------------------------------------- one stage per line
#: A first line naming the column ("Stage", "Sleep stages", "hypnogram (30 s)") is a header;
#: any other unknown first line is an unknown label.
_HEADER_WORDS = re.compile(r"stage|hypno|epoch|label|sleep|score|value|schlaf", re.IGNORECASE)

def read_lines(text: str, *, source: str, epoch_s: float | None) -> RawScoring:
    """One stage per line; ``#`` comments and one header line (e.g. ``Stage``) are skipped."""
    labels: list[str] = []
    where: list[str] = []
    header = None
    for k, line in enumerate(text.splitlines(), start=1):
        s = line.strip()
        if not s or s.startswith("#") or s.startswith("%"):
            continue
        if (not labels and header is None and label_to_stage(s) is None and not is_integer_label(s)
                and _HEADER_WORDS.search(s)):
            header = s
            continue
        labels.append(s)
        where.append(f"line {k}")
    if not labels:
        raise HypnogramError("holds no sleep stages", where=source,
                             hint="write one stage (W, N1, N2, N3, R) per line")
    codes, coding = _map_labels(labels, where, source=source)
    meta = {"coding": coding}
    if header is not None:
        meta["header"] = header
    # AASM Manual v2.5 (2018): 30-s epochs unless the caller says otherwise.
    return RawScoring(format="text", stages=codes, epoch_s=epoch_s or 30.0, metadata=meta)


# ----------------------------------------------------------------------------------- Elan .hyp
def is_elan(lines: list[str]) -> bool:
    heads = [ln.split()[0].lower() for ln in lines[:4] if ln.split()]
    return heads[:2] == ["time_base", "sampling_period"] or "epoch_list" in heads


def read_elan(text: str, *, source: str, epoch_s: float | None) -> RawScoring:
    """Elan ``.hyp``: a header, then one integer per hypnogram sample.

    Header (visbrain ``read_hypno``, Combrisson et al., Front Neuroinform 2017):
    ``time_base`` is the duration of one hypnogram sample in seconds (1 value per
    second in practice), ``sampling_period`` that of the EEG it was scored on,
    ``epoch_nb`` the number of samples, ``epoch_list`` starts the values.  Codes are
    R&K: 0 W, 1-4 S1-S4 (S3, S4 -> N3), 5 REM, -1/-2 artefact or movement.  Each epoch
    takes the value at its onset (as YASA's 30-s exports of these files do).
    """
    lines = text.splitlines()
    header: dict[str, str] = {}
    k = 0
    while k < len(lines):
        parts = lines[k].split()
        k += 1
        if not parts:
            continue
        key = parts[0].lower()
        if key == "epoch_list":
            break
        header[key] = parts[1] if len(parts) > 1 else ""
    try:
        time_base_s = float(header["time_base"])
    except (KeyError, ValueError):
        raise HypnogramError("Elan header has no numeric time_base", where=source,
                             hint="the first line must read 'time_base <seconds per value>'") from None
    if not time_base_s > 0:
        raise HypnogramError(f"Elan time_base must be > 0 s, got {time_base_s}", where=source)
    values, where = [], []
    for j in range(k, len(lines)):
        s = lines[j].strip()
        if not s:
            continue
        try:
            value = float(s)
            if value != round(value):
                raise ValueError(s)
            values.append(int(value))
        except ValueError:
            raise HypnogramError(f"value {s!r} at line {j + 1} is not an Elan stage code",
                                 where=source, hint="Elan codes are integers -2..5") from None
        where.append(f"line {j + 1}")
    if not values:
        raise HypnogramError("Elan file holds no values after epoch_list", where=source)
    vals = np.asarray(values)
    bad = ~np.isin(vals, list(RK_CODES))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise HypnogramError(f"unknown Elan stage code {vals[i]} at {where[i]}", where=source,
                             hint="Elan codes are 0 W, 1-4 S1-S4, 5 REM, -1/-2 artefact")
    codes = np.array([int(RK_CODES[int(v)]) for v in vals], dtype=np.int8)
    ep = epoch_s or 30.0  # AASM Manual v2.5 (2018): 30-s epochs
    per_epoch = ep / time_base_s
    if abs(per_epoch - round(per_epoch)) > 1e-6 or round(per_epoch) < 1:
        raise HypnogramError(f"a {ep:g}-s epoch is not a whole number of {time_base_s:g}-s samples",
                             where=source, hint="pass epoch_s= as a multiple of time_base")
    spe = int(round(per_epoch))
    n_ep = codes.size // spe
    blocks = codes[: n_ep * spe].reshape(n_ep, spe)
    mixed = int(np.count_nonzero(blocks.min(axis=1) != blocks.max(axis=1)))
    meta: dict = {"time_base_s": time_base_s, "samples": int(codes.size),
                  "epochs_with_mixed_values": mixed,
                  "dropped_tail_samples": int(codes.size - n_ep * spe), "coding": "elan-rk"}
    if "sampling_period" in header:
        meta["signal_sampling_period_s"] = float(header["sampling_period"])
    if "epoch_nb" in header:
        declared = int(float(header["epoch_nb"]))
        meta["declared_samples"] = declared
        if declared != codes.size:
            logger.warning("%s: Elan header declares %d values but the file holds %d; "
                           "reading them at %g s each", source, declared, codes.size, time_base_s)
    if mixed:
        logger.info("%s: %d of %d epochs change stage inside the epoch; each takes its onset value",
                    source, mixed, n_ep)
    return RawScoring(format="elan", stages=blocks[:, 0].copy(), epoch_s=ep, metadata=meta)


# ------------------------------------------------------------------------- SOMNOmedics / Domino
def is_somnomedics(lines: list[str]) -> bool:
    head = [ln.split(":", 1)[0].strip().lower() for ln in lines[:8]]
    return "signal id" in head or ("start time" in head and "signal type" in head)


_START_FORMATS = ("%d.%m.%Y %H:%M:%S", "%d.%m.%y %H:%M:%S", "%m/%d/%Y %I:%M:%S %p",
                  "%m/%d/%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%d/%m/%Y %H:%M:%S")


def _parse_start(value: str, *, source: str) -> tuple[datetime, float]:
    """Start datetime and the clock's wrap period (12 h for AM/PM headers, else 24 h)."""
    v = " ".join(value.split())
    for fmt in _START_FORMATS:
        try:
            dt = datetime.strptime(v, fmt)
        except ValueError:
            continue
        return dt, (43200.0 if "%p" in fmt else 86400.0)
    raise HypnogramError(f"start time {value!r} is in no known date format", where=source,
                         hint="expected e.g. 'Start Time: 23.09.2020 01:00:00'")


_RANGE = re.compile(r"^\s*([\d:.,]+)\s*-\s*([\d:.,]+)\s*$")


def read_somnomedics(text: str, *, source: str, epoch_s: float | None) -> RawScoring:
    """SOMNOmedics (Domino) text export.

    A header of ``Key: value`` lines (``Signal ID``, ``Start Time``, ``Unit``,
    ``Signal Type`` — ``Discret`` for the 30-s sleep profile, ``Impuls`` for event
    lists — ``Events list``, ``Rate: 30 s``), a blank line, then either
    ``HH:MM:SS,ffffff; Stage`` lines or ``HH:MM:SS,fff-HH:MM:SS,fff; duration; Event``
    lines.  Clock times are turned into seconds from ``Start Time`` (wrapping past
    midnight; exports whose start carries AM/PM write 12-hour event clocks).
    """
    lines = text.splitlines()
    header: dict[str, str] = {}
    k = 0
    while k < len(lines) and lines[k].strip():
        key, _, value = lines[k].partition(":")
        header[key.strip().lower()] = value.strip()
        k += 1
    if "start time" not in header:
        raise HypnogramError("SOMNOmedics export has no 'Start Time' header line", where=source)
    start, wrap_s = _parse_start(header["start time"], source=source)
    clock0 = start.hour * 3600 + start.minute * 60 + start.second
    meta = {"signal_id": header.get("signal id"), "signal_type": header.get("signal type"),
            "start_datetime": start.isoformat()}
    rate = header.get("rate", "")
    m = re.match(r"^\s*([\d.]+)\s*s", rate)
    file_epoch_s = float(m.group(1)) if m else None

    def rel(clock: float) -> float:
        return (clock - clock0) % wrap_s

    onsets, durations, labels, where, events = [], [], [], [], []
    for j in range(k, len(lines)):
        s = lines[j].strip()
        if not s:
            continue
        parts = [p.strip() for p in s.split(";")]
        if len(parts) < 2:
            raise HypnogramError(f"line {j + 1} {s!r} is not 'time; value'", where=source)
        label = parts[-1]
        rng = _RANGE.match(parts[0])
        if rng:
            t0, t1 = clock_to_seconds(rng.group(1)), clock_to_seconds(rng.group(2))
            if t0 is None or t1 is None:
                raise HypnogramError(f"times {parts[0]!r} at line {j + 1} are not clock times",
                                     where=source)
            onset, dur = rel(t0), (t1 - t0) % wrap_s
        else:
            t0 = clock_to_seconds(parts[0])
            if t0 is None:
                raise HypnogramError(f"time {parts[0]!r} at line {j + 1} is not a clock time",
                                     where=source, hint="expected HH:MM:SS,ffffff")
            onset, dur = rel(t0), float(file_epoch_s or epoch_s or 30.0)
        onsets.append(onset)
        durations.append(dur)
        labels.append(label)
        where.append(f"line {j + 1}")
        events.append((onset, dur, label, _somno_kind(label, header), _somno_channel(label)))
    if not labels:
        raise HypnogramError("SOMNOmedics export holds no entries after its header", where=source)
    raw = RawScoring(format="somnomedics", start_datetime=start, events=events, metadata=meta,
                     clock_period_s=wrap_s)
    if (header.get("signal type", "").lower().startswith("discret")
            or "profil" in (header.get("signal id") or "").lower()):
        codes, coding = _map_labels(labels, where, source=source)
        raw.seg_onset_s = np.asarray(onsets)
        raw.seg_duration_s = np.full(len(onsets), np.nan)  # one epoch per line
        raw.seg_code = codes
        raw.seg_where = where
        raw.epoch_s = epoch_s or file_epoch_s or 30.0
        raw.metadata["coding"] = coding
        raw.events = [(o, raw.epoch_s, lab, "stage", None) for o, lab in zip(onsets, labels)]
    return raw


def _somno_kind(label: str, header: dict[str, str]) -> str:
    kind = classify_event(label)
    if kind == "other":
        sig = (header.get("signal id") or "").lower()
        if "flow" in sig or "resp" in sig:
            return "respiratory"
        if "arous" in sig or "ma\\" in sig:
            return "arousal"
    return kind


_REGION = re.compile(r"^(left|right)?(chin|arm|leg)", re.IGNORECASE)


def _somno_channel(label: str) -> str | None:
    """Channel named by a Generic EMG event ("LeftLegPhasic" -> "LeftLeg"), else None."""
    m = _REGION.match(label.strip())
    return m.group(0) if m else None

"""Every output table of myosleep, column by column: name, dtype, unit, description, levels.

One :class:`Table` per table (:data:`EVENTS` = events.tsv, :data:`REVIEWED_EVENTS` = events.tsv of
``analyze --events-from``, :data:`BURSTS`, :data:`MOTOR_EVENTS`, :data:`MEMBERS`, :data:`ARTEFACTS`,
:data:`LEG_MOVEMENTS`).  The tables in memory (pandas
DataFrames of the result objects) have exactly these columns, in this order, with one name per
quantity and its unit in the name.  Lists stay lists in memory (tuples of channel labels, of
regions, of burst ids); strings are made only when a TSV is written (:meth:`Table.write`):

* missing values are ``n/a`` (BIDS);
* booleans ``True``/``False``;
* floats with a fixed number of decimals (:attr:`Column.decimals`: 4 for seconds, i.e. 0.1 ms;
  2 otherwise);
* list items are joined with ``,``; a ``,`` or ``\\`` inside an item (a channel label such as
  ``"Leg, left"``) is escaped with a backslash, so :meth:`Table.read` splits it back
  exactly;
* tabs and line breaks inside text are folded into spaces.

:func:`column_metadata` gives the columns of a table as a BIDS sidecar (``events.json``):
``{"Description", "Units", "Levels"}`` per column.

This module is part of the base layer: it imports nothing from the pipeline and nothing heavy at
import time (pandas is imported inside the functions that need it).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import InputError, ParameterError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "ARTEFACTS",
    "BURSTS",
    "EVENTS",
    "LEG_MOVEMENTS",
    "LIST_DELIMITER",
    "MEMBERS",
    "MOTOR_EVENTS",
    "REVIEWED_EVENTS",
    "TABLES",
    "Column",
    "Table",
    "column_metadata",
    "events_table",
    "join_list",
    "list_items",
    "split_list",
]

#: Dtypes of :class:`Column`: ``float``, ``int``, ``bool``, ``bool?`` (True/False or missing),
#: ``str``, ``category`` (one of :attr:`Column.levels`), ``list[str]`` and ``list[int]`` (tuples in
#: memory, comma-joined in a TSV).
DTYPES = ("float", "int", "bool", "bool?", "str", "category", "list[str]", "list[int]")
#: Separator of list items in a TSV cell (BIDS sidecar ``Delimiter``).
LIST_DELIMITER = ","
_BOOL_LEVELS = {"True": "Yes", "False": "No"}


@dataclass(frozen=True)
class Column:
    """One column of an output table.

    Attributes
    ----------
    name : str
        Column name; a physical quantity carries its unit (``_s``, ``_ms``, ``_uv``, ``_m_s``...).
    dtype : str
        One of :data:`DTYPES`.
    unit : str | None
        Unit (``"s"``, ``"ms"``, ``"uV"``...), None for counts, labels and flags.
    description : str
        What the value means, in one or two sentences.
    levels : Mapping[str, str] | None
        For ``category`` columns: every allowed value and what it means.
    decimals : int | None
        Decimals written for a ``float`` column.
    absent_reads_as : object
        For a column added after files were first written: the value a file written before
        it reads as (``None``: a file without the column is refused).
    """

    name: str
    dtype: str
    unit: str | None
    description: str
    levels: Mapping[str, str] | None = None
    decimals: int | None = None
    absent_reads_as: object = None

    def __post_init__(self) -> None:
        if self.dtype not in DTYPES:
            raise ValueError(f"column {self.name}: unknown dtype {self.dtype!r}")
        if self.dtype == "float" and self.decimals is None:
            # 0.1 ms for seconds (onset, duration, *_s); 0.01 for everything else
            seconds = self.name in ("onset", "duration") or self.name.endswith("_s")
            object.__setattr__(self, "decimals", 4 if seconds else 2)
        if self.dtype == "category" and not self.levels:
            raise ValueError(f"column {self.name}: a category needs its levels")

    def to_sidecar(self) -> dict[str, object]:
        """This column as a BIDS sidecar entry: ``Description``, ``Units``, ``Levels`` (when known).

        Boolean columns get the two values as ``Levels``; list columns get BIDS 1.10's
        ``Delimiter`` (``,``; an item holding a comma has it escaped as ``\\,``, see
        :func:`join_list`).
        """
        out: dict[str, object] = {"Description": self.description}
        if self.unit is not None:
            out["Units"] = self.unit
        if self.levels:
            out["Levels"] = dict(self.levels)
        elif self.dtype in ("bool", "bool?"):
            out["Levels"] = dict(_BOOL_LEVELS)
        if self.dtype in ("list[str]", "list[int]"):
            out["Delimiter"] = LIST_DELIMITER
        return out


@dataclass(frozen=True)
class Table:
    """The schema of one output table.

    Attributes
    ----------
    name : str
        Short name (``"events"``, ``"bursts"``...), the key in :data:`TABLES`.
    filename : str | None
        File written by the pipeline, None for a table kept in memory only.
    description : str
        What one row is.
    columns : tuple of Column
        The columns, in order.
    sort_by : tuple of str
        Columns the written file is sorted by (stable).
    """

    name: str
    filename: str | None
    description: str
    columns: tuple[Column, ...]
    sort_by: tuple[str, ...] = ()
    _by_name: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {c.name: c for c in self.columns})
        if len(self._by_name) != len(self.columns):
            raise ValueError(f"table {self.name}: duplicate column names")

    @property
    def names(self) -> tuple[str, ...]:
        """Column names, in order."""
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        """The column called ``name`` (KeyError when the table has none)."""
        return self._by_name[name]

    def metadata(self) -> dict[str, dict[str, object]]:
        """Every column as a BIDS sidecar entry, in order (see :func:`column_metadata`)."""
        return {c.name: c.to_sidecar() for c in self.columns}

    # ----------------------------------------------------------------- in memory
    def empty(self) -> pd.DataFrame:
        """A table with these columns and no rows (dtypes as in a filled table)."""
        import pandas as pd

        kinds = {"float": "float64", "int": "int64", "bool": "bool"}
        return pd.DataFrame({c.name: pd.Series(dtype=kinds.get(c.dtype, "object")) for c in self.columns})

    def conform(self, df: pd.DataFrame, *, where: str) -> pd.DataFrame:
        """``df`` with exactly this table's columns in order, index 0..n-1.

        Raises
        ------
        ParameterError
            When columns are missing (naming them and ``where``).
        """
        missing = [c for c in self.names if c not in df.columns]
        if missing:
            raise ParameterError(f"the {self.name} table lacks columns {missing}", where=where,
                                 hint=f"build it with the columns of myosleep.schema.{self.name.upper()}")
        return df.loc[:, list(self.names)].reset_index(drop=True)

    # ---------------------------------------------------------------------- TSV
    def to_strings(self, df: pd.DataFrame) -> pd.DataFrame:
        """The TSV cells: every value as its string, sorted by :attr:`sort_by` (stable)."""
        import pandas as pd

        out = self.conform(df, where=f"{self.name} table")
        if len(out) and self.sort_by:
            out = out.sort_values(list(self.sort_by), kind="stable").reset_index(drop=True)
        cells = {c.name: [_format(v, c) for v in out[c.name].tolist()] for c in self.columns}
        return pd.DataFrame(cells, columns=list(self.names), dtype=object)

    def write(self, df: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
        """Write ``df`` as a tab-separated file at ``path`` (plain write: the caller makes it atomic)."""
        self.to_strings(df).to_csv(path, sep="\t", index=False, lineterminator="\n")
        return Path(path)

    def matches_file(self, path: str | os.PathLike[str]) -> bool:
        """True when the file's header line is exactly this table's columns (a file myosleep wrote)."""
        try:
            with open(path, encoding="utf-8-sig") as fh:
                header = fh.readline().rstrip("\r\n").split("\t")
        except (OSError, UnicodeDecodeError):
            return False
        return tuple(header) == self.names

    def read(self, path: str | os.PathLike[str]) -> pd.DataFrame:
        """Read a file written by :meth:`write` back into the in-memory form (lists as tuples).

        Raises
        ------
        InputError
            The file is missing, not a table, lacks columns, or holds a cell that is not of
            its column's type (naming the file, the column and the line).
        """
        import pandas as pd

        hint = f"give the {self.filename or self.name + ' table'} as myosleep wrote it (or write it again)"
        try:
            raw = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
        except FileNotFoundError:
            raise InputError("file not found", where=path, hint=hint) from None
        except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
            raise InputError(f"cannot be read as a tab-separated table ({' '.join(str(err).split())})",
                             where=path, hint=hint) from None
        out: dict[str, object] = {}
        for c in self.columns:
            if c.name not in raw and c.absent_reads_as is not None and len(raw.columns):
                out[c.name] = [c.absent_reads_as] * len(raw)  # a file written before the column
            if c.name in raw:
                cells = raw[c.name].tolist()
                try:
                    out[c.name] = _parse_column(cells, c)
                except ValueError:
                    line = next(i for i, cell in enumerate(cells) if not _parses(cell, c)) + 2
                    raise InputError(f"column {c.name} on line {line} holds {cells[line - 2]!r}, not {c.dtype}",
                                     where=path, hint=hint) from None
        try:
            return self.conform(pd.DataFrame(out), where=str(path))
        except ParameterError as err:
            raise InputError(err.what, where=path, hint=hint) from None


# ------------------------------------------------------------------------- cells
def list_items(value: object) -> tuple[str, ...]:
    """The items of a list cell: a tuple (or list) in memory, or its text as :meth:`Table.write` writes it.

    Text is split by :func:`split_list` (an escaped comma stays inside its item); ``n/a``,
    empty and missing values are no items; items are stripped of surrounding spaces and
    empty items dropped.  For readers that take both myosleep's tables and other tools'
    comma-separated cells.
    """
    if value is None or (isinstance(value, float) and value != value):
        return ()
    if isinstance(value, (tuple, list)):
        items: Sequence[object] = value
    else:
        text = str(value).strip()
        items = () if text in ("", "n/a", "nan", "None", "<NA>") else split_list(text)
    return tuple(t for t in (str(i).strip() for i in items) if t)


def join_list(items: Sequence[object]) -> str:
    """``("EMG LAT", "Leg, left")`` -> ``"EMG LAT,Leg\\, left"`` (commas and backslashes escaped)."""
    return ",".join(str(i).replace("\\", "\\\\").replace(",", "\\,") for i in items)


def split_list(text: str) -> tuple[str, ...]:
    """Inverse of :func:`join_list`: split on unescaped commas, unescape."""
    if text in ("", "n/a"):
        return ()
    items, cur, escaped = [], [], False
    for ch in text:
        if escaped:
            cur.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == ",":
            items.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    items.append("".join(cur))
    return tuple(items)


def _missing(v: object) -> bool:
    if v is None:
        return True
    try:
        return bool(v != v)  # NaN, pd.NA raise or compare unequal
    except (TypeError, ValueError):
        return True


def _format(v: object, col: Column) -> str:
    """One TSV cell."""
    import math

    if col.dtype in ("list[str]", "list[int]"):
        if isinstance(v, str):  # tuple("a,b") would write every character as an item
            raise ValueError(f"column {col.name}: a string where a list (tuple) belongs: {v!r}")
        items = () if v is None else tuple(v)  # type: ignore[arg-type]
        return join_list(items) if items else "n/a"
    if isinstance(v, (tuple, list)):
        raise ValueError(f"column {col.name}: a list where a {col.dtype} belongs")
    if _missing(v):
        return "n/a"
    if col.dtype in ("bool", "bool?"):
        return "True" if bool(v) else "False"
    if col.dtype == "float":
        f = float(v)  # type: ignore[arg-type]
        return f"{f:.{col.decimals}f}" if math.isfinite(f) else "n/a"
    if col.dtype == "int":
        return str(int(v))  # type: ignore[call-overload]
    text = str(v)
    if text in ("", "nan", "None", "<NA>"):
        return "n/a"
    # A tab or newline would break the TSV: fold them.
    return " ".join(text.split()) if ("\t" in text or "\n" in text or "\r" in text) else text


def _parses(cell: str, col: Column) -> bool:
    try:
        _parse_column([cell], col)
    except ValueError:
        return False
    return True


def _parse_column(cells: list[str], col: Column) -> list[object]:
    if col.dtype == "list[str]":
        return [split_list(c) for c in cells]
    if col.dtype == "list[int]":
        return [tuple(int(x) for x in split_list(c)) for c in cells]
    if col.dtype == "float":
        return [float("nan") if c == "n/a" else float(c) for c in cells]
    if col.dtype == "int":
        return [int(c) for c in cells]
    if col.dtype == "bool":
        return [c == "True" for c in cells]
    if col.dtype == "bool?":
        return [None if c == "n/a" else c == "True" for c in cells]
    return [None if c == "n/a" else c for c in cells]


# ----------------------------------------------------------------------- columns
def _c(name: str, dtype: str, unit: str | None, description: str, **kw: object) -> Column:
    return Column(name, dtype, unit, description, **kw)  # type: ignore[arg-type]


_TRIAL_TYPES = {
    "hypnic_jerk": "sleep start: brief jerk of several body regions at a wake-to-sleep transition",
    "fragmentary_myoclonus": "single-muscle potential of 20-150 ms (AASM), asynchronous",
    "leg_movement": "AASM / WASM 2016 leg movement (0.5-10 s)",
    "rem_twitch": "phasic burst of 0.1-5 s in REM sleep (SINBAR)",
    "neonatal_myoclonus": "jerk of a 1-5 Hz cluster in an infant's sleep (benign neonatal sleep myoclonus)",
    "propriospinal_myoclonus": "axial-onset jerk spreading at 3-11 m/s in relaxed wakefulness or drowsiness",
    "cortical_myoclonus": "jerk with a jerk-locked EEG transient before it (set by EEG back-averaging)",
    "myoclonic_jerk": "a jerk that fits no other class",
    "body_movement": "gross body movement (sustained activity of several regions), not a jerk",
}
_MOTOR_TRIAL_TYPES = {k: _TRIAL_TYPES[k] for k in ("myoclonic_jerk", "body_movement")}
_STAGES = {"W": "wake", "N1": "NREM 1", "N2": "NREM 2", "N3": "NREM 3", "R": "REM"}
_ROLES = {"chin": "submental EMG", "leg": "leg EMG (tibialis anterior)", "arm": "arm EMG (e.g. flexor digitorum)",
          "axial": "axial EMG (abdominal, paraspinal, intercostal, neck)", "accelerometer": "accelerometer"}
_SIDES = {"left": "left side", "right": "right side", "n/a": "no side in the label"}
_DETECTORS = {"short": "short-burst detector (myoclonic potentials, 20 ms - 10 s)",
              "lm": "AASM leg-movement detector (8 uV above rest onset, 0.5 s of rest offset)",
              "accel": "accelerometer jerk detector"}
_ARTEFACT_KINDS = {"electrode_pop": "electrode pop (one-sided step with a decaying tail)",
                   "flat": "flat signal (>= 0.5 s)", "clipped": "signal at the amplifier's range",
                   "nan": "missing samples (NaN)", "disconnected": "flat for >= 10 s: lead disconnected",
                   "lead_off": "an electrode off the skin, its input floating: mains pickup (>= 100 uV RMS) or "
                               "drift (>= 100 uV RMS at 0.5-5 Hz) no attached electrode shows",
                   "settling": "a filter or amplifier settling where observation begins (record start, after a gap)",
                   "gap": "a gap of the recording (an EDF+D paused): no signal was recorded"}

_ONSET = _c("onset", "float", "s", "Onset from the start of the recording.")
_DURATION = _c("duration", "float", "s", "Duration.")
_CHANNELS = _c("channel", "list[str]", None,
               "Channel labels as in the file, in recruitment order (the first muscle first).")
_PEAK = _c("peak_amplitude_uv", "float", "uV", "Largest peak of the moving-RMS EMG envelope above the resting level.")
_EVENT_ID = _c("event_id", "int", None, "Motor event number (motor_events.tsv); -1 when none.")
_REGIONS = _c("regions", "list[str]", None, "Body regions recruited (channel roles), in recruitment order.")
_N_CHANNELS = _c("n_channels", "int", None, "Number of channels recruited.")
_BILATERAL = _c("bilateral", "bool", None, "Channels of both sides were recruited.")
_SPREAD = _c("onset_spread_ms", "float", "ms", "Onset of the last recruited EMG channel after the first.")

#: events.tsv (BIDS events): one row per classified event of ``myosleep analyze``.
EVENTS = Table("events", "events.tsv", "One classified motor event or leg movement.", (
    _ONSET, _DURATION,
    _c("trial_type", "category", None, "Event class.", levels=_TRIAL_TYPES),
    _CHANNELS,
    _c("stage", "category", None, "Sleep stage at the onset (n/a: unscored or outside the hypnogram).",
       levels=_STAGES),
    _PEAK,
    _c("periodic", "bool?", None, "Leg movements: part of a PLM series under the ruleset; n/a for other classes."),
    _c("arousal", "bool", None, "An arousal overlaps the event or starts < 0.5 s after it (AASM association), "
       "or an awakening starts within one epoch after its end."),
    _c("max_burst_duration_ms", "float", "ms", "Longest EMG burst of the event (leg movements: the movement)."),
    _N_CHANNELS, _REGIONS, _SPREAD, _BILATERAL,
    _c("interval_s", "float", "s", "Leg movements: onset-to-onset interval to the previous leg movement counted."),
    _c("series_id", "int", None, "Leg movements: PLM series number; -1 when not periodic."),
    _c("velocity_m_s", "float", "m/s", "Axial-onset events: spread velocity along the cord (median over muscles)."),
    _c("cluster_id", "int", None, "Cluster of >= 4 jerks at 1-5 Hz (the BNSM rule), in sleep or in wakefulness, "
       "at any age: cluster number; -1 when none."),
    _c("rule", "str", None, "What decided the class, in one line with its numbers."),
    _EVENT_ID,
    _c("in_lights", "bool", None, "The onset lies in the recording period, lights off to lights on (the epochs "
       "the sleep measures count; lights unknown: the first to the last scored epoch). Only these events count "
       "in the counts, indices per hour and findings (AASM); False: before lights off or after lights on, kept "
       "with its stage, not counted.", absent_reads_as=True),  # files written before it counted every event
), sort_by=("onset", "duration"))

#: Review status of an event of :data:`REVIEWED_EVENTS` (``myosleep review``; rejected events are no events).
REVIEW_STATUSES = {"unreviewed": "detected, not looked at by the reviewer",
                   "accepted": "detected, event and class confirmed by the reviewer",
                   "relabelled": "detected, of another class than detected: trial_type is the reviewer's",
                   "added": "missed by the detector, marked by the reviewer (no detector measured it)"}

#: events.tsv of ``myosleep analyze --events-from events.reviewed.tsv``: the reviewed events (those not
#: rejected), the columns of :data:`EVENTS`, then where each comes from in the review.
REVIEWED_EVENTS = Table("reviewed_events", "events.tsv", "One reviewed event (myosleep review), not rejected.", (
    *EVENTS.columns,
    _c("review_id", "str", None, "The event in events.reviewed.tsv and review_log.jsonl: d<N> for row N "
       "(from 0) of the reviewed analysis' events.tsv, a<N> for the N-th event the reviewer added."),
    _c("review_status", "category", None, "What the reviewer did with the event.", levels=REVIEW_STATUSES),
), sort_by=("onset", "duration"))

#: bursts.tsv: one row per EMG burst (or accelerometer jerk) found by detection.
BURSTS = Table("bursts", "bursts.tsv", "One EMG burst or accelerometer jerk on one channel.", (
    _ONSET, _DURATION,
    _c("trial_type", "category", None, "Class of the burst's motor event.", levels=_MOTOR_TRIAL_TYPES),
    _c("channel", "str", None, "Channel label as in the file (accelerometer axes joined with '+')."),
    _PEAK,
    _c("offset_s", "float", "s", "End from the start of the recording (onset + duration)."),
    _c("role", "category", None, "Role of the channel.", levels=_ROLES),
    _c("side", "category", None, "Side of the channel.", levels=_SIDES),
    _c("detector", "category", None, "Detector that found the burst.", levels=_DETECTORS),
    _c("mean_amplitude_uv", "float", "uV", "Mean envelope above the resting level over the burst."),
    _c("area_uv_s", "float", "uV s", "Envelope area above the resting level."),
    _c("baseline_uv", "float", "uV", "Resting EMG level (RMS) at the onset."),
    _c("snr", "float", None, "Peak envelope over the resting level."),
    _c("burst_id", "int", None, "Burst number, in onset order."),
    _EVENT_ID,
    _c("peak_jerk_g_per_s", "float", "g/s", "Accelerometer rows: largest jerk (derivative of acceleration); "
       "empty when the axes' unit is not an acceleration (counts, none)."),
), sort_by=("onset", "duration"))

#: motor_events.tsv: one row per motor event (synchronous bursts, or a gross body movement).
MOTOR_EVENTS = Table("motor_events", "motor_events.tsv",
                     "One motor event: bursts of several channels starting together, or a gross body movement.", (
    _ONSET, _DURATION,
    _c("trial_type", "category", None, "myoclonic_jerk, or body_movement for a gross movement.",
       levels=_MOTOR_TRIAL_TYPES),
    _CHANNELS, _PEAK, _N_CHANNELS, _REGIONS, _BILATERAL,
    _c("first_channel", "str", None, "The first EMG channel recruited."),
    _c("first_role", "category", None, "Role of the first channel recruited.", levels=_ROLES),
    _SPREAD,
    _c("max_burst_duration_ms", "float", "ms", "Longest EMG burst (accelerometer-only events: longest jerk)."),
    _c("min_burst_duration_ms", "float", "ms", "Shortest EMG burst."),
    _c("median_burst_duration_ms", "float", "ms", "Median EMG burst duration."),
    _EVENT_ID,
), sort_by=("onset", "duration"))

#: motor_event_members.tsv: which bursts make each motor event (long format).
MEMBERS = Table("members", "motor_event_members.tsv", "One burst of one motor event.", (
    _EVENT_ID,
    _c("burst_id", "int", None, "Burst number (bursts.tsv)."),
    _c("channel", "str", None, "Channel label of the burst."),
    _c("role", "category", None, "Role of the channel.", levels=_ROLES),
    _c("side", "category", None, "Side of the channel.", levels=_SIDES),
    _c("latency_ms", "float", "ms", "Burst onset after the event's onset (the first EMG burst)."),
))

#: artefacts.tsv: stretches of a channel with no usable EMG.
ARTEFACTS = Table("artefacts", "artefacts.tsv", "One artefact stretch on one channel.", (
    _ONSET, _DURATION,
    _c("channel", "str", None, "Channel label."),
    _c("kind", "category", None, "What the artefact is.", levels=_ARTEFACT_KINDS),
), sort_by=("onset", "duration"))

#: Leg movements scored by the PLM rules (Classification.leg_movements; in memory only).
LEG_MOVEMENTS = Table("leg_movements", None, "One (possibly bilateral) leg movement under the ruleset.", (
    _ONSET, _DURATION,
    _c("channel", "list[str]", None, "Leg channels of the movement."),
    _c("side", "category", None, "Side of the movement ('both' when bilateral).",
       levels={**_SIDES, "both": "both legs"}),
    _PEAK,
    _c("n_lms", "int", None, "Monolateral leg movements merged into this one."),
    _BILATERAL,
    _c("scored", "bool", None, "A leg movement under the ruleset (duration within its limits)."),
    _c("candidate", "bool", None, "Counts towards PLM series (WASM 2016 candidate LM)."),
    _c("respiratory", "bool", None, "Respiratory-related: excluded from series."),
    _c("breaks_series", "bool", None, "Ends a running PLM series."),
    _c("interval_s", "float", "s", "Onset-to-onset interval to the previous leg movement counted."),
    _c("series_id", "int", None, "PLM series number; -1 when not periodic."),
    _c("periodic", "bool", None, "Part of a PLM series."),
    _c("arousal", "bool", None, "Associated with an arousal (AASM: overlap or < 0.5 s apart)."),
    _c("rule", "str", None, "What decided, in one line."),
    _c("burst_ids", "list[int]", None, "The 'lm' bursts (bursts.tsv) merged into the movement."),
))

#: Every table by name.
TABLES: dict[str, Table] = {t.name: t for t in (EVENTS, REVIEWED_EVENTS, BURSTS, MOTOR_EVENTS, MEMBERS, ARTEFACTS,
                                                LEG_MOVEMENTS)}


def column_metadata(table: str | Table) -> dict[str, dict[str, object]]:
    """The columns of a table as a BIDS sidecar: ``{column: {"Description", "Units", "Levels"}}``.

    Parameters
    ----------
    table : str | Table
        A name of :data:`TABLES` (``"events"`` for events.tsv) or a :class:`Table`.

    Raises
    ------
    ParameterError
        For an unknown table name.
    """
    if isinstance(table, Table):
        return table.metadata()
    if table not in TABLES:
        raise ParameterError(f"unknown table {table!r}; tables are {', '.join(TABLES)}", where="table")
    return TABLES[table].metadata()


def events_table(events: pd.DataFrame) -> Table:
    """The table an analysis' events are written as: :data:`REVIEWED_EVENTS` when they carry the
    review columns (``analyze --events-from``), else :data:`EVENTS`."""
    return REVIEWED_EVENTS if "review_status" in events.columns else EVENTS

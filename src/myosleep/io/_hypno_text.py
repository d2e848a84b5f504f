"""Text hypnogram formats: onset/duration/stage tables, one stage per line, Elan ``.hyp``,
SOMNOmedics/Domino text exports (sleep profile and event lists)."""

from __future__ import annotations

import csv
import io
import logging
import re
import unicodedata
from datetime import datetime, timedelta

import numpy as np

from ..errors import HypnogramError
from ..vocab import Stage
from ._hypno_common import RawScoring, classify_event, clock_to_seconds, infer_epoch_s, lights_kind
from ._hypno_conventions import (
    CONVENTIONS,
    LABEL_CONVENTIONS,
    choose_integer_convention,
    declared_epoch_s,
    dreams_header,
    parse_legend,
)
from ._hypno_fields import (
    COMMENT_MARKS,
    UNIT_SECONDS,
    DateTimeReader,
    NumberReader,
    column_unit,
    parse_clock,
    stated_sampling_rate_hz,
)
from ._hypno_labels import (
    INFANT_CODING_NOTE,
    is_bare_nrem,
    is_infant_label,
    is_integer_label,
    label_convention,
    label_to_stage,
    normalise_label,
)

__all__ = ["read_table", "read_lines", "read_elan", "read_somnomedics", "row_is_stage"]

logger = logging.getLogger("myosleep")

# Column names (lower case, accents folded), also in the words of European exports: French,
# Italian, Spanish, Portuguese, German, Dutch.
_ONSET_NAMES = ("onset", "onset_s", "onset_sec", "start", "start_s", "start_sec", "begin", "time",
                "time_s", "start_time", "starttime", "debut", "heure", "inizio", "ora", "inicio", "hora",
                "beginn", "zeit", "uhrzeit", "tijd", "clock", "clock_time", "time_of_day", "elapsed", "elapsed_time",
                "time_elapsed", "relative_time", "rel_time", "time_from_start",
                # date-time columns as pandas, spreadsheets and loggers name them
                "datetime", "date_time", "date/time", "timestamp", "time_stamp", "zeitstempel", "horodatage")
#: Onset columns whose hh:mm:ss values are time since the recording's start, not the clock.
_ELAPSED_NAMES = ("elapsed", "elapsed_time", "time_elapsed", "relative_time", "rel_time", "time_from_start")
#: Onset columns that say their hh:mm:ss values are the clock.
_CLOCK_NAMES = ("clock", "clock_time", "time_of_day")
_DURATION_NAMES = ("duration", "duration_s", "duration_sec", "dur", "length", "length_s", "duree", "durata",
                   "duracion", "duracao", "dauer", "duur")
_EPOCH_NAMES = ("epoch", "epoch_nr", "epoch_number", "epoch_index", "epoch_no", "epochs", "epoque", "epoca",
                "epoche", "epoch nr")
_STAGE_NAMES = ("stage", "sleep_stage", "sleepstage", "description", "trial_type", "label",
                "annotation", "hypnogram", "value", "event", "stages", "sleep stage", "score",
                "stade", "stade de sommeil", "hypnogramme", "fase", "stadio", "ipnogramma", "estadio", "fase del sueno",
                "hipnograma", "estagio", "stadium", "schlafstadium", "slaapstadium", "concept", "event_concept",
                # "event" in German, French, Italian/Spanish/Portuguese and Dutch exports
                "ereignis", "evenement", "evento", "gebeurtenis", "schlafphase")


_END_NAMES = ("end", "end_time", "endtime", "stop", "stop_time", "offset", "fin", "fine", "ende", "einde")


def _column_name(text: str) -> str:
    """A header field as the name lists hold it: stripped, lower case, accents folded."""
    s = unicodedata.normalize("NFKD", text.strip().strip('"'))
    return "".join(ch for ch in s if not unicodedata.combining(ch)).lower()


def _column_key(text: str) -> str:
    """A header field reduced for matching: its unit in brackets dropped (``Time [hh:mm:ss]``,
    ``Onset (s)``, ``Duration[s]``) and spaces and hyphens read as ``_`` (``Start Time`` is
    ``start_time``, ``Sleep-Stage`` is ``sleep_stage``)."""
    name = re.sub(r"\s*[\[(][^\])]*[\])]\s*$", "", _column_name(text))
    return re.sub(r"[\s\-]+", "_", name.strip())


def _map_labels(labels: list[str], where: list[str], *, source: str, convention: str | None = None,
                legend: tuple[dict[int, Stage], int | str] | None = None,
                header: str | None = None) -> tuple[np.ndarray, dict]:
    """Stage codes of a file's labels and how they were read (``convention``, ``convention_evidence``...).

    Integers only: the convention comes from the file's header, its legend, ``convention=``, or
    the conventions that fit its values when they all read them the same
    (:func:`~myosleep.io._hypno_conventions.choose_integer_convention`; else refused).  Text
    labels: AASM or R&K words.  Integers mixed with text ("W", "1".."4", "REM", the Sleep-EDF
    style): the integers are R&K stage numbers.
    """
    values = [normalise_label(x) for x in labels]
    ints = [v for v in values if v != "" and is_integer_label(v)]
    info: dict = {}
    codes_map: dict[int, Stage] | None = None
    if values and len(ints) == len([v for v in values if v != ""]):
        codes_map, name, evidence, same = choose_integer_convention(
            {int(float(v)) for v in ints}, source=source, convention=convention, legend=legend, header=header)
        info.update(convention=name, convention_evidence=evidence, coding=name)
        if same:
            info["convention_equivalent"] = same
    else:
        if convention is not None and convention not in LABEL_CONVENTIONS:
            raise HypnogramError(f"holds text stage labels, but convention={convention!r} is for integer codes",
                                 where=source, hint="drop the option: text labels are read as they are")
        name = label_convention(labels)
        if convention == "infant-labels" and name != "infant-labels":
            name = "infant-labels"
            evidence = "convention='infant-labels' given"
        elif name == "infant-labels":
            found = sorted({normalise_label(x) for x in labels if is_infant_label(x)})
            evidence = f"infant state labels ({', '.join(repr(x.upper()) for x in found[:4])})"
        else:
            evidence = "text labels; digits beside them are R&K stage numbers" if ints else "text labels"
        info.update(convention=name, coding="labels+rk-integers" if ints else "labels",
                    convention_evidence=evidence)
        if name == "infant-labels":
            info["warnings"] = [INFANT_CODING_NOTE]
    infant = info.get("convention") == "infant-labels"
    out = np.empty(len(labels), dtype=np.int8)
    for i, (lab, w) in enumerate(zip(labels, where)):
        st = label_to_stage(lab, integer_codes=codes_map, infant=infant)
        if st is None and is_bare_nrem(lab):
            raise HypnogramError(
                f"stage {lab.strip()!r} at {w} is NREM without a stage number: N1, N2 and N3 cannot be "
                "told apart, and the rules need them (hypnic jerks at the transition to N1)", where=source,
                hint="export the scored stages (N1, N2, N3); for an infant of 0-2 months scored by the "
                     "AASM infant rules (W, N, T, R) pass convention='infant-labels' "
                     "(CLI: --hypnogram-convention infant-labels)")
        if st is None:
            raise HypnogramError(
                f"unknown sleep-stage label {lab.strip()!r} at {w}", where=source,
                hint="use W, N1, N2, N3, R (or R&K S1-S4, REM, MT, ?, or integers with convention=; "
                     "CLI: --hypnogram-convention)")
        out[i] = int(st)
    return out, info


# ------------------------------------------------------------------ onset/duration/stage tables
def sniff_delimiter(line: str) -> str | None:
    """The delimiter (tab, ``;`` or ``,``) that splits a header line into most fields."""
    best, n_best = None, 1
    for d in ("\t", ";", ","):
        n = len(line.split(d))
        if n > n_best:
            best, n_best = d, n
    return best


def _is_comment(line: str) -> bool:
    """A ``#``, ``%`` or ``;`` comment line (a ``;`` line that is a table header is none: pandas'
    ``to_csv(sep=';')`` starts its header with the index column's empty name)."""
    s = line.strip()
    if not s.startswith(COMMENT_MARKS):
        return False
    return not (s.startswith(";") and _header_names(s) is not None)


def _header_names(line: str) -> tuple[str, list[str]] | None:
    """(delimiter, column keys) of a line that names a stage column beside other columns, else None."""
    delim = sniff_delimiter(line)
    if delim is None:
        return None
    names = [_column_key(c) for c in line.split(delim)]
    bases = [_unit_and_base(c, k)[1] for c, k in zip(line.split(delim), names)]
    if (_column(names, _STAGE_NAMES) is None and _column(bases, _STAGE_NAMES) is None
            and not _qualified_stage_columns(names)):
        return None
    return delim, names


def _header_index(lines: list[str]) -> int | None:
    """Index of the table's header line: the first line that is neither blank nor a comment, when
    it names a stage column and an onset or epoch column, or names a stage column and the next
    line has fields too (a header of one column with a comma in it heads one stage per line)."""
    for k, line in enumerate(lines):
        if not line.strip() or _is_comment(line):
            continue
        found = _header_names(line)
        if found is None:
            return None
        delim, names = found
        bases = [_unit_and_base(c, n)[1] for c, n in zip(line.split(delim), names)]
        if any(_column(x, _ONSET_NAMES) is not None or _column(x, _EPOCH_NAMES) is not None for x in (names, bases)):
            return k
        following = next((ln for ln in lines[k + 1:] if ln.strip() and not _is_comment(ln)), "")
        return k if len(following.split(delim)) > 1 else None
    return None


def looks_like_table(lines: list[str]) -> bool:
    """True when the first line that is not blank or a comment is a header naming a stage column
    beside other columns (the onset or epoch column is then required by :func:`read_table`)."""
    return _header_index(lines) is not None


def _column(names: list[str], candidates: tuple[str, ...]) -> int | None:
    """Index of the first of ``candidates`` among header ``names`` (both as :func:`_column_key` reads them)."""
    for cand in candidates:
        key = _column_key(cand)
        if key in names:
            return names.index(key)
    return None


#: A stage column named with a qualifier (``stage_hum``, ``stage_ai``, ``consensus_stage``), as
#: datasets with several scorings name them (BOAS, OpenNeuro ds005555: ``stage_hum`` and ``stage_ai``).
_QUALIFIED_STAGE = re.compile(r"^(?:sleep_)?stages?_(?P<after>[a-z0-9]+)$|^(?P<before>[a-z0-9]+)_(?:sleep_)?stages?$")
_NOT_A_QUALIFIER = frozenset({"onset", "start", "end", "stop", "time", "duration", "dur", "length", "epoch", "s",
                              "sec", "nr", "number", "index", "id", "count", "n"})
#: Qualifiers naming a human scoring (preferred: the AASM manual's reference is a scorer's staging).
_HUMAN_QUALIFIERS = re.compile(r"^(hum|human|manual|expert|consensus|visual|tech|technician|scorer\d*|rater\d*|"
                               r"scored|gold)$")


def _qualified_stage_columns(names: list[str]) -> list[tuple[int, str]]:
    """(index, qualifier) of the header's qualified stage columns."""
    out = []
    for i, n in enumerate(names):
        m = _QUALIFIED_STAGE.match(n)
        if m:
            q = m.group("after") or m.group("before")
            if q not in _NOT_A_QUALIFIER:
                out.append((i, q))
    return out


def _stage_column(names: list[str], header: list[str], *, source: str) -> tuple[int | None, dict]:
    """Index of the stage column and how it was chosen: a column of :data:`_STAGE_NAMES`, else the
    one qualified stage column, else the one named for a human scorer among several (refused when
    none or several are)."""
    i = _column(names, _STAGE_NAMES)
    if i is not None:
        return i, {}
    qualified = _qualified_stage_columns(names)
    if not qualified:
        return None, {}
    if len(qualified) == 1:
        return qualified[0][0], {"stage_column": header[qualified[0][0]].strip()}
    human = [(i, q) for i, q in qualified if _HUMAN_QUALIFIERS.match(q)]
    shown = [header[i].strip() for i, _ in qualified]
    if len(human) != 1:
        raise HypnogramError(f"has {len(qualified)} stage columns ({', '.join(shown)}) and "
                             + ("none" if not human else "several") + " is named for a human scorer", where=source,
                             hint="keep one stage column, or name the scorer's one stage_hum (human scoring is read)")
    i = human[0][0]
    others = [c for c in shown if c != header[i].strip()]
    return i, {"stage_column": header[i].strip(),
               "stage_column_evidence": f"the human scoring of {len(qualified)} stage columns "
                                        f"({', '.join(others)} left out)"}


#: Kinds of scored events a table's rows may hold beside its stages.
_EVENT_KINDS = frozenset({"arousal", "respiratory", "limb_movement", "desaturation", "artefact", "emg_phasic",
                          "emg_tonic", "emg_any", "lights"})


def row_is_stage(label: str) -> bool:
    """True for a table row that is, or tries to be, a sleep stage: a known stage label or integer
    code, a stage word (``Sleep stage X``, ``Stage 5``), or a code of three characters or fewer
    (``S5``, ``N``): its error is then "unknown sleep-stage label".  Scored events (arousals,
    respiratory, limb movements, lights) and longer marker names (``boundary``, ``Trigger``) are
    not stages."""
    s = label.strip()
    if s and lights_kind(s) is not None:
        return False
    if not s or label_to_stage(s) is not None or is_integer_label(s) or is_bare_nrem(s) or is_infant_label(s):
        return True
    kind = classify_event(s)
    if kind == "stage":
        return True
    if kind in _EVENT_KINDS:
        return False
    return len(s) <= 3


def _comment_lines(lines: list[str]) -> list[tuple[int, str]]:
    """(line number, text) of ``#``/``%``/``;`` comment lines, comment mark removed."""
    return [(k, ln.strip().lstrip("#%;").strip()) for k, ln in enumerate(lines, start=1) if _is_comment(ln)]


#: Onset columns counted in samples by their name alone (``Sample``, ``sample_index``).
_SAMPLE_NAMES = ("sample", "samples", "sample_index", "sample_nr", "sample_number")


def _unit_and_base(field: str, key: str) -> tuple[str | None, str]:
    """(unit, base key) of a header field: ``Onset (samples)`` -> ("samples", "onset")."""
    if key in _SAMPLE_NAMES:
        return "samples", "onset"
    return column_unit(field, key)


def _seconds_per_unit(unit: str | None, column: str, *, lines: list[str], epoch_s: float | None,
                      source: str) -> tuple[float | None, str]:
    """Seconds per number of a column in ``unit`` (None for a unit myosleep does not read), and
    how its values were read (``"seconds"``, ``"ms"``, ``"samples at 256 Hz (line 1)"``)."""
    if unit is None or unit in ("s", "clock"):
        return 1.0, "seconds"
    if unit in ("ms", "min", "h"):
        return UNIT_SECONDS[unit], unit
    if unit == "epochs":
        return float(epoch_s or 30.0), "epochs"  # AASM Manual v2.5 (2018): 30-s epochs
    if unit == "samples":
        rate = stated_sampling_rate_hz(_comment_lines(lines))
        if rate is None:
            raise HypnogramError(f"onsets are in samples (column {column.strip()!r}) and the file does not "
                                 "state the sampling rate", where=source,
                                 hint="add a line such as '# sampling rate: 256 Hz' above the header, "
                                      "or write onsets in seconds")
        return 1.0 / rate[0], f"samples at {rate[0]:g} Hz (line {rate[1]})"
    return None, unit


def read_table(text: str, *, source: str, epoch_s: float | None, stages: bool = True,
               convention: str | None = None,
               levels: dict[str, tuple[dict[int, Stage], str]] | None = None) -> RawScoring:
    """BIDS-events-like table: ``onset`` (s or clock time), optional ``duration`` (s), ``stage``.

    With ``stages=False`` the rows are read as scored events only (no stage labels needed).
    Integer stages are read by the convention the file's ``#`` legend, ``convention=`` or its
    values name (:func:`_map_labels`).  Lines before the header that are blank or comments
    (``#``, ``%``, ``;``) are skipped, and so are repetitions of the header row; numbers may have
    a decimal comma; a column's unit comes from its name (``Onset (samples)``, ``onset_ms``,
    ``Onset [min]``, ``Onset (epochs)``), samples at a rate the file states
    (:mod:`myosleep.io._hypno_fields`).

    Rows that are not stages (:func:`row_is_stage`: arousals, lights, a BIDS events table's
    markers) are scored events beside the stage rows, not stage errors; markers of no known kind
    are named in a warning.  A stage column may carry a qualifier (``stage_hum``, ``stage_ai``:
    the human one is read when there are several).  ``levels`` maps a column's integer codes
    to stages (a BIDS ``events.json`` sidecar's ``Levels``: :func:`myosleep.io.hypnogram.bids_levels`),
    as a legend line in the file does.
    """
    lines = text.splitlines()
    first = _header_index(lines)
    if first is None:
        first = next(i for i, ln in enumerate(lines) if ln.strip() and not _is_comment(ln))
    delim = sniff_delimiter(lines[first]) or "\t"
    rows = list(csv.reader(io.StringIO("\n".join(lines[first:])), delimiter=delim))
    keys = [_column_key(c) for c in rows[0]]
    units_bases = [_unit_and_base(c, k) for c, k in zip(rows[0], keys)]
    known = {_column_key(c) for c in _ONSET_NAMES + _DURATION_NAMES + _EPOCH_NAMES + _STAGE_NAMES + _END_NAMES}
    names = [k if k in known and k not in _SAMPLE_NAMES else b for k, (_, b) in zip(keys, units_bases)]
    i_on, i_dur = _column(names, _ONSET_NAMES), _column(names, _DURATION_NAMES)
    i_st, stage_column = _stage_column(names, rows[0], source=source)
    i_ep = _column(names, _EPOCH_NAMES)
    if i_on is not None and units_bases[i_on][0] == "samples":  # MNE-style sample and onset columns: seconds
        in_seconds = _column([n if u != "samples" else "" for n, (u, _) in zip(names, units_bases)], _ONSET_NAMES)
        i_on = i_on if in_seconds is None else in_seconds
    on_unit = units_bases[i_on][0] if i_on is not None else None
    if i_on is not None and on_unit == "epochs":
        i_on, i_ep = None, i_on
    i_time = i_on if i_on is not None else i_ep
    if i_time is None or i_st is None:
        raise HypnogramError(f"table header {[c.strip() for c in rows[0]]} has no onset (or epoch) column"
                             if i_st is not None else
                             f"table header {[c.strip() for c in rows[0]]} has no onset (or epoch) and stage columns",
                             where=source, hint="name the columns onset (in s), duration (s) and stage")
    # No duration column but an end column (``Start Time, End Time, Event``): each row lasts to its end.
    i_end = _column(names, _END_NAMES) if i_dur is None and i_on is not None else None
    data = [(k, row) for k, row in enumerate(rows[1:], start=first + 2)
            if row and any(c.strip() for c in row) and [_column_key(c) for c in row] != keys
            and not (delim != ";" and row[0].lstrip().startswith(COMMENT_MARKS))
            and not row[0].lstrip().startswith(("#", "%"))]
    numbers = NumberReader(delim, [row[i] for _, row in data for i in (i_time, i_dur, i_end)
                                   if i is not None and i < len(row)], source=source)
    dates = DateTimeReader([row[i] for _, row in data for i in (i_time, i_end) if i is not None and i < len(row)],
                           source=source)
    on_scale, on_read = (_seconds_per_unit(on_unit, rows[0][i_on], lines=lines, epoch_s=epoch_s, source=source)
                         if i_on is not None else (1.0, "epoch numbers"))
    dur_scale, _ = (_seconds_per_unit(units_bases[i_dur][0], rows[0][i_dur], lines=lines, epoch_s=epoch_s,
                                      source=source) if i_dur is not None else (1.0, "seconds"))
    onsets, durations, labels, where = [], [], [], []
    lights_off = lights_on = None
    lights_rows: list[tuple[float, float, str, str, str | None]] = []
    numbered_epoch_s, numbered_source = epoch_s, "epoch_s= given"
    if i_on is None and epoch_s is None:
        # epochs by number: their length is the durations' when every row states the same one, else AASM's 30 s
        stated = ({numbers.parse(row[i_dur], line=k) for k, row in data if i_dur < len(row) and row[i_dur].strip()}
                  if i_dur is not None else set())
        value = stated.pop() if len(stated) == 1 else None
        if value is not None and dur_scale is not None and value > 0:
            numbered_epoch_s, numbered_source = value * dur_scale, "the durations in the file"
        else:
            numbered_source = "default: AASM 30-s epochs (the file numbers its epochs and does not state their length)"
    clock = _OnsetParser(source=source, epoch_s=numbered_epoch_s if i_on is None else epoch_s,
                         epoch_numbers=i_on is None, numbers=numbers, dates=dates,
                         scale_s=on_scale, read_as=on_read, column=rows[0][i_time].strip(),
                         elapsed=names[i_time] in _ELAPSED_NAMES,
                         period_s=_clock_period_s([row[i] for _, row in data for i in (i_time, i_end)
                                                   if i is not None and i < len(row)]))
    for k, row in data:
        if len(row) <= max(i_time, i_st):
            raise HypnogramError(f"line {k} has {len(row)} fields, the header {len(names)}",
                                 where=source, hint="check the delimiter and missing values")
        onset = clock.parse(row[i_time].strip(), line=k)
        label = row[i_st]
        dur = np.nan
        if i_end is not None and i_end < len(row) and row[i_end].strip() not in ("", "n/a", "na"):
            # read after the onset, on the origin the first onset set; a clock time past midnight wraps
            dur = clock.parse(row[i_end].strip(), line=k) - onset
            dur = dur + 86400.0 if dur < 0 and clock.kind == "clock" else dur
        lk = lights_kind(label)
        if lk is not None:
            if lk == "off":
                lights_off = onset
            else:
                lights_on = onset
            lights_rows.append((onset, 0.0, label, "lights", None))
            continue
        if i_dur is not None and i_dur < len(row) and row[i_dur].strip() not in ("", "n/a", "na"):
            value = numbers.parse(row[i_dur], line=k)
            if value is None or dur_scale is None:
                raise HypnogramError(f"duration {row[i_dur].strip()!r} at line {k} is not a number"
                                     if value is None else
                                     f"unit {units_bases[i_dur][0]!r} of column {rows[0][i_dur].strip()!r} "
                                     "is not one myosleep reads", where=source,
                                     hint="write durations in seconds") from None
            dur = value * dur_scale
        onsets.append(onset)
        durations.append(dur)
        labels.append(label)
        where.append(f"line {k}")
    dur_arr = np.asarray(durations, dtype=float)
    raw = RawScoring(format="table", lights_off_s=lights_off, lights_on_s=lights_on,
                     start_datetime=clock.start, start_time_only=clock.time_only, clock_period_s=clock.period_s,
                     metadata={"delimiter": {"\t": "tab"}.get(delim, delim), "onsets": clock.kind,
                               "decimal_mark": "," if numbers.decimal_comma else "."})
    if clock.period_s < 86400.0:
        raw.metadata["clock"] = "12-hour, without AM/PM"
    if clock.kind == "clock" and clock.start is not None and clock.start.time() == datetime.min.time() and (
            names[i_time] not in _CLOCK_NAMES):
        # 00:00:00 in a column that does not say "clock": midnight, or the recording's start
        raw.metadata["clock_or_elapsed"] = f"column {rows[0][i_time].strip()!r}, line {data[0][0]}"
    if clock.wrapped_dates:
        logger.warning("%s: the dates do not advance past midnight (line %s); onsets read on the clock",
                       source, clock.wrapped_dates)
        raw.metadata["dates_not_advanced_at"] = clock.wrapped_dates
    stage_rows = np.ones(len(labels), dtype=bool)
    if stages:
        stage_rows = np.array([row_is_stage(lab) for lab in labels], dtype=bool)
        if not stage_rows.any():
            shown = ", ".join(repr(x) for x in list(dict.fromkeys(lab.strip() for lab in labels))[:4])
            raise HypnogramError(f"holds no sleep-stage rows in column {rows[0][i_st].strip()!r}"
                                 + (f" (its rows: {shown})" if labels else ""), where=source,
                                 hint="give a hypnogram: a file whose rows are the scored stages (W, N1, N2, N3, R)")
        markers = [(lab.strip(), w) for lab, w, st in zip(labels, where, stage_rows)
                   if not st and classify_event(lab) not in _EVENT_KINDS]
        if markers:
            shown = ", ".join(f"{lab!r} ({w})" for lab, w in markers[:3]) + (", ..." if len(markers) > 3 else "")
            raw.metadata.setdefault("warnings", []).append(
                f"{len(markers)} row(s) of column {rows[0][i_st].strip()!r} are not sleep stages and were read "
                f"as events: {shown}")
        st_labels = [lab for lab, st in zip(labels, stage_rows) if st]
        st_where = [w for w, st in zip(where, stage_rows) if st]
        legend: tuple[dict[int, Stage], int | str] | None = parse_legend(_comment_lines(lines))
        column = rows[0][i_st].strip()
        if legend is None and levels and column in levels:
            legend = levels[column]
        try:
            codes, info = _map_labels(st_labels, st_where, source=source, convention=convention, legend=legend)
        except HypnogramError as err:
            if not stage_column or not all(is_integer_label(x) for x in st_labels if x.strip()):
                raise
            raise HypnogramError(
                f"stage column {column!r}: {err.what}", where=source,
                hint=f"say what its codes mean: in a BIDS dataset with the events.json sidecar's Levels "
                     f"({{\"{column}\": {{\"Levels\": {{\"0\": \"W\", \"1\": \"N1\", ...}}}}}}), or with "
                     f"convention= if they follow yasa, rk or isruc (CLI: --hypnogram-convention), or write the "
                     f"stages as labels W, N1, N2, N3, R") from None
        raw.metadata.update(info)
        raw.metadata.update(stage_column)
        raw.seg_onset_s = np.asarray(onsets, dtype=float)[stage_rows]
        raw.seg_duration_s = dur_arr[stage_rows]
        raw.seg_code, raw.seg_where = codes, st_where
    if i_on is None:  # epochs by number
        raw.epoch_s, raw.epoch_source = numbered_epoch_s, numbered_source
        first_n = clock._first
        raw.metadata["epoch_numbering"] = "from 0" if first_n == 0 else "from 1"
        if first_n is not None and first_n > 1:
            raw.metadata.setdefault("warnings", []).append(
                f"the first row is epoch {first_n:g}: epochs read as numbered from the recording's start, "
                f"epoch 1 the first (as Profusion, RemLogic and Domino number them), so it starts "
                f"{(first_n - 1) * float(numbered_epoch_s or 30.0):g} s in; if the file numbers from 0, "
                f"every stage is one epoch early")
    elif epoch_s is not None:
        raw.epoch_s, raw.epoch_source = epoch_s, "epoch_s= given"
    else:  # from the stage rows (an arousal's 12 s is no epoch length)
        raw.epoch_s = infer_epoch_s(dur_arr[stage_rows], np.asarray(onsets, dtype=float)[stage_rows])
        raw.epoch_source = "the durations and onsets in the file"
    raw.events = lights_rows + [(o, d if np.isfinite(d) else 0.0, lab, _table_kind(lab), None)
                                for o, d, lab in zip(onsets, durations, labels)]
    return raw


def _table_kind(label: str) -> str:
    kind = classify_event(label)
    if kind == "other" and label_to_stage(label) is not None:
        return "stage"
    return kind


def _clock_period_s(texts: list[str]) -> float:
    """43200 s for clock times of a 12-hour clock written without AM/PM (hours 1-12 only, and a
    step of 11 h or more between rows that is a few minutes on a 12-hour dial: ``12:59:30`` then
    ``01:00:00``), else 86400 s."""
    secs = []
    for t in texts:
        if re.search(r"[AaPp]\.?\s*[Mm]\.?\s*$", t.strip()):
            return 86400.0
        c = parse_clock(t)
        if c is not None:
            secs.append(c)
    if len(secs) < 2 or any(not 1 <= int(c // 3600) <= 12 for c in secs):
        return 86400.0
    steps = np.diff(np.asarray(secs)) % 86400.0
    twelve = (steps >= 39600.0) & (steps % 43200.0 < 3600.0)
    return 43200.0 if twelve.any() else 86400.0


class _OnsetParser:
    """Onsets as numbers in the column's unit (seconds unless its name says otherwise), clock
    times (``22:30:00``, ``10:30:00 PM``), date-times (ISO as MNE's annotation CSV, dotted or
    slashed dates) or epoch numbers; all turned into seconds from the first row."""

    def __init__(self, *, source: str, epoch_s: float | None, epoch_numbers: bool, numbers: NumberReader,
                 dates: DateTimeReader, scale_s: float | None, read_as: str, column: str, elapsed: bool = False,
                 period_s: float = 86400.0):
        self.source, self.epoch_s, self.epoch_numbers = source, epoch_s, epoch_numbers
        self.numbers, self.dates, self.scale_s, self.read_as, self.column = numbers, dates, scale_s, read_as, column
        self.elapsed, self.period_s = elapsed, period_s
        self.kind: str | None = None
        self.start: datetime | None = None
        self.time_only = False
        self._first: float | None = None
        self._prev_s: float | None = None
        self._prev_clock = 0.0
        self._days = 0
        self.wrapped_dates: str | None = None

    def parse(self, text: str, *, line: int) -> float:
        if self.epoch_numbers:
            n = self.numbers.parse(text, line=line)
            if n is None:
                raise HypnogramError(f"epoch number {text!r} at line {line} is not a number",
                                     where=self.source)
            self.kind = "epoch numbers"
            self._first = n if self._first is None else self._first
            # Scoring software numbers a recording's epochs from 1 (Compumedics Profusion, RemLogic,
            # Domino, Sleepware, NSRR's tables), some from 0; a table whose first row is a later
            # epoch (scored from lights off) keeps its place in the recording.
            base = 0.0 if self._first == 0 else 1.0
            return (n - base) * (self.epoch_s or 30.0)  # AASM: 30-s epochs
        value = self.numbers.parse(text, line=line)
        if value is not None:
            if self.scale_s is None:
                raise HypnogramError(f"unit {self.read_as!r} of column {self.column!r} is not one myosleep reads",
                                     where=self.source, hint="write onsets in seconds (or name the unit: s, ms, "
                                                             "min, samples, epochs)")
            self.kind = self.kind or self.read_as
            return value * self.scale_s
        secs = parse_clock(text)
        if secs is not None and self.elapsed:  # hh:mm:ss since the recording's start
            self.kind = "elapsed time"
            return secs
        dt = None if secs is not None else self.dates.parse(text)
        if dt is not None and self.dates.time_only:  # a date that reads two ways: only its clock counts
            secs, dt = dt.hour * 3600 + dt.minute * 60 + dt.second + dt.microsecond / 1e6, None
        if secs is not None:
            if self._first is None:
                self._first, self.kind, self.time_only = secs, "clock", True
                self.start = datetime(1985, 1, 1) + timedelta(seconds=secs)
                self._prev_clock, self._prev_s = secs, 0.0
            # Each time on the clock's turn nearest the row before it (within half a turn, either
            # way): the clock passes midnight between two rows, and a row earlier than the one before
            # it (lights off or on written at the top of a table) stays on its own evening instead of
            # being put a day later.  Onsets before the first row's are negative.
            half = self.period_s / 2.0
            step = (secs - self._prev_clock + half) % self.period_s - half
            onset = float(self._prev_s if self._prev_s is not None else 0.0) + step
            self._prev_clock, self._prev_s = secs, onset
            return onset
        if dt is None:
            if re.fullmatch(r"\d{1,3}:\d{2}", text.strip()):
                # "23:10": hours and minutes of the clock, or minutes and seconds since the start
                raise HypnogramError(f"onset {text!r} at line {line} has two fields: hours:minutes of the clock "
                                     "or minutes:seconds since the start, the file does not say which",
                                     where=self.source, hint="export the times as hh:mm:ss (23:10:00), or the "
                                                             "onsets in seconds from the recording start")
            raise HypnogramError(f"onset {text!r} at line {line} is not seconds, a clock time "
                                 f"nor a date-time", where=self.source,
                                 hint="write onsets in seconds from the recording start")
        if self.start is None:
            self.start, self.kind = dt, "datetime"
        onset = (dt - self.start).total_seconds() + 86400.0 * self._days
        if self._prev_s is not None and onset < self._prev_s - 43200.0:
            # the clock passed midnight but the date was not advanced (exporters that write the
            # recording's date on every row): a day added, read on the clock
            self._days += 1
            onset += 86400.0
            self.wrapped_dates = self.wrapped_dates or f"{line}"
        self._prev_s = onset
        return onset


# ------------------------------------------------------------------------- one stage per line
#: A first line naming the column ("Stage", "Sleep stages", "hypnogram (30 s)") is a header;
#: any other unknown first line is an unknown label.
_HEADER_WORDS = re.compile(r"stage|hypno|epoch|label|sleep|score|value|schlaf|stade|sommeil|fase|stadi|sonno"
                           r"|sueno|sueño|ipno|hipno|slaap", re.IGNORECASE)

def read_lines(text: str, *, source: str, epoch_s: float | None, convention: str | None = None) -> RawScoring:
    """One stage per line; ``#``/``%``/``;`` comments and one header line (e.g. ``Stage``) are skipped.

    The file itself says how to read it when it can: a DREAMS header (``[HypnogramAASM]``,
    ``[HypnogramR&K]``: their codes, one value per 5 s), a legend in a comment or header line
    (``# 0: Wake, 1: N1, 2: N2, 3: N3, 4: REM``), a declared epoch length (``1 value per 30
    seconds``, ``30-s epochs``).  Otherwise integers are read only when the conventions that
    fit their values agree (:mod:`myosleep.io._hypno_conventions`), and values last 30 s
    (AASM) unless ``epoch_s`` says otherwise; the Hypnogram records which.
    """
    labels: list[str] = []
    where: list[str] = []
    header = None
    dreams = None
    comments: list[tuple[int, str]] = []
    for k, line in enumerate(text.splitlines(), start=1):
        s = line.strip()
        if not s:
            continue
        if s.startswith(COMMENT_MARKS):  # no stage label starts with a comment mark
            comments.append((k, s.lstrip("#%;").strip()))
            continue
        if not labels and header is None:
            dreams = dreams_header(s)
            if dreams is not None or (label_to_stage(s) is None and not is_integer_label(s)
                                      and _HEADER_WORDS.search(s)):
                header = s
                comments.append((k, s))
                continue
        labels.append(s)
        where.append(f"line {k}")
    if not labels:
        raise HypnogramError("holds no sleep stages", where=source,
                             hint="write one stage (W, N1, N2, N3, R) per line")
    codes, meta = _map_labels(labels, where, source=source, convention=convention,
                              legend=None if dreams else parse_legend(comments), header=dreams)
    if header is not None:
        meta["header"] = header
    # (seconds per value, where that is said), when the file says it
    per_value: tuple[float, str] | None = None
    if dreams is not None:
        dreams_s = CONVENTIONS[dreams].value_s
        per_value = None if dreams_s is None else (dreams_s, f"the {header} format (one value per 5 s)")
    else:
        declared = declared_epoch_s(comments)
        per_value = None if declared is None else (declared[0], f"the file (line {declared[1]})")
    if per_value is None:
        # AASM Manual v2.5 (2018): 30-s epochs unless the caller says otherwise.
        ep = float(epoch_s) if epoch_s is not None else 30.0
        origin = "epoch_s= given" if epoch_s is not None else "default: AASM 30-s epochs (the file does not say)"
        return RawScoring(format="text", stages=codes, epoch_s=ep, epoch_source=origin, metadata=meta)
    value_s, value_from = per_value
    stages, extra = values_to_epochs(codes, value_s, value_s if epoch_s is None else float(epoch_s), source=source)
    meta.update(extra)
    origin = value_from if epoch_s is None else f"epoch_s= given; values every {value_s:g} s per {value_from}"
    return RawScoring(format="text", stages=stages, epoch_s=value_s if epoch_s is None else float(epoch_s),
                      epoch_source=origin, metadata=meta)


def values_to_epochs(codes: np.ndarray, value_s: float, epoch_s: float, *, source: str) -> tuple[np.ndarray, dict]:
    """Stage codes written every ``value_s`` seconds, as epochs of ``epoch_s`` (a multiple of it).

    Each epoch takes the value at its onset (as YASA's 30-s exports of Elan files do); epochs whose
    values change inside are counted, and a trailing part of an epoch is dropped.
    """
    per_epoch = epoch_s / value_s
    if abs(per_epoch - round(per_epoch)) > 1e-6 or round(per_epoch) < 1:
        raise HypnogramError(f"a {epoch_s:g}-s epoch is not a whole number of the file's {value_s:g}-s values",
                             where=source,
                             hint=f"pass epoch_s= (CLI: --hypnogram-epoch S) as a multiple of {value_s:g} s")
    spe = int(round(per_epoch))
    n_ep = codes.size // spe
    blocks = codes[: n_ep * spe].reshape(n_ep, spe)
    mixed = int(np.count_nonzero(blocks.min(axis=1) != blocks.max(axis=1))) if n_ep else 0
    if mixed:
        logger.info("%s: %d of %d epochs change stage inside the epoch; each takes its onset value",
                    source, mixed, n_ep)
    return blocks[:, 0].copy(), {"value_s": value_s, "samples": int(codes.size), "epochs_with_mixed_values": mixed,
                                 "dropped_tail_samples": int(codes.size - n_ep * spe)}


# ----------------------------------------------------------------------------------- Elan .hyp
def is_elan(lines: list[str]) -> bool:
    heads = [ln.split()[0].lower() for ln in lines[:4] if ln.split()]
    return heads[:2] == ["time_base", "sampling_period"] or "epoch_list" in heads


def _own_convention(convention: str | None, own: str, fmt: str, *, source: str) -> None:
    """Refuse a ``convention=`` that contradicts the one a format defines."""
    if convention is not None and convention != own:
        raise HypnogramError(f"a {fmt} file defines its own stage codes ({own}); convention={convention!r} "
                             "does not apply", where=source, hint="drop the convention option for this file")


def _elan_number(text: str) -> float:
    """A number of an Elan header: decimal, or a fraction (``1/512``) as some exporters write it."""
    num, sep, den = text.partition("/")
    return float(num) / float(den) if sep else float(num)


def read_elan(text: str, *, source: str, epoch_s: float | None, convention: str | None = None) -> RawScoring:
    """Elan ``.hyp``: a header, then one integer per hypnogram sample.

    Header (visbrain ``read_hypno``, Combrisson et al., Front Neuroinform 2017):
    ``time_base`` is the duration of one hypnogram sample in seconds (1 value per
    second in practice), ``sampling_period`` that of the EEG it was scored on,
    ``epoch_nb`` the number of samples, ``epoch_list`` starts the values.  Codes are
    R&K: 0 W, 1-4 S1-S4 (S3, S4 -> N3), 5 REM, -1/-2 artefact or movement.  Each epoch
    takes the value at its onset (as YASA's 30-s exports of these files do).
    """
    _own_convention(convention, "elan", "Elan .hyp", source=source)
    codes_of = CONVENTIONS["elan"].codes
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
        time_base_s = _elan_number(header["time_base"])
    except (KeyError, ValueError, ZeroDivisionError):
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
    bad = ~np.isin(vals, list(codes_of))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise HypnogramError(f"unknown Elan stage code {vals[i]} at {where[i]}", where=source,
                             hint="Elan codes are 0 W, 1-4 S1-S4, 5 REM, -1/-2 artefact")
    codes = np.array([int(codes_of[int(v)]) for v in vals], dtype=np.int8)
    ep = epoch_s or 30.0  # AASM Manual v2.5 (2018): 30-s epochs
    stages, extra = values_to_epochs(codes, time_base_s, ep, source=source)
    meta: dict = {"time_base_s": time_base_s, **extra, "coding": "elan", "convention": "elan",
                  "convention_evidence": "the Elan .hyp format"}
    del meta["value_s"]
    # sampling_period and epoch_nb describe the file, they do not place its values: one that does not
    # read as a number is kept as written (Elan writes "0.001953", some exporters "1/512")
    for key, name in (("sampling_period", "signal_sampling_period_s"), ("epoch_nb", "declared_samples")):
        if key in header:
            try:
                meta[name] = _elan_number(header[key])
            except (ValueError, ZeroDivisionError):
                meta[f"{key}_as_written"] = header[key]
    declared = meta.get("declared_samples")
    if isinstance(declared, float):
        meta["declared_samples"] = int(declared)
        if int(declared) != codes.size:
            meta["warnings"] = [f"the Elan header declares {int(declared)} values (epoch_nb) but the file holds "
                                f"{codes.size}; each is read as {time_base_s:g} s (time_base)"]
    origin = "epoch_s= given" if epoch_s else "default: AASM 30-s epochs"
    return RawScoring(format="elan", stages=stages, epoch_s=ep, metadata=meta,
                      epoch_source=f"{origin}, from values every {time_base_s:g} s (time_base)")


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


def read_somnomedics(text: str, *, source: str, epoch_s: float | None, convention: str | None = None) -> RawScoring:
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
        codes, info = _map_labels(labels, where, source=source, convention=convention)
        raw.seg_onset_s = np.asarray(onsets)
        raw.seg_duration_s = np.full(len(onsets), np.nan)  # one epoch per line
        raw.seg_code = codes
        raw.seg_where = where
        raw.epoch_s = epoch_s or file_epoch_s or 30.0
        raw.epoch_source = ("epoch_s= given" if epoch_s else "the file's 'Rate' line" if file_epoch_s
                            else "default: AASM 30-s epochs")
        raw.metadata.update(info)
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


# ------------------------------------------------------------------------------- RemLogic
#: The column header line of a RemLogic (Embla/Natus) event export: "Sleep Stage", "Time [hh:mm:ss]"
#: (newer RemLogic versions: "Time [hh:mm:ss.xxx]", milliseconds), "Event", "Duration[s]" (the CAP
#: Sleep Database's annotation files are such exports).
_REMLOGIC_HEADER = re.compile(r"^sleep stage\t.*time \[hh[:.]mm[:.]ss(?:[.,]x+)?\].*\tevent\t", re.IGNORECASE)


def _remlogic_time(text: str) -> tuple[float | None, datetime | None]:
    """A RemLogic time field: (seconds since midnight, None) for ``hh:mm:ss[.xxx]``, or (seconds since
    midnight, the date and time) for an ISO date-time (``2020-01-01T22:00:00.000``); (None, None) else."""
    t = clock_to_seconds(text)
    if t is not None:
        return t, None
    try:
        dt = datetime.fromisoformat(text.strip().replace(" ", "T", 1))
    except ValueError:
        return None, None
    return dt.hour * 3600 + dt.minute * 60 + dt.second + dt.microsecond / 1e6, dt.replace(tzinfo=None)


def _remlogic_header_line(lines: list[str]) -> int | None:
    for k, line in enumerate(lines[:200]):
        if _REMLOGIC_HEADER.match(line.strip("\ufeff").strip(" ")):
            return k
    return None


def is_remlogic(lines: list[str]) -> bool:
    """True for a RemLogic event export (a tab-separated table under a ``Sleep Stage`` header line)."""
    return _remlogic_header_line(lines) is not None


def read_remlogic(text: str, *, source: str, epoch_s: float | None, convention: str | None = None) -> RawScoring:
    """RemLogic (Embla/Natus) event export, as the CAP Sleep Database's annotation files.

    ``Key:<tab>value`` header lines (``Patient Name``, ``Recording Date: dd/mm/yyyy``, ``Events
    Included``), then a tab-separated table: ``Sleep Stage`` (W, S1-S4, R or REM, MT),
    optionally ``Position``, ``Time [hh:mm:ss]`` (``:`` or ``.`` separators; ``Time [hh:mm:ss.xxx]``
    with milliseconds, as clock times or ISO date-times ``2020-01-01T22:00:00.000``), ``Event``
    (``SLEEP-S0``.. ``SLEEP-S4``, ``SLEEP-REM``, ``SLEEP-MT`` for the scored epochs; others such as
    CAP phases ``MCAP-A1``), ``Duration[s]``, ``Location``.  The rows whose event is a
    ``SLEEP-`` code are the hypnogram (their ``Sleep Stage``); every row is also a scored event.
    Clock times are seconds from the first row's (wrapping past midnight); with the recording
    date (or date-times in the time column), that row's date and time is the file's start.
    """
    lines = text.splitlines()
    k0 = _remlogic_header_line(lines)
    if k0 is None:
        raise HypnogramError("is not a RemLogic export: no 'Sleep Stage ... Time [hh:mm:ss] ... Event' line",
                             where=source)
    header: dict[str, str] = {}
    for line in lines[:k0]:
        key, sep, value = line.partition(":")
        if sep:
            header[key.strip().lower()] = value.strip()
    names = [_column_name(c) for c in lines[k0].split("\t")]

    def col(*prefixes: str) -> int | None:
        return next((i for i, n in enumerate(names) if n.replace(" ", "").startswith(prefixes)), None)

    i_stage, i_time, i_event, i_dur = col("sleepstage"), col("time"), col("event"), col("duration")
    if i_stage is None or i_time is None or i_event is None:
        raise HypnogramError(f"RemLogic header {lines[k0]!r} lacks the Sleep Stage, Time or Event column",
                             where=source)
    clock0: float | None = None
    first_dt: datetime | None = None
    onsets: list[float] = []
    durations: list[float] = []
    labels: list[str] = []
    where: list[str] = []
    events: list[tuple[float, float, str, str, str | None]] = []
    for j in range(k0 + 1, len(lines)):
        row = lines[j].rstrip("\r\n")
        if not row.strip():
            continue
        f = [c.strip() for c in row.split("\t")]
        if len(f) <= max(i_stage, i_time, i_event):
            raise HypnogramError(f"line {j + 1} has {len(f)} fields, the header {len(names)}", where=source)
        t, dt = _remlogic_time(f[i_time])
        if t is None:
            raise HypnogramError(f"time {f[i_time]!r} at line {j + 1} is not a clock time", where=source,
                                 hint="expected hh:mm:ss, hh:mm:ss.xxx or a date and time")
        if clock0 is None:
            clock0, first_dt = t, dt
        # by the clock, wrapping past midnight, also for date-times: exports that write the first
        # night's date on rows after midnight exist, and a RemLogic night is shorter than a day
        onset = (t - clock0) % 86400.0
        dur = float("nan")
        if i_dur is not None and i_dur < len(f) and f[i_dur]:
            try:
                dur = float(f[i_dur].replace(",", "."))
            except ValueError:
                raise HypnogramError(f"duration {f[i_dur]!r} at line {j + 1} is not a number", where=source) from None
        event = f[i_event]
        if event.upper().startswith("SLEEP-"):
            onsets.append(onset)
            durations.append(dur)
            labels.append(f[i_stage])
            where.append(f"line {j + 1}")
            events.append((onset, dur, f[i_stage], "stage", None))
        else:
            events.append((onset, dur, event, classify_event(event), None))
    if not labels:
        raise HypnogramError("RemLogic export holds no SLEEP- stage rows", where=source,
                             hint="export the sleep stages with the events")
    start = first_dt
    date = "" if start is not None else header.get("recording date", "")
    for fmt in ("%d/%m/%Y", "%d.%m.%Y", "%Y-%m-%d", "%d/%m/%y"):
        try:
            day = datetime.strptime(date, fmt)
        except ValueError:
            continue
        assert clock0 is not None
        start = day + timedelta(seconds=clock0)
        break
    codes, info = _map_labels(labels, where, source=source, convention=convention)
    dur_arr = np.asarray(durations, dtype=np.float64)
    raw = RawScoring(format="remlogic", start_datetime=start, events=events,
                     metadata={"patient": header.get("patient name") or header.get("patient id")})
    raw.seg_onset_s = np.asarray(onsets, dtype=np.float64)
    raw.seg_duration_s = dur_arr
    raw.seg_code = codes
    raw.seg_where = where
    if epoch_s is not None:
        raw.epoch_s, raw.epoch_source = epoch_s, "epoch_s= given"
    else:
        raw.epoch_s = infer_epoch_s(dur_arr, raw.seg_onset_s)
        raw.epoch_source = "the durations and onsets in the file"
    raw.metadata.update(info)
    if start is None and clock0 is not None:  # no (readable) date: only the clock time is the file's
        raw.start_datetime = datetime(1985, 1, 1) + timedelta(seconds=clock0)  # as NSRR blanked dates
        raw.start_time_only = True
    return raw

"""BIDS events sidecar (``events.json``), BIDS layout, and a plain CSV for spreadsheets.

The sidecar follows the BIDS specification's data dictionary for tabular files
(bids-specification ``src/common-principles.md``, "Tabular files"): one object per column
of the TSV, with ``Description``, ``Units`` (SI, CMIXF-12 spelling: ``s``, ``ms``, ``uV``,
``m/s``), ``Levels`` for categorical columns (value -> description) and ``Delimiter`` for
columns holding lists (BIDS 1.10).  By default it is the package's own schema of events.tsv
(:meth:`myosleep.schema.Column.to_sidecar`, as :func:`myosleep.schema.column_metadata`),
the one definition of every column.  Other column metadata can be given: a sequence of
objects or dicts with ``name``, ``description``, ``unit``, ``levels`` (and optionally
``long_name``, ``delimiter``, ``term_url``), or :class:`myosleep.schema.Column` objects.

The tables written are events.tsv's (:data:`myosleep.schema.EVENTS`): the in-memory events
(lists such as ``channel`` as tuples) become text only here, by the schema's writer.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ParameterError
from ..schema import EVENTS, Column

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["column_descriptor", "events_sidecar", "write_events_sidecar", "write_events_csv",
           "bids_events_paths", "write_bids_events", "BIDS_DATATYPES", "BIDS_VERSION"]

logger = logging.getLogger("myosleep")

#: Data types under which a PSG's events may live in a BIDS dataset (EEG holds PSG in the
#: sleep datasets of OpenNeuro; EMG since BEP042; beh for events without signals).
BIDS_DATATYPES = ("eeg", "emg", "ieeg", "beh")
#: BIDS version the files follow.
BIDS_VERSION = "1.10.0"
# BIDS labels are alphanumeric (common-principles, "Definitions": <label>).
_LABEL = re.compile(r"^[A-Za-z0-9]+$")


def _field(meta: Any, name: str, default: Any = None) -> Any:
    if isinstance(meta, Mapping):
        return meta.get(name, default)
    return getattr(meta, name, default)


def column_descriptor(meta: Any) -> dict:
    """The BIDS column object of one column's metadata.

    ``meta`` is a :class:`myosleep.schema.Column` (its :meth:`~myosleep.schema.Column.to_sidecar`),
    or has ``name``, ``description``, ``unit`` (None for none), ``levels`` (mapping value ->
    description, or None), optionally ``long_name``, ``delimiter``, ``term_url`` and ``dtype``
    (unused by BIDS; kept out of the file).
    """
    if isinstance(meta, Column):
        return meta.to_sidecar()
    name = _field(meta, "name")
    description = _field(meta, "description")
    if not name or not description:
        raise ParameterError(f"column metadata {meta!r} needs a name and a description", where="columns")
    out: dict[str, Any] = {}
    long_name = _field(meta, "long_name") or _field(meta, "LongName")
    if long_name:
        out["LongName"] = str(long_name)
    out["Description"] = str(description)
    levels = _field(meta, "levels")
    if levels:
        if not isinstance(levels, Mapping):
            raise ParameterError(f"levels of column {name!r} must map each value to its description",
                                 where="columns")
        out["Levels"] = {str(k): str(v) for k, v in levels.items()}
    unit = _field(meta, "unit")
    if unit:
        out["Units"] = str(unit)
    delimiter = _field(meta, "delimiter")
    if delimiter:
        out["Delimiter"] = str(delimiter)
    term_url = _field(meta, "term_url")
    if term_url:
        out["TermURL"] = str(term_url)
    return out


def events_sidecar(columns_meta: Sequence[Any] | None = None, *, columns: Sequence[str] | None = None) -> dict:
    """The ``events.json`` data dictionary.

    Parameters
    ----------
    columns_meta : sequence of objects or dicts | None
        Metadata of every column (see :func:`column_descriptor`); None: the schema's
        events.tsv columns (:data:`myosleep.schema.EVENTS`).
    columns : sequence of str | None
        The columns of the events.tsv it describes, in file order.  Every one must have
        metadata (:class:`~myosleep.errors.ParameterError` names those without); metadata
        of columns absent from the file is left out.  None: every described column.

    Returns
    -------
    dict
        Column name -> BIDS column object, in ``columns`` order.
    """
    if columns_meta is None:
        columns_meta = EVENTS.columns
    by_name: dict[str, Any] = {}
    for meta in columns_meta:
        name = _field(meta, "name")
        if not name:
            raise ParameterError(f"column metadata {meta!r} has no name", where="columns")
        if name in by_name:
            raise ParameterError(f"column {name!r} is described twice", where="columns")
        by_name[str(name)] = meta
    order = list(by_name) if columns is None else [str(c) for c in columns]
    missing = [c for c in order if c not in by_name]
    if missing:
        raise ParameterError(f"no column metadata for {', '.join(missing)}", where="events.json",
                             hint="describe every events.tsv column (name, unit, description, levels)")
    out: dict[str, Any] = {}
    for name in order:
        out[name] = column_descriptor(by_name[name])
    return out


def _json_text(obj: Any) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def write_events_sidecar(columns_meta: Sequence[Any] | None, path: str | os.PathLike[str], *,
                         columns: Sequence[str] | None = None) -> Path:
    """Write :func:`events_sidecar` as JSON (UTF-8) atomically; return the path."""
    from .._atomic import atomic_write_text

    return atomic_write_text(path, _json_text(events_sidecar(columns_meta, columns=columns)))


def _tsv_cells(events: pd.DataFrame, where: str) -> pd.DataFrame:
    """events.tsv's cells of the in-memory events (:meth:`myosleep.schema.Table.to_strings`)."""
    try:
        return EVENTS.to_strings(events)
    except ParameterError as err:
        raise ParameterError(err.what, where=where,
                             hint="pass events.tsv rows (Analysis.events, myosleep.schema.EVENTS.read)") from None
    except ValueError as err:
        raise ParameterError(str(err), where=where,
                             hint="lists (channel, regions) are tuples in memory; EVENTS.read gives them so") from None


def _csv_table(events: pd.DataFrame, start_datetime: datetime | None, date_known: bool = True) -> pd.DataFrame:
    import pandas as pd

    table = _tsv_cells(events, "events").replace({"n/a": ""})
    if start_datetime is not None:
        onsets = [float(x) for x in table["onset"]]  # sorted as written: onset, then duration
        when = [start_datetime + timedelta(seconds=o) for o in onsets]
        # an anonymised date (EDF+ "Startdate X") is not the recording's: the clock time only
        clock = [w.isoformat(timespec="milliseconds") if date_known else w.time().isoformat(timespec="milliseconds")
                 for w in when]
        table.insert(1, "clock_time", pd.Series(clock, index=table.index, dtype=object))
    return table


def write_events_csv(events: pd.DataFrame, path: str | os.PathLike[str], *,
                     start_datetime: datetime | None = None, date_known: bool = True) -> Path:
    """Write the events as a plain CSV for spreadsheets.

    Comma-separated, RFC 4180 quoting (channel lists hold commas), UTF-8 with a byte-order
    mark (so that spreadsheet programs read non-ASCII channel labels right), empty cells
    for missing values, the events.tsv columns and number formats, and a ``clock_time``
    column (ISO 8601 local time of the onset, ms) after ``onset`` when the start is known; with
    ``date_known`` False (an anonymised date) the column holds the clock time only.
    """
    import csv

    from .._atomic import atomic_path

    table = _csv_table(events, start_datetime, date_known)
    p = Path(path)
    with atomic_path(p) as tmp:
        table.to_csv(tmp, index=False, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL, encoding="utf-8-sig")
    return p


def _check_label(value: str | None, entity: str, *, required: bool) -> str | None:
    if value is None or value == "":
        if required:
            raise ParameterError(f"a BIDS {entity} label is required", where=entity)
        return None
    if not _LABEL.match(str(value)):
        raise ParameterError(f"BIDS {entity} label {value!r} may hold letters and digits only",
                             where=entity, hint=f"e.g. --{entity} 01")
    return str(value)


def bids_events_paths(root: str | os.PathLike[str], *, sub: str, ses: str | None = None, task: str = "sleep",
                      run: str | None = None, datatype: str = "eeg") -> tuple[Path, Path]:
    """Paths of ``sub-<sub>[_ses-<ses>]_task-<task>[_run-<run>]_events.tsv`` and ``.json``.

    They live in ``root/sub-<sub>/[ses-<ses>/]<datatype>/`` (BIDS common principles,
    file naming; entity order sub, ses, task, run).
    """
    sub_label, ses_label = _check_label(sub, "sub", required=True), _check_label(ses, "ses", required=False)
    task_label, run_label = _check_label(task, "task", required=True), _check_label(run, "run", required=False)
    if datatype not in BIDS_DATATYPES:
        raise ParameterError(f"unknown BIDS data type {datatype!r}; allowed: {', '.join(BIDS_DATATYPES)}",
                             where="datatype")
    folder = Path(root) / f"sub-{sub_label}"
    if ses_label:
        folder = folder / f"ses-{ses_label}"
    folder = folder / datatype
    stem = (f"sub-{sub_label}" + (f"_ses-{ses_label}" if ses_label else "") + f"_task-{task_label}"
            + (f"_run-{run_label}" if run_label else ""))
    return folder / f"{stem}_events.tsv", folder / f"{stem}_events.json"


def write_bids_events(events: pd.DataFrame, root: str | os.PathLike[str], *,
                      columns_meta: Sequence[Any] | None = None, sub: str, ses: str | None = None,
                      task: str = "sleep", run: str | None = None, datatype: str = "eeg",
                      generated_by: Mapping[str, Any] | None = None) -> list[Path]:
    """Write events.tsv and events.json named per BIDS under ``root``; return the paths written.

    ``events`` are events.tsv rows in memory (:data:`myosleep.schema.EVENTS`: ``Analysis.events``
    or ``EVENTS.read(path)``), written by the schema's writer; ``columns_meta`` describes them
    (default: the schema's metadata).  ``root/dataset_description.json`` is written too when
    the folder has none (a BIDS dataset needs one; it is left alone in an existing dataset),
    with ``generated_by`` as its ``GeneratedBy``.  All files appear together or not at all
    (folders created for them are removed again on failure).
    """
    from .._atomic import atomic_paths

    tsv, sidecar = bids_events_paths(root, sub=sub, ses=ses, task=task, run=run, datatype=datatype)
    table = _tsv_cells(events, "events")
    sidecar_text = _json_text(events_sidecar(columns_meta, columns=list(table.columns)))
    root = Path(root)
    targets = [tsv, sidecar]
    description = root / "dataset_description.json"
    if not description.exists():
        targets.append(description)
    created = _make_folders(tsv.parent)
    try:
        with atomic_paths(targets) as tmps:
            table.to_csv(tmps[0], sep="\t", index=False, lineterminator="\n")
            tmps[1].write_text(sidecar_text, encoding="utf-8")
            if len(tmps) > 2:
                desc: dict[str, Any] = {"Name": "myosleep events", "BIDSVersion": BIDS_VERSION,
                                        "DatasetType": "derivative"}
                if generated_by:
                    desc["GeneratedBy"] = [dict(generated_by)]
                tmps[2].write_text(_json_text(desc), encoding="utf-8")
    except BaseException:
        for folder in reversed(created):
            try:
                folder.rmdir()
            except OSError:
                break
        raise
    return targets


def _make_folders(folder: Path) -> list[Path]:
    """Create ``folder`` and its missing parents; return the ones created, outermost first."""
    from ..errors import OutputError

    missing = []
    probe = folder
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise OutputError(f"cannot create {folder}: {probe} is a file", where=probe,
                          hint="choose another --out folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(f"cannot create the folder ({err.strerror})", where=folder,
                          hint="choose a writable --out folder") from None
    return list(reversed(missing))

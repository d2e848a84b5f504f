"""Jerk onsets from any events file: ours, a BIDS events.tsv, EDF+ annotations, a scorer's export.

myosleep's own events.tsv is read by the schema's reader (:data:`myosleep.schema.EVENTS`:
``channel`` as a tuple, a comma inside a label kept).  Other tables (TSV/CSV, BIDS events:
``onset``, ``duration``, ``trial_type`` and any further columns; ``n/a`` missing) are read
here, keeping every column.  Everything else (EDF+ annotations, NSRR/Profusion XML,
SOMNOmedics exports) goes through :func:`myosleep.io.read_scored_events`, whose
``description`` becomes ``trial_type``.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import InputError
from ..io.hypnogram import detect_hypnogram_format
from ..schema import EVENTS

__all__ = ["read_events_file"]

#: Column names other tools use for the event's class, in order of preference.
_CLASS_COLUMNS = ("trial_type", "description", "value", "event", "type", "label", "annotation")


def read_events_file(path: str | os.PathLike[str], *, recording_start=None):
    """Events as a DataFrame with ``onset`` (s from the recording start), ``duration`` (s),
    ``trial_type`` and whatever else the file holds.

    Raises
    ------
    InputError
        Missing/unreadable file, no onset column, non-numeric onsets.
    """
    import numpy as np
    import pandas as pd

    p = Path(path)
    if not p.is_file():
        raise InputError("events file not found", where=p, hint="check the path given to --events")
    if EVENTS.matches_file(p):  # written by myosleep analyze
        return EVENTS.read(p).sort_values("onset", kind="stable").reset_index(drop=True)
    fmt = detect_hypnogram_format(p)
    if fmt != "table":
        from ..io import read_scored_events

        df = read_scored_events(p, recording_start=recording_start)
        return df.rename(columns={"description": "trial_type"})
    try:
        df = pd.read_csv(p, sep=None, engine="python", na_values=["n/a", "N/A", ""], keep_default_na=True,
                         encoding="utf-8-sig")
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as err:
        raise InputError(f"cannot read the events table ({' '.join(str(err).split())})", where=p,
                         hint="give a tab- or comma-separated table with an onset column (BIDS events.tsv)") from None
    lower = {c: str(c).strip().lower() for c in df.columns}
    df = df.rename(columns=lower)
    if "onset" not in df.columns:
        raise InputError(f"no 'onset' column (columns: {', '.join(map(str, df.columns))})", where=p,
                         hint="BIDS events files start with onset and duration in seconds")
    onset = pd.to_numeric(df["onset"], errors="coerce")
    if onset.isna().any():
        bad = int(onset.isna().sum())
        raise InputError(f"{bad} row(s) with a missing or non-numeric onset", where=p,
                         hint="every event needs an onset in seconds from the start of the recording")
    df["onset"] = onset.astype(float)
    df["duration"] = pd.to_numeric(df["duration"], errors="coerce").fillna(0.0) if "duration" in df.columns \
        else np.zeros(len(df))
    if "trial_type" not in df.columns:
        col = next((c for c in _CLASS_COLUMNS if c in df.columns), None)
        df["trial_type"] = df[col].astype(str) if col is not None else "n/a"
    return df.sort_values("onset", kind="stable").reset_index(drop=True)

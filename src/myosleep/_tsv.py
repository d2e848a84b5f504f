"""BIDS-style event tables (events.tsv, bursts.tsv, motor_events.tsv).

BIDS events files are tab-separated, start with ``onset`` and ``duration`` in seconds,
and write missing values as ``n/a``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ._atomic import atomic_path

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["EVENTS_COLUMNS", "format_events_table", "write_tsv"]

#: The leading columns of events.tsv (DESIGN.md); further columns follow.
EVENTS_COLUMNS = ("onset", "duration", "trial_type", "channel", "stage", "peak_amplitude_uv")


def format_events_table(df: "pd.DataFrame", *, leading: Sequence[str] = EVENTS_COLUMNS) -> "pd.DataFrame":
    """Order columns (contract columns first), sort by onset, fill missing values with ``n/a``.

    Booleans are written ``True``/``False``; floats keep 4 decimals for seconds (0.1 ms)
    and 2 for amplitudes.
    """
    import numpy as np
    import pandas as pd

    out = df.copy()
    for col in leading:
        if col not in out.columns:
            out[col] = np.nan
    rest = [c for c in out.columns if c not in leading]
    out = out[list(leading) + rest]
    if len(out):
        out = out.sort_values(["onset", "duration"], kind="stable").reset_index(drop=True)
    formatted = {}
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_bool_dtype(s):
            formatted[col] = s.map({True: "True", False: "False"})
        elif pd.api.types.is_float_dtype(s):
            decimals = 4 if (col in ("onset", "duration") or col.endswith("_s")) else 2
            formatted[col] = s.map(lambda v, d=decimals: "n/a" if not np.isfinite(v) else f"{v:.{d}f}")
        elif pd.api.types.is_integer_dtype(s):
            formatted[col] = s.astype("int64").astype(str)
        else:
            formatted[col] = s.map(_cell)
    return pd.DataFrame(formatted, columns=out.columns)


def _cell(v: object) -> str:
    import math

    if v is None:
        return "n/a"
    if isinstance(v, float):
        return "n/a" if not math.isfinite(v) else f"{v:.4f}"
    if isinstance(v, bool):
        return "True" if v else "False"
    text = str(v)
    if text in ("", "nan", "None", "<NA>"):
        return "n/a"
    # A tab or newline would break the TSV: fold them.
    return " ".join(text.split()) if ("\t" in text or "\n" in text) else text


def write_tsv(df: "pd.DataFrame", path: str | os.PathLike[str], *,
              leading: Sequence[str] = EVENTS_COLUMNS) -> str:
    """Write ``df`` as a BIDS events TSV atomically; return the path."""
    table = format_events_table(df, leading=leading)
    with atomic_path(path) as tmp:
        table.to_csv(tmp, sep="\t", index=False, lineterminator="\n")
    return str(path)

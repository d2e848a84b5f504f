"""events.tsv: the classified events as a BIDS events file (columns: :data:`myosleep.schema.EVENTS`)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from ..schema import EVENTS

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["EVENTS_COLUMNS", "events_strings", "write_events"]

#: The columns of events.tsv, in order (DESIGN.md contract first).
EVENTS_COLUMNS = EVENTS.names


def events_strings(events: pd.DataFrame) -> pd.DataFrame:
    """The cells of events.tsv as strings (``n/a`` for missing values; see :mod:`myosleep.schema`)."""
    return EVENTS.to_strings(events)


def write_events(events: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write events.tsv at ``path`` (plain write: :meth:`Analysis.write` makes it atomic)."""
    return EVENTS.write(events, path)

"""BIDS-style event tables: the writer lives in :mod:`myosleep._tsv` (shared with detection)."""

from __future__ import annotations

from .._tsv import EVENTS_COLUMNS, format_events_table, write_tsv

__all__ = ["EVENTS_COLUMNS", "format_events_table", "write_tsv"]

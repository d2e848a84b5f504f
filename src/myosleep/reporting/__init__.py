"""Outputs: events.tsv (BIDS events), summary.json, report.html."""

from __future__ import annotations

from .tables import EVENTS_COLUMNS, format_events_table, write_tsv
from .summary import to_json_text

__all__ = ["EVENTS_COLUMNS", "format_events_table", "write_tsv", "to_json_text"]

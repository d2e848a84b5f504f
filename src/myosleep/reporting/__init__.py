"""Outputs: events.tsv (BIDS events), summary.json, report.html."""

from __future__ import annotations

from .summary import build_summary, to_json_text
from .tables import EVENTS_COLUMNS, events_strings, write_events

__all__ = ["EVENTS_COLUMNS", "build_summary", "events_strings", "to_json_text", "write_events"]

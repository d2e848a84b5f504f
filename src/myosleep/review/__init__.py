"""Review in the browser: see each event in its signals; accept, reject, relabel or add events.

``myosleep review DIR`` serves the results of ``myosleep analyze --out DIR`` on 127.0.0.1 and
opens them in the browser.  Every change is saved at once to ``DIR/events.reviewed.tsv`` and
appended to ``DIR/review_log.jsonl``; ``DIR/events.tsv`` is never changed.  See docs/review.md.

This package sits on top of the pipeline (beside cli, pipeline and batch).  Names are imported
lazily: Starlette and uvicorn load only when a review starts.
"""

from __future__ import annotations

from .._lazy import attach

_LAZY = {
    "open_session": ".session",
    "ReviewSession": ".session",
    "ReviewStore": ".store",
    "create_app": ".app",
    "ReviewServer": ".app",
    "read_window": ".signals",
}

__getattr__, __dir__, __all__ = attach(__name__, _LAZY)

"""summary.json: JSON text with NaN/inf as null and numpy scalars as plain numbers."""

from __future__ import annotations

import json
from typing import Any

from .._json import to_jsonable

__all__ = ["to_jsonable", "to_json_text"]


def to_json_text(obj: Any) -> str:
    """Pretty JSON (UTF-8, 2-space indent, strict: no NaN) with a trailing newline."""
    return json.dumps(to_jsonable(obj), indent=2, ensure_ascii=False, allow_nan=False) + "\n"

"""The page works offline: its plotting library is vendored package data, checked against its record."""

from __future__ import annotations

import hashlib
import re
from importlib.resources import files

STATIC = files("myosleep.review") / "static"
TEMPLATES = files("myosleep.review") / "templates"


def test_vendored_files_match_their_record():
    record = (STATIC / "VENDORED.txt").read_text(encoding="utf-8")
    version = re.search(r"^uPlot (\d+\.\d+\.\d+) .* MIT licence", record, re.M).group(1)
    entries = re.findall(r"-> (\S+)\s+sha256 ([0-9a-f]{64})", record)
    assert {name for name, _ in entries} == {"uPlot.iife.min.js", "uPlot.min.css", "uPlot.LICENSE.txt"}
    for name, digest in entries:
        assert hashlib.sha256((STATIC / name).read_bytes()).hexdigest() == digest, name
    assert f"(v{version})" in (STATIC / "uPlot.iife.min.js").read_text(encoding="utf-8")[:200]
    assert "MIT License" in (STATIC / "uPlot.LICENSE.txt").read_text(encoding="utf-8")


def test_page_loads_nothing_from_elsewhere():
    page = (TEMPLATES / "review.html.j2").read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["'](https?:)?//""", page)
    for name in ("review.js", "api.js", "format.js", "overview.js", "traces.js", "review.css"):
        text = (STATIC / name).read_text(encoding="utf-8")
        assert "http://" not in text and "https://" not in text, name

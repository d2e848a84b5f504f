"""Independent parsing of SOMNOmedics event-list lines, for the scorer-event tests."""

from __future__ import annotations

import re
from pathlib import Path

# "hh:mm:ss,fff-hh:mm:ss,fff; [number;] label" (some exports carry a numeric field before the label)
_EVENT_LINE = re.compile(r"^(\d\d):(\d\d):(\d\d),(\d+)-(\d\d):(\d\d):(\d\d),(\d+);(?:\s*\d+;)?\s*(.+)$")


def somnomedics_event_lines(path: Path) -> list[tuple[float, float, str]]:
    """(onset_s from 01:00:00, duration_s, label) of every event line, parsed independently."""
    out = []
    for line in path.read_text().splitlines():
        m = _EVENT_LINE.match(line.strip())
        if m:
            h0, m0, s0, f0, h1, m1, s1, f1, label = m.groups()
            t0 = int(h0) * 3600 + int(m0) * 60 + int(s0) + float("0." + f0)
            t1 = int(h1) * 3600 + int(m1) * 60 + int(s1) + float("0." + f1)
            out.append((t0 - 3600.0, t1 - t0, label.strip()))
    return out

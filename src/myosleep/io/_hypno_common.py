"""Shared pieces of the hypnogram and scored-event readers.

Every reader returns a :class:`RawScoring`: stages either epoch by epoch or as
onset/duration segments, times in seconds from the *file's own* start, plus that start
as a datetime when the file states it.  :mod:`myosleep.io.hypnogram` then expands the
segments into epochs and shifts everything to the recording's start.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from ..errors import HypnogramError
from ..vocab import Stage
from ._event_vocab import EVENT_KINDS as _VOCAB_KINDS
from ._event_vocab import classify_event, lights_kind

__all__ = ["RawScoring", "EVENT_COLUMNS", "EVENT_KINDS", "classify_event", "lights_kind",
           "segments_to_stages", "clock_to_seconds", "infer_epoch_s"]

#: Columns of :func:`~myosleep.io.read_scored_events`.
EVENT_COLUMNS = ["onset", "duration", "description", "kind", "channel", "machine"]

#: Values of the ``kind`` column (the one vocabulary: :mod:`myosleep.io._event_vocab`).
EVENT_KINDS = _VOCAB_KINDS


@dataclass
class RawScoring:
    """What one file says, before it is placed on the recording's time axis.

    Times are seconds from the file's own start (its header start time, or its first
    line when it has none).
    """

    format: str
    stages: np.ndarray | None = None          # one code per epoch (epoch-by-epoch formats)
    first_onset_s: float = 0.0                # onset of stages[0]
    epoch_s: float | None = None              # epoch length the file states, s
    epoch_source: str | None = None           # where epoch_s comes from (file, format, option, default)
    seg_onset_s: np.ndarray | None = None     # segment formats: onset, s
    seg_duration_s: np.ndarray | None = None  # segment duration, s (NaN: one epoch)
    seg_code: np.ndarray | None = None        # segment stage code
    seg_where: list[str] = field(default_factory=list)  # "line 12" / "annotation 3" per segment
    start_datetime: datetime | None = None    # the file's own start, when stated
    start_time_only: bool = False             # the file's date is unknown (anonymised)
    clock_period_s: float = 86400.0           # 43200 when the file writes a 12-hour clock
    lights_off_s: float | None = None
    lights_on_s: float | None = None
    events: list[tuple[float, float, str, str, str | None]] = field(default_factory=list)
    # parallel to events, for formats that mark automatically scored events (Philips RML
    # Machine="true"); empty: the format marks none
    event_machine: list[bool] = field(default_factory=list)
    metadata: dict = field(default_factory=dict)


def segments_to_stages(onset_s: np.ndarray, duration_s: np.ndarray, code: np.ndarray,
                       where: list[str], *, epoch_s: float, source: str) -> tuple[np.ndarray, float]:
    """Expand stage segments (onset, duration, code) into one code per epoch.

    A segment lasting k epochs gives k epochs; gaps between segments are unscored.
    Returns the codes and the onset of the first epoch (s).  Raises
    :class:`HypnogramError` for segments off the epoch grid, not a whole number of
    epochs, or overlapping with a different stage.
    """
    onset_s = np.asarray(onset_s, dtype=float)
    duration_s = np.asarray(duration_s, dtype=float)
    code = np.asarray(code, dtype=np.int8)
    if onset_s.size == 0:
        raise HypnogramError("holds no sleep-stage epochs", where=source,
                             hint="check that the file is a hypnogram")
    order = np.argsort(onset_s, kind="stable")
    onset_s, duration_s, code = onset_s[order], duration_s[order], code[order]
    where = [where[i] for i in order] if where else [f"segment {i + 1}" for i in order]
    first = float(onset_s[0])
    # A stage lasting no time at all is a one-epoch marker (some exporters write 0 s).
    dur = np.where(np.isfinite(duration_s) & (duration_s > 0), duration_s, epoch_s)
    pos = (onset_s - first) / epoch_s
    n_ep = dur / epoch_s
    tol = 0.02  # 2 % of an epoch (0.6 s of 30 s): clock rounding of exporters
    bad_pos = np.flatnonzero(np.abs(pos - np.round(pos)) > tol)
    if bad_pos.size:
        i = int(bad_pos[0])
        raise HypnogramError(
            f"stage at {onset_s[i]:.3f} s ({where[i]}) is not on the {epoch_s:g}-s epoch grid "
            f"that starts at {first:.3f} s", where=source,
            hint="pass epoch_s= with the scoring epoch length (CLI: --hypnogram-epoch S)")
    bad_dur = np.flatnonzero((np.abs(n_ep - np.round(n_ep)) > tol) | (np.round(n_ep) < 1))
    if bad_dur.size:
        i = int(bad_dur[0])
        raise HypnogramError(
            f"stage lasting {dur[i]:g} s ({where[i]}) is not a whole number of {epoch_s:g}-s epochs",
            where=source, hint="pass epoch_s= with the scoring epoch length (CLI: --hypnogram-epoch S)")
    start = np.round(pos).astype(np.int64)
    count = np.round(n_ep).astype(np.int64)
    total = int((start + count).max())
    out = np.full(total, int(Stage.UNSCORED), dtype=np.int8)
    filled = np.zeros(total, dtype=bool)
    for s0, n, c, w in zip(start, count, code, where):
        block = slice(int(s0), int(s0 + n))
        clash = filled[block] & (out[block] != c)
        if clash.any():
            k = int(s0 + np.flatnonzero(clash)[0])
            raise HypnogramError(
                f"two different stages overlap at {first + k * epoch_s:.0f} s ({w})", where=source,
                hint="each epoch must carry one stage")
        out[block] = c
        filled[block] = True
    return out, first


_CLOCK = re.compile(r"^\s*(\d{1,2})[:.](\d{2})[:.](\d{2})(?:[.,](\d+))?\s*$")


def clock_to_seconds(text: str) -> float | None:
    """Seconds since midnight of ``"HH:MM:SS[,ffffff]"`` (``.`` or ``:`` separators), or None."""
    m = _CLOCK.match(text)
    if not m:
        return None
    h, mi, s, frac = m.groups()
    value = int(h) * 3600 + int(mi) * 60 + int(s)
    if frac:
        value += int(frac) / 10 ** len(frac)
    return float(value)


def infer_epoch_s(durations_s: np.ndarray, onsets_s: np.ndarray) -> float:
    """30 s (AASM) when every duration and onset step is a multiple of it, else the shortest."""
    # AASM Manual v2.5 (2018): sleep is staged in 30-s epochs.
    aasm = 30.0
    d = durations_s[np.isfinite(durations_s) & (durations_s > 0)]
    steps = np.diff(np.sort(onsets_s))
    steps = steps[steps > 0]
    vals = np.concatenate([d, steps])
    if vals.size == 0:
        return aasm
    r = vals / aasm
    if np.all(np.abs(r - np.round(r)) < 0.02) and np.all(np.round(r) >= 1):
        return aasm
    return float(np.min(d)) if d.size else float(np.min(steps))

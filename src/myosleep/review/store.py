"""The reviewed event table and its audit trail: ``events.reviewed.tsv`` and ``review_log.jsonl``.

``events.tsv`` (written by ``myosleep analyze``) is read once and never written.  Every change
the reviewer makes is first appended to ``review_log.jsonl`` (one JSON object per line, never
rewritten) and then ``events.reviewed.tsv`` is replaced atomically.  The table can therefore
always be rebuilt from ``events.tsv`` and the log: that is what happens when a review is
reopened, and a table that disagrees with its log (a crash between the two writes) is rewritten
from the log.  Changes are serialised by a lock, so concurrent requests never interleave.

Columns of ``events.reviewed.tsv``: every column of ``events.tsv``, in its order and with its
text unchanged, then :data:`REVIEW_COLUMNS` (documented in docs/review.md).
"""

from __future__ import annotations

import json
import logging
import math
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .._atomic import atomic_path, atomic_write_text
from .._version import __version__
from ..errors import InputError, OutputError, ParameterError
from ..provenance import sha256_file
from ..schema import join_list
from ..vocab import TrialType

__all__ = ["ReviewStore", "REVIEW_COLUMNS", "STATUSES", "ACTIONS", "EVENTS_FILE", "REVIEWED_FILE",
           "LOG_FILE", "STATE_FILE", "check_reviewer"]

log = logging.getLogger("myosleep")

EVENTS_FILE = "events.tsv"
REVIEWED_FILE = "events.reviewed.tsv"
LOG_FILE = "review_log.jsonl"
STATE_FILE = "review_state.json"

#: Columns added after the events.tsv columns.
REVIEW_COLUMNS = ("review_id", "status", "original_trial_type", "reviewer", "reviewed_utc")
#: Values of the ``status`` column.
STATUSES = ("unreviewed", "accepted", "rejected", "relabelled", "added")
#: Changes a reviewer can make (``add`` creates an event; the others act on one).
ACTIONS = ("accept", "reject", "relabel", "reset", "add")
#: Columns events.tsv must have for a review.
REQUIRED_COLUMNS = ("onset", "duration", "trial_type", "channel")
TRIAL_TYPES = tuple(t.value for t in TrialType)
NA = "n/a"
#: Longest reviewer name kept (it is written into every changed row and log line).
MAX_REVIEWER_CHARS = 80


def utc_now() -> str:
    """Current time, ISO 8601 in UTC with milliseconds (``2025-01-31T22:04:05.123+00:00``)."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def check_reviewer(name: str | None) -> str:
    """A reviewer name fit for the table and the log: printable, 1-80 characters, no tab or newline."""
    if name is None:
        import getpass

        try:
            name = getpass.getuser()
        except (KeyError, OSError):  # no user name in the environment or the password database
            name = ""
    text = " ".join(str(name).split())
    if not text:
        raise ParameterError("is empty", where="reviewer", hint="give your name, e.g. --reviewer 'J. Smith'")
    if len(text) > MAX_REVIEWER_CHARS or not text.isprintable():
        raise ParameterError(f"must be printable text of at most {MAX_REVIEWER_CHARS} characters",
                             where="reviewer", hint="give a shorter name")
    return text


def _read_table(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """Columns and rows (every cell as the text in the file) of a BIDS events TSV."""
    import pandas as pd

    try:
        df = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False, na_filter=False)
    except pd.errors.EmptyDataError:
        raise InputError("is empty (not even a header line)", where=path,
                         hint="rerun myosleep analyze to write it again") from None
    except (pd.errors.ParserError, UnicodeDecodeError, OSError) as err:
        raise InputError(f"cannot be read as a tab-separated table ({' '.join(str(err).split())})", where=path,
                         hint="rerun myosleep analyze to write it again") from None
    columns = [str(c) for c in df.columns]
    return columns, df.to_dict(orient="records")


def _number(text: str, *, column: str, row: int, path: Path, minimum: float = 0.0) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value >= minimum):
        raise InputError(f"row {row + 2} has {column} {text!r}; expected a number of seconds >= {minimum:g}",
                         where=path, hint="rerun myosleep analyze to write it again")
    return value


class ReviewStore:
    """The reviewed events of one analysis directory, with the audit log.

    Parameters
    ----------
    out_dir : path
        A directory written by ``myosleep analyze`` (holds ``events.tsv``).
    reviewer : str
        Who makes the changes (written into each changed row and log line).
    channel_labels : sequence of str
        Labels of the recording's channels: an added event must name some of them.
    duration_s : float
        Length of the recording, in seconds: an added event must lie within it.
    stage_at : callable, optional
        ``stage_at(onset_s) -> "W" | "N1" | ... | "n/a"``: the stage written for an added event.
    context : dict, optional
        Written into the log's ``open`` line (e.g. the recording's sha256).

    Raises
    ------
    InputError
        ``events.tsv`` is missing or malformed; ``events.tsv`` changed since this review began;
        the log is damaged or missing while a reviewed table exists.
    """

    def __init__(self, out_dir: str | os.PathLike[str], *, reviewer: str, channel_labels: Sequence[str],
                 duration_s: float, stage_at: Callable[[float], str] | None = None,
                 context: dict[str, Any] | None = None):
        self.dir = Path(out_dir)
        self.reviewer = check_reviewer(reviewer)
        self.channel_labels = tuple(channel_labels)
        self.duration_s = float(duration_s)
        self._stage_at = stage_at
        self._lock = threading.Lock()
        self.events_path = self.dir / EVENTS_FILE
        self.reviewed_path = self.dir / REVIEWED_FILE
        self.log_path = self.dir / LOG_FILE
        self.state_path = self.dir / STATE_FILE
        if not self.events_path.is_file():
            raise InputError(f"has no {EVENTS_FILE}", where=self.dir,
                             hint="give the output directory of myosleep analyze (myosleep analyze REC --out DIR)")
        self.events_sha256 = sha256_file(self.events_path)
        self.event_columns, detected = _read_table(self.events_path)
        missing = [c for c in REQUIRED_COLUMNS if c not in self.event_columns]
        if missing:
            raise InputError(f"lacks the column(s) {', '.join(missing)}", where=self.events_path,
                             hint="give the events.tsv written by myosleep analyze")
        clash = [c for c in REVIEW_COLUMNS if c in self.event_columns]
        if clash:
            raise InputError(f"already has the review column(s) {', '.join(clash)}", where=self.events_path,
                             hint="give the events.tsv of myosleep analyze, not a reviewed table")
        self.columns = [*self.event_columns, *REVIEW_COLUMNS]
        self._rows: dict[str, dict[str, str]] = {}
        for i, raw in enumerate(detected):
            _number(raw["onset"], column="onset", row=i, path=self.events_path)
            _number(raw["duration"], column="duration", row=i, path=self.events_path)
            if raw["trial_type"] not in TRIAL_TYPES:
                raise InputError(f"row {i + 2} has trial_type {raw['trial_type']!r}, not one of "
                                 f"{', '.join(TRIAL_TYPES)}", where=self.events_path,
                                 hint="give the events.tsv written by myosleep analyze")
            rid = f"d{i}"
            self._rows[rid] = {**{c: str(raw[c]) for c in self.event_columns}, "review_id": rid,
                               "status": "unreviewed", "original_trial_type": raw["trial_type"],
                               "reviewer": NA, "reviewed_utc": NA}
        self._n_added = 0
        self.notes: list[str] = []
        self._resume()
        self._append_log({"time_utc": utc_now(), "reviewer": self.reviewer, "action": "open", "review_id": None,
                          "before": None, "after": None, "events_sha256": self.events_sha256,
                          "tool_version": __version__, **(context or {})})

    # ------------------------------------------------------------------ reading
    def rows(self) -> list[dict[str, str]]:
        """Every event (detected and added) in onset order, as the table's text cells."""
        with self._lock:
            return [dict(r) for r in self._ordered()]

    def row(self, review_id: str) -> dict[str, str]:
        with self._lock:
            return dict(self._get(review_id))

    def counts(self) -> dict[str, int]:
        """Number of events per status."""
        with self._lock:
            out = dict.fromkeys(STATUSES, 0)
            for r in self._rows.values():
                out[r["status"]] += 1
            return out

    def position(self) -> str | None:
        """The event the reviewer last selected (``review_id``), None when none or no longer present."""
        try:
            state = json.loads(self.state_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        rid = state.get("review_id") if isinstance(state, dict) else None
        with self._lock:
            return rid if isinstance(rid, str) and rid in self._rows else None

    # ------------------------------------------------------------------ changes
    def set_position(self, review_id: str) -> None:
        """Remember the selected event (``review_state.json``), so that reopening resumes there."""
        with self._lock:
            self._get(review_id)
            atomic_write_text(self.state_path, json.dumps(
                {"review_id": review_id, "reviewer": self.reviewer, "updated_utc": utc_now()}) + "\n")

    def change(self, review_id: str, action: str, *, trial_type: str | None = None) -> dict[str, str]:
        """Accept, reject, relabel or reset one event; saved at once. Returns the row after the change.

        Parameters
        ----------
        review_id : str
            The event (``d<row of events.tsv>`` or ``a<n>`` for added events).
        action : {"accept", "reject", "relabel", "reset"}
            ``accept``: the event and its current class are right.  ``reject``: not an event
            (kept in the table with status ``rejected``).  ``relabel``: the event is of class
            ``trial_type``.  ``reset``: back to the detected class, unreviewed (detected events only).
        trial_type : str
            The new class, for ``relabel`` (one of :class:`~myosleep.vocab.TrialType`).
        """
        if action not in ("accept", "reject", "relabel", "reset"):
            raise ParameterError(f"unknown action {action!r}; actions are accept, reject, relabel, reset",
                                 where="action")
        new_class = _check_trial_type(trial_type) if action == "relabel" else None
        with self._lock:
            before = self._get(review_id)
            after = dict(before)
            added = review_id.startswith("a")
            if action == "reset":
                if added:
                    raise ParameterError("an added event has no detected state to go back to", where=review_id,
                                         hint="reject it instead")
                after.update(trial_type=before["original_trial_type"], status="unreviewed", reviewer=NA,
                             reviewed_utc=NA)
            else:
                if new_class is not None:
                    after["trial_type"] = new_class
                if action == "reject":
                    after["status"] = "rejected"
                elif added:
                    after["status"] = "added"
                else:
                    after["status"] = ("accepted" if after["trial_type"] == before["original_trial_type"]
                                       else "relabelled")
                after.update(reviewer=self.reviewer, reviewed_utc=utc_now())
            self._commit(action, review_id, before, after)
            return dict(after)

    def add(self, *, onset_s: float | str | None, duration_s: float | str | None, trial_type: str | None,
            channels: Sequence[str]) -> dict[str, str]:
        """Add an event the detector missed; saved at once. Returns the new row.

        Every value is checked here (they come from the page): a ParameterError names the one
        that is missing or wrong.

        Parameters
        ----------
        onset_s, duration_s : float
            Onset (s from the recording's start) and duration (s) as marked on the trace.
        trial_type : str
            Its class.
        channels : sequence of str
            Labels of the channels it is seen on (channels of the recording).
        """
        trial_type = _check_trial_type(trial_type)
        onset, duration = _finite(onset_s, "onset_s"), _finite(duration_s, "duration_s")
        if not 0.0 <= onset < self.duration_s:
            raise ParameterError(f"must be within 0..{self.duration_s:g} s, got {onset:g}", where="onset_s")
        if not 0.0 < duration <= self.duration_s - onset:
            raise ParameterError(f"must be > 0 s and end within the recording, got {duration:g}",
                                 where="duration_s")
        labels = [str(c) for c in channels]
        unknown = [c for c in labels if c not in self.channel_labels]
        if not labels or unknown:
            raise ParameterError(f"unknown channel(s) {', '.join(map(repr, unknown)) or '(none given)'}",
                                 where="channels", hint="name channels of the recording")
        with self._lock:
            self._n_added += 1
            rid = f"a{self._n_added}"
            row = dict.fromkeys(self.columns, NA)
            row.update(onset=f"{onset:.4f}", duration=f"{duration:.4f}", trial_type=trial_type,
                       channel=join_list(tuple(dict.fromkeys(labels))),  # as events.tsv writes the tuple
                       review_id=rid, status="added", original_trial_type=NA, reviewer=self.reviewer,
                       reviewed_utc=utc_now())
            if "stage" in row and self._stage_at is not None:
                row["stage"] = self._stage_at(onset)
            self._commit("add", rid, None, row)
            return dict(row)

    # ------------------------------------------------------------------ internals
    def _get(self, review_id: str) -> dict[str, str]:
        try:
            return self._rows[review_id]
        except (KeyError, TypeError):
            raise ParameterError(f"no event {review_id!r}", where="review_id") from None

    def _ordered(self) -> list[dict[str, str]]:
        def key(item: tuple[int, dict[str, str]]) -> tuple[float, float, int]:
            i, r = item
            return float(r["onset"]), float(r["duration"]), i

        return [r for _, r in sorted(enumerate(self._rows.values()), key=key)]

    def _commit(self, action: str, review_id: str, before: dict | None, after: dict) -> None:
        """Log first (the audit trail never misses a change), then replace the table atomically."""
        self._append_log({"time_utc": after["reviewed_utc"] if after["reviewed_utc"] != NA else utc_now(),
                          "reviewer": self.reviewer, "action": action, "review_id": review_id,
                          "before": before, "after": after})
        self._rows[review_id] = after
        self._write_table()

    def _append_log(self, entry: dict[str, Any]) -> None:
        data = (json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8")
        try:
            fd = os.open(self.log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
        except OSError as err:
            raise OutputError(f"cannot be written ({err.strerror})", where=self.log_path,
                              hint="make the directory writable") from None
        try:
            view = memoryview(data)
            while view:  # one write of a line is one append; loop only on a short write
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)

    def _write_table(self) -> None:
        import pandas as pd

        df = pd.DataFrame(self._ordered(), columns=self.columns)
        try:
            with atomic_path(self.reviewed_path) as tmp:
                df.to_csv(tmp, sep="\t", index=False, lineterminator="\n")
        except OSError as err:
            raise OutputError(f"cannot be written ({err.strerror})", where=self.reviewed_path,
                              hint="make the directory writable") from None

    def _resume(self) -> None:
        """Replay the log over events.tsv; check and, if needed, rewrite events.reviewed.tsv."""
        has_log, has_table = self.log_path.is_file(), self.reviewed_path.is_file()
        if has_table and not has_log:
            raise InputError(f"{REVIEWED_FILE} exists but its audit trail {LOG_FILE} does not", where=self.dir,
                             hint=f"restore {LOG_FILE}, or move {REVIEWED_FILE} away to start a new review")
        if has_log:
            for entry in self._log_entries():
                self._replay(entry)
        if has_table:
            _, on_disk = _read_table(self.reviewed_path)
            if on_disk != self._ordered():
                note = (f"{REVIEWED_FILE} did not match {LOG_FILE} (interrupted save?): rewritten from the log")
                log.warning("%s: %s", self.dir, note)
                self.notes.append(note)
                self._write_table()
        else:
            self._write_table()

    def _log_entries(self) -> Iterator[dict[str, Any]]:
        with open(self.log_path, encoding="utf-8") as f:
            for n, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                try:
                    entry = json.loads(line)
                except ValueError:
                    entry = None
                if not isinstance(entry, dict) or "action" not in entry:
                    raise InputError(f"line {n} is not a review log entry; the audit trail is damaged",
                                     where=self.log_path,
                                     hint=f"repair that line, or move {LOG_FILE} and {REVIEWED_FILE} away "
                                          "to start a new review")
                yield entry

    def _replay(self, entry: dict[str, Any]) -> None:
        action = entry["action"]
        if action == "open":
            sha = entry.get("events_sha256")
            if sha is not None and sha != self.events_sha256:
                raise InputError(f"{EVENTS_FILE} changed since this review began (myosleep analyze was rerun?); "
                                 f"{LOG_FILE} belongs to the earlier events", where=self.dir,
                                 hint=f"move {LOG_FILE} and {REVIEWED_FILE} away to review the new events")
            return
        rid, after = entry.get("review_id"), entry.get("after")
        if action not in ACTIONS or not isinstance(rid, str) or not isinstance(after, dict):
            raise InputError(f"holds an entry the review cannot replay ({action!r} on {rid!r})",
                             where=self.log_path, hint=f"move {LOG_FILE} and {REVIEWED_FILE} away to start over")
        if action != "add" and rid not in self._rows:
            raise InputError(f"changes event {rid!r}, which {EVENTS_FILE} does not have", where=self.log_path,
                             hint=f"move {LOG_FILE} and {REVIEWED_FILE} away to start over")
        self._rows[rid] = {c: str(after.get(c, NA)) for c in self.columns}
        if rid.startswith("a") and rid[1:].isdigit():
            self._n_added = max(self._n_added, int(rid[1:]))


def _check_trial_type(value: str | None) -> str:
    if value not in TRIAL_TYPES:
        raise ParameterError(f"unknown class {value!r}; classes are {', '.join(TRIAL_TYPES)}", where="trial_type")
    return str(value)


def _finite(value: Any, name: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        v = math.nan
    if not math.isfinite(v):
        raise ParameterError(f"must be a finite number of seconds, got {value!r}", where=name)
    return v

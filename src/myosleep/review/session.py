"""One review session: an analysis directory, its recording (kept open), hypnogram and reviewed events."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import HypnogramError, InputError, RecordingError
from ..provenance import sha256_file
from ..vocab import Role
from .store import ReviewStore, check_reviewer

if TYPE_CHECKING:  # pragma: no cover
    from ..io.hypnogram_model import Hypnogram
    from ..io.recording import Recording

__all__ = ["ReviewSession", "open_session", "LOCK_FILE"]

log = logging.getLogger("myosleep")

LOCK_FILE = ".review.lock"


@dataclass
class ReviewSession:
    """Everything the review server serves; close it to release the recording and the directory lock.

    Attributes
    ----------
    out_dir : Path
        The analysis directory (``myosleep analyze --out DIR``).
    recording : Recording
        Open for the session's life; windows are read from it on demand.
    summary : dict
        ``summary.json`` of the analysis.
    store : ReviewStore
        The reviewed events and the audit log.
    roles : dict of str -> Role
        Each channel's role as the analysis used it (summary.json), else as inferred on reading.
    hypnogram : Hypnogram | None
        The stages drawn in the overview: those the analysis used (``DIR/hypnogram.tsv``), else its
        hypnogram file; None when neither is available.
    hypnogram_note : str
        Where the stages come from, or why there are none.
    header : dict
        Patient and recording identification fields of the EDF header (untrusted text).
    """

    out_dir: Path
    recording: Recording
    summary: dict
    store: ReviewStore
    roles: dict[str, Role]
    hypnogram: Hypnogram | None
    hypnogram_note: str
    header: dict[str, str] = field(default_factory=dict)
    _lock_fd: int | None = field(default=None, repr=False)

    @property
    def reviewer(self) -> str:
        return self.store.reviewer

    def close(self) -> None:
        """Close the recording and release the directory lock (idempotent)."""
        self.recording.close()
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def __enter__(self) -> ReviewSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _lock_dir(out_dir: Path) -> int | None:
    """Hold an exclusive lock on ``DIR/.review.lock`` so that two servers never write one review."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no advisory locks; the in-process lock still holds
        return None
    fd = os.open(out_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise InputError("is already being reviewed by another 'myosleep review' on this machine", where=out_dir,
                         hint="use the page that session opened, or stop it first") from None
    return fd


def _read_summary(out_dir: Path) -> dict:
    path = out_dir / "summary.json"
    if not path.is_file():
        raise InputError("has no summary.json", where=out_dir,
                         hint="give the output directory of myosleep analyze (myosleep analyze REC --out DIR)")
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as err:
        raise InputError(f"is not valid JSON ({err})", where=path, hint="rerun myosleep analyze") from None
    if not isinstance(summary, dict):
        raise InputError("is not a JSON object", where=path, hint="rerun myosleep analyze")
    return summary


def _resolve(path_text: str, out_dir: Path) -> Path:
    """A path recorded in summary.json: as written, else relative to the analysis directory."""
    p = Path(path_text)
    if p.is_absolute() or p.exists():
        return p
    beside = out_dir / p
    return beside if beside.exists() else p


def _recording_path(recording: str | os.PathLike[str] | None, summary: dict, out_dir: Path) -> Path:
    entry = (summary.get("inputs") or {}).get("recording") or {}
    if recording is not None:
        path = Path(recording)
        if not path.is_file():
            raise RecordingError("does not exist or is not a file", where=path, hint="check --recording")
    else:
        if not entry.get("path"):
            raise RecordingError("summary.json does not name the recording", where=out_dir,
                                 hint="give it with --recording REC")
        path = _resolve(str(entry["path"]), out_dir)
        if not path.is_file():
            raise RecordingError(f"the recording named in summary.json is not there ({path})", where=out_dir,
                                 hint="give its current path with --recording REC")
    expected = entry.get("sha256")
    if expected and sha256_file(path) != expected:
        raise RecordingError("is not the recording these results were made from (its sha256 differs from "
                             "summary.json)", where=path,
                             hint=f"give the recording that was analysed into {out_dir}")
    return path


def _hypnogram(hypnogram: str | os.PathLike[str] | None, summary: dict, out_dir: Path,
               rec: Recording) -> tuple[Hypnogram | None, str]:
    from ..context.hypnogram_file import USED_HYPNOGRAM_FILE, read_used_hypnogram
    from ..io import read_hypnogram

    entry = (summary.get("inputs") or {}).get("hypnogram") or {}
    used = out_dir / USED_HYPNOGRAM_FILE
    if hypnogram is not None:
        path = Path(hypnogram)
    elif used.is_file():  # the stages the analysis used, whatever their source (YASA included)
        try:
            hyp = read_used_hypnogram(used)
        except HypnogramError as err:
            return None, f"{USED_HYPNOGRAM_FILE} cannot be read ({err.what})"
        return hyp, f"{hyp.source} ({USED_HYPNOGRAM_FILE})"
    elif entry.get("source") == "recording annotations" and rec.path is not None:
        path = rec.path  # an EDF+ that carries its own scored stages (pipeline: its own hypnogram)
    elif entry.get("path"):
        path = _resolve(str(entry["path"]), out_dir)
        if not path.is_file():
            return None, f"the hypnogram the analysis used is not at {path} (give it with --hypnogram FILE)"
        if entry.get("sha256") and sha256_file(path) != entry["sha256"]:
            return None, f"{path.name} changed since the analysis (its sha256 differs from summary.json)"
    else:
        source = summary.get("hypnogram_source") or "unknown"
        return None, (f"stages came from {source}, not from a file; give the hypnogram with --hypnogram FILE "
                      "to draw it")
    try:
        hyp = read_hypnogram(path, recording_start=rec.start_datetime)
    except HypnogramError:
        if hypnogram is not None:
            raise
        return None, f"the hypnogram {path.name} cannot be read any more"
    return hyp, f"file:{path.name}"


def _header_fields(path: Path) -> dict[str, str]:
    from ..io.edf_header import read_edf_header

    try:
        header = read_edf_header(path)
    except InputError:
        return {}
    return {"patient": header.patient, "recording": header.recording}


def open_session(out_dir: str | os.PathLike[str], *, recording: str | os.PathLike[str] | None = None,
                 hypnogram: str | os.PathLike[str] | None = None, reviewer: str | None = None) -> ReviewSession:
    """Open the results of ``myosleep analyze`` for review.

    Parameters
    ----------
    out_dir : path
        The analysis directory (holds events.tsv and summary.json).
    recording : path, optional
        The recording; default: the path in summary.json.  Its sha256 must match summary.json's.
    hypnogram : path, optional
        Stages to draw; default: the stages the analysis used (``DIR/hypnogram.tsv``, written by
        analyze whatever their source, YASA included), else the hypnogram file named in
        summary.json, when still there.
    reviewer : str, optional
        The reviewer's name (default: the login name).

    Raises
    ------
    InputError
        Not an analysis directory; the recording is missing or not the analysed one; another
        review of the same directory is open; the reviewed table or its log is damaged.
    """
    from ..io import read_recording

    out = Path(out_dir)
    if not out.is_dir():
        raise InputError("is not a directory", where=out,
                         hint="give the output directory of myosleep analyze (myosleep analyze REC --out DIR)")
    reviewer = check_reviewer(reviewer)
    summary = _read_summary(out)
    rec_path = _recording_path(recording, summary, out)
    lock_fd = _lock_dir(out)
    rec = None
    try:
        rec = read_recording(rec_path)
        roles = {c.label: c.role for c in rec.channels}
        for ch in (summary.get("channels") or {}).get("all") or []:
            try:
                if ch.get("label") in roles:
                    roles[ch["label"]] = Role(ch.get("role"))
            except (ValueError, AttributeError):
                continue
        hyp, note = _hypnogram(hypnogram, summary, out, rec)

        def stage_at(onset_s: float) -> str:
            return hyp.stage_labels_at(onset_s)[0] if hyp is not None else "n/a"

        store = ReviewStore(out, reviewer=reviewer, channel_labels=rec.labels, duration_s=rec.duration_s,
                            stage_at=stage_at, context={"recording_sha256": (summary.get("inputs") or {})
                                                        .get("recording", {}).get("sha256")})
        return ReviewSession(out_dir=out, recording=rec, summary=summary, store=store, roles=roles,
                             hypnogram=hyp, hypnogram_note=note, header=_header_fields(rec_path),
                             _lock_fd=lock_fd)
    except BaseException:
        if rec is not None:
            rec.close()
        if lock_fd is not None:
            os.close(lock_fd)
        raise

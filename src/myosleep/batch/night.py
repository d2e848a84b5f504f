"""One night of a batch, as a worker runs it: resume check, analysis, manifest.

Every night leaves ``DIR/<recording_id>/batch.json`` (the *manifest*): the tool version,
the input hash, each input file's size, mtime and SHA-256, the night's status
(``done`` or ``failed``), its error and its cohort-table row.  The analysis outputs
(events.tsv, summary.json, report.html) are those of ``myosleep analyze``.

The *input hash* is the SHA-256 of the recording's, hypnogram's and scored events' own
SHA-256 together with the options that change results (ruleset, age, channel roles) and
the myosleep version.  A night is skipped when its manifest holds the same input hash
and its outputs exist.  Files whose size and modification time (ns) equal the manifest's
are not hashed again (the stat shortcut of make, rsync and git); any change re-hashes.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import resource
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Any

from .._atomic import atomic_write_text, prepare_out_dir
from .._version import __version__
from ..errors import InputError
from ..pipeline import OUTPUT_FILES  # what analyze writes into each night's folder
from ..provenance import sha256_file

__all__ = ["run_night", "read_manifest", "manifest_is_current", "failure_manifest", "MANIFEST",
           "STATUS_DONE", "STATUS_FAILED", "STATUS_SKIPPED", "BAD_INPUT", "UNEXPECTED"]

logger = logging.getLogger("myosleep")

MANIFEST = "batch.json"
STATUS_DONE, STATUS_FAILED, STATUS_SKIPPED = "done", "failed", "skipped"
#: error kinds: bad input (an InputError: the file, hypnogram or option is wrong) or unexpected (a bug,
#: a worker that died, memory exhausted).
BAD_INPUT, UNEXPECTED = "bad_input", "unexpected"

#: One night at a time per worker process, whatever the worker's thread count: a night holds
#: its recording's arrays, so memory per process is bounded by one night (see docs/batch.md).
_NIGHT_LOCK = threading.Lock()
_INPUT_KEYS = ("recording", "hypnogram", "scored_events")


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far, MiB (``getrusage``: KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1 << 20) if sys.platform == "darwin" else peak / 1024.0


def read_manifest(folder: str | os.PathLike[str]) -> dict | None:
    """The night's ``batch.json``, or None when absent or unreadable."""
    p = Path(folder) / MANIFEST
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _convention(night: dict, options: dict) -> str | None:
    """``--hypnogram-convention``, else the one the night's dataset layout fixes (ISRUC: isruc)."""
    return options.get("hypnogram_convention") or night.get("hypnogram_convention")


def _options_key(night: dict, options: dict) -> dict:
    channels = options.get("channels") or {}
    key = {"rules": options.get("rules", "aasm"), "age": night.get("age"),
           "channels": {k: sorted(v) for k, v in sorted(channels.items())}}
    # how the hypnograms are read, when given (absent otherwise: earlier runs' manifests stay current)
    for name, value in (("hypnogram_convention", _convention(night, options)),
                        ("hypnogram_epoch_s", options.get("hypnogram_epoch_s"))):
        if value is not None:
            key[name] = value
    return key


def _hypnogram(night: dict, options: dict) -> Any:
    """The night's hypnogram path, with the batch's ``--hypnogram-convention``/``--hypnogram-epoch``."""
    path = night.get("hypnogram")
    convention = _convention(night, options)
    if path is None or (convention is None and options.get("hypnogram_epoch_s") is None):
        return path
    from ..io.hypnogram import HypnogramFile

    return HypnogramFile(path, convention=convention, epoch_s=options.get("hypnogram_epoch_s"))


#: ``analyze``'s options named in messages, and batch's own (a night's error must name batch's).
_BATCH_FLAGS = ((re.compile(r"--hypnogram FILE\b"), "--hypnograms PATTERN"),
                (re.compile(r"--hypnogram(?![-\w])"), "--hypnograms"),
                (re.compile(r"--events FILE\b"), "--events PATTERN"))


def batch_hint(text: str) -> str:
    """A message of ``analyze`` with its options as ``batch`` spells them (``--hypnogram FILE`` ->
    ``--hypnograms PATTERN``)."""
    for pattern, repl in _BATCH_FLAGS:
        text = pattern.sub(repl, text)
    return text


def _stageless_events(night: dict) -> str | None:
    """The note of a BIDS night whose default ``_events.tsv`` holds no sleep-stage rows (markers,
    lights, arousals only): it is not a hypnogram, and the night is staged as without one."""
    if night.get("hypnogram_paired_by") != "bids-events" or not night.get("hypnogram"):
        return None
    from ..io.hypnogram import events_table_stage_rows

    rows, labels = events_table_stage_rows(night["hypnogram"])
    if rows:
        return None
    shown = ", ".join(repr(x) for x in labels[:3]) + (", ..." if len(labels) > 3 else "")
    return ("events.tsv holds no sleep stages" + (f" (its rows: {shown})" if labels else "")
            + "; staged without it")


def _stat(path: str) -> dict:
    st = os.stat(path)
    return {"path": path, "size_bytes": st.st_size, "mtime_ns": st.st_mtime_ns}


def _file_stats(night: dict) -> dict[str, Any]:
    """Each input's stat entry: None when absent, a list of entries for several scored-events files."""
    out: dict[str, Any] = {}
    for key in _INPUT_KEYS:
        path = night.get(key)
        if not path:
            out[key] = None
        elif isinstance(path, (list, tuple)):
            out[key] = [_stat(p) for p in path]
        else:
            out[key] = _stat(path)
    return out


def _stats_match(old: Any, new: Any) -> bool:
    if isinstance(old, list) or isinstance(new, list):
        return (isinstance(old, list) and isinstance(new, list) and len(old) == len(new)
                and all(_stats_match(a, b) for a, b in zip(old, new)))
    if old is None or new is None:
        return old is None and new is None
    return all(old.get(k) == new.get(k) for k in ("path", "size_bytes", "mtime_ns")) and bool(old.get("sha256"))


def _with_sha(prev: Any, stat: Any) -> Any:
    """``stat`` with the SHA-256 of its file(s): the previous run's when its stats match, else hashed now."""
    if stat is None:
        return None
    if isinstance(stat, list):
        prevs = prev if isinstance(prev, list) and len(prev) == len(stat) else [None] * len(stat)
        return [_with_sha(p, st) for p, st in zip(prevs, stat)]
    if prev is not None and _stats_match(prev, stat):
        return {**stat, "sha256": prev["sha256"]}
    return {**stat, "sha256": sha256_file(stat["path"])}


def _sha(v: Any) -> Any:
    if isinstance(v, list):
        return [_sha(x) for x in v]
    return (v or {}).get("sha256")


def _input_hash(files: dict[str, Any], options_key: dict) -> str:
    payload = {"version": __version__, "options": options_key, "inputs": {k: _sha(v) for k, v in files.items()}}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def manifest_is_current(folder: Path, night: dict, options: dict) -> bool:
    """True when the night can be skipped without hashing: same version, options and file stats, and
    either its outputs exist (done) or it failed on bad input (the same input fails the same way)."""
    old = read_manifest(folder)
    if not old or old.get("version") != __version__ or old.get("options") != _options_key(night, options):
        return False
    try:
        stats = _file_stats(night)
    except OSError:
        return False
    if not all(_stats_match((old.get("inputs") or {}).get(k), stats[k]) for k in _INPUT_KEYS):
        return False
    return _reusable(folder, old)


def _reusable(folder: Path, old: dict) -> bool:
    if old.get("status") == STATUS_DONE:
        return all((folder / f).is_file() for f in OUTPUT_FILES)
    return old.get("status") == STATUS_FAILED and old.get("error_kind") == BAD_INPUT


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split()) or type(err).__name__


def _night_columns(night: dict) -> dict[str, Any]:
    return {"recording_id": night["recording_id"], "participant_id": night.get("participant_id"),
            "session_id": night.get("session_id"), "recording_path": night["recording"],
            "hypnogram_path": night.get("hypnogram"), "hypnogram_paired_by": night.get("hypnogram_paired_by"),
            "hypnogram_note": night.get("hypnogram_note"), "events_path": _paths_text(night.get("scored_events"))}


def _paths_text(v: Any) -> str | None:
    """The cohort table's ``events_path``: the file, or several joined with ``;``."""
    return ";".join(v) if isinstance(v, (list, tuple)) else v


def failure_manifest(night: dict, options: dict, *, kind: str, error: str, input_hash: str | None = None,
                     inputs: dict | None = None, elapsed_s: float | None = None) -> dict:
    """The manifest of a night that failed (written by the worker, or by the client when the worker died)."""
    row = {**_night_columns(night), "status": STATUS_FAILED, "error_kind": kind, "error": error,
           "version": __version__, "input_hash": input_hash, "elapsed_s": elapsed_s}
    return {"version": __version__, "input_hash": input_hash, "options": _options_key(night, options),
            "inputs": inputs or {}, "status": STATUS_FAILED, "error_kind": kind, "error": error, "row": row}


def _start_columns(recording: str) -> dict[str, Any]:
    from ..io.edf_header import read_edf_header
    from .covariates import night_date

    start = read_edf_header(recording).start_datetime
    nd = night_date(start)
    return {"start_datetime": None if start is None else start.isoformat(),
            "night_date": None if nd is None else nd.isoformat()}


def run_night(night: dict, options: dict, out_root: str) -> dict:
    """Analyse one night into ``out_root/<recording_id>/`` unless its outputs are current.

    Runs on a worker (a Dask worker process); returns a small status record only
    (``recording_id``, ``status``, ``error_kind``, ``error``, ``elapsed_s``,
    ``peak_rss_mib``): the night's results stay on disk, not in the client.
    """
    with _NIGHT_LOCK:
        t0 = time.perf_counter()
        status = _run_night(night, options, Path(out_root) / night["recording_id"], t0)
        status["elapsed_s"] = time.perf_counter() - t0
        status["peak_rss_mib"] = peak_rss_mib()
        status["pid"] = os.getpid()
        return status


def _record(folder: Path, manifest: dict) -> None:
    prepare_out_dir(folder)
    atomic_write_text(folder / MANIFEST, json.dumps(manifest, indent=1, allow_nan=False))


def _clear_outputs(folder: Path) -> None:
    """Outputs of an older input or version must not sit beside a failure."""
    for name in OUTPUT_FILES:
        try:
            (folder / name).unlink()
        except FileNotFoundError:
            pass


def _run_night(night: dict, options: dict, folder: Path, t0: float) -> dict:
    rid = night["recording_id"]
    result = {"recording_id": rid, "error_kind": None, "error": None}
    if night.get("problem"):
        _clear_outputs(folder)
        _record(folder, failure_manifest(night, options, kind=BAD_INPUT, error=night["problem"]))
        return {**result, "status": STATUS_FAILED, "error_kind": BAD_INPUT, "error": night["problem"]}
    okey = _options_key(night, options)
    old = read_manifest(folder)
    files: dict[str, Any] = {}
    try:
        stats = _file_stats(night)
        for key in _INPUT_KEYS:
            prev = (old or {}).get("inputs", {}).get(key) if old and old.get("version") == __version__ else None
            files[key] = _with_sha(prev, stats[key])
    except OSError as err:
        error = f"{err.filename or night['recording']}: cannot be read ({err.strerror or err}). Check the path " \
                "and its permissions."
        _clear_outputs(folder)
        _record(folder, failure_manifest(night, options, kind=BAD_INPUT, error=error))
        return {**result, "status": STATUS_FAILED, "error_kind": BAD_INPUT, "error": error}
    ihash = _input_hash(files, okey)
    if old and old.get("input_hash") == ihash and old.get("version") == __version__ and _reusable(folder, old):
        if old.get("inputs") != files:  # touched but identical content: refresh the stat shortcut
            _record(folder, {**old, "inputs": files})
        return {**result, "status": STATUS_SKIPPED, "error_kind": old.get("error_kind"), "error": old.get("error")}

    from ..pipeline import analyze_to_dir

    try:
        note = _stageless_events(night)
        hypnogram = None if note else _hypnogram(night, options)
        night = {**night, "hypnogram_note": note}
        analyze_to_dir(night["recording"], out_dir=folder, hypnogram=hypnogram,
                       age=night.get("age"), rules=options.get("rules", "aasm"),
                       channels=options.get("channels"), scored_events=night.get("scored_events"),
                       progress=False)
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        from .table import summary_row

        row = {**_night_columns(night), "status": STATUS_DONE, "error_kind": None, "error": None,
               "version": __version__, "input_hash": ihash, **_start_columns(night["recording"]),
               **summary_row(summary), "elapsed_s": time.perf_counter() - t0,
               "worker_peak_rss_mib": peak_rss_mib()}
        manifest = {"version": __version__, "input_hash": ihash, "options": okey, "inputs": files,
                    "status": STATUS_DONE, "error_kind": None, "error": None, "row": row,
                    "worker": {"host": socket.gethostname(), "pid": os.getpid(), "finished_unix_s": time.time(),
                               "peak_rss_mib": row["worker_peak_rss_mib"]}}
    except InputError as err:
        kind, error = BAD_INPUT, batch_hint(_one_line(err))
    except Exception as err:  # noqa: BLE001 - one night's bug must not stop the cohort
        logger.exception("night %s failed unexpectedly", rid)
        kind, error = UNEXPECTED, f"{type(err).__name__}: {_one_line(err)}"
    else:
        _record(folder, manifest)
        return {**result, "status": STATUS_DONE}
    _clear_outputs(folder)
    _record(folder, failure_manifest(night, options, kind=kind, error=error, input_hash=ihash, inputs=files,
                                     elapsed_s=time.perf_counter() - t0))
    return {**result, "status": STATUS_FAILED, "error_kind": kind, "error": error}

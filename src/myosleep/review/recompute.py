"""``myosleep analyze REC --events-from DIR/events.reviewed.tsv``: the findings of the reviewed events.

The reviewed table (``myosleep review DIR``) says which events exist and of which class.  The
findings and indices are computed again from those events with the code ``analyze`` uses
(:func:`myosleep.classification.reclassify`, which ends in the same
:func:`~myosleep.classification.classify.assess`), and written like an analysis into another
folder (default ``DIR/reviewed``; never ``DIR`` itself, whose events.tsv and summary.json stay
as they were).

What is computed again, and why (docs/review.md):

* the recording is read and detection runs again: the findings need what detection measured
  besides the events (SINBAR's chin and arm bursts and Ferri's chin amplitude per second for REM
  sleep without atonia, which channels are usable, how each detected leg movement was scored).
  It is deterministic, so the detected events come out as the review saw them; this is checked
  (every detected row of the reviewed table against what this recording gives, all columns but
  the class and its rule), so the reviewed table, the recording and the analysis' inputs belong
  together or the command stops;
* the sleep context is built from the stages the analysis used (``DIR/hypnogram.tsv``), with the
  analysis' scored events, age, channel roles and ruleset (``DIR/summary.json``): the night is
  not staged again;
* the events are the reviewed table's rows that are not rejected; the classes are the reviewer's;
* the neurophysiology stage (EEG back-averaging) runs on the reviewed jerks
  (:data:`~myosleep.neurophysiology.analysis_stage.REVIEWED_CLASSES`: myoclonic jerks,
  fragmentary myoclonus and the reviewer's ``cortical_myoclonus``) without relabelling any:
  the reviewer has decided the classes, the EEG still decides the ``cortical_myoclonus`` and
  ``functional_jerks`` findings (rejected jerks no longer in the average, added ones in it),
  and its numbers are in summary.json ``stages.neurophysiology`` as in ``analyze``.

summary.json says that the events came from a review (``review``: the file and its SHA-256,
the reviewers, counts by status) and records the ruleset as ``analyze`` does; events.tsv holds
the reviewed events with their ``review_id`` and ``review_status``
(:data:`myosleep.schema.REVIEWED_EVENTS`), so that ``myosleep compare DIR/events.tsv
DIR/reviewed/events.tsv`` measures myosleep against the reviewer.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import HypnogramError, InputError, ParameterError, RecordingError
from ..provenance import InputFile, sha256_file
from ..schema import EVENTS, split_list
from ..vocab import Role, TrialType
from .store import EVENTS_FILE, NA, REVIEW_COLUMNS, REVIEWED_FILE, STATUSES, _read_table

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ..classification import AnalysisStage, Classification
    from ..context import ContextInputs
    from ..io.hypnogram_model import Hypnogram
    from ..io.recording import Recording
    from ..pipeline import Analysis

__all__ = ["REVIEWED_DIR", "ReviewedTable", "analyze_reviewed", "analyze_reviewed_to_dir", "page_recompute",
           "read_reviewed_table"]

#: Default output folder, inside the reviewed analysis' folder.
REVIEWED_DIR = "reviewed"
_REVIEW_ID = re.compile(r"^[da](0|[1-9][0-9]*)$")
#: Columns the recomputation compares between the reviewed table and the events it finds again
#: (all but the class and its rule, which the reviewer and the stages after classification change).
_CHECKED = tuple(c for c in EVENTS.names if c not in ("trial_type", "rule"))


@dataclass(frozen=True)
class ReviewedTable:
    """``events.reviewed.tsv`` as read, with the analysis it belongs to.

    Attributes
    ----------
    path : Path
        The reviewed table.
    sha256 : str
        Its SHA-256.
    rows : list of dict
        Every row as the file's text cells (onset order).
    summary : dict
        ``summary.json`` of the analysis folder the table sits in.
    """

    path: Path
    sha256: str
    rows: list[dict[str, str]]
    summary: dict

    @property
    def dir(self) -> Path:
        """The analysis folder (``DIR``)."""
        return self.path.parent

    def counts(self) -> dict[str, int]:
        """Events per review status (``unreviewed``, ``accepted``, ``rejected``, ``relabelled``, ``added``)."""
        out = dict.fromkeys(STATUSES, 0)
        for r in self.rows:
            out[r["status"]] += 1
        return out

    def reviewers(self) -> list[str]:
        """Who made the changes, in the order they first appear in the table."""
        return list(dict.fromkeys(r["reviewer"] for r in self.rows if r["reviewer"] != NA))


def read_reviewed_table(path: str | os.PathLike[str]) -> ReviewedTable:
    """Read ``events.reviewed.tsv`` (or ``DIR``, the folder that holds it) and its analysis' summary.json.

    Raises
    ------
    InputError
        Missing, not a reviewed table (e.g. an events.tsv of analyze), a row that is not one the
        review writes, or no summary.json beside it.
    """
    from .session import _read_summary

    p = Path(path)
    if p.is_dir():
        p = p / REVIEWED_FILE
    hint = f"give the {REVIEWED_FILE} that 'myosleep review DIR' writes into DIR"
    if not p.is_file():
        raise InputError("file not found", where=p, hint=hint)
    columns, rows = _read_table(p)
    expected = [*EVENTS.names, *REVIEW_COLUMNS]
    if columns == list(EVENTS.names):
        raise InputError("is the events table of myosleep analyze, not a reviewed one", where=p,
                         hint=f"review it first (myosleep review DIR), then give DIR/{REVIEWED_FILE}")
    if columns != expected:
        missing = [c for c in expected if c not in columns]
        what = f"lacks the column(s) {', '.join(missing)}" if missing else "has its columns in another order"
        raise InputError(f"is not a reviewed event table of myosleep review ({what})", where=p, hint=hint)
    classes = {t.value for t in TrialType}
    for k, r in enumerate(rows, start=2):
        bad = ("review_id" if not _REVIEW_ID.match(r["review_id"]) else
               "status" if r["status"] not in STATUSES else
               "trial_type" if r["trial_type"] not in classes else
               next((c for c in ("onset", "duration") if not _seconds(r[c])), None))
        if bad is not None:
            raise InputError(f"line {k} has {bad} {r[bad]!r}, which myosleep review does not write", where=p,
                             hint=f"give the {REVIEWED_FILE} as myosleep review wrote it")
    return ReviewedTable(path=p, sha256=sha256_file(p), rows=rows, summary=_read_summary(p.parent))


def _seconds(text: str) -> bool:
    try:
        return math.isfinite(float(text)) and float(text) >= 0
    except ValueError:
        return False


# ---------------------------------------------------------------------------- the analysis' inputs
def _out_dir(out_dir: str | os.PathLike[str] | None, table: ReviewedTable) -> Path:
    out = Path(out_dir) if out_dir is not None else table.dir / REVIEWED_DIR
    if out.resolve() == table.dir.resolve():
        raise ParameterError(f"is the folder of the reviewed analysis; writing there would replace its "
                             f"{EVENTS_FILE} and summary.json", where="out_dir",
                             hint=f"leave it out (default {table.dir / REVIEWED_DIR}) or choose another folder")
    return out


def _ruleset(rules: str | None, summary: dict) -> str:
    from ..classification.rules import get_ruleset

    used = get_ruleset(str(summary.get("ruleset") or "aasm")).name
    if rules is not None and get_ruleset(rules).name != used:
        raise ParameterError(f"{get_ruleset(rules).name} differs from the ruleset the reviewed events were scored "
                             f"with ({used}): their leg movements were merged and timed under {used}",
                             where="rules", hint=f"leave it out ({used} is used), or analyze the recording with "
                                                 f"--rules {get_ruleset(rules).name} and review those events")
    return used


def _channels(summary: dict) -> dict[str, list[str]] | None:
    """The channel roles the analysis used (summary.json), as overrides for reading the recording again."""
    roles = {r.value for r in Role}
    out: dict[str, list[str]] = {}
    for ch in (summary.get("channels") or {}).get("all") or []:
        if isinstance(ch, dict) and ch.get("role") in roles and isinstance(ch.get("label"), str):
            out.setdefault(str(ch["role"]), []).append(ch["label"])
    return out or None


def _resolve(entry: dict, folder: Path) -> Path | None:
    from .session import _resolve as resolve

    return resolve(str(entry["path"]), folder) if entry.get("path") else None


def _hypnogram(hypnogram: str | os.PathLike[str] | None,
               table: ReviewedTable) -> tuple[Hypnogram | str | os.PathLike[str] | None, InputFile | None]:
    """What to build the context from: the given file (checked), else the stages the analysis used."""
    from ..context.hypnogram_file import USED_HYPNOGRAM_FILE, read_used_hypnogram

    summary = table.summary
    entry = (summary.get("inputs") or {}).get("hypnogram") or {}
    source = summary.get("hypnogram_source") or "unknown"
    if hypnogram is not None:
        path = Path(hypnogram)
        if not path.is_file():
            raise HypnogramError("file not found", where=path, hint="check the path of --hypnogram")
        if not entry.get("sha256"):
            raise HypnogramError(f"the reviewed events were classified on stages from {source}, not on this file",
                                 where=path, hint="leave --hypnogram out: the stages of the analysis are used")
        if sha256_file(path) != entry["sha256"]:
            raise HypnogramError(f"is not the hypnogram the reviewed events were classified with (its sha256 differs "
                                 f"from {table.dir / 'summary.json'})", where=path,
                                 hint="leave --hypnogram out: the stages of the analysis are used")
        return hypnogram, None
    used = table.dir / USED_HYPNOGRAM_FILE
    if used.is_file():
        return read_used_hypnogram(used), InputFile.hashed(used)
    if entry.get("source") == "recording annotations":
        return None, None  # read again from the recording's own annotations
    original = _resolve(entry, table.dir)
    if original is not None:
        if original.is_file() and sha256_file(original) == entry.get("sha256"):
            return original, None
        raise HypnogramError(f"the hypnogram the analysis used is not at {original} (or has changed), and "
                             f"{USED_HYPNOGRAM_FILE} is not there either", where=table.dir,
                             hint="give the analysis' hypnogram with --hypnogram FILE")
    return None, None  # an analysis made before hypnogram.tsv existed: staged again, as analyze does


def _scored_events(scored_events: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None,
                   table: ReviewedTable) -> list[str | os.PathLike[str]] | None:
    """The scored events files of the reviewed analysis: those given (checked against its summary.json), else
    its own (one entry, or a list for several ``--events``); None when it used none, or used the events of the
    recording's own annotations (read from the recording again)."""
    from ..context.scored import events_paths

    entry = (table.summary.get("inputs") or {}).get("scored_events")
    entries = [e for e in (entry if isinstance(entry, list) else [entry]) if isinstance(e, dict)]
    given = events_paths(scored_events)
    if given:
        used = {e.get("sha256") for e in entries if e.get("sha256")}
        for path in map(Path, given):
            if not path.is_file():
                raise InputError("file not found", where=path, hint="check the path of --events")
            if sha256_file(path) not in used:
                raise InputError("are not the scored events the reviewed analysis used (its sha256 differs from "
                                 f"{table.dir / 'summary.json'}, or that analysis used none)", where=path,
                                 hint="leave --events out: the analysis' scored events are used")
        if len(given) != len(used):
            raise InputError(f"the reviewed analysis used {len(used)} scored events file(s), {len(given)} given",
                             where=table.dir, hint="leave --events out: the analysis' scored events are used")
        return given
    if any(e.get("source") == "recording annotations" for e in entries):
        return None  # the recording's own annotations: read from it again
    originals: list[str | os.PathLike[str]] = []
    for e in entries:
        original = _resolve(e, table.dir)
        if original is None:
            continue
        if not original.is_file() or sha256_file(original) != e.get("sha256"):
            raise InputError(f"the scored events the analysis used are not at {original} (or have changed)",
                             where=table.dir, hint="give them with --events FILE")
        originals.append(original)
    return originals or None


# ---------------------------------------------------------------------------- the reviewed events
def _check_same_events(table: ReviewedTable, found: pd.DataFrame, recording: str) -> None:
    """Every detected row of the reviewed table is the row this recording gives (all but class and rule)."""
    text = EVENTS.to_strings(found)
    detected = {int(r["review_id"][1:]): r for r in table.rows if r["review_id"].startswith("d")}
    version = (table.summary.get("tool") or {}).get("version") or "unknown"
    hint = (f"the analysis was made with myosleep {version}, from other inputs or another recording: analyze "
            f"{Path(recording).name} again and review the new events")
    if set(detected) != set(range(len(text))):
        raise InputError(f"holds {len(detected)} detected events; this recording gives {len(text)}", where=table.path,
                         hint=hint)
    for n in range(len(text)):
        for col in _CHECKED:
            if detected[n][col] != text.at[n, col]:
                raise InputError(f"event d{n} has {col} {detected[n][col]!r}; this recording gives "
                                 f"{text.at[n, col]!r}", where=table.path, hint=hint)


def _reviewed_events(table: ReviewedTable, base: Classification) -> tuple[pd.DataFrame, list[str], list[str]]:
    """The reviewed events (EVENTS columns, not rejected), with their review ids and statuses."""
    import numpy as np
    import pandas as pd

    found = base.events.sort_values(["onset", "duration"], kind="stable").reset_index(drop=True)
    roles, sides = base.inputs.roles, base.inputs.sides
    rows, ids, statuses = [], [], []
    for r in table.rows:
        status, rid = r["status"], r["review_id"]
        if status == "rejected":
            continue
        if rid.startswith("d"):
            row = found.iloc[int(rid[1:])].to_dict()
            row["trial_type"] = r["trial_type"]
            row["rule"] = (f"relabelled by {r['reviewer']}, detected as {r['original_trial_type']} ({r['rule']})"
                           if status == "relabelled" else r["rule"])
        else:
            channel = split_list(r["channel"])
            row = {"onset": float(r["onset"]), "duration": float(r["duration"]), "trial_type": r["trial_type"],
                   "channel": channel, "stage": None, "peak_amplitude_uv": np.nan, "periodic": None, "arousal": False,
                   "max_burst_duration_ms": np.nan, "n_channels": len(channel),
                   "regions": tuple(dict.fromkeys(roles[c] for c in channel if c in roles)),
                   "onset_spread_ms": np.nan,
                   "bilateral": {"left", "right"} <= {sides.get(c) for c in channel},
                   "interval_s": np.nan, "series_id": -1, "velocity_m_s": np.nan, "cluster_id": -1,
                   "rule": f"added by {r['reviewer']}", "event_id": -1,
                   "in_lights": bool(base.inputs.context.in_lights(float(r["onset"]))[0])}
        rows.append(row)
        ids.append(rid)
        statuses.append(status)
    frame = pd.DataFrame(rows, columns=list(EVENTS.names)) if rows else EVENTS.empty()
    return frame.astype({"periodic": object, "channel": object, "regions": object}), ids, statuses


def _review_section(table: ReviewedTable, n_events: int) -> dict[str, object]:
    changed = [r["reviewed_utc"] for r in table.rows if r["reviewed_utc"] != NA]
    analysis = table.summary
    return {
        "events_from": InputFile.hashed(table.path).to_dict(),
        "reviewers": table.reviewers(),
        "counts": table.counts(),
        "n_events": n_events,
        "last_change_utc": max(changed) if changed else None,
        "analysis": {"folder": str(table.dir), "tool_version": (analysis.get("tool") or {}).get("version"),
                     "generated_utc": analysis.get("generated_utc"),
                     "summary_sha256": sha256_file(table.dir / "summary.json")},
        "method": ("classes from the review (rejected events left out, relabelled and added events of the "
                   "reviewer's class); detection run again for what the findings read besides the events "
                   "(SINBAR bursts, chin amplitude, usable channels, leg-movement scoring) and checked against "
                   "the reviewed table; EEG back-averaging run again on the reviewed jerks without relabelling "
                   "them"),
    }


# ---------------------------------------------------------------------------- the run
def analyze_reviewed(recording: str | os.PathLike[str], *, events_from: str | os.PathLike[str],
                     hypnogram: str | os.PathLike[str] | None = None, rules: str | None = None,
                     scored_events: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None,
                     progress: bool = False) -> Analysis:
    """Findings and indices of reviewed events (``myosleep analyze REC --events-from ...``).

    Parameters
    ----------
    recording : path
        The recording the reviewed analysis was made from (its SHA-256 must match summary.json's).
    events_from : path
        ``DIR/events.reviewed.tsv`` of ``myosleep review DIR`` (or ``DIR``).
    hypnogram : path, optional
        The analysis' hypnogram file, when it has moved (its SHA-256 must match); by default the
        stages the analysis used (``DIR/hypnogram.tsv``).
    rules : {"aasm", "wasm2016"}, optional
        Must be the analysis' ruleset (the default).
    scored_events : path, optional
        The analysis' scored events, when they have moved (SHA-256 checked).
    progress : bool
        Show the steps on stderr.

    Returns
    -------
    Analysis
        ``events``: :data:`myosleep.schema.REVIEWED_EVENTS` rows; ``summary`` with a ``review`` part.

    Raises
    ------
    InputError
        Not a reviewed table; another recording; a hypnogram, scored events or ruleset that are
        not the analysis'; reviewed events that this recording does not give.
    """
    return _analyze_reviewed(recording, events_from=events_from, hypnogram=hypnogram, rules=rules,
                             scored_events=scored_events, progress=progress, out_dir=None)


def analyze_reviewed_to_dir(recording: str | os.PathLike[str], *, events_from: str | os.PathLike[str],
                            out_dir: str | os.PathLike[str] | None = None,
                            hypnogram: str | os.PathLike[str] | None = None, rules: str | None = None,
                            scored_events: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None,
                            progress: bool = False) -> list[Path]:
    """:func:`analyze_reviewed`, written into ``out_dir`` (default ``DIR/reviewed``; never ``DIR``)."""
    table = read_reviewed_table(events_from)
    out = _out_dir(out_dir, table)
    analysis = _analyze_reviewed(recording, events_from=table, hypnogram=hypnogram, rules=rules,
                                 scored_events=scored_events, progress=progress, out_dir=out)
    return analysis.write(out)


def _analyze_reviewed(recording: str | os.PathLike[str], *, events_from: str | os.PathLike[str] | ReviewedTable,
                      hypnogram: str | os.PathLike[str] | None, rules: str | None,
                      scored_events: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None,
                      progress: bool, out_dir: Path | None) -> Analysis:
    from ..age import parse_age
    from ..pipeline import _analyze

    table = events_from if isinstance(events_from, ReviewedTable) else read_reviewed_table(events_from)
    summary0 = table.summary
    hyp, hyp_file = _hypnogram(hypnogram, table)
    revision = _Revision(table=table, recording=str(recording), hypnogram_file=hyp_file)
    analysis = _analyze(recording, hypnogram=hyp, age=parse_age((summary0.get("age") or {}).get("text")),
                        rules=_ruleset(rules, summary0), channels=_channels(summary0),
                        scored_events=_scored_events(scored_events, table), progress=progress, stages=None,
                        out_dir=out_dir, revision=revision)
    reviewed = analysis.events.assign(review_id=revision.ids, review_status=revision.statuses)
    return replace(analysis, events=reviewed, summary=_with_review(analysis.summary, table, len(revision.ids)))


@dataclass
class _Revision:
    """The reviewed analysis' departures from analyze (:class:`myosleep.pipeline.Revision`): the same
    recording, the analysis' own stages, the reviewer's events, and averaging without relabelling."""

    table: ReviewedTable
    recording: str
    hypnogram_file: InputFile | None
    step: str = "recomputing the findings from the reviewed events"
    ids: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)

    def inputs(self, rec: Recording, inputs: ContextInputs) -> ContextInputs:
        expected_sha = ((self.table.summary.get("inputs") or {}).get("recording") or {}).get("sha256")
        if expected_sha and rec.sha256() != expected_sha:
            raise RecordingError(f"is not the recording the reviewed events were found in (its sha256 differs "
                                 f"from {self.table.dir / 'summary.json'})", where=self.recording,
                                 hint=f"give the recording that was analysed into {self.table.dir}")
        if self.hypnogram_file is None:
            return inputs
        return replace(inputs, hypnogram_file=replace(self.hypnogram_file,
                                                      source="the stages of the reviewed analysis"))

    def revise(self, classification: Classification) -> Classification:
        from ..classification import reclassify

        _check_same_events(self.table, classification.events, self.recording)
        events, self.ids, self.statuses = _reviewed_events(self.table, classification)
        return reclassify(classification, events)

    def stages(self, classification: Classification) -> tuple[AnalysisStage, ...]:
        return _reviewed_stages(classification.events)


def _reviewed_stages(events: pd.DataFrame) -> tuple[AnalysisStage, ...]:
    """The stages after classification for reviewed events: analyze's, relabelling none, averaging
    the reviewer's jerks (:data:`~myosleep.neurophysiology.analysis_stage.REVIEWED_CLASSES`;
    ``cortical_myoclonus`` only when the table has such jerks, so that an unreviewed table without
    them gives analyze's findings again, to the list of classes averaged)."""
    from ..neurophysiology.analysis_stage import CANDIDATE_CLASSES, REVIEWED_CLASSES, NeurophysiologyStage
    from ..pipeline import STAGES

    has_cortical = bool((events["trial_type"].astype(str) == TrialType.CORTICAL_MYOCLONUS.value).any())
    classes = REVIEWED_CLASSES if has_cortical else CANDIDATE_CLASSES
    return tuple(replace(s, classes=classes, relabel=False) if isinstance(s, NeurophysiologyStage) else s
                 for s in STAGES)


def _with_review(summary: dict, table: ReviewedTable, n_events: int) -> dict:
    """summary.json of the recomputation: the review part, the reviewed table among the inputs, a first warning."""
    from .._json import to_jsonable

    review = _review_section(table, n_events)
    who = ", ".join(table.reviewers()) or "nobody yet"
    note = (f"Events from a review: {table.path.name} by {who} ("
            + ", ".join(f"{n} {s}" for s, n in table.counts().items()) + "); findings and indices recomputed from "
            "the events not rejected, with the reviewer's classes.")
    inputs = {**dict(summary.get("inputs") or {}), "events_from": review["events_from"]}
    warnings = [note, *list(summary.get("warnings") or [])]
    return to_jsonable({**summary, "inputs": inputs, "review": review, "warnings": warnings})


# ---------------------------------------------------------------------------- the page's button
def page_recompute(recording: str | os.PathLike[str]) -> Callable[[Path], dict]:
    """The review page's "Recompute findings": ``fn(DIR)`` recomputes into ``DIR/reviewed`` and returns
    what the page shows (the findings with their evidence, before and after; the ruleset; the counts)."""

    def run(out_dir: Path) -> dict:
        table = read_reviewed_table(Path(out_dir) / REVIEWED_FILE)
        out = _out_dir(None, table)
        analysis = _analyze_reviewed(recording, events_from=table, hypnogram=None, rules=None, scored_events=None,
                                     progress=False, out_dir=out)
        paths = analysis.write(out)
        return page_result(analysis.summary, table.summary, [p.relative_to(table.dir).as_posix() for p in paths])

    return run


def page_result(summary: dict, before: dict, files: Sequence[str]) -> dict:
    """What the review page shows after a recomputation (JSON-ready): the findings now and before the
    review (``summary`` of the recomputation, ``before`` of the reviewed analysis), the counts of each
    class before and after, the ruleset, the review part of summary.json and the files written."""
    from ..reporting.html import FINDING_TITLES

    was = {f.get("code"): f for f in before.get("findings") or [] if isinstance(f, dict)}
    findings = []
    for f in summary.get("findings") or []:
        old = was.get(f["code"])
        findings.append({"code": f["code"], "title": FINDING_TITLES.get(f["code"], f["code"]),
                         "present": f["present"], "evidence": f["evidence"],
                         "before": None if old is None else {"present": old.get("present"),
                                                             "evidence": old.get("evidence")}})
    methods, counts_before = summary.get("methods") or {}, before.get("counts") or {}
    counts = {t: {"before": counts_before.get(t), "after": n} for t, n in (summary.get("counts") or {}).items()}
    return {"files": list(files), "ruleset": {"name": summary.get("ruleset"),
                                              "citation": methods.get("ruleset_citation")},
            "hypnogram_source": summary.get("hypnogram_source"), "review": summary.get("review") or {},
            "findings": findings, "counts": counts}

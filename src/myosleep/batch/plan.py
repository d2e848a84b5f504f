"""Which nights a batch runs: recordings from files, globs or a BIDS dataset, their hypnograms.

A BIDS EEG dataset (BIDS specification, "Electroencephalography") keeps each night as
``sub-<label>/[ses-<label>/]eeg/sub-<label>[_ses-<label>]_task-<label>[_acq-<label>][_run-<index>]_eeg.edf``
(``.bdf`` too), with ``..._events.tsv`` beside it, ``participants.tsv`` at the root and
``sub-<label>/sub-<label>_sessions.tsv`` per participant.  Nothing here reads signal data:
planning 10,000 nights costs directory listings only.
"""

from __future__ import annotations

import glob
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError, ParameterError

__all__ = ["Night", "plan_nights", "recording_ids", "is_bids_root", "RECORDING_SUFFIXES"]

RECORDING_SUFFIXES = (".edf", ".bdf")
_GLOB_CHARS = re.compile(r"[*?\[]")
_BIDS_NAME = re.compile(r"^(?P<base>sub-[A-Za-z0-9]+.*)_eeg\.(edf|bdf)$", re.IGNORECASE)
_ENTITY = re.compile(r"(?:^|_)(?P<key>sub|ses)-(?P<label>[A-Za-z0-9]+)")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Night:
    """One recording of the batch and the files that go with it.

    Attributes
    ----------
    recording_id : str
        Folder name of its outputs (``DIR/<recording_id>/``): the BIDS name without
        ``_eeg.edf`` (``sub-01_ses-02_task-sleep``), else the file stem, made unique.
    recording : str
        Absolute path of the EDF/BDF file.
    hypnogram : str | None
        Absolute path, or None (the analysis then stages the night itself).
    scored_events : str | tuple of str | None
        Absolute path of the night's scored events; a tuple of paths when several ``--events``
        patterns are given (their events are combined); None when none.
    participant_id, session_id : str | None
        BIDS ``sub-<label>`` / ``ses-<label>`` when the path carries them.
    age : str | None
        Age for the analysis (``--age``, or the BIDS ``age`` column, in years).
    bids_root : str | None
        The BIDS dataset root the night came from.
    """

    recording_id: str
    recording: str
    hypnogram: str | None = None
    scored_events: str | tuple[str, ...] | None = None
    participant_id: str | None = None
    session_id: str | None = None
    age: str | None = None
    bids_root: str | None = None
    problem: str | None = field(default=None, compare=False)

    def to_dict(self) -> dict:
        out = {k: getattr(self, k) for k in ("recording_id", "recording", "hypnogram", "scored_events",
                                             "participant_id", "session_id", "age", "bids_root")}
        if isinstance(self.scored_events, tuple):
            out["scored_events"] = list(self.scored_events)
        return out


def is_bids_root(path: Path) -> bool:
    """A folder holding ``dataset_description.json`` or ``sub-*`` folders."""
    return path.is_dir() and ((path / "dataset_description.json").is_file()
                              or any(p.is_dir() for p in path.glob("sub-*")))


def _is_recording(p: Path) -> bool:
    return p.is_file() and p.suffix.lower() in RECORDING_SUFFIXES


def _bids_recordings(root: Path) -> list[Path]:
    found = []
    for pattern in ("sub-*/eeg/*_eeg.*", "sub-*/ses-*/eeg/*_eeg.*"):
        found += [p for p in root.glob(pattern) if _is_recording(p) and _BIDS_NAME.match(p.name)]
    return sorted(found)


def _expand(inputs: list[str]) -> list[tuple[Path, Path | None]]:
    """(recording, BIDS root or None) for every input: files, globs, folders, BIDS roots."""
    out: list[tuple[Path, Path | None]] = []
    for text in inputs:
        p = Path(text).expanduser()
        if p.is_file():
            out.append((p.resolve(), None))
        elif is_bids_root(p):
            root = p.resolve()
            recs = _bids_recordings(root)
            if not recs:
                raise InputError("is a BIDS dataset without EEG recordings (sub-*/[ses-*/]eeg/*_eeg.edf|bdf)",
                                 where=p, hint="give the dataset root that holds the sub-* folders")
            out += [(r, root) for r in recs]
        elif p.is_dir():
            recs = sorted(q for q in p.rglob("*") if _is_recording(q))
            if not recs:
                raise InputError("holds no .edf or .bdf recording", where=p,
                                 hint="give recordings, a glob such as 'nights/*.edf' or a BIDS root")
            out += [(r.resolve(), None) for r in recs]
        elif _GLOB_CHARS.search(text):
            recs = sorted(Path(m) for m in glob.glob(os.path.expanduser(text), recursive=True))
            recs = [r for r in recs if _is_recording(r)]
            if not recs:
                raise InputError("matches no .edf or .bdf file", where=text,
                                 hint="check the pattern (quote it so that the shell does not expand it)")
            out += [(r.resolve(), None) for r in recs]
        else:
            raise InputError("no such file or folder", where=text, hint="check the path")
    seen: set[Path] = set()
    unique: list[tuple[Path, Path | None]] = []
    for rec, bids_root in out:
        if rec not in seen:
            seen.add(rec)
            unique.append((rec, bids_root))
    return unique


def recording_ids(paths: list[Path], bids: list[bool]) -> list[str]:
    """Unique, file-system-safe output folder names.

    BIDS names lose ``_eeg.<ext>``; other files use their stem, and when two files share a
    stem, parent folder names are prefixed (``siteA__night1``) until the names differ.
    """
    def base(p: Path, is_bids: bool) -> str:
        m = _BIDS_NAME.match(p.name)
        return m.group("base") if is_bids and m else p.stem

    names = [_UNSAFE.sub("_", base(p, b)) for p, b in zip(paths, bids)]
    depth = [0] * len(paths)
    for _ in range(64):
        counts: dict[str, int] = {}
        for n in names:
            counts[n] = counts.get(n, 0) + 1
        dup = [i for i, n in enumerate(names) if counts[n] > 1]
        if not dup:
            return names
        for i in dup:
            depth[i] += 1
            parents = paths[i].parent.parts[-depth[i]:] if depth[i] <= len(paths[i].parent.parts) else \
                (*paths[i].parent.parts, str(i))
            prefix = "__".join(_UNSAFE.sub("_", x).strip("_") or "root" for x in parents)
            names[i] = f"{prefix}__{_UNSAFE.sub('_', base(paths[i], bids[i]))}"
    # identical paths cannot reach here (inputs are de-duplicated); keep the index as a last resort
    return [f"{n}__{i}" for i, n in enumerate(names)]


def _entities(name: str) -> dict[str, str]:
    return {m.group("key"): f"{m.group('key')}-{m.group('label')}" for m in _ENTITY.finditer(name)}


def _fill(pattern: str, rec: Path, rid: str, ents: dict[str, str]) -> str:
    m = _BIDS_NAME.match(rec.name)
    values = {"stem": rec.stem, "base": m.group("base") if m else rec.stem, "dir": str(rec.parent),
              "id": rid, "sub": ents.get("sub", ""), "ses": ents.get("ses", "")}
    try:
        return pattern.format(**values)
    except (KeyError, IndexError, ValueError) as err:
        raise ParameterError(f"cannot fill {pattern!r} ({err}); placeholders are "
                             "{stem} {base} {dir} {id} {sub} {ses}", where="hypnograms/scored_events") from None


def _match(pattern: str | None, default: list[str], rec: Path, rid: str, ents: dict[str, str],
           option: str) -> tuple[str | None, str | None]:
    """(path, problem): the file a PATTERN names for this recording; defaults may be absent."""
    candidates = [pattern] if pattern else default
    for cand in candidates:
        text = _fill(cand, rec, rid, ents)
        p = Path(text).expanduser()
        if not p.is_absolute():
            p = rec.parent / p
        if _GLOB_CHARS.search(str(p)):
            hits = sorted(Path(h) for h in glob.glob(str(p)))
            hits = [h for h in hits if h.is_file() and h.resolve() != rec]
            if len(hits) > 1 and pattern:
                return None, (f"{option} {pattern!r} matches {len(hits)} files for {rec.name} "
                              f"({', '.join(h.name for h in hits[:3])}); make the pattern specific")
            if len(hits) == 1:
                return str(hits[0].resolve()), None
        elif p.is_file():
            return str(p.resolve()), None
    if pattern:
        return None, f"{option} {pattern!r} names no file for {rec.name}"
    return None, None


def _match_events(patterns: str | list[str] | tuple[str, ...] | None, rec: Path, rid: str, ents: dict[str, str]
                  ) -> tuple[str | tuple[str, ...] | None, str | None]:
    """The night's scored-events file(s): one path for one pattern, a tuple for several."""
    if patterns is None or isinstance(patterns, str):
        return _match(patterns, [], rec, rid, ents, "--events")
    found: list[str] = []
    for pattern in patterns:
        path, problem = _match(pattern, [], rec, rid, ents, "--events")
        if problem is not None:
            return None, problem
        if path is not None and path not in found:
            found.append(path)
    if not found:
        return None, None
    return (found[0] if len(found) == 1 else tuple(found)), None


#: Where a night's hypnogram is looked for when ``--hypnograms`` is not given: the simulator's
#: ``OUT.hypnogram.tsv`` beside the recording, or the BIDS ``_events.tsv`` (stage rows).
DEFAULT_HYPNOGRAMS = ["{stem}.hypnogram.tsv"]
DEFAULT_BIDS_HYPNOGRAMS = ["{base}_events.tsv"]


def plan_nights(inputs: list[str], *, hypnograms: str | None = None,
                scored_events: str | list[str] | tuple[str, ...] | None = None, age: str | None = None) -> list[Night]:
    """List the nights of a batch.

    Parameters
    ----------
    inputs : list of str
        Recordings, globs (``'nights/**/*.edf'``), folders (searched recursively) or BIDS
        dataset roots.
    hypnograms, scored_events : str | None
        Path patterns naming each night's hypnogram / scored events (``scored_events`` may be a
        list of patterns, one file each, combined: SOMNOmedics writes one event type per file), with placeholders
        ``{stem}`` (file name without extension), ``{base}`` (BIDS name without ``_eeg``),
        ``{dir}``, ``{id}``, ``{sub}``, ``{ses}``; relative patterns start at the
        recording's folder; a pattern may hold glob wildcards if it names one file.
        Default hypnogram: ``{stem}.hypnogram.tsv``, or ``{base}_events.tsv`` in BIDS, when present.
    age : str | None
        Age for every night; default the BIDS ``age`` column (sessions.tsv, then
        participants.tsv; years), else none.

    Returns
    -------
    list of Night
        A night whose pattern names no file carries a ``problem`` (reported as that
        night's error); the other nights run.
    """
    if not inputs:
        raise ParameterError("no recordings given", where="INPUT",
                             hint="give EDF/BDF files, globs or a BIDS dataset root")
    found = _expand(list(inputs))
    recs = [r for r, _ in found]
    ids = recording_ids(recs, [root is not None for _, root in found])
    ages = _bids_ages({root for _, root in found if root is not None}) if age is None else {}
    nights = []
    for (rec, root), rid in zip(found, ids):
        ents = _entities(rec.name) if root is not None else {}
        default = DEFAULT_BIDS_HYPNOGRAMS if root is not None else DEFAULT_HYPNOGRAMS
        hyp, problem = _match(hypnograms, default, rec, rid, ents, "--hypnograms")
        ev, problem_ev = _match_events(scored_events, rec, rid, ents)
        night_age = age
        if night_age is None and root is not None:
            night_age = ages.get((str(root), ents.get("sub"), ents.get("ses"))) or \
                ages.get((str(root), ents.get("sub"), None))
        nights.append(Night(recording_id=rid, recording=str(rec), hypnogram=hyp, scored_events=ev,
                            participant_id=ents.get("sub"), session_id=ents.get("ses"), age=night_age,
                            bids_root=None if root is None else str(root), problem=problem or problem_ev))
    return nights


def _bids_ages(roots: set[Path]) -> dict[tuple[str, str | None, str | None], str]:
    """BIDS ``age`` (years) per (root, participant[, session]) from participants.tsv and sessions.tsv."""
    from .covariates import read_bids_tables

    out: dict[tuple[str, str | None, str | None], str] = {}
    for root in roots:
        tables = read_bids_tables(root)
        for (sub, ses), row in tables.items():
            value = row.get("age")
            if value is None:
                continue
            try:
                years = float(value)
            except (TypeError, ValueError):
                continue
            if years == years and years >= 0:
                out[(str(root), sub, ses)] = f"{years:g}y"
    return out

"""Which nights a batch runs: recordings from files, globs, folders or a BIDS dataset, their hypnograms.

A BIDS dataset (BIDS specification, "Electroencephalography" and "Electromyography") keeps each
night as ``sub-<label>/[ses-<label>/]eeg/sub-<label>[_ses-<label>]_task-<label>[_acq-<label>][_run-<index>]_eeg.edf``
(``.bdf`` too; ``emg/..._emg.edf`` for BIDS-EMG, which ``myosleep export`` writes), with
``..._events.tsv`` beside it, ``participants.tsv`` at the root and
``sub-<label>/sub-<label>_sessions.tsv`` per participant.

Paths are kept as the user named them (absolute, symbolic links not resolved): a DataLad or
git-annex dataset (every file a link into ``.git/annex/objects``, as OpenNeuro datasets are
installed) and a folder of links keep their own names for recording ids and ``{stem}`` patterns.
The same file reached twice (through a link and directly) is one night: only that comparison
resolves links.  Folder scans follow linked folders (each real folder once: no loops) and never
enter hidden folders (``.git``, ``.datalad``) or myosleep's own output folders.

A folder or glob is scanned for EDF/BDF files by extension and header: ``.edf``/``.bdf`` (any
case) are taken, ``.rec``/``.edf+``/``.bdf+`` when their first 8 bytes are EDF's or BDF's version
field; annotation-only EDF+ files (every signal ``EDF Annotations``: Sleep-EDF's
``*-Hypnogram.edf``, MASS ``Base.edf``, HMC ``_sleepscoring.edf``, myosleep's ``annotations.edf``)
are hypnograms, not nights, and are left out and counted (:attr:`NightPlan.notes`).  A file named
explicitly is always a night.  Only headers are read (256 + 16 x ns bytes): planning 10,000
nights costs directory listings and a few hundred bytes per file.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError, ParameterError
from .pairing import (
    BIDS_NAME,
    GLOB_CHARS,
    HYPNOGRAM_LAYOUTS,
    NO_HYPNOGRAMS,
    PLACEHOLDERS,
    absolute,
    bids_base,
    check_pattern,
    default_hypnogram,
    layout_convention,
    match_pattern,
)

__all__ = ["Night", "NightPlan", "plan_nights", "recording_ids", "is_bids_root", "is_myosleep_output",
           "RECORDING_SUFFIXES", "SCANNED_SUFFIXES", "HYPNOGRAM_LAYOUTS", "PLACEHOLDERS", "NO_HYPNOGRAMS"]

#: Extensions always taken as recordings by folder scans and globs (any case).
RECORDING_SUFFIXES = (".edf", ".bdf")
#: Extensions labs also give EDF/BDF files (ISRUC-Sleep and the 2002 Sleep-EDF ``.rec``; ``.edf+``):
#: taken when the header's version field is EDF's or BDF's.
SCANNED_SUFFIXES = RECORDING_SUFFIXES + (".rec", ".edf+", ".bdf+")
_BIDS_DATATYPES = ("eeg", "emg")
_ENTITY = re.compile(r"(?:^|_)(?P<key>sub|ses)-(?P<label>[A-Za-z0-9]+)")
#: BIDS recordings in formats myosleep does not read: extension -> format.
_UNREAD_BIDS = {".vhdr": "BrainVision", ".set": "EEGLAB", ".fif": "FIF", ".mef": "MEF3", ".nwb": "NWB"}
#: Windows' reserved device names, unusable as a folder name with any extension (Microsoft, "Naming
#: Files, Paths, and Namespaces"; the same page lists the reserved characters ``< > : " / \ | ? *``).
_WINDOWS_RESERVED = frozenset({"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                               *(f"LPT{i}" for i in range(1, 10))})


@dataclass(frozen=True)
class Night:
    """One recording of the batch and the files that go with it.

    Attributes
    ----------
    recording_id : str
        Folder name of its outputs (``DIR/<recording_id>/``): the BIDS name without
        ``_eeg.edf`` (``sub-01_ses-02_task-sleep``), else the file stem, made unique.
    recording : str
        Absolute path of the EDF/BDF file, as named (links not resolved).
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
    hypnogram_paired_by : str | None
        What paired the hypnogram with the recording: ``--hypnograms`` (the user's pattern) or
        the name of a default layout (:data:`HYPNOGRAM_LAYOUTS`: ``simulate``, ``bids-events``,
        ``sleep-edf``, ``mass``, ``hmc``, ``dreams``, ``isruc``, ``nsrr``, ``cap``).
    hypnogram_convention : str | None
        Integer stage convention the layout fixes (ISRUC: ``isruc``), used unless
        ``--hypnogram-convention`` is given.
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
    hypnogram_paired_by: str | None = None
    hypnogram_convention: str | None = None

    def to_dict(self) -> dict:
        out = {k: getattr(self, k) for k in ("recording_id", "recording", "hypnogram", "scored_events",
                                             "participant_id", "session_id", "age", "bids_root",
                                             "hypnogram_paired_by", "hypnogram_convention")}
        if isinstance(self.scored_events, tuple):
            out["scored_events"] = list(self.scored_events)
        return out


class NightPlan(list[Night]):
    """The nights of a batch (a list of :class:`Night`) and what the search left out.

    Attributes
    ----------
    notes : list of str
        One line per kind of file left out (``annotation files, not recordings: 5 (e.g. ...)``,
        ``myosleep output folders: 2 (e.g. ...)``), for the user (the CLI prints them on stderr).
    """

    def __init__(self, nights: Iterable[Night] = (), notes: Iterable[str] = ()) -> None:
        super().__init__(nights)
        self.notes: list[str] = list(notes)


def is_bids_root(path: Path) -> bool:
    """A folder holding ``dataset_description.json`` or ``sub-*`` folders."""
    return path.is_dir() and ((path / "dataset_description.json").is_file()
                              or any(p.is_dir() for p in path.glob("sub-*")))


_TOOL_NAME = re.compile(rb'"tool"\s*:\s*\{\s*"name"\s*:\s*"myosleep"')


def is_myosleep_output(folder: str | os.PathLike[str], names: set[str] | None = None) -> bool:
    """True for a folder myosleep wrote: an analysis (``summary.json`` whose ``tool.name`` is
    myosleep: what ``analyze`` and each batch night write), a batch night (``batch.json`` with the
    manifest's ``version``, ``input_hash`` and ``status``) or a batch's root (``cohort.csv`` whose
    header starts with ``recording_id``)."""
    folder = Path(folder)
    if names is None:
        try:
            names = set(os.listdir(folder))
        except OSError:
            return False

    def head(name: str, n: int = 4096) -> bytes:
        try:
            with open(folder / name, "rb") as f:
                return f.read(n)
        except OSError:
            return b""

    if "summary.json" in names and _TOOL_NAME.search(head("summary.json")):
        return True
    if "batch.json" in names:
        try:
            manifest = json.loads((folder / "batch.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            manifest = None
        if isinstance(manifest, dict) and {"version", "input_hash", "status"} <= set(manifest):
            return True
    return "cohort.csv" in names and head("cohort.csv", 64).startswith(b"recording_id,")


class _LeftOut:
    """Files and folders a search left out, by reason, for one line each."""

    REASONS = {"annotations": "annotation files, not recordings",
               "output": "myosleep output folders",
               "not-edf": "files with a recording's extension that are not EDF/BDF"}

    def __init__(self) -> None:
        self.items: dict[str, list[str]] = {}

    def add(self, reason: str, path: str) -> None:
        self.items.setdefault(reason, []).append(path)

    def notes(self) -> list[str]:
        out = []
        for reason, paths in self.items.items():
            text = self.REASONS.get(reason, reason)
            out.append(f"left out {text}: {len(paths)} (e.g. {', '.join(paths[:3])})")
        return out

    def summary(self) -> str:
        """`` (5 annotation files, not recordings, e.g. ...)`` for a refusal, or ''."""
        if not self.items:
            return ""
        return " (" + "; ".join(f"{len(p)} {self.REASONS.get(r, r)}, e.g. {p[0]}" for r, p in self.items.items()) + ")"


def _scan_candidate(path: str, left: _LeftOut, shown: str) -> bool:
    """True when a file a folder scan or glob found is a recording (see the module docstring)."""
    from ..io.edf_header import peek_edf_kind

    suffix = os.path.splitext(path)[1].lower()
    if suffix not in SCANNED_SUFFIXES:
        return False
    kind = peek_edf_kind(path)
    if kind == "annotations":
        left.add("annotations", shown)
        return False
    if kind == "not-edf" and suffix not in RECORDING_SUFFIXES:
        left.add("not-edf", shown)  # a .edf that is not one is still a night: its error says what it is
        return False
    return True


def _walk(top: Path, left: _LeftOut) -> list[Path]:
    """EDF/BDF recordings under ``top`` (as named; linked folders followed once; hidden folders and
    myosleep's outputs left out)."""
    found: list[Path] = []
    seen_dirs: set[str] = set()
    for dirpath, dirnames, filenames in os.walk(top, followlinks=True):
        real = os.path.realpath(dirpath)
        if real in seen_dirs:  # a loop, or a folder reached twice through links
            dirnames[:] = []
            continue
        seen_dirs.add(real)
        if dirpath != str(top) and is_myosleep_output(dirpath, set(filenames)):
            left.add("output", os.path.relpath(dirpath, top) + os.sep)
            dirnames[:] = []
            continue
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith("."):  # macOS AppleDouble ``._x.edf``, editors' temporaries
                continue
            path = os.path.join(dirpath, name)
            if os.path.isfile(path) and _scan_candidate(path, left, name):
                found.append(Path(path))
    return sorted(found)


def _bids_recordings(root: Path) -> tuple[list[Path], dict[str, list[Path]]]:
    """The dataset's EDF/BDF recordings, and its recordings in formats myosleep does not read."""
    found: list[Path] = []
    unread: dict[str, list[Path]] = {}
    for datatype in _BIDS_DATATYPES:
        for pattern in (f"sub-*/{datatype}/*_{datatype}.*", f"sub-*/ses-*/{datatype}/*_{datatype}.*"):
            for p in root.glob(pattern):
                if not p.is_file():
                    continue
                if BIDS_NAME.match(p.name):
                    found.append(p)
                elif p.suffix.lower() in _UNREAD_BIDS:
                    unread.setdefault(_UNREAD_BIDS[p.suffix.lower()], []).append(p)
    # a night written in both formats (EEGLAB .set beside its .edf) is read from its EDF
    have = {(str(p.parent), p.name.rsplit(".", 1)[0].lower()) for p in found}
    unread = {fmt: sorted(q for q in v if (str(q.parent), q.name.rsplit(".", 1)[0].lower()) not in have)
              for fmt, v in unread.items()}
    return sorted(found), {fmt: v for fmt, v in unread.items() if v}


def _unread_bids_error(p: str, unread: dict[str, list[Path]]) -> InputError:
    kinds = ", ".join(f"{fmt} ({len(v)} files, e.g. {v[0].name})" for fmt, v in unread.items())
    return InputError(f"is a BIDS dataset whose recordings are {kinds}, formats myosleep does not read", where=p,
                      hint="convert them to EDF or BDF, e.g. with MNE-Python: raw = mne.io.read_raw(path); "
                           "mne.export.export_raw('sub-01_task-sleep_eeg.edf', raw)")


def _expand(inputs: list[str]) -> tuple[list[tuple[Path, Path | None]], list[str]]:
    """(recording, BIDS root or None) for every input (files, globs, folders, BIDS roots), and notes."""
    out: list[tuple[Path, Path | None]] = []
    notes: list[str] = []
    left = _LeftOut()
    for text in inputs:
        p = absolute(text)
        here = _LeftOut()
        if p.is_file():
            out.append((p, None))
        elif is_bids_root(p):
            recs, unread = _bids_recordings(p)
            if not recs and unread:
                raise _unread_bids_error(text, unread)
            if not recs:
                raise InputError("is a BIDS dataset without EDF/BDF recordings "
                                 "(sub-*/[ses-*/]eeg/*_eeg.edf|bdf or emg/*_emg.edf|bdf)",
                                 where=text, hint="give the dataset root that holds the sub-* folders")
            for fmt, paths in unread.items():
                notes.append(f"left out {fmt} recordings, which myosleep does not read: {len(paths)} "
                             f"(e.g. {paths[0].name}); convert them to EDF or BDF")
            out += [(r, p) for r in recs]
        elif p.is_dir():
            recs = _walk(p, here)
            if not recs:
                raise InputError("holds no EDF/BDF recording (" + ", ".join(SCANNED_SUFFIXES) + ")" + here.summary(),
                                 where=text, hint="give recordings, a glob such as 'nights/*.edf' or a BIDS root")
            out += [(r, None) for r in recs]
        elif GLOB_CHARS.search(text):
            recs = []
            outputs: dict[str, bool] = {}
            for m in sorted(glob.glob(os.path.expanduser(text), recursive=True)):
                parent = os.path.dirname(os.path.abspath(m))
                if parent not in outputs:
                    outputs[parent] = is_myosleep_output(parent)
                    if outputs[parent]:
                        here.add("output", os.path.relpath(parent) + os.sep)
                if outputs[parent] or not os.path.isfile(m):
                    continue
                if _scan_candidate(m, here, os.path.basename(m)):
                    recs.append(absolute(m))
            if not recs:
                raise InputError("matches no EDF/BDF recording" + here.summary(), where=text,
                                 hint="check the pattern (quote it so that the shell does not expand it)")
            out += [(r, None) for r in recs]
        else:
            raise InputError("no such file or folder", where=text, hint="check the path")
        for reason, items in here.items.items():
            for item in items:
                left.add(reason, item)
    seen: set[str] = set()
    unique: list[tuple[Path, Path | None]] = []
    for rec, bids_root in out:
        key = os.path.realpath(rec)  # the same file reached twice (a link and its target) is one night
        if key not in seen:
            seen.add(key)
            unique.append((rec, bids_root))
    return unique, left.notes() + notes


# ----------------------------------------------------------------------------------- recording ids
def _safe(text: str) -> str:
    """A folder-name-safe form of a file or folder name: Unicode letters, digits and marks (NFC) and
    ``. _ -`` kept; runs of anything else (separators, control characters, spaces, punctuation,
    Windows' ``< > : " | ? *``) become one ``_``; no leading dot (a hidden folder, or ``.``/``..``)."""
    text = unicodedata.normalize("NFC", text)
    out: list[str] = []
    for ch in text:
        ok = ch in "._-" or unicodedata.category(ch)[0] in "LMN"
        if ok:
            out.append(ch)
        elif not out or out[-1] != "_":
            out.append("_")
    name = "".join(out)
    if name.startswith("."):
        name = "_" + name[1:]
    name = name.rstrip(".") or "_"  # Windows drops trailing dots
    if name.split(".", 1)[0].upper() in _WINDOWS_RESERVED:
        name = name + "_"
    return name


def _entities(name: str) -> dict[str, str]:
    return {m.group("key"): f"{m.group('key')}-{m.group('label')}" for m in _ENTITY.finditer(name)}


def recording_ids(paths: list[Path], bids: list[bool]) -> list[str]:
    """Unique, file-system-safe output folder names, stable whatever other files are added.

    BIDS names lose ``_eeg.<ext>`` (``_emg.<ext>``); other files use their stem.  Letters and
    digits of any script are kept (NFC), other characters become ``_`` (:func:`_safe`).  Files
    sharing a name are told apart by their parent folders, as few as needed (``siteA__night``,
    ``siteB__night``); files of one folder that share a stem by their extension (``x.edf``,
    ``x.bdf``); names that only the replaced characters told apart (``a b.edf``, ``a_b.edf``) by
    8 hex digits of the SHA-1 of their file name.  Never by their position in the list.
    """
    bases = [(bids_base(p) if b else None) or p.stem for p, b in zip(paths, bids)]
    parents = [tuple(p.parent.parts) for p in paths]
    depth = [0] * len(paths)  # parent folders shown
    ext = [False] * len(paths)  # the extension shown
    tag = [False] * len(paths)  # the file name's hash shown

    def render(i: int) -> str:
        core = _safe(paths[i].name if ext[i] else bases[i])
        if tag[i]:
            core += "~" + hashlib.sha1(unicodedata.normalize("NFC", paths[i].name).encode()).hexdigest()[:8]
        shown = parents[i][len(parents[i]) - depth[i]:] if depth[i] else ()
        return "__".join([*(_safe(x).strip("_") or "root" for x in shown), core])

    names = [render(i) for i in range(len(paths))]
    for _ in range(max((len(x) for x in parents), default=0) + 3):
        groups: dict[str, list[int]] = {}
        for i, n in enumerate(names):
            groups.setdefault(n.casefold(), []).append(i)  # case-insensitive file systems (Windows, macOS)
        dups = [g for g in groups.values() if len(g) > 1]
        if not dups:
            return names
        for group in dups:
            if len({parents[i] for i in group}) > 1 and any(depth[i] < len(parents[i]) for i in group):
                for i in group:
                    depth[i] = min(depth[i] + 1, len(parents[i]))
            elif not all(ext[i] for i in group) and len({_safe(paths[i].name).casefold() for i in group}) > 1:
                for i in group:
                    ext[i] = True
            else:
                for i in group:
                    tag[i] = True
        names = [render(i) for i in range(len(paths))]
    # names that still collide (folders whose names differ in case only): the full path's hash
    folded = [n.casefold() for n in names]
    return [f"{n}~{hashlib.sha1(str(paths[i]).encode()).hexdigest()[:8]}" if folded.count(n.casefold()) > 1 else n
            for i, n in enumerate(names)]


def _match_events(patterns: str | list[str] | tuple[str, ...] | None, rec: Path, rid: str, ents: dict[str, str]
                  ) -> tuple[str | tuple[str, ...] | None, str | None]:
    """The night's scored-events file(s): one path for one pattern, a tuple for several."""
    if patterns is None:
        return None, None
    found: list[str] = []
    for pattern in [patterns] if isinstance(patterns, str) else patterns:
        path, problem = match_pattern(pattern, rec, rid, ents, "--events")
        if problem is not None:
            return None, problem
        if path is not None and path not in found:
            found.append(path)
    if not found:
        return None, None
    return (found[0] if len(found) == 1 else tuple(found)), None


def plan_nights(inputs: list[str], *, hypnograms: str | None = None,
                scored_events: str | list[str] | tuple[str, ...] | None = None,
                age: str | None = None) -> NightPlan:
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
        ``{dir}``, ``{id}``, ``{sub}``, ``{ses}``, each optionally with a format spec
        (``{stem:.6}``: its first 6 characters); relative patterns start at the recording's
        folder; a pattern may hold glob wildcards if it names one file (the placeholders' values
        are never wildcards).  ``hypnograms="none"``: no hypnogram for any night.  Default
        hypnogram: the first of :data:`HYPNOGRAM_LAYOUTS` that names exactly one file.
    age : str | None
        Age for every night; default the BIDS ``age`` column (sessions.tsv, then
        participants.tsv; years), else none.

    Returns
    -------
    NightPlan
        The nights (a list), and what the search left out (``notes``).  A night whose pattern
        names no file carries a ``problem`` (reported as that night's error); the others run.
    """
    if not inputs:
        raise ParameterError("no recordings given", where="INPUT",
                             hint="give EDF/BDF files, globs or a BIDS dataset root")
    no_hypnograms = hypnograms is not None and hypnograms.strip().lower() == NO_HYPNOGRAMS
    if hypnograms is not None and not no_hypnograms:
        check_pattern(hypnograms, "--hypnograms")
    for pattern in [scored_events] if isinstance(scored_events, str) else (scored_events or []):
        check_pattern(pattern, "--events")
    found, notes = _expand(list(inputs))
    recs = [r for r, _ in found]
    ids = recording_ids(recs, [root is not None for _, root in found])
    ages = _bids_ages({root for _, root in found if root is not None}) if age is None else {}
    nights = []
    for (rec, root), rid in zip(found, ids):
        ents = _entities(rec.name) if root is not None else {}
        problem = None
        if no_hypnograms:
            hyp, paired = None, None
        elif hypnograms is not None:
            hyp, problem = match_pattern(hypnograms, rec, rid, ents, "--hypnograms")
            paired = "--hypnograms" if hyp else None
        else:
            hyp, paired, problem = default_hypnogram(rec, root is not None)
        ev, problem_ev = _match_events(scored_events, rec, rid, ents)
        night_age = age
        if night_age is None and root is not None:
            night_age = ages.get((str(root), ents.get("sub"), ents.get("ses"))) or \
                ages.get((str(root), ents.get("sub"), None))
        convention = layout_convention(paired)
        nights.append(Night(recording_id=rid, recording=str(rec), hypnogram=hyp, scored_events=ev,
                            participant_id=ents.get("sub"), session_id=ents.get("ses"), age=night_age,
                            bids_root=None if root is None else str(root), problem=problem or problem_ev,
                            hypnogram_paired_by=paired if hyp else None,
                            hypnogram_convention=convention if hyp else None))
    return NightPlan(nights, notes)


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

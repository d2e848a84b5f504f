"""``myosleep export DIR --format edf|bids|nsrr|csv``: an analyze folder's events in other tools' formats.

``DIR`` is a ``myosleep analyze`` output folder (``events.tsv``, ``summary.json``).  The
recording's start (EDF+ and NSRR clock times) and patient field are read from the
recording named in ``summary.json["inputs"]["recording"]`` (found by its path, or beside
the folder by its name, and checked by its SHA-256), or from ``--recording``.

========  ===========================================  ==================================
format    writes                                       read by
========  ===========================================  ==================================
edf       ``annotations.edf`` (EDF+C, annotations)     EDFbrowser (Import annotations),
                                                       MNE ``read_annotations``, Luna
bids      ``sub-*/[ses-*/]eeg/*_events.tsv`` + .json   BIDS tools, MNE-BIDS, pandas
nsrr      ``<recording>-nsrr.xml`` (NSRR XML)          Luna, NSRR EDF Viewer, myosleep
csv       ``events.csv`` (spreadsheets)                Excel, LibreOffice, R
========  ===========================================  ==================================

All outputs are written all-or-nothing; bad input is one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

from .errors import InputError, OutputError, ParameterError
from .provenance import sha256_file

__all__ = ["FORMATS", "export_results", "find_recording", "read_summary", "add_parser", "run"]

FORMATS = ("edf", "bids", "nsrr", "csv")


def read_summary(result_dir: Path) -> dict | None:
    """summary.json of an analyze folder (None when absent); InputError when unreadable."""
    path = result_dir / "summary.json"
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"summary.json is not readable JSON ({exc})", where=path,
                         hint="run 'myosleep analyze' again to rewrite the folder") from None


def find_recording(result_dir: Path, summary: dict | None, given: str | os.PathLike[str] | None = None
                   ) -> Path | None:
    """The recording an analyze folder was made from, or None when it cannot be found.

    ``given`` (``--recording``) wins but must be that recording when summary.json names
    its SHA-256.  Otherwise the path stored in summary.json (absolute, or relative to the
    current folder or to the analyze folder's parent), then the file name beside the
    analyze folder or inside it; a candidate counts only when its SHA-256 matches.
    """
    entry = ((summary or {}).get("inputs") or {}).get("recording") or {}
    digest = entry.get("sha256")
    if given is not None:
        p = Path(given)
        if not p.is_file():
            raise InputError("recording not found", where=p, hint="check the --recording path")
        if digest and sha256_file(p) != digest:
            raise InputError(f"is not the recording of {result_dir} (its SHA-256 differs from summary.json's)",
                             where=p, hint="give the recording that was analysed")
        return p
    candidates: list[Path] = []
    stored = entry.get("path")
    if stored:
        sp = Path(stored)
        candidates += [sp] if sp.is_absolute() else [sp, result_dir.parent / sp, result_dir / sp]
    name = entry.get("name")
    if name:
        candidates += [result_dir.parent / name, result_dir / name]
    seen: set[Path] = set()
    for c in candidates:
        try:
            key = c.resolve()
        except OSError:
            continue
        if key in seen or not c.is_file():
            continue
        seen.add(key)
        if digest is None or sha256_file(c) == digest:
            return c
    return None


def _find_hypnogram(result_dir: Path, summary: dict | None) -> Path | None:
    entry = ((summary or {}).get("inputs") or {}).get("hypnogram") or {}
    if not entry or entry.get("source") == "recording annotations":
        return None
    digest = entry.get("sha256")
    cands = []
    if entry.get("path"):
        sp = Path(entry["path"])
        cands += [sp] if sp.is_absolute() else [sp, result_dir.parent / sp, result_dir / sp]
    if entry.get("name"):
        cands += [result_dir.parent / entry["name"], result_dir / entry["name"]]
    for c in cands:
        if c.is_file() and (digest is None or sha256_file(c) == digest):
            return c
    return None


def _bids_label(text: str) -> str:
    label = re.sub(r"[^A-Za-z0-9]", "", text)
    return label or "01"


def _check_out_file(out: Path) -> Path:
    from ._atomic import prepare_out_dir

    if out.exists() and out.is_dir():
        raise OutputError("is a folder; this format writes one file", where=out,
                          hint="give --out a file path (or omit it)")
    prepare_out_dir(out.parent if str(out.parent) else Path("."))
    return out


def export_results(result_dir: str | os.PathLike[str], *, fmt: str, out: str | os.PathLike[str] | None = None,
                   recording: str | os.PathLike[str] | None = None, hypnogram: str | os.PathLike[str] | None = None,
                   sub: str | None = None, ses: str | None = None, task: str = "sleep", run: str | None = None,
                   datatype: str = "eeg", columns_meta: Any = None, notes: list[str] | None = None) -> list[Path]:
    """Convert an analyze output folder's events.tsv; return the paths written.

    Parameters
    ----------
    result_dir : path-like
        ``myosleep analyze`` output folder.
    fmt : {"edf", "bids", "nsrr", "csv"}
    out : path-like | None
        Output file (edf, nsrr, csv) or BIDS root folder (bids); default inside ``result_dir``:
        ``annotations.edf``, ``<recording>-nsrr.xml``, ``events.csv``, ``bids/``.
    recording : path-like | None
        The analysed recording, when summary.json's path no longer finds it.
    hypnogram : path-like | None
        Stages for the NSRR export; default: the hypnogram file the analysis used.
    sub, ses, task, run, datatype : str
        BIDS entities (``sub`` defaults to the recording's name, letters and digits only).
    columns_meta : sequence | None
        Column metadata of the BIDS sidecar; default the schema's
        (:func:`myosleep.schema.column_metadata`, ``"events"``).
    notes : list | None
        Receives one line per thing the user should know (e.g. no stages in the NSRR file).
    """
    from .schema import EVENTS

    if fmt not in FORMATS:
        raise ParameterError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}", where="fmt")
    rdir = Path(result_dir)
    if not rdir.is_dir():
        raise InputError("is not a folder" if rdir.exists() else "folder not found", where=rdir,
                         hint="give the output folder of 'myosleep analyze'")
    events_path = rdir / "events.tsv"
    if not events_path.is_file():
        raise InputError("holds no events.tsv", where=rdir, hint="give the output folder of 'myosleep analyze'")
    events = EVENTS.read(events_path)  # the in-memory events: lists as tuples, a label's comma kept
    summary = read_summary(rdir)
    notes = notes if notes is not None else []
    rec_entry = ((summary or {}).get("inputs") or {}).get("recording") or {}
    rec_name = rec_entry.get("name") or rdir.name

    if fmt == "csv":
        start, date_known = _start_or_none(rdir, summary, recording, notes)
        from .io.export_bids import write_events_csv

        return [write_events_csv(events, _check_out_file(Path(out) if out else rdir / "events.csv"),
                                 start_datetime=start, date_known=date_known)]
    if fmt == "bids":
        from ._version import __version__
        from .io.export_bids import write_bids_events

        root = Path(out) if out else rdir / "bids"
        return write_bids_events(events, root, columns_meta=columns_meta,
                                 sub=sub or _bids_label(Path(rec_name).stem), ses=ses, task=task, run=run,
                                 datatype=datatype, generated_by={"Name": "myosleep", "Version": __version__})
    if fmt == "edf":
        from .io.edf_header import read_edf_header
        from .io.export_edf import recording_start, write_annotations_edf

        rec = find_recording(rdir, summary, recording)
        if rec is None:
            raise InputError(f"cannot find the analysed recording {rec_name!r} to read its start date and time",
                             where=rdir, hint="pass --recording with the recording's path")
        header = read_edf_header(rec)
        patient = header.patient if header.is_plus else None
        target = _check_out_file(Path(out) if out else rdir / "annotations.edf")
        return [write_annotations_edf(events, target, start_datetime=recording_start(rec), patient=patient,
                                      date_known=header.start_date_known)]
    # nsrr
    from .io import read_hypnogram
    from .io.export_nsrr import write_nsrr_xml

    start, _ = _start_or_none(rdir, summary, recording, notes)  # NSRR XML holds the clock time only
    hyp_path = Path(hypnogram) if hypnogram else _find_hypnogram(rdir, summary)
    hyp_entry = ((summary or {}).get("inputs") or {}).get("hypnogram") or {}
    if hyp_path is None and hyp_entry.get("source") == "recording annotations":
        hyp_path = find_recording(rdir, summary, recording)  # the EDF+ held its own scored stages
    hyp = None
    if hyp_path is not None:
        hyp = _without_gaps(read_hypnogram(hyp_path, recording_start=start), rec_entry.get("gaps_s") or (), notes)
    else:
        source = (summary or {}).get("hypnogram_source")
        notes.append(f"no hypnogram file found (stages came from {source or 'an unknown source'}); "
                     "the NSRR file holds events only: pass --hypnogram to add stages")
    target = _check_out_file(Path(out) if out else rdir / f"{Path(rec_name).stem}-nsrr.xml")
    return [write_nsrr_xml(events, target, start_datetime=start, duration_s=rec_entry.get("duration_s"),
                           hypnogram=hyp)]


def _without_gaps(hyp: Any, gaps_s: Any, notes: list[str]) -> Any:
    """The hypnogram with its epochs in the recording's gaps (summary.json) unscored, as the analysis used it."""
    from dataclasses import replace

    from .context.gaps import gap_epochs
    from .vocab import Stage

    gaps = [(float(a), float(b)) for a, b in gaps_s]
    inside = gap_epochs(hyp, gaps) if gaps else None
    if inside is None or not inside.any():
        return hyp
    notes.append(f"{int(inside.sum())} epoch(s) in the recording's gaps written as Unscored (no signal was "
                 "recorded there; the analysis left them out)")
    stages = hyp.stages.copy()
    stages[inside] = int(Stage.UNSCORED)
    return replace(hyp, stages=stages)


def _start_or_none(rdir: Path, summary: dict | None, recording: Any, notes: list[str]):
    """(the analysed recording's start, sub-second included, or None with a note; its date is known)."""
    from .io.edf_header import read_edf_header
    from .io.export_edf import recording_start

    rec = find_recording(rdir, summary, recording)
    if rec is None:
        notes.append("analysed recording not found: clock times left out (pass --recording to add them)")
        return None, False
    return recording_start(rec), read_edf_header(rec).start_date_known


# ----------------------------------------------------------------------------------- CLI
def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``myosleep export``."""
    p = subparsers.add_parser("export", help="convert an analyze folder's events (EDF+, BIDS, NSRR XML, CSV)",
                              description="Convert the events of a 'myosleep analyze' output folder.")
    p.add_argument("result_dir", metavar="DIR", help="output folder of 'myosleep analyze'")
    p.add_argument("--format", required=True, choices=FORMATS, help="edf, bids, nsrr or csv")
    p.add_argument("-o", "--out", default=None, help="output file (BIDS: root folder); default inside DIR")
    p.add_argument("--recording", default=None, help="the analysed recording, if it has moved")
    p.add_argument("--hypnogram", default=None, help="stages for the NSRR file (default: the one analysed)")
    p.add_argument("--sub", default=None, help="BIDS subject label (default: from the recording name)")
    p.add_argument("--ses", default=None, help="BIDS session label")
    p.add_argument("--task", default="sleep", help="BIDS task label (default: sleep)")
    p.add_argument("--run", default=None, help="BIDS run index")
    p.add_argument("--datatype", default="eeg", help="BIDS data type folder (eeg, emg, ieeg, beh; default eeg)")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Run ``myosleep export``; print the paths written (notes on stderr)."""
    notes: list[str] = []
    paths = export_results(args.result_dir, fmt=args.format, out=args.out, recording=args.recording,
                           hypnogram=args.hypnogram, sub=args.sub, ses=args.ses, task=args.task, run=args.run,
                           datatype=args.datatype, notes=notes)
    for note in notes:
        print(f"myosleep export: note: {note}", file=sys.stderr)
    for p in paths:
        print(p)
    return 0

"""``myosleep backaverage``: jerk-locked EEG back-averaging on its own, for neurophysiologists.

Registered by :mod:`myosleep.cli` (``add_parser`` / ``run``); heavy imports stay inside
:func:`run` so that ``myosleep --help`` stays fast.
"""

from __future__ import annotations

import argparse
import re

__all__ = ["add_parser", "run", "OUTPUT_NAMES"]

OUTPUT_NAMES = ("average.tsv", "stats.json")


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "backaverage", help="jerk-locked EEG back-averaging: is this jerk cortical?",
        description="Average the EEG around the EMG onsets of jerks from any events file; test for a pre-jerk "
                    "cortical transient, a Bereitschaftspotential and EEG-EMG coherence.")
    p.add_argument("recording", help="EDF, EDF+ or BDF file")
    p.add_argument("--events", required=True, metavar="FILE",
                   help="events file: myosleep events.tsv, a BIDS events.tsv, EDF+ annotations, NSRR/Profusion XML, "
                        "a SOMNOmedics export")
    p.add_argument("--class", dest="classes", action="append", metavar="C",
                   help="trial_type / description of the jerks to average (repeatable; default: the jerks analyze "
                        "averages, myoclonic_jerk, fragmentary_myoclonus and cortical_myoclonus, when the file has "
                        "them; else every row)")
    p.add_argument("--eeg", default=None, metavar="LABELS",
                   help="comma-separated EEG channels (default: every EEG channel of the shared rate)")
    p.add_argument("--hypnogram", default=None, metavar="FILE",
                   help="stages of the jerks when the events file has no stage column (for the BP in wakefulness)")
    p.add_argument("--seed", type=int, default=0, help="seed of the permutations and bootstrap (default 0)")
    p.add_argument("-o", "--out", required=True, metavar="DIR", help="output directory")
    return p


def _safe(label: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", label).strip("_") or "channel"


def _topomap(result, ax) -> bool:
    """Scalp map of the primary group's average at the pre-jerk peak; False when < 3 positions known."""
    import mne
    import numpy as np

    from .channels import parse_derivation

    # MNE 1.13 renamed the 10-20 template (standard_1020 -> colin27_1020)
    builtin = mne.channels.get_builtin_montages()
    montage = mne.channels.make_standard_montage("colin27_1020" if "colin27_1020" in builtin else "standard_1020")
    known = {n.lower(): n for n in montage.ch_names}
    names, idx = [], []
    for i, lab in enumerate(result.channels):
        act = parse_derivation(lab).active
        if act and act in known and known[act] not in names:
            names.append(known[act])
            idx.append(i)
    if len(names) < 3 or not result.groups:
        return False
    g = result.group()
    if g.transient.channel is not None:
        t_s = -g.transient.latency_ms / 1000.0
    else:
        lo, hi = result.params.transient_window_s
        m = (result.times_s >= lo) & (result.times_s < hi)
        k = int(np.argmax(np.abs(g.mean_uv[:, m]).max(axis=0)))
        t_s = float(result.times_s[m][k])
    k = int(np.argmin(np.abs(result.times_s - t_s)))
    info = mne.create_info(names, result.sfreq, "eeg", verbose=False)
    info.set_montage(montage, verbose=False)
    mne.viz.plot_topomap(g.mean_uv[idx, k], info, axes=ax, show=False, contours=0, sensors=True, names=names)
    ax.set_title(f"{g.name}: {t_s * 1000:.0f} ms (uV, positions of the active electrodes)", fontsize=9)
    return True


def run(args: argparse.Namespace) -> int:
    import json

    from .._atomic import atomic_paths, check_out_dir, prepare_out_dir
    from .._json import to_jsonable
    from ..errors import ParameterError
    from ..io import read_hypnogram, read_recording
    from .events_io import read_events_file
    from .stage import DEFAULT_CLASSES, jerk_locked_analysis

    if args.seed < 0:
        raise ParameterError(f"must be >= 0, got {args.seed}", where="--seed")
    check_out_dir(args.out)
    eeg = [x.strip() for x in args.eeg.split(",") if x.strip()] if args.eeg else None
    with read_recording(args.recording) as rec:
        events = read_events_file(args.events, recording_start=rec.start_datetime)
        classes: tuple[str, ...] | None
        if args.classes:
            classes = tuple(args.classes)
            present = {str(x).strip().casefold() for x in events["trial_type"]}
            missing = [c for c in classes if c.strip().casefold() not in present]
            if len(missing) == len(classes):
                raise ParameterError(f"no event of class {', '.join(missing)} in {args.events}; classes there: "
                                     f"{', '.join(sorted(present)[:12]) or 'none'}", where="--class")
        else:
            # the jerks analyze averaged: its candidates, and those it made cortical_myoclonus
            present = {str(x) for x in events["trial_type"]}
            classes = tuple(c for c in (*DEFAULT_CLASSES, "cortical_myoclonus") if c in present) or None
        hyp = read_hypnogram(args.hypnogram, recording_start=rec.start_datetime) if args.hypnogram else None
        if eeg:
            for lab in eeg:
                rec.channel(lab)
        result = jerk_locked_analysis(rec, events, classes=classes, hypnogram=hyp, eeg=eeg, seed=args.seed)
    out = prepare_out_dir(args.out)
    names = list(OUTPUT_NAMES)
    plots = [f"average_{_safe(lab)}.png" for lab in result.channels] if result.groups else []
    from matplotlib.figure import Figure

    topo_fig = None
    if result.groups and len(result.channels) >= 3:
        topo_fig = Figure(figsize=(4, 4), layout="constrained")
        if not _topomap(result, topo_fig.subplots()):
            topo_fig = None
    names += plots + (["topomap.png"] if topo_fig is not None else [])
    with atomic_paths([out / n for n in names]) as tmps:
        table = result.to_dataframe()
        table.to_csv(tmps[0], sep="\t", index=False, lineterminator="\n", float_format="%.4f")
        tmps[1].write_text(json.dumps(to_jsonable(result.summary()), indent=2, ensure_ascii=False) + "\n",
                           encoding="utf-8")
        for lab, tmp in zip(result.channels if plots else (), tmps[2:2 + len(plots)]):
            ax = result.plot_average(lab)
            ax.figure.savefig(tmp, format="png", dpi=110)
        if topo_fig is not None:
            topo_fig.savefig(tmps[-1], format="png", dpi=110)
    for n in names:
        print(out / n)
    return 0

"""``myosleep review DIR``: the command-line entry of the review page (registered by myosleep.cli); and
``myosleep analyze REC --events-from DIR/events.reviewed.tsv`` (:func:`run_events_from`)."""

from __future__ import annotations

import argparse
import sys

__all__ = ["add_parser", "run", "run_events_from"]


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``review`` sub-command to the CLI's sub-parsers."""
    p = subparsers.add_parser(
        "review", help="review the events of an analysis in the browser: accept, reject, relabel, add",
        description="Serve the results of 'myosleep analyze' on 127.0.0.1 and open them in the browser: "
                    "step through the events in their signals, accept, reject, relabel or add events. "
                    "Changes are saved at once to DIR/events.reviewed.tsv and DIR/review_log.jsonl; "
                    "DIR/events.tsv is never changed.")
    p.add_argument("dir", metavar="DIR", help="output directory of myosleep analyze")
    p.add_argument("--recording", default=None, metavar="REC",
                   help="the analysed recording (default: the path in DIR/summary.json)")
    p.add_argument("--hypnogram", default=None, metavar="FILE",
                   help="stages to draw (default: the hypnogram file named in DIR/summary.json)")
    p.add_argument("--port", type=int, default=0, metavar="P", help="TCP port on 127.0.0.1 (default: a free one)")
    p.add_argument("--reviewer", default=None, metavar="NAME",
                   help="your name, written with every change (default: your login name)")
    p.add_argument("--no-browser", action="store_true", help="print the address instead of opening a browser")
    return p


def run(args: argparse.Namespace) -> int:
    """Open the session, serve it until Ctrl-C, close it. Returns the exit status."""
    from .app import ReviewServer
    from .recompute import page_recompute
    from .session import open_session

    session = open_session(args.dir, recording=args.recording, hypnogram=args.hypnogram, reviewer=args.reviewer)
    try:
        # "Recompute findings": analyze --events-from DIR/events.reviewed.tsv into DIR/reviewed
        recompute = page_recompute(session.recording.path) if session.recording.path is not None else None
        server = ReviewServer(session, port=args.port, recompute=recompute)
        counts = session.store.counts()
        reviewed = sum(counts.values()) - counts["unreviewed"]
        print(f"myosleep review: {sum(counts.values())} events ({reviewed} reviewed) in {session.out_dir}, "
              f"reviewer {session.reviewer}")
        for note in session.store.notes:
            print(f"myosleep review: note: {note}")
        print(f"Open {server.url}  (this address holds the session's key: do not share it)")
        print("Press Ctrl-C to stop.", flush=True)
        if not args.no_browser:
            import webbrowser

            if not webbrowser.open(server.url):
                print("myosleep review: no browser could be started; open the address above", file=sys.stderr)
        server.serve_forever()
    finally:
        session.close()
    return 0


def run_events_from(args: argparse.Namespace) -> int:
    """``myosleep analyze REC --events-from REVIEWED``: the findings of a review (:mod:`.recompute`)."""
    from ..errors import ParameterError
    from .recompute import analyze_reviewed_to_dir

    for flag, value in (("--age", args.age), ("--channels", args.channels)):
        if value is not None:
            raise ParameterError("is taken from the reviewed analysis (its summary.json) with --events-from",
                                 where=flag, hint=f"leave {flag} out")
    hypnogram = args.hypnogram
    if args.hypnogram_convention is not None or args.hypnogram_epoch is not None:
        from ..io.hypnogram import HypnogramFile

        if hypnogram is None:
            raise ParameterError("is given without --hypnogram", where="--hypnogram-convention/--hypnogram-epoch",
                                 hint="leave it out: the stages of the reviewed analysis are used")
        hypnogram = HypnogramFile(hypnogram, convention=args.hypnogram_convention, epoch_s=args.hypnogram_epoch)
    paths = analyze_reviewed_to_dir(args.recording, events_from=args.events_from, out_dir=args.out,
                                    hypnogram=hypnogram, rules=args.rules, scored_events=args.events,
                                    progress=sys.stderr.isatty())
    for p in paths:
        print(p)
    return 0

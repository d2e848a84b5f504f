"""Command-line interface: a thin layer over the public API.

Exit status: 0 done; 2 bad input (one line on stderr: what, where, what to do);
1 unexpected failure.  Heavy libraries are imported inside each command so that
``myosleep --help`` starts fast.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from . import compare as compare_cmd
from . import export as export_cmd
from ._version import __version__
from .batch import cli as batch_cli  # ``myosleep batch`` lives in its own module
from .errors import InputError, ParameterError
from .neurophysiology import cli as _backaverage  # argparse only; heavy imports inside run()

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2


# ---------------------------------------------------------------- argument types
def parse_channel_overrides(values: Sequence[str] | None) -> dict[str, list[str]] | None:
    """``["chin=EMG1,leg=LAT", "leg-right=Leg 2"]`` -> ``{"chin": ["EMG1"], "leg": ["LAT"], "leg-right": ["Leg 2"]}``.

    A role may carry the body side (``leg-left``, ``arm-right``) for labels that do not say it
    (``Leg 1``, ``Leg 2``).
    """
    if not values:
        return None
    from .io.recording import split_role_side
    from .vocab import Role

    roles = {r.value for r in Role}
    out: dict[str, list[str]] = {}
    for value in values:
        for item in value.split(","):
            item = item.strip()
            if not item:
                continue
            role, sep, label = item.partition("=")
            role, label = role.strip().lower(), label.strip()
            if not sep or not label:
                raise ParameterError(f"cannot read {item!r}", where="--channels",
                                     hint="write role=label pairs, e.g. --channels chin=EMG1,leg=LAT,leg=RAT")
            if split_role_side(role)[0] not in roles:
                raise ParameterError(f"unknown role {role!r}; roles are {', '.join(sorted(roles))} (with a side: "
                                     f"leg-left, leg-right, arm-left, ...)", where="--channels")
            out.setdefault(role, []).append(label)
    return out


def _add_channels(p: argparse.ArgumentParser) -> None:
    p.add_argument("--channels", action="append", metavar="ROLE=LABEL,...",
                   help="override channel roles, e.g. chin=EMG1,leg=LAT,leg=RAT; a side where the label gives "
                        "none: leg-left='Leg 1',leg-right='Leg 2'; the bipolar derivation of two referential "
                        "channels: arm-right=EXG1-EXG2 (repeatable)")


class _Parser(argparse.ArgumentParser):
    """argparse with the package's error contract: one line on stderr, exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        line = " ".join(message.split())
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {line}. Run '{self.prog} --help' for usage.\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="myosleep",
        description="Find and explain sleep myoclonus in polysomnography and wearable recordings.",
    )
    parser.add_argument("--version", action="version", version=f"myosleep {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of unexpected failures")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="log progress (-vv: debug)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("info", help="list the channels of a recording, their roles and warnings")
    p.add_argument("recording", help="EDF, EDF+ or BDF file")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--no-scan", action="store_true", help="header only: skip the flat/clipped data scan")
    _add_channels(p)

    p = sub.add_parser("simulate", help="simulate a night with known events")
    p.add_argument("out", nargs="?", help="output EDF path (OUT.events.tsv and OUT.hypnogram.tsv are written beside)")
    p.add_argument("--scenario", default="healthy_adult", help="scenario name (see --list)")
    p.add_argument("--hours", type=float, default=8.0, help="duration in hours (default 8)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--list", action="store_true", help="list the scenarios and exit")

    p = sub.add_parser("detect", help="detect EMG bursts and motor events")
    p.add_argument("recording")
    p.add_argument("-o", "--out", default=None, help="output directory (default: RECORDING stem + '-myosleep')")
    _add_channels(p)

    p = sub.add_parser("analyze", help="detect, classify and report sleep myoclonus")
    p.add_argument("recording")
    p.add_argument("--hypnogram", default=None, help="hypnogram file (default: stage with YASA)")
    p.add_argument("--hypnogram-convention", default=None, metavar="NAME",
                   help="integer stage codes of --hypnogram when the file does not say: yasa, rk, isruc, "
                        "dreams-aasm, dreams-rk, elan; infant-labels reads N as an infant's NREM (AASM 0-2 months)")
    p.add_argument("--hypnogram-epoch", default=None, type=float, metavar="S",
                   help="epoch length of --hypnogram in seconds when the file does not say (default 30)")
    p.add_argument("--events", action="append", default=None, metavar="FILE",
                   help="the scorer's arousals and respiratory events (EDF+ annotations, NSRR/Profusion XML, "
                        "RemLogic, SOMNOmedics export, CSV/TSV): the arousals of the AASM rules and the PLM "
                        "respiratory exclusion; repeatable, the files' events are combined (default: those in "
                        "the recording's own EDF+ annotations, when it holds some)")
    p.add_argument("--age", default=None, help="age: years (34) or with unit (18d, 6w, 4mo, 34y)")
    p.add_argument("--rules", default=None, metavar="{aasm,wasm2016}",
                   help="leg-movement ruleset: aasm (default) or wasm2016")
    p.add_argument("--events-from", default=None, metavar="REVIEWED",
                   help="recompute the findings from the events of a review (DIR/events.reviewed.tsv of "
                        "myosleep review DIR) with the analysis' stages, ruleset and age; "
                        "--out defaults to DIR/reviewed")
    p.add_argument("-o", "--out", default=None, help="output directory (default: RECORDING stem + '-myosleep')")
    _add_channels(p)

    p = sub.add_parser("demo", help="simulate a short night, analyse it and write a report")
    p.add_argument("-o", "--out", default="myosleep-demo", help="output directory (default ./myosleep-demo)")
    batch_cli.add_parser(sub)
    _backaverage.add_parser(sub)
    export_cmd.add_parser(sub), compare_cmd.add_parser(sub)

    from .review import command as review_command
    review_command.add_parser(sub)
    return parser


# ---------------------------------------------------------------- commands
def _default_out(recording: str) -> Path:
    p = Path(recording)
    return p.with_name(p.stem + "-myosleep")


def cmd_info(args: argparse.Namespace) -> int:
    channels = parse_channel_overrides(args.channels)
    from .io import read_recording
    from .io.describe import describe_recording

    with read_recording(args.recording, channels=channels, allow_annotation_only=True) as rec:
        desc = describe_recording(rec, scan_data=not args.no_scan)
    if args.json:
        print(json.dumps(desc, indent=2, ensure_ascii=False))
        return EXIT_OK
    from .io.describe import format_description

    print(format_description(desc))
    return EXIT_OK


def cmd_simulate(args: argparse.Namespace) -> int:
    from .simulate import SCENARIOS, simulate_night

    if args.list:
        for name, sc in SCENARIOS.items():
            print(f"{name:28s} {sc.description}")
        return EXIT_OK
    if not args.out:
        raise ParameterError("no output path given",
                             hint="give OUT.edf, e.g. myosleep simulate night.edf --scenario plmd")
    if args.seed < 0:
        raise ParameterError(f"must be >= 0, got {args.seed}", where="--seed")
    if not args.hours > 0:
        raise ParameterError(f"must be > 0 hours, got {args.hours}", where="--hours")
    sim = simulate_night(args.scenario, hours=args.hours, seed=args.seed)
    paths = sim.write(args.out)
    for p in paths:
        print(p)
    return EXIT_OK


def cmd_detect(args: argparse.Namespace) -> int:
    from .pipeline import detect_to_dir

    out = Path(args.out) if args.out else _default_out(args.recording)
    paths = detect_to_dir(args.recording, out_dir=out, channels=parse_channel_overrides(args.channels),
                          progress=sys.stderr.isatty(),
                          on_warning=lambda text: print(f"myosleep detect: warning: {text}", file=sys.stderr))
    for p in paths:
        print(p)
    return EXIT_OK


def hypnogram_option(args: argparse.Namespace, *, hint: str) -> str | os.PathLike[str] | None:
    """``--hypnogram`` with ``--hypnogram-convention``/``--hypnogram-epoch`` folded in (a ``HypnogramFile``).

    ``hint``: what to do when a convention or epoch is given without a hypnogram file.
    """
    if args.hypnogram_convention is None and args.hypnogram_epoch is None:
        return args.hypnogram
    from .io.hypnogram import HypnogramFile

    if args.hypnogram is None:
        raise ParameterError("is given without --hypnogram", where="--hypnogram-convention/--hypnogram-epoch",
                             hint=hint)
    return HypnogramFile(args.hypnogram, convention=args.hypnogram_convention, epoch_s=args.hypnogram_epoch)


def cmd_analyze(args: argparse.Namespace) -> int:
    from .age import parse_age
    from .classification.rules import get_ruleset
    from .pipeline import analyze_to_dir

    if args.events_from is not None:  # the findings of a review (myosleep.review.command)
        from .review.command import run_events_from

        return run_events_from(args)
    channels, age = parse_channel_overrides(args.channels), parse_age(args.age)
    rules = get_ruleset(args.rules or "aasm")
    out = Path(args.out) if args.out else _default_out(args.recording)
    hypnogram = hypnogram_option(args, hint="give the hypnogram file with --hypnogram FILE")
    paths = analyze_to_dir(args.recording, out_dir=out, hypnogram=hypnogram, age=age, rules=rules.name,
                           channels=channels, scored_events=args.events, progress=sys.stderr.isatty(),
                           on_warning=lambda text: print(f"myosleep analyze: warning: {text}", file=sys.stderr))
    for p in paths:
        print(p)
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    paths = run_demo(out_dir=args.out, progress=sys.stderr.isatty())
    print("myosleep demo: simulated a night, analysed it, wrote:")
    for p in paths:
        print(f"  {p}")
    report = [p for p in paths if str(p).endswith(".html")]
    if report:
        print(f"Open the report: {Path(report[0]).resolve()}")
    return EXIT_OK


def cmd_review(args: argparse.Namespace) -> int:
    from .review.command import run

    return run(args)


COMMANDS = {"info": cmd_info, "simulate": cmd_simulate, "detect": cmd_detect,
            "analyze": cmd_analyze, "demo": cmd_demo, "export": export_cmd.run, "compare": compare_cmd.run,
            "review": cmd_review, "batch": batch_cli.run,
            "backaverage": _backaverage.run}

#: The library's parameter names (``InputError.where``) and the flags that set them.
FLAGS = {"rules": "--rules", "age": "--age", "channels": "--channels", "hypnogram": "--hypnogram",
         "scored_events": "--events", "out_dir": "--out", "hours": "--hours", "seed": "--seed",
         "scenario": "--scenario",
         # export, compare
         "fmt": "--format", "sub": "--sub", "ses": "--ses", "task": "--task", "run": "--run",
         "datatype": "--datatype", "match": "--match", "tolerance_s": "--tolerance", "iou": "--iou",
         "stages": "--stages",
         # batch, review
         "workers": "--workers", "workers/scheduler": "--workers/--scheduler", "alpha": "--alpha",
         "hypnograms/scored_events": "--hypnograms/--events", "hypnograms": "--hypnograms",
         "events": "--events", "diary_date": "--diary-date",
         "reviewer": "--reviewer", "port": "--port"}


def error_line(err: InputError) -> str:
    """The one-line message of a library error, naming the CLI's flag for a parameter."""
    return err.line(FLAGS.get(err.where or ""))


def _setup_logging(verbosity: int) -> None:
    if verbosity <= 0:
        return
    import logging

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S"))
    log = logging.getLogger("myosleep")
    log.addHandler(handler)
    log.setLevel(logging.DEBUG if verbosity > 1 else logging.INFO)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return EXIT_BAD_INPUT
    _setup_logging(args.verbose)
    debug = args.debug or bool(os.environ.get("MYOSLEEP_DEBUG"))
    try:
        return COMMANDS[args.command](args)
    except InputError as err:
        print(f"myosleep {args.command}: error: {error_line(err)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(f"myosleep {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as err:  # noqa: BLE001 - the CLI is the one place that catches everything
        if debug:
            raise
        line = " ".join(str(err).split()) or type(err).__name__
        print(f"myosleep {args.command}: unexpected failure ({type(err).__name__}: {line}). "
              "This is a bug: rerun with --debug and report the traceback.", file=sys.stderr)
        return EXIT_FAILURE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

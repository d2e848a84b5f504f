"""``myosleep batch``: the sub-command's arguments and its run (registered by ``myosleep.cli``)."""

from __future__ import annotations

import argparse
import sys

__all__ = ["add_parser", "run"]


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``batch`` on the CLI's sub-parsers."""
    p = subparsers.add_parser(
        "batch", help="analyse many nights (local processes or a Dask cluster), cohort table and covariates",
        description="Analyse many nights into OUT/<recording-id>/ (as analyze), write OUT/cohort.parquet and "
                    "OUT/cohort.csv, and with covariates OUT/cohort_report.html. Resumable: nights whose "
                    "outputs are current are skipped. Exit status: 0 every night done; 2 some nights were bad "
                    "input (their error is in their row); 1 some night failed unexpectedly.")
    p.add_argument("inputs", nargs="+", metavar="INPUT",
                   help="EDF/BDF files, globs ('nights/*.edf', quoted), folders (searched for EDF/BDF files: "
                        ".edf, .bdf, .rec, .edf+) or a BIDS dataset root (eeg/ and emg/ recordings)")
    p.add_argument("-o", "--out", required=True, help="output directory")
    p.add_argument("--hypnograms", default=None, metavar="PATTERN",
                   help="each night's hypnogram, e.g. '{stem}.hypnogram.tsv' or 'scoring/{id}*.xml' "
                        "(placeholders {stem} {base} {dir} {id} {sub} {ses}; the first N characters: {stem:.N}, "
                        "e.g. Sleep-EDF '{stem:.6}*-Hypnogram.edf', MASS '{stem:.10} Base.edf'; 'none': no "
                        "hypnogram, every night staged). Default: {stem}.hypnogram.tsv, in BIDS {base}_events.tsv "
                        "(its stage rows), else the layouts of Sleep-EDF, MASS, HMC, DREAMS, ISRUC, NSRR and CAP "
                        "(docs/batch.md), when exactly one file matches")
    p.add_argument("--hypnogram-convention", default=None, metavar="NAME",
                   help="integer stage codes of the hypnograms when their files do not say: yasa, rk, isruc, "
                        "dreams-aasm, dreams-rk, elan; infant-labels reads N as an infant's NREM (AASM 0-2 months)")
    p.add_argument("--hypnogram-epoch", default=None, type=float, metavar="S",
                   help="epoch length of the hypnograms in seconds when their files do not say (default 30)")
    p.add_argument("--events", action="append", default=None, metavar="PATTERN",
                   help="each night's scored arousals/respiratory events (same placeholders); repeatable, e.g. "
                        "one pattern per SOMNOmedics event file: the night's files are combined (default: the "
                        "events in each recording's own EDF+ annotations, when it holds some)")
    p.add_argument("--age", default=None,
                   help="age of every night: years (34) or with unit (18d, 6w, 4mo, 34y); default each night's "
                        "from an age column (age, age_years, age_months, NSRR age_s1, ...) of a --covariates table "
                        "keyed by recording_id, participant_id or nsrrid, else the BIDS participants.tsv/sessions.tsv")
    p.add_argument("--rules", default="aasm", metavar="{aasm,wasm2016}", help="leg-movement ruleset")
    p.add_argument("--channels", action="append", metavar="ROLE=LABEL,...",
                   help="override channel roles for every night, e.g. chin=EMG1,leg=LAT,leg=RAT (repeatable)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, default=None, metavar="N",
                       help="local worker processes (default: one per two CPUs; each spreads its night's "
                            "channels over the two)")
    where.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                       help="run on an existing Dask distributed cluster (workers need the same paths "
                            "and myosleep version)")
    p.add_argument("--covariates", action="append", default=None, metavar="TABLE",
                   help="covariate table, CSV/TSV: a diary (date, stress, tiredness, ...), a per-night table "
                        "(recording_id[, participant_id], ...), a participants table (participant_id, ...) or an "
                        "NSRR dataset (nsrrid, ...) (repeatable)")
    p.add_argument("--covariates-key", action="append", default=None, metavar="COLUMN",
                   help="column of the covariate tables holding the participant id that ends each recording id "
                        "(as NSRR's nsrrid: shhs1-200001 is participant 200001), e.g. --covariates-key mesaid")
    p.add_argument("--diary-date", default="evening", choices=("evening", "morning"),
                   help="a diary's date is the evening the night starts (default) or the morning after")
    p.add_argument("--alpha", type=float, default=0.05, help="false discovery rate of the covariate report")
    return p


def run(args: argparse.Namespace) -> int:
    """Run the batch; print where the outputs are and the exit status's meaning."""
    from ..cli import parse_channel_overrides
    from .run import plural, run_batch

    channels = parse_channel_overrides(args.channels)
    result = run_batch(args.inputs, out_dir=args.out, hypnograms=args.hypnograms, scored_events=args.events,
                       age=args.age, rules=args.rules, channels=channels, workers=args.workers,
                       scheduler=args.scheduler, covariates=args.covariates, diary_date=args.diary_date,
                       alpha=args.alpha, progress=sys.stderr.isatty(),
                       hypnogram_convention=args.hypnogram_convention, hypnogram_epoch_s=args.hypnogram_epoch,
                       covariates_key=args.covariates_key)
    for note in result.notes:
        print(f"myosleep batch: {note}", file=sys.stderr)
    print(f"myosleep batch: {result.summary()}")
    for path in result.paths:
        print(f"  {path}")
    for line in result.warnings:
        print(f"myosleep batch: warning: {line}", file=sys.stderr)
    if result.exit_status:
        failed = result.n_bad_input + result.n_unexpected
        where = "their errors are" if failed > 1 else "its error is"
        print(f"myosleep batch: {plural(failed, 'night')} failed; {where} in the error column of "
              f"{result.out_dir / 'cohort.csv'}", file=sys.stderr)
    return result.exit_status

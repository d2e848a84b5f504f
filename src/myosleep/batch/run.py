"""Run a batch: nights on local processes or an existing Dask distributed cluster.

Both modes are the same code: a :class:`distributed.Client` connected either to an
embedded :class:`distributed.LocalCluster` of worker *processes* (one thread each, no
server to start, nothing left running afterwards) or to the scheduler given with
``--scheduler``.  LocalCluster rather than ``concurrent.futures``: one code path for
laptop and cluster; a worker that dies (segfault, out of memory) is restarted by its
nanny and only its night fails, where a ``ProcessPoolExecutor`` breaks as a whole
(``BrokenProcessPool``); and the nanny enforces a memory limit per worker.

Back-pressure: at most two nights per worker process are submitted at a time (one
running, one queued so that no worker waits for the client); a finished night's future
is released at once, and workers return a small status record only (results stay on
disk), so the client's memory does not grow with the cohort.
"""

from __future__ import annotations

import logging
import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._atomic import check_out_dir, prepare_out_dir
from .._version import __version__
from ..errors import InputError, ParameterError
from .night import (
    BAD_INPUT,
    STATUS_FAILED,
    STATUS_SKIPPED,
    UNEXPECTED,
    failure_manifest,
    manifest_is_current,
    read_manifest,
    run_night,
)
from .plan import Night, plan_nights

__all__ = ["run_batch", "BatchResult", "plural", "EXIT_OK", "EXIT_FAILED_UNEXPECTEDLY", "EXIT_BAD_INPUT"]

logger = logging.getLogger("myosleep")

#: Exit status of ``myosleep batch`` (docs/batch.md): 0 every night done or skipped; 2 some
#: nights were bad input and none failed otherwise (or the batch itself was given bad input);
#: 1 at least one night failed unexpectedly (a bug, a worker that died).
EXIT_OK, EXIT_FAILED_UNEXPECTEDLY, EXIT_BAD_INPUT = 0, 1, 2
#: Nights in flight per worker process: one running and one waiting.
IN_FLIGHT_PER_WORKER = 2


@dataclass(frozen=True)
class BatchResult:
    """What a batch did.

    Attributes
    ----------
    out_dir : Path
    n_nights, n_done, n_skipped, n_bad_input, n_unexpected : int
        Nights planned; analysed now; skipped (outputs current, or the same bad input
        as last time); failed on bad input; failed unexpectedly.
    paths : tuple of Path
        cohort.parquet, cohort.csv and, with covariates, cohort_report.html.
    elapsed_s : float
    worker_peak_rss_mib : dict
        Peak resident memory of each worker process that ran a night in this batch (MiB, by pid).
    warnings : tuple of str
        Cohort warnings, one line each (what, where, what to do): covariate tables that left nights
        without a row, participants unknown to the statistics, EMG channels of unknown site.  The CLI
        prints them on stderr; the cohort report shows them.
    notes : tuple of str
        What the search for nights left out (annotation-only EDF+ files, myosleep's own output
        folders, recordings in formats myosleep does not read), one line per kind.
    """

    out_dir: Path
    n_nights: int
    n_done: int
    n_skipped: int
    n_bad_input: int
    n_unexpected: int
    paths: tuple[Path, ...]
    elapsed_s: float
    worker_peak_rss_mib: dict = field(default_factory=dict, repr=False)
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def exit_status(self) -> int:
        if self.n_unexpected:
            return EXIT_FAILED_UNEXPECTEDLY
        return EXIT_BAD_INPUT if self.n_bad_input else EXIT_OK

    def summary(self) -> str:
        return (f"{plural(self.n_nights, 'night')}: {self.n_done} analysed, {self.n_skipped} already done, "
                f"{self.n_bad_input} bad input, {self.n_unexpected} failed unexpectedly "
                f"({self.elapsed_s:.0f} s)")

    def __repr__(self) -> str:
        return f"BatchResult({self.summary()}, out_dir={str(self.out_dir)!r})"


def plural(n: int, word: str) -> str:
    """``1 night``, ``2 nights``, ``0 nights``."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


class _Progress:
    """A rich progress bar with ETA on stderr when ``show``; log lines otherwise."""

    def __init__(self, total: int, show: bool):
        self.total = total
        self.done = 0
        self._bar = None
        if show:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._bar = Progress(TextColumn("myosleep batch"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("nights"), TimeElapsedColumn(), TextColumn("ETA"),
                                 TimeRemainingColumn(), TextColumn("{task.description}"),
                                 console=Console(stderr=True))
            self._bar.start()
            self._task = self._bar.add_task("", total=total)

    def advance(self, rid: str, status: str, error: str | None = None) -> None:
        self.done += 1
        text = f"{rid}: {status}" + (f" ({error})" if error else "")
        logger.info("[%d/%d] %s", self.done, self.total, text)
        if self._bar is not None:
            self._bar.update(self._task, advance=1, description=text[:60])

    def advance_many(self, n: int) -> None:
        self.done += n
        if self._bar is not None and n:
            self._bar.update(self._task, advance=n, description=f"{n} current from an earlier run")

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


#: Cores per local worker by default: a night's detection already spreads its channels over two
#: threads (MYOSLEEP_WORKERS), and on this project's 2-core machine one worker gave 1.3-1.5x the
#: nights per hour of two (benchmarks/bench_batch.py, docs/batch.md), at half the memory.
CORES_PER_LOCAL_WORKER = 2


def _check_workers(workers: int | None) -> int:
    if workers is None:
        return max(1, _cpu_count() // CORES_PER_LOCAL_WORKER)
    try:
        n = int(workers)
        ok = n >= 1 and float(workers) == n
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ParameterError(f"must be an integer >= 1 (worker processes), got {workers!r}", where="workers")
    return n


def _worker_version() -> str:
    import myosleep

    return myosleep.__version__


def _connect(scheduler: str | None, workers: int) -> tuple[Any, Any]:
    """(client, cluster or None): an embedded LocalCluster, or a client of the given scheduler."""
    from distributed import Client, LocalCluster

    if scheduler is None:
        env = {}
        if "MYOSLEEP_WORKERS" not in os.environ:
            # detection spreads a night's channels over threads; share the cores between workers
            env["MYOSLEEP_WORKERS"] = str(max(1, _cpu_count() // workers))
        # no dashboard; the scheduler's own HTTP endpoint (health, metrics) on a free loopback port; Dask's
        # warnings (e.g. a worker slow to exit at shutdown on a loaded machine) stay out of the CLI's output:
        # what matters to the user, each night's failure, is in its row
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                               host="127.0.0.1", scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                               silence_logs=logging.ERROR, env=env)
        try:
            return Client(cluster), cluster
        except BaseException:
            cluster.close()
            raise
    try:
        client = Client(scheduler)  # connect timeout: dask config distributed.comm.timeouts.connect
    except (OSError, TimeoutError, ValueError) as err:
        raise InputError(f"cannot reach the Dask scheduler ({' '.join(str(err).split())})", where=scheduler,
                         hint="start one with 'dask scheduler' and workers with 'dask worker ADDRESS', "
                              "or leave out --scheduler to run on local processes") from None
    try:
        client.wait_for_workers(1, timeout=60)
    except TimeoutError:
        client.close()
        raise InputError("has no workers after 60 s", where=scheduler,
                         hint="start workers with 'dask worker ADDRESS' (same Python environment)") from None
    try:
        versions = set(client.run(_worker_version).values())
    except ImportError as err:
        client.close()
        raise InputError(f"its workers cannot import myosleep ({err})", where=scheduler,
                         hint="install myosleep in the workers' Python environment") from None
    if versions != {__version__}:
        client.close()
        raise InputError(f"its workers run myosleep {', '.join(sorted(versions))}, this client {__version__}",
                         where=scheduler, hint="install the same myosleep version on every worker")
    return client, None


def _n_processes(client: Any) -> int:
    return max(1, len(client.scheduler_info().get("workers", {})))


def _hypnogram_options(convention: str | None, epoch_s: float | None) -> dict[str, Any]:
    """The hypnogram reading options, checked once for the whole cohort (one line, exit 2, when wrong)."""
    from ..io._hypno_conventions import check_convention

    if epoch_s is not None and not (math.isfinite(epoch_s) and epoch_s > 0):
        raise ParameterError(f"must be a number of seconds > 0, got {epoch_s!r}", where="--hypnogram-epoch")
    return {"hypnogram_convention": check_convention(convention),
            "hypnogram_epoch_s": None if epoch_s is None else float(epoch_s)}


def run_batch(inputs: list[str], *, out_dir: str | os.PathLike[str], hypnograms: str | None = None,
              scored_events: str | list[str] | None = None, age: Any = None, rules: str = "aasm",
              channels: dict[str, list[str]] | None = None, workers: int | None = None,
              scheduler: str | None = None, covariates: list[str] | None = None,
              diary_date: str = "evening", alpha: float = 0.05, progress: bool = False,
              hypnogram_convention: str | None = None, hypnogram_epoch_s: float | None = None,
              covariates_key: str | list[str] | None = None) -> BatchResult:
    """Analyse many nights; write each into ``out_dir/<recording_id>/`` and the cohort table.

    Parameters
    ----------
    inputs : list of str
        Recordings, globs, folders or BIDS dataset roots (:func:`~myosleep.batch.plan.plan_nights`).
    out_dir : path
        Output folder.
    hypnograms, scored_events : str | None
        Path patterns per night (``{stem}``, ``{base}``, ``{dir}``, ``{id}``, ``{sub}``, ``{ses}``);
        ``scored_events`` may be a list of patterns (several files per night, combined).
    age : str | None
        Age of every night; default each night's from an age column of a covariate table keyed by
        recording or participant (``age``, ``age_years``, ``age_months``, NSRR ``age_s1``, ...), else
        the BIDS ``age`` column (:func:`~myosleep.batch.covariates.resolve_nights`).
    rules : {"aasm", "wasm2016"}
    channels : dict | None
        Role overrides for every night.
    workers : int | None
        Local worker processes (default: one per two CPUs); not with ``scheduler``.
    scheduler : str | None
        Address of a running Dask scheduler (``tcp://host:8786``); its workers must see the
        same paths (shared file system) and run the same myosleep version.
    covariates : list of str | None
        Covariate tables (diary CSV, participants table, per-recording table, NSRR dataset keyed by
        ``nsrrid``); BIDS participants.tsv and sessions.tsv are joined without asking.  A
        ``participant_id`` column of a table keyed by ``recording_id`` says whose each night is.
    covariates_key : str | list of str | None
        Column(s) of the covariate tables holding the participant id that ends each recording id
        (as NSRR's ``nsrrid``, recognised without it).
    diary_date : {"evening", "morning"}
        What a diary's ``date`` means (see :mod:`myosleep.batch.covariates`).
    alpha : float
        False discovery rate of the covariate report (Benjamini-Hochberg).
    progress : bool
        Progress bar with ETA on stderr.
    hypnogram_convention, hypnogram_epoch_s : str | float | None
        How every night's hypnogram is read when its file does not say: integer stage convention
        and epoch length (as ``analyze``'s ``--hypnogram-convention`` and ``--hypnogram-epoch``).
    """
    from ..age import parse_age
    from ..classification.rules import get_ruleset

    t0 = time.perf_counter()
    rules = get_ruleset(rules).name
    parsed_age = parse_age(age)
    age_text = None if parsed_age is None else parsed_age.text
    if scheduler is not None and workers is not None:
        raise ParameterError("give either --workers (local processes) or --scheduler (a Dask cluster), not both",
                             where="workers/scheduler")
    n_local = _check_workers(workers)
    if not 0 < float(alpha) < 1:
        raise ParameterError(f"must be between 0 and 1, got {alpha!r}", where="alpha")
    check_out_dir(out_dir)
    plan = plan_nights(list(inputs), hypnograms=hypnograms, scored_events=scored_events, age=age_text)
    notes = tuple(plan.notes)
    for note in notes:
        logger.info("batch: %s", note)
    keys = [covariates_key] if isinstance(covariates_key, str) else list(covariates_key or [])
    tables = _read_covariate_tables(covariates or [], keys)
    nights, identities = _identify(plan, tables, age_given=parsed_age is not None)
    out = prepare_out_dir(out_dir)
    options = {"rules": rules, "channels": channels, **_hypnogram_options(hypnogram_convention, hypnogram_epoch_s)}

    todo = []
    counts = {"done": 0, STATUS_SKIPPED: 0, BAD_INPUT: 0, UNEXPECTED: 0}
    reused: set[str] = set()  # nights whose outputs (or bad-input failure) come from an earlier run
    for n in nights:
        folder = out / n.recording_id
        if manifest_is_current(folder, n.to_dict(), options):
            # the same bad input as last time fails the same way: not run again, still counted
            m = read_manifest(folder) or {}
            failed = m.get("status") == STATUS_FAILED
            counts[(m.get("error_kind") or UNEXPECTED) if failed else STATUS_SKIPPED] += 1
            reused.add(n.recording_id)
        else:
            todo.append(n)
    logger.info("batch: %d nights, %d to analyse, %d current from an earlier run", len(nights), len(todo),
                len(nights) - len(todo))
    bar = _Progress(len(nights), progress)
    bar.advance_many(len(nights) - len(todo))
    peaks: dict[int, float] = {}
    try:
        if todo:
            _run_all(todo, options, out, scheduler, n_local, bar, counts, peaks, reused)
    finally:
        bar.close()
    paths, warnings = _write_outputs(nights, options, out, tables, diary_date=diary_date, alpha=alpha,
                                     identities=identities, reused=reused)
    return BatchResult(out_dir=out, n_nights=len(nights), n_done=counts["done"],
                       n_skipped=counts[STATUS_SKIPPED], n_bad_input=counts[BAD_INPUT],
                       n_unexpected=counts[UNEXPECTED], paths=tuple(paths), elapsed_s=time.perf_counter() - t0,
                       worker_peak_rss_mib=peaks, warnings=tuple(warnings), notes=notes)


def _run_all(todo: list[Night], options: dict, out: Path, scheduler: str | None, n_local: int,
             bar: _Progress, counts: dict, peaks: dict, reused: set[str]) -> None:
    from distributed import as_completed

    client, cluster = _connect(scheduler, min(n_local, len(todo)))
    try:
        pending = iter(todo)
        by_key: dict[str, Night] = {}
        ac = as_completed()
        limit = IN_FLIGHT_PER_WORKER * _n_processes(client)

        def submit_next() -> bool:
            night = next(pending, None)
            if night is None:
                return False
            fut = client.submit(run_night, night.to_dict() | {"problem": night.problem}, options, str(out),
                                key=f"myosleep-night-{night.recording_id}-{time.time_ns()}", pure=False)
            by_key[fut.key] = night
            ac.add(fut)
            return True

        for _ in range(limit):
            if not submit_next():
                break
        finished = 0
        for fut in ac:
            night = by_key.pop(fut.key)
            try:
                status = fut.result()
            except Exception as err:  # noqa: BLE001 - the worker died or the task could not run
                error = f"{type(err).__name__}: {' '.join(str(err).split()) or 'the worker running it was lost'}"
                logger.error("night %s: %s", night.recording_id, error)
                from .night import _record

                _record(out / night.recording_id, failure_manifest(night.to_dict(), options, kind=UNEXPECTED,
                                                                   error=error))
                status = {"status": STATUS_FAILED, "error_kind": UNEXPECTED, "error": error}
            finally:
                fut.release()
            if status["status"] == STATUS_SKIPPED:  # touched but unchanged inputs: the earlier outputs stand
                reused.add(night.recording_id)
            if status["status"] == STATUS_FAILED or status.get("error_kind"):
                counts[status["error_kind"]] += 1
            else:
                counts["done" if status["status"] == "done" else STATUS_SKIPPED] += 1
            if "pid" in status:
                peaks[status["pid"]] = max(peaks.get(status["pid"], 0.0), status["peak_rss_mib"])
            bar.advance(night.recording_id, status["status"], status.get("error"))
            finished += 1
            if finished % 16 == 0:  # workers may join or leave an adaptive cluster
                limit = IN_FLIGHT_PER_WORKER * _n_processes(client)
            while ac.count() < limit and submit_next():
                pass
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _read_covariate_tables(paths: list[str], keys: list[str]) -> list[tuple[str, Any]]:
    from .covariates import read_covariate_table

    return [(str(p), read_covariate_table(p, keys=keys)) for p in paths]


def _identify(nights: list[Night], tables: list, *, age_given: bool) -> tuple[list[Night], dict]:
    """The nights with their participant and age from the covariate tables (``resolve_nights``)."""
    import dataclasses

    import pandas as pd

    from .covariates import resolve_nights

    if not nights:
        return nights, {}
    frame = pd.DataFrame([{"recording_id": n.recording_id, "participant_id": n.participant_id,
                           "session_id": n.session_id, "age": n.age} for n in nights])
    identities = resolve_nights(frame, tables, age_given=age_given)
    return [dataclasses.replace(n, participant_id=identities[n.recording_id].participant_id,
                                age=identities[n.recording_id].age) for n in nights], identities


def _emg_unknown_site_warning(df: Any) -> str | None:
    """How many nights have EMG channels of unknown site, and the ``--channels`` line to give."""
    import shlex

    from ..schema import split_list

    col = df.get("channels_emg_unknown_site")
    if col is None:
        return None
    done = df[df["error"].isna()]
    sets = [tuple(split_list(v)) for v in done["channels_emg_unknown_site"] if isinstance(v, str) and v]
    if not sets:
        return None
    counts: dict[tuple[str, ...], int] = {}
    for labels in sets:
        counts[labels] = counts.get(labels, 0) + 1
    ranked = sorted(counts.items(), key=lambda kv: -kv[1])
    which = ", ".join(f"{', '.join(labels)} in {n}" for labels, n in ranked[:3]) + (", ..." if len(ranked) > 3 else "")
    top = ranked[0][0]
    hint = "--channels " + shlex.quote(",".join(f"{'chin' if i == 0 else 'leg'}={label}"
                                                for i, label in enumerate(top)))
    return (f"{len(sets)} of {len(done)} analysed nights have EMG channels of unknown site, not analysed "
            f"({which}; cohort.csv column channels_left_out). Name each channel's muscle (chin, leg, arm, axial) "
            f"and run again, e.g. {hint}")


def _write_outputs(nights: list[Night], options: dict, out: Path, tables: list, *, diary_date: str,
                   alpha: float, identities: dict | None = None,
                   reused: set[str] | None = None) -> tuple[list[Path], list[str]]:
    from .covariates import bids_covariate_table, join_covariates, join_warnings
    from .table import cohort_frame, write_cohort

    identities = identities or {}
    rows = []
    for n in nights:
        m = read_manifest(out / n.recording_id)
        row = dict((m or {}).get("row") or {})
        if not row:
            row = failure_manifest(n.to_dict(), options, kind=UNEXPECTED, error="no result was recorded")["row"]
        ident = identities.get(n.recording_id)
        # whose the night is may have changed since it ran (a covariate table added): the plan's stands
        row["participant_id"] = n.participant_id
        row["participant_source"] = None if ident is None else ident.participant_source
        row["age_source"] = None if ident is None or row.get("age_years") is None else ident.age_source
        row["from_earlier_run"] = n.recording_id in (reused or set())
        rows.append(row)
    df = cohort_frame(rows)
    joins = []
    roots = sorted({n.bids_root for n in nights if n.bids_root})
    bids = bids_covariate_table(roots) if roots else None
    if bids is not None:
        df, info = join_covariates(df, bids, source="BIDS participants.tsv/sessions.tsv", diary_date=diary_date)
        joins.append(info)
    for source, table in tables:
        df, info = join_covariates(df, table, source=source, diary_date=diary_date)
        joins.append(info)
    paths = write_cohort(df, out)
    warnings = join_warnings(joins)
    emg = _emg_unknown_site_warning(df)
    if emg:
        warnings.append(emg)
    if joins:
        from .report import participants_warning, write_cohort_report

        unknown = participants_warning(df)
        if unknown:
            warnings.append(unknown)
        paths.append(write_cohort_report(df, joins, out, alpha=alpha, warnings=warnings))
    return paths, warnings

"""Benchmark: what the evidence in report.html costs (analyze time) and weighs (report size).

* Time: ``analyze_to_dir`` on one simulated night (2 h by default), with the evidence (example
  traces read from the open recording, transition zooms, all figures) and without it (the
  extraction step replaced by one that reads no window: the report keeps its whole-night
  figures but draws no trace and no transition).  Both in this run, on this machine,
  alternated, after one warm-up run: the ratio of the fastest of ``--repeat`` runs of each,
  and the median ratio of the back-to-back pairs.
  The parts are also timed on their own (extraction inside analyze; rendering the report
  with and without the windows, same analysis) and the ratio recomputed from them.
  The whole-night figures (PLM intervals, hourly rates), drawn in both runs, are timed apart.
* Size: report.html (and the other outputs) of an 8-h night (``--size-hours``).

    .venv/bin/python benchmarks/bench_report.py [--hours 2] [--size-hours 8] [--scenario sleep_starts] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from unittest import mock


def _simulate(d: Path, scenario: str, hours: float, seed: int) -> tuple[Path, Path]:
    from myosleep.simulate import simulate_night

    paths = [Path(p) for p in simulate_night(scenario, hours=hours, seed=seed).write(d / f"{scenario}-{hours:g}h.edf")]
    return paths[0], next(p for p in paths if p.name.endswith(".hypnogram.tsv"))


def _no_windows(rec, detection, context, classification, **_):
    """The extraction step reading nothing but the header: no example traces, no transition zoom."""
    from myosleep.reporting.evidence import Evidence, recording_header

    return Evidence(header=recording_header(rec), chin_source=detection.chin_amplitude.source)


def _no_windows_of(analysis):
    from myosleep.reporting.evidence import Evidence

    return Evidence(header=analysis.evidence.header, chin_source=analysis.evidence.chin_source)


def _run(edf: Path, hyp: Path, out: Path, *, evidence: bool) -> tuple[float, dict]:
    from myosleep.pipeline import analyze_to_dir

    t = time.perf_counter()
    if evidence:
        analyze_to_dir(edf, out_dir=out, hypnogram=hyp)
    else:
        with mock.patch("myosleep.reporting.evidence.extract_evidence", _no_windows):
            analyze_to_dir(edf, out_dir=out, hypnogram=hyp)
    elapsed = time.perf_counter() - t
    return elapsed, json.loads((out / "summary.json").read_text())["timings_s"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", type=float, default=2.0, help="night timed with and without evidence (h)")
    ap.add_argument("--size-hours", type=float, default=8.0, help="night whose report is weighed (h)")
    ap.add_argument("--scenario", default="sleep_starts", help="simulated scenario (sleep_starts: most classes)")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        edf, hyp = _simulate(d, args.scenario, args.hours, seed=2)
        print(f"{args.hours:g}-h '{args.scenario}' night: {edf.stat().st_size / 1e6:.0f} MB")
        _run(edf, hyp, d / "warm", evidence=True)  # imports, numba cache, font cache
        with_s, without_s = [], []
        timings: dict[str, dict] = {}
        for i in range(args.repeat):
            for flag in ((True, False) if i % 2 == 0 else (False, True)):
                elapsed, timing = _run(edf, hyp, d / f"run-{i}-{flag}", evidence=flag)
                (with_s if flag else without_s).append(elapsed)
                timings[str(flag)] = timing
        # the parts, each timed on its own (less exposed to a noisy machine than whole runs)
        from myosleep.pipeline import analyze
        from myosleep.reporting.html import render_report

        analysis = analyze(edf, hypnogram=hyp)
        render_with, render_without = [], []
        for _ in range(args.repeat):
            t = time.perf_counter()
            render_report(analysis.summary, analysis.events, analysis.hypnogram, evidence=analysis.evidence)
            render_with.append(time.perf_counter() - t)
            t = time.perf_counter()
            render_report(analysis.summary, analysis.events, analysis.hypnogram,
                          evidence=_no_windows_of(analysis))
            render_without.append(time.perf_counter() - t)
        extract_s = min(float(analysis.summary["timings_s"]["evidence_s"]), timings["True"]["evidence_s"])
        from myosleep.reporting.html import _night_context

        night_s = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            _night_context(analysis.summary, analysis.events, float(analysis.detection.duration_s))
            night_s.append(time.perf_counter() - t)
        size_with = (d / "run-0-True" / "report.html").stat().st_size
        size_without = (d / "run-0-False" / "report.html").stat().st_size
        best_with, best_without = min(with_s), min(without_s)
        print(f"analyze_to_dir with evidence:    {best_with:6.2f} s  (runs {', '.join(f'{x:.2f}' for x in with_s)})")
        print(f"analyze_to_dir without evidence: {best_without:6.2f} s  "
              f"(runs {', '.join(f'{x:.2f}' for x in without_s)})")
        pairs = sorted(a / b for a, b in zip(with_s, without_s))  # each pair ran back to back
        print(f"ratio with / without:            {best_with / best_without:6.2f} (fastest runs); "
              f"{pairs[len(pairs) // 2]:.2f} (median of back-to-back pairs)")
        added = extract_s + min(render_with) - min(render_without)
        print(f"  parts: evidence extraction {extract_s:.3f} s; report rendering {min(render_with):.3f} s with the "
              f"evidence, {min(render_without):.3f} s without")
        print(f"  from the parts: (analyze without + extraction + extra rendering) / analyze without = "
              f"{(best_without + added) / best_without:.2f}")
        print(f"  the whole-night figures (PLM intervals, hourly rates; matplotlib), in both runs: "
              f"{min(night_s):.3f} s ({min(night_s) / best_without:.0%} of analyze without evidence)")
        print(f"  report.html: {size_with / 1e6:.2f} MB with evidence, {size_without / 1e6:.2f} MB without")

        edf8, hyp8 = _simulate(d, args.scenario, args.size_hours, seed=2)
        t = time.perf_counter()
        elapsed, timing = _run(edf8, hyp8, d / "night8", evidence=True)
        print(f"{args.size_hours:g}-h '{args.scenario}' night ({edf8.stat().st_size / 1e6:.0f} MB EDF): "
              f"analyze_to_dir {elapsed:.1f} s (evidence extraction {timing.get('evidence_s', 0):.2f} s)")
        for p in sorted((d / "night8").iterdir()):
            print(f"  {p.name:16s} {p.stat().st_size / 1e6:7.2f} MB")
        ev = json.loads((d / "night8" / "summary.json").read_text())["counts"]
        print(f"  events: {sum(ev.values())} in {sum(1 for v in ev.values() if v)} classes")


if __name__ == "__main__":
    main()

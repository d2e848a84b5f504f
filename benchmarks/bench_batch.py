"""Batch throughput and memory: nights per hour with 1 and 2 local workers, peak memory per worker.

    .venv/bin/python benchmarks/bench_batch.py [--nights 4] [--hours 8] [--repeats 2] [--data DIR]

One 8-h PLMD night is simulated once (cached in --data) and hard-linked N times under
different names, so every round analyses N full nights (nothing in the batch deduplicates
by content).  Rounds alternate 1 worker, 2 workers, 1, 2, ... in one run, so that the
2-worker/1-worker *ratio* is measured under the same background load (the machine may be
shared); the load average before and after is printed.  Wall time includes starting the
embedded LocalCluster (a few seconds), as a user would see it.

Peak memory per worker is each worker process's peak resident set size (getrusage), read
after each of its nights: the per-night sequence shows whether it grows with the number of
nights a worker has run.  The last lines turn the figures into an estimate for 10,000
nights on a cluster.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path


def _night(data: Path, hours: float) -> tuple[Path, Path]:
    from myosleep.simulate import simulate_night

    edf = data / f"plmd_{hours:g}h.edf"
    hyp = data / f"plmd_{hours:g}h.hypnogram.tsv"
    if not (edf.is_file() and hyp.is_file()):
        t = time.perf_counter()
        simulate_night("plmd", hours=hours, seed=3).write(edf)
        print(f"simulated one {hours:g}-h PLMD night in {time.perf_counter() - t:.0f} s: {edf} "
              f"({edf.stat().st_size / 2**20:.0f} MiB)")
    return edf, hyp


def _link(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy(src, dst)


def _per_night_peaks(out: Path) -> dict[int, list[float]]:
    """Worker pid -> peak RSS after each of its nights, in the order the nights finished."""
    rows = []
    for m in out.glob("*/batch.json"):
        worker = json.loads(m.read_text())["worker"]
        rows.append((worker["pid"], worker["finished_unix_s"], worker["peak_rss_mib"]))
    out_map: dict[int, list[float]] = {}
    for pid, _, peak in sorted(rows, key=lambda r: (r[0] or 0, r[1] or 0)):
        out_map.setdefault(pid, []).append(peak)
    return out_map


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nights", type=int, default=4)
    ap.add_argument("--hours", type=float, default=8.0)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--data", default=os.path.join(tempfile.gettempdir(), "myosleep-bench-batch"))
    args = ap.parse_args()

    from myosleep.batch import run_batch

    data = Path(args.data)
    data.mkdir(parents=True, exist_ok=True)
    edf, hyp = _night(data, args.hours)
    work = Path(tempfile.mkdtemp(prefix="bench-batch-", dir=data))
    try:
        for i in range(args.nights):
            _link(edf, work / f"night{i + 1:03d}.edf")
            _link(hyp, work / f"night{i + 1:03d}.hypnogram.tsv")
        print(f"cpus {os.cpu_count()}, load average before {os.getloadavg()[0]:.2f} "
              f"(the machine is shared with other work: ratios below are from alternating rounds in one run)")
        rates: dict[int, list[float]] = {1: [], 2: []}
        peaks: dict[int, list[float]] = {1: [], 2: []}
        for r in range(args.repeats):
            for workers in (1, 2):
                out = work / f"out-w{workers}-r{r}"
                t = time.perf_counter()
                res = run_batch([str(work / "night*.edf")], out_dir=out, workers=workers)
                wall = time.perf_counter() - t
                assert res.n_done == args.nights and res.exit_status == 0, res
                rate = args.nights / wall * 3600
                rates[workers].append(rate)
                per_worker = _per_night_peaks(out)
                peaks[workers] += [max(v) for v in per_worker.values()]
                seq = "; ".join(" -> ".join(f"{x:.0f}" for x in v) for v in per_worker.values())
                print(f"round {r + 1}, {workers} worker{'s' if workers > 1 else ''}: {args.nights} nights of "
                      f"{args.hours:g} h in {wall:.1f} s = {rate:.0f} nights/h; peak RSS per worker after each "
                      f"night (MiB): {seq}; load {os.getloadavg()[0]:.2f}")
                shutil.rmtree(out)
        r1, r2 = statistics.mean(rates[1]), statistics.mean(rates[2])
        peak = max(peaks[1] + peaks[2])
        print(f"\nnights/h: 1 worker {r1:.0f}, 2 workers {r2:.0f}; ratio 2/1 = {r2 / r1:.2f} "
              f"(per-round ratios {', '.join(f'{b / a:.2f}' for a, b in zip(rates[1], rates[2]))})")
        print(f"peak memory per worker for a {args.hours:g}-h night: {peak:.0f} MiB "
              f"(largest over {len(peaks[1]) + len(peaks[2])} worker processes)")
        s_per_night = 3600 / r1  # one worker process whose night's channels run on two threads (2 cores)
        print(f"\n10,000 nights, from these figures ({s_per_night:.0f} s per {args.hours:g}-h night per "
              f"worker of 2 cores, {peak / 1024:.1f} GiB per worker):")
        for n_workers in (1, 32, 128, 512):
            hours = 10_000 * s_per_night / n_workers / 3600
            print(f"  {n_workers:4d} workers ({2 * n_workers} cores, {peak / 1024 * 1.5:.1f} GiB each with 50 % "
                  f"headroom): {hours:7.1f} h")
        print(f"load average after {os.getloadavg()[0]:.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

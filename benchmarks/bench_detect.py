"""Speed of ``myosleep detect`` against reading the EDF (issue 3).

Writes an 8-h and a 10-min simulated night (chin, two leg and one arm EMG at
512 Hz, plus the simulator's ECG, EEG and EOG) to temporary EDFs once, then times,
each in a fresh process so that start-up is counted the same way:

* reading the whole EDF with edfio, every signal decoded;
* ``myosleep detect`` (the CLI entry point);
* ``myosleep --help`` (start-up).

Marginal costs remove start-up: (detect 8 h - detect 10 min) vs (read 8 h - read
10 min).  Goal: detection's marginal cost <= 2x the read's.  Peak memory is the
maximum resident set size of the detect process (the nights are simulated in a
child process so that the benchmark's own memory does not leak into that figure).

Run:  .venv/bin/python benchmarks/bench_detect.py [--hours 8] [--repeat 3]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PY = sys.executable
READ = ("import sys, edfio\n"
        "edf = edfio.read_edf(sys.argv[1])\n"
        "tot = 0\n"
        "for s in edf.signals:\n"
        "    tot += s.data.size\n")


WRITE = ("import sys\n"
         "from bench_detect import _write_night\n"
         "from pathlib import Path\n"
         "_write_night(Path(sys.argv[1]), float(sys.argv[2]), seed=1)\n")


CLI = ("import resource, sys\n"
       "from myosleep.cli import main\n"
       "try:\n"
       "    rc = main(sys.argv[1:])\n"
       "finally:\n"
       "    print('MAXRSS', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
       "sys.exit(rc)\n")


def _write_night(path: Path, hours: float, seed: int) -> None:
    """Simulate a night and write chin, both legs, one arm, ECG, EEG and EOG (uV) to ``path``."""
    import edfio
    import numpy as np

    from myosleep.simulate import simulate_night

    sim = simulate_night("quiet_artefacts", hours=hours, seed=seed)
    sigs = []
    for ch in sim.channels:
        if ch.label == "EMG FDS R":  # one arm only
            continue
        lim = 5000.0
        sigs.append(edfio.EdfSignal(np.clip(ch.data.astype(np.float64), -lim, lim), sampling_frequency=ch.sfreq,
                                    label=ch.label, physical_dimension="uV", physical_range=(-lim, lim)))
    edfio.Edf(sigs, data_record_duration=1.0).write(path)


def _run(args: list[str]) -> tuple[float, float]:
    """Wall time (s) and peak RSS (MB, NaN unless the child reports it) of a child process."""
    t0 = time.perf_counter()
    proc = subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t0
    rss = float("nan")
    for line in proc.stderr.splitlines():
        if line.startswith("MAXRSS "):
            rss = float(line.split()[1]) / 1024.0
    return wall, rss


def _best(args: list[str], repeat: int) -> tuple[float, float]:
    runs = [_run(args) for _ in range(repeat)]
    return min(r[0] for r in runs), max(r[1] for r in runs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", type=float, default=8.0)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        big, small = tmp / "night8h.edf", tmp / "night10min.edf"
        t0 = time.perf_counter()
        # simulate in a child process: on Linux a child's ru_maxrss starts from its
        # parent's peak at fork, so a parent that held the simulated night (~1.2 GB)
        # would inflate every peak-memory figure measured below
        for path, hours in ((big, args.hours), (small, 10 / 60)):
            subprocess.run([PY, "-c", WRITE, str(path), str(hours)], check=True,
                           cwd=str(Path(__file__).resolve().parent))
        print(f"simulated and wrote the nights in {time.perf_counter() - t0:.1f} s "
              f"({big.stat().st_size / 1e6:.0f} MB and {small.stat().st_size / 1e6:.1f} MB)")
        myosleep = [_entry()] if _has_entry() else [PY, "-m", "myosleep.cli"]
        cli = [PY, "-c", CLI]
        help_t, _ = _best([*myosleep, "--help"], args.repeat)
        read_big, _ = _best([PY, "-c", READ, str(big)], args.repeat)
        read_small, _ = _best([PY, "-c", READ, str(small)], args.repeat)
        det_small, _ = _best([*myosleep, "detect", str(small), "--out", str(tmp / "o_small")], args.repeat)
        det_big, _ = _best([*myosleep, "detect", str(big), "--out", str(tmp / "o_big")], args.repeat)
        _, rss_big = _run([*cli, "detect", str(big), "--out", str(tmp / "o_big2")])
        _, rss_small = _run([*cli, "detect", str(small), "--out", str(tmp / "o_small2")])
        size_mb = big.stat().st_size / 1e6
    read_m = read_big - read_small
    det_m = det_big - det_small
    print(f"start-up: myosleep --help {help_t:.2f} s; detect on the 10-min night {det_small:.2f} s")
    print(f"read (edfio, all signals): {args.hours:g} h {read_big:.2f} s, 10 min {read_small:.2f} s, "
          f"marginal {read_m:.2f} s")
    print(f"myosleep detect:           {args.hours:g} h {det_big:.2f} s, 10 min {det_small:.2f} s, "
          f"marginal {det_m:.2f} s")
    print(f"detect marginal / read marginal = {det_m / read_m:.2f} (goal <= 2)")
    print(f"peak memory of detect on the {args.hours:g}-h night: {rss_big:.0f} MB (file {size_mb:.0f} MB on disk); "
          f"on the 10-min night {rss_small:.0f} MB")


def _entry() -> str:
    return str(Path(PY).with_name("myosleep"))


def _has_entry() -> bool:
    return Path(_entry()).exists()


if __name__ == "__main__":
    main()

"""Speed of ``myosleep detect`` against reading the EDF (issue 3).

Writes an 8-h and a 10-min simulated night (chin, two leg and one arm EMG at
512 Hz, plus the simulator's ECG, EEG and EOG) to temporary EDFs once (or uses
``--big`` for the 8-h one), then times, each in a fresh process so that start-up is
counted the same way:

* reading the whole EDF with edfio, every signal decoded;
* reading the channels detection reads (EMG and ECG) with ``myosleep.io`` (float32);
* ``myosleep detect`` (the CLI's ``main``; its peak RSS from the same runs), for each
  ``--workers`` value (``MYOSLEEP_WORKERS``);
* ``myosleep --help`` (start-up).

numba compiles its kernels on first use and caches them on disk: every run uses a
cache directory of its own (``NUMBA_CACHE_DIR``), filled by one untimed warm-up run
whose time is reported as "first run"; the timed runs load the cached kernels, so
compilation stays out of the 8-h marginal cost.

Marginal costs remove start-up: (detect 8 h - detect 10 min) vs (read 8 h - read
10 min).  Goal: detection's marginal cost <= 2x the read's.  Peak memory is the
maximum resident set size of the detect process (the nights are simulated in a
child process so that the benchmark's own memory does not leak into that figure).

Run:  .venv/bin/python benchmarks/bench_detect.py [--hours 8] [--repeat 3] [--workers 1,2]
      [--big /tmp/night8h.edf]
"""

from __future__ import annotations

import argparse
import os
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

READ_MYO = ("import sys, numpy as np\n"
            "from myosleep.io import read_recording\n"
            "with read_recording(sys.argv[1]) as rec:\n"
            "    for c in rec.channels:\n"
            "        if c.is_emg or c.role.value == 'ecg':\n"
            "            rec.get_data(c.label, dtype=np.float32)\n")


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


def _run(args: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall time (s) and peak RSS (MB, NaN unless the child reports it) of a child process."""
    t0 = time.perf_counter()
    proc = subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          env=env)
    wall = time.perf_counter() - t0
    rss = float("nan")
    for line in proc.stderr.splitlines():
        if line.startswith("MAXRSS "):
            rss = float(line.split()[1]) / 1024.0
    return wall, rss


def _best(args: list[str], repeat: int, env: dict[str, str] | None = None) -> tuple[float, float, list[float]]:
    """Best wall time, largest peak RSS, and every wall time of ``repeat`` runs."""
    runs = [_run(args, env) for _ in range(repeat)]
    return min(r[0] for r in runs), max(r[1] for r in runs), [r[0] for r in runs]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", type=float, default=8.0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--workers", default="2", help="comma-separated MYOSLEEP_WORKERS values to time (e.g. 1,2)")
    ap.add_argument("--big", type=Path, help="an existing long night written by _write_night (skips simulating it)")
    args = ap.parse_args()
    workers = [int(w) for w in args.workers.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        big, small = args.big or tmp / "night8h.edf", tmp / "night10min.edf"
        t0 = time.perf_counter()
        # simulate in a child process: on Linux a child's ru_maxrss starts from its
        # parent's peak at fork, so a parent that held the simulated night (~1.2 GB)
        # would inflate every peak-memory figure measured below
        for path, hours in ((small, 10 / 60),) + (() if args.big else ((big, args.hours),)):
            subprocess.run([PY, "-c", WRITE, str(path), str(hours)], check=True,
                           cwd=str(Path(__file__).resolve().parent))
        print(f"nights ready in {time.perf_counter() - t0:.1f} s ({big.stat().st_size / 1e6:.0f} MB and "
              f"{small.stat().st_size / 1e6:.1f} MB)", flush=True)
        myosleep = [_entry()] if _has_entry() else [PY, "-m", "myosleep.cli"]
        cli = [PY, "-c", CLI]
        env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp / "numba_cache"))
        first, _ = _run([*cli, "detect", str(small), "--out", str(tmp / "o_first")], env)  # fills the cache
        help_t, _, _ = _best([*myosleep, "--help"], args.repeat, env)
        read_big, _, rb = _best([PY, "-c", READ, str(big)], args.repeat)
        read_small, _, rs = _best([PY, "-c", READ, str(small)], args.repeat)
        myo_big, _, _ = _best([PY, "-c", READ_MYO, str(big)], args.repeat)
        myo_small, _, _ = _best([PY, "-c", READ_MYO, str(small)], args.repeat)
        det = {}
        for w in workers:
            env_w = dict(env, MYOSLEEP_WORKERS=str(w))
            det[w] = (_best([*cli, "detect", str(small), "--out", str(tmp / "o_small")], args.repeat, env_w),
                      _best([*cli, "detect", str(big), "--out", str(tmp / "o_big")], args.repeat, env_w))
        size_mb = big.stat().st_size / 1e6
    long = f"{args.hours:g} h" if args.big is None else big.name
    read_m = read_big - read_small
    print(f"start-up: myosleep --help {help_t:.2f} s; first detect (compiling numba kernels into an empty "
          f"cache) on the 10-min night {first:.2f} s")
    print(f"read (edfio, all signals):     {long} {read_big:.2f} s, 10 min {read_small:.2f} s, "
          f"marginal {read_m:.2f} s   (runs: {_fmt(rb)} / {_fmt(rs)})")
    print(f"read (myosleep.io, EMG + ECG): {long} {myo_big:.2f} s, 10 min {myo_small:.2f} s, "
          f"marginal {myo_big - myo_small:.2f} s")
    for w, ((d_small, rss_small, ds), (d_big, rss_big, db)) in det.items():
        det_m = d_big - d_small
        print(f"myosleep detect, {w} worker(s): {long} {d_big:.2f} s, 10 min {d_small:.2f} s, "
              f"marginal {det_m:.2f} s   (runs: {_fmt(db)} / {_fmt(ds)})")
        print(f"    detect marginal / read marginal = {det_m / read_m:.2f} (goal <= 2); peak memory "
              f"{rss_big:.0f} MB on {long} (file {size_mb:.0f} MB on disk), {rss_small:.0f} MB on 10 min")


def _fmt(times: list[float]) -> str:
    return " ".join(f"{t:.2f}" for t in times)


def _entry() -> str:
    return str(Path(PY).with_name("myosleep"))


def _has_entry() -> bool:
    return Path(_entry()).exists()


if __name__ == "__main__":
    main()

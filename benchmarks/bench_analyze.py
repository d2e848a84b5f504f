"""Benchmark: ``myosleep analyze`` against detection alone on one 8-h simulated night.

Issue 4 asks that analysis with a given hypnogram cost under 2x detection alone, and that
the share of YASA staging be reported when no hypnogram is given. Everything is measured
in this run, on this machine, so the ratios hold even when the machine is noisy.

    .venv/bin/python benchmarks/bench_analyze.py [--hours 8] [--scenario plmd] [--repeat 1]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).with_name("myosleep")


def _run(args: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run([str(BIN), *args], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", type=float, default=8.0)
    ap.add_argument("--scenario", default="plmd")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--no-yasa", action="store_true", help="skip the YASA-staged run")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        edf = d / "night.edf"
        t = time.perf_counter()
        subprocess.run([str(BIN), "simulate", str(edf), "--scenario", args.scenario, "--hours", str(args.hours),
                        "--seed", "3"], check=True, stdout=subprocess.DEVNULL)
        print(f"simulated {args.hours:g} h '{args.scenario}' in {time.perf_counter() - t:.1f} s "
              f"({edf.stat().st_size / 1e6:.0f} MB)")
        hyp = d / "night.hypnogram.tsv"
        det, ana, yas = [], [], []
        for _ in range(args.repeat):
            det.append(_run(["detect", str(edf), "--out", str(d / "det")]))
            ana.append(_run(["analyze", str(edf), "--hypnogram", str(hyp), "--out", str(d / "ana")]))
            if not args.no_yasa:
                yas.append(_run(["analyze", str(edf), "--out", str(d / "yasa")]))
        detect_s, analyze_s = min(det), min(ana)
        print(f"detect (CLI, whole process):            {detect_s:6.2f} s")
        print(f"analyze with hypnogram (CLI):           {analyze_s:6.2f} s   ratio to detect {analyze_s / detect_s:4.2f} "
              "(goal < 2)")
        import json

        timing = json.loads((d / "ana" / "summary.json").read_text())["timings_s"]
        print(f"  inside analyze: {timing}")
        if yas:
            yasa_s = min(yas)
            t_y = json.loads((d / "yasa" / "summary.json").read_text())["timings_s"]
            share = t_y.get("context_s", float("nan")) / yasa_s
            print(f"analyze with YASA staging (CLI):        {yasa_s:6.2f} s   ratio to detect {yasa_s / detect_s:4.2f}; "
                  f"staging+context {t_y.get('context_s', float('nan')):.2f} s = {share:.0%} of the run")


if __name__ == "__main__":
    main()

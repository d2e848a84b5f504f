"""Calibration of the pre-jerk transient test: random onsets on a real-looking night.

Onsets drawn at random (nothing is time-locked to them) on one simulated night without
cortical myoclonus; the stage's transient test must reject at its nominal rate (alpha =
0.01 per run, one group). Prints the fraction of runs with p < alpha and with p < 0.05.

    .venv/bin/python benchmarks/neuro_calibration.py [--runs 200] [--jerks 40]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

from myosleep.io import read_recording
from myosleep.neurophysiology import jerk_locked_analysis
from myosleep.simulate import simulate_night


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--jerks", type=int, default=40)
    ap.add_argument("--scenario", default="healthy_adult")
    args = ap.parse_args()
    sim = simulate_night(args.scenario, hours=2.0, seed=7)
    rng = np.random.default_rng(1)
    pv = []
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "night.edf"
        sim.write(path)
        with read_recording(path) as rec:
            for run in range(args.runs):
                onsets = np.sort(rng.uniform(5.0, sim.duration_s - 5.0, args.jerks))
                r = jerk_locked_analysis(rec, onsets, classes=None, seed=run)
                if r.groups:
                    pv.append(r.groups[0].transient.p_value)
    pv = np.asarray(pv)
    print(f"{pv.size} runs of {args.jerks} random onsets on a {args.scenario} night: "
          f"p < 0.01 in {100 * np.mean(pv < 0.01):.1f} %, p < 0.05 in {100 * np.mean(pv < 0.05):.1f} % "
          f"(nominal 1 % and 5 %)")


if __name__ == "__main__":
    main()

"""Cost of the neurophysiology stage against analyze, measured in the same run.

An 8-h simulated night with 6 EEG channels (F3, F4, C3, C4, O1, O2 to the contralateral
mastoid) and ~200 cortical jerks; ``analyze`` with the true hypnogram, then the stage on the
jerks analyze found (myoclonic_jerk + fragmentary_myoclonus). Prints both times and the
ratio stage / analyze.

    .venv/bin/python benchmarks/bench_neuro.py [--hours 8] [--seed 0]
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
import time
from pathlib import Path

from myosleep.io import read_recording
from myosleep.neurophysiology import jerk_locked_analysis
from myosleep.pipeline import analyze
from myosleep.simulate import SCENARIOS, simulate_night
from myosleep.simulate.scenarios import ARMS, CHIN, ECG_CHANNEL, EOG_CHANNELS, LEGS, ChannelSpec
from myosleep.vocab import Role

EEG6 = tuple(ChannelSpec(lab, Role.EEG) for lab in ("F3-M2", "F4-M1", "C3-M2", "C4-M1", "O1-M2", "O2-M1"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hours", type=float, default=8.0)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    base = SCENARIOS["cortical_myoclonus"]
    # 25 cortical jerks per hour: ~200 jerks in 8 h
    sc = dataclasses.replace(base, channels=(*EEG6, *EOG_CHANNELS, CHIN, *LEGS, *ARMS, ECG_CHANNEL),
                             rates=dataclasses.replace(base.rates, cortical_jerks_per_hour=25.0 * 8 / args.hours,
                                                       fm_per_hour=0.0))
    t = time.perf_counter()
    sim = simulate_night(sc, hours=args.hours, seed=args.seed)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "night.edf"
        sim.write(path)
        print(f"simulated and wrote {args.hours:g} h in {time.perf_counter() - t:.0f} s; "
              f"{(sim.events['trial_type'] == 'cortical_myoclonus').sum()} cortical jerks")
        with read_recording(path) as rec:
            t = time.perf_counter()
            a = analyze(rec, hypnogram=sim.hypnogram)
            t_analyze = time.perf_counter() - t
            t = time.perf_counter()
            r = jerk_locked_analysis(rec, a.events, classes=("myoclonic_jerk", "fragmentary_myoclonus"),
                                     bursts=a.detection.bursts)
            t_stage = time.perf_counter() - t
    print(r)
    print(f"jerks selected {r.n_selected}, usable {r.n_usable}, EEG channels {len(r.channels)}, "
          f"groups {len(r.groups)}")
    print(f"analyze {t_analyze:.2f} s, neurophysiology stage {t_stage:.2f} s, "
          f"ratio stage/analyze = {t_stage / t_analyze:.2f}")


if __name__ == "__main__":
    main()

"""False-positive rate of the cortical_myoclonus finding on nights without cortical myoclonus.

Simulated sleep starts, PLMD, REM twitches (rsbd) and healthy nights, several seeds each.
Every night: ``myosleep.analyze`` with the true hypnogram (to save the staging time), then
the neurophysiology stage on the jerks analyze found: each class with jerks
(hypnic_jerk, leg_movement, rem_twitch, fragmentary_myoclonus, myoclonic_jerk, ...) on its
own, and the cortical candidates together (myoclonic_jerk + fragmentary_myoclonus). A night
is a false positive when any of these runs says ``cortical_myoclonus: present``; the
per-run rate (runs with a verdict, true or false) is printed too: analyze runs the stage once.

    .venv/bin/python benchmarks/neuro_false_positives.py [--seeds 5] [--hours 2] [--dense-sleep-starts]

``--dense-sleep-starts`` runs only a sleep-starts night with 6 hypnic jerks per transition
and 8 extra sleep-onset attempts, so that the hypnic jerks alone reach the 20 usable
jerks a verdict needs (the standard scenario has ~10 per 2-h night: "not enough jerks").
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
from myosleep.simulate import SCENARIOS as ALL_SCENARIOS
from myosleep.simulate import simulate_night

SCENARIOS = ("sleep_starts", "plmd", "rsbd", "healthy_adult")
CANDIDATES = ("myoclonic_jerk", "fragmentary_myoclonus")


def dense_sleep_starts():
    sc = ALL_SCENARIOS["sleep_starts"]
    return dataclasses.replace(sc, name="sleep_starts_dense", rates=dataclasses.replace(
        sc.rates, hypnic_jerks_per_onset=6.0, extra_sleep_onsets=8))


def night(scenario, seed: int, hours: float, tmp: Path) -> tuple[bool, list[str], int, int]:
    sim = simulate_night(scenario, hours=hours, seed=seed)
    path = tmp / f"{getattr(scenario, 'name', scenario)}-{seed}.edf"
    sim.write(path)
    lines, fired, n_runs, n_fired = [], False, 0, 0
    with read_recording(path) as rec:
        a = analyze(rec, hypnogram=sim.hypnogram)
        counts = a.events["trial_type"].value_counts()
        runs = [(t,) for t in counts.index if t != "body_movement"] + [CANDIDATES]
        for classes in runs:
            r = jerk_locked_analysis(rec, a.events, classes=classes, bursts=a.detection.bursts, seed=seed)
            f = r.cortical
            fired |= f.present is True
            n_runs += f.present is not None
            n_fired += f.present is True
            lines.append(f"    {'+'.join(classes):40s} selected {r.n_selected:4d} usable {r.n_usable:4d} "
                         f"groups {len(r.groups)} p {f.values['p_value'] if f.values['p_value'] is not None else float('nan'):.3g} "
                         f"present {f.present}")
    return fired, lines, n_runs, n_fired


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--hours", type=float, default=2.0)
    ap.add_argument("--dense-sleep-starts", action="store_true")
    args = ap.parse_args()
    scenarios = (dense_sleep_starts(),) if args.dense_sleep_starts else SCENARIOS
    t0 = time.perf_counter()
    n, fp, runs, runs_fp = 0, 0, 0, 0
    with tempfile.TemporaryDirectory() as d:
        for sc in scenarios:
            for seed in range(args.seeds):
                fired, lines, k, k_fp = night(sc, 100 + seed, args.hours, Path(d))
                n += 1
                fp += fired
                runs += k
                runs_fp += k_fp
                print(f"{getattr(sc, 'name', sc):14s} seed {100 + seed}: cortical finding {'PRESENT (false positive)' if fired else 'not present'}")
                print("\n".join(lines), flush=True)
    print(f"\nfalse-positive rate: {fp}/{n} nights = {100.0 * fp / n:.1f} % (any class run of the night); "
          f"{runs_fp}/{runs} stage runs with a verdict = {100.0 * runs_fp / max(1, runs):.1f} % "
          f"({args.hours:g}-h nights, {time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()

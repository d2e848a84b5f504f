"""Events at changes of sleep stage on a night without any motor event (issue 9, defect 12).

Muscle tone steps within 1-2 s at a change of stage (``myosleep.simulate.timeline.TONE_STEP_S``):
chin tone falls ~5x at REM onset and rises ~12x on waking from REM.  A night of the
``quiet_artefacts`` scenario (no motor event; pops, cardiac field, mains) on a hypnogram that
cycles N2 -> REM -> W -> REM -> N2 ... (29 changes in 1.83 h) is simulated, written to EDF and
analysed with its hypnogram (``myosleep.pipeline.analyze``); every event is false, and the
script counts those within 10 s of a change, by class.  ``--scenario healthy_adult`` gives the
same night with its benign events, to see that they are kept.

    .venv/bin/python benchmarks/eval_tone_steps.py [--rate 512] [--scenario quiet_artefacts] [--seed 1]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np


def cycling_hypnogram():
    from myosleep.io.hypnogram_model import Hypnogram

    W, N1, N2, R = 0, 1, 2, 4
    blocks = [(W, 3), (N1, 1), (N2, 6), (R, 5), (W, 1), (R, 4), (N2, 5), (R, 5), (W, 1), (N2, 4), (R, 6), (W, 2),
              (N2, 4), (R, 5), (N2, 3)] * 2
    st = np.concatenate([np.full(int(m * 2), s, dtype=np.int8) for s, m in blocks])
    return Hypnogram(stages=st, epoch_s=30.0, source="simulated"), st


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rate", type=float, default=512.0)
    ap.add_argument("--scenario", default="quiet_artefacts")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    from myosleep.pipeline import analyze
    from myosleep.simulate import simulate_night

    hyp, st = cycling_hypnogram()
    sim = simulate_night(args.scenario, seed=args.seed, hypnogram=hyp, sfreq_emg=args.rate)
    with tempfile.TemporaryDirectory() as d:
        paths = [Path(p) for p in sim.write(Path(d) / "night.edf")]
        a = analyze(paths[0], hypnogram=paths[2])
    changes = (np.flatnonzero(np.diff(st) != 0) + 1) * hyp.epoch_s
    ev = a.events[a.events.trial_type != "body_movement"]
    dist = np.array([np.min(np.abs(changes - o)) for o in ev.onset]) if len(ev) else np.zeros(0)
    truth = sim.events[sim.events.trial_type != "body_movement"]
    tdist = np.array([np.min(np.abs(changes - o)) for o in truth.onset]) if len(truth) else np.zeros(0)
    print(f"{args.scenario}, seed {args.seed}, {args.rate:g} Hz: {sim.duration_s / 3600:.2f} h, "
          f"{changes.size} stage changes, {len(truth)} true events ({int((tdist <= 10).sum())} within 10 s of one)")
    print(f"events {len(ev)}; within 10 s of a change {int((dist <= 10).sum())}: "
          f"{ev[dist <= 10].trial_type.value_counts().to_dict()}")


if __name__ == "__main__":
    main()

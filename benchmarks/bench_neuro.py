"""Cost of the neurophysiology stage inside ``myosleep analyze``, measured in one run.

An 8-h simulated night with 6 EEG channels (F3, F4, C3, C4, O1, O2 to the contralateral
mastoid, 256 Hz) and ~200 cortical jerks (25 per hour). The recording is opened once; then
``analyze`` without stages after classification (``stages=()``) and ``analyze`` as the CLI
runs it (``pipeline.STAGES``: jerk-locked back-averaging) alternate ``--repeats`` times (ABBA
order) after one warm-up run. Prints the median of each, the stage's own time (summary.json
``timings_s.stages_s``), the jerks it averaged, the ratio analyze-with-stage /
analyze-without, and the stage's own time over the rest of the same runs (on a shared
machine the second is the steadier figure: both halves come from one run).

The true hypnogram is given (no YASA staging), which makes analyze faster and the ratio the
conservative one; ``--stage-with-yasa`` stages the night instead, as ``myosleep analyze``
does without ``--hypnogram``.

    .venv/bin/python benchmarks/bench_neuro.py [--hours 8] [--seed 0] [--repeats 3] [--stage-with-yasa]
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import tempfile
import time
from pathlib import Path

from myosleep.io import read_recording
from myosleep.pipeline import STAGES, analyze
from myosleep.simulate import SCENARIOS, simulate_night
from myosleep.simulate.scenarios import ARMS, CHIN, ECG_CHANNEL, EOG_CHANNELS, LEGS, ChannelSpec
from myosleep.vocab import Role

EEG6 = tuple(ChannelSpec(lab, Role.EEG) for lab in ("F3-M2", "F4-M1", "C3-M2", "C4-M1", "O1-M2", "O2-M1"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hours", type=float, default=8.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--stage-with-yasa", action="store_true")
    args = ap.parse_args()
    base = SCENARIOS["cortical_myoclonus"]
    sc = dataclasses.replace(base, channels=(*EEG6, *EOG_CHANNELS, CHIN, *LEGS, *ARMS, ECG_CHANNEL),
                             rates=dataclasses.replace(base.rates, cortical_jerks_per_hour=25.0 * 8 / args.hours))
    t = time.perf_counter()
    sim = simulate_night(sc, hours=args.hours, seed=args.seed)
    hyp = None if args.stage_with_yasa else sim.hypnogram
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "night.edf"
        sim.write(path)
        print(f"simulated and wrote {args.hours:g} h in {time.perf_counter() - t:.0f} s; "
              f"{(sim.events['trial_type'] == 'cortical_myoclonus').sum()} cortical jerks, 6 EEG channels at 256 Hz; "
              f"hypnogram: {'YASA' if hyp is None else 'the true one'}")
        without, with_stage, stage_s = [], [], []
        with read_recording(path) as rec:
            analyze(rec, hypnogram=hyp, stages=())  # warm-up: file cache, compiled kernels, imports
            for k in range(args.repeats):
                for stage_on in ((False, True) if k % 2 == 0 else (True, False)):  # ABBA: no order bias
                    t = time.perf_counter()
                    a = analyze(rec, hypnogram=hyp, stages=None if stage_on else ())
                    (with_stage if stage_on else without).append(time.perf_counter() - t)
                    if stage_on:
                        stage_s.append(float(a.summary["timings_s"]["stages_s"]))
                        v = a.summary["stages"][STAGES[0].name]
    print(f"stage: {v['n_jerks_selected']} jerks selected ({', '.join(v['classes'])}), {v['n_jerks_usable']} usable, "
          f"{len(v['eeg_channels'])} EEG channels, {len(v['groups'])} groups; cortical_myoclonus "
          f"{v['cortical_myoclonus']}, lead {v['lead_ms']:.1f} ms" if v["lead_ms"] is not None else
          f"stage: {v['n_jerks_selected']} jerks selected, cortical_myoclonus {v['cortical_myoclonus']}")
    w, s, st = statistics.median(without), statistics.median(with_stage), statistics.median(stage_s)
    print(f"analyze without the stage {w:.2f} s, with it {s:.2f} s (the stage's own time {st:.2f} s); medians of "
          f"{args.repeats}, alternated")
    print(f"ratio analyze with / without the stage = {s / w:.2f}; the stage's own time over the rest of the same "
          f"runs = {st / (s - st):.2f}")


if __name__ == "__main__":
    main()

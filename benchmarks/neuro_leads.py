"""Cortical myoclonus through the wired ``myosleep analyze``: is it found, and how close is its lead?

Simulated cortical myoclonus (120 jerks per hour, 1.5 h; the EEG transient's positive peak
15-25 ms before arm and 30-45 ms before leg EMG onsets) with EEG at 200 and at 256 Hz (EMG at
512 Hz), several seeds. Every night runs ``myosleep.analyze`` as the CLI does, with the true
hypnogram. For every muscle whose own average is significant it prints:

* ``lead``: the stage's lead (ms, EEG peak before the EMG onset analyze detected);
* ``truth``: the simulation's lead over the same jerks: each jerk analyze relabelled
  ``cortical_myoclonus`` with that first muscle is matched to the simulated cortical jerk with
  the nearest onset (< 50 ms), and the truth is the mean of their ``eeg_lead_ms`` (the
  simulated EEG transient's peak to the true EMG onset);
* ``onset err``: detection's median onset error over those jerks (detected - true, ms): a
  detected onset that is early shortens the lead measured from it by as much;
* ``lead - truth``: the figure the issue bounds to +-5 ms.

    .venv/bin/python benchmarks/neuro_leads.py [--seeds 2 3 4] [--rates 200 256]
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
from pathlib import Path

import numpy as np

from myosleep.pipeline import analyze
from myosleep.simulate import SCENARIOS, simulate_night
from myosleep.simulate.truth import cortical_lead_truth


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="+", default=[2, 3, 4])
    ap.add_argument("--rates", type=float, nargs="+", default=[200.0, 256.0])
    args = ap.parse_args()
    base = SCENARIOS["cortical_myoclonus"]
    sc = dataclasses.replace(base, rates=dataclasses.replace(base.rates, cortical_jerks_per_hour=120.0))
    diffs = []
    found = 0
    print(f"{'EEG Hz':>6} {'seed':>4} {'muscle':10} {'jerks':>5} {'cortical':>8} {'lead':>6} {'truth':>6} "
          f"{'onset err':>9} {'lead-truth':>10} {'channel':8} p_adj")
    with tempfile.TemporaryDirectory() as d:
        for rate in args.rates:
            for seed in args.seeds:
                sim = simulate_night(sc, hours=1.5, seed=seed, sfreq_eeg=rate)
                path = Path(d) / "night.edf"
                sim.write(path)
                a = analyze(path, hypnogram=sim.hypnogram)
                v = a.summary["stages"]["neurophysiology"]
                found += v["cortical_myoclonus"] is True
                for g in v["groups"]:
                    if not g["significant"] or g["name"] in ("all", "other muscles"):
                        continue
                    truth, err, n_match, n = cortical_lead_truth(sim.events, a.events, g["name"])
                    lead = g["transient"]["latency_ms"]
                    diffs.append(lead - truth)
                    print(f"{rate:6.0f} {seed:4d} {g['name']:10} {g['n_jerks']:5d} {n_match:>4}/{n:<3} {lead:6.1f} "
                          f"{truth:6.1f} {err:9.2f} {lead - truth:10.1f} {g['transient']['channel']:8} "
                          f"{g['transient']['p_value_adjusted']:.3g}")
                print(f"{rate:6.0f} {seed:4d} finding cortical_myoclonus {v['cortical_myoclonus']}, lead_ms "
                      f"{v['lead_ms']:.1f} ({v['trigger_muscle']}), groups {len(v['groups'])}, relabelled "
                      f"{sum(r['n_jerks'] for r in v['relabelled'])}", flush=True)
    x = np.asarray(diffs)
    print(f"\nfound on {found}/{len(args.rates) * len(args.seeds)} nights; lead - truth over {x.size} significant "
          f"muscle averages: mean {x.mean():+.1f} ms, range {x.min():+.1f} to {x.max():+.1f} ms; within +-5 ms: "
          f"{int(np.sum(np.abs(x) <= 5))}/{x.size}")


if __name__ == "__main__":
    main()

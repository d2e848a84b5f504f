"""Benchmark: how long "Recompute findings" (``analyze --events-from``) takes on an 8-h night.

Simulates one night, analyses it with its hypnogram (the baseline, measured in the same run),
makes a review (rejects every 10th leg movement, relabels a fragmentary myoclonus potential,
adds a jerk: what the page's store does), then recomputes the findings from the reviewed table
into ``DIR/reviewed`` as the page's button does (:func:`myosleep.review.recompute.page_recompute`),
several times.  The recomputation reads the recording again and runs detection (the findings
need its bursts and chin amplitude) but neither stages the night nor runs YASA, so it should cost
about what ``analyze`` with a given hypnogram costs.

    .venv/bin/python benchmarks/bench_recompute.py [--hours 8] [--repeat 3]

The file was just written, so it is in the page cache: these are warm-cache times.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", type=float, default=8.0)
    ap.add_argument("--scenario", default="plmd")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    from myosleep.pipeline import analyze_to_dir
    from myosleep.review.recompute import page_recompute
    from myosleep.review.store import ReviewStore
    from myosleep.simulate import simulate_night

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        sim = simulate_night(args.scenario, hours=args.hours, seed=1)
        paths = sim.write(root / "night.edf")
        edf = root / "night.edf"
        hyp = next(p for p in paths if p.name.endswith(".hypnogram.tsv"))
        out = root / "analysis"
        analyze_to_dir(edf, out_dir=root / "warm", hypnogram=hyp)  # numba kernels and imports warm
        analyze_s = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            analyze_to_dir(edf, out_dir=out, hypnogram=hyp)
            analyze_s.append(time.perf_counter() - t)

        from myosleep.io import read_recording

        with read_recording(edf) as rec:
            labels, duration_s = rec.labels, rec.duration_s
        store = ReviewStore(out, reviewer="bench", channel_labels=labels, duration_s=duration_s)
        rows = store.rows()
        lms = [r for r in rows if r["trial_type"] == "leg_movement"]
        for r in lms[::10]:
            store.change(r["review_id"], "reject")
        fm = next(r for r in rows if r["trial_type"] == "fragmentary_myoclonus")
        store.change(fm["review_id"], "relabel", trial_type="leg_movement")
        leg = next(lab for lab in labels if "LAT" in lab)
        store.add(onset_s=duration_s / 2, duration_s=0.2, trial_type="myoclonic_jerk", channels=[leg])
        counts = store.counts()

        button = page_recompute(edf)
        recompute_s = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            result = button(out)
            recompute_s.append(time.perf_counter() - t)

    a, r = statistics.median(analyze_s), statistics.median(recompute_s)
    print(f"{args.hours:g}-h {args.scenario} night, {len(rows)} events; review: {counts}")
    print(f"analyze with its hypnogram (baseline): median {a:.2f} s over {args.repeat} runs")
    print(f"recompute from the reviewed table:     median {r:.2f} s over {args.repeat} runs "
          f"({r / a:.2f}x analyze)")
    plm = next(f for f in result["findings"] if f["code"] == "periodic_limb_movements")
    print(f"PLM finding after the review: {plm['evidence']}")


if __name__ == "__main__":
    main()

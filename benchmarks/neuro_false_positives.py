"""False-positive rate of ``cortical_myoclonus`` on the wired ``myosleep analyze``, and why.

Simulated sleep starts, PLMD, REM twitches (rsbd) and healthy nights, ``--seeds`` nights of
each (seeds 100, 101, ...): no cortical myoclonus in any of them. Every night runs
``myosleep.analyze`` as the CLI does (``pipeline.STAGES``: the neurophysiology stage averages
the jerks no benign class explains, ``myoclonic_jerk`` and ``fragmentary_myoclonus``), with
the true hypnogram to save the staging time. A night is a false positive when its summary says
``cortical_myoclonus: present`` (or events.tsv holds a ``cortical_myoclonus`` row).

Printed: every night (jerks selected and usable, each group's Holm-adjusted p); the
false-positive rate over the nights with its exact (Clopper-Pearson) 95 % interval, and over
the nights that had a verdict (present or not present). Then the two checks of *why* a night
fires, which separate chance from a bias of the simulator's jerks or of the statistic:

* calibration: the group p-values (unadjusted) must be uniform under the null: the fraction
  below 0.01 and 0.05, and a Kolmogorov-Smirnov test against the uniform distribution;
* time-locking: over every usable epoch of every night, the detrended EEG of the tested
  window at the true EMG onsets minus that at one jittered onset (the null's own draw), per
  sample and channel: its largest |z| (a simulator whose jerks carry EEG time-locked before
  them, or a null that is not exchangeable, shows here, whatever the nights' verdicts).

    .venv/bin/python benchmarks/neuro_false_positives.py [--seeds 25] [--hours 2]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from myosleep.io import read_recording
from myosleep.neurophysiology import jerk_locked_analysis
from myosleep.neurophysiology.transient import detrended_window
from myosleep.pipeline import STAGES, analyze
from myosleep.simulate import simulate_night

SCENARIOS = ("sleep_starts", "plmd", "rsbd", "healthy_adult")


def night(scenario: str, seed: int, hours: float, tmp: Path, rng: np.random.Generator) -> dict:
    """The wired analyze on one night, and the time-locking check on the stage's own epochs."""
    sim = simulate_night(scenario, hours=hours, seed=seed)
    path = tmp / f"{scenario}-{seed}.edf"
    sim.write(path)
    with read_recording(path) as rec:
        a = analyze(rec, hypnogram=sim.hypnogram)
        stage = STAGES[0]
        # the same selection as the stage, for the epochs the summary does not hold
        r = jerk_locked_analysis(rec, a.events, classes=stage.classes, bursts=a.detection.bursts,
                                 params=stage.params, seed=stage.seed)
    path.unlink()
    v = a.summary["stages"][stage.name]
    cortical = next(f for f in a.summary["findings"] if f["code"] == "cortical_myoclonus")
    diff = None
    if r.epochs is not None and r.epochs.usable.size:
        ep = r.epochs
        true, _ = detrended_window(ep.data_uv, ep.times_s, None, r.params)
        shift = np.round(rng.uniform(*r.params.jitter_s, ep.usable.size) * ep.sfreq).astype(np.int64)
        jit, _ = detrended_window(ep.data_uv, ep.times_s, shift, r.params)
        diff = {lab: (true - jit)[:, :, k] for k, lab in enumerate(ep.channels)}
    return {"present": cortical["present"], "relabelled": int((a.events["trial_type"] == "cortical_myoclonus").sum()),
            "selected": v["n_jerks_selected"], "usable": v["n_jerks_usable"],
            "groups": [(g["name"], g["n_jerks"], g["transient"]["p_value"], g["transient"]["p_value_adjusted"])
                       for g in v["groups"]], "diff": diff}


def main() -> None:
    from scipy.stats import binomtest, kstest

    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=25)
    ap.add_argument("--hours", type=float, default=2.0)
    args = ap.parse_args()
    t0 = time.perf_counter()
    rng = np.random.default_rng(0)
    results, diffs = [], {}
    with tempfile.TemporaryDirectory() as d:
        for sc in SCENARIOS:
            for seed in range(100, 100 + args.seeds):
                res = night(sc, seed, args.hours, Path(d), rng)
                results.append(res)
                for lab, x in (res["diff"] or {}).items():
                    diffs.setdefault(lab, []).append(x)
                groups = "; ".join(f"{n} ({k} jerks) p {p:.3g} adj {pa:.3g}" for n, k, p, pa in res["groups"])
                print(f"{sc:14s} seed {seed}: {res['selected']:3d} jerks, {res['usable']:3d} usable; "
                      f"cortical_myoclonus {res['present']}; {groups or 'no group'}"
                      f"{' <- FALSE POSITIVE' if res['present'] is True or res['relabelled'] else ''}", flush=True)
    n = len(results)
    fp = sum(r["present"] is True or r["relabelled"] > 0 for r in results)
    verdict = sum(r["present"] is not None for r in results)
    ci = binomtest(fp, n).proportion_ci(confidence_level=0.95, method="exact")
    print(f"\nfalse-positive rate: {fp}/{n} nights = {100 * fp / n:.1f} % (95 % CI {100 * ci.low:.1f}-"
          f"{100 * ci.high:.1f} %); nights with a verdict: {verdict}/{n}, false positives among them "
          f"{100 * fp / max(1, verdict):.1f} % ({args.hours:g}-h nights, {time.perf_counter() - t0:.0f} s)")
    p = np.array([g[2] for r in results for g in r["groups"]], dtype=float)
    ks = kstest(p, "uniform")
    print(f"calibration: {p.size} groups, unadjusted p < 0.01 in {100 * np.mean(p < 0.01):.1f} %, "
          f"< 0.05 in {100 * np.mean(p < 0.05):.1f} % (nominal 1 and 5 %); KS against uniform: D = "
          f"{ks.statistic:.3f}, p = {ks.pvalue:.2f}")
    for lab, xs in diffs.items():
        x = np.concatenate(xs)
        z = x.mean(axis=0) / (x.std(axis=0, ddof=1) / np.sqrt(x.shape[0]))
        print(f"time-locking, {lab}: {x.shape[0]} epochs, mean true-minus-jittered over the tested window "
              f"{x.mean():+.2f} uV, largest |z| over its {z.size} samples {np.abs(z).max():.2f}")


if __name__ == "__main__":
    main()

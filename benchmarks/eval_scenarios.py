"""Accuracy of the whole pipeline on every simulated scenario (issue 4, "Measure and show").

For each scenario: simulate a night, write it to EDF, run ``myosleep.pipeline.analyze`` on the
file exactly as the CLI does (with the simulated hypnogram given as a scored hypnogram, and,
with ``--yasa``, once more staged by YASA), then compare with the truth:

* per-class event F1 (onset within ``--tolerance`` s, same class);
* PLMS index against the true one (true periodic LMs in sleep / true hours of sleep);
* the findings that are present against those the scenario should produce;
* non-benign events per hour (periodic LMs in a healthy night, propriospinal, cortical,
  neonatal myoclonus in an adult) and unexplained ``myoclonic_jerk`` per hour.

    .venv/bin/python benchmarks/eval_scenarios.py [--hours 2] [--seed 1] [--yasa] [--scenarios a,b]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

#: Findings each scenario must produce (every other finding must be absent or not assessable).
EXPECTED = {
    "healthy_adult": set(),
    "sleep_starts": {"sleep_starts"},
    "plmd": {"periodic_limb_movements"},
    "excessive_fragmentary_myoclonus": {"excessive_fragmentary_myoclonus"},
    "rsbd": {"rem_sleep_without_atonia"},
    "infant_bnsm": {"benign_neonatal_sleep_myoclonus"},
    # found by the neurophysiology stage (jerk-locked EEG back-averaging), which analyze runs
    "cortical_myoclonus": {"cortical_myoclonus"},
    "quiet_artefacts": set(),
    "propriospinal": {"propriospinal_myoclonus"},
}
CLASSES = ["hypnic_jerk", "leg_movement", "fragmentary_myoclonus", "rem_twitch", "neonatal_myoclonus",
           "propriospinal_myoclonus"]


def evaluate(scenario: str, *, hours: float, seed: int, yasa: bool, tolerance_s: float, workdir: Path) -> dict:
    from myosleep.classification.evaluate import score_events
    from myosleep.pipeline import analyze
    from myosleep.simulate import SCENARIOS, simulate_night

    sim = simulate_night(scenario, hours=hours, seed=seed)
    edf = workdir / f"{scenario}.edf"
    paths = sim.write(edf)
    hyp = next(p for p in map(Path, paths) if p.name.endswith(".hypnogram.tsv"))
    age_days = SCENARIOS[scenario].age_days
    age = None if age_days is None else f"{age_days:g}d"
    t = time.perf_counter()
    res = {"scenario": scenario}
    a = analyze(edf, hypnogram=None if yasa else hyp, age=age)
    res["seconds"] = time.perf_counter() - t
    truth = sim.events
    present_classes = [c for c in CLASSES if (truth["trial_type"] == c).any() or (a.events["trial_type"] == c).any()]
    scores = score_events(a.events, truth, tolerance_s=tolerance_s, classes=present_classes)
    res["f1"] = {c: (float(scores.loc[c, "f1"]), int(scores.loc[c, "n_true"]))
                 for c in present_classes}
    lm = truth[truth["trial_type"] == "leg_movement"]
    sleep_h = float(np.isin(sim.hypnogram.stages, [1, 2, 3, 4]).sum()) * sim.hypnogram.epoch_s / 3600.0
    true_plms = float((lm["periodic"].astype(str) == "True").mul(lm["stage"].isin(["N1", "N2", "N3", "R"])).sum())
    res["plms_true"] = true_plms / sleep_h if sleep_h else float("nan")
    res["plms_got"] = a.summary["indices_per_hour"].get("plms_index")
    present = {f["code"] for f in a.summary["findings"] if f["present"] is True}
    res["findings_present"] = sorted(present)
    res["findings_ok"] = present == EXPECTED.get(scenario, present)
    # an expected finding the night holds too little evidence for says so ("cannot be assessed")
    res["not_assessed"] = sorted(f["code"] for f in a.summary["findings"]
                                 if f["present"] is None and f["code"] in EXPECTED.get(scenario, set()))
    ev = a.events
    adult = age_days is None or age_days >= 365
    non_benign = ev["trial_type"].isin(["propriospinal_myoclonus", "cortical_myoclonus"]) | \
        ((ev["trial_type"] == "neonatal_myoclonus") & adult) | \
        ((ev["trial_type"] == "leg_movement") & (ev["periodic"].astype(str) == "True"))
    res["non_benign_per_h"] = float(non_benign.sum()) / hours
    res["myoclonic_jerk_per_h"] = float((ev["trial_type"] == "myoclonic_jerk").sum()) / hours
    res["hypnogram_source"] = a.summary["hypnogram_source"]
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", type=float, default=2.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--tolerance", type=float, default=0.5, help="onset tolerance of a match (s)")
    ap.add_argument("--yasa", action="store_true",
                    help="give no hypnogram: YASA stages adults, the EMG/EOG estimate infants")
    ap.add_argument("--scenarios", default=",".join(EXPECTED))
    args = ap.parse_args()
    print(f"hours={args.hours:g} seed={args.seed} tolerance={args.tolerance:g} s "
          f"hypnogram={'none given (YASA; infants: EMG/EOG estimate)' if args.yasa else 'given (simulated truth)'}")
    print("| scenario | F1 per class (n true) | PLMS index got / true | findings present | ok | non-benign /h | unexplained jerks /h | s |")
    print("|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as d:
        for sc in args.scenarios.split(","):
            try:
                # without a hypnogram an infant is staged by the explicit EMG/EOG estimate (YASA is
                # not valid under 1 year); the summary's hypnogram_source says which was used
                r = evaluate(sc, hours=args.hours, seed=args.seed, yasa=args.yasa,
                             tolerance_s=args.tolerance, workdir=Path(d))
            except Exception as exc:  # one failing scenario must not hide the others' figures
                print(f"| {sc} | FAILED: {type(exc).__name__}: {str(exc)[:120]} | | | | | | |", flush=True)
                continue
            f1 = ", ".join(f"{c} {v:.2f} ({n})" for c, (v, n) in r["f1"].items())
            # no PLMS index over < 2 h of sleep (issue 9): shown as n/a
            got = "n/a" if r["plms_got"] is None else f"{r['plms_got']:.1f}"
            ok = "yes" if r["findings_ok"] else \
                f"NO ({', '.join(r['not_assessed'])} cannot be assessed)" if r["not_assessed"] else "NO"
            print(f"| {sc} | {f1} | {got} / {r['plms_true']:.1f} | {', '.join(r['findings_present']) or '-'} "
                  f"| {ok} | {r['non_benign_per_h']:.2f} | {r['myoclonic_jerk_per_h']:.1f} "
                  f"| {r['seconds']:.0f} |", flush=True)


if __name__ == "__main__":
    main()

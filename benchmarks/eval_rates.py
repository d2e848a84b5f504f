"""Burst onsets, offsets and durations, and per-class F1, at every sampling rate a lab uses (issue 9).

For each EMG sampling rate (200, 256, 500, 512, 1000, 2048 Hz by default) and each scenario,
a night is simulated with ``simulate_night(..., sfreq_emg=RATE)`` on a fixed hypnogram that
holds enough of the scenario's class (as ``tests/test_end_to_end_accuracy.py``), written to
EDF and analysed by :func:`myosleep.pipeline.analyze` with the true hypnogram, exactly as
``myosleep analyze REC --hypnogram FILE`` does.  Then:

* **bursts** (``analysis.detection.bursts``): each truth burst is matched one-to-one, by
  interval overlap on its channel, to a detected burst of the detector that must find it,
  in three groups (:data:`GROUPS`): myoclonic potentials (fragmentary myoclonus, hypnic,
  neonatal, cortical, propriospinal; ``short``), REM twitches (``short``) and leg
  movements (``lm``); body movements are left out.  Truth bursts whose peak stands < 3x
  the channel's resting RMS are left out (as ``tests/detection/test_simulated_nights.py``).
  Errors are detected minus true (ms): onset, offset, duration; reported as the median
  (signed) and the 90th percentile of the absolute error.  The truth of a burst is its
  clinical rule applied to its noiseless amplitude in the recorded EMG band
  (``myosleep.simulate.emg.scored_span``): twice the background for a phasic burst
  (SINBAR), the 8-uV onset and the 2-uV, 0.5-s offset for a leg movement (AASM).
* **edges by sharpness**: the 90th percentile of |edge error| (onsets and offsets of all
  groups) by how fast the amplitude changes at the true edge (the truth's
  ``onset_log_slope_per_s``, ``offset_log_slope_per_s``: |d ln A / dt|, 1/s), and the
  share of each group's edges in each bin.  An edge where the amplitude changes by a
  factor e in 1 / slope s cannot be placed to better than a fraction of that time.
* **the floor**: the 90th percentile of |duration error| that reading every burst at the
  Cramer-Rao bound of its two edges would give (``myosleep.simulate.truth.edge_time_bound_s``,
  ``p90_floor_s``: the edge's slope, the rule's level, the burst's peak over the resting RMS,
  the recorded band's degrees of freedom per second); no unbiased reading of the trace does
  better on these bursts.
* **sharp-edged bursts**: the duration error of the bursts whose two edges both change by
  >= 40/s (a factor e in <= 25 ms), where the floor is far below the goal.
* **events**: per-class F1 of ``analysis.events`` against the truth events
  (:func:`myosleep.classification.score_events`, onset within 0.5 s, same class).

Goal (issue 9): durations within 10 ms at the median and 25 ms at the 90th percentile at
every rate.  Takes ~2-4 min per seed (30 analyses).

    .venv/bin/python benchmarks/eval_rates.py [--rates 200,256,500,512,1000,2048] [--seeds 1,2,3]
        [--scenarios excessive_fragmentary_myoclonus,plmd,sleep_starts,rsbd,infant_bnsm]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

RATES = (200, 256, 500, 512, 1000, 2048)
SCENARIOS = ("excessive_fragmentary_myoclonus", "plmd", "sleep_starts", "rsbd", "infant_bnsm")
#: Classes scored per scenario (the one the scenario is about, and the others it holds).
CLASSES = ("hypnic_jerk", "fragmentary_myoclonus", "leg_movement", "rem_twitch", "neonatal_myoclonus")
#: Truth bursts whose peak stands below this multiple of the resting RMS are left out.
MIN_SNR = 3.0


def _hypnogram(*blocks):
    from myosleep.io.hypnogram_model import Hypnogram

    stages = np.concatenate([np.full(int(round(m * 2)), int(s), dtype=np.int8) for s, m in blocks])
    return Hypnogram(stages=stages, epoch_s=30.0, source="simulated")


def night(scenario: str):
    """(hours, hypnogram or None, age) of the night used for ``scenario``."""
    from myosleep.vocab import Stage as S

    if scenario == "excessive_fragmentary_myoclonus":
        return 0.75, _hypnogram((S.W, 3), (S.N1, 2), (S.N2, 30), (S.N3, 10)), None
    if scenario == "plmd":
        return 0.75, _hypnogram((S.W, 4), (S.N1, 2), (S.N2, 40), (S.N3, 10)), None
    if scenario == "rsbd":
        return 0.5, _hypnogram((S.W, 3), (S.N1, 2), (S.N2, 5), (S.R, 20)), None
    if scenario == "healthy_adult":
        return 0.75, _hypnogram((S.W, 5), (S.N1, 3), (S.N2, 15), (S.N3, 12), (S.N2, 5), (S.R, 12)), None
    if scenario == "infant_bnsm":
        return 0.5, None, "21d"
    return 0.75, None, None  # the scenario's own night (sleep starts: repeated onsets)


#: Groups of truth bursts, by the class of their event: the detector that must find them.
GROUPS = {
    "myoclonic": ("short", ("fragmentary_myoclonus", "hypnic_jerk", "neonatal_myoclonus", "cortical_myoclonus",
                            "propriospinal_myoclonus")),
    "rem_twitch": ("short", ("rem_twitch",)),
    "leg_movement": ("lm", ("leg_movement",)),
}


def burst_errors(sim, bursts) -> dict[str, dict[str, np.ndarray]]:
    """Onset, offset and duration errors (s, detected - true) per group of :data:`GROUPS`."""
    from tests.detection._detect_helpers import match_bursts

    from myosleep.simulate.truth import edge_time_bound_s, resting_rms_before

    T = sim.bursts.merge(sim.events[["event_id", "trial_type"]], on="event_id")
    out: dict[str, list] = {g: [] for g in GROUPS}
    for ch, t in T.groupby("channel"):
        x, fs = sim.channel(ch).data, sim.channel(ch).sfreq
        rest = resting_rms_before(x, fs, t.onset.to_numpy())
        big = t.peak_amplitude_uv.to_numpy() >= MIN_SNR * rest
        for g, (det, classes) in GROUPS.items():
            keep = t.trial_type.isin(classes).to_numpy() & big
            tt, r = t[keep], rest[keep]
            if len(tt) == 0:
                continue
            # the Cramer-Rao bound of each edge at the rule's level: twice the background, or the
            # AASM 8 uV (onset) and 2 uV (offset) above it
            peak = (tt.peak_amplitude_uv.to_numpy() + r) / r
            lv_on, lv_off = ((r + 8.0) / r, (r + 2.0) / r) if det == "lm" else (2.0, 2.0)
            sd = np.hypot(edge_time_bound_s(tt.onset_log_slope_per_s.to_numpy(), fs, level_ratio=lv_on,
                                            peak_ratio=peak),
                          edge_time_bound_s(tt.offset_log_slope_per_s.to_numpy(), fs, level_ratio=lv_off,
                                            peak_ratio=peak))
            d = bursts[(bursts.channel == ch) & (bursts.detector == det)]
            t_on, t_off = tt.onset.to_numpy(), (tt.onset + tt.duration).to_numpy()
            d_on, d_off = d.onset.to_numpy(), d.offset_s.to_numpy()
            pairs, _, _ = match_bursts(t_on, t_off, d_on, d_off)
            sl_on, sl_off = tt.onset_log_slope_per_s.to_numpy(), tt.offset_log_slope_per_s.to_numpy()
            out[g] += [(d_on[j] - t_on[i], d_off[j] - t_off[i], sl_on[i], sl_off[i], sd[i]) for i, j in pairs]
    res = {}
    for g, rows in out.items():
        a = np.array(rows, dtype=float).reshape(-1, 5)
        res[g] = {"onset": a[:, 0], "offset": a[:, 1], "duration": a[:, 1] - a[:, 0],
                  "onset_slope": a[:, 2], "offset_slope": a[:, 3], "bound": a[:, 4]}
    return res


#: Edges whose amplitude changes by a factor e in <= 25 ms (|d ln A / dt| >= 40/s) are sharp
#: (as ``tests/detection/test_rates_durations.py``).
SHARP_PER_S = 40.0
#: Bins of |d ln A / dt| at a true edge (1/s).
SLOPE_BINS = (0.0, 10.0, 20.0, 40.0, 80.0, np.inf)


def slope_cells(cat: dict[str, np.ndarray]) -> list[str]:
    """p90 |edge error| (ms) and number of edges per slope bin, onsets and offsets pooled."""
    err = np.abs(np.r_[cat["onset"], cat["offset"]])
    sl = np.r_[cat["onset_slope"], cat["offset_slope"]]
    cells = []
    for lo, hi in zip(SLOPE_BINS[:-1], SLOPE_BINS[1:]):
        e = err[(sl >= lo) & (sl < hi)]
        cells.append(f"{1000 * np.percentile(e, 90):.0f} ({e.size})" if e.size else "-")
    return cells


def run(rate: float, scenario: str, *, seed: int, workdir: Path) -> dict:
    from myosleep.classification import score_events
    from myosleep.pipeline import analyze
    from myosleep.simulate import simulate_night

    hours, hyp, age = night(scenario)
    sim = simulate_night(scenario, hours=hours, seed=seed, sfreq_emg=rate, hypnogram=hyp)
    edf = workdir / f"{scenario}-{rate:g}.edf"
    paths = [Path(p) for p in sim.write(edf)]
    hyp_path = next(p for p in paths if p.name.endswith(".hypnogram.tsv"))
    t0 = time.perf_counter()
    a = analyze(paths[0], hypnogram=hyp_path, age=age)
    dt = time.perf_counter() - t0
    for p in paths:
        p.unlink()
    present = [c for c in CLASSES if (sim.events.trial_type == c).any()]
    scores = score_events(a.events, sim.events, tolerance_s=0.5, classes=present)
    f1 = {c: (int(scores.loc[c, "tp"]), int(scores.loc[c, "n_true"]), int(scores.loc[c, "n_pred"]))
          for c in present}
    return {"errors": burst_errors(sim, a.detection.bursts), "f1": f1, "seconds": dt}


def _ci_ms(a: np.ndarray, how: str) -> str:
    """The median (signed) or 90th percentile of |a| (ms) with its distribution-free 95 % confidence
    interval (order statistics: ``scipy.stats.quantile_test``).  Errors sit on the sample grid (5 ms at
    200 Hz), so a median read on a few hundred bursts moves by a sample between nights."""
    from scipy.stats import quantile_test

    if a.size < 2:
        return "-"
    x, p = (np.asarray(a), 0.5) if how == "median" else (np.abs(a), 0.9)
    ci = quantile_test(x, q=float(np.quantile(x, p)), p=p).confidence_interval(0.95)
    lo, hi = (1000 * v if np.isfinite(v) else v for v in (ci.low, ci.high))
    v = 1000 * (np.median(x) if how == "median" else np.percentile(x, 90))
    fmt = "{:+.1f}" if how == "median" else "{:.1f}"
    return f"{fmt.format(v)} ({fmt.format(lo)} to {fmt.format(hi)})"


def _ms(a: np.ndarray, how: str) -> str:
    if a.size == 0:
        return "-"
    v = np.median(a) if how == "median" else np.percentile(np.abs(a), 90)
    return f"{1000 * v:+.1f}" if how == "median" else f"{1000 * v:.1f}"


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from myosleep.simulate.truth import p90_floor_s

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rates", default=",".join(str(r) for r in RATES))
    ap.add_argument("--scenarios", default=",".join(SCENARIOS))
    ap.add_argument("--seeds", default="1", help="comma-separated seeds: one night per seed, pooled")
    args = ap.parse_args()
    rates = [float(r) for r in args.rates.split(",")]
    scenarios = args.scenarios.split(",")
    seeds = [int(s) for s in args.seeds.split(",")]
    print(f"seeds {', '.join(map(str, seeds))}; scenarios {', '.join(scenarios)}; "
          f"truth bursts >= {MIN_SNR:g}x resting RMS")
    rows_b, rows_f, rows_s, rows_c = [], [], [], []
    with tempfile.TemporaryDirectory() as d:
        for rate in rates:
            errs: dict[str, list] = {g: [] for g in GROUPS}
            f1s: dict[str, list] = {}
            secs = 0.0
            for sc, seed in ((sc, seed) for seed in seeds for sc in scenarios):
                r = run(rate, sc, seed=seed, workdir=Path(d))
                secs += r["seconds"]
                for det in errs:
                    errs[det].append(r["errors"][det])
                for c, v in r["f1"].items():
                    f1s.setdefault(c, []).append(v)
            keys = ("onset", "offset", "duration", "onset_slope", "offset_slope", "bound")
            for det in GROUPS:
                cat = {k: np.concatenate([e[k] for e in errs[det]]) for k in keys}
                n = cat["onset"].size
                floor = p90_floor_s(cat["bound"])
                sharp = np.minimum(cat["onset_slope"], cat["offset_slope"]) >= SHARP_PER_S
                rows_b.append(f"| {rate:g} | {det} | {n} | " + " | ".join(
                    f"{_ms(cat[k], 'median')} / {_ms(cat[k], 'p90')}" for k in ("onset", "offset", "duration"))
                    + f" | {1000 * floor:.1f} | {_ms(cat['duration'][sharp], 'median')} / "
                    f"{_ms(cat['duration'][sharp], 'p90')} ({int(sharp.sum())}) |")
                rows_s.append(f"| {rate:g} | {det} | " + " | ".join(slope_cells(cat)) + " |")
                rows_c.append(f"| {rate:g} | {det} | {n} | {_ci_ms(cat['duration'], 'median')} | "
                              f"{_ci_ms(cat['duration'], 'p90')} |")
            cells = []
            for c in CLASSES:
                if c not in f1s:
                    cells.append("-")
                    continue
                # pooled over the scenarios holding the class: F1 = 2 TP / (n_true + n_pred)
                tp = sum(v[0] for v in f1s[c])
                nt = sum(v[1] for v in f1s[c])
                npd = sum(v[2] for v in f1s[c])
                cells.append(f"{2 * tp / (nt + npd):.3f} ({nt})" if nt + npd else "-")
            rows_f.append(f"| {rate:g} | " + " | ".join(cells) + f" | {secs:.0f} |")
            print(f"rate {rate:g} Hz done", flush=True)
    print("\n| rate (Hz) | bursts | n | onset median / p90 abs (ms) | offset median / p90 abs (ms) "
          "| duration median / p90 abs (ms) | duration p90 floor (ms, Cramer-Rao) "
          f"| duration, both edges >= {SHARP_PER_S:g}/s (n) |")
    print("|---|---|---|---|---|---|---|---|")
    print("\n".join(rows_b))
    print("\n| rate (Hz) | bursts | n | duration median (ms, 95 % CI) | duration p90 abs (ms, 95 % CI) |")
    print("|---|---|---|---|---|")
    print("\n".join(rows_c))
    bins = [f"{lo:g}-{hi:g}/s" if np.isfinite(hi) else f">= {lo:g}/s" for lo, hi in zip(SLOPE_BINS[:-1],
                                                                                       SLOPE_BINS[1:])]
    print("\n| rate (Hz) | bursts | " + " | ".join(f"p90 abs edge error (ms), slope {b} (edges)" for b in bins) + " |")
    print("|---|---|" + "---|" * len(bins))
    print("\n".join(rows_s))
    print("\n| rate (Hz) | " + " | ".join(CLASSES) + " | analyze s |")
    print("|---|" + "---|" * (len(CLASSES) + 1))
    print("\n".join(rows_f))


if __name__ == "__main__":
    main()

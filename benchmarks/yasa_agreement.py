"""Does a real sleep stager recognise the simulated nights?

Simulates healthy adult nights, stages them with YASA's pre-trained LightGBM stager
(``yasa.SleepStaging`` on C4-M1, E1-M2 and the chin EMG; YASA resamples to 100 Hz and
band-passes 0.4-30 Hz itself) and compares with the simulated hypnogram: accuracy,
Cohen's kappa and the per-stage confusion matrix.

Usage::

    .venv/bin/python benchmarks/yasa_agreement.py [--hours 8] [--seeds 0 1 2]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

STAGES = ("W", "N1", "N2", "N3", "R")


def yasa_stages(sim, *, eeg: str = "C4-M1", eog: str = "E1-M2", emg: str = "EMG Chin") -> np.ndarray:
    """YASA's stage codes (0=W .. 4=R) per 30-s epoch of a :class:`Simulation`."""
    import logging

    import mne
    import yasa
    from scipy.signal import resample_poly

    logging.getLogger("yasa").setLevel(logging.ERROR)
    fs = sim.channel(eeg).sfreq
    rows, names, types = [], [], []
    for lab, kind in ((eeg, "eeg"), (eog, "eog"), (emg, "emg")):
        ch = sim.channel(lab)
        x = ch.data.astype(np.float64)
        if ch.sfreq != fs:  # EMG at its own rate: bring it to the EEG rate (integer ratio)
            from fractions import Fraction

            fr = Fraction(int(fs), int(ch.sfreq))
            x = resample_poly(x, fr.numerator, fr.denominator)
        rows.append(x * 1e-6)
        names.append(lab)
        types.append(kind)
    n = min(r.size for r in rows)
    info = mne.create_info(names, fs, types, verbose=False)
    raw = mne.io.RawArray(np.vstack([r[:n] for r in rows]), info, verbose=False)
    sls = yasa.SleepStaging(raw, eeg_name=eeg, eog_name=eog, emg_name=emg)
    hyp = sls.predict()
    return np.asarray(hyp.as_int(), dtype=int)


def agreement(true: np.ndarray, pred: np.ndarray) -> dict:
    """Accuracy, Cohen's kappa and confusion (rows true, columns predicted W..R)."""
    k = min(true.size, pred.size)
    t, p = np.asarray(true[:k], int), np.asarray(pred[:k], int)
    ok = (t >= 0) & (p >= 0)
    t, p = t[ok], p[ok]
    conf = np.zeros((5, 5), dtype=int)
    np.add.at(conf, (t, p), 1)
    n = conf.sum()
    po = np.trace(conf) / n
    pe = float((conf.sum(0) * conf.sum(1)).sum()) / n**2
    kappa = (po - pe) / (1 - pe) if pe < 1 else 1.0
    return {"accuracy": float(po), "kappa": float(kappa), "confusion": conf, "n_epochs": int(n)}


def run(hours: float, seeds: list[int]) -> list[dict]:
    from myosleep.simulate import simulate_night

    out = []
    for seed in seeds:
        t0 = time.perf_counter()
        sim = simulate_night("healthy_adult", hours=hours, seed=seed)
        t1 = time.perf_counter()
        pred = yasa_stages(sim)
        t2 = time.perf_counter()
        res = agreement(sim.hypnogram.stages, pred)
        res.update(seed=seed, hours=hours, simulate_s=t1 - t0, staging_s=t2 - t1)
        out.append(res)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", type=float, default=8.0)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = ap.parse_args()
    results = run(args.hours, args.seeds)
    for r in results:
        print(f"seed {r['seed']}: {r['hours']:g} h, {r['n_epochs']} epochs, accuracy {r['accuracy']:.3f}, "
              f"kappa {r['kappa']:.3f} (simulate {r['simulate_s']:.1f} s, YASA {r['staging_s']:.1f} s)")
        print("  confusion (rows = simulated, columns = YASA):", "  ".join(STAGES))
        for name, row in zip(STAGES, r["confusion"]):
            tot = row.sum()
            print(f"  {name:>3s} n={tot:4d} " + " ".join(f"{v:5d}" for v in row)
                  + (f"   recall {row[STAGES.index(name)] / tot:.2f}" if tot else ""))
    conf = sum(r["confusion"] for r in results)
    pooled = agreement(*_expand(conf))
    print(f"pooled over seeds {args.seeds}: accuracy {pooled['accuracy']:.3f}, kappa {pooled['kappa']:.3f}")


def _expand(conf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    t, p = [], []
    for i in range(5):
        for j in range(5):
            t += [i] * int(conf[i, j])
            p += [j] * int(conf[i, j])
    return np.array(t), np.array(p)


if __name__ == "__main__":
    main()

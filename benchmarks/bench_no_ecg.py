"""A recording without an ECG channel: cost and bursts of ``myosleep detect`` against the same night with it.

Without an ECG, detection takes the heartbeats from the EMG lead that shows the rhythm most
regularly (``detection.run._r_peaks_from_emg_leads``: one more preprocessing pass of one lead
when that lead shows it clearly) instead of from the ECG.  A PLMD night is simulated and
written twice to EDF, with and without its ECG channel; each is detected in a fresh process
(``myosleep detect``, start-up included, best of ``--repeat``), and the ratio of the two
times is printed with the short bursts each gives (the cardiac field left in EMG shows as
extra short bursts).

Run:  .venv/bin/python benchmarks/bench_no_ecg.py [--hours 2] [--repeat 3]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
MYOSLEEP = str(REPO / ".venv" / "bin" / "myosleep") if (REPO / ".venv" / "bin" / "myosleep").exists() else "myosleep"


def _write(path: Path, sim, *, ecg: bool) -> Path:
    import edfio

    sigs = []
    for ch in sim.channels:
        if not ecg and str(ch.role).lower().endswith("ecg"):
            continue
        lim = 5000.0
        sigs.append(edfio.EdfSignal(np.clip(ch.data.astype(np.float64), -lim, lim), sampling_frequency=ch.sfreq,
                                    label=ch.label, physical_dimension="uV", physical_range=(-lim, lim)))
    edfio.Edf(sigs, data_record_duration=1.0).write(path)
    return path


def _detect(edf: Path, out: Path) -> tuple[float, int]:
    """Wall time (s) of one ``myosleep detect`` process and the short bursts it wrote."""
    import pandas as pd

    t0 = time.perf_counter()
    subprocess.run([MYOSLEEP, "detect", str(edf), "--out", str(out)], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    b = pd.read_csv(out / "bursts.tsv", sep="\t")
    return wall, int((b["detector"] == "short").sum())


def main() -> None:
    from myosleep.simulate import simulate_night

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", type=float, default=2.0)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    sim = simulate_night("plmd", hours=args.hours, seed=1)
    with tempfile.TemporaryDirectory() as d:
        rows = {}
        for ecg in (True, False):
            edf = _write(Path(d) / f"night-{'ecg' if ecg else 'noecg'}.edf", sim, ecg=ecg)
            runs = [_detect(edf, Path(d) / f"out-{ecg}-{k}") for k in range(args.repeat)]
            rows[ecg] = (min(r[0] for r in runs), runs[0][1])
    (t_ecg, n_ecg), (t_no, n_no) = rows[True], rows[False]
    print(f"PLMD night, {args.hours:g} h, EMG at {sim.channel('EMG LAT').sfreq:g} Hz; myosleep detect, best of "
          f"{args.repeat} fresh processes")
    print("| recording | detect (s) | short bursts |\n|---|---|---|")
    print(f"| with its ECG channel | {t_ecg:.2f} | {n_ecg} |")
    print(f"| without it | {t_no:.2f} | {n_no} |")
    print(f"ratio without / with: {t_no / t_ecg:.2f}x time, {n_no / max(n_ecg, 1):.2f}x short bursts")


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    main()

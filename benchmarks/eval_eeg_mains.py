"""Body movements and leg movements on simulated nights with mains hum added to the EEG alone.

Unfiltered exports (OpenBCI, BioSemi) carry mains hum on the EEG; the body-movement criterion
reads the EEG's 20-60 Hz power (docs/robustness.md, defect 26).  Each night is simulated once,
then written with a sinusoid of each amplitude and frequency added to its EEG channels (EOG,
EMG and ECG as simulated) and analysed with its true hypnogram, as ``myosleep analyze REC
--hypnogram FILE`` does.  Prints, per night: body movements and leg movements found, against
the truth and the night without added hum.

    .venv/bin/python benchmarks/eval_eeg_mains.py [--scenario plmd] [--hours 2.5] [--seeds 3]
        [--amps 0 20 50] [--freqs 50 60] [--sfreq-eeg 256]
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
from pathlib import Path

import numpy as np


def with_eeg_hum(sim, amplitude_uv: float, freq_hz: float):  # type: ignore[no-untyped-def]
    """``sim`` with ``amplitude_uv * sin(2 pi freq_hz t + 0.3)`` added to its EEG channels."""
    from myosleep.vocab import Role

    chans = []
    for c in sim.channels:
        if c.role is Role.EEG and amplitude_uv:
            t = np.arange(c.data.size) / c.sfreq
            c = dataclasses.replace(c, data=(c.data + amplitude_uv * np.sin(2 * np.pi * freq_hz * t + 0.3))
                                    .astype(np.float32))
        chans.append(c)
    return dataclasses.replace(sim, channels=tuple(chans))


def main() -> None:
    from myosleep.pipeline import analyze
    from myosleep.simulate import simulate_night

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="plmd")
    ap.add_argument("--hours", type=float, default=2.5)
    ap.add_argument("--seeds", type=int, nargs="+", default=[3])
    ap.add_argument("--amps", type=float, nargs="+", default=[0.0, 20.0, 50.0])
    ap.add_argument("--freqs", type=float, nargs="+", default=[50.0, 60.0])
    ap.add_argument("--sfreq-eeg", type=float, default=256.0)
    a = ap.parse_args()
    print("seed\tsfreq_eeg\thum_hz\thum_uv\tbm_true\tbm_found\tlm_true\tlm_found\teeg_mains_hz")
    with tempfile.TemporaryDirectory() as tmp:
        for seed in a.seeds:
            sim = simulate_night(a.scenario, hours=a.hours, seed=seed, sfreq_eeg=a.sfreq_eeg)
            tr = sim.events["trial_type"]
            for f0 in a.freqs:
                for amp in a.amps:
                    if amp == 0 and f0 != a.freqs[0]:
                        continue
                    edf = Path(tmp) / f"s{seed}_{f0:g}_{amp:g}.edf"
                    paths = with_eeg_hum(sim, amp, f0).write(edf)
                    hyp = next(p for p in paths if p.name.endswith(".hypnogram.tsv"))
                    res = analyze(edf, hypnogram=hyp)
                    ev = res.events["trial_type"]
                    eeg = [ch for ch in res.summary["channels"]["all"] if ch["role"] == "eeg"]
                    lines = sorted({f for ch in eeg for f in (ch.get("mains_hz") or [])})
                    print(f"{seed}\t{a.sfreq_eeg:g}\t{f0:g}\t{amp:g}\t{int((tr == 'body_movement').sum())}\t"
                          f"{int((ev == 'body_movement').sum())}\t{int((tr == 'leg_movement').sum())}\t"
                          f"{int((ev == 'leg_movement').sum())}\t{lines}", flush=True)


if __name__ == "__main__":
    main()

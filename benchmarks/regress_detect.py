"""Regression harness for detection speed work: detect() must not change what it finds.

Runs :func:`myosleep.detection.detect` on fixed simulated nights (fixed seeds) and
either saves the bursts, events and artefacts tables (``--save DIR``) or compares
them with a saved reference (``--compare DIR``): same number of bursts per
channel and detector, onsets and offsets within 1 ms, amplitudes within 1 %
(plus 0.01 uV), same number of events and artefacts.  Not a test (it takes ~1 min).

Run:  .venv/bin/python benchmarks/regress_detect.py --save /tmp/ref
      .venv/bin/python benchmarks/regress_detect.py --compare /tmp/ref
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from pathlib import Path

import numpy as np

#: (scenario, hours, seed, channels dropped): the ECG-less case exercises R-peaks from the EMG.
CASES = [
    ("plmd", 1.0, 11, ()),
    ("sleep_starts", 0.5, 12, ()),
    ("excessive_fragmentary_myoclonus", 0.5, 13, ()),
    ("quiet_artefacts", 1.0, 14, ()),
    ("infant_bnsm", 0.5, 15, ()),
    ("plmd", 0.5, 16, ("ECG",)),
]


# The tests' Recording-like view of a Simulation (arrays already in uV), shared, not copied.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.detection._detect_helpers import SimRecording  # noqa: E402


def _Rec(sim, drop):
    labels = tuple(c.label for c in sim.channels if any(c.label.startswith(d) for d in drop))
    return SimRecording(sim, drop=labels)


def run_all() -> dict:
    from myosleep.detection import detect
    from myosleep.simulate import simulate_night

    out = {}
    for scen, hours, seed, drop in CASES:
        sim = simulate_night(scen, hours=hours, seed=seed)
        t0 = time.perf_counter()
        res = detect(_Rec(sim, drop))
        dt = time.perf_counter() - t0
        key = f"{scen}-{hours}-{seed}-{'-'.join(drop) or 'all'}"
        out[key] = {"bursts": res.bursts, "events": res.events, "artefacts": res.artefacts,
                    "time_s": dt}
        print(f"{key}: {len(res.bursts)} bursts, {len(res.events)} events, "
              f"{len(res.artefacts)} artefacts, detect {dt:.2f} s", flush=True)
    return out


def compare(ref: dict, new: dict) -> list[str]:
    """Differences beyond tolerance, one line each (empty if none)."""
    errs = []
    for key, r in ref.items():
        n = new[key]
        rb, nb = r["bursts"], n["bursts"]
        for (ch, det), g in rb.groupby(["channel", "detector"]):
            h = nb[(nb["channel"] == ch) & (nb["detector"] == det)]
            if len(g) != len(h):
                errs.append(f"{key} {ch} {det}: {len(g)} bursts -> {len(h)}")
                continue
            for col in ("onset", "offset_s"):
                d = np.abs(g[col].to_numpy() - h[col].to_numpy())
                if d.size and d.max() > 1e-3 + 1e-9:
                    errs.append(f"{key} {ch} {det} {col}: max diff {d.max() * 1e3:.2f} ms")
            for col in ("peak_amplitude_uv", "mean_amplitude_uv", "baseline_uv"):
                a, b = g[col].to_numpy(), h[col].to_numpy()
                d = np.abs(a - b) - (0.01 * np.abs(a) + 0.01)
                if d.size and d.max() > 0:
                    i = int(np.argmax(d))
                    errs.append(f"{key} {ch} {det} {col}: {a[i]:.3f} -> {b[i]:.3f}")
        if len(nb) != len(rb):
            errs.append(f"{key}: {len(rb)} bursts -> {len(nb)}")
        for tab in ("events", "artefacts"):
            if len(r[tab]) != len(n[tab]):
                errs.append(f"{key}: {len(r[tab])} {tab} -> {len(n[tab])}")
        if "trial_type" in r["events"] and len(r["events"]) == len(n["events"]):
            diff = int((r["events"]["trial_type"].to_numpy() != n["events"]["trial_type"].to_numpy()).sum())
            if diff:
                errs.append(f"{key}: {diff} events changed trial_type")
    return errs


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--save", type=Path)
    g.add_argument("--compare", type=Path)
    args = ap.parse_args()
    res = run_all()
    print(f"total detect time {sum(v['time_s'] for v in res.values()):.2f} s")
    if args.save:
        args.save.mkdir(parents=True, exist_ok=True)
        with open(args.save / "ref.pkl", "wb") as f:
            pickle.dump(res, f)
        return 0
    with open(args.compare / "ref.pkl", "rb") as f:
        ref = pickle.load(f)
    errs = compare(ref, res)
    for e in errs:
        print("DIFF", e)
    print("identical within tolerance" if not errs else f"{len(errs)} differences")
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())

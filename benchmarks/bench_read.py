"""Speed of ``Recording.get_data`` on EDF+C, on the same file as EDF+D (contiguous) and as EDF+D with gaps.

Writes one simulated-size night (default 2 h: EEG and EOG at 256 Hz, chin, two legs and an ECG
at 512 Hz, random samples, 1-s records, an EDF+ annotation signal) with edfio, then the same
file marked EDF+D (its records contiguous), and an EDF+D with two gaps cut out of it (5 min
and 2.5 min: their records removed, the time-keeping of the others kept).  Each is timed in
this process, best of ``--repeat``:

* ``whole``: every data channel read whole in float32 (what detection does);
* ``windows``: 400 windows of 10 s at fixed random places of one 512-Hz channel, float64
  (what the report's example traces and the review page do).

The baseline, measured in the same run, is numpy decoding the same channels straight from the
file's bytes (a strided view of a memory map, ``digital * gain + offset`` into float32): the
least any reader can do.  Ratios to it are printed, so runs on different (or busy) machines
compare.  Before EDF+D gaps were read the gapped file was refused; the EDF+C ratio must not
grow.

    .venv/bin/python benchmarks/bench_read.py [--hours 2] [--repeat 5]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]


sys.path.insert(0, str(REPO))
from tests.conftest import make_fixtures  # noqa: E402  (the repository's tests package)

FIX = make_fixtures()
RATES = {"C4-M1": 256.0, "E1-M2": 256.0, "EMG Chin": 512.0, "EMG LAT": 512.0, "EMG RAT": 512.0, "ECG": 512.0}


def write_night(path: Path, hours: float) -> Path:
    """Random samples (uV) at the montage's rates, 1-s records, an annotation signal (EDF+C)."""
    rng = np.random.default_rng(0)
    n_s = int(hours * 3600)
    sigs = [{"data": rng.normal(0.0, 50.0, int(n_s * fs)), "sfreq": fs, "label": label, "unit": "uV",
             "physical_range": (-1000.0, 1000.0)} for label, fs in RATES.items()]
    return FIX.write_edf(path, sigs, annotations=[(0.0, 0.0, "Recording starts")])


def baseline(path: Path) -> float:
    """Decode every data channel with numpy straight from the bytes (float32); seconds."""
    from myosleep.io.edf_header import read_edf_header

    header = read_edf_header(path)
    t = time.perf_counter()
    mm = np.memmap(path, dtype=np.uint8, mode="r", offset=header.header_bytes,
                   shape=(header.n_records, header.record_bytes))
    for sig in header.data_signals:
        raw = mm[:, sig.byte_offset: sig.byte_offset + 2 * sig.samples_per_record]
        digital = np.ascontiguousarray(raw).view("<i2").reshape(-1)
        out = np.empty(digital.size, dtype=np.float32)
        np.add(digital * sig.gain, sig.physical_min - sig.digital_min * sig.gain, out=out, casting="unsafe")
    del mm
    return time.perf_counter() - t


def read_whole(path: Path) -> float:
    from myosleep.io import read_recording

    t = time.perf_counter()
    with read_recording(path) as rec:
        for c in rec.channels:
            rec.get_data(c.label, dtype=np.float32)
    return time.perf_counter() - t


def read_windows(path: Path, starts: np.ndarray) -> float:
    from myosleep.io import read_recording

    t = time.perf_counter()
    with read_recording(path) as rec:
        for s in starts:
            rec.get_data("EMG LAT", start_s=float(s), stop_s=float(s) + 10.0)
    return time.perf_counter() - t


def best(fn, repeat: int) -> float:
    return min(fn() for _ in range(repeat))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", type=float, default=2.0)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    from myosleep.errors import InputError

    with tempfile.TemporaryDirectory() as tmp:
        plus_c = write_night(Path(tmp) / "night_c.edf", args.hours)
        plus_d = Path(tmp) / "night_d.edf"
        plus_d.write_bytes(plus_c.read_bytes())
        FIX.patch_main_field(plus_d, 192, 44, "EDF+D")
        span = args.hours * 3600
        gapped = FIX.cut_records(plus_c, Path(tmp) / "night_gaps.edf",
                                 [(0.25 * span, 0.25 * span + 300.0), (0.6 * span, 0.6 * span + 150.0)])
        starts = np.random.default_rng(1).uniform(0.0, span - 10.0, 400)
        base = best(lambda: baseline(plus_c), args.repeat)
        print(f"{args.hours:g}-h night, {plus_c.stat().st_size / 1e6:.0f} MB; baseline (numpy decode of every "
              f"data channel, float32): {base:.3f} s")
        for name, path in (("EDF+C", plus_c), ("EDF+D contiguous", plus_d), ("EDF+D with 2 gaps", gapped)):
            try:
                whole = best(lambda p=path: read_whole(p), args.repeat)
                windows = best(lambda p=path: read_windows(p, starts), args.repeat)
            except InputError as err:
                print(f"{name:18s} refused: {err}")
                continue
            print(f"{name:18s} whole {whole:.3f} s ({whole / base:.2f}x baseline)   "
                  f"400 windows of 10 s {windows:.3f} s ({windows / base:.2f}x baseline)")


if __name__ == "__main__":
    main()

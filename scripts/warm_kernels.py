"""Compile myosleep's numba kernels into numba's on-disk cache, once per install.

Detection runs in compiled kernels (``preprocessing/_kernels.py``,
``detection/_kernels.py``, ``@numba.njit(cache=True)``).  Compiling them takes about a
minute on 2 cores the first time; afterwards every process loads them from the cache in
well under a second, and numba recompiles by itself when a kernel's source changes.
``make install`` runs this script so that the first ``myosleep demo`` or ``myosleep
detect`` does not pay the compilation.  It runs detection on a 3-minute simulated night
written to a temporary EDF (every EMG role, an accelerometer, with and without the ECG
channel, so that R-peaks are found on the ECG and on the EMG leads).

Run:  .venv/bin/python scripts/warm_kernels.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    from myosleep.detection import detect
    from myosleep.io import read_recording
    from myosleep.simulate import simulate_night

    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for scenario in ("sleep_starts", "propriospinal"):
            path = Path(tmp) / f"{scenario}.edf"
            simulate_night(scenario, hours=0.05, seed=0).write(path)
            with read_recording(path) as rec:
                detect(rec, workers=1)
                ecg = [c.label for c in rec.channels if str(getattr(c.role, "value", c.role)) == "ecg"]
            with read_recording(path, channels={"other": ecg}) as rec:  # R-peaks from the EMG leads
                detect(rec, workers=1)
    print(f"myosleep kernels compiled and cached in {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

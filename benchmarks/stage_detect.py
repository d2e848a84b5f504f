"""Per-stage wall time of detection on the first leg EMG channel of an EDF (best of 2).

Prints a markdown table (seconds).  Make the 8-h night of ``bench_detect.py`` with::

    .venv/bin/python -c "import sys; sys.path.insert(0, 'benchmarks'); from pathlib import Path; \
        from bench_detect import _write_night; _write_night(Path('/tmp/night8h.edf'), 8, seed=1)"
    .venv/bin/python benchmarks/stage_detect.py /tmp/night8h.edf
"""
import sys
import time, numpy as np
from myosleep.io import read_recording
from myosleep.preprocessing import detect_r_peaks, emg_channel_problem
from myosleep.preprocessing.artefacts import lazy_slow_component, _rail_limits, _scan_runs
from myosleep.preprocessing.mains import detect_mains, _mains_model
from myosleep.preprocessing.filters import _sosfilt, design_emg_sos
from myosleep.preprocessing import preprocess_emg
from myosleep.preprocessing.ecg import remove_cardiac_counted
from myosleep.preprocessing.envelope import emg_envelope
from myosleep.detection.bursts import resting_baseline, find_short_bursts, find_lm_bursts
from myosleep.detection.params import DetectionParams
rec = read_recording(sys.argv[1])
labels = [c.label for c in rec.channels]
leg = [c for c in rec.channels if str(getattr(c.role, "value", c.role)) == "leg"][0]
ecg = [c for c in rec.channels if str(getattr(c.role, "value", c.role)) == "ecg"][0]
P = DetectionParams()
rows = {}
def T(name, f):
    best = 1e9
    for _ in range(2):
        t = time.perf_counter(); r = f(); best = min(best, time.perf_counter() - t)
    rows[name] = best; return r
x = T("read channel (myosleep.io, float32)", lambda: rec.get_data(leg.label, dtype=np.float32))
e = T("read ECG", lambda: rec.get_data(ecg.label, dtype=np.float32))
peaks = T("R-peaks on the ECG (once per night)", lambda: detect_r_peaks(e, ecg.sfreq))
fs = leg.sfreq
T("channel checks (quality)", lambda: emg_channel_problem(x, fs))
# preprocessing rows: the code path of preprocess_emg (one artefact scan; the mains
# sinusoids subtracted inside the band-pass kernel)
T("NaN/flat/clipped runs (one kernel pass)",
  lambda: _scan_runs(x, nan=True, flat=(0.0, int(0.5 * fs)), rails=(*_rail_limits(x, None, None), 2)))
m = T("mains detection (Welch on 8 segments)", lambda: detect_mains(x, fs))
model = T("mains fit (sinusoids per 1-s block)", lambda: _mains_model(x, fs, m.freqs_hz))
filt = T("band-pass minus mains (kernel)", lambda: _sosfilt(x, design_emg_sos(fs), mains=model))
filt = T("cardiac template subtraction", lambda: remove_cardiac_counted(filt.copy(), fs, peaks + 1, overwrite=True)[0])
T("preprocess_emg (all of the above)", lambda: preprocess_emg(x, fs, r_peaks_s=peaks / ecg.sfreq))
mask = np.zeros(filt.size, bool); mask[:150] = True; mask[-150:] = True
base = T("resting baseline (kernel block power + running quantile)", lambda: resting_baseline(filt, fs, mask=mask))
T("one 10-ms RMS envelope", lambda: emg_envelope(filt, fs, window_s=0.01))
slow = lazy_slow_component(x, fs)
# burst rows: numba kernels computing the 10-/50-ms RMS on the fly (no night-long envelope)
T("short-burst search (kernel: 10/50-ms RMS, hysteresis, features; pop test)", lambda: find_short_bursts(filt, fs, params=P.short, mask=mask, baseline=base, slow=slow))
T("LM search (kernel: 50-ms RMS, hysteresis, rise start, features)", lambda: find_lm_bursts(filt, fs, params=P.lm, mask=mask, baseline=base))
for k, v in rows.items():
    print(f"| {k} | {v:.3f} |")

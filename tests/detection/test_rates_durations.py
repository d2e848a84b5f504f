"""Issue 9, defect 10: burst onsets, offsets and durations right at every sampling rate a lab uses.

The fast version of ``benchmarks/eval_rates.py``: three 10-minute nights of fragmentary
myoclonus (seeds 1-3, 1 min W then N2) per rate, detection only.  Every true myoclonic
burst whose peak stands >= 3x the channel's resting RMS is matched (interval overlap,
one-to-one) to a detected short burst; the truth is the burst's visible span (the signal
at least twice the background: ``myosleep.simulate.emg.visible_span``).

Goal (issue 9): durations within 10 ms at the median and 25 ms at the 90th percentile at
every rate.  Measured here (pooled 186-189 bursts per rate), median / 90th percentile of
|duration error|: 200 Hz 0.0 / 25.0 ms (one sample is 5 ms), 256 Hz 0.0 / 19.5, 500 Hz
-2.0 / 14.0, 512 Hz -2.0 / 11.7, 1000 Hz -1.0 / 13.0, 2048 Hz -2.0 / 11.4.  Before the
edges were placed on the band-passed samples (onset and offset of the 10-ms envelope's
hysteresis run), on the same truth: 200 Hz +15.0 / 50.0 ms, 512 Hz +9.8 / 32.0 ms
(``benchmarks/eval_rates.py``, docs/detection.md).
"""

from __future__ import annotations

import numpy as np
import pytest
from ._detect_helpers import SimRecording, match_bursts

from myosleep.detection import detect

#: The classes whose bursts are myoclonic potentials (the short-burst detector's).
MYOCLONIC = ("fragmentary_myoclonus", "hypnic_jerk", "neonatal_myoclonus", "cortical_myoclonus",
             "propriospinal_myoclonus")


def _rest_rms(x: np.ndarray, fs: float, onsets_s: np.ndarray) -> np.ndarray:
    """Resting RMS (uV) in the 2 s before each onset (median of 100-ms RMS)."""
    n = int(0.1 * fs)
    out = []
    for o in onsets_s:
        seg = x[max(0, int((o - 2.0) * fs)): max(0, int(o * fs))]
        m = seg[: (seg.size // n) * n].reshape(-1, n)
        out.append(float(np.median(np.sqrt(np.mean((m - m.mean(axis=1, keepdims=True)) ** 2, axis=1))))
                   if m.size else np.nan)
    return np.array(out)


def duration_errors(sim, bursts) -> np.ndarray:
    """Detected minus true duration (s) of the matched myoclonic bursts."""
    T = sim.bursts.merge(sim.events[["event_id", "trial_type"]], on="event_id")
    T = T[T.trial_type.isin(MYOCLONIC)]
    errs: list[float] = []
    for ch, t in T.groupby("channel"):
        x, fs = sim.channel(ch).data, sim.channel(ch).sfreq
        t = t[t.peak_amplitude_uv.to_numpy() >= 3.0 * _rest_rms(x, fs, t.onset.to_numpy())]
        d = bursts[(bursts.channel == ch) & (bursts.detector == "short")]
        pairs, _, _ = match_bursts(t.onset.to_numpy(), (t.onset + t.duration).to_numpy(),
                                   d.onset.to_numpy(), d.offset_s.to_numpy())
        errs += [float(d.duration.iloc[j] - t.duration.iloc[i]) for i, j in pairs]
    return np.array(errs)


@pytest.mark.parametrize("rate", [200, 256, 500, 512, 1000, 2048])
def test_myoclonic_burst_durations_at_every_rate(rate):
    from myosleep.io.hypnogram_model import Hypnogram
    from myosleep.simulate import simulate_night

    hyp = Hypnogram(stages=np.array([0] * 2 + [2] * 18, dtype=np.int8), epoch_s=30.0, source="simulated")
    errs = []
    for seed in (1, 2, 3):
        sim = simulate_night("excessive_fragmentary_myoclonus", seed=seed, hypnogram=hyp, sfreq_emg=rate)
        errs.append(duration_errors(sim, detect(SimRecording(sim)).bursts))
    err = np.concatenate(errs)
    assert err.size >= 150
    assert abs(np.median(err)) <= 0.010 + 1e-9
    assert np.percentile(np.abs(err), 90) <= 0.025 + 1e-9, np.percentile(np.abs(err), 90)

"""Reading a simulated night's truth against what myosleep found: shared by tests and benchmarks."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["resting_rms_before", "cortical_lead_truth"]


def resting_rms_before(x: np.ndarray, sfreq: float, onsets_s: np.ndarray) -> np.ndarray:
    """Resting RMS (uV) of a raw channel in the 2 s before each onset: the median of its 100-ms RMS.

    The background each true burst stands on, to keep the bursts a detector can be asked to
    find (e.g. peak >= 3x this).  NaN where fewer than 100 ms precede the onset.
    """
    n = int(0.1 * sfreq)
    out = []
    for o in np.asarray(onsets_s, dtype=float):
        seg = np.asarray(x[max(0, int((o - 2.0) * sfreq)): max(0, int(o * sfreq))], dtype=float)
        m = seg[: (seg.size // n) * n].reshape(-1, n)
        out.append(float(np.median(np.sqrt(np.mean((m - m.mean(axis=1, keepdims=True)) ** 2, axis=1))))
                   if m.size else np.nan)
    return np.array(out)


def cortical_lead_truth(truth_events: pd.DataFrame, events: pd.DataFrame, muscle: str
                        ) -> tuple[float, float, int, int]:
    """The simulation's EEG lead over the jerks of ``muscle`` that analyze called cortical.

    Each ``cortical_myoclonus`` row of ``events`` whose first channel is ``muscle`` is matched to
    the true cortical jerk with the nearest onset (< 50 ms).  Returns the mean true lead (ms, the
    simulated EEG transient's peak to the true EMG onset, ``eeg_lead_ms``), detection's median
    onset error over those jerks (detected - true, ms), the number matched and the number of rows.
    """
    truth = truth_events[truth_events["trial_type"] == "cortical_myoclonus"]
    on_true = truth["onset"].to_numpy(float)
    ev = events[(events["trial_type"] == "cortical_myoclonus")
                & (events["channel"].map(lambda c: c[0] if len(c) else "") == muscle)]
    leads, errors = [], []
    for on in ev["onset"].to_numpy(float):
        k = int(np.argmin(np.abs(on_true - on)))
        if abs(on_true[k] - on) < 0.05:
            leads.append(float(truth["eeg_lead_ms"].iloc[k]))
            errors.append(1000.0 * (on - on_true[k]))
    return float(np.mean(leads)), float(np.median(errors)), len(leads), len(ev)

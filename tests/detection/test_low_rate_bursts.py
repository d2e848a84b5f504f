"""Below 200 Hz a burst read on one sample still lasts a sample (issue 9, robustness section 19).

At 100-128 Hz the edge statistic's window is one sample (``EdgeStatistic.lag`` = -0.5): the
two edges of a burst read on one sample were each pulled half a sample inward and the burst
lasted 0 s (3 of 394 bursts of a simulated infant night brought to 128 Hz, listed in
bursts.tsv and as neonatal myoclonus of duration 0).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import butter, sosfiltfilt

from myosleep.detection.bursts import EdgeStatistic, find_short_bursts, resting_baseline
from myosleep.preprocessing import preprocess_emg


@pytest.mark.parametrize("fs", [100, 128])
def test_brief_bursts_last_at_least_a_sample(fs):
    rng = np.random.default_rng(7)
    assert EdgeStatistic(None, float(fs)).lag == -0.5
    n = int(600 * fs)
    sos = butter(4, [10.0, 0.45 * fs], btype="bandpass", fs=fs, output="sos")
    x = sosfiltfilt(sos, rng.standard_normal(n)) * 2.0  # resting EMG, ~1 uV RMS after the band-pass
    onsets = np.arange(2.0, 598.0, 1.5)
    for t in onsets:  # 8-25-ms potentials of 5-40 uV
        w = int(rng.integers(1, 4))
        i = int(t * fs)
        x[i:i + w] += rng.uniform(5.0, 40.0) * np.sign(rng.standard_normal(w))
    pre = preprocess_emg(x.astype(np.float32), float(fs))
    base = resting_baseline(pre.filtered, float(fs), mask=pre.mask)
    tab, _ = find_short_bursts(pre.filtered, float(fs), mask=pre.mask, baseline=base, delay_s=pre.delay_s)
    assert tab["duration"].size >= 100  # of 398 potentials (sub-sample spikes are partly filtered away)
    assert tab["duration"].min() >= 1.0 / fs - 1e-9

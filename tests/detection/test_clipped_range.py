"""EMG recorded with a narrow physical range: leg movements cut at the rails are still leg movements.

PSG montages often record EMG at +-100 uV or less; a leg movement exceeds that and its peaks
sit at the rails for a few ms at a time.  Such samples used to be masked as artefacts, which cut
every large movement into pieces set aside as ``settling``: on a PLMD night recorded at +-40 uV,
5 of 24 leg movements were found (``benchmarks/fuzz_inputs.py``, case ``range_pm40uV_clipping``).
A run at the rail longer than half a cycle of 20 Hz (25 ms) is still a saturated amplifier.
"""

from __future__ import annotations

import numpy as np

from myosleep.detection import detect_channel

from ._detect_helpers import sim_night

RANGE_UV = 40.0


def _lm_onsets(x: np.ndarray, fs: float, physical_range_uv: tuple[float, float]) -> np.ndarray:
    bursts, _, st = detect_channel(x, fs, label="EMG LAT", role="leg", physical_range_uv=physical_range_uv)
    assert st.used
    return bursts[bursts.detector == "lm"].onset.to_numpy()


def test_leg_movements_cut_at_a_narrow_range_are_found():
    sim = sim_night("plmd", hours=0.5, seed=3)
    x, fs = sim.signal("EMG LAT").astype(np.float64), sim.channel("EMG LAT").sfreq
    full = _lm_onsets(x, fs, (-3000.0, 3000.0))
    clipped = np.clip(x, -RANGE_UV, RANGE_UV)
    assert np.mean(np.abs(clipped) >= RANGE_UV) > 1e-3  # the movements do reach the rails
    cut = _lm_onsets(clipped, fs, (-RANGE_UV, RANGE_UV))
    assert full.size >= 10
    found = np.array([np.min(np.abs(cut - t)) <= 0.1 for t in full]) if cut.size else np.zeros(full.size, bool)
    assert found.mean() >= 0.9, (found.mean(), full.size, cut.size)


def test_a_saturated_amplifier_is_still_masked():
    sim = sim_night("plmd", hours=0.5, seed=3)
    x, fs = sim.signal("EMG LAT").astype(np.float64), sim.channel("EMG LAT").sfreq
    y = np.clip(x, -RANGE_UV, RANGE_UV)
    a = int(600 * fs)
    y[a: a + int(0.075 * fs)] = RANGE_UV  # blocked at the rail for 75 ms, then back
    bursts, arts, _ = detect_channel(y, fs, label="EMG LAT", role="leg", physical_range_uv=(-RANGE_UV, RANGE_UV))
    clipped = arts[arts.kind == "clipped"]
    assert ((clipped.onset - 600.0).abs() < 0.01).any()

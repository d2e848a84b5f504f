"""Helpers shared by the detection tests: real data, cached short simulated nights,
a Recording-like view of a Simulation, and burst matching."""

from __future__ import annotations

from pathlib import Path

import numpy as np

REAL = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "real"
#: BITalino EMG sensor (the BioSPPy example data): EMG(V) = (ADC/2^12 - 1/2) * VCC / G,
#: VCC = 3.3 V, G = 1009 -> 0.798 uV per ADC count (BITalino EMG datasheet, rev. b).
BITALINO_UV_PER_COUNT = 3.3 / 4096 / 1009 * 1e6


def load_biosppy(name: str) -> np.ndarray:
    path = REAL / "biosppy-emg" / name
    assert path.exists(), f"shared real data missing: {path}"
    x = np.loadtxt(path)
    return (x - np.median(x)) * BITALINO_UV_PER_COUNT


_SIMS: dict = {}


def sim_night(scenario: str, *, hours: float = 0.5, seed: int = 3, **kw):
    """A short simulated night, cached for the test session."""
    key = (scenario, hours, seed, tuple(sorted(kw.items())))
    if key not in _SIMS:
        from myosleep.simulate import simulate_night

        _SIMS[key] = simulate_night(scenario, hours=hours, seed=seed, **kw)
    return _SIMS[key]


class SimRecording:
    """Duck-typed ``Recording`` over a :class:`myosleep.simulate.Simulation` (arrays already in uV)."""

    def __init__(self, sim, *, drop: tuple[str, ...] = ()):
        self._sim = sim
        self.channels = [_Info(c) for c in sim.channels if c.label not in drop]
        self.duration_s = float(sim.duration_s)

    def get_data(self, label, *, start_s=0.0, stop_s=None, dtype=np.float64):
        return np.asarray(self._sim.channel(label).data, dtype=dtype)


class _Info:
    def __init__(self, c):
        from myosleep.vocab import EMG_ROLES

        self.label, self.role, self.side, self.sfreq, self.unit = c.label, c.role, c.side, float(c.sfreq), c.unit
        self.is_emg = c.role in EMG_ROLES
        self.physical_min = self.physical_max = float("nan")
        self.scale_to_uv = 1.0
        self.readable = True
        self.data_unit = "uV"


def match_bursts(truth_on, truth_off, det_on, det_off):
    """One-to-one matching of intervals by overlap (greedy, in onset order).

    Returns (pairs as list of (i_truth, j_det)), unmatched truth indices, unmatched detections).
    """
    pairs, used = [], set()
    order = np.argsort(truth_on)
    for i in order:
        cand = np.flatnonzero((det_on < truth_off[i]) & (det_off > truth_on[i]))
        cand = [j for j in cand if j not in used]
        if cand:
            j = min(cand, key=lambda j: abs(det_on[j] - truth_on[i]))
            used.add(j)
            pairs.append((int(i), int(j)))
    matched_t = {p[0] for p in pairs}
    miss = [i for i in range(len(truth_on)) if i not in matched_t]
    extra = [j for j in range(len(det_on)) if j not in used]
    return pairs, miss, extra

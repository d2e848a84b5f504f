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


def chin_of_bursts(sfreq: float, n_bursts: int, gap_s: float, jitter_s: float, envelope, *, seed: int,
                   tone_uv: float = 1.0, noise_uv: float = 0.7):
    """A chin channel of synthetic bursts over resting EMG, with the truth of their clinical rule.

    Burst k starts ``5 + k * gap_s`` s plus a uniform jitter up to ``jitter_s``; its envelope (uV)
    is ``envelope(rng)``; the signal is the simulator's ``texture x (tone + envelope) + noise``
    and the truth ``myosleep.simulate.emg.scored_span`` (twice the background).  Returns (signal
    in uV, truth as (n, 2) onset and offset in s).
    """
    from myosleep.simulate.emg import band_gains, emg_texture, scored_span

    rng = np.random.default_rng(seed)
    n = int((n_bursts * gap_s + 10.0) * sfreq)
    tone = np.full(n, tone_uv, np.float32)
    env = np.zeros(n, np.float32)
    gains = band_gains(sfreq)
    truth = []
    for k in range(n_bursts):
        a = int((5.0 + k * gap_s + rng.uniform(0.0, jitter_s)) * sfreq)
        own = np.asarray(envelope(rng), dtype=np.float64)
        env[a:a + own.size] += own.astype(np.float32)
        on, ln = scored_span(own, tone[a:a + own.size], noise_uv, a, sfreq=sfreq, gains=gains)
        truth.append((on / sfreq, (on + ln) / sfreq))
    x = emg_texture(n, sfreq, rng) * (tone + env) + noise_uv * rng.standard_normal(n).astype(np.float32)
    return x, np.array(truth)


def short_burst_errors(x: np.ndarray, sfreq: float, truth: np.ndarray) -> tuple[list, list]:
    """Onset and offset errors (s, detected - true) of the short bursts ``detect`` finds on the chin
    channel ``x`` against ``truth`` ((n, 2) s); every true burst must be found."""
    from types import SimpleNamespace

    from myosleep.detection import detect
    from myosleep.vocab import Role

    chin = SimpleNamespace(label="Chin", role=Role.CHIN, side=None, sfreq=float(sfreq), unit="uV", data=x)
    sim = SimpleNamespace(channels=[chin], duration_s=x.size / sfreq, channel=lambda label: chin)
    b = detect(SimRecording(sim), workers=1).bursts
    b = b[b.detector == "short"]
    pairs, miss, _ = match_bursts(truth[:, 0], truth[:, 1], b.onset.to_numpy(), b.offset_s.to_numpy())
    assert len(miss) == 0
    return ([b.onset.iloc[j] - truth[i, 0] for i, j in pairs], [b.offset_s.iloc[j] - truth[i, 1] for i, j in pairs])

"""Quiet nights: no false jerks from electrode pops or from the residual of a cardiac field.

* Pops: two simulated quiet nights whose spike-type pops (tail ~35 % of the spike)
  passed the slow-deflection test before the monophasic test existed (seed 4: chin at
  675.19 s; seed 8: right leg at 1695.20 s) give no burst and no event.
* Cardiac field: a healthy night with a 50-uV QRS field added to both leg leads,
  derived from the night's own ECG, with beat-to-beat variability in amplitude
  (+-15 % with respiration, 8 % random), shape (width 3 %, a respiration-driven
  change of QRS morphology: mix of 0.15 of its 2nd derivative) and timing (1 ms).
  Template subtraction leaves residuals that crossed the short-burst threshold
  102-124 times per hour on the two legs (2 with the gate, 8 once the right leg's
  mains hum was found and removed; 10-14 when the gate compared 10 + 10 neighbouring
  beats instead of 20 + 20); the cardiac gate
  (:mod:`myosleep.detection.cardiac_gate`) must remove most of them while jerks
  injected on heartbeats are still found.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import butter, sosfiltfilt

from myosleep.detection import detect
from myosleep.detection.cardiac_gate import CardiacGate, cardiac_residual_mask
from myosleep.detection.bursts import find_short_bursts, resting_baseline
from myosleep.preprocessing import detect_r_peaks, preprocess_emg
from myosleep.preprocessing.artefacts import lazy_slow_component
from myosleep.simulate.emg import emg_texture

from ._detect_helpers import SimRecording, match_bursts, sim_night

FIELD_UV = 50.0


@pytest.mark.parametrize("seed,pop_s,pop_channel", [(4, 675.19, "EMG Chin"), (8, 1695.20, "EMG RAT")])
def test_quiet_night_spike_pops_are_artefacts_not_jerks(seed, pop_s, pop_channel):
    sim = sim_night("quiet_artefacts", seed=seed)
    assert sim.events.empty
    res = detect(SimRecording(sim))
    assert len(res.bursts) == 0, res.bursts[["onset", "channel", "peak_amplitude_uv"]].to_string()
    assert len(res.events) == 0
    pops = res.artefacts[(res.artefacts.kind == "electrode_pop") & (res.artefacts.channel == pop_channel)]
    assert np.any(np.abs(pops.onset.to_numpy() - pop_s) < 0.05), pops


def _cardiac_field(ecg: np.ndarray, fs: float, rng: np.random.Generator) -> np.ndarray:
    """A QRS field of FIELD_UV (median R) on one lead, from the ECG, varying beat to beat."""
    r = detect_r_peaks(ecg, fs)
    hp = sosfiltfilt(butter(2, 10.0, btype="highpass", fs=fs, output="sos"), ecg.astype(np.float64))
    h = int(0.06 * fs)
    t = np.arange(-h, h + 1) / fs
    ts = np.arange(-2 * h, 2 * h + 1) / fs
    taper = np.exp(-0.5 * (t / 0.035) ** 4)
    resp_phase, mix_phase = rng.uniform(0, 2 * np.pi, 2)
    out = np.zeros(ecg.size)
    for i in r[(r >= 2 * h) & (r < ecg.size - 2 * h - 1)]:
        seg = hp[i - 2 * h: i + 2 * h + 1]
        width = 1 + 0.03 * rng.standard_normal()
        shift_s = 0.001 * rng.standard_normal()
        amp = (1 + 0.15 * np.sin(2 * np.pi * 0.25 * i / fs + resp_phase)) * (1 + 0.08 * rng.standard_normal())
        w = np.interp((t - shift_s) / width, ts, seg)
        d2 = np.gradient(np.gradient(w))
        d2 *= np.max(np.abs(w)) / max(float(np.max(np.abs(d2))), 1e-12)
        mix = 0.15 * (np.sin(2 * np.pi * 0.25 * i / fs + mix_phase) + 0.7 * rng.standard_normal())
        out[i - h: i + h + 1] += amp * (w + mix * d2) * taper
    inner = r[(r >= 2 * h) & (r < ecg.size - 2 * h - 1)]
    return (out * FIELD_UV / np.median(out[inner])).astype(np.float32)


class _Contaminated(SimRecording):
    def __init__(self, sim, add):
        super().__init__(sim)
        self._add = add

    def get_data(self, label, **kw):
        x = super().get_data(label, **kw)
        return x + self._add[label].astype(x.dtype) if label in self._add else x


@pytest.fixture(scope="module")
def contaminated():
    """Healthy night, 50-uV cardiac field on both legs, jerks injected on heartbeats."""
    sim = sim_night("healthy_adult")
    ecg = next(c for c in sim.channels if c.role == "ecg")
    ecg_x = np.asarray(ecg.data, dtype=np.float32)
    r_s = detect_r_peaks(ecg_x, ecg.sfreq) / ecg.sfreq
    rng = np.random.default_rng(7)
    legs = [c.label for c in sim.channels if c.role == "leg"]
    add, injected = {}, {}
    for lab in legs:
        fs = sim.channel(lab).sfreq
        x = _cardiac_field(ecg_x, ecg.sfreq, rng)
        truth = sim.bursts[sim.bursts.channel == lab]
        inj = []
        for j, tr in enumerate(r_s[60::25][:60]):  # one beat in 25, from the 60th
            if ((truth.onset > tr - 1.0) & (truth.onset < tr + 1.0)).any():
                continue
            rms = (10.0, 20.0, 40.0)[j % 3]
            dur = rng.uniform(0.06, 0.15)
            on = tr + rng.uniform(-0.02, 0.04)  # on the QRS
            i0, m = int(on * fs), int(dur * fs)
            env = np.sin(np.pi * (np.arange(m) + 0.5) / m) ** 0.5
            x[i0:i0 + m] += (rms * env * emg_texture(m, fs, rng)).astype(np.float32)
            inj.append((on, dur, rms))
        add[lab], injected[lab] = x, np.array(inj)
    res = detect(_Contaminated(sim, add))
    return sim, add, injected, res, legs, r_s


def _score(sim, injected, bursts, lab):
    truth = sim.bursts[sim.bursts.channel == lab]
    inj = injected[lab]
    on = np.concatenate([truth.onset.to_numpy(), inj[:, 0]])
    off = np.concatenate([(truth.onset + truth.duration).to_numpy(), inj[:, 0] + inj[:, 1]])
    pairs, miss, extra = match_bursts(on, off, np.asarray(bursts["onset"]), np.asarray(bursts["offset_s"]))
    n_truth = len(truth)
    return ([i for i in miss if i < n_truth], [i - n_truth for i in miss if i >= n_truth], extra)


def test_cardiac_residual_bursts_rare_and_jerks_on_beats_found(contaminated):
    sim, _, injected, res, legs, _ = contaminated
    hours = sim.duration_s / 3600
    n_false, n_inj, miss_by_rms = 0, 0, {10.0: 0, 20.0: 0, 40.0: 0}
    for lab in legs:
        b = res.bursts[(res.bursts.channel == lab) & (res.bursts.detector == "short")]
        miss_sim, miss_inj, extra = _score(sim, injected, b, lab)
        assert not miss_sim  # the night's own leg bursts
        n_false += len(extra)
        n_inj += len(injected[lab])
        for i in miss_inj:
            miss_by_rms[float(injected[lab][i, 2])] += 1
    # measured: 2 per hour, one burst in the half hour (102-124 without the gate, 10-14
    # with a gate of 10 + 10 neighbours; 0 without the field).  The bursts left by the
    # 10 + 10 gate lay on beats with an ordinary residual (0.3-1.8 x the mean residual
    # energy, not failed subtractions) at latencies whose phase-locked residual, 1.2-2 x
    # rest, read z = 1.2-1.8 over 20 neighbours: too few to call it significant.
    # Goal < 1 per hour: 2 here (one burst), not shown to be met.
    # Since mains lines are found under intermittent bursts (detect_mains, issue 9), the
    # right leg's 50-Hz hum (1-4 uV, missed before) is removed: its resting RMS fell from
    # 2.3 to 1.8 uV, the short-burst threshold with it, and that leg now shows the
    # residuals the left one showed (candidates before the gate 11 -> 45, as the left
    # leg's 44): 8 per hour (two bursts on each leg in the half hour).  The hum had been
    # hiding the residuals, not the gate removing them.
    assert n_false / hours <= 10.0, n_false / hours
    assert n_inj >= 100
    # measured: 0 of 40 jerks of 40 uV RMS on a QRS missed, 3 of 40 of 20 uV, 7-8 of 40
    # of 10 uV (6-7 with a 10 + 10 gate, 15 with 30 + 30, 18 with 40 + 40: a 10-uV jerk
    # is ~4 sigma of the residual there; the ranges are two states of the burst search).  The gate costs some of 10 uV (next test); the rest are taken for electrode pops
    # because the raw 50-uV QRS under them, low-passed, deflects like a pop's tail.
    # Removing the QRS from the raw stretch (lazy_slow_component(beats=...)) finds
    # them all but, at 200 Hz, releases the noise crossings that test 1 was
    # rejecting (test_invariance): not used by detect_channel until that is solved.
    assert miss_by_rms[40.0] == 0, miss_by_rms
    # With the right leg's hum removed (above): 10 of 40 of 10 uV missed (4 left, 6 right).
    assert miss_by_rms[20.0] <= 4 and miss_by_rms[10.0] <= 11, miss_by_rms


def test_gate_removes_most_residuals_and_keeps_jerks(contaminated):
    """The gate itself, on the same leads: residual candidates removed, injected jerks kept."""
    sim, add, injected, _, legs, r_s = contaminated
    n_false_before = n_false_after = n_inj_lost = 0
    for lab in legs:
        ch = sim.channel(lab)
        fs = ch.sfreq
        x = np.asarray(ch.data, dtype=np.float32) + add[lab]
        pre = preprocess_emg(x, fs, r_peaks_s=r_s)
        assert pre.beats.size > 1000
        base = resting_baseline(pre.filtered, fs, mask=pre.mask)
        tab, _ = find_short_bursts(pre.filtered, fs, mask=pre.mask, baseline=base, delay_s=pre.delay_s,
                                   slow=lazy_slow_component(x, fs, beats=pre.beats))
        residual = cardiac_residual_mask(pre.filtered, fs, pre.beats, tab["run_start"], tab["run_stop"],
                                         mask=pre.mask)
        _, miss_before, extra_before = _score(sim, injected, tab, lab)
        kept = {k: v[~residual] for k, v in tab.items()}
        _, miss_after, extra_after = _score(sim, injected, kept, lab)
        n_false_before += len(extra_before)
        n_false_after += len(extra_after)
        n_inj_lost += len(set(miss_after) - set(miss_before))
    # measured: 62 -> 1 residual bursts; 6 of the 40 jerks of 10 uV RMS lost (none larger)
    # (a gate of 10 + 10 neighbours: 62 -> 7, 4 lost).  Since the right leg's mains hum is
    # found and removed (detect_mains, issue 9; see the test above): 90 -> 4 residual
    # bursts, 8 of the 40 jerks of 10 uV lost (3 left, 5 right), the right leg's lower
    # resting level giving the gate's neighbour statistics as many residuals as the left.
    assert n_false_before >= 30  # the case is a real one
    assert n_false_after <= 0.05 * n_false_before, (n_false_before, n_false_after)
    assert n_inj_lost <= 8, n_inj_lost


def test_gate_exact_cases():
    fs = 512.0
    rng = np.random.default_rng(0)
    n = int(60 * fs)
    y = rng.standard_normal(n).astype(np.float32)  # resting EMG, 1 uV RMS
    beats = np.arange(int(1 * fs), n - int(1 * fs), int(0.9 * fs))
    res_w = int(0.04 * fs)
    scale = 1.0 + 0.3 * rng.standard_normal(beats.size)
    for b, s in zip(beats, scale):  # a residual of ~1.5 uV RMS at +0..40 ms after every beat
        y[b:b + res_w] += np.float32(1.5 * s) * np.sin(2 * np.pi * 60 * np.arange(res_w) / fs).astype(np.float32)
    k = beats.size // 2
    b = int(beats[k])
    y[b:b + res_w] *= 2.0  # this beat's residual twice the usual: still a residual
    assert cardiac_residual_mask(y, fs, beats, np.array([b]), np.array([b + res_w]))[0]
    # a jerk of 10 uV RMS on the same latency of another beat: kept
    b2 = int(beats[k + 5])
    y[b2:b2 + res_w] += np.float32(10.0) * rng.standard_normal(res_w).astype(np.float32)
    assert not cardiac_residual_mask(y, fs, beats, np.array([b2]), np.array([b2 + res_w]))[0]
    # a burst between beats (outside every cardiac window): never touched
    mid = b + int(0.45 * fs)
    assert not cardiac_residual_mask(y, fs, beats, np.array([mid]), np.array([mid + res_w]))[0]
    # at a latency where the neighbours are at rest, even a small burst is kept
    lat = b + int(0.1 * fs)
    assert not cardiac_residual_mask(y, fs, beats, np.array([lat]), np.array([lat + res_w]))[0]
    # no beats, or too few: nothing is a residual
    assert not cardiac_residual_mask(y, fs, beats[:3], np.array([b]), np.array([b + res_w])).any()
    # stricter factor: the doubled residual kept only if the factor is < its power ratio (~4)
    assert not cardiac_residual_mask(y, fs, beats, np.array([b]), np.array([b + res_w]),
                                     gate=CardiacGate(exceed_factor=1.0))[0]


def test_gate_skips_neighbours_touching_artefacts():
    """Neighbour windows overlapping masked samples are not used (searchsorted on the mask's runs)."""
    from myosleep.detection.cardiac_gate import _touches
    from myosleep.preprocessing import runs_from_mask

    rng = np.random.default_rng(1)
    for _ in range(200):  # the vectorised overlap test equals the per-window one
        m = rng.random(500) < rng.choice([0.0, 0.01, 0.1, 0.5])
        w = int(rng.integers(1, 40))
        s0 = rng.integers(0, 500 - w, 50)
        ref = np.array([m[p:p + w].any() for p in s0])
        np.testing.assert_array_equal(_touches(*runs_from_mask(m), s0, w), ref)
    fs = 512.0
    n = int(60 * fs)
    y = rng.standard_normal(n).astype(np.float32)
    beats = np.arange(int(1 * fs), n - int(1 * fs), int(0.9 * fs))
    res_w = int(0.04 * fs)
    for b in beats:  # a residual of 1.5 uV amplitude at +0..40 ms after every beat
        y[b:b + res_w] += np.float32(1.5) * np.sin(2 * np.pi * 60 * np.arange(res_w) / fs).astype(np.float32)
    k = beats.size // 2
    b = int(beats[k])
    start, stop = np.array([b]), np.array([b + res_w])
    assert cardiac_residual_mask(y, fs, beats, start, stop, mask=np.zeros(n, dtype=bool))[0]
    # every neighbour's window masked except the burst's own beat: too few references, kept
    mask = np.ones(n, dtype=bool)
    mask[b - int(0.2 * fs): b + int(0.3 * fs)] = False
    assert not cardiac_residual_mask(y, fs, beats, start, stop, mask=mask)[0]

"""Artefact signals (mains, ECG field, pops), the written files and the CLI."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from myosleep.cli import main
from myosleep.simulate import SCENARIOS, simulate_night
from myosleep.simulate.write import DEFAULT_RANGE_UV


def _psd(x: np.ndarray, fs: float):
    from scipy.signal import welch

    return welch(x.astype(float), fs=fs, nperseg=int(16 * fs))


@pytest.mark.parametrize("name,mains", [("healthy_adult", 50.0), ("quiet_artefacts", 60.0)])
def test_mains_at_the_scenario_frequency(sims, name, mains):
    sim = sims(name)
    assert sim.mains_hz == mains
    ch = sim.channel("EMG LAT")
    f, p = _psd(ch.data, ch.sfreq)
    at = p[np.argmin(np.abs(f - mains))]
    other = 60.0 if mains == 50.0 else 50.0
    neighbours = p[(np.abs(f - mains) > 3) & (np.abs(f - mains) < 10)]
    assert at > 20 * np.median(neighbours)  # a line, not broadband EMG
    assert at > 20 * p[np.argmin(np.abs(f - other))]
    assert p[np.argmin(np.abs(f - 3 * mains))] > 5 * np.median(p[(np.abs(f - 3 * mains) > 3) & (np.abs(f - 3 * mains) < 10)])


def test_ecg_r_peaks_visible_in_emg_leads(sims):
    from scipy.signal import find_peaks

    sim = sims("quiet_artefacts")
    ecg = sim.channel("ECG II")
    fs = ecg.sfreq
    peaks, _ = find_peaks(ecg.data, height=500.0, distance=int(0.3 * fs))
    hr = 60.0 * peaks.size / sim.duration_s
    assert 50.0 < hr < 80.0  # adult heart rate
    assert 600.0 < np.median(ecg.data[peaks]) < 1400.0  # R ~ 1 mV
    for lab, lo_uv in (("EMG LAT", 8.0), ("EMG Chin", 4.0), ("EMG RAT", 3.0)):
        ch = sim.channel(lab)
        assert ch.sfreq == fs
        x = ch.data.astype(float)
        idx = peaks[(peaks > 100) & (peaks < x.size - 100)]
        avg = np.mean([x[i - 50:i + 50] for i in idx], axis=0)
        rand = np.random.default_rng(0).integers(100, x.size - 100, idx.size)
        avg_rand = np.mean([x[i - 50:i + 50] for i in rand], axis=0)
        assert abs(int(np.argmax(avg)) - 50) <= 1  # R wave of the EMG lead at the ECG's R time (+-2 ms)
        assert avg[50] > lo_uv and avg[50] > 5 * np.abs(avg_rand).max()


def test_electrode_pops_have_no_emg_texture(sims):
    sim = sims("quiet_artefacts")
    pops = sim.artefacts[sim.artefacts.kind == "electrode_pop"]
    assert len(pops) >= 5
    assert ((pops.amplitude_uv >= 50) & (pops.amplitude_uv <= 500)).all()
    for _, p in pops.iterrows():
        ch = sim.channel(p.channel)
        i0 = int(round(p.onset * ch.sfreq))
        x = ch.data.astype(float)
        jump = x[i0] - x[i0 - 1]
        assert abs(jump) > 0.3 * p.amplitude_uv  # a sudden step or spike


def test_edf_round_trip(tmp_path):
    import edfio

    sim = simulate_night("cortical_myoclonus", hours=0.1, seed=2)
    paths = sim.write(tmp_path / "night.edf")
    assert [p.name for p in paths] == ["night.edf", "night.events.tsv", "night.hypnogram.tsv",
                                       "night.bursts.tsv", "night.artefacts.tsv"]
    edf = edfio.read_edf(paths[0])
    assert [s.label for s in edf.signals] == sim.labels
    assert edf.data_record_duration == 1.0
    for s, ch in zip(edf.signals, sim.channels):
        assert s.sampling_frequency == ch.sfreq
        assert s.physical_dimension == "uV"
        step = (s.physical_max - s.physical_min) / (s.digital_max - s.digital_min)
        assert step < 0.2  # well below 1 uV
        x = ch.data.astype(float)
        ok = np.abs(x) < DEFAULT_RANGE_UV
        assert np.abs(s.data[ok] - x[ok]).max() <= step
    ev = pd.read_csv(paths[1], sep="\t")
    assert list(ev.columns[:10]) == ["onset", "duration", "trial_type", "channel", "stage",
                                     "peak_amplitude_uv", "periodic", "arousal", "side", "event_id"]
    assert len(ev) == len(sim.events)
    assert np.allclose(ev.onset, sim.events.onset, atol=1e-6)
    hyp = pd.read_csv(paths[2], sep="\t")
    assert list(hyp.columns) == ["onset", "duration", "stage"] and len(hyp) == sim.hypnogram.n_epochs
    bursts = pd.read_csv(paths[3], sep="\t")
    assert len(bursts) == len(sim.bursts)
    assert not list(tmp_path.glob(".*part"))  # no temporary left behind


def test_cli_simulate_writes_five_files(tmp_path, capsys):
    out = tmp_path / "quiet.edf"
    assert main(["simulate", str(out), "--scenario", "plmd", "--hours", "0.05", "--seed", "3"]) == 0
    printed = capsys.readouterr().out.split()
    stems = ["quiet.edf", "quiet.events.tsv", "quiet.hypnogram.tsv", "quiet.bursts.tsv", "quiet.artefacts.tsv"]
    assert [p.split("/")[-1] for p in printed] == stems
    assert all((tmp_path / s).stat().st_size > 0 for s in stems)
    assert main(["simulate", str(out), "--list"]) == 0
    listed = capsys.readouterr().out
    assert all(name in listed for name in SCENARIOS)
    assert main(["simulate", str(out), "--scenario", "nope", "--hours", "0.05"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "healthy_adult" in err[0]


def test_accelerometer_shows_gravity_and_trunk_jerks(sims, tmp_path):
    import edfio

    sim = sims("sleep_starts")
    axes = [sim.channel(f"Accel {a}") for a in "XYZ"]
    assert all(c.unit == "g" and c.sfreq == 100.0 for c in axes)
    acc = np.vstack([c.data.astype(float) for c in axes])
    mag = np.linalg.norm(acc, axis=0)
    assert np.median(mag) == pytest.approx(1.0, abs=0.02)  # gravity at rest
    hj = sim.events[sim.events.trial_type == "hypnic_jerk"]
    assert hj.accel_onset.notna().all()
    fm = sim.events[sim.events.trial_type == "fragmentary_myoclonus"]
    assert fm.accel_onset.isna().all()  # a twitch of one muscle does not move the trunk
    for on, acc_on in zip(hj.onset, hj.accel_onset):
        assert 0.02 <= acc_on - on <= 0.03  # electromechanical delay
        i = int(np.ceil(acc_on * 100.0))
        rest = np.median(acc[:, i - 50:i - 1], axis=1, keepdims=True)  # posture before the jerk
        assert np.abs(acc[:, i:i + 30] - rest).max() > 0.05  # >= 50 mg transient
        assert np.abs(acc[:, i - 50:i - 1] - rest).max() < 0.02  # still before (noise 3 mg)
    paths = sim.write(tmp_path / "ss.edf")
    sig = {s.label: s for s in edfio.read_edf(paths[0]).signals}
    assert sig["Accel X"].physical_dimension == "g" and sig["Accel X"].sampling_frequency == 100.0
    assert np.abs(sig["Accel Z"].data - axes[2].data).max() < 1e-3


def test_emg_texture_spectrum_peaks_like_surface_emg(sims):
    """Surface EMG: energy in 20-200 Hz with its spectral peak near 60-100 Hz (Merletti
    & Parker 2004); checked inside the longest true leg movement."""
    sim = sims("plmd")
    lm = sim.bursts[sim.bursts.channel == "EMG LAT"].sort_values("duration").iloc[-1]
    ch = sim.channel("EMG LAT")
    fs = ch.sfreq
    x = ch.data[int(lm.onset * fs):int((lm.onset + lm.duration) * fs)].astype(float)
    from scipy.signal import welch

    f, p = welch(x, fs=fs, nperseg=256)
    f_peak = f[np.argmax(np.where(np.abs(f - sim.mains_hz) > 3, p, 0.0))]
    assert 40.0 <= f_peak <= 120.0
    assert p[(f >= 20) & (f <= 200)].sum() > 0.9 * p.sum()

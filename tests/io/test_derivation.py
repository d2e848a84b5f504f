"""Bipolar derivations of referential channels asked for with ``--channels ROLE=A-B``.

Referential recordings (BioSemi's ``EXG1``..``EXG8`` against CMS; amplifiers recording every
electrode against one reference) hold no bipolar EMG.  Surface EMG is the difference of two
electrodes over the muscle, which cancels what they share (ECG, EEG, mains).  The user names
the pair; the recording derives it.
"""

from __future__ import annotations

import numpy as np
import pytest

from myosleep.cli import main
from myosleep.errors import ChannelError
from myosleep.io import read_recording
from myosleep.vocab import Role, Side


def _write(path, signals):
    import edfio

    edfio.Edf([edfio.EdfSignal(x, fs, label=lab, physical_dimension=unit, physical_range=rng)
               for lab, x, fs, unit, rng in signals]).write(path)
    return path


def _referential_night(tmp_path):
    """The simulated PLMD night's left-leg EMG recorded as two referential electrodes.

    Each carries half the EMG (of opposite signs) over a common-mode signal 100 x the resting
    EMG: a 150-uV ECG field, 80 uV of 50-Hz mains and a 300-uV drift.
    """
    from myosleep.io.hypnogram_model import Hypnogram
    from myosleep.simulate import simulate_night
    from myosleep.vocab import Stage as S

    stages = np.r_[np.full(4, int(S.W)), np.full(2, int(S.N1)), np.full(24, int(S.N2))].astype(np.int8)
    sim = simulate_night("plmd", seed=2, hypnogram=Hypnogram(stages=stages, epoch_s=30.0, source="simulated"))
    leg = sim.channel("EMG LAT")
    ecg = sim.channel("ECG II")
    fs = float(leg.sfreq)
    n = leg.data.size
    t = np.arange(n) / fs
    ecg_at_leg = np.interp(t, np.arange(ecg.data.size) / ecg.sfreq, ecg.data)
    common = 150.0 * ecg_at_leg / np.max(np.abs(ecg_at_leg)) + 80.0 * np.sin(2 * np.pi * 50.0 * t) \
        + 300.0 * np.sin(2 * np.pi * 0.05 * t)
    emg = leg.data.astype(np.float64)
    path = _write(tmp_path / "ref.edf", [
        ("EXG1", common + emg / 2, fs, "uV", (-2000.0, 2000.0)),
        ("EXG2", (common - emg / 2) / 1000.0, fs, "mV", (-2.0, 2.0)),  # another unit: scaled on its own
        ("EMG LAT", emg, fs, "uV", (-2000.0, 2000.0)),  # the bipolar channel itself, as the reference
    ])
    return sim, path


def test_derivation_is_the_difference_in_uv(tmp_path):
    _, path = _referential_night(tmp_path)
    with read_recording(path, channels={"leg-left": "EXG1-EXG2", "emg": "EMG LAT"}) as rec:
        d = rec.channel("EXG1-EXG2")
        assert d.role is Role.LEG and d.side is Side.LEFT and d.is_emg
        assert any(w.startswith("derivation") for w in d.warnings)
        x = rec.get_data("EXG1-EXG2")
        ref = rec.get_data("EMG LAT")
        # EDF quantisation of the three channels (16 bits over +-2 mV: 0.06 uV per step)
        assert np.max(np.abs(x - ref)) < 0.2
        part = rec.get_data("EXG1-EXG2", start_s=10.0, stop_s=20.0)
        np.testing.assert_allclose(part, x[int(10 * d.sfreq): int(20 * d.sfreq)])
        assert rec.channel("EXG1").role is Role.OTHER  # the electrodes themselves stay unanalysed


def test_derivation_finds_the_bipolar_channels_leg_movements(tmp_path):
    from myosleep.detection import detect

    _, path = _referential_night(tmp_path)
    with read_recording(path, channels={"leg-left": "EXG1-EXG2", "emg": "EMG LAT"}) as rec:
        derived = detect(rec, workers=1).bursts
    with read_recording(path, channels={"leg-left": "EMG LAT"}) as rec:
        bipolar = detect(rec, workers=1).bursts
    with read_recording(path, channels={"leg-left": "EXG1", "emg": "EMG LAT"}) as rec:
        one_electrode = detect(rec, workers=1).bursts
    lm_d, lm_b = derived[derived.detector == "lm"], bipolar[bipolar.detector == "lm"]
    assert len(lm_b) >= 10
    assert len(lm_d) == len(lm_b)
    # the two differ by EDF quantisation (<= 0.2 uV), which can move a slow edge by a few samples
    d_on = np.abs(lm_d.onset.to_numpy() - lm_b.onset.to_numpy())
    assert np.median(d_on) < 0.002 and d_on.max() < 0.025, d_on
    # one referential electrode alone holds the common mode: not the same night
    lm_1 = one_electrode[one_electrode.detector == "lm"]
    assert len(lm_1) != len(lm_b) or not np.allclose(lm_1.onset.to_numpy(), lm_b.onset.to_numpy(), atol=0.01)


def test_derivations_that_cannot_be_made_are_refused_in_one_line(tmp_path, capsys):
    fs = 256.0
    x = np.random.default_rng(0).standard_normal(int(60 * fs))
    path = _write(tmp_path / "r.edf", [
        ("EXG1", x, fs, "uV", (-100.0, 100.0)),
        ("EXG2", x[: int(60 * 128)], 128.0, "uV", (-100.0, 100.0)),
        ("Pos", x, fs, "deg", (-100.0, 100.0)),
        ("EXG3", x, fs, "uV", (-100.0, 100.0)),
    ])
    with pytest.raises(ChannelError, match=r"differ in rate or length: no derivation 'EXG1-EXG2'"):
        read_recording(path, channels={"leg": "EXG1-EXG2"})
    with pytest.raises(ChannelError, match=r"unit 'deg' is not a voltage"):
        read_recording(path, channels={"leg": "EXG1-Pos"})
    with pytest.raises(ChannelError, match=r"no channel 'EXG1-EXG9'.*bipolar derivation"):
        read_recording(path, channels={"leg": "EXG1-EXG9"})
    with read_recording(path, channels={"leg": "EXG1-EXG3"}) as rec:  # the same signal: zero
        assert np.max(np.abs(rec.get_data("EXG1-EXG3"))) == 0.0
    assert main(["info", str(path), "--channels", "leg=EXG1-EXG2"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "no derivation 'EXG1-EXG2'" in err, err


def test_derivation_of_an_mne_raw(tmp_path):
    import mne

    _, path = _referential_night(tmp_path)
    raw = mne.io.read_raw_edf(path, preload=False, verbose="error")
    with read_recording(raw, channels={"leg-left": "EXG1-EXG2"}) as rec:
        d = rec.get_data("EXG1-EXG2")
        assert rec.channel("EXG1-EXG2").role is Role.LEG
        assert np.max(np.abs(d - rec.get_data("EMG LAT"))) < 0.2  # mne reads in V: each part scaled to uV


def test_biosemi_inputs_are_said_to_need_their_pair(tmp_path, capsys):
    """BioSemi records every input against CMS.  A BDF with 10-20 EEG names and EXG1..EXG4 was refused
    with "name its muscle, e.g. --channels chin=LABEL,leg=LABEL"; following it with one input
    (leg-left=EXG3) analysed the common mode as EMG without a word (2026-12-07 trial: 208 leg bursts
    where the night holds 42)."""
    rng = np.random.default_rng(1)
    fs, n = 512.0, 512 * 60
    common = 200.0 * np.sin(2 * np.pi * 0.2 * np.arange(n) / fs)
    sigs = [("C3", 20 * rng.standard_normal(n), fs, "uV", (-2000.0, 2000.0)),
            ("C4", 20 * rng.standard_normal(n), fs, "uV", (-2000.0, 2000.0))]
    sigs += [(f"EXG{i}", common + 3 * rng.standard_normal(n), fs, "uV", (-2000.0, 2000.0)) for i in range(1, 5)]
    path = _write(tmp_path / "biosemi.edf", sigs)
    with read_recording(path) as rec:  # without a cap: each EXG says what it is
        assert all("recorded against CMS" in rec.channel(f"EXG{i}").warnings[0] for i in range(1, 5))
    assert main(["detect", str(path), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "give each muscle as the derivation of its two electrodes (BioSemi records every input against " \
           "CMS), e.g. --channels leg-left=EXG1-EXG2" in err
    with read_recording(path, channels={"leg-left": "EXG3"}) as rec:
        assert any(w.startswith("one BioSemi input, recorded against CMS: it carries the common mode")
                   for w in rec.channel("EXG3").warnings)
    with read_recording(path, channels={"leg-left": "EXG3-EXG4"}) as rec:
        assert not any("carries the common mode" in w for w in rec.channel("EXG3-EXG4").warnings)

"""EMG the recorder rectified and smoothed (an envelope), or low-passed below the AASM's 100 Hz:
what the header's prefiltering field says, and what detection does with it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from myosleep.cli import main
from myosleep.detection import detect
from myosleep.io import read_recording
from myosleep.io.prefilter import (
    device_processing,
    emg_prefilter_findings,
    highpass_hz,
    label_processing,
    lowpass_hz,
)
from myosleep.vocab import Role


@pytest.mark.parametrize(("text", "hp", "lp", "processing"), [
    ("HP:0.1Hz LP:75Hz", 0.1, 75.0, None),
    ("HP:10Hz LP:100Hz N:50Hz", 10.0, 100.0, None),
    ("HP: 10.0 Hz LP: 1 kHz", 10.0, 1000.0, None),
    ("HP:DC LP:35Hz", 0.0, 35.0, None),
    ("HP:0.3s LP:70Hz", 1 / (2 * np.pi * 0.3), 70.0, None),  # a time constant
    ("HP:50mHz LP:0,7Hz", 0.05, 0.7, None),  # decimal comma
    ("HP:16Hz Rectification LP:0.7Hz", 16.0, 0.7, "Rectification"),  # Sleep-EDF's chin EMG
    ("RMS 100ms", None, None, "RMS"),
    ("integrated EMG", None, None, "integrated"),
    ("", None, None, None),
    ("Ag-AgCl", None, None, None),
])
def test_prefilter_fields_as_exports_write_them(text, hp, lp, processing):
    assert highpass_hz(text) == (pytest.approx(hp) if hp is not None else None)
    assert lowpass_hz(text) == (pytest.approx(lp) if lp is not None else None)
    assert device_processing(text) == processing


@pytest.mark.parametrize(("text", "sfreq", "envelope", "narrowed"), [
    ("HP:16Hz Rectification LP:0.7Hz", 100.0, True, False),
    ("HP:10Hz RMS", 512.0, True, False),
    ("HP:0.1Hz LP:5Hz", 256.0, True, False),  # below the EMG band: an envelope whatever the words
    ("HP:10Hz LP:35Hz", 256.0, False, True),
    ("HP:10Hz LP:70Hz", 512.0, False, True),
    ("HP:10Hz LP:100Hz", 512.0, False, False),  # the AASM's filter
    ("HP:10Hz LP:70Hz", 128.0, False, False),  # the rate already ends the band at 64 Hz (warned as such)
    ("", 512.0, False, False),
])
def test_emg_findings_from_the_prefilter(text, sfreq, envelope, narrowed):
    env, narrow = emg_prefilter_findings(text, sfreq)
    assert (env is not None, narrow is not None) == (envelope, narrowed)


def _emg(rng: np.random.Generator, fs: float, seconds: float) -> np.ndarray:
    """Resting surface EMG (~3 uV RMS, band-limited noise) with a 40-uV, 0.3-s burst every 10 s."""
    from scipy.signal import butter, sosfiltfilt

    n = int(seconds * fs)
    x = sosfiltfilt(butter(2, [20.0, min(150.0, 0.4 * fs)], btype="bandpass", fs=fs, output="sos"),
                    rng.standard_normal(n))
    x = 3.0 * x / x.std()
    for t in np.arange(5.0, seconds - 1.0, 10.0):
        a, b = int(t * fs), int((t + 0.3) * fs)
        x[a:b] *= 40.0 / 3.0
    return x


def _write(path: Path, mkfix, chin_prefilter: str, *, fs: float = 200.0, seconds: float = 120.0,
           with_leg: bool = True) -> tuple[Path, np.ndarray]:
    rng = np.random.default_rng(3)
    raw_chin = _emg(rng, fs, seconds)
    # the recorder's envelope: rectified, then smoothed (first-order 0.7 Hz low-pass, as Sleep-EDF's)
    from scipy.signal import butter, lfilter

    envelope = lfilter(*butter(1, 0.7, fs=fs), np.abs(raw_chin))
    sigs = [{"data": envelope, "sfreq": fs, "label": "EMG submental", "unit": "uV", "physical_range": (-50.0, 200.0)}]
    if with_leg:
        sigs.append({"data": _emg(rng, fs, seconds), "sfreq": fs, "label": "Leg L", "unit": "uV",
                     "physical_range": (-500.0, 500.0)})
    p = mkfix.write_edf(path, sigs)
    mkfix.patch_signal_field(p, 0, "prefilter", chin_prefilter)
    if with_leg:
        mkfix.patch_signal_field(p, 1, "prefilter", "HP:10Hz LP:100Hz")
    return p, envelope


def test_an_envelope_chin_gives_its_amplitude_but_no_bursts(tmp_path: Path, mkfix) -> None:
    path, envelope = _write(tmp_path / "env.edf", mkfix, "HP:16Hz Rectification LP:0.7Hz")
    with read_recording(path) as rec:
        chin = rec.channel("EMG submental")
        assert chin.role is Role.CHIN and chin.readable
        assert chin.emg_envelope is not None and "rectification" in chin.emg_envelope
        assert any(w.startswith("EMG already processed by the recorder (rectification") for w in chin.warnings)
        assert rec.channel("Leg L").emg_envelope is None and rec.channel("Leg L").warnings == ()
        res = detect(rec)
    status = res.channel_status["EMG submental"]
    assert not status.used and "amplitude envelope stored at 200 Hz, not the EMG" in status.reason
    assert res.channel_status["Leg L"].used
    assert set(res.bursts["channel"]) == {"Leg L"}
    lm = res.bursts[res.bursts["detector"] == "lm"] if "detector" in res.bursts else res.bursts
    assert len(lm) >= 10  # the leg's 11 bursts (5, 15, ..., 115 s) are read
    # the chin's amplitude per second is the envelope's mean per second, as for Sleep-EDF's 1-Hz chin
    amp = res.chin_amplitude
    assert amp.source.startswith("envelope channel:EMG submental")
    want = envelope[: 120 * 200].reshape(120, 200).mean(axis=1)
    np.testing.assert_allclose(amp.values_uv, want, atol=0.01)


def test_only_an_envelope_emg_is_refused_in_one_line(tmp_path: Path, mkfix, capsys) -> None:
    path, _ = _write(tmp_path / "only.edf", mkfix, "HP:0.1Hz LP:0.7Hz", with_leg=False)
    out = tmp_path / "out"
    assert main(["detect", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "EMG submental" in err and "low-passed at 0.7 Hz" in err
    # the advice that fits: not "record at >= 200 Hz" (it is at 200 Hz), the raw EMG
    assert "export the raw EMG instead" in err and "record EMG at" not in err
    assert not out.exists()


def test_emg_low_passed_below_100_hz_is_analysed_with_a_warning(tmp_path: Path, mkfix, capsys) -> None:
    rng = np.random.default_rng(5)
    fs = 256.0
    p = mkfix.write_edf(tmp_path / "lp.edf", [
        {"data": _emg(rng, fs, 60.0), "sfreq": fs, "label": lab, "unit": "uV", "physical_range": (-500.0, 500.0)}
        for lab in ("Chin", "Leg R")])
    mkfix.patch_signal_field(p, 0, "prefilter", "HP:10Hz LP:35Hz")
    with read_recording(p) as rec:
        chin = rec.channel("Chin")
        assert chin.emg_envelope is None
        assert any("low-passed at 35 Hz by the recorder" in w for w in chin.warnings)
        assert rec.channel("Leg R").warnings == ()
        res = detect(rec)
    assert res.channel_status["Chin"].used
    assert main(["info", str(p)]) == 0
    assert "low-passed at 35 Hz" in capsys.readouterr().out


def test_sleep_edf_chin_envelope_is_named_as_such(sleep_edf_psg: Path, tmp_path: Path, capsys) -> None:
    """Sleep-EDF's 1-Hz chin is the recorder's envelope: said so, with no advice about the rate."""
    assert main(["detect", str(sleep_edf_psg), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "an amplitude envelope stored at 1 Hz, not the EMG" in err and "export the raw EMG instead" in err
    assert "record EMG at" not in err


def test_an_mne_raw_band_is_not_taken_for_a_channel_s(tmp_path: Path, mkfix) -> None:
    """mne keeps one band for all channels (the narrowest): it says nothing about the EMG's own."""
    import mne

    path, _ = _write(tmp_path / "m.edf", mkfix, "HP:16Hz Rectification LP:0.7Hz")
    raw = mne.io.read_raw_edf(path, preload=True, verbose="error")
    with read_recording(raw) as rec:
        assert rec.channel("Leg L").emg_envelope is None
        assert not any("low-passed" in w for w in rec.channel("Leg L").warnings)


@pytest.mark.parametrize(("label", "said"), [
    ("Chin RMS", "RMS"), ("LAT-RMS", "RMS"), ("Chin EMG envelope", "envelope"), ("EMG Chin (rect)", "rectified"),
    ("Rectified EMG Chin", "rectified"), ("iEMG chin", "integrated"), ("EMG Chin", None), ("Leg L", None),
    ("EMG Tib ant R", None), ("Chin1-Chin2", None),
])
def test_labels_that_name_a_processed_emg(label, said):
    assert label_processing(label) == said


def test_an_envelope_named_by_its_label_also_through_mne(tmp_path: Path, mkfix) -> None:
    """No prefilter, but the label says RMS: an envelope whatever the reader (mne keeps labels)."""
    import mne

    path, envelope = _write(tmp_path / "rms.edf", mkfix, "")
    mkfix.patch_signal_field(path, 0, "label", "Chin RMS")
    with read_recording(path) as rec:
        chin = rec.channel("Chin RMS")
        assert chin.role is Role.CHIN and chin.emg_envelope is not None and "(RMS)" in chin.emg_envelope
        assert chin.warnings == (chin.emg_envelope,)
        res = detect(rec)
    assert not res.channel_status["Chin RMS"].used and res.channel_status["Leg L"].used
    assert res.chin_amplitude.source.startswith("envelope channel:Chin RMS")
    raw = mne.io.read_raw_edf(path, preload=True, verbose="error")
    with read_recording(raw) as rec:
        assert rec.channel("Chin RMS").emg_envelope is not None
        assert rec.channel("Leg L").emg_envelope is None

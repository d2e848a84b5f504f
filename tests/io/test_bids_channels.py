"""Channel roles from a BIDS ``*_channels.tsv`` sidecar (EEG and EMG datasets)."""

from __future__ import annotations

import numpy as np

from myosleep.cli import main
from myosleep.io import read_recording
from myosleep.vocab import Role, Side

LABELS = ("emg1", "emg2", "emg3", "emg4", "EXG5", "C3-M2", "Leg L", "misc1")


def _write_edf(path):
    import edfio

    fs = 256.0
    x = np.random.default_rng(0).standard_normal(int(60 * fs))
    edfio.Edf([edfio.EdfSignal(x, fs, label=lab, physical_dimension="uV", physical_range=(-100.0, 100.0))
               for lab in LABELS]).write(path)
    return path


# the BIDS EMG example's columns (signal_electrode, reference, target_muscle), and EEG-style rows
SIDECAR = """name\ttype\tunits\tsignal_electrode\treference\ttarget_muscle\tdescription
emg1\tEMG\tuV\tE1\tE2\tmentalis\tn/a
emg2\tEMG\tuV\tE3\tE4\ttibialis anterior left\tn/a
emg3\tEMG\tuV\tE5\tE6\tflexor digitorum superficialis, right\tn/a
emg4\tEMG\tuV\tE7\tE8\tn/a\tn/a
EXG5\tHEOG\tuV\tn/a\tn/a\tn/a\tn/a
C3-M2\tEEG\tuV\tn/a\tn/a\tn/a\tn/a
Leg L\tEMG\tuV\tn/a\tn/a\ttibialis anterior right\tn/a
misc1\tMISC\tuV\tn/a\tn/a\tn/a\tbattery
"""


def test_roles_from_the_sidecar_where_the_labels_name_no_site(tmp_path):
    data = _write_edf(tmp_path / "sub-01_ses-night1_task-sleep_run-1_emg.edf")
    (tmp_path / "sub-01_ses-night1_task-sleep_run-1_channels.tsv").write_text(SIDECAR)
    with read_recording(data) as rec:
        got = {c.label: (c.role, c.side) for c in rec.channels}
        assert got["emg1"] == (Role.CHIN, None)
        assert got["emg2"] == (Role.LEG, Side.LEFT)
        assert got["emg3"] == (Role.ARM, Side.RIGHT)
        assert got["emg4"] == (Role.EMG, None)  # EMG, no target muscle: of unknown site, as before
        assert got["EXG5"] == (Role.EOG, None)  # a BioSemi external input the sidecar types
        assert got["C3-M2"] == (Role.EEG, Side.LEFT)
        assert got["Leg L"] == (Role.LEG, Side.LEFT)  # the label's own role and side are kept
        assert got["misc1"] == (Role.OTHER, None)
        assert any("target muscle" in w or "muscle 'mentalis'" in w for w in rec.channel("emg1").warnings)
    # --channels still comes last
    with read_recording(data, channels={"axial": "emg1"}) as rec:
        assert rec.channel("emg1").role is Role.AXIAL


def test_no_sidecar_or_not_a_bids_name_reads_the_labels(tmp_path, capsys):
    plain = _write_edf(tmp_path / "night.edf")
    (tmp_path / "night_channels.tsv").write_text(SIDECAR)  # not a BIDS data file name: not read
    with read_recording(plain) as rec:
        assert rec.channel("emg2").role is Role.EMG
    bids = _write_edf(tmp_path / "sub-02_task-sleep_eeg.edf")
    (tmp_path / "sub-02_task-sleep_channels.tsv").write_text("label\tkind\nemg1\tEMG\n")
    with read_recording(bids) as rec:
        assert rec.channel("emg1").role is Role.EMG
        assert any("no 'name' and 'type' columns" in w for w in rec.warnings)
    assert main(["info", str(bids)]) == 0
    assert "no 'name' and 'type' columns" in capsys.readouterr().out


def test_accel_typed_channel_is_an_accelerometer(tmp_path):
    """BIDS motion types accelerometer axes ``ACCEL``; a device's unit may be counts or none."""
    import edfio

    fs = 64.0
    x = np.random.default_rng(1).standard_normal(int(60 * fs))
    edfio.Edf([edfio.EdfSignal(x, fs, label=lab, physical_dimension=unit, physical_range=(-8.0, 8.0))
               for lab, unit in (("imu1", ""), ("imu2", "counts"), ("aux", ""))]).write(
        tmp_path / "sub-03_task-sleep_eeg.edf")
    (tmp_path / "sub-03_task-sleep_channels.tsv").write_text(
        "name\ttype\tunits\nimu1\tACCEL\tn/a\nimu2\tACCEL\tn/a\naux\tMISC\tn/a\n")
    with read_recording(tmp_path / "sub-03_task-sleep_eeg.edf") as rec:
        assert [rec.channel(lab).role for lab in ("imu1", "imu2", "aux")] == [
            Role.ACCELEROMETER, Role.ACCELEROMETER, Role.OTHER]
        assert all(rec.channel(lab).readable for lab in ("imu1", "imu2"))
        assert any("relative thresholds only" in w for w in rec.channel("imu2").warnings)

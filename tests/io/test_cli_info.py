"""``myosleep info``: JSON contract, table, data scan (flat, clipped, NaN), exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from myosleep.cli import main
from myosleep.io import describe, read_recording
from myosleep.io.describe import describe_recording, format_description

REPO_ROOT = Path(__file__).resolve().parents[2]

CHANNEL_KEYS = {"label", "role", "side", "sfreq", "unit", "duration_s", "warnings"}


def _myosleep_exe() -> Path:
    beside = Path(sys.executable).parent / "myosleep"
    return beside if beside.exists() else REPO_ROOT / ".venv" / "bin" / "myosleep"


def test_info_json_on_real_sleep_edf(sleep_edf_psg: Path, capsys) -> None:
    assert main(["info", str(sleep_edf_psg), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["format"] == "EDF" and out["duration_s"] == 300.0 and out["annotations_count"] == 0
    assert all(set(ch) == CHANNEL_KEYS for ch in out["channels"])
    rows = {ch["label"]: (ch["role"], ch["side"], ch["sfreq"], ch["unit"], ch["duration_s"])
            for ch in out["channels"]}
    assert rows == {
        "EEG Fpz-Cz": ("eeg", None, 100.0, "uV", 300.0), "EEG Pz-Oz": ("eeg", None, 100.0, "uV", 300.0),
        "EOG horizontal": ("eog", None, 100.0, "uV", 300.0), "Resp oro-nasal": ("other", None, 1.0, "", 300.0),
        "EMG submental": ("chin", None, 1.0, "uV", 300.0), "Temp rectal": ("other", None, 1.0, "DegC", 300.0),
        "Event marker": ("other", None, 1.0, "", 300.0)}
    warnings = {ch["label"]: ch["warnings"] for ch in out["channels"]}
    assert [w.split(" (")[0] for w in warnings.pop("EMG submental")] == ["EMG already processed by the recorder"]
    assert all(w == [] for w in warnings.values())  # real EEG/EOG: not flat, not clipped


def test_info_table_is_aligned(fixture_dir: Path, capsys) -> None:
    assert main(["info", str(fixture_dir / "odd_labels.edf")]) == 0
    lines = capsys.readouterr().out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("label"))
    table = lines[header:header + 6]
    assert [line.split("  ")[0].strip() for line in table[1:]] == ["EMG Kinn ü", "channel 2", "Chin", "Chin#2",
                                                                  "LAT"]
    role_col = table[0].index("role")
    assert [line[role_col:].split()[0] for line in table[1:]] == ["chin", "other", "chin", "chin", "leg"]
    sfreq_end = table[0].index("sfreq_hz") + len("sfreq_hz")
    assert all(line[sfreq_end - 3:sfreq_end] == "256" for line in table[1:])
    assert "duplicate label 'Chin'" in table[4]


def test_info_channel_override(fixture_dir: Path, capsys) -> None:
    assert main(["info", str(fixture_dir / "psg.edf"), "--json", "--no-scan", "--channels", "leg=Flow,arm=ECG"]) == 0
    roles = {ch["label"]: ch["role"] for ch in json.loads(capsys.readouterr().out)["channels"]}
    assert (roles["Flow"], roles["ECG"], roles["LAT"]) == ("leg", "arm", "other")
    assert main(["info", str(fixture_dir / "psg.edf"), "--channels", "leg=Nope"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "'Nope'" in err and "'LAT'" in err


def test_info_annotation_only_file(hmc_hypnogram: Path, capsys) -> None:
    assert main(["info", str(hmc_hypnogram), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["channels"] == [] and out["annotations_count"] == 856
    assert any("no data channels" in w for w in out["warnings"])
    assert main(["info", str(hmc_hypnogram)]) == 0
    assert "no data channels" in capsys.readouterr().out


def test_info_lists_a_dummy_channel_with_its_problem(tmp_path_factory, mkfix, capsys) -> None:
    bad = mkfix.make_bad_files(tmp_path_factory.mktemp("bad"))
    assert main(["info", str(bad["physical_equal"])]) == 0
    out = capsys.readouterr().out
    line = next(s for s in out.splitlines() if s.startswith("Chin1-Chin2"))
    assert "not read: physical minimum equals physical maximum" in line


@pytest.mark.parametrize("case", ["cut_in_first_record", "text", "wrong_signal_count", "missing", "directory", "empty",
                                  "zero_signals"])
def test_info_bad_input_exit_2_one_line(tmp_path_factory, mkfix, capsys, case: str) -> None:
    bad = mkfix.make_bad_files(tmp_path_factory.mktemp("bad"))
    assert main(["info", str(bad[case])]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and captured.err.startswith("myosleep info: error: ")
    assert str(bad[case]) in captured.err and "Traceback" not in captured.err


def test_info_subprocess_exit_codes(fixture_dir: Path, tmp_path: Path, mkfix) -> None:
    exe = _myosleep_exe()
    bad = mkfix.make_bad_files(tmp_path)
    ok = subprocess.run([str(exe), "info", str(fixture_dir / "psg.edf")], capture_output=True, text=True,
                        timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert "Chin1-Chin2" in ok.stdout and ok.stderr == ""
    for case in ("cut_in_first_record", "wrong_signal_count"):
        res = subprocess.run([str(exe), "info", str(bad[case]), "--json"], capture_output=True, text=True,
                             timeout=120)
        assert res.returncode == 2
        assert res.stdout == ""
        assert len(res.stderr.splitlines()) == 1 and "Traceback" not in res.stderr
        assert str(bad[case]) in res.stderr


# ----------------------------------------------------------------------- data scan
def _scan_fixture(mkfix, path: Path) -> Path:
    sfreq = 256.0
    emg = mkfix.test_signal_uv(int(20 * sfreq), sfreq)
    emg[int(2 * sfreq):int(8 * sfreq)] = 0.0  # 6 s flat: a disconnected electrode
    emg[int(10 * sfreq):int(10.1 * sfreq)] = 500.0  # 25 samples at the physical maximum
    emg[int(15 * sfreq):int(15 * sfreq) + 5] = -500.0  # 5 samples at the physical minimum
    leg = mkfix.test_signal_uv(int(20 * sfreq), sfreq, seed=3)
    leg[int(12 * sfreq):int(16.5 * sfreq)] = 7.0  # 4.5 s constant: below the 5-s flat criterion
    flow = np.zeros(int(20 * 32))  # constant 'other' channel: not scanned
    return mkfix.write_edf(path, [
        {"data": emg, "sfreq": sfreq, "label": "Chin", "unit": "uV", "physical_range": (-500, 500)},
        {"data": leg, "sfreq": sfreq, "label": "LAT", "unit": "uV", "physical_range": (-500, 500)},
        {"data": flow, "sfreq": 32.0, "label": "Flow", "unit": "", "physical_range": (-1, 1)},
    ])


def test_scan_finds_flat_and_clipped_stretches(mkfix, tmp_path: Path) -> None:
    path = _scan_fixture(mkfix, tmp_path / "scan.edf")
    with read_recording(path) as rec:
        desc = describe_recording(rec)
        header_only = describe_recording(rec, scan_data=False)
    warnings = {ch["label"]: ch["warnings"] for ch in desc["channels"]}
    chin = warnings["Chin"]
    assert len(chin) == 2
    assert chin[0].startswith("flat (constant value) for 6 s in 1 stretch(es) of >= 5 s, first at 2.0 s")
    assert chin[1].startswith("clipped: 30 sample(s) (0.12 s) at the physical limits in 2 stretch(es), first at 10.0 s")
    assert warnings["LAT"] == [] and warnings["Flow"] == []
    assert all(ch["warnings"] == [] for ch in header_only["channels"])


def test_scan_is_chunked_and_chunking_does_not_change_results(mkfix, tmp_path: Path, monkeypatch) -> None:
    path = _scan_fixture(mkfix, tmp_path / "scan.edf")
    with read_recording(path) as rec:
        whole = describe_recording(rec)
        calls: list[tuple[float, float | None]] = []
        original = rec.get_data

        def spy(label, *, start_s=0.0, stop_s=None, dtype=np.float64):
            calls.append((start_s, stop_s))
            return original(label, start_s=start_s, stop_s=stop_s, dtype=dtype)

        monkeypatch.setattr(rec, "get_data", spy)
        monkeypatch.setattr(describe, "SCAN_CHUNK_SAMPLES", 700)  # runs cross many chunk boundaries
        chunked = describe_recording(rec)
    assert chunked == whole
    chin_calls = int(np.ceil(20 * 256 / 700))
    assert len(calls) == 2 * chin_calls  # Chin and LAT, in 700-sample chunks; Flow not scanned


def test_scan_reports_nan_from_mne_input(mkfix) -> None:
    import mne

    data = mkfix.test_signal_uv(1000, 250.0) * 1e-6
    data[100:150] = np.nan
    raw = mne.io.RawArray(data[None, :], mne.create_info(["Leg/L"], 250.0, "emg"), verbose="error")
    desc = describe_recording(read_recording(raw))
    (ch,) = desc["channels"]
    assert ch["warnings"] == ["50 NaN sample(s) (0.20 s)"]
    assert desc["path"] is None and desc["format"] == "mne"


def test_format_description_lists_every_warning(mkfix, tmp_path: Path) -> None:
    path = _scan_fixture(mkfix, tmp_path / "scan.edf")
    with read_recording(path) as rec:
        text = format_description(describe_recording(rec))
    lines = text.splitlines()
    assert lines[0].startswith(str(path)) and "duration 0:20 (20 s)" in lines[0] and "3 channels" in lines[0]
    chin_line = next(i for i, line in enumerate(lines) if line.startswith("Chin "))
    assert "flat (constant value)" in lines[chin_line]
    assert lines[chin_line + 1].lstrip().startswith("clipped: 30 sample(s)")
    # the continuation line starts in the warnings column
    assert lines[chin_line + 1].index("clipped") == lines[chin_line].index("flat")


def test_info_shows_edf_plus_d_with_gaps(fixture_dir: Path, capsys) -> None:
    assert main(["info", str(fixture_dir / "gap_plus_d.edf")]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert "EDF+D" in lines[0] and "duration 0:14 (14 s)" in lines[0]
    assert lines[1] == "  ! EDF+D: 1 gap, 4 s in all, left out of the analysis (no signal recorded at 5-9 s)"
    assert "NaN" not in out  # the gap is not reported again as missing samples of every channel
    assert main(["info", "--json", str(fixture_dir / "gap_plus_d.edf")]) == 0
    desc = json.loads(capsys.readouterr().out)
    assert desc["gaps_s"] == [[5.0, 9.0]] and desc["duration_s"] == 14.0
    assert {c["duration_s"] for c in desc["channels"]} == {14.0}


def test_info_refuses_overlapping_edf_plus_d_records_in_one_line(tmp_path: Path, mkfix, capsys) -> None:
    path = mkfix.make_edf_plus_d(tmp_path / "overlap.edf", gap=False)
    mkfix.set_record_onsets(path, {5: 4.5})
    assert main(["info", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "data record 6 starts at 4.5 s" in err
    assert "records overlap" in err and "EDF+C" in err

"""``myosleep export DIR --format edf|bids|nsrr|csv`` on an analysed simulated night."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from myosleep.cli import main
from myosleep.io.scored_events import read_events_tsv
from tests.io.test_export_edf import edfbrowser_problems


@pytest.fixture(scope="module")
def night(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("export")
    assert main(["simulate", str(d / "night 1.edf"), "--scenario", "plmd", "--hours", "0.5", "--seed", "2"]) == 0
    assert main(["analyze", str(d / "night 1.edf"), "--hypnogram", str(d / "night 1.hypnogram.tsv"),
                 "--out", str(d / "out")]) == 0
    return d


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "myosleep.cli", "export", *args], capture_output=True, text=True)


def test_edf(night):
    import mne

    from myosleep.io.edf_header import read_edf_header

    proc = _cli(str(night / "out"), "--format", "edf")
    assert proc.returncode == 0, proc.stderr
    path = Path(proc.stdout.strip())
    assert path == night / "out" / "annotations.edf"
    data = path.read_bytes()
    assert edfbrowser_problems(data) == []
    start = read_edf_header(night / "night 1.edf").start_datetime
    assert data[168:184].decode() == f"{start:%d.%m.%y%H.%M.%S}"
    events = read_events_tsv(night / "out" / "events.tsv")
    ann = mne.read_annotations(path)
    assert len(ann) == len(events) > 20
    got = sorted((round(o, 4), d, t) for o, d, t in zip(ann.onset, ann.duration, ann.description))
    want = sorted((round(o, 4), d, f"{t}@@{c}" if "," not in c else t)
                  for o, d, t, c in zip(events["onset"], events["duration"], events["trial_type"], events["channel"]))
    assert [g[0] for g in got] == [w[0] for w in want] and [g[2] for g in got] == [w[2] for w in want]
    np.testing.assert_allclose([g[1] for g in got], [w[1] for w in want], atol=1e-9)


def test_nsrr_with_stages_and_clock(night):
    from myosleep.io import read_hypnogram

    assert main(["export", str(night / "out"), "--format", "nsrr"]) == 0
    path = night / "out" / "night 1-nsrr.xml"
    root = ET.parse(path).getroot()
    first = root.find("ScoredEvents").find("ScoredEvent")
    assert first.find("EventConcept").text == "Recording Start Time"
    assert first.find("Duration").text == "1800.0" and first.find("ClockTime").text.startswith("00.00.00 ")
    hyp = read_hypnogram(night / "night 1.hypnogram.tsv")
    np.testing.assert_array_equal(read_hypnogram(path).stages, hyp.stages)


def test_csv_and_bids(night):
    events = read_events_tsv(night / "out" / "events.tsv")
    assert main(["export", str(night / "out"), "--format", "csv", "--out", str(night / "sheets" / "e.csv")]) == 0
    with open(night / "sheets" / "e.csv", newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(events) and rows[0]["clock_time"]
    assert main(["export", str(night / "out"), "--format", "bids", "--out", str(night / "ds"), "--ses", "1"]) == 0
    tsv = night / "ds" / "sub-night1" / "ses-1" / "eeg" / "sub-night1_ses-1_task-sleep_events.tsv"
    assert tsv.read_text() == (night / "out" / "events.tsv").read_text()
    side = json.loads(tsv.with_suffix(".json").read_text())
    assert list(side) == tsv.read_text().splitlines()[0].split("\t")
    assert json.loads((night / "ds" / "dataset_description.json").read_text())["GeneratedBy"][0]["Name"] == "myosleep"


def test_moved_folder_needs_the_recording(night, tmp_path):
    moved = tmp_path / "out"
    shutil.copytree(night / "out", moved)
    (moved / "annotations.edf").unlink(missing_ok=True)  # written by an earlier test
    # the recording has moved away from where summary.json says it was
    summary = json.loads((moved / "summary.json").read_text())
    summary["inputs"]["recording"]["path"] = str(tmp_path / "archive" / "night 1.edf")
    (moved / "summary.json").write_text(json.dumps(summary))
    proc = _cli(str(moved), "--format", "edf")
    assert proc.returncode == 2 and "cannot find the analysed recording" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and not (moved / "annotations.edf").exists()
    wrong = _cli(str(moved), "--format", "edf", "--recording", str(night / "night 1.hypnogram.tsv"))
    assert wrong.returncode == 2 and "SHA-256 differs" in wrong.stderr
    ok = _cli(str(moved), "--format", "edf", "--recording", str(night / "night 1.edf"))
    assert ok.returncode == 0 and (moved / "annotations.edf").is_file()
    csv_only = _cli(str(moved), "--format", "csv")
    assert csv_only.returncode == 0 and "clock times left out" in csv_only.stderr


def test_bad_input_and_nothing_half_written(night, tmp_path):
    cases = [
        ((str(tmp_path / "nope"), "--format", "csv"), "folder not found"),
        ((str(tmp_path), "--format", "csv"), "holds no events.tsv"),
        ((str(night / "out"), "--format", "xls"), "invalid choice"),
        ((str(night / "out"), "--format", "csv", "--out", str(tmp_path)), "is a folder"),
        ((str(night / "out"), "--format", "bids", "--sub", "a-b"), "letters and digits only"),
    ]
    for args, text in cases:
        proc = _cli(*args)
        assert proc.returncode == 2, (args, proc.stderr)
        assert text in proc.stderr and len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
    # the sidecar's place is taken: no events.tsv is left behind either
    blocked = tmp_path / "ds" / "sub-x" / "eeg" / "sub-x_task-sleep_events.json"
    blocked.mkdir(parents=True)
    proc = _cli(str(night / "out"), "--format", "bids", "--out", str(tmp_path / "ds"), "--sub", "x")
    assert proc.returncode == 2
    assert not (blocked.parent / "sub-x_task-sleep_events.tsv").exists()
    assert not (tmp_path / "ds" / "dataset_description.json").exists()

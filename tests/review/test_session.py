"""Opening a review: which recording, which hypnogram, which roles; one review per directory."""

from __future__ import annotations

import hashlib
import json
import shutil

import pytest

from myosleep.errors import InputError
from myosleep.review.session import open_session
from myosleep.vocab import Role

from ..conftest import make_fixtures


def _set_summary(out, **changes):
    path = out / "summary.json"
    summary = json.loads(path.read_text())
    summary.update(changes)
    path.write_text(json.dumps(summary))


def test_hypnogram_from_the_file_the_analysis_used(tiny, tmp_path):
    _, out = tiny
    hyp = tmp_path / "stages.tsv"
    hyp.write_text("stage\n" + "W\nN1\nN2\nN2\n", encoding="utf-8")
    entry = {"path": str(hyp), "name": hyp.name, "sha256": hashlib.sha256(hyp.read_bytes()).hexdigest()}
    _set_summary(out, inputs={**json.loads((out / "summary.json").read_text())["inputs"], "hypnogram": entry})
    with open_session(out, reviewer="R") as s:
        assert s.hypnogram is not None and s.hypnogram.labels == ["W", "N1", "N2", "N2"]
        assert s.hypnogram_note == "file:stages.tsv"
        added = s.store.add(onset_s=35.0, duration_s=0.5, trial_type="myoclonic_jerk", channels=["EMG LAT"])
        assert added["stage"] == "N1"  # epoch 2 (30-60 s)
    hyp.write_text("stage\nW\nW\nW\nW\n", encoding="utf-8")  # changed since the analysis
    with open_session(out, reviewer="R") as s:
        assert s.hypnogram is None and "changed since the analysis" in s.hypnogram_note
    hyp.unlink()
    with open_session(out, reviewer="R") as s:
        assert s.hypnogram is None and "--hypnogram" in s.hypnogram_note
    other = tmp_path / "other.tsv"
    other.write_text("stage\nN3\nN3\nN3\nN3\n", encoding="utf-8")
    with open_session(out, reviewer="R", hypnogram=other) as s:
        assert s.hypnogram.labels == ["N3"] * 4


def test_stages_carried_by_the_recording_itself(tmp_path):
    """An EDF+ with scored stages is its own hypnogram (as analyze reads it), wherever it now lies."""
    mk = make_fixtures()
    edf = tmp_path / "psg.edf"
    mk.make_psg(edf, duration_s=90.0, annotations=[(0.0, 30.0, "Sleep stage W"), (30.0, 30.0, "Sleep stage N1"),
                                                   (60.0, 30.0, "Sleep stage N2")])
    out = tmp_path / "psg-myosleep"
    out.mkdir()
    (out / "events.tsv").write_text("onset\tduration\ttrial_type\tchannel\n40.0\t1.0\tleg_movement\tLAT\n")
    sha = hashlib.sha256(edf.read_bytes()).hexdigest()
    (out / "summary.json").write_text(json.dumps({
        "ruleset": "wasm2016", "hypnogram_source": "file:psg.edf",
        "inputs": {"recording": {"path": str(edf), "sha256": sha},
                   "hypnogram": {"path": str(edf), "name": edf.name, "source": "recording annotations"}},
        "channels": {"all": [{"label": "LAT", "role": "leg"}, {"label": "Flow", "role": "other"}]}}))
    moved = tmp_path / "moved" / "psg.edf"
    moved.parent.mkdir()
    shutil.move(edf, moved)
    with open_session(out, recording=moved, reviewer="R") as s:
        assert s.hypnogram is not None and s.hypnogram.labels == ["W", "N1", "N2"]
        assert s.roles["LAT"] is Role.LEG and s.roles["EEG C4-M1"] is Role.EEG


def test_recording_path_relative_to_the_analysis_and_one_review_per_directory(tiny):
    edf, out = tiny
    _set_summary(out, inputs={"recording": {"path": "../tiny.edf",
                                            "sha256": hashlib.sha256(edf.read_bytes()).hexdigest()}})
    with open_session(out, reviewer="R") as s:
        assert s.recording.path.resolve() == edf.resolve()
        with pytest.raises(InputError, match="already being reviewed"):
            open_session(out, reviewer="Other")
    with open_session(out, reviewer="R") as s:  # released on close
        assert not s.recording.closed
    assert s.recording.closed


def test_summary_problems(tiny):
    _, out = tiny
    (out / "summary.json").write_text("{not json")
    with pytest.raises(InputError, match="is not valid JSON"):
        open_session(out, reviewer="R")
    (out / "summary.json").write_text(json.dumps({"ruleset": "aasm"}))
    with pytest.raises(InputError, match="summary.json does not name the recording"):
        open_session(out, reviewer="R")

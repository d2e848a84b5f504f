"""analyze's annotations.edf and events.json, on an analysed simulated night."""

from __future__ import annotations

import json

import numpy as np
import pytest

from myosleep.io.edf_header import read_edf_header
from myosleep.io.export_bids import events_sidecar
from myosleep.io.export_edf import recording_start
from myosleep.pipeline import OUTPUT_FILES
from myosleep.schema import EVENTS

pytestmark = pytest.mark.slow


def test_analyze_writes_every_output_file(plmd_night):
    assert sorted(p.name for p in plmd_night.out.iterdir()) == sorted(OUTPUT_FILES)
    assert set(OUTPUT_FILES) == {
        "events.tsv",
        "summary.json",
        "report.html",
        "annotations.edf",
        "events.json",
        "hypnogram.tsv",
    }


def test_annotations_edf_holds_exactly_the_rows_of_events_tsv(plmd_night):
    import mne

    events = EVENTS.read(plmd_night.out / "events.tsv")
    assert len(events) > 100  # every class of the night, not a token file
    ann = mne.read_annotations(plmd_night.out / "annotations.edf")
    assert len(ann) == len(events)
    # one sample of the fastest channel (EMG at 512 Hz) is 1.95 ms
    sample_s = 1.0 / max(s.sfreq for s in plmd_night.analysis.detection.channel_status.values() if s.used)
    got = sorted(zip(ann.onset, ann.duration, ann.description))
    want = sorted(zip(events["onset"], events["duration"].fillna(0.0), events["trial_type"], events["channel"]))
    for (onset, duration, text), (onset2, duration2, cls, channels) in zip(got, want):
        assert abs(onset - onset2) < sample_s and abs(duration - duration2) < sample_s
        cls_got, _, label = text.partition("@@")
        assert cls_got == cls
        # one channel: 'class@@label'; several: the class alone (EDF+ has no list of channels)
        assert label == (channels[0] if len(channels) == 1 else "")
    assert {t.partition("@@")[0] for t in ann.description} == set(events["trial_type"])
    assert any("@@" in t for t in ann.description) and any("@@" not in t for t in ann.description)


def test_annotations_edf_starts_with_the_recording(plmd_night):
    rec_header = read_edf_header(plmd_night.edf)
    ann_header = read_edf_header(plmd_night.out / "annotations.edf")
    assert ann_header.format == "EDF+C" and ann_header.data_signals == ()
    assert recording_start(plmd_night.out / "annotations.edf") == recording_start(plmd_night.edf)
    assert ann_header.start_datetime == rec_header.start_datetime
    # the simulator writes an EDF+ patient field: the annotations name the same patient (EDF+ 3.3)
    assert rec_header.is_plus and ann_header.patient.split()[:4] == rec_header.patient.split()[:4]


def test_events_json_describes_every_column_with_its_unit(plmd_night):
    sidecar = json.loads((plmd_night.out / "events.json").read_text(encoding="utf-8"))
    header = (plmd_night.out / "events.tsv").read_text(encoding="utf-8").splitlines()[0].split("\t")
    assert list(sidecar) == header == list(EVENTS.names)
    assert sidecar == events_sidecar()
    assert sidecar["onset"]["Units"] == "s" and sidecar["peak_amplitude_uv"]["Units"] == "uV"
    assert sidecar["max_burst_duration_ms"]["Units"] == "ms"
    assert set(sidecar["trial_type"]["Levels"]) >= set(np.unique(
        [line.split("\t")[2] for line in (plmd_night.out / "events.tsv").read_text().splitlines()[1:]]))
    assert sidecar["channel"]["Delimiter"] == ","


def test_a_failing_output_leaves_nothing_half_written(plmd_night, tmp_path):
    out = tmp_path / "out"
    (out / "events.json").mkdir(parents=True)  # a folder in the way of the last file
    from myosleep.errors import OutputError

    with pytest.raises(OutputError, match="events.json"):
        plmd_night.analysis.write(out)
    assert sorted(p.name for p in out.iterdir()) == ["events.json"]


def test_without_the_recording_header_annotations_keep_relative_onsets(plmd_night, tmp_path):
    import dataclasses

    bare = dataclasses.replace(plmd_night.analysis, evidence=None)
    bare.write(tmp_path / "bare")
    header = read_edf_header(tmp_path / "bare" / "annotations.edf")
    # EDF+ 'Startdate X': the start is unknown (01.01.85 00.00.00) and onsets stay from the recording's start
    assert header.recording.startswith("Startdate X") and header.start_datetime.year == 1985
    assert "rendered without the recording's signals" in (tmp_path / "bare" / "report.html").read_text()


def test_export_writes_the_same_annotations_and_edfbrowser_would_read_them(plmd_night, tmp_path):
    from myosleep.export import export_results

    from ..io.test_export_edf import edfbrowser_problems

    written = (plmd_night.out / "annotations.edf").read_bytes()
    assert edfbrowser_problems(written) == []
    again = export_results(plmd_night.out, fmt="edf", out=tmp_path / "again.edf")
    assert again[0].read_bytes() == written

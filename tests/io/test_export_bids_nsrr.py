"""events.json (BIDS sidecar), BIDS layout, CSV for spreadsheets, NSRR XML."""

from __future__ import annotations

import csv
import datetime as dt
import json
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest

from myosleep.classification.classify import EVENT_COLUMNS
from myosleep.errors import OutputError, ParameterError
from myosleep.io.export_bids import (bids_events_paths, events_sidecar, write_bids_events, write_events_csv)
from myosleep.io.export_nsrr import events_to_nsrr_xml, nsrr_concept, write_nsrr_xml
from myosleep.io.hypnogram import read_hypnogram, read_scored_events
from myosleep.io.hypnogram_model import Hypnogram
from myosleep.io.scored_events import read_scorer_events
from myosleep.schema import EVENTS, column_metadata
from myosleep.vocab import TrialType


def _events() -> pd.DataFrame:
    """events.tsv rows in memory (myosleep.schema.EVENTS): lists as tuples, missing as None/NaN."""
    ev = {
        "onset": [30.5, 95.25, 130.0], "duration": [1.5, 0.075, 2.0],
        "trial_type": ["leg_movement", "fragmentary_myoclonus", "leg_movement"],
        "channel": [("EMG LAT",), ("EMG Chin",), ("EMG LAT", "EMG RAT")], "stage": ["N2", "N2", "R"],
        "peak_amplitude_uv": [40.123, 55.0, 12.5], "periodic": [True, None, False],
    }
    for col in EVENTS.columns:
        ev.setdefault(col.name, [() if col.dtype.startswith("list") else np.nan] * 3)
    return EVENTS.conform(pd.DataFrame(ev), where="test events")


def test_metadata_describes_every_events_tsv_column():
    side = events_sidecar(columns=EVENT_COLUMNS)  # default: the schema's metadata
    assert side == column_metadata("events")
    assert list(side) == EVENT_COLUMNS
    # units in names (STYLE.md) are the sidecar's Units, in CMIXF-12 spelling
    for name, obj in side.items():
        assert obj["Description"]
        unit = next((u for suffix, u in (("_m_s", "m/s"), ("_ms", "ms"), ("_uv", "uV"), ("_s", "s"))
                     if name.endswith(suffix)), None)
        if unit:
            assert obj["Units"] == unit, name
    assert side["onset"]["Units"] == side["duration"]["Units"] == "s"
    assert set(side["trial_type"]["Levels"]) == {t.value for t in TrialType}
    assert set(side["stage"]["Levels"]) == {"W", "N1", "N2", "N3", "R"}  # n/a: BIDS's missing value
    assert side["channel"]["Delimiter"] == "," and side["periodic"]["Levels"] == {"True": "Yes", "False": "No"}


def test_sidecar_takes_any_metadata_objects_and_refuses_gaps():
    meta = [{"name": "onset", "dtype": "float", "unit": "s", "description": "Onset."},
            {"name": "duration", "dtype": "float", "unit": "s", "description": "Duration."},
            {"name": "trial_type", "dtype": "str", "unit": None, "description": "Class.",
             "levels": {"leg_movement": "LM"}}]
    assert events_sidecar(meta) == {"onset": {"Description": "Onset.", "Units": "s"},
                                    "duration": {"Description": "Duration.", "Units": "s"},
                                    "trial_type": {"Description": "Class.", "Levels": {"leg_movement": "LM"}}}
    with pytest.raises(ParameterError, match="no column metadata for channel, stage"):
        events_sidecar(meta, columns=["onset", "duration", "trial_type", "channel", "stage"])
    with pytest.raises(ParameterError, match="described twice"):
        events_sidecar(meta + meta[:1])


def test_bids_layout(tmp_path):
    paths = write_bids_events(_events(), tmp_path, sub="P07", ses="night1",
                              generated_by={"Name": "myosleep", "Version": "x"})
    tsv, side, desc = paths
    assert tsv == tmp_path / "sub-P07" / "ses-night1" / "eeg" / "sub-P07_ses-night1_task-sleep_events.tsv"
    assert side.name == "sub-P07_ses-night1_task-sleep_events.json"
    table = pd.read_csv(tsv, sep="\t", dtype=str, keep_default_na=False)
    assert list(table.columns) == EVENT_COLUMNS
    assert list(table["onset"]) == ["30.5000", "95.2500", "130.0000"]
    assert table["channel"].iloc[2] == "EMG LAT,EMG RAT" and table["velocity_m_s"].iloc[0] == "n/a"
    assert list(json.loads(side.read_text())) == EVENT_COLUMNS
    d = json.loads(desc.read_text())
    assert d["BIDSVersion"] and d["DatasetType"] == "derivative" and d["GeneratedBy"][0]["Name"] == "myosleep"
    # an existing dataset keeps its description
    desc.write_text('{"Name": "lab PSG", "BIDSVersion": "1.9.0"}')
    again = write_bids_events(_events(), tmp_path, sub="P08")
    assert len(again) == 2 and json.loads(desc.read_text())["Name"] == "lab PSG"
    assert again[0] == tmp_path / "sub-P08" / "eeg" / "sub-P08_task-sleep_events.tsv"


def test_bids_labels_and_all_or_nothing(tmp_path):
    with pytest.raises(ParameterError, match="letters and digits only"):
        bids_events_paths(tmp_path, sub="P-07")
    with pytest.raises(ParameterError, match="unknown BIDS data type"):
        bids_events_paths(tmp_path, sub="P07", datatype="anat")
    # the sidecar's place is taken by a folder: nothing is written, no folder is left behind
    _, side = bids_events_paths(tmp_path / "ds", sub="P07")
    side.mkdir(parents=True)
    with pytest.raises(OutputError):
        write_bids_events(_events(), tmp_path / "ds", sub="P07")
    assert sorted(p.name for p in (tmp_path / "ds").rglob("*")) == ["eeg", "sub-P07", side.name]
    # a metadata gap is refused before any folder is made
    with pytest.raises(ParameterError, match="no column metadata"):
        write_bids_events(_events(), tmp_path / "ds2", columns_meta=EVENTS.columns[:3], sub="P07")
    assert not (tmp_path / "ds2").exists()


def test_csv_for_spreadsheets(tmp_path):
    path = write_events_csv(_events(), tmp_path / "events.csv", start_datetime=dt.datetime(2021, 6, 1, 22, 59, 45))
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    with open(path, newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0])[:4] == ["onset", "clock_time", "duration", "trial_type"]
    assert [r["clock_time"] for r in rows] == ["2021-06-01T23:00:15.500", "2021-06-01T23:01:20.250",
                                               "2021-06-01T23:01:55.000"]
    assert rows[2]["channel"] == "EMG LAT,EMG RAT"  # quoted, one cell
    assert rows[1]["periodic"] == "" and rows[0]["periodic"] == "True" and rows[0]["peak_amplitude_uv"] == "40.12"


def test_nsrr_concepts():
    assert nsrr_concept("leg_movement", periodic=True, channel="EMG LAT") == (
        "Limb Movement|Limb Movement", "Periodic leg movement - left|PLM (Left)")
    assert nsrr_concept("leg_movement", periodic="False", channel="EMG RAT") == (
        "Limb Movement|Limb Movement", "Limb movement - right|Limb Movement (Right)")
    assert nsrr_concept("leg_movement", periodic=None, channel="EMG LAT,EMG RAT")[1] == "Limb movement|Limb Movement"
    assert nsrr_concept("hypnic_jerk") == ("Myoclonus|Myoclonus", "Hypnic jerk|hypnic_jerk")
    assert nsrr_concept("body_movement") == ("Movement|Movement", "Body movement|body_movement")


def test_nsrr_xml_layout_and_round_trip(tmp_path):
    hyp = Hypnogram(np.array([0, 0, 2, 2, 2, 4, -2], dtype=np.int8), epoch_s=30.0)
    path = write_nsrr_xml(_events(), tmp_path / "night-nsrr.xml", start_datetime=dt.datetime(2021, 6, 1, 22, 59, 45),
                          duration_s=240.0, hypnogram=hyp)
    root = ET.parse(path).getroot()
    assert root.tag == "PSGAnnotation" and root.find("EpochLength").text == "30"
    evs = root.find("ScoredEvents").findall("ScoredEvent")
    first = evs[0]
    assert first.find("EventConcept").text == "Recording Start Time"
    assert first.find("ClockTime").text == "00.00.00 22.59.45" and first.find("Duration").text == "240.0"
    for ev in evs:  # what Luna and NSRR's viewer read of every event
        assert {c.tag for c in ev} >= {"EventType", "EventConcept", "Start", "Duration"}
    stages = [(e.find("EventConcept").text, e.find("Start").text, e.find("Duration").text)
              for e in evs if e.find("EventType").text == "Stages|Stages"]
    assert stages == [("Wake|0", "0.0", "60.0"), ("Stage 2 sleep|2", "60.0", "90.0"), ("REM sleep|5", "150.0", "30.0"),
                      ("Unscored|9", "180.0", "30.0")]
    lm = [e for e in evs if e.find("EventType").text == "Limb Movement|Limb Movement"]
    assert [e.find("SignalLocation").text for e in lm] == ["EMG LAT", "EMG LAT,EMG RAT"]
    # read back by myosleep's readers: same events, same stages, clock time kept
    back = read_scorer_events(path)
    ev = back[back["kind"] != "stage"].reset_index(drop=True)
    np.testing.assert_allclose(ev["onset"], _events()["onset"])
    np.testing.assert_allclose(ev["duration"], _events()["duration"])
    assert list(ev["trial_type"]) == list(_events()["trial_type"])
    assert list(ev["periodic"]) == [True, None, None]
    np.testing.assert_array_equal(read_hypnogram(path).stages, hyp.stages)
    assert read_hypnogram(path).metadata["start_time"] == "22:59:45"
    assert len(read_scored_events(path)) == len(_events()) + len(stages)


def test_nsrr_without_hypnogram_or_start():
    text = events_to_nsrr_xml(_events().iloc[:1])
    root = ET.fromstring(text.split("\n", 1)[1])
    evs = root.find("ScoredEvents").findall("ScoredEvent")
    assert len(evs) == 2 and evs[0].find("ClockTime") is None
    assert evs[0].find("Duration").text == "32.0"  # end of the last event


def test_a_label_with_a_comma_round_trips_through_every_export(tmp_path):
    """events.tsv (the schema's writer), BIDS, NSRR XML and EDF+ keep "Leg, left" one label."""
    from myosleep.io.export_edf import edf_annotation_texts, split_channels, write_annotations_edf

    ev = _events()
    ev["channel"] = [("Leg, left",), ("EMG Chin",), ("Leg, left", "EMG RAT")]
    ev["n_channels"], ev["series_id"], ev["cluster_id"], ev["event_id"] = [1, 1, 2], -1, -1, [-1, 0, -1]
    tsv, _, _ = write_bids_events(ev, tmp_path / "ds", sub="P01")
    assert "Leg\\, left,EMG RAT" in tsv.read_text()  # escaped as the schema writes it
    assert list(EVENTS.read(tsv)["channel"]) == list(ev["channel"])
    assert list(read_scorer_events(tsv)["channel"]) == list(ev["channel"])  # ours: read by the schema
    assert split_channels("Leg\\, left,EMG RAT") == ["Leg, left", "EMG RAT"] == split_channels(ev["channel"][2])
    nsrr = write_nsrr_xml(ev, tmp_path / "n-nsrr.xml", start_datetime=dt.datetime(2021, 6, 1, 22, 59, 45))
    back = read_scorer_events(nsrr)
    assert list(back["channel"]) == list(ev["channel"])
    assert edf_annotation_texts(ev)[0] == "leg_movement@@Leg, left"
    edf = write_annotations_edf(ev, tmp_path / "a.edf", start_datetime=dt.datetime(2021, 6, 1, 22, 59, 45))
    assert list(read_scorer_events(edf)["channel"]) == [("Leg, left",), ("EMG Chin",), ()]  # EDF+: one label

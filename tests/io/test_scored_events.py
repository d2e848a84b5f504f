"""read_scored_events: arousals, respiratory events, limb movements, lights, EMG events.

Counts are verified against an independent reading of each file (regular expressions
on the raw text; MNE for EDF+).
"""

from __future__ import annotations

import importlib.util
import re
from collections import Counter
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from myosleep.errors import HypnogramError
from myosleep.io.hypnogram import read_scored_events

from ._somnomedics import somnomedics_event_lines

# The XML fixture writers live beside the hypnogram tests; load them by path so that this
# works whether or not tests/io is a package.
_spec = importlib.util.spec_from_file_location("_hypnogram_fixtures", Path(__file__).with_name("test_hypnogram.py"))
_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_fixtures)
NSRR_NIGHT, write_nsrr_xml, write_profusion_xml = (_fixtures.NSRR_NIGHT, _fixtures.write_nsrr_xml,
                                                   _fixtures.write_profusion_xml)

COLUMNS = ["onset", "duration", "description", "kind", "channel", "machine"]


def test_somnomedics_arousals(real_dir):
    path = real_dir / "somnomedics-export" / "Classification_Arousals_-_test1_Unbekannt.txt"
    df = read_scored_events(path)
    raw = somnomedics_event_lines(path)
    assert list(df.columns) == COLUMNS
    assert len(df) == len(raw) == 29
    assert set(df.kind) == {"arousal"}
    assert Counter(df.description) == Counter(lab for *_, lab in raw)
    assert Counter(df.description)["PLM Arousal (EEG)"] == 12
    assert Counter(df.description)["Respiratory Arousal (EEG)"] == 9
    np.testing.assert_allclose(df.onset, [o for o, _, _ in raw])
    np.testing.assert_allclose(df.duration, [d for _, d, _ in raw])
    assert df.onset.iloc[0] == pytest.approx(60.75) and df.duration.iloc[0] == pytest.approx(11.5)
    assert df.attrs["start_datetime"] == "2020-09-23T01:00:00"
    assert df.channel.isna().all()


def test_somnomedics_flow_events(real_dir):
    path = real_dir / "somnomedics-export" / "Flow_Events_-_test1_Unbekannt.txt"
    df = read_scored_events(path)
    raw = somnomedics_event_lines(path)
    assert len(df) == len(raw) == 14
    assert set(df.kind) == {"respiratory"}
    assert Counter(df.description) == {"Hypopnea": 13, "Flow Limitation": 1}
    first = df.iloc[0]
    assert first.onset == pytest.approx(264.411) and first.duration == pytest.approx(17.26)


@pytest.mark.parametrize("name, n_events", [("Generic_-_test1_Unbekannt.txt", 631),
                                            ("Generic_NO_test1.txt", 862)])
def test_somnomedics_generic_emg_events(real_dir, name, n_events):
    path = real_dir / "somnomedics-export" / name
    df = read_scored_events(path)
    raw = somnomedics_event_lines(path)
    assert len(df) == len(raw) == n_events
    labels = Counter(lab for *_, lab in raw)
    assert Counter(df.description) == labels
    kind_of = {"Phasic": "emg_phasic", "Tonic": "emg_tonic", "Any": "emg_any", "Artifact": "artefact"}
    for label, kind, channel in zip(df.description, df.kind, df.channel):
        region, suffix = re.match(r"^((?:Left|Right)?(?:Chin|Arm|Leg))(\w+)$", label).groups()
        assert kind == kind_of[suffix] and channel == region
    assert (df.kind == "emg_phasic").sum() == sum(v for k, v in labels.items() if k.endswith("Phasic"))
    # Onsets count from the 01:00:00 start even where the header says "01:00:00 PM"
    # (12-hour clock, Generic_NO_test1.txt): the first event is 18 min in.
    got = sorted(zip(np.round(df.onset, 3), np.round(df.duration, 3), df.description))
    assert got == sorted((round(o, 3), round(d, 3), lab) for o, d, lab in raw)
    assert 1080.0 <= df.onset.iloc[0] < 1082.0
    # Phasic events are short; tonic chin activity may last a minute or more.
    assert (df.duration > 0).all() and (df.duration[df.kind == "emg_phasic"] < 15).all()


def test_twelve_hour_start_aligns_by_clock_time(real_dir):
    """Two raters' exports of one recording: "23.09.2020 01:00:00" and "9/23/2020 01:00:00 PM"."""
    path = real_dir / "somnomedics-export" / "Generic_NO_test1.txt"
    df = read_scored_events(path)
    assert df.attrs["start_datetime"] == "2020-09-23T13:00:00"
    # The PSG started at 01:00 (test1_Start-Baseline.txt: "PSG start: 01.00.00").
    at_psg = read_scored_events(path, recording_start=datetime(2020, 9, 23, 1, 0, 0))
    np.testing.assert_allclose(at_psg.onset, df.onset)
    earlier = read_scored_events(path, recording_start=datetime(2020, 9, 23, 0, 58, 0))
    np.testing.assert_allclose(earlier.onset - df.onset, 120.0)


def test_somnomedics_events_shift_to_recording_start(real_dir):
    path = real_dir / "somnomedics-export" / "Flow_Events_-_test1_Unbekannt.txt"
    base = read_scored_events(path)
    shifted = read_scored_events(path, recording_start=datetime(2020, 9, 23, 0, 59, 0))
    np.testing.assert_allclose(shifted.onset - base.onset, 60.0)


def test_hmc_edf_annotations(real_dir):
    import mne

    path = real_dir / "hmc" / "SN001-hypnogram.edf"
    df = read_scored_events(path)
    ann = mne.read_annotations(path)
    assert len(df) == len(ann) == 856
    assert Counter(df.kind) == {"stage": 854, "lights": 2}
    lights = df[df.kind == "lights"]
    assert list(lights.description) == ["Lights off", "Lights on"]
    assert list(lights.channel) == ["EEG F4-A1", "EEG Fpz-Cz"]
    np.testing.assert_allclose(lights.onset, [33.43, 25618.74])
    assert df[df.kind == "stage"].channel.isna().all()


def test_sleep_edf_annotations_are_stages(real_dir):
    df = read_scored_events(real_dir / "sleep-edf" / "SC4001EC-Hypnogram.edf")
    assert len(df) == 154 and set(df.kind) == {"stage"}
    assert df.duration.sum() == 86400.0


def test_edf_plus_scored_events(tmp_path):
    import edfio

    anns = [edfio.EdfAnnotation(0, 30, "Sleep stage W"),
            edfio.EdfAnnotation(12.5, 0, "Lights off"),
            edfio.EdfAnnotation(40, 5, "Arousal@@C3-M2"),
            edfio.EdfAnnotation(55, 14, "Obstructive Apnea"),
            edfio.EdfAnnotation(60, 20, "Oxygen Desaturation"),
            edfio.EdfAnnotation(70, 1.5, "Limb Movement@@Leg/L"),
            edfio.EdfAnnotation(90, 2, "Snore"),
            edfio.EdfAnnotation(95, 8, "RERA")]
    path = tmp_path / "events.edf"
    edfio.Edf([edfio.EdfSignal(np.zeros(120), sampling_frequency=1, label="EMG")], annotations=anns).write(path)
    df = read_scored_events(path)
    assert list(df.kind) == ["stage", "lights", "arousal", "respiratory", "desaturation",
                             "limb_movement", "other", "respiratory"]
    assert list(df.channel) == [None, None, "C3-M2", None, None, "Leg/L", None, None]
    np.testing.assert_allclose(df.onset, [0, 12.5, 40, 55, 60, 70, 90, 95])
    np.testing.assert_allclose(df.duration, [30, 0, 5, 14, 20, 1.5, 2, 8])


def test_nsrr_xml_events(tmp_path):
    path = write_nsrr_xml(tmp_path / "n.xml", NSRR_NIGHT)
    df = read_scored_events(path)
    other = df[df.kind != "stage"]
    assert list(other.kind) == ["arousal", "respiratory", "desaturation", "limb_movement"]
    assert list(other.channel) == ["C3", "Airflow", "SpO2", "Left Leg"]
    np.testing.assert_allclose(other.onset, [100.5, 215.0, 220.0, 320.0])
    assert (df.kind == "stage").sum() == 9
    shifted = read_scored_events(path, recording_start=datetime(1985, 1, 1, 21, 0, 0))
    np.testing.assert_allclose(shifted.onset - df.onset, 3600.0)


def test_profusion_xml_events(tmp_path):
    path = write_profusion_xml(tmp_path / "p.xml", [0, 2],
                               [("Arousal (ASDA)", 45.0, 5.0, "C3"), ("Hypopnea", 10.0, 12.0, "Airflow"),
                                ("PLM (Right)", 50.0, 1.0, "R Leg"), ("SpO2 artifact", 0.0, 30.0, "SpO2")])
    df = read_scored_events(path)
    assert list(df.kind) == ["artefact", "respiratory", "arousal", "limb_movement"]
    assert list(df.channel) == ["SpO2", "Airflow", "C3", "R Leg"]


def test_events_table(tmp_path):
    path = tmp_path / "events.tsv"
    path.write_text("onset\tduration\tdescription\n0\t30\tS2\n5\tn/a\tLights off\n10.0\t3.5\tArousal\n"
                    "20\t1\tLM\n25\t\tJerk\n")
    df = read_scored_events(path)
    # one vocabulary with compare (defect 45): a "Jerk" is myoclonus, as compare has always read it
    assert list(df.kind) == ["stage", "lights", "arousal", "limb_movement", "myoclonus"]
    np.testing.assert_allclose(df.onset, [0, 5, 10, 20, 25])
    np.testing.assert_allclose(df.duration, [30, 0, 3.5, 1.0, 0])


def test_event_reader_refuses_stage_only_files(real_dir, tmp_path):
    with pytest.raises(HypnogramError, match="stages only"):
        read_scored_events(real_dir / "yasa-hypnograms" / "sub-02_hypno_30s.txt")
    with pytest.raises(HypnogramError, match="file not found"):
        read_scored_events(tmp_path / "missing.edf")


def test_empty_edf_gives_empty_table(tmp_path):
    import edfio

    path = tmp_path / "none.edf"
    edfio.Edf([edfio.EdfSignal(np.zeros(30), sampling_frequency=1, label="EMG")]).write(path)
    df = read_scored_events(path)
    assert list(df.columns) == COLUMNS and len(df) == 0


@pytest.mark.parametrize("text, event_type, kind", [
    ("Arousal|Arousal ()", "Arousals|Arousals", "arousal"),
    ("ASDA arousal|Arousal (ASDA)", "Arousals|Arousals", "arousal"),
    ("Respiratory Arousal (EEG)", None, "arousal"),
    ("PLM Arousal (EEG)", None, "arousal"),
    ("RERA", None, "respiratory"),
    ("Hypopnea|Hypopnea", "Respiratory|Respiratory", "respiratory"),
    ("Obstructive apnea|Obstructive Apnea", "Respiratory|Respiratory", "respiratory"),
    ("Central Apnoea", None, "respiratory"),
    ("Mixed Apnea", None, "respiratory"),
    ("Hypopnoea", None, "respiratory"),
    ("SpO2 desaturation|SpO2 desaturation", "Respiratory|Respiratory", "desaturation"),
    ("Desaturation", None, "desaturation"),
    ("SpO2 artifact|SpO2 artifact", "Respiratory|Respiratory", "artefact"),
    ("Periodic leg movement - left|PLM (Left)", "Limb Movement|Limb Movement", "limb_movement"),
    ("Limb Movement (Right)", None, "limb_movement"),
    ("LM", None, "limb_movement"),
    ("Leg Movement@@EMG Tib L", None, "limb_movement"),
    ("Lights Out", None, "lights"),
    ("Lights on@@EEG Fpz-Cz", None, "lights"),
    ("Light sleep", None, "other"),
    ("Sleep stage N2", None, "stage"),
    ("Wake|0", "Stages|Stages", "stage"),
    ("Movement time", None, "stage"),
    ("RightLegTonic", None, "emg_tonic"),
    ("ChinAny", None, "emg_any"),
    ("Snoring", None, "other"),
    ("Body position: supine", None, "other"),
])
def test_event_kinds_for_other_labs_labels(text, event_type, kind):
    from myosleep.io._hypno_common import classify_event

    assert classify_event(text, event_type=event_type) == kind

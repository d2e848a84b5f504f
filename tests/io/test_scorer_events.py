"""read_scorer_events: every supported format into one normalised table.

Vendor labels are checked against what each label means in its source (AASM, NSRR's
translator concepts, Compumedics Profusion names, SOMNOmedics Generic events, German
Domino exports); counts of the real SOMNOmedics exports against an independent parse of
the raw text.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from myosleep.errors import HypnogramError, ParameterError
from myosleep.io.scored_events import SCORER_EVENT_COLUMNS, channel_regions, normalise_event_label, read_scorer_events

from ._somnomedics import somnomedics_event_lines

SOMNO = "somnomedics-export"


@pytest.mark.parametrize("label,kind,trial_type,periodic,side", [
    # NSRR translator concepts (MESA/SHHS/MrOS XML)
    ("Limb movement - left|Limb Movement (Left)", "limb_movement", "leg_movement", None, "left"),
    ("Periodic leg movement - right|PLM (Right)", "limb_movement", "leg_movement", True, "right"),
    ("Arousal|Arousal (ASDA)", "arousal", None, None, None),
    ("Obstructive apnea|Obstructive Apnea", "respiratory", None, None, None),
    ("SpO2 desaturation|SpO2 desaturation", "desaturation", None, None, None),
    # Compumedics Profusion names
    ("Limb Movement (Left)", "limb_movement", "leg_movement", None, "left"),
    ("PLM (Right)", "limb_movement", "leg_movement", True, "right"),
    ("Hypopnea", "respiratory", None, None, None),
    ("RERA", "respiratory", None, None, None),
    # plain AASM / scorer words
    ("LM", "limb_movement", "leg_movement", None, None),
    ("PLMS", "limb_movement", "leg_movement", True, None),
    ("Periodic limb movement", "limb_movement", "leg_movement", True, None),
    ("Arm movement right", "limb_movement", None, None, "right"),
    ("Sleep start", "myoclonus", "hypnic_jerk", None, None),
    ("Hypnic jerk", "myoclonus", "hypnic_jerk", None, None),
    ("Fragmentary myoclonus", "myoclonus", "fragmentary_myoclonus", None, None),
    ("EFM", "myoclonus", "fragmentary_myoclonus", None, None),
    ("Propriospinal myoclonus", "myoclonus", "propriospinal_myoclonus", None, None),
    ("Body movement", "body_movement", "body_movement", None, None),
    ("Myoclonus", "myoclonus", "myoclonic_jerk", None, None),
    # an arousal is an arousal whatever caused it
    ("PLM Arousal (EEG)", "arousal", None, None, None),
    ("LM Arousal (EMG)", "arousal", None, None, None),
    ("Respiratory Arousal (EEG)", "arousal", None, None, None),
    # SOMNOmedics Generic EMG events (SINBAR scoring)
    ("ChinPhasic", "emg_phasic", None, None, None),
    ("LeftLegTonic", "emg_tonic", None, None, "left"),
    ("RightArmAny", "emg_any", None, None, "right"),
    ("ChinArtifact", "artefact", None, None, None),
    # German Domino exports
    ("Beinbewegung links", "limb_movement", "leg_movement", None, "left"),
    ("Weckreaktion", "arousal", None, None, None),
    ("Einschlafzuckung", "myoclonus", "hypnic_jerk", None, None),
    # myosleep's own words, in events.tsv, EDF+ (@@channel) and NSRR XML ("Name|trial_type")
    ("leg_movement", "limb_movement", "leg_movement", None, None),
    ("rem_twitch", "myoclonus", "rem_twitch", None, None),
    ("hypnic_jerk@@EMG Chin", "myoclonus", "hypnic_jerk", None, None),
    ("Neonatal sleep myoclonus|neonatal_myoclonus", "myoclonus", "neonatal_myoclonus", None, None),
    ("Body movement|body_movement", "body_movement", "body_movement", None, None),
    ("Bruxism", "other", None, None, None),
])
def test_label_normalisation_across_vendors(label, kind, trial_type, periodic, side):
    norm = normalise_event_label(label)
    assert (norm.kind, norm.trial_type, norm.periodic, norm.side) == (kind, trial_type, periodic, side)


@pytest.mark.parametrize("label,stage", [
    ("Stage 2 sleep|2", "N2"), ("Stage 4 sleep|4", "N3"), ("REM sleep|5", "R"), ("Wake|0", "W"),
    ("Unscored|9", "n/a"), ("Sleep stage N3", "N3"), ("Sleep stage 4", "N3"), ("Movement time", "n/a"),
])
def test_stage_labels(label, stage):
    norm = normalise_event_label(label)
    assert norm.kind == "stage" and norm.stage == stage


def test_channel_regions_match_across_vendors():
    assert channel_regions("EMG LAT") == channel_regions("LeftLeg") == {"leg_left"}
    assert channel_regions("EMG RAT,EMG LAT") == {"leg_left", "leg_right"}
    assert channel_regions("EMG Chin") == channel_regions("Chin") == {"chin"}
    assert channel_regions("RightArm") == {"arm_right"}
    assert channel_regions("C3-A2") == {"c3-a2"}  # EEG: its own label
    assert channel_regions(None) == channel_regions("n/a") == frozenset()




@pytest.mark.parametrize("name", ["Generic_-_test1_Unbekannt.txt", "Generic_NO_test1.txt"])
def test_somnomedics_generic_emg_events(real_dir, name):
    """Both raters' exports: every line, its muscle, its SINBAR kind; the PM-clock file lines up at 01:00."""
    path = real_dir / SOMNO / name
    df = read_scorer_events(path, recording_start=datetime(2020, 9, 23, 1, 0, 0), scorer="rater")
    raw = somnomedics_event_lines(path)
    assert list(df.columns) == SCORER_EVENT_COLUMNS
    assert len(df) == len(raw)
    assert Counter(df["label"]) == Counter(lab for *_, lab in raw)
    order = np.argsort([o for o, _, _ in raw], kind="stable")
    np.testing.assert_allclose(df["onset"], np.asarray([o for o, _, _ in raw])[order], atol=1e-9)
    kinds = {"Phasic": "emg_phasic", "Tonic": "emg_tonic", "Any": "emg_any", "Artifact": "artefact"}
    for label, kind, region in zip(df["label"], df["kind"], df["region"]):
        m = re.match(r"(Left|Right)?(Chin|Arm|Leg)(Phasic|Tonic|Any|Artifact)$", label)
        assert kind == kinds[m.group(3)]
        expected = m.group(2).lower() + (f"_{m.group(1).lower()}" if m.group(1) else "")
        assert region == (expected,)
    assert df["trial_type"].isna().all() and (df["scorer"] == "rater").all()
    assert df["source"].iloc[0] == f"file:{name}"


def test_somnomedics_profile_and_arousals(real_dir):
    prof = read_scorer_events(real_dir / SOMNO / "Sleep_profile_-_test1_Unbekannt.txt")
    assert set(prof["kind"]) == {"stage"} and len(prof) == 121
    assert Counter(prof["stage"]) == {"R": 63, "N2": 45, "N1": 10, "W": 3}
    ar = read_scorer_events(real_dir / SOMNO / "Classification_Arousals_-_test1_Unbekannt.txt")
    assert set(ar["kind"]) == {"arousal"} and len(ar) == 29 and ar["trial_type"].isna().all()
    flow = read_scorer_events(real_dir / SOMNO / "Flow_Events_-_test1_Unbekannt.txt")
    assert set(flow["kind"]) == {"respiratory"} and len(flow) == 14


def test_edf_plus_hypnogram_with_channel_specific_annotations(real_dir):
    df = read_scorer_events(real_dir / "hmc" / "SN001-hypnogram.edf")
    lights = df[df["kind"] == "lights"]
    assert list(lights["channel"]) == [("EEG F4-A1",), ("EEG Fpz-Cz",)]  # as in the file (MNE reads the same)
    stages = df[df["kind"] == "stage"]
    assert set(stages["stage"]) <= {"W", "N1", "N2", "N3", "R", "n/a"} and len(stages) > 800


def _bids(tmp_path, rows, header="onset\tduration\ttrial_type\tchannel\tstage\tperiodic"):
    p = tmp_path / "events.tsv"
    p.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return p


def test_bids_events_table(tmp_path):
    p = _bids(tmp_path, ["12.5\t1.25\tleg_movement\tEMG LAT\tN2\tTrue",
                         "3.0\t0.08\tfragmentary_myoclonus\tEMG RAT\tN2\tn/a",
                         "40.0\tn/a\thypnic_jerk\tEMG Chin,EMG LAT\tN1\tn/a"])
    df = read_scorer_events(p)
    assert list(df["onset"]) == [3.0, 12.5, 40.0]
    assert list(df["duration"]) == [0.08, 1.25, 0.0]
    assert list(df["trial_type"]) == ["fragmentary_myoclonus", "leg_movement", "hypnic_jerk"]
    assert list(df["periodic"]) == [None, True, None]
    assert list(df["stage"]) == ["N2", "N2", "N1"]
    assert list(df["region"]) == [("leg_right",), ("leg_left",), ("chin", "leg_left")]
    assert list(df["channel"]) == [("EMG RAT",), ("EMG LAT",), ("EMG Chin", "EMG LAT")]
    assert df.attrs["format"] == "bids" and df["scorer"].iloc[0] == "events"


def test_analyze_folder_reads_its_events(tmp_path):
    folder = tmp_path / "night-myosleep"
    folder.mkdir()
    _bids(folder, ["1.0\t0.1\trem_twitch\tEMG Chin\tR\tn/a"])
    df = read_scorer_events(folder)
    assert list(df["trial_type"]) == ["rem_twitch"] and df["scorer"].iloc[0] == "night-myosleep"


def _nsrr(path, events, clock="00.00.00 22.30.00"):
    parts = ['<?xml version="1.0" encoding="UTF-8"?>', "<PSGAnnotation><EpochLength>30</EpochLength><ScoredEvents>",
             "<ScoredEvent><EventType/><EventConcept>Recording Start Time</EventConcept><Start>0</Start>"
             f"<Duration>3600</Duration><ClockTime>{clock}</ClockTime></ScoredEvent>"]
    for etype, concept, start, dur, loc in events:
        parts.append(f"<ScoredEvent><EventType>{etype}</EventType><EventConcept>{concept}</EventConcept>"
                     f"<Start>{start}</Start><Duration>{dur}</Duration>"
                     + (f"<SignalLocation>{loc}</SignalLocation>" if loc else "") + "</ScoredEvent>")
    parts.append("</ScoredEvents></PSGAnnotation>")
    path.write_text("".join(parts))
    return path


def test_nsrr_xml_events_and_alignment(tmp_path):
    path = _nsrr(tmp_path / "a-nsrr.xml", [
        ("Stages|Stages", "Stage 2 sleep|2", 0.0, 60.0, None),
        ("Limb Movement|Limb Movement", "Periodic leg movement - left|PLM (Left)", 31.5, 1.5, "LAT"),
        ("Arousals|Arousals", "Arousal|Arousal (ASDA)", 33.0, 5.0, "C3"),
    ])
    df = read_scorer_events(path, recording_start=datetime(2021, 3, 4, 22, 29, 30))
    lm = df[df["kind"] == "limb_movement"].iloc[0]
    # the file starts 30 s after the recording: onsets move by +30 s
    assert lm["onset"] == pytest.approx(61.5) and lm["periodic"] is True and lm["region"] == ("leg_left",)
    assert list(df["kind"]) == ["stage", "limb_movement", "arousal"]


def test_profusion_xml_events(tmp_path):
    path = tmp_path / "p-profusion.xml"
    path.write_text('<?xml version="1.0"?><CMPStudyConfig><EpochLength>30</EpochLength><ScoredEvents>'
                    "<ScoredEvent><Name>PLM (Right)</Name><Start>10.0</Start><Duration>2.0</Duration>"
                    "<Input>RAT</Input></ScoredEvent>"
                    "<ScoredEvent><Name>Hypopnea</Name><Start>20.0</Start><Duration>12.0</Duration>"
                    "<Input>Airflow</Input></ScoredEvent>"
                    "</ScoredEvents><SleepStages><SleepStage>2</SleepStage></SleepStages></CMPStudyConfig>")
    df = read_scorer_events(path)
    assert list(df["trial_type"]) == ["leg_movement", None]
    assert list(df["kind"]) == ["limb_movement", "respiratory"]
    assert df["periodic"].iloc[0] is True and df["region"].iloc[0] == ("leg_right",)


def test_bad_inputs(tmp_path):
    with pytest.raises(HypnogramError, match="file not found"):
        read_scorer_events(tmp_path / "missing.tsv")
    with pytest.raises(HypnogramError, match="folder without events.tsv"):
        read_scorer_events(tmp_path)
    bad = _bids(tmp_path, ["1.0\tx\tleg_movement\tEMG LAT\tN2\tn/a"])
    with pytest.raises(HypnogramError, match=r"duration 'x' on line 2 is not a number"):
        read_scorer_events(bad)
    with pytest.raises(ParameterError, match="unknown format"):
        read_scorer_events(bad, format="xls")


def test_empty_bids_table(tmp_path):
    df = read_scorer_events(_bids(tmp_path, []))
    assert len(df) == 0 and list(df.columns) == SCORER_EVENT_COLUMNS
    assert isinstance(df, pd.DataFrame)

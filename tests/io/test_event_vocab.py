"""One vocabulary of scored-event labels for analyze and compare, in the languages of scoring exports
(docs/robustness.md, defect 45).

``myosleep analyze --events`` reads labels with ``classify_event`` and ``myosleep compare`` with
``normalise_event_label``: they disagreed ("Weckreaktion" an arousal for compare only), and neither
knew the apnoea, hypopnoea, arousal or desaturation words of German, French, Italian, Spanish,
Portuguese or Dutch exports, so those events were silently ignored (0 arousals, 0 respiratory
exclusions).  Sources of the words: ``myosleep.io._event_vocab``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from myosleep.io._hypno_common import classify_event
from myosleep.io.hypnogram import read_scored_events
from myosleep.io.scored_events import normalise_event_label, read_scorer_events

#: (label as an export writes it, kind): German, French, Italian, Spanish, Portuguese, Dutch.
FOREIGN = [
    # German (DGSM terms; SOMNOmedics/Domino German interface)
    ("Obstruktive Apnoe", "respiratory"), ("Zentrale Apnoe", "respiratory"), ("Gemischte Apnoe", "respiratory"),
    ("Hypopnoe", "respiratory"), ("Obstruktive Hypopnoe", "respiratory"), ("Flusslimitation", "respiratory"),
    ("Weckreaktion", "arousal"), ("Aufwachreaktion", "arousal"), ("Entsättigung", "desaturation"),
    ("Sättigungsabfall", "desaturation"), ("Beinbewegung", "limb_movement"),
    # French (SPLF/SFRMS)
    ("Apnée obstructive", "respiratory"), ("Apnée centrale", "respiratory"), ("Hypopnée", "respiratory"),
    ("Micro-éveil", "arousal"), ("Microéveil respiratoire", "arousal"), ("Désaturation", "desaturation"),
    ("Limitation de débit", "respiratory"),
    # Italian
    ("Apnea ostruttiva", "respiratory"), ("Ipopnea", "respiratory"), ("Microrisveglio", "arousal"),
    ("Micro-risveglio", "arousal"), ("Desaturazione", "desaturation"),
    # Spanish (Documento Nacional de Consenso SAHS; SEPAR)
    ("Apnea obstructiva", "respiratory"), ("Hipopnea", "respiratory"), ("ERAM", "respiratory"),
    ("Microdespertar", "arousal"), ("Desaturación", "desaturation"),
    # Portuguese
    ("Apneia obstrutiva", "respiratory"), ("Apnéia central", "respiratory"), ("Hipopneia", "respiratory"),
    ("Microdespertar", "arousal"), ("Micro-alerta", "arousal"), ("Dessaturação", "desaturation"),
    # Dutch
    ("Obstructieve apneu", "respiratory"), ("Hypopneu", "respiratory"), ("Wekreactie", "arousal"),
    ("Desaturatie", "desaturation"), ("Saturatiedaling", "desaturation"),
]


@pytest.mark.parametrize("label, kind", FOREIGN)
def test_labels_of_other_languages_are_read_by_analyze_and_compare_alike(label, kind):
    assert classify_event(label) == kind
    assert normalise_event_label(label).kind == kind
    # as the readers pass them: an EDF+ "text@@channel", upper case, underscores
    assert classify_event(f"{label.upper()}@@EEG C4-M1") == kind
    assert classify_event(label.replace(" ", "_")) == kind


@pytest.mark.parametrize("label", ["Éveil", "Eveil", "Risveglio", "Despertar", "Erwachen", "Wach", "Snore",
                                   "Position change", "Bruxism"])
def test_waking_words_and_other_events_are_not_arousals(label):
    """'Éveil' is the French label of stage W, the bare words for waking are awakenings (W epochs), not
    arousals; events myosleep does not use stay 'other' (and are counted and named, defect 45)."""
    assert classify_event(label) not in ("arousal", "respiratory")
    assert normalise_event_label(label).kind == classify_event(label)


ENGLISH = ["Obstructive Apnea", "Hypopnea", "RERA", "Respiratory effort related arousal|RERA", "Arousal (ASDA)",
           "PLM Arousal (EEG)", "SpO2 desaturation|SpO2 desaturation", "Limb movement - left|Limb Movement (Left)",
           "PLM (Right)", "Hypnic jerk", "Fragmentary myoclonus", "Body movement", "REM twitch", "Arm movement",
           "Lights off", "Licht aus", "ChinPhasic", "LeftLegTonic", "RightArmAny", "Artefakt", "apnea_obstructive",
           "arousal_respiratory", "Flow Limitation", "Cheyne-Stokes"]


@pytest.mark.parametrize("label", ENGLISH + [lab for lab, _ in FOREIGN])
def test_analyze_and_compare_share_one_vocabulary(label):
    """compare's kind is analyze's kind for every label (compare used to know 'Weckreaktion' and
    'Beinbewegung', analyze not)."""
    assert normalise_event_label(label).kind == classify_event(label)


def test_motor_labels_keep_compare_classes():
    assert normalise_event_label("Hypnic jerk").trial_type == "hypnic_jerk"
    assert normalise_event_label("Beinbewegung").trial_type == "leg_movement"
    assert normalise_event_label("Periodische Beinbewegung").periodic is True
    assert normalise_event_label("Arm movement").trial_type is None
    assert normalise_event_label("Körperbewegung").kind == "body_movement"


def test_a_german_events_table_is_read_by_both_readers(tmp_path):
    """The same file through read_scored_events (analyze) and read_scorer_events (compare): the same kinds."""
    path = tmp_path / "ereignisse.csv"
    pd.DataFrame({"onset": [100.0, 200.0, 300.0, 400.0, 500.0],
                  "duration": [20.0, 12.0, 4.0, 1.5, 15.0],
                  "description": ["Obstruktive Apnoe", "Hypopnée", "Weckreaktion", "Beinbewegung", "Entsättigung"]}
                 ).to_csv(path, index=False, encoding="utf-8")
    analyze_kinds = read_scored_events(path)["kind"].tolist()
    compare_kinds = read_scorer_events(path)["kind"].tolist()
    assert analyze_kinds == compare_kinds == ["respiratory", "respiratory", "arousal", "limb_movement",
                                              "desaturation"]
    np.testing.assert_allclose(read_scored_events(path)["onset"], [100.0, 200.0, 300.0, 400.0, 500.0])


#: Whole-label abbreviations (the MIT-BIH Polysomnographic Database's codes; OH/CH): (label, kind).
ABBREVIATIONS = [("OA", "respiratory"), ("CA", "respiratory"), ("H", "respiratory"), ("OH", "respiratory"),
                 ("CH", "respiratory"), ("HA", "arousal"), ("CAA", "arousal"), ("LA", "arousal"),
                 ("oa", "respiratory"), ("OA@@Flow", "respiratory")]


@pytest.mark.parametrize("label, kind", ABBREVIATIONS)
def test_respiratory_abbreviations_are_read(label, kind):
    """'OA', 'CA', 'H' were 'other' (only named in a warning): their LMs counted as PLMS."""
    assert classify_event(label) == kind
    assert normalise_event_label(label).kind == kind


@pytest.mark.parametrize("label", ["MA", "A", "X", "L", "Hyp note", "OAT", "Chin"])
def test_ambiguous_abbreviations_and_words_holding_them_are_not_read(label):
    """Only the whole label is an abbreviation; 'MA' (mixed apnoea or micro-arousal) and single letters
    other than 'H' stay unread, and are named in the warning."""
    assert classify_event(label) not in ("respiratory", "arousal")


def test_an_events_table_of_abbreviations_is_read_as_respiratory_events(tmp_path):
    path = tmp_path / "events.csv"
    pd.DataFrame({"onset": [100.0, 200.0, 300.0], "duration": [20.0, 12.0, 15.0],
                  "description": ["OA", "H", "CA"]}).to_csv(path, index=False)
    assert read_scored_events(path)["kind"].tolist() == ["respiratory"] * 3

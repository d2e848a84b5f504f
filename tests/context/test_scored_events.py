"""The scored events of a night: the scorer's arousals in place of the detected ones (defect 44), the
events in the recording's own annotations (defect 46), several files (defect 47), and the events
the rules cannot use (defect 48).  docs/robustness.md, defects 44-48.

Files are written by the tests (CSV, SOMNOmedics exports); recordings are in memory
(``FakeRecording``), with EEG arousals from ``eeg_with_arousals``.
"""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from myosleep.context import build_context, combine_arousals, read_inputs
from myosleep.errors import ParameterError
from myosleep.io.hypnogram_model import Hypnogram
from myosleep.vocab import Role

from .conftest import FakeRecording, eeg_with_arousals

W, N1, N2 = 0, 1, 2


def _events_csv(path, rows) -> str:
    pd.DataFrame(rows, columns=["onset", "duration", "description"]).to_csv(path, index=False)
    return str(path)


def _quiet_night(duration_s: float = 3600.0) -> FakeRecording:
    """A recording without EEG (no arousal detection): a chin channel only."""
    return FakeRecording({"EMG Chin": (Role.CHIN, 100.0, np.zeros(int(100 * duration_s)))})


# --------------------------------------------------------------------------- defect 44
def test_scored_arousals_are_the_arousals_detected_ones_are_not_added(rng, tmp_path):
    """The audit's case D: the scorer's arousals (half of the true ones) were merged with the detector's, 32
    arousals for 14 scored.  Now the scorer's are the AASM arousals; the detected AASM ones are counted
    as not used."""
    x, onsets, durations = eeg_with_arousals(1800.0, 256.0, rng)
    rec = FakeRecording({"C4-M1": (Role.EEG, 256.0, x)})
    hyp = Hypnogram(np.full(60, N2), source="simulated")
    scored = _events_csv(tmp_path / "scored.csv", [(o, d, "Arousal") for o, d in zip(onsets[::2], durations[::2])])
    c = build_context(rec, hypnogram=hyp, scored_events=scored)
    n_scored = len(onsets[::2])
    assert c.arousals["source"].tolist() == ["scored"] * n_scored
    np.testing.assert_allclose(c.arousals["onset"], onsets[::2])
    assert c.stats["n_arousals"] == n_scored
    assert c.stats["arousal_index_per_h"] == pytest.approx(n_scored / 0.5)
    src = c.arousal_source
    assert (src["source"], src["n_scored"], src["n_detected"], src["detected"]) == ("scored", n_scored, 0, True)
    # the detector found (nearly) every true arousal; none of them is used
    assert src["n_detected_not_used"] >= 0.9 * len(onsets)
    assert c.summary()["arousal_source"]["source"] == "scored"


def test_without_scored_arousals_the_detected_ones_are_used(rng, tmp_path):
    """An events file with respiratory events only: detection as before."""
    x, onsets, _ = eeg_with_arousals(1800.0, 256.0, rng)
    rec = FakeRecording({"C4-M1": (Role.EEG, 256.0, x)})
    hyp = Hypnogram(np.full(60, N2), source="simulated")
    resp = _events_csv(tmp_path / "resp.csv", [(60.0, 15.0, "Obstructive Apnea")])
    c = build_context(rec, hypnogram=hyp, scored_events=resp)
    assert set(c.arousals["source"]) == {"detected"}
    assert c.arousal_source["source"] == "detected"
    assert c.stats["n_arousals"] == c.arousal_source["n_detected"] >= 0.9 * (onsets.size - 1)
    assert c.arousal_source["n_scored"] == 0 and c.arousal_source["n_detected_not_used"] == 0


def test_hypnagogic_shifts_stay_beside_scored_arousals():
    """Detected AASM arousals give way to the scorer's; detected hypnagogic shifts (which scorers do not
    score) stay unless a scored arousal covers them."""
    det = pd.DataFrame({"onset": [10.0, 100.0, 200.0, 300.0], "duration": [5.0, 4.0, 4.0, 4.0],
                        "source": ["detected"] * 4, "channel": ["C4-M1"] * 4,
                        "kind": ["aasm", "aasm", "hypnagogic", "hypnagogic"]})
    sc = pd.DataFrame({"onset": [12.0, 50.0, 301.0], "duration": [6.0, 3.0, 3.0], "source": ["scored"] * 3,
                       "channel": ["", "", ""], "kind": ["scored"] * 3})
    out = combine_arousals(det, sc)
    assert out[["onset", "kind"]].values.tolist() == [[12.0, "scored"], [50.0, "scored"], [200.0, "hypnagogic"],
                                                      [301.0, "scored"]]
    # without scored arousals the detected ones are the arousals
    assert combine_arousals(det)["onset"].tolist() == [10.0, 100.0, 200.0, 300.0]


# --------------------------------------------------------------------------- defect 48
def test_events_the_rules_cannot_use_are_left_out_and_said(tmp_path):
    """Zero-length and negative respiratory events and arousals, events outside the recording, and
    overlapping arousals (the audit's caseA/edge_events.csv, by kind)."""
    from myosleep.context.scored import AASM_MIN_DURATION_S
    path = _events_csv(tmp_path / "edge.csv", [
        (1000.0, 1.5, "LM"), (2140.0, 15.0, "Desaturation"), (3000.0, 5.0, "Snore"),
        (-50.0, 20.0, "Obstructive Apnea"), (3700.0, 20.0, "Hypopnea"), (-30.0, 35.0, "Hypopnea"),
        (2461.3, 0.0, "Hypopnea"), (2470.0, -2.0, "Obstructive Apnea"), (2511.3, 0.0, "Arousal"),
        (2401.7, 3.3, "Arousal"), (2402.0, 4.0, "Arousal"), (2405.0, 2.0, "Arousal"), (2407.0, 3.0, "Arousal"),
        (2600.0, 5.0, "Hypopnea"), (2700.0, 2.0, "Arousal"), (2800.0, 20.0, "Central Apnea")])
    c = build_context(_quiet_night(3600.0), hypnogram=Hypnogram(np.full(120, N2), source="simulated"),
                      scored_events=path)
    resp = c.respiratory_events
    # used: the 5-s hypopnoea (shorter than the AASM 10 s: the scorer's judgement), the central apnoea,
    # and the hypopnoea that starts before the recording and ends inside it
    assert sorted(zip(resp["onset"], resp["duration"])) == [(-30.0, 35.0), (2600.0, 5.0), (2800.0, 20.0)]
    # 2401.7-2405.0, 2402.0-2406.0 and 2405.0-2407.0 overlap: one arousal 2401.7-2407.0; 2407.0 touches it only
    np.testing.assert_allclose(c.arousals[["onset", "duration"]].to_numpy(float),
                               [[2401.7, 5.3], [2407.0, 3.0], [2700.0, 2.0]])
    assert c.stats["n_arousals"] == 3
    s = c.scored.summary()
    assert (s["n_read"], s["n_respiratory"], s["n_arousals"], s["n_other"]) == (16, 7, 6, 3)
    assert s["not_used"] == {"zero_duration": {"respiratory": 2, "arousal": 1},
                             "outside_recording": {"respiratory": 2}, "arousals_merged": 2}
    assert s["below_aasm_minimum"] == {"respiratory": 1, "arousal": 1}
    assert s["aasm_minimum_duration_s"] == AASM_MIN_DURATION_S == {"respiratory": 10.0, "arousal": 3.0}
    assert s["unrecognised_labels"] == {"Snore": 1}
    text = " | ".join(c.warnings)
    assert "2 respiratory events and 1 arousal lasting 0 s were not used" in text
    assert "at 2461.3 s, 2470 s, 2511.3 s" in text
    assert "2 respiratory events outside the recording (0 to 3600 s) were not used: 'Obstructive Apnea' at -50 s, " \
           "'Hypopnea' at 3700 s" in text
    assert "3 overlapping scored arousals were merged into 1" in text
    assert "'Snore' (1)" in text


def test_check_scored_events_without_problems_says_nothing():
    from myosleep.context.scored import check_scored_events

    ev = pd.DataFrame({"onset": [10.0, 40.0], "duration": [12.0, 3.5], "description": ["Hypopnea", "Arousal"],
                       "kind": ["respiratory", "arousal"], "channel": [None, None], "machine": [False, False]})
    warnings: list[str] = []
    out = check_scored_events(ev, duration_s=60.0, source="table", warnings=warnings)
    assert warnings == [] and len(out.events) == 2 and out.below_aasm_minimum == {"respiratory": 0, "arousal": 0}


# --------------------------------------------------------------------------- defect 46
def _annotated(*annotations: tuple[float, float, str], duration_s: float = 3600.0, path: str = "night.edf"):
    rec = _quiet_night(duration_s)
    rec.path = path
    rec.annotations = tuple(SimpleNamespace(onset_s=t, duration_s=d, description=text, channel=None)
                            for t, d, text in annotations)
    return rec


HYP = Hypnogram(np.full(120, N2), source="simulated")
EMBEDDED = ((0.0, 30.0, "Sleep stage W"), (30.0, 0.0, "Lights off"), (100.0, 0.0, "Impedance check"),
            (2110.0, 20.0, "Obstructive Apnea"), (2401.7, 3.3, "Arousal"), (2421.3, 3.7, "Arousal"))


def test_events_in_the_recordings_own_annotations_are_used():
    """As its stages are: the scorer's arousals and respiratory events of an EDF+ export (the audit's
    caseA_embedded.edf: PLMS 31 and no exclusion without --events, 30 and 1 with it)."""
    rec = _annotated(*EMBEDDED)
    inputs = read_inputs(rec, hypnogram=HYP)
    assert inputs.scored_events_source == "recording annotations"
    assert inputs.scored_events_file.source == "recording annotations"
    assert inputs.scored_events["description"].tolist() == ["Impedance check", "Obstructive Apnea", "Arousal",
                                                            "Arousal"]
    c = build_context(rec, hypnogram=HYP, detect_arousals=False)
    assert c.respiratory_events["onset"].tolist() == [2110.0]
    assert c.arousals["onset"].tolist() == [2401.7, 2421.3]
    assert c.arousal_source["source"] == "scored"
    s = c.summary()["scored_events"]
    assert (s["source"], s["n_respiratory"], s["n_arousals"], s["n_other"]) == ("recording annotations", 1, 2, 1)
    # a recording's notes are counted, not warned about
    assert s["unrecognised_labels"] == {"Impedance check": 1} and not c.warnings


def test_annotations_without_scored_events_are_no_events():
    rec = _annotated((0.0, 30.0, "Sleep stage W"), (30.0, 0.0, "Lights off"), (100.0, 0.0, "Impedance check"))
    inputs = read_inputs(rec, hypnogram=HYP)
    assert inputs.scored_events is None and inputs.scored_events_source is None
    c = build_context(rec, hypnogram=HYP, detect_arousals=False)
    assert c.scored is None and c.arousal_source["source"] == "none"


def test_a_file_given_beside_annotated_events_says_which_were_used(tmp_path):
    rec = _annotated(*EMBEDDED)
    given = _events_csv(tmp_path / "other.csv", [(500.0, 12.0, "Hypopnea")])
    c = build_context(rec, hypnogram=HYP, scored_events=given, detect_arousals=False)
    assert c.respiratory_events["onset"].tolist() == [500.0]
    assert any("the recording's own annotations hold 1 respiratory event(s) and 2 arousal(s) that were not used"
               in w for w in c.warnings)


# --------------------------------------------------------------------------- defect 47
def _somnomedics(path, signal_id: str, rows) -> str:
    """A SOMNOmedics/Domino event export: one event type per file."""
    lines = [f"Signal ID: {signal_id}", "Start Time: 01.01.2020 22:00:00", "Unit: s", "Signal Type: Impuls", ""]
    lines += [f"{a}-{b}; {d};{label}" for a, b, d, label in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def test_several_event_files_are_combined(tmp_path):
    """SOMNOmedics writes arousals and flow events to separate files; a second --events replaced the first."""
    aro = _somnomedics(tmp_path / "Classification_Arousals.txt", "Classification Arousals",
                       [("22:40:01,700", "22:40:05,000", 3, "Arousal (EEG)"),
                        ("22:40:21,300", "22:40:25,000", 4, "PLM Arousal (EEG)")])
    flow = _somnomedics(tmp_path / "Flow_Events.txt", "FlowD\\flow",
                        [("22:35:10,000", "22:35:30,000", 20, "Obstructive Apnea")])
    rec = _quiet_night(9000.0)
    inputs = read_inputs(rec, scored_events=[aro, flow])
    assert inputs.scored_events_source == "files"
    assert [f.name for f in inputs.scored_events_files] == ["Classification_Arousals.txt", "Flow_Events.txt"]
    assert inputs.scored_events["kind"].tolist() == ["respiratory", "arousal", "arousal"]
    np.testing.assert_allclose(inputs.scored_events["onset"], [2110.0, 2401.7, 2421.3])
    c = build_context(rec, inputs=replace(inputs, hypnogram=Hypnogram(np.full(300, N2), source="simulated")))
    assert c.stats["n_arousals"] == 2 and len(c.respiratory_events) == 1
    # one file still works, as a path or a one-item list
    assert read_inputs(rec, scored_events=aro).scored_events_source == "file"
    assert read_inputs(rec, scored_events=(flow,)).scored_events["kind"].tolist() == ["respiratory"]


def test_the_same_file_twice_is_refused(tmp_path):
    flow = _somnomedics(tmp_path / "Flow_Events.txt", "FlowD\\flow",
                        [("22:35:10,000", "22:35:30,000", 20, "Obstructive Apnea")])
    with pytest.raises(ParameterError, match="given twice"):
        read_inputs(_quiet_night(), scored_events=[flow, str(tmp_path / "." / "Flow_Events.txt")])

"""SleepContext queries and build_context paths (given, file, infant estimate, errors)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from .conftest import FakeRecording, eeg_with_arousals

from myosleep.context import SleepContext, build_context
from myosleep.errors import HypnogramError, InputError, ParameterError
from myosleep.io.hypnogram_model import Hypnogram
from myosleep.vocab import Role, Stage

W, N1, N2, N3, R = 0, 1, 2, 3, 4


@pytest.fixture
def ctx() -> SleepContext:
    #                          0  1  2   3   4   5  6   7   8  9  10
    hyp = Hypnogram(np.array([W, W, N1, N2, N2, W, N2, N3, R, R, W]), source="simulated")
    events = pd.DataFrame({"onset": [100.0, 200.0], "duration": [5.0, 0.0],
                           "description": ["Arousal", "Lights on"], "kind": ["arousal", "lights"],
                           "channel": ["C4-M1", None]})
    return build_context(hypnogram=hyp, scored_events=events)


def test_context_fields(ctx):
    assert ctx.hypnogram_source == "simulated"
    assert ctx.sleep_onset_s == 60.0
    assert ctx.transitions["onset_s"].tolist() == [60.0, 180.0]
    # lights on from the scored events, lights off from the first scored epoch
    assert (ctx.lights_off_s, ctx.lights_on_s) == (0.0, 200.0)
    assert ctx.lights_source == "scored_events+first/last scored epoch"
    assert ctx.stats["trt_min"] == 3.5                 # epochs whose middle is < 200 s: 0..6
    assert ctx.stats["n_wake_to_sleep_transitions"] == 2
    assert ctx.arousals[["onset", "source", "channel"]].values.tolist() == [[100.0, "scored", "C4-M1"]]
    assert ctx.stats["n_arousals"] == 1
    assert ctx.summary()["hypnogram_source"] == "simulated"


def test_queries(ctx):
    t = np.array([10.0, 30.0, 89.9, 90.0, 150.0, 209.9, 215.0, 400.0])   # windows 30-90, 150-210 s
    assert ctx.in_transition(t).tolist() == [False, True, True, False, True, True, False, False]
    assert ctx.transition_index(t).tolist() == [-1, 0, 0, -1, 1, 1, -1, -1]
    assert ctx.stage_labels_at([0.0, 65.0, 250.0, 400.0]) == ["W", "N1", "R", "n/a"]
    assert ctx.stage_at([95.0]).tolist() == [int(Stage.N2)]
    # Arousal at 100 s (scored); awakening = W epoch at 150 s after N2, and at 300 s after R.
    q = np.array([92.0, 89.0, 145.0, 295.0, 101.0])
    assert ctx.arousal_within(q).tolist() == [True, False, True, True, False]
    assert ctx.arousal_within([89.0], after_s=(0.0, 11.0)).tolist() == [True]
    with pytest.raises(ParameterError):
        ctx.arousal_within([1.0], after_s=(5.0, 1.0))
    # hours in stages, within lights off (0 s) .. lights on (200 s): epochs 0..6
    assert ctx.hours_in("N2") == pytest.approx(3 * 30 / 3600)
    assert ctx.hours_in("N2", Stage.N1, "w") == pytest.approx(7 * 30 / 3600)
    assert ctx.hours_in("R") == 0.0
    with pytest.raises(ParameterError):
        ctx.hours_in()
    with pytest.raises(ParameterError):
        ctx.hours_in("S4")


def test_lights_from_hypnogram_and_file(real_dir):
    c = build_context(hypnogram=real_dir / "hmc" / "SN001-hypnogram.edf", detect_arousals=False)
    assert c.hypnogram_source == "file:SN001-hypnogram.edf"
    assert c.lights_source == "hypnogram"
    assert c.lights_off_s == pytest.approx(33.43, abs=0.01)
    # first sleep epoch after lights off, counted by hand from the file: epoch 8 (240 s)
    assert c.sleep_onset_s == 240.0
    assert c.stats["sol_min"] == pytest.approx(3.5)
    assert len(c.transitions) == c.stats["n_wake_to_sleep_transitions"] == 13
    assert not c.warnings


def test_hypnogram_must_fit_the_recording(rng):
    rec = FakeRecording({"C4-M1": (Role.EEG, 128.0, np.zeros(128 * 600))})   # 10 min
    with pytest.raises(HypnogramError, match="too long"):
        build_context(rec, hypnogram=Hypnogram(np.full(60, N2)))               # 30 min
    with pytest.raises(ParameterError):
        build_context(rec, hypnogram=[0, 1, 2])


def test_no_eeg_and_no_hypnogram_asks_for_one():
    rec = FakeRecording({"EMG Chin": (Role.CHIN, 512.0, np.zeros(512 * 120)),
                         "Fpz-Cz": (Role.EEG, 1.0, np.zeros(120))})         # EEG at 1 Hz only
    with pytest.raises(HypnogramError, match="--hypnogram") as err:
        build_context(rec)
    assert isinstance(err.value, InputError) and "\n" not in str(err.value)
    with pytest.raises(HypnogramError, match="--hypnogram"):
        build_context(None)


def test_scored_arousals_take_the_place_of_detected_ones(rng):
    """Scored arousals are the AASM arousals: the detected ones are not added (defect 44; they were merged)."""
    x, onsets, _ = eeg_with_arousals(1800.0, 256.0, rng)
    rec = FakeRecording({"C4-M1": (Role.EEG, 256.0, x)})
    hyp = Hypnogram(np.full(60, N2), source="simulated")
    scored = pd.DataFrame({"onset": [onsets[0] + 0.5, 1700.0], "duration": [4.0, 3.0],
                           "description": ["arousal"] * 2, "kind": ["arousal"] * 2, "channel": [None, None]})
    c = build_context(rec, hypnogram=hyp, scored_events=scored)
    assert c.arousals["source"].tolist() == ["scored", "scored"]
    assert c.arousal_source["n_detected_not_used"] >= 0.9 * (onsets.size - 1)
    assert c.stats["arousal_index_per_h"] == pytest.approx(len(c.arousals) / 0.5)
    assert not any("REM" in w for w in c.warnings)    # no REM: no chin criterion needed
    off = build_context(rec, hypnogram=hyp, detect_arousals=False)
    assert off.arousals.empty and off.stats["n_arousals"] == 0


def _context_with_annotations(*annotations: tuple[float, str]):
    """The context of a 300-s night (W W N2 N2 N2 W N2 N2 N2 W) whose recording holds ``(onset_s, text)`` annotations."""
    from types import SimpleNamespace

    rec = FakeRecording({"EMG Chin": (Role.CHIN, 200.0, np.zeros(200 * 300))})
    rec.annotations = tuple(SimpleNamespace(onset_s=t, description=d) for t, d in annotations)
    hyp = Hypnogram(np.array([W, W, N2, N2, N2, W, N2, N2, N2, W]), source="simulated")
    return build_context(rec, hypnogram=hyp, detect_arousals=False)


def test_lights_from_recording_annotations():
    c = _context_with_annotations((45.0, "LIGHTS OUT"), (100.0, "Arousal"), (270.0, "Lights on"))
    assert (c.lights_off_s, c.lights_on_s, c.lights_source) == (45.0, 270.0, "recording annotations")
    assert c.stats["trt_min"] == 4.0          # epochs 1..8 (middles 45..255 s)
    assert c.stats["sol_min"] == 0.5
    # the annotated arousal is a scored event of the recording (defect 46), a point without its extent (48)
    assert c.warnings == ("scored events in the recording's annotations: 1 arousal lasting 0 s was not used (an "
                          "apnoea or hypopnoea lasts >= 10 s and an arousal >= 3 s, AASM): at 100 s",)


def test_annotations_that_only_contain_the_words_are_not_lights():
    """'Light sleep onset', 'Spotlight: position change' are not lights on (the recording's own annotations
    are read as the hypnogram and event readers read them: ``io._hypno_common.lights_kind``); 'Lights-Off'
    with a hyphen is lights off."""
    c = _context_with_annotations((45.0, "Lights-Off"), (200.0, "Light sleep onset"),
                                  (250.0, "Spotlight: position change"))
    # lights on falls back to the end of the last scored epoch (300 s), not the spotlight at 250 s
    assert (c.lights_off_s, c.lights_on_s) == (45.0, 300.0)

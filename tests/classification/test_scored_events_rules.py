"""What the scored events do to the PLM rules: the scorer's arousals are the arousals of the PLMS-arousal
association (defect 44), and zero-length or out-of-recording events change no leg movement (defect 48).
docs/robustness.md, defects 44 and 48.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from myosleep.classification import classify
from myosleep.context import build_context
from myosleep.io.hypnogram_model import Hypnogram
from myosleep.vocab import Role

from ..context.conftest import FakeRecording, eeg_with_arousals
from .conftest import detection, lm_bursts

N2 = 2


def _csv(path, rows) -> str:
    pd.DataFrame(rows, columns=["onset", "duration", "description"]).to_csv(path, index=False)
    return str(path)


def _lm_rows(c):
    ev = c.events[c.events["trial_type"] == "leg_movement"].sort_values("onset")
    return ev["onset"].to_numpy(float), ev["periodic"].astype(bool).to_numpy(), ev["arousal"].astype(bool).to_numpy()


def test_plms_arousals_are_the_scorers_when_given(tmp_path):
    """Every PLM starts with an EEG arousal the detector finds; the scorer scored every second one.  The
    PLMS-arousal association follows the scorer (the audit's case D: 19 PLMS with arousal by myosleep, 13 by
    the scorer's arousals)."""
    rng = np.random.default_rng(44)
    x, onsets, durations = eeg_with_arousals(2400.0, 256.0, rng, spacing_s=60.0)
    rec = FakeRecording({"C4-M1": (Role.EEG, 256.0, x)})
    hyp = Hypnogram(np.full(80, N2), source="simulated")
    lms = lm_bursts([(o - 1.0, 1.5, "left") for o in onsets])  # each LM overlaps its arousal's onset
    scored = _csv(tmp_path / "scored.csv", [(o, d, "Arousal") for o, d in zip(onsets[::2], durations[::2])])

    detected_only = classify(detection([], lms), build_context(rec, hypnogram=hyp))
    _, periodic, arousal = _lm_rows(detected_only)
    assert periodic.all() and arousal.sum() >= 0.9 * onsets.size  # the detector's arousals

    c = classify(detection([], lms), build_context(rec, hypnogram=hyp, scored_events=scored))
    lm_on, periodic, arousal = _lm_rows(c)
    assert periodic.sum() == onsets.size
    np.testing.assert_allclose(lm_on[arousal], onsets[::2] - 1.0)  # exactly the scorer's
    assert c.indices["plm"]["n_plms"] == onsets.size


def test_events_that_cannot_be_used_change_no_leg_movement(tmp_path):
    """A zero-length hypopnoea inside an LM excluded it and broke its series (the audit: PLMS 30 -> 26); a
    zero-length arousal was associated with an LM; events outside the recording and overlapping arousals
    were used as they were."""
    lms = lm_bursts([(1000.0 + 20 * k, 1.5, "left") for k in range(5)])  # 1000, 1020, ..., 1080
    events = _csv(tmp_path / "edge.csv", [
        (1021.3, 0.0, "Hypopnea"),            # inside LM 2: zero length, not used
        (1040.5, 0.0, "Arousal"),             # inside LM 3: zero length, not used
        (-50.0, 20.0, "Obstructive Apnea"), (3700.0, 20.0, "Hypopnea"),  # outside the 3600-s recording
        (1000.2, 3.0, "Arousal"), (1001.0, 4.0, "Arousal"),  # one arousal, scored twice
        (1081.0, 5.0, "Hypopnea"),            # 5 s: shorter than the AASM 10 s, kept (LM 5 excluded)
    ])
    rec = FakeRecording({"EMG Chin": (Role.CHIN, 100.0, np.zeros(100 * 3600))})
    ctx = build_context(rec, hypnogram=Hypnogram(np.full(120, N2), source="simulated"), scored_events=events)
    c = classify(detection([], lms), ctx)
    lm_on, periodic, arousal = _lm_rows(c)
    assert lm_on.tolist() == [1000.0, 1020.0, 1040.0, 1060.0, 1080.0]
    assert periodic.tolist() == [True, True, True, True, False]
    assert arousal.tolist() == [True, False, False, False, False]
    plm = c.indices["plm"]
    assert (plm["n_plms"], plm["n_respiratory_lm_excluded"]) == (4, 1)
    assert ctx.stats["n_arousals"] == 1

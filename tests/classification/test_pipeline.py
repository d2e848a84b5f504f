"""End to end on simulated EDFs: read_recording -> detect -> build_context -> classify.

These use the real detector (myosleep.detection.detect), so they check the integration and
the figures that do not hinge on sub-100-ms burst timing: leg movements / PLMS and the REM
atonia index computed from the recording's own chin EMG.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from myosleep.classification import EVENT_COLUMNS, classify, score_events
from myosleep.vocab import TrialType

from .test_simulated import _rem_rich_hypnogram


def _pipeline(tmp_path, scenario, **kw):
    from myosleep.context import build_context
    from myosleep.detection import detect
    from myosleep.io import read_recording
    from myosleep.simulate import simulate_night

    sim = simulate_night(scenario, seed=1, sfreq_emg=200, sfreq_eeg=100, **kw)
    path = tmp_path / f"{scenario}.edf"
    sim.write(path)
    with read_recording(path) as rec:
        det = detect(rec)
        ctx = build_context(hypnogram=sim.hypnogram, detect_arousals=False)
        c = classify(det, ctx)
    return sim, ctx, c


def test_plmd_night_end_to_end(tmp_path):
    sim, ctx, c = _pipeline(tmp_path, "plmd", hours=1.0)
    assert list(c.events.columns) == EVENT_COLUMNS
    assert set(c.events["trial_type"]) <= {t.value for t in TrialType}
    s = score_events(c.events, sim.events, tolerance_s=0.5, classes=["leg_movement"])
    assert s.loc["leg_movement", "f1"] >= 0.85, s
    lm = sim.events[sim.events["trial_type"] == "leg_movement"]
    n_true = int((lm["periodic"].astype(bool) & lm["stage"].isin(["N1", "N2", "N3", "R"])).sum())
    assert c.indices["plm"]["n_plms"] == pytest.approx(n_true, rel=0.25)
    # the 1-h night holds < 2 h of sleep: the periodic LMs are counted, but no PLMS index is
    # computed and the finding cannot be assessed (the index over a full night:
    # test_simulated.py, test_end_to_end_accuracy.py)
    assert ctx.hours_in("N1", "N2", "N3", "R") < 2.0 and np.isnan(c.indices["plm"]["plms_index_per_h"])
    f = c.finding("periodic_limb_movements")
    assert f.present is None and f.values["below_minimum"] == ["tst_h"]
    from myosleep.reporting.summary import classification_json

    json.dumps(classification_json(c, hypnogram_source=ctx.hypnogram_source), allow_nan=False)


@pytest.mark.parametrize("scenario,normal", [("healthy_adult", True), ("rsbd", False)])
def test_atonia_index_from_recording_chin(tmp_path, scenario, normal):
    _, _, c = _pipeline(tmp_path, scenario, hypnogram=_rem_rich_hypnogram())
    rai = c.indices["rswa"]["atonia_index"]
    assert c.indices["rswa"]["atonia_index_source"] == "channel:EMG Chin"
    assert np.isfinite(rai)
    f = c.finding("rem_sleep_without_atonia")
    if normal:
        assert rai > 0.9 and f.present is False
    else:
        assert rai < 0.8 and f.present is True

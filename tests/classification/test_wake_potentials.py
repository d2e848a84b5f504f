"""Issue 9, defect 8: fragmentary myoclonus is a sleep phenomenon.

A brief single-muscle potential (20-150 ms) is an FM potential only in sleep (N1, N2, N3, R):
AASM VII.D scores EFM in NREM sleep, Frauscher et al. 2014 count FM in sleep.  The same
potential in wakefulness (before sleep onset, after an awakening) or where no sleep stage is
scored stays an unexplained ``myoclonic_jerk`` whose rule says why it is not FM.  The FM
index and the EFM count hold sleep only.
"""

from __future__ import annotations

import pytest

from myosleep.classification import classify

from .conftest import detection, make_context, motor_event

W, N1, N2, N3, R, UNSCORED, ARTEFACT = 0, 1, 2, 3, 4, -2, -1
#: 10 min W, 10 min N1, 20 min N2, 10 min N3, 10 min R, 10 min W (after sleep), 5 min unscored,
#: 5 min artefact
STAGES = [W] * 20 + [N1] * 20 + [N2] * 40 + [N3] * 20 + [R] * 20 + [W] * 20 + [UNSCORED] * 10 + [ARTEFACT] * 10
STAGE_AT = {"W before sleep": 100.0, "N1": 700.0, "N2": 1500.0, "N3": 2700.0, "R": 3300.0,
            "W after sleep": 3800.0, "unscored": 4300.0, "artefact": 4600.0}
CHANNELS = [("EMG Chin", "chin"), ("EMG LAT", "leg"), ("EMG FDS L", "arm"), ("EMG RectAbd", "axial")]
DURATIONS_MS = [20.0, 60.0, 95.0, 150.0]


def _potentials():
    rows, where, k = [], [], 0
    for stage, t0 in STAGE_AT.items():
        for c, (label, role) in enumerate(CHANNELS):
            for d, ms in enumerate(DURATIONS_MS):
                rows.append(motor_event(t0 + 20.0 * c + 4.0 * d, channels=(label,), roles=(role,),
                                        burst_s=ms / 1000.0, peak_uv=80.0, event_id=k))
                where.append(stage)
                k += 1
    return rows, where


@pytest.mark.parametrize("stage", list(STAGE_AT))
def test_brief_potentials_are_fm_only_in_sleep(stage):
    rows, where = _potentials()
    c = classify(detection(rows, channels=CHANNELS), make_context(STAGES))
    ev = c.events.set_index("event_id").loc[[k for k, s in enumerate(where) if s == stage]]
    if stage == "R":  # a 100-150 ms burst in REM is a phasic twitch (SINBAR 0.1-5 s), decided first
        twitch = ev["max_burst_duration_ms"] >= 100.0
        assert (ev.loc[twitch, "trial_type"] == "rem_twitch").all()
        ev = ev[~twitch]
    if stage in ("N1", "N2", "N3", "R"):
        assert (ev["trial_type"] == "fragmentary_myoclonus").all(), ev[["trial_type", "rule"]]
        assert ev["rule"].str.endswith("in sleep").all()
    else:
        assert (ev["trial_type"] == "myoclonic_jerk").all(), ev[["trial_type", "rule"]]
        where_text = "in wakefulness" if stage.startswith("W") else "in an epoch without a sleep stage"
        assert ev["rule"].str.contains(f"{where_text}: not fragmentary myoclonus", regex=False).all()


def test_fm_index_and_efm_count_sleep_only():
    # 6 potentials per minute through 25 min of wakefulness and 25 min of N2, 3 per minute in
    # 25 min of W after it: only the N2 minutes may count towards EFM
    stages = [W] * 50 + [N2] * 50 + [W] * 100
    rows, k = [], 0
    for minute in range(75):
        per_min = 6 if minute < 50 else 3
        for j in range(per_min):
            t = 60.0 * (minute if minute < 50 else minute + 25) + 1.0 + 9.0 * j
            rows.append(motor_event(t, channels=("EMG FDS L",), roles=("arm",), burst_s=0.08, peak_uv=80.0,
                                    event_id=k))
            k += 1
    c = classify(detection(rows), make_context(stages))
    fm = c.events[c.events["trial_type"] == "fragmentary_myoclonus"]
    assert len(fm) == 6 * 25 and set(fm["stage"]) == {"N2"}
    assert c.indices["by_trial_type"]["fragmentary_myoclonus"]["index_per_h_sleep"] == pytest.approx(6 * 60.0)
    f = c.finding("excessive_fragmentary_myoclonus")
    assert f.values["n_fm_potentials"] == 6 * 25 and f.values["nrem_min"] == 25.0
    assert f.values["efm_min"] == 25.0 and f.present is True
    mj = c.events[c.events["trial_type"] == "myoclonic_jerk"]
    assert len(mj) == 6 * 25 + 3 * 25 and set(mj["stage"]) == {"W"}

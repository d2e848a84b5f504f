"""EMG-only burst durations of an event (detection's), the hypnic jerk's median-burst rule, and arousal
chin tone."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from myosleep.classification import classify

from .conftest import burst_rows, detection, grouped_detection, make_context, motor_event

SS = (("EMG Chin", "EMG FDS L", "EMG LAT", "Accel X+Accel Y+Accel Z"), ("chin", "arm", "leg", "accelerometer"))


def _short_bursts(rows):
    """rows: (channel, role, onset_s, duration_s) -> bursts table (detector short/accel)."""
    return burst_rows([{"onset": on, "duration": dur, "channel": ch, "role": role,
                        "detector": "accel" if role == "accelerometer" else "short", "peak_amplitude_uv": 80.0}
                       for ch, role, on, dur in rows])


def _jerk(onset, emg_s, accel_s):
    """A 3-muscle jerk (chin, arm, leg EMG bursts of ``emg_s`` s) with an accelerometer movement."""
    b = [(ch, role, onset + 0.005 * i, d) for i, (ch, role, d) in enumerate(zip(SS[0][:3], SS[1][:3], emg_s))]
    b.append((SS[0][3], "accelerometer", onset, accel_s))
    return b


def test_accelerometer_and_one_long_muscle_do_not_undo_a_hypnic_jerk(night_stages):
    ctx = make_context(night_stages)  # sleep onset at 600 s: hypnagogic window 570-900 s
    cases = {
        610.0: ((0.20, 0.21, 0.22), 0.59),  # accelerometer movement 590 ms: EMG bursts decide
        640.0: ((0.20, 0.22, 0.31), 0.35),  # one muscle measured 310 ms, median 220 ms
        670.0: ((0.30, 0.35, 0.40), 0.50),  # every muscle long (median 350 ms): not a sleep start
    }
    bursts = [b for on, (emg, acc) in cases.items() for b in _jerk(on, emg, acc)]
    det = grouped_detection(_short_bursts(bursts))  # detection measures the EMG bursts of each event
    assert det.events["median_burst_duration_ms"].tolist() == pytest.approx([210.0, 220.0, 350.0])
    c = classify(det, ctx)
    got = dict(zip(c.events["onset"].round(3), c.events["trial_type"]))
    assert got == {610.0: "hypnic_jerk", 640.0: "hypnic_jerk", 670.0: "myoclonic_jerk"}
    # the reported longest burst is the EMG one (ms), not the accelerometer's
    assert c.events["max_burst_duration_ms"].tolist() == pytest.approx([220.0, 310.0, 400.0])
    assert "median EMG burst 210 ms" in c.events.loc[0, "rule"]


def test_chin_fragments_inside_an_arousal_are_arousal_tone(night_stages):
    ctx = make_context(night_stages)
    arousals = pd.DataFrame({"onset": [3000.0], "duration": [10.0], "source": ["scored"], "channel": ["C4-M1"],
                             "kind": ["aasm"]})
    ctx_ar = dataclasses.replace(ctx, arousals=arousals)  # SleepContext is a frozen dataclass
    rows = [motor_event(3002.0 + k, burst_s=0.08, event_id=k) for k in range(5)]  # chin, inside the arousal
    rows.append(motor_event(2999.6, burst_s=0.08, event_id=5))  # chin, ends 0.32 s before it: associated
    rows.append(motor_event(2998.0, burst_s=0.08, event_id=6))  # chin, ends 1.92 s before it: FM
    rows.append(motor_event(3004.5, channels=("EMG LAT",), roles=("leg",), burst_s=0.08, event_id=10))  # leg: FM
    rows.append(motor_event(3020.0, burst_s=0.08, event_id=11))  # chin, after the arousal: FM
    c = classify(detection(rows), ctx_ar)
    assert c.indices["arousal_chin_fragments"] == 6
    assert c.events["onset"].tolist() == [2998.0, 3004.5, 3020.0]
    assert c.events["trial_type"].tolist() == ["fragmentary_myoclonus"] * 3
    # without the arousal the five chin potentials are FM
    c0 = classify(detection(rows), ctx)
    assert c0.indices["arousal_chin_fragments"] == 0
    assert int((c0.events["trial_type"] == "fragmentary_myoclonus").sum()) == 9
    assert np.isin([3002.0, 3006.0], c0.events["onset"]).all()


def test_sustained_activity_is_no_jerk(night_stages):
    """An event whose longest EMG burst lasts longer than phasic activity (> 5 s, SINBAR) is a sustained
    contraction, not a jerk: it leaves the event table, counted.  Before, the chin tone rising for 10-14
    s with an arousal the EEG did not show (an infant night after clusters of neonatal jerks) was a
    10-14-s "myoclonic_jerk".  Briefer activity keeps its class; REM phasic bursts up to 5 s stay twitches."""
    ctx = make_context(night_stages)
    rows = [motor_event(3000.0, burst_s=10.0, event_id=0),  # chin, 10 s in N2: sustained
            motor_event(3100.0, channels=("EMG FDS L",), roles=("arm",), burst_s=6.0, event_id=1),  # arm, 6 s
            motor_event(3200.0, channels=("EMG FDS L",), roles=("arm",), burst_s=3.0, event_id=2),  # 3 s: a jerk
            motor_event(7000.0, burst_s=4.5, event_id=3),  # REM, 4.5 s: phasic, a twitch
            motor_event(7100.0, burst_s=5.5, event_id=4)]  # REM, 5.5 s: tonic
    c = classify(detection(rows), ctx)
    assert c.indices["sustained_activity_events"] == 3
    assert c.events["onset"].tolist() == [3200.0, 7000.0]
    assert c.events["trial_type"].tolist() == ["myoclonic_jerk", "rem_twitch"]
    assert "sustained activity (left out, counted)" in c.order

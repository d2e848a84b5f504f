"""`classify` on constructed motor-event tables: each rule, the findings and the summary."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from myosleep.classification import EVENT_COLUMNS, STEPS, WASM2016, classify, score_events
from myosleep.detection import DetectionResult
from myosleep.errors import ParameterError
from myosleep.vocab import FindingCode

from .conftest import burst_rows, detection, grouped_detection, lm_bursts, make_context, motor_event

LEG2 = (("EMG Chin", "EMG FDS L", "EMG LAT"), ("chin", "arm", "leg"))


def _types(c):
    return dict(zip(c.events["onset"].round(3), c.events["trial_type"]))


def test_each_class_decided_by_its_rule(night_stages):
    ctx = make_context(night_stages)  # sleep onset at 600 s, window 570-900 s
    rows = [
        motor_event(610.0, channels=LEG2[0], roles=LEG2[1], burst_s=0.15, latencies_ms=[0, 12, 25]),  # hypnic
        motor_event(620.0, channels=LEG2[0], roles=LEG2[1], burst_s=0.6, latencies_ms=[0, 12, 25]),  # too long
        motor_event(3000.0, burst_s=0.1, peak_uv=80.0),  # FM in N2
        motor_event(3100.0, burst_s=0.25, peak_uv=30.0),  # too long for FM -> myoclonic_jerk
        motor_event(3200.0, channels=("EMG Chin", "EMG LAT"), roles=("chin", "leg"), burst_s=0.1),  # synchronous
        motor_event(7000.0, burst_s=0.4),  # REM twitch
        motor_event(7100.0, burst_s=0.06, peak_uv=80.0),  # REM, < 0.1 s: FM
        motor_event(3300.0, channels=("ACC wrist",), roles=("accelerometer",), burst_s=0.06),  # not EMG: not FM
        motor_event(5000.0, channels=LEG2[0], roles=LEG2[1], burst_s=3.0, trial_type="body_movement"),
    ]
    c = classify(detection(rows, lm_bursts([])), ctx)
    t = _types(c)
    assert t == {610.0: "hypnic_jerk", 620.0: "myoclonic_jerk", 3000.0: "fragmentary_myoclonus",
                 3100.0: "myoclonic_jerk", 3200.0: "myoclonic_jerk", 7000.0: "rem_twitch",
                 7100.0: "fragmentary_myoclonus", 5000.0: "body_movement", 3300.0: "myoclonic_jerk"}
    assert list(c.events.columns) == EVENT_COLUMNS
    assert c.events.loc[c.events["onset"] == 3000.0, "stage"].item() == "N2"
    assert (c.events["rule"].str.len() > 0).all()
    assert c.events["periodic"].isna().all()  # n/a (not a leg movement): written "n/a" in events.tsv
    assert c.order == tuple(s.name for s in STEPS)


def test_leg_only_short_events_inside_lm_are_absorbed(night_stages):
    ctx = make_context(night_stages)
    b = lm_bursts([(2000 + 25 * k, 2.0, "left") for k in range(6)])
    rows = [motor_event(2000.1 + 25 * k, channels=("EMG LAT",), roles=("leg",), burst_s=0.2, event_id=k)
            for k in range(6)]
    c = classify(detection(rows, b), ctx)
    assert (c.events["trial_type"] == "leg_movement").sum() == 6
    assert len(c.events) == 6
    assert c.events["periodic"].tolist() == [True] * 6
    assert c.indices["plm"]["n_plms"] == 6
    assert c.indices["plm"]["plms_index_per_h"] == pytest.approx(6 / 2.0)  # 2 h of sleep


def test_plm_finding_adult_vs_child(night_stages):
    ctx = make_context(night_stages)
    # 40 LMs at 30-s intervals in N2 (1200-2400 s): PLMS index 40 / 2 h = 20/h
    b = lm_bursts([(1200 + 30 * k, 1.5, "right") for k in range(40)])
    c = classify(detection([], b), ctx, age="45")
    f = c.finding("periodic_limb_movements")
    assert f.present is True and f.values["plms_index_per_h"] == pytest.approx(20.0)
    assert "20.0/h" in f.evidence and "AASM" in f.evidence
    # 12 LMs -> 6/h: not elevated in an adult, elevated in a child (> 5/h)
    b12 = lm_bursts([(1200 + 30 * k, 1.5, "right") for k in range(12)])
    assert classify(detection([], b12), ctx, age="45").finding("periodic_limb_movements").present is False
    assert classify(detection([], b12), ctx, age="8").finding("periodic_limb_movements").present is True
    # 7-s intervals: AASM periodic, WASM 2016 not
    b7 = lm_bursts([(1200 + 7 * k, 1.0, "right") for k in range(40)])
    assert classify(detection([], b7), ctx, rules="aasm").indices["plm"]["n_plms"] == 40
    cw = classify(detection([], b7), ctx, rules="wasm2016")
    assert cw.indices["plm"]["n_plms"] == 0 and cw.finding("periodic_limb_movements").values["ruleset"] == "wasm2016"


def test_plm_without_leg_channel_cannot_be_assessed(night_stages):
    c = classify(detection([motor_event(3000.0)]), make_context(night_stages))
    assert c.finding("periodic_limb_movements").present is None


def test_sleep_starts_finding(night_stages):
    # two wake-to-sleep transitions: at 600 s and, after 1 min awake, at 2460 s
    two_onsets = night_stages[:80] + [0] * 2 + [1] * 4 + night_stages[86:]
    ctx = make_context(two_onsets)
    rows = [motor_event(600.0 + 20 * k, channels=LEG2[0], roles=LEG2[1], burst_s=0.12, latencies_ms=[0, 10, 20])
            for k in range(4)]
    c = classify(detection(rows), ctx)
    f = c.finding("sleep_starts")
    assert f.present is True and f.values["n_hypnic_jerks"] == 4
    assert f.values["hypnic_jerks_by_transition"] == [4, 0]
    one = classify(detection(rows[:1]), ctx).finding("sleep_starts")
    assert one.present is False and one.values["n_hypnic_jerks"] == 1
    # one transition: a rate per transition from a single sleep onset is not assessed
    single = classify(detection(rows), make_context(night_stages)).finding("sleep_starts")
    assert single.present is None and "1 wake-to-sleep transition(s), fewer than the 2 required" in single.evidence
    assert single.values["below_minimum"] == ["wake_to_sleep_transitions"]


def test_excessive_fragmentary_myoclonus(night_stages):
    ctx = make_context(night_stages)  # N2 1200-4800 s
    rng = np.random.default_rng(0)
    # 25 minutes with 6 potentials each, then 30 minutes with 2 each
    onsets = [1200 + 60 * m + s for m in range(25) for s in np.sort(rng.uniform(0, 59, 6))]
    onsets += [2700 + 60 * m + s for m in range(30) for s in (10.0, 40.0)]
    rows = [motor_event(o, burst_s=0.1, peak_uv=70.0, event_id=i) for i, o in enumerate(onsets)]
    c = classify(detection(rows), ctx)
    f = c.finding(FindingCode.EXCESSIVE_FRAGMENTARY_MYOCLONUS)
    assert (c.events["trial_type"] == "fragmentary_myoclonus").sum() == len(onsets)
    assert f.present is True and f.values["efm_min"] == pytest.approx(25.0)
    assert f.values["longest_run_min"] == pytest.approx(25.0)
    # potentials below 50 uV peak-to-peak (17.7 uV RMS) are FM but not counted for EFM
    small = [dict(r, peak_amplitude_uv=15.0) for r in rows]
    cs = classify(detection(small), ctx)
    assert (cs.events["trial_type"] == "fragmentary_myoclonus").sum() == len(onsets)
    assert cs.finding("excessive_fragmentary_myoclonus").present is False
    # only 15 minutes: not excessive
    rows15 = [r for r in rows if r["onset"] < 1200 + 15 * 60 or r["onset"] >= 2700]
    assert classify(detection(rows15), ctx).finding("excessive_fragmentary_myoclonus").present is False


def _chin_burst_table(rows):
    return burst_rows([{"onset": on, "duration": d, "channel": "EMG Chin", "role": "chin", "side": "n/a",
                        "detector": "short", "peak_amplitude_uv": 20.0, "baseline_uv": 2.0} for on, d in rows])


def test_rswa_finding_from_sinbar_and_atonia_index(night_stages):
    ctx = make_context(night_stages)  # REM 6600-7800 s: 400 mini-epochs
    # 100 phasic bursts in distinct mini-epochs: 25 % 'any' >= 18 %
    b = _chin_burst_table([(6600 + 12 * k + 1, 0.3) for k in range(100)])
    c = classify(detection([], b), ctx)
    f = c.finding("rem_sleep_without_atonia")
    assert f.present is True and f.values["sinbar_chin_any_pct"] == pytest.approx(25.0)
    # 20 bursts: 5 %, with a normal atonia index given: normal
    b20 = _chin_burst_table([(6600 + 60 * k + 1, 0.3) for k in range(20)])
    amp = np.full(8400, 3.0)
    amp[6600:7800] = 0.2
    c = classify(detection([], b20, chin=amp), ctx)
    f = c.finding("rem_sleep_without_atonia")
    assert f.present is False and f.values["sinbar_chin_any_pct"] == pytest.approx(5.0)
    assert f.values["atonia_index"] > 0.9
    # REM too short -> cannot be assessed
    short = make_context([0] * 20 + [2] * 200 + [4] * 6)
    assert classify(detection([], b20), short).finding("rem_sleep_without_atonia").present is None


def test_neonatal_clusters_age_aware():
    stages = [0] * 10 + [2] * 100 + [4] * 40 + [0] * 10
    ctx = make_context(stages)
    rows, k = [], 0
    for start in (1000.0, 2000.0, 3000.0):  # clusters of 8 jerks at 2 Hz in sleep
        for j in range(8):
            rows.append(motor_event(start + 0.5 * j, channels=("EMG FDS L", "EMG LAT"), roles=("arm", "leg"),
                                    burst_s=0.08, event_id=k))
            k += 1
    rows.append(motor_event(4000.0, channels=("EMG FDS L",), roles=("arm",), burst_s=0.08, event_id=k))  # isolated
    c = classify(detection(rows), ctx, age="3w")
    assert (c.events["trial_type"] == "neonatal_myoclonus").sum() == 24
    assert c.events.loc[c.events["onset"] == 4000.0, "trial_type"].item() != "neonatal_myoclonus"
    f = c.finding("benign_neonatal_sleep_myoclonus")
    assert f.present is True and f.values["n_clusters"] == 3 and "typical" in f.evidence
    late = classify(detection(rows), ctx, age="8mo").finding("benign_neonatal_sleep_myoclonus")
    assert late.present is True and "UNUSUAL" in late.evidence
    adult = classify(detection(rows), ctx, age="30")
    assert (adult.events["trial_type"] == "neonatal_myoclonus").sum() == 0
    assert adult.finding("benign_neonatal_sleep_myoclonus").present is False


def test_propriospinal_velocity_and_without_axial(night_stages):
    ctx = make_context(night_stages)
    roles = [(c, "axial") for c in ("EMG RectAbd", "EMG Paraspinal T6", "EMG Quadriceps", "EMG SCM")]
    # origin rectus abdominis (T10, 30.5 cm; motor nerve 30 cm: 5.45 ms at 55 m/s); at 5 m/s along
    # the cord: quadriceps (L3, 38.5 cm; 40 cm: 7.27 ms) 8 cm = 16 ms -> 16 + 7.27 - 5.45 = 17.82 ms;
    # paraspinal T6 (21.7 cm; 7 cm: 1.27 ms) 8.8 cm = 17.6 ms -> 13.42 ms; SCM (C2, 1.8 cm; 11.5 cm:
    # 2.09 ms) 28.7 cm = 57.4 ms -> 54.04 ms
    chans = ("EMG RectAbd", "EMG Paraspinal T6", "EMG Quadriceps", "EMG SCM")
    rows = [motor_event(300.0 + 30 * k, channels=chans, roles=("axial",) * 4, burst_s=0.3,
                        latencies_ms=[0, 13.418, 17.818, 54.036], event_id=k) for k in range(4)]
    c = classify(detection(rows, channels=roles), ctx)
    ps = c.events[c.events["trial_type"] == "propriospinal_myoclonus"]
    assert len(ps) == 4 and ps["velocity_m_s"].to_numpy() == pytest.approx(5.0, abs=0.01)
    assert c.finding("propriospinal_myoclonus").present is True
    # synchronous onsets (infinite velocity) are not propriospinal
    fast = [motor_event(300.0, channels=chans, roles=("axial",) * 4, burst_s=0.3, latencies_ms=[0, 1, 1, 2])]
    assert (classify(detection(fast, channels=roles), ctx).events["trial_type"] == "propriospinal_myoclonus").sum() == 0
    # no axial channel: cannot be assessed
    assert classify(detection([motor_event(3000.0)]), ctx).finding("propriospinal_myoclonus").present is None


def test_cortical_never_claimed(night_stages):
    ctx = make_context(night_stages)
    rows = [motor_event(3000.0 + 10 * k, channels=("EMG FDS L", "EMG LAT"), roles=("arm", "leg"), burst_s=0.03,
                        event_id=k) for k in range(12)]
    c = classify(detection(rows), ctx)
    f = c.finding("cortical_myoclonus")
    assert f.present is None and f.values["n_jerks"] == 12
    assert f.values["median_burst_duration_ms"] == pytest.approx(30.0)
    assert f.values["burst_duration_suggests_cortical"] is True and "lead_ms" in f.values
    assert (c.events["trial_type"] == "cortical_myoclonus").sum() == 0


def test_summary_is_json_and_complete(night_stages):
    from myosleep.reporting.summary import classification_json

    ctx = make_context(night_stages)
    c = classify(detection([motor_event(3000.0)], lm_bursts([(1000, 1, "left")]), refused={"EMG RAT": "flat signal"}),
                 ctx, rules=WASM2016)
    s = json.loads(json.dumps(classification_json(c, hypnogram_source=ctx.hypnogram_source), allow_nan=False))
    assert s["methods"]["ruleset"] == "wasm2016" and s["methods"]["hypnogram_source"] == "simulated"
    # functional_jerks comes from the neurophysiology stage (after classification)
    assert [f["code"] for f in s["findings"]] == [f.value for f in FindingCode if f is not FindingCode.FUNCTIONAL_JERKS]
    assert all(f["values"]["ruleset"] == "wasm2016" for f in s["findings"])
    assert s["counts"]["fragmentary_myoclonus"] == 1 and s["counts"]["leg_movement"] == 1
    assert s["indices"]["by_trial_type"]["fragmentary_myoclonus"]["count_by_stage"]["N2"] == 1
    assert s["counts_by_stage"]["fragmentary_myoclonus"]["N2"] == 1
    # one shape of the indices per hour: summary.json's (by stage, then class)
    assert s["indices_per_hour"]["by_stage"]["N2"]["fragmentary_myoclonus"] == pytest.approx(1.0)  # 1 in 1 h of N2
    assert s["methods"]["thresholds"]["plm_min_interval_s"] == 10.0
    assert s["methods"]["classification_order"] == [st.name for st in STEPS]
    # the refused channel is not a usable leg channel; the other leg channel is
    assert c.inputs.roles == {"EMG LAT": "leg", "EMG Chin": "chin"}  # the channels with bursts
    ann = c.to_mne_annotations()
    assert list(ann.description) == c.events["trial_type"].tolist() and ann.onset[0] == pytest.approx(1000.0)
    assert [tuple(x) for x in ann.ch_names] == [("EMG LAT",), ("EMG Chin",)]
    # the same numbers as a table, by class and stage (per hour of each stage)
    t = c.summary(by=("trial_type", "stage"))
    assert t.loc[("fragmentary_myoclonus", "N2"), "count"] == 1
    assert t.loc[("fragmentary_myoclonus", "N2"), "per_h"] == pytest.approx(1.0)
    assert t.loc[("leg_movement", "N1"), "per_h"] == pytest.approx(6.0)  # 1 in the 10 min of N1


def test_empty_input_and_bad_table(night_stages):
    ctx = make_context(night_stages)
    c = classify(detection([]), ctx)
    assert len(c.events) == 0 and len(c.findings) == 7
    with pytest.raises(ParameterError, match="lacks columns"):
        DetectionResult.from_tables(events=pd.DataFrame({"onset": [1.0]}))
    with pytest.raises(ParameterError):
        classify(detection([]), ctx, rules="nope")


def test_score_events_f1():
    truth = pd.DataFrame({"onset": [10.0, 20.0, 30.0, 40.0], "trial_type": ["a", "a", "b", "b"]})
    pred = pd.DataFrame({"onset": [10.2, 25.0, 30.1, 40.4, 50.0], "trial_type": ["a", "a", "b", "a", "b"]})
    s = score_events(pred, truth, tolerance_s=0.5)
    assert s.loc["a", "tp"] == 1 and s.loc["a", "f1"] == pytest.approx(2 / 5)  # 3 predicted, 2 true
    assert s.loc["b", "tp"] == 1 and s.loc["b", "precision"] == pytest.approx(0.5)
    assert s.loc["b", "recall"] == pytest.approx(0.5)


def test_arousal_marking_of_jerks():
    import pandas as pd

    from myosleep.context import build_context
    from myosleep.io.hypnogram_model import Hypnogram

    stages = [0] * 20 + [1] * 20 + [2] * 10 + [0] * 4 + [2] * 20
    ctx = build_context(hypnogram=Hypnogram(np.array(stages), source="simulated"), detect_arousals=False)
    ctx = type(ctx)(**{**ctx.__dict__, "arousals": pd.DataFrame(
        {"onset": [1300.4, 1400.0], "duration": [5.0, 5.0], "source": "scored", "channel": ""})})
    # arm jerks: a chin-only event associated with an arousal is the arousal's own chin tone
    # (test_burst_durations_and_arousal_tone.py) and leaves the table
    arm = {"channels": ("EMG FDS L",), "roles": ("arm",)}
    rows = [motor_event(1300.0, burst_s=0.1, **arm),  # arousal starts 0.3 s after its end: associated
            motor_event(1390.0, burst_s=0.1, **arm),  # arousal 9.9 s later: not associated
            motor_event(1480.0, burst_s=0.1, **arm)]  # awakening (W epoch) at 1500 s: within one epoch
    c = classify(detection(rows), ctx)
    assert c.events["arousal"].tolist() == [True, False, True]


def test_sustained_activity_is_no_jerk_of_a_neonatal_cluster():
    """A cluster of 12 jerks at 4 Hz on arms and legs, then the chin tone rising for 10 s with an arousal
    0.4 s after the last jerk: the 10-s chin activity is no jerk of the cluster (its burst is longer
    than neonatal_max_burst_s, 0.5 s) and the 12 jerks are the cluster.  Before, the chin event joined
    the cluster as a 13th "neonatal jerk" (a simulated infant night at 2048 Hz had 3 such events of
    0.8-14 s)."""
    ctx = make_context([0] * 10 + [2] * 100)
    rows = []
    for k in range(12):
        for j, (ch, role, side) in enumerate((("EMG FDS L", "arm", "left"), ("EMG LAT", "leg", "left"))):
            rows.append({"onset": 1000.0 + 0.25 * k + 0.005 * j, "duration": 0.1, "channel": ch, "role": role,
                         "side": side, "detector": "short", "peak_amplitude_uv": 60.0})
    rows.append({"onset": 1003.25, "duration": 10.0, "channel": "EMG Chin", "role": "chin", "side": "n/a",
                 "detector": "short", "peak_amplitude_uv": 8.0})
    c = classify(grouped_detection(burst_rows(rows)), ctx, age="3w")
    ev = c.events
    neo = ev[ev.trial_type == "neonatal_myoclonus"]
    assert len(neo) == 12 and neo.onset.max() < 1003.0 and neo.cluster_id.nunique() == 1
    # the 10-s chin activity is no jerk of any class (classification.sustained)
    assert not (ev.onset > 1003.0).any() and c.indices["sustained_activity_events"] == 1


def test_body_movement_of_brief_bursts_is_split_into_jerks():
    """Detection groups a train of brief jerks by synchrony (not one gross movement); in an infant the
    jerks are neonatal myoclonus.  A real gross movement (sustained bursts >= 0.5 s in both regions)
    stays one body movement; one sustained burst in one region does not make one."""
    stages = [0] * 10 + [2] * 100
    ctx = make_context(stages)
    rows = []
    for k in range(8):  # 8 jerks at 2 Hz on arm and leg, 0.15-s bursts: each region active 1.2 s over 3.65 s
        for j, (ch, role, side) in enumerate((("EMG FDS L", "arm", "left"), ("EMG LAT", "leg", "left"))):
            rows.append({"onset": 1000.0 + 0.5 * k + 0.01 * j, "duration": 0.15, "channel": ch, "role": role,
                         "side": side, "detector": "short", "peak_amplitude_uv": 60.0})

    def classified(bursts):
        det = grouped_detection(burst_rows(bursts))
        return det, classify(det, ctx, age="3w")

    det, infant = classified(rows)
    assert det.events["trial_type"].tolist() == ["myoclonic_jerk"] * 8
    assert infant.events["trial_type"].tolist() == ["neonatal_myoclonus"] * 8
    one_long = [dict(rows[0], duration=0.6)] + rows[1:]
    assert classified(one_long)[0].events["trial_type"].tolist() == ["myoclonic_jerk"] * 8
    long_body = [dict(r, duration=0.5) for r in rows]
    assert classified(long_body)[1].events["trial_type"].tolist() == ["body_movement"]

"""Leg movements and PLM series: exact constructed cases for AASM and WASM 2016."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from myosleep.classification import AASM, WASM2016, get_ruleset, plm_series, score_leg_movements
from myosleep.errors import ParameterError

from .conftest import lm_bursts


def test_seven_second_series_aasm_periodic_wasm_not():
    # 8 LMs of 2 s, onsets 7 s apart: AASM interval 5-90 s -> one series of 8 PLMs;
    # WASM 2016 interval 10-90 s -> every interval < 10 s ends the series: no PLM.
    b = lm_bursts([(1000 + 7 * k, 2.0, "left") for k in range(8)])
    a = score_leg_movements(b, rules=AASM)
    w = score_leg_movements(b, rules=WASM2016)
    assert a["periodic"].sum() == 8 and set(a["series_id"]) == {0}
    assert w["periodic"].sum() == 0 and (w["series_id"] == -1).all()
    assert np.allclose(a["interval_s"].iloc[1:], 7.0)


def test_twenty_second_series_both_rulesets():
    b = lm_bursts([(100 + 20 * k, 1.5, "right") for k in range(5)])
    for rules in (AASM, WASM2016):
        df = score_leg_movements(b, rules=rules)
        assert df["periodic"].tolist() == [True] * 5


def test_three_lms_are_not_a_series_and_long_gap_splits():
    b = lm_bursts([(0, 1, "left"), (20, 1, "left"), (40, 1, "left"),
                   (200, 1, "left"), (220, 1, "left"), (240, 1, "left"), (260, 1, "left")])
    df = score_leg_movements(b, rules=AASM)
    assert df["periodic"].tolist() == [False] * 3 + [True] * 4
    assert df["series_id"].tolist() == [-1] * 3 + [0] * 4


def test_aasm_short_interval_skipped_without_breaking_series():
    # 0, 20, 23 (3 s after: skipped), 40, 60 -> AASM: 0, 20, 40, 60 periodic; 23 not.
    b = lm_bursts([(0, 1, "left"), (20, 1, "left"), (23, 1, "left"), (40, 1, "left"), (60, 1, "left")])
    df = score_leg_movements(b, rules=AASM)
    assert df["periodic"].tolist() == [True, True, False, True, True]
    # the interval of the LM after the skipped one is measured from the last LM kept (20 s)
    assert df["interval_s"].tolist()[3] == pytest.approx(20.0)
    # WASM 2016: the CLM at 23 s (interval 3 s) ends the series 0-20 and starts 23-40-60: no run of 4
    w = score_leg_movements(b, rules=WASM2016)
    assert w["periodic"].sum() == 0


def test_bilateral_merging_differs():
    # left at 100 s (2 s), right at 103 s (2 s): onsets 3 s apart, 1 s gap offset-to-onset.
    b = lm_bursts([(100, 2, "left"), (103, 2, "right")])
    a = score_leg_movements(b, rules=AASM)
    w = score_leg_movements(b, rules=WASM2016)
    assert len(a) == 1 and bool(a["bilateral"].iloc[0]) and a["duration"].iloc[0] == pytest.approx(5.0)
    assert len(w) == 2 and not w["bilateral"].any()
    # overlapping LMs on both legs merge in both rulesets
    b2 = lm_bursts([(100, 2, "left"), (101.8, 2, "right")])
    assert len(score_leg_movements(b2, rules=AASM)) == 1
    assert len(score_leg_movements(b2, rules=WASM2016)) == 1


def test_wasm_bilateral_15s_limit_and_long_lm_breaks_series():
    # bilateral 9 s + 5 s chained = 13.5 s: a CLM under WASM (<= 15 s)
    b = lm_bursts([(0, 9, "left"), (8.5, 5, "right")])
    w = score_leg_movements(b, rules=WASM2016)
    assert len(w) == 1 and bool(w["candidate"].iloc[0]) and w["duration"].iloc[0] == pytest.approx(13.5)
    # series of 20-s intervals interrupted by a 12-s monolateral LM at 50 s
    rows = [(0, 1, "left"), (20, 1, "left"), (40, 1, "left"), (50, 12, "right"), (70, 1, "left"),
            (90, 1, "left"), (110, 1, "left")]
    w = score_leg_movements(lm_bursts(rows), rules=WASM2016)
    assert w["periodic"].sum() == 0  # 3 + 3 around the breaker
    a = score_leg_movements(lm_bursts(rows), rules=AASM)
    # AASM: the 12-s movement is not an LM and does not interrupt: 6 periodic LMs
    assert a.loc[a["scored"], "periodic"].sum() == 6
    assert not a.loc[~a["scored"], "periodic"].any()


def test_leg_activity_too_long_for_an_lm_on_both_legs_is_one_movement():
    # AASM: 13.2 s and 12.9 s on the two legs, onsets 40 ms apart (a PLMD night at 200 Hz, seed 11,
    # whose chin part of the body movement was under threshold): one row, not an LM, both legs;
    # before, two rows (two "body movements" in events.tsv for one)
    b = lm_bursts([(81.58, 13.18, "right"), (81.62, 12.86, "left"), (200.0, 12.0, "left"), (200.2, 2.0, "right")])
    a = score_leg_movements(b, rules=AASM)
    assert a["onset"].tolist() == [81.58, 200.0, 200.2]
    assert a["n_lms"].tolist() == [2, 1, 1] and a["bilateral"].tolist() == [True, False, False]
    assert a["scored"].tolist() == [False, False, True]  # a long movement never absorbs an LM
    assert a["duration"].iloc[0] == pytest.approx(13.18)  # from the first onset to the last offset


def test_too_short_leg_bursts_are_not_lms():
    df = score_leg_movements(lm_bursts([(0, 0.4, "left"), (20, 0.5, "left")]), rules=AASM)
    assert df["onset"].tolist() == [20.0]


def test_respiratory_windows():
    resp = pd.DataFrame({"onset": [100.0], "duration": [20.0]})  # ends at 120 s
    # LM at 120.3 s: within AASM's 0.5 s after the event; LM at 128 s: only in WASM's 10.25 s
    b = lm_bursts([(120.3, 1, "left"), (128, 1, "left"), (99.0, 0.6, "left")])
    a = score_leg_movements(b, rules=AASM, respiratory_events=resp)
    w = score_leg_movements(b, rules=WASM2016, respiratory_events=resp)
    a_resp = dict(zip(a["onset"], a["respiratory"]))
    w_resp = dict(zip(w["onset"], w["respiratory"]))
    assert a_resp == {99.0: True, 120.3: True, 128.0: False}
    # WASM: window is 2 s before to 10.25 s after the END (118-130.25 s); 99.0-99.6 is outside
    assert w_resp == {99.0: False, 120.3: True, 128.0: True}


def test_respiratory_lms_left_out_of_series():
    resp = pd.DataFrame({"onset": [35.0], "duration": [5.0]})
    b = lm_bursts([(0, 1, "left"), (20, 1, "left"), (40, 1, "left"), (60, 1, "left"), (80, 1, "left")])
    df = score_leg_movements(b, rules=AASM, respiratory_events=resp)
    assert df["periodic"].tolist() == [True, True, False, True, True]


def test_arousal_association_half_second():
    ar = pd.DataFrame({"onset": [10.0, 50.0], "duration": [5.0, 5.0]})
    # LM 5-9.6 s ends 0.4 s before an arousal (associated); LM 55.6 s starts 0.6 s after one ends (not)
    b = lm_bursts([(5, 4.6, "left"), (55.6, 1, "left"), (12, 1, "right")])
    df = score_leg_movements(b, rules=AASM, arousals=ar)
    assert dict(zip(df["onset"], df["arousal"])) == {5.0: True, 12.0: True, 55.6: False}


def test_plm_series_breaks_flag():
    on = np.array([0, 20, 40, 60, 80], float)
    _, sid, per = plm_series(on, eligible=np.ones(5, bool), breaks=np.array([0, 0, 1, 0, 0], bool), rules=AASM)
    assert per.sum() == 0 and (sid == -1).all()


def test_empty_and_unknown_ruleset():
    assert len(score_leg_movements(lm_bursts([]), rules=AASM)) == 0
    assert get_ruleset("WASM-2016") is WASM2016
    with pytest.raises(ParameterError):
        get_ruleset("rk1968")


@pytest.mark.parametrize("rules", [AASM, WASM2016], ids=["aasm", "wasm2016"])
def test_plm_series_end_at_a_gap_of_the_recording(rules):
    # LMs every 20 s; a 30-s gap (an EDF+D paused) between the 4th and the 5th: the 50-s interval across
    # it holds unrecorded time, so it is no interval; 4 + 3 LMs, only the first 4 make a series
    on = np.array([0.0, 20.0, 40.0, 60.0, 110.0, 130.0, 150.0])
    iv, sid, per = plm_series(on, eligible=np.ones(7, bool), breaks=np.zeros(7, bool), rules=rules)
    assert per.all() and set(sid) == {0}  # contiguous: one series of 7
    iv, sid, per = plm_series(on, eligible=np.ones(7, bool), breaks=np.zeros(7, bool), rules=rules,
                              gaps_s=[(75.0, 105.0)])
    assert list(per) == [True] * 4 + [False] * 3 and list(sid) == [0] * 4 + [-1] * 3
    assert np.isnan(iv[4]) and iv[5] == 20.0
    # a gap before the first LM or after the last changes nothing
    _, _, per = plm_series(on, eligible=np.ones(7, bool), breaks=np.zeros(7, bool), rules=rules,
                           gaps_s=[(160.0, 200.0)])
    assert per.all()

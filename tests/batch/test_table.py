"""The cohort table's row of one night, from its summary.json."""

from __future__ import annotations

from myosleep.batch.table import cohort_frame, summary_row


def _summary(gaps):
    return {"ruleset": "aasm", "inputs": {"recording": {"duration_s": 7200.0, "gaps_s": gaps}},
            "sleep": {"tst_min": 90.0, "gap_min": 5.0 if gaps else 0.0}, "counts": {}, "findings": []}


def test_recorded_hours_leave_an_edf_plus_d_recordings_gaps_out():
    # an EDF+D night with a 5-min and a 1-min gap: its span is 2 h, 1.9 h of it recorded
    row = summary_row(_summary([[3000.0, 3300.0], [5000.0, 5060.0]]))
    assert row["duration_h"] == 2.0
    assert abs(row["recorded_h"] - (7200.0 - 360.0) / 3600.0) < 1e-9
    assert row["gap_min"] == 5.0
    plain = summary_row(_summary([]))
    assert plain["recorded_h"] == plain["duration_h"] == 2.0 and plain["gap_min"] == 0.0
    df = cohort_frame([row, plain])
    assert df["recorded_h"].round(3).tolist() == [1.9, 2.0]

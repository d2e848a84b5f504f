"""Exact small cases of the propriospinal, neonatal and fragmentary helpers."""

from __future__ import annotations

import numpy as np
import pytest

from myosleep.classification import AASM
from myosleep.classification.fragmentary import excessive_fm_minutes
from myosleep.classification.neonatal import neonatal_clusters
from myosleep.classification.propriospinal import SEGMENT_CM, muscle_position_cm, propagation_velocity


def test_cord_geometry():
    assert SEGMENT_CM["C1"] == pytest.approx(0.6)
    assert SEGMENT_CM["S5"] == pytest.approx(43.7)  # adult cord C1-conus ~44-45 cm
    assert muscle_position_cm("EMG Paraspinal T6", "axial") == SEGMENT_CM["T6"]
    assert muscle_position_cm("L2 paraspinal", "axial") == SEGMENT_CM["L2"]
    assert muscle_position_cm("Rectus abdominis", "axial") == SEGMENT_CM["T10"]
    assert muscle_position_cm("EMG Chin", "chin") is None
    assert muscle_position_cm("Leg/L", "leg") == SEGMENT_CM["L5"]  # role default: tibialis anterior
    assert muscle_position_cm("xyz", "other") is None


def test_propagation_velocity_exact():
    def rec(*pairs):  # (label, latency ms) in recruitment order; the chin is a chin, the others axial
        return [(lab, "chin" if lab == "Chin" else "axial", ms) for lab, ms in pairs]

    # Each EMG onset = when its segment fires + its motor nerve at 55 m/s.  From rectus abdominis
    # (T10, 30.5 cm; nerve 30 cm: 5.45 ms): quadriceps (L3, 38.5 cm; 40 cm: 7.27 ms) 8 cm at
    # 4 m/s = 20 ms -> onset 20 + 7.27 - 5.45 = 21.82 ms; SCM (C2, 1.8 cm; 11.5 cm: 2.09 ms)
    # 28.7 cm = 71.75 ms -> 71.75 + 2.09 - 5.45 = 68.39 ms
    v, n, direction = propagation_velocity(rec(("RectAbd", 0), ("Quadriceps", 21.818), ("SCM", 68.386),
                                               ("Chin", 80)), rules=AASM)
    assert v == pytest.approx(4.0, rel=1e-3) and n == 3 and direction == "both"
    # not axial first -> no velocity
    assert np.isnan(propagation_velocity(rec(("Chin", 0), ("RectAbd", 20), ("SCM", 40)), rules=AASM)[0])
    # only one other muscle: no velocity (a single pair proves no propagation)
    assert np.isnan(propagation_velocity(rec(("RectAbd", 0), ("Quadriceps", 20)), rules=AASM)[0])
    # farther muscle recruited before a nearer one in the same direction: inconsistent
    assert np.isnan(propagation_velocity(rec(("RectAbd", 0), ("SCM", 10), ("Paraspinal T6", 30)), rules=AASM)[0])


def test_neonatal_cluster_rate_and_sleep():
    t = np.array([10.0, 10.5, 11.0, 11.5, 12.0, 30.0, 30.1, 30.2, 30.3, 50.0, 50.5, 51.0, 51.5])
    asleep = np.ones(t.size, bool)
    asleep[-2:] = False  # the third run reaches into wake: only 2 jerks in sleep
    cid, rate = neonatal_clusters(t, asleep, rules=AASM)
    assert cid.tolist() == [0] * 5 + [-1] * 4 + [-1] * 4  # 10 Hz run rejected, short run rejected
    assert rate[0] == pytest.approx(2.0)


def test_excessive_fm_minutes_counts_only_whole_nrem_minutes():
    stage_at = lambda x: np.where(np.asarray(x) < 1800, 2, 4)  # noqa: E731  N2 then REM
    onsets = np.concatenate([m * 60 + np.linspace(1, 50, 5) for m in range(40)])  # 5/min for 40 min
    out = excessive_fm_minutes(onsets, stage_at, duration_s=2400.0, rules=AASM)
    assert out["nrem_min"] == 30.0 and out["efm_min"] == 30.0 and out["present"] is True
    out4 = excessive_fm_minutes(onsets[::5][:40], stage_at, duration_s=2400.0, rules=AASM)
    assert out4["efm_min"] == 0.0 and out4["present"] is False

"""Sleep measures: exact on a hand-counted hypnogram, equal to YASA's where they overlap."""

from __future__ import annotations

import math

import numpy as np
import pytest

from myosleep.context import sleep_statistics
from myosleep.errors import ParameterError
from myosleep.io.hypnogram_model import Hypnogram

W, N1, N2, N3, R, ART, UNS = 0, 1, 2, 3, 4, -1, -2


def test_hand_counted_night():
    # 16 epochs of 30 s = 8 min.   0  1  2   3   4   5   6  7  8   9  10 11 12  13 14 15
    hyp = Hypnogram(np.array([W, W, N1, N2, N2, N3, W, W, N2, R, R, ART, N2, W, W, W]))
    s = sleep_statistics(hyp)
    assert s["trt_min"] == 8.0
    assert s["sol_min"] == 1.0                  # 2 W epochs
    assert s["spt_min"] == 5.5                  # epochs 2..12 = 11 epochs
    assert s["waso_min"] == 1.0                 # epochs 6, 7
    assert s["tst_min"] == 4.0                  # 8 sleep epochs (artefact is not sleep)
    assert s["se_pct"] == pytest.approx(50.0)
    assert s["sme_pct"] == pytest.approx(100 * 4.0 / 5.5)
    assert (s["w_min"], s["n1_min"], s["n2_min"], s["n3_min"], s["r_min"]) == (3.5, 0.5, 2.0, 0.5, 1.0)
    assert s["artefact_min"] == 0.5
    assert s["n2_pct"] == pytest.approx(50.0)
    assert s["w_pct"] == pytest.approx(100 * 3.5 / 8.0)
    assert s["rem_latency_min"] == 3.5          # epoch 9 - epoch 2 (AASM: from sleep onset)
    assert s["n_awakenings"] == 1               # one W run inside SPT
    assert s["n_wake_to_sleep_transitions"] == 2
    assert math.isnan(s["lps_min"])             # no 10-min run of sleep


def test_lights_crop_and_persistent_sleep():
    stages = np.array([W] * 4 + [N1] + [W] + [N2] * 20 + [W] * 4)
    hyp = Hypnogram(stages)
    s = sleep_statistics(hyp, lights_off_s=60.0, lights_on_s=840.0)   # epochs 2..27
    assert s["trt_min"] == 13.0
    assert s["sol_min"] == 1.0
    assert s["lps_min"] == 2.0                  # run of 20 N2 epochs from epoch 6
    assert s["n_awakenings"] == 1
    with pytest.raises(ParameterError):
        sleep_statistics(hyp, lights_off_s=100.0, lights_on_s=50.0)


def test_no_sleep_gives_nan_not_errors():
    s = sleep_statistics(Hypnogram(np.array([W, W, W])))
    assert s["tst_min"] == 0.0 and s["se_pct"] == 0.0
    assert math.isnan(s["sol_min"]) and math.isnan(s["waso_min"]) and math.isnan(s["n2_pct"])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_agrees_with_yasa(seed):
    import yasa

    rng = np.random.default_rng(seed)
    # A Markov-ish night with runs, wake bouts, artefacts (no unscored ends: TIB = TRT).
    codes = rng.choice([W, N1, N2, N3, R, ART], size=200, p=[0.2, 0.1, 0.4, 0.12, 0.16, 0.02])
    stages = np.repeat(codes, rng.integers(1, 6, size=codes.size))[:600]
    stages[:3] = W
    hyp = Hypnogram(stages)
    ours = sleep_statistics(hyp)
    labels = {W: "WAKE", N1: "N1", N2: "N2", N3: "N3", R: "REM", ART: "ART"}
    theirs = yasa.Hypnogram([labels[int(c)] for c in stages], n_stages=5).sleep_statistics()
    pairs = {"trt_min": "TIB", "spt_min": "SPT", "waso_min": "WASO", "tst_min": "TST", "se_pct": "SE",
             "sme_pct": "SME", "sol_min": "SOL", "w_min": "WAKE", "n1_min": "N1", "n2_min": "N2",
             "n3_min": "N3", "r_min": "REM", "n1_pct": "%N1", "n2_pct": "%N2", "n3_pct": "%N3", "r_pct": "%REM"}
    for ours_key, yasa_key in pairs.items():
        assert ours[ours_key] == pytest.approx(float(theirs[yasa_key]), abs=1e-3), ours_key
    # YASA counts REM latency from the start; AASM from sleep onset (documented).
    assert ours["rem_latency_min"] == pytest.approx(float(theirs["Lat_REM"]) - float(theirs["SOL"]), abs=1e-3)
    # YASA's SOL_5min: latency to 5 min of sleep; ours uses 10 min: never earlier.
    if not math.isnan(ours["lps_min"]):
        assert ours["lps_min"] >= float(theirs["SOL_5min"])

"""REM atonia index (real Sleep-EDF night) and SINBAR mini-epochs (constructed bursts)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from myosleep.classification import AASM, atonia_index, noise_corrected, sinbar, stage_medians
from myosleep.errors import ParameterError

REAL = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "real" / "sleep-edf"


@pytest.fixture(scope="module")
def sleep_edf_night():
    assert (REAL / "SC4001E0-chin-emg-envelope-1hz.csv").exists(), f"shared real data missing: {REAL}"
    from myosleep.io import read_hypnogram

    env = pd.read_csv(REAL / "SC4001E0-chin-emg-envelope-1hz.csv")
    hyp = read_hypnogram(REAL / "SC4001EC-Hypnogram.edf")
    stages = hyp.stage_at(env["time_s"].to_numpy(float) + 0.5)
    return env["emg_submental_uv"].to_numpy(float), stages


def test_real_night_atonia_index_normal(sleep_edf_night):
    amp, stages = sleep_edf_night
    rai = atonia_index(amp, stages)
    assert rai > AASM.rai_normal_above  # Ferri 2010: > 0.9 normal
    assert rai == pytest.approx(0.983, abs=0.01)


def test_real_night_stage_medians_match_readme(sleep_edf_night):
    amp, stages = sleep_edf_night
    med = stage_medians(amp, stages)
    # README: median 0.21 uV in REM, ~2 uV in NREM, 3.4 uV awake
    assert med["R"] == pytest.approx(0.21, abs=0.01)
    assert med["NREM"] == pytest.approx(2.0, abs=0.1)
    assert med["W"] == pytest.approx(3.4, abs=0.1)


def test_real_night_abnormal_when_rem_tone_raised(sleep_edf_night):
    amp, stages = sleep_edf_night
    raised = amp.copy()
    rem = stages == 4
    raised[rem] += 1.5  # REM tone 1.5 uV above the noise floor everywhere: no atonia
    assert atonia_index(raised, stages, noise_correction=False) < AASM.rai_abnormal_below


def test_atonia_index_exact():
    # 10 REM seconds: 6 at 0.5 uV, 2 at 1.5 uV, 2 at 5 uV -> 60 / (100 - 20) = 0.75
    amp = np.array([0.5] * 6 + [1.5] * 2 + [5.0] * 2)
    assert atonia_index(amp, ["R"] * 10, noise_correction=False) == pytest.approx(0.75)
    # non-REM seconds are ignored
    amp2 = np.concatenate([amp, [9.0] * 5])
    assert atonia_index(amp2, ["R"] * 10 + ["N2"] * 5, noise_correction=False) == pytest.approx(0.75)
    assert np.isnan(atonia_index(amp, ["N2"] * 10))
    with pytest.raises(ParameterError):
        atonia_index(amp, ["R"] * 3)


def test_noise_correction_removes_floor():
    x = np.full(300, 3.0)
    x[150] = 10.0
    y = noise_corrected(x, window_s=60)
    assert np.allclose(np.delete(y, 150), 0.0) and y[150] == pytest.approx(7.0)
    # a constant 3 uV floor would be "no atonia" raw, full atonia once corrected
    assert atonia_index(x, ["R"] * 300, noise_correction=False) == 0.0
    assert atonia_index(x, ["R"] * 300) > 0.99


def _chin_bursts(rows):
    return pd.DataFrame([{"onset": on, "duration": d, "channel": "Chin", "role": "chin", "side": "n/a",
                          "detector": "short", "peak_amplitude_uv": 20.0, "baseline_uv": 2.0} for on, d in rows])


def test_sinbar_exact_mini_epochs():
    # REM from 0 to 300 s = 100 mini-epochs of 3 s.
    rem = lambda t: np.asarray(t) < 300  # noqa: E731
    # 5 phasic bursts of 0.2 s in 5 distinct mini-epochs, one 0.05-s burst (too short), and
    # one burst straddling two mini-epochs (both count).
    rows = [(1.0, 0.2), (31.0, 0.2), (61.0, 0.2), (91.0, 0.2), (121.0, 0.2), (151.0, 0.05), (209.5, 1.0)]
    sb = sinbar(_chin_bursts(rows), rem, duration_s=600.0)
    assert sb["rem_mini_epochs"] == 100
    assert sb["chin_phasic_pct"] == pytest.approx(7.0)
    assert sb["chin_tonic_pct"] == 0.0
    assert sb["chin_any_pct"] == pytest.approx(7.0)


def test_sinbar_tonic_epoch_counts_all_its_mini_epochs():
    rem = lambda t: np.asarray(t) < 300  # noqa: E731
    # one 30-s epoch (60-90 s) with 20 s of activity (> 50 %): its 10 mini-epochs are tonic
    sb = sinbar(_chin_bursts([(62.0, 20.0)]), rem, duration_s=300.0)
    assert sb["chin_tonic_pct"] == pytest.approx(10.0)
    assert sb["chin_any_pct"] == pytest.approx(10.0)
    assert sb["chin_phasic_pct"] == 0.0  # 20 s > 5 s: not phasic


def test_sinbar_leaves_out_mini_epochs_under_body_movements():
    """A gross body movement's EMG is not REM sleep EMG: its mini-epochs are not scored.  Before, six
    simulated body movements (3-13.5 s of chin activity) in a PLMD night's 6 min of REM made its chin
    'any' 22.5 % and a false REM sleep without atonia."""
    rem = lambda t: np.asarray(t) < 300  # noqa: E731
    rows = [(1.0, 0.2), (31.0, 0.2), (100.5, 9.0), (200.0, 6.0)]  # two twitches, two movements' chin bursts
    movements = np.array([[100.5, 109.5], [200.0, 206.0]])
    sb = sinbar(_chin_bursts(rows), rem, duration_s=300.0, movements=movements)
    # 100.5-109.5 s touches mini-epochs 99-111 s (4), 200-206 s touches 198-207 s (3)
    assert sb["rem_mini_epochs_in_movements"] == 7 and sb["rem_mini_epochs"] == 93
    assert sb["chin_any_pct"] == pytest.approx(100.0 * 2 / 93)
    without = sinbar(_chin_bursts(rows), rem, duration_s=300.0)
    assert without["rem_mini_epochs"] == 100 and without["chin_any_pct"] > 8.0


def test_sinbar_without_rem_or_chin():
    sb = sinbar(_chin_bursts([(1.0, 0.2)]), lambda t: np.zeros(len(t), bool), duration_s=300.0)
    assert sb["rem_mini_epochs"] == 0 and np.isnan(sb["chin_any_pct"])


def test_one_hz_chin_envelope_channel_is_read_as_amplitude():
    edf = REAL / "SC4001E0-first300s-PSG.edf"
    assert edf.exists(), f"shared real data missing: {edf}"
    from myosleep.detection import detect
    from myosleep.io import read_recording

    with read_recording(edf) as rec:  # detection refuses the 1-Hz chin for bursts but reads its envelope
        res = detect(rec)
    amp, source = res.chin_amplitude.values_uv, res.chin_amplitude.source
    assert not res.channel_status["EMG submental"].used
    env = pd.read_csv(REAL / "SC4001E0-chin-emg-envelope-1hz.csv")["emg_submental_uv"].to_numpy(float)[:300]
    assert source.startswith("envelope channel:EMG submental")
    assert amp.size == 300 and np.allclose(amp, env, atol=0.01)

"""Per-time measures divide only by the time their channels observed (docs/robustness.md, defect 60).

SINBAR scores artefact-free REM mini-epochs (Frauscher et al., Sleep 2012) and Ferri's atonia index
reads a recorded chin (Ferri et al. 2008/2010); before, a chin lead flat, railed or off the skin
during REM gave no bursts and ~0 uV there, and both read it as perfect atonia: an RBD night's chin
flat in every REM period was "Normal REM atonia: SINBAR chin 'any' 0.0 %, atonia index 1.00".  The
PLMS index divided by sleep no leg observed.  These tests make short simulated nights (the real
detector) and tables (exact numbers).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from myosleep.classification import AASM, classify, sinbar
from myosleep.schema import ARTEFACTS

from ..detection._detect_helpers import SimRecording
from ..detection.test_lead_off import floating
from .conftest import burst_rows, detection, lm_bursts, make_context

W, N2, R = 0, 2, 4
# 30 min: W 2, N2 6, R 8 (480-960 s), N2 4, R 8 (1200-1680 s), N2 2
STAGES = [W] * 4 + [N2] * 12 + [R] * 16 + [N2] * 8 + [R] * 16 + [N2] * 4
REM1, REM2 = (480.0, 960.0), (1200.0, 1680.0)


def _artefacts(rows):
    return ARTEFACTS.conform(pd.DataFrame([{"onset": a, "duration": b - a, "channel": c, "kind": k}
                                           for c, a, b, k in rows], columns=list(ARTEFACTS.names)), where="test")


# ------------------------------------------------------------------ SINBAR, exact
def _chin(rows, channel="Chin", role="chin"):
    return pd.DataFrame([{"onset": on, "duration": d, "channel": channel, "role": role, "side": "n/a",
                          "detector": "short", "peak_amplitude_uv": 20.0, "baseline_uv": 2.0} for on, d in rows])


def test_sinbar_scores_only_the_mini_epochs_the_chin_observed():
    rem = lambda t: np.asarray(t) < 300  # noqa: E731  REM 0-300 s: 100 mini-epochs
    active = [(3.0 * k + 0.5, 0.5) for k in range(50, 100)]  # a twitch in every mini-epoch of 150-300 s
    flat = {"Chin": np.array([[0.0, 150.0]])}  # the chin flat for the first half: no burst can show there
    sb = sinbar(_chin(active), rem, duration_s=300.0, unobserved=flat)
    assert sb["rem_mini_epochs"] == 50 and sb["rem_mini_epochs_chin_unobserved"] == 50
    assert sb["rem_min"] == pytest.approx(2.5) and sb["chin_any_pct"] == pytest.approx(100.0)
    # a second chin channel that observed the first half: those mini-epochs count (no burst: 50 %)
    both = sinbar(_chin(active), rem, duration_s=300.0, unobserved=flat, chin_channels=["Chin", "Chin2"])
    assert both["rem_mini_epochs"] == 100 and both["chin_any_pct"] == pytest.approx(50.0)


def test_sinbar_chin_and_fds_over_the_mini_epochs_all_three_observed():
    rem = lambda t: np.asarray(t) < 600  # noqa: E731  200 mini-epochs
    bursts = pd.concat([_chin([(3.0 * k + 0.5, 0.5) for k in range(0, 200, 10)]),
                        _chin([(3.0 * k + 1.0, 0.5) for k in range(5, 200, 10)], channel="FDS L", role="arm")])
    arms = {"left": ["FDS L"], "right": ["FDS R"]}
    sb = sinbar(bursts, rem, duration_s=600.0, chin_channels=["Chin"], arm_channels=arms,
                unobserved={"FDS R": np.array([[300.0, 600.0]])})
    assert sb["rem_mini_epochs"] == 200 and sb["chin_any_pct"] == pytest.approx(10.0)
    assert sb["chin_fds_mini_epochs"] == 100 and sb["chin_fds_any_pct"] == pytest.approx(20.0)


def test_chin_flat_through_rem_cannot_be_assessed_from_tables():
    """The classification reads the artefacts table: a chin amplitude given as ~0 uV where the chin was flat
    (what the band-pass makes of a constant) is not atonia."""
    ctx = make_context(STAGES)
    amp = np.full(1800, 3.0)
    amp[int(REM1[0]):int(REM1[1])] = 0.0
    amp[int(REM2[0]):int(REM2[1])] = 0.0
    det = detection([], burst_rows([{"onset": 100.0, "duration": 0.3, "channel": "EMG Chin", "role": "chin",
                                     "detector": "short"}]), chin=amp, duration_s=1800.0)
    det = dataclasses.replace(det, artefacts=_artefacts([("EMG Chin", REM1[0] - 30, REM1[1] + 30, "disconnected"),
                                                         ("EMG Chin", REM2[0] - 30, REM2[1] + 30, "lead_off")]),
                              chin_amplitude=dataclasses.replace(det.chin_amplitude, source="channel:EMG Chin"))
    f = classify(det, ctx).finding("rem_sleep_without_atonia")
    assert f.present is None and f.values["rem_min"] == 0.0
    assert f.values["rem_min_chin_unobserved"] == pytest.approx(16.0)
    assert "the chin EMG did not observe 16.0 min of REM" in f.evidence
    assert "0.0 min of REM sleep observed on the chin, less than the 5 min required" in f.evidence


# ------------------------------------------------------------------ the real detector on simulated nights
def _night(scenario, seed=4, fs=200.0):
    from myosleep.io.hypnogram_model import Hypnogram
    from myosleep.simulate import simulate_night

    hyp = Hypnogram(np.asarray(STAGES, dtype=np.int8), epoch_s=30.0, source="made")
    return simulate_night(scenario, seed=seed, sfreq_emg=fs, hypnogram=hyp)


_NIGHTS: dict = {}


def _finding(scenario, change=None, *, drop=("EMG FDS L", "EMG FDS R")):
    from myosleep.context import build_context
    from myosleep.detection import detect

    if scenario not in _NIGHTS:
        _NIGHTS[scenario] = _night(scenario)
    sim = _NIGHTS[scenario]
    if change is not None:
        label, fn = change
        c = sim.channel(label)
        data = fn(np.asarray(c.data, dtype=np.float64).copy(), float(c.sfreq))
        sim = dataclasses.replace(sim, channels=tuple(dataclasses.replace(ch, data=data.astype(np.float32))
                                                      if ch.label == label else ch for ch in sim.channels))
    det = detect(SimRecording(sim, drop=drop), workers=1)
    ctx = build_context(hypnogram=sim.hypnogram, detect_arousals=False)
    return classify(det, ctx).finding("rem_sleep_without_atonia")


def _over(periods, make):
    def fn(x, fs):
        for a, b in periods:  # a minute before and after each REM period
            i, j = int((a - 60) * fs), int((b + 60) * fs)
            x[i:j] = make(j - i, fs)
        return x
    return fn


def _float(n, fs):
    return floating(n, fs, np.random.default_rng(1), mains_hz=50.0, hum_uv=300.0)


FLAT = lambda n, fs: np.zeros(n)  # noqa: E731
RAIL = lambda n, fs: np.full(n, 3000.0)  # noqa: E731


def test_rbd_night_with_its_chin_observed():
    f = _finding("rsbd")
    assert f.present is True and f.values["rem_min"] == pytest.approx(16.0, abs=0.1)
    assert f.values["rem_min_chin_unobserved"] == 0.0


@pytest.mark.parametrize("make", [FLAT, RAIL, _float], ids=["flat", "railed", "lead off"])
def test_rbd_chin_unobserved_in_every_rem_period_cannot_be_assessed(make):
    f = _finding("rsbd", ("EMG Chin", _over([REM1, REM2], make)))
    assert f.present is None, f.evidence
    assert f.values["rem_min"] == 0.0 and f.values["rem_min_chin_unobserved"] == pytest.approx(16.0, abs=0.1)
    assert not np.isfinite(f.values["atonia_index"])
    assert "did not observe 16.0 min of REM" in f.evidence


def test_rbd_chin_flat_in_the_first_rem_period_is_assessed_on_the_second():
    f = _finding("rsbd", ("EMG Chin", _over([REM1], FLAT)))
    assert f.present is True
    assert f.values["rem_min"] == pytest.approx(8.0, abs=0.1)
    assert f.values["rem_min_chin_unobserved"] == pytest.approx(8.0, abs=0.1)
    assert "8.0 min the chin did not observe" in f.evidence


def test_healthy_chin_off_the_skin_in_rem_is_not_rswa():
    assert _finding("healthy_adult").present is False
    f = _finding("healthy_adult", ("EMG Chin", _over([REM1, REM2], _float)))
    assert f.present is None and f.values["rem_min_chin_unobserved"] == pytest.approx(16.0, abs=0.1)


# ------------------------------------------------------------------ PLMS index
def _plm(artefact_rows, *, minutes_n2=300):
    """LMs every 20 s on the left leg through ``minutes_n2`` of N2 (none where both legs were off)."""
    ctx = make_context([W] * 20 + [N2] * (2 * minutes_n2))
    off = [(a, b) for c, a, b, _ in artefact_rows if c == "EMG LAT"]
    rows = [(t, 1.5, "left") for t in np.arange(700.0, 600.0 + 60 * minutes_n2 - 20, 20.0)
            if not any(a - 1 <= t <= b for a, b in off)]
    det = detection([], lm_bursts(rows), channels=[("EMG LAT", "leg", "left"), ("EMG RAT", "leg", "right")])
    det = dataclasses.replace(det, artefacts=_artefacts(artefact_rows))
    c = classify(det, ctx, rules=AASM)
    return c.finding("periodic_limb_movements"), c.indices["plm"]


def test_plms_index_leaves_out_sleep_no_leg_observed():
    both_off = [("EMG LAT", 3000.0, 4800.0, "lead_off"), ("EMG RAT", 3000.0, 4800.0, "disconnected")]
    f, idx = _plm(both_off)
    assert f.values["tst_h"] == pytest.approx(5.0) and f.values["sleep_h_no_leg_observed"] == pytest.approx(0.5)
    assert f.values["sleep_h_indexed"] == pytest.approx(4.5)
    assert idx["plms_index_per_h"] == pytest.approx(idx["n_plms"] / 4.5)
    assert f.values["plms_index_per_h"] == pytest.approx(idx["n_plms"] / 4.5)
    assert "30 min of sleep no leg channel observed" in f.evidence and "in 4.5 h of sleep" in f.evidence


def test_plms_index_with_one_leg_off_says_so():
    f, idx = _plm([("EMG LAT", 3000.0, 4800.0, "lead_off")])
    assert f.values["sleep_h_no_leg_observed"] == 0.0 and f.values["sleep_h_indexed"] == pytest.approx(5.0)
    assert f.values["sleep_h_leg_unobserved"] == {"EMG LAT": pytest.approx(0.5), "EMG RAT": 0.0}
    assert idx["plms_index_per_h"] == pytest.approx(idx["n_plms"] / 5.0)
    assert "Sleep a leg channel did not observe: EMG LAT 30 min" in f.evidence
    assert "the index may be underestimated" in f.evidence


def test_plms_minimum_counts_only_observed_sleep():
    both_off = [("EMG LAT", 600.0, 4200.0, "flat"), ("EMG RAT", 600.0, 4200.0, "clipped")]
    f, _ = _plm(both_off, minutes_n2=150)  # 2.5 h of sleep, 1 h of it no leg observed
    assert f.present is None and f.values["below_minimum"] == ["tst_h"]
    assert "1.50 h of sleep observed by a leg channel, less than the 2 h required" in f.evidence

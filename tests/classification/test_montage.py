"""Findings on montages that cannot show their events (docs/robustness.md, defect 36).

A finding counts events of one kind; on a montage that cannot show them it is "cannot be
assessed" (present None) with the reason, never "absent".  The same simulated sleep-starts
night (16 true hypnic jerks at 5 wake-to-sleep transitions, seed 1, 1 h) is written with the
channels of five montages and analysed as ``myosleep analyze REC --hypnogram FILE`` does; the
classification-level tests check the rule table on hand-made events.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from myosleep.classification import classify
from myosleep.classification.montage import needs
from myosleep.classification.rules import AASM
from myosleep.vocab import FindingCode

from .conftest import detection, make_context, motor_event

_ACCEL = ("Accel X", "Accel Y", "Accel Z")
_EEG = ("F4-M1", "C4-M1", "C3-M2", "O2-M1", "E1-M2", "E2-M1", "ECG II")
MONTAGES = {
    "accelerometer": _ACCEL,  # the simulator's own accelerometer alone (the trial's a7_simacc.edf)
    "chin": (*_EEG, "EMG Chin"),  # a clinical EEG whose one EMG is the chin (the trial's TUH 'EMG-REF')
    "full": None,
}


@pytest.fixture(scope="module")
def nights(tmp_path_factory):
    from myosleep.pipeline import analyze
    from myosleep.simulate import simulate_night

    sim = simulate_night("sleep_starts", hours=1.0, seed=1)
    assert int((sim.events["trial_type"] == "hypnic_jerk").sum()) == 16
    folder = tmp_path_factory.mktemp("montages")
    out = {}
    for name, labels in MONTAGES.items():
        part = sim if labels is None else dataclasses.replace(
            sim, channels=tuple(c for c in sim.channels if c.label in labels))
        paths = [Path(p) for p in part.write(folder / f"{name}.edf")]
        out[name] = analyze(paths[0], hypnogram=paths[2])
    return out


def _finding(analysis, code: str) -> dict:
    return next(f for f in analysis.summary["findings"] if f["code"] == code)


def test_accelerometer_alone_assesses_no_emg_finding(nights):
    s = nights["accelerometer"]
    jerks = s.events[s.events["trial_type"] == "myoclonic_jerk"]
    assert len(jerks) >= 16  # the jerks are seen (myoclonic_jerk: no body region, no EMG burst) ...
    ss = _finding(s, "sleep_starts")
    assert ss["present"] is None  # ... but sleep starts are not called absent (was False, "0 hypnic jerks")
    assert ss["evidence"].startswith("No EMG of >= 2 body regions") and "(accelerometer)" in ss["evidence"]
    assert ss["values"]["channels_needed"]["min_roles"] == 2
    efm = _finding(s, "excessive_fragmentary_myoclonus")
    assert efm["present"] is None and "FM index" not in efm["evidence"]  # was False, "FM index 0.0/h"
    for code in ("benign_neonatal_sleep_myoclonus", "propriospinal_myoclonus", "periodic_limb_movements",
                 "rem_sleep_without_atonia"):
        assert _finding(s, code)["present"] is None and _finding(s, code)["values"]["not_assessed"]
    cort = _finding(s, "cortical_myoclonus")
    assert "median EMG burst" not in cort["evidence"]  # was "median EMG burst 200 ms" for a file without EMG
    assert "no EMG channel in the montage" in cort["evidence"]


def test_chin_only_montage_assesses_fm_and_atonia_not_sleep_starts(nights):
    s = nights["chin"]
    ss = _finding(s, "sleep_starts")
    assert ss["present"] is None and "No EMG of >= 2 body regions" in ss["evidence"]  # was False, "0 ... jerks"
    assert "chin" in ss["values"]["not_assessed"]
    assert "not_assessed" not in _finding(s, "excessive_fragmentary_myoclonus")["values"]
    assert _finding(s, "excessive_fragmentary_myoclonus")["present"] is False
    assert "not_assessed" not in _finding(s, "rem_sleep_without_atonia")["values"]  # the chin shows atonia
    assert _finding(s, "periodic_limb_movements")["present"] is None


def test_full_psg_unchanged(nights):
    ss = _finding(nights["full"], "sleep_starts")
    assert ss["present"] is True and ss["values"]["n_hypnic_jerks"] == 16
    assert "not_assessed" not in ss["values"]
    for f in nights["full"].summary["findings"]:
        assert "not_assessed" not in f["values"], f["code"]


def _jerks(channels, roles, n=12):
    """``n`` brief jerks of ``channels`` spread over the first sleep-onset windows."""
    return [motor_event(590.0 + 600.0 * (k % 4) + 2.0 * (k // 4), channels=channels, roles=roles, burst_s=0.1,
                        event_id=k) for k in range(n)]


# W/N1 alternating: 4 wake-to-sleep transitions, then 40 min of N2
_STAGES = ([0] * 20 + [1] * 20) * 4 + [2] * 80


@pytest.mark.parametrize(("channels", "roles", "assessed"), [
    (("EMG LAT", "EMG RAT"), ("leg", "leg"), {"excessive_fragmentary_myoclonus", "periodic_limb_movements",
                                              "benign_neonatal_sleep_myoclonus"}),
    (("EMG FDS L", "EMG FDS R"), ("arm", "arm"), {"excessive_fragmentary_myoclonus",
                                                  "benign_neonatal_sleep_myoclonus"}),
    (("EMG Chin", "EMG LAT"), ("chin", "leg"), {"sleep_starts", "excessive_fragmentary_myoclonus",
                                                "periodic_limb_movements", "rem_sleep_without_atonia",
                                                "benign_neonatal_sleep_myoclonus"}),
])
def test_each_finding_needs_its_channels(channels, roles, assessed):
    c = classify(detection(_jerks(channels, roles)), make_context(_STAGES))
    not_assessed = {f.code.value for f in c.findings if "not_assessed" in f.values}
    assert not_assessed == {f.value for f in FindingCode} - assessed - {"functional_jerks"}
    # two limbs of one region are one body region: no hypnic jerk and no sleep-starts verdict
    if "sleep_starts" not in assessed:
        assert c.finding("sleep_starts").present is None
    else:
        assert c.finding("sleep_starts").present is True


def test_every_finding_states_its_channels():
    table = needs(AASM)
    assert set(table) == set(FindingCode)
    assert table[FindingCode.SLEEP_STARTS].min_roles == AASM.hypnic_min_regions
    assert "accelerometer" not in table[FindingCode.EXCESSIVE_FRAGMENTARY_MYOCLONUS].roles
    # propriospinal spread: an axial channel alone gives one segment level, not the 3 a spread needs
    axial_only = table[FindingCode.PROPRIOSPINAL_MYOCLONUS].missing({"EMG RectAbd": "axial"})
    assert axial_only is not None and "1 spinal segment level" in axial_only
    assert table[FindingCode.PROPRIOSPINAL_MYOCLONUS].missing(
        {"EMG RectAbd": "axial", "EMG Erector T6": "axial", "EMG LAT": "leg"}) is None

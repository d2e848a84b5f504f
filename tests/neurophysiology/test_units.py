"""Exact small cases: labels, filters, the burst-duration test, the events reader."""

from __future__ import annotations

import math

import numpy as np
import pytest

from myosleep.errors import InputError
from myosleep.io.prefilter import highpass_hz
from myosleep.neurophysiology.bereitschaft import ramp_gain
from myosleep.neurophysiology.bursts import burst_duration_test
from myosleep.neurophysiology.channels import central_polarity, parse_derivation
from myosleep.neurophysiology.events_io import read_events_file
from myosleep.neurophysiology.params import DEFAULT_PARAMS


@pytest.mark.parametrize("label, active, ref, pol", [
    ("C3-M2", "c3", "m2", 1), ("EEG C3-A2", "c3", "a2", 1), ("C3:M2", "c3", "m2", 1), ("C3A2", "c3", "a2", 1),
    ("Cz", "cz", None, 1), ("EEG Fpz-Cz", "fpz", "cz", -1), ("M1-C4", "m1", "c4", -1), ("O2-M1", "o2", "m1", 0),
    ("EEG 1", None, None, 0), ("FCz-Ref", "fcz", None, 1), ("Pz-Oz", "pz", "oz", 0),
])
def test_derivations(label, active, ref, pol):
    d = parse_derivation(label)
    assert (d.active, d.reference) == (active, ref)
    assert central_polarity(d) == pol


def test_shhs_names():
    assert parse_derivation("EEG(sec)", shhs=True).active == "c3"
    assert parse_derivation("EEG", shhs=True).active == "c4"
    assert parse_derivation("EEG").active is None


@pytest.mark.parametrize("text, hz", [("HP:0.3Hz LP:35Hz", 0.3), ("HP: 0.16 Hz", 0.16), ("HP:DC", 0.0),
                                      ("HP:50mHz", 0.05), ("", None), ("LP:70Hz", None)])
def test_highpass(text, hz):
    assert highpass_hz(text) == (pytest.approx(hz) if hz is not None else None)


def test_ramp_gain():
    assert ramp_gain(0.0) == 1.0
    # first-order high-pass: gain 0.5 at ~0.127 Hz for a 2-s ramp; the AASM 0.3 Hz filter keeps ~26 %
    assert ramp_gain(0.127) == pytest.approx(0.5, abs=0.01)
    assert ramp_gain(0.3) == pytest.approx(0.26, abs=0.01)


def test_burst_duration_cutoffs():
    p = DEFAULT_PARAMS
    assert burst_duration_test(np.full(9, 30.0), params=p).verdict == "not_assessable"
    assert burst_duration_test(np.full(10, 45.0), params=p).verdict == "supports_cortical"
    assert burst_duration_test(np.full(10, 46.0), params=p).verdict == "indeterminate"
    assert burst_duration_test(np.full(10, 100.0), params=p).verdict == "argues_against"
    r = burst_duration_test(np.r_[np.full(6, 30.0), np.full(5, 200.0), np.nan], params=p)
    assert r.n_jerks == 11 and r.median_ms == 30.0 and math.isclose(r.short_pct, 100 * 6 / 11)


def test_events_reader_bids(tmp_path):
    f = tmp_path / "sub-01_events.tsv"
    f.write_text("onset\tduration\tvalue\n12.5\t0.05\tjerk\n3.0\tn/a\tjerk\n", encoding="utf-8")
    df = read_events_file(f)
    assert list(df["onset"]) == [3.0, 12.5] and list(df["trial_type"]) == ["jerk", "jerk"]
    assert list(df["duration"]) == [0.0, 0.05]
    bad = tmp_path / "bad.csv"
    bad.write_text("time,label\n1,x\n", encoding="utf-8")
    with pytest.raises(InputError, match="no 'onset' column"):
        read_events_file(bad)
    with pytest.raises(InputError, match="not found"):
        read_events_file(tmp_path / "missing.tsv")


def test_events_reader_myosleep_events_and_trigger_muscles(tmp_path):
    """analyze's events.tsv is read by the schema (a comma inside a label kept); the trigger is the
    first muscle of a tuple (events in memory) or of a comma-separated cell (other files)."""
    import pandas as pd

    from myosleep.neurophysiology.epochs import select_jerks
    from myosleep.schema import EVENTS

    row = {c.name: (() if c.dtype.startswith("list") else -1) for c in EVENTS.columns}
    ev = pd.DataFrame([{**row, "onset": 20.0, "duration": 0.1, "trial_type": "myoclonic_jerk", "stage": "N2",
                        "channel": ("Arm, left", "EMG LAT"), "max_burst_duration_ms": 40.0, "rule": "r"},
                       {**row, "onset": 5.0, "duration": 0.2, "trial_type": "myoclonic_jerk", "stage": "N2",
                        "channel": ("EMG Chin",), "max_burst_duration_ms": 60.0, "rule": "r"}])
    path = EVENTS.write(ev, tmp_path / "events.tsv")
    df = read_events_file(path)
    assert list(df["onset"]) == [5.0, 20.0] and df["channel"].iloc[1] == ("Arm, left", "EMG LAT")
    jerks = select_jerks(df, classes=("myoclonic_jerk",))
    assert list(jerks.trigger) == ["EMG Chin", "Arm, left"] and list(jerks.burst_ms) == [60.0, 40.0]
    other = pd.DataFrame({"onset": [1.0], "duration": [0.1], "trial_type": ["jerk"], "channel": ["EMG RAT,EMG LAT"]})
    assert list(select_jerks(other, classes=None).trigger) == ["EMG RAT"]

"""Unfit channels are refused with a clear reason; the others are analysed; nothing usable -> ChannelError."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from myosleep.detection import detect
from myosleep.errors import ChannelError
from myosleep.pipeline import detect_to_dir

from ..conftest import REAL

SLEEP_EDF = REAL / "sleep-edf" / "SC4001E0-first300s-PSG.edf"


def _write(path, channels):
    import edfio

    sigs = [edfio.EdfSignal(x, sampling_frequency=fs, label=label, physical_dimension="uV",
                            physical_range=(-2000.0, 2000.0)) for label, x, fs in channels]
    edfio.Edf(sigs, data_record_duration=1.0).write(path)


def _burst_train(n, fs, rng):
    x = rng.normal(0, 2.0, n)
    for t in np.arange(5.0, n / fs - 5, 7.0):
        i = int(t * fs)
        x[i:i + int(0.1 * fs)] += rng.normal(0, 40.0, int(0.1 * fs))
    return x


def test_bad_channels_refused_good_ones_analysed(tmp_path, caplog):
    from myosleep.io import read_recording

    rng = np.random.default_rng(0)
    n = 60 * 512
    good = _burst_train(n, 512.0, rng)
    nan_ch = _burst_train(n, 512.0, rng)
    _write(tmp_path / "r.edf", [("EMG LAT", good, 512.0), ("EMG RAT", np.zeros(n), 512.0),
                               ("EMG Chin", rng.normal(0, 2.0, 60 * 50), 50.0),
                               ("EMG Arm R", nan_ch, 512.0)])
    rec = read_recording(tmp_path / "r.edf")
    with caplog.at_level(logging.WARNING, logger="myosleep"):
        res = detect(rec)
    st = res.channel_status
    assert st["EMG LAT"].used and st["EMG Arm R"].used
    assert not st["EMG RAT"].used and "all zero" in st["EMG RAT"].reason
    assert not st["EMG Chin"].used and "50 Hz" in st["EMG Chin"].reason
    assert set(res.bursts.channel) == {"EMG LAT", "EMG Arm R"}
    assert (res.bursts.channel == "EMG LAT").sum() >= 7
    assert any("EMG RAT" in r.message for r in caplog.records)
    assert res.channels_refused.keys() == {"EMG RAT", "EMG Chin"}
    summ = res.summary(by="channel")
    assert summ["count"].to_dict() == res.bursts["channel"].value_counts().to_dict()
    assert summ["per_h"].to_numpy() == pytest.approx(summ["count"].to_numpy() / (60 / 3600))
    ann = res.to_mne_annotations()
    assert len(ann) == len(res.events) + len(res.artefacts)
    assert [tuple(c) for c in ann.ch_names[:len(res.events)]] == [tuple(c) for c in res.events["channel"]]
    # the 50-Hz chin is neither raw EMG nor an envelope (negative values): no atonia index from it
    assert res.chin_amplitude.values_uv is None and "neither raw EMG" in res.chin_amplitude.source


def test_nan_stretch_masked_and_reported():
    from myosleep.detection import detect_channel

    rng = np.random.default_rng(1)
    fs = 512.0
    x = _burst_train(int(60 * fs), fs, rng)
    x[int(20 * fs):int(25 * fs)] = np.nan
    b, a, st = detect_channel(x, fs, label="EMG LAT", role="leg")
    assert st.used
    nan_rows = a[a.kind == "nan"]
    assert len(nan_rows) == 1 and abs(nan_rows.onset.iloc[0] - 20.0) < 0.01
    assert abs(nan_rows.duration.iloc[0] - 5.0) < 0.01
    assert not ((b.onset < 25.2) & (b.offset_s > 19.8)).any()
    assert (b.detector == "short").sum() >= 7


def test_all_nan_channel_refused():
    from myosleep.detection import detect_channel

    b, a, st = detect_channel(np.full(5120, np.nan), 512.0, label="X", role="chin")
    assert not st.used and "NaN" in st.reason and len(b) == 0


def test_detect_to_dir_raises_when_no_channel_usable(tmp_path):
    assert SLEEP_EDF.exists(), f"shared real data missing: {SLEEP_EDF}"
    with pytest.raises(ChannelError, match="1 Hz"):
        detect_to_dir(SLEEP_EDF, out_dir=tmp_path / "never-created")
    assert not (tmp_path / "never-created").exists()


def test_detect_to_dir_writes_tables(tmp_path):
    rng = np.random.default_rng(2)
    n = 60 * 512
    _write(tmp_path / "r.edf", [("EMG LAT", _burst_train(n, 512.0, rng), 512.0),
                               ("EMG RAT", _burst_train(n, 512.0, rng), 512.0)])
    paths = detect_to_dir(tmp_path / "r.edf", out_dir=tmp_path / "out")
    assert [p.name for p in paths] == ["bursts.tsv", "motor_events.tsv", "motor_event_members.tsv", "artefacts.tsv"]
    import pandas as pd

    b = pd.read_csv(paths[0], sep="\t")
    ev = pd.read_csv(paths[1], sep="\t")
    members = pd.read_csv(paths[2], sep="\t")
    assert list(b.columns[:5]) == ["onset", "duration", "trial_type", "channel", "peak_amplitude_uv"]
    assert list(ev.columns[:5]) == ["onset", "duration", "trial_type", "channel", "peak_amplitude_uv"]
    assert (b.trial_type == "myoclonic_jerk").all()
    # bursts at the same times on both legs: one bilateral event per burst time
    assert len(ev) >= 7 and ev.bilateral.all()
    assert set(ev.n_channels) == {2}
    # the membership table holds both bursts of each event, the first at latency 0
    assert members.groupby("event_id").size().tolist() == [2] * len(ev)
    assert (members.groupby("event_id")["latency_ms"].min() == 0.0).all()
    assert set(members["burst_id"]) == set(b.loc[b.event_id >= 0, "burst_id"])
    assert not list(tmp_path.joinpath("out").glob("*.part"))


def test_dummy_channel_skipped_others_analysed(tmp_path):
    """A channel whose header cannot scale its samples (physical min = max) is refused alone."""
    import importlib.util

    from myosleep.io import read_recording

    spec = importlib.util.spec_from_file_location(
        "make_fixtures", Path(__file__).resolve().parents[2] / "scripts" / "make_fixtures.py")
    fixtures = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fixtures)
    rng = np.random.default_rng(3)
    n = 60 * 512
    _write(tmp_path / "r.edf", [("EMG LAT", _burst_train(n, 512.0, rng), 512.0),
                               ("EMG RAT", _burst_train(n, 512.0, rng), 512.0)])
    fixtures.patch_signal_field(tmp_path / "r.edf", 1, "physical_min", "2000")
    with read_recording(tmp_path / "r.edf") as rec:
        res = detect(rec)
    st = res.channel_status
    assert st["EMG LAT"].used and (res.bursts.channel == "EMG LAT").sum() >= 7
    assert not st["EMG RAT"].used
    assert "physical minimum equals physical maximum" in st["EMG RAT"].reason
    assert set(res.bursts.channel) == {"EMG LAT"}

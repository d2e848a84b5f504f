"""detect() analyses channels in a thread pool: same tables as one worker, bad channels isolated."""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import pytest

from myosleep.detection import detect, run
from myosleep.errors import ChannelError, ParameterError
from myosleep.vocab import EMG_ROLES, Role

from ._detect_helpers import SimRecording, sim_night


class _Extra:
    """A channel added to a simulated recording (unit uV, no amplifier range)."""

    def __init__(self, label: str, role: Role, sfreq: float, data: np.ndarray | None):
        self.label, self.role, self.side, self.sfreq, self.unit = label, role, None, sfreq, "uV"
        self.is_emg = role in EMG_ROLES
        self.physical_min = self.physical_max = float("nan")
        self.scale_to_uv, self.readable, self.data_unit = 1.0, True, "uV"
        self.data = data


class _Rec(SimRecording):
    """Simulated night plus bad channels; records which thread read each channel."""

    def __init__(self, sim, extra: list[_Extra]):
        super().__init__(sim)
        self._extra = {c.label: c for c in extra}
        self.channels = self.channels + extra
        self.readers: dict[str, str] = {}
        self._lock = threading.Lock()

    def get_data(self, label, *, start_s=0.0, stop_s=None, dtype=np.float64):
        with self._lock:
            self.readers[label] = threading.current_thread().name
        if label in self._extra:
            data = self._extra[label].data
            if data is None:
                raise ChannelError("data record 3 cannot be decoded", where=f"test channel {label!r}")
            return np.asarray(data, dtype=dtype)
        return super().get_data(label, start_s=start_s, stop_s=stop_s, dtype=dtype)


@pytest.fixture(scope="module")
def night():
    # chin, both legs, both arms, rectus abdominis, a 3-axis accelerometer and the ECG (15 min)
    return sim_night("sleep_starts", hours=0.25)


def _bad_channels(n: int) -> list[_Extra]:
    return [_Extra("EMG Dead", Role.LEG, 512.0, np.zeros(n, dtype=np.float32)),
            _Extra("EMG Gone", Role.CHIN, 512.0, None),  # unreadable: ChannelError on read
            _Extra("EMG NaN", Role.ARM, 512.0, np.full(n, np.nan, dtype=np.float32)),
            _Extra("EMG Slow", Role.LEG, 50.0, np.zeros(n // 10, dtype=np.float32))]


def _assert_same(a, b) -> None:
    pd.testing.assert_frame_equal(a.bursts, b.bursts, check_exact=True)
    pd.testing.assert_frame_equal(a.events, b.events, check_exact=True)
    pd.testing.assert_frame_equal(a.artefacts, b.artefacts, check_exact=True)
    assert list(a.channel_status) == list(b.channel_status)
    assert a.channel_status == b.channel_status


def test_two_workers_give_the_tables_of_one(night) -> None:
    n = night.channel("EMG LAT").data.size
    seq_rec, par_rec = _Rec(night, _bad_channels(n)), _Rec(night, _bad_channels(n))
    seq = detect(seq_rec, workers=1)
    par = detect(par_rec, workers=2)
    _assert_same(seq, par)
    # both runs found the simulated jerks on every good EMG lead and the accelerometer
    good = {"EMG Chin", "EMG LAT", "EMG RAT", "EMG FDS L", "EMG FDS R", "EMG RectAbd"}
    assert good <= set(seq.bursts.channel)
    assert (seq.bursts.detector == "accel").any()
    assert len(seq.events) >= 10
    st = seq.channel_status
    assert all(st[c].used for c in good)
    assert not st["EMG Dead"].used and "all zero" in st["EMG Dead"].reason
    assert not st["EMG Gone"].used and "cannot be decoded" in st["EMG Gone"].reason
    assert not st["EMG NaN"].used and not st["EMG Slow"].used and "50 Hz" in st["EMG Slow"].reason
    assert not set(seq.bursts.channel) & {"EMG Dead", "EMG Gone", "EMG NaN", "EMG Slow"}
    # one worker reads in the calling thread; two read in the pool's threads
    assert set(seq_rec.readers.values()) == {threading.current_thread().name}
    assert all(t.startswith("myosleep-detect") for t in par_rec.readers.values())
    assert "ECG II" in par_rec.readers and "EMG Slow" not in par_rec.readers  # refused from the header


def test_env_var_forces_one_worker(night, monkeypatch) -> None:
    monkeypatch.setenv("MYOSLEEP_WORKERS", "1")
    rec = _Rec(night, [])
    res = detect(rec, channels=["EMG LAT", "EMG RAT"])
    assert set(rec.readers.values()) == {threading.current_thread().name}
    assert set(res.bursts.channel) == {"EMG LAT", "EMG RAT"}


def test_a_channel_failing_on_its_data_does_not_stop_the_others(night, monkeypatch) -> None:
    real = run.detect_channel

    def failing(x, sfreq, *, label="EMG", **kw):
        if label == "EMG RAT":
            raise ValueError("array must not contain infs or NaNs")
        return real(x, sfreq, label=label, **kw)

    monkeypatch.setattr(run, "detect_channel", failing)
    res = detect(_Rec(night, []), channels=["EMG LAT", "EMG RAT", "EMG Chin"], workers=2)
    st = res.channel_status
    assert st["EMG LAT"].used and st["EMG Chin"].used
    assert not st["EMG RAT"].used and st["EMG RAT"].reason == \
        "analysis failed (ValueError: array must not contain infs or NaNs)"
    assert set(res.bursts.channel) == {"EMG LAT", "EMG Chin"}


def test_a_bug_in_a_channel_task_is_raised_not_hidden(night, monkeypatch) -> None:
    def buggy(x, sfreq, **kw):
        raise TypeError("unsupported operand")

    monkeypatch.setattr(run, "detect_channel", buggy)
    for workers in (1, 2):
        with pytest.raises(TypeError, match="unsupported operand"):
            detect(_Rec(night, []), channels=["EMG LAT", "EMG RAT"], workers=workers)


def test_number_of_workers(monkeypatch) -> None:
    monkeypatch.delenv("MYOSLEEP_WORKERS", raising=False)
    cpus = len(__import__("os").sched_getaffinity(0))
    assert run.n_workers(5) == min(2, cpus)
    assert run.n_workers(1) == 1 and run.n_workers(0) == 1
    assert run.n_workers(5, workers=1) == 1
    monkeypatch.setenv("MYOSLEEP_WORKERS", "1")
    assert run.n_workers(5) == 1
    assert run.n_workers(5, workers=2) == min(2, cpus)  # the parameter wins over the environment
    for bad in ("0", "two", "1.5", "-1"):
        monkeypatch.setenv("MYOSLEEP_WORKERS", bad)
        with pytest.raises(ParameterError, match=r"MYOSLEEP_WORKERS must be an integer >= 1.*got"):
            run.n_workers(5)
    with pytest.raises(ParameterError, match=r"workers must be an integer >= 1"):
        run.n_workers(5, workers=0)

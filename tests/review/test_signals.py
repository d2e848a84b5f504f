"""Signal windows: the exact samples, min/max reduction that keeps every extreme, display filters."""

from __future__ import annotations

import numpy as np
import pytest

from myosleep.errors import ChannelError, ParameterError
from myosleep.io import read_recording
from myosleep.review.signals import MAX_WINDOW_S, display_band_hz, read_window
from myosleep.vocab import Role


@pytest.fixture
def rec(tiny):
    edf, _ = tiny
    with read_recording(edf) as r:
        yield r


def test_unfiltered_window_is_the_recorded_samples(rec):
    win = read_window(rec, ["EMG LAT", "C3-M2"], 30.25, 33.75, display_filter=False, max_points=100_000)
    assert win["start_s"] == 30.25 and win["stop_s"] == 33.75
    emg, eeg = win["channels"]
    assert (emg["label"], emg["role"], emg["unit"], emg["sfreq"]) == ("EMG LAT", "leg", "uV", 512.0)
    assert emg["t0_s"] == pytest.approx(30.25) and emg["dt_s"] == pytest.approx(1 / 512)
    assert not emg["minmax"] and emg["band_hz"] is None
    expected = rec.get_data("EMG LAT", start_s=30.25, stop_s=33.75)
    assert len(emg["y"]) == 3.5 * 512 == expected.size
    np.testing.assert_allclose(emg["y"], expected, atol=0.005)  # values sent with 0.01 uV resolution
    assert len(eeg["y"]) == 3.5 * 256 and eeg["t0_s"] == pytest.approx(30.25)


def test_long_windows_keep_every_minimum_and_maximum(rec):
    raw = rec.get_data("EMG LAT", start_s=0.0, stop_s=100.0)
    win = read_window(rec, ["EMG LAT"], 0.0, 100.0, display_filter=False, max_points=2000)
    ch = win["channels"][0]
    y = np.asarray(ch["y"])
    assert ch["minmax"] and y.size <= 2000
    per = round(ch["dt_s"] * 512)
    assert per == -(-raw.size // 1000)
    # every bin's extremes, in the order they occur, and no sample left out at the end
    n_bins = -(-raw.size // per)
    assert y.size == 2 * n_bins
    for b in (0, 1, n_bins // 2, n_bins - 1):
        chunk = raw[b * per:(b + 1) * per]
        assert sorted(y[2 * b:2 * b + 2]) == pytest.approx(sorted([chunk.min(), chunk.max()]), abs=0.005)
    assert y.max() == pytest.approx(raw.max(), abs=0.005) and y.min() == pytest.approx(raw.min(), abs=0.005)


def test_display_filter_by_role():
    assert display_band_hz(Role.LEG, 512.0) == (10.0, 100.0)
    assert display_band_hz(Role.CHIN, 200.0) == (10.0, 90.0)  # kept below 0.45 x sfreq
    assert display_band_hz(Role.EEG, 256.0) == (0.3, 35.0)
    assert display_band_hz(Role.EOG, 128.0) == (0.3, 35.0)
    assert display_band_hz(Role.ECG, 256.0) == (0.3, 70.0)
    assert display_band_hz(Role.OTHER, 256.0) is None
    assert display_band_hz(Role.ACCELEROMETER, 50.0) is None


def test_filtered_window_removes_offset_and_keeps_the_muscle_band(rec):
    """A 7-Hz sine is outside the 10-100 Hz EMG band and inside the 0.3-35 Hz EEG band."""
    win = read_window(rec, ["EMG LAT", "C3-M2"], 40.0, 50.0, max_points=100_000)
    emg, eeg = win["channels"]
    assert emg["band_hz"] == [10.0, 100.0] and eeg["band_hz"] == [0.3, 35.0]
    raw_eeg = rec.get_data("C3-M2", start_s=40.0, stop_s=50.0)
    # the fixture is a 100-uV 7-Hz sine plus 10-uV white noise (scripts/make_fixtures.py)
    assert np.std(eeg["y"]) == pytest.approx(np.std(raw_eeg), rel=0.1)
    assert np.std(emg["y"]) < 0.45 * np.std(rec.get_data("EMG LAT", start_s=40.0, stop_s=50.0))
    assert len(emg["y"]) == 10 * 512 and emg["t0_s"] == pytest.approx(40.0)


def test_windows_are_clipped_to_the_recording_and_bounded(rec):
    win = read_window(rec, ["EMG LAT"], -5.0, 3.0, display_filter=False)
    assert win["start_s"] == 0.0 and len(win["channels"][0]["y"]) == 3 * 512
    win = read_window(rec, ["EMG LAT"], 118.0, 125.0, display_filter=True)
    assert win["stop_s"] == 120.0 and len(win["channels"][0]["y"]) == 2 * 512
    with pytest.raises(ParameterError, match=f"at most {MAX_WINDOW_S:g} s"):
        read_window(rec, ["EMG LAT"], 0.0, MAX_WINDOW_S + 1)
    for start, stop in ((5.0, 5.0), (6.0, 5.0), ("a", 5.0), (float("nan"), 5.0), (130.0, 140.0)):
        with pytest.raises(ParameterError):
            read_window(rec, ["EMG LAT"], start, stop)
    with pytest.raises(ParameterError):
        read_window(rec, [], 0.0, 5.0)
    with pytest.raises(ChannelError):
        read_window(rec, ["../../etc/passwd"], 0.0, 5.0)

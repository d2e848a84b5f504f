"""The evidence windows of the report: which events, which signals, how they are filtered and drawn."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from myosleep.io import read_recording
from myosleep.io.edf_header import read_edf_header
from myosleep.io.export_edf import recording_start
from myosleep.reporting.evidence import (
    MAX_POINTS,
    WINDOW_PLANS,
    EventWindow,
    Trace,
    display_band_hz,
    read_trace,
    representative_rows,
)
from myosleep.reporting.night_figures import hourly_rates, imi_in_sleep
from myosleep.reporting.trace_figures import example_svg, nice_floor
from myosleep.vocab import Role

from .conftest import make_fixtures


def test_the_typical_event_comes_first_the_largest_last():
    rng = np.random.default_rng(0)
    duration = rng.lognormal(mean=np.log(0.2), sigma=0.4, size=101)
    amplitude = rng.lognormal(mean=np.log(60.0), sigma=0.6, size=101)
    order = representative_rows(duration, amplitude)
    assert sorted(order) == list(range(101))
    first = order[0]
    # within 10 percentile points of the median in both
    for x in (duration, amplitude):
        assert abs((x < x[first]).mean() - 0.5) < 0.1
    biggest = int(np.argmax(amplitude * duration))
    assert list(order).index(biggest) > 80
    # a missing amplitude counts as the median: ranked by duration alone
    amp = amplitude.copy()
    amp[:] = np.nan
    assert abs((duration < duration[representative_rows(duration, amp)[0]]).mean() - 0.5) < 0.02


def test_display_bands_follow_the_aasm_viewer_settings():
    assert display_band_hz(Role.LEG, 512.0) == (10.0, 100.0)
    assert display_band_hz(Role.CHIN, 200.0) == (10.0, 90.0)  # below 0.45 x 200 Hz
    assert display_band_hz(Role.EEG, 256.0) == (0.3, 35.0)
    assert display_band_hz(Role.EOG, 100.0) == (0.3, 35.0)
    assert display_band_hz(Role.ACCELEROMETER, 100.0) is None


def _fit(y: np.ndarray, t: np.ndarray, f_hz: float) -> complex:
    """Complex amplitude of the f_hz component of y (least squares over whole cycles)."""
    basis = np.column_stack([np.cos(2 * np.pi * f_hz * t), np.sin(2 * np.pi * f_hz * t)])
    (a, b), *_ = np.linalg.lstsq(basis, y, rcond=None)
    return complex(a, b)


def test_display_filter_is_the_stated_band_pass_with_zero_phase_and_a_mains_notch(tmp_path):
    from scipy import signal

    mk = make_fixtures()
    sfreq, n_s = 512.0, 30
    t = np.arange(int(sfreq * n_s)) / sfreq
    emg = 100 * np.sin(2 * np.pi * 3.0 * t) + 50 * np.sin(2 * np.pi * 40.0 * t + 0.7) + 80 * np.sin(2 * np.pi * 60 * t)
    eeg = 40 * np.sin(2 * np.pi * 10.0 * t + 0.3) + 200 * np.sin(2 * np.pi * 0.05 * t)
    path = mk.write_edf(tmp_path / "f.edf", [
        {"label": "EMG LAT", "sfreq": sfreq, "unit": "uV", "data": emg, "physical_range": (-1000, 1000)},
        {"label": "C3-M2", "sfreq": sfreq, "unit": "uV", "data": eeg, "physical_range": (-1000, 1000)},
    ])
    with read_recording(path) as rec:
        tr = read_trace(rec, rec.channel("EMG LAT"), 10.0, 14.0, notch_hz=(60.0,), in_event=True)
        ee = read_trace(rec, rec.channel("C3-M2"), 10.0, 14.0, notch_hz=(60.0,))
    assert tr.band_hz == (10.0, 100.0) and tr.notch_hz == (60.0,) and not tr.minmax
    assert ee.band_hz == (0.3, 35.0) and ee.notch_hz == ()  # 60 Hz lies outside the EEG band
    tt = tr.times_s()
    assert tt[0] == pytest.approx(10.0) and tt[-1] == pytest.approx(14.0 - 1 / sfreq)
    sos = signal.butter(2, [10.0, 100.0], btype="bandpass", fs=sfreq, output="sos")
    gain_40 = abs(signal.sosfreqz(sos, [40.0], fs=sfreq)[1][0]) ** 2  # forward and backward: |H|^2
    a40 = _fit(tr.values.astype(float), tt, 40.0)
    assert abs(a40) == pytest.approx(50 * gain_40, rel=0.03)
    # zero phase: the 40-Hz component keeps its phase (onsets are not shifted)
    assert np.angle(a40) == pytest.approx(np.angle(_fit(50 * np.sin(2 * np.pi * 40 * tt + 0.7), tt, 40.0)), abs=0.02)
    assert abs(_fit(tr.values.astype(float), tt, 3.0)) < 100 * 0.05  # 3 Hz: below the EMG band
    assert abs(_fit(tr.values.astype(float), tt, 60.0)) < 80 * 0.05  # the mains line, notched
    te = ee.times_s()
    assert abs(_fit(ee.values.astype(float), te, 10.0)) == pytest.approx(40.0, rel=0.05)  # alpha kept


def test_long_windows_keep_every_peak_as_a_min_max_envelope(tmp_path):
    mk = make_fixtures()
    sfreq = 512.0
    data = mk.test_signal_uv(int(sfreq * 40), sfreq, seed=5)
    data[int(sfreq * 21.3)] += 900.0  # one spike
    path = mk.write_edf(tmp_path / "m.edf", [{"label": "EMG LAT", "sfreq": sfreq, "unit": "uV", "data": data,
                                              "physical_range": (-2000, 2000)}])
    with read_recording(path) as rec:
        full = read_trace(rec, rec.channel("EMG LAT"), 15.0, 31.0, max_points=100_000)
        env = read_trace(rec, rec.channel("EMG LAT"), 15.0, 31.0)
    assert not full.minmax and full.values.size == 16 * 512
    assert env.minmax and env.values.size <= MAX_POINTS
    assert env.values.max() == full.values.max() and env.values.min() == full.values.min()
    assert env.times_s()[np.argmax(env.values)] == pytest.approx(21.3, abs=2 * env.dt_s)


def test_imi_and_hourly_rates_from_the_events_table():
    ev = pd.DataFrame({
        "onset": [0.0, 20.0, 40.0, 100.0, 120.0, 3700.0, 3750.0],
        "trial_type": ["leg_movement"] * 5 + ["fragmentary_myoclonus"] * 2,
        "stage": ["N2", "N2", "N2", "W", "N2", "N2", "N2"],
        "periodic": [True, True, True, False, False, None, None],
    })
    onset, imi, periodic = imi_in_sleep(ev)
    # pairs with a movement in wake are left out (Ferri et al. 2006: intervals in sleep)
    assert onset.tolist() == [20.0, 40.0] and imi.tolist() == [20.0, 20.0] and periodic.tolist() == [True, True]
    start_h, covered_h, rates = hourly_rates(ev, 5400.0)
    assert start_h.tolist() == [0.0, 1.0] and covered_h.tolist() == [1.0, 0.5]
    assert rates["leg_movement"].tolist() == [5.0, 0.0]
    assert rates["fragmentary_myoclonus"].tolist() == [0.0, 4.0]  # 2 events in half an hour


def test_trace_labels_are_text_not_markup():
    values = np.sin(np.linspace(0, 20, 600)).astype(np.float32) * 60
    hostile = "<b>EMG</b>&$\\alpha$"
    tr = Trace(label=hostile, role="leg", unit="uV", t0_s=10.0, dt_s=1 / 200, values=values, minmax=False,
               band_hz=(10.0, 90.0), notch_hz=(50.0,), in_event=True)
    w = EventWindow(trial_type="leg_movement", onset_s=11.0, duration_s=0.8, channel=(hostile,), stage="N2",
                    peak_amplitude_uv=40.0, rule="r", start_s=10.0, stop_s=13.0, traces=(tr,), rank=1, n_in_class=1)
    fig = example_svg(w, "t1", title="<i>x</i>")
    assert "&lt;b&gt;EMG&lt;/b&gt;&amp;$\\alpha$" in fig.svg  # escaped, and no math text
    assert "<b>" not in fig.svg and "<i>" not in fig.svg and "<script" not in fig.svg
    assert "50 µV" in fig.svg and ">0.5 s<" in fig.svg  # the scale bars: nice_floor(~60 uV), 3 s / 4
    assert "EMG 10–90 Hz" in fig.svg and "notch 50 Hz" in fig.svg
    assert 'id="t1-zoomable-trace0"' in fig.svg and 'id="t1-tbar-label"' in fig.svg
    assert set(fig.zoom) == {"data-x0", "data-x1", "data-tbar-s", "data-window-s", "data-event-f"}
    assert float(fig.zoom["data-event-f"]) == pytest.approx(1 / 3, abs=1e-3)
    assert nice_floor(47.0) == 20.0 and nice_floor(50.0) == 50.0 and nice_floor(0.9) == 0.5


@pytest.mark.slow
def test_examples_of_every_class_typical_ones_with_the_signals_their_rule_uses(plmd_night):
    a = plmd_night.analysis
    ev, evidence = a.events, a.evidence
    found = [t for t in dict.fromkeys(ev["trial_type"])]
    by_class = evidence.by_class()
    assert set(by_class) == set(found) and len(found) >= 5
    for cls, windows in by_class.items():
        rows = ev[ev["trial_type"] == cls]
        assert len(windows) >= 1 and len(windows) <= min(3, len(rows))
        plan = WINDOW_PLANS[cls]
        # the most typical event of the class is the first example
        first = rows.iloc[int(representative_rows(rows["duration"].to_numpy(float),
                                                  rows["peak_amplitude_uv"].to_numpy(float))[0])]
        assert windows[0].onset_s == first["onset"] and windows[0].rank == 1
        spans = sorted((w.start_s, w.stop_s) for w in windows)
        assert all(b[0] >= a_[1] for a_, b in zip(spans, spans[1:]))  # one example per stretch of night
        for w in windows:
            assert w.start_s <= w.onset_s < w.stop_s and w.stop_s - w.start_s <= plan.max_s + 1e-9
            assert w.n_in_class == len(rows)
            labels = [t.label for t in w.traces]
            assert [t.label for t in w.traces if t.in_event] == [c for c in w.channel if c in labels]
            for t in w.traces:
                times = t.times_s()
                # within the window (a min/max pair sits at its time bin's start and middle)
                assert times[0] >= w.start_s - 1 / 256 and times[-1] < w.stop_s + t.dt_s and t.values.size <= MAX_POINTS
                assert np.all(np.isfinite(t.values)) and t.values.std() > 0
    hj = by_class["hypnic_jerk"][0]
    roles = [t.role for t in hj.traces]
    assert roles[:2] == ["eeg", "eog"] and hj.traces[0].label == "O2-M1"  # occipital alpha first (AASM IV.C)
    assert {"leg", "chin"} <= set(roles[2:])
    for w in by_class["leg_movement"]:
        assert {t.label for t in w.traces} >= {"EMG LAT", "EMG RAT"}  # both legs, always
    # a few dozen windows of a few seconds: the night is not in memory
    assert evidence.n_values < 100_000
    assert math.isclose(sum(t.values.nbytes for w in evidence.examples for t in w.traces), 4 * evidence.n_values)


@pytest.mark.slow
def test_transitions_with_hypnic_jerks_and_the_header(plmd_night):
    a = plmd_night.analysis
    ev, evidence = a.events, a.evidence
    jerks = ev.loc[ev["trial_type"] == "hypnic_jerk", "onset"].to_numpy(float)
    which = a.context.transition_index(jerks)
    assert len(evidence.transitions) == len(set(which[which >= 0])) >= 1
    assert sum(tz.n_jerks for tz in evidence.transitions) == int((which >= 0).sum())
    for tz in evidence.transitions:
        assert tz.start_s <= tz.window_start_s <= tz.onset_s <= tz.window_end_s <= tz.stop_s
        assert tz.chin_uv is not None and abs(tz.chin_uv.size - (tz.stop_s - tz.start_s)) <= 1
    header = read_edf_header(plmd_night.edf)
    assert evidence.header.patient == header.patient and evidence.header.recording == header.recording
    assert evidence.header.start_datetime == recording_start(plmd_night.edf)


@pytest.mark.slow
def test_cortical_examples_show_the_central_eeg_over_the_jerking_limb(plmd_night):
    from myosleep.reporting.evidence import _context_channels, _event_channels

    plan = WINDOW_PLANS["cortical_myoclonus"]
    with read_recording(plmd_night.edf) as rec:
        lookup = {c.label: c for c in rec.channels}
        left = _event_channels(("EMG LAT",), lookup)
        right = _event_channels(("EMG RAT",), lookup)
        # the motor cortex of a left muscle is the right hemisphere (C4), and the other way round
        assert [c.label for c in _context_channels(rec, plan, left)] == ["C4-M1", "C3-M2"]
        assert [c.label for c in _context_channels(rec, plan, right)] == ["C3-M2", "C4-M1"]
        both = _context_channels(rec, plan, left + right)
        assert {c.label for c in both} == {"C3-M2", "C4-M1"}
        # an accelerometer's joined axes name its channels
        assert _event_channels(("Accel X+Accel Y",), {"Accel X": 1, "Accel Y": 2}) == [1, 2]

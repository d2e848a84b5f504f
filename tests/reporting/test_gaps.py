"""The report and the review page on a recording with gaps (an EDF+D paused during the night).

Traces leave a gap blank (the display filter runs on each recorded stretch alone, so the gap
neither blanks the whole window nor rings into the signal beside it), the night overview shades
it "not recorded", and the hourly rates count events per hour *recorded*.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from myosleep.io import read_recording
from myosleep.preprocessing.display import _display_sos, display_window
from myosleep.reporting.evidence import Trace
from myosleep.reporting.figures import night_overview_svg
from myosleep.reporting.night_figures import hourly_rates
from myosleep.reporting.trace_figures import _trace_path
from myosleep.review.signals import read_window
from tests.conftest import make_fixtures


@pytest.fixture(scope="module")
def gapped(tmp_path_factory) -> Path:
    fix = make_fixtures()
    d = tmp_path_factory.mktemp("gap-report")
    src = fix.make_psg(d / "psg.edf", duration_s=120.0, annotations=[(1.0, 0.0, "marker")])
    return fix.cut_records(src, d / "psg_gap.edf", [(50.0, 60.0)])


def test_a_display_window_across_a_gap_is_blank_in_it_and_filtered_beside_it(gapped: Path) -> None:
    from scipy import signal

    with read_recording(gapped) as rec:
        w = display_window(rec, "LAT", 40.0, 70.0, band_hz=(10.0, 100.0), max_points=100_000)
        raw = rec.get_data("LAT")
    fs = 512.0
    t = w.t0_s + np.arange(w.values.size) * w.dt_s
    in_gap = (t >= 50.0) & (t < 60.0)
    assert np.isnan(w.values[in_gap]).all() and np.isfinite(w.values[~in_gap]).all()
    # after the gap: the stretch from 60 s to the window's far margin (73 s), filtered alone
    sos = _display_sos(fs, 10.0, 100.0, ())
    after = signal.sosfiltfilt(sos, raw[int(60 * fs): int(73 * fs)])
    np.testing.assert_allclose(w.values[t >= 60.0], after[: int(10 * fs)], rtol=1e-9, atol=1e-9)


def test_the_review_page_gets_null_for_the_gap(gapped: Path) -> None:
    with read_recording(gapped) as rec:
        win = read_window(rec, ["LAT", "EEG C4-M1"], 45.0, 65.0)
    text = json.dumps(win, allow_nan=False)  # what the page receives: strict JSON
    for ch in json.loads(text)["channels"]:
        y = np.array([np.nan if v is None else v for v in ch["y"]])
        k = np.arange(y.size) // 2 if ch["minmax"] else np.arange(y.size)  # min/max pairs: two per bin
        t0 = ch["t0_s"] + k * ch["dt_s"]  # the bin's (or sample's) start and end
        t1 = t0 + (ch["dt_s"] if ch["minmax"] else 0.0)
        assert np.isnan(y[(t0 >= 50.0) & (t1 < 60.0)]).all()
        assert np.isfinite(y[(t1 < 50.0) | (t0 >= 60.0)]).all()


def test_a_trace_with_a_gap_is_two_subpaths() -> None:
    values = np.r_[np.ones(5), np.full(3, np.nan), -np.ones(4)].astype(np.float32)
    tr = Trace(label="LAT", role="leg", unit="uV", t0_s=0.0, dt_s=0.01, values=values, minmax=False,
               band_hz=(10.0, 100.0), notch_hz=(), in_event=False)
    path = _trace_path(tr, lambda t: 100.0 * t, 0.0, 1.0)
    d = path.split(' d="')[1].split('"')[0]
    assert d == "M0 -10l1 0 1 0 1 0 1 0M8 10l1 0 1 0 1 0"
    assert "nan" not in path.lower()


def test_hourly_rates_count_per_hour_recorded_and_the_overview_shades_the_gap() -> None:
    events = pd.DataFrame({"onset": np.r_[np.linspace(10.0, 1700.0, 10), np.linspace(3700.0, 7000.0, 10)],
                           "trial_type": ["leg_movement"] * 20})
    _, covered, rates = hourly_rates(events, 7200.0, gaps_s=[(1800.0, 3600.0)])
    np.testing.assert_allclose(covered, [0.5, 1.0])
    np.testing.assert_allclose(rates["leg_movement"], [20.0, 10.0])  # 10 events in the half hour recorded
    svg = night_overview_svg(None, events, duration_s=7200.0, gaps_s=[(1800.0, 3600.0)])
    assert "<title>not recorded: 0:30 to 1:00 (gap of the recording)</title>" in svg
    assert "not recorded (gaps of the recording)" in svg
    assert "not recorded" not in night_overview_svg(None, events, duration_s=7200.0)


def test_the_hypnogram_line_breaks_at_unscored_epochs() -> None:
    from myosleep.io.hypnogram_model import Hypnogram

    hyp = Hypnogram(np.array([0, 1, 2, -2, -2, 2, 3], dtype=np.int8), epoch_s=30.0)
    svg = night_overview_svg(hyp, pd.DataFrame({"onset": [], "trial_type": []}), duration_s=210.0,
                             gaps_s=[(90.0, 150.0)])
    lines = [p for p in svg.split("<polyline")[1:] if 'stroke="#333"' in p]
    assert len(lines) == 2  # W N1 N2 | N2 N3: nothing drawn across the gap
    assert lines[0].count(",") == 6 and lines[1].count(",") == 4

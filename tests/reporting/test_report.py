from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from myosleep.io.hypnogram_model import Hypnogram
from myosleep.reporting.figures import night_overview_svg
from myosleep.reporting.html import render_report
from myosleep.reporting.summary import to_json_text
from myosleep.reporting.tables import events_strings, write_events
from myosleep.schema import EVENTS


def _example():
    stages = np.array([0] * 20 + [1] * 4 + [2] * 40 + [3] * 30 + [2] * 20 + [4] * 20 + [0] * 2 + [1] * 4)
    hyp = Hypnogram(stages, source="file:night.tsv")
    events = pd.DataFrame({
        "onset": [620.2, 640.0, 2000.5, 2030.0, 2060.1, 2090.2, 4100.0],
        "duration": [0.15, 0.12, 1.5, 2.0, 1.1, 1.4, 0.3],
        "trial_type": ["hypnic_jerk", "fragmentary_myoclonus", "leg_movement", "leg_movement",
                       "leg_movement", "leg_movement", "rem_twitch"],
        "channel": ["EMG Chin,EMG LAT", "EMG FDS L", "EMG LAT", "EMG LAT", "EMG RAT", "EMG LAT", "EMG Chin"],
        "stage": ["N1", "N1", "N2", "N2", "N2", "N2", "R"],
        "peak_amplitude_uv": [120.0, 60.5, 40.0, 35.0, np.nan, 50.0, 20.0],
        "periodic": [None, None, True, True, True, True, None],
    })
    summary = {
        "tool": {"name": "myosleep", "version": "0.1.0"}, "ruleset": "aasm",
        "inputs": {"recording": {"name": "night<script>.edf", "duration_s": float(hyp.duration_s),
                                 "sha256": "ab" * 32}},
        "hypnogram_source": "file:night.tsv",
        "sleep": {"tst_min": 60.0, "waso_min": 1.0, "se_pct": 90.0},
        "counts": {"hypnic_jerk": 1, "fragmentary_myoclonus": 1, "leg_movement": 4, "rem_twitch": 1},
        "indices_per_hour": {"overall": {"leg_movement": 4.0}, "by_stage": {"N2": {"leg_movement": 8.0}}},
        "findings": [
            {"code": "periodic_limb_movements", "present": False,
             "evidence": "PLMS index 4.0/h is below the adult cut-off of 15/h (AASM).",
             "values": {"plms_index_per_h": 4.0, "n_plms": 4}},
            {"code": "propriospinal_myoclonus", "present": None,
             "evidence": "No axial EMG channel: propriospinal myoclonus cannot be assessed.", "values": {}},
        ],
        "channels": {"used": ["EMG LAT"], "refused": {"EMG submental": "sampled at 1 Hz (< 100 Hz)"},
                     "all": [{"label": "EMG LAT", "role": "leg", "sfreq": 512.0, "used": True, "warnings": []},
                             {"label": "EMG submental", "role": "chin", "sfreq": 1.0, "used": False,
                              "warnings": []}]},
        "warnings": ["Channel EMG submental not used: sampled at 1 Hz (< 100 Hz)"],
    }
    return hyp, events, summary


def _full_events(events):
    """The example rows with every events.tsv column (channels as tuples of labels)."""
    out = events.assign(channel=[tuple(c.split(",")) for c in events["channel"]],
                        regions=[("leg",)] * len(events), arousal=False, max_burst_duration_ms=100.0, n_channels=1,
                        onset_spread_ms=0.0, bilateral=False, interval_s=np.nan, series_id=-1,
                        velocity_m_s=np.nan, cluster_id=-1, rule="r", event_id=np.arange(len(events)))
    return out[list(EVENTS.names)]


def test_events_table_format(tmp_path):
    _, events, _ = _example()
    shuffled = _full_events(events).sample(frac=1.0, random_state=1)
    table = events_strings(shuffled)
    assert list(table.columns[:6]) == ["onset", "duration", "trial_type", "channel", "stage", "peak_amplitude_uv"]
    assert table["onset"].tolist() == [f"{v:.4f}" for v in sorted(events["onset"])]
    assert table.loc[table["onset"] == "2060.1000", "peak_amplitude_uv"].item() == "n/a"
    assert set(table["periodic"]) == {"True", "n/a"}
    assert table["channel"].iloc[0] == "EMG Chin,EMG LAT"
    path = write_events(_full_events(events), tmp_path / "events.tsv")
    back = pd.read_csv(path, sep="\t", na_values=["n/a"], keep_default_na=False)
    assert len(back) == len(events)
    np.testing.assert_allclose(back["onset"].to_numpy(), np.sort(events["onset"].to_numpy()))


def test_json_nan_is_null():
    text = to_json_text({"a": np.float32(1.5), "b": float("nan"), "c": np.int64(3), "d": [np.inf, 2]})
    assert json.loads(text) == {"a": 1.5, "b": None, "c": 3, "d": [None, 2]}


def test_svg_counts_and_classes():
    hyp, events, _ = _example()
    svg = night_overview_svg(hyp, events, duration_s=hyp.duration_s)
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert ">leg movement<" in svg and ">4<" in svg
    assert ">hypnic jerk<" in svg


def test_report_escapes_and_holds_findings():
    hyp, events, summary = _example()
    html = render_report(summary, events, hyp)
    assert "<script>" not in html  # the recording name is escaped
    assert "night&lt;script&gt;.edf" in html
    assert html.count('class="finding"') == 2
    assert "cannot be assessed" in html and "not present" in html
    assert "Decision support, not a diagnosis" in html
    assert "sampled at 1 Hz" in html


@pytest.mark.slow
def test_report_renders_in_headless_chromium(tmp_path, chromium):
    hyp, events, summary = _example()
    page = tmp_path / "report.html"
    page.write_text(render_report(summary, events, hyp), encoding="utf-8")
    dom = chromium(page.as_uri(), "--dump-dom", tmpdir=tmp_path)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert len(re.findall(r'class="finding"', dom.stdout)) == 2
    assert "<svg" in dom.stdout and "PLMS index 4.0/h" in dom.stdout
    shot = tmp_path / "shot.png"
    res = chromium(page.as_uri(), f"--screenshot={shot}", "--window-size=1100,1400", tmpdir=tmp_path)
    assert res.returncode == 0 and shot.exists()
    # The page is drawn, not blank: a PNG of a rendered report is far larger than a blank one.
    assert shot.stat().st_size > 20_000

from __future__ import annotations

import base64
import hashlib
import html as htmllib
import io
import json
import re

import numpy as np
import pandas as pd
import pytest

from myosleep.io.hypnogram_model import Hypnogram
from myosleep.reporting.figures import night_overview_svg
from myosleep.reporting.html import render_report, zoom_script
from myosleep.reporting.summary import to_json_text
from myosleep.reporting.tables import events_strings, write_events
from myosleep.schema import EVENTS

from .conftest import HOSTILE_PATIENT


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
                        velocity_m_s=np.nan, cluster_id=-1, rule="r", event_id=np.arange(len(events)), in_lights=True)
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
    script, _ = zoom_script()
    assert html.count("<script") == 1 and f"<script>{script}</script>" in html  # the page's own script only
    assert "night&lt;script&gt;.edf" in html  # the recording name is escaped
    assert html.count('class="finding"') == 2
    assert "cannot be assessed" in html and "not present" in html
    assert "Decision support, not a diagnosis" in html
    assert "sampled at 1 Hz" in html


def test_report_says_what_was_left_out_as_not_jerks():
    """Chin fragments of arousals and sustained activity leave the event table (classification): the
    report says how many, so that a reader does not take the counts for everything detected."""
    hyp, events, summary = _example()
    html = render_report(summary, events, hyp)
    assert "Left out of the counts" not in html
    summary = {**summary, "indices": {**(summary.get("indices") or {}), "arousal_chin_fragments": 4,
                                      "sustained_activity_events": 1}}
    html = render_report(summary, events, hyp)
    assert "4 chin-only bursts within an arousal" in html
    assert "1 event of sustained activity (an EMG burst longer than 5 s" in html


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


# ------------------------------------------------------------------ a simulated night's report
def _figures(html: str) -> list[str]:
    return re.findall(r'<figure class="([^"]+)"', html)


@pytest.mark.slow
def test_report_shows_the_evidence_and_loads_nothing(plmd_night):
    html = (plmd_night.out / "report.html").read_text(encoding="utf-8")
    evidence = plmd_night.analysis.evidence
    classes = _figures(html)
    assert sum(c.startswith("trace") for c in classes) == len(evidence.examples) >= 12
    assert classes.count("transition") == len(evidence.transitions) >= 1
    assert classes.count("plm") == 1 and classes.count("hourly") == 1
    for cls in evidence.by_class():
        assert f'id="examples-{cls}"' in html
    # self-contained: no resource outside the page (ids and data: only), one script named by the CSP
    refs = re.findall(r'(?:src|href)="([^"]*)"', html)
    assert all(r.startswith(("#", "data:")) for r in refs), [r for r in refs if not r.startswith(("#", "data:"))]
    assert "@import" not in html and "<link" not in html
    script, digest = zoom_script()
    csp = htmllib.unescape(re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1))
    assert html.count("<script") == 1 and csp.endswith(f"script-src {digest}") and "default-src 'none'" in csp
    assert base64.b64decode(digest.strip("'").removeprefix("sha256-")) == hashlib.sha256(script.encode()).digest()
    # ids are unique in the page (every figure's are prefixed)
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    # the figures say their units and filters
    assert html.count("display filters: ") == len(evidence.examples)
    for text in ("µV", "chin EMG", "inter-movement interval (s, 2-s bins)", "intervals per hour of sleep",
                 "events/h", "hours from recording start", "time from the wake-to-sleep transition (min)"):
        assert text in html, text
    assert len(html.encode()) < 4_000_000


class _Page:
    """A page whose console messages, page errors, failed requests and dialogs are recorded."""

    def __init__(self, browser, *, javascript: bool = True, width: int = 1100):
        self.context = browser.new_context(viewport={"width": width, "height": 1000}, java_script_enabled=javascript)
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("console", lambda m: m.type in ("error", "warning") and self.problems.append(
            f"console {m.type}: {m.text}"))
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on("requestfailed", lambda r: self.problems.append(f"request failed: {r.url}"))
        self.page.on("request", lambda r: not r.url.startswith(("file:", "data:")) and self.problems.append(
            f"request: {r.url}"))
        self.page.on("dialog", lambda d: (self.problems.append(f"dialog: {d.message}"), d.dismiss()))

    def open(self, path) -> None:
        self.page.goto(path.as_uri())
        self.page.wait_for_load_state("load")

    def close(self) -> None:
        self.context.close()


def _colours(png: bytes) -> tuple[int, float]:
    """Distinct colours of a screenshot and the share of pixels that are not its background."""
    from PIL import Image

    img = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).reshape(-1, 3)
    colours, counts = np.unique(img, axis=0, return_counts=True)
    return len(colours), 1.0 - counts.max() / counts.sum()


def _changed(png_a: bytes, png_b: bytes) -> float:
    """Share of pixels that differ between two screenshots of one element."""
    from PIL import Image

    a, b = (np.asarray(Image.open(io.BytesIO(x)).convert("RGB"), dtype=int) for x in (png_a, png_b))
    assert a.shape == b.shape
    return float((np.abs(a - b).max(axis=2) > 24).mean())


def _check_figures(page, *, n_expected: int) -> None:
    figures = page.locator("figure")
    assert figures.count() == n_expected
    width = page.viewport_size["width"]
    for i in range(figures.count()):
        fig = figures.nth(i)
        fig.scroll_into_view_if_needed()
        box = fig.bounding_box()
        label = fig.get_attribute("class")
        assert box is not None and box["width"] > 200 and box["height"] > 80, (i, label, box)
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, (i, label, box)  # nothing clipped
        svg_box = fig.locator("svg").first.bounding_box()
        assert svg_box["width"] > 200 and svg_box["height"] > 60, (i, label, svg_box)
        n_colours, drawn = _colours(fig.locator("svg").first.screenshot())
        # not blank: many colours (anti-aliased traces and text), a fair share of drawn pixels
        assert n_colours > 20 and drawn > 0.02, (i, label, n_colours, drawn)


@pytest.mark.slow
def test_report_in_chromium_every_figure_drawn_and_zoomable(plmd_night, browser):
    html_path = plmd_night.out / "report.html"
    n_figures = len(_figures(html_path.read_text(encoding="utf-8"))) + 1  # + the night overview
    p = _Page(browser)
    try:
        p.open(html_path)
        p.page.wait_for_selector("body[data-zoom=ready]")
        _check_figures(p.page, n_expected=n_figures)
        fig = p.page.locator("figure.zoomable").first
        label = fig.locator('[id$="-tbar-label"]')
        before_text, before = label.text_content(), fig.locator("svg").screenshot()
        assert before_text == "2 s"  # a sleep start's 10-s window
        fig.locator("button", has_text="+").click()
        fig.locator("button", has_text="+").click()
        assert label.text_content() == "500 ms" and fig.get_attribute("class").endswith("zoomed")
        assert _changed(fig.locator("svg").screenshot(), before) > 0.05
        # the buttons keep the event in view: its shading is within the traces, 4x wider than before
        svg_box = fig.locator("svg").bounding_box()
        shade = fig.locator('g[id$="-zoomable-event"] path').bounding_box()
        assert svg_box["x"] < shade["x"] and shade["x"] + shade["width"] < svg_box["x"] + svg_box["width"]
        fig.locator("button", has_text="reset").click()
        assert label.text_content() == before_text and _changed(fig.locator("svg").screenshot(), before) < 0.002
        assert p.problems == []
    finally:
        p.close()


@pytest.mark.slow
def test_report_reads_without_javascript_and_prints_on_a4(plmd_night, browser):
    html_path = plmd_night.out / "report.html"
    n_figures = len(_figures(html_path.read_text(encoding="utf-8"))) + 1
    p = _Page(browser, javascript=False)
    try:
        p.open(html_path)
        assert p.page.locator(".zoom-tools").count() == 0  # no dead buttons
        _check_figures(p.page, n_expected=n_figures)
        assert p.problems == []
    finally:
        p.close()
    # A4 less 15-mm margins is 180 mm = 680 CSS px: nothing wider than the printed page
    p = _Page(browser, width=680)
    try:
        p.open(html_path)
        p.page.emulate_media(media="print")
        assert p.page.evaluate("document.documentElement.scrollWidth") <= 680
        assert p.page.locator(".zoom-tools").first.is_hidden()
        pdf = p.page.pdf(format="A4", print_background=True)
        assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page>>") + \
            len(re.findall(rb"/Type\s*/Page[^s]", pdf)) > 3
        assert p.problems == []
    finally:
        p.close()


@pytest.mark.slow
def test_a_script_in_the_patient_field_is_shown_as_text(hostile_night, browser):
    html = (hostile_night.out / "report.html").read_text(encoding="utf-8")
    assert HOSTILE_PATIENT not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    p = _Page(browser)
    try:
        p.open(hostile_night.out / "report.html")
        p.page.wait_for_selector("body[data-zoom=ready]")
        fields = p.page.locator("#header-fields")
        assert fields.is_visible() and HOSTILE_PATIENT in fields.inner_text()
        assert p.page.get_by_text(HOSTILE_PATIENT, exact=True).is_visible()
        assert p.page.evaluate("document.scripts.length") == 1
        assert p.problems == []  # no dialog, no error
    finally:
        p.close()


def test_a_night_without_events_or_signals_renders_without_empty_figures():
    from myosleep.reporting.evidence import Evidence, RecordingHeader
    from myosleep.reporting.night_figures import hourly_rates_svg, plm_imi_svg

    hyp, events, summary = _example()
    none = events.iloc[0:0]
    html = render_report({**summary, "counts": {}}, none, hyp, evidence=Evidence(header=RecordingHeader()))
    assert _figures(html) == [] and "No events were classified" in html
    html = render_report(summary, events, hyp)  # no evidence at all: the results, without signal
    assert "rendered without the recording's signals" in html
    assert not any(c.startswith("trace") for c in _figures(html)) and "plm" in _figures(html)
    assert hourly_rates_svg(none, 3600.0, prefix="h") is None
    # leg movements but no pair of them in sleep: an empty IMI figure that says so (and no log-axis warning)
    lone = events.assign(stage="W")
    svg, numbers = plm_imi_svg(lone, tst_h=1.0, periodic_range_s=(5.0, 90.0), ruleset="aasm", prefix="p")
    assert numbers["n_intervals"] == 0 and "no pair of consecutive leg movements in sleep" in svg


def test_report_says_how_the_hypnogram_was_read():
    # issue 9, defect 3: the convention and epoch length used, in the report as in summary.json
    hyp, events, summary = _example()
    assert "hypnogram read as" not in render_report(summary, events, hyp)
    summary["inputs"]["hypnogram"] = {"name": "d.txt", "sha256": "cd" * 32, "format": "text",
                                      "convention": "dreams-aasm", "convention_evidence": "the file's header",
                                      "epoch_s": 5.0, "epoch_s_source": "the [HypnogramAASM] format (one value per 5 s)"}
    html = htmllib.unescape(render_report(summary, events, hyp))
    assert ("hypnogram read as" in html and "text · dreams-aasm (the file's header) · 5-s epochs "
            "(the [HypnogramAASM] format (one value per 5 s))" in html)

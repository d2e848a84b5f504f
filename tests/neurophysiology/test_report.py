"""The report's neurophysiology block: plain words for every outcome, the averages drawn with their
bands (ms from EMG onset, uV, channels labelled, the tested window marked), self-contained."""

from __future__ import annotations

import copy
import re
import xml.etree.ElementTree as ET

import pytest

from myosleep.io import read_recording
from myosleep.neurophysiology import jerk_locked_analysis
from myosleep.reporting.html import render_report
from myosleep.reporting.neuro_figures import average_svg, neurophysiology_section, verdict_sentence
from tests.reporting.conftest import chromium  # noqa: F401  (the browser fixture)

from .conftest import finding


@pytest.fixture(scope="module")
def cortical_summary(cortical_256):
    """A summary.json holding the stage's values, as analyze writes it (true onsets of the night)."""
    sim, path = cortical_256
    with read_recording(path) as rec:
        res = jerk_locked_analysis(rec, sim.events, classes=("cortical_myoclonus",), seed=3,
                                   band_window_s=(-0.2, 0.1))
    stage = res.summary(averages=True)
    return {"inputs": {"recording": {"name": "night.edf", "duration_s": sim.duration_s}},
            "findings": [res.cortical.to_dict(), res.functional.to_dict()],
            "stages": {"neurophysiology": stage}}, sim


def test_figures_and_words(cortical_summary):
    summary, sim = cortical_summary
    block = neurophysiology_section(summary)
    v = summary["stages"]["neurophysiology"]
    assert block["headline"].startswith(f"An EEG potential {v['lead_ms']:.0f} ms before the jerks")
    assert "suggests a cortical origin" in block["headline"]
    sig = [g for g in v["groups"] if g["significant"] or g["name"] == v["primary_group"]]
    jerk_figs = [f for f in block["figures"] if "before EMG onset" in f["title"]]
    assert len(jerk_figs) == len(sig) >= 1
    fig = v["averages"][0]
    svg = average_svg(fig)
    root = ET.fromstring(svg)  # well-formed SVG
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    for ch in v["eeg_channels"]:
        assert ch in texts  # channels labelled
    assert "ms from EMG onset" in texts and "uV" in texts and "-200" in texts and "100" in texts
    assert any(re.fullmatch(r"\d+ ms before", t or "") for t in texts)  # the potential marked
    rects = [r for r in root.iter("{http://www.w3.org/2000/svg}rect") if r.get("fill") == "#e3e3e3"]
    assert len(rects) == len(v["eeg_channels"])  # the tested window on every channel
    assert len(list(root.iter("{http://www.w3.org/2000/svg}polygon"))) == len(v["eeg_channels"])  # bands
    assert "95 % bootstrap band" in block["figures"][0]["caption"]


def test_words_for_every_outcome(cortical_summary):
    summary, _ = cortical_summary
    v = copy.deepcopy(summary["stages"]["neurophysiology"])
    no = {"present": False}
    assert verdict_sentence(v, no).startswith("No EEG potential before the jerks")
    unknown = {"present": None}
    assert "Cannot tell whether the jerks are cortical: the recording has no usable EEG" in \
        verdict_sentence({**v, "eeg_channels": [], "not_assessed_because": "no_eeg"}, unknown)
    assert "sampled at 100 Hz, too slowly" in \
        verdict_sentence({**v, "sfreq_hz": 100.0, "not_assessed_because": "eeg_rate"}, unknown)
    few = {**v, "groups": [], "n_jerks_usable": 10, "n_jerks_selected": 12, "not_assessed_because": "too_few_jerks"}
    assert verdict_sentence(few, unknown).startswith("Not enough jerks to tell: 10 usable of 12")
    assert verdict_sentence({**v, "not_assessed_because": "too_few_per_muscle"}, unknown).startswith(
        "Not enough jerks of one muscle to tell")
    assert verdict_sentence({**v, "not_assessed_because": "conflicting"}, unknown).startswith("Conflicting")


def test_report_without_the_stage_has_no_block(cortical_summary):
    summary, _ = cortical_summary
    plain = {k: val for k, val in summary.items() if k != "stages"}
    assert neurophysiology_section(plain) is None
    assert 'id="neurophysiology"' not in render_report(plain, _events(), None)


def _events():
    import pandas as pd

    return pd.DataFrame({"onset": [], "duration": [], "trial_type": []})


@pytest.mark.slow
def test_block_is_self_contained_and_renders(cortical_summary, chromium, tmp_path):  # noqa: F811
    """The block has no script and no event handler, and the page fetches nothing: the block
    reads the same with JavaScript off (the page's one script is the evidence figures' zoom);
    headless Chromium renders the block."""
    summary, _ = cortical_summary
    html = render_report(summary, _events(), None)
    block = re.search(r'<section id="neurophysiology">.*?</section>', html, flags=re.S)
    assert block is not None
    assert "<script" not in block[0] and not re.search(r"\son[a-z]+=", block[0])
    assert all(ref.startswith(("#", "data:")) for ref in re.findall(r'(?:src|href)="([^"]*)"', html))
    assert not re.search(r"(src|href)=", block[0]) and "http" not in block[0].replace("http://www.w3.org/2000/svg", "")
    assert finding(summary, "cortical_myoclonus")["present"] is True
    page = tmp_path / "report.html"
    page.write_text(html, encoding="utf-8")
    dom = chromium(page.as_uri(), "--dump-dom", tmpdir=tmp_path)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "suggests a cortical origin" in dom.stdout and dom.stdout.count("<svg") >= 2

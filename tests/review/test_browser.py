"""The review page in real headless Chromium (Debian's package, driven by Playwright).

Open a simulated night's results, step to an event, reject one, relabel one, add one by dragging
across a trace; reload and reopen: the three changes are in events.reviewed.tsv and
review_log.jsonl, and the page shows them; no console errors, no failed request.
"""

from __future__ import annotations

import json
import time
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest

from myosleep.review.app import ReviewServer
from myosleep.review.recompute import page_recompute
from myosleep.review.session import open_session

from .conftest import HOSTILE_LABEL, HOSTILE_PATIENT, HOSTILE_RULE

pytestmark = pytest.mark.slow


@contextmanager
def served(out: Path, reviewer: str, recompute=None):
    """A review session served on a free port of 127.0.0.1; always stopped and closed."""
    session = open_session(out, reviewer=reviewer)
    try:
        server = ReviewServer(session, port=0, recompute=recompute).start()
        try:
            yield server
        finally:
            server.stop()
    finally:
        session.close()


class Watched:
    """A page whose console errors, uncaught exceptions, failed requests and dialogs are recorded."""

    def __init__(self, browser):
        self.context = browser.new_context(viewport={"width": 1500, "height": 1100})
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("console", lambda m: m.type in ("error", "warning") and self.problems.append(
            f"console {m.type}: {m.text}"))
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        # a window request the page aborts itself (the reviewer stepped on before it came back) is not a failure
        self.page.on("requestfailed", lambda r: "ERR_ABORTED" not in (r.failure or "") and self.problems.append(
            f"request failed: {r.url} ({r.failure})"))
        self.page.on("response", lambda r: r.status >= 400 and self.problems.append(f"HTTP {r.status}: {r.url}"))
        self.page.on("dialog", lambda d: (self.problems.append(f"dialog: {d.message}"), d.dismiss()))

    def open(self, url: str) -> None:
        self.page.goto(url)
        self.page.wait_for_selector("body[data-state=ready]", timeout=30_000)

    def wait_traces(self, review_id: str) -> None:
        self.page.wait_for_selector(f'#traces[data-event="{review_id}"]:not([data-loading])', timeout=30_000)

    def selected(self) -> str:
        return self.page.get_attribute("#events tr.sel", "data-id")

    def statuses(self) -> dict[str, tuple[str, str]]:
        rows = self.page.locator("#events tbody tr").evaluate_all(
            "rows => rows.map(r => [r.dataset.id, r.dataset.status, r.dataset.cls])")
        return {rid: (status, cls) for rid, status, cls in rows}

    def close(self) -> None:
        self.context.close()


def _eventually(condition, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def _drag(page, trace_index: int, x0_frac: float, x1_frac: float) -> tuple[float, float]:
    """Drag across a trace from x0_frac to x1_frac of its plot width; return the times under the pointer."""
    over = page.locator("#traces .trace").nth(trace_index).locator(".u-over")
    box = over.bounding_box()
    start_s = float(page.get_attribute("#traces", "data-start-s"))
    stop_s = float(page.get_attribute("#traces", "data-stop-s"))
    y = box["y"] + box["height"] / 2
    xa, xb = box["x"] + x0_frac * box["width"], box["x"] + x1_frac * box["width"]
    page.mouse.move(xa, y)
    page.mouse.down()
    page.mouse.move((xa + xb) / 2, y, steps=4)
    page.mouse.move(xb, y, steps=4)
    page.mouse.up()
    px_s = (stop_s - start_s) / box["width"]

    def time_at(x: float) -> float:
        return start_s + (x - box["x"]) * px_s

    return time_at(xa), time_at(xb), px_s


def test_review_a_simulated_night_in_chromium(browser, night_dir, tmp_path):
    events = pd.read_csv(night_dir / "events.tsv", sep="\t", dtype=str, keep_default_na=False)
    events_bytes = (night_dir / "events.tsv").read_bytes()
    n = len(events)
    lm = events.index[events["trial_type"] == "leg_movement"]
    relabel_row = int(lm[2])  # a leg movement further down the list
    relabel_id = f"d{relabel_row}"

    w = Watched(browser)
    try:
        with served(night_dir, "Browser Tester") as server:
            page = w.page
            w.open(server.url)
            assert page.locator("#events tbody tr").count() == n
            assert w.selected() == "d0"
            w.wait_traces("d0")
            # the first event's channels are drawn, and the EEG chosen by default (a central derivation)
            labels = page.locator("#traces .trace").evaluate_all("ts => ts.map(t => t.dataset.label)")
            assert events.loc[0, "channel"].split(",")[0] in labels and "C4-M1" in labels
            assert page.locator("#traces canvas").count() >= len(labels)
            assert events.loc[0, "rule"] in page.text_content("#event-rule")
            assert "hypnogram" not in page.text_content("#hypnogram-note")  # drawn, no note
            assert page.locator("#hypnogram canvas").count() == 1 and page.locator("#raster canvas").count() == 1

            # step to an event with the keyboard and reject it (the page moves on to the next)
            page.keyboard.press("j")
            page.keyboard.press("ArrowDown")
            w.wait_traces("d2")
            assert w.selected() == "d2"
            # the page names a class by its words ("myoclonic_jerk" -> "myoclonic jerk ...")
            assert page.text_content("#event-title").startswith(events.loc[2, "trial_type"].replace("_", " "))
            page.keyboard.press("r")
            page.wait_for_selector('#events tr[data-id="d2"][data-status="rejected"]')
            w.wait_traces("d3")

            # relabel a leg movement to "body movement" (key 9: the ninth class)
            page.click(f'#events tr[data-id="{relabel_id}"]')
            w.wait_traces(relabel_id)
            page.keyboard.press("9")
            page.wait_for_selector(f'#events tr[data-id="{relabel_id}"][data-status="relabelled"]')
            assert page.get_attribute(f'#events tr[data-id="{relabel_id}"]', "data-cls") == "body_movement"

            # add a missed event: drag across the last trace, choose its class, Enter
            t_on, t_off, px_s = _drag(page, -1, 0.10, 0.22)
            page.wait_for_selector("#add-form:not([hidden])")
            dragged_label = page.locator("#traces .trace").nth(-1).get_attribute("data-label")
            page.keyboard.press("8")  # myoclonic_jerk, the eighth class
            assert page.input_value("#add-class") == "myoclonic_jerk"
            page.keyboard.press("Enter")
            page.wait_for_selector('#events tr[data-id="a1"][data-status="added"]')
            w.wait_traces("a1")
            assert page.locator("#events tbody tr").count() == n + 1
            assert "3 of" in page.text_content("#progress")

            # reload: the page shows the three changes and resumes on the last event
            _eventually(lambda: json.loads((night_dir / "review_state.json").read_text())["review_id"] == "a1")
            page.reload()
            page.wait_for_selector("body[data-state=ready]", timeout=30_000)
            shown = w.statuses()
            assert shown["d2"] == ("rejected", events.loc[2, "trial_type"])
            assert shown[relabel_id] == ("relabelled", "body_movement")
            assert shown["a1"] == ("added", "myoclonic_jerk")
            assert sum(s != "unreviewed" for s, _ in shown.values()) == 3
            assert w.selected() == "a1"
            page.screenshot(path=str(tmp_path / "review.png"), full_page=True)

        # the files hold the three changes
        table = pd.read_csv(night_dir / "events.reviewed.tsv", sep="\t", dtype=str,
                            keep_default_na=False).set_index("review_id")
        assert len(table) == n + 1
        assert table.loc["d2", "status"] == "rejected" and table.loc["d2", "reviewer"] == "Browser Tester"
        rel = table.loc[relabel_id]
        assert (rel["status"], rel["trial_type"], rel["original_trial_type"]) == (
            "relabelled", "body_movement", "leg_movement")
        added = table.loc["a1"]
        assert added["status"] == "added" and added["trial_type"] == "myoclonic_jerk"
        assert added["channel"] == dragged_label and added["reviewer"] == "Browser Tester"
        # onset and offset are where the pointer went down and up, within two pixels
        assert float(added["onset"]) == pytest.approx(t_on, abs=2 * px_s)
        assert float(added["onset"]) + float(added["duration"]) == pytest.approx(t_off, abs=2 * px_s)
        assert set(table.drop(index=["d2", relabel_id, "a1"])["status"]) == {"unreviewed"}
        log = [json.loads(line) for line in (night_dir / "review_log.jsonl").read_text().splitlines()]
        changes = [e for e in log if e["action"] != "open"]
        assert [(e["action"], e["review_id"]) for e in changes] == [
            ("reject", "d2"), ("relabel", relabel_id), ("add", "a1")]
        assert all(e["reviewer"] == "Browser Tester" and e["time_utc"] for e in changes)
        assert changes[1]["before"]["trial_type"] == "leg_movement"
        assert changes[1]["after"]["trial_type"] == "body_movement"
        assert (night_dir / "events.tsv").read_bytes() == events_bytes

        # reopen with a new server (a new token): resumes at the same place with the same table
        with served(night_dir, "Second Reviewer") as server:
            w.open(server.url)
            assert w.selected() == "a1"
            w.wait_traces("a1")
            shown = w.statuses()
            assert shown["d2"][0] == "rejected" and shown[relabel_id][0] == "relabelled" and shown["a1"][0] == "added"
            assert page.text_content("#progress").startswith(f"3 of {n + 1} reviewed")
        assert w.problems == []
    finally:
        w.close()
    assert (tmp_path / "review.png").stat().st_size > 60_000  # a drawn page, not a blank one


def test_hostile_text_stays_text_and_keys_work(browser, tiny):
    _, out = tiny
    w = Watched(browser)
    try:
        with served(out, "Key Tester") as server:
            page = w.page
            w.open(server.url)
            assert page.title() == "myosleep review · tiny.edf"
            assert HOSTILE_PATIENT in page.text_content("header")
            assert page.locator("img").count() == 0
            # no hypnogram file: the raster alone, with the reason
            assert "--hypnogram" in page.text_content("#hypnogram-note")
            assert page.locator("#hypnogram canvas").count() == 0
            w.wait_traces("d0")
            page.keyboard.press("j")
            w.wait_traces("d1")
            assert page.text_content("#event-rule") == f"Why this class: {HOSTILE_RULE}"
            assert page.locator("#event-rule b, #event-rule script").count() == 0
            # a channel whose label is markup: a trace and a list cell, as text
            page.keyboard.press("n")
            page.keyboard.press("n")
            w.wait_traces("d3")
            labels = page.locator("#traces .trace").evaluate_all("ts => ts.map(t => t.dataset.label)")
            assert HOSTILE_LABEL in labels
            assert HOSTILE_LABEL in page.text_content('#events tr[data-id="d3"] td.ch')
            assert page.locator("#events i").count() == 0
            # accept (moves on), reset, the window keys, the display filter key
            page.keyboard.press("k")
            w.wait_traces("d2")
            page.keyboard.press("a")
            page.wait_for_selector('#events tr[data-id="d2"][data-status="accepted"]')
            w.wait_traces("d3")
            page.keyboard.press("k")
            w.wait_traces("d2")
            page.keyboard.press("u")
            page.wait_for_selector('#events tr[data-id="d2"][data-status="unreviewed"]')
            span = float(page.get_attribute("#traces", "data-stop-s")) - float(page.get_attribute("#traces", "data-start-s"))
            page.keyboard.press("-")
            page.wait_for_function(
                f"() => Math.abs(document.getElementById('traces').dataset.stopS - "
                f"document.getElementById('traces').dataset.startS - {2 * span}) < 1e-6")
            start = float(page.get_attribute("#traces", "data-start-s"))
            page.keyboard.press("ArrowRight")
            page.wait_for_function(f"() => Number(document.getElementById('traces').dataset.startS) > {start + 1}")
            page.keyboard.press("f")
            page.wait_for_function("() => !document.getElementById('opt-filter').checked")
            w.wait_traces("d2")
            page.keyboard.press("Escape")
            assert page.title() == "myosleep review · tiny.edf"
        log = [json.loads(line)["action"] for line in (out / "review_log.jsonl").read_text().splitlines()]
        assert log == ["open", "accept", "reset"]
        assert w.problems == []
    finally:
        w.close()


def test_recompute_findings_after_reject_relabel_add(browser, night, night_dir):
    """Reject 5 periodic leg movements, relabel a lone fragmentary myoclonus potential a leg movement, add a
    jerk; "Recompute findings" shows the PLMS index 5 / TST lower and the counts as changed."""
    events = pd.read_csv(night_dir / "events.tsv", sep="\t", dtype=str, keep_default_na=False)
    onset = events["onset"].astype(float)
    before = json.loads((night_dir / "summary.json").read_text())
    files_before = {n: (night_dir / n).read_bytes() for n in ("events.tsv", "summary.json")}
    lm = events[events["trial_type"] == "leg_movement"]
    series = lm[lm["series_id"] == lm.loc[lm["series_id"] != "-1", "series_id"].value_counts().idxmax()]
    assert len(series) >= 14
    rejected = list(series.index[5:10])  # 5 left before, >= 4 after: both parts stay PLM series
    fm = events.index[(events["trial_type"] == "fragmentary_myoclonus") & events["stage"].isin(["N1", "N2", "N3"])]
    lone = next(i for i in fm if (onset[lm.index] - onset[i]).abs().min() > 90.0)  # in no PLM series
    tst_h = before["indices"]["tst_h"]
    n_plms = before["indices"]["plm"]["n_plms"] - 5

    w = Watched(browser)
    try:
        with served(night_dir, "Browser Tester", recompute=page_recompute(night["edf"])) as server:
            page = w.page
            w.open(server.url)
            assert page.locator("#recompute-result").is_hidden()
            for i in rejected:
                page.click(f'#events tr[data-id="d{i}"]')
                w.wait_traces(f"d{i}")
                page.keyboard.press("r")
                page.wait_for_selector(f'#events tr[data-id="d{i}"][data-status="rejected"]')
            page.click(f'#events tr[data-id="d{lone}"]')
            w.wait_traces(f"d{lone}")
            page.keyboard.press("3")  # leg movement, the third class
            page.wait_for_selector(f'#events tr[data-id="d{lone}"][data-status="relabelled"]')
            w.wait_traces(f"d{lone}")
            _drag(page, -1, 0.70, 0.80)
            page.wait_for_selector("#add-form:not([hidden])")
            page.keyboard.press("8")  # myoclonic jerk
            page.keyboard.press("Enter")
            page.wait_for_selector('#events tr[data-id="a1"][data-status="added"]')

            page.click("#btn-recompute")
            page.wait_for_selector("#recompute-result:not([hidden])", timeout=120_000)
            head = page.text_content("#recompute-result .recompute-head")
            assert "AASM rules" in head and "5 rejected" in head and "1 relabelled" in head and "1 added" in head
            assert "reviewed by Browser Tester" in head
            plm = page.locator('#recompute-result tr[data-code="periodic_limb_movements"]')
            assert plm.get_attribute("data-present") == "true"
            text = plm.text_content()
            assert f"PLMS index {n_plms / tst_h:.1f}/h ({n_plms} periodic leg movements" in text
            assert "present" in text and "same" in text  # still above the 15/h cut-off
            hypnic = page.locator('#recompute-result tr[data-code="sleep_starts"]')
            assert hypnic.get_attribute("data-changed") == "false"
            codes = page.locator("#recompute-result tbody tr").evaluate_all("rs => rs.map(r => r.dataset.code)")
            assert codes == [f["code"] for f in before["findings"]]
            foot = page.text_content("#recompute-result p.muted")
            n_lm, n_fm = before["counts"]["leg_movement"], before["counts"]["fragmentary_myoclonus"]
            n_mj = before["counts"]["myoclonic_jerk"]
            assert f"leg movement {n_lm} → {n_lm - 4}" in foot and f"fragmentary myoclonus {n_fm} → {n_fm - 1}" in foot
            assert f"myoclonic jerk (no other class) {n_mj} → {n_mj + 1}" in foot and "reviewed/summary.json" in foot
            assert "Findings recomputed" in page.text_content("#status")
        assert w.problems == []
    finally:
        w.close()
    after = json.loads((night_dir / "reviewed" / "summary.json").read_text())
    assert after["indices"]["plm"]["plms_index_per_h"] == pytest.approx(n_plms / tst_h, rel=1e-12)
    assert before["indices"]["plm"]["plms_index_per_h"] - after["indices"]["plm"]["plms_index_per_h"] == \
        pytest.approx(5 / tst_h, rel=1e-9)
    assert after["review"]["counts"] == {"unreviewed": len(events) - 6, "accepted": 0, "rejected": 5,
                                         "relabelled": 1, "added": 1}
    assert after["ruleset"] == "aasm" and after["methods"]["ruleset_citation"]
    assert {n: (night_dir / n).read_bytes() for n in files_before} == files_before

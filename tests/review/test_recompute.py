"""``myosleep analyze REC --events-from DIR/events.reviewed.tsv``: findings recomputed from the reviewed events.

The reviewer's changes are made through :class:`ReviewStore` (what the page calls); the expected
counts and indices are worked out here from the tables, independently of the code under test:
rejecting 5 periodic leg movements of a simulated PLMD night lowers the PLMS index by exactly
5 / TST (or more, when a series left with fewer than 4 movements stops being periodic), a
fragmentary myoclonus potential relabelled a leg movement counts as one (periodic or not by its
intervals), added events count.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from myosleep.cli import main
from myosleep.pipeline import OUTPUT_FILES
from myosleep.review.recompute import REVIEWED_DIR, analyze_reviewed, page_recompute
from myosleep.review.store import REVIEWED_FILE, ReviewStore
from myosleep.schema import REVIEWED_EVENTS

CHANNELS = ("EMG Chin", "EMG LAT", "EMG RAT")


def _events(out: Path) -> pd.DataFrame:
    ev = pd.read_csv(out / "events.tsv", sep="\t", dtype=str, keep_default_na=False)
    for col in ("onset", "duration"):
        ev[col] = ev[col].astype(float)
    ev["series_id"] = ev["series_id"].astype(int)
    return ev


def _store(out: Path) -> ReviewStore:
    return ReviewStore(out, reviewer="Test Reviewer", channel_labels=CHANNELS, duration_s=3600.0,
                       stage_at=lambda t: "N2")


def _summary(out: Path) -> dict:
    return json.loads((out / "summary.json").read_text())


def _plm(summary: dict) -> dict:
    return summary["indices"]["plm"]


def _finding(summary: dict, code: str) -> dict:
    return next(f for f in summary["findings"] if f["code"] == code)


def _five_in_a_series(ev: pd.DataFrame, keep_before: int) -> tuple[list[int], int]:
    """Rows of 5 consecutive periodic LMs of the longest series, ``keep_before`` of the series left before
    them and at least 4 after; and how many LMs stop being periodic (those left before, when fewer than 4
    and more than 90 s from the next LM kept)."""
    lm = ev[ev["trial_type"] == "leg_movement"]
    sid = lm.loc[lm["series_id"] >= 0, "series_id"].value_counts().idxmax()
    series = lm[lm["series_id"] == sid]
    assert len(series) >= keep_before + 5 + 4, "the simulated night has a long PLM series"
    rows = list(series.index[keep_before:keep_before + 5])
    before, after = series.iloc[keep_before - 1], series.iloc[keep_before + 5]
    orphaned = keep_before if 0 < keep_before < 4 and after["onset"] - before["onset"] > 90.0 else 0
    return rows, orphaned


@pytest.mark.parametrize("keep_before", [5, 2])
def test_rejecting_periodic_leg_movements_lowers_the_plms_index_exactly(night, night_dir, keep_before):
    ev, before = _events(night_dir), _summary(night_dir)
    rows, orphaned = _five_in_a_series(ev, keep_before)
    store = _store(night_dir)
    for i in rows:
        store.change(f"d{i}", "reject")
    analysis = analyze_reviewed(night["edf"], events_from=night_dir / REVIEWED_FILE)
    after = analysis.summary
    tst_h = before["indices"]["tst_h"]
    assert after["indices"]["tst_h"] == tst_h
    n_plms = _plm(before)["n_plms"] - 5 - orphaned
    assert _plm(after)["n_plms"] == n_plms
    assert _plm(after)["plms_index_per_h"] == pytest.approx(n_plms / tst_h, rel=1e-12)
    assert _plm(before)["plms_index_per_h"] - _plm(after)["plms_index_per_h"] == pytest.approx(
        (5 + orphaned) / tst_h, rel=1e-9)
    assert after["counts"]["leg_movement"] == before["counts"]["leg_movement"] - 5
    plm = _finding(after, "periodic_limb_movements")
    assert f"PLMS index {n_plms / tst_h:.1f}/h ({n_plms} periodic leg movements" in plm["evidence"]
    # the events: every row but the rejected ones, with their review status
    assert len(analysis.events) == len(ev) - 5
    assert set(analysis.events["review_status"]) == {"unreviewed"}
    assert not set(analysis.events["review_id"]) & {f"d{i}" for i in rows}
    if orphaned:  # the LMs left before the gap are too few for a series: no longer periodic
        kept = analysis.events.set_index("review_id")
        first = ev.index[(ev["trial_type"] == "leg_movement") & (ev["series_id"] >= 0)]
        lost = [f"d{i}" for i in ev.loc[first].index if i < rows[0]][-orphaned:]
        assert all(kept.loc[rid, "periodic"] is False for rid in lost)
    # the other findings and the other classes did not move
    for code in ("sleep_starts", "excessive_fragmentary_myoclonus", "rem_sleep_without_atonia"):
        assert _finding(after, code) == _finding(before, code)
    assert {k: v for k, v in after["counts"].items() if k != "leg_movement"} == \
        {k: v for k, v in before["counts"].items() if k != "leg_movement"}


def test_an_unreviewed_table_gives_the_analysis_again(night, night_dir):
    before = _summary(night_dir)
    _store(night_dir)
    analysis = analyze_reviewed(night["edf"], events_from=night_dir)
    after = analysis.summary
    assert after["findings"] == before["findings"]
    assert after["indices"] == before["indices"] and after["counts"] == before["counts"]
    # the neurophysiology stage ran again on the reviewed jerks, its numbers as analyze's, nothing relabelled
    neuro, neuro0 = after["stages"]["neurophysiology"], before["stages"]["neurophysiology"]
    assert neuro["n_jerks_usable"] == neuro0["n_jerks_usable"] > 0
    assert neuro["groups"] == neuro0["groups"] and neuro["relabelled"] == []
    assert "no jerk was relabelled" in neuro["notes"][-1]
    assert after["sleep"] == before["sleep"] and after["hypnogram_source"] == before["hypnogram_source"]
    assert after["review"]["counts"] == {"unreviewed": len(analysis.events), "accepted": 0, "rejected": 0,
                                         "relabelled": 0, "added": 0}
    assert after["review"]["reviewers"] == []
    assert after["inputs"]["hypnogram"]["name"] == "hypnogram.tsv"


def test_relabel_and_add_count_as_the_reviewer_says(night, night_dir, tmp_path):
    ev, before = _events(night_dir), _summary(night_dir)
    lm = ev[ev["trial_type"] == "leg_movement"]
    sleep = ev["stage"].isin(["N1", "N2", "N3", "R"])
    fm = ev[(ev["trial_type"] == "fragmentary_myoclonus") & sleep]
    gap = fm["onset"].map(lambda t: np.min(np.abs(lm["onset"].to_numpy() - t)))
    lone = fm.index[gap > 90.0][0]  # > 90 s from every LM: a leg movement in no series
    # an FM between two LMs of one series, >= 5 s from both: a periodic leg movement (AASM 5-90 s)
    inside = None
    for i in fm.index:
        t = ev.at[i, "onset"]
        prev, nxt = lm[lm["onset"] < t].tail(1), lm[lm["onset"] > t].head(1)
        if (len(prev) and len(nxt) and prev["series_id"].iat[0] >= 0 and prev["series_id"].iat[0] ==
                nxt["series_id"].iat[0] and t - prev["onset"].iat[0] >= 5.0 and nxt["onset"].iat[0] - t >= 5.0):
            inside, inside_prev = i, prev["onset"].iat[0]
            break
    assert inside is not None
    # a missed leg movement halfway between two periodic LMs >= 20 s apart
    periodic = lm[lm["series_id"] >= 0]
    k = int(np.flatnonzero((np.diff(periodic["onset"].to_numpy()) >= 20.0)
                           & (np.diff(periodic["series_id"].to_numpy()) == 0))[0])
    a_on = float(periodic["onset"].iat[k]) + (float(periodic["onset"].iat[k + 1]) - float(periodic["onset"].iat[k])) / 2
    # a missed hypnic jerk in the night's wake-to-sleep transition window
    from myosleep.context.hypnogram_file import read_used_hypnogram
    from myosleep.context.transitions import find_transitions

    window = find_transitions(read_used_hypnogram(night_dir / "hypnogram.tsv")).iloc[0]
    hj_on = float(window["window_start_s"]) + 5.0

    store = _store(night_dir)
    store.change(f"d{lone}", "relabel", trial_type="leg_movement")
    store.change(f"d{inside}", "relabel", trial_type="leg_movement")
    added_lm = store.add(onset_s=a_on, duration_s=1.0, trial_type="leg_movement", channels=["EMG LAT"])
    added_hj = store.add(onset_s=hj_on, duration_s=0.2, trial_type="hypnic_jerk", channels=list(CHANNELS))
    out = tmp_path / "recomputed"
    assert main(["analyze", str(night["edf"]), "--events-from", str(night_dir / REVIEWED_FILE),
                 "--out", str(out)]) == 0
    after = _summary(out)
    tst_h = before["indices"]["tst_h"]
    assert after["counts"]["fragmentary_myoclonus"] == before["counts"]["fragmentary_myoclonus"] - 2
    assert after["counts"]["leg_movement"] == before["counts"]["leg_movement"] + 3
    assert after["counts"]["hypnic_jerk"] == before["counts"]["hypnic_jerk"] + 1
    # the lone LM is no PLM; the LM inside the series and the added one are: PLMS + 2
    assert _plm(after)["n_plms"] == _plm(before)["n_plms"] + 2
    assert _plm(after)["plms_index_per_h"] == pytest.approx((_plm(before)["n_plms"] + 2) / tst_h, rel=1e-12)
    assert _plm(after)["lm_index_per_h_sleep"] == pytest.approx(_plm(before)["n_lm_sleep"] / tst_h + 3 / tst_h)
    fm_h = before["indices_per_hour"]["overall"]["fragmentary_myoclonus"]
    assert after["indices_per_hour"]["overall"]["fragmentary_myoclonus"] == pytest.approx(fm_h - 2 / tst_h)
    hyp = _finding(after, "sleep_starts")["values"]
    assert hyp["n_hypnic_jerks"] == _finding(before, "sleep_starts")["values"]["n_hypnic_jerks"] + 1
    assert hyp["hypnic_jerks_by_transition"][0] == _finding(before, "sleep_starts")["values"][
        "hypnic_jerks_by_transition"][0] + 1

    rows = REVIEWED_EVENTS.read(out / "events.tsv").set_index("review_id")
    assert rows.loc[f"d{lone}", "trial_type"] == "leg_movement" and rows.loc[f"d{lone}", "periodic"] is False
    assert rows.loc[f"d{lone}", "review_status"] == "relabelled"
    assert "relabelled by Test Reviewer, detected as fragmentary_myoclonus" in rows.loc[f"d{lone}", "rule"]
    assert rows.loc[f"d{inside}", "periodic"] is True
    assert rows.loc[f"d{inside}", "interval_s"] == pytest.approx(ev.at[inside, "onset"] - inside_prev, abs=2e-4)
    assert "PLM series of >= 4" in rows.loc[f"d{inside}", "rule"]
    new = rows.loc[added_lm["review_id"]]
    assert (new["review_status"], new["periodic"], new["event_id"], new["channel"]) == ("added", True, -1, ("EMG LAT",))
    assert new["stage"] in ("N1", "N2", "N3") and new["interval_s"] == pytest.approx(a_on - periodic["onset"].iat[k],
                                                                                      abs=2e-4)
    jerk = rows.loc[added_hj["review_id"]]
    assert jerk["trial_type"] == "hypnic_jerk" and jerk["n_channels"] == 3 and set(jerk["regions"]) == {"chin", "leg"}
    assert jerk["bilateral"]  # EMG LAT and EMG RAT
    assert after["review"]["counts"]["relabelled"] == 2 and after["review"]["counts"]["added"] == 2
    assert after["review"]["reviewers"] == ["Test Reviewer"]
    assert after["review"]["events_from"]["sha256"] == __import__("hashlib").sha256(
        (night_dir / REVIEWED_FILE).read_bytes()).hexdigest()
    assert after["ruleset"] == "aasm" and after["methods"]["ruleset"] == "aasm"
    assert after["warnings"][0].startswith("Events from a review: events.reviewed.tsv by Test Reviewer")


def test_outputs_go_beside_the_analysis_and_never_replace_it(night, night_dir, capsys):
    before = {n: (night_dir / n).read_bytes() for n in ("events.tsv", "summary.json", "report.html")}
    store = _store(night_dir)
    store.change("d0", "reject")
    assert main(["analyze", str(night["edf"]), "--events-from", str(night_dir / REVIEWED_FILE)]) == 0
    printed = capsys.readouterr().out.split()
    out = night_dir / REVIEWED_DIR
    assert [Path(p).name for p in printed] == list(OUTPUT_FILES) and "hypnogram.tsv" in OUTPUT_FILES
    assert all(Path(p).parent == out for p in printed)
    assert {n: (night_dir / n).read_bytes() for n in before} == before
    assert "Events from a review" in (out / "report.html").read_text()
    # compare: myosleep's events (test) against the reviewer's (reference): the rejected event is myosleep's
    # one false positive
    assert main(["compare", str(out), str(night_dir), "--out", str(night_dir / "agreement")]) == 0
    agreement = json.loads((night_dir / "agreement" / "agreement.json").read_text())
    cls = pd.read_csv(night_dir / "events.tsv", sep="\t", dtype=str)["trial_type"].iat[0]
    row = next(c for c in agreement["classes"] if c["class"] == cls)
    n = _summary(night_dir)["counts"][cls]
    assert (row["n_reference"], row["n_test"], row["tp"], row["fp"], row["fn"]) == (n - 1, n, n - 1, 1, 0)
    assert agreement["inputs"]["reference"]["n_events"] == len(_events(night_dir)) - 1
    # the page's button: the same recomputation into DIR/reviewed, the findings before and after
    result = page_recompute(night["edf"])(night_dir)
    assert result["files"] == [f"{REVIEWED_DIR}/{n}" for n in OUTPUT_FILES]
    assert result["ruleset"]["name"] == "aasm" and result["review"]["counts"]["rejected"] == 1
    assert [f["code"] for f in result["findings"]] == [f["code"] for f in _summary(out)["findings"]]
    assert all(f["before"] is not None for f in result["findings"])
    assert sum(c["before"] - c["after"] for c in result["counts"].values()) == 1
    assert {n: (night_dir / n).read_bytes() for n in before} == before


def _one_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    return err


def test_events_from_errors_are_one_line(night, night_dir, tmp_path, capsys):
    edf = str(night["edf"])
    store = _store(night_dir)
    store.change("d1", "reject")
    table = str(night_dir / REVIEWED_FILE)

    def bad(*args: str) -> str:
        assert main(["analyze", edf, *args]) == 2
        return _one_line(capsys)

    assert "is the events table of myosleep analyze, not a reviewed one" in bad(
        "--events-from", str(night_dir / "events.tsv"))
    other_table = tmp_path / "other.tsv"
    other_table.write_text("onset\tduration\ttrial_type\n1.0\t0.5\tleg_movement\n")
    assert "is not a reviewed event table of myosleep review" in bad("--events-from", str(other_table))
    assert "file not found" in bad("--events-from", str(tmp_path / "nowhere.tsv"))
    # another recording: one byte of the patient field changed, same signals
    other = tmp_path / "other.edf"
    raw = bytearray(night["edf"].read_bytes())
    raw[10] = ord("Z") if raw[10] != ord("Z") else ord("Y")
    other.write_bytes(bytes(raw))
    assert main(["analyze", str(other), "--events-from", table]) == 2
    assert "is not the recording the reviewed events were found in (its sha256 differs" in _one_line(capsys)
    # another hypnogram: one epoch changed
    hyp = pd.read_csv(night["hypnogram"], sep="\t")
    hyp.loc[len(hyp) // 2, "stage"] = "W" if hyp.loc[len(hyp) // 2, "stage"] != "W" else "N2"
    hyp.to_csv(tmp_path / "other.hypnogram.tsv", sep="\t", index=False)
    err = bad("--events-from", table, "--hypnogram", str(tmp_path / "other.hypnogram.tsv"))
    assert err.startswith("myosleep analyze: error: ") and "is not the hypnogram the reviewed events were " \
        "classified with" in err
    assert main(["analyze", edf, "--events-from", table, "--hypnogram", str(night["hypnogram"]),
                 "--out", str(tmp_path / "same-hypnogram")]) == 0  # the analysis' own file is accepted
    capsys.readouterr()
    assert "--rules: wasm2016 differs from the ruleset the reviewed events were scored with (aasm)" in bad(
        "--events-from", table, "--rules", "wasm2016")
    assert "--out: is the folder of the reviewed analysis" in bad("--events-from", table, "--out", str(night_dir))
    assert "--age: is taken from the reviewed analysis" in bad("--events-from", table, "--age", "40")
    # a reviewed table that is not what this recording gives (an onset edited by hand)
    text = (night_dir / REVIEWED_FILE).read_text().splitlines()
    cells = text[3].split("\t")
    cells[0] = f"{float(cells[0]) + 1:.4f}"
    edited = tmp_path / "edited" / REVIEWED_FILE
    edited.parent.mkdir()
    shutil.copy(night_dir / "summary.json", edited.parent / "summary.json")
    edited.write_text("\n".join([*text[:3], "\t".join(cells), *text[4:]]) + "\n")
    err = bad("--events-from", str(edited))
    assert "has onset" in err and "this recording gives" in err and "review the new events" in err
    assert not (night_dir / REVIEWED_DIR).exists()  # nothing written by a refused run


@pytest.fixture(scope="module")
def staged(tmp_path_factory, night) -> Path:
    """The night analysed without a hypnogram: staged by YASA."""
    from myosleep.pipeline import analyze_to_dir

    out = tmp_path_factory.mktemp("staged") / "analysis"
    analyze_to_dir(night["edf"], out_dir=out)
    return out


def test_a_yasa_night_keeps_its_stages(night, staged, tmp_path, capsys):
    from myosleep.context.hypnogram_file import read_used_hypnogram
    from myosleep.review.session import open_session

    out = tmp_path / "staged"
    shutil.copytree(staged, out)
    summary = _summary(out)
    assert summary["hypnogram_source"] == "yasa" and summary["inputs"]["hypnogram"] is None
    used = read_used_hypnogram(out / "hypnogram.tsv")
    assert used.source == "yasa" and used.n_epochs == 360  # the whole 3-h night, 30-s epochs
    assert summary["sleep"]["tst_min"] == pytest.approx(sum(used.labels.count(s) for s in ("N1", "N2", "N3", "R")) / 2)
    # the review page draws them
    with open_session(out, reviewer="R") as session:
        assert session.hypnogram is not None and session.hypnogram.labels == used.labels
        assert session.hypnogram_note == "yasa (hypnogram.tsv)"
    # the recomputation classifies on them (not staged again) and gives the analysis back
    analysis = analyze_reviewed(night["edf"], events_from=out / REVIEWED_FILE)
    assert analysis.summary["hypnogram_source"] == "yasa"
    assert analysis.context.hypnogram.labels == used.labels
    assert analysis.summary["findings"] == summary["findings"] and analysis.summary["counts"] == summary["counts"]
    assert main(["analyze", str(night["edf"]), "--events-from", str(out / REVIEWED_FILE), "--hypnogram",
                 str(night["hypnogram"])]) == 2
    assert "the reviewed events were classified on stages from yasa, not on this file" in _one_line(capsys)


def test_the_page_reports_a_refused_recomputation_in_one_line(tiny):
    """A hand-made analysis whose events.tsv lacks columns of analyze: the button's request answers 400
    with the one-line reason, and nothing is written."""
    from myosleep.review.app import create_app
    from myosleep.review.session import open_session

    from .conftest import Asgi

    edf, out = tiny
    with open_session(out, reviewer="R") as session:
        app = Asgi(create_app(session, token="t" * 43, recompute=page_recompute(edf)))
        status, body = app.json("POST", f"/t/{'t' * 43}/api/recompute", {})
    assert status == 400 and "is not a reviewed event table of myosleep review" in body["error"]
    assert len(body["error"].splitlines()) == 1 and not (out / REVIEWED_DIR).exists()

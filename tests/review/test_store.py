"""events.reviewed.tsv and review_log.jsonl: what each change writes, resuming, damage, concurrency."""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path

import pandas as pd
import pytest

from myosleep.errors import InputError, ParameterError
from myosleep.review.store import REVIEW_COLUMNS, ReviewStore, check_reviewer

from .conftest import TINY_DURATION_S, TINY_EVENTS

LABELS = ("C3-M2", "EMG Chin", "EMG LAT")


def _store(out: Path, reviewer: str = "A. Reviewer", **kw) -> ReviewStore:
    return ReviewStore(out, reviewer=reviewer, channel_labels=LABELS, duration_s=TINY_DURATION_S,
                       stage_at=lambda t: "N2", **kw)


def _table(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "events.reviewed.tsv", sep="\t", dtype=str, keep_default_na=False)


def _log(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "review_log.jsonl").read_text(encoding="utf-8").splitlines()]


def test_opening_writes_an_unreviewed_copy_and_an_open_entry(tiny):
    _, out = tiny
    events_before = (out / "events.tsv").read_bytes()
    store = _store(out)
    table = _table(out)
    original = pd.read_csv(out / "events.tsv", sep="\t", dtype=str, keep_default_na=False)
    assert list(table.columns) == list(original.columns) + list(REVIEW_COLUMNS)
    # The detected columns are the text of events.tsv, unchanged.
    pd.testing.assert_frame_equal(table[original.columns], original)
    assert table["review_id"].tolist() == ["d0", "d1", "d2", "d3"]
    assert set(table["status"]) == {"unreviewed"}
    assert table["original_trial_type"].tolist() == [e[2] for e in TINY_EVENTS]
    assert set(table["reviewer"]) == {"n/a"} and set(table["reviewed_utc"]) == {"n/a"}
    entries = _log(out)
    assert len(entries) == 1 and entries[0]["action"] == "open" and entries[0]["reviewer"] == "A. Reviewer"
    assert entries[0]["events_sha256"] == hashlib.sha256(events_before).hexdigest()
    assert store.counts() == {"unreviewed": 4, "accepted": 0, "rejected": 0, "relabelled": 0, "added": 0}
    assert (out / "events.tsv").read_bytes() == events_before


def test_each_action_sets_status_class_reviewer_and_logs_before_after(tiny):
    _, out = tiny
    events_before = (out / "events.tsv").read_bytes()
    store = _store(out)
    accepted = store.change("d0", "accept")
    assert accepted["status"] == "accepted" and accepted["trial_type"] == "fragmentary_myoclonus"
    assert accepted["reviewer"] == "A. Reviewer" and accepted["reviewed_utc"].endswith("+00:00")
    rejected = store.change("d1", "reject")
    assert rejected["status"] == "rejected" and rejected["trial_type"] == "leg_movement"
    relabelled = store.change("d2", "relabel", trial_type="myoclonic_jerk")
    assert relabelled["status"] == "relabelled" and relabelled["trial_type"] == "myoclonic_jerk"
    assert relabelled["original_trial_type"] == "hypnic_jerk"
    # relabelling back to the detected class is an acceptance
    back = store.change("d2", "relabel", trial_type="hypnic_jerk")
    assert back["status"] == "accepted"
    # accepting a rejected event brings it back; reset forgets the review
    assert store.change("d1", "accept")["status"] == "accepted"
    reset = store.change("d1", "reset")
    assert reset["status"] == "unreviewed" and reset["reviewer"] == "n/a" and reset["trial_type"] == "leg_movement"
    added = store.add(onset_s=50.0, duration_s=1.25, trial_type="leg_movement", channels=["EMG LAT"])
    assert added["review_id"] == "a1" and added["status"] == "added" and added["original_trial_type"] == "n/a"
    assert added["onset"] == "50.0000" and added["duration"] == "1.2500" and added["stage"] == "N2"
    assert added["peak_amplitude_uv"] == "n/a" and added["rule"] == "n/a"
    assert store.change("a1", "relabel", trial_type="body_movement")["status"] == "added"
    assert store.change("a1", "reject")["status"] == "rejected"

    table = _table(out).set_index("review_id")
    assert table.loc["d0", "status"] == "accepted"
    assert table.loc["d2", "trial_type"] == "hypnic_jerk"
    assert table.loc["a1", "trial_type"] == "body_movement" and table.loc["a1", "status"] == "rejected"
    # onset order: the added event sits between the 31-s and the 62-s events
    assert _table(out)["review_id"].tolist() == ["d0", "d1", "a1", "d2", "d3"]

    entries = [e for e in _log(out) if e["action"] != "open"]
    assert [e["action"] for e in entries] == ["accept", "reject", "relabel", "relabel", "accept", "reset", "add",
                                              "relabel", "reject"]
    assert all(e["reviewer"] == "A. Reviewer" and e["time_utc"] for e in entries)
    rel = entries[2]
    assert rel["review_id"] == "d2" and rel["before"]["trial_type"] == "hypnic_jerk"
    assert rel["before"]["status"] == "unreviewed" and rel["after"]["trial_type"] == "myoclonic_jerk"
    assert entries[6]["before"] is None and entries[6]["after"]["review_id"] == "a1"
    assert (out / "events.tsv").read_bytes() == events_before


def test_bad_changes_are_refused_and_change_nothing(tiny):
    _, out = tiny
    store = _store(out)
    table_before = (out / "events.reviewed.tsv").read_bytes()
    cases = [
        lambda: store.change("d9", "accept"),
        lambda: store.change("d0", "delete"),
        lambda: store.change("d0", "relabel", trial_type="spindle"),
        lambda: store.add(onset_s=10, duration_s=1, trial_type="leg_movement", channels=["EMG RAT"]),
        lambda: store.add(onset_s=10, duration_s=1, trial_type="leg_movement", channels=[]),
        lambda: store.add(onset_s=-1, duration_s=1, trial_type="leg_movement", channels=["EMG LAT"]),
        lambda: store.add(onset_s=119.5, duration_s=1, trial_type="leg_movement", channels=["EMG LAT"]),
        lambda: store.add(onset_s=10, duration_s=0, trial_type="leg_movement", channels=["EMG LAT"]),
        lambda: store.add(onset_s="nan", duration_s=1, trial_type="leg_movement", channels=["EMG LAT"]),
        lambda: store.add(onset_s=10, duration_s=1, trial_type="jerk", channels=["EMG LAT"]),
    ]
    for case in cases:
        with pytest.raises(ParameterError):
            case()
    store.add(onset_s=10, duration_s=1, trial_type="leg_movement", channels=["EMG LAT"])
    with pytest.raises(ParameterError, match="Reject it instead"):
        store.change("a1", "reset")
    assert len([e for e in _log(out) if e["action"] != "open"]) == 1
    assert (out / "events.reviewed.tsv").read_bytes() != table_before


def test_reopening_resumes_the_table_and_the_position(tiny):
    _, out = tiny
    store = _store(out, reviewer="First")
    store.change("d1", "reject")
    store.add(onset_s=40.0, duration_s=0.5, trial_type="myoclonic_jerk", channels=["EMG Chin"])
    store.set_position("d2")
    table = (out / "events.reviewed.tsv").read_bytes()

    again = _store(out, reviewer="Second")
    assert (out / "events.reviewed.tsv").read_bytes() == table
    assert again.position() == "d2"
    assert again.row("d1")["status"] == "rejected" and again.row("d1")["reviewer"] == "First"
    added = again.add(onset_s=70.0, duration_s=0.5, trial_type="myoclonic_jerk", channels=["EMG Chin"])
    assert added["review_id"] == "a2" and added["reviewer"] == "Second"
    opens = [e for e in _log(out) if e["action"] == "open"]
    assert [e["reviewer"] for e in opens] == ["First", "Second"]


def test_a_table_that_disagrees_with_its_log_is_rewritten_from_the_log(tiny, caplog):
    _, out = tiny
    store = _store(out)
    store.change("d0", "reject")
    good = (out / "events.reviewed.tsv").read_bytes()
    # as if the process died after the log line and before the table was replaced
    (out / "events.reviewed.tsv").write_bytes(good.replace(b"\trejected\t", b"\tunreviewed\t"))
    again = _store(out)
    assert again.row("d0")["status"] == "rejected"
    assert (out / "events.reviewed.tsv").read_bytes() == good
    assert any("rewritten from the log" in n for n in again.notes)


def test_damaged_or_foreign_review_files_are_refused_with_a_way_out(tiny):
    _, out = tiny
    _store(out).change("d0", "accept")
    log = out / "review_log.jsonl"
    saved = log.read_bytes()
    log.write_bytes(saved + b'{"action": "accept", "review_id": "d0", "af\n')
    with pytest.raises(InputError, match="line 3 is not a review log entry"):
        _store(out)
    log.write_bytes(saved)
    log.rename(out / "elsewhere.jsonl")
    with pytest.raises(InputError, match="audit trail review_log.jsonl does not"):
        _store(out)
    (out / "elsewhere.jsonl").rename(log)
    # rerunning analyze changes events.tsv: the old review must not be applied to new events
    events = out / "events.tsv"
    events.write_text(events.read_text().replace("10.5000", "11.5000"))
    with pytest.raises(InputError, match="events.tsv changed since this review began"):
        _store(out)


def test_events_tsv_is_checked(tmp_path):
    out = tmp_path / "a"
    out.mkdir()
    with pytest.raises(InputError, match="has no events.tsv"):
        _store(out)
    (out / "events.tsv").write_text("onset\tduration\ttrial_type\n1.0\t0.5\tleg_movement\n")
    with pytest.raises(InputError, match="lacks the column"):
        _store(out)
    (out / "events.tsv").write_text("onset\tduration\ttrial_type\tchannel\n1.0\t0.5\tspindle\tEMG LAT\n")
    with pytest.raises(InputError, match="row 2 has trial_type 'spindle'"):
        _store(out)
    (out / "events.tsv").write_text("onset\tduration\ttrial_type\tchannel\nsoon\t0.5\tleg_movement\tEMG LAT\n")
    with pytest.raises(InputError, match="row 2 has onset 'soon'"):
        _store(out)
    (out / "events.tsv").write_text("onset\tduration\ttrial_type\tchannel\n")
    assert _store(out).rows() == []


def test_concurrent_changes_are_serialised(tiny):
    """Many threads changing at once: every change is logged once and the table equals the replayed log."""
    _, out = tiny
    store = _store(out)
    n_threads, per_thread = 8, 15
    errors = []

    def work(k: int) -> None:
        try:
            for i in range(per_thread):
                if i % 3 == 0:
                    store.add(onset_s=1.0 + k + i * 0.01, duration_s=0.2, trial_type="myoclonic_jerk",
                              channels=["EMG LAT"])
                else:
                    store.change(f"d{(k + i) % 4}", "relabel" if i % 2 else "reject", trial_type="body_movement")
        except Exception as err:  # noqa: BLE001 - collected and asserted below
            errors.append(err)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    changes = [e for e in _log(out) if e["action"] != "open"]
    assert len(changes) == n_threads * per_thread
    added = [e["review_id"] for e in changes if e["action"] == "add"]
    assert sorted(added, key=lambda r: int(r[1:])) == [f"a{i}" for i in range(1, n_threads * per_thread // 3 + 1)]
    # each change's "before" is the previous change's "after" for that event: no lost update
    last: dict[str, dict] = {}
    for e in changes:
        if e["review_id"] in last:
            assert e["before"] == last[e["review_id"]]
        last[e["review_id"]] = e["after"]
    table = _table(out).set_index("review_id")
    for rid, row in last.items():
        assert table.loc[rid].to_dict() == {k: v for k, v in row.items() if k != "review_id"}
    assert _store(out).rows() == store.rows()


def test_reviewer_names():
    assert check_reviewer("  Dr   Jane  Doe ") == "Dr Jane Doe"
    for bad in ("", "   ", "x" * 81, "a\x00b"):
        with pytest.raises(ParameterError):
            check_reviewer(bad)


def test_an_added_event_writes_its_channels_as_events_tsv_does(tiny):
    from myosleep.schema import split_list

    from .conftest import HOSTILE_LABEL

    _, out = tiny
    store = ReviewStore(out, reviewer="A. Reviewer", channel_labels=(*LABELS, HOSTILE_LABEL),
                        duration_s=TINY_DURATION_S)
    row = store.add(onset_s=50.0, duration_s=1.0, trial_type="leg_movement", channels=["EMG LAT", HOSTILE_LABEL])
    assert split_list(row["channel"]) == ("EMG LAT", HOSTILE_LABEL)  # the label's comma escaped, not a separator
    assert split_list(_table(out).set_index("review_id").loc["a1", "channel"]) == ("EMG LAT", HOSTILE_LABEL)

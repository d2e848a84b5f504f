"""Resume: a second run redoes nothing; a changed input redoes its night only; failures and exit status."""

from __future__ import annotations

import json
import os
import shutil

import pandas as pd
import pytest

from myosleep.batch import run_batch
from myosleep.errors import ParameterError
from myosleep.batch.night import MANIFEST, run_night
from myosleep.batch.run import BatchResult
from myosleep.pipeline import OUTPUT_FILES


def _mtimes(root):
    return {p.relative_to(root): p.stat().st_mtime_ns for p in root.rglob("*")
            if p.is_file() and p.parent != root}


def test_second_run_redoes_nothing_and_a_changed_input_redoes_its_night(six_nights, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    nights = []
    for p in (six_nights[0], six_nights[2], six_nights[6]):  # two nights and the corrupt file
        shutil.copy(p, src / p.name)
        hyp = p.with_name(p.stem + ".hypnogram.tsv")
        if hyp.exists():
            shutil.copy(hyp, src / hyp.name)
        nights.append(src / p.name)
    out = tmp_path / "out"

    first = run_batch([str(src / "*.edf")], out_dir=out, workers=1)
    assert (first.n_done, first.n_skipped, first.n_bad_input) == (2, 0, 1)
    before = _mtimes(out)
    # 2 x (the files analyze writes + batch.json) + the corrupt night's batch.json
    assert len(before) == 2 * (len(OUTPUT_FILES) + 1) + 1

    second = run_batch([str(src / "*.edf")], out_dir=out, workers=1)
    assert (second.n_done, second.n_skipped, second.n_bad_input, second.n_unexpected) == (0, 2, 1, 0)
    assert second.exit_status == 2
    assert _mtimes(out) == before  # not one file of any night was written again
    table = pd.read_parquet(out / "cohort.parquet")
    assert len(table) == 3 and table["error"].notna().sum() == 1

    # touched but identical: re-hashed, not re-analysed; the manifest's stat shortcut is refreshed
    os.utime(nights[0], ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))
    third = run_batch([str(src / "*.edf")], out_dir=out, workers=1)
    assert (third.n_done, third.n_skipped) == (0, 2)
    after = _mtimes(out)
    rid = nights[0].stem
    changed = {k for k in after if after[k] != before[k]}
    assert {str(k) for k in changed} == {f"{rid}/{MANIFEST}"}
    # a new hypnogram for one night: that night alone is analysed again
    hyp = src / f"{nights[1].stem}.hypnogram.tsv"
    hyp.write_text(hyp.read_text() + "\n")
    fourth = run_batch([str(src / "*.edf")], out_dir=out, workers=1)
    assert (fourth.n_done, fourth.n_skipped, fourth.n_bad_input) == (1, 1, 1)
    final = _mtimes(out)
    redone = {str(k).split("/")[0] for k in final if final[k] != after[k]}
    assert redone == {nights[1].stem}
    old_hash = table.set_index("recording_id").loc[nights[1].stem, "input_hash"]
    new = pd.read_parquet(out / "cohort.parquet").set_index("recording_id")
    assert new.loc[nights[1].stem, "input_hash"] != old_hash
    # another ruleset changes every result: nothing is current any more
    fifth = run_batch([str(src / "*.edf")], out_dir=out, workers=1, rules="wasm2016")
    assert (fifth.n_done, fifth.n_skipped, fifth.n_bad_input) == (2, 0, 1)


def test_a_bug_in_one_night_is_recorded_with_its_type_and_the_status_says_1(six_nights, tmp_path, monkeypatch):
    import myosleep.pipeline

    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero in a rule")

    monkeypatch.setattr(myosleep.pipeline, "analyze_to_dir", broken)
    night = {"recording_id": "n1", "recording": str(six_nights[0]), "hypnogram": None, "scored_events": None,
             "participant_id": None, "session_id": None, "age": None}
    status = run_night(night, {"rules": "aasm"}, str(tmp_path))
    assert status["status"] == "failed" and status["error_kind"] == "unexpected"
    assert status["error"] == "ZeroDivisionError: division by zero in a rule"
    manifest = json.loads((tmp_path / "n1" / MANIFEST).read_text())
    assert manifest["row"]["error"] == status["error"] and manifest["input_hash"]
    assert not (tmp_path / "n1" / "summary.json").exists()

    def result(bad, unexpected):
        return BatchResult(out_dir=tmp_path, n_nights=3, n_done=3 - bad - unexpected, n_skipped=0,
                           n_bad_input=bad, n_unexpected=unexpected, paths=(), elapsed_s=0.0)

    assert [result(0, 0).exit_status, result(2, 0).exit_status, result(1, 1).exit_status] == [0, 2, 1]


def test_hypnogram_convention_and_epoch_length_are_given_for_the_whole_cohort(six_nights, tmp_path):
    # a night scored as bare YASA integers (0-4, one per 30 s): the file does not say which convention
    # its codes follow, so it is refused unless the batch says (batch had no such option: one could
    # only see the refusal in its row)
    src = tmp_path / "in"
    src.mkdir()
    night = six_nights[1]
    shutil.copy(night, src / night.name)
    # 18 min: W, N1, N2, N3 and REM, whose code 4 is N3 (R&K stage 4) in other conventions
    codes = pd.Series([0] * 6 + [1] * 4 + [2] * 12 + [3] * 6 + [4] * 8)
    (src / f"{night.stem}.txt").write_text("\n".join(str(int(c)) for c in codes) + "\n")

    out = tmp_path / "out"
    refused = run_batch([str(src / "*.edf")], out_dir=out, workers=1, hypnograms="{stem}.txt")
    row = pd.read_csv(out / "cohort.csv").iloc[0]
    assert refused.n_bad_input == 1 and "--hypnogram-convention" in row["error"]

    given = run_batch([str(src / "*.edf")], out_dir=out, workers=1, hypnograms="{stem}.txt",
                      hypnogram_convention="yasa", hypnogram_epoch_s=30.0)
    assert (given.n_done, given.n_bad_input) == (1, 0)  # the options are part of the night's key: run again
    row = pd.read_csv(out / "cohort.csv").iloc[0]
    assert (row["hypnogram_format"], row["hypnogram_convention"], row["hypnogram_epoch_s"]) == ("text", "yasa", 30.0)
    summary = json.loads((out / night.stem / "summary.json").read_text())
    assert summary["sleep"]["n2_min"] == pytest.approx((codes == 2).sum() * 0.5)
    # a wrong option is the batch's one line, before any night runs
    with pytest.raises(ParameterError, match="unknown convention 'aasm-ints'"):
        run_batch([str(src / "*.edf")], out_dir=tmp_path / "o2", workers=1, hypnogram_convention="aasm-ints")
    with pytest.raises(ParameterError, match="--hypnogram-epoch: must be a number of seconds > 0"):
        run_batch([str(src / "*.edf")], out_dir=tmp_path / "o3", workers=1, hypnogram_epoch_s=0.0)

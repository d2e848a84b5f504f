"""Planning a batch: files, globs, folders, BIDS roots, unique recording ids, hypnogram patterns."""

from __future__ import annotations

import pytest

from myosleep.batch.covariates import bids_covariate_table, read_bids_tables
from myosleep.batch.plan import plan_nights, recording_ids
from myosleep.cli import main
from myosleep.errors import InputError


def _touch(path, text="x"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_bids_root_finds_every_night_with_its_events_labels_and_age(tmp_path):
    root = tmp_path / "ds"
    _touch(root / "dataset_description.json", "{}")
    _touch(root / "participants.tsv", "participant_id\tage\tsex\nsub-01\t34\tF\nsub-02\tn/a\tM\n")
    _touch(root / "sub-01" / "sub-01_sessions.tsv", "session_id\tage\nses-1\t34.5\nses-2\t35\n")
    for ses in ("ses-1", "ses-2"):
        _touch(root / "sub-01" / ses / "eeg" / f"sub-01_{ses}_task-sleep_eeg.edf")
        _touch(root / "sub-01" / ses / "eeg" / f"sub-01_{ses}_task-sleep_events.tsv")
    _touch(root / "sub-02" / "eeg" / "sub-02_task-sleep_run-1_eeg.bdf")
    _touch(root / "sub-02" / "eeg" / "sub-02_task-sleep_run-1_channels.tsv")
    _touch(root / "derivatives" / "x" / "sub-01_task-sleep_eeg.edf")  # not raw data: not a night

    nights = plan_nights([str(root)])
    assert [n.recording_id for n in nights] == ["sub-01_ses-1_task-sleep", "sub-01_ses-2_task-sleep",
                                                "sub-02_task-sleep_run-1"]
    assert [(n.participant_id, n.session_id) for n in nights] == [("sub-01", "ses-1"), ("sub-01", "ses-2"),
                                                                   ("sub-02", None)]
    assert nights[0].hypnogram.endswith("sub-01_ses-1_task-sleep_events.tsv") and nights[2].hypnogram is None
    assert [n.age for n in nights] == ["34.5y", "35y", None]  # sessions.tsv beats participants.tsv; n/a is none
    assert all(n.bids_root == str(root.resolve()) for n in nights)
    assert plan_nights([str(root)], age="6w")[2].age == "6w"  # --age applies to every night

    tables = read_bids_tables(root)
    assert tables[("sub-01", "ses-2")]["sex"] == "F" and tables[("sub-02", None)]["sex"] == "M"
    table = bids_covariate_table([str(root)])
    assert set(map(tuple, table[["participant_id", "session_id"]].fillna("").to_numpy().tolist())) == {
        ("sub-01", "ses-1"), ("sub-01", "ses-2"), ("sub-02", "")}


def test_same_stems_in_different_folders_get_distinct_ids(tmp_path):
    a = _touch(tmp_path / "siteA" / "night.edf")
    b = _touch(tmp_path / "siteB" / "night.edf")
    c = _touch(tmp_path / "siteB" / "other night!.edf")
    assert recording_ids([a, b, c], [False] * 3) == ["siteA__night", "siteB__night", "other_night_"]
    nights = plan_nights([str(tmp_path)])  # a plain folder is searched recursively
    assert sorted(n.recording_id for n in nights) == ["other_night_", "siteA__night", "siteB__night"]


def test_hypnogram_patterns(tmp_path):
    rec = _touch(tmp_path / "rec" / "p1_n1.edf")
    _touch(tmp_path / "scoring" / "p1_n1_stages.xml")
    _touch(tmp_path / "rec" / "p1_n1.hypnogram.tsv")
    n = plan_nights([str(rec)])[0]
    assert n.hypnogram == str((tmp_path / "rec" / "p1_n1.hypnogram.tsv").resolve())  # the default
    n = plan_nights([str(rec)], hypnograms="../scoring/{stem}_*.xml")[0]
    assert n.hypnogram.endswith("scoring/p1_n1_stages.xml") and n.problem is None
    n = plan_nights([str(rec)], hypnograms="{dir}/missing_{id}.tsv")[0]
    assert n.hypnogram is None and "names no file for p1_n1.edf" in n.problem
    with pytest.raises(InputError, match="unknown placeholder {nope}.*Placeholders are"):
        plan_nights([str(rec)], hypnograms="{nope}.tsv")


def test_a_night_whose_hypnogram_pattern_names_no_file_fails_alone(six_nights, tmp_path, capsys):
    status = main(["batch", str(six_nights[0]), str(six_nights[1]), "--out", str(tmp_path / "o"),
                   "--hypnograms", "{stem}.hypnogram.tsv", "--workers", "1"])
    assert status == 0
    status = main(["batch", str(six_nights[0]), "--out", str(tmp_path / "p"), "--hypnograms", "{stem}.xml"])
    captured = capsys.readouterr()
    assert status == 2 and "1 bad input" in captured.out
    assert "myosleep batch: 1 night: 0 analysed" in captured.out  # not "1 nights"
    assert "myosleep batch: 1 night failed; its error is in the error column of" in captured.err
    import pandas as pd

    row = pd.read_csv(tmp_path / "p" / "cohort.csv").iloc[0]
    assert "--hypnograms '{stem}.xml' names no file" in row["error"] and row["error_kind"] == "bad_input"


@pytest.mark.parametrize("args, message", [
    (["nothing-here.edf"], "no such file or folder"),
    (["/nonexistent/*.edf"], "matches no EDF/BDF recording"),
])
def test_inputs_that_name_no_recording_are_one_line_errors(tmp_path, capsys, args, message):
    status = main(["batch", *args, "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert status == 2 and message in err and err.count("\n") == 1
    assert not (tmp_path / "o").exists()


def test_workers_and_scheduler_exclude_each_other(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:  # argparse's own error: one line, status 2
        main(["batch", "x.edf", "--out", str(tmp_path), "--workers", "2", "--scheduler", "tcp://127.0.0.1:1"])
    assert exc.value.code == 2 and "not allowed with argument --workers" in capsys.readouterr().err
    status = main(["batch", "x.edf", "--out", str(tmp_path), "--workers", "0"])
    assert status == 2 and "--workers: must be an integer >= 1" in capsys.readouterr().err

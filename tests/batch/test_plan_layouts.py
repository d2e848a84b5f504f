"""Finding and pairing nights in the layouts public datasets ship (robustness defects 51-56).

Each layout is rebuilt in ``tmp_path`` with tiny files: recordings are EDF headers with one
second of data (``scripts/make_fixtures.py: write_raw_edf``), hypnograms are annotation-only
EDF+ files or text exports of a few lines.  Planning reads headers only, so these tests run
no analysis; the few that do (``run_night``) use 60-120-s recordings.
"""

from __future__ import annotations

import json
import os
import unicodedata
from pathlib import Path

import pytest

from myosleep.batch.night import run_night
from myosleep.batch.plan import plan_nights, recording_ids
from myosleep.cli import main
from tests.conftest import make_fixtures


def _rec(path: Path, labels=("EEG C4-M1",)) -> Path:
    """A tiny EDF recording (1 s, one record): enough for a header."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return make_fixtures().write_raw_edf(path, list(labels), [16] * len(labels), 1)


def _annotations(path: Path) -> Path:
    """An annotation-only EDF+ file (a Sleep-EDF/HMC/MASS-style hypnogram): every signal 'EDF Annotations'."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mk = make_fixtures()
    mk.write_raw_edf(path, ["EDF Annotations"], [60], 1)
    mk.patch_main_field(path, 192, 44, "EDF+C")
    return path


def _text(path: Path, text: str = "x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _plan(*inputs, **kw):
    return plan_nights([str(x) for x in inputs], **kw)


# ------------------------------------------------------------------ 51: links and glob characters
def test_a_linked_recording_keeps_its_name_and_finds_the_hypnogram_beside_the_link(tmp_path):
    raw = _rec(tmp_path / "raw" / "abc123.edf")
    (tmp_path / "links").mkdir()
    os.symlink("../raw/abc123.edf", tmp_path / "links" / "subj01.edf")
    hyp = _text(tmp_path / "links" / "subj01.hypnogram.tsv")
    for given in (tmp_path / "links" / "subj01.edf", tmp_path / "links"):
        (night,) = _plan(given)
        assert night.recording_id == "subj01"
        assert night.recording == str(tmp_path / "links" / "subj01.edf")
        assert night.hypnogram == str(hyp)
    (night,) = _plan(tmp_path / "links", hypnograms="{stem}.hypnogram.tsv")
    assert night.hypnogram == str(hyp) and night.problem is None
    # the link and its target given together are one night
    assert len(_plan(tmp_path / "links" / "subj01.edf", raw)) == 1


def test_a_git_annex_dataset_is_read_through_its_links_never_inside_git(tmp_path):
    """DataLad/git-annex (how OpenNeuro datasets install): every file a link into .git/annex/objects."""
    ds = tmp_path / "annexed"
    names = {"ST7011J0-PSG.edf": "MD5E-s1445872--93f110c7.edf", "ST7011JP-Hypnogram.edf": "MD5E-s590--c1c08bab.edf",
             "ST7012J0-PSG.edf": "MD5E-s1445872--9c507255.edf", "ST7012JP-Hypnogram.edf": "MD5E-s588--5347c000.edf"}
    for name, key in names.items():
        obj = ds / ".git" / "annex" / "objects" / key[-6:-4] / key[-8:-6] / key / key
        (_annotations if "Hypnogram" in name else _rec)(obj)
        os.symlink(os.path.relpath(obj, ds), ds / name)
    _text(ds / "ST7011J0-PSG.tsv")
    nights = _plan(ds)
    assert [n.recording_id for n in nights] == ["ST7011J0-PSG", "ST7012J0-PSG"]
    assert [Path(n.hypnogram).name for n in nights] == ["ST7011JP-Hypnogram.edf", "ST7012JP-Hypnogram.edf"]
    assert all(".git" not in n.recording and ".git" not in n.hypnogram for n in nights)
    nights = _plan(ds / "ST7011J0-PSG.edf", hypnograms="{stem}.tsv")  # {stem} is the link's name
    assert nights[0].hypnogram == str(ds / "ST7011J0-PSG.tsv")


def test_linked_folders_are_followed_once_without_loops(tmp_path):
    _rec(tmp_path / "site" / "a.edf")
    (tmp_path / "top").mkdir()
    os.symlink("../site", tmp_path / "top" / "site_link")
    os.symlink(".", tmp_path / "top" / "loop")
    _rec(tmp_path / "top" / "b.edf")
    assert sorted(n.recording_id for n in _plan(tmp_path / "top")) == ["a", "b"]
    assert len(_plan(tmp_path / "top", tmp_path / "site")) == 2  # a.edf reached twice: one night


@pytest.mark.parametrize("folder, stem", [("Study [2019]", "n1"), ("brackets", "night [1]"),
                                          ("a*b", "x?y"), ("[ab]", "[!c]")])
@pytest.mark.parametrize("pattern", [None, "{stem}.hypnogram.tsv", "{dir}/{stem}.hypnogram.tsv",
                                     "{stem}.hypno*.tsv"])
def test_glob_characters_in_paths_are_characters(tmp_path, folder, stem, pattern):
    rec = _rec(tmp_path / folder / f"{stem}.edf")
    hyp = _text(tmp_path / folder / f"{stem}.hypnogram.tsv")
    _text(tmp_path / folder / "decoy.hypnogram.tsv")  # a wildcard reading of [..] or ? would see more files
    (night,) = _plan(rec, hypnograms=pattern)
    assert night.hypnogram == str(hyp) and night.problem is None


# ------------------------------------------------------------------ 52: non-recordings in folders
def _sleep_edf(root: Path) -> Path:
    for sc in ("SC4001E0", "SC4002E0", "SC4011E0"):
        _rec(root / "sleep-cassette" / f"{sc}-PSG.edf")
    _annotations(root / "sleep-cassette" / "SC4001EC-Hypnogram.edf")
    _annotations(root / "sleep-cassette" / "SC4002EC-Hypnogram.edf")
    _annotations(root / "sleep-cassette" / "SC4011EH-Hypnogram.edf")
    _rec(root / "sleep-telemetry" / "ST7011J0-PSG.edf")
    _annotations(root / "sleep-telemetry" / "ST7011JP-Hypnogram.edf")
    return root


def test_annotation_only_files_are_not_nights_and_are_counted(tmp_path, capsys):
    root = _sleep_edf(tmp_path / "sleep-edfx")
    _rec(tmp_path / "mass" / "01-02-0001 PSG.edf")
    for name in ("01-02-0001 Base.edf", "01-02-0001 Spindles_E1.edf", "01-02-0001 Spindles_E2.edf"):
        _annotations(tmp_path / "mass" / name)
    _rec(tmp_path / "hmc" / "SN001.edf")
    _annotations(tmp_path / "hmc" / "SN001_sleepscoring.edf")
    for given, ids, left in ((root, ["SC4001E0-PSG", "SC4002E0-PSG", "SC4011E0-PSG", "ST7011J0-PSG"], 4),
                             (f"{root}/**/*.edf", ["SC4001E0-PSG", "SC4002E0-PSG", "SC4011E0-PSG", "ST7011J0-PSG"], 4),
                             (tmp_path / "mass", ["01-02-0001_PSG"], 3), (tmp_path / "hmc", ["SN001"], 1)):
        plan = _plan(given)
        assert [n.recording_id for n in plan] == ids
        assert any(f"annotation files, not recordings: {left} (e.g. " in note for note in plan.notes)
    # a folder of annotation files only: the refusal says what it found
    status = main(["batch", str(tmp_path / "mass" / "*Spindles*"), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert status == 2 and "2 annotation files, not recordings" in err and err.count("\n") == 1


def test_myosleep_outputs_inside_the_input_are_not_nights(tmp_path):
    _rec(tmp_path / "SN001.edf")
    _rec(tmp_path / "SN002.edf")
    # a batch's output (night folders with batch.json and annotations.edf) and analyze's default SN001-myosleep/
    for folder in (tmp_path / "out" / "SN001", tmp_path / "out" / "SN002", tmp_path / "SN001-myosleep"):
        _annotations(folder / "annotations.edf")
        _text(folder / "summary.json", json.dumps({"tool": {"name": "myosleep", "version": "0"}, "ruleset": "aasm"}))
        _rec(folder / "copy.edf")  # even a recording kept there is output, not input
    _text(tmp_path / "out" / "SN003" / "batch.json",  # a failed night: its manifest only
          json.dumps({"version": "0", "input_hash": None, "status": "failed", "row": {}}))
    _rec(tmp_path / "out" / "SN003" / "x.edf")
    _text(tmp_path / "out" / "cohort.csv", "recording_id,status\nSN001,done\n")
    _rec(tmp_path / "out" / "stray.edf")
    _rec(tmp_path / "mine" / "summary_night.edf")
    _text(tmp_path / "mine" / "summary.json", '{"tool": {"name": "other"}}')  # someone else's summary.json
    plan = _plan(tmp_path)
    assert sorted(n.recording_id for n in plan) == ["SN001", "SN002", "summary_night"]
    assert any(note.startswith("left out myosleep output folders: 2") for note in plan.notes)
    assert sorted(n.recording_id for n in _plan(f"{tmp_path}/**/*.edf")) == ["SN001", "SN002", "summary_night"]


def test_a_nights_error_names_batchs_options(tmp_path):
    rec = make_fixtures().write_raw_edf(tmp_path / "emg.edf", ["Chin1-Chin2"], [256], 60)
    status = run_night({"recording_id": "emg", "recording": str(rec), "hypnogram": None}, {"rules": "aasm"},
                       str(tmp_path / "out"))
    assert status["error_kind"] == "bad_input" and "--hypnograms PATTERN" in status["error"]
    assert "--hypnogram FILE" not in status["error"]


# ------------------------------------------------------------------ 53: patterns and dataset layouts
@pytest.mark.parametrize("pattern, said", [
    ("{stem[:6]}*-Hypnogram.edf", "indexes or takes an attribute"),
    ("{stem[0]}.tsv", "indexes or takes an attribute"),
    ("{stem.x}.tsv", "indexes or takes an attribute"),
    ("{stem.upper}.tsv", "indexes or takes an attribute"),
    ("{0}.tsv", "unknown placeholder {0}"),
    ("{}.tsv", "names no placeholder"),
    ("{stem!r}.tsv", "conversion !r"),
    ("{stem:d}.tsv", "format spec 'd'"),
    ("{stem:{id}}.tsv", "nested field"),
    ("{stem.tsv", "cannot read"),
    ("}{stem}.tsv", "cannot read"),
])
def test_malformed_patterns_are_one_line_errors(tmp_path, capsys, pattern, said):
    rec = _rec(tmp_path / "SC4001E0-PSG.edf")
    status = main(["batch", str(rec), "--out", str(tmp_path / "o"), "--hypnograms", pattern])
    err = capsys.readouterr().err
    assert status == 2 and said in err and "--hypnograms" in err and "{stem:.N}" in err and err.count("\n") == 1
    assert not (tmp_path / "o").exists()


def test_the_format_spec_pairs_sleep_edf_and_mass(tmp_path):
    root = _sleep_edf(tmp_path / "sedf")
    nights = _plan(f"{root}/**/*-PSG.edf", hypnograms="{stem:.6}*-Hypnogram.edf")
    assert [Path(n.hypnogram).name for n in nights] == ["SC4001EC-Hypnogram.edf", "SC4002EC-Hypnogram.edf",
                                                        "SC4011EH-Hypnogram.edf", "ST7011JP-Hypnogram.edf"]
    rec = _rec(tmp_path / "mass" / "01-02-0001 PSG.edf")
    _annotations(tmp_path / "mass" / "01-02-0001 Base.edf")
    assert _plan(rec, hypnograms="{stem:.10} Base.edf")[0].hypnogram.endswith("01-02-0001 Base.edf")


_CAP = ("Patient Name:\tn1\nRecording Date:\t13/08/2008\n\nEvents Included:\nSLEEP-S0\n\n"
        "Sleep Stage\tPosition\tTime [hh:mm:ss]\tEvent\tDuration[s]\tLocation\n"
        "W\tUnknown Position\t22:00:00\tSLEEP-S0\t30\tROC-LOC\n")


def _layout(tmp_path: Path, name: str) -> tuple[Path, Path]:
    """(recording, its hypnogram) laid out as the dataset ships them."""
    if name == "sleep-edf":
        return (_rec(tmp_path / "sleep-cassette" / "SC4001E0-PSG.edf"),
                _annotations(tmp_path / "sleep-cassette" / "SC4001EC-Hypnogram.edf"))
    if name == "sleep-edf-st":
        return (_rec(tmp_path / "sleep-telemetry" / "ST7022J0-PSG.edf"),
                _annotations(tmp_path / "sleep-telemetry" / "ST7022JK-Hypnogram.edf"))
    if name == "mass":
        return _rec(tmp_path / "SS3" / "01-03-0001 PSG.edf"), _annotations(tmp_path / "SS3" / "01-03-0001 Base.edf")
    if name == "hmc":
        return _rec(tmp_path / "SN001.edf"), _annotations(tmp_path / "SN001_sleepscoring.edf")
    if name == "dreams":
        _text(tmp_path / "Hypnogram_R&K_subject1.txt", "[HypnogramR&K]\n5\n")
        return (_rec(tmp_path / "subject1.edf"),
                _text(tmp_path / "HypnogramAASM_subject1.txt", "[HypnogramAASM]\n5\n5\n"))
    if name == "isruc":
        _text(tmp_path / "subgroupI" / "1" / "1_2.txt", "0\n")
        return _rec(tmp_path / "subgroupI" / "1" / "1.rec"), _text(tmp_path / "subgroupI" / "1" / "1_1.txt", "0\n")
    if name == "nsrr":
        psg = tmp_path / "shhs" / "polysomnography"
        _text(psg / "annotations-events-profusion" / "shhs1" / "shhs1-200001-profusion.xml", "<CMPStudyConfig/>")
        return (_rec(psg / "edfs" / "shhs1" / "shhs1-200001.edf"),
                _text(psg / "annotations-events-nsrr" / "shhs1" / "shhs1-200001-nsrr.xml", "<PSGAnnotation/>"))
    if name == "nsrr-flat":  # MESA: no cohort folder
        psg = tmp_path / "mesa" / "polysomnography"
        return (_rec(psg / "edfs" / "mesa-sleep-0001.edf"),
                _text(psg / "annotations-events-nsrr" / "mesa-sleep-0001-nsrr.xml", "<PSGAnnotation/>"))
    if name == "cap":
        return _rec(tmp_path / "n1.edf"), _text(tmp_path / "n1.txt", _CAP)
    raise ValueError(name)


@pytest.mark.parametrize("name", ["sleep-edf", "sleep-edf-st", "mass", "hmc", "dreams", "isruc", "nsrr",
                                  "nsrr-flat", "cap"])
def test_public_dataset_layouts_pair_their_hypnograms(tmp_path, name):
    rec, hyp = _layout(tmp_path, name)
    plan = _plan(tmp_path)
    assert [n.recording for n in plan] == [str(rec)]
    night = plan[0]
    assert night.hypnogram == str(hyp) and night.problem is None
    assert night.hypnogram_paired_by == name.split("-st")[0].replace("nsrr-flat", "nsrr")
    assert night.hypnogram_convention == ("isruc" if name == "isruc" else None)


def test_a_layout_names_one_file_or_the_night_says_so(tmp_path):
    rec = _rec(tmp_path / "SC4001E0-PSG.edf")
    _annotations(tmp_path / "SC4001EC-Hypnogram.edf")
    _annotations(tmp_path / "SC4001EH-Hypnogram.edf")
    (night,) = _plan(rec)
    assert night.hypnogram is None and "names 2 hypnograms for SC4001E0-PSG.edf" in night.problem
    assert "--hypnograms PATTERN" in night.problem
    # a .txt beside a recording that is not a RemLogic export is no CAP hypnogram
    other = _rec(tmp_path / "cap" / "n1.edf")
    _text(tmp_path / "cap" / "n1.txt", "notes of the night\n")
    assert _plan(other)[0].hypnogram is None


def test_a_default_hypnogram_that_cannot_be_read_is_the_nights_error(tmp_path):
    rec = make_fixtures().make_psg(tmp_path / "SN001.edf", duration_s=60.0)
    bad = _annotations(tmp_path / "SN001_sleepscoring.edf")  # no annotations in its record: no stages
    (night,) = _plan(rec)
    assert night.hypnogram == str(bad)
    status = run_night(night.to_dict() | {"problem": night.problem}, {"rules": "aasm"}, str(tmp_path / "out"))
    assert status["status"] == "failed" and status["error_kind"] == "bad_input"
    assert str(bad) in status["error"]


# ------------------------------------------------------------------ 54: BIDS events.tsv
def test_a_bids_events_table_without_stages_is_not_the_hypnogram(tmp_path):
    """ds/bids_markers: lights and EEGLAB boundaries only; ds/bids_mixed: stages plus an arousal."""
    root = tmp_path / "bids"
    _text(root / "dataset_description.json", "{}")
    stages = [(0, 30, "Sleep stage W"), (30, 30, "Sleep stage N1"), (60, 60, "Sleep stage N2")]
    rows = {"sub-01": "onset\tduration\ttrial_type\n0.0\t0\tLights off\n12.5\t0\tboundary\n110\t0\tLights on\n",
            "sub-02": "onset\tduration\ttrial_type\n" + "".join(f"{o}\t{d}\t{t}\n" for o, d, t in stages)
                      + "40.2\t12.0\tArousal\n"}
    for sub, text in rows.items():
        eeg = root / sub / "eeg"
        eeg.mkdir(parents=True)
        # the recordings carry EDF+ stage annotations of their own: staged "as analyze does" without YASA
        make_fixtures().make_psg(eeg / f"{sub}_task-sleep_eeg.edf", duration_s=120.0,
                                 annotations=[(o, d, t.replace("N", "")) for o, d, t in stages])
        _text(eeg / f"{sub}_task-sleep_events.tsv", text)
    out = tmp_path / "out"
    for night in _plan(root):
        assert night.hypnogram_paired_by == "bids-events" and night.hypnogram.endswith("_events.tsv")
        status = run_night(night.to_dict() | {"problem": night.problem}, {"rules": "aasm"}, str(out))
        assert status["status"] == "done", status
    row1 = json.loads((out / "sub-01_task-sleep" / "batch.json").read_text())["row"]
    assert row1["hypnogram_note"] == ("events.tsv holds no sleep stages (its rows: 'Lights off', 'Lights on', "
                                      "'boundary'); staged without it")
    assert row1["hypnogram_source"].startswith("file:") and row1["hypnogram_source"].endswith("_eeg.edf")
    row2 = json.loads((out / "sub-02_task-sleep" / "batch.json").read_text())["row"]
    assert row2["hypnogram_note"] is None and row2["hypnogram_source"].endswith("sub-02_task-sleep_events.tsv")
    assert row2["hypnogram_paired_by"] == "bids-events" and row2["tst_min"] == 1.5  # N1 + N2 of its stage rows


# ------------------------------------------------------------------ 54: --hypnograms none and ''
def test_hypnograms_none_stages_every_night_and_an_empty_pattern_is_refused(tmp_path, capsys):
    rec = _rec(tmp_path / "n1.edf")
    _text(tmp_path / "n1.hypnogram.tsv")
    assert _plan(rec)[0].hypnogram is not None
    for value in ("none", "NONE"):
        (night,) = _plan(rec, hypnograms=value)
        assert night.hypnogram is None and night.problem is None and night.hypnogram_paired_by is None
    status = main(["batch", str(rec), "--out", str(tmp_path / "o"), "--hypnograms", ""])
    err = capsys.readouterr().err
    assert status == 2 and "--hypnograms: is empty" in err and "'none'" in err and err.count("\n") == 1


# ------------------------------------------------------------------ 55: recordings by header
def test_rec_and_other_extensions_are_found_by_their_header(tmp_path, capsys):
    _rec(tmp_path / "isruc" / "subgroupI" / "1" / "1.rec")
    _rec(tmp_path / "isruc" / "subgroupI" / "2" / "2.REC")
    _rec(tmp_path / "isruc" / "x.edf+")
    _text(tmp_path / "isruc" / "other.rec", "not an EDF: another program's .rec\n")
    plan = _plan(tmp_path / "isruc")
    assert [n.recording_id for n in plan] == ["1", "2", "x"]
    assert any("not EDF/BDF: 1 (e.g. other.rec)" in note for note in plan.notes)
    assert [n.recording_id for n in _plan(f"{tmp_path}/isruc/**/*.rec")] == ["1"]  # globs are case-sensitive
    assert [n.recording_id for n in _plan(f"{tmp_path}/isruc/**/*.[rR][eE][cC]")] == ["1", "2"]


def test_bids_emg_datasets_are_read_and_brainvision_is_named(tmp_path, capsys):
    emg = tmp_path / "bids_emg"
    _text(emg / "dataset_description.json", "{}")
    _rec(emg / "sub-01" / "ses-01" / "emg" / "sub-01_ses-01_task-sleep_emg.edf", labels=("Chin1-Chin2",))
    _rec(emg / "sub-02" / "emg" / "sub-02_task-sleep_emg.bdf", labels=("LAT",))
    nights = _plan(emg)
    assert [(n.recording_id, n.participant_id) for n in nights] == [("sub-01_ses-01_task-sleep", "sub-01"),
                                                                     ("sub-02_task-sleep", "sub-02")]
    bv = tmp_path / "ds003768"
    _text(bv / "dataset_description.json", "{}")
    for run in (1, 2):
        for ext in ("vhdr", "vmrk", "eeg"):
            _text(bv / "sub-01" / "eeg" / f"sub-01_task-sleep_run-{run}_eeg.{ext}")
    status = main(["batch", str(bv), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1
    assert "BrainVision (2 files, e.g. sub-01_task-sleep_run-1_eeg.vhdr), formats myosleep does not read" in err
    assert "Convert them to EDF or BDF" in err


# ------------------------------------------------------------------ 56: recording ids
def test_recording_ids_keep_every_script_and_need_no_position(tmp_path):
    names = ["Nacht 1 – Müller.EDF", "日本語.edf", "Иванов.edf", "Петров.edf", "UPPER.BDF.edf", "x.Edf",
             unicodedata.normalize("NFD", "Mélanie.edf"), "a b.edf", "a_b.edf", "y.edf", "y.bdf", "CON.edf",
             "..edf", "ab<c>|d.edf"]
    paths = [tmp_path / "misc" / n for n in names]
    ids = recording_ids(paths, [False] * len(paths))
    assert ids[:7] == ["Nacht_1_Müller", "日本語", "Иванов", "Петров", "UPPER.BDF", "x", "Mélanie"]
    assert ids[6] == unicodedata.normalize("NFC", "Mélanie")
    assert ids[7].startswith("a_b~") and ids[8].startswith("a_b~") and ids[7] != ids[8]
    assert ids[9:13] == ["y.edf", "y.bdf", "CON_", "_"]
    assert ids[13] == "ab_c_d"
    # no id depends on the others' order or on files added later (except a file sharing its name)
    assert recording_ids(paths[::-1], [False] * len(paths)) == ids[::-1]
    more = paths + [tmp_path / "misc" / "Сидоров.edf"]
    assert recording_ids(more, [False] * len(more))[:-1] == ids
    # the same name in two folders: as few parent folders as needed, in any script
    two = [tmp_path / "Иванов" / "ночь.edf", tmp_path / "Петров" / "ночь.edf"]
    assert recording_ids(two, [False, False]) == ["Иванов__ночь", "Петров__ночь"]

"""The cohort's outputs on non-BIDS layouts (defects 57-59): the report's cells, whose each night is,
the covariate joins that miss nights, EMG left out, each night's age from a covariate table.

The layouts are those of public datasets (NSRR ``shhs1-200001.edf`` with its ``shhs1-dataset-*.csv``
keyed by ``nsrrid``, a per-recording table, a participants table on nights that carry no participant,
the CAP Sleep Database's chin ``EMG1-EMG2``), rebuilt from two 0.3-h simulated nights; one analysis
run, the others resume it (the covariates are joined again at the end of every run).
"""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import myosleep
from myosleep.batch import covariates as cov
from myosleep.batch import run_batch
from myosleep.batch.covariates import CovariateJoin, join_covariates, read_covariate_table
from myosleep.batch.report import _environment, render_cohort_report
from myosleep.batch.stats import DESIGN_CROSS_SECTIONAL, DESIGN_ONE_PERSON, DESIGN_REPEATED, associate
from myosleep.batch.table import cohort_frame, summary_row
from myosleep.cli import main
from myosleep.errors import InputError

#: What the cohort says of nights that no table or layout assigns to anyone (myosleep.batch.stats).
DESIGN_UNKNOWN = "participants unknown (nights as independent)"


def resolve_nights(*args, **kwargs):
    return cov.resolve_nights(*args, **kwargs)

TEMPLATES = Path(myosleep.__file__).resolve().parent  # the templates of the package under test
DICT_METHODS = ("keys", "items", "values", "get", "update", "pop", "popitem", "copy", "clear", "setdefault",
                "fromkeys")


def _relabel(edf: Path, old: str, new: str) -> None:
    """Rename one signal of an EDF header (16-byte label fields after the 256-byte fixed header)."""
    data = bytearray(edf.read_bytes())
    ns = int(data[252:256])
    for i in range(ns):
        at = 256 + 16 * i
        if data[at:at + 16].decode("ascii").strip() == old:
            data[at:at + 16] = new.ljust(16).encode("ascii")
            edf.write_bytes(bytes(data))
            return
    raise AssertionError(f"no signal {old!r} in {edf}")


@pytest.fixture(scope="module")
def nsrr(six_nights, tmp_path_factory):
    """Two PLMD nights laid out as NSRR's SHHS (``shhs1-<nsrrid>.edf``), the first with a CAP-style chin
    ``EMG1-EMG2`` (EMG of unknown site); the SHHS visit-1 dataset keyed by nsrrid (ages 7 and 54)."""
    root = tmp_path_factory.mktemp("shhs")
    edfs = root / "polysomnography" / "edfs" / "shhs1"
    edfs.mkdir(parents=True)
    src = six_nights[1]  # plmd
    for nid in ("200001", "200002"):
        shutil.copy(src, edfs / f"shhs1-{nid}.edf")
        shutil.copy(src.with_name(src.stem + ".hypnogram.tsv"), edfs / f"shhs1-{nid}.hypnogram.tsv")
    _relabel(edfs / "shhs1-200001.edf", "EMG Chin", "EMG1-EMG2")
    datasets = root / "datasets"
    datasets.mkdir()
    (datasets / "shhs1-dataset-0.21.0.csv").write_text("nsrrid,age_s1,gender,bmi_s1\n200001,7,1,17.5\n"
                                                       "200002,54,2,31.0\n300001,60,1,25.0\n")
    (root / "ages_by_participant.csv").write_text("participant_id,age\nshhs1-200001,7\nshhs1-200002,54\n")
    return root, edfs, datasets / "shhs1-dataset-0.21.0.csv"


def _run_cli(args, capfd) -> tuple[int, str]:
    status = main(["batch", *map(str, args)])
    return status, capfd.readouterr().err


# ----------------------------------------------------------------------------------------- defect 57 (a)


class _Cells(HTMLParser):
    """Text of every <td> of the table inside ``<section id=...>``."""

    def __init__(self, section: str):
        super().__init__()
        self.section, self.inside, self.cell, self.rows = section, False, None, []

    def handle_starttag(self, tag, attrs):
        if tag == "section":
            self.inside = dict(attrs).get("id") == self.section
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag == "td":
            self.cell = ""

    def handle_endtag(self, tag):
        if tag == "td" and self.cell is not None:
            self.rows[-1].append(" ".join(self.cell.split()))
            self.cell = None
        elif tag == "section":
            self.inside = False

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def _cohort(n: int, participants) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    x = rng.normal(size=n)
    return pd.DataFrame({"recording_id": [f"rec{i + 11}" for i in range(n)], "participant_id": participants,
                         "session_id": None, "status": "done", "error": None, "error_kind": None,
                         "night_date": None, "hypnic_jerks_per_h": 2 + x + rng.normal(0, .3, n),
                         "cov_age": 40 + 10 * x})


def _join(source="ages.csv", keys="recording_id (the night's output folder)") -> CovariateJoin:
    return CovariateJoin(source=source, keys=keys, covariates=("age",), not_analysed=("sex",), n_nights_matched=12,
                         n_nights_unmatched=0, n_rows_unused=0, kind="recording")


def _report(cohort: pd.DataFrame, warnings=()) -> str:
    res = associate(cohort, measures=["hypnic_jerks_per_h"], covariates={"age": "cov_age"})
    return render_cohort_report(cohort, [_join()], res, covariates={"age": "cov_age"}, warnings=warnings)


def test_the_joined_on_cell_reads_the_join_rule():
    html = _report(_cohort(12, [None] * 12))
    parser = _Cells("joins")
    parser.feed(html)
    rows = [r for r in parser.rows if r]
    assert rows == [["ages.csv", "recording_id (the night's output folder)", "age", "sex", "12", "0", "0"]]
    assert "built-in method" not in html and "bound method" not in html and "function " not in html


@pytest.mark.parametrize("template", sorted(str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*.j2")))
def test_no_template_reads_a_dict_method_as_a_field(template):
    """``x.keys`` in Jinja2 is the dict's method, not its "keys" entry: no template may read one so."""
    text = (TEMPLATES / template).read_text(encoding="utf-8")
    exprs = re.findall(r"{{(.*?)}}|{%(.*?)%}", text, re.S)
    bad = [m.group(0) for e in exprs for m in re.finditer(
        rf"\b\w+\.({'|'.join(DICT_METHODS)})\b(?!\s*\()", "".join(e))]
    assert not bad, f"{template}: {bad} (write x['name'])"


def test_the_report_environment_reads_a_dicts_entries_before_its_methods():
    env = _environment()
    row = {name: f"<{name}>" for name in DICT_METHODS}
    out = env.from_string("|".join(f"{{{{ r.{name} }}}}" for name in DICT_METHODS)).render(r=row)
    assert out == "|".join(f"&lt;{name}&gt;" for name in DICT_METHODS)
    # a dict without such an entry keeps its methods (the per-night templates call .items())
    assert env.from_string("{% for k, v in r.items() %}{{ k }}={{ v }};{% endfor %}").render(r={"a": 1}) == "a=1;"


# ----------------------------------------------------------------------------------------- defect 57 (b)


def test_nights_whose_participant_nobody_names_are_not_one_person():
    df = _cohort(40, [None] * 40)
    res = associate(df, measures=["hypnic_jerks_per_h"], covariates={"age": "cov_age"})
    a = res.associations[0]
    assert a.design == DESIGN_UNKNOWN and a.n_participants == 0 and a.n_nights_participant_unknown == 40
    assert "Newey-West" not in a.slope_method and "HC3" in a.slope_method and a.p == a.rho_p
    assert "recording_id and participant_id" in a.note and "BIDS" in a.note
    # a person named on every night is one person; several named once each are one night per person
    one = associate(df.assign(participant_id="me"), measures=["hypnic_jerks_per_h"], covariates={"age": "cov_age"})
    assert one.associations[0].design == DESIGN_ONE_PERSON and one.associations[0].n_participants == 1
    many = associate(df.assign(participant_id=[f"p{i}" for i in range(40)]), measures=["hypnic_jerks_per_h"],
                     covariates={"age": "cov_age"})
    assert many.associations[0].design == DESIGN_CROSS_SECTIONAL and many.associations[0].n_participants == 40


def test_nights_without_a_participant_among_named_ones_count_as_their_own():
    df = _cohort(30, [f"p{i % 5}" for i in range(20)] + [None] * 10)
    a = associate(df, measures=["hypnic_jerks_per_h"], covariates={"age": "cov_age"}).associations[0]
    assert a.design == DESIGN_REPEATED and (a.n_participants, a.n_nights_participant_unknown) == (5, 10)
    assert "10 nights without a participant id, each counted as a person of its own" in a.note


def test_the_report_of_nights_without_participants_says_so_and_how_to_name_them():
    html = _report(_cohort(14, [None] * 14), warnings=["participants unknown: ..."])
    meta = re.search(r'id="meta">(.*?)</div>', html, re.S).group(1)
    assert "participants unknown" in meta and "1 person" not in meta
    assert "One person tracked here" not in html and "Newey-West" not in html
    assert 'id="participants-unknown"' in html and "recording_id and participant_id columns" in html
    assert 'id="warnings"' in html and "participants unknown: ..." in html
    named = _report(_cohort(14, ["me"] * 14))
    assert "from 1 person" in named and "One person tracked here" in named and "Newey-West" in named


def test_a_recording_table_names_each_nights_participant(tmp_path):
    nights = pd.DataFrame({"recording_id": ["rec11", "rec12", "sub-01_task-sleep"],
                           "participant_id": [None, None, "sub-01"], "session_id": None, "age": None})
    p = tmp_path / "who.csv"
    p.write_text("recording_id,participant_id,stress\nrec11,anna,3\nrec12,ben,4\nsub-01_task-sleep,01,5\n")
    ids = resolve_nights(nights, [(str(p), read_covariate_table(p))])
    assert [ids[r].participant_id for r in nights["recording_id"]] == ["anna", "ben", "sub-01"]
    assert ids["rec11"].participant_source == f"{p} (participant_id)"
    assert ids["sub-01_task-sleep"].participant_source == "BIDS sub- label"
    p.write_text("recording_id,participant_id\nsub-01_task-sleep,sub-02\n")
    with pytest.raises(InputError, match="participant 'sub-02', but BIDS sub- label says 'sub-01'"):
        resolve_nights(nights, [(str(p), read_covariate_table(p))])


# ----------------------------------------------------------------------------------------- defect 57 (c)


def test_a_participants_table_on_nights_without_participants_says_it_matched_none(tmp_path):
    cohort = pd.DataFrame({"recording_id": ["shhs1-200001", "shhs1-200002"], "participant_id": [None, None],
                           "session_id": [None, None], "night_date": [None, None]})
    p = tmp_path / "ages_by_participant.csv"
    p.write_text("participant_id,age\nshhs1-200001,7\nshhs1-200002,71\n")
    _, info = join_covariates(cohort, read_covariate_table(p), source=str(p))
    assert (info.n_nights_matched, info.n_nights_unmatched) == (0, 2)
    line = info.warning()
    assert line.startswith(f"{p}: covariate table matches no night") and "\n" not in line
    assert "2 of the table's participant_id values are recording ids: name that column recording_id" in line
    p.write_text("recording_id,stress\nshhs1-200001,3\n")
    _, info = join_covariates(cohort, read_covariate_table(p), source=str(p))
    assert "has no row for 1 of 2 nights" in info.warning() and "shhs1-200002" in info.warning()
    p.write_text("recording_id,stress\nshhs1-200001,3\nshhs1-200002,4\n")
    assert join_covariates(cohort, read_covariate_table(p), source=str(p))[1].warning() is None


# ----------------------------------------------------------------------------------------- defect 58


def _summary_with(channels, refused=None):
    return {"channels": {"used": [c["label"] for c in channels if c.get("used")], "refused": refused or {},
                        "all": channels}}


def test_the_cohort_row_lists_emg_of_unknown_site_and_refused_channels():
    chans = [{"label": "EMG1-EMG2", "role": "emg", "used": False},
             {"label": "DX1-DX2", "role": "leg", "used": True},
             {"label": "X3", "role": "leg", "used": False}]
    row = summary_row(_summary_with(chans, {"X3": "step 40 uV too coarse"}))
    assert row["channels_emg_unknown_site"] == "EMG1-EMG2"
    assert row["channels_left_out"] == ("EMG1-EMG2: EMG of unknown site (the label names no muscle), not analysed"
                                        " | X3: step 40 uV too coarse")
    df = cohort_frame([{"recording_id": f"n{i}", "status": "done", "error": None, **row} for i in range(3)]
                      + [{"recording_id": "n3", "status": "done", "error": None,
                          **summary_row(_summary_with([{"label": "EMG", "role": "emg"}, {"label": "EMG2",
                                                                                          "role": "emg"}]))}])
    from myosleep.batch.run import _emg_unknown_site_warning

    line = _emg_unknown_site_warning(df)
    assert line.startswith("4 of 4 analysed nights have EMG channels of unknown site")
    assert "EMG1-EMG2 in 3, EMG, EMG2 in 1" in line and line.endswith("--channels chin=EMG1-EMG2")


def test_the_cohort_row_has_the_nights_plm_measures_of_both_rulesets():
    """The summary's WASM all-candidate index, periodicity index and PLMS-arousal index reach the cohort
    table (they were only in summary.json: a cohort comparing AASM and WASM nights had no column)."""
    summary = {"ruleset": "wasm2016", "indices_per_hour": {"plms_index": 9.33, "plms_all_clm_index": 9.78,
                                                           "periodicity_index": 0.5, "plms_arousal_index": 2.25,
                                                           "plmw_index": 60.0}}
    row = summary_row(summary)
    assert (row["plms_index_per_h"], row["plms_all_clm_index_per_h"], row["plm_periodicity_index"],
            row["plms_arousal_index_per_h"], row["plmw_index_per_h"]) == (9.33, 9.78, 0.5, 2.25, 60.0)
    aasm = summary_row({"ruleset": "aasm", "indices_per_hour": {"plms_index": 9.33, "plms_all_clm_index": None}})
    assert aasm["plms_all_clm_index_per_h"] is None
    cols = list(cohort_frame([{"recording_id": "n1", "status": "done", "error": None, **row}]).columns)
    at = cols.index("plmw_index_per_h")
    assert cols[at:at + 4] == ["plmw_index_per_h", "plms_all_clm_index_per_h", "plm_periodicity_index",
                               "plms_arousal_index_per_h"]


# ----------------------------------------------------------------------------------------- defect 59


def test_nsrr_dataset_is_keyed_by_nsrrid_and_gives_participant_and_age(nsrr):
    _, _, dataset = nsrr
    table = read_covariate_table(dataset)
    nights = pd.DataFrame({"recording_id": ["shhs1-200001", "shhs2-200001", "shhs1-200002", "other"],
                           "participant_id": None, "session_id": None, "age": None})
    ids = resolve_nights(nights, [(str(dataset), table)])
    assert [ids[r].participant_id for r in nights["recording_id"]] == ["200001", "200001", "200002", None]
    assert [ids[r].age for r in nights["recording_id"]] == ["7y", "7y", "54y", None]
    assert ids["shhs1-200001"].age_source == f"{dataset} (age_s1)"
    cohort = nights.drop(columns="age").assign(night_date=None)
    joined, info = join_covariates(cohort, table, source=str(dataset))
    assert joined["cov_age_s1"].tolist()[:3] == [7.0, 7.0, 54.0] and "cov_nsrrid" not in joined
    assert (info.n_nights_matched, info.n_nights_unmatched, info.n_rows_unused) == (3, 1, 1)


def test_a_key_column_named_by_option_and_ids_written_as_numbers(tmp_path):
    p = tmp_path / "mesa-sleep-dataset.csv"
    p.write_text("mesaid,sleepage5c,age_months\n1,70,\n2,61,\n")
    with pytest.raises(InputError, match="none of the key columns"):
        read_covariate_table(p)
    table = read_covariate_table(p, keys=["mesaid"])
    nights = pd.DataFrame({"recording_id": ["mesa-sleep-0001", "mesa-sleep-0002"], "participant_id": None,
                           "session_id": None, "age": None})
    ids = resolve_nights(nights, [(str(p), table)])
    assert [ids[r].participant_id for r in nights["recording_id"]] == ["1", "2"]
    assert ids["mesa-sleep-0001"].age is None  # age_months is empty; sleepage5c is no age column
    # ISRUC subgroup I: recordings 1.rec, 2.rec; a subject table is a participants table unless the key is named
    p.write_text("subject,age\n1,45\n2,71\n")
    nights = pd.DataFrame({"recording_id": ["1", "2"], "participant_id": None, "session_id": None, "age": None})
    assert resolve_nights(nights, [(str(p), read_covariate_table(p))])["1"].age is None
    ids = resolve_nights(nights, [(str(p), read_covariate_table(p, keys=["subject"]))])
    assert [(ids[r].participant_id, ids[r].age) for r in ("1", "2")] == [("1", "45y"), ("2", "71y")]


@pytest.mark.parametrize(("header", "value", "days"), [
    ("age", "34", 34 * 365.25), ("age_years", "2.5", 2.5 * 365.25), ("Age_Months", "4", 4 * 365.25 / 12),
    ("age_weeks", "6", 42.0), ("age_days", "18", 18.0), ("age", "4mo", 4 * 365.25 / 12),
    ("nsrr_age", "61", 61 * 365.25), ("age_s2", "66", 66 * 365.25),
])
def test_age_columns_and_their_units(tmp_path, header, value, days):
    from myosleep.age import parse_age

    p = tmp_path / "t.csv"
    p.write_text(f"recording_id,{header}\nrec11,{value}\n")
    nights = pd.DataFrame({"recording_id": ["rec11"], "participant_id": None, "session_id": None, "age": None})
    ident = resolve_nights(nights, [(str(p), read_covariate_table(p))])["rec11"]
    assert parse_age(ident.age).days == pytest.approx(days) and ident.age_source == f"{p} ({header})"


def test_ages_that_are_not_ages_or_disagree_are_bad_input_and_age_option_wins(tmp_path):
    nights = pd.DataFrame({"recording_id": ["rec11"], "participant_id": ["sub-01"], "session_id": None,
                           "age": ["30y"]})
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("recording_id,age\nrec11,old\n")
    with pytest.raises(InputError, match="age 'old' of night rec11 is not an age"):
        resolve_nights(nights, [(str(a), read_covariate_table(a))])
    a.write_text("recording_id,age\nrec11,34\n")
    with pytest.raises(InputError, match="gives night rec11 the age 34y, BIDS participants.tsv/sessions.tsv"):
        resolve_nights(nights, [(str(a), read_covariate_table(a))])  # the plan's age is BIDS: 30y
    b.write_text("participant_id,age\nsub-01,35\n")
    with pytest.raises(InputError, match=f"gives night rec11 the age 34y, {re.escape(str(b))} \\(age\\) 35y"):
        resolve_nights(nights.assign(age=None), [(str(a), read_covariate_table(a)), (str(b), read_covariate_table(b))])
    given = resolve_nights(nights.assign(age="3w"), [(str(a), read_covariate_table(a))], age_given=True)["rec11"]
    assert (given.age, given.age_source) == ("3w", "--age")
    diary = tmp_path / "d.csv"
    diary.write_text("date,age,stress\n2024-03-01,40,3\n")  # a diary's age is a covariate, not the night's age
    assert resolve_nights(nights.assign(age=None), [(str(diary), read_covariate_table(diary))])["rec11"].age is None


# ----------------------------------------------------------------------------------------- end to end


def test_nsrr_nights_get_age_participant_and_the_channels_left_out(nsrr, tmp_path, capfd):
    """One analysis: ages 7 and 54 from the NSRR dataset reach the PLMS rule; the chin of unknown site
    is in the cohort and on stderr; a resumed run with a participants table that matches no night warns."""
    root, edfs, dataset = nsrr
    out = tmp_path / "out"
    status, err = _run_cli([edfs, "--out", out, "--covariates", dataset, "--workers", "1"], capfd)
    assert status == 0, err
    table = pd.read_csv(out / "cohort.csv")
    assert table["recording_id"].tolist() == ["shhs1-200001", "shhs1-200002"]
    assert table["participant_id"].astype(str).tolist() == ["200001", "200002"]
    assert table["age_years"].tolist() == [7.0, 54.0]
    assert (table["age_source"] == f"{dataset} (age_s1)").all()
    assert (table["participant_source"] == f"{dataset} (nsrrid)").all()
    assert table["cov_age_s1"].tolist() == [7.0, 54.0] and table["cov_bmi_s1"].tolist() == [17.5, 31.0]
    for rid, group, cutoff in (("shhs1-200001", "child", 5.0), ("shhs1-200002", "adult", 15.0)):
        summary = json.loads((out / rid / "summary.json").read_text())
        plm = next(f for f in summary["findings"] if f["code"] == "periodic_limb_movements")
        assert (plm["values"]["age_group"], plm["values"]["cutoff_per_h"]) == (group, cutoff)
    assert table["channels_emg_unknown_site"].fillna("").tolist() == ["EMG1-EMG2", ""]
    assert table["channels_left_out"].iloc[0].startswith("EMG1-EMG2: EMG of unknown site")
    emg = [line for line in err.splitlines() if "EMG channels of unknown site" in line]
    assert len(emg) == 1 and emg[0].startswith("myosleep batch: warning: 1 of 2 analysed nights")
    assert emg[0].endswith("--channels chin=EMG1-EMG2")
    nsrr_line = [line for line in err.splitlines() if "shhs1-dataset" in line]
    assert nsrr_line == []  # every night met a row (the dataset's third participant has no night: no warning)
    assert not table["from_earlier_run"].any() and set(table["status"]) == {"done"}

    # the same nights again with a participants table whose ids are recording ids: nothing is redone,
    # the table matches no night, and says so on stderr and in the report
    by_participant = root / "ages_by_participant.csv"
    status, err = _run_cli([edfs, "--out", out, "--covariates", dataset, "--covariates", by_participant,
                            "--workers", "1"], capfd)
    assert status == 0, err
    again = pd.read_csv(out / "cohort.csv")
    assert again["from_earlier_run"].all() and set(again["status"]) == {"done"}
    warn = [line for line in err.splitlines() if str(by_participant) in line]
    assert len(warn) == 1 and "covariate table matches no night" in warn[0]
    assert warn[0].endswith("2 of the table's participant_id values are recording ids: name that column recording_id.")
    assert warn[0].startswith("myosleep batch: warning: ")
    html = (out / "cohort_report.html").read_text()
    assert "covariate table matches no night" in html and "built-in method" not in html
    assert "nsrrid: the participant whose recording ids end with it" in html


def test_a_cohort_of_failed_nights_has_every_column(six_nights, tmp_path):
    res = run_batch([str(six_nights[6])], out_dir=tmp_path / "o", workers=1)
    assert (res.n_nights, res.n_bad_input) == (1, 1)
    header = pd.read_csv(tmp_path / "o" / "cohort.csv").columns.tolist()
    results = [*summary_row({}), "elapsed_s", "worker_peak_rss_mib"]  # a finished night's result columns
    assert [c for c in results if c not in header] == []
    assert len(header) == len(cohort_frame([]).columns) >= 80

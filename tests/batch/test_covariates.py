"""Covariates: simulated hypnic-jerk rates that depend on diary stress are found; independent diaries are not.

Design of the end-to-end test (fixed seeds, so it is deterministic; the numbers below say
why it is not a lucky draw):

* 3 participants x 8 nights of 0.5 h (scenario ``sleep_starts``: repeated sleep onsets),
  laid out as BIDS, each night on its own date; a diary gives stress 0-10 per night.
* Hypnic jerks per sleep onset = participant baseline (0.2, 0.5, 0.8) + 0.3 x stress.
* The report must find hypnic jerks per transition ~ stress at a false discovery rate of
  0.05 (Benjamini-Hochberg over all measure x covariate pairs), with the mixed model's
  slope near 0.3 per stress point; ``test_power_of_the_design`` computes the power of that
  mixed-model test at the Bonferroni level alpha/m (a lower bound for BH) by Monte Carlo
  from the same Poisson model and asserts it is >= 0.95.
* The same nights with a diary drawn independently of them must give no association: under
  this null, BH keeps the chance of any false finding at <= 0.05.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from myosleep.batch import run_batch
from myosleep.batch.covariates import join_covariates, night_date, read_covariate_table
from myosleep.batch.stats import DESIGN_ONE_PERSON, DESIGN_REPEATED, associate, mixed_slope, spearman_ci
from myosleep.errors import InputError

ALPHA = 0.05
SLOPE_PER_STRESS = 0.3
BASELINES = {"sub-01": 0.2, "sub-02": 0.5, "sub-03": 0.8}
N_NIGHTS = 8
HOURS = 0.5


def set_start(path, start: dt.datetime) -> None:
    """Write a start date and time into an EDF+ header (dd.mm.yy, hh.mm.ss and 'Startdate dd-MMM-yyyy')."""
    data = bytearray(path.read_bytes())
    data[168:176] = start.strftime("%d.%m.%y").encode()
    data[176:184] = start.strftime("%H.%M.%S").encode()
    rec = data[88:168].decode("ascii")
    assert rec.startswith("Startdate ")
    rec = f"Startdate {start.strftime('%d-%b-%Y').upper()}{rec[21:]}"
    data[88:168] = rec.ljust(80)[:80].encode("ascii")
    path.write_bytes(bytes(data))


def _stress(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 11, size=(len(BASELINES), N_NIGHTS)).astype(float)


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    """A BIDS dataset of 24 simulated nights whose hypnic-jerk rate follows diary stress, and two diaries."""
    from myosleep.simulate import SCENARIOS, simulate_night

    root = tmp_path_factory.mktemp("bids")
    (root / "dataset_description.json").write_text('{"Name": "stress", "BIDSVersion": "1.9.0"}')
    base = SCENARIOS["sleep_starts"]
    stress = _stress(1)
    rng = np.random.default_rng(2)
    diary, null = [], []
    for k, (sub, baseline) in enumerate(BASELINES.items()):
        for j in range(N_NIGHTS):
            ses = f"ses-{j + 1:02d}"
            folder = root / sub / ses / "eeg"
            folder.mkdir(parents=True)
            rate = baseline + SLOPE_PER_STRESS * stress[k, j]
            sc = replace(base, name="stress", rates=replace(base.rates, hypnic_jerks_per_onset=rate))
            name = f"{sub}_{ses}_task-sleep"
            sim = simulate_night(sc, hours=HOURS, seed=1000 + 10 * k + j)
            paths = sim.write(folder / f"{name}_eeg.edf")
            hyp = next(p for p in paths if p.name.endswith(".hypnogram.tsv"))
            hyp.rename(folder / f"{name}_events.tsv")
            for p in paths[2:]:
                if p.exists() and p.suffix == ".tsv":
                    p.unlink()
            evening = dt.date(2024, 3, 1) + dt.timedelta(days=j)
            # every third night starts after midnight: it still belongs to the evening before
            start = dt.datetime.combine(evening, dt.time(23, 20)) + dt.timedelta(minutes=80 * (j % 3 == 2))
            set_start(folder / f"{name}_eeg.edf", start)
            common = {"participant_id": sub, "date": evening.isoformat()}
            diary.append({**common, "stress": stress[k, j], "tiredness": rng.integers(0, 11),
                          "anxiety": rng.integers(0, 11), "caffeine_mg": rng.choice([0, 80, 160, 240]),
                          "sleep_prev_h": round(rng.normal(7, 1), 1), "<script>alert(1)</script>": rng.normal()})
            null.append({**common, "stress": rng.integers(0, 11), "tiredness": rng.integers(0, 11),
                         "anxiety": rng.integers(0, 11), "caffeine_mg": rng.choice([0, 80, 160, 240]),
                         "sleep_prev_h": round(rng.normal(7, 1), 1), "mood": "ok"})
    pd.DataFrame({"participant_id": list(BASELINES), "age": [31, 45, 58], "sex": ["F", "M", "F"]}).to_csv(
        root / "participants.tsv", sep="\t", index=False)
    pd.DataFrame(diary).to_csv(root.parent / "diary.csv", index=False)
    pd.DataFrame(null).to_csv(root.parent / "diary_null.csv", index=False)
    return root, root.parent / "diary.csv", root.parent / "diary_null.csv"


@pytest.fixture(scope="module")
def analysed(cohort, tmp_path_factory):
    """The 24 nights analysed once, with the stress diary (later runs resume them)."""
    root, diary, _ = cohort
    out = tmp_path_factory.mktemp("cohort-out")
    res = run_batch([str(root)], out_dir=out, workers=2, covariates=[str(diary)], alpha=ALPHA)
    return res, out


def _pair(result, measure, covariate):
    return next(a for a in result.associations if a.measure == measure and a.covariate == covariate)


def test_report_finds_the_stress_dependence_and_nothing_in_an_independent_diary(cohort, analysed):
    root, diary, null = cohort
    res, out = analysed
    assert (res.n_nights, res.n_done, res.n_bad_input, res.n_unexpected) == (24, 24, 0, 0)
    table = pd.read_parquet(out / "cohort.parquet")
    # BIDS labels, ages from participants.tsv, every diary row joined through the night date
    assert set(table["participant_id"]) == set(BASELINES) and table["session_id"].notna().all()
    assert sorted(table["age_years"].unique()) == [31.0, 45.0, 58.0]
    assert table["cov_stress"].notna().all() and table["cov_age"].notna().all()
    after_midnight = table[table["start_datetime"].str.contains("T00:40")]
    assert len(after_midnight) == 6 and (after_midnight["night_date"] < after_midnight["start_datetime"]).all()
    truth = {(s, f"ses-{j + 1:02d}"): v for k, s in enumerate(BASELINES) for j, v in enumerate(_stress(1)[k])}
    joined = {(r.participant_id, r.session_id): r.cov_stress for r in table.itertuples()}
    assert joined == truth

    assoc = pd.read_csv(out / "cohort_associations.csv")
    hit = assoc[(assoc.measure == "hypnic_jerks_per_transition") & (assoc.covariate == "stress")].iloc[0]
    assert hit["associated"] and hit["design"] == DESIGN_REPEATED and hit["n_nights"] == 24
    assert hit["q"] < ALPHA and hit["rho"] > 0.6
    assert hit["slope_ci_low"] < SLOPE_PER_STRESS < hit["slope_ci_high"]
    found = assoc[assoc["associated"] == True]  # noqa: E712
    # Another diary column is drawn independently of stress, but 24 draws correlate by chance
    # (tiredness rho 0.36 with stress in this draw): such a column is truly associated with
    # the jerk rate across these nights (through stress), so finding it is no false finding.
    # A column uncorrelated with stress must not be found.
    d = pd.read_csv(diary)
    confounded = {c for c in d.columns if c not in ("participant_id", "date", "stress")
                  and abs(d[c].corr(d["stress"], method="spearman")) >= 0.3}
    assert "stress" in set(found["covariate"])
    assert set(found["covariate"]) - {"stress"} <= confounded, found[["measure", "covariate", "q"]]
    html = (out / "cohort_report.html").read_text()
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'id="found"' in html and "hypnic jerks per wake-to-sleep transition</strong> with <strong>stress" in html
    assert "sex" in html  # listed as not analysed (not numbers)
    assert html.count("<svg") == int(assoc["p"].notna().sum()) and " src=" not in html and "href=" not in html

    # the same nights, a diary drawn independently of them: nothing is found (all nights resumed)
    res0 = run_batch([str(root)], out_dir=out, workers=2, covariates=[str(null)], alpha=ALPHA)
    assert (res0.n_done, res0.n_skipped) == (0, 24)
    assoc0 = pd.read_csv(out / "cohort_associations.csv")
    assert assoc0["p"].notna().sum() >= 20 and not assoc0["associated"].fillna(False).astype(bool).any()
    html0 = (out / "cohort_report.html").read_text()
    assert "No measure is associated with any covariate at a false discovery rate of 0.05" in html0
    assert "mood" in html0


def test_power_of_the_design(analysed):
    """Monte Carlo power of the mixed-model test at alpha/m, from the nights' own transition counts."""
    _, out = analysed
    table = pd.read_parquet(out / "cohort.parquet").sort_values(["participant_id", "session_id"])
    transitions = table["n_wake_to_sleep_transitions"].to_numpy(float)
    assert transitions.min() >= 1
    stress = _stress(1).ravel()
    groups = table["participant_id"].to_numpy()
    base = np.array([BASELINES[g] for g in groups])
    n_tests = 6 * 7  # 6 measures x covariates of the diary and participants.tsv (upper bound)
    level = ALPHA / n_tests
    rng = np.random.default_rng(7)
    hits = 0
    draws = 300
    for _ in range(draws):
        y = rng.poisson((base + SLOPE_PER_STRESS * stress) * transitions) / transitions
        hits += mixed_slope(y, stress, groups)[0][3] < level
    power = hits / draws
    print(f"mixed-model power at alpha/m = {level:.5f}: {power:.3f} ({draws} draws)")
    assert power >= 0.95, power


def test_spearman_interval_is_fisher_z_with_the_bonett_wright_se():
    rng = np.random.default_rng(0)
    x = rng.normal(size=30)
    y = x + rng.normal(size=30)
    rho, lo, hi, p = spearman_ci(x, y)
    from scipy import stats

    assert rho == pytest.approx(stats.spearmanr(x, y).statistic)
    se = math.sqrt((1 + rho ** 2 / 2) / 27)
    assert lo == pytest.approx(math.tanh(math.atanh(rho) - 1.959964 * se), abs=1e-6)
    assert hi == pytest.approx(math.tanh(math.atanh(rho) + 1.959964 * se), abs=1e-6)
    assert p == pytest.approx(2 * stats.norm.sf(math.atanh(rho) / se))
    assert (lo > 0) == (p < 0.05)


def test_coverage_of_the_interval_under_a_known_correlation():
    """Bonett-Wright intervals cover the population Spearman correlation ~95 % of the time at n = 20."""
    from scipy import stats

    rng = np.random.default_rng(11)
    r = 0.6
    rho_s = 6 / math.pi * math.asin(r / 2)  # population Spearman of a bivariate normal (Pearson 1907)
    cover = 0
    for _ in range(1000):
        xy = rng.multivariate_normal([0, 0], [[1, r], [r, 1]], size=20)
        _, lo, hi, _ = spearman_ci(xy[:, 0], xy[:, 1])
        cover += lo <= rho_s <= hi
    assert 0.92 <= cover / 1000 <= 0.98
    assert stats.norm.ppf(0.975) == pytest.approx(1.959964, abs=1e-6)


def test_one_person_uses_nights_as_units_with_newey_west_slope():
    rng = np.random.default_rng(3)
    n = 40
    stress = rng.integers(0, 11, n).astype(float)
    y = 0.5 + 0.2 * stress + rng.normal(0, 0.5, n)
    # every night names the same person (a self-tracker's diary or recording table): one person
    df = pd.DataFrame({"participant_id": "me", "night_date": pd.date_range("2024-01-01", periods=n).date,
                       "m": y, "cov_stress": stress, "cov_noise": rng.normal(size=n)})
    res = associate(df, measures=["m"], covariates={"stress": "cov_stress", "noise": "cov_noise"})
    a = _pair(res, "m", "stress")
    assert a.design == DESIGN_ONE_PERSON and a.n_participants == 1 and "Newey-West" in a.slope_method
    assert a.associated and a.slope_ci_low < 0.2 < a.slope_ci_high and a.p == a.rho_p
    assert not _pair(res, "m", "noise").associated


def test_too_few_nights_or_a_constant_measure_are_not_tested():
    df = pd.DataFrame({"participant_id": "sub-1", "m": [1.0] * 12, "k": np.arange(12.0), "c": np.arange(12.0)})
    res = associate(df.iloc[:9], measures=["k"], covariates={"c": "c"})
    assert res.n_tested == 0 and "9 nights" in res.associations[0].note
    res = associate(df, measures=["m"], covariates={"c": "c"})
    assert res.associations[0].associated is None and "same on every night" in res.associations[0].note


def test_night_date_is_the_evening_the_recording_starts():
    assert night_date(dt.datetime(2024, 3, 1, 22, 45)) == dt.date(2024, 3, 1)
    assert night_date(dt.datetime(2024, 3, 2, 0, 40)) == dt.date(2024, 3, 1)
    assert night_date(dt.datetime(2024, 3, 2, 11, 59)) == dt.date(2024, 3, 1)
    assert night_date(dt.datetime(2024, 3, 2, 12, 0)) == dt.date(2024, 3, 2)
    assert night_date(None) is None


def test_diary_dated_by_the_morning_joins_the_night_before(tmp_path):
    path = tmp_path / "diary.csv"
    path.write_text("Date,Stress\n2024-03-02,7\n2024-03-03,2\n")
    table = read_covariate_table(path)
    cohort = pd.DataFrame({"recording_id": ["a", "b"], "participant_id": [None, None], "session_id": [None, None],
                           "night_date": ["2024-03-01", "2024-03-02"]})
    cohort["night_date"] = pd.to_datetime(cohort["night_date"]).dt.date
    joined, info = join_covariates(cohort, table, source=str(path), diary_date="morning")
    assert joined["cov_Stress"].tolist() == [7.0, 2.0] and info.n_nights_matched == 2
    joined, info = join_covariates(cohort, table, source=str(path), diary_date="evening")
    assert joined["cov_Stress"].tolist()[1] == 7.0 and info.n_nights_unmatched == 1 and info.n_rows_unused == 1


def test_bad_diaries_are_input_errors(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("date,stress\n03/01/2024,4\n")
    with pytest.raises(InputError, match="not YYYY-MM-DD"):
        read_covariate_table(p)
    p.write_text("when,stress\n2024-03-01,4\n")
    with pytest.raises(InputError, match="none of the key columns"):
        read_covariate_table(p)
    p.write_text("date,stress\n2024-03-01,4\n2024-03-01,5\n")
    cohort = pd.DataFrame({"recording_id": ["a"], "participant_id": [None], "session_id": [None],
                           "night_date": [dt.date(2024, 3, 1)]})
    with pytest.raises(InputError, match="2 rows sharing the same night"):
        join_covariates(cohort, read_covariate_table(p), source=str(p))
    p.write_text("participant_id,date,stress\nA,2024-03-01,4\nB,2024-03-01,5\n")
    with pytest.raises(InputError, match="names 2 participants but the recordings carry none"):
        join_covariates(cohort, read_covariate_table(p), source=str(p))

"""``myosleep analyze`` / ``demo`` end to end: the output contracts and the bad-input contract."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from myosleep import cli
from myosleep.vocab import FindingCode, TrialType

MYOSLEEP = [sys.executable, "-m", "myosleep.cli"]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*MYOSLEEP, *map(str, args)], capture_output=True, text=True, timeout=300)


def _hypnogram_tsv(path: Path, *, n_wake: int, n_n2: int) -> Path:
    """A 30-s hypnogram TSV: ``n_wake`` W epochs then ``n_n2`` N2 epochs."""
    stages = ["W"] * n_wake + ["N2"] * n_n2
    pd.DataFrame({"onset": 30.0 * pd.RangeIndex(len(stages)), "duration": 30.0, "stage": stages}).to_csv(
        path, sep="\t", index=False)
    return path


def assert_bad_input(proc: subprocess.CompletedProcess, *words: str) -> None:
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    for w in words:
        assert w.lower() in lines[0].lower(), lines[0]


@pytest.fixture(scope="module")
def night(tmp_path_factory) -> Path:
    from myosleep.simulate import simulate_night

    d = tmp_path_factory.mktemp("night")
    sim = simulate_night("plmd", hours=0.75, seed=2)
    sim.write(d / "n.edf")
    return d


def test_analyze_writes_the_contract_files(night, tmp_path):
    out = tmp_path / "out"
    assert cli.main(["analyze", str(night / "n.edf"), "--hypnogram", str(night / "n.hypnogram.tsv"),
                     "--age", "45", "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["annotations.edf", "events.json", "events.tsv", "hypnogram.tsv", "report.html",
                                                     "summary.json"]
    # hypnogram.tsv: the stages used, read back with their source (the scored file here)
    from myosleep.context.hypnogram_file import read_used_hypnogram
    from myosleep.io import read_hypnogram

    used, given = read_used_hypnogram(out / "hypnogram.tsv"), read_hypnogram(night / "n.hypnogram.tsv")
    assert used.source == "file:n.hypnogram.tsv" and used.labels == given.labels
    assert (used.epoch_s, used.start_s) == (given.epoch_s, given.start_s)
    ev = pd.read_csv(out / "events.tsv", sep="\t", keep_default_na=False)
    assert list(ev.columns[:6]) == ["onset", "duration", "trial_type", "channel", "stage", "peak_amplitude_uv"]
    assert set(ev["trial_type"]) <= {t.value for t in TrialType}
    assert set(ev["stage"]) <= {"W", "N1", "N2", "N3", "R", "n/a"}
    assert (ev["onset"].astype(float).diff().dropna() >= 0).all()
    assert "periodic" in ev.columns
    lm = ev[ev["trial_type"] == "leg_movement"]
    assert len(lm) > 10 and set(lm["periodic"]) <= {"True", "False"}

    s = json.loads((out / "summary.json").read_text())
    assert s["tool"]["version"] and s["ruleset"] == "aasm"
    assert len(s["inputs"]["recording"]["sha256"]) == 64 and len(s["inputs"]["hypnogram"]["sha256"]) == 64
    assert s["hypnogram_source"] == "file:n.hypnogram.tsv"
    assert {"overall", "by_stage"} <= set(s["indices_per_hour"])
    assert s["counts"]["leg_movement"] == len(lm)
    codes = [f["code"] for f in s["findings"]]
    assert codes == [c.value for c in FindingCode]  # functional_jerks from the neurophysiology stage
    for f in s["findings"]:
        assert set(f) >= {"code", "present", "evidence", "values"} and f["evidence"]
    cortical = next(f for f in s["findings"] if f["code"] == "cortical_myoclonus")
    assert {"lead_ms", "n_jerks"} <= set(cortical["values"])
    plm = next(f for f in s["findings"] if f["code"] == "periodic_limb_movements")
    # 45 min hold < 2 h of sleep: no PLMS index, the finding cannot be assessed (issue 9, defect 1)
    assert plm["present"] is None and plm["values"]["below_minimum"] == ["tst_h"]
    assert s["warning_details"][0]["code"] == "short_recording"
    html = (out / "report.html").read_text()
    assert "Periodic limb movements in sleep" in html and "Decision support, not a diagnosis" in html


def test_rules_wasm2016_is_reported(night, tmp_path):
    out = tmp_path / "w"
    assert cli.main(["analyze", str(night / "n.edf"), "--hypnogram", str(night / "n.hypnogram.tsv"),
                     "--rules", "wasm2016", "--out", str(out)]) == 0
    s = json.loads((out / "summary.json").read_text())
    assert s["ruleset"] == "wasm2016"
    assert all(f["values"].get("ruleset") == "wasm2016" for f in s["findings"])


def _shift_hypnogram(src: Path, dst: Path, extra_epochs: int) -> None:
    df = pd.read_csv(src, sep="\t")
    if extra_epochs > 0:
        last = df["onset"].iloc[-1]
        add = pd.DataFrame({"onset": last + 30.0 * (1 + pd.RangeIndex(extra_epochs)), "duration": 30.0,
                            "stage": "N2"})
        df = pd.concat([df, add], ignore_index=True)
    else:
        df = df.iloc[:extra_epochs]
    df.to_csv(dst, sep="\t", index=False)


@pytest.mark.parametrize("extra,word", [(10, "too long"), (-60, "missing")])
def test_hypnogram_not_fitting_the_recording(night, tmp_path, extra, word):
    hyp = tmp_path / "h.tsv"
    _shift_hypnogram(night / "n.hypnogram.tsv", hyp, extra)
    out = tmp_path / "out"
    proc = run("analyze", night / "n.edf", "--hypnogram", hyp, "--out", out)
    assert_bad_input(proc, word, "h.tsv")
    assert not out.exists() or not any(out.iterdir())  # nothing half-written


def test_bad_recordings_give_exit_2(tmp_path):
    text = tmp_path / "notes.edf"
    text.write_text("this is not an EDF file, just notes\n" * 20)
    assert_bad_input(run("analyze", text, "--out", tmp_path / "o"), "notes.edf")
    assert_bad_input(run("analyze", tmp_path / "missing.edf", "--out", tmp_path / "o"), "missing.edf")
    assert_bad_input(run("analyze", tmp_path / "missing.edf", "--age", "twelve"), "--age")


def test_edf_cut_inside_its_first_record_gives_exit_2(night, tmp_path):
    """Nothing to read; a file cut later is read up to its last complete record (tests/io/test_cut_short.py)."""
    data = (night / "n.edf").read_bytes()
    cut = tmp_path / "cut.edf"
    cut.write_bytes(data[: int(data[184:192]) + 1000])
    assert_bad_input(run("analyze", cut, "--hypnogram", night / "n.hypnogram.tsv", "--out", tmp_path / "o"),
                     "cut.edf", "no complete record")
    assert not (tmp_path / "o").exists()


def test_real_sleep_edf_1hz_emg_is_refused(real_dir, tmp_path):
    """Sleep-EDF's 'EMG submental' is a 1 Hz envelope: no jerk detection on it, said clearly."""
    rec = real_dir / "sleep-edf" / "SC4001E0-first300s-PSG.edf"
    proc = run("detect", rec, "--out", tmp_path / "d")
    assert_bad_input(proc, "1 Hz")
    assert not (tmp_path / "d" / "bursts.tsv").exists()


def test_demo_writes_report(tmp_path):
    out = tmp_path / "demo"
    proc = run("demo", "--out", out)
    assert proc.returncode == 0, proc.stderr
    for name in ("events.tsv", "summary.json", "report.html"):
        assert (out / name).stat().st_size > 0
        assert str(out / name) in proc.stdout
    s = json.loads((out / "summary.json").read_text())
    assert sum(s["counts"].values()) > 0 and len(s["findings"]) == len(FindingCode)
    # the demo shows a finding, not "cannot be assessed": its night holds >= 2 h of sleep
    plm = next(f for f in s["findings"] if f["code"] == "periodic_limb_movements")
    assert plm["present"] is True, plm
    assert s["sleep"]["tst_min"] >= 120


def test_scored_respiratory_events_exclude_leg_movements(night, tmp_path):
    """LMs within 0.5 s of a scored apnea's end are not counted in PLM series (AASM)."""
    truth = pd.read_csv(night / "n.events.tsv", sep="\t")
    lm = truth[(truth["trial_type"] == "leg_movement") & (truth["periodic"].astype(str) == "True")]
    chosen = lm.iloc[2:10]
    ev = pd.DataFrame({"onset": chosen["onset"].to_numpy() - 15.2, "duration": 15.0,
                       "description": "Obstructive apnea"})
    ev_path = tmp_path / "scored.tsv"
    ev.to_csv(ev_path, sep="\t", index=False)
    base, excl = tmp_path / "base", tmp_path / "excl"
    args = [str(night / "n.edf"), "--hypnogram", str(night / "n.hypnogram.tsv")]
    assert cli.main(["analyze", *args, "--out", str(base)]) == 0
    assert cli.main(["analyze", *args, "--events", str(ev_path), "--out", str(excl)]) == 0
    s0 = json.loads((base / "summary.json").read_text())
    s1 = json.loads((excl / "summary.json").read_text())
    assert len(s1["inputs"]["scored_events"]["sha256"]) == 64
    n0 = s0["indices"]["plm"]["n_plms"]
    n1 = s1["indices"]["plm"]["n_plms"]
    assert s1["indices"]["plm"]["n_respiratory_lm_excluded"] >= 6
    assert n1 < n0


def test_output_in_the_way_leaves_nothing_half_written(night, tmp_path):
    """A directory where summary.json should go: exit 2 before any output is replaced."""
    out = tmp_path / "o"
    (out / "summary.json").mkdir(parents=True)
    proc = run("analyze", night / "n.edf", "--hypnogram", night / "n.hypnogram.tsv", "--out", out)
    assert_bad_input(proc, "summary.json")
    assert sorted(p.name for p in out.iterdir()) == ["summary.json"]  # no events.tsv, no temporaries
    det = tmp_path / "d"
    (det / "motor_events.tsv").mkdir(parents=True)
    assert_bad_input(run("detect", night / "n.edf", "--out", det), "motor_events.tsv")
    assert sorted(p.name for p in det.iterdir()) == ["motor_events.tsv"]


def test_failed_analysis_creates_no_output_dir(tmp_path):
    text = tmp_path / "notes.edf"
    text.write_text("not an EDF\n" * 40)
    out = tmp_path / "never"
    assert_bad_input(run("analyze", text, "--out", out), "notes.edf")
    assert not out.exists()


def test_outputs_follow_the_umask(night, tmp_path):
    import os
    import stat

    out = tmp_path / "m"
    assert cli.main(["analyze", str(night / "n.edf"), "--hypnogram", str(night / "n.hypnogram.tsv"),
                     "--out", str(out)]) == 0
    mask = os.umask(0)
    os.umask(mask)
    for p in out.iterdir():
        assert stat.S_IMODE(p.stat().st_mode) == 0o666 & ~mask, p.name


def test_no_usable_emg_is_bad_input_not_an_empty_report(tmp_path):
    """A night without usable EMG cannot say that jerks are absent: exit 2, like detect."""
    import edfio
    import numpy as np

    rng = np.random.default_rng(0)
    sig = [edfio.EdfSignal(rng.normal(0, 20, 256 * 600), sampling_frequency=256, label="EEG C4-M1",
                           physical_dimension="uV", physical_range=(-500, 500)),
           edfio.EdfSignal(rng.normal(0, 5, 64 * 600), sampling_frequency=64, label="EMG Chin",
                           physical_dimension="uV", physical_range=(-500, 500))]
    edf = tmp_path / "slow.edf"
    edfio.Edf(sig).write(edf)
    hyp = _hypnogram_tsv(tmp_path / "h.tsv", n_wake=4, n_n2=16)
    out = tmp_path / "o"
    assert_bad_input(run("analyze", edf, "--hypnogram", hyp, "--out", out), "64 Hz")
    assert not out.exists()


def test_negative_seed_is_bad_input(tmp_path):
    assert_bad_input(run("simulate", tmp_path / "s.edf", "--seed", "-1", "--hours", "0.1"), "--seed")
    assert not any(tmp_path.iterdir())


def test_stages_in_the_recordings_own_annotations_are_used(night, tmp_path):
    """An EDF+ carrying 'Sleep stage ...' annotations is its own hypnogram (no YASA)."""
    import edfio

    src = edfio.read_edf(night / "n.edf")
    hyp = pd.read_csv(night / "n.hypnogram.tsv", sep="\t")
    src.set_annotations([edfio.EdfAnnotation(float(r.onset), float(r.duration), f"Sleep stage {r.stage}")
                         for r in hyp.itertuples()])
    edf = tmp_path / "staged.edf"
    src.write(edf)
    out = tmp_path / "o"
    assert cli.main(["analyze", str(edf), "--out", str(out)]) == 0
    s = json.loads((out / "summary.json").read_text())
    assert s["hypnogram_source"] == "file:staged.edf"
    assert s["inputs"]["hypnogram"]["source"] == "recording annotations"
    assert s["sleep"]["tst_min"] == pytest.approx(
        (hyp["stage"].isin(["N1", "N2", "N3", "R"]).sum()) * 0.5)


def test_unit_errors_and_dead_channels_are_reported(tmp_path):
    """uV data labelled mV (1000x too large) and a leg lead flat for half the night reach the report."""
    import edfio
    import numpy as np

    rng = np.random.default_rng(1)
    fs, dur = 256, 1200
    chin_uv = rng.normal(0, 5, fs * dur)
    leg_uv = rng.normal(0, 3, fs * dur)
    leg_uv[: fs * dur // 2] = 0.0  # disconnected for the first 10 min
    sig = [edfio.EdfSignal(rng.normal(0, 20, fs * dur), sampling_frequency=fs, label="EEG C4-M1",
                           physical_dimension="uV", physical_range=(-500, 500)),
           # the values are uV but the header says mV: every amplitude reads 1000x too large
           edfio.EdfSignal(chin_uv, sampling_frequency=fs, label="EMG Chin", physical_dimension="mV",
                           physical_range=(-100, 100)),
           edfio.EdfSignal(leg_uv, sampling_frequency=fs, label="EMG LAT", physical_dimension="uV",
                           physical_range=(-100, 100))]
    edf = tmp_path / "units.edf"
    edfio.Edf(sig).write(edf)
    hyp = _hypnogram_tsv(tmp_path / "h.tsv", n_wake=4, n_n2=36)
    out = tmp_path / "o"
    assert cli.main(["analyze", str(edf), "--hypnogram", str(hyp), "--out", str(out)]) == 0
    warnings = json.loads((out / "summary.json").read_text())["warnings"]
    assert any("EMG Chin" in w and "implausible" in w and "unit" in w for w in warnings), warnings
    assert any("EMG LAT" in w and "flat, clipped, disconnected" in w for w in warnings), warnings
    assert not any("EMG LAT" in w and "implausible" in w for w in warnings)
    assert "implausible" in (out / "report.html").read_text()

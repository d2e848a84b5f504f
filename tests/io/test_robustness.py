"""Issue 9, the io-rooted defects: each test reproduces the whole class of input with files made here.

One section per defect (docs/robustness.md maps defect -> test -> fix): 2 (quantisation step),
3 (integer hypnogram conventions), 4 (labels read from the whole montage), 5 (one start-date
rule; annotation-only files given as recordings), 6 (advice that follows the refusal reasons),
7 (acceleration units), 9 (header fields that cannot scale samples).  Fixtures are written by
``scripts/make_fixtures.py`` helpers (edfio, or byte patches of its files) into tmp_path.
"""

from __future__ import annotations

import json
import warnings
from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from myosleep.cli import main
from myosleep.errors import ChannelError, HypnogramError, ParameterError, RecordingError
from myosleep.io import HypnogramFile, read_hypnogram, read_recording
from myosleep.io.advice import no_usable_channel_error
from myosleep.io.edf_header import read_edf_header
from myosleep.vocab import Role, Side, Stage

W, N1, N2, N3, R, ART, UNS = 0, 1, 2, 3, 4, -1, -2
L, Rt = Side.LEFT, Side.RIGHT


def _sig(mkfix, label: str, sfreq: float, duration_s: float, *, unit: str = "uV", pr=(-500.0, 500.0),
         seed: int = 0, data: np.ndarray | None = None, dr=None) -> dict:
    values = mkfix.test_signal_uv(int(round(sfreq * duration_s)), sfreq, seed=seed) if data is None else data
    out = {"data": values, "sfreq": sfreq, "label": label, "unit": unit, "physical_range": pr}
    if dr is not None:
        out["digital_range"] = dr
    return out


def _one_line_exit_2(capsys, argv: list[str]) -> str:
    """Run the CLI; assert exit status 2 and one line on stderr, nothing on stdout; return the line."""
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err, captured.err
    return captured.err.strip()


# =============================================================================================
# Defect 9: a header field that makes scaling impossible spoils its channel, never the command
# =============================================================================================
def _three_channels(mkfix, path: Path) -> Path:
    return mkfix.write_edf(path, [_sig(mkfix, "C3-M2", 256.0, 10.0, seed=1),
                                  _sig(mkfix, "Chin", 512.0, 10.0, seed=2),
                                  _sig(mkfix, "LAT", 512.0, 10.0, seed=3)])


UNSCALABLE = {  # field of signal 2 ('Chin') -> (value written, what the problem says)
    "digital_min_equals_max": ("digital_min", "32767", "digital minimum equals digital maximum (32767)"),
    "digital_inverted": ("digital_min", "40000", "digital minimum 40000 is not below digital maximum 32767"),
    "digital_beyond_16_bit": ("digital_max", "99999", "digital range -32768..99999 exceeds the 16-bit samples"),
    "physical_equal": ("physical_min", "500", "physical minimum equals physical maximum (500)"),
    "physical_not_a_number": ("physical_min", "abc", "header field 'physical minimum' is not a finite number ('abc')"),
    "physical_infinite": ("physical_max", "inf", "header field 'physical maximum' is not a finite number ('inf')"),
    "physical_empty": ("physical_max", "", "header field 'physical maximum' is not a finite number ('')"),
    "digital_fractional": ("digital_max", "1.5", "header field 'digital maximum' is not a whole number ('1.5')"),
    "digital_not_a_number": ("digital_min", "-3276x", "header field 'digital minimum' is not a whole number"),
}


@pytest.mark.parametrize("case", sorted(UNSCALABLE))
def test_unscalable_header_field_spoils_only_its_channel(tmp_path: Path, mkfix, capsys, case: str) -> None:
    field, value, message = UNSCALABLE[case]
    path = _three_channels(mkfix, tmp_path / f"{case}.edf")
    mkfix.patch_signal_field(path, 1, field, value)
    truth = mkfix.test_signal_uv(5120, 512.0, seed=3)
    with read_recording(path) as rec:
        chin = rec.channel("Chin")
        assert chin.problem is not None and message in chin.problem
        assert not chin.readable and np.isnan(chin.resolution_uv)
        assert chin.warnings == (f"not read: {chin.problem}",)
        with pytest.raises(ChannelError, match=r"'Chin'.*cannot be read"):
            rec.get_data("Chin")
        np.testing.assert_allclose(rec.get_data("LAT"), truth, atol=1000 / 65535)  # the others read right
    # myosleep info lists it with its problem (exit 0), in the table and in JSON
    assert main(["info", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    rows = {c["label"]: c for c in out["channels"]}
    assert rows["Chin"]["warnings"][0].startswith("not read: ") and message in rows["Chin"]["warnings"][0]
    assert rows["LAT"]["warnings"] == [] and rows["C3-M2"]["warnings"] == []
    assert main(["info", str(path)]) == 0
    assert message in capsys.readouterr().out


def test_zero_samples_per_record_is_a_switched_off_input(tmp_path: Path, mkfix, capsys) -> None:
    """An input with 0 samples per record leaves the record layout intact: the other channels read."""
    path = mkfix.write_raw_edf(tmp_path / "z.edf", ["C3-M2", "Chin", "LAT"], [256, 0, 512], 4)
    with read_recording(path) as rec:
        chin = rec.channel("Chin")
        assert "declares 0 samples per data record" in chin.problem and not chin.readable
        assert rec.get_data("LAT").shape == (2048,) and rec.get_data("C3-M2").shape == (1024,)
    assert main(["info", str(path)]) == 0
    assert "0 samples per data record" in capsys.readouterr().out


def test_bdf_digital_range_beyond_24_bits(tmp_path: Path, mkfix) -> None:
    path = mkfix.write_edf(tmp_path / "b.bdf", [_sig(mkfix, "RAT", 512.0, 2.0), _sig(mkfix, "Chin", 512.0, 2.0)],
                           bdf=True)
    mkfix.patch_signal_field(path, 0, "digital_max", "9999999")
    with read_recording(path) as rec:
        assert "exceeds the 24-bit samples of BDF" in rec.channel("RAT").problem
        assert rec.channel("Chin").readable


@pytest.mark.parametrize(("value", "message"), [("abc", "is not a number"), ("-5", "declares -5 samples"),
                                                ("2.5", "must be a whole number")])
def test_unknowable_record_layout_refuses_the_file_in_one_line(tmp_path: Path, mkfix, capsys, value: str,
                                                               message: str) -> None:
    path = _three_channels(mkfix, tmp_path / "spr.edf")
    mkfix.patch_signal_field(path, 1, "samples_per_record", value)
    with pytest.raises(RecordingError, match=message):
        read_recording(path)
    for command in (["info", str(path)], ["detect", str(path), "--out", str(tmp_path / "out")]):
        line = _one_line_exit_2(capsys, command)
        assert str(path) in line and "signal 2 'Chin'" in line and message in line
    assert not (tmp_path / "out").exists()


def test_detect_refuses_an_unscalable_only_emg_with_header_advice(tmp_path: Path, mkfix, capsys) -> None:
    path = mkfix.write_edf(tmp_path / "d.edf", [_sig(mkfix, "C3-M2", 256.0, 10.0), _sig(mkfix, "LAT", 512.0, 10.0)])
    mkfix.patch_signal_field(path, 1, "digital_min", "32767")
    line = _one_line_exit_2(capsys, ["detect", str(path), "--out", str(tmp_path / "o")])
    assert "LAT not readable: digital minimum equals digital maximum" in line
    assert "cannot scale the samples" in line and "200 Hz" not in line


# =============================================================================================
# Defect 5: one start-date rule everywhere; an annotation-only file is not a recording
# =============================================================================================
DATE_CASES = {  # legacy header date, EDF+ Startdate subfield -> the start date every reader uses
    "day": ("09.08.94", "08-AUG-1994", date(1994, 8, 8)),
    "month": ("08.09.94", "08-AUG-1994", date(1994, 8, 8)),
    "year": ("08.08.95", "08-AUG-1994", date(1994, 8, 8)),
    "century": ("02.03.91", "02-MAR-2091", date(2091, 3, 2)),  # the 1985 clipping rule would say 1991
    "agree": ("08.08.94", "08-AUG-1994", date(1994, 8, 8)),
}


def _dated(path: Path, mkfix, legacy: str, startdate: str) -> Path:
    mkfix.patch_main_field(path, 88, 80, f"Startdate {startdate} X X X")
    mkfix.patch_main_field(path, 168, 8, legacy)
    mkfix.patch_main_field(path, 176, 8, "22.30.00")
    return path


def _stage_annotations(n_epochs: int) -> list[tuple[float, float, str]]:
    cycle = ["Sleep stage W", "Sleep stage N1", "Sleep stage N2", "Sleep stage N3", "Sleep stage R"]
    return [(30.0 * i, 30.0, cycle[i % 5]) for i in range(n_epochs)]


def _hypnogram_edf(mkfix, path: Path, n_epochs: int) -> Path:
    """Annotation-only EDF+ hypnogram (the form of Sleep-EDF's and HMC's hypnogram files)."""
    import edfio

    edf = edfio.Edf([], annotations=[edfio.EdfAnnotation(o, d, t) for o, d, t in _stage_annotations(n_epochs)])
    edf.write(path)
    return path


@pytest.mark.parametrize("case", sorted(DATE_CASES))
def test_one_start_date_for_recordings_and_hypnograms(tmp_path: Path, mkfix, case: str) -> None:
    import edfio

    legacy, startdate, expected = DATE_CASES[case]
    psg = _dated(mkfix.make_psg(tmp_path / "psg.edf", duration_s=120.0), mkfix, legacy, startdate)
    hyp = _dated(_hypnogram_edf(mkfix, tmp_path / "hyp.edf", 4), mkfix, legacy, startdate)
    header = read_edf_header(psg)
    assert header.start_datetime == datetime.combine(expected, datetime.min.time()).replace(hour=22, minute=30)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # edfio warns when the two date fields differ
        assert edfio.read_edf(psg).startdate == expected  # an independent reader agrees
    disagree = case != "agree"
    assert bool(header.warnings) == disagree
    with read_recording(psg) as rec:
        assert rec.start_datetime == header.start_datetime
        assert any("disagree; using the EDF+ Startdate" in w for w in rec.warnings) == disagree
        hypnogram = read_hypnogram(hyp, recording_start=rec.start_datetime)
        assert hypnogram.start_s == 0.0 and hypnogram.n_epochs == 4
        hypnogram.check_fits(rec.duration_s)
        assert hypnogram.metadata["start_datetime"] == header.start_datetime.isoformat()


def test_anonymised_startdate_keeps_only_the_clock(tmp_path: Path, mkfix, capsys) -> None:
    psg = _dated(mkfix.make_psg(tmp_path / "psg.edf", duration_s=60.0), mkfix, "01.01.85", "X")
    header = read_edf_header(psg)
    assert not header.start_date_known and header.start_datetime.time().isoformat() == "22:30:00"
    assert main(["info", str(psg)]) == 0
    assert "start 22:30:00 (date anonymised)" in capsys.readouterr().out


def test_annotation_only_file_given_as_the_recording(tmp_path: Path, mkfix, capsys) -> None:
    """Each command says 'annotation-only file' with the path; none runs on a 0-s recording."""
    hyp = _dated(_hypnogram_edf(mkfix, tmp_path / "SN-hypnogram.edf", 20), mkfix, "09.08.94", "08-AUG-1994")
    with pytest.raises(RecordingError, match="annotation-only EDF\\+C file"):
        read_recording(hyp)
    for command in (["analyze", str(hyp), "--out", str(tmp_path / "a")],
                    ["detect", str(hyp), "--out", str(tmp_path / "d")]):
        line = _one_line_exit_2(capsys, command)
        assert f"{hyp}: is an annotation-only EDF+C file" in line and "--hypnogram" in line
        assert "None" not in line and "-60810" not in line
    assert not (tmp_path / "a").exists() and not (tmp_path / "d").exists()
    assert main(["info", str(hyp)]) == 0  # info still lists it
    assert "annotation-only file" in capsys.readouterr().out


def test_hypnogram_that_does_not_overlap_the_recording_says_so(tmp_path: Path, mkfix) -> None:
    hyp = _hypnogram_edf(mkfix, tmp_path / "h.edf", 4)
    h = read_hypnogram(hyp, recording_start=datetime(1985, 1, 2, 0, 0, 0))  # a day later: clock alignment
    assert h.start_s == 0.0
    late = read_hypnogram(hyp, recording_start=datetime(1985, 1, 1, 0, 10, 0))
    assert late.start_s == -600.0
    with pytest.raises(HypnogramError, match=r"does not overlap the recording \(0 to 120 s\): it ends 480 s before"):
        late.check_fits(120.0)
    with pytest.raises(HypnogramError, match="the recording lasts 0 s"):
        h.check_fits(0.0)


# =============================================================================================
# Defect 3: integer stage conventions recognised from the file, or refused in one line
# =============================================================================================
def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_dreams_aasm_all_wake_is_wake(tmp_path: Path) -> None:
    """The reported case: a DREAMS all-wake file (5 = W) was read as REM (R&K 5 = REM)."""
    path = _write(tmp_path / "HypnogramAASM_subject1.txt", "[HypnogramAASM]\n" + "5\n" * 720)
    hyp = read_hypnogram(path)
    assert hyp.convention == "dreams-aasm" and hyp.convention_evidence == "the file's header"
    assert hyp.epoch_s == 5.0 and "one value per 5 s" in hyp.epoch_s_source
    assert hyp.n_epochs == 720 and hyp.duration_s == 3600.0
    assert set(hyp.stages.tolist()) == {W}
    summary = hyp.summary()
    assert (summary["convention"], summary["epoch_s"], summary["time_in_stage_s"]["W"]) == ("dreams-aasm", 5.0, 3600.0)


CONVENTION_FILES = {
    # name: (file text, expected stages, convention, evidence starts with)
    "dreams-aasm": ("[HypnogramAASM]\n5\n4\n3\n2\n1\n0\n-1\n", [W, R, N1, N2, N3, UNS, UNS], "dreams-aasm",
                    "the file's header"),
    "dreams-rk": ("[HypnogramR&K]\n5\n4\n3\n2\n1\n0\n-1\n-2\n-3\n", [W, R, N1, N2, N3, N3, ART, UNS, UNS],
                  "dreams-rk", "the file's header"),
    "yasa-legend": ("# 1 value per 30 seconds of data (1 / 30 Hz)\n# 0: Wake, 1: N1, 2: N2, 3: N3, 4: REM\n"
                    "0\n1\n2\n3\n4\n", [W, N1, N2, N3, R], "yasa", "the file's legend (line 2)"),
    "yasa-values": ("0\n1\n2\n3\n4\n-1\n-2\n", [W, N1, N2, N3, R, ART, UNS], "yasa", "its values"),
    "rk-values": ("0\n1\n2\n3\n4\n5\n6\n9\n", [W, N1, N2, N3, N3, R, ART, UNS], "rk", "its values"),
    "isruc-values": ("0\n1\n2\n3\n5\n", [W, N1, N2, N3, R], "rk", "its values"),  # rk and isruc agree
    "legend-label-first": ("# W=5 R=4 N1=3 N2=2 N3=1\n5\n4\n3\n2\n1\n", [W, R, N1, N2, N3], "dreams-aasm",
                           "the file's legend (line 1)"),
    "file-legend": ("% stages: 1: W, 2: N1, 3: N2, 4: N3, 5: R\n1\n2\n3\n4\n5\n", [W, N1, N2, N3, R],
                    "file-legend", "the file's legend (line 1)"),
    "elan": ("time_base 30.000000\nsampling_period 0.01\nepoch_nb 6\nepoch_list\n0\n1\n2\n4\n5\n-1\n",
             [W, N1, N2, N3, R, ART], "elan", "the Elan .hyp format"),
    "rk-labels": ("W\nS1\nS2\nS3\nS4\nREM\nMT\n", [W, N1, N2, N3, N3, R, ART], "rk-labels", "text labels"),
    "aasm-labels": ("W\nN1\nN2\nN3\nR\n", [W, N1, N2, N3, R], "aasm-labels", "text labels"),
    "sleep-edf-style": ("W\n1\n2\n3\n4\nR\n", [W, N1, N2, N3, N3, R], "rk-labels", "text labels; digits"),
}


@pytest.mark.parametrize("name", sorted(CONVENTION_FILES))
def test_each_convention_is_recognised_from_the_file(tmp_path: Path, name: str) -> None:
    text, expected, convention, evidence = CONVENTION_FILES[name]
    hyp = read_hypnogram(_write(tmp_path / f"{name}.txt", text))
    np.testing.assert_array_equal(hyp.stages, expected)
    assert hyp.convention == convention and hyp.convention_evidence.startswith(evidence)
    assert hyp.summary()["convention"] == convention and hyp.epoch_s_source


AMBIGUOUS = {  # values -> what the refusal must name
    "0-4": ("0\n1\n2\n3\n4\n2\n", r"4 is R \(yasa\) or N3 \(rk\)", "--hypnogram-convention yasa"),
    "2-4": ("2\n3\n4\n", r"4 is R \(yasa\) or N3 \(rk\)", "'yasa', 'rk'"),
}


@pytest.mark.parametrize("case", sorted(AMBIGUOUS))
def test_values_that_conventions_read_differently_are_refused(tmp_path: Path, case: str) -> None:
    text, difference, how = AMBIGUOUS[case]
    path = _write(tmp_path / "h.txt", text)
    with pytest.raises(HypnogramError, match=difference) as info:
        read_hypnogram(path)
    line = str(info.value)
    assert "\n" not in line and str(path) in line and how in line and "legend" in line
    for convention, stage_of_4 in (("yasa", R), ("rk", N3)):
        hyp = read_hypnogram(path, convention=convention)
        assert hyp.convention == convention and hyp.convention_evidence == "convention= given"
        assert hyp.stages[text.splitlines().index("4")] == stage_of_4
        assert read_hypnogram(HypnogramFile(path, convention=convention)).convention == convention


def test_values_no_convention_defines_are_refused(tmp_path: Path) -> None:
    with pytest.raises(HypnogramError, match=r"integer stage codes \[0, 1, 7\] fit no known convention"):
        read_hypnogram(_write(tmp_path / "h.txt", "0\n1\n7\n"))


def test_contradictions_between_file_and_options_are_refused(tmp_path: Path) -> None:
    dreams = _write(tmp_path / "d.txt", "[HypnogramAASM]\n5\n5\n")
    with pytest.raises(HypnogramError, match="header says DREAMS"):
        read_hypnogram(dreams, convention="rk")
    with pytest.raises(HypnogramError, match="is not in the yasa convention"):
        read_hypnogram(_write(tmp_path / "y.txt", "0\n5\n"), convention="yasa")
    with pytest.raises(HypnogramError, match="text stage labels, but convention='yasa'"):
        read_hypnogram(_write(tmp_path / "t.txt", "W\nN1\n"), convention="yasa")
    with pytest.raises(ParameterError, match="unknown convention 'aasm'"):
        read_hypnogram(dreams, convention="aasm")
    with pytest.raises(HypnogramError, match="Elan .hyp file defines its own stage codes"):
        read_hypnogram(_write(tmp_path / "e.hyp", CONVENTION_FILES["elan"][0]), convention="yasa")
    # a declared epoch length that the option contradicts
    declared = _write(tmp_path / "e30.txt", "# 30-s epochs\nW\nN1\nN2\n")
    assert read_hypnogram(declared).epoch_s_source == "the file (line 1)"
    with pytest.raises(HypnogramError, match="a 20-s epoch is not a whole number of the file's 30-s values"):
        read_hypnogram(declared, epoch_s=20)


@pytest.mark.parametrize(("comment", "epoch_s"), [
    ("# 1 value per 20 seconds", 20.0), ("# scored in 20-s epochs", 20.0), ("# epoch length: 20", 20.0),
    ("# epochs of 20 s", 20.0), ("# EpochLength=20", 20.0),
    ("# epoch 1 starts at lights off", 30.0), ("# scored by hand on 2020-09-23: 2 scorers", 30.0),
])
def test_declared_epoch_lengths(tmp_path: Path, comment: str, epoch_s: float) -> None:
    hyp = read_hypnogram(_write(tmp_path / "h.txt", f"{comment}\nW\nN1\nN2\n"))
    assert hyp.epoch_s == epoch_s
    assert hyp.epoch_s_source == ("the file (line 1)" if epoch_s == 20.0 else
                                  "default: AASM 30-s epochs (the file does not say)")


def test_dreams_values_resampled_to_30_s_epochs(tmp_path: Path) -> None:
    path = _write(tmp_path / "d.txt", "[HypnogramR&K]\n" + "5\n" * 6 + "2\n" * 6 + "0\n" * 5 + "3\n" + "4\n" * 3)
    hyp = read_hypnogram(path, epoch_s=30)
    np.testing.assert_array_equal(hyp.stages, [W, N2, N3])  # each epoch: its onset value; 3-value tail dropped
    assert hyp.epoch_s == 30.0 and hyp.metadata["epochs_with_mixed_values"] == 1
    assert hyp.metadata["dropped_tail_samples"] == 3


def test_table_with_integer_stages_follows_the_same_rules(tmp_path: Path) -> None:
    table = "onset\tduration\tstage\n0\t30\t0\n30\t30\t2\n60\t30\t4\n"
    with pytest.raises(HypnogramError, match="read them differently"):
        read_hypnogram(_write(tmp_path / "t.tsv", table))
    hyp = read_hypnogram(_write(tmp_path / "l.tsv", "# 0=W 1=N1 2=N2 3=N3 4=R\n" + table))
    np.testing.assert_array_equal(hyp.stages, [W, N2, R])
    assert hyp.epoch_s_source == "the durations and onsets in the file"


def test_real_files_state_their_conventions(real_dir: Path) -> None:
    expected = {"sleep-edf/SC4001EC-Hypnogram.edf": "rk-labels", "hmc/SN001-hypnogram.edf": "aasm-labels",
                "yasa-hypnograms/data_full_6hrs_100Hz_hypno_30s.txt": "yasa",
                "yasa-hypnograms/sub-02_hypno_30s.txt": "aasm-labels",
                "yasa-hypnograms/data_full_6hrs_100Hz_hypno.hyp": "elan",
                "somnomedics-export/Sleep_profile_-_test1_Unbekannt.txt": "aasm-labels"}
    for name, convention in expected.items():
        hyp = read_hypnogram(real_dir / name)
        assert hyp.convention == convention, name
        assert hyp.epoch_s == 30.0 and hyp.epoch_s_source, name


def test_epoch_length_the_file_does_not_state_is_named_when_it_does_not_fit(tmp_path: Path) -> None:
    """A headerless list of 5-s values read as 30-s epochs overruns the recording 6-fold: say which fits."""
    hyp = read_hypnogram(_write(tmp_path / "h.txt", "W\n" * 720))
    assert hyp.epoch_s_source.startswith("default")
    with pytest.raises(HypnogramError, match=r"720 values over the 3600-s recording are 5-s epochs.*epoch_s=5 "
                                             r"\(CLI: --hypnogram-epoch 5\)"):
        hyp.check_fits(3600.0)
    read_hypnogram(tmp_path / "h.txt", epoch_s=5).check_fits(3600.0)


def test_cli_hypnogram_options_reach_the_reader(tmp_path: Path, mkfix, monkeypatch, capsys) -> None:
    import myosleep.pipeline as pipeline

    psg = mkfix.make_psg(tmp_path / "psg.edf", duration_s=60.0)
    ambiguous = _write(tmp_path / "h.txt", "0\n4\n")
    line = _one_line_exit_2(capsys, ["analyze", str(psg), "--hypnogram", str(ambiguous), "--out", str(tmp_path / "o")])
    assert "read them differently" in line and "--hypnogram-convention yasa" in line
    seen = {}

    def fake(recording, *, out_dir, hypnogram, **kwargs):
        seen["hyp"] = read_hypnogram(hypnogram, recording_start=read_edf_header(recording).start_datetime)
        return []

    monkeypatch.setattr(pipeline, "analyze_to_dir", fake)
    assert main(["analyze", str(psg), "--hypnogram", str(ambiguous), "--hypnogram-convention", "yasa",
                 "--hypnogram-epoch", "30", "--out", str(tmp_path / "o")]) == 0
    assert seen["hyp"].convention == "yasa" and list(seen["hyp"].stages) == [W, R]
    line = _one_line_exit_2(capsys, ["analyze", str(psg), "--hypnogram-convention", "yasa"])
    assert "--hypnogram" in line


# =============================================================================================
# Defect 4: roles from the whole montage
# =============================================================================================
def test_lab_labels_of_a_psg_montage(tmp_path: Path, mkfix) -> None:
    labels = ["C4-M1", "E1-M2", "E2-M1", "REOG", "LEOG", "1-2", "1-F", "2-F", "EMG Ant Tibial L", "Ant Tib R",
              "Tibialis ant R", "ECG", "A1"]
    path = mkfix.write_edf(tmp_path / "nox.edf", [_sig(mkfix, lab, 256.0, 2.0, seed=i) for i, lab in enumerate(labels)])
    with read_recording(path) as rec:
        got = {c.label: (c.role, c.side) for c in rec.channels}
        assert any("Nox chin EMG derivations" in w for w in rec.warnings)
    assert got == {"C4-M1": (Role.EEG, Rt), "E1-M2": (Role.EOG, L), "E2-M1": (Role.EOG, Rt),
                   "REOG": (Role.EOG, Rt), "LEOG": (Role.EOG, L), "1-2": (Role.CHIN, None),
                   "1-F": (Role.CHIN, None), "2-F": (Role.CHIN, None), "EMG Ant Tibial L": (Role.LEG, L),
                   "Ant Tib R": (Role.LEG, Rt), "Tibialis ant R": (Role.LEG, Rt), "ECG": (Role.ECG, None),
                   "A1": (Role.EEG, L)}  # in a 10-20 PSG montage, E1/E2 are EOG and A1 the left ear


def test_cap_sleep_database_montage(tmp_path: Path, mkfix) -> None:
    # The CAP Sleep Database (PhysioNet capslpdb, Parma): bilateral anterior tibialis EMG as the
    # side-only derivations DX1-DX2 / SX1-SX2 (Italian destra/sinistra); both read as "other"
    # before (2026-12-07), so the night had no leg channel.  Its other labels: Tib dx / tib sin,
    # EOG dx / EOG sin, deltoide, milo (mylohyoid).
    labels = ["Fp2-F4", "C4-A1", "ROC-LOC", "EMG1-EMG2", "ECG1-ECG2", "DX1-DX2", "SX1-SX2", "SAO2"]
    path = mkfix.write_edf(tmp_path / "cap.edf", [_sig(mkfix, lab, 256.0, 2.0, seed=i) for i, lab in enumerate(labels)])
    with read_recording(path) as rec:
        got = {c.label: (c.role, c.side) for c in rec.channels}
        assert any("CAP Sleep Database" in w for w in rec.warnings)
    assert got["DX1-DX2"] == (Role.LEG, Rt) and got["SX1-SX2"] == (Role.LEG, L)
    assert got["EMG1-EMG2"] == (Role.EMG, None)  # its site is not said: listed with the --channels line
    other = ["C4-A1", "EOG dx", "EOG sin", "Tib dx", "tib sin", "deltoide", "milo", "DX1-DX2"]
    path = mkfix.write_edf(tmp_path / "cap2.edf", [_sig(mkfix, lab, 256.0, 2.0, seed=i) for i, lab in enumerate(other)])
    with read_recording(path) as rec:
        got = {c.label: (c.role, c.side) for c in rec.channels}
    assert got == {"C4-A1": (Role.EEG, Rt), "EOG dx": (Role.EOG, Rt), "EOG sin": (Role.EOG, L),
                   "Tib dx": (Role.LEG, Rt), "tib sin": (Role.LEG, L), "deltoide": (Role.ARM, None),
                   "milo": (Role.CHIN, None), "DX1-DX2": (Role.OTHER, None)}  # the legs are named: DX is not read


def test_numbered_derivations_without_a_psg_are_not_chin(tmp_path: Path, mkfix) -> None:
    labels = ["1-2", "2-3", "3-4", "4-5"]  # a bipolar chain of numbered electrodes
    path = mkfix.write_edf(tmp_path / "n.edf", [_sig(mkfix, lab, 256.0, 2.0) for lab in labels])
    with read_recording(path) as rec:
        assert {c.role for c in rec.channels} == {Role.OTHER}


@pytest.mark.parametrize("banks", ["ABCD", "ABCDE"])
def test_biosemi_cap_electrodes_are_eeg_not_10_20(tmp_path: Path, mkfix, banks: str) -> None:
    """128 and 160 electrodes named A1..E32: A1, C3, E1, E2 are cap positions, none EOG/EMG or 10-20."""
    labels = [f"{b}{n}" for b in banks for n in range(1, 33)] + ["EXG1", "EXG2", "Status"]
    sigs = [_sig(mkfix, lab, 64.0, 1.0, seed=i, pr=(-262144.0, 262143.0)) for i, lab in enumerate(labels)]
    path = mkfix.write_edf(tmp_path / "cap.bdf", sigs, bdf=True)
    with read_recording(path) as rec:
        cap = [c for c in rec.channels if c.label[0] in banks and c.label[1:].isdigit()]
        assert len(cap) == 32 * len(banks)
        assert {(c.role, c.side) for c in cap} == {(Role.EEG, None)}
        assert rec.channel("EXG1").role is Role.OTHER and "external input" in rec.channel("EXG1").warnings[0]
        assert any("BioSemi ABC cap" in w for w in rec.warnings)
    import mne

    raw = mne.io.read_raw_bdf(path, verbose="error")
    with read_recording(raw) as via_mne:  # the same montage rule for an mne Raw
        assert {via_mne.channel(lab).role for lab in ("A1", "C3", "D32")} == {Role.EEG}
        assert via_mne.channel("A1").side is None


def test_egi_net_electrodes_are_eeg(tmp_path: Path, mkfix) -> None:
    labels = [f"E{n}" for n in range(1, 33)] + ["Cz"]
    path = mkfix.write_edf(tmp_path / "egi.edf", [_sig(mkfix, lab, 64.0, 1.0, seed=i) for i, lab in enumerate(labels)])
    with read_recording(path) as rec:
        assert rec.channel("E1").role is Role.EEG and rec.channel("E2").role is Role.EEG
        assert {c.role for c in rec.channels} == {Role.EEG}


def test_emg_of_unknown_site_is_listed_with_the_channels_line(tmp_path: Path, mkfix, capsys) -> None:
    path = mkfix.write_edf(tmp_path / "emg.edf", [
        _sig(mkfix, "C3-M2", 256.0, 10.0), _sig(mkfix, "EMG1", 512.0, 10.0, seed=1),
        _sig(mkfix, "EMG2", 512.0, 10.0, seed=2), _sig(mkfix, "EMG1-EMG2", 512.0, 10.0, seed=3)])
    with read_recording(path) as rec:
        assert [c.role for c in rec.channels[1:]] == [Role.EMG] * 3
        assert not any(c.is_emg for c in rec.channels) and all(c.emg_site_unknown for c in rec.channels[1:])
        assert any("--channels chin=EMG1" in w for w in rec.channel("EMG1").warnings)
    assert main(["info", str(path), "--json", "--no-scan"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [c["role"] for c in out["channels"]] == ["eeg", "emg", "emg", "emg"]
    line = _one_line_exit_2(capsys, ["detect", str(path), "--out", str(tmp_path / "o")])
    assert "holds no EMG of a known site: 'EMG1', 'EMG2', 'EMG1-EMG2' are EMG whose labels do not say" in line
    assert "--channels chin=EMG1,leg=EMG2,leg=EMG1-EMG2" in line and "holds no EMG or" not in line
    assert "200 Hz" not in line
    assert _one_line_exit_2(capsys, ["analyze", str(path), "--out", str(tmp_path / "a")]).endswith(
        line.split("error: ", 1)[1])  # analyze says the same (its pipeline passes no recording: header re-read)
    # the line given, the channels are analysed
    assert main(["detect", str(path), "--out", str(tmp_path / "o"), "--channels", "chin=EMG1,leg=EMG2"]) == 0
    capsys.readouterr()


# =============================================================================================
# Defect 6: advice that follows from the refusal reasons
# =============================================================================================
def test_short_fast_emg_gets_no_sampling_rate_advice(tmp_path: Path, mkfix, capsys) -> None:
    """The reported case: 2000-Hz EMG with less than 1 s of data was told to record at >= 200 Hz."""
    path = mkfix.write_edf(tmp_path / "short.edf", [_sig(mkfix, "EMG Chin", 2000.0, 0.5)], record_s=0.5)
    line = _one_line_exit_2(capsys, ["detect", str(path), "--out", str(tmp_path / "o")])
    assert "less than 1 s of data" in line and "holds 0.5 s of data" in line
    assert "200 Hz" not in line and "--channels" not in line


def test_slow_emg_gets_the_sampling_rate_advice(tmp_path: Path, mkfix, capsys) -> None:
    path = mkfix.write_edf(tmp_path / "slow.edf", [_sig(mkfix, "EMG Chin", 50.0, 20.0)])
    line = _one_line_exit_2(capsys, ["detect", str(path), "--out", str(tmp_path / "o")])
    assert "record EMG at >= 200 Hz" in line and "'EMG Chin' is not" in line


def test_no_emg_at_all_lists_the_channels(tmp_path: Path, mkfix, capsys) -> None:
    path = mkfix.write_edf(tmp_path / "eeg.edf", [_sig(mkfix, "C3-M2", 256.0, 10.0), _sig(mkfix, "Flow", 32.0, 10.0)])
    line = _one_line_exit_2(capsys, ["detect", str(path), "--out", str(tmp_path / "o")])
    assert "holds no EMG or accelerometer channel (channels: 'C3-M2', 'Flow')" in line
    assert "--channels chin=LABEL,leg=LABEL" in line and "200 Hz" not in line


@pytest.mark.parametrize(("statuses", "duration_s", "has", "has_not"), [
    ([("LAT", "leg", 2000.0, "holds 999 samples, less than 1 s of data")], 0.4995,
     ["holds 0.499 s of data"], ["200 Hz", "header", "unit"]),
    ([("LAT", "leg", 50.0, "sampled at 50 Hz")], 3600.0, ["record EMG at >= 200 Hz"], ["s of data", "header"]),
    ([("LAT", "leg", 512.0, "is all zero (flat)")], 3600.0, [], ["200 Hz", "s of data", "header", "unit"]),
    ([("Acc", "accelerometer", 10.0, "analysis failed")], 3600.0, [], ["200 Hz"]),
    ([], 3600.0, ["holds no EMG or accelerometer channel"], ["200 Hz"]),
])
def test_advice_follows_the_reasons(statuses, duration_s: float, has: list[str], has_not: list[str]) -> None:
    st = [SimpleNamespace(label=a, role=b, sfreq=c, used=False, reason=d) for a, b, c, d in statuses]
    err = no_usable_channel_error(st, where="night.edf", duration_s=duration_s)
    line = str(err)
    assert isinstance(err, ChannelError) and line.startswith("night.edf: ") and "\n" not in line
    for text in has:
        assert text in line
    for text in has_not:
        assert text not in line
    for a, _, _, d in statuses:
        assert f"{a} {d}" in line  # every refusal reason is given


def test_unit_problem_gets_unit_advice(tmp_path: Path, mkfix, capsys) -> None:
    path = mkfix.write_edf(tmp_path / "u.edf", [_sig(mkfix, "LAT", 512.0, 10.0, unit="%")])
    line = _one_line_exit_2(capsys, ["detect", str(path), "--out", str(tmp_path / "o")])
    assert "Fix the unit of 'LAT' in the file" in line and "200 Hz" not in line


# =============================================================================================
# Defect 7 (io part): acceleration units
# =============================================================================================
ACCELERATIONS = {"g": 1.0, "G": 1.0, "mg": 1e-3, "m/s^2": 1 / 9.80665, "m/s2": 1 / 9.80665, "m/s\u00b2": 1 / 9.80665,
                 "m s-2": 1 / 9.80665, "m/s/s": 1 / 9.80665, "m/sec^2": 1 / 9.80665, "cm/s^2": 0.01 / 9.80665}
NOT_ACCELERATIONS = {"m/sec^3": "jerk", "m/s^3": "jerk", "g/s": "jerk", "m/s": "velocity", "deg/s": "angular velocity",
                     "deg": "angle", "uT": "magnetic field", "mV": "voltage"}


@pytest.mark.parametrize("unit", sorted(ACCELERATIONS))
def test_acceleration_units_are_read_in_g(tmp_path: Path, mkfix, unit: str) -> None:
    values = np.linspace(-5.0, 5.0, 500)  # in the file's unit
    path = mkfix.write_edf(tmp_path / "a.edf", [_sig(mkfix, "Acc X", 50.0, 10.0, unit="g", pr=(-10.0, 10.0),
                                                     data=values)])
    mkfix.patch_signal_field(path, 0, "unit", unit.encode("utf-8"))
    with read_recording(path) as rec:
        ch = rec.channel("Acc X")
        assert ch.readable and ch.data_unit == "g" and ch.warnings == ()
        np.testing.assert_allclose(rec.get_data("Acc X"), values * ACCELERATIONS[unit],
                                   atol=20 / 65535 * ACCELERATIONS[unit])


@pytest.mark.parametrize("unit", sorted(NOT_ACCELERATIONS))
def test_units_that_are_not_accelerations_are_refused_by_name(tmp_path: Path, mkfix, capsys, unit: str) -> None:
    path = mkfix.write_edf(tmp_path / "j.edf", [_sig(mkfix, "Accel Z", 50.0, 10.0, unit="g", pr=(-10.0, 10.0),
                                                     data=np.linspace(-5.0, 5.0, 500))])
    mkfix.patch_signal_field(path, 0, "unit", unit)
    kind = NOT_ACCELERATIONS[unit]
    with read_recording(path) as rec:
        ch = rec.channel("Accel Z")
        assert not ch.readable
        assert ch.warnings[0].startswith(f"unit {unit!r} is a{'n' if kind[0] in 'aeiou' else ''} {kind}, not an "
                                         "acceleration")
    line = _one_line_exit_2(capsys, ["detect", str(path), "--out", str(tmp_path / "o")])
    assert f"Accel Z unit {unit!r} is" in line and "g, mg or m/s^2" in line


def test_accelerometer_without_a_known_unit_is_read_with_a_warning(tmp_path: Path, mkfix) -> None:
    path = mkfix.write_edf(tmp_path / "c.edf", [_sig(mkfix, "Acc Y", 50.0, 4.0, unit="counts", pr=(-10.0, 10.0),
                                                     data=np.zeros(200))])
    with read_recording(path) as rec:
        ch = rec.channel("Acc Y")
        assert ch.readable and ch.data_unit == "counts"
        assert "relative thresholds only" in ch.warnings[0]


@pytest.mark.parametrize("unit", ["g", "mg", "m/s^2"])
def test_axes_named_only_by_their_unit_are_accelerometers(tmp_path: Path, mkfix, unit: str) -> None:
    """Headband and actigraphy exports name their axes ``dX``/``X-axis``: the unit says what they are.
    (mne's EDF reader keeps no unit but a voltage, so this is read from the header only.)"""
    scale = ACCELERATIONS[unit]
    labels = ["dX", "dY", "Z-axis"]
    values = np.linspace(-0.5, 0.5, 500) / scale  # in the file's unit
    sigs = [_sig(mkfix, lab, 50.0, 10.0, unit=unit, pr=(-2.0 / scale, 2.0 / scale), data=values) for lab in labels]
    sigs += [_sig(mkfix, "Light", 50.0, 10.0, unit="lux", pr=(0.0, 1000.0), data=np.full(500, 300.0)),
             _sig(mkfix, "Spare", 50.0, 10.0, unit="", pr=(-1.0, 1.0), data=np.zeros(500))]
    path = mkfix.write_edf(tmp_path / "zmax.edf", sigs)
    with read_recording(path) as rec:
        for lab in labels:
            ch = rec.channel(lab)
            assert ch.role is Role.ACCELEROMETER and ch.readable and ch.data_unit == "g"
            assert ch.warnings == (f"accelerometer: its unit {unit!r} is an acceleration",)
            np.testing.assert_allclose(rec.get_data(lab), values * scale, atol=4.0 / 65535)
        assert rec.channel("Light").role is Role.OTHER and rec.channel("Spare").role is Role.OTHER


# =============================================================================================
# Defect 2 (io part): the quantisation step of every channel, whatever the source
# =============================================================================================
@pytest.mark.parametrize(("unit", "physical_range", "bdf", "step_uv"), [
    ("uV", (-1024000.0, 1024000.0), False, 2048000 / 65535),  # +-1.024 V in 16 bit: 31.25 uV per step
    ("V", (-1.024, 1.024), False, 2048000 / 65535),
    ("mV", (-5.0, 5.0), False, 10000 / 65535),
    ("uV", (500.0, -500.0), False, 1000 / 65535),  # inverted range (polarity): the step is still positive
    ("mV", (-262.144, 262.143), True, 524287 / 16777215),  # BDF 24 bit: ~0.031 uV
])
def test_resolution_uv_from_the_header_and_through_mne(tmp_path: Path, mkfix, unit, physical_range, bdf,
                                                       step_uv) -> None:
    import mne

    suffix = ".bdf" if bdf else ".edf"
    lo, hi = sorted(physical_range)
    path = mkfix.write_edf(tmp_path / f"q{suffix}", [_sig(mkfix, "Leg/L", 256.0, 2.0, unit=unit, pr=(lo, hi),
                                                          data=np.zeros(512))], bdf=bdf)
    if physical_range[0] > physical_range[1]:  # written inverted by the amplifier software
        mkfix.patch_signal_field(path, 0, "physical_min", f"{physical_range[0]:g}")
        mkfix.patch_signal_field(path, 0, "physical_max", f"{physical_range[1]:g}")
    with read_recording(path) as rec:
        assert rec.channel("Leg/L").resolution_uv == pytest.approx(step_uv, rel=1e-6)
    reader = mne.io.read_raw_bdf if bdf else mne.io.read_raw_edf
    with read_recording(reader(path, verbose="error")) as via_mne:
        assert via_mne.channel("Leg/L").resolution_uv == pytest.approx(step_uv, rel=1e-6)
    coarse = step_uv > 1.0
    with read_recording(path) as rec:
        assert any("AASM leg-movement onset 8 uV" in w for w in rec.channel("Leg/L").warnings) == coarse


def test_effective_quantisation_coarser_than_the_header_is_found(tmp_path: Path, mkfix, capsys) -> None:
    """A 12-bit converter written into 16-bit samples: every sample sits on one code in 16."""
    rng = np.random.default_rng(3)
    step = 1000 / 65535  # header step of +-500 uV in 16 bit
    codes = rng.integers(-200, 200, 2560) * 16  # 12-bit values shifted into 16 bits
    values = -500.0 + (codes + 32768) * step
    path = mkfix.write_edf(tmp_path / "q12.edf", [_sig(mkfix, "Chin", 256.0, 10.0, data=values)])
    assert main(["info", str(path), "--json"]) == 0
    chin = json.loads(capsys.readouterr().out)["channels"][0]
    assert any("one digital code in 16: effective quantisation 0.244 uV per step, not the header's 0.0153" in w
               for w in chin["warnings"])


def test_stage_codes_are_enum_values() -> None:
    # the integers used in this file are the Stage codes
    assert (W, N1, N2, N3, R, ART, UNS) == tuple(int(s) for s in (Stage.W, Stage.N1, Stage.N2, Stage.N3, Stage.R,
                                                                  Stage.ARTEFACT, Stage.UNSCORED))


def test_summary_states_how_the_hypnogram_was_read(tmp_path: Path, mkfix) -> None:
    # "Say in the summary which convention and epoch length were used" (defect 3): summary.json's
    # inputs.hypnogram names the format, the convention and why, the epoch length and where it came from
    # (until 2026-12-07 only Hypnogram.summary() held them, not summary.json)
    psg = mkfix.make_psg(tmp_path / "psg.edf", duration_s=600.0)
    dreams = _write(tmp_path / "dreams.txt", "[HypnogramAASM]\n" + "5\n" * 24 + "3\n" * 12 + "2\n" * 84)
    assert main(["analyze", str(psg), "--hypnogram", str(dreams), "--out", str(tmp_path / "o")]) == 0
    entry = json.loads((tmp_path / "o" / "summary.json").read_text())["inputs"]["hypnogram"]
    assert entry["name"] == "dreams.txt" and entry["format"] == "text"
    assert (entry["convention"], entry["convention_evidence"]) == ("dreams-aasm", "the file's header")
    assert (entry["epoch_s"], entry["epoch_s_source"]) == (5.0, "the [HypnogramAASM] format (one value per 5 s)")

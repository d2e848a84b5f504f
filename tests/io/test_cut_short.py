"""Defect 23: a file that ends before the data records its header declares, and what reading a file
finds reaching summary.json and the report.

A recorder that stops before it closes the file, or an interrupted copy, leaves an EDF/BDF whose
header declares more data records than it holds.  MNE ("Number of records from the header does
not match the file size ... Inferring from the file size") and edfio ("EDF header indicates 60
data records, but file contains 55 records") read its complete records with a warning; myosleep
refused the whole file.  Now the complete records are read, the loss is stated (``info``,
summary.json ``warnings`` and ``warning_details`` ``recording_cut_short``, the report, the stderr
of ``detect`` and ``analyze``), and a hypnogram scored on the whole night still fits it (its epochs past the data are
left out).  A file cut inside its first record holds nothing to read and is still refused.

Every warning that reading a file gives (a header field read leniently, a montage recognised as
a whole, disagreeing dates) only reached ``info``; an ``analyze`` left no trace of it.  Now each
is in summary.json and the report, naming the file.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from myosleep.cli import main
from myosleep.errors import RecordingError
from myosleep.io import read_recording
from myosleep.io.edf_header import read_edf_header

DUR_S = 60.0


def _sig(mkfix, label: str, sfreq: float, seed: int) -> dict:
    return {"data": mkfix.test_signal_uv(int(sfreq * DUR_S), sfreq, seed=seed), "sfreq": sfreq, "label": label,
            "unit": "uV", "physical_range": (-500.0, 500.0)}


def _whole(mkfix, path: Path, *, bdf: bool = False) -> Path:
    return mkfix.write_edf(path, [_sig(mkfix, "C3-M2", 256.0, 1), _sig(mkfix, "Chin", 512.0, 2),
                                  _sig(mkfix, "LAT", 200.0, 3)], bdf=bdf)


def _cut(src: Path, dst: Path, n_bytes: int) -> Path:
    """``src`` less its last ``n_bytes`` bytes."""
    data = src.read_bytes()
    dst.write_bytes(data[: len(data) - n_bytes])
    return dst


def _record_bytes(path: Path) -> int:
    return read_edf_header(path).record_bytes


@pytest.mark.parametrize("bdf", [False, True], ids=["edf", "bdf"])
@pytest.mark.parametrize("cut", ["partial_last_record", "five_whole_records", "five_and_a_half"])
def test_cut_short_file_reads_its_complete_records_as_mne_and_edfio(tmp_path: Path, mkfix, bdf: bool,
                                                                    cut: str) -> None:
    import edfio
    import mne

    whole = _whole(mkfix, tmp_path / ("w.bdf" if bdf else "w.edf"), bdf=bdf)
    rb = _record_bytes(whole)
    n_bytes, n_complete = {"partial_last_record": (rb // 3, 59), "five_whole_records": (5 * rb, 55),
                           "five_and_a_half": (5 * rb + rb // 2, 54)}[cut]
    path = _cut(whole, tmp_path / ("c.bdf" if bdf else "c.edf"), n_bytes)
    with read_recording(path) as rec:
        assert rec.duration_s == n_complete and rec.declared_duration_s == DUR_S
        said = [w for w in rec.warnings if w.startswith("is cut short")]
        assert len(said) == 1, rec.warnings
        assert f"declares 60 data records (1.0 min) but holds {n_complete} complete ones" in said[0]
        assert f"the last {60 - n_complete} s of the recording is missing" in said[0]
        assert ("bytes of a partial one" in said[0]) == (cut != "five_whole_records")
        ours = {c.label: rec.get_data(c.label) for c in rec.channels}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # both readers warn of the cut, as they should
        ref = edfio.read_bdf(path) if bdf else edfio.read_edf(path)
        raw = mne.io.read_raw_bdf(path, verbose="error") if bdf else mne.io.read_raw_edf(path, verbose="error")
    assert ref.num_data_records == n_complete
    for sig in ref.signals:
        np.testing.assert_allclose(ours[sig.label], sig.data, atol=1e-9, rtol=0)
    assert raw.n_times / raw.info["sfreq"] == pytest.approx(n_complete)
    # MNE holds every channel at the highest rate: the 512-Hz chin is read as recorded
    np.testing.assert_allclose(ours["Chin"], raw.get_data(picks="Chin")[0] * 1e6, atol=1e-6, rtol=0)


def test_a_file_cut_inside_its_first_record_is_refused(tmp_path: Path, mkfix) -> None:
    whole = _whole(mkfix, tmp_path / "w.edf")
    header_bytes = read_edf_header(whole).header_bytes
    path = tmp_path / "c.edf"
    path.write_bytes(whole.read_bytes()[: header_bytes + 100])
    with pytest.raises(RecordingError, match=r"holds 100 bytes of data \(no complete record\)"):
        read_recording(path)


def test_undeclared_count_with_a_partial_record_says_so(tmp_path: Path, mkfix) -> None:
    whole = _whole(mkfix, tmp_path / "w.edf")
    path = _cut(whole, tmp_path / "c.edf", _record_bytes(whole) // 2)
    mkfix.patch_main_field(path, 236, 8, "-1")
    with read_recording(path) as rec:
        assert rec.duration_s == 59.0 and rec.declared_duration_s == 59.0
        assert any("not declared (-1): read the 59 complete records; a partial record of" in w
                   for w in rec.warnings), rec.warnings


@pytest.fixture(scope="module")
def plmd_night(tmp_path_factory) -> Path:
    from myosleep.simulate import simulate_night

    d = tmp_path_factory.mktemp("plmd")
    simulate_night("plmd", hours=0.5, seed=4).write(d / "n.edf")
    return d


def test_analyze_a_night_cut_short_with_the_hypnogram_of_the_whole_night(plmd_night: Path, tmp_path: Path,
                                                                          capsys) -> None:
    cut = _cut(plmd_night / "n.edf", tmp_path / "cut.edf", 600 * _record_bytes(plmd_night / "n.edf") + 777)
    out = tmp_path / "o"
    capsys.readouterr()
    assert main(["analyze", str(cut), "--hypnogram", str(plmd_night / "n.hypnogram.tsv"), "--out", str(out)]) == 0
    s = json.loads((out / "summary.json").read_text())
    # analyze says on stderr what its summary warns of, each once, after the files it wrote (exit 0)
    err = capsys.readouterr().err.splitlines()
    assert err == [f"myosleep analyze: warning: {w}" for w in s["warnings"]], err
    assert any(line.startswith("myosleep analyze: warning: cut.edf: is cut short: declares 1800") for line in err)
    assert s["inputs"]["recording"]["duration_s"] == 1199.0
    assert s["inputs"]["recording"]["declared_duration_s"] == 1800.0
    detail = next(d for d in s["warning_details"] if d["code"] == "recording_cut_short")
    assert detail["values"] == {"file": "cut.edf", "declared_s": 1800.0, "read_s": 1199.0, "missing_s": 601.0}
    assert detail["message"] in s["warnings"] and detail["message"].startswith("cut.edf: is cut short")
    # the hypnogram's 20 epochs past the data are left out, not counted as sleep without signal
    assert any("20 epoch(s) outside the recording left out (20 after its end)" in w for w in s["warnings"]), \
        s["warnings"]
    ev = pd.read_csv(out / "events.tsv", sep="\t")
    assert len(ev) and (ev["onset"] + ev["duration"]).max() <= 1199.0
    assert "is cut short" in (out / "report.html").read_text()
    # detect: no summary to carry it, so stderr does (exit 0)
    capsys.readouterr()
    assert main(["detect", str(cut), "--out", str(tmp_path / "d")]) == 0
    err = capsys.readouterr().err
    assert err.startswith("myosleep detect: warning: cut.edf: is cut short: declares 1800 data records"), err


def test_a_hypnogram_longer_than_the_declared_night_is_still_refused(plmd_night: Path, tmp_path: Path,
                                                                    capsys) -> None:
    cut = _cut(plmd_night / "n.edf", tmp_path / "cut.edf", 600 * _record_bytes(plmd_night / "n.edf"))
    hyp = pd.read_csv(plmd_night / "n.hypnogram.tsv", sep="\t")
    extra = hyp.tail(10).copy()
    extra["onset"] = extra["onset"] + 30.0 * 10
    long_hyp = tmp_path / "long.tsv"
    pd.concat([hyp, extra]).to_csv(long_hyp, sep="\t", index=False)
    assert main(["analyze", str(cut), "--hypnogram", str(long_hyp), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "hypnogram covers 2100 s but the recording lasts 1200 s" in err, err
    assert not (tmp_path / "o").exists()


def test_what_reading_the_file_found_reaches_the_summary_and_the_report(plmd_night: Path, tmp_path: Path,
                                                                         mkfix) -> None:
    """A header field read leniently (the header-bytes field blank, defect 21): only ``info`` said so before."""
    path = tmp_path / "lab.edf"
    path.write_bytes((plmd_night / "n.edf").read_bytes())
    mkfix.patch_main_field(path, 184, 8, "")
    with read_recording(path) as rec:
        said = list(rec.warnings)
    assert any("header byte count field" in w for w in said), said
    out = tmp_path / "o"
    assert main(["analyze", str(path), "--hypnogram", str(plmd_night / "n.hypnogram.tsv"), "--out", str(out)]) == 0
    s = json.loads((out / "summary.json").read_text())
    for text in said:
        assert f"lab.edf: {text}" in s["warnings"]
        assert {"code": "recording", "message": f"lab.edf: {text}", "values": {"file": "lab.edf"}} in \
            s["warning_details"]
    html = (out / "report.html").read_text()
    assert "header byte count field" in html

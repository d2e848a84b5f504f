"""Exports of a recording whose date is anonymised keep the clock time and invent no date.

An EDF+ recording with ``Startdate X`` (anonymised: only the clock time is the file's) was
exported as an EDF+ annotation file with ``Startdate 01-JAN-1985`` and a CSV whose clock times
read ``1985-01-01T22:31:53`` (``benchmarks/fuzz_inputs.py``, case ``export_anonymised``): a
date the recording never had, which a reader of either file takes at its word.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from myosleep.cli import main
from myosleep.io.edf_header import read_edf_header


def _patch(path: Path, offset: int, width: int, value: str) -> None:
    raw = bytearray(path.read_bytes())
    raw[offset:offset + width] = value.encode("ascii").ljust(width)
    path.write_bytes(bytes(raw))


@pytest.fixture(scope="module", params=[False, True], ids=["dated", "anonymised"])
def analysed(request, tmp_path_factory):
    d = tmp_path_factory.mktemp("anon")
    rec = d / "night.edf"
    assert main(["simulate", str(rec), "--scenario", "plmd", "--hours", "0.25", "--seed", "2"]) == 0
    if request.param:  # EDF+ anonymisation: Startdate X, header date 01.01.85 (EDF+ 2.1.3.3)
        _patch(rec, 88, 80, "Startdate X X X X")
        _patch(rec, 168, 8, "01.01.85")
    assert main(["analyze", str(rec), "--hypnogram", str(d / "night.hypnogram.tsv"), "--out", str(d / "out")]) == 0
    return d, request.param


def test_edf_export_keeps_startdate_x(analysed):
    d, anonymised = analysed
    assert main(["export", str(d / "out"), "--format", "edf", "--out", str(d / "a.edf")]) == 0
    header = read_edf_header(d / "a.edf")
    assert header.start_datetime is not None and header.start_datetime.time().isoformat() == "23:00:00"
    assert header.start_date_known is not anonymised
    if anonymised:
        assert header.recording.startswith("Startdate X")
    else:
        assert header.recording.startswith("Startdate 01-JAN-2000")


def test_csv_clock_times_carry_no_invented_date(analysed):
    d, anonymised = analysed
    assert main(["export", str(d / "out"), "--format", "csv", "--out", str(d / "e.csv")]) == 0
    rows = list(csv.DictReader((d / "e.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert rows
    for row in rows:
        clock = row["clock_time"]
        if anonymised:
            assert "T" not in clock and clock.count(":") == 2, clock
        else:
            assert clock.startswith(("2000-01-01T23:", "2000-01-02T00:")), clock

"""Header quirks real recorders and exporters write (issue 9, header section of docs/robustness.md).

Each test writes a file with edfio, patches the header bytes the way some writer does, and
reads it with myosleep; the numbers are compared with what edfio or MNE-Python read from the
same file where they read it right, else from the unpatched file (which both read).
Classes: the header-bytes field (blank, 0, without the signal block, off by a signal); the
start date and time with other separators or a 4-digit year; fields cut by a NUL with bytes
of memory after it; the data-record count 0 or smaller than the file holds.
"""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

import numpy as np
import pytest

from myosleep.cli import main
from myosleep.errors import RecordingError
from myosleep.io import read_recording
from myosleep.io.edf_header import read_edf_header

LABELS = ("EEG C4-M1", "Chin", "LAT")
RATES_HZ = (256.0, 512.0, 200.0)
DURATION_S = 10.0


def _three_channels(mkfix, path: Path, *, bdf: bool = False) -> Path:
    """EEG 256 Hz, chin 512 Hz, leg 200 Hz, 10 one-second records, +-500 uV."""
    return mkfix.write_edf(path, [
        {"data": mkfix.test_signal_uv(int(fs * DURATION_S), fs, seed=i), "sfreq": fs, "label": label, "unit": "uV",
         "physical_range": (-500.0, 500.0)} for i, (label, fs) in enumerate(zip(LABELS, RATES_HZ))], bdf=bdf)


def _edfio(path: Path):
    import edfio

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # edfio warns about record counts it corrects
        return edfio.read_bdf(path) if path.suffix == ".bdf" else edfio.read_edf(path)


def _patch(path: Path, offset: int, raw: bytes) -> None:
    data = bytearray(path.read_bytes())
    data[offset: offset + len(raw)] = raw
    path.write_bytes(bytes(data))


def _same_signals_as(path: Path, reference: Path) -> None:
    """Every channel of ``path`` as myosleep reads it equals edfio's read of ``reference`` (uV, to 1e-9)."""
    ref = {s.label: s for s in _edfio(reference).signals}
    with read_recording(path) as rec:
        assert [c.label for c in rec.channels] == list(LABELS)
        for ch in rec.channels:
            assert ch.sfreq == ref[ch.label].sampling_frequency
            np.testing.assert_allclose(rec.get_data(ch.label), ref[ch.label].data, rtol=0, atol=1e-9)


# ============================================================================ header-bytes field
@pytest.mark.parametrize("bdf", [False, True], ids=["edf", "bdf"])
@pytest.mark.parametrize("field", ["", "0", "256", "768", "-1"])
def test_header_byte_count_field_that_is_wrong_is_read_by_the_number_of_signals(
        tmp_path: Path, mkfix, capsys, field: str, bdf: bool) -> None:
    """Blank, 0, the fixed part only (256), one signal short: the header is 256 * (ns + 1) bytes anyway."""
    suffix = ".bdf" if bdf else ".edf"
    clean = _three_channels(mkfix, tmp_path / f"clean{suffix}", bdf=bdf)
    path = tmp_path / f"quirk{suffix}"
    path.write_bytes(clean.read_bytes())
    mkfix.patch_main_field(path, 184, 8, field)
    header = read_edf_header(path)
    assert header.header_bytes == 1024 and header.n_records == 10 and header.duration_s == DURATION_S
    assert any(f"header byte count field says {field!r}" in w and "read with 1024" in w for w in header.warnings)
    _same_signals_as(path, clean)
    assert main(["info", str(path)]) == 0
    assert f"header byte count field says {field!r}" in capsys.readouterr().out


def test_number_of_signals_that_disagrees_with_the_header_bytes_is_named_in_the_refusal(
        tmp_path: Path, mkfix, capsys) -> None:
    """When the signal count is the wrong field, the layout it gives fails and the refusal names both fields."""
    path = _three_channels(mkfix, tmp_path / "ns.edf")
    mkfix.patch_main_field(path, 252, 4, "2")  # the header-bytes field still says 1024 (3 signals)
    with pytest.raises(RecordingError, match=r"the number of signals may be the wrong field"):
        read_edf_header(path)
    assert main(["info", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "header byte count field says '1024'" in err and str(path) in err


# ============================================================================ start date and time
DATES = {  # header date field -> the date (the EDF field order is day, month, year)
    "04/03/21": dt.date(2021, 3, 4), "04-03-21": dt.date(2021, 3, 4), "04 03 21": dt.date(2021, 3, 4),
    "4.3.21": dt.date(2021, 3, 4), "04:03:21": dt.date(2021, 3, 4), "04.03.97": dt.date(1997, 3, 4),
    "4.3.2021": dt.date(2021, 3, 4), "2021.3.4": dt.date(2021, 3, 4), "2021/3/4": dt.date(2021, 3, 4),
    "4-3-1997": dt.date(1997, 3, 4), "1997-3-4": dt.date(1997, 3, 4),
}


@pytest.mark.parametrize("date", sorted(DATES))
def test_start_date_with_other_separators_or_a_four_digit_year(tmp_path: Path, mkfix, date: str) -> None:
    path = _three_channels(mkfix, tmp_path / "d.edf")
    mkfix.patch_main_field(path, 88, 80, "Lab PSG 7")  # not EDF+: the header date is the only one
    mkfix.patch_main_field(path, 168, 8, date)
    mkfix.patch_main_field(path, 176, 8, "22.30.00")
    header = read_edf_header(path)
    assert header.start_datetime == dt.datetime.combine(DATES[date], dt.time(22, 30))
    assert header.start_date_known
    if len(date) == 8 and date[2] in "/- " and date[5] == date[2]:  # dd?mm?yy: edfio reads these separators
        assert _edfio(path).startdate == DATES[date]


TIMES = {"22:30:00": dt.time(22, 30), "22-30-00": dt.time(22, 30), "22 30 00": dt.time(22, 30),
         "22'30'05": dt.time(22, 30, 5), "7.05.09": dt.time(7, 5, 9), "7:5:9": dt.time(7, 5, 9)}


@pytest.mark.parametrize("time", sorted(TIMES))
def test_start_time_with_other_separators(tmp_path: Path, mkfix, time: str) -> None:
    path = _three_channels(mkfix, tmp_path / "t.edf")
    mkfix.patch_main_field(path, 88, 80, "Lab PSG 7")
    mkfix.patch_main_field(path, 168, 8, "04.03.21")
    mkfix.patch_main_field(path, 176, 8, time)
    header = read_edf_header(path)
    assert header.start_datetime == dt.datetime.combine(dt.date(2021, 3, 4), TIMES[time])
    assert _edfio(path).starttime == TIMES[time]  # edfio reads these separators too


@pytest.mark.parametrize("time", ["22.30", "223000", "25.00.00"])
def test_start_time_that_is_not_a_time_leaves_the_start_unknown(tmp_path: Path, mkfix, time: str) -> None:
    """Two numbers, no separators, a 25th hour: not guessed."""
    path = _three_channels(mkfix, tmp_path / "u.edf")
    mkfix.patch_main_field(path, 88, 80, "Lab PSG 7")
    _patch(path, 168, b"04.03.21")
    mkfix.patch_main_field(path, 176, 8, time)
    assert read_edf_header(path).start_datetime is None


@pytest.mark.parametrize(("date", "expected"), [("04/23/21", dt.date(2021, 4, 23)), ("12.31.99", dt.date(1999, 12, 31)),
                                              ("3-13-97", dt.date(1997, 3, 13))])
def test_a_month_first_date_is_read_when_it_is_the_only_valid_reading(tmp_path: Path, mkfix, date: str,
                                                                      expected: dt.date) -> None:
    """US exports write mm/dd/yy; where day-month-year gives no date, month-day-year is read and said."""
    path = _three_channels(mkfix, tmp_path / "u.edf")
    mkfix.patch_main_field(path, 88, 80, "Lab PSG 7")
    _patch(path, 168, date.encode().ljust(8))
    mkfix.patch_main_field(path, 176, 8, "22.30.00")
    header = read_edf_header(path)
    assert header.start_datetime == dt.datetime.combine(expected, dt.time(22, 30))
    assert header.start_date_known is True
    assert any("read month-day-year, its only valid reading" in w for w in header.warnings), header.warnings


@pytest.mark.parametrize("date", ["040321", "21.13.04", "04.03.yy", "4.3.202"])
def test_start_date_that_is_not_a_date_keeps_the_clock_time(tmp_path: Path, mkfix, date: str) -> None:
    """No separators, a 13th month, the EDF+ 'yy' without a Startdate: the date is not guessed, but
    the clock time is the file's (a hypnogram is aligned by it), as for an anonymised date."""
    path = _three_channels(mkfix, tmp_path / "u.edf")
    mkfix.patch_main_field(path, 88, 80, "Lab PSG 7")
    _patch(path, 168, date.encode().ljust(8)[:8])
    mkfix.patch_main_field(path, 176, 8, "22.30.00")
    header = read_edf_header(path)
    assert header.start_datetime is not None and header.start_datetime.time() == dt.time(22, 30)
    assert header.start_date_known is False
    assert header.warnings == (f"header start date {date!r} is not a date (dd.mm.yy): only the start time "
                               f"22:30:00 is used, the date is unknown",)
    with read_recording(path) as rec:
        assert rec.start_date_known is False and rec.start_datetime.time() == dt.time(22, 30)


def test_yy_after_2084_takes_the_edf_plus_startdate(tmp_path: Path, mkfix) -> None:
    """EDF+ 2.1.3.2: after 2084 the header date's year is the letters 'yy'; MNE reads the Startdate too."""
    import mne

    path = _three_channels(mkfix, tmp_path / "yy.edf")
    mkfix.patch_main_field(path, 88, 80, "Startdate 04-MAR-2090 X X X")
    mkfix.patch_main_field(path, 168, 8, "04.03.yy")
    mkfix.patch_main_field(path, 176, 8, "22.30.00")
    header = read_edf_header(path)
    assert header.start_datetime == dt.datetime(2090, 3, 4, 22, 30) and header.warnings == ()
    raw = mne.io.read_raw_edf(path, verbose="error")
    assert raw.info["meas_date"].replace(tzinfo=None) == header.start_datetime


# ============================================================================ fields ended by a NUL
GARBAGE = b"\x00\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd"  # a C string's NUL, then memory


def _nul_ended(value: str, width: int) -> bytes:
    return (value.encode() + GARBAGE * 6)[:width]


NUL_CASES = {  # where -> (offset in the header (main fields) or (field, signal) , value)
    "label": (("label", 1), "Chin"),
    "unit": (("unit", 1), "uV"),
    "physical_min": (("physical_min", 1), "-500"),
    "physical_max": (("physical_max", 1), "500"),
    "digital_max": (("digital_max", 1), "32767"),
    "samples_per_record": (("samples_per_record", 1), "512"),
    "number_of_signals": ((252, 4), "3"),
    "number_of_records": ((236, 8), "10"),
    "record_duration": ((244, 8), "1"),
    "header_bytes": ((184, 8), "1024"),
}


@pytest.mark.parametrize("case", sorted(NUL_CASES))
def test_field_ended_by_a_nul_with_bytes_after_it(tmp_path: Path, mkfix, case: str) -> None:
    """Writers in C copy a NUL-terminated string into the field: the NUL ends it, whatever follows."""
    clean = _three_channels(mkfix, tmp_path / "clean.edf")
    path = tmp_path / "nul.edf"
    path.write_bytes(clean.read_bytes())
    where, value = NUL_CASES[case]
    if isinstance(where[0], int):
        offset, width = where
        _patch(path, offset, _nul_ended(value, width))
    else:
        field, index = where
        width = dict(mkfix._FIELD_WIDTHS)[field]
        mkfix.patch_signal_field(path, index, field, _nul_ended(value, width))
    header = read_edf_header(path)
    assert header.warnings == ()
    assert [s.label for s in header.signals] == list(LABELS) and [s.unit for s in header.signals] == ["uV"] * 3
    assert all(s.problem is None for s in header.signals)
    _same_signals_as(path, clean)


# ============================================================================ record count and file size
def test_zero_records_declared_over_recorded_data_reads_the_data(tmp_path: Path, mkfix, capsys) -> None:
    """A recorder that never updated its count (0 written at the start): MNE and edfio count the file's records."""
    import mne

    clean = _three_channels(mkfix, tmp_path / "clean.edf")
    path = tmp_path / "zero.edf"
    path.write_bytes(clean.read_bytes())
    mkfix.patch_main_field(path, 236, 8, "0")
    header = read_edf_header(path)
    assert header.n_records == 10 and header.duration_s == DURATION_S
    assert any("declares 0 data records but holds 10 complete records" in w for w in header.warnings)
    _same_signals_as(path, clean)
    raw = mne.io.read_raw_edf(path, verbose="error")
    with read_recording(path) as rec:
        np.testing.assert_allclose(rec.get_data("Chin"), raw.get_data(picks=["Chin"])[0] * 1e6, atol=1e-9)
    assert main(["info", str(path)]) == 0
    assert "declares 0 data records but holds 10" in capsys.readouterr().out


def test_zero_records_and_no_data_is_still_empty(tmp_path: Path, mkfix, capsys) -> None:
    path = _three_channels(mkfix, tmp_path / "empty.edf")
    mkfix.patch_main_field(path, 236, 8, "0")
    path.write_bytes(path.read_bytes()[:1024])
    assert main(["info", str(path)]) == 2
    assert "holds no data records" in capsys.readouterr().err


@pytest.mark.parametrize("declared", [1, 6, 9])
def test_complete_records_after_the_declared_count_are_stated(tmp_path: Path, mkfix, capsys, declared: int) -> None:
    """The declared records are read (EDF spec) and the whole records after them are named (MNE reads them)."""
    clean = _three_channels(mkfix, tmp_path / "clean.edf")
    path = tmp_path / "more.edf"
    path.write_bytes(clean.read_bytes())
    mkfix.patch_main_field(path, 236, 8, str(declared))
    header = read_edf_header(path)
    assert header.n_records == declared
    extra = 10 - declared
    records = "record" if extra == 1 else "records"
    assert any(f"holds {extra} complete data {records} after the {declared} it declares ({extra:g} s)" in w
               for w in header.warnings)
    ref = {s.label: s.data for s in _edfio(clean).signals}
    with read_recording(path) as rec:
        assert rec.duration_s == declared
        for label, fs in zip(LABELS, RATES_HZ):
            np.testing.assert_allclose(rec.get_data(label), ref[label][: int(declared * fs)], atol=1e-9)
    assert main(["info", str(path)]) == 0
    assert f"holds {extra} complete data {records} after the {declared}" in capsys.readouterr().out


def test_bytes_short_of_a_record_after_the_declared_ones_are_not_a_warning(tmp_path: Path, mkfix) -> None:
    path = _three_channels(mkfix, tmp_path / "pad.edf")
    path.write_bytes(path.read_bytes() + b"\x00" * 777)
    assert read_edf_header(path).warnings == ()

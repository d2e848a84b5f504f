"""Header validation: every bad file is one RecordingError line naming the file, before any decoding."""

from __future__ import annotations

import datetime as _dt
import logging
from pathlib import Path

import numpy as np
import pytest

from myosleep.errors import ChannelError, InputError, RecordingError
from myosleep.io import read_recording
from myosleep.io.edf_header import read_edf_header

BAD_CASES = {
    "cut_in_first_record": (r"is truncated: declares 10 data records of 4672 bytes but holds 2000 bytes of data "
                            r"\(no complete record\)"),
    "header_only_cut": "is 400 bytes long, shorter than its 2048-byte header",
    "empty": "is 0 bytes long, shorter than the 256-byte EDF/BDF header",
    "text": r"is not an EDF or BDF file \(version field 'time_s,v'",
    "wrong_signal_count": (r"'samples per data record' is not a number .*header byte count field says '2048', "
                           r"not the 1792 bytes of 6 signals"),
    "bad_number": r"header field 'number of data records' is not a number \('ten'\)",
    "zero_signals": "declares 0 signals",
    "zero_duration": "declares a data record duration of 0 s; must be > 0",
    "directory": "is a directory, not a recording",
    "missing": "no such file",
}


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory: pytest.TempPathFactory, mkfix) -> dict[str, Path]:
    return mkfix.make_bad_files(tmp_path_factory.mktemp("bad"))


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_file_is_one_clear_recording_error(bad_files: dict[str, Path], case: str) -> None:
    path = bad_files[case]
    with pytest.raises(RecordingError, match=BAD_CASES[case]) as info:
        read_recording(path)
    err = info.value
    message = str(err)
    assert "\n" not in message
    assert str(path) in message  # where
    assert err.hint  # what to do
    assert message.endswith(".")


def test_good_header_fields(fixture_dir: Path) -> None:
    header = read_edf_header(fixture_dir / "psg.edf")
    assert header.format == "EDF+C" and header.is_plus and not header.is_bdf
    assert header.header_bytes == 256 * 9  # 7 data signals + 1 annotation signal
    assert header.n_records == 20 and header.record_duration_s == 1.0 and header.duration_s == 20.0
    assert [s.label for s in header.data_signals] == ["EEG C4-M1", "E1-M2", "Chin1-Chin2", "LAT", "RAT", "ECG",
                                                      "Flow"]
    assert [s.samples_per_record for s in header.data_signals] == [256, 256, 512, 512, 512, 256, 32]
    offsets = [s.byte_offset for s in header.signals]
    assert offsets[:3] == [0, 512, 1024]
    assert header.record_bytes == offsets[-1] + 2 * header.signals[-1].samples_per_record
    lat = header.signals[3]
    assert lat.physical_min == -500 and lat.physical_max == 500
    assert lat.gain == pytest.approx(1000 / 65535)


def test_bdf_header(fixture_dir: Path) -> None:
    header = read_edf_header(fixture_dir / "small.bdf")
    assert header.format == "BDF" and header.sample_bytes == 3
    assert header.record_bytes == 3 * (512 + 512)


def test_annotation_only_file_may_have_zero_record_duration(hmc_hypnogram: Path) -> None:
    header = read_edf_header(hmc_hypnogram)
    assert header.record_duration_s == 0.0 and header.n_records == 1
    assert header.data_signals == () and len(header.annotation_signals) == 1


@pytest.mark.parametrize(("date", "time", "expected"), [
    ("24.04.89", "16.13.00", "1989-04-24T16:13:00"),  # 85-99 -> 19xx (EDF spec)
    ("01.01.84", "23.59.30", "2084-01-01T23:59:30"),  # 00-84 -> 20xx
    ("01.01.85", "00.00.00", "1985-01-01T00:00:00"),
])
def test_start_datetime_two_digit_years(tmp_path: Path, mkfix, date: str, time: str, expected: str) -> None:
    path = mkfix.write_raw_edf(tmp_path / "d.edf", ["C3"], [100], 2)
    mkfix.patch_main_field(path, 168, 8, date)
    mkfix.patch_main_field(path, 176, 8, time)
    assert read_edf_header(path).start_datetime.isoformat() == expected


def test_unreadable_start_date_is_a_warning_not_an_error(tmp_path: Path, mkfix, caplog) -> None:
    path = mkfix.write_raw_edf(tmp_path / "d.edf", ["C3"], [100], 2)
    mkfix.patch_main_field(path, 88, 80, "X")  # no EDF+ Startdate to fall back on
    mkfix.patch_main_field(path, 168, 8, "xx.yy.zz")
    with caplog.at_level(logging.WARNING, logger="myosleep"):
        header = read_edf_header(path)
    # the date is unknown, the clock time is the file's (tests/io/test_header_quirks.py)
    assert header.start_date_known is False and header.start_datetime is not None
    assert header.start_datetime.time() == _dt.time(0, 0, 0)
    assert any("'xx.yy.zz' is not a date (dd.mm.yy): only the start time 00:00:00 is used" in r.getMessage()
               for r in caplog.records)
    mkfix.patch_main_field(path, 176, 8, "xx.yy.zz")  # no time either: no start
    assert read_edf_header(path).start_datetime is None


@pytest.mark.parametrize(("case", "message"), [
    ("physical_equal", "physical minimum equals physical maximum (500)"),
    ("digital_inverted", "digital minimum 40000 is not below digital maximum 32767"),
])
# More cases of this class (every header field that makes scaling impossible): tests/io/test_robustness.py.
def test_unscalable_signal_spoils_only_its_channel(bad_files: dict[str, Path], case: str, message: str) -> None:
    """A dummy input (physical min = max) or an inverted digital range: that channel is skipped, not the file."""
    with read_recording(bad_files[case]) as rec:
        bad = [c for c in rec.channels if c.problem is not None]
        assert [c.label for c in bad] == ["Chin1-Chin2"]
        assert not bad[0].readable and message in bad[0].problem
        assert any(message in w for w in bad[0].warnings)
        with pytest.raises(ChannelError, match=r"channel 'Chin1-Chin2'.*cannot be read: "):
            rec.get_data("Chin1-Chin2")
        good = [c for c in rec.channels if c.problem is None]
        assert len(good) == 6 and all(c.readable for c in good)
        assert rec.get_data("LAT").shape == (rec.channel("LAT").n_samples,) and rec.channel("LAT").n_samples > 0


def test_digital_range_beyond_16_bits_spoils_the_signal(tmp_path: Path, mkfix) -> None:
    path = mkfix.write_raw_edf(tmp_path / "d.edf", ["C3", "C4"], [100, 100], 2)
    mkfix.patch_signal_field(path, 0, "digital_max", "99999")
    header = read_edf_header(path)
    assert "exceeds the 16-bit samples of EDF" in header.signals[0].problem
    assert header.signals[1].problem is None


def test_corrupted_headers_never_escape_as_other_exceptions(fixture_dir: Path, tmp_path: Path) -> None:
    """Random byte damage in the header: the reader opens the file or raises an InputError, nothing else."""
    good = (fixture_dir / "psg.edf").read_bytes()
    rng = np.random.default_rng(20261128)
    path = tmp_path / "fuzz.edf"
    outcomes = {"ok": 0, "refused": 0}
    printable = np.frombuffer(b"0123456789 .-+eE\xff,abcXYZ", dtype=np.uint8)
    for _ in range(150):
        raw = bytearray(good)
        for pos in rng.integers(0, 256 * 9, size=int(rng.integers(1, 6))):
            raw[pos] = int(rng.choice(printable))
        path.write_bytes(bytes(raw))
        try:
            with read_recording(path) as rec:
                for ch in rec.channels:
                    if ch.readable:
                        rec.get_data(ch.label, stop_s=min(1.0, ch.duration_s))
                rec.annotations
            outcomes["ok"] += 1
        except InputError as err:
            assert "\n" not in str(err)
            outcomes["refused"] += 1
    assert outcomes["ok"] > 0 and outcomes["refused"] > 0


def test_edf_plus_d_without_annotation_signal_is_refused(tmp_path: Path, mkfix) -> None:
    path = mkfix.write_raw_edf(tmp_path / "d.edf", ["C3"], [100], 2)
    mkfix.patch_main_field(path, 192, 44, "EDF+D")
    with pytest.raises(RecordingError, match="discontinuous.*no annotation signal"):
        read_recording(path)


def test_edf_plus_four_digit_year_wins_over_the_two_digit_field(tmp_path: Path, mkfix) -> None:
    path = mkfix.write_raw_edf(tmp_path / "y.edf", ["C3"], [100], 2)
    mkfix.patch_main_field(path, 88, 80, "Startdate 02-MAR-2091 X X X")
    mkfix.patch_main_field(path, 168, 8, "02.03.91")  # would read 1991 by the legacy clipping rule
    assert read_edf_header(path).start_datetime.isoformat() == "2091-03-02T00:00:00"

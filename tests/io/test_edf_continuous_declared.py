"""Defect 25: an EDF+C/BDF+C whose record times jump is read by its record times, as the EDF+D it is.

EDF+ (Kemp and Olivan 2003, section 2.2.4) times every data record by the first TAL of its
annotation signal; in EDF+C each record must start where the one before ends.  A file that
declares EDF+C but whose time-keeping jumps (two nights concatenated by a tool that kept ``EDF+C``:
records +0..+1799, then +88200) was read as one continuous recording, every event after the jump
misplaced, while the same bytes declared EDF+D were read with a gap or refused.  Now the reserved
field does not decide: an EDF+C whose onsets leave ``first onset + i x record duration`` (by more
than half a sample of the fastest signal) is read exactly as EDF+D (gaps left out, too-large gaps,
overlapping and backward records refused with the EDF+D lines), with a warning naming the record
where the times jump.  Onsets offset by a constant (a sub-second start) follow each other.

The files are edfio's EDF+C/BDF+C with their time-keeping TALs rewritten
(``make_fixtures.set_record_onsets``); the EDF+D to compare with is the same file with ``EDF+D`` in
its reserved field.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from myosleep.cli import main
from myosleep.errors import RecordingError
from myosleep.io import read_recording

RATES = {"EEG C3-M2": 256.0, "Leg/L": 512.0, "Flow": 32.0}
N_RECORDS = 20


def _source(mkfix, path: Path, *, bdf: bool = False) -> dict[str, np.ndarray]:
    """An EDF+C (BDF+C) of 20 one-second records, three channels at 256, 512 and 32 Hz, an annotation at
    12.5 s; the truth of every channel.

    Every record's annotation bytes have room for a longer onset: edfio sizes them to the longest
    record's TALs, here a text at 0 s that is then removed (record 0 keeps its time-keeping only).
    """
    truth = {label: mkfix.test_signal_uv(int(fs * N_RECORDS), fs, seed=i)
             for i, (label, fs) in enumerate(RATES.items())}
    mkfix.write_edf(path, [{"data": truth[label], "sfreq": fs, "label": label, "unit": "uV",
                            "physical_range": (-500, 500)} for label, fs in RATES.items()],
                    bdf=bdf, annotations=[(0.0, 0.0, "room for longer onsets"), (12.5, 0.0, "marker")])
    raw = bytearray(path.read_bytes())
    lay = mkfix._record_layout(raw)
    at = lay["head"] + lay["ann_offset"]
    raw[at: at + lay["ann_width"]] = b"+0\x14\x14\x00".ljust(lay["ann_width"], b"\x00")
    path.write_bytes(bytes(raw))
    return truth


def _as_plus_d(mkfix, src: Path, dst: Path) -> Path:
    """``src`` with EDF+D (BDF+D) in its reserved field: the same bytes otherwise."""
    shutil.copyfile(src, dst)
    mkfix.patch_main_field(dst, 192, 44, "BDF+D" if src.suffix == ".bdf" else "EDF+D")
    return dst


def _everything(rec) -> dict[str, np.ndarray]:
    return {c.label: rec.get_data(c.label) for c in rec.channels}


@pytest.mark.parametrize("start_s", [0.0, 0.5], ids=["from_0", "offset_0.5s"])
@pytest.mark.parametrize("bdf", [False, True], ids=["EDF+C", "BDF+C"])
def test_an_edf_plus_c_whose_record_times_jump_is_read_as_edf_plus_d(tmp_path: Path, mkfix, bdf: bool,
                                                                     start_s: float) -> None:
    """Records 11-20 stamped 4 s late (a 4-s pause after 10 s): read as the EDF+D of the same bytes."""
    ext = ".bdf" if bdf else ".edf"
    path = tmp_path / f"jump{ext}"
    truth = _source(mkfix, path, bdf=bdf)
    mkfix.set_record_onsets(path, {r: start_s + r + (4.0 if r >= 10 else 0.0) for r in range(N_RECORDS)})
    plus_d = _as_plus_d(mkfix, path, tmp_path / f"declared_d{ext}")
    fmt_c, fmt_d = ("BDF+C", "BDF+D") if bdf else ("EDF+C", "EDF+D")
    with read_recording(plus_d) as ref, read_recording(path) as rec:
        assert rec.format == fmt_d and rec.duration_s == ref.duration_s == 24.0
        assert rec.gaps_s == ref.gaps_s == ((10.0, 14.0),)
        jump = f"+{14.5 if start_s else 14} s, where +{10.5 if start_s else 10} s was due"
        assert rec.warnings[0] == (f"declares {fmt_c} (records that follow each other) but its record times jump "
                                   f"at data record 11 ({jump}): read as {fmt_d}, each record at its time")
        assert rec.warnings[1:] == ref.warnings and ref.warnings[0].startswith(f"{fmt_d}: 1 gap, 4 s in all")
        assert rec.annotations == ref.annotations
        ours, theirs = _everything(rec), _everything(ref)
        step = 1000.0 / (2**24 - 1) if bdf else 1000.0 / 65535
        for label, fs in RATES.items():
            np.testing.assert_array_equal(ours[label], theirs[label])
            x, n = ours[label], int(10 * fs)  # the samples after the jump at their own time, NaN before them
            assert np.isnan(x[n: n + int(4 * fs)]).all()
            np.testing.assert_allclose(x[:n], truth[label][:n], atol=step / 2 + 1e-4)
            np.testing.assert_allclose(x[n + int(4 * fs):], truth[label][n:], atol=step / 2 + 1e-4)


@pytest.mark.parametrize(("onsets", "message"), [
    # two copies of one night in one file: a second night 23.5 h after the first
    ({r: 84600.0 + r for r in range(10, N_RECORDS)},
     r"gaps of 23\.5 h in all \(1 gap\) are more than the 20 s recorded"),
    ({r: 90000.0 + r for r in range(10, N_RECORDS)}, r"a gap of 25 h after data record 10 .*longer than 24 h"),
    ({10: 2.0}, r"data record 11 starts at 2 s, before record 10 \(9 s\): records out of order"),
    ({r: r - 0.5 for r in range(10, N_RECORDS)}, r"data record 11 starts at 9\.5 s, before the end of record 10 "
                                                 r"\(10 s\): records overlap"),
    ({r: r + 4.015625 for r in range(10, N_RECORDS)}, r"data record 11 starts at 14\.015625 s, between two "
                                                      r"samples of 'Flow' \(32 Hz\)"),
    ({10: 14.0, 11: None}, r"data record 12 has no time-keeping annotation"),
], ids=["jump_23.5h", "jump_25h", "backward", "overlap", "between_samples", "untimed_record"])
def test_record_times_edf_plus_d_refuses_are_refused_in_edf_plus_c_with_its_line(tmp_path: Path, mkfix, onsets,
                                                                                 message: str) -> None:
    path = tmp_path / "bad.edf"
    _source(mkfix, path)
    mkfix.set_record_onsets(path, onsets)
    with pytest.raises(RecordingError, match=message) as as_d:
        read_recording(_as_plus_d(mkfix, path, tmp_path / "bad_d.edf"))
    with pytest.raises(RecordingError, match=message) as err:
        read_recording(path)
    line = str(err.value)
    assert "\n" not in line and line.startswith(str(path))
    assert line.replace(str(path), "") == str(as_d.value).replace(str(tmp_path / "bad_d.edf"), "").replace(
        "is EDF+D:", "is EDF+C whose record times jump (read as EDF+D):")


@pytest.mark.parametrize("case", ["offset_0.5s", "offset_0.25s_and_jitter", "one_record_untimed", "slow_drift"])
def test_edf_plus_c_records_that_follow_each_other_are_read_as_before(tmp_path: Path, mkfix, case: str) -> None:
    """A constant sub-second offset (the recording's start, EDF+ 2.2.4), onsets written to 0.1 ms and off
    by under half a sample, a record without time-keeping among records that follow each other, and
    onsets that creep off the grid by less than half a sample a record:
    contiguous, read as the file's samples end to end, no warning."""
    clean = tmp_path / "clean.edf"
    truth = _source(mkfix, clean)
    path = tmp_path / f"{case}.edf"
    shutil.copyfile(clean, path)
    onsets: dict[int, float | None] = {
        "offset_0.5s": {r: r + 0.5 for r in range(N_RECORDS)},
        "offset_0.25s_and_jitter": {r: round(r + 0.25 + (0.0004 if r % 2 else -0.0004), 4) for r in range(N_RECORDS)},
        "one_record_untimed": {7: None},
        # a record duration rounded where the onsets were written: 0.3 ms a record, 6 ms over the file
        # (6 samples at 512 Hz), each step well within half a sample: the declared EDF+C's, not a jump
        "slow_drift": {r: round(r * 1.0003, 4) for r in range(N_RECORDS)},
    }[case]
    mkfix.set_record_onsets(path, onsets)
    with read_recording(clean) as ref, read_recording(path) as rec:
        assert rec.format == "EDF+C" and rec.gaps_s == () and rec.duration_s == 20.0
        assert rec.warnings == ref.warnings
        for label in RATES:
            np.testing.assert_array_equal(rec.get_data(label), ref.get_data(label))
            assert np.isfinite(rec.get_data(label)).all() and rec.get_data(label).size == truth[label].size


def test_plain_edf_without_annotations_is_read_as_before(tmp_path: Path, mkfix) -> None:
    path = tmp_path / "plain.edf"
    truth = mkfix.make_mixed_rates(path, duration_s=10.0)
    with read_recording(path) as rec:
        assert rec.format == "EDF" and rec.gaps_s == () and rec.duration_s == 10.0 and rec.warnings == ()
        for label, (fs, x) in truth.items():
            np.testing.assert_allclose(rec.get_data(label), x, atol=1000.0 / 65535 / 2 + 1e-4)


def test_info_says_the_header_declares_edf_plus_c_and_the_file_is_read_as_edf_plus_d(tmp_path: Path, mkfix,
                                                                                      capsys) -> None:
    path = tmp_path / "jump.edf"
    _source(mkfix, path)
    mkfix.set_record_onsets(path, {r: r + 8.0 for r in range(10, N_RECORDS)})
    assert main(["info", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "EDF+D" in lines[0] and "duration 0:28 (28 s)" in lines[0]
    assert lines[1] == ("  ! declares EDF+C (records that follow each other) but its record times jump at data "
                        "record 11 (+18 s, where +10 s was due): read as EDF+D, each record at its time")
    assert lines[2].startswith("  ! EDF+D: 1 gap, 8 s in all, left out of the analysis")

"""EDF+D/BDF+D with gaps: every data record at its onset, NaN in the gaps, malformed timing refused.

The files are EDF+C/BDF+C written by edfio with some records cut out (``make_fixtures.cut_records``:
the remaining records keep their time-keeping onsets, as a recorder paused during the night
writes them), so the truth at every time is the source's signal.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from myosleep.errors import ParameterError, RecordingError
from myosleep.io import read_recording

RATES = {"EEG C3-M2": 256.0, "Leg/L": 512.0, "Flow": 32.0}
#: 1000 uV over 65535 digital steps (EDF) or 2**24 - 1 (BDF): at most half a step off after decoding.
STEP_UV = 1000.0 / 65535


def _source(mkfix, path: Path, *, duration_s: float = 20.0, bdf: bool = False) -> dict[str, np.ndarray]:
    """An EDF+ (BDF+) of three channels at 256, 512 and 32 Hz with an annotation at 12.5 s; the truth."""
    truth = {label: mkfix.test_signal_uv(int(fs * duration_s), fs, seed=i)
             for i, (label, fs) in enumerate(RATES.items())}
    mkfix.write_edf(path, [{"data": truth[label], "sfreq": fs, "label": label, "unit": "uV",
                            "physical_range": (-500, 500)} for label, fs in RATES.items()],
                    bdf=bdf, annotations=[(12.5, 0.0, "marker")])
    return truth


def _in_gaps(n: int, fs: float, gaps: list[tuple[float, float]]) -> np.ndarray:
    t = np.arange(n) / fs
    return np.any([(t >= a) & (t < b) for a, b in gaps], axis=0)


@pytest.mark.parametrize("bdf", [False, True], ids=["EDF+D", "BDF+D"])
def test_every_record_is_read_at_its_onset_and_gaps_are_nan(tmp_path: Path, mkfix, bdf: bool) -> None:
    src = tmp_path / ("src.bdf" if bdf else "src.edf")
    truth = _source(mkfix, src, bdf=bdf)
    gaps = [(5.0, 9.0), (14.0, 15.0)]
    path = mkfix.cut_records(src, tmp_path / ("gaps.bdf" if bdf else "gaps.edf"), gaps)
    step = 1000.0 / (2**24 - 1) if bdf else STEP_UV
    with read_recording(path) as rec:
        assert rec.format == ("BDF+D" if bdf else "EDF+D")
        assert rec.duration_s == 20.0
        assert rec.gaps_s == ((5.0, 9.0), (14.0, 15.0))
        assert "EDF+D: 2 gaps, 5 s in all, left out of the analysis" in rec.warnings[0].replace("BDF+D", "EDF+D")
        assert [(a.onset_s, a.description) for a in rec.annotations] == [(12.5, "marker")]
        for label, fs in RATES.items():
            ch = rec.channel(label)
            assert (ch.n_samples, ch.duration_s) == (int(20 * fs), 20.0)
            gap = _in_gaps(ch.n_samples, fs, gaps)
            for dtype in (np.float64, np.float32):
                x = rec.get_data(label, dtype=dtype)
                assert x.dtype == dtype and x.shape == (ch.n_samples,)
                np.testing.assert_array_equal(np.isnan(x), gap)  # NaN exactly in the gaps
                np.testing.assert_allclose(x[~gap], truth[label][~gap], atol=step / 2 + 1e-4)
            # any span: the same samples as the whole channel, across a gap's edges too
            whole = rec.get_data(label)
            for a, b in ((3.5, 10.25), (0.0, 5.0), (5.0, 9.0), (8.0, 16.0), (14.5, 20.0), (19.0, 20.0)):
                part = rec.get_data(label, start_s=a, stop_s=b)
                np.testing.assert_array_equal(part, whole[int(a * fs): int(b * fs)])


def test_a_gap_of_the_committed_fixture(fixture_dir: Path) -> None:
    """gap_plus_d.edf: 10 one-second records, records 6-10 stamped 9-13 s (a 4-s pause after 5 s)."""
    with read_recording(fixture_dir / "gap_plus_d.edf") as rec:
        assert rec.format == "EDF+D" and rec.duration_s == 14.0 and rec.gaps_s == ((5.0, 9.0),)
        x = rec.get_data("LAT")
        assert x.shape == (14 * 512,)
        assert np.isnan(x[5 * 512: 9 * 512]).all() and np.isfinite(x[: 5 * 512]).all()
        assert np.isfinite(x[9 * 512:]).all()
        assert any(w.startswith("EDF+D: 1 gap, 4 s in all, left out of the analysis") for w in rec.warnings)
    with read_recording(fixture_dir / "contiguous_plus_d.edf") as rec:
        assert rec.gaps_s == () and not any("gap" in w for w in rec.warnings)


def test_gaps_need_a_float_dtype(tmp_path: Path, mkfix) -> None:
    _source(mkfix, tmp_path / "src.edf")
    path = mkfix.cut_records(tmp_path / "src.edf", tmp_path / "gaps.edf", [(5.0, 9.0)])
    with read_recording(path) as rec, pytest.raises(ParameterError, match="NaN.*float"):
        rec.get_data("Leg/L", dtype=np.int32)


def test_mne_input_has_no_gaps(mkfix) -> None:
    import mne

    info = mne.create_info(["EMG Tib L"], 500.0, ["emg"])
    raw = mne.io.RawArray(mkfix.test_signal_uv(1000, 500.0)[None] * 1e-6, info, verbose="error")
    rec = read_recording(raw)
    assert rec.gaps_s == () and rec.duration_s == 2.0


@pytest.mark.parametrize(("onsets", "message"), [
    ({5: 4.5, 6: 5.5, 7: 6.5}, r"data record 6 starts at 4\.5 s, before the end of record 5 \(5 s\): "
                               r"records overlap"),
    ({5: 2.0}, r"data record 6 starts at 2 s, before record 5 \(4 s\): records out of order"),
    # 4.015625 s of gap: a whole number of samples at 256 and 512 Hz, half a sample at 32 Hz
    ({5: 9.015625, 6: 10.015625, 7: 11.015625, 8: 12.015625, 9: 13.015625},
     r"data record 6 starts at 9\.015625 s, between two samples of 'Flow' \(32 Hz\)"),
    ({5: None}, r"data record 6 has no time-keeping annotation"),
    ({5: 90005.0, 6: 90006.0, 7: 90007.0, 8: 90008.0, 9: 90009.0},
     r"a gap of 25 h after data record 5 .*longer than 24 h"),
    ({5: 40.0, 6: 41.0, 7: 42.0, 8: 43.0, 9: 44.0},
     r"gaps of 35 s in all .*more than the 10 s recorded"),
])
def test_malformed_record_timing_is_refused_in_one_line(tmp_path: Path, mkfix, onsets, message) -> None:
    path = tmp_path / "bad.edf"
    mkfix.make_psg(path, duration_s=10.0, annotations=[(2.0, 0.0, "marker")])
    mkfix.patch_main_field(path, 192, 44, "EDF+D")
    mkfix.set_record_onsets(path, onsets)
    with pytest.raises(RecordingError, match=message) as err:
        read_recording(path)
    line = str(err.value)
    assert "\n" not in line and line.startswith(str(path)) and "EDF+C" in line

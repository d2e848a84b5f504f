"""EDF+ annotations are read by the package's own EDF reader; edfio and MNE are the references.

Real files (Sleep-EDF, HMC hypnograms) and files written by edfio with a sub-second start,
annotations with and without duration, channel suffixes and non-ASCII text: same onsets,
durations, texts and start as both independent readers.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings

import numpy as np
import pytest

from myosleep.io._hypno_markup import _edf_annotations

from ..conftest import REAL

FILES = [REAL / "sleep-edf" / "SC4001EC-Hypnogram.edf", REAL / "hmc" / "SN001-hypnogram.edf"]


def _edfio(path):
    import edfio

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # edfio warns on differing legacy/EDF+ date fields (HMC)
        edf = edfio.read_edf(path)
        anns = [(a.onset, a.duration, a.text) for a in edf.annotations]
        try:
            start = dt.datetime.combine(edf.startdate, edf.starttime)
        except edfio.AnonymizedDateError:
            start = None
    return anns, start, edf.starttime


def _mne(path):
    import mne

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        an = mne.read_annotations(path)
    return sorted(zip(an.onset.tolist(), an.duration.tolist(), an.description.tolist()))


def _same(ours, ref_anns):
    assert len(ours) == len(ref_anns)
    for (on, dur, text), (r_on, r_dur, r_text) in zip(ours, ref_anns):
        assert on == pytest.approx(r_on, abs=1e-9)
        assert (math.isnan(dur) and r_dur is None) or dur == pytest.approx(r_dur, abs=1e-9)
        assert text == r_text.strip()


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_real_files_match_edfio_and_mne(path):
    assert path.exists(), f"shared real data missing: {path}"
    anns, start, date_unknown = _edf_annotations(path, source=str(path))
    ref, ref_start, ref_time = _edfio(path)
    _same(anns, ref)
    if ref_start is None:  # HMC: anonymised start date ("Startdate X"), clock time only
        # the date is the header's dd.mm.yy (01.01.01: 2001 by the EDF clipping rule), the one rule of edf_header
        assert date_unknown and start.time() == ref_time and start.date() == dt.date(2001, 1, 1)
    else:  # Sleep-EDF
        assert not date_unknown and start == ref_start
    # MNE: the same onsets and texts (it gives a missing duration as 0)
    m = _mne(path)
    assert [round(a[0], 6) for a in sorted(anns, key=lambda a: (a[0], a[2]))] == [round(x[0], 6) for x in m]
    assert sorted(a[2] for a in anns) == sorted(x[2] for x in m)
    assert len(anns) == {"SC4001EC-Hypnogram.edf": 154, "SN001-hypnogram.edf": 856}[path.name]


def _write(path, annotations, *, starttime, startdate=dt.date(2021, 3, 4)):
    import edfio

    sig = edfio.EdfSignal(np.zeros(60 * 100), sampling_frequency=100, label="EEG C4-M1",
                          physical_range=(-500.0, 500.0))
    edf = edfio.Edf([sig], annotations=[edfio.EdfAnnotation(*a) for a in annotations], starttime=starttime,
                    recording=edfio.Recording(startdate=startdate))
    edf.write(path)


def test_generated_file_with_subsecond_start_matches_edfio_and_mne(tmp_path):
    path = tmp_path / "gen.edf"
    annotations = [(0.0, 30.0, "Sleep stage W"), (12.25, None, "Lights off"), (30.0, 30.0, "Sleep stage N1"),
                   (31.5, 2.5, "Arousal@@EEG C4-M1"), (45.125, 0.0, "Hypopnée centrale"), (59.0, None, "Lights on")]
    _write(path, annotations, starttime=dt.time(22, 30, 5, 250000))
    anns, start, date_unknown = _edf_annotations(path, source=str(path))
    ref, ref_start, _ = _edfio(path)
    _same(anns, ref)
    _same(anns, sorted(annotations, key=lambda a: (a[0], -1 if a[1] is None else a[1], a[2])))
    assert start == ref_start == dt.datetime(2021, 3, 4, 22, 30, 5, 250000) and not date_unknown
    m = _mne(path)
    assert [round(x[0], 6) for x in m] == [round(a[0], 6) for a in sorted(anns, key=lambda a: (a[0], a[2]))]
    assert {x[2] for x in m} == {a[2] for a in annotations}


def test_anonymised_start_date_is_clock_time_only(tmp_path):
    path = tmp_path / "anon.edf"
    _write(path, [(0.0, 30.0, "Sleep stage W")], starttime=dt.time(23, 0, 0), startdate=None)
    anns, start, date_unknown = _edf_annotations(path, source=str(path))
    assert date_unknown and start == dt.datetime(1985, 1, 1, 23, 0, 0)
    assert [a[2] for a in anns] == ["Sleep stage W"]

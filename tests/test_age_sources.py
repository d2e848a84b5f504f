"""Defect 77: the age from the EDF+ birthdate, its source, and the age's conflicts with the header
and the hypnogram (constructed EDF+ headers written by edfio; constructed hypnograms)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from myosleep.age import parse_age
from myosleep.io import read_recording
from myosleep.io.edf_header import edf_plus_birthdate
from myosleep.pipeline import hypnogram_age_warnings, recording_age

START = dt.datetime(2024, 3, 1, 22, 0, 0)


def _edf(path, patient_birth, *, sex="F", start=START):
    import edfio

    sig = edfio.EdfSignal(np.zeros(200 * 60), sampling_frequency=200, label="EMG Chin", physical_dimension="uV",
                          physical_range=(-500, 500))
    patient = edfio.Patient(code="MCH-0042", sex=sex, birthdate=patient_birth, name="Baby_Doe")
    edf = edfio.Edf([sig], patient=patient, recording=edfio.Recording(startdate=start.date()),
                    starttime=start.time())
    edf.write(path)
    return path


@pytest.mark.parametrize("field,birth", [
    ("MCH-0042 F 10-FEB-2024 Baby_Doe", dt.date(2024, 2, 10)),
    ("MCH-0042 M 02-may-1951 Kees_Bos", dt.date(1951, 5, 2)),
    ("X X X X", None),                          # anonymised
    ("MCH-0042 F X Baby_Doe", None),            # birthdate unknown
    ("MCH-0042 F 31-FEB-2024 Baby_Doe", None),  # not a date
    ("Baby Doe born 10-FEB-2024", None),        # not EDF+: no sex subfield
    ("", None),
])
def test_edf_plus_birthdate(field, birth):
    assert edf_plus_birthdate(field) == birth


@pytest.mark.parametrize("birth,given,age_days,source,n_warnings", [
    (dt.date(2024, 2, 10), None, 20.0, "edf_plus_birthdate", 0),  # 20 days old on 01-MAR-2024
    (dt.date(2024, 2, 10), "3w", 21.0, "given", 0),               # agrees to a week
    (dt.date(2024, 2, 10), "7y", 7 * 365.25, "given", 1),         # --age wins, with a warning
    (dt.date(2017, 1, 1), "7", 7 * 365.25, "given", 0),           # 7.2 years: "7" (years) agrees
    (None, None, None, None, 0),                                  # no birthdate, no age
])
def test_age_from_the_edf_plus_birthdate(tmp_path, birth, given, age_days, source, n_warnings):
    path = _edf(tmp_path / "r.edf", birth)
    with read_recording(path) as rec:
        age, got_source, notes = recording_age(rec, parse_age(given))
    assert (None if age is None else age.days) == (None if age_days is None else pytest.approx(age_days))
    assert got_source == source
    assert len(notes) == n_warnings
    if n_warnings:
        assert notes[0].startswith("--age 7y disagrees with the EDF+ header: born 10-Feb-2024, recorded 01-Mar-2024, "
                                   "20 days old")


class _Hyp:
    def __init__(self, stages, convention, source="file:h.tsv"):
        self.stages, self.convention, self.source = np.asarray(stages), convention, source


class _Ctx:
    def __init__(self, hyp):
        self.hypnogram = hyp


ADULT = [0] * 10 + [1] * 10 + [2] * 60 + [3] * 30 + [4] * 20      # N1, N2, N3, R
INFANT = [0] * 10 + [4] * 40 + [3] * 40 + [1] * 10                # W, R (active), N (quiet), T


@pytest.mark.parametrize("stages,convention,age,warns", [
    (INFANT, "infant-labels", "3w", False),   # infant rules at 3 weeks: fit
    (INFANT, "infant-labels", "2mo", False),  # to 2 months: fit
    (INFANT, "infant-labels", "3mo", True),
    (INFANT, "infant-labels", "7y", True),
    (ADULT, "aasm-labels", "3w", True),       # N2 at 3 weeks: no spindles yet
    (ADULT, "aasm-labels", "3mo", False),
    (ADULT, "aasm-labels", "45", False),
    (ADULT, "aasm-labels", None, False),
])
def test_hypnogram_rules_that_do_not_fit_the_age_warn(stages, convention, age, warns):
    out = hypnogram_age_warnings(parse_age(age), _Ctx(_Hyp(stages, convention)))
    assert len(out) == int(warns)
    if warns:
        assert "check the age or the hypnogram" in out[0] and "Grigg-Damberger" in out[0]
    # a staging (not a scorer's file) is never the scorer's convention
    assert hypnogram_age_warnings(parse_age(age), _Ctx(_Hyp(stages, convention, source="yasa"))) == []

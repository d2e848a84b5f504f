"""Hypnogram epochs outside the recording hold no signal and are not counted.

A hypnogram aligned by clock time may start before the recording or run past its end (within
what ``Hypnogram.check_fits`` accepts).  Those epochs used to be counted: a 15-min recording
with an EDF+ hypnogram starting 5 min earlier reported 13 min of sleep (10 in the recording),
and a hypnogram one epoch longer than the recording "15.5 min analysed"
(``benchmarks/fuzz_inputs.py``, cases ``hyp_edf_earlier_5min``, ``hyp_one_epoch_long``).
"""

from __future__ import annotations

import datetime as dt

import edfio
import numpy as np
import pytest

from myosleep.context import build_context
from myosleep.errors import HypnogramError
from myosleep.io import read_recording

START = dt.datetime(2021, 3, 4, 22, 30, 0)
#: 30 epochs: W x4, N1 x2, N2 x24 (15 min)
STAGES = ["W"] * 4 + ["N1"] * 2 + ["N2"] * 24


@pytest.fixture()
def recording(tmp_path):
    path = tmp_path / "rec.edf"
    fs = 128
    rng = np.random.default_rng(0)
    edfio.Edf([edfio.EdfSignal(rng.normal(0, 10, fs * 900), fs, label="C4-M1", physical_dimension="uV",
                               physical_range=(-500, 500))],
              starttime=START.time(), recording=edfio.Recording(startdate=START.date())).write(path)
    return path


def _hypnogram_edf(path, start: dt.datetime):
    anns = [edfio.EdfAnnotation(30.0 * i, 30.0, f"Sleep stage {s}") for i, s in enumerate(STAGES)]
    edfio.Edf([], annotations=anns, starttime=start.time(), recording=edfio.Recording(startdate=start.date())
              ).write(path)
    return path


@pytest.mark.parametrize("shift_min", [-5, 5])
def test_epochs_before_or_after_the_recording_are_left_out(recording, tmp_path, shift_min):
    hyp = _hypnogram_edf(tmp_path / "hyp.edf", START + dt.timedelta(minutes=shift_min))
    with read_recording(recording) as rec:
        if shift_min > 0:  # runs 10 epochs past the end: more than check_fits accepts
            with pytest.raises(HypnogramError, match="too long"):
                build_context(rec, hypnogram=hyp, detect_arousals=False)
            return
        ctx = build_context(rec, hypnogram=hyp, detect_arousals=False)
    # the recording holds the hypnogram's epochs 10-29: N2 for 10 min
    assert ctx.hypnogram.epoch_onsets_s[0] == 0.0 and ctx.hypnogram.n_epochs == 20
    assert ctx.stats["tst_min"] == pytest.approx(10.0) and ctx.stats["trt_min"] == pytest.approx(10.0)
    assert any("10 epoch(s) outside the recording" in w and "before its start" in w for w in ctx.warnings)


def test_an_epoch_past_the_end_is_not_analysed_time(recording, tmp_path):
    tsv = tmp_path / "hyp.tsv"
    tsv.write_text("onset\tduration\tstage\n" + "".join(f"{30 * i}\t30\t{s}\n" for i, s in enumerate(STAGES + ["N2"])))
    with read_recording(recording) as rec:
        ctx = build_context(rec, hypnogram=tsv, detect_arousals=False)
    assert ctx.hypnogram.n_epochs == 30
    assert ctx.stats["trt_min"] == pytest.approx(15.0) and ctx.stats["tst_min"] == pytest.approx(13.0)
    assert any("1 after its end" in w for w in ctx.warnings)


def test_a_start_clock_a_few_seconds_off_keeps_every_epoch(recording, tmp_path):
    hyp = _hypnogram_edf(tmp_path / "hyp.edf", START - dt.timedelta(seconds=7))
    with read_recording(recording) as rec:
        ctx = build_context(rec, hypnogram=hyp, detect_arousals=False)
    assert ctx.hypnogram.n_epochs == 30 and ctx.stats["tst_min"] == pytest.approx(13.0)
    assert not any("outside the recording" in w for w in ctx.warnings)

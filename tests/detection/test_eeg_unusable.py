"""An EEG that recorded nothing is no EEG for the body-movement criterion (docs/robustness.md, defect 61, D7).

The criterion reads the EEG's 20-60 Hz power against its running median; a flat EEG has power 0,
ratio 0, which read as "no muscle on the EEG" and rejected every gross movement: a PLMD night whose
EEG was flat all night lost all its body movements (their leg bursts left as leg movements), with
no word.  Now its seconds have no ratio: the movement is decided on another EEG or on the EMG alone,
and the report says so.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from myosleep.detection import detect
from myosleep.detection.eeg_contamination import band_ratio

from ._detect_helpers import SimRecording, sim_night

HOURS = 1 / 2


def _with_eeg(sim, make):
    chans = tuple(dataclasses.replace(c, data=make(np.asarray(c.data, dtype=np.float32).copy(), c.sfreq))
                  if c.role.value == "eeg" else c for c in sim.channels)
    return dataclasses.replace(sim, channels=chans)


def _body(res):
    return res.events[res.events["trial_type"] == "body_movement"]["onset"].to_numpy(float)


@pytest.fixture(scope="module")
def night():
    sim = sim_night("healthy_adult", hours=HOURS, seed=3, sfreq_emg=256.0)
    clean = detect(SimRecording(sim), workers=1)
    assert _body(clean).size == 4  # the simulator's 4 body movements, found with the intact EEG
    return sim, clean


def _zero(x, fs):
    return np.zeros_like(x)


def _rail(x, fs):
    return np.full_like(x, 3000.0)


def _nan(x, fs):
    return np.full_like(x, np.nan)


@pytest.mark.parametrize("make", [_zero, _rail, _nan], ids=["zeros", "railed", "NaN"])
def test_eeg_unusable_all_night_leaves_movements_to_the_emg(night, make):
    sim, clean = night
    res = detect(SimRecording(_with_eeg(sim, make)), workers=1)
    assert np.allclose(_body(res), _body(clean), atol=0.5)
    eeg = res.eeg_status
    assert eeg and not any(st.used for st in eeg.values())
    warn = res.quality_warnings()
    assert any(w.startswith("Body movements decided on the EMG alone") and "flat, clipped or NaN throughout" in w
               for w in warn), warn


def test_eeg_flat_for_part_of_the_night(night):
    """Every EEG flat for the first 20 min: the movements there are decided on the EMG, and said so."""
    sim, clean = night

    def first_part(x, fs):
        x[: int(1200 * fs)] = 0.0
        return x

    res = detect(SimRecording(_with_eeg(sim, first_part)), workers=1)
    assert np.allclose(_body(res), _body(clean), atol=0.5)
    assert all(st.used and st.artefact_s == pytest.approx(1201.0, abs=2.0) for st in res.eeg_status.values())
    assert any("EEG" in w and "20 min flat, clipped or NaN" in w for w in res.quality_warnings())


def test_band_ratio_has_no_value_where_the_eeg_is_flat():
    fs = 256.0
    rng = np.random.default_rng(0)
    x = (20.0 * rng.standard_normal(int(600 * fs))).astype(np.float32)
    x[int(100 * fs):int(200 * fs)] = 0.0
    ratio, st = band_ratio(x, fs, label="C3")
    assert np.isnan(ratio[99:201]).all() and np.isfinite(ratio[:98]).all() and np.isfinite(ratio[202:]).all()
    assert st.used and st.artefact_s == 102.0


def _edf(tmp_path, sim, name):
    path = tmp_path / f"{name}.edf"
    sim.write(path)
    return path


def test_arousals_read_on_an_eeg_that_recorded_something(tmp_path):
    """The arousal detector reads the most central EEG; a flat one showed no arousal, without a word."""
    from myosleep.context.arousals import detect_arousals_in_recording
    from myosleep.io import read_recording

    sim = sim_night("plmd", hours=HOURS, seed=3, sfreq_emg=256.0)
    with read_recording(_edf(tmp_path, sim, "intact")) as rec:
        ref, note0 = detect_arousals_in_recording(rec, hypnogram=sim.hypnogram)
        ref_c3, _ = detect_arousals_in_recording(rec, hypnogram=sim.hypnogram, eeg="C3-M2")
    assert note0 == "" and ref["channel"].unique().tolist() == ["C4-M1"] and len(ref) == 2 and len(ref_c3) == 2
    # C4-M1 flat all night: the next central derivation (C3-M2) is read, and the note says why
    chans = tuple(dataclasses.replace(c, data=np.zeros_like(c.data)) if c.label == "C4-M1" else c
                  for c in sim.channels)
    with read_recording(_edf(tmp_path, dataclasses.replace(sim, channels=chans), "c4flat")) as rec:
        got, note = detect_arousals_in_recording(rec, hypnogram=sim.hypnogram)
    assert note == "arousals detected on C3-M2: EEG C4-M1 flat, clipped or NaN throughout"
    assert got["channel"].unique().tolist() == ["C3-M2"] and np.allclose(got["onset"], ref_c3["onset"])
    # every EEG flat: no arousal can be read, and the note says so (not "0 arousals")
    with read_recording(_edf(tmp_path, _with_eeg(sim, _zero), "allflat")) as rec:
        none, note = detect_arousals_in_recording(rec, hypnogram=sim.hypnogram)
    assert len(none) == 0
    assert note == ("arousals not detected: EEG C4-M1, C3-M2, F4-M1, O2-M1 flat, clipped or NaN throughout (no EEG "
                    "recorded; give the scorer's arousals with --events)")

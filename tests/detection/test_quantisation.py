"""Issue 9, defect 2 (detection part): EMG quantised too coarsely for the amplitudes the rules read.

The file reported: leg channels recorded with a +-1.024 V range in 16 bits (31.25 uV per
step, 92-94 % of consecutive samples identical), on which 15 "leg movements" were scored
from samples flipping between two adjacent codes.  The step is estimated from the data
(``myosleep.preprocessing.quantisation``: no header needed, so an MNE Raw works too).
"""

from __future__ import annotations

import datetime

import numpy as np
import pytest

from myosleep.detection import detect
from myosleep.detection.bursts import find_short_bursts, resting_baseline
from myosleep.preprocessing import Quantisation, preprocess_emg, quantisation

#: +-1.024 V over a 16-bit range (digital -32768..32767), in uV
STEP_UV = 2.048e6 / 65535


def test_step_and_identical_fraction_from_the_data_alone():
    rng = np.random.default_rng(0)
    x = 1.5 * rng.standard_normal(200_000) + 10.0
    q = quantisation(np.round(x / 31.25) * 31.25 + 0.3)
    assert q.step_uv == pytest.approx(31.25, rel=1e-6) and q.identical_fraction > 0.99
    # the EDF scaling stored in float32, far from zero: float rounding is not a step
    q32 = quantisation((np.round((x + 5.0) / STEP_UV) * STEP_UV - 512_000.0).astype(np.float32))
    assert q32.step_uv == pytest.approx(STEP_UV, rel=1e-3)
    # a fine 16-bit range (+-3.2 mV: 0.098 uV), and continuous (filtered, resampled) data
    fine = quantisation(np.round(x / 0.0977) * 0.0977)
    assert fine.step_uv == pytest.approx(0.0977, rel=1e-3) and fine.identical_fraction < 0.05
    assert quantisation(x) == Quantisation(0.0, 0.0) and quantisation(x.astype(np.float32)).step_uv == 0.0
    assert quantisation(np.full(100, 3.0)) == Quantisation(0.0, 1.0)  # constant: no step to see
    assert str(q).startswith("31.2 uV per step, 100 % of consecutive samples identical")


def _quiet_night():
    from myosleep.io.hypnogram_model import Hypnogram
    from myosleep.simulate import simulate_night

    hyp = Hypnogram(stages=np.array([0] * 4 + [2] * 36, dtype=np.int8), epoch_s=30.0, source="simulated")
    return simulate_night("quiet_artefacts", seed=2, hypnogram=hyp, sfreq_emg=256), hyp


def _coarse_leg_edf(path):
    """The night's legs stored with +-1.024 V in 16 bits (a DC offset of 5 uV puts the resting
    EMG near a code boundary: 93 % of consecutive samples identical, as in the reported file)."""
    import edfio

    sim, hyp = _quiet_night()
    sigs = []
    for c in sim.channels:
        x = c.data.astype(np.float64)
        if c.role.value == "leg":
            rng, x = (-1.024e6, 1.024e6), x + 5.0
        elif c.role.value == "accelerometer":
            rng = (-8.0, 8.0)
        else:
            rng = (-5000.0, 5000.0)
        sigs.append(edfio.EdfSignal(np.clip(x, *rng), sampling_frequency=c.sfreq, label=c.label,
                                    physical_dimension=c.unit, physical_range=rng, digital_range=(-32768, 32767)))
    edfio.Edf(sigs, starttime=datetime.time(23, 0, 0),
              recording=edfio.Recording(startdate=datetime.date(2000, 1, 1))).write(path)
    return sim, hyp


def test_coarsely_quantised_leg_channels_are_refused_not_scored(tmp_path):
    """Red before the fix: 335 leg movements and ``periodic_limb_movements`` present on this
    quiet night (no movement at all); now both legs are refused with the reason, no LM."""
    from myosleep.io import read_recording

    _coarse_leg_edf(tmp_path / "coarse.edf")
    with read_recording(tmp_path / "coarse.edf") as rec:
        lat = rec.get_data("EMG LAT")
        q = quantisation(lat)
        assert q.step_uv == pytest.approx(STEP_UV, rel=1e-3) and 0.90 <= q.identical_fraction <= 0.97
        res = detect(rec)
    for leg in ("EMG LAT", "EMG RAT"):
        st = res.channel_status[leg]
        assert not st.used and "quantised at 31.3 uV per step" in st.reason and "leg-movement" in st.reason
    assert not res.bursts.channel.isin(["EMG LAT", "EMG RAT"]).any()
    assert res.channel_status["EMG Chin"].used  # stored at 0.15 uV per step: analysed


def test_plm_finding_cannot_be_assessed_on_coarse_legs(tmp_path):
    from myosleep.pipeline import analyze

    sim, hyp = _coarse_leg_edf(tmp_path / "coarse.edf")
    hyp.to_tsv(tmp_path / "hyp.tsv")
    a = analyze(tmp_path / "coarse.edf", hypnogram=tmp_path / "hyp.tsv")
    assert (a.events.trial_type != "leg_movement").all()
    plm = next(f for f in a.summary["findings"] if f["code"] == "periodic_limb_movements")
    assert plm["present"] is None and "No usable leg EMG channel" in plm["evidence"]
    assert any("quantised at 31.3 uV per step" in w for w in a.summary["warnings"])


def test_mne_raw_without_header_is_refused_the_same_way():
    import mne

    from myosleep.io import read_recording

    sim, _ = _quiet_night()
    leg = sim.channel("EMG LAT")
    n = int(600 * leg.sfreq)
    # an offset of 11.5 uV: ~93 % of consecutive samples identical
    coarse = np.round((leg.data[:n].astype(np.float64) + 11.5) / STEP_UV) * STEP_UV
    info = mne.create_info(["EMG LAT"], leg.sfreq, ["emg"], verbose=False)
    raw = mne.io.RawArray(coarse[None, :] * 1e-6, info, verbose=False)
    assert 0.90 <= quantisation(coarse).identical_fraction <= 0.97
    res = detect(read_recording(raw))
    st = res.channel_status["EMG LAT"]
    assert not st.used and "quantised at 31.3 uV per step" in st.reason
    # all runs of identical codes (>= 0.5 s: "flat"): refused for its quantisation, not as "artefact"
    flat = np.round((leg.data[:n].astype(np.float64) + 25.0) / STEP_UV) * STEP_UV
    flat[::3000] += STEP_UV  # a few flips
    info2 = mne.create_info(["EMG LAT"], leg.sfreq, ["emg"], verbose=False)
    st2 = detect(read_recording(mne.io.RawArray(flat[None, :] * 1e-6, info2, verbose=False))).channel_status
    assert not st2["EMG LAT"].used and "quantised at 31.3 uV per step" in st2["EMG LAT"].reason


def test_axial_bursts_must_clear_the_step():
    """An axial channel is kept (its rules read jerks of 50-200 uV), but a burst must stand
    one step of RMS above rest: flips between adjacent codes never make one, a real
    100-uV jerk still does."""
    fs = 512.0
    rng = np.random.default_rng(5)
    n = int(120 * fs)
    x = 3.0 * rng.standard_normal(n) + 9.0
    t0 = int(60 * fs)
    jerk = np.zeros(n)
    jerk[t0:t0 + int(0.2 * fs)] = 100.0 * rng.standard_normal(int(0.2 * fs))
    for y, want in ((x, 0), (x + jerk, 1)):
        coarse = (np.round(y / STEP_UV) * STEP_UV).astype(np.float32)
        pre = preprocess_emg(coarse, fs, physical_min=-1.024e6, physical_max=1.024e6)
        base = resting_baseline(pre.filtered, fs, mask=pre.mask)
        plain, _ = find_short_bursts(pre.filtered, fs, mask=pre.mask, baseline=base)
        got, _ = find_short_bursts(pre.filtered, fs, mask=pre.mask, baseline=base,
                                   step_uv=pre.quantisation.step_uv)
        assert pre.quantisation.step_uv == pytest.approx(STEP_UV, rel=1e-3)
        if want == 0:
            assert plain["onset"].size > 10  # without the step floor the flips are "bursts"
        assert got["onset"].size == want
        if want:
            assert abs(got["onset"][0] - 60.0) < 0.02

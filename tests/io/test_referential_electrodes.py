"""EMG electrodes stored one by one against a common reference are analysed as their derivation.

NSRR's CHAT and MrOS nights store the chin as ``Chin1``/``Chin2``/``Chin3`` or ``Lchin``/``Rchin``/
``Cchin`` and the legs as ``LLeg1``/``LLeg2``, each electrode against the amplifier's reference;
NSRR's canonical signals derive them (chin = rchin - lchin, leg = LLeg1 - LLeg2).  Read alone, each
electrode carries the reference's EEG, ECG and mains over a resting EMG of a few uV.  Before: every
electrode was analysed as if it were a bipolar EMG, without a word; on a healthy night whose 18 leg
movements the bipolar recording gives, the referential one gave 221 and "PLMS index 41.1/h" (a
new-user trial, 2026-12-07).
"""

from __future__ import annotations

import edfio
import numpy as np
import pytest
from scipy.signal import resample_poly

from myosleep.detection import detect
from myosleep.io import read_recording
from myosleep.simulate import simulate_night
from myosleep.vocab import Role, Side

FS = 512.0


def _signal(label: str, x: np.ndarray, fs: float = FS) -> edfio.EdfSignal:
    return edfio.EdfSignal(np.clip(x, -2999, 2999), fs, label=label, physical_dimension="uV",
                           physical_range=(-3000, 3000))


@pytest.fixture(scope="module")
def nights(tmp_path_factory):
    """The same simulated PLMD night written bipolar and as referential electrodes (CHAT and MrOS layouts)."""
    d = tmp_path_factory.mktemp("ref")
    sim = simulate_night("plmd", hours=0.25, seed=5)
    sim.write(d / "bipolar.edf")
    edf = edfio.read_edf(d / "bipolar.edf")
    sig = {s.label: (s.data.astype(float), float(s.sampling_frequency)) for s in edf.signals}
    chin, lat, rat = sig["EMG Chin"][0], sig["EMG LAT"][0], sig["EMG RAT"][0]
    n = chin.size
    t = np.arange(n) / FS
    eeg = resample_poly(sig["C4-M1"][0], int(FS), int(sig["C4-M1"][1]))[:n]
    ecg = resample_poly(sig["ECG"][0], int(FS), int(sig["ECG"][1]))[:n] if "ECG" in sig else 0.0
    # the reference's signal each electrode carries: EEG, ECG and mains, tens of uV over a few uV of EMG
    common = eeg + 0.3 * ecg + 10.0 * np.sin(2 * np.pi * 60.0 * t)
    eeg_sigs = [_signal(lab, x, fs) for lab, (x, fs) in sig.items() if lab in ("C4-M1", "C3-M2")]
    chat = eeg_sigs + [_signal("Chin1", common + chin / 2), _signal("Chin2", common - chin / 2),
                       _signal("Chin3", common + 0.1 * chin), _signal("LLeg1", common + lat / 2),
                       _signal("LLeg2", common - lat / 2), _signal("RLeg1", common + rat / 2),
                       _signal("RLeg2", common - rat / 2)]
    edfio.Edf(chat).write(d / "chat.edf")
    mros = eeg_sigs + [_signal("L Chin", common - chin / 2), _signal("R Chin", common + chin / 2),
                       _signal("LAT", lat), _signal("RAT", rat)]
    edfio.Edf(mros).write(d / "mros.edf")
    # two bipolar derivations that share an electrode (chin1-chin3, chin2-chin3): each electrode's own
    # slow potential (skin and electrode drift, independent: a 1/f-like random walk, 10-20 uV) and the
    # muscle under them; the shared electrode's is half of each derivation's
    rng = np.random.default_rng(0)
    e1, e2, e3 = (np.cumsum(rng.standard_normal(n)) * 0.05 for _ in range(3))
    e1, e2, e3 = (e - np.convolve(e, np.ones(512) / 512, mode="same") for e in (e1, e2, e3))
    both = eeg_sigs + [_signal("Chin1", chin + e1 - e3), _signal("Chin2", 0.8 * chin + e2 - e3),
                       _signal("LAT", lat), _signal("RAT", rat)]
    edfio.Edf(both).write(d / "bipolar_pair.edf")
    return d


def test_chat_electrodes_are_analysed_as_their_derivations(nights):
    rec = read_recording(nights / "chat.edf")
    roles = {c.label: (c.role, c.side) for c in rec.channels}
    assert roles["Chin1-Chin2"] == (Role.CHIN, None)
    assert roles["LLeg1-LLeg2"] == (Role.LEG, Side.LEFT) and roles["RLeg1-RLeg2"] == (Role.LEG, Side.RIGHT)
    for label in ("Chin1", "Chin2", "Chin3", "LLeg1", "LLeg2", "RLeg1", "RLeg2"):
        assert roles[label][0] is Role.OTHER, label
    said = [w for w in rec.warnings if "recorded against a common reference" in w]
    assert len(said) == 3 and said[1].startswith("'LLeg1' and 'LLeg2' are electrodes recorded against a common "
                                                 "reference (their signals correlate r = 1.00)")
    # the derivation holds the bipolar EMG: the same samples as the bipolar file's (EDF rounding aside)
    bip = read_recording(nights / "bipolar.edf")
    np.testing.assert_allclose(rec.get_data("LLeg1-LLeg2"), bip.get_data("EMG LAT"), atol=0.2)


def test_the_derivation_finds_the_bipolar_nights_leg_movements(nights):
    bip = detect(read_recording(nights / "bipolar.edf")).bursts
    ref = detect(read_recording(nights / "chat.edf")).bursts
    legs_bip = bip[bip["role"] == "leg"]
    legs_ref = ref[ref["role"] == "leg"]
    # every bipolar leg burst found in the derivation, onsets within 10 ms; nothing from the common mode
    assert len(legs_bip) >= 5 and abs(len(legs_ref) - len(legs_bip)) <= 1
    near = [np.min(np.abs(legs_ref["onset"].to_numpy() - o)) for o in legs_bip["onset"]]
    assert np.max(near) <= 0.010


def test_mros_left_and_right_chin_electrodes(nights):
    rec = read_recording(nights / "mros.edf")
    roles = {c.label: c.role for c in rec.channels}
    assert roles["R Chin-L Chin"] is Role.CHIN and roles["L Chin"] is roles["R Chin"] is Role.OTHER
    assert roles["LAT"] is Role.LEG  # a bipolar channel stays as it is


def test_derivations_that_share_an_electrode_and_user_roles_are_left_alone(nights):
    rec = read_recording(nights / "bipolar_pair.edf")  # r ~ 0.5: two derivations, not two electrodes
    roles = {c.label: c.role for c in rec.channels}
    assert roles["Chin1"] is roles["Chin2"] is Role.CHIN and "Chin1-Chin2" not in roles
    assert not any("common reference" in w for w in rec.warnings)
    rec = read_recording(nights / "chat.edf", channels={"chin": ["Chin1"], "leg-left": ["LLeg1"]})
    assert "Chin1-Chin2" not in {c.label for c in rec.channels}  # --channels: the user decides


def test_numbered_legs_that_name_no_side_are_two_legs(tmp_path):
    # Philips Alice labels the two legs "Leg 1" and "Leg 2": even with a shared slow signal (a
    # 7-Hz test sine on both, as the fixtures write) they are not one leg's electrodes
    t = np.arange(int(FS * 60)) / FS
    rng = np.random.default_rng(3)
    shared = 100.0 * np.sin(2 * np.pi * 7.0 * t)
    path = tmp_path / "alice.edf"
    edfio.Edf([_signal("Leg 1", shared + 10 * rng.standard_normal(t.size)),
               _signal("Leg 2", shared + 10 * rng.standard_normal(t.size))]).write(path)
    roles = {c.label: (c.role, c.side) for c in read_recording(path).channels}
    assert roles == {"Leg 1": (Role.LEG, None), "Leg 2": (Role.LEG, None)}

"""Channel roles and sides from labels of many labs (table-driven)."""

from __future__ import annotations

import pytest

from myosleep.io.roles import infer_role, infer_side, normalize_label
from myosleep.vocab import Role, Side

L, R = Side.LEFT, Side.RIGHT

TABLE: list[tuple[str, Role, Side | None]] = [
    # chin
    ("Chin", Role.CHIN, None), ("EMG Chin", Role.CHIN, None), ("Chin1-Chin2", Role.CHIN, None),
    ("Chin EMG", Role.CHIN, None), ("EMG submental", Role.CHIN, None), ("Submental", Role.CHIN, None),
    ("Mentalis", Role.CHIN, None), ("SUBM", Role.CHIN, None), ("EMG chin", Role.CHIN, None),  # HMC
    ("Chin3", Role.CHIN, None), ("L Chin", Role.CHIN, L), ("R Chin", Role.CHIN, R),  # CHAT, MrOS
    ("EMG", Role.CHIN, None),  # SHHS / MESA: the only unlabelled EMG is the chin
    ("EMG Kinn ü", Role.CHIN, None), ("Masseter", Role.CHIN, None),
    ("EMG1", Role.EMG, None), ("EMG1-EMG2", Role.EMG, None),  # numbered: EMG of unknown site
    # a side glued to "EMG" names no site either: EMG of unknown site, its side kept
    ("EMGL", Role.EMG, L), ("EMGR", Role.EMG, R), ("LEMG", Role.EMG, L), ("REMG", Role.EMG, R),
    ("EMG1L-EMG2L", Role.EMG, L), ("LEMG-REMG", Role.EMG, None), ("EMGR-REF", Role.EMG, R),
    # leg
    ("Leg/L", Role.LEG, L), ("Leg/R", Role.LEG, R), ("LAT", Role.LEG, L), ("RAT", Role.LEG, R),
    ("LAT1-LAT2", Role.LEG, L), ("RAT1-RAT2", Role.LEG, R), ("TibL", Role.LEG, L), ("TibR", Role.LEG, R),
    ("EMG Tib R", Role.LEG, R), ("Left Leg", Role.LEG, L), ("Right Leg", Role.LEG, R), ("L-Leg", Role.LEG, L),
    ("LLEG", Role.LEG, L), ("RLEG", Role.LEG, R), ("LLEG1-LLEG2", Role.LEG, L), ("Tib.Ant.L", Role.LEG, L),
    ("tibialis anterior left", Role.LEG, L), ("EMG LAT", Role.LEG, L), ("Leg 1", Role.LEG, None),
    ("Leg 2", Role.LEG, None), ("Leg", Role.LEG, None), ("PLM l", Role.LEG, L), ("PLM r", Role.LEG, R),
    ("LEFT LEG", Role.LEG, L), ("Leg L", Role.LEG, L), ("EMG Ant Tib L", Role.LEG, L),
    ("biceps femoris R", Role.LEG, R), ("Rectus femoris", Role.LEG, None), ("Gastrocnemius L", Role.LEG, L),
    ("extensor digitorum brevis", Role.LEG, None),
    # abbreviations and other languages seen in European exports
    ("Ment", Role.CHIN, None), ("EMG Ment", Role.CHIN, None), ("Subment", Role.CHIN, None),
    ("Beine", Role.LEG, None), ("linkes Bein", Role.LEG, L), ("Rechtes Bein", Role.LEG, R),
    ("Jambe gauche", Role.LEG, L), ("Jambe droite", Role.LEG, R),
    # French (G/D, jambier = tibialis anterior, menton), Italian (sx/dx, mento, miloioideo = mylohyoid),
    # Spanish and Portuguese (izq/der, esq/dir), Dutch (kin, been)
    ("Jambe G", Role.LEG, L), ("Jambier D", Role.LEG, R), ("EMG men", Role.CHIN, None), ("Menton", Role.CHIN, None),
    ("TIB SX", Role.LEG, L), ("Tib dx", Role.LEG, R), ("Gamba sx", Role.LEG, L), ("EMG mento", Role.CHIN, None),
    ("Miloioideo", Role.CHIN, None), ("EMG Tib izq", Role.LEG, L), ("Pierna derecha", Role.LEG, R),
    ("Perna esq", Role.LEG, L), ("Mentón", Role.CHIN, None), ("Braccio dx", Role.ARM, R), ("Bras G", Role.ARM, L),
    ("Kin", Role.CHIN, None), ("Been L", Role.LEG, L), ("EMG-Sub", Role.CHIN, None),
    ("Deltoide dx", Role.ARM, R), ("Massetere", Role.CHIN, None), ("Paravertebrale", Role.AXIAL, None),
    ("Gastrocnemio sx", Role.LEG, L), ("Bicipite sx", Role.ARM, L), ("Sternocleidomastoideo", Role.AXIAL, None),
    # Latin dexter/sinister, Italian initials s/d; SENIAM abbreviations of leg muscles (vastus lateralis,
    # gastrocnemius medialis) in BIDS EMG datasets; "ext dig" (forearm) and "ext dig brev" (foot)
    ("EMG TA dex", Role.LEG, R), ("tib.ant.s", Role.LEG, L), ("EMG sin", Role.EMG, L), ("EMG dex", Role.EMG, R),
    ("VL_L", Role.LEG, L), ("GM_R", Role.LEG, R), ("Soleus R", Role.LEG, R), ("Ext dig L", Role.ARM, L),
    ("Ext dig brev R", Role.LEG, R),
    # a reference token names no site: "EMG-REF" (TUH clinical EEG) is the bare EMG
    ("EMG-REF", Role.CHIN, None), ("EMG Ref", Role.CHIN, None), ("EMG-AVG", Role.CHIN, None),
    # the EDF+ signal-type prefix "EEG" (as NK/TUH exports type every input) does not make an EMG sensor EEG
    ("EEG EMG-REF", Role.CHIN, None), ("EEG EMG-LE", Role.CHIN, None), ("EEG EMG1-REF", Role.EMG, None),
    # "EMG" written onto the muscle's name (EMGchin, EMGLAT, LegEMG); the central chin electrode of a
    # three-electrode chin montage (CHAT Cchin, Zchin, ChinZ); a "PSG" system prefix (PSG_EMG, PSG_C3)
    ("EMGchin", Role.CHIN, None), ("ChinEMG", Role.CHIN, None), ("EMGLAT", Role.LEG, L), ("EMG_Leg_R", Role.LEG, R),
    ("LegEMG L", Role.LEG, L), ("Cchin", Role.CHIN, None), ("ChinZ", Role.CHIN, None), ("Zchin", Role.CHIN, None),
    ("Cchin-Lchin", Role.CHIN, None), ("PSG_EMG", Role.CHIN, None), ("PSG_C3", Role.EEG, L),
    ("PSG_EOGL", Role.EOG, L), ("PSG ECG", Role.ECG, None),
    # one derivation across both legs: a leg, of no one side
    ("LAT-RAT", Role.LEG, None), ("LLEG-RLEG", Role.LEG, None),
    # abbreviated muscles and a side written with the electrode's number (2026-12-07 trial; L1 on the
    # trunk is a vertebra, not a side)
    ("LT RECTUS FEM.", Role.LEG, L), ("Rectus fem R", Role.LEG, R), ("Sternocleido L", Role.AXIAL, L),
    ("Leg L1-Leg L2", Role.LEG, L), ("Leg R1-Leg R2", Role.LEG, R), ("Paraspinal L1", Role.AXIAL, None),
    # arm
    ("Arm L", Role.ARM, L), ("ARM", Role.ARM, None), ("FDS L", Role.ARM, L), ("FDS R", Role.ARM, R),
    ("flexor digitorum superficialis right", Role.ARM, R), ("Deltoid R", Role.ARM, R),
    ("EMG Extensor L", Role.ARM, L), ("EDC R", Role.ARM, R), ("Biceps", Role.ARM, None),
    ("Arm/R", Role.ARM, R), ("Triceps L", Role.ARM, L),
    # axial
    ("Paraspinal", Role.AXIAL, None), ("Rectus abdominis", Role.AXIAL, None), ("RectAbd", Role.AXIAL, None),
    ("Intercostal", Role.AXIAL, None), ("T10 paraspinal", Role.AXIAL, None), ("SCM", Role.AXIAL, None),
    ("SCM L", Role.AXIAL, L), ("EMG Abd", Role.AXIAL, None), ("Erector spinae R", Role.AXIAL, R),
    # respiratory belts are not axial EMG
    ("Abd", Role.OTHER, None), ("ABD", Role.OTHER, None), ("Abdo", Role.OTHER, None),
    ("Abdomen", Role.OTHER, None), ("ABDO RES", Role.OTHER, None), ("Abdominal", Role.OTHER, None),
    ("Thor", Role.OTHER, None), ("THOR RES", Role.OTHER, None),
    # eeg
    ("C3A2", Role.EEG, L), ("C4A1", Role.EEG, R), ("EEG O2A1", Role.EEG, R), ("CzA1", Role.EEG, None),  # UCDDB
    ("C3-M2", Role.EEG, L), ("EEG C4-A1", Role.EEG, R), ("Fpz-Cz", Role.EEG, None), ("Pz-Oz", Role.EEG, None),
    ("EEG Fpz-Cz", Role.EEG, None), ("F4-M1", Role.EEG, R), ("O2:M1", Role.EEG, R), ("C3", Role.EEG, L),
    ("Cz", Role.EEG, None), ("EEG", Role.EEG, None), ("EEG(sec)", Role.EEG, None), ("EEG1", Role.EEG, None),
    ("EEG F4-M1", Role.EEG, R), ("O1-A2", Role.EEG, L), ("M1", Role.EEG, L),
    # eog
    ("E1-M2", Role.EOG, L), ("E2-M1", Role.EOG, R), ("LOC", Role.EOG, L), ("ROC", Role.EOG, R),
    ("LUC-M2", Role.EOG, L), ("RLC-M1", Role.EOG, R),  # upper and lower canthus (AASM alternative EOG)
    ("EOG horizontal", Role.EOG, None), ("EOG(L)", Role.EOG, L), ("EOG(R)", Role.EOG, R),
    ("EOG Left", Role.EOG, L), ("HEOG", Role.EOG, None), ("VEOG", Role.EOG, None), ("EOG-L", Role.EOG, L),
    ("EOG E1-M2", Role.EOG, L), ("ROC-A1", Role.EOG, R),
    # ecg
    ("ECG", Role.ECG, None), ("EKG", Role.ECG, None), ("ECG II", Role.ECG, None), ("ECG1-ECG2", Role.ECG, None),
    ("EKG2", Role.ECG, None), ("ECG L", Role.ECG, None),
    # accelerometer
    ("Acc X", Role.ACCELEROMETER, None), ("ACC_Y", Role.ACCELEROMETER, None),
    ("Accel z", Role.ACCELEROMETER, None), ("accelerometer-x", Role.ACCELEROMETER, None),
    ("ActX", Role.ACCELEROMETER, None), ("Position", Role.OTHER, None), ("Activity", Role.OTHER, None),
    # other
    ("Resp oro-nasal", Role.OTHER, None), ("Temp rectal", Role.OTHER, None), ("Event marker", Role.OTHER, None),
    ("SpO2", Role.OTHER, None), ("SaO2", Role.OTHER, None), ("Flow", Role.OTHER, None),
    ("Snore", Role.OTHER, None), ("Pleth", Role.OTHER, None), ("Pulse", Role.OTHER, None),
    ("H.R.", Role.OTHER, None), ("EKG_Off", Role.OTHER, None), ("EEG1_Off", Role.OTHER, None),
    ("OxStatus", Role.OTHER, None), ("Light", Role.OTHER, None), ("", Role.OTHER, None),
    ("???", Role.OTHER, None), ("Ωμέγα", Role.OTHER, None), ("脑电", Role.OTHER, None),
]


@pytest.mark.parametrize(("label", "role", "side"), TABLE, ids=[repr(t[0]) for t in TABLE])
def test_role_table(label: str, role: Role, side: Side | None) -> None:
    assert infer_role(label) == (role, side)


@pytest.mark.parametrize("label", ["Leg/L", "EEG C4-A1", "Chin1-Chin2", "E1-M2", "RectAbd", "Acc X"])
def test_role_robust_to_case_padding_and_separators(label: str) -> None:
    expected = infer_role(label)
    for variant in (label.upper(), label.lower(), f"  {label}  ", label.replace("-", ":"),
                    label.replace(" ", "_")):
        assert infer_role(variant) == expected, variant


def test_normalize_label_folds_unicode_and_punctuation() -> None:
    assert normalize_label("EMG Kinn ü") == ["emg", "kinn", "u"]
    assert normalize_label("Tib.Ant.L") == ["tib", "ant", "l"]
    assert normalize_label("") == []


def test_infer_side_for_user_given_roles() -> None:
    # a label that infers to 'other' still yields its side when the user gives it a role
    assert infer_role("EMG3 left") == (Role.EMG, Side.LEFT)
    assert infer_role("Sensor 3 left") == (Role.OTHER, None)
    assert infer_side("Sensor 3 left") is Side.LEFT
    assert infer_side("EMG3") is None
    assert infer_side("RAT") is Side.RIGHT

"""Fixed vocabularies: sleep stages, channel roles, event classes, findings.

These are the words of the output contracts in DESIGN.md (events.tsv ``stage`` and
``trial_type`` columns, ``myosleep info --json`` roles, ``summary.json`` finding codes).
"""

from __future__ import annotations

from enum import Enum, IntEnum

__all__ = ["EMG_ROLES", "TRIAL_TYPE_COLOURS", "FindingCode", "Role", "Side", "Stage", "TrialType"]


class Stage(IntEnum):
    """AASM sleep stage of a 30-s epoch.

    Integer codes follow YASA's convention (0=W ... 4=R, -1 artefact/movement,
    -2 unscored) so arrays can be passed to YASA without translation.
    """

    UNSCORED = -2
    ARTEFACT = -1
    W = 0
    N1 = 1
    N2 = 2
    N3 = 3
    R = 4

    @property
    def label(self) -> str:
        """Label used in events.tsv: W, N1, N2, N3, R or ``n/a``."""
        return self.name if self.value >= 0 else "n/a"

    @property
    def is_sleep(self) -> bool:
        return self.value >= 1

    @property
    def is_nrem(self) -> bool:
        return self.value in (1, 2, 3)


class Role(str, Enum):
    """What a channel records (``myosleep info`` roles).

    ``emg`` is surface EMG whose site the file does not say (``EMG1``, ``EMG1-EMG2``): it is
    listed, and not analysed until the user names its site (``--channels chin=EMG1``), because
    every rule depends on the muscle (chin for REM atonia, tibialis anterior for leg
    movements).  It is therefore not one of :data:`EMG_ROLES`.
    """

    CHIN = "chin"
    LEG = "leg"
    ARM = "arm"
    AXIAL = "axial"
    EMG = "emg"
    EEG = "eeg"
    EOG = "eog"
    ECG = "ecg"
    ACCELEROMETER = "accelerometer"
    OTHER = "other"

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.value


#: Roles whose channels carry surface EMG of a known site (analysed); ``Role.EMG`` (site unknown) is not one.
EMG_ROLES = frozenset({Role.CHIN, Role.LEG, Role.ARM, Role.AXIAL})


class Side(str, Enum):
    LEFT = "left"
    RIGHT = "right"

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.value


class TrialType(str, Enum):
    """Event classes of events.tsv ``trial_type`` (DESIGN.md)."""

    HYPNIC_JERK = "hypnic_jerk"
    FRAGMENTARY_MYOCLONUS = "fragmentary_myoclonus"
    LEG_MOVEMENT = "leg_movement"
    REM_TWITCH = "rem_twitch"
    NEONATAL_MYOCLONUS = "neonatal_myoclonus"
    PROPRIOSPINAL_MYOCLONUS = "propriospinal_myoclonus"
    CORTICAL_MYOCLONUS = "cortical_myoclonus"
    MYOCLONIC_JERK = "myoclonic_jerk"
    BODY_MOVEMENT = "body_movement"

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.value


#: Colour of each event class in figures (colour-blind safe palette, Okabe-Ito).
TRIAL_TYPE_COLOURS = {
    "hypnic_jerk": "#D55E00",
    "fragmentary_myoclonus": "#56B4E9",
    "leg_movement": "#009E73",
    "rem_twitch": "#CC79A7",
    "neonatal_myoclonus": "#E69F00",
    "propriospinal_myoclonus": "#0072B2",
    "cortical_myoclonus": "#000000",
    "myoclonic_jerk": "#999999",
    "body_movement": "#BBBBBB",
}


class FindingCode(str, Enum):
    """Recording-level finding codes of summary.json ``findings``."""

    SLEEP_STARTS = "sleep_starts"
    EXCESSIVE_FRAGMENTARY_MYOCLONUS = "excessive_fragmentary_myoclonus"
    PERIODIC_LIMB_MOVEMENTS = "periodic_limb_movements"
    REM_SLEEP_WITHOUT_ATONIA = "rem_sleep_without_atonia"
    BENIGN_NEONATAL_SLEEP_MYOCLONUS = "benign_neonatal_sleep_myoclonus"
    PROPRIOSPINAL_MYOCLONUS = "propriospinal_myoclonus"
    CORTICAL_MYOCLONUS = "cortical_myoclonus"
    FUNCTIONAL_JERKS = "functional_jerks"

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.value

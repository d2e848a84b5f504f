"""Where each recorded muscle sits on the spinal cord, and how far its motor nerve runs.

Propriospinal myoclonus spreads along the cord at 3-11 m/s; to measure that speed from EMG
onsets, each muscle's onset must be brought back to the moment its spinal segment fired:
the EMG onset also holds the motor nerve's conduction from that segment to the muscle,
about 1 m to tibialis anterior (15-16 ms at 55 m/s) against about 30 cm to rectus abdominis
(5-6 ms) and a few cm to the paraspinal muscles (DESIGN.md; issue 9, defect 11).  This
module holds the anatomy both the classifier (:mod:`.propriospinal`) and the simulator
(:mod:`myosleep.simulate.events`) use.

Cord geometry
    Adult segment lengths from Ko et al., Spinal Cord 2004;42:35-40 (cervical ~12 mm,
    thoracic ~22 mm, lumbar ~10 mm, sacral ~6 mm per segment; C1 to conus ~44 cm, as
    Frostell et al., Front Neurol 2016).  :data:`SEGMENT_CM`: mid-segment, cm below the top
    of C1.
Myotomes
    The segment at the centre of each muscle's innervation (standard tables, e.g. Kendall,
    Muscles: Testing and Function, 5th ed., 2005; Gray's Anatomy, 42nd ed., 2020).
Motor nerve path (``nerve_cm``)
    From the cord segment to the muscle's motor point, for an adult of about 1.75 m: the
    intraspinal root from the segment to its intervertebral foramen (the cord ends at the
    L1-L2 vertebrae, so lumbosacral roots first run 6-17 cm down the cauda equina: Gray's
    Anatomy; Wall et al., Spine 1990, cauda equina anatomy) plus the peripheral nerve's course
    (Gray's Anatomy).  The leg figures agree with the peripheral motor conduction times that
    F-wave and root-stimulation studies give (about 15 ms from the lumbosacral cord to
    tibialis anterior and 14-15 ms to the calf; Kimura, Electrodiagnosis in Diseases of Nerve
    and Muscle, 4th ed., 2013; Preston and Shapiro, Electromyography and Neuromuscular
    Disorders, 3rd ed., 2013).  Nerve lengths scale with body height (about +-10 % between
    adults of 1.58 and 1.93 m); the figures are estimates of the nominal adult, stated so.
Motor conduction velocity
    :data:`MOTOR_CV_M_S` = 55 m/s, the middle of the 50-60 m/s of proximal fast motor fibres
    (normal peroneal and tibial motor conduction >= 41-44 m/s distally, faster proximally;
    F-wave conduction velocities 50-65 m/s: Kimura 2013; Preston and Shapiro 2013).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["MOTOR_CV_M_S", "MUSCLES", "MUSCLE_SEGMENTS", "Muscle", "SEGMENT_CM", "muscle_at", "root_cm",
           "segment_position_cm"]

#: Motor conduction velocity of the peripheral nerves, m/s (50-60 m/s: Kimura 2013).
MOTOR_CV_M_S = 55.0

_LEN_CM = {"C": 1.2, "T": 2.2, "L": 1.0, "S": 0.6}  # Ko et al. 2004 segment lengths
_COUNT = {"C": 8, "T": 12, "L": 5, "S": 5}


def _positions() -> dict[str, float]:
    out: dict[str, float] = {}
    top = 0.0
    for region in "CTLS":
        for k in range(1, _COUNT[region] + 1):
            out[f"{region}{k}"] = round(top + _LEN_CM[region] * 0.5, 2)
            top += _LEN_CM[region]
    return out


#: Mid-segment position (cm below the top of C1) of every spinal segment C1..S5.
SEGMENT_CM: dict[str, float] = _positions()

#: Intraspinal root (cm) from a segment to its intervertebral foramen.  The cord segments lie
#: above their foramina, by about one vertebra in the upper thoracic cord and two in the
#: lower (2-2.5 cm each), and the lumbosacral roots run down the cauda equina from the conus
#: (L1-L2 vertebrae) to foramina L1/L2 .. S1 (Gray's Anatomy; Wall et al. 1990).
_ROOT_CM = {"C": 1.5, "T1-6": 3.0, "T7-12": 5.0, "L1": 6.0, "L2": 8.0, "L3": 10.0, "L4": 12.0, "L5": 15.0, "S": 17.0}


def root_cm(segment: str) -> float:
    """Length (cm) of the intraspinal root from ``segment`` (``"T10"``) to its foramen."""
    region, k = segment[0], int(segment[1:])
    if region == "T":
        return _ROOT_CM["T1-6" if k <= 6 else "T7-12"]
    if region == "L":
        return _ROOT_CM[segment]
    return _ROOT_CM[region]


@dataclass(frozen=True)
class Muscle:
    """A recorded muscle: its spinal segment and the length of its motor nerve.

    Attributes
    ----------
    name : str
    segment : str
        Centre of its myotome (``"L5"``).
    nerve : str
        The motor nerve.
    nerve_cm : float
        Motor path from the cord segment to the muscle (cm, nominal adult): intraspinal root
        plus peripheral nerve.
    """

    name: str
    segment: str
    nerve: str
    nerve_cm: float

    @property
    def cord_cm(self) -> float:
        """Position of the segment, cm below the top of C1 (:data:`SEGMENT_CM`)."""
        return SEGMENT_CM[self.segment]

    def conduction_ms(self, cv_m_s: float = MOTOR_CV_M_S) -> float:
        """Peripheral motor conduction time (ms) from the segment to the muscle."""
        return self.nerve_cm / 100.0 / cv_m_s * 1000.0


def _m(name: str, segment: str, nerve: str, peripheral_cm: float) -> Muscle:
    return Muscle(name, segment, nerve, round(root_cm(segment) + peripheral_cm, 1))


# Peripheral courses (foramen to motor point, nominal adult), Gray's Anatomy unless said:
# accessory nerve: up through the foramen magnum, out of the jugular foramen and down to SCM
# (~10 cm) or on to trapezius (~16 cm); brachial plexus foramen to Erb's point ~5 cm, Erb's point
# to deltoid ~15 cm, to biceps ~22 cm, to triceps ~27 cm, to the forearm muscles ~50 cm (Erb's
# point-to-muscle latencies of 4-5 ms, Kimura 2013); intercostal nerve to a chest lead ~17 cm;
# thoracoabdominal nerves T7-T11 around half the trunk (half-circumference ~45 cm at the
# umbilicus) to the rectus sheath ~25 cm; dorsal rami to the erector spinae ~4 cm; lumbar plexus
# to iliopsoas ~10 cm; femoral / obturator nerves to vastus / adductor motor points ~30 cm;
# lumbosacral trunk + sciatic + common and deep peroneal nerves to tibialis anterior ~70 cm,
# sciatic to the hamstrings ~35 cm, sciatic + tibial nerve to the calf ~68 cm.
_SCM = _m("sternocleidomastoid", "C2", "accessory nerve", 10.0)
_TRAPEZIUS = _m("trapezius", "C3", "accessory nerve", 16.0)
_DELTOID = _m("deltoid", "C5", "axillary nerve", 20.0)
_BICEPS = _m("biceps brachii", "C6", "musculocutaneous nerve", 27.0)
_TRICEPS = _m("triceps brachii", "C7", "radial nerve", 32.0)
_FOREARM_EXT = _m("forearm extensors", "C7", "radial / posterior interosseous nerve", 55.0)
_FOREARM_FLEX = _m("flexor digitorum superficialis", "C8", "median nerve", 55.0)
_INTERCOSTAL = _m("intercostal", "T6", "intercostal nerve", 17.0)
_RECTUS = _m("rectus abdominis", "T10", "thoracoabdominal nerves", 25.0)
_ILIOPSOAS = _m("iliopsoas", "L2", "lumbar plexus", 10.0)
_QUADRICEPS = _m("quadriceps", "L3", "femoral nerve", 30.0)
_ADDUCTOR = _m("adductors", "L3", "obturator nerve", 30.0)
_TIBIALIS = _m("tibialis anterior", "L5", "deep peroneal nerve", 70.0)
_HAMSTRINGS = _m("hamstrings", "S1", "sciatic nerve", 35.0)
_CALF = _m("gastrocnemius / soleus", "S1", "tibial nerve", 68.0)
_PARASPINAL_DORSAL_RAMUS_CM = 4.0

#: Label keyword -> muscle.  Keywords of <= 3 letters match whole words only.
MUSCLES: tuple[tuple[str, Muscle], ...] = (
    ("sternocleid", _SCM), ("scm", _SCM), ("trapez", _TRAPEZIUS), ("deltoid", _DELTOID), ("bicep", _BICEPS),
    ("tricep", _TRICEPS), ("extensor", _FOREARM_EXT), ("edc", _FOREARM_EXT), ("fds", _FOREARM_FLEX),
    ("flexor", _FOREARM_FLEX), ("intercost", _INTERCOSTAL), ("rectabd", _RECTUS), ("rectus abd", _RECTUS),
    ("abdom", _RECTUS), ("oblique", _RECTUS), ("iliopsoas", _ILIOPSOAS), ("quadricep", _QUADRICEPS),
    ("vastus", _QUADRICEPS), ("adductor", _ADDUCTOR), ("tibialis", _TIBIALIS), ("tib", _TIBIALIS),
    ("lat", _TIBIALIS), ("rat", _TIBIALIS), ("hamstring", _HAMSTRINGS), ("gastroc", _CALF), ("soleus", _CALF),
)
#: Label keyword -> segment (the myotome table, as before the nerve lengths were added).
MUSCLE_SEGMENTS: tuple[tuple[str, str], ...] = tuple((k, m.segment) for k, m in MUSCLES)
#: PSG leg EMG is tibialis anterior; arm EMG a forearm muscle (C6-C8).
_ROLE_DEFAULT = {"leg": _TIBIALIS, "arm": _FOREARM_EXT}
_LEVEL = re.compile(r"(?<![A-Za-z0-9])([CTLS])(\d{1,2})(?![0-9])")
_CRANIAL = ("chin", "submental", "mentalis", "masseter")


def segment_position_cm(segment: str) -> float | None:
    """Position (cm below C1) of a segment name such as ``"T10"``; None if unknown."""
    return SEGMENT_CM.get(str(segment).strip().upper())


def _paraspinal(segment: str) -> Muscle:
    return Muscle(f"paraspinal {segment}", segment, "dorsal ramus",
                  round(root_cm(segment) + _PARASPINAL_DORSAL_RAMUS_CM, 1))


def muscle_at(label: str, role: str | None = None) -> Muscle | None:
    """The muscle a channel records, from its label (and role); None when unknown or cranial.

    Muscle keywords first (``"RectAbd"``, ``"EMG Quadriceps"``, ``"LAT"``); a paraspinal
    (erector spinae) channel is taken at the level its label names (``"Paraspinal T6"``,
    ``"EMG L2 paraspinal"``), else at T8 (thoracic lead).  An axial channel whose label names
    a level takes that level (an abdominal or intercostal lead at another segment keeps its
    nerve's peripheral course).  Then the role's default (leg: tibialis anterior, arm: a
    forearm muscle).  Chin and other cranial muscles return None (not innervated along the
    cord).
    """
    text = str(label)
    low = re.sub(r"[^a-z ]", "", text.lower().replace("_", " ").replace("-", " "))
    if any(k in low for k in _CRANIAL):
        return None
    words = set(low.split())
    compact = low.replace(" ", "")
    paraspinal = "paraspin" in compact or "erector" in compact
    named = None if paraspinal else next(
        (m for key, m in MUSCLES if (len(key) <= 3 and key in words) or (len(key) > 3 and key in compact)), None)
    hit = _LEVEL.search(text.upper()) if (paraspinal or role == "axial") else None
    level = f"{hit.group(1)}{int(hit.group(2))}" if hit else None
    if level not in SEGMENT_CM:
        level = None
    if paraspinal or (named is None and level is not None):
        return _paraspinal(level or "T8")
    if named is not None and level is not None and level != named.segment:
        peripheral_cm = named.nerve_cm - root_cm(named.segment)
        return Muscle(named.name, level, named.nerve, round(root_cm(level) + peripheral_cm, 1))
    return named if named is not None else _ROLE_DEFAULT.get(role or "")

"""Infer a channel's role (chin, leg, arm, axial, emg of unknown site, eeg, eog, ecg, accelerometer, other) and side.

Table-driven.  A label is normalised (Unicode folded to ASCII, lower case, punctuation and spaces
turned into token boundaries: ``"Tib.Ant.L"`` -> ``tib ant l``), then the rules below are tried
in order; the first that matches gives the role.  Labels come from many labs; the variants
covered and the reasoning:

* **Lead-off / status channels** (MESA ``EKG_Off``, ``EEG1_Off``; ``OxStatus``; impedance
  channels) are flags, not signals: ``other``.
* **EOG** before EEG, because EOG derivations use EEG references (``E1-M2``): ``EOG``,
  ``LOC``/``ROC`` (left/right outer canthus), ``E1``/``E2`` (AASM Manual: E1 below the left, E2
  above the right outer canthus), ``HEOG``/``VEOG``, ``EOG(L)`` (SHHS), ``EOG-L`` (MESA),
  ``LEOG``/``REOG``.
* **ECG**: ``ECG``, ``EKG``, numbered leads (``ECG1-ECG2``, CHAT ``ECG3``), ``ECG II``.
* **Accelerometer** axes: ``Acc X``, ``ACC_Y``, ``Accel z``, ``accelerometer-x``, ``ActX``.  Side from
  the label (``L wrist Acc X``, ``LWrist AccX``; :func:`accelerometer_side`); the axes of one sensor share
  the label without their axis (:func:`accelerometer_axis`).  ENMO, vector magnitudes, magnetometers and
  gyroscopes are not axes whatever their unit (:func:`not_an_axis`).
  ``Position`` (body-position sensor, categorical) and actigraphy ``Activity`` counts are not raw
  axes: ``other``.
* **Muscles** by name, in Latin, English, abbreviations and the words of European exports: German
  (``Kinn``, ``Bein``), French (``Menton``, ``Jambe``, ``Jambier`` - tibialis anterior, ``Bras``),
  Italian (``Mento``, ``Miloioideo``, ``Milo``, ``Massetere``, ``Gamba``, ``Tibiale``, ``Gastrocnemio``,
  ``Braccio``, ``Deltoide``, ``Bicipite``, ``Paravertebrale``, ``Trapezio``), Spanish and Portuguese
  (``Mentón``, ``Barbilla``, ``Queixo``, ``Pierna``, ``Perna``, ``Brazo``), Dutch (``Kin``, ``Been``):

  - chin: ``Chin`` (and ``Chin1``..``Chin3``, CHAT), ``submental``, ``mentalis``, ``SUBM``, ``Sub``, MrOS
    ``L Chin``/``R Chin``, the midline electrode ``Cchin``/``Zchin``/``ChinZ``, and
    **masseter/temporalis**: the role vocabulary has no separate
    cranial role; masseter, like the submental mylohyoid and anterior digastric, is innervated
    by the trigeminal nerve, and the AASM Manual records it for bruxism.  Such a channel gets a
    warning (see :mod:`myosleep.io.recording`) because bruxism mimics phasic chin activity.
    A bare ``EMG`` (SHHS, MESA; also ``EMG-REF``, TUH: a reference names no site) is the chin: a
    standard PSG's only unlabelled EMG derivation is the submental one (limb EMG is always
    labelled by limb).  Numbered ``EMG1``/``EMG2``/
    ``EMG1-EMG2`` are EMG whose site the label does not say (chin in CHAT, three chin
    electrodes in the DREAMS subjects, arbitrary in others): role ``emg`` (EMG of unknown
    site), listed but not analysed until the user names the site (``--channels chin=EMG1``).
  - leg: ``Leg``, ``Leg/L``, ``LAT``/``RAT`` (left/right anterior tibialis), ``TibL``,
    ``Tib.Ant.L``, ``tibialis anterior``, ``Ant Tib R``, ``EMG Ant Tibial L`` (the adjective
    "tibial"), ``AntTibL``, ``LLEG1`` (CHAT), ``PLM l`` (SOMNOmedics), gastrocnemius,
    quadriceps, ``biceps femoris``, ``rectus femoris``, ``extensor digitorum brevis`` (``Ext dig brev``),
    and the SENIAM abbreviations of gait and BIDS EMG datasets ``VL``/``VM`` (vastus lateralis/medialis),
    ``GM`` (gastrocnemius medialis), ``Sol``.
  - arm: ``Arm``, ``FDS`` (flexor digitorum superficialis, SINBAR montage, Frauscher et al.
    Sleep 2012), ``EDC``, extensor, flexor, deltoid, biceps, triceps, ``FDI``, ``APB``, ``ADM``.
  - axial: paraspinal/paravertebral, erector spinae, rectus abdominis (``RectAbd``), obliques,
    intercostal, ``SCM`` (sternocleidomastoid: neck muscle of the propriospinal/brainstem
    myoclonus propagation montages, Vetrugno et al. Sleep 2001), trapezius, neck, diaphragm.
    Respiratory effort belts ``Abd``/``ABD``/``Abdo``/``Abdomen``/``Abdominal`` (CHAT, SHHS
    ``ABDO RES``, MESA, MrOS, Embla) and ``Thor`` are **not** EMG: ``other`` unless the label
    also says ``EMG`` (``EMG Abd``).
* **EEG**: a token ``EEG`` (``EEG(sec)``, ``EEG1``) or a 10-20/10-10 electrode name as first
  token (``C3-M2``, ``Fpz-Cz``, ``O2:M1``, ``C3``, and ``C3A2`` with its ear/mastoid reference
  written on, as UCDDB and older Embla exports do); side from the electrode number (odd left,
  even right, ``z`` midline).
* Everything else (``Resp oro-nasal``, ``Temp rectal``, ``Event marker``, ``SpO2``, ``Flow``,
  ``Thor``, ``Snore``, ``Pleth``, ``Pulse``, empty labels): ``other``.

"EMG" written onto a muscle's name (``EMGchin``, ``EMGLAT``, ``LegEMG``) is read as the muscle, and a
leading ``PSG`` (the recording system's prefix: ``PSG_EMG``, ``PSG_C3``) as nothing.

Side comes from tokens ``L``/``R``/``left``/``right``/``Lt``/``Rt`` (and German ``links``/``rechts``,
French ``G``/``D``, Italian ``sx``/``dx`` and ``s``/``d``, Latin ``sin``/``dex``, Spanish
``izq``/``der``, Portuguese ``esq``/``dir``), from an ``l``/``r`` glued to a muscle name (``LLEG``,
``TibL``, ``RAT``), or, for EOG/EEG, from the electrode.

**Roles are decided from the whole montage** (:func:`infer_roles`), because a label alone can
mean different things in different montages:

* **Electrode caps that are not 10-20**: the BioSemi ABC layout names its electrodes by bank
  letter and number (``A1``..``A32``, ``B1``..``B32``, ... up to ``H32`` for 256 channels); EGI
  geodesic nets number them ``E1``..``E256``.  There ``A1`` is not the left ear, ``C3`` not the
  10-20 C3 and ``E1``/``E2`` not the AASM EOG electrodes.  A montage is such a cap when it holds
  32 or more bank-style names, or two or more that no 10-20/10-10/AASM montage uses (``B7``,
  ``D12``, ``A17``, ``C25``, ``E3`` and above); all its bank-style names are then EEG of unknown
  side (a 10-20 name means 10-20 only in a montage that looks like one).  BioSemi's external
  ``EXG1``..``EXG8`` inputs carry EOG, EMG or mastoid references at the lab's choice: ``other``
  (give their role with ``--channels``).
* **Nox chin derivations**: Nox recorders label the three chin EMG electrodes ``1``, ``2`` and
  ``F`` and write derivations such as ``1-2``, ``1-F``, ``2-F`` (AASM chin montage: one
  electrode above and two below the mandible, recorded as pairs).  A label made only of the
  electrode names 1, 2, 3, F and Z is a chin derivation in a montage that also holds EEG or EOG
  (a PSG) and no other numbered electrodes.
* **Side-only derivations** ``DX1-DX2``, ``SX1-SX2`` (Italian destra/sinistra): the CAP Sleep
  Database's bilateral anterior tibialis EMG.  In a PSG montage that names no leg otherwise they
  are the right and left leg, with a note to give ``--channels`` if not.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import NamedTuple

from ..vocab import Role, Side
from .units import motion_unit, unit_scale_to_uv

__all__ = ["infer_role", "infer_roles", "infer_side", "normalize_label", "RoleGuess", "Montage", "label_unit",
           "accelerometer_axis", "accelerometer_side", "not_an_axis"]

# Sides in the languages of European exports: German links/rechts (li/re), French gauche/droite (G/D),
# Italian sinistra/destra (sx/dx), Spanish izquierda/derecha (izq/der), Portuguese esquerda/direita
# (esq/dir), Dutch links/rechts.
# Latin sinister/dexter (``sin``/``dex``, anatomical labels) and the Italian initials ``s``/``d``
# (``tib.ant.s``), as French ``g``/``d``.
_LEFT = frozenset({"l", "left", "lt", "lft", "links", "li", "sin", "linkes", "linker", "linke", "gauche", "g",
                   "sx", "sinistra", "sinistro", "izq", "izquierda", "izquierdo", "esq", "esquerda", "esquerdo",
                   "sinister", "sinistr", "s"})
_RIGHT = frozenset({"r", "right", "rt", "rgt", "rechts", "re", "dx", "rechtes", "rechter", "rechte", "droite", "d",
                    "destra", "destro", "der", "derecha", "derecho", "dir", "direita", "direito",
                    "dex", "dext", "dexter", "dextra"})

_STATUS = frozenset({"off", "status", "impedance", "imp", "oxstatus", "oxstat", "stat"})

# Muscle keywords per role; a token matches as ``[l|r]? keyword [l|r]? digits?``.
_MUSCLE_KEYWORDS: tuple[tuple[Role, tuple[str, ...]], ...] = (
    (Role.CHIN, ("chin", "submental", "submentalis", "submentale", "subm", "subment", "sub", "ment", "mentalis",
                 "mental", "men", "menton", "mento", "mentoniero", "mentoniano", "queixo", "barbilla", "kin",
                 "kinn", "mylohyoid", "milo", "miloioideo", "digastric", "genioglossus", "masseter", "massetere",
                 "masetero", "temporalis")),
    (Role.LEG, ("leg", "legs", "tib", "tibial", "tibialis", "tibant", "anttib", "ta", "plm", "gastrocnemius",
                "gastroc", "gastro", "soleus", "quadriceps", "quad", "vastus", "hamstring", "hamstrings",
                "bein", "beine", "jambe", "jambier", "jambes", "gamba", "gambe", "tibiale", "pierna", "piernas",
                "perna", "pernas", "been", "benen", "lm", "gastrocnemio", "quadricipite", "cuadriceps",
                "peroneus", "edb", "ehl", "vl", "vm", "gm", "sol", "semitendinosus")),
    (Role.ARM, ("arm", "arms", "fds", "fdp", "edc", "ecr", "ecu", "fcr", "fcu", "fdi", "apb", "adm", "deltoid",
                "deltoideus", "delt", "biceps", "triceps", "extensor", "flexor", "forearm", "wrist", "hand",
                "brachioradialis", "brachii", "arme", "bras", "braccio", "brazo", "braco", "unterarm",
                "deltoide", "bicipite", "tricipite", "estensore", "flessore", "extenseur", "flechisseur")),
    (Role.AXIAL, ("paraspinal", "paraspinals", "paravertebral", "erector", "rectabd", "abdominis", "oblique",
                  "obliquus", "intercostal", "intercostals", "scm", "sternocleidomastoid", "trapezius", "trap",
                  "neck", "diaphragm", "splenius", "multifidus", "lumbar", "paravertebrale", "paraspinale",
                  "intercostale", "sternocleidomastoideo", "trapezio", "sternocleido", "sternocleidomast")),
)
# Multi-token phrases tried before the single keywords (which would mis-assign them).
_PHRASES: tuple[tuple[Role, re.Pattern[str]], ...] = (
    (Role.LEG, re.compile(r"\b(biceps|rectus) fem(oris)?\b|\b(ext|extensor) (dig(itorum)? brev(is)?|hall(ucis)?)\b"
                          r"|\btibialis anterior\b|\bant(erior)? tib(ial|ialis)?\b|\btib(ial|ialis)? ant(erior)?\b")),
    (Role.ARM, re.compile(r"\b(flex|flexor|ext|extensor) dig(itorum)?\b|\b(ext|extensor) carpi\b")),
    (Role.AXIAL, re.compile(r"\brect(us)? abd(ominis|omen)?\b|\berector spinae\b")),
)
_BELT = frozenset({"abd", "abdo", "abdomen", "abdominal", "abdm"})
# "luc"/"rlc": the left upper and right lower (outer) canthus, where the AASM's alternative EOG
# derivations place their electrodes
_EOG_TOKENS = re.compile(r"^(eog\d*[lrhv]?|[hvlr]eog\d*|loc|roc|[lr][ul]c|e[12]|eye\d*|lefteye|righteye)$")
_ECG_TOKENS = re.compile(r"^(ecg|ekg)\d*[lr]?$")
_ACC_TOKENS = re.compile(r"^(acc|accel|accelerometer|acceleration|accelero|acc\d)[xyz]?\d*$|^act[xyz]$")
_AXES = frozenset({"x", "y", "z"})
_EEG_TOKEN = re.compile(r"^eeg\d*$")
_EMG_GLUED_SIDE = re.compile(r"([lr])emg\d*|emg\d*([lr])")
# 10-20 / 10-10 electrode names, and the mastoid/ear references (Jasper 1958; ACNS 2006 guideline).
_ELECTRODE = re.compile(r"^(fp|af|f|fc|ft|c|cp|t|tp|p|po|o|a|m)(z|\d{1,2})$")
# An electrode and its ear/mastoid reference written without a separator (``C3A2``, ``O1M2``: UCDDB,
# older Embla and Nihon Kohden exports).
_ELECTRODE_REF = re.compile(r"^(fp|af|f|fc|ft|c|cp|t|tp|p|po|o)(z|\d{1,2})[am][12]$")
# Tokens that name a reference, not a site: ``EMG-REF`` is the EMG, as ``EMG`` is (``LE``: linked
# ears, as TUH's clinical EEG writes ``EEG FP1-LE``).
_REFERENCE = frozenset({"ref", "reference", "avg", "average", "le"})


def normalize_label(label: str) -> list[str]:
    """Tokens of a label: ASCII-folded, lower case, split on anything but letters and digits."""
    text = unicodedata.normalize("NFKD", label or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.encode("ascii", "ignore").decode("ascii").lower()
    return re.findall(r"[a-z0-9]+", text)


def _side_token(tokens: list[str]) -> Side | None:
    for tok in tokens:
        if tok in _LEFT:
            return Side.LEFT
        if tok in _RIGHT:
            return Side.RIGHT
    return None


# The central chin electrode of a three-electrode chin montage, glued to the name: CHAT "Cchin",
# "Zchin", "ChinZ" (AASM Manual: one electrode at the midline above the mandible, two below it).
_CENTRAL_CHIN = re.compile(r"^[cz]chin\d*$|^chinz\d*$")


def _match_muscle(token: str) -> tuple[Role, Side | None] | None:
    if _CENTRAL_CHIN.match(token):
        return Role.CHIN, None
    # "EMG" written onto the muscle's name: "EMGchin", "EMGLAT", "LegEMG"
    stripped = re.sub(r"^emg(?=[a-z])|(?<=[a-z])emg$", "", token)
    if stripped != token and stripped:
        return _match_muscle(stripped)
    # "lat"/"rat" are the left/right anterior tibialis (AASM/Compumedics montages).
    m = re.fullmatch(r"([lr])at\d*", token)
    if m:
        return Role.LEG, Side.LEFT if m.group(1) == "l" else Side.RIGHT
    for role, keywords in _MUSCLE_KEYWORDS:
        for kw in keywords:
            m = re.fullmatch(rf"([lr])?{kw}([lr])?\d*", token)
            if m:
                glued = m.group(1) or m.group(2)
                side = None if glued is None else (Side.LEFT if glued == "l" else Side.RIGHT)
                return role, side
    return None


def _electrode_side(token: str) -> Side | None:
    m = _ELECTRODE_REF.match(token)
    digits = re.sub(r"\D", "", m.group(2) if m else token)
    if not digits:
        return None
    return Side.LEFT if int(digits) % 2 else Side.RIGHT


# ------------------------------------------------------------------ motion sensors
# A unit written into the label in brackets (``acc x [g]``, ``Chin (uV)``): exporters that leave the
# physical-dimension field empty (or readers that drop it) put it there.
_LABEL_UNIT = re.compile(r"^(.*?)[\s_]*[\[(]([^\[\]()]{1,12})[\])]\s*$")


def label_unit(label: str) -> str | None:
    """The unit written in brackets at the end of a label (``'acc x [g]'`` -> ``'g'``), or None.

    Only a voltage (``uV``, ``mV``...) or an acceleration (``g``, ``mg``, ``m/s^2``...) counts: a
    bracket holding anything else (``EOG(L)``, ``EEG(sec)``) is part of the name.
    """
    m = _LABEL_UNIT.match(label or "")
    if m is None or not m.group(1).strip():
        return None
    unit = m.group(2).strip()
    return unit if unit_scale_to_uv(unit) is not None or motion_unit(unit).is_acceleration else None


def _drop_label_unit(label: str) -> str:
    m = _LABEL_UNIT.match(label or "")
    return m.group(1) if m is not None and label_unit(label) is not None else label


# Sides of a motion sensor.  The one-letter French and Italian initials are not read on a motion
# sensor's label: ``g`` is its unit (``Acc X g``), ``s`` a second (``m s-2``), and ``d``/``dx`` are
# written for a derivative or an axis (ZMax ``dX``, ``dY``, ``dZ``).
_MOTION_LEFT = _LEFT - {"g", "s"}
_MOTION_RIGHT = _RIGHT - {"d"}
# Body sites a wearable is worn on, with the side written onto them: "LWrist", "RightAnkle", "WristL".
_SITES = ("wrist", "ankle", "arm", "forearm", "upperarm", "leg", "hand", "foot", "thigh", "shank", "shin", "hip",
          "finger", "toe", "knee", "elbow", "shoulder")
_GLUED_SITE = re.compile(rf"^(l|r|lt|rt|left|right)?(?:{'|'.join(_SITES)})(l|r|lt|rt|left|right)?\d*$")
_ACC_WORD = r"(?:acc|accel|accelerometer|acceleration|accelero|act|d)"
_GLUED_AXIS = re.compile(rf"^{_ACC_WORD}([xyz])$|^([xyz])axis$")
_NUMBERED_AXIS = re.compile(rf"^({_ACC_WORD})(\d)$")


def _axis_and_side(tokens: list[str]) -> tuple[str, str | None, Side | None]:
    """(sensor stem, axis, side) of a motion channel's tokens (unit suffix already dropped).

    The axis is an ``x``/``y``/``z`` token (``Acc X``, ``X-axis``), one glued to the sensor's word
    (``AccX``, ``dX``, ``Xaxis``), or else a trailing number (``Accel Channel 0``, ``ACC1``); the stem is
    the label without it, so that the axes of one sensor share a stem and two sensors (two wrists)
    do not.  The side is read from the stem only (an axis ``dX`` is not Italian *destra*).
    """
    toks = list(tokens)
    axis: str | None = None
    exact = [i for i, t in enumerate(toks) if t in _AXES]
    if exact:
        axis = toks.pop(exact[-1])
    else:
        for i in range(len(toks) - 1, -1, -1):
            m = _GLUED_AXIS.match(toks[i])
            if m:
                axis = m.group(1) or m.group(2)
                toks[i] = toks[i][: -1] if m.group(1) else "axis"
                break
        else:
            if len(toks) > 1 and toks[-1].isdigit():
                axis = toks.pop()
            elif toks and (m := _NUMBERED_AXIS.match(toks[-1])):
                axis, toks[-1] = m.group(2), m.group(1)
    side: Side | None = None
    for tok in toks:
        if tok in _MOTION_LEFT or tok in _MOTION_RIGHT:
            side = Side.LEFT if tok in _MOTION_LEFT else Side.RIGHT
            break
        m = _GLUED_SITE.match(tok)
        glued = (m.group(1) or m.group(2)) if m else None
        if glued:
            side = Side.LEFT if glued[0] == "l" else Side.RIGHT
            break
    return " ".join(toks), axis, side


def accelerometer_axis(label: str) -> tuple[str, str | None]:
    """(sensor, axis) of an accelerometer channel: the axes of one sensor share ``sensor``.

    ``'L wrist Acc X'`` -> ``('l wrist acc', 'x')``; ``'Accel Channel 0'`` -> ``('accel channel', '0')``;
    ``'dX'`` -> ``('d', 'x')``; a label that names no axis -> (its tokens, None).
    """
    stem, axis, _ = _axis_and_side(normalize_label(_drop_label_unit(label)))
    return stem, axis


def accelerometer_side(label: str) -> Side | None:
    """Side of a motion sensor from its label: ``L``/``R``/``left``/``right``/``links``/``rechts``... as a
    word, or written onto the body site (``LWrist``, ``AnkleR``); None when the label says neither."""
    return _axis_and_side(normalize_label(_drop_label_unit(label)))[2]


# Channels of motion sensors that are not axes of an accelerometer.  Their units can be g
# (ENMO, a vector magnitude) or a unit read as g (``G``, gauss, on a magnetometer): the label decides.
_GYRO = re.compile(r"^(gyro|gyros|gyroscope|gyr|angvel)([xyz]|\d)?$")
_MAGNETOMETER = re.compile(r"^(magnetometer|magnetic|compass|magneto)([xyz]|\d)?$")
_MAG = re.compile(r"^(mag|magn)([xyz])?$")
_ENMO = re.compile(r"^(enmo|lfenmo|hfenmo|enmoa)$")
_MAGNITUDE = frozenset({"vecmag", "vectormagnitude", "vmag", "svm", "smv", "magnitude", "vmu"})


def not_an_axis(label: str, unit: str | None = None) -> str | None:
    """What a motion channel that is not an accelerometer axis is, from its label; None for anything else.

    ENMO (Euclidean norm minus one: the length of the acceleration vector less 1 g, negative values
    set to 0; van Hees et al. PLoS One 2013), a vector magnitude (``VM``, ``vector magnitude``, ``SVM``:
    the length of the vector, ActiGraph), a magnetometer (``Mag X``, ``magnetometer``, ``compass``: the
    earth's field, in gauss or tesla) and a gyroscope (``Gyro X``: angular velocity) are derived from, or
    measured beside, the axes: read as an axis they count each movement twice or are no acceleration.
    ``VM`` is also SENIAM's vastus medialis: it is a vector magnitude only when ``unit`` is given and is
    not a voltage.
    """
    tokens = normalize_label(_drop_label_unit(label))
    joined = " ".join(tokens)
    has_axis = any(t in _AXES for t in tokens)
    if any(_GYRO.match(t) for t in tokens) or "angular velocity" in joined:
        return "gyroscope (angular velocity)"
    if any(_MAGNETOMETER.match(t) for t in tokens) or any(
            (m := _MAG.match(t)) and (m.group(2) or has_axis) for t in tokens) or (
            unit is not None and motion_unit(unit).kind == "magnetic field"
            and any(_MAG.match(t) for t in tokens)):
        return "magnetometer (the earth's magnetic field)"
    if any(_ENMO.match(t) for t in tokens):
        return "ENMO (Euclidean norm of the axes minus 1 g, a magnitude derived from them: van Hees et al. 2013)"
    vm_unit = unit is not None and unit_scale_to_uv(unit) is None and norm_is_given(unit)
    if (_MAGNITUDE & set(tokens) or "vector magnitude" in joined or any(_MAG.match(t) for t in tokens)
            or ("vm" in tokens and vm_unit)):
        return "vector magnitude (the length of the acceleration vector, derived from the axes)"
    return None


def norm_is_given(unit: str) -> bool:
    """True when a physical dimension says something (not empty, ``n/a``, ``-``)."""
    from .units import EMPTY_UNITS, norm_unit

    return norm_unit(unit) not in EMPTY_UNITS


#: What the note of a channel :func:`not_an_axis` recognises says after what it is.
NOT_AN_AXIS_NOTE = "not an accelerometer axis, not used (jerks are read on the raw axes)"


def infer_role(label: str) -> tuple[Role, Side | None]:
    """Role and side of a channel from its label.

    Parameters
    ----------
    label : str
        Channel label as in the file (any case, punctuation, reference, non-ASCII).

    Returns
    -------
    role : Role
        ``chin``, ``leg``, ``arm``, ``axial``, ``emg`` (site unknown), ``eeg``, ``eog``, ``ecg``,
        ``accelerometer`` or ``other``.  One label alone; :func:`infer_roles` decides from the
        whole montage and is what readers use.
    side : Side | None
        Left or right when the label says so, else None.
    """
    tokens = normalize_label(_drop_label_unit(label))
    if len(tokens) > 1 and tokens[0] == "psg":  # the recording system's prefix (PSG_EMG, PSG_C3) names no sensor
        tokens = tokens[1:]
    if len(tokens) > 1 and tokens[0] == "eeg" and any(re.fullmatch(r"emg\d*", t) for t in tokens[1:]):
        # "EEG EMG-REF": the EDF+ signal-type prefix an exporter gives every input (Nihon Kohden, TUH);
        # the sensor named after it is the channel
        tokens = tokens[1:]
    if not tokens:
        return Role.OTHER, None
    side = _side_token(tokens)
    if _STATUS & set(tokens):
        return Role.OTHER, None
    joined = " ".join(tokens)
    has_emg = any(re.fullmatch(r"emg\d*", t) for t in tokens)

    # EOG (before EEG: EOG derivations are referred to EEG references such as M2).
    eog = [tok for tok in tokens if _EOG_TOKENS.match(tok)]
    if eog:
        for tok in eog:
            if side is not None:
                break
            if (tok in ("loc", "luc", "llc", "e1", "lefteye") or (tok.startswith("eog") and tok.endswith("l"))
                    or re.fullmatch(r"leog\d*", tok)):
                side = Side.LEFT
            elif (tok in ("roc", "ruc", "rlc", "e2", "righteye") or (tok.startswith("eog") and tok.endswith("r"))
                  or re.fullmatch(r"reog\d*", tok)):
                side = Side.RIGHT
        return Role.EOG, side
    if any(_ECG_TOKENS.match(t) for t in tokens):
        return Role.ECG, None
    for i, tok in enumerate(tokens):
        if _ACC_TOKENS.match(tok) or (tok == "act" and i + 1 < len(tokens) and tokens[i + 1] in _AXES):
            return Role.ACCELEROMETER, _axis_and_side(tokens)[2]

    for role, pattern in _PHRASES:
        if pattern.search(joined):
            return role, side
    hits = [h for h in (_match_muscle(tok) for tok in tokens) if h is not None]
    if hits:
        role = hits[0][0]
        if side is None and role in (Role.LEG, Role.ARM, Role.CHIN):
            # a limb electrode numbered on its side: "Leg L1-Leg L2" (not on the trunk, where L1 is a vertebra)
            numbered = {t[0] for t in tokens if re.fullmatch(r"[lr]\d", t)}
            side = (Side.LEFT if numbered == {"l"} else Side.RIGHT) if len(numbered) == 1 else None
        # a side glued to the muscle names; both sides (``LAT-RAT``: one derivation across both legs)
        # give none
        glued = {g for r, g in hits if r == role and g is not None}
        if role is Role.CHIN and any(_CENTRAL_CHIN.match(t) for t in tokens):
            glued = set()  # a derivation from the midline chin electrode ("Cchin-Lchin") is of no one side
        return role, side if side is not None else (glued.pop() if len(glued) == 1 else None)
    if has_emg and _BELT & set(tokens):
        return Role.AXIAL, side

    if any(_EEG_TOKEN.match(t) for t in tokens):
        first = next((t for t in tokens if _ELECTRODE.match(t) or _ELECTRODE_REF.match(t)), None)
        return Role.EEG, side if side is not None or first is None else _electrode_side(first)
    first = tokens[1] if tokens[0] in ("emg", "eeg") and len(tokens) > 1 else tokens[0]
    if _ELECTRODE.match(first) or _ELECTRODE_REF.match(first):
        return Role.EEG, side if side is not None else _electrode_side(first)

    if [t for t in tokens if t not in _REFERENCE] == ["emg"]:
        return Role.CHIN, None
    sided = [m for m in (_EMG_GLUED_SIDE.fullmatch(t) for t in tokens) if m]
    if sided and len(sided) == len([t for t in tokens if t not in _REFERENCE and not t.isdigit()]):
        # "EMGL", "REMG", "EMG1R-EMG2R": EMG whose side is written onto it but whose site is not
        sides = {Side.LEFT if "l" in (m.group(1) or m.group(2)) else Side.RIGHT for m in sided}
        return Role.EMG, side if side is not None else (sides.pop() if len(sides) == 1 else None)
    if has_emg and all(re.fullmatch(r"emg\d*", t) or t.isdigit() or t in _LEFT or t in _RIGHT or t in _REFERENCE
                       for t in tokens):
        # EMG1, EMG2, EMG1-EMG2, "EMG 3 left": EMG whose site the label does not name.
        return Role.EMG, side
    return Role.OTHER, None


def infer_side(label: str) -> Side | None:
    """Side from a label whatever its role (used when the role is given by the user)."""
    _, side = infer_role(label)
    if side is not None:
        return side
    tokens = normalize_label(label)
    side = _side_token(tokens)
    if side is None:
        for tok in tokens:
            hit = _match_muscle(tok)
            if hit is not None and hit[1] is not None:
                return hit[1]
    return side


# ------------------------------------------------------------------------------- montages
class RoleGuess(NamedTuple):
    """Role of one channel of a montage, its side, and why (None for the plain label rules)."""

    role: Role
    side: Side | None
    note: str | None = None


class Montage(NamedTuple):
    """Roles of every channel of a montage and what the montage as a whole was recognised as."""

    guesses: list[RoleGuess]
    notes: list[str]


# BioSemi ABC layout (bank letter A-H, electrode 1-32) and EGI geodesic nets (E1..E256).
_BANK = re.compile(r"^([a-h])(\d{1,2})$")
_EGI = re.compile(r"^e(\d{1,3})$")
_EXG = re.compile(r"^exg\d+$")
#: What an ``EXG`` channel is: an external input of a BioSemi amplifier, which records every input
#: against its CMS electrode (BioSemi ActiveTwo), so one input alone carries the common mode.
EXG_NOTE = ("external input of a BioSemi amplifier, recorded against CMS: its role (EOG, EMG or reference) is "
            "the lab's; give an EMG as the derivation of its two electrodes (--channels leg-left=EXG3-EXG4)")
#: Fewest bank-style names that make a cap on their own (no 10-20/10-10 montage holds 32 names of
#: a letter A-H and a number: F1-F10, C1-C6 and A1/A2 are 18 at most).
CAP_MIN_ELECTRODES = 32
# Chin electrode names of Nox recorders (1, 2 below the mandible, F above it); Z: midline.
_NOX_CHIN = frozenset({"1", "2", "3", "f", "z"})


def _single_token(label: str) -> str | None:
    tokens = normalize_label(label)
    return tokens[0] if len(tokens) == 1 else None


def _bank_name(token: str | None) -> bool:
    m = _BANK.match(token or "")
    return m is not None and 1 <= int(m.group(2)) <= 32


def _impossible_in_10_20(token: str) -> bool:
    """A bank-style or E-numbered name that no 10-20, 10-10 or AASM PSG montage uses."""
    m = _BANK.match(token)
    if m:
        letter, n = m.group(1), int(m.group(2))
        if letter in "bdgh":
            return True
        # 10-10 / AASM use A1-A2, C1-C6, E1-E2 (EOG), F1-F10 only.
        return n > {"a": 2, "c": 6, "e": 2, "f": 10}[letter]
    e = _EGI.match(token)
    return e is not None and int(e.group(1)) > 2


def infer_roles(labels: Sequence[str]) -> Montage:
    """Roles and sides of every channel, decided from the whole montage.

    Parameters
    ----------
    labels : sequence of str
        Every data channel's label as in the file, in file order.

    Returns
    -------
    Montage
        ``guesses``: one :class:`RoleGuess` per label (same order); ``notes``: one line per
        montage-level decision (a BioSemi/EGI cap, Nox chin derivations), for the recording's
        warnings.  See the module docstring for the rules.
    """
    guesses = [RoleGuess(*infer_role(label)) for label in labels]
    for i, label in enumerate(labels):
        what = not_an_axis(label) if guesses[i].role in (Role.ACCELEROMETER, Role.OTHER) else None
        if what:  # ENMO, a vector magnitude, a magnetometer, a gyroscope: never an axis, whatever the unit
            guesses[i] = RoleGuess(Role.OTHER, None, f"{what}: {NOT_AN_AXIS_NOTE}")
    notes: list[str] = []
    singles = [_single_token(label) for label in labels]

    # Electrode caps numbered like an EGI net (E1..E256) or named in the BioSemi ABC layout
    # (A1..H32); the EGI test comes first, its E-names are not a bank of an ABC cap.
    egi = [i for i, t in enumerate(singles) if t is not None and _EGI.match(t)]
    taken: set[int] = set()
    for kind, idx in (("EGI net", egi), ("BioSemi ABC cap", None)):
        if idx is None:
            idx = [i for i, t in enumerate(singles) if i not in taken and _bank_name(t)]
        impossible = sum(_impossible_in_10_20(t) for t in (singles[i] for i in idx) if t is not None)
        if len(idx) >= CAP_MIN_ELECTRODES or impossible >= 2:
            taken.update(idx)
            for i in idx:
                guesses[i] = RoleGuess(Role.EEG, None)  # said once, in the montage note
            names = [labels[i] for i in idx]
            article = "an" if kind[0] in "AEIOU" else "a"
            notes.append(f"montage: {len(idx)} electrodes named as in {article} {kind} ({names[0]}..{names[-1]}): "
                         "all read as EEG of unknown side; names such as A1, C3, E1, E2 are cap positions "
                         "here, not 10-20 sites or EOG")

    # BioSemi's external inputs, with or without a cap: each recorded against CMS, like every input
    for i, t in enumerate(singles):
        if t is not None and _EXG.match(t) and guesses[i].role is Role.OTHER:
            guesses[i] = RoleGuess(Role.OTHER, None, EXG_NOTE)

    # Nox chin derivations "1-2", "1-F", "2-F" in a PSG montage without other numbered electrodes.
    token_sets = [normalize_label(label) for label in labels]
    chin = [i for i, toks in enumerate(token_sets)
            if len(toks) >= 2 and set(toks) <= _NOX_CHIN and guesses[i].role is Role.OTHER]
    numbered = [i for i, toks in enumerate(token_sets)
                if i not in chin and toks and all(t.isdigit() for t in toks)]
    psg = any(g.role in (Role.EEG, Role.EOG) for g in guesses)
    if chin and psg and not numbered:
        for i in chin:
            guesses[i] = RoleGuess(Role.CHIN, None, "Nox chin EMG derivation (chin electrodes 1, 2 and F)")
        notes.append("montage: " + ", ".join(repr(labels[i]) for i in chin) + " read as Nox chin EMG "
                     "derivations (electrodes 1, 2 below and F above the mandible)")
    # Side-only bipolar derivations "DX1-DX2", "SX1-SX2" (Italian destra/sinistra): the CAP Sleep
    # Database's (Terzano et al., Sleep Med 2001; PhysioNet capslpdb) bilateral anterior tibialis
    # EMG - its montages hold no other limb channel.  Read as the legs in a PSG montage (EEG or EOG
    # present) that names no leg otherwise, with a note to give --channels if not.
    sided = {i: toks for i, toks in enumerate(token_sets) if guesses[i].role is Role.OTHER and len(toks) == 2
             and len({t.rstrip("0123456789") for t in toks}) == 1
             and {t.rstrip("0123456789") for t in toks} <= {"dx", "sx"} and all(t[2:].isdigit() for t in toks)}
    if sided and psg and not any(g.role is Role.LEG for g in guesses):
        for i, toks in sided.items():
            side = Side.RIGHT if toks[0].startswith("dx") else Side.LEFT
            guesses[i] = RoleGuess(Role.LEG, side, "side-only derivation read as the anterior tibialis (CAP Sleep "
                                   "Database montage); give its role with --channels if it is not")
        notes.append("montage: " + ", ".join(repr(labels[i]) for i in sided) + " read as the anterior tibialis EMG, "
                     "DX the right leg and SX the left (side-only derivations, as in the CAP Sleep Database)")
    return Montage(guesses, notes)

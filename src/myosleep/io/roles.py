"""Infer a channel's role (chin, leg, arm, axial, eeg, eog, ecg, accelerometer, other) and side from its label.

Table-driven.  A label is normalised (Unicode folded to ASCII, lower case, punctuation and spaces
turned into token boundaries: ``"Tib.Ant.L"`` -> ``tib ant l``), then the rules below are tried
in order; the first that matches gives the role.  Labels come from many labs; the variants
covered and the reasoning:

* **Lead-off / status channels** (MESA ``EKG_Off``, ``EEG1_Off``; ``OxStatus``; impedance
  channels) are flags, not signals: ``other``.
* **EOG** before EEG, because EOG derivations use EEG references (``E1-M2``): ``EOG``,
  ``LOC``/``ROC`` (left/right outer canthus), ``E1``/``E2`` (AASM Manual: E1 below the left, E2
  above the right outer canthus), ``HEOG``/``VEOG``, ``EOG(L)`` (SHHS), ``EOG-L`` (MESA).
* **ECG**: ``ECG``, ``EKG``, numbered leads (``ECG1-ECG2``, CHAT ``ECG3``), ``ECG II``.
* **Accelerometer** axes: ``Acc X``, ``ACC_Y``, ``Accel z``, ``accelerometer-x``, ``ActX``.
  ``Position`` (body-position sensor, categorical) and actigraphy ``Activity`` counts are not raw
  axes: ``other``.
* **Muscles** by name, in Latin, English, abbreviations and common German (``Kinn``):

  - chin: ``Chin`` (and ``Chin1``..``Chin3``, CHAT), ``submental``, ``mentalis``, ``SUBM``, MrOS
    ``L Chin``/``R Chin``, and **masseter/temporalis**: the role vocabulary has no separate
    cranial role; masseter, like the submental mylohyoid and anterior digastric, is innervated
    by the trigeminal nerve, and the AASM Manual records it for bruxism.  Such a channel gets a
    warning (see :mod:`myosleep.io.recording`) because bruxism mimics phasic chin activity.
    A bare ``EMG`` (SHHS, MESA) is the chin: a standard PSG's only unlabelled EMG derivation is
    the submental one (limb EMG is always labelled by limb).  Numbered ``EMG1``/``EMG2`` are
    ambiguous (chin in CHAT, arbitrary in others): ``other``; use the channel override.
  - leg: ``Leg``, ``Leg/L``, ``LAT``/``RAT`` (left/right anterior tibialis), ``TibL``,
    ``Tib.Ant.L``, ``tibialis anterior``, ``LLEG1`` (CHAT), ``PLM l`` (SOMNOmedics), gastrocnemius,
    quadriceps, ``biceps femoris``, ``rectus femoris``, ``extensor digitorum brevis``.
  - arm: ``Arm``, ``FDS`` (flexor digitorum superficialis, SINBAR montage, Frauscher et al.
    Sleep 2012), ``EDC``, extensor, flexor, deltoid, biceps, triceps, ``FDI``, ``APB``, ``ADM``.
  - axial: paraspinal/paravertebral, erector spinae, rectus abdominis (``RectAbd``), obliques,
    intercostal, ``SCM`` (sternocleidomastoid: neck muscle of the propriospinal/brainstem
    myoclonus propagation montages, Vetrugno et al. Sleep 2001), trapezius, neck, diaphragm.
    Respiratory effort belts ``Abd``/``ABD``/``Abdo``/``Abdomen``/``Abdominal`` (CHAT, SHHS
    ``ABDO RES``, MESA, MrOS, Embla) and ``Thor`` are **not** EMG: ``other`` unless the label
    also says ``EMG`` (``EMG Abd``).
* **EEG**: a token ``EEG`` (``EEG(sec)``, ``EEG1``) or a 10-20/10-10 electrode name as first
  token (``C3-M2``, ``Fpz-Cz``, ``O2:M1``, ``C3``); side from the electrode number (odd left,
  even right, ``z`` midline).
* Everything else (``Resp oro-nasal``, ``Temp rectal``, ``Event marker``, ``SpO2``, ``Flow``,
  ``Thor``, ``Snore``, ``Pleth``, ``Pulse``, empty labels): ``other``.

Side comes from tokens ``L``/``R``/``left``/``right``/``Lt``/``Rt`` (and German
``links``/``rechts``), from an ``l``/``r`` glued to a muscle name (``LLEG``, ``TibL``, ``RAT``),
or, for EOG/EEG, from the electrode.
"""

from __future__ import annotations

import re
import unicodedata

from ..vocab import Role, Side

__all__ = ["infer_role", "infer_side", "normalize_label"]

_LEFT = frozenset({"l", "left", "lt", "lft", "links", "li", "sin", "linkes", "linker", "linke", "gauche"})
_RIGHT = frozenset({"r", "right", "rt", "rgt", "rechts", "re", "dx", "rechtes", "rechter", "rechte", "droite"})

_STATUS = frozenset({"off", "status", "impedance", "imp", "oxstatus", "oxstat", "stat"})

# Muscle keywords per role; a token matches as ``[l|r]? keyword [l|r]? digits?``.
_MUSCLE_KEYWORDS: tuple[tuple[Role, tuple[str, ...]], ...] = (
    (Role.CHIN, ("chin", "submental", "submentalis", "submentale", "subm", "subment", "ment", "mentalis", "mental",
                 "menton",
                 "kinn", "mylohyoid", "digastric", "genioglossus", "masseter", "temporalis")),
    (Role.LEG, ("leg", "legs", "tib", "tibialis", "tibant", "ta", "plm", "gastrocnemius", "gastroc", "gastro",
                "soleus", "quadriceps", "quad", "vastus", "hamstring", "hamstrings", "bein", "beine", "jambe", "lm",
                "peroneus", "edb", "ehl")),
    (Role.ARM, ("arm", "arms", "fds", "fdp", "edc", "ecr", "ecu", "fcr", "fcu", "fdi", "apb", "adm", "deltoid",
                "deltoideus", "delt", "biceps", "triceps", "extensor", "flexor", "forearm", "wrist", "hand",
                "brachioradialis", "brachii", "arme")),
    (Role.AXIAL, ("paraspinal", "paraspinals", "paravertebral", "erector", "rectabd", "abdominis", "oblique",
                  "obliquus", "intercostal", "intercostals", "scm", "sternocleidomastoid", "trapezius", "trap",
                  "neck", "diaphragm", "splenius", "multifidus", "lumbar")),
)
# Multi-token phrases tried before the single keywords (which would mis-assign them).
_PHRASES: tuple[tuple[Role, re.Pattern[str]], ...] = (
    (Role.LEG, re.compile(r"\b(biceps|rectus) femoris\b|\bextensor (digitorum brevis|hallucis)\b"
                          r"|\btibialis anterior\b|\bant(erior)? tib(ialis)?\b|\btib(ialis)? ant(erior)?\b")),
    (Role.ARM, re.compile(r"\bflexor digitorum\b|\bextensor digitorum\b|\bextensor carpi\b")),
    (Role.AXIAL, re.compile(r"\brect(us)? abd(ominis|omen)?\b|\berector spinae\b")),
)
_BELT = frozenset({"abd", "abdo", "abdomen", "abdominal", "abdm"})
_EOG_TOKENS = re.compile(r"^(eog\d*[lrhv]?|[hv]eog|loc|roc|e[12]|eye\d*|lefteye|righteye)$")
_ECG_TOKENS = re.compile(r"^(ecg|ekg)\d*[lr]?$")
_ACC_TOKENS = re.compile(r"^(acc|accel|accelerometer|acceleration|accelero|acc\d)[xyz]?\d*$|^act[xyz]$")
_AXES = frozenset({"x", "y", "z"})
_EEG_TOKEN = re.compile(r"^eeg\d*$")
# 10-20 / 10-10 electrode names, and the mastoid/ear references (Jasper 1958; ACNS 2006 guideline).
_ELECTRODE = re.compile(r"^(fp|af|f|fc|ft|c|cp|t|tp|p|po|o|a|m)(z|\d{1,2})$")


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


def _match_muscle(token: str) -> tuple[Role, Side | None] | None:
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
    digits = re.sub(r"\D", "", token)
    if not digits:
        return None
    return Side.LEFT if int(digits) % 2 else Side.RIGHT


def infer_role(label: str) -> tuple[Role, Side | None]:
    """Role and side of a channel from its label.

    Parameters
    ----------
    label : str
        Channel label as in the file (any case, punctuation, reference, non-ASCII).

    Returns
    -------
    role : Role
        ``chin``, ``leg``, ``arm``, ``axial``, ``eeg``, ``eog``, ``ecg``, ``accelerometer`` or ``other``.
    side : Side | None
        Left or right when the label says so, else None.
    """
    tokens = normalize_label(label)
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
            if tok in ("loc", "e1", "lefteye") or (tok.startswith("eog") and tok.endswith("l")):
                side = Side.LEFT
            elif tok in ("roc", "e2", "righteye") or (tok.startswith("eog") and tok.endswith("r")):
                side = Side.RIGHT
        return Role.EOG, side
    if any(_ECG_TOKENS.match(t) for t in tokens):
        return Role.ECG, None
    for i, tok in enumerate(tokens):
        if _ACC_TOKENS.match(tok) or (tok == "act" and i + 1 < len(tokens) and tokens[i + 1] in _AXES):
            return Role.ACCELEROMETER, None

    for role, pattern in _PHRASES:
        if pattern.search(joined):
            return role, side
    for tok in tokens:
        hit = _match_muscle(tok)
        if hit is not None:
            role, glued = hit
            return role, side if side is not None else glued
    if has_emg and _BELT & set(tokens):
        return Role.AXIAL, side

    if any(_EEG_TOKEN.match(t) for t in tokens):
        first = next((t for t in tokens if _ELECTRODE.match(t)), None)
        return Role.EEG, side if side is not None or first is None else _electrode_side(first)
    first = tokens[1] if tokens[0] in ("emg", "eeg") and len(tokens) > 1 else tokens[0]
    if _ELECTRODE.match(first):
        return Role.EEG, side if side is not None else _electrode_side(first)

    if tokens == ["emg"]:
        return Role.CHIN, None
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

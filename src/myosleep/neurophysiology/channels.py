"""EEG channels for back-averaging: which ones, their electrodes, which are central.

Labels come from many labs: ``C3-M2``, ``C3-A2``, ``EEG C3-A2``, ``C3:M2``, ``C3A2``,
``C3``, ``Cz``, ``EEG Fpz-Cz`` (Sleep-EDF), ``EEG(sec)`` (SHHS: C3-A2, with ``EEG`` =
C4-A1). The first electrode of a derivation is the active one, the second its reference.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ..io.roles import normalize_label
from ..vocab import Role

__all__ = ["Derivation", "parse_derivation", "central_polarity", "eeg_channels", "Reference", "recording_reference",
           "preferred_sites", "site_name"]

_ELECTRODE = r"(?:fp|af|fc|ft|cp|tp|po|f|c|t|p|o|a|m|i)(?:z|\d{1,2})"
_ELECTRODE_RE = re.compile(_ELECTRODE)

#: Electrodes over the vertex and the hand/foot motor areas: the Bereitschaftspotential is
#: largest at Cz (early BP) and over the central sites C1-C4, FCz, CPz (late BP;
#: Shibasaki & Hallett, Clin Neurophysiol 2006).
CENTRAL = frozenset({"cz", "c1", "c2", "c3", "c4", "fcz", "cpz", "fc1", "fc2", "cp1", "cp2"})
#: SHHS / NSRR naming: ``EEG(sec)`` is C3-A2 and ``EEG`` is C4-A1 (SHHS visit 1 and 2
#: montage, NSRR documentation); used only when both labels are present.
_SHHS = {"eeg sec": ("c3", "a2"), "eeg": ("c4", "a1")}


@dataclass(frozen=True)
class Derivation:
    """Electrodes of an EEG label.

    Parameters
    ----------
    label : str
        Channel label as in the file.
    active : str | None
        Active electrode in lower case (``"c3"``), None when the label names none.
    reference : str | None
        Reference electrode (``"m2"``), None for a common/unknown reference.
    """

    label: str
    active: str | None
    reference: str | None


def parse_derivation(label: str, *, shhs: bool = False) -> Derivation:
    """Active and reference electrodes from a label (``"EEG C3-A2"`` -> c3, a2)."""
    tokens = normalize_label(label)
    joined = " ".join(tokens)
    if shhs and joined in _SHHS:
        a, r = _SHHS[joined]
        return Derivation(label, a, r)
    found: list[str] = []
    for tok in tokens:
        if tok in ("eeg", "emg", "ref", "sec") or re.fullmatch(r"eeg\d+", tok):
            continue
        # glued derivations ("c3a2", "fpzcz") split into electrode names
        parts = re.fullmatch(rf"(?:{_ELECTRODE})+", tok)
        if parts:
            found += _ELECTRODE_RE.findall(tok)
    active = found[0] if found else None
    reference = found[1] if len(found) > 1 else None
    return Derivation(label, active, reference)


def central_polarity(d: Derivation) -> int:
    """+1 when the active electrode is central, -1 when only the reference is (e.g.
    ``Fpz-Cz``: a vertex negativity shows as a positivity), 0 otherwise."""
    if d.active in CENTRAL:
        return 1
    if d.reference in CENTRAL:
        return -1
    return 0


def eeg_channels(recording, labels: list[str] | None = None) -> list:
    """The EEG channels to analyse (``ChannelInfo``), readable ones only.

    ``labels`` picks channels by label (any role; the user knows best); default: every
    channel whose role is ``eeg``.
    """
    if labels:
        return [recording.channel(lab) for lab in labels]
    return [c for c in recording.channels if c.role == Role.EEG and c.readable and c.problem is None]


def is_shhs(recording_labels: list[str]) -> bool:
    """Both SHHS EEG labels present (``EEG`` and ``EEG(sec)``/``EEG sec``)."""
    norm = {" ".join(normalize_label(x)) for x in recording_labels}
    return "eeg" in norm and "eeg sec" in norm


#: Reference electrodes away from the cortex (ears, mastoids; ``A1A2`` linked ears parse as
#: ``a1``): a transient shows on the active electrode with its own polarity. Every other
#: common reference is a scalp electrode picking up the cortical field itself.
_INACTIVE_REFERENCES = frozenset({"a1", "a2", "m1", "m2"})
#: EGI Geodesic Sensor Nets number their sensors ``E1`` .. ``E256`` and record against the
#: vertex reference VREF, at Cz (Luu & Ferree, EGI Technical Note 2005: HydroCel GSN
#: positions and their 10-10 equivalents).
_EGI_LABEL = re.compile(r"e\d{1,3}")
#: Least scalp electrodes, over both hemispheres and both the front and the back of the
#: head, for the average reference: the ACNS's least montage covering the head has 8 scalp
#: electrodes (Fp1, Fp2, C3, C4, T3, T4, O1, O2; ACNS Guideline 3, J Clin Neurophysiol
#: 2006). The average of fewer, or of one region's, electrodes keeps the field of the sites
#: it lacks (Dien, Behav Res Methods Instrum Comput 1998; Nunez & Srinivasan, Electric
#: Fields of the Brain, 2nd ed. 2006, ch. 7).
MIN_AVERAGE_REFERENCE_SITES = 8


def site_name(electrode: str) -> str:
    """10-20 spelling of a lower-case electrode name (``"fp2"`` -> ``"Fp2"``, ``"fcz"`` -> ``"FCz"``)."""
    head = re.match(r"[a-z]+", electrode)
    letters = head.group(0) if head else ""
    rest = electrode[len(letters):]
    if letters.endswith("z"):
        letters, rest = letters[:-1], "z" + rest
    return (letters[:1].upper() + letters[1:] if letters in ("fp", "af") else letters.upper()) + rest


@dataclass(frozen=True)
class Reference:
    """The recording's common reference and, when it is a scalp electrode, the average reference.

    Attributes
    ----------
    name : str | None
        The common reference of every EEG channel (``"Cz"``; ``"M1"``), None when the channels
        do not share one (``F4-M1``, ``C3-M2``; bipolar chains; the average).
    active : bool
        The reference is a scalp electrode (not an ear or mastoid): the cortical field at it
        appears inverted on every channel (Nunez & Srinivasan 2006, ch. 7).
    sites : tuple of str
        With ``average``: the channels' active electrodes then the reference (the average
        reference's sites); else empty.
    average : bool
        The channels, with the reference, cover the head
        (:data:`MIN_AVERAGE_REFERENCE_SITES`): the reference-free view is the average
        reference (Dien 1998).
    """

    name: str | None
    active: bool
    sites: tuple[str, ...] = ()
    average: bool = False
    recorded: bool = False

    def rereference(self, avg: np.ndarray) -> np.ndarray:
        """``avg`` (..., channels) against the average of the channels and the reference
        (the reference is a channel of zeros, added last unless ``recorded``: an EGI export's
        own ``VREF`` channel): (..., len(sites))."""
        full = avg if self.recorded else np.concatenate([avg, np.zeros(avg.shape[:-1] + (1,))], axis=-1)
        return full - full.mean(axis=-1, keepdims=True)

    def describe(self) -> str:
        """The reference as the finding says it (empty when not an active scalp reference)."""
        if not self.active:
            return ""
        return f"recording reference {self.name}, a scalp electrode whose potential appears inverted on every channel"


def _covers_head(electrodes: set[str]) -> bool:
    odd = any(re.search(r"[13579]$", e) for e in electrodes)
    even = any(re.search(r"[02468]$", e) for e in electrodes)
    front = any(re.match(r"(fp|af|f)(z|\d)", e) for e in electrodes)
    back = any(re.match(r"(p|po|o)(z|\d)", e) for e in electrodes)
    return odd and even and front and back


def recording_reference(labels: list[str] | tuple[str, ...]) -> Reference:
    """The common reference of the EEG ``labels`` (every label ``X-Cz``; EGI ``E1`` .. ``En``:
    the vertex, Cz) and whether the average reference can stand for a reference-free view."""
    if not labels:
        return Reference(None, False)
    norm = [" ".join(t for t in normalize_label(x) if t != "eeg") for x in labels]
    sensors = [x for x in norm if _EGI_LABEL.fullmatch(x)]
    vref = [x for x in norm if x == "vref"]  # exports may keep the reference as a (flat) channel
    if sensors and len(sensors) + len(vref) == len(norm) and len(vref) <= 1:
        # an EGI net spans the head by design; its sensors' positions are in the net's layout, not the labels
        ok = len(sensors) >= MIN_AVERAGE_REFERENCE_SITES
        sites = tuple(labels) if vref else tuple(labels) + ("Cz",)
        return Reference("Cz", True, sites if ok else (), ok, bool(vref))
    ders = [parse_derivation(x) for x in labels]
    refs = {d.reference for d in ders}
    if len(refs) != 1 or None in refs:
        return Reference(None, False)
    ref = next(iter(refs))
    assert ref is not None
    if ref in _INACTIVE_REFERENCES:
        return Reference(site_name(ref), False)
    actives = [d.active for d in ders]
    electrodes = {a for a in actives if a is not None} | {ref}
    ok = (None not in actives and len(set(actives)) == len(actives)
          and len(electrodes) - 1 >= MIN_AVERAGE_REFERENCE_SITES and _covers_head(electrodes))
    sites = tuple(site_name(a) for a in actives if a is not None) + (site_name(ref),) if ok else ()
    return Reference(site_name(ref), True, sites, ok)


def preferred_sites(sides: set[str], roles: set[str]) -> frozenset[str]:
    """Electrodes over the motor area of the jerking limbs: the central sites contralateral to
    their side (the premyoclonic positivity is largest there; Shibasaki, J Clin Neurophysiol
    1992; Shibasaki & Hallett, Muscle Nerve 2005), and the central midline for the legs (the
    foot area lies on the mesial surface under the vertex)."""
    out = set()
    for e in CENTRAL:
        digit = re.search(r"\d+$", e)
        if digit is None:
            if "leg" in roles:
                out.add(e)
            continue
        left_hemisphere = int(digit.group(0)) % 2 == 1  # odd numbers: left hemisphere
        if ("right" in sides and left_hemisphere) or ("left" in sides and not left_hemisphere):
            out.add(e)
    return frozenset(out)

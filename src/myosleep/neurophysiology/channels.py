"""EEG channels for back-averaging: which ones, their electrodes, which are central.

Labels come from many labs: ``C3-M2``, ``C3-A2``, ``EEG C3-A2``, ``C3:M2``, ``C3A2``,
``C3``, ``Cz``, ``EEG Fpz-Cz`` (Sleep-EDF), ``EEG(sec)`` (SHHS: C3-A2, with ``EEG`` =
C4-A1). The first electrode of a derivation is the active one, the second its reference.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..io.roles import normalize_label
from ..vocab import Role

__all__ = ["Derivation", "parse_derivation", "central_polarity", "eeg_channels"]

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

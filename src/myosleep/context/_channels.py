"""Choosing the context channels (EEG, EOG, chin EMG) of a recording by role."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..vocab import Role

if TYPE_CHECKING:  # pragma: no cover
    from ..io.recording import ChannelInfo, Recording

__all__ = ["channels_with_role", "eeg_by_preference", "pick_eeg", "pick_first"]

# Central derivations first: AASM recommends C4-M1 (backup C3-M2) for staging and
# arousals (AASM Manual v2.6 2020, technical specifications, EEG derivations); then
# other central, then frontal (F4-M1 recommended, shows K complexes and slow waves),
# then occipital (O2-M1) and anything else.
_EEG_PREFERENCE = (
    r"^c4[-_ ]?(m1|a1)$", r"^c3[-_ ]?(m2|a2)$", r"c4", r"c3", r"cz", r"^c\d", r"f4", r"f3", r"fz", r"fp?z",
    r"^f", r"o2", r"o1", r"oz", r"^p", r"^o",
)


def channels_with_role(recording: Recording, role: Role) -> list[ChannelInfo]:
    """Readable channels (``ChannelInfo``) of a recording whose role is ``role``."""
    return [ch for ch in recording.channels if ch.role == role and ch.readable]


def _norm(label: str) -> str:
    s = str(label).strip().lower()
    s = re.sub(r"^eeg[\s_-]*", "", s)
    return s.replace(":", "-").replace("/", "-").replace(" ", "")


def pick_eeg(recording: Recording, *, label: str | None = None, min_sfreq: float = 0.0) -> ChannelInfo | None:
    """The EEG channel to use: ``label`` when given, else the most central one.

    Channels sampled below ``min_sfreq`` (Hz) are skipped.
    """
    if label is not None:
        for ch in recording.channels:
            if ch.label == label:
                return ch
        return None
    eegs = eeg_by_preference(recording, min_sfreq=min_sfreq)
    return eegs[0] if eegs else None


def eeg_by_preference(recording: Recording, *, min_sfreq: float = 0.0) -> list[ChannelInfo]:
    """The readable EEG channels sampled at >= ``min_sfreq`` Hz, the most central first (:func:`pick_eeg`'s order)."""
    eegs = [ch for ch in channels_with_role(recording, Role.EEG) if float(ch.sfreq) >= min_sfreq]
    out: list[ChannelInfo] = []
    for pattern in _EEG_PREFERENCE:
        out += [ch for ch in eegs if ch not in out and re.search(pattern, _norm(ch.label))]
    return out + [ch for ch in eegs if ch not in out]


def pick_first(recording: Recording, role: Role, *, label: str | None = None,
               min_sfreq: float = 0.0) -> ChannelInfo | None:
    """The channel named ``label``, else the first channel of ``role`` sampled at >= ``min_sfreq`` Hz."""
    if label is not None:
        for ch in recording.channels:
            if ch.label == label:
                return ch
        return None
    for ch in channels_with_role(recording, role):
        if float(ch.sfreq) >= min_sfreq:
            return ch
    return None

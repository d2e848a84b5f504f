"""EMG electrodes stored one by one, against a common reference: analysed as their derivation.

Surface EMG is the difference of two electrodes over the muscle (AASM Manual: chin EMG from one
electrode above and one below the mandible, leg EMG from two electrodes 2-3 cm apart over the
anterior tibialis), which cancels what the two share: the reference's EEG, the ECG, mains and
electrode drift.  Some recorders store each electrode against the amplifier's common reference
instead, and the derivation is made on review: NSRR's CHAT and MrOS nights hold ``Chin1``,
``Chin2``, ``Chin3`` / ``L Chin``, ``R Chin`` and ``LLeg1``, ``LLeg2``, and NSRR's canonical
signal definitions derive the chin as ``rchin - lchin`` and the legs as ``LLeg1 - LLeg2``.  Read
alone, such an electrode carries the common mode at tens to hundreds of uV over a resting EMG of
a few uV: heartbeats and EEG become bursts (a healthy night's 18 leg movements read as 221).

Labels propose the pairs (one site, electrodes numbered 1/2/3, written ``+``/``-``, or the
left/right/central chin; a limb's or the trunk's electrodes must name their side, since "Leg 1"
and "Leg 2" of a montage that names none are the two legs); the signals decide.  Two electrodes
against one reference share its signal, which dominates both below the EMG band: they correlate
near 1 there.  Two bipolar derivations that share an electrode correlate as that electrode's share
of each one's slow power (about 0.5), two muscles about 0: a pair is read as referential when its
correlation is at least :data:`REFERENTIAL_MIN_R`, and is then analysed as its derivation, the
electrodes left unused.
``--channels`` (any role given) leaves the montage as the user says.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from ..vocab import EMG_ROLES, Role, Side
from .roles import normalize_label

if TYPE_CHECKING:
    from .recording import ChannelInfo

__all__ = ["REFERENTIAL_MIN_R", "electrode_of", "pair_referential_electrodes"]

log = logging.getLogger(__name__)

#: Correlation below 8 Hz from which two electrodes of one site are taken as recorded against a
#: common reference.  Two referential electrodes share the reference's EEG (tens of uV of delta and
#: theta), drift and ECG waves, each against its own slow skin potential of a few uV: r >= 0.9 once
#: the shared signal is 3x each one's own.  Two derivations that share an electrode correlate as that
#: electrode's share of each one's slow power, 0.5 when the electrodes are alike and 0.9 only when
#: the shared one is 3x noisier than the others (measured on drifting electrodes: 0.69-0.78).
REFERENTIAL_MIN_R = 0.9
#: Stretches of the night read to measure it (s each, how many, spread over the recording).
_PROBE_S, _N_PROBES = 30.0, 5
#: Below this (Hz) surface EMG has little power (its band starts at 10-20 Hz): what two electrodes
#: share there is the reference's EEG (delta, theta), drift and the ECG's slow waves.
_LOW_HZ = 8.0

_REFERENCE_TOKENS = frozenset({"ref", "reference", "avg", "average", "emg"})
_NUMBERED = re.compile(r"^([a-z]*[a-z])(\d)$")
_CHIN_SIDE = re.compile(r"^([lrcz])chin$|^chin([lrcz])$")


def electrode_of(label: str) -> tuple[str, str] | None:
    """``(site, electrode)`` when ``label`` names one electrode of a site, else None.

    ``Chin1`` -> ``("chin", "1")``, ``LLeg2`` -> ``("lleg", "2")``, ``Leg 1`` -> ``("leg", "1")``,
    ``EMG+`` -> ``("emg", "+")``, ``R Chin`` / ``Rchin`` -> ``("chin", "r")``; a derivation
    (``Chin1-Chin2``, ``LAT-RAT``) or a label of no electrode (``EMG LAT``) gives None.
    """
    text = label.strip()
    sign = text[-1] if text[-1:] in "+-" and len(text) > 1 else None
    tokens = [t for t in normalize_label(text[:-1] if sign else text) if t not in _REFERENCE_TOKENS]
    if sign:
        return ("".join(tokens) or "emg", sign) if len(tokens) <= 1 else None
    if len(tokens) == 1:
        m = _NUMBERED.match(tokens[0])
        if m:
            return m.group(1), m.group(2)
        m = _CHIN_SIDE.match(tokens[0])
        if m:
            return "chin", m.group(1) or m.group(2)
        return None
    if len(tokens) == 2:
        a, b = tokens
        if b.isdigit() and len(b) == 1 and a.isalpha():
            return a, b
        if a in ("l", "r", "c", "z") and b == "chin":
            return "chin", a
        if b in ("l", "r", "c", "z") and a == "chin":
            return "chin", b
    return None


def _order(electrodes: dict[str, ChannelInfo]) -> tuple[str, str] | None:
    """The two electrodes of a site that make its derivation, in the order they are subtracted."""
    names = set(electrodes)
    if {"+", "-"} <= names:
        return "+", "-"
    if {"r", "l"} <= names:  # NSRR: chin = rchin - lchin
        return "r", "l"
    for side in ("l", "r"):  # one inferior electrode against the superior (AASM chin montage)
        for centre in ("c", "z"):
            if {side, centre} <= names:
                return side, centre
    digits = sorted(n for n in names if n.isdigit())
    return (digits[0], digits[1]) if len(digits) >= 2 else None


def _r(x: np.ndarray, y: np.ndarray) -> float:
    x, y = x - x.mean(), y - y.mean()
    den = float(np.sqrt(np.dot(x, x) * np.dot(y, y)))
    return float(np.dot(x, y)) / den if den > 0 else float("nan")


def _correlation(read: Callable[[ChannelInfo, int, int], np.ndarray], a: ChannelInfo, b: ChannelInfo) -> float:
    """Median correlation of channels ``a`` and ``b`` below :data:`_LOW_HZ`, over stretches of the night.

    There the reference's EEG, drift and slow ECG waves carry a referential pair whatever its EMG
    (a tense chin in wake lowers the raw samples' correlation), and what is left of them after a
    recorder's high-pass is still common to both; two channels of one muscle's EMG (two derivations
    over it, or a copy) share their EMG, which has almost no power there, so they do not pass for
    electrodes however alike their raw samples.
    """
    from scipy.signal import butter, sosfiltfilt

    n = min(a.n_samples, b.n_samples)
    width = int(min(_PROBE_S * a.sfreq, n))
    if width < 2:
        return float("nan")
    low = butter(4, _LOW_HZ, fs=a.sfreq, output="sos") if a.sfreq > 4 * _LOW_HZ else None
    starts = np.linspace(0, n - width, _N_PROBES).astype(int) if n > width else np.array([0])
    rs = []
    for start in np.unique(starts):
        x, y = read(a, start, start + width), read(b, start, start + width)
        ok = np.isfinite(x) & np.isfinite(y)
        if ok.sum() < 2:
            continue
        r = (_r(sosfiltfilt(low, x[ok]), sosfiltfilt(low, y[ok])) if low is not None and ok.sum() > 60
             else _r(x[ok], y[ok]))
        if np.isfinite(r):
            rs.append(float(r))
    return float(np.median(rs)) if rs else float("nan")


def pair_referential_electrodes(channels: Sequence[ChannelInfo], read: Callable[[ChannelInfo, int, int], np.ndarray],
                                *, derive: Callable[[Sequence[ChannelInfo], str], ChannelInfo],
                                finish: Callable[..., ChannelInfo]) -> tuple[list[ChannelInfo], list[str]]:
    """Analyse EMG electrodes recorded against a common reference as their derivation.

    Parameters
    ----------
    channels : sequence of ChannelInfo
        The recording's channels, roles decided.
    read : callable
        ``read(channel, start, stop)``: the channel's samples in uV.
    derive : callable
        ``derive(channels, "A-B")``: the derivation of two channels (``recording._derivation``).
    finish : callable
        ``finish(channel, role=, side=, note=)``: a channel with its role-dependent fields redone.

    Returns
    -------
    channels : list of ChannelInfo
        With each referential pair's derivation added (its role and side those of the electrodes)
        and the electrodes given the role ``other``.
    warnings : list of str
        One per pair derived, for the recording's warnings.
    """
    out = list(channels)
    warnings: list[str] = []
    groups: dict[tuple[Role, str], dict[str, ChannelInfo]] = {}
    derived_sites: set[tuple[Role, Side | None]] = set()
    for c in out:
        if c.role not in EMG_ROLES or getattr(c, "minus", None) is not None or not c.readable:
            continue
        hit = electrode_of(c.original_label or c.label)
        if hit is None:
            if "-" in (c.original_label or c.label):  # the file holds a derivation of this muscle already
                derived_sites.add((c.role, c.side))
            continue
        groups.setdefault((c.role, hit[0]), {})[hit[1]] = c
    for (role, site), electrodes in groups.items():
        pair = _order(electrodes)
        if pair is None:
            continue
        a, b = electrodes[pair[0]], electrodes[pair[1]]
        side = a.side if a.side == b.side else None
        if role is not Role.CHIN and side is None:
            # limbs and trunk come in pairs: "Leg 1", "Leg 2" of a montage that names no side are the two
            # legs (Philips Alice), not two electrodes of one; electrodes of one limb name its side
            continue
        if (role, side) in derived_sites or a.sfreq != b.sfreq or a.n_samples != b.n_samples:
            continue
        r = _correlation(read, a, b)
        log.info("%s, %s: correlate r = %.3f", a.label, b.label, r)
        if not r >= REFERENTIAL_MIN_R:
            continue
        name = f"{a.label}-{b.label}"
        why = (f"{a.label!r} and {b.label!r} are electrodes recorded against a common reference (their "
               f"signals correlate r = {r:.2f}): analysed as the bipolar derivation {name!r}, which cancels the "
               "ECG, EEG and mains they share (give --channels to choose otherwise)")
        derived = derive(out, name)
        derived = replace(derived, warnings=(f"derivation: {a.label!r} minus {b.label!r} (bipolar; the file "
                                             f"stores the electrodes, r = {r:.2f})",))
        # the site's other electrodes (the third chin electrode) are referential too: not analysed alone
        others = [c for c in electrodes.values() if c is not a and c is not b]
        out = [finish(c, role=Role.OTHER, side=None, note=f"electrode of the derivation {name!r}")
               if c is a or c is b else
               finish(c, role=Role.OTHER, side=None, note=f"electrode of the same site as {name!r}, recorded "
                                                           "against the common reference: not analysed alone")
               if any(c is o for o in others) else c for c in out]
        out.append(finish(derived, role=role, side=side))
        warnings.append(why)
    return out, warnings

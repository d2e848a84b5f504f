"""Channels that record the same muscle: one channel per muscle.

A montage can hold several channels on one muscle: the two referential electrodes of a
bipolar pair stored separately (``LLEG1`` and ``LLEG2``), a bipolar derivation and a spare
(``Chin1-Chin2`` and ``Chin1-Chin3``), three chin electrodes (``EMG Chin1``..``EMG Chin3``),
or a copy of a channel under another name.  Every rule that counts channels then counts one
muscle twice: a leg movement seen on two channels of the left leg is two leg movements (the
AASM merges LMs across the two legs, not within one), and a fragmentary-myoclonus potential
- a potential of one muscle - seen on two channels is no longer "single-channel" and becomes
a myoclonic jerk.  On a simulated PLMD night with each leg recorded a second time
(``tests/detection/test_same_muscle.py``), leg movements went from 55 to 129 and myoclonic
jerks from 2 to 16.

The labels alone cannot say which channels are the same muscle: two leg channels of one side
may be tibialis anterior and gastrocnemius, ``Leg 1`` and ``Leg 2`` are usually the two
legs.  The bursts can.  Two channels on one muscle see the same activity, so almost every
burst of one has a burst of the other at the same time; two muscles do not: the two legs
move together in only part of the leg movements (the AASM merges those into one bilateral
LM, Manual v2.5 VII.A), fragmentary myoclonus is focal by definition (AASM VII.D), and a REM
twitch is a burst of one muscle (Frauscher et al., Sleep 2012).

A pair of chin channels, or of leg or arm channels of one known side, is one muscle when at
least :data:`MIN_SHARED` of the bursts of each lie together with a burst of the other
(within :data:`TOGETHER_S`), counted over at least :data:`MIN_BURSTS` bursts on each - fewer
are too few to tell.  Axial channels are left alone (several trunk muscles fire together in
a propriospinal jerk and are read as a spread along the cord), and so are limb channels
whose side the label does not give (``Leg 1`` and ``Leg 2`` are usually the two legs, and on
a night of generalised jerks - hypnic jerks at repeated sleep onsets - the two legs share
0.68-0.78 of their bursts and the two arms 0.79-0.87 on simulated nights).  Two muscles of
one limb on such a night could still be taken for one; the channel status says which channel
was set aside, and ``--channels`` gives the roles by hand.

Of the channels found to record one muscle the one with the largest median burst signal-to-
noise ratio is analysed (ties: the first in the file); the others are reported as not used,
with the channel kept and the share of bursts found together.
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: Share of one channel's bursts that must have a burst of the other channel at the same
#: time, in both directions, for two channels to record one muscle.  Two channels of one
#: muscle share nearly all (their detections differ only near the onset threshold: 1.0 for
#: the copies of ``tests/detection/test_same_muscle.py``); two muscles far fewer on simulated
#: nights - the two legs of PLMD nights 0.40-0.53 (part of their LMs bilateral), the limbs of
#: RSBD and EFM nights 0.01-0.10 - except under generalised jerks (hypnic jerks at repeated
#: sleep onsets: 0.68-0.87 between limbs, which is why limbs of unknown side are not compared).
MIN_SHARED = 0.8
#: Bursts on each channel needed to decide (fewer: both channels are kept).
MIN_BURSTS = 20
#: Two bursts are together when their intervals, widened by this much (s) on each side,
#: overlap: the onset scatter of one burst read on two channels is a few ms to tens of ms
#: on slow edges (docs/detection.md, "The floor").
TOGETHER_S = 0.05
#: Roles checked (axial channels are several muscles by design).
ROLES = ("chin", "leg", "arm")


def shared_fraction(on_a: np.ndarray, off_a: np.ndarray, on_b: np.ndarray, off_b: np.ndarray, *,
                    together_s: float = TOGETHER_S) -> float:
    """Share of bursts ``[on_a, off_a)`` (s) overlapping a burst ``[on_b, off_b)`` widened by ``together_s``."""
    from .._intervals import overlaps_any

    on_b, off_b = np.asarray(on_b, dtype=np.float64), np.asarray(off_b, dtype=np.float64)
    if np.asarray(on_a).size == 0:
        return float("nan")
    return float(overlaps_any(on_a, off_a, on_b - together_s, off_b + together_s).mean())


def _compatible(role: str, side_a: str, side_b: str) -> bool:
    """Whether two channels of ``role`` may be one muscle by their sides: chin always, a limb on one known side."""
    if role == "chin":
        return True
    return side_a == side_b and side_a in ("left", "right")


def same_muscle(bursts: Any, channels: list[tuple[str, str, str]], *, min_shared: float = MIN_SHARED,
                min_bursts: int = MIN_BURSTS, together_s: float = TOGETHER_S) -> dict[str, tuple[str, float]]:
    """Channels that record a muscle another channel records, and that channel.

    Parameters
    ----------
    bursts : pandas.DataFrame
        The burst table (``onset``, ``offset_s``, ``channel``, ``snr``) of every channel analysed.
    channels : list of (label, role, side)
        The channels analysed, in file order (role and side as in the burst table).
    min_shared, min_bursts, together_s
        See :data:`MIN_SHARED`, :data:`MIN_BURSTS`, :data:`TOGETHER_S`.

    Returns
    -------
    dict
        ``{label not to use: (label analysed instead, share of bursts together)}``, the share
        being the smaller of the two directions.
    """
    by_label = {lab: bursts[bursts["channel"] == lab] for lab, role, _ in channels if role in ROLES}
    parent = {lab: lab for lab in by_label}
    shared: dict[tuple[str, str], float] = {}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    cand = [(lab, role, side) for lab, role, side in channels if lab in by_label]
    for i, (a, role_a, side_a) in enumerate(cand):
        ba = by_label[a]
        if len(ba) < min_bursts:
            continue
        for b, role_b, side_b in cand[i + 1:]:
            bb = by_label[b]
            if role_b != role_a or len(bb) < min_bursts or not _compatible(role_a, side_a, side_b):
                continue
            f_ab = shared_fraction(ba["onset"].to_numpy(), ba["offset_s"].to_numpy(), bb["onset"].to_numpy(),
                                   bb["offset_s"].to_numpy(), together_s=together_s)
            f_ba = shared_fraction(bb["onset"].to_numpy(), bb["offset_s"].to_numpy(), ba["onset"].to_numpy(),
                                   ba["offset_s"].to_numpy(), together_s=together_s)
            if min(f_ab, f_ba) >= min_shared:
                shared[(a, b)] = shared[(b, a)] = min(f_ab, f_ba)
                parent[find(b)] = find(a)
    groups: dict[str, list[str]] = {}
    for lab, _, _ in cand:
        groups.setdefault(find(lab), []).append(lab)
    out: dict[str, tuple[str, float]] = {}
    order = {lab: k for k, (lab, _, _) in enumerate(cand)}
    for members in groups.values():
        if len(members) < 2:
            continue
        snr = {lab: float(np.median(by_label[lab]["snr"])) if len(by_label[lab]) else -np.inf for lab in members}
        keep = max(members, key=lambda lab: (snr[lab], -order[lab]))
        for lab in members:
            if lab != keep:
                out[lab] = (keep, shared.get((lab, keep), max(v for (x, _), v in shared.items() if x == lab)))
    return out

"""A recording's gaps (an EDF+D paused during the night) in the sleep context.

No signal was recorded in a gap: its time is neither sleep nor wake.  Its epochs are
unscored (whatever a given hypnogram says there: the EMG, EEG and EOG cannot show what a
scorer would have scored), and they count in no sleep measure: not in the total recording
time, the sleep period or any denominator of an index per hour
(:func:`myosleep.context.sleepstats.sleep_statistics`).

An epoch belongs to a gap when its middle lies in it, as an epoch belongs to the recording when
its middle lies in it (:func:`myosleep.context.context.build_context`); an epoch that only
touches a gap keeps its stage.  Automatic staging needs the whole epoch's signal instead
(:func:`gap_epochs` with ``touching=True``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from ..vocab import Stage

if TYPE_CHECKING:  # pragma: no cover
    from ..io.hypnogram_model import Hypnogram

__all__ = ["gap_epochs", "epochs_in_gaps", "unscore_gaps", "gap_total_s"]


def gap_total_s(gaps_s: Sequence[tuple[float, float]]) -> float:
    """Time in the gaps, in seconds."""
    return float(sum(b - a for a, b in gaps_s))


def gap_epochs(hypnogram: Hypnogram, gaps_s: Sequence[tuple[float, float]], *, touching: bool = False) -> np.ndarray:
    """True for the epochs in a gap: their middle in it, or (``touching``) any part of them.

    Parameters
    ----------
    hypnogram : Hypnogram
    gaps_s : sequence of (start, stop)
        Gaps, in seconds from the recording start (:attr:`myosleep.io.Recording.gaps_s`).
    touching : bool
        Count an epoch that overlaps a gap at all (staging: it lacks part of its signal).
    """
    return epochs_in_gaps(hypnogram.epoch_onsets_s, float(hypnogram.epoch_s), gaps_s, touching=touching)


def epochs_in_gaps(onsets_s: np.ndarray, epoch_s: float, gaps_s: Sequence[tuple[float, float]], *,
                   touching: bool = False) -> np.ndarray:
    """:func:`gap_epochs` of epochs given by their onsets (s) and length (s)."""
    on = np.asarray(onsets_s, dtype=float)
    out = np.zeros(on.size, dtype=bool)
    ep = float(epoch_s)
    for a, b in gaps_s:
        if touching:
            out |= (on < b) & (on + ep > a)
        else:
            mid = on + ep / 2.0
            out |= (mid >= a) & (mid < b)
    return out


def unscore_gaps(hypnogram: Hypnogram, gaps_s: Sequence[tuple[float, float]], warnings: list[str], *,
                 recording_s: float) -> Hypnogram:
    """The hypnogram with the epochs in a gap unscored; what the user must know goes to ``warnings``.

    Says how many epochs a given hypnogram had scored there, and when the hypnogram ends
    about the gaps' length before the recording does (within one epoch): a hypnogram scored on
    the recording without its gaps, whose stages after the first gap would fall out of place.
    """
    gap = gap_epochs(hypnogram, gaps_s)
    scored = gap & ~np.isin(hypnogram.stages, [int(Stage.UNSCORED), int(Stage.ARTEFACT)])
    total = gap_total_s(gaps_s)
    ep = float(hypnogram.epoch_s)
    short = recording_s - hypnogram.end_s
    # it must itself fall short (by more than the half epoch a complete hypnogram may lack), and by
    # about the gaps' length; with a one-epoch gap, a hypnogram ending with the recording is complete
    if total >= ep and short > 0.5 * ep and abs(short - total) <= ep:
        warnings.append(
            f"hypnogram ends {short:.0f} s before the recording, about the length of its gaps ({total:.0f} s): if it "
            "was scored on the recording without its gaps, its stages after the first gap are out of place; give a "
            "hypnogram with the recording's own times")
    if scored.any():
        warnings.append(f"hypnogram: {int(scored.sum())} scored epoch(s) inside the recording's gaps set to unscored "
                        "(no signal was recorded there)")
    if not gap.any():
        return hypnogram
    stages = hypnogram.stages.copy()
    stages[gap] = int(Stage.UNSCORED)
    return replace(hypnogram, stages=stages)

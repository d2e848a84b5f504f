"""Arousals and motor events: the chin tone of an arousal, and which events an arousal follows.

* Chin activity of an arousal: the rise of submental EMG that accompanies an EEG arousal (AASM
  arousal rule: in REM it requires a concurrent chin EMG increase) is tone, not a jerk; the
  short-burst detector cuts it into fragments.  Chin-only events associated with a
  detected/scored arousal, by the AASM association rule (overlap, or < 0.5 s between the end of
  one and the onset of the other: the arousal detector places onsets on a 0.5-s grid and the
  chin often rises just before the EEG shift), are that arousal's activity: left out of the
  event table and counted (``indices["arousal_chin_fragments"]``).
* The ``arousal`` column: the AASM rule for LMs and arousals (overlap, or < 0.5 s between the
  end of one and the onset of the other) applied to every event, or an awakening (a W epoch
  after sleep) starting within one epoch after the event's end: the hypnogram cannot place an
  awakening more precisely than its epoch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..vocab import Role, Stage
from ._intervals import arousal_mask
from .cascade import Cascade, Decision, Step
from .rules import RuleSet
from .table import SLEEP_CODES, EventTable, RuleInputs

if TYPE_CHECKING:  # pragma: no cover
    from ..context.context import SleepContext
    from ..io.hypnogram_model import Hypnogram

__all__ = ["STEP", "awakening_onsets_s", "followed_by_arousal"]


def decide(events: EventTable, state: Cascade, inputs: RuleInputs) -> Decision:
    """Chin-only single-channel events associated with an arousal leave the table, counted."""
    if not events.n:
        return Decision(np.zeros(0, dtype=bool), None, counts={"arousal_chin_fragments": 0})
    chin_only = np.array([s == {Role.CHIN.value} for s in events.regions], dtype=bool)
    tone = (state.free & chin_only & (events.n_channels == 1)
            & arousal_mask(events.onset_s, events.offset_s, inputs.context.arousals, inputs.rules.arousal_gap_s))
    return Decision(tone, None, counts={"arousal_chin_fragments": int(tone.sum())})


STEP = Step("arousal chin tone (left out, counted)", decide)


def awakening_onsets_s(hypnogram: Hypnogram) -> np.ndarray:
    """Onsets (s) of W epochs that follow a sleep epoch (awakenings)."""
    st = np.asarray(hypnogram.stages)
    if st.size < 2:
        return np.zeros(0)
    idx = np.flatnonzero((st[1:] == int(Stage.W)) & np.isin(st[:-1], SLEEP_CODES)) + 1
    return np.asarray(hypnogram.epoch_onsets_s, dtype=float)[idx]


def followed_by_arousal(on: np.ndarray, off: np.ndarray, context: SleepContext, rules: RuleSet) -> np.ndarray:
    """The ``arousal`` column: AASM association with an arousal, or an awakening within one epoch."""
    aro = arousal_mask(on, off, context.arousals, rules.arousal_gap_s)
    awake_on = awakening_onsets_s(context.hypnogram)
    if on.size and awake_on.size:
        ep = float(context.hypnogram.epoch_s)
        k = np.searchsorted(awake_on, off, side="left")
        nxt = np.where(k < awake_on.size, awake_on[np.minimum(k, awake_on.size - 1)], np.inf)
        aro |= (nxt - off) <= ep
    return aro

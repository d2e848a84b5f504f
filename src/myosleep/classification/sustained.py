"""Sustained activity: an event whose EMG burst lasts longer than phasic activity is no jerk.

A jerk is brief: myoclonic EMG bursts last < ~250 ms (Shibasaki & Hallett, Mov Disord 2005),
a propriospinal jerk's up to ~2 s (Montagna et al. 2006), and SINBAR counts activity of
0.1-5 s as phasic; longer activity is tonic (Frauscher et al., Sleep 2012).  An event that no
earlier rule took (a gross body movement, a leg movement of up to 10 s, a REM twitch, an
arousal's chin tone) and whose longest EMG burst lasts more than ``sustained_min_burst_s``
is a region's sustained contraction - the chin tone that rises for seconds with an arousal
the EEG did not show (an infant's after a cluster of neonatal jerks; a recording without
EEG), a limb held tense - not a myoclonic jerk: it leaves the event table and is counted
(``indices["sustained_activity_events"]``), as the arousal's chin tone is.
"""

from __future__ import annotations

from .cascade import Cascade, Decision, Step
from .table import EventTable, RuleInputs

__all__ = ["STEP"]


def decide(events: EventTable, state: Cascade, inputs: RuleInputs) -> Decision:
    """Undecided events whose longest EMG burst lasts more than ``sustained_min_burst_s`` leave the table, counted."""
    long = state.free & (events.max_burst_s > inputs.rules.sustained_min_burst_s)  # NaN (no EMG): False
    return Decision(long, None, counts={"sustained_activity_events": int(long.sum())})


STEP = Step("sustained activity (left out, counted)", decide)

"""REM twitches: phasic EMG bursts of 0.1-5 s in REM sleep (SINBAR phasic activity, Frauscher 2012)."""

from __future__ import annotations

from ..vocab import Stage, TrialType
from .cascade import Cascade, Decision, Step
from .table import EventTable, RuleInputs

__all__ = ["STEP"]


def decide(events: EventTable, state: Cascade, inputs: RuleInputs) -> Decision:
    """An event in REM whose longest EMG burst lasts ``rem_twitch_min_burst_s``-``rem_twitch_max_burst_s``."""
    rs = inputs.rules
    dmax = events.max_burst_s
    twitch = (state.free & (events.stage == int(Stage.R)) & (dmax >= rs.rem_twitch_min_burst_s)
              & (dmax <= rs.rem_twitch_max_burst_s))
    return Decision(twitch, TrialType.REM_TWITCH,
                    [f"phasic burst {d:.0f} ms in REM (0.1-5 s)" for d in events.max_burst_ms[twitch]])


STEP = Step("rem_twitch", decide)

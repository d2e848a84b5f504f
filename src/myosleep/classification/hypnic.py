"""Hypnic jerks (sleep starts): brief jerks of several body segments while falling asleep.

A motor event is a hypnic jerk when (ICSD-3; Chokroverty et al. 2013; DESIGN.md):

* it starts inside a wake-to-sleep transition window (``SleepContext.in_transition``; the
  window's width and sources are documented in :mod:`myosleep.context.transitions`);
* it recruits at least ``hypnic_min_regions`` body regions (chin, arm, leg, axial);
* its EMG bursts are brief: their median duration is at most ``hypnic_max_burst_s``
  (sleep-start EMG bursts last about 75-250 ms).  The median over the recruited muscles,
  not the longest burst: the range describes the jerk's bursts as a group, and one muscle's
  burst measured long (its envelope tail, a co-contraction) must not undo a jerk whose
  other muscles fired briefly; a gross movement has long bursts in most muscles and still
  fails.  Accelerometer movements are not EMG bursts and are left out (detection reports
  the EMG bursts' durations, :mod:`myosleep.detection.events`);
* it is not a gross body movement.

Whether an arousal follows (``arousal`` column: the AASM association rule, or an awakening
in the next epoch; see :func:`myosleep.classification.classify`) is reported by the finding
("often followed by an arousal") but is not required.
"""

from __future__ import annotations

import numpy as np

from ..vocab import FindingCode, TrialType
from .cascade import Cascade, Decision, Step
from .findings import Evidence, Finding, Minimum, fmt, insufficient, minimum_evidence, tag
from .rules import RuleSet
from .table import EventTable, RuleInputs

__all__ = ["STEP", "assess", "is_hypnic", "n_regions", "sleep_starts"]

#: Body segments are EMG regions; an accelerometer is a sensor, not a segment.
_NOT_SEGMENTS = frozenset({"", "n/a", "accelerometer", "other"})


def n_regions(events: EventTable) -> np.ndarray:
    """Number of distinct body regions (channel roles other than accelerometer) per event."""
    return np.array([len(s - _NOT_SEGMENTS) for s in events.regions], dtype=int)


def is_hypnic(events: EventTable, in_transition: np.ndarray, *, rules: RuleSet) -> np.ndarray:
    """Which motor events are hypnic jerks (bool per event).

    Parameters
    ----------
    events : EventTable
        Regions, median EMG burst duration (s), detection's class.
    in_transition : array of bool
        Whether each event's onset lies in a wake-to-sleep transition window.
    rules : RuleSet
    """
    if events.n == 0:
        return np.zeros(0, dtype=bool)
    not_body = events.trial_type != TrialType.BODY_MOVEMENT.value
    return (not_body & np.asarray(in_transition, dtype=bool) & (n_regions(events) >= rules.hypnic_min_regions)
            & (events.median_burst_s <= rules.hypnic_max_burst_s))


def decide(events: EventTable, state: Cascade, inputs: RuleInputs) -> Decision:
    """Several body regions, brief EMG bursts, in a wake-to-sleep transition window."""
    in_trans = np.asarray(inputs.context.in_transition(events.onset_s), dtype=bool) if events.n \
        else np.zeros(0, bool)
    hyp = is_hypnic(events, in_trans, rules=inputs.rules) & state.free
    rules = [f"{k} body regions, median EMG burst {d:.0f} ms, in a wake-to-sleep transition"
             for k, d in zip(n_regions(events)[hyp], events.median_burst_ms[hyp])]
    return Decision(hyp, TrialType.HYPNIC_JERK, rules)


STEP = Step("hypnic_jerk", decide)


def assess(evidence: Evidence) -> tuple[Finding, dict[str, object]]:
    """Sleep starts per wake-to-sleep transition; indices ``n``, ``n_transitions``, ``per_transition``.

    Jerks and transitions between lights off and on (:attr:`Evidence.counted`,
    :attr:`Evidence.transitions`): the transitions the sleep measures count.
    """
    context = evidence.inputs.context
    hj = evidence.of_type(TrialType.HYPNIC_JERK.value)
    transitions = evidence.transitions
    n_trans = len(transitions)
    per_tr: list[int] = []
    if n_trans and len(hj):
        on = hj["onset"].to_numpy(float)
        idx = context.transition_index(on)
        # the context's rows of the transitions in lights, by their boundary
        rows = np.searchsorted(context.transitions["onset_s"].to_numpy(float), transitions["onset_s"].to_numpy(float))
        per_tr = [int((idx == k).sum()) for k in rows]
    elif n_trans:
        per_tr = [0] * n_trans
    finding = sleep_starts(n_hypnic=len(hj), n_transitions=n_trans,
                           n_followed_by_arousal=int(hj["arousal"].astype(bool).sum()), per_transition=per_tr,
                           rules=evidence.inputs.rules)
    return finding, {"n": int(len(hj)), "n_transitions": n_trans,
                     "per_transition": len(hj) / n_trans if n_trans else float("nan")}


def sleep_starts(*, n_hypnic: int, n_transitions: int, n_followed_by_arousal: int, per_transition: list[int],
                 rules: RuleSet) -> Finding:
    """Sleep starts (hypnic jerks) per wake-to-sleep transition."""
    followed_pct = (100.0 * n_followed_by_arousal / n_hypnic) if n_hypnic else float("nan")
    minimums = [Minimum("wake_to_sleep_transitions", rules.sleep_starts_min_transitions, n_transitions,
                        "wake-to-sleep transition(s)", "",
                        "intensified sleep starts recur as sleep comes (Chokroverty et al. 2013): a rate per "
                        "transition needs more than one")]
    values = {"ruleset": rules.name, "n_hypnic_jerks": int(n_hypnic), "n_wake_to_sleep_transitions": int(n_transitions),
              "hypnic_jerks_per_transition": (n_hypnic / n_transitions) if n_transitions else float("nan"),
              "hypnic_jerks_by_transition": [int(v) for v in per_transition],
              "followed_by_arousal_pct": followed_pct, "minimum_evidence": minimum_evidence(minimums)}
    short = insufficient(FindingCode.SLEEP_STARTS, minimums, values, rules, subject="sleep starts",
                         seen=f"{n_hypnic} hypnic jerks were seen")
    if short is not None:
        return short
    rate = n_hypnic / n_transitions
    present = bool(rate >= rules.sleep_starts_min_per_transition and n_hypnic >= rules.sleep_starts_min_count)
    ev = (f"{n_hypnic} hypnic jerks over {n_transitions} wake-to-sleep transitions ({rate:.1f} per transition), "
          f"{fmt(followed_pct, 0)} % followed by an arousal; "
          + ("frequent (intensified) sleep starts" if present else "within the normal variant")
          + f" (threshold >= {rules.sleep_starts_min_per_transition:g} per transition and >= "
          f"{rules.sleep_starts_min_count} jerks) {tag(rules)}.")
    return Finding(FindingCode.SLEEP_STARTS, present, ev, values)

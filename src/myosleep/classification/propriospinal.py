"""Propriospinal myoclonus (PSM) at sleep onset: axial origin, slow spread along the cord.

Montagna et al. 2006 / Vetrugno et al. 2001: jerks of 100-400 ms (up to ~2 s) start in an
axial muscle (abdominal, paraspinal, intercostal) during relaxed wakefulness and drowsiness,
then spread rostrally and caudally at 3-11 m/s, the velocity of propriospinal pathways
(Brown et al., Brain 1991; Chokroverty 1995; DESIGN.md: 3-11 m/s, mean ~5).  That velocity
is along the cord: the distance between the spinal segments that innervate two muscles
divided by the time between the two segments firing.  An EMG onset comes later than its
segment's firing by the muscle's peripheral motor conduction (its nerve's length at
50-60 m/s: about 15 ms to tibialis anterior, 5-6 ms to rectus abdominis, 1-2 ms to a
paraspinal muscle), so each muscle's conduction time (:mod:`.anatomy`) is taken out of its
onset before dividing (DESIGN.md; issue 9, defect 11).  Without it a leg muscle's extra
10 ms read typical spreads of 4-5 m/s as below 3 m/s, and a paraspinal muscle's shorter
nerve read fast spreads above 11 m/s.  A channel whose muscle cannot be identified (or a
cranial muscle such as the chin) is left out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..vocab import FindingCode, Role, Stage, TrialType
from .anatomy import MUSCLE_SEGMENTS, SEGMENT_CM, muscle_at, segment_position_cm
from .cascade import Cascade, Decision, Step
from .findings import Evidence, Finding, Minimum, fmt, insufficient, minimum_evidence, tag
from .rules import RuleSet
from .table import EventTable, Recruit, RuleInputs

__all__ = ["MUSCLE_SEGMENTS", "SEGMENT_CM", "STEP", "assess", "muscle_position_cm", "propagation_velocity",
           "propriospinal_myoclonus", "segment_position_cm"]


def muscle_position_cm(label: str, role: str | None = None) -> float | None:
    """Spinal position (cm below C1) of the segment innervating the muscle under ``label``
    (:func:`.anatomy.muscle_at`); None for cranial or unknown muscles."""
    m = muscle_at(label, role)
    return None if m is None else m.cord_cm


def propagation_velocity(recruitment: Sequence[Recruit | tuple[str, str, float]], *,
                         rules: RuleSet) -> tuple[float, int, str]:
    """Spread velocity (m/s) along the cord of one motor event from its axial origin.

    Each muscle's EMG onset less its peripheral motor conduction time (nerve length from its
    segment, :mod:`.anatomy`, at ``rules.psm_motor_cv_m_s``) is the time its segment fired;
    the velocity to a muscle is the distance between its segment and the origin's divided by
    the difference of those times.

    Parameters
    ----------
    recruitment : sequence of (label, role, latency_ms)
        Each muscle's first EMG burst in recruitment order: channel label, role and onset
        latency (ms) after the event's onset (:meth:`EventTable.recruitment`).
    rules : RuleSet

    Returns
    -------
    velocity_m_s : float
        Median over recruited channels of cord distance / cord time.  NaN when there is no
        propriospinal spread: the first channel is not axial, fewer than ``psm_min_channels``
        distinct segment levels (origin included) whose segments fired after the origin's, a
        segment closer to the origin fired later than a farther one in the same direction, or
        any channel's velocity outside
        ``psm_min_velocity_m_s``-``psm_max_velocity_m_s``.
    n_channels : int
        Channels used (origin included).
    direction : str
        ``"rostral"``, ``"caudal"``, ``"both"`` or ``""``.
    """
    lat = [Recruit(*r) for r in recruitment]
    if len(lat) < rules.psm_min_channels:
        return float("nan"), 0, ""
    cv = rules.psm_motor_cv_m_s
    # when each muscle's segment fired: its EMG onset less its motor conduction time
    fired = [(r, m, r.latency_ms - m.conduction_ms(cv)) for r in lat
             if (m := muscle_at(r.label, r.role)) is not None]
    if not fired:
        return float("nan"), 0, ""
    first, origin, fired_ms = min(fired, key=lambda f: f[2])  # the segment that fired first
    if first.role != Role.AXIAL.value:
        return float("nan"), 0, ""
    vel: list[float] = []
    per_dir: dict[str, list[tuple[float, float]]] = {"rostral": [], "caudal": []}
    positions: set[float] = set()
    for r, m, t_ms in fired:
        if r is first or m.cord_cm == origin.cord_cm:
            continue
        dt_s = (t_ms - fired_ms) / 1000.0
        if dt_s <= 0:  # fired with the origin's segment: no distance to time
            continue
        d = "rostral" if m.cord_cm < origin.cord_cm else "caudal"
        dist_m = abs(m.cord_cm - origin.cord_cm) / 100.0
        per_dir[d].append((dist_m, dt_s))
        vel.append(dist_m / dt_s)
        positions.add(m.cord_cm)
    for pairs in per_dir.values():
        pairs.sort()
        times = [p[1] for p in pairs]
        if any(b < a for a, b in zip(times, times[1:])):
            return float("nan"), 0, ""
    # distinct segment levels: homologous muscles at one level (both legs) give one distance
    if len(positions) + 1 < rules.psm_min_channels:
        return float("nan"), 0, ""
    # one propriospinal pathway: every recruited segment is reached at 3-11 m/s (Montagna2006);
    # near-synchronous jerks (hypnic jerks, onsets within ~50 ms) give scattered 'velocities'
    if min(vel) < rules.psm_min_velocity_m_s or max(vel) > rules.psm_max_velocity_m_s:
        return float("nan"), 0, ""
    dirs = {d for d, pairs in per_dir.items() if pairs}
    direction = "both" if len(dirs) == 2 else dirs.pop()
    return float(np.median(vel)), len(vel) + 1, direction


def decide(events: EventTable, state: Cascade, inputs: RuleInputs) -> Decision:
    """Axial first muscle, spread along the cord at 3-11 m/s, in wake, N1 or a transition window,
    bursts <= 2 s.

    The spread velocity of every undecided axial-onset event is reported (``velocity_m_s``).
    """
    rs = inputs.rules
    velocity = np.full(events.n, np.nan)
    mask = np.zeros(events.n, dtype=bool)
    rules: list[str] = []
    in_trans = np.asarray(inputs.context.in_transition(events.onset_s), dtype=bool) if events.n \
        else np.zeros(0, bool)
    for i in np.flatnonzero(state.free & events.has_region(Role.AXIAL.value)):
        v, nch, direction = propagation_velocity(events.recruitment(int(i)), rules=rs)
        velocity[i] = v
        relaxed = events.stage[i] in (int(Stage.W), int(Stage.N1)) or in_trans[i]
        if (math.isfinite(v) and rs.psm_min_velocity_m_s <= v <= rs.psm_max_velocity_m_s and relaxed
                and events.max_burst_s[i] <= rs.psm_max_burst_s):
            mask[i] = True
            rules.append(f"axial onset, {direction} spread along the cord at {v:.1f} m/s over {nch} muscles")
    return Decision(mask, TrialType.PROPRIOSPINAL_MYOCLONUS, rules, columns={"velocity_m_s": velocity})


STEP = Step("propriospinal_myoclonus", decide)


def assess(evidence: Evidence) -> tuple[Finding, None]:
    """Propriospinal myoclonus from the axial-onset jerks found (no indices of its own)."""
    ps = evidence.of_type(TrialType.PROPRIOSPINAL_MYOCLONUS.value)
    has_axial = bool(evidence.inputs.labels_with_role(Role.AXIAL))
    return propriospinal_myoclonus(has_axial=has_axial, n_events=len(ps), velocities_m_s=ps["velocity_m_s"].tolist(),
                                   n_transitions=len(evidence.inputs.context.transitions),
                                   rules=evidence.inputs.rules), None


def propriospinal_myoclonus(*, has_axial: bool, n_events: int, velocities_m_s: list[float], n_transitions: int,
                            rules: RuleSet) -> Finding:
    """Axial-onset jerks spreading at propriospinal velocities in the wakefulness before sleep."""
    v = [x for x in velocities_m_s if math.isfinite(x)]
    median_m_s = float(np.median(v)) if v else float("nan")
    minimums = [Minimum("wake_to_sleep_transitions", rules.psm_min_transitions, n_transitions,
                        "wake-to-sleep transition(s)", "",
                        "propriospinal myoclonus at sleep onset lives in the relaxed wakefulness before sleep "
                        "(Montagna et al. 2006)")]
    values = {"ruleset": rules.name, "n_jerks": int(n_events), "median_velocity_m_s": median_m_s,
              "velocity_range_m_s": [rules.psm_min_velocity_m_s, rules.psm_max_velocity_m_s],
              "motor_conduction_m_s": rules.psm_motor_cv_m_s, "minimum_evidence": minimum_evidence(minimums)}
    if not has_axial:
        return Finding(FindingCode.PROPRIOSPINAL_MYOCLONUS, None,
                       f"No axial EMG channel (abdominal, paraspinal, intercostal), so propriospinal myoclonus "
                       f"cannot be assessed {tag(rules)}.", values)
    short = insufficient(FindingCode.PROPRIOSPINAL_MYOCLONUS, minimums, values, rules,
                         subject="propriospinal myoclonus at sleep onset",
                         seen=f"{n_events} axial-onset jerks spread at propriospinal velocities")
    if short is not None:
        return short
    present = n_events >= rules.psm_min_events
    ev = (f"{n_events} jerks start in an axial muscle at sleep onset and spread along the cord at "
          f"{fmt(median_m_s)} m/s (median, each muscle's motor conduction at {rules.psm_motor_cv_m_s:g} m/s taken "
          f"out; propriospinal range {rules.psm_min_velocity_m_s:g}-{rules.psm_max_velocity_m_s:g} m/s), "
          f"{'at least' if present else 'fewer than'} the {rules.psm_min_events} required; no cortical "
          f"potential was checked {tag(rules)}.")
    return Finding(FindingCode.PROPRIOSPINAL_MYOCLONUS, bool(present), ev, values)

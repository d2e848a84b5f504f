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
cranial muscle such as the chin) is left out of the velocity.

The velocity is one regression over all the event's muscles (segment firing time against
cord distance from the origin), not a velocity per muscle pair: EMG onsets carry errors of
several ms (one or two samples at 200-256 Hz, more where a burst rises out of noise) while
the segments of neighbouring leg muscles are 2 cm apart on the cord (4 ms at 5 m/s), so
per-pair velocities and recruitment orders scatter far outside 3-11 m/s on true spreads
(end to end, about half the simulated propriospinal jerks became ``myoclonic_jerk`` that
way).  A jerk that also fires a cranial muscle (the chin) is not propriospinal: the spread
along the cord spares the cranially innervated muscles (Chokroverty 1995; Brown et al. 1991).
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
    segment, :mod:`.anatomy`, at ``rules.psm_motor_cv_m_s``) is the time its segment fired.
    The velocity is the inverse slope of the least-squares line of those times against each
    segment's cord distance from the origin (the segment that fired first), over every
    muscle at once: the latency-distance relation clinicians read off the recruitment
    pattern (Brown et al., Brain 1991; Chokroverty 1995).  One regression over all muscles
    keeps one muscle's onset error (a few ms, 10-15 ms when a burst starts out of noise) from
    deciding the event, where a velocity computed from the difference of two muscles 2 cm
    apart on the cord (quadriceps L3 and tibialis anterior L5, 4 ms at 5 m/s) swings
    with every millisecond (issue 9, defect 11).

    Parameters
    ----------
    recruitment : sequence of (label, role, latency_ms)
        Each muscle's first EMG burst in recruitment order: channel label, role and onset
        latency (ms) after the event's onset (:meth:`EventTable.recruitment`).
    rules : RuleSet

    Returns
    -------
    velocity_m_s : float
        Inverse slope of segment firing time on cord distance.  NaN when there is no
        propriospinal spread: the segment that fired first is not an axial muscle's, fewer
        than ``psm_min_channels`` distinct segment levels (origin included), firing times do
        not grow with distance (one-sided test of the slope at ``psm_spread_alpha``), or the
        velocity lies outside ``psm_min_velocity_m_s``-``psm_max_velocity_m_s``.
    n_channels : int
        Muscles used (origin included).
    direction : str
        ``"rostral"``, ``"caudal"``, ``"both"`` or ``""``.
    """
    from scipy import stats

    nan = float("nan"), 0, ""
    cv = rules.psm_motor_cv_m_s
    # when each muscle's segment fired: its EMG onset less its motor conduction time
    fired = [(r, m, r.latency_ms - m.conduction_ms(cv)) for r in (Recruit(*x) for x in recruitment)
             if (m := muscle_at(r.label, r.role)) is not None]
    # distinct segment levels: homologous muscles at one level (both legs) give one distance;
    # the origin plus >= 2 other levels, or a line through two points fits any delay
    if len({m.cord_cm for _, m, _ in fired}) < rules.psm_min_channels:
        return nan
    first, origin, fired_ms = min(fired, key=lambda f: f[2])  # the segment that fired first
    if first.role != Role.AXIAL.value:
        return nan
    dist_m = np.array([abs(m.cord_cm - origin.cord_cm) / 100.0 for _, m, _ in fired])
    time_s = np.array([(t_ms - fired_ms) / 1000.0 for _, _, t_ms in fired])
    fit = stats.linregress(dist_m, time_s, alternative="greater")
    # a spread: firing times grow with distance from the origin beyond chance (near-synchronous
    # jerks such as hypnic jerks, onsets within ~50 ms in any order, give no such slope)
    if not (fit.slope > 0.0 and fit.pvalue < rules.psm_spread_alpha):
        return nan
    v = 1.0 / float(fit.slope)
    # one propriospinal pathway: 3-11 m/s (Chokroverty 1995; Montagna2006)
    if not rules.psm_min_velocity_m_s <= v <= rules.psm_max_velocity_m_s:
        return nan
    dirs = {"rostral" if m.cord_cm < origin.cord_cm else "caudal" for _, m, _ in fired if m.cord_cm != origin.cord_cm}
    direction = "both" if len(dirs) == 2 else dirs.pop()
    return v, len(fired), direction


def decide(events: EventTable, state: Cascade, inputs: RuleInputs) -> Decision:
    """Axial first muscle, spread along the cord at 3-11 m/s, no cranial muscle, in wake, N1 or a
    transition window, bursts <= 2 s.

    Propriospinal myoclonus recruits the muscles innervated along the cord and spares the
    cranially innervated ones (Chokroverty 1995: "with or without spread to the limbs excluding
    the cranially innervated muscles"; Brown et al., Brain 1991); a jerk that also fires the chin
    (submental) muscle comes from above the cord, as hypnic jerks and startle do, whatever order
    its spinal muscles happen to fire in.  The spread velocity of every undecided axial event
    is reported (``velocity_m_s``).
    """
    rs = inputs.rules
    velocity = np.full(events.n, np.nan)
    mask = np.zeros(events.n, dtype=bool)
    rules: list[str] = []
    in_trans = np.asarray(inputs.context.in_transition(events.onset_s), dtype=bool) if events.n \
        else np.zeros(0, bool)
    cranial = events.has_region(Role.CHIN.value)
    for i in np.flatnonzero(state.free & events.has_region(Role.AXIAL.value)):
        v, nch, direction = propagation_velocity(events.recruitment(int(i)), rules=rs)
        velocity[i] = v
        relaxed = events.stage[i] in (int(Stage.W), int(Stage.N1)) or in_trans[i]
        if (math.isfinite(v) and rs.psm_min_velocity_m_s <= v <= rs.psm_max_velocity_m_s and relaxed
                and not cranial[i] and events.max_burst_s[i] <= rs.psm_max_burst_s):
            mask[i] = True
            rules.append(f"axial onset, {direction} spread along the cord at {v:.1f} m/s over {nch} muscles")
    return Decision(mask, TrialType.PROPRIOSPINAL_MYOCLONUS, rules, columns={"velocity_m_s": velocity})


STEP = Step("propriospinal_myoclonus", decide)


def assess(evidence: Evidence) -> tuple[Finding, None]:
    """Propriospinal myoclonus from the axial-onset jerks found (no indices of its own)."""
    ps = evidence.of_type(TrialType.PROPRIOSPINAL_MYOCLONUS.value)
    has_axial = bool(evidence.inputs.labels_with_role(Role.AXIAL))
    return propriospinal_myoclonus(has_axial=has_axial, n_events=len(ps), velocities_m_s=ps["velocity_m_s"].tolist(),
                                   n_transitions=len(evidence.transitions),
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
          f"{'at least' if present else 'fewer than'} the {rules.psm_min_events} required; the absence of a "
          f"cortical potential before them (Montagna et al. 2006) is not tested: back-averaging examines the "
          f"unexplained jerks {tag(rules)}.")
    return Finding(FindingCode.PROPRIOSPINAL_MYOCLONUS, bool(present), ev, values)

"""Propriospinal myoclonus (PSM) at sleep onset: axial origin, slow spread along the cord.

Montagna et al. 2006 / Vetrugno et al. 2001: jerks of 100-400 ms (up to ~2 s) start in an
axial muscle (abdominal, paraspinal, intercostal) during relaxed wakefulness and drowsiness,
then spread rostrally and caudally at 3-11 m/s, the velocity of propriospinal pathways.  The
velocity is the distance between the spinal segments that innervate the muscles divided by
the difference of their onset latencies.  :data:`SEGMENT_CM` gives each muscle's segment
position along the cord; a channel whose muscle cannot be identified (or a cranial muscle
such as the chin) is left out.

Cord geometry: segment lengths of the adult spinal cord from Ko et al., Spinal Cord
2004;42:35-40 (cervical ~12 mm, thoracic ~22 mm, lumbar ~10 mm, sacral ~6 mm per segment;
C1 to conus ~44 cm, consistent with Frostell et al., Front Neurol 2016).  Positions are cm
below the top of C1 at mid-segment.  Innervation (myotomes) from standard
neuro-anatomy tables (e.g. Kendall, Muscles: Testing and Function, 5th ed., 2005).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np

from ..vocab import FindingCode, Role, Stage, TrialType
from .cascade import Cascade, Decision, Step
from .findings import Evidence, Finding, fmt, tag
from .rules import RuleSet
from .table import EventTable, Recruit, RuleInputs

__all__ = ["MUSCLE_SEGMENTS", "SEGMENT_CM", "STEP", "assess", "muscle_position_cm", "propagation_velocity",
           "propriospinal_myoclonus", "segment_position_cm"]

_LEN_CM = {"C": 1.2, "T": 2.2, "L": 1.0, "S": 0.6}  # Ko et al. 2004 segment lengths
_COUNT = {"C": 8, "T": 12, "L": 5, "S": 5}


def _positions() -> dict[str, float]:
    out: dict[str, float] = {}
    top = 0.0
    for region in "CTLS":
        for k in range(1, _COUNT[region] + 1):
            out[f"{region}{k}"] = round(top + _LEN_CM[region] * 0.5, 2)
            top += _LEN_CM[region]
    return out


#: Mid-segment position (cm below the top of C1) of every spinal segment C1..S5.
SEGMENT_CM: dict[str, float] = _positions()

#: Label keyword -> innervating segment (centre of the myotome range in the comment).
MUSCLE_SEGMENTS: tuple[tuple[str, str], ...] = (
    ("sternocleid", "C2"), ("scm", "C2"),          # accessory nerve + C2-C3
    ("trapez", "C3"),                               # C3-C4
    ("deltoid", "C5"),                              # C5-C6
    ("bicep", "C6"),                                # C5-C6
    ("tricep", "C7"), ("extensor", "C7"), ("edc", "C7"),  # C6-C8 / C7
    ("fds", "C8"), ("flexor", "C8"),                # C7-T1
    ("intercost", "T6"),                            # T1-T11, mid-chest lead
    ("rectabd", "T10"), ("rectus abd", "T10"), ("abdom", "T10"), ("oblique", "T10"),  # T7-T12
    ("paraspin", "T8"), ("erector", "T8"),          # segmental; thoracic lead by default
    ("iliopsoas", "L2"), ("quadricep", "L3"), ("vastus", "L3"), ("adductor", "L3"),  # L2-L4
    ("tibialis", "L5"), ("tib", "L5"), ("lat", "L5"), ("rat", "L5"),  # deep peroneal L4-L5
    ("hamstring", "S1"), ("gastroc", "S1"), ("soleus", "S1"),  # L5-S2
)
_ROLE_DEFAULT = {"leg": "L5", "arm": "C7"}  # PSG leg EMG = tibialis anterior; arm: forearm (C6-C8)
_LEVEL = re.compile(r"(?<![A-Za-z0-9])([CTLS])(\d{1,2})(?![0-9])")


def segment_position_cm(segment: str) -> float | None:
    """Position (cm below C1) of a segment name such as ``"T10"``; None if unknown."""
    return SEGMENT_CM.get(str(segment).strip().upper())


def muscle_position_cm(label: str, role: str | None = None) -> float | None:
    """Spinal position (cm below C1) of the segment innervating the muscle under ``label``.

    An explicit level in the label (``"Paraspinal T6"``, ``"EMG L2 paraspinal"``) wins; then
    muscle keywords; then the role's default (leg: tibialis anterior, arm: forearm).  Chin
    and other cranial muscles return None.
    """
    text = str(label)
    low = re.sub(r"[^a-z ]", "", text.lower().replace("_", " ").replace("-", " "))
    if any(k in low for k in ("chin", "submental", "mentalis", "masseter")):
        return None
    if role == "axial" or "paraspin" in low or "erector" in low:
        m = _LEVEL.search(text.upper())
        if m and f"{m.group(1)}{int(m.group(2))}" in SEGMENT_CM:
            return SEGMENT_CM[f"{m.group(1)}{int(m.group(2))}"]
    words = set(low.split())
    compact = low.replace(" ", "")
    for key, seg in MUSCLE_SEGMENTS:
        if (len(key) <= 3 and key in words) or (len(key) > 3 and key.replace(" ", "") in compact):
            return SEGMENT_CM[seg]
    if role in _ROLE_DEFAULT:
        return SEGMENT_CM[_ROLE_DEFAULT[role]]
    return None


def propagation_velocity(recruitment: Sequence[Recruit | tuple[str, str, float]], *,
                         rules: RuleSet) -> tuple[float, int, str]:
    """Spread velocity (m/s) of one motor event from its axial origin.

    Parameters
    ----------
    recruitment : sequence of (label, role, latency_ms)
        Each muscle's first EMG burst in recruitment order: channel label, role and onset
        latency (ms) after the event's onset (:meth:`EventTable.recruitment`).
    rules : RuleSet

    Returns
    -------
    velocity_m_s : float
        Median over recruited channels of distance / latency.  NaN when there is no
        propriospinal spread: the first channel is not axial, fewer than
        ``psm_min_channels`` distinct segment levels (origin included) with positive latencies, a channel
        closer to the origin recruited later than a farther one in the same direction, or
        any channel's velocity outside ``psm_min_velocity_m_s``-``psm_max_velocity_m_s``.
    n_channels : int
        Channels used (origin included).
    direction : str
        ``"rostral"``, ``"caudal"``, ``"both"`` or ``""``.
    """
    lat = [Recruit(*r) for r in recruitment]
    if len(lat) < rules.psm_min_channels:
        return float("nan"), 0, ""
    first_label, first_role, first_ms = lat[0]
    if first_role != Role.AXIAL.value:
        return float("nan"), 0, ""
    origin = muscle_position_cm(first_label, "axial")
    if origin is None:
        return float("nan"), 0, ""
    vel: list[float] = []
    dirs: set[str] = set()
    per_dir: dict[str, list[tuple[float, float]]] = {"rostral": [], "caudal": []}
    positions: set[float] = set()
    for label, role, ms in lat[1:]:
        pos = muscle_position_cm(label, role)
        dt_s = (ms - first_ms) / 1000.0
        if pos is None or pos == origin or dt_s <= 0:
            continue
        d = "rostral" if pos < origin else "caudal"
        dist_m = abs(pos - origin) / 100.0
        per_dir[d].append((dist_m, dt_s))
        vel.append(dist_m / dt_s)
        dirs.add(d)
        positions.add(pos)
    for d, pairs in per_dir.items():
        pairs.sort()
        lats = [p[1] for p in pairs]
        if any(b < a for a, b in zip(lats, lats[1:])):
            return float("nan"), 0, ""
    # distinct segment levels: homologous muscles at one level (both legs) give one distance
    if len(positions) + 1 < rules.psm_min_channels:
        return float("nan"), 0, ""
    # one propriospinal pathway: every recruited segment is reached at 3-11 m/s (Montagna2006);
    # near-synchronous jerks (hypnic jerks, onsets within ~50 ms) give scattered 'velocities'
    if min(vel) < rules.psm_min_velocity_m_s or max(vel) > rules.psm_max_velocity_m_s:
        return float("nan"), 0, ""
    direction = "both" if len(dirs) == 2 else dirs.pop()
    return float(np.median(vel)), len(vel) + 1, direction


def decide(events: EventTable, state: Cascade, inputs: RuleInputs) -> Decision:
    """Axial first muscle, spread at 3-11 m/s, in wake, N1 or a transition window, bursts <= 2 s.

    The spread velocity of every undecided axial-onset event is reported (``velocity_m_s``).
    """
    rs = inputs.rules
    velocity = np.full(events.n, np.nan)
    mask = np.zeros(events.n, dtype=bool)
    rules: list[str] = []
    in_trans = np.asarray(inputs.context.in_transition(events.onset_s), dtype=bool) if events.n \
        else np.zeros(0, bool)
    for i in np.flatnonzero(state.free & (events.first_role == Role.AXIAL.value)):
        v, nch, direction = propagation_velocity(events.recruitment(int(i)), rules=rs)
        velocity[i] = v
        relaxed = events.stage[i] in (int(Stage.W), int(Stage.N1)) or in_trans[i]
        if (math.isfinite(v) and rs.psm_min_velocity_m_s <= v <= rs.psm_max_velocity_m_s and relaxed
                and events.max_burst_s[i] <= rs.psm_max_burst_s):
            mask[i] = True
            rules.append(f"axial onset, {direction} spread at {v:.1f} m/s over {nch} muscles")
    return Decision(mask, TrialType.PROPRIOSPINAL_MYOCLONUS, rules, columns={"velocity_m_s": velocity})


STEP = Step("propriospinal_myoclonus", decide)


def assess(evidence: Evidence) -> tuple[Finding, None]:
    """Propriospinal myoclonus from the axial-onset jerks found (no indices of its own)."""
    ps = evidence.of_type(TrialType.PROPRIOSPINAL_MYOCLONUS.value)
    has_axial = bool(evidence.inputs.labels_with_role(Role.AXIAL))
    return propriospinal_myoclonus(has_axial=has_axial, n_events=len(ps), velocities_m_s=ps["velocity_m_s"].tolist(),
                                   rules=evidence.inputs.rules), None


def propriospinal_myoclonus(*, has_axial: bool, n_events: int, velocities_m_s: list[float],
                            rules: RuleSet) -> Finding:
    """Axial-onset jerks spreading at propriospinal velocities."""
    import numpy as np

    v = [x for x in velocities_m_s if math.isfinite(x)]
    median_m_s = float(np.median(v)) if v else float("nan")
    values = {"ruleset": rules.name, "n_jerks": int(n_events), "median_velocity_m_s": median_m_s,
              "velocity_range_m_s": [rules.psm_min_velocity_m_s, rules.psm_max_velocity_m_s]}
    if not has_axial:
        return Finding(FindingCode.PROPRIOSPINAL_MYOCLONUS, None,
                       f"No axial EMG channel (abdominal, paraspinal, intercostal), so propriospinal myoclonus "
                       f"cannot be assessed {tag(rules)}.", values)
    present = n_events >= rules.psm_min_events
    ev = (f"{n_events} jerks start in an axial muscle at sleep onset and spread at "
          f"{fmt(median_m_s)} m/s (median; propriospinal range "
          f"{rules.psm_min_velocity_m_s:g}-{rules.psm_max_velocity_m_s:g} m/s), "
          f"{'at least' if present else 'fewer than'} the {rules.psm_min_events} required; no cortical "
          f"potential was checked {tag(rules)}.")
    return Finding(FindingCode.PROPRIOSPINAL_MYOCLONUS, bool(present), ev, values)

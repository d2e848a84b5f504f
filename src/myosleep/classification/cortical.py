"""Cortical myoclonus: what classification can say without EEG (the burst-duration test).

A cortical origin needs a jerk-locked EEG transient before the jerks (back-averaging,
Shibasaki 1992); classification never claims it and never assigns ``cortical_myoclonus``.
It reports the EMG burst durations of the unexplained brief jerks (``myoclonic_jerk``):
cortical bursts are short (a 45-ms cut-off over >= 10 bursts, van der Veen et al. 2024).  The
neurophysiology stage (jerk-locked EEG back-averaging) replaces this finding with its own.
"""

from __future__ import annotations

import math

from ..vocab import FindingCode, TrialType
from .findings import Evidence, Finding, Minimum, minimum_evidence, tag
from .rules import RuleSet

__all__ = ["assess", "cortical_myoclonus"]


def assess(evidence: Evidence) -> tuple[Finding, None]:
    """The burst-duration test over the brief unexplained jerks (no indices of its own)."""
    rs = evidence.inputs.rules
    mj_s = evidence.of_type(TrialType.MYOCLONIC_JERK.value)["max_burst_duration_ms"].to_numpy(float) / 1000.0
    return cortical_myoclonus(burst_durations_s=mj_s[mj_s <= rs.cortical_jerk_max_burst_s].tolist(), rules=rs), None


def cortical_myoclonus(*, burst_durations_s: list[float], rules: RuleSet) -> Finding:
    """What can be said without jerk-locked EEG back-averaging: never 'present'."""
    import numpy as np

    d = np.asarray([x for x in burst_durations_s if math.isfinite(x)], dtype=float)
    med_ms = float(np.median(d) * 1000.0) if d.size else float("nan")
    enough = d.size >= rules.cortical_min_bursts
    short = bool(enough and med_ms < rules.cortical_max_burst_s * 1000.0)
    minimums = [Minimum("bursts", rules.cortical_min_bursts, float(d.size), "brief unexplained jerks", "",
                        "the burst-duration test needs >= 10 bursts (van der Veen et al. 2024)")]
    values = {"ruleset": rules.name, "n_jerks": int(d.size), "lead_ms": None,
              "median_burst_duration_ms": med_ms,
              "short_bursts_pct": float(100.0 * np.mean(d < rules.cortical_max_burst_s)) if d.size else float("nan"),
              "burst_duration_suggests_cortical": short if enough else None,
              "minimum_evidence": minimum_evidence(minimums)}
    if not enough:
        ev = (f"Cannot be assessed yet: {d.size} brief unexplained myoclonic jerks "
              f"(< {rules.cortical_min_bursts} for the "
              f"burst-duration test) and no jerk-locked EEG back-averaging {tag(rules)}.")
    else:
        ev = (f"Cannot be assessed yet without jerk-locked EEG back-averaging; the median EMG burst of "
              f"{d.size} brief unexplained jerks lasts {med_ms:.0f} ms, "
              f"{'below' if short else 'not below'} the {rules.cortical_max_burst_s * 1000:.0f} ms cut-off "
              f"{tag(rules)}.")
    return Finding(FindingCode.CORTICAL_MYOCLONUS, None, ev, values)

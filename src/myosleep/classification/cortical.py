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
from .montage import EMG_SITES
from .rules import RuleSet

__all__ = ["NO_EMG", "assess", "cortical_myoclonus"]

#: Why a montage without EMG gives no burst-duration test.
NO_EMG = ("no EMG channel in the montage, so no EMG burst duration to test (an accelerometer's movement outlasts "
          "the muscle burst)")


def assess(evidence: Evidence) -> tuple[Finding, None]:
    """The burst-duration test over the brief unexplained jerks (no indices of its own).

    Only jerks with EMG give burst durations: an accelerometer-only jerk's "burst" is its movement,
    which outlasts the muscle burst (the test's 45 ms is an EMG burst, van der Veen et al. 2024).
    A montage without EMG gives no test at all, and the evidence says so (defect 36).
    """
    rs = evidence.inputs.rules
    mj = evidence.of_type(TrialType.MYOCLONIC_JERK.value)
    emg = [bool(set(map(str, r)) & set(EMG_SITES)) for r in mj["regions"]]
    mj_s = mj["max_burst_duration_ms"].to_numpy(float)[emg] / 1000.0
    if not any(r in EMG_SITES for r in evidence.inputs.roles.values()):
        return cortical_myoclonus(burst_durations_s=[], rules=rs, no_emg=True), None
    return cortical_myoclonus(burst_durations_s=mj_s[mj_s <= rs.cortical_jerk_max_burst_s].tolist(), rules=rs), None


def cortical_myoclonus(*, burst_durations_s: list[float], rules: RuleSet, no_emg: bool = False) -> Finding:
    """What can be said without jerk-locked EEG back-averaging: never 'present'.

    ``no_emg``: the montage holds no EMG channel, so there is no EMG burst to test
    (``values["burst_test_not_assessed"]`` says so).
    """
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
    if no_emg:
        values["burst_test_not_assessed"] = NO_EMG
        return Finding(FindingCode.CORTICAL_MYOCLONUS, None,
                       f"Cannot be assessed yet: no jerk-locked EEG back-averaging, and {NO_EMG} {tag(rules)}.",
                       values)
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

"""Benign neonatal sleep myoclonus (BNSM): clusters of repetitive jerks at 1-5 Hz in sleep.

Maurer et al., Pediatrics 2010: jerks repeat at 1-5 Hz in clusters lasting seconds, only in
sleep (any stage), and stop abruptly when the infant is aroused or wakes.  Computationally:
consecutive jerks (motor events that are not body movements, whose longest EMG burst lasts at
most ``neonatal_max_burst_s``) whose onset-to-onset intervals are at most 1/1 Hz = 1 s form a
run; a run of at least ``neonatal_min_jerks`` jerks, all in sleep, whose mean rate lies in
1-5 Hz is a BNSM cluster; a cluster reaching into wake is cut there (the jerks in wake are
not BNSM, as the clusters stop on waking), and so is one that meets sustained activity (a body
movement, or a region's activity of seconds such as the chin's rise with an arousal).
"""

from __future__ import annotations

import numpy as np

from ..vocab import FindingCode, TrialType
from .cascade import Cascade, Decision, Step
from .findings import Evidence, Finding, Minimum, fmt, insufficient, minimum_evidence, tag
from .rules import RuleSet
from .table import SLEEP_CODES, EventTable, RuleInputs

__all__ = ["STEP", "assess", "benign_neonatal_sleep_myoclonus", "neonatal_clusters"]


def neonatal_clusters(onsets_s: np.ndarray, asleep: np.ndarray, *, rules: RuleSet,
                      candidate: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Find BNSM clusters among jerk onsets.

    Parameters
    ----------
    onsets_s : array of float
        Jerk onsets (s), any order.
    asleep : array of bool
        Whether each jerk falls in sleep (N1, N2, N3 or R).
    rules : RuleSet
    candidate : array of bool, optional
        Jerks that may belong to a cluster (default: all).

    Returns
    -------
    cluster_id : array of int
        Cluster number per jerk (-1 when not in a BNSM cluster), in the input order.
    rate_hz : array of float
        Mean jerk rate of the jerk's cluster (Hz), NaN outside clusters.
    """
    t = np.asarray(onsets_s, dtype=float)
    n = t.size
    cid = np.full(n, -1, dtype=np.int64)
    rate = np.full(n, np.nan)
    if n == 0:
        return cid, rate
    ok = np.asarray(asleep, dtype=bool) & (np.ones(n, bool) if candidate is None else np.asarray(candidate, bool))
    order = np.argsort(t, kind="stable")
    lo, hi = 1.0 / rules.neonatal_max_rate_hz, 1.0 / rules.neonatal_min_rate_hz
    runs: list[list[int]] = []
    run: list[int] = []
    for i in order:
        if not ok[i]:
            if run:
                runs.append(run)
            run = []
            continue
        if run and t[i] - t[run[-1]] <= hi:
            run.append(i)
        else:
            if run:
                runs.append(run)
            run = [i]
    if run:
        runs.append(run)
    k = 0
    for r in runs:
        span = t[r[-1]] - t[r[0]]
        mean_rate = (len(r) - 1) / span if span > 0 else np.inf
        if len(r) >= rules.neonatal_min_jerks and lo <= 1.0 / mean_rate <= hi:
            cid[r] = k
            rate[r] = mean_rate
            k += 1
    return cid, rate


def decide(events: EventTable, state: Cascade, inputs: RuleInputs) -> Decision:
    """Infants (< ``neonatal_max_age_y``): jerks of a 1-5 Hz cluster in sleep.

    Decided before the leg movements: a 1-5 Hz run of leg jerks would otherwise merge into one
    AASM leg movement (its offset needs 0.5 s of rest).
    """
    rs = inputs.rules
    cluster = np.full(events.n, -1, dtype=np.int64)
    if inputs.age is None or inputs.age.years >= rs.neonatal_max_age_y or not events.n:
        return Decision(np.zeros(events.n, dtype=bool), TrialType.NEONATAL_MYOCLONUS,
                        columns={"cluster_id": cluster})
    asleep = np.isin(events.stage, SLEEP_CODES)
    jerk = ~(events.max_burst_s > rs.neonatal_max_burst_s)  # brief EMG bursts (NaN: no EMG burst to judge)
    cluster, rate = neonatal_clusters(events.onset_s, asleep, rules=rs, candidate=state.free & jerk)
    sel = cluster >= 0
    return Decision(sel, TrialType.NEONATAL_MYOCLONUS,
                    [f"cluster {c} of jerks at {r:.1f} Hz in sleep (BNSM 1-5 Hz)"
                     for c, r in zip(cluster[sel], rate[sel])],
                    columns={"cluster_id": cluster})


STEP = Step("neonatal_myoclonus (age < 1 y)", decide)


def assess(evidence: Evidence) -> tuple[Finding, None]:
    """Benign neonatal sleep myoclonus from the clusters found (no indices of its own)."""
    age = evidence.inputs.age
    nn = evidence.of_type(TrialType.NEONATAL_MYOCLONUS.value)
    tst_h = evidence.indices.tst_h
    n_clusters = int(nn.loc[nn["cluster_id"] >= 0, "cluster_id"].nunique())  # -1: in no cluster
    return benign_neonatal_sleep_myoclonus(
        age_months=None if age is None else age.months, n_clusters=n_clusters, n_jerks=len(nn),
        clusters_per_h=n_clusters / tst_h if tst_h > 0 else float("nan"), n_in_wake_after=0, sleep_min=tst_h * 60.0,
        rules=evidence.inputs.rules), None


def benign_neonatal_sleep_myoclonus(*, age_months: float | None, n_clusters: int, n_jerks: int,
                                    clusters_per_h: float, n_in_wake_after: int, sleep_min: float,
                                    rules: RuleSet) -> Finding:
    """Age-aware BNSM: clusters of 1-5 Hz jerks in sleep in an infant, over >= ``neonatal_min_sleep_min`` of sleep."""
    minimums = [Minimum("sleep_min", rules.neonatal_min_sleep_min, sleep_min, "of sleep", "min",
                        "one infant sleep cycle of active and quiet sleep, about 50 min (Carskadon and Dement "
                        "2011): BNSM occurs in all sleep states and stops on arousal (Maurer et al. 2010)")]
    values = {"ruleset": rules.name, "age_months": age_months, "n_clusters": int(n_clusters),
              "n_neonatal_jerks": int(n_jerks), "clusters_per_h_sleep": clusters_per_h,
              "typical_age": None if age_months is None else bool(age_months < rules.neonatal_typical_max_months),
              "minimum_evidence": minimum_evidence(minimums)}
    if age_months is None:
        return Finding(FindingCode.BENIGN_NEONATAL_SLEEP_MYOCLONUS, None,
                       f"Age not given, so benign neonatal sleep myoclonus (an infant disorder) cannot be assessed; "
                       f"{n_clusters} clusters of 1-5 Hz jerks in sleep were seen {tag(rules)}.", values)
    if age_months / 12.0 >= rules.neonatal_max_age_y:
        return Finding(FindingCode.BENIGN_NEONATAL_SLEEP_MYOCLONUS, False,
                       f"Not applicable at {age_months / 12.0:.1f} years (benign neonatal sleep myoclonus is a "
                       f"disorder of the first year); {n_clusters} clusters of 1-5 Hz jerks in sleep {tag(rules)}.",
                       values)
    short = insufficient(FindingCode.BENIGN_NEONATAL_SLEEP_MYOCLONUS, minimums, values, rules,
                         subject="benign neonatal sleep myoclonus",
                         seen=f"{n_clusters} clusters of 1-5 Hz jerks in sleep were seen")
    if short is not None:
        return short
    present = n_clusters >= 1
    if not present:
        return Finding(FindingCode.BENIGN_NEONATAL_SLEEP_MYOCLONUS, False,
                       f"No cluster of >= {rules.neonatal_min_jerks} jerks at 1-5 Hz in sleep at "
                       f"{age_months:.1f} months {tag(rules)}.", values)
    if age_months < rules.neonatal_typical_max_months:
        age_note = f"typical at {age_months:.1f} months"
    elif age_months < rules.neonatal_unusual_after_months:
        age_note = (f"at {age_months:.1f} months it has outlasted the usual 3 months (a third of infants "
                    f"keep it longer)")
    else:
        age_note = (f"UNUSUAL at {age_months:.1f} months (rarely persists beyond "
                    f"{rules.neonatal_unusual_after_months:g} months): consider other causes")
    ev = (f"{n_clusters} clusters ({n_jerks} jerks at 1-5 Hz, {fmt(clusters_per_h)}/h of sleep) only in sleep, "
          f"{age_note}; benign only with a normal EEG (EEG discharges make it not benign, not checked here) "
          f"{tag(rules)}.")
    return Finding(FindingCode.BENIGN_NEONATAL_SLEEP_MYOCLONUS, True, ev, values)

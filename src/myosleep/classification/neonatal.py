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

from ..vocab import FindingCode, Role, Stage, TrialType
from ._intervals import arousal_mask
from .cascade import Cascade, Decision, Step
from .findings import Evidence, Finding, Minimum, fmt, insufficient, minimum_evidence, tag
from .fragmentary import is_fragmentary
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
    """Clusters of 1-5 Hz jerks, at every age: in sleep they are taken, in wakefulness marked.

    In sleep, under ``neonatal_max_age_y``, a cluster's jerks are ``neonatal_myoclonus``; from
    that age, or without an age, they are ``myoclonic_jerk`` (BNSM begins in the first weeks and
    is gone by the end of the first year, Maurer et al. 2010: a rhythmic cluster then is not BNSM
    and is not a REM twitch either).  Decided before the leg movements: a 1-5 Hz run of leg jerks
    would otherwise merge into one AASM leg movement (its offset needs 0.5 s of rest).

    From 1 year or without an age, the chin-only fragments associated with an arousal (the
    arousal's chin tone, :mod:`.arousal`, AASM association rule) and the single-channel potentials
    of 20-150 ms (fragmentary myoclonus, AASM; :mod:`.fragmentary`) are left out of the runs.

    In wakefulness (W) the same runs are only numbered in ``cluster_id`` (after the sleep clusters)
    and left to the later rules: BNSM stops on waking (Maurer et al. 2010; ICSD-3), so rhythmic
    jerks of an awake infant are not BNSM and the finding says so (:func:`assess`).
    """
    rs = inputs.rules
    cluster = np.full(events.n, -1, dtype=np.int64)
    if not events.n:
        return Decision(np.zeros(0, dtype=bool), TrialType.NEONATAL_MYOCLONUS, columns={"cluster_id": cluster})
    asleep = np.isin(events.stage, SLEEP_CODES)
    awake = events.stage == int(Stage.W)
    jerk = ~(events.max_burst_s > rs.neonatal_max_burst_s)  # brief EMG bursts (NaN: no EMG burst to judge)
    age = inputs.age
    infant = age is not None and age.years < rs.neonatal_max_age_y
    cand = state.free & jerk
    if not infant:  # the chin's fragments of an arousal are its tone (:mod:`.arousal`), FM potentials are FM
        chin_only = np.array([r == {Role.CHIN.value} for r in events.regions], dtype=bool)
        cand &= ~(chin_only & (events.n_channels == 1) & arousal_mask(
            events.onset_s, events.offset_s, inputs.context.arousals, rs.arousal_gap_s))
        cand &= ~is_fragmentary(events, rules=rs)
    cluster, rate = neonatal_clusters(events.onset_s, asleep, rules=rs, candidate=cand)
    in_wake, _ = neonatal_clusters(events.onset_s, awake, rules=rs, candidate=cand)
    n_sleep = int(cluster.max()) + 1
    cluster = np.where(in_wake >= 0, in_wake + n_sleep, cluster)
    sel = (cluster >= 0) & asleep
    if infant:
        return Decision(sel, TrialType.NEONATAL_MYOCLONUS,
                        [f"cluster {c} of jerks at {r:.1f} Hz in sleep (BNSM 1-5 Hz)"
                         for c, r in zip(cluster[sel], rate[sel])],
                        columns={"cluster_id": cluster})
    why = "age not given" if age is None else f"at {age.years:.1f} years"
    return Decision(sel, TrialType.MYOCLONIC_JERK,
                    [f"cluster {c} of jerks at {r:.1f} Hz in sleep: a rhythmic cluster, not benign neonatal "
                     f"sleep myoclonus ({why}; BNSM only under {rs.neonatal_max_age_y:g} year)"
                     for c, r in zip(cluster[sel], rate[sel])],
                    columns={"cluster_id": cluster})


STEP = Step("neonatal_myoclonus (age < 1 y)", decide)


def assess(evidence: Evidence) -> tuple[Finding, None]:
    """Benign neonatal sleep myoclonus from the clusters found (no indices of its own).

    The clusters are counted from the events (``cluster_id`` >= 0) at every age: those in sleep
    and those in wakefulness (W), each with their jerks."""
    age = evidence.inputs.age
    ev = evidence.events if evidence.counted is None else evidence.events[evidence.counted]
    in_cluster = ev[ev["cluster_id"].fillna(-1).astype(int) >= 0]
    sleep = in_cluster[in_cluster["stage"].isin(["N1", "N2", "N3", "R"])]
    wake = in_cluster[in_cluster["stage"] == "W"]
    tst_h = evidence.indices.tst_h
    n_clusters = int(sleep["cluster_id"].nunique())
    return benign_neonatal_sleep_myoclonus(
        age_months=None if age is None else age.months, n_clusters=n_clusters, n_jerks=len(sleep),
        clusters_per_h=n_clusters / tst_h if tst_h > 0 else float("nan"),
        n_wake_clusters=int(wake["cluster_id"].nunique()), n_wake_jerks=len(wake), sleep_min=tst_h * 60.0,
        rules=evidence.inputs.rules), None


def benign_neonatal_sleep_myoclonus(*, age_months: float | None, n_clusters: int, n_jerks: int,
                                    clusters_per_h: float, n_wake_clusters: int, n_wake_jerks: int,
                                    sleep_min: float, rules: RuleSet) -> Finding:
    """Age-aware BNSM: clusters of 1-5 Hz jerks in sleep in an infant, over >= ``neonatal_min_sleep_min`` of sleep.

    BNSM occurs only in sleep and stops abruptly on waking (Maurer et al., Pediatrics 2010; ICSD-3):
    any cluster in wakefulness (``n_wake_clusters``) excludes it at any age (False, or None below the
    minimum of sleep) and is a red flag (``values["red_flag"]``, also a summary.json warning): rhythmic
    jerks of an awake infant call for an EEG (neonatal seizures, epileptic myoclonus).  From
    ``neonatal_max_age_y``, clusters in sleep are not BNSM either (onset in the first weeks, gone by
    6-7 months, Maurer et al. 2010) and the evidence says so (epileptic myoclonus, sleep-related
    rhythmic movement disorder, ICSD-3).  Without an age it cannot be assessed; the clusters are
    counted at every age.
    """
    minimums = [Minimum("sleep_min", rules.neonatal_min_sleep_min, sleep_min, "of sleep", "min",
                        "one infant sleep cycle of active and quiet sleep, about 50 min (Carskadon and Dement "
                        "2011): BNSM occurs in all sleep states and stops on arousal (Maurer et al. 2010)")]
    red_flag = None
    if n_wake_clusters:
        red_flag = (f"{n_wake_clusters} clusters of 1-5 Hz jerks in wakefulness ({n_wake_jerks} jerks): not benign "
                    f"neonatal sleep myoclonus, which occurs only in sleep and stops on waking (Maurer et al. 2010; "
                    f"ICSD-3); rhythmic jerks while awake call for an EEG (seizures, epileptic myoclonus)")
    values = {"ruleset": rules.name, "age_months": age_months, "n_clusters": int(n_clusters),
              "n_neonatal_jerks": int(n_jerks), "clusters_per_h_sleep": clusters_per_h,
              "n_wake_clusters": int(n_wake_clusters), "n_wake_cluster_jerks": int(n_wake_jerks),
              "red_flag": red_flag,
              "typical_age": None if age_months is None else bool(age_months < rules.neonatal_typical_max_months),
              "minimum_evidence": minimum_evidence(minimums)}
    seen = f"{n_clusters} clusters of 1-5 Hz jerks in sleep ({n_jerks} jerks)"
    wake = f"; RED FLAG: {red_flag}" if red_flag else "; none in wakefulness"
    if age_months is None:
        return Finding(FindingCode.BENIGN_NEONATAL_SLEEP_MYOCLONUS, None,
                       f"Age not given, so benign neonatal sleep myoclonus (an infant disorder) cannot be assessed; "
                       f"{seen} were seen{' (classed myoclonic_jerk: give --age)' if n_clusters else ''}{wake} "
                       f"{tag(rules)}.", values)
    if age_months / 12.0 >= rules.neonatal_max_age_y:
        other = (": rhythmic jerk clusters in sleep are not BNSM at this age, consider other causes (epileptic "
                 "myoclonus, sleep-related rhythmic movement disorder; ICSD-3) and see a doctor"
                 if n_clusters else "")
        return Finding(FindingCode.BENIGN_NEONATAL_SLEEP_MYOCLONUS, False,
                       f"Not applicable at {age_months / 12.0:.1f} years (benign neonatal sleep myoclonus is a "
                       f"disorder of the first year); {seen}{other}{wake} {tag(rules)}.", values)
    short = insufficient(FindingCode.BENIGN_NEONATAL_SLEEP_MYOCLONUS, minimums, values, rules,
                         subject="benign neonatal sleep myoclonus", seen=seen + wake)
    if short is not None:
        return short
    if red_flag:
        return Finding(FindingCode.BENIGN_NEONATAL_SLEEP_MYOCLONUS, False,
                       f"RED FLAG: {red_flag}; {seen} at {age_months:.1f} months {tag(rules)}.", values)
    present = n_clusters >= 1
    if not present:
        return Finding(FindingCode.BENIGN_NEONATAL_SLEEP_MYOCLONUS, False,
                       f"No cluster of >= {rules.neonatal_min_jerks} jerks at 1-5 Hz in sleep or wakefulness at "
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
          f"{age_note}; benign only with a normal EEG (EEG discharges make it not benign, not checked here). "
          f"For parents: harmless and usually gone by 3 months, rarely past 6; jerks while awake or after 6 "
          f"months: see a doctor (Maurer et al. 2010) {tag(rules)}.")
    return Finding(FindingCode.BENIGN_NEONATAL_SLEEP_MYOCLONUS, True, ev, values)

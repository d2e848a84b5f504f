"""Benign neonatal sleep myoclonus (BNSM): clusters of repetitive jerks at 1-5 Hz in sleep.

Maurer et al., Pediatrics 2010: jerks repeat at 1-5 Hz in clusters lasting seconds, only in
sleep (any stage), and stop abruptly when the infant is aroused or wakes.  Computationally:
consecutive jerks (motor events that are not body movements) whose onset-to-onset intervals
are at most 1/1 Hz = 1 s form a run; a run of at least ``neonatal_min_jerks`` jerks, all in
sleep, whose mean rate lies in 1-5 Hz is a BNSM cluster; a cluster reaching into
wake is cut there (the jerks in wake are not BNSM, as the clusters stop on waking).
"""

from __future__ import annotations

import numpy as np

from .rules import RuleSet

__all__ = ["neonatal_clusters"]


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

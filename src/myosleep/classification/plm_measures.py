"""Measures of the leg movements beside the PLMS index: the all-candidate PLMS count of WASM 2016 and
Ferri's periodicity index.

**Both PLMS indices of WASM 2016** (Ferri et al., Sleep Med 2016;26:86-95).  WASM 2016 computes
the PLMS rate first from all candidate LMs (CLM), "providing a consistent number across studies
regardless of the rules used to define association with respiration", and then without the
respiratory-related CLMs (CLMr).  PLMScoRe (Fulda, a WASM 2016 author; github.com/Steph-Fulda/PLMScoRe,
``R/lm_score.R``, function ``plm``: "Case 1 without removing rLM", "Case 2 with removing rLM")
outputs both, as ``PLM`` and ``PLMnr``.  :func:`all_candidate_series` finds the series of the
first: the CLMr stay in the sequence.  (Under AASM a respiratory-related LM is not scored at
all, VII.A.2.f: there is no all-LM PLMS index.)

**Periodicity index** (Ferri R, Zucconi M, Manconi M et al., "New approaches to the study of
periodic leg movements during sleep in restless legs syndrome", Sleep 2006;29:759-769): the number
of inter-movement intervals (onset to onset) of 10 < IMI <= 90 s that belong to a run of at least
three consecutive such intervals (four or more LMs), divided by the total number of intervals
between LMs in sleep.  0 when no interval belongs to such a run, 1 when all do.  The Stanford EDF
Viewer's implementation (H. Moore IV, ``calculatePLMstruct``: ``meet_ferri_inter_lm_duration_criteria``
over runs of 3 intervals, divided by ``LM_count - 1``) is the same count.  (PLMScoRe's and SOMAS's
"periodicity index" is another measure, the PLM/CLM ratio.)

Which LMs and intervals: the LMs the ruleset counts (AASM: scored, not respiratory-related; WASM
2016: every CLM), between lights off and on, both LMs of an interval in sleep (N1, N2, N3, R) and
next to each other in the night's sequence of LMs.  An interval is not measured (neither counted
nor part of a run) across a movement that ends a series (WASM 2016: an LM that is no CLM), across a
wake LM, or across a gap of the recording.

The minimum: a run is 3 intervals, so with fewer than 3 measured intervals (4 LMs in sleep) the
index cannot show periodicity at all and is not computed (None, "cannot be assessed").
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from .rules import RuleSet

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["PeriodicityIndex", "all_candidate_series", "periodicity_index"]

_SLEEP = ("N1", "N2", "N3", "R")


class PeriodicityIndex(NamedTuple):
    """Ferri's periodicity index and what it was computed from.

    Attributes
    ----------
    value : float | None
        The index (0-1); None when fewer than ``rules.pi_min_intervals`` intervals were measured.
    n_intervals : int
        Intervals measured (both LMs in sleep, next to each other).
    n_in_runs : int
        Of those, the intervals of 10 < IMI <= 90 s in runs of >= 3.
    """

    value: float | None
    n_intervals: int
    n_in_runs: int


def all_candidate_series(lm: pd.DataFrame, *, inside: np.ndarray, rules: RuleSet,
                         gaps_s: Sequence[tuple[float, float]] = ()) -> np.ndarray:
    """Which rows of a leg-movement table (:data:`myosleep.schema.LEG_MOVEMENTS`, sorted by onset) are
    periodic when the respiratory-related CLMs stay in the sequence (WASM 2016's first PLMS rate).

    ``inside``: the rows in the recording period (the others are in no series).
    """
    from .plm import plm_series

    if len(lm) == 0:
        return np.zeros(0, dtype=bool)
    eligible = lm["candidate"].to_numpy(bool) & inside
    _, _, periodic = plm_series(lm["onset"].to_numpy(float), eligible=eligible,
                                breaks=lm["breaks_series"].to_numpy(bool) & inside, rules=rules, gaps_s=gaps_s)
    return periodic


def periodicity_index(onsets_s: np.ndarray, stages: Sequence[str], *, counted: np.ndarray, breaks: np.ndarray,
                      rules: RuleSet, gaps_s: Sequence[tuple[float, float]] = ()) -> PeriodicityIndex:
    """Ferri's periodicity index of a night's leg movements (module docstring).

    Parameters
    ----------
    onsets_s : array of float
        LM onsets (s), ascending.
    stages : sequence of str
        Stage at each onset (W, N1, N2, N3, R, n/a).
    counted : array of bool
        LMs the ruleset counts, between lights off and on.
    breaks : array of bool
        Movements that end a series (WASM 2016: LMs that are no CLMs), between lights off and on:
        no interval is measured across them.
    rules : RuleSet
        ``pi_min_interval_s`` (exclusive), ``pi_max_interval_s``, ``pi_min_run_intervals``,
        ``pi_min_intervals``.
    gaps_s : sequence of (start, stop)
        Gaps of the recording (s): no interval across them.
    """
    on = np.asarray(onsets_s, dtype=float)
    asleep = np.isin(np.asarray(list(stages), dtype=object), _SLEEP)
    seq = np.flatnonzero(np.asarray(counted, dtype=bool) | np.asarray(breaks, dtype=bool))
    # measured intervals in order; None marks a place where a run is broken (no interval measured)
    values: list[float | None] = []
    for a, b in zip(seq[:-1], seq[1:]):
        ok = (counted[a] and counted[b] and asleep[a] and asleep[b]
              and not any(g0 < on[b] and g1 > on[a] for g0, g1 in gaps_s))
        values.append(float(on[b] - on[a]) if ok else None)
    measured = [v for v in values if v is not None]
    n_in_runs, run = 0, 0
    for v in [*values, None]:
        if v is not None and rules.pi_min_interval_s < v <= rules.pi_max_interval_s:
            run += 1
            continue
        if run >= rules.pi_min_run_intervals:
            n_in_runs += run
        run = 0
    n = len(measured)
    value = n_in_runs / n if n >= rules.pi_min_intervals else None
    return PeriodicityIndex(value, n, n_in_runs)

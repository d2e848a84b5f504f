"""Fragmentary myoclonus (FM) potentials and the AASM 'excessive fragmentary myoclonus' count.

What is counted as an FM potential (documented choice): a motor event on a single channel
(asynchronous: no other muscle recruited within the grouping window of the detector), whose
burst lasts at most 150 ms (AASM VII.D maximum) and at least 20 ms (the shortest burst the
short-burst detector resolves; Frauscher et al. 2014 set no lower bound), of any amplitude
(Frauscher et al. 2014; AASM VII.D sets none), **in sleep** (N1, N2, N3, R).  Fragmentary
myoclonus is a sleep phenomenon: Broughton et al. 1985 described "fragmentary hypnic
myoclonus" in NREM sleep, AASM VII.D scores EFM in NREM sleep, and Frauscher et al. 2014
count FM potentials in sleep (per hour of sleep, by sleep stage).  A brief single-muscle
potential in wakefulness (or where the stage is unknown) is not FM: it stays an unexplained
``myoclonic_jerk`` whose rule says so (:func:`brief_potential_in_wake`).  That is also what a
clinician needs: cortical myoclonus is brief (10-50 ms), focal and most active in
wakefulness (Shibasaki and Hallett, Mov Disord 2005), so calling such jerks benign FM would
hide exactly the jerks that the burst-duration test and the EEG back-averaging examine.
The excessive-FM count keeps only potentials of >= 50 uV peak-to-peak (Broughton 1985,
DESIGN.md; 17.7 uV in the RMS envelope, see :mod:`.rules`) in NREM.

'Sustained' (AASM VII.D: >= 5 potentials per minute for >= 20 minutes of NREM sleep) is
computed on consecutive 1-min bins of the night: a bin counts when its whole minute is NREM
and it holds >= 5 potentials; EFM is present when >= 20 such minutes exist.  The AASM rule
does not require the minutes to be contiguous, so neither does this count; the longest
contiguous run is reported beside it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..vocab import FindingCode, TrialType
from .cascade import Cascade, Decision, Step
from .findings import Evidence, Finding, Minimum, fmt, insufficient, minimum_evidence, tag
from .rules import RuleSet
from .table import SLEEP_CODES, EventTable, RuleInputs

__all__ = ["STEP", "assess", "brief_potential_in_wake", "excessive_fm_minutes", "excessive_fragmentary_myoclonus",
           "is_brief_potential", "is_fragmentary"]


def is_brief_potential(events: EventTable, *, rules: RuleSet) -> np.ndarray:
    """Which motor events have the shape of an FM potential, whatever the stage (bool per event).

    One channel, longest EMG burst <= ``fm_max_burst_s``, shortest >= ``fm_min_burst_s``, not a
    body movement.  Accelerometer-only events never are (FM is an EMG finding).
    """
    if events.n == 0:
        return np.zeros(0, dtype=bool)
    not_body = events.trial_type != TrialType.BODY_MOVEMENT.value
    # FM is an EMG finding (potentials); an accelerometer cannot see it
    emg = ~events.has_region("accelerometer")
    return (not_body & emg & (events.n_channels == 1) & (events.max_burst_s <= rules.fm_max_burst_s)
            & (events.min_burst_s >= rules.fm_min_burst_s))


def is_fragmentary(events: EventTable, *, rules: RuleSet) -> np.ndarray:
    """Which motor events are FM potentials: a brief potential (:func:`is_brief_potential`) in sleep."""
    return is_brief_potential(events, rules=rules) & np.isin(events.stage, SLEEP_CODES)


def brief_potential_in_wake(events: EventTable, *, rules: RuleSet) -> np.ndarray:
    """Brief single-channel potentials outside sleep (W, or no stage): not FM, left unexplained."""
    return is_brief_potential(events, rules=rules) & ~np.isin(events.stage, SLEEP_CODES)


def decide(events: EventTable, state: Cascade, inputs: RuleInputs) -> Decision:
    """One channel, 20-150 ms, in sleep."""
    rs = inputs.rules
    fm = is_fragmentary(events, rules=rs) & state.free
    return Decision(fm, TrialType.FRAGMENTARY_MYOCLONUS,
                    [f"single-channel potential {d:.0f} ms <= {rs.fm_max_burst_s * 1000:.0f} ms in sleep"
                     for d in events.max_burst_ms[fm]])


STEP = Step("fragmentary_myoclonus", decide)


def assess(evidence: Evidence) -> tuple[Finding, dict[str, float]]:
    """Excessive fragmentary myoclonus; indices: the per-minute counts of :func:`excessive_fm_minutes`."""
    rs = evidence.inputs.rules
    context = evidence.inputs.context
    fm_rows = evidence.of_type(TrialType.FRAGMENTARY_MYOCLONUS.value)
    fm_on = fm_rows.loc[fm_rows["peak_amplitude_uv"] >= rs.efm_min_amplitude_uv, "onset"].to_numpy(float)
    # NREM minutes between lights off and on only: the time the FM counted lies in
    efm = excessive_fm_minutes(fm_on, context.stage_in_lights_at, duration_s=float(context.hypnogram.end_s), rules=rs)
    finding = excessive_fragmentary_myoclonus(
        efm=efm, n_fm=len(fm_rows),
        fm_index_per_h=evidence.indices.per_hour(TrialType.FRAGMENTARY_MYOCLONUS.value), rules=rs)
    return finding, efm


def excessive_fm_minutes(onsets_s: np.ndarray, stage_at: Callable[[np.ndarray], np.ndarray], *, duration_s: float,
                         rules: RuleSet) -> dict[str, float]:
    """Count NREM minutes with >= ``efm_min_per_min`` FM potentials.

    Parameters
    ----------
    onsets_s : array of float
        Onsets (s) of the FM potentials large enough for the count (``efm_min_amplitude_uv``).
    stage_at : callable
        ``f(times_s) -> stage codes`` (e.g. ``SleepContext.stage_at``).
    duration_s : float
        Span of the night (s).
    rules : RuleSet

    Returns
    -------
    dict
        ``nrem_min`` (minutes of whole-NREM bins), ``efm_min`` (NREM minutes with >= the
        per-minute count), ``longest_run_min`` (longest contiguous run of such minutes),
        ``fm_per_min_nrem`` (mean potentials per NREM minute), ``present`` (bool).
    """
    w = rules.efm_bin_s
    n_bins = int(np.floor(duration_s / w))
    if n_bins <= 0:
        return {"nrem_min": 0.0, "efm_min": 0.0, "longest_run_min": 0.0, "fm_per_min_nrem": float("nan"),
                "present": False}
    edges = np.arange(n_bins + 1) * w
    counts = np.histogram(np.asarray(onsets_s, dtype=float), bins=edges)[0]
    # a bin is NREM when its start, middle and end all are N1-N3 (epochs are 30 s: 3 points cover it)
    probes = np.stack([stage_at(edges[:-1] + f * w) for f in (0.01, 0.5, 0.99)])
    nrem = np.all((probes >= 1) & (probes <= 3), axis=0)
    hit = nrem & (counts >= rules.efm_min_per_min)
    longest = run = 0
    for h in hit:
        run = run + 1 if h else 0
        longest = max(longest, run)
    per_bin_min = w / 60.0
    nrem_min = float(nrem.sum() * per_bin_min)
    efm_min = float(hit.sum() * per_bin_min)
    return {"nrem_min": nrem_min, "efm_min": efm_min, "longest_run_min": float(longest * per_bin_min),
            "fm_per_min_nrem": float(counts[nrem].sum() / nrem_min) if nrem_min > 0 else float("nan"),
            "present": bool(efm_min >= rules.efm_min_nrem_min)}


def excessive_fragmentary_myoclonus(*, efm: dict[str, float], n_fm: int, fm_index_per_h: float,
                                    rules: RuleSet) -> Finding:
    """AASM excessive fragmentary myoclonus from :func:`~.fragmentary.excessive_fm_minutes` output."""
    minimums = [Minimum("nrem_min", rules.efm_min_nrem_min, efm["nrem_min"], "of NREM sleep", "min",
                        "AASM Manual VII.D: >= 5 potentials per minute sustained over >= 20 min of NREM sleep")]
    values = {"ruleset": rules.name, "n_fm_potentials": int(n_fm), "fm_index_per_h": fm_index_per_h,
              "nrem_min": efm["nrem_min"], "efm_min": efm["efm_min"], "longest_run_min": efm["longest_run_min"],
              "fm_per_min_nrem": efm["fm_per_min_nrem"], "minimum_evidence": minimum_evidence(minimums)}
    short = insufficient(FindingCode.EXCESSIVE_FRAGMENTARY_MYOCLONUS, minimums, values, rules,
                         subject="excessive fragmentary myoclonus")
    if short is not None:
        return short
    present = bool(efm["present"])
    ev = (f"{efm['efm_min']:.0f} of {efm['nrem_min']:.0f} NREM minutes hold >= {rules.efm_min_per_min:g} "
          f"fragmentary myoclonus potentials (<= {rules.fm_max_burst_s * 1000:.0f} ms), "
          f"{'at or above' if present else 'below'} the {rules.efm_min_nrem_min:g} min required; "
          f"FM index {fmt(fm_index_per_h)}/h {tag(rules)}.")
    return Finding(FindingCode.EXCESSIVE_FRAGMENTARY_MYOCLONUS, present, ev, values)

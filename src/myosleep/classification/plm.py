"""Leg movements (LM) and periodic limb movement (PLM) series under AASM or WASM 2016 rules.

Input: the bursts that the AASM leg-movement detector (``detector == "lm"``) found on leg
channels.  Output: one row per scored LM (bilateral LMs merged into one row) with the
numbers that decided it.  The differences between rulesets live in :class:`~.rules.RuleSet`:

* bilateral merging: AASM merges LMs on the two legs whose onsets are < 5 s apart; WASM 2016
  merges LMs on the two legs that overlap or are < 0.5 s apart (offset to onset), at most 4;
* durations: AASM drops LMs outside 0.5-10 s (they neither count nor break a series); WASM 2016
  accepts candidate LMs (CLM) of 0.5-10 s (monolateral) or 0.5-15 s (bilateral), and longer
  movements end a series;
* intervals (onset to onset): AASM 5-90 s, an LM < 5 s after the previous LM is skipped
  (not periodic, the series goes on, the next interval is measured from the last LM kept,
  Ferri et al. 2015); WASM 2016 10-90 s, a CLM < 10 s after the previous one ends the series
  and may start the next;
* respiratory events: AASM drops LMs within 0.5 s before or after a respiratory event;
  WASM 2016 drops CLMs overlapping 2 s before to 10.25 s after the event's end.  Dropped LMs
  stay in the table (``respiratory`` True, ``periodic`` False) and are left out of the series.

A gap of the recording (an EDF+D paused during the night) ends any running series under
both rulesets: movements in it are unknown, so the interval across it is no inter-movement
interval (it is not measured, ``interval_s`` NaN for the first LM after the gap).

Only the recording period counts (lights off to lights on, ``period_s``): AASM scores the events
of the study between lights off and lights on (AASM Manual v2.6, "Sleep scoring data": total
recording time), and SOMAS, the WASM 2016 scoring tool of its authors' group, removes the leg
movements outside lights off .. on before it finds the series.  LMs outside stay in the table
(``rule`` says so) but neither belong to, nor start, nor end a series: a series running into
lights off counts from its first LM after lights off, and is a series only if >= 4 LMs remain.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from ..detection.chin import UNOBSERVED_KINDS
from ..schema import LEG_MOVEMENTS
from ..vocab import FindingCode, Role, TrialType
from ._intervals import arousal_mask, overlaps_any
from .cascade import Cascade, Decision, Step
from .findings import Evidence, Finding, Minimum, fmt, insufficient, minimum_evidence, tag
from .plm_measures import PeriodicityIndex, all_candidate_series, periodicity_index
from .rules import RuleSet
from .table import EventTable, RuleInputs

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ..context.context import SleepContext

__all__ = ["LIGHTS_NOTE", "LM_COLUMNS", "RESPIRATORY_NOTE", "STEP", "assess", "bilateral_groups", "in_period",
           "leg_observation", "lm_arousals", "mark_series", "not_scored", "periodic_limb_movements", "plm_series",
           "respiratory_related", "score_leg_movements"]

logger = logging.getLogger("myosleep")

#: Columns of the LM table (:data:`myosleep.schema.LEG_MOVEMENTS`; units: s, uV).
LM_COLUMNS = list(LEG_MOVEMENTS.names)
#: Added to the rule of a respiratory-related LM.
RESPIRATORY_NOTE = " (respiratory-related: not counted)"
#: Added to the rule of an LM outside the recording period.
LIGHTS_NOTE = " (outside lights off .. lights on: not counted)"


class _Lm(NamedTuple):
    """One monolateral leg movement (an "lm" burst)."""

    onset: float
    offset: float
    duration: float
    leg: str
    side: str
    channel: str
    peak: float
    burst_id: int


def _leg_key(side: str, channel: str) -> str:
    side = side.lower()
    return side if side in ("left", "right") else f"ch:{channel}"


def _merge_bilateral(lms: list[_Lm], rules: RuleSet) -> list[list[_Lm]]:
    """Group monolateral LMs (sorted by onset) into bilateral LMs following ``rules``."""
    groups: list[list[_Lm]] = []
    for lm in lms:
        if groups:
            g = groups[-1]
            legs = {m.leg for m in g}
            if rules.bilateral_mode == "onset":
                # AASM: one LM per leg in a merged LM, onsets < bilateral_onset_gap_s apart.
                ok = lm.leg not in legs and lm.onset - g[0].onset < rules.bilateral_onset_gap_s
            else:
                # WASM 2016: chained LMs alternating legs, overlapping or < gap apart (offset to onset).
                offset = max(m.offset for m in g)
                ok = (lm.leg != g[-1].leg and lm.onset - offset < rules.bilateral_offset_gap_s
                      and (rules.bilateral_max_lms is None or len(g) < rules.bilateral_max_lms))
            if ok:
                g.append(lm)
                continue
        groups.append([lm])
    return groups


def bilateral_groups(onsets_s: np.ndarray, offsets_s: np.ndarray, legs: Sequence[str], *,
                     rules: RuleSet) -> list[list[int]]:
    """Indices of monolateral LMs (any order) grouped into the LMs the ruleset counts: bilateral LMs
    merged (AASM: the two legs' onsets < 5 s apart, VII.A.2.d; WASM 2016: overlapping or < 0.5 s
    offset to onset, at most 4 LMs), each group in onset order, groups in onset order.

    ``legs``: each LM's leg (``"left"``/``"right"``; any other value is its own leg).  For a
    scorer's file that scores each leg separately (NSRR), as :func:`score_leg_movements` merges
    the detector's.
    """
    on = np.asarray(onsets_s, dtype=float)
    off = np.asarray(offsets_s, dtype=float)
    order = np.argsort(on, kind="stable")
    lms = [_Lm(float(on[i]), float(off[i]), float(off[i] - on[i]), str(legs[i]), str(legs[i]), "", float("nan"), int(i))
           for i in order]
    return [[m.burst_id for m in g] for g in _merge_bilateral(lms, rules)]


def respiratory_related(on: np.ndarray, off: np.ndarray, resp: pd.DataFrame | None, rules: RuleSet) -> np.ndarray:
    """Which LMs [on, off] (s) are respiratory-related under ``rules`` (scored respiratory events ``resp``:
    onset, duration in s)."""
    out = np.zeros(on.size, dtype=bool)
    if resp is None or len(resp) == 0 or on.size == 0:
        return out
    r_on = resp["onset"].to_numpy(dtype=float)
    r_off = r_on + resp["duration"].to_numpy(dtype=float)
    if rules.respiratory_anchor == "end":
        w_on, w_off = r_off - rules.respiratory_before_s, r_off + rules.respiratory_after_s
    else:
        w_on, w_off = r_on - rules.respiratory_before_s, r_off + rules.respiratory_after_s
    return overlaps_any(on, off, w_on, w_off, closed=True)


def plm_series(onsets_s: np.ndarray, *, eligible: np.ndarray, breaks: np.ndarray,
               rules: RuleSet, gaps_s: Sequence[tuple[float, float]] = ()
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Find PLM series among LMs sorted by onset.

    Parameters
    ----------
    onsets_s : array of float
        LM onsets in seconds, ascending.
    eligible : array of bool
        LMs that may belong to a series (scored, candidate, not respiratory-related).
    breaks : array of bool
        LMs that end any running series (WASM 2016: movements that are not CLMs).
    rules : RuleSet
    gaps_s : sequence of (start, stop)
        Gaps of the recording (s; an EDF+D paused): nothing is known of the legs there, so a
        gap ends any running series and the interval across it is not measured.

    Returns
    -------
    interval_s : array of float
        Onset-to-onset interval to the previous LM taken into account (NaN for the first, and
        for the first after a gap).
    series_id : array of int
        Series number (0, 1, ...) of periodic LMs, -1 for the others.
    periodic : array of bool
    """
    n = len(onsets_s)
    interval = np.full(n, np.nan)
    series = np.full(n, -1, dtype=np.int64)
    runs: list[list[int]] = []
    run: list[int] = []
    last: int | None = None
    for i in range(n):
        if breaks[i]:
            if run:
                runs.append(run)
            run, last = [], None
            continue
        if not eligible[i]:
            continue
        if last is None:
            run = [i]
            last = i
            continue
        if any(a < onsets_s[i] and b > onsets_s[last] for a, b in gaps_s):  # unrecorded time in between
            runs.append(run)
            run, last = [i], i
            continue
        iv = float(onsets_s[i] - onsets_s[last])
        interval[i] = iv
        if iv < rules.plm_min_interval_s:
            if rules.short_interval_breaks_series:
                runs.append(run)
                run, last = [i], i
            # AASM: skipped, neither counted nor breaking; `last` stays.
            continue
        if iv <= rules.plm_max_interval_s:
            run.append(i)
        else:
            runs.append(run)
            run = [i]
        last = i
    if run:
        runs.append(run)
    sid = 0
    for r in runs:
        if len(r) >= rules.plm_min_count:
            series[r] = sid
            sid += 1
    return interval, series, series >= 0


def _monolateral_lms(bursts: pd.DataFrame, rules: RuleSet) -> tuple[list[_Lm], list[_Lm]]:
    """The "lm" bursts of leg channels as LMs of at least ``lm_min_duration_s``, sorted by onset;
    (LMs, LMs too long to merge under AASM)."""
    if bursts is None or len(bursts) == 0:
        return [], []
    b = bursts[(bursts["detector"].astype(str) == "lm") & (bursts["role"].astype(str) == Role.LEG.value)]
    b = b.sort_values("onset", kind="stable")
    lms = []
    for on, dur, side, chan, peak, bid in zip(b["onset"].to_numpy(float), b["duration"].to_numpy(float),
                                              b["side"].astype(str), b["channel"].astype(str),
                                              b["peak_amplitude_uv"].to_numpy(float), b["burst_id"]):
        if np.isfinite(on) and np.isfinite(dur):
            lms.append(_Lm(on, on + dur, dur, _leg_key(side, chan), side, chan, float(peak), int(bid)))
    # Monolateral LMs shorter than the minimum are not LMs under any ruleset.
    n_short = sum(m.duration < rules.lm_min_duration_s for m in lms)
    if n_short:
        logger.debug("%d leg bursts shorter than %.1f s are not LMs", n_short, rules.lm_min_duration_s)
    lms = [m for m in lms if m.duration >= rules.lm_min_duration_s]
    if rules.lm_max_duration_bilateral_s is not None:
        return lms, []
    # AASM: each LM must itself be 0.5-10 s before merging.
    return ([m for m in lms if m.duration <= rules.lm_max_duration_s],
            [m for m in lms if m.duration > rules.lm_max_duration_s])


def _lm_row(g: list[_Lm], rules: RuleSet) -> dict[str, object]:
    """One (merged) LM: its numbers and whether the ruleset scores it, counts it, lets it break a series."""
    on = min(m.onset for m in g)
    dur = max(m.offset for m in g) - on
    bilateral = len({m.leg for m in g}) > 1
    if rules.lm_max_duration_bilateral_s is None:
        scored = all(m.duration <= rules.lm_max_duration_s for m in g)
        limit = rules.lm_max_duration_s
        rule = (f"LM {dur:.2f} s" + (" (bilateral, onsets < "
                                      f"{rules.bilateral_onset_gap_s:g} s apart)" if bilateral else "")
                if scored else f"leg activity {max(m.duration for m in g):.1f} s > {limit:g} s: not an LM")
        breaks = scored is False and rules.long_lm_breaks_series
        candidate = scored
    else:
        limit = rules.lm_max_duration_bilateral_s if bilateral else rules.lm_max_duration_s
        scored, candidate = True, dur <= limit
        kind = "bilateral" if bilateral else "monolateral"
        rule = (f"{kind} CLM {dur:.2f} s <= {limit:g} s" if candidate
                else f"{kind} LM {dur:.2f} s > {limit:g} s: not a CLM")
        breaks = (not candidate) and rules.long_lm_breaks_series
    peaks = [m.peak for m in g]
    return {"onset": on, "duration": dur, "channel": tuple(dict.fromkeys(m.channel for m in g)),
            "side": "both" if {"left", "right"} <= {m.side for m in g} else g[0].side,
            "peak_amplitude_uv": float(np.nanmax(peaks)) if np.isfinite(peaks).any() else np.nan,
            "n_lms": len(g), "bilateral": bilateral, "scored": bool(scored), "candidate": bool(candidate),
            "breaks_series": bool(breaks), "rule": rule, "burst_ids": tuple(m.burst_id for m in g)}


def score_leg_movements(bursts: pd.DataFrame, *, rules: RuleSet, respiratory_events: pd.DataFrame | None = None,
                        arousals: pd.DataFrame | None = None, gaps_s: Sequence[tuple[float, float]] = (),
                        period_s: tuple[float, float] | None = None) -> pd.DataFrame:
    """Score leg movements and PLM series from leg-movement bursts.

    Parameters
    ----------
    bursts : DataFrame
        Bursts table (:data:`myosleep.schema.BURSTS`).  Rows with ``detector == "lm"`` on
        ``role == "leg"`` channels are used: onset (s), duration (s), channel, side,
        peak_amplitude_uv (uV), burst_id.
    rules : RuleSet
    respiratory_events : DataFrame, optional
        ``onset`` and ``duration`` (s) of apnoeas/hypopnoeas/RERAs.
    arousals : DataFrame, optional
        ``onset`` and ``duration`` (s) of arousals.
    gaps_s : sequence of (start, stop)
        Gaps of the recording (s): each ends any running PLM series (:func:`plm_series`).
    period_s : (start, stop), optional
        The recording period (s; :attr:`SleepContext.recording_period_s`): LMs whose onset lies
        outside are in no series (module docstring).  None: the whole recording.

    Returns
    -------
    DataFrame
        Columns :data:`LM_COLUMNS` (:data:`myosleep.schema.LEG_MOVEMENTS`): onset and duration
        (s) of the (merged) LM, channel (tuple), side, peak_amplitude_uv (uV), n_lms
        (monolateral LMs merged), bilateral, scored (an LM under these rules), candidate
        (counts towards series), respiratory (respiratory-related, excluded), breaks_series,
        interval_s (onset-to-onset interval to the previous LM taken into account, s),
        series_id (-1 when not periodic), periodic, arousal (associated with an arousal),
        rule (what decided), burst_ids (tuple).
    """
    import pandas as pd

    lms, long_ = _monolateral_lms(bursts, rules)
    # leg activity too long to be an LM on both legs at once is one movement, not one per leg (it is
    # reported as a body movement; merged only with its like: AASM merges LMs of 0.5-10 s each)
    groups = _merge_bilateral(lms, rules) + _merge_bilateral(long_, rules)
    if not groups:
        return LEG_MOVEMENTS.empty()
    groups.sort(key=lambda g: g[0].onset)
    df = pd.DataFrame([_lm_row(g, rules) for g in groups])
    on = df["onset"].to_numpy(float)
    off = on + df["duration"].to_numpy(float)
    resp = respiratory_related(on, off, respiratory_events, rules) & df["candidate"].to_numpy(bool)
    df["respiratory"] = resp
    df["arousal"] = arousal_mask(on, off, arousals, rules.arousal_gap_s)
    df.loc[resp, "rule"] = df.loc[resp, "rule"] + RESPIRATORY_NOTE
    df["interval_s"], df["series_id"], df["periodic"] = np.nan, -1, False
    return mark_series(df[LM_COLUMNS], rules=rules, gaps_s=gaps_s, period_s=period_s)


def not_scored(events: pd.DataFrame, leg_movements: pd.DataFrame, rules: RuleSet) -> np.ndarray:
    """Which events (rows of events.tsv) the ruleset does not score: counted in no index.

    Under AASM a leg movement from 0.5 s before to 0.5 s after an apnoea, hypopnoea or RERA "should
    not be scored" (AASM Manual v2.6, VII.A.2.f): it stays in events.tsv (its rule says
    "respiratory-related: not counted") but is no LM for any count, the LM index included.  Under
    WASM 2016 such movements remain candidate LMs (Ferri et al., Sleep Med 2016: CLMr), counted
    as CLMs (``rules.respiratory_lm_scored``).  The leg-movement rows of ``events`` are those of
    ``leg_movements`` (same onset and duration, s).
    """
    out = np.zeros(len(events), dtype=bool)
    if rules.respiratory_lm_scored or len(events) == 0 or len(leg_movements) == 0:
        return out
    resp = leg_movements[leg_movements["respiratory"].to_numpy(bool)]
    keys = set(zip(resp["onset"].to_numpy(float).tolist(), resp["duration"].to_numpy(float).tolist()))
    if not keys:
        return out
    is_lm = (events["trial_type"].astype(str) == TrialType.LEG_MOVEMENT.value).to_numpy()
    for i in np.flatnonzero(is_lm):
        out[i] = (float(events["onset"].iat[i]), float(events["duration"].iat[i])) in keys
    return out


def _series_note(rules: RuleSet) -> str:
    lo, hi = rules.plm_min_interval_s, rules.plm_max_interval_s
    return f"; PLM series of >= {rules.plm_min_count} with intervals {lo:g}-{hi:g} s ({rules.name})"


def in_period(onsets_s: np.ndarray, period_s: tuple[float, float] | None) -> np.ndarray:
    """Which onsets (s) lie in the recording period ``[start, stop)`` (all when ``period_s`` is None)."""
    on = np.asarray(onsets_s, dtype=float)
    if period_s is None:
        return np.ones(on.shape, dtype=bool)
    return (on >= float(period_s[0])) & (on < float(period_s[1]))


def mark_series(lm: pd.DataFrame, *, rules: RuleSet, gaps_s: Sequence[tuple[float, float]] = (),
                period_s: tuple[float, float] | None = None) -> pd.DataFrame:
    """The PLM series of a leg-movement table whose ``candidate``, ``respiratory`` and ``breaks_series``
    are set: ``interval_s``, ``series_id``, ``periodic`` and the series and lights notes of ``rule``
    (made again).

    Used when the LMs are scored (:func:`score_leg_movements`) and when a reviewer has changed
    which events are leg movements (:func:`myosleep.classification.reviewed.reclassify`).

    Parameters
    ----------
    lm : DataFrame
        :data:`myosleep.schema.LEG_MOVEMENTS` rows (onset in s), any order.
    rules : RuleSet
    gaps_s : sequence of (start, stop)
        Gaps of the recording (s): each ends any running series.
    period_s : (start, stop), optional
        The recording period (s): LMs outside it are in no series.

    Returns
    -------
    DataFrame
        The rows sorted by onset, index 0..n-1.
    """
    df = LEG_MOVEMENTS.conform(lm.sort_values("onset", kind="stable"), where="leg movements")
    on = df["onset"].to_numpy(float)
    inside = in_period(on, period_s)
    eligible = df["candidate"].to_numpy(bool) & ~df["respiratory"].to_numpy(bool) & inside
    interval, series, periodic = plm_series(on, eligible=eligible, breaks=df["breaks_series"].to_numpy(bool) & inside,
                                            rules=rules, gaps_s=gaps_s)
    note = _series_note(rules)
    base = df["rule"].astype(str).str.replace(note, "", regex=False).str.replace(LIGHTS_NOTE, "", regex=False)
    base = np.where(inside, base, base + LIGHTS_NOTE)
    return df.assign(interval_s=interval, series_id=series, periodic=periodic,
                     rule=np.where(periodic, base + note, base).astype(object))


def _drop_overlapping(bursts: pd.DataFrame, on: np.ndarray, off: np.ndarray) -> pd.DataFrame:
    """Rows (onset, duration in s) that overlap none of the intervals [on, off] (s)."""
    if len(bursts) == 0 or on.size == 0:
        return bursts
    a = bursts["onset"].to_numpy(float)
    b = a + bursts["duration"].to_numpy(float)
    return bursts[~overlaps_any(a, b, on, off)].reset_index(drop=True)


def decide(events: EventTable, state: Cascade, inputs: RuleInputs) -> Decision:
    """Score the leg movements; leg-only events inside one are that leg movement (one row, its LM's).

    "Inside" includes the 0.5 s of rest that end it (AASM Manual v2.5, 2018, VII.A.4; the quiet
    period detection used, ``DetectionParams.lm.off_quiet_s``): a burst there either
    reached the rest tolerance, and then detection made it part of the movement, or stayed under
    it and is the movement's fading tail.  At 200-256 Hz such tails were scored as fragmentary
    myoclonus or myoclonic jerks (issue 9, defect 17).

    Leg activity inside a gross body movement, a neonatal cluster or a propriospinal jerk is part
    of it, not an LM (the jerks of propriospinal myoclonus recur in relaxed wakefulness: their
    leg bursts would otherwise be leg movements, even a "PLMW" series).
    """
    not_lm = ((state.decided_as(TrialType.BODY_MOVEMENT) & events.has_region(Role.LEG.value))
              | state.decided_as(TrialType.NEONATAL_MYOCLONUS) | state.decided_as(TrialType.PROPRIOSPINAL_MYOCLONUS))
    bursts = inputs.detection.bursts
    lm_bursts = _drop_overlapping(bursts, events.onset_s[not_lm], events.offset_s[not_lm]) if events.n else bursts
    context = inputs.context
    lm = score_leg_movements(lm_bursts, rules=inputs.rules, respiratory_events=context.respiratory_events,
                             arousals=lm_arousals(context), gaps_s=getattr(context, "gaps_s", ()),
                             period_s=context.recording_period_s)
    absorbed = np.zeros(events.n, dtype=bool)
    if events.n and len(lm):
        lm_on = lm["onset"].to_numpy(float)
        quiet_s = inputs.detection.params.lm.off_quiet_s
        inside = overlaps_any(events.onset_s, events.offset_s, lm_on, lm_on + lm["duration"].to_numpy(float) + quiet_s)
        absorbed = inside & events.only_regions(Role.LEG.value) & state.free
    return Decision(absorbed, None, leg_movements=lm)


STEP = Step("leg_movement", decide)


def lm_arousals(context: SleepContext) -> pd.DataFrame:
    """The arousals of the LM-arousal association (AASM): the scorer's, or the detected AASM ones; not the
    hypnagogic shifts, which follow no 10 s of sleep (AASM arousal rule; :attr:`SleepContext.aasm_arousals`)."""
    return getattr(context, "aasm_arousals", context.arousals)


def leg_observation(inputs: RuleInputs) -> tuple[dict[str, float], dict[str, float]]:
    """Hours of each sleep stage (N1, N2, N3, R) that no leg channel observed, and hours of sleep each leg
    channel did not observe (its flat, clipped, disconnected, NaN or lead-off stretches: detection's
    artefacts; the recording's gaps are left to the sleep context, which scores no stage there).

    Counted on a 1-s grid over the scored epochs within lights off .. lights on, as the stage hours are.
    """
    from ..context.sleepstats import lights_mask
    from ..vocab import Stage

    legs = list(inputs.labels_with_role(Role.LEG))
    kinds = tuple(k for k in UNOBSERVED_KINDS if k != "gap")
    ivs = {lab: inputs.detection.unobserved_s(lab, kinds=kinds) for lab in legs}
    none_h = {s: 0.0 for s in ("N1", "N2", "N3", "R")}
    if not legs or not any(iv.size for iv in ivs.values()):
        return none_h, {lab: 0.0 for lab in legs}
    context = inputs.context
    hyp = context.hypnogram
    t0 = float(hyp.epoch_onsets_s[0]) if hyp.n_epochs else 0.0
    t = np.arange(t0, float(hyp.end_s), 1.0)
    epoch = np.minimum(((t + 0.5 - t0) // float(hyp.epoch_s)).astype(np.int64), max(hyp.n_epochs - 1, 0))
    keep = lights_mask(hyp, context.lights_off_s, context.lights_on_s)[epoch] if hyp.n_epochs else np.zeros(0, bool)
    codes = np.where(keep, np.asarray(hyp.stages)[epoch], int(Stage.UNSCORED))
    sleep = codes >= int(Stage.N1)
    off = {lab: overlaps_any(t, t + 1.0, iv[:, 0], iv[:, 1]) for lab, iv in ivs.items()}
    all_off = np.logical_and.reduce(list(off.values()))
    by_stage = {s.name: float(np.count_nonzero(all_off & (codes == int(s)))) / 3600.0
                for s in (Stage.N1, Stage.N2, Stage.N3, Stage.R)}
    return by_stage, {lab: float(np.count_nonzero(m & sleep)) / 3600.0 for lab, m in off.items()}


def assess(evidence: Evidence) -> tuple[Finding, dict[str, object]]:
    """Periodic limb movements: PLMS/PLMW indices and the finding.

    Counts and hours cover the recording period only (lights off to on: :attr:`Evidence.counted`,
    :meth:`SleepContext.hours_in`).  Per-hour indices of sleep are not computed (NaN) over less sleep
    than ``plms_min_tst_h``: an index per hour is not extrapolated from less (Kushida2005, CMS240.4);
    the counts stay.

    Sleep that no leg channel observed (every leg flat, clipped, disconnected, NaN or lead off:
    :func:`leg_observation`) is left out of the indices' hours and of that minimum: no LM could be
    seen there, so its hours would read as hours without LMs.  Sleep that one leg did not observe
    stays in them (the other leg's LMs still count, and the AASM counts LMs of the two legs less
    than 5 s apart as one: most PLMS are bilateral or alternate), and the evidence says how long each
    leg was off: the index may then be underestimated (defect 60).
    """
    inputs, idx = evidence.inputs, evidence.indices
    rs, age = inputs.rules, inputs.age
    no_leg, leg_off = leg_observation(inputs)
    hours = {s: (h - no_leg[s] if s in no_leg else h) for s, h in idx.hours_by_stage.items()}
    tst_h = idx.tst_h - sum(no_leg.values())
    enough = tst_h >= rs.plms_min_tst_h

    def per_h(n: int, h: float) -> float:
        return n / h if enough and h > 0 else float("nan")

    lm = evidence.leg_movements
    lm_in_period = in_period(lm["onset"].to_numpy(float), inputs.context.recording_period_s)
    n_all, pi = _other_measures(lm, lm_in_period, inputs)
    lm_ev = evidence.of_type(TrialType.LEG_MOVEMENT.value)  # between lights off and on
    lm_per = lm_ev["periodic"].astype(bool).to_numpy()
    lm_sleep = lm_ev["stage"].isin(["N1", "N2", "N3", "R"]).to_numpy()
    lm_wake = (lm_ev["stage"] == "W").to_numpy()
    n_plms = int((lm_per & lm_sleep).sum())
    n_plmw = int((lm_per & lm_wake).sum())
    n_plms_ar = int((lm_per & lm_sleep & lm_ev["arousal"].astype(bool).to_numpy()).sum())
    plms_by_stage = ({s: per_h(int((lm_per & (lm_ev["stage"] == s).to_numpy()).sum()), hours[s])
                      for s in ("N1", "N2", "N3", "R")}
                     if len(lm_ev) else {s: (0.0 if enough else float("nan")) for s in ("N1", "N2", "N3", "R")})
    finding = periodic_limb_movements(
        has_leg_channels=bool(inputs.labels_with_role(Role.LEG)), n_plms=n_plms, tst_h=idx.tst_h, n_plmw=n_plmw,
        wake_h=hours["W"], n_lm_sleep=int(lm_sleep.sum()), n_plms_arousal=n_plms_ar,
        is_child=bool(age is not None and age.years < rs.child_age_y), age_known=age is not None, rules=rs,
        n_plms_all_clm=n_all, periodicity_index=pi.value,
        sleep_h_no_leg_observed=sum(no_leg.values()), sleep_h_leg_unobserved=leg_off)
    return finding, {
        "n_lm": int(len(lm_ev)), "n_lm_sleep": int(lm_sleep.sum()), "n_plms": n_plms, "n_plmw": n_plmw,
        "plms_index_per_h": per_h(n_plms, tst_h),
        "plmw_index_per_h": n_plmw / hours["W"] if hours["W"] > 0 else float("nan"),
        "lm_index_per_h_sleep": per_h(int(lm_sleep.sum()), tst_h),
        "plms_arousal_index_per_h": per_h(n_plms_ar, tst_h),
        "plms_index_per_h_by_stage": plms_by_stage,
        "n_plm_series": int(lm["series_id"].max() + 1) if len(lm) and (lm["series_id"] >= 0).any() else 0,
        "n_respiratory_lm_excluded": int((lm["respiratory"].to_numpy(bool) & lm_in_period).sum()) if len(lm) else 0,
        "n_bilateral_lm": int(lm_ev["bilateral"].astype(bool).sum()),
        "n_plms_all_clm": n_all, "plms_all_clm_index_per_h": None if n_all is None else per_h(n_all, tst_h),
        "plms_index_basis": PLMS_INDEX_BASIS[rs.respiratory_lm_scored],
        "periodicity_index": pi.value, "periodicity_n_intervals": pi.n_intervals, "periodicity_n_in_runs": pi.n_in_runs,
    }


#: What ``plms_index_per_h`` counts, by ruleset (summary.json ``indices.plm.plms_index_basis``).
PLMS_INDEX_BASIS = {
    True: ("periodic LMs in sleep per hour of sleep, the respiratory-related candidate LMs (CLMr) left out of the "
           "sequence before the series are found (WASM 2016 PLMSnr; PLMScoRe 'PLMnr'); from all candidate LMs: "
           "plms_all_clm_index_per_h"),
    False: ("periodic LMs in sleep per hour of sleep; LMs within 0.5 s of a respiratory event are not scored (AASM "
            "VII.A.2.f), so there is no all-LM index (plms_all_clm_index_per_h null)"),
}


def _other_measures(lm: pd.DataFrame, inside: np.ndarray, inputs: RuleInputs) -> tuple[int | None, PeriodicityIndex]:
    """The all-candidate PLMS count (WASM 2016; None under AASM) and Ferri's periodicity index
    (:mod:`.plm_measures`) of the LMs between lights off and on."""
    rs, context = inputs.rules, inputs.context
    gaps = getattr(context, "gaps_s", ())
    on = lm["onset"].to_numpy(float)
    stages = context.stage_labels_at(on) if len(lm) else []
    asleep = np.isin(np.asarray(stages, dtype=object), ["N1", "N2", "N3", "R"])
    scored = lm["scored"].to_numpy(bool) & inside
    n_all: int | None = None
    if rs.respiratory_lm_scored:  # WASM 2016: CLMr are candidate LMs, the first PLMS rate counts them
        n_all = int((all_candidate_series(lm, inside=inside, rules=rs, gaps_s=gaps) & asleep & scored).sum())
    counted = scored & lm["candidate"].to_numpy(bool) & (~lm["respiratory"].to_numpy(bool) | rs.respiratory_lm_scored)
    pi = periodicity_index(on, stages, counted=counted, breaks=lm["breaks_series"].to_numpy(bool) & inside,
                           rules=rs, gaps_s=gaps)
    return n_all, pi


def periodic_limb_movements(*, has_leg_channels: bool, n_plms: int, tst_h: float, n_plmw: int, wake_h: float,
                            n_lm_sleep: int, n_plms_arousal: int, is_child: bool, age_known: bool,
                            rules: RuleSet, n_plms_all_clm: int | None = None,
                            periodicity_index: float | None = None, sleep_h_no_leg_observed: float = 0.0,
                            sleep_h_leg_unobserved: Mapping[str, float] | None = None) -> Finding:
    """PLMS index against the adult (> 15/h) or paediatric (> 5/h) cut-off, over >= ``plms_min_tst_h`` of sleep.

    ``n_plms_all_clm`` (WASM 2016): the periodic LMs in sleep when the respiratory-related CLMs stay in
    the sequence; the finding is decided on the PLMS index (respiratory-related CLMs left out), the
    evidence gives both.  ``periodicity_index``: Ferri's index (:mod:`.plm_measures`), None when too
    few intervals.  ``tst_h``: the total sleep time; the indices divide by it less
    ``sleep_h_no_leg_observed`` (the hours of sleep no leg channel observed; ``values["sleep_h_indexed"]``).
    ``sleep_h_leg_unobserved``: hours of sleep each leg channel did not observe, said in the evidence.
    Without an age (``age_known`` False) an index between the paediatric and the adult cut-off
    (ICSD-3 PLMD: > 5/h under 18 years, > 15/h in adults) cannot be assessed: the verdict is the
    age's (``values["verdict_depends_on_age"]``); above 15/h it is present, below 5/h absent, at any age.
    """
    cutoff = rules.plms_index_child_per_h if is_child else rules.plms_index_adult_per_h
    leg_off = {lab: h for lab, h in (sleep_h_leg_unobserved or {}).items() if h > 0}
    total_h, tst_h = tst_h, tst_h - float(sleep_h_no_leg_observed)
    minimums = [Minimum("tst_h", rules.plms_min_tst_h, tst_h,
                        "of sleep observed by a leg channel" if sleep_h_no_leg_observed > 0 else "of sleep", "h",
                        "an index per hour of sleep decides only over >= 2 h: AASM practice parameters, Kushida et "
                        "al. 2005; CMS NCD 240.4")]
    enough = minimums[0].met

    def per_h(n: int, h: float) -> float:
        return n / h if enough and h > 0 else float("nan")

    plmsi = per_h(n_plms, tst_h)
    values = {"ruleset": rules.name, "n_plms": int(n_plms), "plms_index_per_h": plmsi,
              "n_plmw": int(n_plmw), "plmw_index_per_h": (n_plmw / wake_h) if wake_h > 0 else float("nan"),
              "lm_sleep_index_per_h": per_h(n_lm_sleep, tst_h),
              "plms_arousal_index_per_h": per_h(n_plms_arousal, tst_h),
              "n_plms_all_clm": n_plms_all_clm,
              "plms_all_clm_index_per_h": None if n_plms_all_clm is None else per_h(n_plms_all_clm, tst_h),
              "periodicity_index": periodicity_index,
              "tst_h": total_h, "cutoff_per_h": cutoff, "age_group": "child" if is_child else "adult",
              "verdict_depends_on_age": False,
              "sleep_h_indexed": tst_h, "sleep_h_no_leg_observed": float(sleep_h_no_leg_observed),
              "sleep_h_leg_unobserved": {lab: float(h) for lab, h in (sleep_h_leg_unobserved or {}).items()},
              "minimum_evidence": minimum_evidence(minimums)}
    unseen = ""
    if sleep_h_no_leg_observed > 0:
        unseen += (f" {sleep_h_no_leg_observed * 60:.0f} min of sleep no leg channel observed (flat, clipped, "
                   f"disconnected, NaN or lead off) are left out of the hours.")
    if leg_off:
        unseen += (" Sleep a leg channel did not observe: " + ", ".join(f"{lab} {h * 60:.0f} min"
                                                                        for lab, h in leg_off.items())
                   + " (flat, clipped, disconnected, NaN or lead off): LMs of that leg alone are missing there, "
                     "the index may be underestimated.")
    if not has_leg_channels:
        return Finding(FindingCode.PERIODIC_LIMB_MOVEMENTS, None,
                       f"No usable leg EMG channel, so periodic limb movements cannot be assessed "
                       f"{tag(rules)}.", values)
    short = insufficient(FindingCode.PERIODIC_LIMB_MOVEMENTS, minimums, values, rules,
                         subject="periodic limb movements (no PLMS index is computed)",
                         seen=f"{n_plms} periodic leg movements were scored in sleep")
    if short is not None:
        return Finding(short.code, short.present, short.evidence + unseen, short.values)
    present = bool(plmsi > cutoff)
    resp = (f" with the respiratory-related candidate LMs left out ({n_plms_all_clm / tst_h:.1f}/h from all "
            f"candidate LMs)" if n_plms_all_clm is not None else "")
    pi = f"; periodicity index {fmt(periodicity_index, 2)}" if periodicity_index is not None else ""
    if not age_known and rules.plms_index_child_per_h < plmsi <= rules.plms_index_adult_per_h:
        # ICSD-3 PLMD: > 5/h under 18 years, > 15/h in adults; between the two the verdict is the age's
        return Finding(FindingCode.PERIODIC_LIMB_MOVEMENTS, None,
                       f"Cannot be assessed: PLMS index {plmsi:.1f}/h ({n_plms} periodic leg movements in "
                       f"{tst_h:.1f} h of sleep){resp} lies between the cut-offs for children (> "
                       f"{rules.plms_index_child_per_h:g}/h) and adults (> {rules.plms_index_adult_per_h:g}/h) "
                       f"(ICSD-3) and the age is not given: the verdict depends on age; give --age; "
                       f"PLMW {n_plmw}{pi} {tag(rules)}." + unseen,
                       {**values, "verdict_depends_on_age": True})
    who = ("children" if is_child else "adults" if age_known else
           f"adults, {'and' if present else 'nor'} the {rules.plms_index_child_per_h:g}/h of children: "
           f"{'present' if present else 'absent'} at any age (age not given)")
    ev = (f"PLMS index {plmsi:.1f}/h ({n_plms} periodic leg movements in {tst_h:.1f} h of sleep){resp}, "
          f"{'above' if present else 'not above'} the {cutoff:g}/h cut-off for {who}; "
          f"PLMW {n_plmw}{pi} {tag(rules)}." + unseen)
    return Finding(FindingCode.PERIODIC_LIMB_MOVEMENTS, present, ev, values)

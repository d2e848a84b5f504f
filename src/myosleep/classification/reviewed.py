"""Findings and indices of reviewed events: the reviewer's classes, the same finding rules.

After ``myosleep review`` a person has accepted, rejected, relabelled or added events.
:func:`reclassify` takes those events (events.tsv rows) and the classification of the same night
(:func:`~myosleep.classification.classify` on the same detection and sleep context: it holds what
the rules read, the leg-movement table and the numbers of every detected event) and assesses every
finding again with :func:`~myosleep.classification.classify.assess`, the code ``classify`` ends
with.  The reviewer decides which events exist and their classes; the rules still decide what
follows from the classes:

* the stage at each onset (the night's hypnogram), and whether it lies between lights off and on;
* the leg movements: the table of leg movements is the reviewed ones.  A detected leg movement
  keeps its scoring (candidate, respiratory-related, its bursts); one the reviewer relabelled or
  added is a leg movement on the reviewer's word (no lower duration limit), a candidate for PLM
  series when it lies within the ruleset's upper limit (AASM 10 s; WASM 2016 10 s, 15 s
  bilateral), respiratory-related by the ruleset's window around scored respiratory events.
  The PLM series are then found again (:func:`~myosleep.classification.plm.mark_series`):
  rejecting leg movements changes the intervals, so a series may split, or end with fewer than
  4 movements and stop being periodic;
* the ``arousal`` column, by the rule of each event's class (leg movements: the AASM
  association; other events: that, or an awakening within one epoch);
* the clusters of benign neonatal sleep myoclonus, found again among the reviewed neonatal jerks
  (a jerk in no cluster has ``cluster_id`` -1 and counts as a jerk, not as a cluster).

The measurements of detected events (durations, amplitudes, spread velocities), the chin-tone
fragments left out with arousals, and REM sleep without atonia (SINBAR from detection's bursts,
Ferri's index from the chin amplitude; they do not rest on the classified events) are those of
detection.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from ..schema import EVENTS, LEG_MOVEMENTS
from ..vocab import Role, TrialType
from ._intervals import arousal_mask
from .arousal import followed_by_arousal
from .neonatal import neonatal_clusters
from .plm import RESPIRATORY_NOTE, lm_arousals, mark_series, respiratory_related
from .result import Classification
from .rules import RuleSet
from .table import SLEEP_CODES

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["reclassify"]

_LM = TrialType.LEG_MOVEMENT.value


def reclassify(base: Classification, events: pd.DataFrame) -> Classification:
    """The classification of reviewed events: their classes as given, indices and findings assessed again.

    Parameters
    ----------
    base : Classification
        :func:`~myosleep.classification.classify` of the night the events were reviewed on (same
        detection, context, ruleset and age): its rule inputs and leg-movement table are used.
    events : DataFrame
        The reviewed events, columns of :data:`myosleep.schema.EVENTS`.  A detected event keeps the
        row ``base`` gave it (its ``trial_type`` and ``rule`` may be the reviewer's); an added event
        has ``event_id`` -1 and missing measurements (NaN).  Leg movements of ``base`` are
        recognised by their onset and duration (s).

    Returns
    -------
    Classification
        Events in the given order with ``stage``, ``periodic``, ``interval_s``, ``series_id``,
        ``arousal``, ``cluster_id`` (and the rule of leg movements) made again; indices and
        findings of :data:`~myosleep.classification.classify.FINDINGS`.
    """
    from .classify import assess

    inputs = base.inputs
    context, rules = inputs.context, inputs.rules
    if "in_lights" not in events.columns:  # made again below, from the night's lights
        events = events.assign(in_lights=True)
    ev = EVENTS.conform(events, where="reviewed events").astype(
        {"periodic": object, "channel": object, "regions": object, "rule": object})
    on = ev["onset"].to_numpy(float)
    off = on + ev["duration"].to_numpy(float)
    trial = ev["trial_type"].astype(str).to_numpy()
    ev["stage"] = context.stage_labels_at(on) if len(ev) else []
    ev["in_lights"] = context.in_lights(on)
    ev["periodic"] = None
    ev["interval_s"] = np.nan
    ev["series_id"] = -1
    ev["arousal"] = followed_by_arousal(on, off, context, rules)
    lm, owners = _leg_movements(ev, base)
    for col in ("interval_s", "series_id", "arousal", "rule"):
        ev.loc[owners, col] = lm[col].to_numpy()
    ev.loc[owners, "periodic"] = lm["periodic"].to_numpy(bool).astype(object)
    ev["cluster_id"] = np.full(len(ev), -1, dtype=np.int64)
    nn = trial == TrialType.NEONATAL_MYOCLONUS.value
    if nn.any():
        asleep = np.isin(np.asarray(context.stage_at(on[nn]), dtype=int), SLEEP_CODES)
        ev.loc[nn, "cluster_id"] = neonatal_clusters(on[nn], asleep, rules=rules)[0]
    ev = ev.astype({"series_id": np.int64, "cluster_id": np.int64, "arousal": bool, "interval_s": float})
    return assess(ev, lm, inputs, order=base.order, arousal_chin_fragments=base.arousal_chin_fragments,
                  sustained_activity_events=base.sustained_activity_events)


def _leg_movements(ev: pd.DataFrame, base: Classification) -> tuple[pd.DataFrame, np.ndarray]:
    """The leg-movement table of the reviewed events, with its PLM series; and, per table row,
    the row of ``ev`` it belongs to.

    The table holds the events of class leg movement, and the leg activity the ruleset scored as
    no leg movement (AASM: longer than 10 s) where it is still a body movement, as ``base`` had it.
    """
    import pandas as pd

    inputs, rules = base.inputs, base.inputs.rules
    blm = base.leg_movements
    known = {(float(o), float(d)): j for j, (o, d) in
             enumerate(zip(blm["onset"].to_numpy(float), blm["duration"].to_numpy(float)))}
    on, dur = ev["onset"].to_numpy(float), ev["duration"].to_numpy(float)
    trial, event_id = ev["trial_type"].astype(str).to_numpy(), ev["event_id"].to_numpy()
    rows, owners, given = [], [], []
    for i in np.argsort(on, kind="stable"):
        j = known.get((on[i], dur[i])) if event_id[i] < 0 else None
        is_lm = trial[i] == _LM
        if j is not None and (is_lm or (trial[i] == TrialType.BODY_MOVEMENT.value and not blm["scored"].iat[j])):
            row = blm.iloc[j].to_dict()
            if is_lm != bool(row["scored"]):  # the reviewer made scored-out leg activity a leg movement
                row.update(scored=True, rule=ev["rule"].iat[i])
            rows.append(row)
        elif is_lm:
            rows.append(_given_lm(ev.iloc[i], inputs.roles, inputs.sides, rules))
            given.append(len(rows) - 1)
        else:
            continue
        owners.append(i)
    if not rows:
        return LEG_MOVEMENTS.empty(), np.zeros(0, dtype=np.int64)
    lm = pd.DataFrame(rows, columns=list(LEG_MOVEMENTS.names))
    new = np.zeros(len(lm), dtype=bool)
    new[given] = True
    if new.any():
        lon = lm["onset"].to_numpy(float)
        loff = lon + lm["duration"].to_numpy(float)
        resp = respiratory_related(lon, loff, base.inputs.context.respiratory_events, rules) & new \
            & lm["candidate"].to_numpy(bool)
        lm.loc[new, "arousal"] = arousal_mask(lon, loff, lm_arousals(base.inputs.context), rules.arousal_gap_s)[new]
        lm.loc[resp, "respiratory"] = True
        lm.loc[resp, "rule"] = lm.loc[resp, "rule"] + RESPIRATORY_NOTE
    lm = lm.astype({"scored": bool, "candidate": bool, "respiratory": bool, "breaks_series": bool, "arousal": bool,
                    "bilateral": bool, "n_lms": np.int64, "series_id": np.int64})
    context = base.inputs.context
    return (mark_series(lm, rules=rules, gaps_s=getattr(context, "gaps_s", ()), period_s=context.recording_period_s),
            np.asarray(owners, dtype=np.int64))


def _given_lm(row: pd.Series, roles: Mapping[str, str], sides: Mapping[str, str], rules: RuleSet) -> dict[str, object]:
    """A leg movement the reviewer relabelled or added, scored by the ruleset's upper duration limit."""
    channels = tuple(row["channel"])
    legs = [c for c in channels if roles.get(c) == Role.LEG.value]
    side_set = {sides.get(c, "n/a") for c in (legs or channels)}
    bilateral = bool(row["bilateral"]) or {"left", "right"} <= side_set
    duration = float(row["duration"])
    limit = (rules.lm_max_duration_bilateral_s if bilateral and rules.lm_max_duration_bilateral_s is not None
             else rules.lm_max_duration_s)
    candidate = duration <= limit
    rule = str(row["rule"]) + ("" if candidate else f" ({duration:.1f} s > {limit:g} s: not counted in PLM series)")
    one_side = sorted(side_set & {"left", "right"})
    return {"onset": float(row["onset"]), "duration": duration, "channel": channels,
            "side": "both" if bilateral and len(one_side) == 2 else (one_side[0] if len(one_side) == 1 else "n/a"),
            "peak_amplitude_uv": float(row["peak_amplitude_uv"]), "n_lms": 2 if bilateral else 1,
            "bilateral": bilateral, "scored": True, "candidate": candidate, "respiratory": False,
            "breaks_series": (not candidate) and rules.long_lm_breaks_series, "interval_s": np.nan,
            "series_id": -1, "periodic": False, "arousal": False, "rule": rule, "burst_ids": ()}

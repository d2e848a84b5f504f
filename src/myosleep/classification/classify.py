"""`classify`: give every motor event a class and assess the recording's findings.

The class rules decide in this order (:data:`STEPS`; the first rule that takes an event wins;
a test checks this list against :data:`STEPS`):

1. ``body_movement``: a gross body movement of detection stays one (:mod:`.body`);
2. ``neonatal_myoclonus (age < 1 y)``: in infants, part of a 1-5 Hz cluster of jerks in sleep
   (:mod:`.neonatal`; before the leg movements, which would merge a run of leg jerks); from 1 year
   or without an age such a cluster's jerks are ``myoclonic_jerk`` (not BNSM, not REM twitches);
   clusters in wakefulness are numbered in ``cluster_id`` only;
3. ``propriospinal_myoclonus``: the first segment to fire is axial, spread along the cord at
   3-11 m/s once each muscle's motor conduction is taken out, in wake, N1 or a transition
   window (:mod:`.propriospinal`; before the leg movements, whose leg EMG is part of the jerk);
4. ``leg_movement``: leg movements are scored from the "lm" bursts under the ruleset; a
   leg-only event inside one is that leg movement (:mod:`.plm`);
5. ``hypnic_jerk``: several body regions, brief EMG bursts, in a wake-to-sleep transition
   window (:mod:`.hypnic`);
6. ``rem_twitch``: REM, longest EMG burst 0.1-5 s (:mod:`.rem_twitch`);
7. ``arousal chin tone (left out, counted)``: chin-only events associated with an EEG arousal
   are that arousal's chin EMG rise, not jerks (:mod:`.arousal`);
8. ``sustained activity (left out, counted)``: an event whose longest EMG burst lasts > 5 s
   (longer than phasic activity) is a sustained contraction, not a jerk (:mod:`.sustained`);
9. ``fragmentary_myoclonus``: one channel, 20-150 ms (:mod:`.fragmentary`);
10. ``myoclonic_jerk``: everything else (:mod:`.myoclonic`; ``cortical_myoclonus`` needs the
   EEG evidence of a later stage and is never assigned here).

Then the findings, each beside its rules (:data:`FINDINGS`): sleep starts (:mod:`.hypnic`),
excessive fragmentary myoclonus (:mod:`.fragmentary`), periodic limb movements (:mod:`.plm`),
REM sleep without atonia (:mod:`.rswa`), benign neonatal sleep myoclonus (:mod:`.neonatal`),
propriospinal myoclonus (:mod:`.propriospinal`), cortical myoclonus (:mod:`.cortical`); each is
"cannot be assessed" on a montage without the channels its rule needs to see its events
(:mod:`.montage`), and at an age its rule's source does not cover (:mod:`.agegate`).

Burst durations are those of each event's EMG bursts, as detection reports them: an
accelerometer's movement outlasts the muscle burst that caused it and is not a "burst".
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import numpy as np

from ..age import Age, parse_age
from ..schema import EVENTS, LEG_MOVEMENTS
from ..vocab import TrialType
from . import (
    agegate,
    arousal,
    body,
    cortical,
    fragmentary,
    hypnic,
    montage,
    myoclonic,
    neonatal,
    plm,
    propriospinal,
    rem_twitch,
    rswa,
    sustained,
)
from .cascade import Cascade, Step
from .findings import Evidence, Finding
from .indices import EventIndices
from .result import Classification
from .rules import RuleSet, get_ruleset
from .table import EventTable, RuleInputs

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ..context.context import SleepContext
    from ..detection.results import DetectionResult

__all__ = ["EVENT_COLUMNS", "FINDINGS", "STEPS", "assess", "classify"]

logger = logging.getLogger("myosleep")

#: Columns of :attr:`Classification.events` (:data:`myosleep.schema.EVENTS`).
EVENT_COLUMNS = list(EVENTS.names)

#: The class rules, in the order they decide.
STEPS: tuple[Step, ...] = (body.STEP, neonatal.STEP, propriospinal.STEP, plm.STEP, hypnic.STEP, rem_twitch.STEP,
                           arousal.STEP, sustained.STEP, fragmentary.STEP, myoclonic.STEP)

#: The findings in summary.json order: (key of their numbers in ``indices`` or None, rule).
FINDINGS: tuple[tuple[str | None, Callable[[Evidence], tuple[Finding, Mapping[str, object] | None]]], ...] = (
    ("hypnic", hypnic.assess), ("efm", fragmentary.assess), ("plm", plm.assess), ("rswa", rswa.assess),
    (None, neonatal.assess), (None, propriospinal.assess), (None, cortical.assess))


def classify(detection: DetectionResult, context: SleepContext, *, rules: str | RuleSet = "aasm",
             age: Age | str | float | None = None) -> Classification:
    """Classify every motor event of a night and assess its findings.

    Parameters
    ----------
    detection : DetectionResult
        Motor events, their bursts (``members``), the "lm" bursts of the leg channels, the
        chin and arm bursts (SINBAR), the chin amplitude per second (REM atonia index) and
        the channels' roles (:func:`myosleep.detection.detect`, or
        :meth:`DetectionResult.from_tables`).
    context : SleepContext
        Hypnogram, transitions, arousals, scored respiratory events
        (:func:`myosleep.context.build_context`).
    rules : {"aasm", "wasm2016"} or RuleSet
        Leg-movement ruleset (the other classes use the same numbers in both).
    age : Age | str | float | None
        Years, or text with a unit (``"4mo"``): the paediatric PLMS cut-off and whether
        neonatal myoclonus is considered.

    Returns
    -------
    Classification

    Raises
    ------
    ParameterError
        For an unknown ruleset or age.
    """
    rs = get_ruleset(rules)
    inputs = RuleInputs.build(detection, context, rules=rs, age=parse_age(age))
    events = EventTable.build(detection, context)
    state = Cascade.start(events)
    for step in STEPS:
        state.apply(step.decide(events, state, inputs))
    table = _event_rows(events, state, inputs)
    lm = state.leg_movements if state.leg_movements is not None else LEG_MOVEMENTS.empty()
    return assess(table, lm, inputs, order=tuple(s.name for s in STEPS),
                  arousal_chin_fragments=state.counts.get("arousal_chin_fragments", 0),
                  sustained_activity_events=state.counts.get("sustained_activity_events", 0))


def assess(events: pd.DataFrame, leg_movements: pd.DataFrame, inputs: RuleInputs, *, order: tuple[str, ...],
           arousal_chin_fragments: int, sustained_activity_events: int = 0) -> Classification:
    """Indices and findings of classified events (:data:`FINDINGS`, in order).

    Every count, index and finding rests on the events between lights off and on that the ruleset
    scores (:meth:`EventIndices.compute`, :attr:`Evidence.counted`, :func:`.plm.not_scored`);
    events.tsv keeps the others.
    """
    not_scored = plm.not_scored(events, leg_movements, inputs.rules)
    idx = EventIndices.compute(events, inputs.context, not_scored=not_scored)
    counted = np.asarray(inputs.context.in_lights(events["onset"].to_numpy(float)), dtype=bool) & ~not_scored
    evidence = Evidence(events, leg_movements, idx, inputs, counted=counted)
    findings, numbers = [], {}
    amp = inputs.detection.chin_amplitude.values_uv
    has_amp = amp is not None and bool(np.isfinite(amp).any())
    for key, rule in FINDINGS:
        finding, values = rule(evidence)
        # a montage that cannot show the events the rule counts: cannot be assessed (defect 36)
        finding = montage.gate(finding, inputs.roles, rules=inputs.rules, has_chin_amplitude=has_amp)
        # a rule derived in adults, at a child's age it does not cover: cannot be assessed (defect 76)
        findings.append(agegate.gate(finding, inputs.age, rules=inputs.rules))
        if key is not None and values is not None:
            numbers[key] = values
    return Classification(events=events, findings=tuple(findings), event_indices=idx, finding_indices=numbers,
                          arousal_chin_fragments=arousal_chin_fragments,
                          sustained_activity_events=sustained_activity_events, rules=inputs.rules,
                          leg_movements=leg_movements, order=order, inputs=inputs)


def _event_rows(events: EventTable, state: Cascade, inputs: RuleInputs) -> pd.DataFrame:
    """events.tsv rows: the motor events kept, then the leg movements, sorted by onset."""
    import pandas as pd

    me = events.frame
    keep = state.keep
    rows = pd.DataFrame({
        "onset": events.onset_s, "duration": events.offset_s - events.onset_s, "trial_type": state.trial,
        "channel": me["channel"].to_numpy(object), "stage": events.stage_labels,
        "in_lights": inputs.context.in_lights(events.onset_s),
        "peak_amplitude_uv": events.peak_amplitude_uv, "periodic": None,
        "arousal": arousal.followed_by_arousal(events.onset_s, events.offset_s, inputs.context, inputs.rules),
        "max_burst_duration_ms": events.max_burst_ms, "n_channels": events.n_channels,
        "regions": me["regions"].to_numpy(object), "onset_spread_ms": me["onset_spread_ms"].to_numpy(float),
        "bilateral": me["bilateral"].astype(bool).to_numpy(), "interval_s": np.nan, "series_id": -1,
        "velocity_m_s": state.columns["velocity_m_s"], "cluster_id": state.columns["cluster_id"],
        "rule": state.rule, "event_id": events.event_id,
    }, columns=EVENT_COLUMNS)[keep] if events.n else EVENTS.empty()
    lm = state.leg_movements
    if lm is not None and len(lm):
        lm_rows = pd.DataFrame({
            "onset": lm["onset"].to_numpy(float), "duration": lm["duration"].to_numpy(float),
            "trial_type": np.where(lm["scored"].to_numpy(bool), TrialType.LEG_MOVEMENT.value,
                                   TrialType.BODY_MOVEMENT.value),
            "channel": lm["channel"].to_numpy(object),
            "stage": inputs.context.stage_labels_at(lm["onset"].to_numpy(float)),
            "in_lights": inputs.context.in_lights(lm["onset"].to_numpy(float)),
            "peak_amplitude_uv": lm["peak_amplitude_uv"].to_numpy(float),
            "periodic": lm["periodic"].to_numpy(bool).astype(object), "arousal": lm["arousal"].to_numpy(bool),
            "max_burst_duration_ms": lm["duration"].to_numpy(float) * 1000.0,
            "n_channels": [len(c) for c in lm["channel"]], "regions": [("leg",)] * len(lm),
            "onset_spread_ms": np.nan, "bilateral": lm["bilateral"].to_numpy(bool),
            "interval_s": lm["interval_s"].to_numpy(float), "series_id": lm["series_id"].to_numpy(),
            "velocity_m_s": np.nan, "cluster_id": -1, "rule": lm["rule"].to_numpy(), "event_id": -1,
        }, columns=EVENT_COLUMNS)
        rows = pd.concat([rows, lm_rows], ignore_index=True) if len(rows) else lm_rows
    rows = rows.astype({"periodic": object, "channel": object, "regions": object})
    return rows.sort_values("onset", kind="stable").reset_index(drop=True)[EVENT_COLUMNS]

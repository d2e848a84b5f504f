"""The neurophysiology stage of ``myosleep analyze`` (after classification; :data:`myosleep.pipeline.STAGES`).

It averages the EEG around the EMG onsets of the jerks no benign class explains
(:data:`~myosleep.neurophysiology.stage.DEFAULT_CLASSES`: ``myoclonic_jerk`` and the brief
single-muscle ``fragmentary_myoclonus``), and contributes:

* the ``cortical_myoclonus`` finding (replacing classification's "cannot be assessed without
  back-averaging", whose burst-duration test of the unexplained jerks it keeps in its evidence
  and in ``values["unexplained_jerks_burst_test"]``);
* the ``functional_jerks`` finding (a Bereitschaftspotential before the jerks in wakefulness);
* the jerks a significant average covers, relabelled ``cortical_myoclonus`` with the rule
  that says which average, how many ms before EMG onset, where and with which p;
* its numbers (summary.json ``stages.neurophysiology``: :meth:`NeurophysiologyResult.summary`
  with the report's averages, without the findings, which summary.json lists once).

This module stays light (the pipeline lists the stage at import); the work is imported in
:meth:`NeurophysiologyStage.run`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .params import DEFAULT_PARAMS, NeuroParams

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ..classification.findings import Finding
    from ..classification.result import Classification
    from ..classification.stages import Relabel, StageOutcome
    from ..context.context import SleepContext
    from ..detection.results import DetectionResult
    from ..io.recording import Recording
    from .result import NeurophysiologyResult

__all__ = ["CANDIDATE_CLASSES", "REVIEWED_CLASSES", "NeurophysiologyStage"]

#: The jerks analyze averages (see :data:`myosleep.neurophysiology.stage.DEFAULT_CLASSES`).
CANDIDATE_CLASSES = ("myoclonic_jerk", "fragmentary_myoclonus")
#: The jerks a reviewed re-analysis averages (``analyze --events-from``): the candidates the
#: reviewer left, and the jerks the reviewer kept or made ``cortical_myoclonus`` (whose EEG is
#: the evidence for that class).
REVIEWED_CLASSES = (*CANDIDATE_CLASSES, "cortical_myoclonus")


@dataclass
class NeurophysiologyStage:
    """Jerk-locked EEG back-averaging as a stage after classification
    (:class:`~myosleep.classification.stages.AnalysisStage`; its ``run`` never changes it).

    Parameters
    ----------
    name : str
        Key of its numbers in summary.json ``stages``.
    classes : tuple of str
        Event classes averaged.
    params : NeuroParams
        Windows, minimum counts, significance level.
    seed : int
        Seed of the jitter draws, permutations and bootstrap (analyze is reproducible).
    relabel : bool
        Relabel the jerks a significant average covers ``cortical_myoclonus`` (analyze). False
        for reviewed events (``analyze --events-from``): the reviewer has decided the classes;
        the findings and numbers still come from the EEG around the reviewed jerks.
    """

    name: str = "neurophysiology"
    classes: tuple[str, ...] = CANDIDATE_CLASSES
    params: NeuroParams = field(default=DEFAULT_PARAMS, repr=False)
    seed: int = 0
    relabel: bool = True

    def run(self, recording: Recording, detection: DetectionResult, context: SleepContext,
            classification: Classification) -> StageOutcome:
        """Back-average the EEG around the chosen jerks; the findings, relabels and numbers."""
        from ..classification.stages import StageOutcome
        from ..vocab import FindingCode
        from .stage import jerk_locked_analysis

        events = classification.events
        result = jerk_locked_analysis(recording, events, classes=self.classes, bursts=detection.bursts,
                                      params=self.params, seed=self.seed, ruleset=classification.rules.name,
                                      band_window_s=self.params.display_zoom_s)
        cortical = keep_burst_evidence(result.cortical, classification.finding(FindingCode.CORTICAL_MYOCLONUS),
                                       cutoff_ms=1000.0 * classification.rules.cortical_max_burst_s)
        # the findings themselves go to summary.json's findings, not twice
        values = {k: v for k, v in result.summary(averages=True).items() if k != "findings"}
        if not self.relabel:
            values["relabelled"], values["relabel_event_index"] = [], []
            values["notes"] = [*values.get("notes", []),
                               "Reviewed events: the classes are the reviewer's; no jerk was relabelled."]
        return StageOutcome(self.name, relabel=relabels(result, events) if self.relabel else (),
                            findings=(cortical, result.functional), values=values)


def relabels(result: NeurophysiologyResult, events: pd.DataFrame) -> tuple[Relabel, ...]:
    """One :class:`Relabel` per group whose average makes its jerks cortical, with the rule that says so."""
    from ..classification.stages import Relabel
    from ..vocab import TrialType

    groups = {g.name: g for g in result.groups}
    ids = events["event_id"].to_numpy()
    out = []
    for name, rows in result.covered:
        g = groups[name]
        tr = g.transient
        event_ids = tuple(int(ids[i]) for i in rows if int(ids[i]) >= 0)
        if not event_ids:
            continue
        where = f"{g.n_jerks} jerks of several muscles" if name in ("all", "other muscles") else \
            f"{g.n_jerks} jerks of {name}"
        rule = (f"EEG transient {tr.latency_ms:.0f} ms before the EMG onset at {tr.channel} ({tr.polarity}, "
                f"{tr.amplitude_uv:+.1f} uV) in the back-average of {where} (p = {tr.p_adjusted:.2g}, "
                f"family-wise alpha {result.params.alpha:g})")
        if tr.reference is not None:  # a scalp reference: its potential is on every channel, inverted
            free = tr.reference_free
            rule += (f"; recording reference {tr.reference}" + (
                f", largest against the average reference at {free['site']} ({free['polarity']}, "
                f"{free['amplitude_uv']:+.1f} uV)" if free else ""))
        out.append(Relabel(event_ids, TrialType.CORTICAL_MYOCLONUS, rule))
    return tuple(out)


def keep_burst_evidence(cortical: Finding, classified: Finding, *, cutoff_ms: float) -> Finding:
    """The stage's ``cortical_myoclonus`` with classification's burst-duration test of the
    unexplained brief jerks added to its evidence and to ``values["unexplained_jerks_burst_test"]``."""
    from ..classification.findings import Finding

    v = classified.values
    test = {k: v.get(k) for k in ("n_jerks", "median_burst_duration_ms", "short_bursts_pct",
                                  "burst_duration_suggests_cortical", "burst_test_not_assessed")}
    med = v.get("median_burst_duration_ms")
    n = v.get("n_jerks")
    suggests = v.get("burst_duration_suggests_cortical")
    if v.get("burst_test_not_assessed"):  # no EMG in the montage: no burst to quote (defect 36)
        text = f"Burst-duration test of the brief unexplained jerks (classification): {v['burst_test_not_assessed']}."
    elif suggests is None or not isinstance(med, (int, float)) or not math.isfinite(med):
        text = (f"Burst-duration test of the brief unexplained jerks (classification): {n or 0} jerks, too few "
                "to apply it.")
    else:
        text = (f"Burst-duration test of the brief unexplained jerks (classification): median EMG burst "
                f"{med:.0f} ms over {n} jerks, {'below' if suggests else 'not below'} the {cutoff_ms:.0f} ms "
                "cut-off (van der Veen et al. 2024).")
    return Finding(cortical.code, cortical.present, f"{cortical.evidence} {text}",
                   {**cortical.values, "unexplained_jerks_burst_test": test})

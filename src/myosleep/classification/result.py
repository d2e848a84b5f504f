"""The result of classification: :class:`Classification` (every event with its class, the findings,
the indices of one night)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np

from ..vocab import FindingCode, TrialType
from .findings import Finding
from .indices import STAGE_LABELS, EventIndices
from .rules import RuleSet
from .table import RuleInputs

if TYPE_CHECKING:  # pragma: no cover
    import mne
    import pandas as pd
    from matplotlib.axes import Axes

__all__ = ["Classification"]


@dataclass(frozen=True, repr=False)
class Classification:
    """Every event with its class, the findings and the indices of one night.

    Attributes
    ----------
    events : pandas.DataFrame
        events.tsv rows (:data:`myosleep.schema.EVENTS`): onset, duration (s), trial_type,
        channel (tuple of labels), stage (W N1 N2 N3 R n/a at onset), in_lights (onset between
        lights off and on: counted), peak_amplitude_uv (uV),
        periodic (True/False for leg movements, None otherwise), arousal, max_burst_duration_ms,
        n_channels, regions (tuple), onset_spread_ms, bilateral, interval_s, series_id,
        velocity_m_s, cluster_id, rule (what decided), event_id.
    findings : tuple of Finding
        The findings, in the order of :class:`~myosleep.vocab.FindingCode`.
    event_indices : EventIndices
        Counts and indices per hour of every class, overall and by stage.
    finding_indices : Mapping[str, Mapping[str, object]]
        The numbers behind the findings: ``hypnic``, ``efm``, ``plm``, ``rswa``.
    arousal_chin_fragments : int
        Chin-only events left out as the chin tone of an arousal.
    sustained_activity_events : int
        Events left out as sustained activity (a burst longer than phasic activity, > 5 s):
        :mod:`myosleep.classification.sustained`.
    rules : RuleSet
    leg_movements : pandas.DataFrame
        Every leg movement scored (:data:`myosleep.schema.LEG_MOVEMENTS`), respiratory-related
        and non-scored leg activity included.
    order : tuple of str
        The class rules in the order they decided (summary.json ``methods.classification_order``).
    inputs : RuleInputs
        What the rules read (ruleset, age, context, detection); :meth:`relabel` reassesses with it.
    set_by_stages : tuple of Finding
        Findings that stages after classification set (:meth:`with_findings`); they stay
        when a later stage relabels events.
    """

    events: pd.DataFrame
    findings: tuple[Finding, ...]
    event_indices: EventIndices
    finding_indices: Mapping[str, Mapping[str, object]]
    arousal_chin_fragments: int
    rules: RuleSet
    leg_movements: pd.DataFrame
    order: tuple[str, ...]
    inputs: RuleInputs = field(compare=False)
    set_by_stages: tuple[Finding, ...] = ()
    sustained_activity_events: int = 0

    # ------------------------------------------------------------------ access
    @property
    def indices(self) -> dict[str, object]:
        """Counts and indices as summary.json ``indices`` holds them (JSON-ready dict)."""
        idx = self.event_indices
        return {"ruleset": self.rules.name, "hours_by_stage": dict(idx.hours_by_stage), "tst_h": idx.tst_h,
                "nrem_h": idx.nrem_h, "by_trial_type": {t: v.to_dict() for t, v in idx.by_trial_type.items()},
                **{k: dict(v) for k, v in self.finding_indices.items() if k in ("plm", "rswa", "efm")},
                "arousal_chin_fragments": self.arousal_chin_fragments,
                "sustained_activity_events": self.sustained_activity_events,
                **{k: dict(v) for k, v in self.finding_indices.items() if k not in ("plm", "rswa", "efm")}}

    def finding(self, code: FindingCode | str) -> Finding:
        """The finding with this code (KeyError when none)."""
        code = FindingCode(code)
        for f in self.findings:
            if f.code == code:
                return f
        raise KeyError(code)

    def summary(self, by: str | Sequence[str] = ("trial_type", "stage")) -> pd.DataFrame:
        """Events grouped by ``by`` (columns of :attr:`events`), at YASA's level.

        Returns
        -------
        DataFrame
            One row per group of the events between lights off and on (``in_lights``): ``count``;
            ``per_h``, the count per hour spent in the row's stage
            when ``by`` holds ``"stage"``, else per hour of the hypnogram (W to R, lights off to
            on); ``mean_duration_s`` (s), ``median_peak_amplitude_uv`` (uV), ``arousal_pct``
            (% followed by an arousal).
        """
        keys = [by] if isinstance(by, str) else list(by)
        ev = self.events[self.events["in_lights"].astype(bool).to_numpy()]  # the hours cover lights off .. on
        ev = ev.assign(arousal=ev["arousal"].astype(float) * 100.0)
        out = ev.groupby(keys, sort=True).agg(count=("onset", "size"), mean_duration_s=("duration", "mean"),
                                               median_peak_amplitude_uv=("peak_amplitude_uv", "median"),
                                               arousal_pct=("arousal", "mean"))
        hours = self.event_indices.hours_by_stage
        if "stage" in keys:
            stage = out.index.get_level_values("stage")
            h = np.array([hours.get(str(s), float("nan")) for s in stage], dtype=float)
        else:
            h = np.full(len(out), sum(hours[s] for s in STAGE_LABELS))
        with np.errstate(divide="ignore", invalid="ignore"):
            out.insert(1, "per_h", np.where(h > 0, out["count"].to_numpy(float) / h, np.nan))
        return out

    def to_dataframe(self) -> pd.DataFrame:
        """A copy of :attr:`events`."""
        return self.events.copy()

    def to_mne_annotations(self) -> mne.Annotations:
        """The events as :class:`mne.Annotations` (description = trial_type, with their channels)."""
        import mne

        ev = self.events
        return mne.Annotations(onset=ev["onset"].to_numpy(float), duration=ev["duration"].to_numpy(float),
                               description=ev["trial_type"].astype(str).tolist(),
                               ch_names=[tuple(c) for c in ev["channel"]])

    def plot_events(self, ax: Axes | None = None, *, duration_s: float | None = None) -> Axes:
        """One row per event class, a tick per event (time in hours; the report's colours)."""
        import matplotlib.pyplot as plt

        from ..vocab import TRIAL_TYPE_COLOURS

        if ax is None:
            _, ax = plt.subplots(figsize=(10, 3))
        present = [t.value for t in TrialType if (self.events["trial_type"] == t.value).any()]
        for row, t in enumerate(present):
            on_h = self.events.loc[self.events["trial_type"] == t, "onset"].to_numpy(float) / 3600.0
            ax.vlines(on_h, row - 0.35, row + 0.35, colors=TRIAL_TYPE_COLOURS[t], linewidth=0.8)
        ax.set_yticks(range(len(present)), [t.replace("_", " ") for t in present])
        ax.set_ylim(-0.5, max(len(present), 1) - 0.5)
        end = duration_s if duration_s is not None else float(self.inputs.context.hypnogram.end_s)
        ax.set_xlim(0.0, end / 3600.0)
        ax.set_xlabel("time from recording start (h)")
        return ax

    # ------------------------------------------------------------------ later stages
    def relabel(self, event_ids: Sequence[int], trial_type: TrialType | str, rule: str) -> Classification:
        """A copy where the motor events ``event_ids`` have class ``trial_type`` and rule ``rule``.

        The indices and findings are assessed again on the relabelled events (e.g. a jerk-locked
        EEG transient makes jerks ``cortical_myoclonus``).

        Raises
        ------
        KeyError
            When an id is not an event of the table.
        """
        ids = np.asarray(list(event_ids), dtype=np.int64)
        sel = self.events["event_id"].isin(ids).to_numpy() & (self.events["event_id"].to_numpy() >= 0)
        missing = set(ids.tolist()) - set(self.events.loc[sel, "event_id"].tolist())
        if missing:
            raise KeyError(f"no event with id {sorted(missing)}")
        events = self.events.copy()
        events.loc[sel, "trial_type"] = TrialType(trial_type).value
        events.loc[sel, "rule"] = rule
        from .classify import assess

        out = assess(events, self.leg_movements, self.inputs, order=self.order,
                     arousal_chin_fragments=self.arousal_chin_fragments,
                     sustained_activity_events=self.sustained_activity_events)
        return out.with_findings(self.set_by_stages) if self.set_by_stages else out

    def with_findings(self, findings: Sequence[Finding]) -> Classification:
        """A copy where ``findings`` replace those with the same code (new codes are added at the end)."""
        new = {f.code: f for f in findings}
        kept = [new.pop(f.code, f) for f in self.findings]
        codes = {f.code for f in findings}
        by_stages = tuple(f for f in self.set_by_stages if f.code not in codes) + tuple(findings)
        return replace(self, findings=tuple(kept) + tuple(new.values()), set_by_stages=by_stages)

    def __repr__(self) -> str:
        counts = self.events["trial_type"].value_counts()
        classes = ", ".join(f"{t} {n}" for t, n in counts.items())
        state = {True: "present", False: "absent", None: "n/a"}
        findings = ", ".join(f"{f.code.value} {state[f.present]}" for f in self.findings)
        return (f"<Classification {self.rules.name}: {len(self.events)} events"
                f"{f' ({classes})' if classes else ''}; findings: {findings}>")

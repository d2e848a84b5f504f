"""Result objects of the neurophysiology stage (immutable)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .bereitschaft import BPResult
from .bursts import BurstDurationResult
from .coherence import CoherenceResult
from .epochs import EpochSet
from .params import NeuroParams
from .transient import TransientResult

__all__ = ["Band", "GroupAverage", "NeurophysiologyResult"]


@dataclass(frozen=True, eq=False)
class Band:
    """An average with its 95 % percentile bootstrap band (over jerks).

    Attributes
    ----------
    times_s : ndarray, shape (n_times,)
        Relative to EMG onset, s.
    mean_uv, ci_low_uv, ci_high_uv : ndarray, shape (n_channels, n_times)
        Average (baseline -2.5 to -2.0 s subtracted) and its band, uV.
    """

    times_s: np.ndarray
    mean_uv: np.ndarray
    ci_low_uv: np.ndarray
    ci_high_uv: np.ndarray

    def to_dict(self, channels: tuple[str, ...], *, start_s: float = -np.inf, stop_s: float = np.inf) -> dict:
        """JSON-ready arrays (ms to 0.01, uV to 0.1) of the samples from ``start_s`` to ``stop_s``."""
        m = (self.times_s >= start_s - 1e-9) & (self.times_s <= stop_s + 1e-9)
        r = lambda a: np.round(a[:, m], 1).tolist()  # noqa: E731
        return {"channels": list(channels), "time_ms": np.round(self.times_s[m] * 1000.0, 2).tolist(),
                "mean_uv": r(self.mean_uv), "ci_low_uv": r(self.ci_low_uv), "ci_high_uv": r(self.ci_high_uv)}


@dataclass(frozen=True, eq=False)
class GroupAverage:
    """Jerk-locked average of one group of jerks (one trigger muscle, or pooled).

    Attributes
    ----------
    name : str
        Trigger muscle (first EMG channel of the jerks), or ``"all"`` (every jerk, when no
        muscle has enough of its own) or ``"other muscles"`` (those without a group of their own).
    rows : ndarray of int
        Positions of the group's epochs in :attr:`NeurophysiologyResult.epochs`.
    event_index : tuple of int
        Rows of the caller's event table averaged here.
    average : Band
        The average at the EEG's own rate with its band (the whole epoch, or the span
        :func:`~myosleep.neurophysiology.jerk_locked_analysis` was asked for).
    level : float
        Significance level of this group's transient test: the family-wise alpha divided
        by Holm's step (alpha / (m - rank)); NaN when not tested.
    transient, coherence, bursts
        The group's tests.
    min_lead_ms : float
        The least lead a cortical transient can have over these jerks (the fastest
        corticomuscular conduction to their muscles): the samples tested end there.
    """

    name: str
    rows: np.ndarray
    event_index: tuple[int, ...]
    average: Band
    level: float
    transient: TransientResult
    coherence: CoherenceResult
    bursts: BurstDurationResult
    min_lead_ms: float = 8.0

    @property
    def n_jerks(self) -> int:
        return int(self.rows.size)

    @property
    def mean_uv(self) -> np.ndarray:
        return self.average.mean_uv

    @property
    def ci_low_uv(self) -> np.ndarray:
        return self.average.ci_low_uv

    @property
    def ci_high_uv(self) -> np.ndarray:
        return self.average.ci_high_uv

    @property
    def significant(self) -> bool:
        return self.transient.channel is not None

    def to_dict(self) -> dict:
        return {"name": self.name, "n_jerks": self.n_jerks, "holm_level": self.level, "min_lead_ms": self.min_lead_ms,
                "significant": self.significant, "transient": self.transient.to_dict(),
                "coherence": self.coherence.to_dict(), "bursts": self.bursts.to_dict()}


@dataclass(frozen=True, eq=False)
class NeurophysiologyResult:
    """Jerk-locked EEG back-averaging, Bereitschaftspotential, coherence and burst duration.

    Attributes
    ----------
    channels : tuple of str
        EEG channels analysed.
    sfreq : float
        Their (shared, own) sampling rate, Hz.
    times_s : ndarray
        Epoch times relative to EMG onset, s.
    classes : tuple of str | None
        Classes averaged (None: every row of the event table).
    n_selected : int
        Jerks chosen.
    rejected : dict
        Rejected epochs per reason.
    groups : tuple of GroupAverage
        The groups tested (per trigger muscle with enough jerks, and/or all jerks).
    primary : str | None
        Name of the group the findings rest on.
    bereitschaftspotential : BPResult
    cortical, functional : Finding
        ``cortical_myoclonus`` and ``functional_jerks``.
    covered : tuple of (str, tuple of int)
        Per group whose average is significant (the groups are disjoint), the rows of the
        caller's event table to relabel ``cortical_myoclonus``.
    notes : tuple of str
        What a reader must know (channels left out, hardware filters, ...).
    epochs : EpochSet
        The usable epochs (raw uV).
    params : NeuroParams
    wake_average : Band | None
        The report's view (20-ms bins) of the jerks in wakefulness, when their
        Bereitschaftspotential was assessed.
    """

    channels: tuple[str, ...]
    sfreq: float
    times_s: np.ndarray = field(repr=False)
    classes: tuple[str, ...] | None
    n_selected: int
    rejected: dict
    groups: tuple[GroupAverage, ...]
    primary: str | None
    bereitschaftspotential: BPResult
    cortical: Any
    functional: Any
    covered: tuple[tuple[str, tuple[int, ...]], ...]
    notes: tuple[str, ...]
    epochs: EpochSet | None = field(repr=False)
    params: NeuroParams = field(repr=False, default_factory=NeuroParams)
    wake_average: Band | None = field(repr=False, default=None)

    # ---------------------------------------------------------------- views
    @property
    def n_usable(self) -> int:
        return 0 if self.epochs is None else int(self.epochs.usable.size)

    @property
    def relabel_index(self) -> tuple[int, ...]:
        """Rows of the caller's event table to relabel ``cortical_myoclonus`` (every group of :attr:`covered`)."""
        return tuple(sorted({i for _, rows in self.covered for i in rows}))

    @property
    def findings(self) -> tuple:
        return (self.cortical, self.functional)

    def group(self, name: str | None = None) -> GroupAverage:
        """The group ``name`` (default: the primary group)."""
        from ..errors import ParameterError

        name = self.primary if name is None else name
        for g in self.groups:
            if g.name == name:
                return g
        raise ParameterError(f"no group {name!r}; groups are {[g.name for g in self.groups]}", where="group")

    def __repr__(self) -> str:
        c = self.cortical.present
        f = self.functional.present
        lead = self.cortical.values.get("lead_ms")
        lead_txt = f", lead {lead:.1f} ms" if isinstance(lead, float) else ""
        return (f"<NeurophysiologyResult {self.n_usable}/{self.n_selected} jerks, {len(self.channels)} EEG ch "
                f"@ {self.sfreq:g} Hz, {len(self.groups)} group(s): cortical={c}{lead_txt}, functional={f}>")

    def summary(self, *, averages: bool = False) -> dict:
        """JSON-ready statistics (the CLI's ``stats.json``; analyze's summary.json ``stages.neurophysiology``).

        The headline numbers first (those of the ``cortical_myoclonus`` finding: ``lead_ms``,
        ``n_jerks``, ``p_value`` (Holm-adjusted), ``channel``, ``bereitschaftspotential``,
        ``coherence_peak_hz``), then the method, every group's results, the BP test, the
        findings and the relabelled jerks. ``averages=True`` adds the report's figures' data
        (:meth:`figure_data`).
        """
        from .._json import to_jsonable

        p = self.params
        c = self.cortical.values
        out = {
            **{k: c.get(k) for k in ("lead_ms", "n_jerks", "p_value", "p_value_unadjusted", "alpha", "channel",
                                     "polarity", "amplitude_uv", "trigger_muscle", "not_assessed_because")},
            "bereitschaftspotential": self.bereitschaftspotential.status,
            "coherence_peak_hz": c.get("coherence_peak_hz"),
            "cortical_myoclonus": self.cortical.present, "functional_jerks": self.functional.present,
            "eeg_channels": list(self.channels), "sfreq_hz": self.sfreq, "classes": self.classes,
            "n_jerks_selected": self.n_selected, "n_jerks_usable": self.n_usable, "epochs_rejected": self.rejected,
            "epoch_s": [p.tmin_s, p.tmax_s], "baseline_s": list(p.baseline_s),
            "transient_window_s": list(p.transient_window_s),
            "min_jerks": p.min_jerks, "absence_jerks": p.absence_jerks, "min_eeg_sfreq_hz": p.min_eeg_sfreq_hz,
            "multiple_comparisons": "t-max permutation over channels and samples (jittered onsets), "
                                    "Holm over groups",
            "groups": [g.to_dict() for g in self.groups], "primary_group": self.primary,
            "bereitschaftspotential_test": self.bereitschaftspotential.to_dict(),
            "findings": [self.cortical.to_dict(), self.functional.to_dict()],
            "relabelled": [{"group": name, "n_jerks": len(rows)} for name, rows in self.covered],
            "relabel_event_index": list(self.relabel_index), "notes": list(self.notes),
        }
        if averages:
            out["averages"] = self.figure_data()
        return to_jsonable(out)

    def figure_data(self) -> list[dict]:
        """The averages the report draws, each with its 95 % bootstrap band (uV to 0.1):
        every significant group and the primary one from -200 to +100 ms at the EEG's rate
        (``kind="jerk_locked"``), and the jerks in wakefulness over the whole epoch in 20-ms
        bins when their Bereitschaftspotential was assessed (``kind="wake"``)."""
        p = self.params
        out = []
        for g in self.groups:
            if not (g.significant or g.name == self.primary):
                continue
            tr = g.transient
            out.append({"kind": "jerk_locked", "group": g.name, "n_jerks": g.n_jerks, "significant": g.significant,
                        "p_value": tr.p_adjusted, "sfreq_hz": self.sfreq,
                        "transient": {"channel": tr.channel, "lead_ms": tr.latency_ms, "polarity": tr.polarity,
                                      "amplitude_uv": tr.amplitude_uv},
                        "tested_ms": [1000.0 * p.transient_window_s[0], -g.min_lead_ms],
                        "average": g.average.to_dict(self.channels, start_s=p.display_zoom_s[0],
                                                     stop_s=p.display_zoom_s[1])})
        if self.wake_average is not None:
            bp = self.bereitschaftspotential
            out.append({"kind": "wake", "group": "wake", "n_jerks": bp.n_jerks, "significant": bp.status == "present",
                        "bereitschaftspotential": bp.status, "channel": bp.channel,
                        "bp_window_ms": [1000.0 * p.bp_window_s[0], 1000.0 * p.bp_window_s[1]],
                        "baseline_ms": [1000.0 * p.baseline_s[0], 1000.0 * p.baseline_s[1]],
                        "average": self.wake_average.to_dict(self.channels)})
        return out

    def to_dataframe(self):
        """The averages, long format: ``group``, ``channel``, ``time_s``, ``mean_uv``,
        ``ci_low_uv``, ``ci_high_uv`` (95 % bootstrap band), ``n_jerks``."""
        import pandas as pd

        frames = []
        for g in self.groups:
            for ci, lab in enumerate(self.channels):
                frames.append(pd.DataFrame({"group": g.name, "channel": lab, "time_s": g.average.times_s,
                                            "mean_uv": g.mean_uv[ci], "ci_low_uv": g.ci_low_uv[ci],
                                            "ci_high_uv": g.ci_high_uv[ci], "n_jerks": g.n_jerks}))
        if not frames:
            return pd.DataFrame(columns=["group", "channel", "time_s", "mean_uv", "ci_low_uv", "ci_high_uv",
                                         "n_jerks"])
        return pd.concat(frames, ignore_index=True)

    def relabel(self, events):
        """A copy of ``events`` with the covered jerks' ``trial_type`` set to ``cortical_myoclonus``."""
        out = events.copy()
        if self.relabel_index:
            col = out.columns.get_loc("trial_type")
            out.iloc[list(self.relabel_index), col] = "cortical_myoclonus"
        return out

    # ---------------------------------------------------------------- exports
    def to_mne_epochs(self, group: str | None = None):
        """The usable epochs of ``group`` (default: every usable epoch) as :class:`mne.EpochsArray`
        (volts, ``tmin`` = -2.5 s, not baseline-corrected; event sample = EMG onset)."""
        import mne

        from ..errors import ParameterError

        if self.epochs is None or self.epochs.usable.size == 0:
            raise ParameterError("no usable epochs", where="to_mne_epochs")
        rows = np.arange(self.epochs.usable.size) if group is None else self.group(group).rows
        info = mne.create_info(list(self.channels), self.sfreq, "eeg", verbose=False)
        events = np.column_stack([self.epochs.onset_sample[rows], np.zeros(rows.size, dtype=int),
                                  np.ones(rows.size, dtype=int)]).astype(int)
        return mne.EpochsArray(self.epochs.data_uv[rows] * 1e-6, info, events=events, tmin=float(self.times_s[0]),
                               event_id={"jerk": 1}, baseline=None, verbose=False)

    def plot_average(self, channel: str | None = None, *, group: str | None = None, ax=None):
        """Plot the average of ``channel`` (default: the transient's channel, else the first)
        with its 95 % bootstrap band, the test window and the transient's peak. Returns the Axes."""
        from ..errors import ParameterError

        g = self.group(group)
        if channel is None:
            channel = g.transient.channel or self.channels[0]
        if channel not in self.channels:
            raise ParameterError(f"no EEG channel {channel!r}; analysed: {list(self.channels)}", where="channel")
        ci = self.channels.index(channel)
        if ax is None:
            from matplotlib.figure import Figure

            ax = Figure(figsize=(7, 3.2), layout="constrained").subplots()
        t_ms = g.average.times_s * 1000.0
        ax.fill_between(t_ms, g.ci_low_uv[ci], g.ci_high_uv[ci], color="tab:blue", alpha=0.25, lw=0,
                        label="95 % bootstrap band")
        ax.plot(t_ms, g.mean_uv[ci], color="tab:blue", lw=1.2, label=f"average of {g.n_jerks} jerks")
        lo, hi = self.params.transient_window_s
        ax.axvspan(lo * 1000, hi * 1000, color="0.85", zorder=0, label="test window")
        ax.axvline(0.0, color="k", lw=0.8)
        if g.transient.channel == channel:
            ax.axvline(-g.transient.latency_ms, color="tab:red", lw=1, ls="--",
                       label=f"transient {g.transient.latency_ms:.0f} ms before EMG")
        ax.set_xlabel("time from EMG onset (ms)")
        ax.set_ylabel("EEG (uV)")
        ax.set_title(f"{channel}: jerk-locked average ({g.name})", fontsize=10)
        ax.legend(fontsize=7, loc="upper left")
        return ax

"""The result of detection: :class:`DetectionResult` (STYLE.md: results are objects).

The tables are pandas DataFrames with the columns of :mod:`myosleep.schema` (lists stay
tuples in memory); treat them as read-only (:meth:`DetectionResult.to_dataframe` returns a
copy to modify).  Everything the later stages need is here, so that no stage after detection
reads samples again: the channels' roles and sides, which bursts make each motor event (the
long-format ``members`` table), and the chin amplitude per second.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..preprocessing.mains import folded_harmonics
from ..schema import ARTEFACTS, BURSTS, MEMBERS, MOTOR_EVENTS, Table
from ..vocab import Role, Side
from .chin import UNOBSERVED_KINDS, ChinAmplitude
from .params import DetectionParams

if TYPE_CHECKING:  # pragma: no cover
    import mne
    import pandas as pd
    from matplotlib.axes import Axes

__all__ = ["ARTEFACT_COLUMNS", "ARTEFACT_WARN_FRACTION", "LEAD_OFF_WARN_S", "OUTPUT_FILES", "RESTING_EMG_PLAUSIBLE_UV",
           "ChannelRef", "ChannelStatus", "ChinAmplitude", "DetectionResult", "unobserved_intervals"]

#: Columns of the artefacts table (:data:`myosleep.schema.ARTEFACTS`).
ARTEFACT_COLUMNS = list(ARTEFACTS.names)
#: Files :meth:`DetectionResult.write` writes, in order.
OUTPUT_FILES = tuple(str(t.filename) for t in (BURSTS, MOTOR_EVENTS, MEMBERS, ARTEFACTS))

#: Resting surface EMG lies between the amplifier's noise floor (~0.1-1 uV RMS) and the tone
#: of a relaxed muscle (a few uV; chin in wake ~5-15 uV; DESIGN.md, docs/simulator.md); a
#: night-long median outside 0.05-200 uV RMS is almost always a unit error (V/mV/uV) in the
#: file's header, which shifts every absolute threshold (the AASM 8 uV LM onset) by 1000x.
RESTING_EMG_PLAUSIBLE_UV = (0.05, 200.0)
#: Share of the night a channel may be flat, clipped or disconnected before the report says so.
ARTEFACT_WARN_FRACTION = 0.05
#: A lead off the skin for this long (s) is reported even below that share: unlike a flat stretch it
#: looks like signal to a reader of the traces.  The report counts in minutes; shorter stretches are
#: in the artefacts table (kind ``lead_off``).
LEAD_OFF_WARN_S = 60.0


def unobserved_intervals(artefacts: pd.DataFrame | None, label: str, *,
                         kinds: Sequence[str] = UNOBSERVED_KINDS) -> np.ndarray:
    """(onset, offset) in s, shape (n, 2), of the stretches where channel ``label`` did not observe its
    muscle: its artefact rows of a kind in ``kinds`` (:data:`~myosleep.detection.chin.UNOBSERVED_KINDS`)."""
    if artefacts is None or not len(artefacts):
        return np.zeros((0, 2))
    sel = ((artefacts["channel"].astype(str) == str(label))
           & artefacts["kind"].astype(str).isin(list(kinds))).to_numpy()
    on = artefacts["onset"].to_numpy(float)[sel]
    return np.column_stack([on, on + artefacts["duration"].to_numpy(float)[sel]])


@dataclass(frozen=True)
class ChannelStatus:
    """What happened to one EMG or accelerometer channel.

    Attributes
    ----------
    label, role : str
    sfreq : float
        Sampling rate (Hz).
    used : bool
        True if analysed.
    reason : str | None
        Why it was refused (one line), None if used.
    mains_hz : tuple of float
        Mains lines found and notched (Hz).
    n_beats_removed : int
        Cardiac beats subtracted.
    baseline_median_uv : float
        Median resting-EMG level over the night (uV RMS); NaN if not analysed.
    artefact_s : float
        Time (s) covered by the channel's artefact stretches (the recording's gaps left out), each
        second once however many rows hold it.
    n_bursts : int
        Bursts found (all detectors).
    lead_off_s : float
        Time (s) of it where the lead was off the skin (kind ``lead_off``).
    """

    label: str
    role: str
    sfreq: float
    used: bool
    reason: str | None = None
    mains_hz: tuple[float, ...] = ()
    n_beats_removed: int = 0
    baseline_median_uv: float = float("nan")
    artefact_s: float = 0.0
    n_bursts: int = 0
    lead_off_s: float = 0.0

    def quality_warnings(self, duration_s: float) -> list[str]:
        """What a reader of the report must know: an implausible resting level, long artefacts."""
        if not self.used or self.role == Role.ACCELEROMETER.value:
            return []
        out = []
        lo, hi = RESTING_EMG_PLAUSIBLE_UV
        level = float(self.baseline_median_uv)
        if math.isfinite(level) and not lo <= level <= hi:
            out.append(f"Channel {self.label}: resting EMG level {level:.3g} uV RMS is implausible "
                       f"(expected {lo:g}-{hi:g} uV); check the unit (V, mV, uV) in the file's header")
        folded = folded_harmonics(self.mains_hz, self.sfreq)
        if folded:
            out.append(f"Channel {self.label}: mains harmonics folded from above half the sampling rate read at "
                       f"{', '.join(f'{f:g}' for f in folded)} Hz: the recorder sampled at {self.sfreq:g} Hz without "
                       "an anti-alias filter; the lines were removed as mains, but other activity above "
                       f"{self.sfreq / 2:g} Hz folds into the EMG band as well")
        off = ("lead off (mains pickup or drift no attached electrode shows: an electrode off the skin)")
        share = f"{self.artefact_s / duration_s:.0%} of the recording" if duration_s > 0 else ""
        if duration_s > 0 and self.artefact_s > ARTEFACT_WARN_FRACTION * duration_s:
            if self.lead_off_s <= 0:
                what = f"{self.artefact_s / 60:.0f} min flat, clipped, disconnected or NaN ({share})"
            elif self.artefact_s - self.lead_off_s < 30.0:  # (pops and settling seconds aside)
                what = f"{self.lead_off_s / 60:.0f} min {off} ({share})"
            else:
                what = (f"{self.artefact_s / 60:.0f} min flat, clipped, disconnected, lead off or NaN ({share}), of "
                        f"which {self.lead_off_s / 60:.0f} min {off}")
            out.append(f"Channel {self.label}: {what}; no events there")
        elif self.lead_off_s >= LEAD_OFF_WARN_S:
            out.append(f"Channel {self.label}: {self.lead_off_s / 60:.0f} min {off}; no events there")
        return out


@dataclass(frozen=True)
class ChannelRef:
    """A channel of the recording as the later stages know it: label, role, side."""

    label: str
    role: Role
    side: Side | None = None


@dataclass(frozen=True, repr=False)
class DetectionResult:
    """Everything :func:`myosleep.detection.detect` found in one recording.

    Attributes
    ----------
    bursts : pandas.DataFrame
        One row per EMG burst or accelerometer jerk (:data:`myosleep.schema.BURSTS`).
    events : pandas.DataFrame
        One row per motor event (:data:`myosleep.schema.MOTOR_EVENTS`); ``channel`` and
        ``regions`` are tuples in recruitment order.
    members : pandas.DataFrame
        Which bursts make each motor event, one row per burst (:data:`myosleep.schema.MEMBERS`:
        event_id, burst_id, channel, role, side, latency_ms after the event's onset).
    artefacts : pandas.DataFrame
        Flat, clipped, disconnected, NaN stretches and electrode pops (:data:`myosleep.schema.ARTEFACTS`).
    params : DetectionParams
        The thresholds used.
    channel_status : Mapping[str, ChannelStatus]
        Every EMG and accelerometer channel considered: used, or refused with its reason.
    channels : tuple of ChannelRef
        Every channel of the recording (label, role, side), in file order.
    duration_s : float
        Recording duration (s).
    chin_amplitude : ChinAmplitude
        Rectified chin EMG per second (uV) for the REM atonia index, or why there is none.
    eeg_status : Mapping[str, ChannelStatus]
        The EEG channels the body-movement criterion read (role "eeg"; ``mains_hz``: the mains
        lines subtracted before their 20-60 Hz power was read) or could not read (``reason``).
        Empty when no candidate body movement needed the EEG or there is none
        (:mod:`myosleep.detection.eeg_contamination`).
    """

    bursts: pd.DataFrame
    events: pd.DataFrame
    members: pd.DataFrame
    artefacts: pd.DataFrame
    params: DetectionParams
    channel_status: Mapping[str, ChannelStatus]
    channels: tuple[ChannelRef, ...]
    duration_s: float
    chin_amplitude: ChinAmplitude = field(default=ChinAmplitude(None, "no chin channel"))
    eeg_status: Mapping[str, ChannelStatus] = field(default_factory=dict)

    @classmethod
    def from_tables(cls, *, bursts: pd.DataFrame | None = None, events: pd.DataFrame | None = None,
                    members: pd.DataFrame | None = None, artefacts: pd.DataFrame | None = None,
                    channels: Sequence[ChannelRef] = (), channel_status: Mapping[str, ChannelStatus] | None = None,
                    duration_s: float = float("nan"), chin_amplitude: ChinAmplitude | None = None,
                    params: DetectionParams | None = None) -> DetectionResult:
        """A result from tables made elsewhere (e.g. corrected in review, or a perfect detector).

        Missing tables are empty; every table is checked against its schema
        (:class:`~myosleep.errors.ParameterError` names the missing columns).  Channels
        without a status count as used.
        """
        def table(df: pd.DataFrame | None, schema: Table, name: str) -> pd.DataFrame:
            return schema.empty() if df is None else schema.conform(df, where=f"DetectionResult.from_tables({name})")

        return cls(bursts=table(bursts, BURSTS, "bursts"), events=table(events, MOTOR_EVENTS, "events"),
                   members=table(members, MEMBERS, "members"), artefacts=table(artefacts, ARTEFACTS, "artefacts"),
                   params=params or DetectionParams(), channel_status=dict(channel_status or {}),
                   channels=tuple(channels), duration_s=float(duration_s),
                   chin_amplitude=chin_amplitude or ChinAmplitude(None, "no chin channel"))

    # ------------------------------------------------------------------ channels
    def unobserved_s(self, label: str, *, kinds: Sequence[str] = UNOBSERVED_KINDS) -> np.ndarray:
        """(onset, offset) in s, shape (n, 2), where channel ``label`` did not observe its muscle
        (:func:`unobserved_intervals` of the artefacts table)."""
        return unobserved_intervals(self.artefacts, label, kinds=kinds)

    @property
    def channels_used(self) -> tuple[str, ...]:
        """Labels of the channels analysed."""
        return tuple(k for k, v in self.channel_status.items() if v.used)

    @property
    def channels_refused(self) -> dict[str, str]:
        """``{label: reason}`` of the channels refused."""
        return {k: str(v.reason) for k, v in self.channel_status.items() if not v.used}

    def usable_channels(self) -> tuple[ChannelRef, ...]:
        """The recording's channels less those refused (what the rules may rely on)."""
        refused = self.channels_refused
        return tuple(c for c in self.channels if c.label not in refused)

    def quality_warnings(self) -> list[str]:
        """Per-channel warnings: implausible resting EMG levels, long artefact and lead-off stretches; an EEG
        the body-movement criterion could not read (body movements then decided on the EMG alone), or not
        for part of the night."""
        out = [w for st in self.channel_status.values() for w in st.quality_warnings(self.duration_s)]
        eeg = list(self.eeg_status.values())
        if eeg and not any(st.used for st in eeg):
            out.append("Body movements decided on the EMG alone, without their EEG criterion: "
                       + "; ".join(f"{st.label}: {st.reason}" for st in eeg))
        for st in eeg:  # an EEG flat, clipped or NaN for part of the night (defect 61, D7)
            if st.used and self.duration_s > 0 and st.artefact_s > ARTEFACT_WARN_FRACTION * self.duration_s:
                out.append(f"EEG {st.label}: {st.artefact_s / 60:.0f} min flat, clipped or NaN "
                           f"({st.artefact_s / self.duration_s:.0%} of the recording): body movements there decided "
                           "without it (on another EEG, else on the EMG alone)")
        return out

    # ------------------------------------------------------------------ views
    def summary(self, by: str | Sequence[str] = ("channel", "detector")) -> pd.DataFrame:
        """Bursts grouped by ``by`` (columns of the bursts table, e.g. ``"channel"``, ``"role"``).

        Returns
        -------
        DataFrame
            One row per group: ``count``, ``per_h`` (per hour of recording),
            ``median_duration_s`` (s), ``median_peak_amplitude_uv`` (uV).
        """
        keys = [by] if isinstance(by, str) else list(by)
        hours = self.duration_s / 3600.0 if self.duration_s > 0 else float("nan")
        g = self.bursts.groupby(keys, sort=True)
        out = g.agg(count=("onset", "size"), median_duration_s=("duration", "median"),
                    median_peak_amplitude_uv=("peak_amplitude_uv", "median"))
        out.insert(1, "per_h", out["count"] / hours)
        return out

    def to_dataframe(self) -> pd.DataFrame:
        """A copy of the motor events table."""
        return self.events.copy()

    def to_mne_annotations(self) -> mne.Annotations:
        """Motor events (description = trial_type) and artefacts (``artefact_<kind>``) as mne.Annotations."""
        art = self.artefacts.assign(description="artefact_" + self.artefacts["kind"].astype(str),
                                    channel=[(c,) for c in self.artefacts["channel"]])
        return _annotations(self.events, "trial_type") + _annotations(art, "description")

    def plot_bursts(self, ax: Axes | None = None) -> Axes:
        """Bursts over the night, one row per channel (time in hours), coloured by detector."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(10, 0.4 * max(len(self.channel_status), 2) + 1))
        labels = list(dict.fromkeys(self.bursts["channel"].astype(str)))
        colours = {"short": "#0072B2", "lm": "#009E73", "accel": "#D55E00"}
        for det, sub in self.bursts.groupby("detector"):
            y = [labels.index(str(c)) for c in sub["channel"]]
            on_h = sub["onset"].to_numpy(float) / 3600.0
            ax.hlines(y, on_h, sub["offset_s"].to_numpy(float) / 3600.0, colors=colours.get(str(det), "#999999"),
                      linewidth=6, label=str(det))
        ax.set_yticks(range(len(labels)), labels)
        ax.set_ylim(-0.5, max(len(labels), 1) - 0.5)
        ax.set_xlim(0.0, self.duration_s / 3600.0 if self.duration_s > 0 else None)
        ax.set_xlabel("time from recording start (h)")
        if labels:
            ax.legend(loc="upper right", fontsize="small")
        return ax

    # ------------------------------------------------------------------ files
    def write(self, out_dir: str | os.PathLike[str]) -> list[Path]:
        """Write bursts.tsv, motor_events.tsv, motor_event_members.tsv and artefacts.tsv.

        All-or-nothing: every file goes to a temporary name first and all are renamed
        together, so a failure leaves no file half-written (:func:`myosleep._atomic.write_files`).
        """
        from .._atomic import write_files

        return write_files(out_dir, {
            OUTPUT_FILES[0]: lambda p: BURSTS.write(self.bursts, p),
            OUTPUT_FILES[1]: lambda p: MOTOR_EVENTS.write(self.events, p),
            OUTPUT_FILES[2]: lambda p: MEMBERS.write(self.members, p),
            OUTPUT_FILES[3]: lambda p: ARTEFACTS.write(self.artefacts, p),
        })

    def __repr__(self) -> str:
        h, rem = divmod(int(round(self.duration_s)) if math.isfinite(self.duration_s) else 0, 3600)
        det = self.bursts["detector"].value_counts().sort_index() if len(self.bursts) else {}
        by_det = ", ".join(f"{k} {v}" for k, v in dict(det).items())
        return (f"<DetectionResult {h} h {rem // 60:02d} min: {len(self.channels_used)} channels used, "
                f"{len(self.channels_refused)} refused; {len(self.bursts)} bursts"
                f"{f' ({by_det})' if by_det else ''}, {len(self.events)} motor events, "
                f"{len(self.artefacts)} artefacts; chin amplitude: {self.chin_amplitude.source}>")


def _annotations(df: pd.DataFrame, description_col: str) -> mne.Annotations:
    """Rows (onset, duration in s; ``channel`` a tuple of labels) as channel-specific mne.Annotations."""
    import mne

    if df is None or len(df) == 0:
        return mne.Annotations(onset=[], duration=[], description=[])
    return mne.Annotations(onset=df["onset"].to_numpy(float), duration=df["duration"].to_numpy(float),
                           description=df[description_col].astype(str).to_list(),
                           ch_names=[tuple(c) for c in df["channel"]])

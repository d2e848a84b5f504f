"""Immutable result objects of detection (STYLE.md: results are objects).

The tables are pandas DataFrames with the shared schemas of docs/detection.md;
treat them as read-only (``.to_dataframe()`` returns a copy to modify).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .params import DetectionParams

__all__ = ["ARTEFACT_COLUMNS", "BurstResult", "MotorEventResult", "DetectionResult", "ChannelStatus"]

#: Columns of the artefacts table.
ARTEFACT_COLUMNS = ["onset", "duration", "channel", "kind"]


def _annotations(df, description_col: str):
    import mne

    if df is None or len(df) == 0:
        return mne.Annotations(onset=[], duration=[], description=[])
    chans = [[c for c in str(ch).split(",") if c] for ch in df["channel"]]
    return mne.Annotations(onset=df["onset"].to_numpy(float), duration=df["duration"].to_numpy(float),
                           description=df[description_col].astype(str).to_list(), ch_names=chans)


@dataclass(frozen=True)
class ChannelStatus:
    """What happened to one channel.

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
        Total duration of artefact stretches (s).
    n_bursts : int
        Bursts found (all detectors).
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


@dataclass(frozen=True)
class BurstResult:
    """EMG bursts (and accelerometer jerks) of a recording.

    Attributes
    ----------
    bursts : pandas.DataFrame
        Bursts table (``BURST_COLUMNS``; accelerometer rows add ``peak_jerk_g_per_s``).
    artefacts : pandas.DataFrame
        Artefacts table (onset, duration in s; channel; kind).
    params : DetectionParams
    channels_used : tuple of str
    channels_refused : dict
        ``{label: reason}``.
    """

    bursts: Any
    artefacts: Any
    params: DetectionParams
    channels_used: tuple[str, ...]
    channels_refused: dict[str, str] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """Counts: bursts per detector and channel, artefacts per kind, channels used/refused."""
        b, a = self.bursts, self.artefacts
        return {
            "n_bursts": int(len(b)),
            "by_detector": {str(k): int(v) for k, v in b["detector"].value_counts().sort_index().items()},
            "by_channel": {str(k): int(v) for k, v in b["channel"].value_counts().sort_index().items()},
            "n_artefacts": int(len(a)),
            "artefacts_by_kind": {str(k): int(v) for k, v in a["kind"].value_counts().sort_index().items()},
            "channels_used": list(self.channels_used),
            "channels_refused": dict(self.channels_refused),
        }

    def to_dataframe(self):
        """A copy of the bursts table."""
        return self.bursts.copy()

    def to_annotations(self):
        """Bursts as :class:`mne.Annotations` (description ``burst_<detector>``, channel-specific)."""
        df = self.bursts.copy()
        df["description"] = "burst_" + df["detector"].astype(str)
        return _annotations(df, "description")


@dataclass(frozen=True)
class MotorEventResult:
    """Motor events built from short bursts.

    Attributes
    ----------
    events : pandas.DataFrame
        Motor events table (``EVENT_COLUMNS``).
    bursts : pandas.DataFrame
        The bursts table with ``event_id`` filled.
    params : DetectionParams
    """

    events: Any
    bursts: Any
    params: DetectionParams

    def summary(self) -> dict[str, Any]:
        """Counts per trial_type, number of channels and bilateral events."""
        ev = self.events
        return {
            "n_events": int(len(ev)),
            "by_trial_type": {str(k): int(v) for k, v in ev["trial_type"].value_counts().sort_index().items()},
            "n_multichannel": int((ev["n_channels"] > 1).sum()) if len(ev) else 0,
            "n_bilateral": int(ev["bilateral"].sum()) if len(ev) else 0,
            "median_onset_spread_ms": float(np.median(ev["onset_spread_ms"])) if len(ev) else float("nan"),
        }

    def to_dataframe(self):
        """A copy of the events table."""
        return self.events.copy()

    def to_annotations(self):
        """Events as :class:`mne.Annotations` (description = trial_type)."""
        return _annotations(self.events, "trial_type")


@dataclass(frozen=True)
class DetectionResult:
    """Everything :func:`myosleep.detection.detect` found.

    Attributes
    ----------
    bursts, events, artefacts : pandas.DataFrame
        The three tables (schemas in docs/detection.md).
    params : DetectionParams
    channel_status : dict
        ``{label: ChannelStatus}`` for every EMG/accelerometer channel considered.
    duration_s : float
        Recording duration (s), for rates per hour.
    """

    bursts: Any
    events: Any
    artefacts: Any
    params: DetectionParams
    channel_status: dict[str, ChannelStatus]
    duration_s: float

    @property
    def channels_used(self) -> tuple[str, ...]:
        return tuple(k for k, v in self.channel_status.items() if v.used)

    @property
    def channels_refused(self) -> dict[str, str]:
        return {k: str(v.reason) for k, v in self.channel_status.items() if not v.used}

    @property
    def burst_result(self) -> BurstResult:
        return BurstResult(self.bursts, self.artefacts, self.params, self.channels_used, self.channels_refused)

    @property
    def event_result(self) -> MotorEventResult:
        return MotorEventResult(self.events, self.bursts, self.params)

    def summary(self) -> dict[str, Any]:
        """Bursts, events and artefact counts, per-hour rates, channel status."""
        hours = self.duration_s / 3600.0 if self.duration_s > 0 else float("nan")
        out = {"duration_s": float(self.duration_s), **self.burst_result.summary(), **self.event_result.summary()}
        out["events_per_hour"] = float(len(self.events) / hours) if hours == hours and hours > 0 else float("nan")
        return out

    def to_dataframe(self):
        """A copy of the motor events table."""
        return self.events.copy()

    def to_annotations(self):
        """Motor events and artefacts as :class:`mne.Annotations`."""
        ev = _annotations(self.events, "trial_type")
        art = self.artefacts.copy()
        art["description"] = "artefact_" + art["kind"].astype(str)
        return ev + _annotations(art, "description")

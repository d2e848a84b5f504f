"""Which jerks, and their EEG epochs: selection, reading, rejection.

An epoch runs from ``tmin_s`` to ``tmax_s`` around a jerk's EMG onset, at the EEG's own
sampling rate (the onset rounded to the nearest EEG sample: an unbiased error of at most
half a sample). Epochs are rejected, with the reason counted, for: the window outside
the recording or touching one of its gaps (an EDF+D paused: no signal there); EEG clipped or
flat before the onset, or not finite anywhere in the window; EOG contamination;
a body movement or a given artefact interval inside the window; another motor event
inside the window.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import ChannelError, ParameterError
from ..schema import list_items
from ..vocab import Role
from .params import NeuroParams

__all__ = ["JerkTable", "select_jerks", "EpochSet", "extract_epochs", "channel_rails"]

REJECT_REASONS = ("outside_recording", "eeg_clipped_flat_or_nan", "eog", "body_movement_or_artefact",
                  "another_event")


@dataclass(frozen=True)
class JerkTable:
    """The chosen jerks: index into the caller's event table, onset (s), trigger muscle,
    stage and EMG burst duration (ms, NaN when unknown)."""

    index: np.ndarray
    onset_s: np.ndarray
    trigger: np.ndarray  # object: first EMG channel label, "" when unknown
    stage: np.ndarray  # object: W/N1/N2/N3/R or "n/a"
    burst_ms: np.ndarray
    spans: np.ndarray  # (n_events, 2) onset/offset (s) of every event of the table (for overlap)
    spans_kind: np.ndarray  # object: trial_type of each span


def _events_frame(events: Any):
    import pandas as pd

    if isinstance(events, pd.DataFrame):
        if "onset" not in events.columns:
            raise ParameterError("the event table has no 'onset' column", where="events",
                                 hint="give a table with onset (s) per row, e.g. events.tsv")
        return events.reset_index(drop=True)
    try:
        onsets = np.asarray(events, dtype=float).ravel()
    except (TypeError, ValueError):
        raise ParameterError(f"expected a DataFrame or onsets in s, got {type(events).__name__}",
                             where="events") from None
    return pd.DataFrame({"onset": onsets, "duration": np.zeros(onsets.size)})


def select_jerks(events: Any, *, classes: tuple[str, ...] | None, bursts: Any = None,
                 hypnogram: Any = None) -> JerkTable:
    """Jerks of ``classes`` (all rows when None or when the table has no trial_type)."""
    df = _events_frame(events)
    onset = df["onset"].to_numpy(dtype=float)
    if not np.all(np.isfinite(onset)):
        raise ParameterError("the event table has missing or non-numeric onsets", where="events",
                             hint="every row needs an onset in seconds")
    dur = df["duration"].to_numpy(dtype=float) if "duration" in df.columns else np.zeros(onset.size)
    dur = np.where(np.isfinite(dur), dur, 0.0)
    kinds = df["trial_type"].astype(str).to_numpy(dtype=object) if "trial_type" in df.columns \
        else np.full(onset.size, "", dtype=object)
    chosen = np.ones(onset.size, dtype=bool)
    if classes is not None and "trial_type" in df.columns:
        wanted = {c.strip().casefold() for c in classes}
        chosen = np.array([str(k).strip().casefold() in wanted for k in kinds], dtype=bool)
    idx = np.flatnonzero(chosen)
    trig = np.full(idx.size, "", dtype=object)
    if "channel" in df.columns:
        # the first muscle recruited: a tuple in memory (analyze's events), or a comma-separated cell
        firsts = (list_items(c) for c in df["channel"].to_numpy()[idx])
        trig = np.array([f[0] if f else "" for f in firsts], dtype=object)
    stage = np.full(idx.size, "n/a", dtype=object)
    if "stage" in df.columns:
        stage = np.array([str(s) for s in df["stage"].to_numpy()[idx]], dtype=object)
    elif hypnogram is not None:
        stage = np.asarray(hypnogram.stage_labels_at(onset[idx]), dtype=object)
    burst_ms = _burst_durations_ms(df, idx, trig, bursts)
    spans = np.column_stack([onset, onset + dur])
    return JerkTable(idx, onset[idx], trig, stage, burst_ms, spans, kinds)


def _burst_durations_ms(df, idx: np.ndarray, trig: np.ndarray, bursts: Any) -> np.ndarray:
    """EMG burst duration of each jerk on its trigger muscle (bursts table with event_id),
    else the event's longest burst (``max_burst_duration_ms``), else its ``duration``."""
    out = np.full(idx.size, np.nan)
    if bursts is not None and len(bursts) and {"event_id", "channel", "duration"} <= set(bursts.columns) \
            and "event_id" in df.columns:
        b = bursts[["event_id", "channel", "duration"]]
        first = {(int(e), str(c)): float(d) * 1000.0 for e, c, d in b.itertuples(index=False)
                 if e is not None and np.isfinite(float(e))}
        eids = df["event_id"].to_numpy()[idx]
        for k, (e, c) in enumerate(zip(eids, trig)):
            try:
                out[k] = first.get((int(e), str(c)), np.nan)
            except (TypeError, ValueError):
                continue
    missing = ~np.isfinite(out)
    if missing.any():
        # last resort: the event's own span (a single-channel event's burst)
        for col, scale in (("max_burst_duration_ms", 1.0), ("max_burst_duration_s", 1000.0), ("duration", 1000.0)):
            if col in df.columns:
                v = np.asarray(df[col].to_numpy()[idx], dtype=float) * scale
                out[missing] = v[missing]
                break
    return out


def channel_rails(ch) -> tuple[float, float] | None:
    """Clipping limits (uV) of a channel: its physical range less half a digital step."""
    if ch.digital_min is None or ch.digital_max is None or not math.isfinite(ch.physical_min) \
            or ch.digital_max == ch.digital_min:
        return None
    scale = ch.data_scale
    lo, hi = sorted((ch.physical_min * scale, ch.physical_max * scale))
    half = abs(ch.physical_max - ch.physical_min) / (ch.digital_max - ch.digital_min) * scale / 2
    return lo + half, hi - half


@dataclass(frozen=True)
class EpochSet:
    """EEG epochs of the usable jerks.

    Attributes
    ----------
    data_uv : ndarray, shape (n_jerks, n_channels, n_times)
        Raw EEG (uV), not baseline-corrected, float64.
    times_s : ndarray
        Sample times relative to the EMG onset (s).
    sfreq : float
    channels : tuple of str
    usable : ndarray of int
        Positions (into the JerkTable) of the usable jerks, one per epoch.
    rejected : dict
        Counts per reason (:data:`REJECT_REASONS`).
    onset_sample : ndarray of int
        EEG sample of each usable jerk's onset.
    """

    data_uv: np.ndarray
    times_s: np.ndarray
    sfreq: float
    channels: tuple[str, ...]
    usable: np.ndarray
    rejected: dict
    onset_sample: np.ndarray


def _moving_ptp_exceeds(x: np.ndarray, win: int, limit: float) -> np.ndarray:
    """Per row of ``x`` (n, t): any ``win``-sample window with peak-to-peak > ``limit``
    (windows stepped by half their length, as ERPLAB's moving-window test)."""
    n, t = x.shape
    if t < win:
        return (np.ptp(x, axis=1) > limit) if t else np.zeros(n, dtype=bool)
    step = max(1, win // 2)
    starts = np.arange(0, t - win + 1, step)
    out = np.zeros(n, dtype=bool)
    for s in starts:
        out |= np.ptp(x[:, s:s + win], axis=1) > limit
    return out


def _overlaps(spans: np.ndarray, lo: np.ndarray, hi: np.ndarray, exclude: np.ndarray | None = None) -> np.ndarray:
    """For each window [lo_k, hi_k): does any span (onset, offset) overlap it (excluding row exclude_k)?"""
    out = np.zeros(lo.size, dtype=bool)
    if spans.size == 0:
        return out
    order = np.argsort(spans[:, 0], kind="stable")
    on, off = spans[order, 0], spans[order, 1]
    off_max = np.maximum.accumulate(off)
    for k in range(lo.size):
        # spans starting before hi_k; of those, any ending after lo_k
        j = int(np.searchsorted(on, hi[k], side="left"))
        if j == 0:
            continue
        cand = np.flatnonzero(off[:j] > lo[k]) if off_max[j - 1] > lo[k] else np.empty(0, dtype=int)
        if exclude is not None:
            cand = cand[order[cand] != exclude[k]]
        out[k] = cand.size > 0
    return out


def extract_epochs(recording, channels: list, jerks: JerkTable, *, params: NeuroParams,
                   artefacts: np.ndarray | None = None, eog: list | None = None) -> EpochSet:
    """Read and clean the EEG epochs of ``jerks`` on ``channels`` (one sampling rate)."""
    rates = {float(c.sfreq) for c in channels}
    if len(rates) != 1:
        raise ChannelError(f"EEG channels have different sampling rates {sorted(rates)} Hz",
                           where=", ".join(c.label for c in channels),
                           hint="choose channels of one rate (--eeg); they are never resampled silently")
    sfreq = rates.pop()
    n0 = int(round(params.tmin_s * sfreq))
    n1 = int(round(params.tmax_s * sfreq))
    rel = np.arange(n0, n1)
    times = rel / sfreq
    centre = np.round(jerks.onset_s * sfreq).astype(np.int64)
    pre = times < 0
    rejected = dict.fromkeys(REJECT_REASONS, 0)
    n_total = min(int(c.n_samples) for c in channels)
    ok = (centre + n0 >= 0) & (centre + n1 <= n_total)
    win_lo = jerks.onset_s + params.tmin_s
    win_hi = jerks.onset_s + params.tmax_s
    gaps = np.asarray(getattr(recording, "gaps_s", ()), dtype=float).reshape(-1, 2)
    ok &= ~_overlaps(gaps, win_lo, win_hi)  # a window touching a gap holds no signal there
    rejected["outside_recording"] = int((~ok).sum())
    # body movements (from the event table) and given artefact intervals
    body = np.array([str(k).casefold() == "body_movement" for k in jerks.spans_kind], dtype=bool)
    bad_spans = jerks.spans[body]
    if artefacts is not None and len(artefacts):
        bad_spans = np.vstack([bad_spans, artefacts])
    moved = _overlaps(bad_spans, win_lo, win_hi) & ok
    rejected["body_movement_or_artefact"] = int(moved.sum())
    ok &= ~moved
    others = _overlaps(jerks.spans[~body], win_lo, win_hi,
                       exclude=_index_among(jerks.index, np.flatnonzero(~body))) & ok
    rejected["another_event"] = int(others.sum())
    ok &= ~others
    if eog:
        bad = np.zeros(ok.size, dtype=bool)
        for ch in eog:
            seg = _segments(recording, ch, jerks.onset_s, ok, params)
            if seg is None:
                continue
            rows, x = seg
            hit = _moving_ptp_exceeds(x, max(2, int(round(params.eog_window_s * ch.sfreq))), params.eog_ptp_uv)
            bad[rows[hit]] = True
        rejected["eog"] = int((bad & ok).sum())
        ok &= ~bad
    rows = np.flatnonzero(ok)
    data = np.empty((rows.size, len(channels), rel.size), dtype=np.float64)
    bad = np.zeros(rows.size, dtype=bool)
    for ci, ch in enumerate(channels):
        x = recording.get_data(ch.label, dtype=np.float32)
        idx = centre[rows, None] + rel[None, :]
        ep = x[idx].astype(np.float64)
        del x
        rails = channel_rails(ch)
        p = ep[:, pre]
        b = ~np.all(np.isfinite(ep), axis=1)  # a NaN anywhere would leave the average NaN
        b |= np.nan_to_num(np.ptp(np.nan_to_num(p), axis=1), nan=0.0) < 1.0  # flat: < 1 uV over 2.5 s
        if rails is not None:
            b |= np.any((p <= rails[0]) | (p >= rails[1]), axis=1)
        bad |= b
        data[:, ci, :] = ep
    rejected["eeg_clipped_flat_or_nan"] = int(bad.sum())
    keep = ~bad
    return EpochSet(data[keep], times, sfreq, tuple(c.label for c in channels), rows[keep], rejected,
                    centre[rows[keep]])


def _index_among(jerk_rows: np.ndarray, table_rows: np.ndarray) -> np.ndarray:
    """Position of each jerk's own row among ``table_rows`` (-1 when absent)."""
    pos = {int(r): k for k, r in enumerate(table_rows)}
    return np.array([pos.get(int(r), -1) for r in jerk_rows], dtype=np.int64)


def _segments(recording, ch, onsets_s: np.ndarray, ok: np.ndarray, params: NeuroParams):
    """Pre-onset segments (tmin to 0) of one channel for the jerks still ``ok``."""
    rows = np.flatnonzero(ok)
    if rows.size == 0:
        return None
    try:
        x = recording.get_data(ch.label, dtype=np.float32)
    except ChannelError:
        return None
    n0 = int(round(params.tmin_s * ch.sfreq))
    centre = np.round(onsets_s[rows] * ch.sfreq).astype(np.int64)
    fits = (centre + n0 >= 0) & (centre <= x.size)
    rows, centre = rows[fits], centre[fits]
    idx = centre[:, None] + np.arange(n0, 0)[None, :]
    seg = np.nan_to_num(x[idx].astype(np.float64))
    return rows, seg


def eog_channels(recording) -> list:
    return [c for c in recording.channels if c.role == Role.EOG and c.readable and c.problem is None]

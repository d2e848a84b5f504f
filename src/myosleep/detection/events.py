"""Group short bursts from several channels into motor events.

Gross body movements first: merged activity lasting > ``body_min_duration_s`` on
>= ``body_min_regions`` body regions, each region sustaining >= 1 s of burst
activity, with EEG high-frequency contamination when an EEG is available, become
one ``body_movement`` event.  The remaining bursts are grouped by synchrony: a
burst joins the current event when its onset is within ``sync_window_s`` of the
event's first onset.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..vocab import EMG_ROLES, TrialType
from .params import EventParams

__all__ = ["EVENT_COLUMNS", "group_events"]

#: Columns of the motor events table, in order; see docs/detection.md.
EVENT_COLUMNS = ["onset", "duration", "trial_type", "channel", "n_channels", "regions", "bilateral",
                 "first_channel", "first_role", "latencies_ms", "onset_spread_ms", "peak_amplitude_uv",
                 "max_burst_duration_s", "min_burst_duration_s", "event_id", "burst_ids"]

#: Each region of a gross body movement sustains at least this much activity (s):
#: longer than a 75-250 ms hypnic jerk or a 1-5 Hz train of neonatal jerks.
_BODY_REGION_ACTIVE_S = 1.0
_EMG_ROLE_NAMES = sorted(r.value for r in EMG_ROLES)


def _empty_events():
    import pandas as pd

    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(
        EVENT_COLUMNS, ["float64", "float64", "object", "object", "int64", "object", "bool", "object",
                        "object", "object", "float64", "float64", "float64", "float64", "int64", "object"])})


def _union_length(on: np.ndarray, off: np.ndarray) -> float:
    """Total length (s) of the union of intervals."""
    o = np.argsort(on)
    on, off = on[o], np.maximum.accumulate(off[o])
    starts = np.concatenate([[True], on[1:] > off[:-1]])
    s_idx = np.flatnonzero(starts)
    e_idx = np.concatenate([s_idx[1:] - 1, [on.size - 1]])
    return float(np.sum(off[e_idx] - on[s_idx]))


def _body_segments(onset: np.ndarray, offset: np.ndarray, role: np.ndarray, params: EventParams,
                   eeg_ratio: Callable[[float, float], float] | None) -> list[np.ndarray]:
    """Indices (into the onset-sorted arrays) of bursts forming gross body movements."""
    if onset.size == 0:
        return []
    order = np.argsort(onset, kind="stable")
    # union of burst intervals, gaps < merge_gap_s bridged
    s = onset[order]
    e = np.maximum.accumulate(offset[order])
    brk = np.flatnonzero(s[1:] - e[:-1] >= params.merge_gap_s)
    seg_start = np.concatenate([[0], brk + 1])
    seg_stop = np.concatenate([brk + 1, [s.size]])
    out = []
    for a, b in zip(seg_start, seg_stop):
        t0, t1 = s[a], e[b - 1]
        if t1 - t0 < params.body_min_duration_s or b - a < 2:
            continue
        members = order[a:b]
        roles = role[members]
        active = {}
        for r in np.unique(roles):
            sel = members[roles == r]
            active[r] = _union_length(onset[sel], offset[sel])
        if sum(v >= _BODY_REGION_ACTIVE_S for v in active.values()) < params.body_min_regions:
            continue
        if eeg_ratio is not None:
            ratio = eeg_ratio(float(t0), float(t1))
            if np.isfinite(ratio) and ratio < params.body_eeg_ratio:
                continue
        out.append(members)
    return out


def group_events(bursts, *, params: EventParams = EventParams(),
                 eeg_ratio: Callable[[float, float], float] | None = None):
    """Group bursts into motor events.

    Parameters
    ----------
    bursts : pandas.DataFrame
        Bursts table (columns of ``BURST_COLUMNS``); only ``detector`` "short" and
        "accel" rows are grouped.  ``burst_id`` must be unique.
    params : EventParams
        Synchrony window (s) and body-movement criteria.
    eeg_ratio : callable (onset_s, offset_s) -> float | None
        EEG high-frequency power over the interval relative to the EEG's running
        median (dimensionless; NaN if unknown).  None: no EEG available.

    Returns
    -------
    (events, bursts)
        ``events``: motor events table (``EVENT_COLUMNS``); ``bursts``: a copy of the
        input with ``event_id`` filled (-1 for bursts in no event, e.g. "lm" rows)
        and ``trial_type`` "body_movement" for bursts of body movements.
    """
    import pandas as pd

    bursts = bursts.copy()
    bursts["event_id"] = -1
    sel = bursts["detector"].isin(["short", "accel"]).to_numpy()
    if not sel.any():
        return _empty_events(), bursts
    sub = bursts.loc[sel].sort_values(["onset", "burst_id"], kind="stable")
    onset = sub["onset"].to_numpy(float)
    offset = sub["offset_s"].to_numpy(float)
    role = sub["role"].astype(str).to_numpy()
    side = sub["side"].astype(str).to_numpy()
    chan = sub["channel"].astype(str).to_numpy()
    amp = sub["peak_amplitude_uv"].to_numpy(float)
    dur = sub["duration"].to_numpy(float)
    bid = sub["burst_id"].to_numpy(np.int64)

    groups: list[tuple[np.ndarray, str]] = []
    taken = np.zeros(onset.size, dtype=bool)
    for members in _body_segments(onset, offset, role, params, eeg_ratio):
        groups.append((np.sort(members), TrialType.BODY_MOVEMENT.value))
        taken[members] = True
    free = np.flatnonzero(~taken)
    start = 0
    while start < free.size:
        t0 = onset[free[start]]
        stop = int(np.searchsorted(onset[free], t0 + params.sync_window_s, side="right"))
        stop = max(stop, start + 1)
        groups.append((free[start:stop], TrialType.MYOCLONIC_JERK.value))
        start = stop
    groups.sort(key=lambda g: (onset[g[0][0]], bid[g[0][0]]))

    rows = []
    event_of = np.full(onset.size, -1, dtype=np.int64)
    for ev_id, (m, ttype) in enumerate(groups):
        event_of[m] = ev_id
        # Recruitment order, onset latencies and the event onset are those of the EMG
        # bursts (the neurophysiological order that tells propriospinal from other
        # myoclonus); an accelerometer's mechanical transient joins the channel list
        # after them. Events without EMG fall back on all their bursts.
        is_emg = np.isin(role[m], _EMG_ROLE_NAMES)
        ref = m[is_emg] if is_emg.any() else m
        first_by_chan: dict[str, int] = {}
        for i in ref[np.argsort(onset[ref], kind="stable")]:
            first_by_chan.setdefault(chan[i], int(i))
        order = list(first_by_chan.values())
        for i in m[np.argsort(onset[m], kind="stable")]:
            if chan[i] not in first_by_chan:
                first_by_chan[chan[i]] = int(i)
        listed = list(first_by_chan.values())
        ev_on = float(onset[ref].min())
        lat = [f"{chan[i]}:{(onset[i] - ev_on) * 1000:.1f}" for i in order]
        regions: list[str] = []
        for i in listed:
            if role[i] not in regions:
                regions.append(role[i])
        sides = {side[i] for i in m}
        amps = amp[m]
        # Burst durations describe the EMG pattern too (the clinical criteria are EMG
        # burst lengths; an accelerometer's transient outlasts the EMG burst).
        dm = dur[ref]
        rows.append({
            "onset": ev_on,
            "duration": float(offset[m].max() - ev_on),
            "trial_type": ttype,
            "channel": ",".join(chan[i] for i in listed),
            "n_channels": len(listed),
            "regions": ",".join(regions),
            "bilateral": bool({"left", "right"} <= sides),
            "first_channel": chan[order[0]],
            "first_role": role[order[0]],
            "latencies_ms": ";".join(lat),
            "onset_spread_ms": float((onset[order[-1]] - ev_on) * 1000.0),
            "peak_amplitude_uv": float(np.nanmax(amps)) if np.isfinite(amps).any() else float("nan"),
            "max_burst_duration_s": float(dm.max()),
            "min_burst_duration_s": float(dm.min()),
            "event_id": ev_id,
            "burst_ids": ";".join(str(int(b)) for b in np.sort(bid[m])),
        })
    events = pd.DataFrame(rows, columns=EVENT_COLUMNS) if rows else _empty_events()
    ids = pd.Series(event_of, index=sub.index)
    bursts.loc[sub.index, "event_id"] = ids
    body = bursts.index.isin(sub.index[np.isin(event_of, [i for i, g in enumerate(groups)
                                                          if g[1] == TrialType.BODY_MOVEMENT.value])])
    bursts.loc[body, "trial_type"] = TrialType.BODY_MOVEMENT.value
    bursts["event_id"] = bursts["event_id"].astype(np.int64)
    return events, bursts

"""Group short bursts from several channels into motor events.

Gross body movements first (:func:`_body_segments`): sustained activity - EMG bursts of
>= ``body_min_burst_s`` in each of ``body_min_regions`` regions, merged with the bursts
beside them - lasting > ``body_min_duration_s``, each of ``body_min_regions`` regions
sustaining >= 1 s of burst activity, that many regions active together for >=
``body_min_burst_s``, with EEG high-frequency contamination when an EEG is
available, becomes one ``body_movement`` event (a train of jerks is not one, nor are jerks
beside one region's tonic rise).  The remaining bursts are grouped by synchrony: a burst joins
the current event when its onset is within ``sync_window_s`` of the event's first onset.

The result is three tables (columns in :mod:`myosleep.schema`): the motor events
(:data:`~myosleep.schema.MOTOR_EVENTS`), which bursts make each event in long format
(:data:`~myosleep.schema.MEMBERS`: event_id, burst_id, channel, role, side, latency_ms),
and the bursts with their ``event_id``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from ..schema import MEMBERS, MOTOR_EVENTS
from ..vocab import EMG_ROLES, TrialType
from .params import EventParams

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["EVENT_COLUMNS", "Grouping", "group_events"]

#: Columns of the motor events table, in order (:data:`myosleep.schema.MOTOR_EVENTS`).
EVENT_COLUMNS = list(MOTOR_EVENTS.names)

#: Each region of a gross body movement sustains at least this much activity (s):
#: longer than a 75-250 ms hypnic jerk or a 1-5 Hz train of neonatal jerks.
_BODY_REGION_ACTIVE_S = 1.0
_EMG_ROLE_NAMES = sorted(r.value for r in EMG_ROLES)


class Grouping(NamedTuple):
    """What :func:`group_events` returns: three tables (see :mod:`myosleep.schema`)."""

    events: pd.DataFrame
    members: pd.DataFrame
    bursts: pd.DataFrame


def _union(on: np.ndarray, off: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The union of intervals as disjoint sorted intervals (starts, stops)."""
    o = np.argsort(on, kind="stable")
    on, off = on[o], np.maximum.accumulate(off[o])
    new = np.concatenate([[True], on[1:] > off[:-1]])
    s_idx = np.flatnonzero(new)
    e_idx = np.concatenate([s_idx[1:] - 1, [on.size - 1]])
    return on[s_idx], off[e_idx]


def _union_length(on: np.ndarray, off: np.ndarray) -> float:
    """Total length (s) of the union of intervals."""
    a, b = _union(on, off)
    return float(np.sum(b - a))


def _coactive_s(onset: np.ndarray, offset: np.ndarray, role: np.ndarray, k: int) -> float:
    """Time (s) during which at least ``k`` regions (roles) have a burst at once."""
    edges: list[tuple[float, int]] = []
    for r in np.unique(role):
        a, b = _union(onset[role == r], offset[role == r])
        edges += [(float(x), 1) for x in a] + [(float(x), -1) for x in b]
    edges.sort(key=lambda t: (t[0], t[1]))  # an end before a start at the same time
    total, level, last = 0.0, 0, 0.0
    for t, d in edges:
        if level >= k:
            total += t - last
        level += d
        last = t
    return total


def _body_segments(onset: np.ndarray, offset: np.ndarray, role: np.ndarray, duration: np.ndarray,
                   params: EventParams, eeg_ratio: Callable[[float, float], float] | None) -> list[np.ndarray]:
    """Indices (into the onset-sorted arrays) of bursts forming gross body movements.

    A gross movement is sustained activity of several regions; a train of brief jerks is
    not, nor is a train of jerks beside one region's sustained activity (the chin tone that
    rises with an arousal after a cluster of neonatal jerks).  So a movement is built from
    its sustained bursts (EMG bursts of >= ``body_min_burst_s``; any burst when there is
    no EMG burst): their union, gaps < ``merge_gap_s`` bridged, is its span; the bursts
    within ``merge_gap_s`` of that span join it, brief bursts do not chain it onward.  It
    needs a sustained burst in each of ``body_min_regions`` regions (in each region when
    fewer take part), >= ``_BODY_REGION_ACTIVE_S`` of activity in each of
    ``body_min_regions`` regions, that many active at once for >= ``body_min_burst_s`` (one
    region's movement, then another's tonic rise, is not a gross movement: a leg movement and
    the chin tone of its arousal), > ``body_min_duration_s`` in all, and the EEG's contamination when
    an EEG is given.
    """
    if onset.size == 0:
        return []
    is_emg = np.isin(role, _EMG_ROLE_NAMES)
    sus = np.flatnonzero((is_emg if is_emg.any() else np.ones(onset.size, dtype=bool))
                         & (duration >= params.body_min_burst_s))
    if sus.size == 0:
        return []
    sus = sus[np.argsort(onset[sus], kind="stable")]
    s, e = onset[sus], np.maximum.accumulate(offset[sus])
    brk = np.flatnonzero(s[1:] - e[:-1] >= params.merge_gap_s)
    taken = np.zeros(onset.size, dtype=bool)
    out = []
    for a, b in zip(np.concatenate([[0], brk + 1]), np.concatenate([brk + 1, [s.size]])):
        t0, t1 = float(s[a]), float(e[b - 1])
        members = np.flatnonzero((onset < t1 + params.merge_gap_s) & (offset > t0 - params.merge_gap_s) & ~taken)
        if members.size < 2 or float(offset[members].max() - onset[members].min()) < params.body_min_duration_s:
            continue
        regions = np.unique(role[members[is_emg[members]]] if is_emg[members].any() else role[members])
        if np.unique(role[sus[a:b]]).size < min(params.body_min_regions, regions.size):
            continue
        active = [_union_length(onset[members[role[members] == r]], offset[members[role[members] == r]])
                  for r in np.unique(role[members])]
        if sum(v >= _BODY_REGION_ACTIVE_S for v in active) < params.body_min_regions:
            continue
        # ... at once: a gross movement contracts its regions together (a posture change:
        # Wilde-Frenz & Schulz, Sleep 1983); a leg movement followed by the chin tone that
        # rises with its arousal (0.1-0.5 s after the movement, AASM) is one region, then another
        if _coactive_s(onset[members], offset[members], role[members],
                       min(params.body_min_regions, regions.size)) < params.body_min_burst_s:
            continue
        if eeg_ratio is not None:
            ratio = eeg_ratio(float(onset[members].min()), float(offset[members].max()))
            if np.isfinite(ratio) and ratio < params.body_eeg_ratio:
                continue
        taken[members] = True
        out.append(members)
    return out


def group_events(bursts: pd.DataFrame, *, params: EventParams = EventParams(),
                 eeg_ratio: Callable[[float, float], float] | None = None) -> Grouping:
    """Group bursts into motor events.

    Parameters
    ----------
    bursts : pandas.DataFrame
        Bursts table (:data:`myosleep.schema.BURSTS` columns); only ``detector`` "short" and
        "accel" rows are grouped.  ``burst_id`` must be unique.
    params : EventParams
        Synchrony window (s) and body-movement criteria.
    eeg_ratio : callable (onset_s, offset_s) -> float | None
        EEG high-frequency power over the interval relative to the EEG's running
        median (dimensionless; NaN if unknown).  None: no EEG available.

    Returns
    -------
    Grouping
        ``events``: motor events (:data:`~myosleep.schema.MOTOR_EVENTS`, ids in onset
        order); ``members``: one row per burst of each event with its latency after the
        event's onset (:data:`~myosleep.schema.MEMBERS`); ``bursts``: a copy of the input
        with ``event_id`` filled (-1 for bursts in no event, e.g. "lm" rows) and
        ``trial_type`` "body_movement" for bursts of body movements.
    """
    import pandas as pd

    bursts = bursts.copy()
    bursts["event_id"] = -1
    sel = bursts["detector"].isin(["short", "accel"]).to_numpy()
    if not sel.any():
        return Grouping(MOTOR_EVENTS.empty(), MEMBERS.empty(), bursts)
    sub = bursts.loc[sel].sort_values(["onset", "burst_id"], kind="stable")
    onset = sub["onset"].to_numpy(float)
    offset = sub["offset_s"].to_numpy(float)
    role = sub["role"].astype(str).to_numpy()
    dur = sub["duration"].to_numpy(float)
    bid = sub["burst_id"].to_numpy(np.int64)
    kind = sub["trial_type"].astype(str).to_numpy()

    groups: list[tuple[np.ndarray, str]] = []
    taken = np.zeros(onset.size, dtype=bool)
    for members in _body_segments(onset, offset, role, dur, params, eeg_ratio):
        groups.append((np.sort(members), TrialType.BODY_MOVEMENT.value))
        taken[members] = True
    free = np.flatnonzero(~taken)
    start = 0
    while start < free.size:
        t0 = onset[free[start]]
        stop = int(np.searchsorted(onset[free], t0 + params.sync_window_s, side="right"))
        stop = max(stop, start + 1)
        m = free[start:stop]
        groups.append((m, _accel_only_kind(m, onset, offset, role, kind, params)))
        start = stop
    groups.sort(key=lambda g: (onset[g[0][0]], bid[g[0][0]]))

    chan = sub["channel"].astype(str).to_numpy()
    side = sub["side"].astype(str).to_numpy()
    amp = sub["peak_amplitude_uv"].to_numpy(float)
    rows, member_idx, member_event, member_latency = [], [], [], []
    event_of = np.full(onset.size, -1, dtype=np.int64)
    for ev_id, (m, ttype) in enumerate(groups):
        event_of[m] = ev_id
        row = _event(ev_id, m, ttype, onset=onset, offset=offset, role=role, dur=dur, chan=chan, side=side,
                     amp=amp)
        rows.append(row)
        ms = m[np.argsort(onset[m], kind="stable")]  # members in onset order
        member_idx.append(ms)
        member_event.append(np.full(ms.size, ev_id, dtype=np.int64))
        member_latency.append((onset[ms] - float(row["onset"])) * 1000.0)  # type: ignore[arg-type]
    events = pd.DataFrame(rows, columns=list(MOTOR_EVENTS.names))
    idx = np.concatenate(member_idx)
    members = pd.DataFrame({"event_id": np.concatenate(member_event), "burst_id": bid[idx],
                            "channel": chan[idx].astype(object), "role": role[idx].astype(object),
                            "side": side[idx].astype(object), "latency_ms": np.concatenate(member_latency)})
    bursts.loc[sub.index, "event_id"] = event_of
    body_ids = [i for i, g in enumerate(groups) if g[1] == TrialType.BODY_MOVEMENT.value]
    body = bursts.index.isin(sub.index[np.isin(event_of, body_ids)])
    bursts.loc[body, "trial_type"] = TrialType.BODY_MOVEMENT.value
    # an accelerometer row marked a posture change that joined an EMG jerk is part of that jerk
    bursts.loc[bursts.index.isin(sub.index) & ~body, "trial_type"] = TrialType.MYOCLONIC_JERK.value
    bursts["event_id"] = bursts["event_id"].astype(np.int64)
    return Grouping(events, members, bursts)


def _accel_only_kind(m: np.ndarray, onset: np.ndarray, offset: np.ndarray, role: np.ndarray, kind: np.ndarray,
                     params: EventParams) -> str:
    """A group of synchronous bursts is a jerk, unless accelerometers alone saw a movement no jerk makes.

    Without an EMG burst nothing says how long the muscle fired; the movement decides: lasting
    longer than ``params.accel_max_jerk_s``, or moving the gravity vector to stay more slowly
    than that (rows the accelerometer detector marked ``body_movement``: a posture change), it
    is a body movement, not a jerk (issue 9, defect 31).
    """
    if not (role[m] == "accelerometer").all():
        return TrialType.MYOCLONIC_JERK.value
    if (float(offset[m].max() - onset[m].min()) > params.accel_max_jerk_s
            or (kind[m] == TrialType.BODY_MOVEMENT.value).any()):
        return TrialType.BODY_MOVEMENT.value
    return TrialType.MYOCLONIC_JERK.value


def _event(ev_id: int, m: np.ndarray, ttype: str, *, onset: np.ndarray, offset: np.ndarray, role: np.ndarray,
           dur: np.ndarray, chan: np.ndarray, side: np.ndarray, amp: np.ndarray) -> dict[str, object]:
    """One motor-event row from its bursts ``m`` (indices into the onset-sorted arrays)."""
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
    sides = {side[i] for i in m}
    amps = amp[m]
    # Burst durations describe the EMG pattern too (the clinical criteria are EMG
    # burst lengths; an accelerometer's transient outlasts the EMG burst).
    dm = dur[ref]
    return {
        "onset": ev_on,
        "duration": float(offset[m].max() - ev_on),
        "trial_type": ttype,
        "channel": tuple(str(chan[i]) for i in listed),
        "peak_amplitude_uv": float(np.nanmax(amps)) if np.isfinite(amps).any() else float("nan"),
        "n_channels": len(listed),
        "regions": tuple(dict.fromkeys(str(role[i]) for i in listed)),
        "bilateral": bool({"left", "right"} <= sides),
        "first_channel": str(chan[order[0]]),
        "first_role": str(role[order[0]]),
        "onset_spread_ms": float((onset[order[-1]] - ev_on) * 1000.0),
        "max_burst_duration_ms": float(dm.max()) * 1000.0,
        "min_burst_duration_ms": float(dm.min()) * 1000.0,
        "median_burst_duration_ms": float(np.median(dm)) * 1000.0,
        "event_id": ev_id,
    }

"""Helpers: small constructed detection results (tables in the schemas of myosleep.schema), and a
sleep context."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


def make_context(stages, *, epoch_s=30.0):
    from myosleep.context import build_context
    from myosleep.io.hypnogram_model import Hypnogram

    hyp = Hypnogram(np.asarray(stages, dtype=int), epoch_s=epoch_s, source="simulated")
    return build_context(hypnogram=hyp, detect_arousals=False)


def burst_rows(rows):
    """Dicts with at least onset, duration, channel, role, detector -> a bursts table (schema BURSTS)."""
    from myosleep.schema import BURSTS

    defaults = {"side": "n/a", "peak_amplitude_uv": 40.0, "mean_amplitude_uv": 20.0, "area_uv_s": 20.0,
                "baseline_uv": 2.0, "snr": 20.0, "event_id": -1, "trial_type": "myoclonic_jerk",
                "peak_jerk_g_per_s": np.nan}
    recs = [{**defaults, "offset_s": r["onset"] + r["duration"], "burst_id": k, **r} for k, r in enumerate(rows)]
    return pd.DataFrame(recs, columns=list(BURSTS.names)) if recs else BURSTS.empty()


def lm_bursts(rows):
    """rows: (onset_s, duration_s, side) -> 'lm' bursts on leg channels."""
    return burst_rows([{"onset": float(on), "duration": float(dur),
                        "channel": "EMG LAT" if side == "left" else "EMG RAT", "role": "leg", "side": side,
                        "detector": "lm", "area_uv_s": 20.0 * dur} for on, dur, side in rows])


def motor_event(onset, *, channels=("EMG Chin",), roles=("chin",), burst_s=0.1, peak_uv=80.0, latencies_ms=None,
                trial_type="myoclonic_jerk", event_id=0, bilateral=False):
    """One motor event as detection reports it (durations in ms) with its bursts' latencies."""
    lat = latencies_ms if latencies_ms is not None else [0.0] * len(channels)
    return {"onset": float(onset), "duration": float(burst_s + max(lat) / 1000.0), "trial_type": trial_type,
            "channel": tuple(channels), "peak_amplitude_uv": float(peak_uv), "n_channels": len(channels),
            "regions": tuple(dict.fromkeys(roles)), "bilateral": bilateral, "first_channel": channels[0],
            "first_role": roles[0], "onset_spread_ms": float(max(lat) - min(lat)),
            "max_burst_duration_ms": 1000.0 * burst_s, "min_burst_duration_ms": 1000.0 * burst_s,
            "median_burst_duration_ms": 1000.0 * burst_s, "event_id": event_id,
            "_members": [(c, r, m) for c, r, m in zip(channels, roles, lat)]}


def detection(rows=(), bursts=None, *, channels=None, refused=None, chin=None, duration_s=float("nan")):
    """A DetectionResult from motor_event() rows, a bursts table and the channels' roles.

    ``channels``: (label, role[, side]) of the recording; default: those of ``bursts`` and of the
    rows' members (as a recording holding only the channels with bursts: the montage the
    findings check, defect 36).  ``refused``: {label: reason}.
    ``chin``: the chin amplitude per second (uV), given.
    """
    from myosleep.detection import ChannelStatus, ChinAmplitude, DetectionResult
    from myosleep.schema import MEMBERS, MOTOR_EVENTS

    members = []
    for r in rows:
        for k, (c, role, lat) in enumerate(r["_members"]):
            members.append({"event_id": r["event_id"], "burst_id": 1000 * r["event_id"] + k, "channel": c,
                            "role": role, "side": "n/a", "latency_ms": float(lat)})
    events = pd.DataFrame([{k: v for k, v in r.items() if k != "_members"} for r in rows],
                          columns=list(MOTOR_EVENTS.names)) if rows else MOTOR_EVENTS.empty()
    status = {label: ChannelStatus(label, "leg", 200.0, False, reason) for label, reason in (refused or {}).items()}
    return DetectionResult.from_tables(
        bursts=bursts, events=events, members=pd.DataFrame(members, columns=list(MEMBERS.names)) if members else None,
        channels=_refs(channels, bursts, members), channel_status=status, duration_s=duration_s,
        chin_amplitude=None if chin is None else ChinAmplitude(np.asarray(chin, float), "given"))


def _refs(channels, bursts, members=()):
    """ChannelRefs from (label, role[, side]) tuples, default: the channels of ``bursts`` and ``members``."""
    from myosleep.detection import ChannelRef
    from myosleep.vocab import Role, Side

    if channels is None:
        channels = [] if bursts is None else \
            list(dict.fromkeys(zip(bursts["channel"].astype(str), bursts["role"].astype(str),
                                   bursts["side"].astype(str))))
        seen = {c[0] for c in channels}
        channels += list(dict.fromkeys((m["channel"], m["role"]) for m in members if m["channel"] not in seen))
    return [ChannelRef(c[0], Role(c[1]), Side(c[2]) if len(c) > 2 and c[2] in ("left", "right") else None)
            for c in channels]


def grouped_detection(bursts, *, channels=None):
    """A DetectionResult whose motor events detection's own grouping makes from ``bursts``."""
    from myosleep.detection import DetectionResult, group_events

    g = group_events(bursts)
    return DetectionResult.from_tables(bursts=g.bursts, events=g.events, members=g.members,
                                       channels=_refs(channels, bursts))


@pytest.fixture
def night_stages():
    # 10 min W, 10 min N1, 60 min N2, 30 min N3, 20 min R, 10 min W (140 min):
    # W 0-600 s, N1 600-1200, N2 1200-4800, N3 4800-6600, R 6600-7800, W 7800-8400
    return [0] * 20 + [1] * 20 + [2] * 120 + [3] * 60 + [4] * 40 + [0] * 20


def truth_detection_tables(sim):
    """The detection tables a perfect detector would give for a simulated night.

    Every true burst becomes a "short" burst; on leg channels, true bursts closer than 0.5 s
    merge into one "lm" burst (the AASM offset needs 0.5 s of rest), as the LM detector
    reports them.  Motor events come from myosleep.detection.group_events.
    """
    from myosleep.detection.events import group_events

    rows = []
    lm_events = set(sim.events.loc[sim.events["trial_type"] == "leg_movement", "event_id"])
    for k, b in enumerate(sim.bursts.itertuples(index=False)):
        ch = sim.channel(b.channel)
        side = ch.side.value if ch.side is not None else "n/a"
        # a leg movement as the AASM rules score it (its truth onset and duration: the truth events'
        # onsets and the PLM intervals are those); other bursts as modelled, the simulator's own
        # latencies between muscles (propriospinal spread, hypnic synchrony): the rules alone
        on, dur = (b.onset, b.duration) if b.event_id in lm_events else (b.model_onset, b.model_duration)
        rows.append({"onset": on, "duration": dur,
                     "offset_s": on + dur,
                     "channel": b.channel, "role": ch.role.value, "side": side, "detector": "short",
                     "peak_amplitude_uv": b.peak_amplitude_uv, "mean_amplitude_uv": 0.6 * b.peak_amplitude_uv,
                     "area_uv_s": 0.6 * b.peak_amplitude_uv * dur, "baseline_uv": 2.0,
                     "snr": b.peak_amplitude_uv / 2.0, "burst_id": k, "event_id": -1,
                     "trial_type": "myoclonic_jerk"})
    from myosleep.detection.bursts import BURST_COLUMNS

    short = pd.DataFrame([dict(r, peak_jerk_g_per_s=np.nan) for r in rows], columns=BURST_COLUMNS)
    lm_rows = []
    for label, sub in short[short["role"] == "leg"].groupby("channel"):
        sub = sub.sort_values("onset")
        cur = None
        for r in sub.to_dict("records"):
            if cur is not None and r["onset"] - cur["offset_s"] < 0.5:
                cur["offset_s"] = max(cur["offset_s"], r["offset_s"])
                cur["peak_amplitude_uv"] = max(cur["peak_amplitude_uv"], r["peak_amplitude_uv"])
                continue
            if cur is not None:
                lm_rows.append(cur)
            cur = dict(r, detector="lm")
        if cur is not None:
            lm_rows.append(cur)
    lm = pd.DataFrame(lm_rows, columns=short.columns)
    if len(lm):
        lm["duration"] = lm["offset_s"] - lm["onset"]
        lm["burst_id"] = np.arange(len(lm)) + len(short)
    bursts = pd.concat([short, lm], ignore_index=True)
    return group_events(bursts)


def sim_detection(sim, grouping):
    """A DetectionResult of a simulated night from its perfect-detector tables."""
    from myosleep.detection import ChannelRef, DetectionResult

    return DetectionResult.from_tables(bursts=grouping.bursts, events=grouping.events, members=grouping.members,
                                       channels=[ChannelRef(c.label, c.role, c.side) for c in sim.channels],
                                       duration_s=sim.duration_s)

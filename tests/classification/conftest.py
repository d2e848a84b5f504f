"""Helpers: small constructed tables in the detection schemas, and a sleep context."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


def make_context(stages, *, epoch_s=30.0):
    from myosleep.context import build_context
    from myosleep.io.hypnogram_model import Hypnogram

    hyp = Hypnogram(np.asarray(stages, dtype=int), epoch_s=epoch_s, source="simulated")
    return build_context(hypnogram=hyp, detect_arousals=False)


def lm_bursts(rows):
    """rows: (onset_s, duration_s, side) -> 'lm' bursts on leg channels."""
    recs = []
    for k, (on, dur, side) in enumerate(rows):
        recs.append({"onset": float(on), "duration": float(dur), "offset_s": float(on + dur),
                     "channel": "EMG LAT" if side == "left" else "EMG RAT", "role": "leg", "side": side,
                     "detector": "lm", "peak_amplitude_uv": 40.0, "mean_amplitude_uv": 20.0, "area_uv_s": 20.0 * dur,
                     "baseline_uv": 2.0, "snr": 20.0, "burst_id": k, "event_id": -1,
                     "trial_type": "myoclonic_jerk"})
    return pd.DataFrame(recs)


def motor_event(onset, *, channels=("EMG Chin",), roles=("chin",), burst_s=0.1, peak_uv=80.0, latencies_ms=None,
                trial_type="myoclonic_jerk", event_id=0, bilateral=False):
    lat = latencies_ms if latencies_ms is not None else [0.0] * len(channels)
    return {"onset": float(onset), "duration": float(burst_s + max(lat) / 1000.0), "trial_type": trial_type,
            "channel": ",".join(channels), "n_channels": len(channels), "regions": ",".join(dict.fromkeys(roles)),
            "bilateral": bilateral, "first_channel": channels[0], "first_role": roles[0],
            "latencies_ms": ";".join(f"{c}:{m:g}" for c, m in zip(channels, lat)),
            "onset_spread_ms": float(max(lat) - min(lat)), "peak_amplitude_uv": float(peak_uv),
            "max_burst_duration_s": float(burst_s), "min_burst_duration_s": float(burst_s), "event_id": event_id,
            "burst_ids": str(event_id)}


def events_df(rows):
    cols = ["onset", "duration", "trial_type", "channel", "n_channels", "regions", "bilateral", "first_channel",
            "first_role", "latencies_ms", "onset_spread_ms", "peak_amplitude_uv", "max_burst_duration_s",
            "min_burst_duration_s", "event_id", "burst_ids"]
    return pd.DataFrame(rows, columns=cols)


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
    for k, b in enumerate(sim.bursts.itertuples(index=False)):
        ch = sim.channel(b.channel)
        side = ch.side.value if ch.side is not None else "n/a"
        # the modelled bursts (the simulator's own latencies and durations): the rules alone
        rows.append({"onset": b.model_onset, "duration": b.model_duration,
                     "offset_s": b.model_onset + b.model_duration,
                     "channel": b.channel, "role": ch.role.value, "side": side, "detector": "short",
                     "peak_amplitude_uv": b.peak_amplitude_uv, "mean_amplitude_uv": 0.6 * b.peak_amplitude_uv,
                     "area_uv_s": 0.6 * b.peak_amplitude_uv * b.model_duration, "baseline_uv": 2.0,
                     "snr": b.peak_amplitude_uv / 2.0, "burst_id": k, "event_id": -1,
                     "trial_type": "myoclonic_jerk"})
    from myosleep.detection.bursts import BURST_COLUMNS

    short = pd.DataFrame(rows, columns=BURST_COLUMNS)
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
    events, bursts = group_events(bursts)
    return events, bursts

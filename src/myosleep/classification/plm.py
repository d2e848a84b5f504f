"""Leg movements (LM) and periodic limb movement (PLM) series under AASM or WASM 2016 rules.

Input: the bursts that the AASM leg-movement detector (``detector == "lm"``) found on leg
channels.  Output: one row per scored LM (bilateral LMs merged into one row) with the
numbers that decided it.  The differences between rulesets live in :class:`~.rules.RuleSet`:

* bilateral merging: AASM merges LMs on the two legs whose onsets are < 5 s apart; WASM 2016
  merges LMs on the two legs that overlap or are < 0.5 s apart (offset to onset), at most 4;
* durations: AASM drops LMs outside 0.5-10 s (they neither count nor break a series); WASM 2016
  accepts candidate LMs (CLM) of 0.5-10 s (monolateral) or 0.5-15 s (bilateral), and longer
  movements end a series;
* intervals (onset to onset): AASM 5-90 s, an LM < 5 s after the previous LM is skipped
  (not periodic, the series goes on, the next interval is measured from the last LM kept,
  Ferri et al. 2015); WASM 2016 10-90 s, a CLM < 10 s after the previous one ends the series
  and may start the next;
* respiratory events: AASM drops LMs within 0.5 s before or after a respiratory event;
  WASM 2016 drops CLMs overlapping 2 s before to 10.25 s after the event's end.  Dropped LMs
  stay in the table (``respiratory`` True, ``periodic`` False) and are left out of the series.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import numpy as np

from ._intervals import overlaps_any
from .rules import RuleSet

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["score_leg_movements", "plm_series", "LM_COLUMNS"]

logger = logging.getLogger("myosleep")

#: Columns of the LM table (units: s, uV).
LM_COLUMNS = ["onset", "duration", "channel", "side", "peak_amplitude_uv", "n_lms", "bilateral",
              "scored", "candidate", "respiratory", "breaks_series", "interval_s", "series_id",
              "periodic", "arousal", "rule", "burst_ids"]


def _empty_lm_table() -> "pd.DataFrame":
    import pandas as pd

    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(LM_COLUMNS, [
        float, float, object, object, float, int, bool, bool, bool, bool, bool, float, int, bool, bool,
        object, object])})


def _leg_key(row) -> str:
    side = str(row.get("side", "n/a")).lower()
    return side if side in ("left", "right") else f"ch:{row['channel']}"


def _merge_bilateral(lms: list[dict], rules: RuleSet) -> list[list[dict]]:
    """Group monolateral LMs (sorted by onset) into bilateral LMs following ``rules``."""
    groups: list[list[dict]] = []
    for lm in lms:
        if groups:
            g = groups[-1]
            legs = {m["leg"] for m in g}
            if rules.bilateral_mode == "onset":
                # AASM: one LM per leg in a merged LM, onsets < bilateral_onset_gap_s apart.
                ok = lm["leg"] not in legs and lm["onset"] - g[0]["onset"] < rules.bilateral_onset_gap_s
            else:
                # WASM 2016: chained LMs alternating legs, overlapping or < gap apart (offset to onset).
                offset = max(m["offset"] for m in g)
                ok = (lm["leg"] != g[-1]["leg"] and lm["onset"] - offset < rules.bilateral_offset_gap_s
                      and (rules.bilateral_max_lms is None or len(g) < rules.bilateral_max_lms))
            if ok:
                g.append(lm)
                continue
        groups.append([lm])
    return groups


def _respiratory_mask(on: np.ndarray, off: np.ndarray, resp: "pd.DataFrame | None", rules: RuleSet) -> np.ndarray:
    out = np.zeros(on.size, dtype=bool)
    if resp is None or len(resp) == 0 or on.size == 0:
        return out
    r_on = resp["onset"].to_numpy(dtype=float)
    r_off = r_on + resp["duration"].to_numpy(dtype=float)
    if rules.respiratory_anchor == "end":
        w_on, w_off = r_off - rules.respiratory_before_s, r_off + rules.respiratory_after_s
    else:
        w_on, w_off = r_on - rules.respiratory_before_s, r_off + rules.respiratory_after_s
    return overlaps_any(on, off, w_on, w_off, closed=True)


def _arousal_mask(on: np.ndarray, off: np.ndarray, arousals: "pd.DataFrame | None", gap_s: float) -> np.ndarray:
    out = np.zeros(on.size, dtype=bool)
    if arousals is None or len(arousals) == 0 or on.size == 0:
        return out
    a_on = arousals["onset"].to_numpy(dtype=float)
    a_off = a_on + arousals["duration"].to_numpy(dtype=float)
    # overlap, or less than gap_s between the end of one and the onset of the other
    return overlaps_any(on, off, a_on - gap_s, a_off + gap_s)


def plm_series(onsets_s: np.ndarray, *, eligible: np.ndarray, breaks: np.ndarray,
               rules: RuleSet) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Find PLM series among LMs sorted by onset.

    Parameters
    ----------
    onsets_s : array of float
        LM onsets in seconds, ascending.
    eligible : array of bool
        LMs that may belong to a series (scored, candidate, not respiratory-related).
    breaks : array of bool
        LMs that end any running series (WASM 2016: movements that are not CLMs).
    rules : RuleSet

    Returns
    -------
    interval_s : array of float
        Onset-to-onset interval to the previous LM taken into account (NaN for the first).
    series_id : array of int
        Series number (0, 1, ...) of periodic LMs, -1 for the others.
    periodic : array of bool
    """
    n = len(onsets_s)
    interval = np.full(n, np.nan)
    series = np.full(n, -1, dtype=np.int64)
    runs: list[list[int]] = []
    run: list[int] = []
    last: int | None = None
    for i in range(n):
        if breaks[i]:
            if run:
                runs.append(run)
            run, last = [], None
            continue
        if not eligible[i]:
            continue
        if last is None:
            run = [i]
            last = i
            continue
        iv = float(onsets_s[i] - onsets_s[last])
        interval[i] = iv
        if iv < rules.plm_min_interval_s:
            if rules.short_interval_breaks_series:
                runs.append(run)
                run, last = [i], i
            # AASM: skipped, neither counted nor breaking; `last` stays.
            continue
        if iv <= rules.plm_max_interval_s:
            run.append(i)
        else:
            runs.append(run)
            run = [i]
        last = i
    if run:
        runs.append(run)
    sid = 0
    for r in runs:
        if len(r) >= rules.plm_min_count:
            series[r] = sid
            sid += 1
    return interval, series, series >= 0


def score_leg_movements(bursts: "pd.DataFrame", *, rules: RuleSet,
                        respiratory_events: "pd.DataFrame | None" = None,
                        arousals: "pd.DataFrame | None" = None) -> "pd.DataFrame":
    """Score leg movements and PLM series from leg-movement bursts.

    Parameters
    ----------
    bursts : DataFrame
        Bursts table (detection schema).  Rows with ``detector == "lm"`` on ``role == "leg"``
        channels are used (all rows when the columns are absent).  Columns used: onset (s),
        duration (s), channel, side, peak_amplitude_uv (uV), burst_id.
    rules : RuleSet
    respiratory_events : DataFrame, optional
        ``onset`` and ``duration`` (s) of apnoeas/hypopnoeas/RERAs.
    arousals : DataFrame, optional
        ``onset`` and ``duration`` (s) of arousals.

    Returns
    -------
    DataFrame
        Columns :data:`LM_COLUMNS`: onset and duration (s) of the (merged) LM, channel
        (comma-separated), side, peak_amplitude_uv (uV), n_lms (monolateral LMs merged),
        bilateral, scored (an LM under these rules), candidate (counts towards series),
        respiratory (respiratory-related, excluded), breaks_series, interval_s (onset-to-onset
        interval to the previous LM taken into account, s), series_id (-1 when not periodic),
        periodic, arousal (associated with an arousal), rule (what decided), burst_ids.
    """
    import pandas as pd

    if bursts is None or len(bursts) == 0:
        return _empty_lm_table()
    b = bursts
    if "detector" in b.columns:
        b = b[b["detector"].astype(str) == "lm"]
    if "role" in b.columns:
        b = b[b["role"].astype(str) == "leg"]
    if len(b) == 0:
        return _empty_lm_table()
    b = b.sort_values("onset", kind="stable")
    lms = []
    for k, row in enumerate(b.to_dict("records")):
        on = float(row["onset"])
        dur = float(row["duration"])
        if not np.isfinite(on) or not np.isfinite(dur):
            continue
        lms.append({"onset": on, "offset": on + dur, "duration": dur, "leg": _leg_key(row),
                    "side": str(row.get("side", "n/a")), "channel": str(row["channel"]),
                    "peak": float(row.get("peak_amplitude_uv", np.nan)),
                    "burst_id": str(row.get("burst_id", k))})
    # Monolateral LMs shorter than the minimum are not LMs under any ruleset.
    short = [m for m in lms if m["duration"] < rules.lm_min_duration_s]
    if short:
        logger.debug("%d leg bursts shorter than %.1f s are not LMs", len(short), rules.lm_min_duration_s)
    lms = [m for m in lms if m["duration"] >= rules.lm_min_duration_s]
    if rules.lm_max_duration_bilateral_s is None:
        # AASM: each LM must itself be 0.5-10 s before merging.
        long_ = [m for m in lms if m["duration"] > rules.lm_max_duration_s]
        lms = [m for m in lms if m["duration"] <= rules.lm_max_duration_s]
    else:
        long_ = []
    groups = _merge_bilateral(lms, rules) + [[m] for m in long_]
    groups.sort(key=lambda g: g[0]["onset"])

    rows = []
    for g in groups:
        on = min(m["onset"] for m in g)
        off = max(m["offset"] for m in g)
        dur = off - on
        legs = {m["leg"] for m in g}
        bilateral = len(legs) > 1
        if rules.lm_max_duration_bilateral_s is None:
            scored = all(m["duration"] <= rules.lm_max_duration_s for m in g)
            limit = rules.lm_max_duration_s
            rule = (f"LM {dur:.2f} s" + (" (bilateral, onsets < "
                                          f"{rules.bilateral_onset_gap_s:g} s apart)" if bilateral else "")
                    if scored else f"leg activity {max(m['duration'] for m in g):.1f} s > {limit:g} s: not an LM")
            breaks = scored is False and rules.long_lm_breaks_series
        else:
            limit = rules.lm_max_duration_bilateral_s if bilateral else rules.lm_max_duration_s
            scored = True
            cand = dur <= limit
            rule = (f"{'bilateral' if bilateral else 'monolateral'} CLM {dur:.2f} s <= {limit:g} s" if cand
                    else f"{'bilateral' if bilateral else 'monolateral'} LM {dur:.2f} s > {limit:g} s: not a CLM")
            breaks = (not cand) and rules.long_lm_breaks_series
        candidate = scored and (dur <= limit if rules.lm_max_duration_bilateral_s is not None else True)
        rows.append({
            "onset": on, "duration": dur,
            "channel": ",".join(dict.fromkeys(m["channel"] for m in g)),
            "side": "both" if {"left", "right"} <= {m["side"] for m in g} else g[0]["side"],
            "peak_amplitude_uv": (float(np.nanmax([m["peak"] for m in g]))
                                  if any(np.isfinite(m["peak"]) for m in g) else np.nan),
            "n_lms": len(g), "bilateral": bilateral, "scored": bool(scored), "candidate": bool(candidate),
            "breaks_series": bool(breaks), "rule": rule,
            "burst_ids": ";".join(m["burst_id"] for m in g),
        })
    if not rows:
        return _empty_lm_table()
    df = pd.DataFrame(rows)
    on = df["onset"].to_numpy(float)
    off = on + df["duration"].to_numpy(float)
    resp = _respiratory_mask(on, off, respiratory_events, rules) & df["candidate"].to_numpy(bool)
    df["respiratory"] = resp
    eligible = df["candidate"].to_numpy(bool) & ~resp
    interval, series, periodic = plm_series(on, eligible=eligible, breaks=df["breaks_series"].to_numpy(bool),
                                            rules=rules)
    df["interval_s"] = interval
    df["series_id"] = series
    df["periodic"] = periodic
    df["arousal"] = _arousal_mask(on, off, arousals, rules.arousal_gap_s)
    df.loc[resp, "rule"] = df.loc[resp, "rule"] + " (respiratory-related: not counted)"
    lo, hi = rules.plm_min_interval_s, rules.plm_max_interval_s
    df.loc[periodic, "rule"] = df.loc[periodic, "rule"] + (
        f"; PLM series of >= {rules.plm_min_count} with intervals {lo:g}-{hi:g} s ({rules.name})")
    return df[LM_COLUMNS].reset_index(drop=True)

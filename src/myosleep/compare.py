"""``myosleep compare REFERENCE TEST``: event-level agreement of two scorings.

How a clinic validates myosleep against its own scorers (or two scorers against each
other): both files are read by :func:`myosleep.io.scored_events.read_scorer_events`
(any supported format, labels normalised across vendors) and compared class by class.

Event class
    ``trial_type`` when the event is a myosleep class (a scorer's LM/PLM is
    ``leg_movement``), else its ``kind`` (``arousal``, ``emg_phasic``, ...).  Stage and
    lights rows are not events.  ``same={"emg_phasic": "rem_twitch"}`` (``--same``) treats
    two classes as one.  With ``by_channel`` each body region (``chin``, ``leg_left``,
    ...; see :func:`~myosleep.io.scored_events.channel_regions`) is its own class, an event
    counting in every region it names.

Matching (one-to-one, within a class)
    ``onset`` (default): a test event matches a reference event when their onsets differ
    by at most ``tolerance_s`` (default 0.5 s), closest pairs first
    (:func:`myosleep.classification.evaluate.match_onsets`, the rule behind the README's
    accuracy figures; YASA's ``compare_detection`` matches start times within a
    ``max_distance`` the same way).  ``overlap``: the events' intervals overlap with an
    intersection over union >= ``iou`` (default 0.2, YASA 0.8 ``compare_detection(...,
    method="intersection")``), maximum-cardinality matching as YASA does; a zero-duration
    event matches an interval that contains it.  Event-level F1 against technicians is how
    automatic leg-movement scoring is reported (Carvelli et al., Sleep Med 2020: F1
    0.77-0.85).

Per class: n_reference, n_test, tp, fp, fn, precision = tp / n_test, recall =
tp / n_reference, F1 = 2 tp / (n_reference + n_test) (NaN when both are 0), and Cohen's
kappa of 3-s mini-epochs (SINBAR, Frauscher et al., Sleep 2012: a mini-epoch is marked
when an event of the class overlaps it), computed by scikit-learn's ``cohen_kappa_score``.

Bilateral leg movements
    A scorer's file may score each leg separately (NSRR XML writes "Limb movement - left" and
    "- right" events): counted as they stand, a bilateral LM would count twice in PLMS/h, and its
    second half would be a "missed" event against a tool that scores it once.  Before matching and
    counting, leg movements that name one leg each (``region`` ``leg_left`` / ``leg_right``) are
    merged by the ruleset's bilateral rule, in both files (:func:`merge_bilateral_lms`; AASM VII.A.2.d:
    onsets < 5 s apart; WASM 2016: overlapping or < 0.5 s offset to onset, at most 4 LMs).  The
    ruleset is ``rules`` (``--rules``), else that of a ``myosleep analyze`` folder compared, else
    AASM; ``params["bilateral_rule"]`` names it and a note counts the merges.

Indices (reference, test, test - reference): PLMS/h (periodic leg movements in sleep per
hour of sleep), FM/h (fragmentary myoclonus in sleep per hour of sleep), phasic EMG % (3-s
REM mini-epochs with phasic EMG: scorer ``emg_phasic`` or myosleep ``rem_twitch``), also
for the chin alone (SINBAR's chin phasic %).  Without a hypnogram they fall back to the
compared window and say so in ``basis``.
"""

from __future__ import annotations

import argparse
import math
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import InputError, ParameterError

if TYPE_CHECKING:  # pragma: no cover
    import matplotlib.figure
    import pandas as pd

__all__ = ["Agreement", "compare_events", "compare_files", "merge_bilateral_lms", "write_agreement", "MATCH_RULES",
           "DEFAULT_TOLERANCE_S", "DEFAULT_IOU", "MINI_EPOCH_S", "add_parser", "run"]

MATCH_RULES = ("onset", "overlap")
#: Onset tolerance of a match (s): the rule of tests/test_end_to_end_accuracy.py and
#: benchmarks/eval_scenarios.py, so that compare reproduces the README's figures.
DEFAULT_TOLERANCE_S = 0.5
#: Minimum intersection over union of the overlap rule: YASA's compare_detection default.
DEFAULT_IOU = 0.2
#: SINBAR mini-epoch (Frauscher et al., Sleep 2012): 3 s, ten per 30-s epoch.
MINI_EPOCH_S = 3.0
_NOT_EVENTS = ("stage", "lights")
_SLEEP = ("N1", "N2", "N3", "R")
TABLE_COLUMNS = ["class", "n_reference", "n_test", "tp", "fp", "fn", "precision", "recall", "f1", "kappa_3s",
                 "mini_epochs"]


@dataclass(frozen=True)
class Agreement:
    """Agreement of a test scoring with a reference scoring.

    Attributes
    ----------
    table : DataFrame
        One row per class (columns :data:`TABLE_COLUMNS`), then an ``all`` row (every
        class pooled: tp, fp, fn summed; kappa of mini-epochs holding any event).
    indices : DataFrame
        Rows plms_per_h, fm_per_h, phasic_emg_pct, chin_phasic_emg_pct; columns
        reference, test, difference (test - reference), unit, basis.
    pairs : DataFrame
        Every event with its fate: class, status (``match``, ``missed`` = reference only,
        ``extra`` = test only), reference_onset, reference_duration, test_onset,
        test_duration, onset_difference_s (test - reference).
    params : dict
        The rule: match, tolerance_s, iou, by_channel, same, mini_epoch_s, window.
    inputs : dict
        Reference and test: source, format, scorer, number of events.
    notes : list of str
        What the reader should know (alignment, fall-backs).
    """

    table: pd.DataFrame
    indices: pd.DataFrame
    pairs: pd.DataFrame = field(repr=False)
    params: dict = field(default_factory=dict)
    inputs: dict = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def __repr__(self) -> str:
        rows = self.table[self.table["class"] != "all"]
        parts = [f"{r['class']} F1={r['f1']:.2f}" if r["f1"] == r["f1"] else f"{r['class']} F1=n/a"
                 for _, r in rows.iterrows()]
        rule = (f"onset<={self.params.get('tolerance_s')} s" if self.params.get("match") == "onset"
                else f"IoU>={self.params.get('iou')}")
        return f"<Agreement | {rule} | " + (", ".join(parts) if parts else "no events") + ">"

    def to_dataframe(self) -> pd.DataFrame:
        """A copy of :attr:`table`."""
        return self.table.copy()

    def summary(self) -> dict:
        """JSON-ready: inputs, rule, per-class rows, indices, notes."""
        from ._json import to_jsonable

        return to_jsonable({
            "inputs": self.inputs,
            "rule": self.params,
            "classes": self.table.to_dict(orient="records"),
            "indices": [{"index": k, **v} for k, v in self.indices.to_dict(orient="index").items()],
            "notes": list(self.notes),
        })

    def plot(self) -> matplotlib.figure.Figure:
        """Per-class precision, recall, F1 and kappa; indices of both scorings side by side."""
        return _plot(self)


# ------------------------------------------------------------------------------ helpers
def _bilateral_rule(rules: Any) -> str:
    if rules.bilateral_mode == "onset":
        return (f"{rules.name}: leg movements on the two legs with onsets < {rules.bilateral_onset_gap_s:g} s apart "
                f"count once")
    return (f"{rules.name}: leg movements on the two legs overlapping or < {rules.bilateral_offset_gap_s:g} s apart "
            f"(offset to onset), at most {rules.bilateral_max_lms}, count once")


def merge_bilateral_lms(df: pd.DataFrame, rules: Any) -> tuple[pd.DataFrame, int]:
    """A scorer-event table whose monolateral leg movements on opposite legs are merged by the ruleset's
    bilateral rule (module docstring), and how many rows the merging removed.

    A merged LM runs from the first onset to the last end, on both legs (``region`` ``("leg_left",
    "leg_right")``, the channels of both), periodic when any of its parts is, with the other fields
    of its first part.  Rows that are no leg movement, or name no single leg, stay as they are.
    """
    import numpy as np
    import pandas as pd

    from .classification.plm import bilateral_groups
    from .schema import list_items

    if len(df) == 0 or "region" not in df.columns:
        return df, 0
    regions = [tuple(list_items(r)) for r in df["region"]]
    legs = np.array([r[0][len("leg_"):] if len(r) == 1 and r[0] in ("leg_left", "leg_right") else ""
                     for r in regions], dtype=object)
    mono = np.flatnonzero((df["trial_type"].astype(str) == "leg_movement").to_numpy() & (legs != ""))
    if mono.size < 2:
        return df, 0
    on = df["onset"].to_numpy(float)[mono]
    off = on + np.nan_to_num(df["duration"].to_numpy(float)[mono], nan=0.0)
    groups = [g for g in bilateral_groups(on, off, legs[mono].tolist(), rules=rules) if len(g) > 1]
    if not groups:
        return df, 0
    out = df.copy()
    drop: list[int] = []
    for g in groups:
        rows = [int(mono[k]) for k in g]
        first = rows[0]
        end = float(max(off[k] for k in g))
        periodic = [p for p in (df["periodic"].iat[r] for r in rows) if p is not None and p == p]
        channels = tuple(dict.fromkeys(c for r in rows for c in list_items(df["channel"].iat[r])))
        at = out.index[first]
        out.at[at, "duration"] = end - float(on[g[0]])
        out.at[at, "region"] = ("leg_left", "leg_right")
        out.at[at, "channel"] = channels
        out.at[at, "periodic"] = (any(p is True or str(p) == "True" for p in periodic) if periodic else None)
        drop += rows[1:]
    out = out.drop(index=out.index[drop]).reset_index(drop=True)
    out.attrs = dict(df.attrs)
    return pd.DataFrame(out), len(drop)


def _class_keys(df: pd.DataFrame, same: dict[str, str]) -> list[str]:
    out = []
    for trial, kind in zip(df["trial_type"], df["kind"]):
        key = trial if isinstance(trial, str) and trial else str(kind)
        out.append(same.get(key, key))
    return out


def _events(df: pd.DataFrame, same: dict[str, str], by_channel: bool) -> pd.DataFrame:
    """Comparable rows: onset, duration, cls (class key), stage, periodic, regions, phasic flag."""
    import numpy as np
    import pandas as pd

    ev = df[~df["kind"].isin(_NOT_EVENTS)].copy()
    ev["cls"] = _class_keys(ev, same)
    ev["duration"] = np.nan_to_num(ev["duration"].to_numpy(float), nan=0.0)
    if by_channel:
        from .schema import list_items

        rows = []
        for _, r in ev.iterrows():
            regions = list_items(r["region"])  # a tuple (read_scorer_events) or comma-separated text
            for reg in regions or ("n/a",):
                rr = r.copy()
                rr["cls"] = f"{r['cls']}@{reg}"
                rows.append(rr)
        ev = pd.DataFrame(rows, columns=ev.columns) if rows else ev.iloc[0:0]
    return ev.reset_index(drop=True)


def _match_overlap(ref: pd.DataFrame, test: pd.DataFrame, iou: float) -> list[tuple[int, int]]:
    """One-to-one (i_test, i_ref) pairs of a maximum-cardinality matching of overlapping events."""
    import numpy as np
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import maximum_bipartite_matching

    if len(ref) == 0 or len(test) == 0:
        return []
    r0 = ref["onset"].to_numpy(float)
    r1 = r0 + ref["duration"].to_numpy(float)
    t0 = test["onset"].to_numpy(float)
    t1 = t0 + test["duration"].to_numpy(float)
    order = np.argsort(r0, kind="stable")
    r0s = r0[order]
    longest = float(np.max(r1 - r0)) if len(r0) else 0.0
    rows, cols = [], []
    for i in range(len(t0)):
        # candidates: reference events starting before this test event ends and ending after it starts
        lo = np.searchsorted(r0s, t0[i] - longest, side="left")
        hi = np.searchsorted(r0s, t1[i], side="right")
        for k in range(lo, hi):
            j = int(order[k])
            a0, a1 = max(t0[i], r0[j]), min(t1[i], r1[j])
            if a1 < a0:
                continue
            inter = a1 - a0
            union = (t1[i] - t0[i]) + (r1[j] - r0[j]) - inter
            if union <= 0:  # two point events: the same instant
                ok = t0[i] == r0[j]
            elif (t1[i] == t0[i]) or (r1[j] == r0[j]):  # a point inside an interval
                ok = True
            else:
                ok = inter > 0 and inter >= iou * (1 - 1e-9) * union
            if ok:
                rows.append(i)
                cols.append(j)
    if not rows:
        return []
    graph = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(t0), len(r0)))
    matching = maximum_bipartite_matching(graph, perm_type="column")
    return [(int(i), int(j)) for i, j in enumerate(matching) if j >= 0]


def _mini_epoch_grid(window: tuple[float, float], hypnogram: Any, stages: tuple[str, ...] | None):
    """Start times of the 3-s mini-epochs compared, and the stage of each (or None)."""
    import numpy as np

    if hypnogram is not None:
        per_epoch = int(round(float(hypnogram.epoch_s) / MINI_EPOCH_S))
        starts = (float(hypnogram.start_s) + np.arange(hypnogram.n_epochs * per_epoch) * MINI_EPOCH_S)
        labels = np.repeat(np.asarray(hypnogram.labels, dtype=object), per_epoch)
        keep = np.isin(labels, list(stages)) if stages else labels != "n/a"
        return starts[keep], labels[keep]
    t0, t1 = window
    n = max(int(math.ceil((t1 - t0) / MINI_EPOCH_S - 1e-9)), 0)
    return t0 + np.arange(n) * MINI_EPOCH_S, None


def _marked(ev: pd.DataFrame, grid: Any) -> Any:
    """Boolean per mini-epoch: an event overlaps it (a point event: its onset lies in it)."""
    import numpy as np

    out = np.zeros(len(grid), dtype=bool)
    if len(ev) == 0 or len(grid) == 0:
        return out
    on = ev["onset"].to_numpy(float)
    end = on + ev["duration"].to_numpy(float)
    # index of the first mini-epoch whose end is after the onset, and of the last starting before the end
    first = np.searchsorted(grid + MINI_EPOCH_S, on, side="right")
    last = np.where(end > on, np.searchsorted(grid, end, side="left") - 1, np.searchsorted(grid, on, side="right") - 1)
    # a point event must lie inside a mini-epoch (the grid has gaps where stages are left out)
    diff = np.zeros(len(grid) + 1, dtype=np.int64)
    for a, b in zip(first, last):
        if b >= a and a < len(grid):
            diff[a] += 1
            diff[min(b, len(grid) - 1) + 1] -= 1
    return np.cumsum(diff[:-1]) > 0


def _kappa(a: Any, b: Any) -> float:
    """Cohen's kappa (scikit-learn); NaN when both raters mark every or no mini-epoch alike."""
    from sklearn.metrics import cohen_kappa_score

    if len(a) == 0:
        return float("nan")
    if a.min() == a.max() == b.min() == b.max():
        return float("nan")  # no variation: kappa is 0/0
    return float(cohen_kappa_score(a.astype(int), b.astype(int), labels=[0, 1]))


def _stage_of(ev: pd.DataFrame, hypnogram: Any) -> list[str | None]:
    out: list[str | None] = []
    hyp_labels = hypnogram.stage_labels_at(ev["onset"].to_numpy(float)) if hypnogram is not None else None
    for k, st in enumerate(ev["stage"]):
        if isinstance(st, str) and st:
            out.append(st)
        elif hyp_labels is not None:
            out.append(hyp_labels[k])
        else:
            out.append(None)
    return out


def _lights(hypnogram: Any, *tables: pd.DataFrame) -> tuple[float | None, float | None, str | None]:
    """Lights off and on (s) and where they come from: the hypnogram's, else the first file's
    "Lights off"/"Lights on" rows that has them (reference first); ``(None, None, None)`` when unknown."""
    from .io._event_vocab import lights_kind

    if hypnogram is not None and (hypnogram.lights_off_s is not None or hypnogram.lights_on_s is not None):
        return hypnogram.lights_off_s, hypnogram.lights_on_s, "hypnogram"
    for what, df in zip(("reference", "test"), tables):
        rows = df[df["kind"] == "lights"] if len(df) else df
        kinds = [lights_kind(str(lab)) for lab in rows["label"]] if len(rows) else []
        offs = [float(t) for t, k in zip(rows["onset"], kinds) if k == "off"] if kinds else []
        ons = [float(t) for t, k in zip(rows["onset"], kinds) if k == "on"] if kinds else []
        if offs or ons:
            off = min(offs) if offs else None
            on = max(ons) if ons else None
            if off is not None and on is not None and on <= off:
                continue
            return off, on, f"the {what} file's lights rows"
    return None, None, None


def _indices(ref: pd.DataFrame, test: pd.DataFrame, *, hypnogram: Any, tst_h: float | None,
             window: tuple[float, float],
             lights: tuple[float | None, float | None, str | None] = (None, None, None)
             ) -> tuple[pd.DataFrame, list[str]]:
    import numpy as np
    import pandas as pd

    from .schema import list_items

    notes: list[str] = []
    window_h = (window[1] - window[0]) / 3600.0
    off, on, lights_from = lights
    period = (-math.inf, math.inf)
    if hypnogram is not None:
        from .context.sleepstats import lights_mask

        keep = lights_mask(hypnogram, off, on)
        sleep_h = float((np.isin(np.asarray(hypnogram.labels, dtype=object), list(_SLEEP)) & keep).sum()
                        * float(hypnogram.epoch_s) / 3600.0)
        per_h_basis = "per hour of sleep (hypnogram)"
        if lights_from is not None:  # the recording period as analyze counts it (Context.recording_period_s)
            kept = np.flatnonzero(keep)
            onsets = np.asarray(hypnogram.epoch_onsets_s, dtype=float)
            period = ((float(onsets[kept[0]]), float(onsets[kept[-1]]) + float(hypnogram.epoch_s)) if kept.size
                      else (float(off if off is not None else hypnogram.start_s),) * 2)
            per_h_basis = f"per hour of sleep between lights off and on ({lights_from})"
    elif lights_from is not None:
        period = (float(off) if off is not None else -math.inf, float(on) if on is not None else math.inf)
        if tst_h is None:
            window_h = (min(window[1], period[1]) - max(window[0], period[0])) / 3600.0
    elif tst_h is not None:
        sleep_h, per_h_basis = float(tst_h), "per hour of sleep (summary.json)"
    else:
        sleep_h, per_h_basis = window_h, "per hour of the compared window (no hypnogram)"
        notes.append("no hypnogram: PLMS/h and FM/h are per hour of the compared window, events in any stage")
    rem_grid, rem_labels = (_mini_epoch_grid(window, hypnogram, ("R",)) if hypnogram is not None
                            else _mini_epoch_grid(window, None, None))
    in_period = (rem_grid >= period[0]) & (rem_grid + MINI_EPOCH_S <= period[1])
    rem_grid = rem_grid[in_period]
    pct_basis = ("% of 3-s REM mini-epochs" if hypnogram is not None
                 else "% of 3-s mini-epochs of the compared window (no hypnogram)")
    if lights_from is not None:
        outside = [int(np.sum(~((d["onset"].to_numpy(float) >= period[0]) & (d["onset"].to_numpy(float) < period[1]))))
                   for d in (ref, test)]
        notes.append(f"indices over the recording period, lights off to lights on ({lights_from}, "
                     f"{period[0]:g}-{period[1]:g} s): {outside[0]} reference and {outside[1]} test event(s) "
                     "outside it not counted (AASM: events are scored between lights off and on)")

    def per_h(ev: pd.DataFrame, mask: Any) -> float:
        if sleep_h <= 0:
            return float("nan")
        stage = np.asarray(_stage_of(ev, hypnogram), dtype=object)
        known = np.array([s is not None for s in stage], dtype=bool)
        in_sleep = np.isin(stage, list(_SLEEP)) | ~known if hypnogram is None else np.isin(stage, list(_SLEEP))
        t = ev["onset"].to_numpy(float)
        return float(np.sum(mask & in_sleep & (t >= period[0]) & (t < period[1]))) / sleep_h

    def pct(ev: pd.DataFrame, mask: Any) -> float:
        if len(rem_grid) == 0:
            return float("nan")
        return 100.0 * float(_marked(ev[mask], rem_grid).mean())

    rows = {}
    for name, unit, basis, fn in (
        ("plms_per_h", "1/h", per_h_basis,
         lambda e: per_h(e, (e["trial_type"] == "leg_movement").to_numpy(bool)
                         & np.array([p is True or str(p) == "True" for p in e["periodic"]], dtype=bool))),
        ("fm_per_h", "1/h", per_h_basis,
         lambda e: per_h(e, (e["trial_type"] == "fragmentary_myoclonus").to_numpy(bool))),
        ("phasic_emg_pct", "%", pct_basis,
         lambda e: pct(e, ((e["kind"] == "emg_phasic") | (e["trial_type"] == "rem_twitch")).to_numpy(bool))),
        ("chin_phasic_emg_pct", "%", pct_basis,
         lambda e: pct(e, (((e["kind"] == "emg_phasic") | (e["trial_type"] == "rem_twitch"))
                           & e["region"].map(lambda r: "chin" in list_items(r))).to_numpy(bool))),
    ):
        a, b = fn(ref), fn(test)
        rows[name] = {"reference": a, "test": b, "difference": b - a, "unit": unit, "basis": basis}
    return pd.DataFrame.from_dict(rows, orient="index"), notes


def _window(ref: pd.DataFrame, test: pd.DataFrame, hypnogram: Any, window_s: tuple[float, float] | None):
    import numpy as np

    if window_s is not None:
        return float(window_s[0]), float(window_s[1])
    if hypnogram is not None:
        return float(hypnogram.start_s), float(hypnogram.end_s)
    ends = [float(np.max(d["onset"] + d["duration"])) for d in (ref, test) if len(d)]
    starts = [float(np.min(d["onset"])) for d in (ref, test) if len(d)]
    if not ends:
        return 0.0, 0.0
    # from the recording's start (or an earlier first onset, on the mini-epoch grid) to the last end
    t0 = min(0.0, math.floor(min(starts) / MINI_EPOCH_S) * MINI_EPOCH_S)
    return t0, max(ends)


def _check_params(match: str, tolerance_s: float, iou: float) -> None:
    if match not in MATCH_RULES:
        raise ParameterError(f"unknown matching rule {match!r}; choose {' or '.join(MATCH_RULES)}", where="match")
    if not (isinstance(tolerance_s, (int, float)) and math.isfinite(tolerance_s) and tolerance_s >= 0):
        raise ParameterError(f"must be a number of seconds >= 0, got {tolerance_s!r}", where="tolerance_s")
    if not (isinstance(iou, (int, float)) and 0.0 <= iou <= 1.0):
        raise ParameterError(f"must be between 0 and 1, got {iou!r}", where="iou")


# --------------------------------------------------------------------------------- API
def compare_events(reference: pd.DataFrame, test: pd.DataFrame, *, match: str = "onset",
                   tolerance_s: float = DEFAULT_TOLERANCE_S, iou: float = DEFAULT_IOU, by_channel: bool = False,
                   same: dict[str, str] | None = None, hypnogram: Any = None, stages: tuple[str, ...] | None = None,
                   tst_h: float | None = None, window_s: tuple[float, float] | None = None,
                   rules: Any = "aasm") -> Agreement:
    """Agreement of ``test`` with ``reference`` (tables of :func:`read_scorer_events`).

    Parameters
    ----------
    reference, test : DataFrame
        Normalised scorer-event tables (onset, duration in s; kind, trial_type, region,
        periodic, stage).
    match : {"onset", "overlap"}
        Matching rule (module docstring).
    tolerance_s : float
        Largest onset difference of a match (s), onset rule.
    iou : float
        Smallest intersection over union of a match, overlap rule.
    by_channel : bool
        One class per body region.
    same : dict | None
        Class aliases, ``{"emg_phasic": "rem_twitch"}``.
    hypnogram : Hypnogram | None
        Stages: the mini-epoch grid (scored epochs), sleep time and REM for the indices.
    stages : tuple of str | None
        Compare mini-epochs of these stages only (``("R",)`` for SINBAR); needs ``hypnogram``.
    tst_h : float | None
        Total sleep time (h) when there is no hypnogram.
    window_s : (float, float) | None
        Compared span without a hypnogram (s); default: from 0 (or the first onset, if
        earlier) to the last event's end.
    rules : {"aasm", "wasm2016"} or RuleSet
        Whose bilateral rule merges monolateral leg movements before matching and counting
        (module docstring).
    """
    import numpy as np
    import pandas as pd

    from .classification.evaluate import match_onsets

    _check_params(match, tolerance_s, iou)
    if stages and hypnogram is None:
        raise ParameterError("restricting to stages needs a hypnogram", where="stages",
                             hint="pass --hypnogram, or leave --stages out")
    same = dict(same or {})
    from .classification.rules import get_ruleset

    rs = get_ruleset(rules)
    reference, n_ref_merged = merge_bilateral_lms(reference, rs)
    test, n_test_merged = merge_bilateral_lms(test, rs)
    merge_notes = [f"{what}: {n} leg movement(s) on the other leg merged into bilateral ones ({_bilateral_rule(rs)})"
                   for what, n in (("reference", n_ref_merged), ("test", n_test_merged)) if n]
    ref = _events(reference, same, by_channel)
    tst = _events(test, same, by_channel)
    window = _window(ref, tst, hypnogram, window_s)
    grid, _ = _mini_epoch_grid(window, hypnogram, tuple(stages) if stages else None)
    classes = sorted(set(ref["cls"]) | set(tst["cls"]))
    rows, pair_rows = [], []
    any_ref = np.zeros(len(grid), dtype=bool)
    any_tst = np.zeros(len(grid), dtype=bool)
    for c in classes:
        r = ref[ref["cls"] == c].reset_index(drop=True)
        t = tst[tst["cls"] == c].reset_index(drop=True)
        if match == "onset":
            pairs = match_onsets(t["onset"].to_numpy(float), r["onset"].to_numpy(float), tolerance_s=tolerance_s)
        else:
            pairs = _match_overlap(r, t, iou)
        tp = len(pairs)
        n_r, n_t = len(r), len(t)
        mr, mt = _marked(r, grid), _marked(t, grid)
        any_ref |= mr
        any_tst |= mt
        rows.append({"class": c, "n_reference": n_r, "n_test": n_t, "tp": tp, "fp": n_t - tp, "fn": n_r - tp,
                     "precision": tp / n_t if n_t else float("nan"),
                     "recall": tp / n_r if n_r else float("nan"),
                     "f1": 2 * tp / (n_r + n_t) if (n_r + n_t) else float("nan"),
                     "kappa_3s": _kappa(mr, mt), "mini_epochs": int(len(grid))})
        matched_t = {i for i, _ in pairs}
        matched_r = {j for _, j in pairs}
        for i, j in pairs:
            pair_rows.append((c, "match", r["onset"][j], r["duration"][j], t["onset"][i], t["duration"][i]))
        for j in range(n_r):
            if j not in matched_r:
                pair_rows.append((c, "missed", r["onset"][j], r["duration"][j], np.nan, np.nan))
        for i in range(n_t):
            if i not in matched_t:
                pair_rows.append((c, "extra", np.nan, np.nan, t["onset"][i], t["duration"][i]))
    tot_r = sum(x["n_reference"] for x in rows)
    tot_t = sum(x["n_test"] for x in rows)
    tot_tp = sum(x["tp"] for x in rows)
    rows.append({"class": "all", "n_reference": tot_r, "n_test": tot_t, "tp": tot_tp, "fp": tot_t - tot_tp,
                 "fn": tot_r - tot_tp, "precision": tot_tp / tot_t if tot_t else float("nan"),
                 "recall": tot_tp / tot_r if tot_r else float("nan"),
                 "f1": 2 * tot_tp / (tot_r + tot_t) if (tot_r + tot_t) else float("nan"),
                 "kappa_3s": _kappa(any_ref, any_tst), "mini_epochs": int(len(grid))})
    table = pd.DataFrame(rows, columns=TABLE_COLUMNS)
    pairs_df = pd.DataFrame(pair_rows, columns=["class", "status", "reference_onset", "reference_duration",
                                                "test_onset", "test_duration"])
    pairs_df["onset_difference_s"] = pairs_df["test_onset"] - pairs_df["reference_onset"]
    pairs_df = pairs_df.assign(_t=pairs_df["reference_onset"].fillna(pairs_df["test_onset"])).sort_values(
        ["_t", "class"], kind="stable").drop(columns="_t").reset_index(drop=True)
    indices, notes = _indices(reference[~reference["kind"].isin(_NOT_EVENTS)].reset_index(drop=True),
                              test[~test["kind"].isin(_NOT_EVENTS)].reset_index(drop=True),
                              hypnogram=hypnogram, tst_h=tst_h, window=window,
                              lights=_lights(hypnogram, reference, test))
    params = {"match": match, "tolerance_s": float(tolerance_s) if match == "onset" else None,
              "iou": float(iou) if match == "overlap" else None, "by_channel": bool(by_channel), "same": same,
              "mini_epoch_s": MINI_EPOCH_S, "stages": list(stages) if stages else None,
              "window_s": [window[0], window[1]], "bilateral_rule": _bilateral_rule(rs),
              "kappa_window": ("scored epochs of the hypnogram" + (f" in {','.join(stages)}" if stages else "")
                               if hypnogram is not None else "from the start to the last event's end")}
    inputs = {"reference": _input_entry(reference), "test": _input_entry(test)}
    return Agreement(table=table, indices=indices, pairs=pairs_df, params=params, inputs=inputs,
                     notes=tuple(merge_notes + notes))


def _input_entry(df: pd.DataFrame) -> dict:
    scorer = df["scorer"].iloc[0] if "scorer" in df.columns and len(df) else None
    n = int((~df["kind"].isin(_NOT_EVENTS)).sum()) if "kind" in df.columns else len(df)
    return {"source": df.attrs.get("source"), "format": df.attrs.get("format"), "scorer": scorer, "n_events": n,
            "start_datetime": df.attrs.get("start_datetime")}


def _parse_start(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _analysis_folder(path: Path) -> Path | None:
    if path.is_dir() and (path / "events.tsv").is_file():
        return path
    if path.name == "events.tsv" and (path.parent / "summary.json").is_file():
        return path.parent
    return None


def compare_files(reference: str | os.PathLike[str], test: str | os.PathLike[str], *,
                  recording: str | os.PathLike[str] | None = None, hypnogram: str | os.PathLike[str] | None = None,
                  reference_scorer: str | None = None, test_scorer: str | None = None, rules: Any = None,
                  **kwargs: Any) -> Agreement:
    """Read two event files (or analyze folders) and compare them (see :func:`compare_events`).

    ``rules`` (the bilateral rule of leg movements): given, else the ruleset of an analyze folder
    compared (summary.json ``ruleset``), else AASM.

    Times are aligned on the recording's start: ``recording`` (``--recording``), else the
    recording of an analyze folder given as reference or test, else the reference file's
    own start when it states one (EDF+, NSRR, SOMNOmedics).  ``hypnogram`` (a file)
    is read on the same time axis; without it, stage rows in the reference (NSRR XML,
    EDF+, SOMNOmedics profile) serve, else an analyze folder's total sleep time.
    """
    from .export import find_recording, read_summary
    from .io import read_hypnogram
    from .io.export_edf import recording_start
    from .io.scored_events import read_scorer_events

    notes: list[str] = []
    ref_p, test_p = Path(reference), Path(test)
    folders = [f for f in (_analysis_folder(ref_p), _analysis_folder(test_p)) if f is not None]
    summaries = {f: read_summary(f) for f in folders}
    start = None
    if recording is not None:
        start = recording_start(recording)
    else:
        for f in folders:
            rec = find_recording(f, summaries[f])
            if rec is not None:
                start = recording_start(rec)
                break
    ref = read_scorer_events(ref_p, recording_start=start, scorer=reference_scorer)
    if start is None:
        start = _parse_start(ref.attrs.get("start_datetime"))
        if start is not None:
            notes.append(f"times aligned on the reference file's start ({start.isoformat()})")
    tst = read_scorer_events(test_p, recording_start=start, scorer=test_scorer)
    if start is None and tst.attrs.get("start_datetime"):
        notes.append("the test file states its start but the reference does not: onsets taken as given; "
                     "pass --recording to align them")
    hyp = None
    if hypnogram is None:
        from .export import _find_hypnogram

        for f in folders:
            found = _find_hypnogram(f, summaries[f])
            if found is not None:
                hypnogram = found
                notes.append(f"stages from {found}, the hypnogram of the analysis in {f}")
                break
    if hypnogram is not None:
        hyp = read_hypnogram(hypnogram, recording_start=start)
    elif (ref["kind"] == "stage").any():
        try:
            hyp = read_hypnogram(_resolve_events_file(ref_p), recording_start=start)
            notes.append("stages taken from the reference file")
        except InputError as exc:
            notes.append(f"stages of the reference file unusable ({exc.what})")
    tst_h = None
    if hyp is None:
        for f in folders:
            sleep = (summaries[f] or {}).get("sleep") or {}
            if sleep.get("tst_min") is not None:
                tst_h = float(sleep["tst_min"]) / 60.0
                notes.append(f"total sleep time from {f / 'summary.json'}")
                break
    if rules is None:
        rules = next((str(rs) for rs in ((summaries[f] or {}).get("ruleset") for f in folders) if rs), "aasm")
    agreement = compare_events(ref, tst, hypnogram=hyp, tst_h=tst_h, rules=rules, **kwargs)
    inputs = dict(agreement.inputs)
    inputs["reference"] = {**inputs["reference"], "path": str(ref_p)}
    inputs["test"] = {**inputs["test"], "path": str(test_p)}
    inputs["hypnogram"] = str(hypnogram) if hypnogram is not None else None
    return Agreement(table=agreement.table, indices=agreement.indices, pairs=agreement.pairs,
                     params=agreement.params, inputs=inputs, notes=tuple(notes) + agreement.notes)


def _resolve_events_file(p: Path) -> Path:
    return p / "events.tsv" if p.is_dir() else p


# ------------------------------------------------------------------------------ outputs
def _plot(agreement: Agreement) -> matplotlib.figure.Figure:
    import numpy as np
    from matplotlib.figure import Figure

    table = agreement.table[agreement.table["class"] != "all"]
    n = len(table)
    fig = Figure(figsize=(max(11.0, 6.0 + 0.6 * n), 5.4), layout="constrained")
    ax, ax2 = fig.subplots(1, 2, width_ratios=[max(0.6 * n, 4.0), 4.0])
    x = np.arange(len(table))
    width = 0.2
    for k, (col, label) in enumerate((("precision", "precision"), ("recall", "recall"), ("f1", "F1"),
                                      ("kappa_3s", "Cohen's kappa (3-s mini-epochs)"))):
        raw = table[col].to_numpy(float)
        pos = x + (k - 1.5) * width
        ax.bar(pos, np.nan_to_num(np.clip(raw, 0, None), nan=0.0), width, label=label)
        for xi, v in zip(pos, raw):
            if v != v:  # undefined: say so instead of drawing a zero
                ax.text(xi, 0.02, "n/a", rotation=90, ha="center", va="bottom", fontsize=7)
    ax.set_xticks(x, [f"{c}\n(ref {a}, test {b})" for c, a, b in
                      zip(table["class"], table["n_reference"], table["n_test"])], rotation=40, ha="right",
                  fontsize=8)
    ax.set_ylim(0, 1.0)
    ax.set_ylabel("agreement (0 = none, 1 = perfect)")
    rule = (f"onset within {agreement.params['tolerance_s']:g} s" if agreement.params["match"] == "onset"
            else f"overlap, IoU >= {agreement.params['iou']:g}")
    ax.set_title(f"Event agreement per class (match: {rule})", fontsize=10)
    ax.legend(fontsize=8, ncols=4, loc="lower center", bbox_to_anchor=(0.5, 1.06), frameon=False)
    if len(table) == 0:
        ax.text(0.5, 0.5, "no events in either file", ha="center", va="center", transform=ax.transAxes)
    ind = agreement.indices
    names = {"plms_per_h": "PLMS index (/h)", "fm_per_h": "FM index (/h)", "phasic_emg_pct": "phasic EMG (% REM)",
             "chin_phasic_emg_pct": "chin phasic EMG (% REM)"}
    y = np.arange(len(ind))
    for off, col, label in ((-0.2, "reference", "reference"), (0.2, "test", "test")):
        vals = ind[col].to_numpy(float)
        ax2.barh(y + off, np.nan_to_num(vals, nan=0.0), 0.4, label=label)
        for yi, v in zip(y + off, vals):
            ax2.text(0, yi, " n/a" if v != v else f" {v:.1f}", va="center", ha="left", fontsize=7)
    ax2.set_yticks(y, [names.get(n, n) for n in ind.index], fontsize=8)
    ax2.invert_yaxis()
    ax2.set_xlabel("index value (unit in the row label)")
    ax2.set_title("Indices of both scorings", fontsize=10)
    ax2.legend(fontsize=8, ncols=2, loc="lower center", bbox_to_anchor=(0.5, 1.06), frameon=False)
    return fig


def write_agreement(agreement: Agreement, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Write agreement.tsv, agreement.json, pairs.tsv and agreement.png into ``out_dir`` (all or nothing)."""
    import json

    from ._atomic import atomic_paths, prepare_out_dir
    from ._json import to_jsonable
    from ._version import __version__

    out = prepare_out_dir(out_dir)
    names = ["agreement.tsv", "agreement.json", "pairs.tsv", "agreement.png"]
    paths = [out / n for n in names]
    table = agreement.table.copy()
    for col in ("precision", "recall", "f1", "kappa_3s"):
        table[col] = table[col].map(lambda v: "n/a" if v != v else f"{v:.4f}")
    pairs = agreement.pairs.copy()
    for col in ("reference_onset", "reference_duration", "test_onset", "test_duration", "onset_difference_s"):
        pairs[col] = pairs[col].map(lambda v: "n/a" if v != v else f"{v:.4f}")
    doc = {"tool": {"name": "myosleep", "version": __version__}, **agreement.summary()}
    fig = agreement.plot()
    with atomic_paths(paths) as (t_tsv, t_json, t_pairs, t_png):
        table.to_csv(t_tsv, sep="\t", index=False, lineterminator="\n")
        t_json.write_text(json.dumps(to_jsonable(doc), indent=2, ensure_ascii=False, allow_nan=False) + "\n",
                          encoding="utf-8")
        pairs.to_csv(t_pairs, sep="\t", index=False, lineterminator="\n")
        fig.savefig(t_png, format="png", dpi=120)
    return paths


def format_table(agreement: Agreement) -> str:
    """The per-class table and the indices as plain text (what the CLI prints)."""
    t = agreement.table
    lines = [f"{'class':32s} {'ref':>5s} {'test':>5s} {'tp':>5s} {'prec':>6s} {'recall':>6s} {'F1':>6s} {'kappa':>6s}"]

    def f(v: float) -> str:
        return "   n/a" if v != v else f"{v:6.3f}"

    for _, r in t.iterrows():
        lines.append(f"{str(r['class'])[:32]:32s} {r['n_reference']:5d} {r['n_test']:5d} {r['tp']:5d} "
                     f"{f(r['precision'])} {f(r['recall'])} {f(r['f1'])} {f(r['kappa_3s'])}")
    lines.append("")
    for name, r in agreement.indices.iterrows():
        lines.append(f"{name:20s} reference {f(r['reference'])}  test {f(r['test'])}  "
                     f"difference {f(r['difference'])} {r['unit']}  ({r['basis']})")
    for note in agreement.notes:
        lines.append(f"note: {note}")
    return "\n".join(lines)


# ----------------------------------------------------------------------------------- CLI
def _parse_same(values: list[str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for value in values or []:
        a, sep, b = value.partition("=")
        if not sep or not a.strip() or not b.strip():
            raise ParameterError(f"cannot read {value!r}", where="--same",
                                 hint="write CLASS=CLASS, e.g. --same emg_phasic=rem_twitch")
        out[a.strip()] = b.strip()
    return out


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``myosleep compare``."""
    p = subparsers.add_parser("compare",
                              help="event-level agreement of two scorings (scorer vs myosleep, or two scorers)",
                              description="Event-level agreement of TEST with REFERENCE: per-class precision, "
                                          "recall, F1, Cohen's kappa of 3-s mini-epochs, index differences.")
    p.add_argument("reference", help="reference events: a file (BIDS events.tsv, EDF+, NSRR/Profusion XML, "
                                     "SOMNOmedics export) or a 'myosleep analyze' folder")
    p.add_argument("test", help="test events (same formats)")
    p.add_argument("-o", "--out", default=None, help="write agreement.tsv/.json/.png and pairs.tsv into this folder")
    p.add_argument("--match", default="onset", choices=MATCH_RULES, help="matching rule (default: onset)")
    p.add_argument("--tolerance", type=float, default=DEFAULT_TOLERANCE_S, metavar="S",
                   help=f"onset rule: largest onset difference in s (default {DEFAULT_TOLERANCE_S:g})")
    p.add_argument("--iou", type=float, default=DEFAULT_IOU,
                   help=f"overlap rule: smallest intersection over union (default {DEFAULT_IOU:g})")
    p.add_argument("--by-channel", action="store_true", help="one class per body region (chin, leg_left, ...)")
    p.add_argument("--same", action="append", metavar="A=B", help="treat class A as class B (repeatable)")
    p.add_argument("--hypnogram", default=None, help="stages (mini-epoch grid, sleep time, REM)")
    p.add_argument("--stages", default=None, metavar="R,N2,...", help="compare mini-epochs of these stages only")
    p.add_argument("--recording", default=None, help="the recording (its start aligns the two files)")
    p.add_argument("--rules", default=None, choices=("aasm", "wasm2016"),
                   help="bilateral rule for leg movements scored per leg (default: the analyze folder's "
                        "ruleset, else aasm)")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Run ``myosleep compare``: print the table; write the files with ``--out``."""
    from ._atomic import check_out_dir

    stages = None
    if args.stages:
        from .vocab import Stage

        allowed = {s.label for s in Stage if s.value >= 0}
        stages = tuple(s.strip() for s in args.stages.split(",") if s.strip())
        bad = [s for s in stages if s not in allowed]
        if bad:
            raise ParameterError(f"unknown stage(s) {', '.join(bad)}; use {', '.join(sorted(allowed))}",
                                 where="--stages")
    if args.out:
        check_out_dir(args.out)
    agreement = compare_files(args.reference, args.test, recording=args.recording, hypnogram=args.hypnogram,
                              match=args.match, tolerance_s=args.tolerance, iou=args.iou,
                              by_channel=args.by_channel, same=_parse_same(args.same), stages=stages,
                              rules=args.rules)
    print(format_table(agreement))
    if args.out:
        for p in write_agreement(agreement, args.out):
            print(p)
    return 0

"""Event-level agreement with a truth table: per-class precision, recall and F1.

A predicted event matches a true event of the same class when their onsets differ by at most
``tolerance_s`` (one-to-one, greedy by smallest onset difference).  The same rule serves
the simulator truth and a technician's scoring.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["match_onsets", "score_events"]


def match_onsets(pred_s: np.ndarray, true_s: np.ndarray, *, tolerance_s: float) -> list[tuple[int, int]]:
    """One-to-one pairs (i_pred, i_true) with ``|onset difference| <= tolerance_s``, closest first."""
    p = np.asarray(pred_s, dtype=float)
    t = np.asarray(true_s, dtype=float)
    if p.size == 0 or t.size == 0:
        return []
    ts = np.sort(t)
    order_t = np.argsort(t)
    cand = []
    for i, x in enumerate(p):
        lo = np.searchsorted(ts, x - tolerance_s, side="left")
        hi = np.searchsorted(ts, x + tolerance_s, side="right")
        for k in range(lo, hi):
            cand.append((abs(ts[k] - x), i, int(order_t[k])))
    cand.sort()
    used_p: set[int] = set()
    used_t: set[int] = set()
    pairs = []
    for _, i, j in cand:
        if i in used_p or j in used_t:
            continue
        used_p.add(i)
        used_t.add(j)
        pairs.append((i, j))
    return pairs


def score_events(pred: pd.DataFrame, truth: pd.DataFrame, *, tolerance_s: float = 0.5,
                 classes: list[str] | None = None) -> pd.DataFrame:
    """Per-class agreement of predicted events with true events.

    Parameters
    ----------
    pred, truth : DataFrame
        Event tables with ``onset`` (s) and ``trial_type``.
    tolerance_s : float
        Largest onset difference (s) of a match.
    classes : list of str, optional
        Classes to score (default: every class in either table).

    Returns
    -------
    DataFrame
        Index trial_type; columns n_true, n_pred, tp, precision, recall, f1 (NaN when
        undefined: no true and no predicted event).
    """
    import pandas as pd

    if classes is None:
        classes = sorted(set(pred["trial_type"].astype(str)) | set(truth["trial_type"].astype(str)))
    rows = []
    for c in classes:
        p = pred.loc[pred["trial_type"].astype(str) == c, "onset"].to_numpy(float)
        t = truth.loc[truth["trial_type"].astype(str) == c, "onset"].to_numpy(float)
        tp = len(match_onsets(p, t, tolerance_s=tolerance_s))
        prec = tp / p.size if p.size else float("nan")
        rec = tp / t.size if t.size else float("nan")
        f1 = 2 * tp / (p.size + t.size) if (p.size + t.size) else float("nan")
        rows.append({"trial_type": c, "n_true": int(t.size), "n_pred": int(p.size), "tp": int(tp),
                     "precision": prec, "recall": rec, "f1": f1})
    cols = ["trial_type", "n_true", "n_pred", "tp", "precision", "recall", "f1"]
    return pd.DataFrame(rows, columns=cols).set_index("trial_type")

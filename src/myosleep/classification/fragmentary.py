"""Fragmentary myoclonus (FM) potentials and the AASM 'excessive fragmentary myoclonus' count.

What is counted as an FM potential (documented choice): a motor event on a single channel
(asynchronous: no other muscle recruited within the grouping window of the detector), whose
burst lasts at most 150 ms (AASM VII.D maximum) and at least 20 ms (the shortest burst the
short-burst detector resolves; Frauscher et al. 2014 set no lower bound), of any amplitude
(Frauscher et al. 2014; AASM VII.D sets none).  FM occurs in any stage, wake included.
The excessive-FM count keeps only potentials of >= 50 uV peak-to-peak (Broughton 1985,
DESIGN.md; 17.7 uV in the RMS envelope, see :mod:`.rules`) in NREM.

'Sustained' (AASM VII.D: >= 5 potentials per minute for >= 20 minutes of NREM sleep) is
computed on consecutive 1-min bins of the night: a bin counts when its whole minute is NREM
and it holds >= 5 potentials; EFM is present when >= 20 such minutes exist.  The AASM rule
does not require the minutes to be contiguous, so neither does this count; the longest
contiguous run is reported beside it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .rules import RuleSet

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["is_fragmentary", "excessive_fm_minutes"]


def is_fragmentary(events: "pd.DataFrame", *, rules: RuleSet) -> np.ndarray:
    """Which motor events are FM potentials (bool per row).

    Parameters
    ----------
    events : DataFrame
        Motor events: n_channels, regions, max_burst_duration_s (s), min_burst_duration_s (s),
        trial_type.  Accelerometer-only events are never FM (FM is an EMG finding).
    rules : RuleSet
    """
    if len(events) == 0:
        return np.zeros(0, dtype=bool)
    n_ch = events["n_channels"].to_numpy(dtype=float)
    dmax = events["max_burst_duration_s"].to_numpy(dtype=float)
    dmin = events["min_burst_duration_s"].to_numpy(dtype=float) if "min_burst_duration_s" in events else dmax
    not_body = events["trial_type"].astype(str).to_numpy() != "body_movement"
    # FM is an EMG finding (potentials); an accelerometer cannot see it
    emg = np.array(["accelerometer" not in str(r) for r in events.get("regions", [""] * len(events))], dtype=bool)
    return not_body & emg & (n_ch == 1) & (dmax <= rules.fm_max_burst_s) & (dmin >= rules.fm_min_burst_s)


def excessive_fm_minutes(onsets_s: np.ndarray, stage_at, *, duration_s: float,
                         rules: RuleSet) -> dict:
    """Count NREM minutes with >= ``efm_min_per_min`` FM potentials.

    Parameters
    ----------
    onsets_s : array of float
        Onsets (s) of the FM potentials large enough for the count (``efm_min_amplitude_uv``).
    stage_at : callable
        ``f(times_s) -> stage codes`` (e.g. ``SleepContext.stage_at``).
    duration_s : float
        Span of the night (s).
    rules : RuleSet

    Returns
    -------
    dict
        ``nrem_min`` (minutes of whole-NREM bins), ``efm_min`` (NREM minutes with >= the
        per-minute count), ``longest_run_min`` (longest contiguous run of such minutes),
        ``fm_per_min_nrem`` (mean potentials per NREM minute), ``present`` (bool).
    """
    w = rules.efm_bin_s
    n_bins = int(np.floor(duration_s / w))
    if n_bins <= 0:
        return {"nrem_min": 0.0, "efm_min": 0.0, "longest_run_min": 0.0, "fm_per_min_nrem": float("nan"),
                "present": False}
    edges = np.arange(n_bins + 1) * w
    counts = np.histogram(np.asarray(onsets_s, dtype=float), bins=edges)[0]
    # a bin is NREM when its start, middle and end all are N1-N3 (epochs are 30 s: 3 points cover it)
    probes = np.stack([stage_at(edges[:-1] + f * w) for f in (0.01, 0.5, 0.99)])
    nrem = np.all((probes >= 1) & (probes <= 3), axis=0)
    hit = nrem & (counts >= rules.efm_min_per_min)
    longest = run = 0
    for h in hit:
        run = run + 1 if h else 0
        longest = max(longest, run)
    per_bin_min = w / 60.0
    nrem_min = float(nrem.sum() * per_bin_min)
    efm_min = float(hit.sum() * per_bin_min)
    return {"nrem_min": nrem_min, "efm_min": efm_min, "longest_run_min": float(longest * per_bin_min),
            "fm_per_min_nrem": float(counts[nrem].sum() / nrem_min) if nrem_min > 0 else float("nan"),
            "present": bool(efm_min >= rules.efm_min_nrem_min)}

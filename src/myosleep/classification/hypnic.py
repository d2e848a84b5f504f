"""Hypnic jerks (sleep starts): brief jerks of several body segments while falling asleep.

A motor event is a hypnic jerk when (ICSD-3; Chokroverty et al. 2013; DESIGN.md):

* it starts inside a wake-to-sleep transition window (``SleepContext.in_transition``; the
  window's width and sources are documented in :mod:`myosleep.context.transitions`);
* it recruits at least ``hypnic_min_regions`` body regions (chin, arm, leg, axial);
* its EMG bursts are brief: their median duration is at most ``hypnic_max_burst_s``
  (sleep-start EMG bursts last about 75-250 ms).  The median over the recruited muscles,
  not the longest burst: the range describes the jerk's bursts as a group, and one muscle's
  burst measured long (its envelope tail, a co-contraction) must not undo a jerk whose
  other muscles fired briefly; a gross movement has long bursts in most muscles and still
  fails.  Accelerometer movements are not EMG bursts and are left out (see
  ``classify._emg_burst_durations``);
* it is not a gross body movement.

Whether an arousal follows (``arousal`` column: the AASM association rule, or an awakening
in the next epoch; see :func:`myosleep.classification.classify`) is reported by the finding
("often followed by an arousal") but is not required.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .rules import RuleSet

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["n_regions", "is_hypnic"]


def n_regions(events: "pd.DataFrame") -> np.ndarray:
    """Number of distinct body regions (comma-separated ``regions`` column) per event."""
    if len(events) == 0:
        return np.zeros(0, dtype=int)
    # Body segments are EMG regions; an accelerometer is a sensor, not a segment.
    skip = {"", "n/a", "accelerometer", "other"}
    return np.array([len({r.strip() for r in str(v).split(",")} - skip) for v in events["regions"]], dtype=int)


def is_hypnic(events: "pd.DataFrame", in_transition: np.ndarray, *, rules: RuleSet) -> np.ndarray:
    """Which motor events are hypnic jerks (bool per row).

    Parameters
    ----------
    events : DataFrame
        Motor events: regions, median_burst_duration_s (s; max_burst_duration_s when absent),
        trial_type.
    in_transition : array of bool
        Whether each event's onset lies in a wake-to-sleep transition window.
    rules : RuleSet
    """
    if len(events) == 0:
        return np.zeros(0, dtype=bool)
    col = "median_burst_duration_s" if "median_burst_duration_s" in events.columns else "max_burst_duration_s"
    dmed = events[col].to_numpy(dtype=float)
    not_body = events["trial_type"].astype(str).to_numpy() != "body_movement"
    return (not_body & np.asarray(in_transition, dtype=bool) & (n_regions(events) >= rules.hypnic_min_regions)
            & (dmed <= rules.hypnic_max_burst_s))

"""Sleep onset and every wake-to-sleep transition of a hypnogram.

Sleep starts (hypnic jerks) happen while falling asleep: ICSD-3 (American Academy
of Sleep Medicine, International Classification of Sleep Disorders, 3rd ed., 2014,
"Sleep starts (hypnic jerks)") places them "at sleep onset", in the transition from
wakefulness to sleep, and polygraphic studies find them in drowsiness and stage N1
(Chokroverty, Bhat and Gupta, J Clin Neurophysiol 2013, "Intensified hypnic jerks: a
polysomnographic and polymyographic analysis"). They recur at every re-onset after an
awakening, not only at the first one. Each transition therefore gets a *hypnagogic
window*:

* it opens at the start of the last wake epoch before the boundary: AASM scoring
  labels an epoch W while more than half of it shows alpha/wake EEG (AASM Manual v2.6
  2020, rule IV.C "Score epochs as stage W when more than 50 % of the epoch has alpha
  rhythm"), so the drowsiness in which sleep starts occur often lies in that epoch;
* it closes at the end of the N1 run that follows the boundary (drowsiness, where
  sleep starts occur), at least one epoch after the boundary (when sleep goes straight
  to N2/N3/R the first sleep epoch still holds the transition), and at most 5 minutes
  after it: the sleep-onset period lasts minutes, not tens of minutes (Ogilvie, Sleep
  Med Rev 2001;5:247-270, "The process of falling asleep"), and a long N1 run is
  light sleep, no longer the transition.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..errors import ParameterError
from ..vocab import Stage

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ..io.hypnogram_model import Hypnogram

__all__ = ["TransitionWindow", "find_transitions", "sleep_onset_s", "runs"]

TRANSITION_COLUMNS = ("onset_s", "from_stage", "to_stage", "kind", "window_start_s", "window_end_s")


@dataclass(frozen=True)
class TransitionWindow:
    """Width of the hypnagogic window around a wake-to-sleep boundary.

    Parameters
    ----------
    before_s : float | None
        Seconds before the boundary; ``None`` = one epoch (the last W epoch, AASM
        rule IV.C, see module docstring).
    min_after_s : float | None
        Least seconds after the boundary; ``None`` = one epoch (the first sleep epoch).
    max_after_s : float
        Most seconds after the boundary: 300 s, the sleep-onset period lasts minutes
        (Ogilvie, Sleep Med Rev 2001).
    """

    before_s: float | None = None
    min_after_s: float | None = None
    max_after_s: float = 300.0  # Ogilvie 2001: sleep-onset period of a few minutes

    def resolved(self, epoch_s: float) -> tuple[float, float, float]:
        """``(before_s, min_after_s, max_after_s)`` with ``None`` replaced by ``epoch_s``."""
        before = float(epoch_s if self.before_s is None else self.before_s)
        min_after = float(epoch_s if self.min_after_s is None else self.min_after_s)
        max_after = float(self.max_after_s)
        for name, value in (("before_s", before), ("min_after_s", min_after), ("max_after_s", max_after)):
            if not np.isfinite(value) or value < 0:
                raise ParameterError(f"{name} must be a finite number of seconds >= 0, got {value}",
                                     where=f"TransitionWindow.{name}")
        if max_after < min_after:
            raise ParameterError(f"max_after_s ({max_after} s) must be >= min_after_s ({min_after} s)",
                                 where="TransitionWindow.max_after_s")
        return before, min_after, max_after


def runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and stop (exclusive) indices of the runs of True in a boolean vector."""
    m = np.concatenate([[False], np.asarray(mask, dtype=bool), [False]])
    d = np.diff(m.astype(np.int8))
    return np.flatnonzero(d == 1), np.flatnonzero(d == -1)


def sleep_onset_s(hypnogram: Hypnogram, *, lights_off_s: float | None = None) -> float | None:
    """Onset (s) of the first epoch of any sleep stage at or after lights off.

    AASM Manual (v2.6, 2020, sleep-onset definition): sleep onset is the start of the
    first epoch scored as any stage other than W. Epochs whose middle lies before
    ``lights_off_s`` are ignored. ``None`` when the hypnogram has no sleep.
    """
    on = hypnogram.epoch_onsets_s
    mid = on + 0.5 * float(hypnogram.epoch_s)
    sleep = hypnogram.stages >= int(Stage.N1)
    if lights_off_s is not None:
        sleep &= mid >= float(lights_off_s)
    idx = np.flatnonzero(sleep)
    return float(on[idx[0]]) if idx.size else None


def find_transitions(hypnogram: Hypnogram, *, window: TransitionWindow | None = None) -> pd.DataFrame:
    """Every wake-to-sleep boundary (W epoch followed by N1, N2, N3 or R) of a hypnogram.

    Parameters
    ----------
    hypnogram : Hypnogram
        Scored epochs.
    window : TransitionWindow | None
        Width of the hypnagogic window; default :class:`TransitionWindow()`.

    Returns
    -------
    pandas.DataFrame
        One row per transition, in time order: ``onset_s`` (s, boundary = onset of the
        first sleep epoch), ``from_stage`` ("W"), ``to_stage`` ("N1", "N2", "N3", "R"),
        ``kind`` ("sleep_onset" for the first, "re_onset" for the later ones),
        ``window_start_s`` and ``window_end_s`` (s, the hypnagogic window in which sleep
        starts are counted; see the module docstring for its width and sources).
        A W -> artefact/unscored -> sleep sequence is not a transition: the boundary is
        not scored.
    """
    import pandas as pd

    window = window or TransitionWindow()
    epoch_s = float(hypnogram.epoch_s)
    before_s, min_after_s, max_after_s = window.resolved(epoch_s)
    st = hypnogram.stages.astype(np.int64)
    on = hypnogram.epoch_onsets_s
    if st.size < 2:
        idx = np.zeros(0, dtype=np.int64)
    else:
        idx = np.flatnonzero((st[:-1] == int(Stage.W)) & (st[1:] >= int(Stage.N1))) + 1
    # Length (in epochs) of the N1 run starting at each epoch, vectorised via runs.
    n1_run = np.zeros(st.size, dtype=np.int64)
    starts, stops = runs(st == int(Stage.N1))
    n1_run[starts] = stops - starts
    after_s = np.clip(n1_run[idx] * epoch_s, min_after_s, max_after_s)
    boundary = on[idx] if idx.size else np.zeros(0)
    kinds = np.where(np.arange(idx.size) == 0, "sleep_onset", "re_onset")
    df = pd.DataFrame({
        "onset_s": boundary.astype(float),
        "from_stage": ["W"] * idx.size,
        "to_stage": [Stage(int(s)).label for s in st[idx]],
        "kind": kinds.astype(object),
        "window_start_s": np.maximum(boundary - before_s, float(hypnogram.start_s)),
        "window_end_s": boundary + after_s,
    }, columns=list(TRANSITION_COLUMNS))
    return df

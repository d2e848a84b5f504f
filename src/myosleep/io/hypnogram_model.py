"""The :class:`Hypnogram`: a sequence of fixed-length scored epochs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..errors import HypnogramError, ParameterError
from ..vocab import Stage

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["Hypnogram"]


@dataclass(frozen=True, eq=False)
class Hypnogram:
    """Sleep stages of consecutive epochs.

    Parameters
    ----------
    stages : array of int
        One :class:`~myosleep.vocab.Stage` code per epoch (YASA integers:
        0=W, 1=N1, 2=N2, 3=N3, 4=R, -1 artefact, -2 unscored).
    epoch_s : float
        Epoch length in seconds (30 for AASM scoring).
    start_s : float
        Onset of the first epoch, in seconds from the start of the recording.
    source : str
        Where the stages come from: ``"file:<name>"``, ``"yasa"``, ``"simulated"``,
        ``"estimate:emg-eog"``.
    lights_off_s, lights_on_s : float | None
        Lights off / on, seconds from the start of the recording, when known.
    """

    stages: np.ndarray
    epoch_s: float = 30.0
    start_s: float = 0.0
    source: str = "unknown"
    lights_off_s: float | None = None
    lights_on_s: float | None = None
    metadata: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        arr = np.asarray(self.stages)
        if arr.ndim != 1:
            raise ParameterError("stages must be one-dimensional", where="Hypnogram.stages")
        if arr.size and not np.issubdtype(arr.dtype, np.integer):
            if not np.all(np.isfinite(arr)) or not np.all(arr == np.round(arr)):
                raise ParameterError("stages must be integer stage codes", where="Hypnogram.stages")
        arr = arr.astype(np.int8)
        valid = {int(s) for s in Stage}
        bad = sorted(set(np.unique(arr).tolist()) - valid)
        if bad:
            raise HypnogramError(f"unknown stage codes {bad}; allowed are {sorted(valid)}",
                                 where="Hypnogram.stages")
        if not self.epoch_s > 0:
            raise ParameterError(f"epoch_s must be > 0 s, got {self.epoch_s}", where="Hypnogram.epoch_s")
        arr.setflags(write=False)
        object.__setattr__(self, "stages", arr)

    # ------------------------------------------------------------------ basics
    @property
    def n_epochs(self) -> int:
        return int(self.stages.size)

    @property
    def duration_s(self) -> float:
        """Scored span in seconds (``n_epochs * epoch_s``)."""
        return self.n_epochs * float(self.epoch_s)

    @property
    def end_s(self) -> float:
        return float(self.start_s) + self.duration_s

    @property
    def epoch_onsets_s(self) -> np.ndarray:
        return float(self.start_s) + np.arange(self.n_epochs) * float(self.epoch_s)

    @property
    def labels(self) -> list[str]:
        """Stage labels (W, N1, N2, N3, R, n/a) per epoch."""
        return [Stage(int(s)).label for s in self.stages]

    def __len__(self) -> int:
        return self.n_epochs

    def __repr__(self) -> str:
        counts = {Stage(int(k)).label: int(v) for k, v in zip(*np.unique(self.stages, return_counts=True))}
        return (f"<Hypnogram | {self.n_epochs} epochs of {self.epoch_s:g} s from {self.start_s:g} s, "
                f"source={self.source!r}, {counts}>")

    # ----------------------------------------------------------------- queries
    def stage_at(self, times_s: np.ndarray | float) -> np.ndarray:
        """Stage code at each time (seconds from recording start); -2 outside the scored span."""
        t = np.atleast_1d(np.asarray(times_s, dtype=float))
        idx = np.floor((t - float(self.start_s)) / float(self.epoch_s)).astype(np.int64)
        out = np.full(t.shape, int(Stage.UNSCORED), dtype=np.int8)
        ok = (idx >= 0) & (idx < self.n_epochs) & np.isfinite(t)
        out[ok] = self.stages[idx[ok]]
        return out

    def stage_labels_at(self, times_s: np.ndarray | float) -> list[str]:
        return [Stage(int(s)).label for s in self.stage_at(times_s)]

    def upsample(self, sfreq: float, n_samples: int) -> np.ndarray:
        """Stage code per sample of a signal sampled at ``sfreq`` Hz starting at recording start."""
        return self.stage_at(np.arange(n_samples) / float(sfreq))

    def time_in_stage_s(self) -> dict[str, float]:
        """Seconds scored in each stage label (W, N1, N2, N3, R, n/a)."""
        out = {s.label: 0.0 for s in Stage if s.value >= 0}
        out["n/a"] = 0.0
        for code, n in zip(*np.unique(self.stages, return_counts=True)):
            out[Stage(int(code)).label] += float(n) * float(self.epoch_s)
        return out

    # ------------------------------------------------------------ conversions
    def to_dataframe(self, *, keep_artefact: bool = False) -> pd.DataFrame:
        """One row per epoch: ``onset`` (s), ``duration`` (s), ``stage`` label.

        With ``keep_artefact`` artefact/movement epochs are labelled ``artefact``
        instead of ``n/a``, so a written hypnogram reads back exactly.
        """
        import pandas as pd

        labels = self.labels
        if keep_artefact:
            labels = ["artefact" if s == int(Stage.ARTEFACT) else lab for s, lab in zip(self.stages, labels)]
        return pd.DataFrame({
            "onset": self.epoch_onsets_s,
            "duration": np.full(self.n_epochs, float(self.epoch_s)),
            "stage": labels,
        })

    def to_tsv(self, path) -> None:
        """Write the BIDS-style ``onset duration stage`` table that :func:`read_hypnogram` reads."""
        from .._atomic import atomic_write_text

        df = self.to_dataframe(keep_artefact=True)
        atomic_write_text(path, df.to_csv(sep="\t", index=False, float_format="%.3f", lineterminator="\n"))

    def crop(self, start_s: float, stop_s: float) -> Hypnogram:
        """Epochs whose onset lies in [start_s, stop_s)."""
        on = self.epoch_onsets_s
        keep = (on >= start_s) & (on < stop_s)
        first = float(on[keep][0]) if keep.any() else float(start_s)
        return Hypnogram(self.stages[keep], epoch_s=self.epoch_s, start_s=first, source=self.source,
                         lights_off_s=self.lights_off_s, lights_on_s=self.lights_on_s,
                         metadata=dict(self.metadata))

    def check_fits(self, recording_duration_s: float, *, tolerance_s: float | None = None,
                   where: str | None = None) -> None:
        """Raise :class:`HypnogramError` unless the scored span fits the recording.

        A hypnogram may fall short of or overrun the recording by at most one epoch
        (scorers drop or pad the last partial epoch); more than that means it belongs
        to another recording or another epoch length.
        """
        tol = float(self.epoch_s) if tolerance_s is None else float(tolerance_s)
        rec = float(recording_duration_s)
        end = self.end_s
        if end > rec + tol:
            raise HypnogramError(
                f"hypnogram covers {end:.0f} s but the recording lasts {rec:.0f} s "
                f"({(end - rec) / self.epoch_s:.1f} epochs too long)",
                where=where or self.source,
                hint="check that the hypnogram belongs to this recording and its epoch length")
        if end < rec - tol and self.start_s <= tol:
            missing = rec - end
            # Recordings often run on after lights on; a shortfall is an error only when
            # it is larger than what an unscored tail can explain (more than 10 % and 10 min).
            if missing > max(0.1 * rec, 600.0):
                raise HypnogramError(
                    f"hypnogram covers {end:.0f} s but the recording lasts {rec:.0f} s "
                    f"({missing / self.epoch_s:.0f} epochs missing)",
                    where=where or self.source,
                    hint="check that the hypnogram belongs to this recording and its epoch length")

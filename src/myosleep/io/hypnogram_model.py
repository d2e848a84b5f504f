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
    metadata : dict
        Reader-specific details (format, the file's own start, how labels were read).
    convention : str | None
        How the file's stage codes were read: ``aasm-labels``, ``rk-labels``, ``infant-labels`` (text), or an
        integer convention (``yasa``, ``rk``, ``isruc``, ``dreams-aasm``, ``dreams-rk``, ``elan``,
        ``file-legend``; :mod:`myosleep.io._hypno_conventions`).  None when the stages were not
        read from a file (simulated, staged by YASA).
    convention_evidence : str | None
        What showed the convention (the file's header or legend, ``convention=`` given, the
        file's values).
    epoch_s_source : str | None
        Where ``epoch_s`` comes from: the file (a header, a legend line, durations), a format
        that fixes it (DREAMS: 5 s), ``epoch_s=`` given, or the AASM 30-s default.
    """

    stages: np.ndarray
    epoch_s: float = 30.0
    start_s: float = 0.0
    source: str = "unknown"
    lights_off_s: float | None = None
    lights_on_s: float | None = None
    metadata: dict = field(default_factory=dict)
    convention: str | None = None
    convention_evidence: str | None = None
    epoch_s_source: str | None = None

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
        conv = "" if self.convention is None else f", convention={self.convention!r}"
        return (f"<Hypnogram | {self.n_epochs} epochs of {self.epoch_s:g} s from {self.start_s:g} s, "
                f"source={self.source!r}{conv}, {counts}>")

    def summary(self) -> dict:
        """What the hypnogram is and how it was read, JSON-ready.

        Keys: ``source``, ``convention``, ``convention_evidence``, ``epoch_s`` (s),
        ``epoch_s_source``, ``n_epochs``, ``start_s``, ``duration_s`` (s), ``time_in_stage_s``
        (s per stage label), ``lights_off_s``, ``lights_on_s`` (s or None).
        """
        return {
            "source": self.source,
            "convention": self.convention,
            "convention_evidence": self.convention_evidence,
            "epoch_s": float(self.epoch_s),
            "epoch_s_source": self.epoch_s_source,
            "n_epochs": self.n_epochs,
            "start_s": float(self.start_s),
            "duration_s": self.duration_s,
            "time_in_stage_s": self.time_in_stage_s(),
            "lights_off_s": None if self.lights_off_s is None else float(self.lights_off_s),
            "lights_on_s": None if self.lights_on_s is None else float(self.lights_on_s),
        }

    to_dict = summary

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
                         metadata=dict(self.metadata), convention=self.convention,
                         convention_evidence=self.convention_evidence, epoch_s_source=self.epoch_s_source)

    def check_fits(self, recording_duration_s: float, *, tolerance_s: float | None = None,
                   where: str | None = None) -> None:
        """Raise :class:`HypnogramError` unless the scored span fits the recording.

        A hypnogram may fall short of or overrun the recording by at most one epoch
        (scorers drop or pad the last partial epoch); more than that means it belongs
        to another recording, another start time or another epoch length.  A recording of
        0 s (an annotation-only file given as the recording) and a hypnogram that does not
        overlap the recording at all (start dates or clocks that disagree) get their own line.
        When the epoch length was not stated by the file, the message names the epoch length
        that would make the hypnogram fit, if a usual one does.
        """
        tol = float(self.epoch_s) if tolerance_s is None else float(tolerance_s)
        rec = float(recording_duration_s)
        where = where or self.source
        end = self.end_s
        if not rec > 0:
            raise HypnogramError(
                "the recording lasts 0 s: it holds no signal (an annotation-only file, e.g. a hypnogram, "
                "given as the recording?)", where=where,
                hint="give the PSG recording as the recording and this file as its hypnogram")
        if end <= 0 or self.start_s >= rec:
            side = (f"ends {-end:.0f} s before the recording starts" if end <= 0
                    else f"starts {self.start_s - rec:.0f} s after the recording ends")
            raise HypnogramError(
                f"hypnogram ({self.start_s:.0f} to {end:.0f} s from the recording start) does not overlap the "
                f"recording (0 to {rec:.0f} s): it {side}", where=where,
                hint="the start dates or clocks of the two files disagree, or the hypnogram belongs to "
                     "another recording; check both files' start date and time")
        # where the scored span lies: its end alone reads as a length when the hypnogram starts late
        span = f"{end:.0f} s" if abs(float(self.start_s)) < 0.5 else f"{self.start_s:.0f} to {end:.0f} s"
        if end > rec + tol:
            raise HypnogramError(
                f"hypnogram covers {span} but the recording lasts {rec:.0f} s "
                f"({(end - rec) / self.epoch_s:.1f} epochs too long)",
                where=where, hint=self._fit_hint(rec))
        if end < rec - tol and self.start_s <= tol:
            missing = rec - end
            # Recordings often run on after lights on; a shortfall is an error only when
            # it is larger than what an unscored tail can explain (more than 10 % and 10 min).
            if missing > max(0.1 * rec, 600.0):
                raise HypnogramError(
                    f"hypnogram covers {span} but the recording lasts {rec:.0f} s "
                    f"({missing / self.epoch_s:.0f} epochs missing)",
                    where=where, hint=self._fit_hint(rec))

    def _fit_hint(self, recording_s: float) -> str:
        base = "check that the hypnogram belongs to this recording and its epoch length"
        stated = self.epoch_s_source is not None and not self.epoch_s_source.startswith("default")
        if stated or self.n_epochs == 0:
            return base
        implied = (recording_s - float(self.start_s)) / self.n_epochs
        # Epoch lengths in use: 30 s (AASM, R&K), 20 s (R&K, MASS SS2/SS4/SS5), 5 s (DREAMS),
        # 1 s (per-second exports), 10, 15, 60 s (some devices and wearables).
        for usual in (1.0, 5.0, 10.0, 15.0, 20.0, 30.0, 60.0):
            if usual != float(self.epoch_s) and abs(implied - usual) <= 0.05 * usual:
                return (f"{self.n_epochs} values over the {recording_s:.0f}-s recording are {usual:g}-s epochs; "
                        f"the file does not state its epoch length: pass epoch_s={usual:g} "
                        f"(CLI: --hypnogram-epoch {usual:g}) if that is how it was scored")
        return base

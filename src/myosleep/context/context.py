""":class:`SleepContext`: the night's hypnogram, transitions, arousals and measures.

:func:`read_inputs` reads the hypnogram and the scored events once (a file, an object, or
the recording's own EDF+ stage annotations) and records where they came from;
:func:`build_context` assembles the context from them: a scored hypnogram, else YASA staging
of the recording's EEG (adults and children), else, for infants under one year for whom YASA
is not validated, a labelled estimate from EMG/EOG activity.  Every output names the
hypnogram's source.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import HypnogramError, InputError, ParameterError
from ..provenance import InputFile
from ..vocab import Stage
from .gaps import unscore_gaps
from .sleepstats import lights_mask, sleep_statistics
from .transitions import TransitionWindow, find_transitions, sleep_onset_s

if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Iterable, Sequence

    import pandas as pd
    from matplotlib.axes import Axes

    from ..age import Age
    from ..io.hypnogram_model import Hypnogram
    from ..io.recording import Recording
    from .scored import ScoredEvents

__all__ = ["ContextInputs", "SleepContext", "build_context", "read_inputs"]

logger = logging.getLogger("myosleep")

def _empty_arousals() -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame({"onset": np.zeros(0), "duration": np.zeros(0), "source": np.zeros(0, dtype=object),
                         "channel": np.zeros(0, dtype=object), "kind": np.zeros(0, dtype=object)})


@dataclass(frozen=True)
class ContextInputs:
    """The hypnogram and scored events of a recording, read once (:func:`read_inputs`).

    Attributes
    ----------
    hypnogram : Hypnogram | None
        Scored stages (None: the night is staged by :func:`build_context`).
    hypnogram_file : InputFile | None
        Where they came from (a file given, or the recording's own annotations).
    scored_events : pandas.DataFrame | None
        Scored events as read (``myosleep.io.read_scored_events`` columns: onset, duration in s,
        description, kind, channel, machine): every file given, or the recording's own
        annotations (:func:`myosleep.context.scored.recording_events`).
    scored_events_file : InputFile | None
        The scored events' (first) file; the recording for events from its annotations.
    scored_events_files : tuple of InputFile
        Every file the events were read from.
    scored_events_source : str | None
        ``"file"``, ``"files"``, ``"recording annotations"``, ``"table"`` (a DataFrame given), or None.
    """

    hypnogram: Hypnogram | None = None
    hypnogram_file: InputFile | None = None
    scored_events: pd.DataFrame | None = field(default=None, repr=False)
    scored_events_file: InputFile | None = None
    scored_events_files: tuple[InputFile, ...] = ()
    scored_events_source: str | None = None


def _has_stage_annotations(recording: Recording) -> bool:
    """Whether an EDF+ recording's own annotations hold scored sleep stages."""
    if recording.path is None:
        return False
    return any(str(a.description).lower().startswith("sleep stage") for a in recording.annotations)


def read_inputs(recording: Recording | None = None, *, hypnogram: Hypnogram | str | os.PathLike[str] | None = None,
                scored_events: pd.DataFrame | str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None
                ) -> ContextInputs:
    """Read the hypnogram and the scored events of a recording, and check that they fit it.

    Parameters
    ----------
    recording : Recording | None
        The night: its start aligns the files' clock times, its duration checks the
        hypnogram's, and an EDF+ whose own annotations hold scored stages is its own
        hypnogram when none is given (a scorer's stages beat any automatic staging).
    hypnogram : Hypnogram | path | None
        Scored stages, a file (CSV/TSV, text, EDF+, NSRR/Profusion XML) or an object.
    scored_events : DataFrame | path | list of paths | None
        Scored arousals, respiratory events, lights (``myosleep.io.read_scored_events``); several
        files are read into one table (SOMNOmedics/Domino writes one event type per file).  None:
        the scorer's arousals and respiratory events written in an EDF+ recording's own
        annotations, when it holds some (as its stages are used when no hypnogram is given).

    Raises
    ------
    HypnogramError
        A file cannot be read, or the hypnogram does not fit the recording.
    ParameterError
        ``hypnogram`` is neither None, a path nor a Hypnogram; a file is given twice.
    """
    import pandas as pd

    from ..io.hypnogram_model import Hypnogram

    start = recording.start_datetime if recording is not None else None
    hyp: Hypnogram | None = None
    hyp_file = None
    where: str | None = None
    if isinstance(hypnogram, Hypnogram):
        hyp = hypnogram
    elif isinstance(hypnogram, (str, os.PathLike)):
        from ..io import read_hypnogram

        hyp = read_hypnogram(hypnogram, recording_start=start)
        if not str(hyp.source).startswith("file:"):
            hyp = Hypnogram(hyp.stages, epoch_s=hyp.epoch_s, start_s=hyp.start_s,
                            source=f"file:{Path(hypnogram).name}", lights_off_s=hyp.lights_off_s,
                            lights_on_s=hyp.lights_on_s, metadata=dict(hyp.metadata))
        hyp_file, where = InputFile.hashed(hypnogram), str(hypnogram)
    elif hypnogram is not None:
        raise ParameterError(f"hypnogram must be None, a path or a Hypnogram, got {type(hypnogram).__name__}",
                             where="hypnogram")
    elif recording is not None and recording.path is not None and _has_stage_annotations(recording):
        from ..io import read_hypnogram

        hyp = read_hypnogram(recording.path, recording_start=start)
        hyp_file = InputFile(str(recording.path), Path(recording.path).name, source="recording annotations")
        where = str(recording.path)
    if hyp is not None and recording is not None:
        check_fits_recording(hyp, recording, where=where)
    from .scored import events_paths, read_scored, recording_events

    events, source = None, None
    files: tuple[InputFile, ...] = ()
    if isinstance(scored_events, pd.DataFrame):
        events, source = scored_events, "table"
    elif events_paths(scored_events):
        paths = events_paths(scored_events)
        events, files = read_scored(paths, recording_start=start)
        source = "file" if len(paths) == 1 else "files"
    elif recording is not None:
        events = recording_events(recording)
        if events is not None:
            files = (InputFile(str(recording.path), Path(str(recording.path)).name, source="recording annotations"),)
            source = "recording annotations"
    return ContextInputs(hyp, hyp_file, events, files[0] if files else None, tuple(files), source)


@dataclass(frozen=True, eq=False, repr=False)
class SleepContext:
    """Sleep context of one night.

    Attributes
    ----------
    hypnogram : Hypnogram
        The stages used.
    hypnogram_source : str
        ``"file:<name>"``, ``"yasa"``, ``"estimate:emg-eog"``, ``"simulated"`` or the
        source of a given :class:`Hypnogram`.
    lights_off_s, lights_on_s : float | None
        Lights off / on (s from recording start) used for the measures; see
        ``lights_source``.
    sleep_onset_s : float | None
        Onset (s) of the first epoch of any sleep stage after lights off (AASM).
    transitions : pandas.DataFrame
        One row per wake-to-sleep transition: ``onset_s`` (s), ``from_stage``,
        ``to_stage``, ``kind`` ("sleep_onset" | "re_onset"), ``window_start_s``,
        ``window_end_s`` (s; the hypnagogic window, see
        :mod:`myosleep.context.transitions`).
    arousals : pandas.DataFrame
        ``onset`` (s), ``duration`` (s), ``source`` ("detected" | "scored"),
        ``channel`` (EEG label or the scored event's channel, "" when unknown),
        ``kind`` ("aasm": AASM rule; "hypnagogic": a shift back towards wake inside
        a wake-to-sleep window, where AASM's 10 s of prior sleep cannot hold; "scored").
        When the scored events hold arousals, they are the AASM arousals and no detected
        "aasm" arousal is added; the detected "hypnagogic" shifts (which scorers do not score)
        stay (:func:`myosleep.context.arousals.combine_arousals`).
    stats : dict
        Sleep measures (:func:`myosleep.context.sleepstats.sleep_statistics`) plus
        ``n_arousals`` and ``arousal_index_per_h`` (AASM arousals: the scored ones when the scored
        events hold arousals, else the detected "aasm" ones; per hour of TST) and
        ``n_hypnagogic_arousals`` (the detected hypnagogic shifts, not AASM arousals).
    warnings : tuple of str
        What the user should know (which hypnogram was used, what could not be done).
    lights_source : str
        Where the lights times come from: ``"hypnogram"``, ``"scored_events"``,
        ``"recording annotations"`` or ``"first/last scored epoch"`` (joined with
        "+" when off and on come from different places).
    metadata : dict
        ``{"age": text or None}``.
    inputs : ContextInputs
        The hypnogram and scored events as given (files and their SHA-256), for provenance;
        ``scored_events`` holds the scored respiratory events of the PLM rules
        (:attr:`respiratory_events`).
    gaps_s : tuple of (float, float)
        The recording's gaps (EDF+D paused), in seconds: their epochs are unscored and count in
        no sleep measure (:mod:`myosleep.context.gaps`).
    scored : ScoredEvents | None
        The scored events read and those used (:mod:`myosleep.context.scored`); None when none.
    arousal_source : dict
        Where the arousals come from: ``source`` ("scored", "detected" or "none"), ``n_scored``,
        ``n_detected`` (detected AASM arousals used), ``n_detected_not_used`` (detected AASM
        arousals left out because the scorer's are used), ``n_hypnagogic`` (detected hypnagogic
        shifts used), ``detected`` (whether the EEG detector ran).
    """

    hypnogram: Hypnogram
    hypnogram_source: str
    lights_off_s: float | None
    lights_on_s: float | None
    sleep_onset_s: float | None
    transitions: pd.DataFrame
    arousals: pd.DataFrame
    stats: dict
    warnings: tuple[str, ...] = ()
    lights_source: str = "first/last scored epoch"
    metadata: dict[str, str | None] = field(default_factory=dict)
    inputs: ContextInputs = field(default_factory=ContextInputs)
    gaps_s: tuple[tuple[float, float], ...] = ()
    scored: ScoredEvents | None = None
    arousal_source: dict[str, Any] = field(default_factory=dict)

    @property
    def respiratory_events(self) -> pd.DataFrame | None:
        """Scored respiratory events used (onset, duration in s), None when no events were scored."""
        if self.scored is not None:
            return self.scored.respiratory
        ev = self.inputs.scored_events
        if ev is None or "kind" not in ev:
            return None
        return ev[ev["kind"] == "respiratory"]

    @property
    def aasm_arousals(self) -> pd.DataFrame:
        """The arousals of the AASM rules (the PLMS-arousal association): :attr:`arousals` without
        the hypnagogic shifts, which follow no 10 s of sleep (AASM arousal rule V.1)."""
        if "kind" not in self.arousals:
            return self.arousals
        return self.arousals[self.arousals["kind"] != "hypnagogic"]

    def __repr__(self) -> str:
        tst = self.stats.get("tst_min", float("nan"))
        return (f"<SleepContext {self.hypnogram_source}: {self.hypnogram.n_epochs} epochs of "
                f"{self.hypnogram.epoch_s:g} s, TST {tst:.0f} min, {len(self.transitions)} wake-to-sleep "
                f"transitions, {len(self.arousals)} arousals, lights {self.lights_source}>")

    def plot_hypnogram(self, ax: Axes | None = None) -> Axes:
        """The hypnogram (W on top, R between W and N1; time in hours), arousals as ticks above."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(10, 2.5))
        rows = {int(Stage.W): 4, int(Stage.R): 3, int(Stage.N1): 2, int(Stage.N2): 1, int(Stage.N3): 0}
        st = self.hypnogram.stages
        y = np.array([rows.get(int(c), np.nan) for c in st], dtype=float)
        t_h = self.hypnogram.epoch_onsets_s / 3600.0
        end_h = self.hypnogram.end_s / 3600.0
        ax.step(np.append(t_h, end_h), np.append(y, y[-1:] if y.size else []), where="post", color="#333333",
                linewidth=1.2)
        if len(self.arousals):
            ax.plot(self.arousals["onset"].to_numpy(float) / 3600.0, np.full(len(self.arousals), 4.4), "|",
                    color="#D55E00", label="arousal")
        ax.set_yticks([0, 1, 2, 3, 4], ["N3", "N2", "N1", "R", "W"])
        ax.set_ylim(-0.5, 4.8)
        ax.set_xlim(0.0, end_h)
        ax.set_xlabel("time from recording start (h)")
        ax.set_title(f"hypnogram ({self.hypnogram_source})", fontsize="medium")
        return ax

    # ------------------------------------------------------------- per-time
    def stage_at(self, times_s: np.ndarray | float) -> np.ndarray:
        """Stage code (:class:`~myosleep.vocab.Stage` integers) at each time (s); -2 outside."""
        return self.hypnogram.stage_at(times_s)

    def stage_labels_at(self, times_s: np.ndarray | float) -> list[str]:
        """Stage label (W, N1, N2, N3, R, n/a) at each time (s)."""
        return self.hypnogram.stage_labels_at(times_s)

    def in_transition(self, times_s: np.ndarray | float) -> np.ndarray:
        """True where a time (s) lies inside a wake-to-sleep window [window_start_s, window_end_s)."""
        t = np.atleast_1d(np.asarray(times_s, dtype=float))
        if self.transitions.empty:
            return np.zeros(t.shape, dtype=bool)
        lo = self.transitions["window_start_s"].to_numpy(float)
        hi = self.transitions["window_end_s"].to_numpy(float)
        order = np.argsort(lo)
        lo, hi = lo[order], hi[order]
        # Windows may overlap: the candidate is the last window starting at or before t,
        # with the running maximum of the window ends.
        hi_run = np.maximum.accumulate(hi)
        k = np.searchsorted(lo, t, side="right") - 1
        ok = k >= 0
        out = np.zeros(t.shape, dtype=bool)
        out[ok] = t[ok] < hi_run[k[ok]]
        return out

    def transition_index(self, times_s: np.ndarray | float) -> np.ndarray:
        """Row of :attr:`transitions` whose window holds each time (s); -1 when none.

        With overlapping windows the transition whose boundary is closest wins.
        """
        t = np.atleast_1d(np.asarray(times_s, dtype=float))
        out = np.full(t.shape, -1, dtype=np.int64)
        if self.transitions.empty or t.size == 0:
            return out
        lo = self.transitions["window_start_s"].to_numpy(float)
        hi = self.transitions["window_end_s"].to_numpy(float)
        b = self.transitions["onset_s"].to_numpy(float)
        inside = (t[:, None] >= lo[None, :]) & (t[:, None] < hi[None, :])
        dist = np.where(inside, np.abs(t[:, None] - b[None, :]), np.inf)
        best = np.argmin(dist, axis=1)
        has = inside.any(axis=1)
        out[has] = best[has]
        return out

    def arousal_within(self, times_s: np.ndarray | float, *,
                       after_s: tuple[float, float] = (0.0, 10.0)) -> np.ndarray:
        """True where an arousal or an awakening starts within ``after_s`` seconds after each time.

        Parameters
        ----------
        times_s : array of float
            Times (s from recording start), e.g. jerk onsets.
        after_s : (float, float)
            Window [t + after_s[0], t + after_s[1]] in seconds.

        Notes
        -----
        An awakening is a W epoch that follows a sleep epoch (the hypnogram's own
        evidence of arousal); its onset counts like an arousal onset.
        """
        a, b = (float(after_s[0]), float(after_s[1]))
        if not (np.isfinite(a) and np.isfinite(b)) or b < a:
            raise ParameterError(f"after_s must be (start, stop) seconds with stop >= start, got {after_s}",
                                 where="arousal_within(after_s)")
        t = np.atleast_1d(np.asarray(times_s, dtype=float))
        onsets = np.sort(np.concatenate([self.arousals["onset"].to_numpy(float), self._awakening_onsets_s()]))
        n = np.searchsorted(onsets, t + b, side="right") - np.searchsorted(onsets, t + a, side="left")
        return n > 0

    def _awakening_onsets_s(self) -> np.ndarray:
        st = self.hypnogram.stages
        if st.size < 2:
            return np.zeros(0)
        idx = np.flatnonzero((st[1:] == int(Stage.W)) & (st[:-1] >= int(Stage.N1))) + 1
        return self.hypnogram.epoch_onsets_s[idx]

    # ----------------------------------------------------- the recording period
    @property
    def recording_period_s(self) -> tuple[float, float]:
        """The recording period (AASM: lights off to lights on, TRT) as the measures count it (s).

        The span of the epochs :meth:`hours_in` counts: from the onset of the first epoch whose
        middle lies at or after lights off to the end of the last whose middle lies before lights
        on (:func:`~myosleep.context.sleepstats.lights_mask`); with lights unknown, the first and
        last scored epochs.  An event counts in an index per hour when its onset lies in this span
        (:meth:`in_lights`), so that its numerator and its hours cover the same time.  ``(start,
        start)`` (empty) when no epoch lies between lights off and on.
        """
        keep = np.flatnonzero(lights_mask(self.hypnogram, self.lights_off_s, self.lights_on_s))
        onsets = self.hypnogram.epoch_onsets_s
        if keep.size == 0:
            start = float(self.lights_off_s) if self.lights_off_s is not None else float(self.hypnogram.start_s)
            return start, start
        return float(onsets[keep[0]]), float(onsets[keep[-1]]) + float(self.hypnogram.epoch_s)

    def in_lights(self, times_s: np.ndarray | float) -> np.ndarray:
        """True where a time (s) lies in the recording period (:attr:`recording_period_s`).

        AASM Manual (v2.6, "Sleep scoring data"): the events of a study are scored between lights
        off and lights on, the total recording time (TRT) over which the measures are computed;
        an event outside is neither counted nor divided by time (SOMAS, the WASM 2016 tool of
        its authors' group, removes leg movements outside lights off .. on before it counts).
        """
        t = np.atleast_1d(np.asarray(times_s, dtype=float))
        start, stop = self.recording_period_s
        return (t >= start) & (t < stop)

    def stage_in_lights_at(self, times_s: np.ndarray | float) -> np.ndarray:
        """:meth:`stage_at` within the recording period; ``Stage.UNSCORED`` (-2) outside it.

        For rules that count time by stage themselves (minutes of NREM for excessive fragmentary
        myoclonus, REM mini-epochs for REM sleep without atonia): the time they count is the time
        :meth:`hours_in` counts.
        """
        t = np.atleast_1d(np.asarray(times_s, dtype=float))
        out = np.asarray(self.stage_at(t)).copy()
        out[~self.in_lights(t)] = int(Stage.UNSCORED)
        return out

    def transitions_in_lights(self) -> pd.DataFrame:
        """The rows of :attr:`transitions` whose wake epoch and sleep epoch both lie in the recording
        period (the boundary after its start, before its end: the transitions that
        ``stats["n_wake_to_sleep_transitions"]`` counts)."""
        tr = self.transitions
        if tr.empty:
            return tr
        start, stop = self.recording_period_s
        b = tr["onset_s"].to_numpy(float)
        return tr[(b > start) & (b < stop)].reset_index(drop=True)

    def hours_in(self, *stages: str | Stage | int) -> float:
        """Hours scored in these stages (labels such as "N2", "R", or :class:`Stage`).

        Counted within lights off .. lights on (the epochs whose middle lies between them; with
        lights unknown, the first to the last scored epoch): the span of :attr:`recording_period_s`.
        """
        if not stages:
            raise ParameterError("give at least one stage, e.g. hours_in('N2', 'N3')", where="hours_in")
        codes = {_stage_code(s) for s in stages}
        keep = lights_mask(self.hypnogram, self.lights_off_s, self.lights_on_s)
        n = np.count_nonzero(np.isin(self.hypnogram.stages[keep], list(codes)))
        return float(n) * float(self.hypnogram.epoch_s) / 3600.0

    def summary(self) -> dict[str, object]:
        """JSON-ready summary: source, lights, onset, measures, counts, warnings."""
        def _num(v):
            if v is None:
                return None
            v = float(v)
            return None if not np.isfinite(v) else v

        return {
            "hypnogram_source": self.hypnogram_source,
            "lights_off_s": _num(self.lights_off_s),
            "lights_on_s": _num(self.lights_on_s),
            "lights_source": self.lights_source,
            "sleep_onset_s": _num(self.sleep_onset_s),
            "n_transitions": int(len(self.transitions)),
            "n_arousals": int(self.stats.get("n_arousals", len(self.arousals))),
            "arousal_source": dict(self.arousal_source),
            "scored_events": None if self.scored is None else self.scored.summary(),
            "stats": {k: (_num(v) if isinstance(v, float) else v) for k, v in self.stats.items()},
            "gaps_s": [[a, b] for a, b in self.gaps_s],
            "warnings": list(self.warnings),
        }


_LABEL_TO_STAGE = {"W": Stage.W, "WAKE": Stage.W, "N1": Stage.N1, "N2": Stage.N2, "N3": Stage.N3,
                   "R": Stage.R, "REM": Stage.R}


def _stage_code(s: str | Stage | int) -> int:
    if isinstance(s, Stage):
        return int(s)
    if isinstance(s, (int, np.integer)):
        return int(Stage(int(s)))
    key = str(s).strip().upper()
    if key not in _LABEL_TO_STAGE:
        raise ParameterError(f"unknown stage {s!r}", where="hours_in", hint="use W, N1, N2, N3 or R")
    return int(_LABEL_TO_STAGE[key])


# ---------------------------------------------------------------------------- build
def _lights_from_pairs(pairs: Iterable[tuple[float, str]]) -> tuple[float | None, float | None]:
    """Earliest "lights off/out" and latest "lights on" of (onset s, description) pairs."""
    from ..io._hypno_common import lights_kind

    off = on = None
    for onset, desc in pairs:
        kind = lights_kind(str(desc))  # as the hypnogram and event readers read them
        if kind == "off":
            off = float(onset) if off is None else min(off, float(onset))
        elif kind == "on":
            on = float(onset) if on is None else max(on, float(onset))
    return off, on


def _lights_from_events(events: pd.DataFrame | None) -> tuple[float | None, float | None]:
    if events is None or len(events) == 0 or "kind" not in events:
        return None, None
    lights = events[events["kind"] == "lights"]
    return _lights_from_pairs(zip(lights["onset"].to_numpy(float), lights["description"].astype(str)))


def _lights_from_annotations(recording: Recording) -> tuple[float | None, float | None]:
    """Lights off/on written in the recording's own annotations (EDF+), when any."""
    try:
        return _lights_from_pairs((a.onset_s, a.description) for a in recording.annotations)
    except InputError as err:  # unreadable annotations: lights stay unknown
        logger.info("recording annotations not read for lights: %s", err)
        return None, None


def _stage_night(recording: Recording | None, age: Age | None, warnings: list[str]) -> Hypnogram:
    """Stages for a night without a hypnogram: YASA, or the labelled infant estimate (< 1 year)."""
    if recording is None:
        raise HypnogramError("no hypnogram and no recording to stage", where="build_context",
                             hint="give --hypnogram FILE or a recording with an EEG channel")
    if age is not None and age.is_infant:
        from .infant import estimate_infant_hypnogram

        hyp = estimate_infant_hypnogram(recording)
        warnings.append(
            f"age {age.text} is under 1 year: YASA staging is not validated for infants and was not run; "
            "stages are a labelled estimate from EMG/EOG activity (estimate:emg-eog: active sleep scored R, "
            "quiet sleep N3); give --hypnogram for scored stages")
        return hyp
    from .staging import stage_with_yasa

    hyp = stage_with_yasa(recording)
    note = hyp.metadata.get("eeg_reference")
    warnings.append(f"no hypnogram given: stages predicted by YASA from {hyp.metadata.get('eeg', 'EEG')} "
                    "(Vallat and Walker, eLife 2021; kappa ~0.8 against experts"
                    + (" on the central EEG against the contralateral mastoid" if note else "")
                    + "); give --hypnogram for scored stages" + (f"; {note}" if note else ""))
    warnings.extend(f"YASA staging warned: {text}" for text in hyp.metadata.get("warnings", ()))
    return hyp


def build_context(recording: Recording | None = None, *,
                  hypnogram: Hypnogram | str | os.PathLike[str] | None = None, age: Age | str | float | None = None,
                  scored_events: pd.DataFrame | str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None,
                  inputs: ContextInputs | None = None, detect_arousals: bool = True,
                  window: TransitionWindow | None = None) -> SleepContext:
    """Assemble the sleep context of a night.

    Parameters
    ----------
    recording : Recording | None
        The night (``myosleep.io.read_recording``); needed for staging, arousal
        detection and to check that a hypnogram fits it.
    hypnogram : Hypnogram | path | None
        Scored stages. ``None``: the recording's own EDF+ stage annotations when it has
        some, else stage the recording with YASA; for infants (< 1 year) YASA is never run
        and a labelled EMG/EOG estimate is made instead
        (:func:`myosleep.context.infant.estimate_infant_hypnogram`).
    age : Age | str | float | None
        Age (``"34"``, ``"6w"`` ...), see :func:`myosleep.age.parse_age`.
    scored_events : pandas.DataFrame | path | list of paths | None
        Scored events (``myosleep.io.read_scored_events``; several files are read into one
        table; None: those in an EDF+ recording's own annotations, :func:`read_inputs`):
        scored arousals (kind "arousal") are the AASM arousals (the detected AASM arousals are
        then not used, the detected hypnagogic shifts are), lights events set lights off/on,
        respiratory events serve the PLM rules.  Respiratory events and arousals lasting 0 s,
        or outside the recording, are not used and overlapping scored arousals are merged
        (:func:`myosleep.context.scored.check_scored_events`; each said in the warnings).
        Lights are taken from the hypnogram first, then these events, then the
        recording's own annotations, else the first/last scored epoch.
    inputs : ContextInputs | None
        ``hypnogram`` and ``scored_events`` already read by :func:`read_inputs` (the
        pipeline reads them before detection, to fail early); then neither may be given.
    detect_arousals : bool
        Run the EEG arousal detector on the recording's central EEG.
    window : TransitionWindow | None
        Width of the hypnagogic windows.

    Returns
    -------
    SleepContext

    Raises
    ------
    HypnogramError
        The hypnogram does not fit the recording, or none is given and the recording
        lacks what staging needs (EEG; for infants EMG).
    """
    from ..age import parse_age

    if inputs is None:
        inputs = read_inputs(recording, hypnogram=hypnogram, scored_events=scored_events)
    elif hypnogram is not None or scored_events is not None:
        raise ParameterError("give either inputs or hypnogram/scored_events, not both", where="build_context")
    age_obj = parse_age(age)
    warnings: list[str] = []
    hyp = inputs.hypnogram if inputs.hypnogram is not None else _stage_night(recording, age_obj, warnings)
    if inputs.hypnogram is not None:  # what its reader warned of (a Philips RML's automatic staging)
        warnings.extend(f"hypnogram {hyp.source}: {text}" for text in hyp.metadata.get("warnings", ()))
    if hyp.n_epochs == 0:
        raise HypnogramError("the hypnogram has no epochs", where=hyp.source,
                             hint="check the hypnogram file")
    gaps: tuple[tuple[float, float], ...] = ()
    if recording is not None:
        check_fits_recording(hyp, recording, where=hyp.source)
        hyp = _within_recording(hyp, float(recording.duration_s), warnings)
        gaps = tuple(getattr(recording, "gaps_s", ()))
        if gaps:
            from ..io.recording import gap_warning

            warnings.insert(0, gap_warning(recording.format, gaps) + "; its epochs are unscored and count in no "
                            "sleep measure or index per hour")
            hyp = unscore_gaps(hyp, gaps, warnings, recording_s=float(recording.duration_s))
    scored = _scored(inputs, recording, warnings)
    off, on, lights_source = _lights(hyp, inputs.scored_events, recording, warnings)
    transitions = find_transitions(hyp, window=window)
    stats = sleep_statistics(hyp, lights_off_s=off, lights_on_s=on, gaps_s=gaps)
    arousals, arousal_source = _arousals(recording, hyp, transitions, scored, detect_arousals, warnings)
    tst_h = stats["tst_min"] / 60.0
    n_aasm = arousal_source["n_scored"] + arousal_source["n_detected"]
    stats["n_arousals"] = n_aasm
    stats["arousal_index_per_h"] = float(n_aasm / tst_h) if tst_h > 0 else float("nan")
    stats["n_hypnagogic_arousals"] = arousal_source["n_hypnagogic"]

    logger.info("sleep context: %s, %d transitions, %d arousals", hyp.source, len(transitions), len(arousals))
    return SleepContext(
        hypnogram=hyp, hypnogram_source=str(hyp.source), lights_off_s=off, lights_on_s=on,
        sleep_onset_s=sleep_onset_s(hyp, lights_off_s=off), transitions=transitions, arousals=arousals,
        stats=stats, warnings=tuple(warnings), lights_source=lights_source,
        metadata={"age": None if age_obj is None else age_obj.text}, inputs=inputs, gaps_s=gaps,
        scored=scored, arousal_source=arousal_source,
    )


def check_fits_recording(hyp: Hypnogram, recording: Recording, *, where: str | None) -> None:
    """:meth:`Hypnogram.check_fits` against the recording as it is, or as its header declares it.

    A file cut short (an interrupted copy) holds less than the night its hypnogram was scored
    on: a hypnogram that fits the declared length fits the recording, and its epochs past the
    data are left out by :func:`_within_recording` (the recording's warnings say it was cut short).
    """
    declared = float(getattr(recording, "declared_duration_s", recording.duration_s))
    try:
        hyp.check_fits(float(recording.duration_s), where=where)
    except HypnogramError as err:
        if not declared > float(recording.duration_s):
            raise
        try:
            hyp.check_fits(declared, where=where)
        except HypnogramError:
            raise err from None


def _within_recording(hyp: Hypnogram, duration_s: float, warnings: list[str]) -> Hypnogram:
    """The epochs of ``hyp`` that the recording holds: those whose middle lies in [0, duration_s).

    A hypnogram aligned by clock time may start before the recording or run past its end
    (within what :meth:`Hypnogram.check_fits` accepts); epochs without signal cannot be
    analysed, and counting them would add sleep time without data to every index per hour.
    An epoch mostly inside the recording (a start clock a few seconds off, the last partial
    epoch) is kept.
    """
    half = float(hyp.epoch_s) / 2.0
    mid = hyp.epoch_onsets_s + half
    before, after = int(np.sum(mid < 0.0)), int(np.sum(mid >= duration_s))
    if before == 0 and after == 0:
        return hyp
    cropped = hyp.crop(-half, duration_s - half)
    where = ", ".join(f"{n} {side}" for n, side in ((before, "before its start"), (after, "after its end")) if n)
    if cropped.n_epochs == 0:
        raise HypnogramError(f"no epoch of the hypnogram lies within the recording (0 to {duration_s:.0f} s)",
                             where=hyp.source, hint="check both files' start date and time")
    warnings.append(f"hypnogram: {before + after} epoch(s) outside the recording left out ({where}); "
                    "they hold no signal to analyse")
    return cropped


def _lights(hyp: Hypnogram, events: pd.DataFrame | None, recording: Recording | None,
            warnings: list[str]) -> tuple[float | None, float | None, str]:
    """Lights off and on (s) and where they come from: hypnogram > scored events > annotations > epochs."""
    off, on = hyp.lights_off_s, hyp.lights_on_s
    lights_source = "hypnogram" if (off is not None or on is not None) else ""
    ev_off, ev_on = _lights_from_events(events)
    if off is None and ev_off is not None:
        off, lights_source = ev_off, lights_source or "scored_events"
    if on is None and ev_on is not None:
        on, lights_source = ev_on, lights_source or "scored_events"
    if (off is None or on is None) and recording is not None:
        an_off, an_on = _lights_from_annotations(recording)
        if off is None and an_off is not None:
            off, lights_source = an_off, lights_source or "recording annotations"
        if on is None and an_on is not None:
            on, lights_source = an_on, lights_source or "recording annotations"
    if off is not None and on is not None and on <= off:
        warnings.append(f"lights on ({on:.0f} s) is not after lights off ({off:.0f} s): ignored")
        off = on = None
        lights_source = ""
    if off is None or on is None:
        scored = np.flatnonzero(hyp.stages != int(Stage.UNSCORED))
        if scored.size:
            onsets = hyp.epoch_onsets_s
            if off is None:
                off = float(onsets[scored[0]])
            if on is None:
                on = float(onsets[scored[-1]]) + float(hyp.epoch_s)
        if not lights_source:
            lights_source = "first/last scored epoch"
            warnings.append("lights off/on unknown: the first and last scored epochs are used")
        else:
            lights_source += "+first/last scored epoch"
    return off, on, lights_source


def _scored(inputs: ContextInputs, recording: Recording | None, warnings: list[str]) -> ScoredEvents | None:
    """The scored events checked (:func:`myosleep.context.scored.check_scored_events`), and a warning when
    files were given while the recording's own annotations hold other scored events (not used)."""
    from .scored import check_scored_events, recording_events

    duration_s = None if recording is None else float(recording.duration_s)
    if inputs.scored_events_source in ("file", "files") and recording is not None and recording.path is not None:
        own = Path(str(recording.path)).resolve()
        if all(Path(f.path).resolve() != own for f in inputs.scored_events_files):
            embedded = recording_events(recording)
            if embedded is not None:
                n = embedded["kind"].value_counts()
                warnings.append(f"the recording's own annotations hold {int(n.get('respiratory', 0))} respiratory "
                                f"event(s) and {int(n.get('arousal', 0))} arousal(s) that were not used: the "
                                "events file(s) given with --events were used instead; give the recording itself "
                                "with --events as well to use both")
    if inputs.scored_events is None:
        return None
    # a recording's annotations hold notes (impedance checks, recording start): their labels are counted
    # in summary.json, not warned about
    return check_scored_events(inputs.scored_events, duration_s=duration_s, source=inputs.scored_events_source,
                               files=inputs.scored_events_files, warnings=warnings,
                               warn_unrecognised=inputs.scored_events_source != "recording annotations")


def _arousals(recording: Recording | None, hyp: Hypnogram, transitions: pd.DataFrame, scored: ScoredEvents | None,
              detect: bool, warnings: list[str]) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Arousals detected on the EEG and/or scored, and where they come from.

    Scored arousals, when the events hold any, are the AASM arousals: the detected AASM arousals are
    not added (counted as ``n_detected_not_used``); the detected hypnagogic shifts are kept.
    """
    import pandas as pd

    from .arousals import NOT_DETECTED, combine_arousals

    det = _empty_arousals()
    ran = False
    if detect and recording is not None:
        from .arousals import detect_arousals_in_recording

        det, note = detect_arousals_in_recording(recording, hypnogram=hyp, transitions=transitions)
        ran = not note.startswith(NOT_DETECTED)
        if note and not (scored is not None and len(scored.arousals) and not ran):
            warnings.append(note)  # (the scorer's arousals make a missing detector moot)
    sc = _empty_arousals() if scored is None else scored.arousals
    if len(sc):
        ch = sc["channel"].fillna("").astype(str) if "channel" in sc else pd.Series([""] * len(sc))
        sc = pd.DataFrame({"onset": sc["onset"].to_numpy(float), "duration": sc["duration"].to_numpy(float),
                           "source": ["scored"] * len(sc), "channel": ch.to_numpy(object),
                           "kind": ["scored"] * len(sc)})
    table = combine_arousals(det, sc)
    det_kind = det["kind"].astype(str) if len(det) else pd.Series([], dtype=object)
    used_kind = table.loc[table["source"] == "detected", "kind"].astype(str)
    info: dict[str, Any] = {
        "source": "scored" if len(sc) else "detected" if ran else "none",
        "n_scored": int(len(sc)),
        "n_detected": int((used_kind == "aasm").sum()),
        "n_detected_not_used": int((det_kind == "aasm").sum() - (used_kind == "aasm").sum()),
        "n_hypnagogic": int((used_kind == "hypnagogic").sum()),
        "detected": bool(ran),
    }
    return table, info

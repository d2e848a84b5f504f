"""A night's scored events: where they came from, what they hold, and which of them are used.

:func:`read_scored` reads the files given (``--events``, repeatable: SOMNOmedics/Domino writes one
event type per file) into one table; :func:`recording_events` takes the scorer's events written
in the recording's own EDF+ annotations (used when no file is given, as its stages are);
:func:`check_scored_events` decides which events the rules use and says what it left out
(docs/robustness.md, defects 45-48):

* labels the vocabulary (:mod:`myosleep.io._event_vocab`) does not know are counted and named,
  never silently dropped;
* a respiratory event or an arousal lasting 0 s or less is not used: an apnoea or hypopnoea
  lasts >= 10 s and an arousal >= 3 s (AASM Manual v2.6, 2020, rules VIII.A/B and V.1), so a
  zero-length one is a marker without its extent; SOMNOmedics' analysis software likewise warns
  about and drops zero-length events;
* a respiratory event or an arousal outside the recording (ending at or before 0 s, or starting
  at or after its end) is not used: it cannot be next to anything recorded, and such an event
  means the file's clock and the recording's disagree;
* overlapping scored arousals are one arousal (AASM V.1: an arousal is a single shift of EEG
  frequency; two overlapping marks of one shift, often from two files, would count twice);
* events shorter than the AASM minimum but longer than 0 s (a 5-s hypopnoea, a 2-s arousal) are
  kept: they are the scorer's judgement (pediatric rules, a scorer's own criteria); they are
  counted in ``below_aasm_minimum``.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..errors import ParameterError
from ..provenance import InputFile

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ..io.recording import Recording

__all__ = ["ScoredEvents", "check_scored_events", "read_scored", "recording_events", "events_paths",
           "AASM_MIN_DURATION_S", "USED_KINDS"]

logger = logging.getLogger("myosleep")

#: The kinds the rules use: respiratory events (PLM respiratory exclusion) and arousals.
USED_KINDS = ("respiratory", "arousal")
#: Least duration of a scored event by the AASM rules (AASM Manual v2.6, 2020: apnoea and hypopnoea
#: >= 10 s, rules VIII.A.1 and VIII.B.1; arousal >= 3 s, rule V.1).  Shorter events are kept.
AASM_MIN_DURATION_S = {"respiratory": 10.0, "arousal": 3.0}
#: Labels named in a warning (the summary lists them all with their counts).
_NAMED = 4

_COLUMNS = ["onset", "duration", "description", "kind", "channel", "machine"]


@dataclass(frozen=True)
class ScoredEvents:
    """The scored events of a night as read, and those the rules use.

    Attributes
    ----------
    events : pandas.DataFrame
        The events used (:func:`myosleep.io.read_scored_events` columns): respiratory events and
        arousals after the checks of :func:`check_scored_events`, other kinds as read.
    source : str | None
        ``"file"``, ``"files"`` (several ``--events``), ``"recording annotations"`` (the
        recording's own EDF+ annotations) or ``"table"`` (a DataFrame given to the API).
    files : tuple of InputFile
        The files read (the recording itself for ``"recording annotations"``).
    n_read : int
        Events read.
    by_kind : dict
        Events read, by kind.
    unrecognised : dict
        Labels the vocabulary does not know (kind ``other``) and how many events carry each.
    zero_duration, outside : dict
        Respiratory events and arousals left out, by kind: lasting 0 s or less; outside the
        recording.
    outside_examples : tuple of str
        The first few left out as outside the recording ("'Hypopnea' at 9500 s").
    n_arousals_merged : int
        Scored arousals merged into an overlapping one.
    below_aasm_minimum : dict
        Kept events shorter than the AASM minimum (:data:`AASM_MIN_DURATION_S`), by kind.
    """

    events: pd.DataFrame = field(repr=False)
    source: str | None
    files: tuple[InputFile, ...] = ()
    n_read: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    unrecognised: dict[str, int] = field(default_factory=dict)
    zero_duration: dict[str, int] = field(default_factory=dict)
    outside: dict[str, int] = field(default_factory=dict)
    outside_examples: tuple[str, ...] = ()
    n_arousals_merged: int = 0
    below_aasm_minimum: dict[str, int] = field(default_factory=dict)

    def of_kind(self, kind: str) -> pd.DataFrame:
        """The events used of one kind."""
        return self.events[self.events["kind"] == kind]

    @property
    def respiratory(self) -> pd.DataFrame:
        """Respiratory events used (onset, duration in s)."""
        return self.of_kind("respiratory")

    @property
    def arousals(self) -> pd.DataFrame:
        """Scored arousals used (onset, duration in s), overlapping ones merged."""
        return self.of_kind("arousal")

    def summary(self) -> dict[str, object]:
        """summary.json ``scored_events``: source, files, counts read and used, what was left out."""
        n_resp, n_ar = int(self.by_kind.get("respiratory", 0)), int(self.by_kind.get("arousal", 0))
        return {
            "source": self.source,
            "files": [f.name for f in self.files],
            "n_read": int(self.n_read),
            "n_respiratory": n_resp,
            "n_arousals": n_ar,
            "n_other": int(self.n_read) - n_resp - n_ar,
            "by_kind": {k: int(v) for k, v in sorted(self.by_kind.items())},
            "n_unrecognised": int(sum(self.unrecognised.values())),
            "unrecognised_labels": dict(self.unrecognised),
            "n_respiratory_used": int(len(self.respiratory)),
            "n_arousals_used": int(len(self.arousals)),
            "not_used": {"zero_duration": dict(self.zero_duration), "outside_recording": dict(self.outside),
                         "arousals_merged": int(self.n_arousals_merged)},
            "below_aasm_minimum": dict(self.below_aasm_minimum),
            "aasm_minimum_duration_s": dict(AASM_MIN_DURATION_S),
        }


def events_paths(scored_events: object) -> list[str | os.PathLike[str]]:
    """The files of ``scored_events``: a path, or a list/tuple of paths ([] for None or an empty list)."""
    if scored_events is None:
        return []
    if isinstance(scored_events, (str, os.PathLike)):
        return [scored_events]
    if isinstance(scored_events, Sequence) and all(isinstance(p, (str, os.PathLike)) for p in scored_events):
        return list(scored_events)
    raise ParameterError(f"must be a path, a list of paths or a DataFrame, got {type(scored_events).__name__}",
                         where="scored_events")


def read_scored(paths: Sequence[str | os.PathLike[str]], *, recording_start=None
                ) -> tuple[pd.DataFrame, tuple[InputFile, ...]]:
    """Read several event files into one table (sorted by onset) and their :class:`InputFile` entries.

    Raises
    ------
    ParameterError
        The same file given twice (its events would count twice).
    HypnogramError
        A file cannot be read.
    """
    import pandas as pd

    from ..io import read_scored_events

    seen: dict[Path, str] = {}
    for p in paths:
        key = Path(p).resolve()
        if key in seen:
            raise ParameterError(f"{Path(p).name} is given twice", where="scored_events",
                                 hint="give each events file once")
        seen[key] = str(p)
    tables, files = [], []
    for p in paths:
        tables.append(read_scored_events(p, recording_start=recording_start))
        files.append(InputFile.hashed(p))
    df = tables[0] if len(tables) == 1 else pd.concat(tables, ignore_index=True)
    df = df.sort_values("onset", kind="stable").reset_index(drop=True)
    df.attrs.update({"source": ",".join(f"file:{f.name}" for f in files)})
    return df, tuple(files)


def recording_events(recording: Recording | None) -> pd.DataFrame | None:
    """The scored events written in the recording's own annotations (EDF+/BDF+), or None.

    Stage and lights annotations are left out (they are the hypnogram and the lights); None when
    no annotation is an arousal or a respiratory event: the annotations are then no scoring of
    events (recording notes, impedance checks).
    """
    import pandas as pd

    from ..errors import InputError
    from ..io._event_vocab import classify_event

    if recording is None or getattr(recording, "path", None) is None:
        return None
    try:
        annotations = tuple(recording.annotations)
    except InputError as err:  # unreadable annotations: no events from them
        logger.info("recording annotations not read for scored events: %s", err)
        return None
    rows = []
    for a in annotations:
        kind = classify_event(str(a.description))
        if kind in ("stage", "lights"):
            continue
        rows.append((float(a.onset_s), float(getattr(a, "duration_s", 0.0) or 0.0), str(a.description), kind,
                     getattr(a, "channel", None), False))
    if not any(r[3] in USED_KINDS for r in rows):
        return None
    df = pd.DataFrame(rows, columns=_COLUMNS).sort_values("onset", kind="stable").reset_index(drop=True)
    df.attrs.update({"source": "recording annotations", "format": "recording annotations"})
    return df


def check_scored_events(events: pd.DataFrame, *, duration_s: float | None, source: str | None,
                        files: tuple[InputFile, ...] = (), warnings: list[str] | None = None,
                        warn_unrecognised: bool = True) -> ScoredEvents:
    """Decide which scored events the rules use (module docstring) and add a warning for each left out.

    Parameters
    ----------
    events : pandas.DataFrame
        :func:`myosleep.io.read_scored_events` columns (``kind`` and ``description`` at least
        for the checks; ``onset``, ``duration`` in s).
    duration_s : float | None
        The recording's duration, s (None: the outside check is skipped).
    source, files
        Where the events come from (:class:`ScoredEvents`).
    warnings : list of str | None
        Receives one sentence per kind of problem found.
    warn_unrecognised : bool
        Warn about unrecognised labels (they are counted either way).
    """
    warnings = warnings if warnings is not None else []
    where = _where(source, files)
    ev = events.reset_index(drop=True)
    kinds = ev["kind"].astype(str) if "kind" in ev else None
    if kinds is None or "onset" not in ev or "duration" not in ev:
        return ScoredEvents(events=ev, source=source, files=files, n_read=int(len(ev)))
    labels = ev["description"].astype(str) if "description" in ev else kinds
    unrecognised = dict(Counter(labels[kinds == "other"]).most_common())
    if unrecognised and warn_unrecognised:
        named = ", ".join(f"'{lab}' ({n})" for lab, n in list(unrecognised.items())[:_NAMED])
        more = f" and {len(unrecognised) - _NAMED} more" if len(unrecognised) > _NAMED else ""
        warnings.append(f"{where}: {sum(unrecognised.values())} event(s) with labels myosleep does not recognise "
                        f"were not used: {named}{more}; if they are arousals or respiratory events, label them "
                        "as such (e.g. 'Arousal', 'Hypopnea', 'Obstructive Apnea')")
    onset = ev["onset"].to_numpy(float)
    dur = np.nan_to_num(ev["duration"].to_numpy(float), nan=0.0)
    used = kinds.isin(USED_KINDS).to_numpy()
    zero = used & ~(dur > 0)
    zero_by = _by_kind(kinds, zero)
    if zero.any():
        at = ", ".join(f"{t:g} s" for t in onset[zero][:_NAMED])
        warnings.append(f"{where}: {_kinds_text(zero_by)} lasting 0 s {_were(zero_by)} not used (an apnoea or "
                        f"hypopnoea lasts >= 10 s and an arousal >= 3 s, AASM): at {at}"
                        + (" ..." if zero.sum() > _NAMED else ""))
    outside = np.zeros(len(ev), dtype=bool)
    end_s = float("nan") if duration_s is None else float(duration_s)
    if np.isfinite(end_s):
        outside = used & ~zero & ((onset + dur <= 0.0) | (onset >= end_s))
    outside_by = _by_kind(kinds, outside)
    examples = tuple(f"'{labels.iloc[i]}' at {onset[i]:g} s" for i in np.flatnonzero(outside)[:_NAMED])
    if outside.any():
        warnings.append(f"{where}: {_kinds_text(outside_by)} outside the recording (0 to {end_s:g} s) "
                        f"{_were(outside_by)} not used: {', '.join(examples)}"
                        + (" ..." if outside.sum() > _NAMED else "")
                        + "; check that the events belong to this recording and its start time")
    kept = ev[~(zero | outside)]
    arousals, n_merged, n_groups = _merge_overlapping(kept[kept["kind"] == "arousal"])
    if n_merged:
        warnings.append(f"{where}: {n_merged + n_groups} overlapping scored arousals were merged into {n_groups} "
                        "(an arousal is one shift of the EEG; overlapping marks of it count once)")
    import pandas as pd

    out = pd.concat([kept[kept["kind"] != "arousal"], arousals], ignore_index=True)
    out = out.sort_values("onset", kind="stable").reset_index(drop=True)
    k_dur = np.nan_to_num(out["duration"].to_numpy(float), nan=0.0)
    below = {k: int(((out["kind"] == k).to_numpy() & (k_dur < m)).sum()) for k, m in AASM_MIN_DURATION_S.items()}
    return ScoredEvents(events=out, source=source, files=files, n_read=int(len(ev)),
                        by_kind={k: int(v) for k, v in Counter(kinds).items()}, unrecognised=unrecognised,
                        zero_duration=zero_by, outside=outside_by, outside_examples=examples,
                        n_arousals_merged=int(n_merged), below_aasm_minimum=below)


def _where(source: str | None, files: tuple[InputFile, ...]) -> str:
    if source == "recording annotations":
        return "scored events in the recording's annotations"
    if files:
        return "scored events (" + ", ".join(f.name for f in files) + ")"
    return "scored events"


def _by_kind(kinds: pd.Series, mask: np.ndarray) -> dict[str, int]:
    return {k: int(v) for k, v in Counter(kinds[mask]).items()}


def _kinds_text(by_kind: dict[str, int]) -> str:
    names = {"respiratory": ("respiratory event", "respiratory events"), "arousal": ("arousal", "arousals")}
    return " and ".join(f"{n} {names[k][0] if n == 1 else names[k][1]}" for k, n in sorted(by_kind.items(),
                                                                                          reverse=True))


def _were(by_kind: dict[str, int]) -> str:
    return "was" if sum(by_kind.values()) == 1 else "were"


def _merge_overlapping(arousals: pd.DataFrame) -> tuple[pd.DataFrame, int, int]:
    """Overlapping arousals merged into one (the first's label and channel, the union of the spans); how many
    arousals were merged into another, and into how many arousals the overlapping ones were merged."""
    if len(arousals) < 2:
        return arousals, 0, 0
    a = arousals.sort_values("onset", kind="stable").reset_index(drop=True)
    on = a["onset"].to_numpy(float)
    off = on + a["duration"].to_numpy(float)
    run_end = np.maximum.accumulate(off)
    # a new arousal starts where it begins at or after the end of every earlier one (touching is not overlap)
    starts = np.concatenate([[True], on[1:] >= run_end[:-1]])
    first = np.flatnonzero(starts)
    sizes = np.diff(np.append(first, len(a)))
    out = a.iloc[first].copy()
    out["duration"] = np.maximum.reduceat(off, first) - on[first]
    return out.reset_index(drop=True), int(len(a) - first.size), int((sizes > 1).sum())

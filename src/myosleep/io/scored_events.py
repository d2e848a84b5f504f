"""Read a scorer's events from any supported file into one normalised table.

A clinic brings its scorer's events in the format its software writes; this module reads
them all into the same columns, with one label normalisation across vendors, so that they
can be compared with myosleep's events (:mod:`myosleep.compare`) or with another scorer.

Formats (detected from the content):

* BIDS ``events.tsv`` (myosleep's own output, the simulator's truth, any BIDS events file
  with ``onset``, ``duration`` and ``trial_type``/``value``/``description``), also given as
  a ``myosleep analyze`` output folder;
* EDF+ annotations (``description@@channel`` as written by MNE and myosleep);
* NSRR XML (``PSGAnnotation``), Compumedics Profusion XML (``CMPStudyConfig``) and Philips
  Respironics RML (``PatientStudy``);
* SOMNOmedics/Domino text exports (sleep profile, arousals, flow events, Generic EMG events) and
  RemLogic event exports;
* onset/duration/label tables (CSV, TSV, MNE's annotation CSV).

Everything except BIDS tables is read by :func:`myosleep.io.read_scored_events`; this
module adds the normalisation (:func:`normalise_event_label`) and the scorer column.

Label normalisation (``kind`` and ``trial_type``)
-------------------------------------------------
``kind`` is the family of the event, from the one vocabulary that ``read_scored_events`` and
``myosleep analyze --events`` use (:func:`myosleep.io._event_vocab.classify_event`, with the
words of German, French, Italian, Spanish, Portuguese and Dutch exports): ``limb_movement``
(AASM leg movements, PLM, NSRR "Limb movement - left|Limb Movement (Left)", "PLM (Right)", German
"Beinbewegung"),
``myoclonus`` (hypnic jerk/sleep start, fragmentary myoclonus, REM twitch, neonatal,
propriospinal, cortical myoclonus, any other myoclonic jerk), ``body_movement``,
``arousal`` (any arousal, whatever caused it: "PLM Arousal (EEG)" is an arousal, not a
PLM), ``respiratory`` (apnoea, hypopnoea, RERA, flow limitation), ``desaturation``,
``emg_phasic``/``emg_tonic``/``emg_any`` (SINBAR REM EMG scoring, e.g. SOMNOmedics
"ChinPhasic"), ``artefact``, ``stage``, ``lights``, ``other``.

``trial_type`` is myosleep's event class (:class:`~myosleep.vocab.TrialType`) when the
event is one: every leg movement is ``leg_movement`` (a PLM label sets ``periodic``),
named myoclonus classes map to theirs; arousals, respiratory and EMG-scoring events have
none (``None``).
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import HypnogramError, ParameterError
from ..vocab import TrialType

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["SCORER_EVENT_COLUMNS", "EVENT_KINDS", "NormalisedLabel", "normalise_event_label",
           "channel_regions", "read_scorer_events", "read_events_tsv", "is_bids_events_table"]

logger = logging.getLogger("myosleep")

#: Columns of :func:`read_scorer_events`, in order.
SCORER_EVENT_COLUMNS = ["onset", "duration", "label", "kind", "trial_type", "channel", "region",
                        "periodic", "stage", "scorer", "source"]

#: Values of the ``kind`` column.
EVENT_KINDS = ("limb_movement", "myoclonus", "body_movement", "arousal", "respiratory", "desaturation",
               "emg_phasic", "emg_tonic", "emg_any", "artefact", "stage", "lights", "other")
# the same families as the one vocabulary (myosleep.io._event_vocab), in compare's order

_TRIAL_TYPES = frozenset(t.value for t in TrialType)
_PERIODIC = re.compile(r"\bplms?\b|periodic|periodisch")
_ARM = re.compile(r"\barms?\b|\bhand\b|\bfds\b|flexor digitorum|deltoid|biceps|\barm ?movement")
_SIDE_WORDS = (("left", re.compile(r"\bleft\b|\blinks\b|\(l\)|\bl\)")),
               ("right", re.compile(r"\bright\b|\brechts\b|\(r\)|\br\)")))
# SOMNOmedics Generic EMG events name their muscle: "LeftLegPhasic" -> LeftLeg.
_CAMEL_REGION = re.compile(r"^(left|right)?(chin|arm|leg)", re.IGNORECASE)


@dataclass(frozen=True)
class NormalisedLabel:
    """What one scorer label means in myosleep's words.

    Attributes
    ----------
    kind : str
        Family of the event (one of :data:`EVENT_KINDS`).
    trial_type : str | None
        myosleep event class (:class:`~myosleep.vocab.TrialType` value), or None.
    periodic : bool | None
        True when the label marks the leg movement as part of a PLM series; None when
        the label says nothing about it.
    stage : str | None
        For a stage label: W, N1, N2, N3, R or ``n/a`` (artefact, unscored).
    side : str | None
        ``"left"``/``"right"`` when the label names the side.
    """

    kind: str
    trial_type: str | None = None
    periodic: bool | None = None
    stage: str | None = None
    side: str | None = None


def _words(text: str) -> str:
    return " ".join(str(text).lower().replace("_", " ").replace("-", " ").split())


def normalise_event_label(label: str, *, kind: str | None = None) -> NormalisedLabel:
    """Normalise one scorer label (and, when known, the reader's ``kind``).

    The family comes from the one vocabulary :func:`myosleep.io._event_vocab.classify_event`, the
    same that ``myosleep analyze`` reads ``--events`` with; this adds myosleep's class, the side
    and whether a leg movement is periodic.

    Parameters
    ----------
    label : str
        The label as written in the file: ``"Limb movement - left|Limb Movement (Left)"``
        (NSRR), ``"LM"``, ``"PLM (Right)"``, ``"ChinPhasic"`` (SOMNOmedics),
        ``"hypnic_jerk@@EMG Chin"`` (EDF+), ``"leg_movement"`` (myosleep), ...
    kind : str | None
        The kind :func:`myosleep.io.read_scored_events` gave the event, if any; it is
        refined, not trusted blindly (it calls every unknown label ``"other"``).

    Returns
    -------
    NormalisedLabel
    """
    from ._event_vocab import classify_event, fold, motor_class
    from ._hypno_labels import label_to_stage

    text = str(label).split("@@", 1)[0].strip()
    # An exact myosleep class anywhere in an NSRR-style "Name|code" concept wins.
    for part in text.split("|"):
        key = part.strip().lower().replace(" ", "_")
        if key in _TRIAL_TYPES:
            fam = ("limb_movement" if key == TrialType.LEG_MOVEMENT.value
                   else "body_movement" if key == TrialType.BODY_MOVEMENT.value else "myoclonus")
            return NormalisedLabel(kind=fam, trial_type=key, side=_side(_words(text)))
    words = _words(text)
    fam = kind if (kind is not None and kind != "other") else classify_event(text)
    if fam == "other" and "|" in text and _stage_label(text, label_to_stage) is not None:
        fam = "stage"  # NSRR concept "REM sleep|5" given without its EventType
    camel = _CAMEL_REGION.match(text.replace(" ", ""))
    side = _side(words) or (camel.group(1).lower() if camel and camel.group(1) else None)
    if fam == "stage":
        return NormalisedLabel(kind="stage", stage=_stage_label(text, label_to_stage))
    if fam == "limb_movement":
        periodic = True if _PERIODIC.search(words) else None
        # AASM LMs are leg movements; an arm movement is a limb movement but no AASM LM.
        trial = None if _ARM.search(words) else TrialType.LEG_MOVEMENT.value
        return NormalisedLabel(kind="limb_movement", trial_type=trial, periodic=periodic, side=side)
    if fam in ("myoclonus", "body_movement"):
        return NormalisedLabel(kind=fam, trial_type=motor_class(fold(text)), side=side)
    return NormalisedLabel(kind=fam if fam in EVENT_KINDS else "other", side=side)


def _stage_label(text: str, label_to_stage) -> str | None:
    """W/N1/N2/N3/R/``n/a`` of a stage label; NSRR "Stage 2 sleep|2" tries the name, then the R&K code."""
    from ._hypno_labels import RK_CODES

    name, _, code = text.partition("|")
    st = label_to_stage(name)
    if st is None and code.strip().lstrip("-").isdigit():
        st = RK_CODES.get(int(code.strip()))
    return None if st is None else st.label


def _side(words: str) -> str | None:
    for side, pattern in _SIDE_WORDS:
        if pattern.search(words):
            return side
    return None


def channel_regions(channel: object) -> frozenset[str]:
    """Body regions recorded by an event's channels, for matching across vendors.

    ``channel`` is a tuple of labels or a comma-separated text (:func:`myosleep.schema.list_items`).
    ``"EMG LAT"`` and SOMNOmedics' ``"LeftLeg"`` are both ``leg_left``; ``"EMG Chin"`` and
    ``"Chin"`` are ``chin``.  A label whose role cannot be told is its own region
    (lower-cased, spaces squeezed), so identical labels still match.
    """
    from ..schema import list_items
    from ..vocab import Role
    from .roles import infer_role

    out = set()
    for label in list_items(channel):
        if not label:
            continue
        m = _CAMEL_REGION.match(label.replace(" ", ""))
        if m and m.end() == len(label.replace(" ", "")):
            side, muscle = m.group(1), m.group(2).lower()
            out.add(muscle if not side else f"{muscle}_{side.lower()}")
            continue
        role, side = infer_role(label)
        if role in (Role.OTHER, Role.EEG, Role.EOG, Role.ECG):
            out.add(" ".join(label.lower().split()))
        else:
            out.add(role.value if side is None else f"{role.value}_{side.value}")
    return frozenset(out)


# ------------------------------------------------------------------------------ BIDS tables
_LABEL_COLUMNS = ("trial_type", "value", "description", "label", "event", "annotation")


def is_bids_events_table(path: str | os.PathLike[str]) -> bool:
    """True for a tab-separated file whose header has onset, duration and an event label column."""
    p = Path(path)
    try:
        with open(p, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    if b"\x00" in head:
        return False
    first = head.decode("utf-8", errors="replace").lstrip("\ufeff").splitlines()[:1]
    if not first or "\t" not in first[0]:
        return False
    names = [c.strip().strip('"').lower() for c in first[0].split("\t")]
    return names[:2] == ["onset", "duration"] and any(c in names for c in _LABEL_COLUMNS)


def read_events_tsv(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a BIDS ``events.tsv`` (``n/a`` as missing) with numeric onset and duration (s).

    Raises
    ------
    HypnogramError
        Missing onset/duration columns or values that are not numbers.
    """
    import numpy as np
    import pandas as pd

    p = Path(path)
    if not p.is_file():
        raise HypnogramError("file not found", where=p, hint="give the path of an events.tsv file")
    try:
        df = pd.read_csv(p, sep="\t", dtype=str, keep_default_na=False, na_values=["n/a", ""],
                         encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise HypnogramError(f"is not a readable tab-separated events file ({exc})", where=p,
                             hint="write BIDS events: tab-separated, onset and duration first") from None
    if "onset" not in df.columns or "duration" not in df.columns:
        raise HypnogramError(f"has no onset and duration columns (header: {list(df.columns)})", where=p,
                             hint="BIDS events files start with the columns onset and duration")
    for col in ("onset", "duration"):
        values = pd.to_numeric(df[col], errors="coerce")
        bad = values.isna() & df[col].notna()
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise HypnogramError(f"{col} {df[col].iloc[i]!r} on line {i + 2} is not a number of seconds",
                                 where=p, hint="write onsets and durations in seconds")
        df[col] = values.astype(float)
    if df["onset"].isna().any():
        i = int(np.flatnonzero(df["onset"].isna().to_numpy())[0])
        raise HypnogramError(f"onset is missing on line {i + 2}", where=p, hint="every event needs an onset")
    df["duration"] = df["duration"].fillna(0.0)
    return df


def _parse_bool(value: object) -> bool | None:
    if value is None:
        return None
    s = str(value).strip().lower()
    if s in ("true", "1", "yes"):
        return True
    if s in ("false", "0", "no"):
        return False
    return None


def _from_bids(path: Path) -> pd.DataFrame:
    import pandas as pd

    from ..schema import EVENTS, REVIEWED_EVENTS

    ours = next((t for t in (EVENTS, REVIEWED_EVENTS) if t.matches_file(path)), None)
    if ours is not None:  # ours (analyze, analyze --events-from): the schema's reader (a comma in a label round-trips)
        df = ours.read(path)
        df["duration"] = df["duration"].fillna(0.0)
    else:
        df = read_events_tsv(path)
    col = next((c for c in _LABEL_COLUMNS if c in df.columns), None)
    if col is None:
        raise HypnogramError(f"has no event label column (one of {', '.join(_LABEL_COLUMNS)})", where=path,
                             hint="name the event column trial_type")
    labels = df[col].fillna("n/a").astype(str)
    norms = {lab: normalise_event_label(lab) for lab in set(labels)}  # a night holds few distinct labels
    rows = []
    for i in range(len(df)):
        norm = norms[labels.iloc[i]]
        periodic = _parse_bool(df["periodic"].iloc[i]) if "periodic" in df.columns else None
        stage = df["stage"].iloc[i] if "stage" in df.columns else None
        rows.append({
            "onset": float(df["onset"].iloc[i]), "duration": float(df["duration"].iloc[i]),
            "label": labels.iloc[i], "kind": norm.kind, "trial_type": norm.trial_type,
            "channel": df["channel"].iloc[i] if "channel" in df.columns else None,
            "periodic": periodic if periodic is not None else norm.periodic,
            "stage": stage if isinstance(stage, str) else norm.stage,
        })
    out = pd.DataFrame(rows, columns=["onset", "duration", "label", "kind", "trial_type", "channel", "periodic",
                                      "stage"])
    out.attrs.update({"format": "bids", "start_datetime": None})
    return out


def _missing(v: object) -> bool:
    return v is None or (isinstance(v, float) and v != v)


def _resolve(path: str | os.PathLike[str]) -> Path:
    p = Path(path)
    if p.is_dir():
        cand = p / "events.tsv"
        if not cand.is_file():
            raise HypnogramError("is a folder without events.tsv", where=p,
                                 hint="give an events file or a 'myosleep analyze' output folder")
        return cand
    if not p.exists():
        raise HypnogramError("file not found", where=p, hint="check the path of the event file")
    return p


def read_scorer_events(path: str | os.PathLike[str], *, format: str | None = None,
                       recording_start: datetime | None = None, scorer: str | None = None) -> pd.DataFrame:
    """Read scored events of any supported format into one normalised table.

    Parameters
    ----------
    path : path-like
        The event file, or a ``myosleep analyze`` output folder (its ``events.tsv``).
    format : str | None
        ``"bids"`` or one of :data:`myosleep.io.hypnogram.HYPNOGRAM_FORMATS`; default:
        detected from the content.
    recording_start : datetime | None
        Start of the recording; onsets of files that state their own start (EDF+, NSRR,
        SOMNOmedics) are shifted to count from it.  BIDS tables already count from the
        recording's start.
    scorer : str | None
        Who scored (the ``scorer`` column); default: the file name without extension
        (the folder name for an analyze folder).

    Returns
    -------
    pandas.DataFrame
        One row per event, sorted by onset, columns :data:`SCORER_EVENT_COLUMNS`:
        ``onset`` (s from the recording start), ``duration`` (s, 0 for point events),
        ``label`` (as given), ``kind``, ``trial_type`` (None when the event is no myosleep
        class), ``channel`` (tuple of the labels as in the file; empty when none), ``region``
        (tuple of ``leg_left``, ``chin``, ... sorted, see :func:`channel_regions`; empty when none),
        ``periodic`` (True/False/None), ``stage`` (stage at onset, or the scored stage of a
        stage row; None when unknown), ``scorer``, ``source`` (``file:<name>``).
        ``DataFrame.attrs`` holds ``source``, ``format`` and ``start_datetime`` (ISO, or None).

    Raises
    ------
    HypnogramError
        Missing or unreadable file, or a format that holds stages only.
    """
    import pandas as pd

    from ..schema import list_items
    from .hypnogram import HYPNOGRAM_FORMATS, read_scored_events

    allowed = ("bids", *HYPNOGRAM_FORMATS)
    if format is not None and format not in allowed:
        raise ParameterError(f"unknown format {format!r}; allowed: {', '.join(allowed)}", where="format")
    given = Path(path)
    p = _resolve(given)
    if format == "bids" or (format is None and is_bids_events_table(p)):
        df = _from_bids(p)
    else:
        raw = read_scored_events(p, format=format, recording_start=recording_start)
        norms: dict[tuple[str, str], NormalisedLabel] = {}
        rows = []
        for onset, dur, desc, kind, channel in zip(raw["onset"], raw["duration"], raw["description"],
                                                  raw["kind"], raw["channel"]):
            key = (str(desc), str(kind))
            if key not in norms:
                norms[key] = normalise_event_label(desc, kind=kind)
            norm = norms[key]
            rows.append({"onset": float(onset), "duration": float(dur), "label": str(desc), "kind": norm.kind,
                         "trial_type": norm.trial_type, "channel": channel, "periodic": norm.periodic,
                         "stage": norm.stage})
        df = pd.DataFrame(rows, columns=["onset", "duration", "label", "kind", "trial_type", "channel", "periodic",
                                         "stage"])
        df.attrs.update({"format": raw.attrs.get("format"), "start_datetime": raw.attrs.get("start_datetime")})
    name = given.name if given.is_dir() else p.stem
    # EDF+ "text@@label" names one channel (MNE's convention); other files may list several
    one_label = df.attrs.get("format") == "edf"
    channels = [(str(c).strip(),) if one_label and isinstance(c, str) and c.strip() else list_items(c)
                for c in df["channel"]]
    # lists are tuples in memory, as in myosleep's own tables (object columns keep them as they are)
    df["channel"] = pd.Series(channels, index=df.index, dtype=object)
    df["region"] = pd.Series([tuple(sorted(channel_regions(c))) for c in channels], index=df.index, dtype=object)
    for col in ("label", "kind", "trial_type", "periodic", "stage"):
        df[col] = pd.Series([None if _missing(v) else v for v in df[col]], index=df.index, dtype=object)
    df["scorer"] = pd.Series([scorer if scorer else name] * len(df), index=df.index, dtype=object)
    df["source"] = pd.Series([f"file:{p.name}"] * len(df), index=df.index, dtype=object)
    attrs = dict(df.attrs)
    df = df[SCORER_EVENT_COLUMNS].sort_values("onset", kind="stable").reset_index(drop=True)
    df.attrs.update(attrs)
    df.attrs["source"] = f"file:{p.name}"
    logger.info("read %d scored events from %s (%s)", len(df), p, df.attrs.get("format"))
    return df

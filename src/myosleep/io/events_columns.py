"""Metadata of the events.tsv columns ``myosleep analyze`` writes: what the BIDS sidecar says.

One :class:`ColumnMeta` per column of
:data:`myosleep.classification.classify.EVENT_COLUMNS` (name, dtype, unit, description,
levels), in file order.  :func:`myosleep.io.export_bids.events_sidecar` takes any sequence
of objects with these fields, so a schema of the package's output columns can replace this
list without changing the sidecar builder.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

__all__ = ["ColumnMeta", "EVENTS_TSV_COLUMNS", "TRIAL_TYPE_LEVELS", "STAGE_LEVELS"]


@dataclass(frozen=True)
class ColumnMeta:
    """Metadata of one output column.

    Attributes
    ----------
    name : str
        Column name as in the file.
    dtype : str
        ``"float"``, ``"int"``, ``"bool"``, ``"str"`` (missing values are ``n/a``).
    unit : str | None
        SI unit in CMIXF-12 spelling (``s``, ``ms``, ``uV``, ``m/s``), None for none.
    description : str
        What the column holds.
    levels : mapping | None
        Value -> meaning, for categorical columns.
    long_name : str | None
        Short human-readable name (BIDS ``LongName``).
    delimiter : str | None
        Separator of a column holding lists (BIDS ``Delimiter``).
    """

    name: str
    dtype: str
    unit: str | None
    description: str
    levels: Mapping[str, str] | None = None
    long_name: str | None = None
    delimiter: str | None = None
    term_url: str | None = field(default=None, repr=False)


#: trial_type vocabulary (DESIGN.md; clinical definitions and sources in docs/classification.md).
TRIAL_TYPE_LEVELS = MappingProxyType({
    "hypnic_jerk": "Hypnic jerk (sleep start, ICSD-3): a sudden brief jerk of several body segments at the "
                   "wake-to-sleep transition.",
    "fragmentary_myoclonus": "Fragmentary myoclonus (AASM): an EMG potential up to 150 ms, asynchronous "
                             "across muscles.",
    "leg_movement": "Leg movement scored by the chosen ruleset (AASM or WASM 2016: 0.5-10 s, onset >= 8 uV "
                    "above resting EMG); see the periodic column for PLM series.",
    "rem_twitch": "Phasic EMG burst of REM sleep (0.1-5 s, SINBAR).",
    "neonatal_myoclonus": "Jerk of a cluster of benign neonatal sleep myoclonus (1-5 Hz over seconds, only "
                          "in sleep).",
    "propriospinal_myoclonus": "Jerk starting in axial muscles in relaxed wakefulness and spreading along the "
                               "cord (propriospinal myoclonus at sleep onset).",
    "cortical_myoclonus": "Jerk with a time-locked EEG transient before it (cortical myoclonus).",
    "myoclonic_jerk": "A jerk that fits no other class.",
    "body_movement": "Gross body movement (not a jerk; leg activity longer than an LM).",
})

#: Sleep stage at the event's onset (AASM).
STAGE_LEVELS = MappingProxyType({
    "W": "Wake", "N1": "NREM stage 1", "N2": "NREM stage 2", "N3": "NREM stage 3",
    "R": "REM sleep", "n/a": "Not scored, artefact or outside the hypnogram",
})

_BOOL = MappingProxyType({"True": "Yes", "False": "No"})

#: Every column of events.tsv, in file order.
EVENTS_TSV_COLUMNS: tuple[ColumnMeta, ...] = (
    ColumnMeta("onset", "float", "s", "Onset of the event in seconds from the first sample of the recording.",
               long_name="Event onset"),
    ColumnMeta("duration", "float", "s", "Duration of the event in seconds (first EMG onset to last offset).",
               long_name="Event duration"),
    ColumnMeta("trial_type", "str", None, "Class of the event.", levels=TRIAL_TYPE_LEVELS,
               long_name="Event class"),
    ColumnMeta("channel", "str", None, "Channels (labels as in the recording) in which the event was seen.",
               long_name="Channels", delimiter=","),
    ColumnMeta("stage", "str", None, "Sleep stage of the 30-s epoch holding the onset.", levels=STAGE_LEVELS,
               long_name="Sleep stage"),
    ColumnMeta("peak_amplitude_uv", "float", "uV",
               "Peak of the EMG envelope above the channel's resting level, largest over the event's channels.",
               long_name="Peak amplitude"),
    ColumnMeta("periodic", "bool", None, "For leg movements: part of a PLM series (>= 4 LMs, onset-to-onset "
               "intervals within the ruleset's limits); n/a for other events.", levels=_BOOL,
               long_name="Periodic leg movement"),
    ColumnMeta("arousal", "bool", None, "An arousal is associated: it overlaps the event or starts < 0.5 s "
               "after its end (AASM rule for LMs); for jerks, it starts within 10 s after the onset.",
               levels=_BOOL, long_name="Associated arousal"),
    ColumnMeta("max_burst_duration_ms", "float", "ms", "Duration of the event's longest EMG burst.",
               long_name="Longest burst"),
    ColumnMeta("n_channels", "int", None, "Number of channels in which the event was seen.",
               long_name="Number of channels"),
    ColumnMeta("regions", "str", None, "Body regions of those channels, in order of onset: chin, leg, arm, "
               "axial, accelerometer.", long_name="Body regions", delimiter=","),
    ColumnMeta("onset_spread_ms", "float", "ms", "Time from the first to the last channel's burst onset.",
               long_name="Onset spread"),
    ColumnMeta("bilateral", "bool", None, "The event involved both sides of the body.", levels=_BOOL,
               long_name="Bilateral"),
    ColumnMeta("interval_s", "float", "s", "For leg movements: onset-to-onset interval to the previous leg "
               "movement taken into account by the PLM rules.", long_name="Inter-movement interval"),
    ColumnMeta("series_id", "int", None, "Number of the PLM series the leg movement belongs to; -1 for none.",
               long_name="PLM series"),
    ColumnMeta("velocity_m_s", "float", "m/s", "For propriospinal myoclonus: spread velocity along the cord, "
               "after removal of peripheral motor conduction.", long_name="Spread velocity"),
    ColumnMeta("cluster_id", "int", None, "Number of the neonatal myoclonus cluster; -1 for none.",
               long_name="Neonatal cluster"),
    ColumnMeta("rule", "str", None, "Which rule decided the class, in words.", long_name="Deciding rule"),
    ColumnMeta("event_id", "int", None, "Number of the detected motor event (bursts grouped across channels); "
               "-1 for rows scored from the leg-movement table.", long_name="Motor event"),
)

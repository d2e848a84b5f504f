"""`classify`: give every motor event a trial_type and compute the recording's findings.

Order of decisions for a motor event built from short bursts (the first that applies wins):

1. ``body_movement`` from detection stays a body movement;
2. a leg-only event overlapping a leg movement scored from the "lm" bursts is that leg
   movement (one row, ``leg_movement``, see :mod:`.plm`);
3. infants (< 1 year): part of a 1-5 Hz cluster in sleep -> ``neonatal_myoclonus``;
4. axial first muscle, spread at 3-11 m/s, in wake, N1 or a transition window ->
   ``propriospinal_myoclonus``;
5. several body regions, brief, in a wake-to-sleep transition window -> ``hypnic_jerk``;
6. REM, longest burst 0.1-5 s -> ``rem_twitch`` (SINBAR phasic activity);
   then chin-only events associated with an EEG arousal (AASM association rule) are that
   arousal's chin EMG rise (tone, not a jerk): left out of the table and counted
   (``indices["arousal_chin_fragments"]``);
7. one channel, 20-150 ms -> ``fragmentary_myoclonus``;
8. otherwise ``myoclonic_jerk`` (``cortical_myoclonus`` needs EEG evidence that the
   back-averaging analysis supplies; it is never assigned here).

Burst durations (longest, shortest, median) are those of the EMG bursts of each event: an
accelerometer's movement outlasts the muscle burst that caused it and is not a "burst".
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..age import Age, parse_age
from ..errors import ParameterError
from ..vocab import FindingCode, Stage, TrialType
from . import findings as fnd
from .fragmentary import excessive_fm_minutes, is_fragmentary
from .hypnic import is_hypnic, n_regions
from .neonatal import neonatal_clusters
from ._intervals import overlaps_any
from .plm import _arousal_mask, score_leg_movements
from .propriospinal import propagation_velocity
from .rswa import atonia_index, sinbar
from .rules import RuleSet, get_ruleset

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from .findings import Finding

__all__ = ["Classification", "classify", "EVENT_COLUMNS"]

logger = logging.getLogger("myosleep")

#: Columns of :attr:`Classification.events` (units in names; onset/duration in s).
EVENT_COLUMNS = ["onset", "duration", "trial_type", "channel", "stage", "peak_amplitude_uv", "periodic", "arousal",
                 "max_burst_duration_ms", "n_channels", "regions", "onset_spread_ms", "bilateral", "interval_s",
                 "series_id", "velocity_m_s", "cluster_id", "rule", "event_id"]

_REQUIRED = ("onset", "duration", "trial_type", "channel", "n_channels", "regions", "max_burst_duration_s",
             "peak_amplitude_uv")
_SLEEP = (int(Stage.N1), int(Stage.N2), int(Stage.N3), int(Stage.R))


@dataclass(frozen=True)
class Classification:
    """Every event with its class, the findings and the indices of one night.

    Attributes
    ----------
    events : DataFrame
        events.tsv rows, columns :data:`EVENT_COLUMNS`: onset, duration (s), trial_type,
        channel, stage (W N1 N2 N3 R n/a at onset), peak_amplitude_uv (uV), periodic
        (True/False for leg movements, "n/a" otherwise), arousal (an arousal overlaps, or
        starts < 0.5 s after, or for jerks within 10 s after), max_burst_duration_ms,
        n_channels, regions, onset_spread_ms, bilateral, interval_s (LM onset-to-onset
        interval, s), series_id (PLM series, -1 none), velocity_m_s (propriospinal spread),
        cluster_id (neonatal cluster, -1 none), rule (what decided), event_id.
    findings : list of Finding
        The seven findings (codes of :class:`~myosleep.vocab.FindingCode`).
    indices : dict
        Counts and per-hour indices (overall and by stage), PLMS/PLMW, RSWA numbers.
    rules : RuleSet
    leg_movements : DataFrame
        The full LM table of :func:`~.plm.score_leg_movements` (respiratory-related and
        non-scored leg activity included).
    """

    events: "pd.DataFrame"
    findings: list
    indices: dict
    rules: RuleSet
    leg_movements: "pd.DataFrame" = field(repr=False, default=None)
    provenance: dict = field(default_factory=dict)

    def to_dataframe(self) -> "pd.DataFrame":
        """A copy of :attr:`events`."""
        return self.events.copy()

    def to_annotations(self):
        """The events as :class:`mne.Annotations` (description = trial_type)."""
        import mne

        ev = self.events
        return mne.Annotations(onset=ev["onset"].to_numpy(float), duration=ev["duration"].to_numpy(float),
                               description=ev["trial_type"].astype(str).tolist())

    def finding(self, code: FindingCode | str) -> "Finding":
        """The finding with this code."""
        code = FindingCode(code)
        for f in self.findings:
            if f.code == code:
                return f
        raise KeyError(code)

    def summary(self) -> dict[str, Any]:
        """JSON-ready: ruleset, counts, indices, indices_per_hour, findings, methods, provenance.

        ``indices_per_hour`` is the compact table of summary.json: per trial_type the index
        per hour of sleep and per hour of each stage, then PLMS/PLMW and the atonia index.
        """
        from .._json import to_jsonable

        counts = self.events["trial_type"].value_counts().to_dict() if len(self.events) else {}
        idx = self.indices
        per_hour: dict[str, Any] = {
            t: {"sleep": v["index_per_h_sleep"], **v["index_per_h_by_stage"]}
            for t, v in idx["by_trial_type"].items()}
        per_hour["plms"] = idx["plm"]["plms_index_per_h"]
        per_hour["plmw"] = idx["plm"]["plmw_index_per_h"]
        per_hour["plms_arousal"] = idx["plm"]["plms_arousal_index_per_h"]
        per_hour["plms_by_stage"] = idx["plm"]["plms_index_per_h_by_stage"]
        methods = {
            "ruleset": self.rules.name, "ruleset_citation": self.rules.citation,
            "thresholds": self.rules.to_dict(),
            "atonia_index_source": idx["rswa"].get("atonia_index_source"),
            "hypnogram_source": self.provenance.get("hypnogram_source"),
            "classification_order": ["body_movement", "neonatal_myoclonus (age < 1 y)", "leg_movement",
                                     "propriospinal_myoclonus", "hypnic_jerk", "rem_twitch",
                                     "arousal chin tone (left out, counted)",
                                     "fragmentary_myoclonus", "myoclonic_jerk"],
        }
        return to_jsonable({
            "ruleset": self.rules.name,
            "ruleset_citation": self.rules.citation,
            "counts": {t.value: int(counts.get(t.value, 0)) for t in TrialType},
            "indices": idx,
            "indices_per_hour": per_hour,
            "findings": [f.to_dict() for f in self.findings],
            "methods": methods,
            **self.provenance,
        })


def _check_events(motor_events: "pd.DataFrame") -> "pd.DataFrame":
    import pandas as pd

    if motor_events is None:
        motor_events = pd.DataFrame({c: [] for c in _REQUIRED})
    if not isinstance(motor_events, pd.DataFrame):
        raise ParameterError(f"motor_events must be a pandas DataFrame, got {type(motor_events).__name__}",
                             where="classify(motor_events)")
    missing = [c for c in _REQUIRED if c not in motor_events.columns]
    if missing:
        raise ParameterError(f"motor-event table lacks columns {missing}", where="classify(motor_events)",
                             hint="pass the events of myosleep.detection (motor_events.tsv schema)")
    me = motor_events.sort_values("onset", kind="stable").reset_index(drop=True).copy()
    for c, default in (("min_burst_duration_s", np.nan), ("first_role", ""), ("latencies_ms", ""),
                       ("onset_spread_ms", 0.0), ("bilateral", False), ("event_id", -1)):
        if c not in me.columns:
            me[c] = default
    me["min_burst_duration_s"] = me["min_burst_duration_s"].fillna(me["max_burst_duration_s"])
    return me


def _channel_roles(bursts: "pd.DataFrame | None", recording: Any) -> dict[str, str]:
    roles: dict[str, str] = {}
    if recording is not None:
        for ch in getattr(recording, "channels", []) or []:
            label = getattr(ch, "label", None)
            role = getattr(ch, "role", None)
            if label is not None and role is not None:
                roles[str(label)] = str(getattr(role, "value", role))
    if bursts is not None and len(bursts) and "role" in bursts.columns:
        for label, role in bursts[["channel", "role"]].drop_duplicates().itertuples(index=False):
            roles.setdefault(str(label), str(role))
    return roles


def _chin_amplitude_1s(recording: Any, roles: dict[str, str], refused: dict) -> tuple[np.ndarray | None, str]:
    """Rectified chin EMG averaged per second (uV) from the recording's chin channel.

    A chin channel sampled >= 100 Hz is band-passed (myosleep.preprocessing.filter_emg) and
    rectified-averaged in 1-s mini-epochs (Ferri 2010).  A chin channel sampled below 100 Hz
    cannot hold raw EMG (DESIGN.md); when all its values are >= 0 it is an amplitude envelope
    already (Sleep-EDF's 1-Hz 'EMG submental'), averaged per second as it is.
    """
    if recording is None:
        return None, "no recording given"
    chins = [lab for lab, r in roles.items() if r == "chin"]
    if not chins or not hasattr(recording, "get_data"):
        return None, "no chin channel"
    label = chins[0]
    info = recording.channel(label) if hasattr(recording, "channel") else None
    sfreq = float(getattr(info, "sfreq", 0.0) or 0.0)
    if sfreq <= 0:
        return None, f"{label}: unknown sampling rate"
    x = np.asarray(recording.get_data(label), dtype=float)
    if sfreq >= 100.0:
        from ..preprocessing.envelope import rectified_average
        from ..preprocessing.filters import filter_emg

        return np.asarray(rectified_average(filter_emg(x, sfreq), sfreq, window_s=1.0), float), f"channel:{label}"
    finite = x[np.isfinite(x)]
    if finite.size == 0 or finite.min() < 0 or sfreq < 1.0 or sfreq != round(sfreq):
        return None, f"{label} sampled at {sfreq:g} Hz is neither raw EMG nor an amplitude envelope"
    k = int(sfreq)
    n = x.size // k
    return np.nanmean(x[: n * k].reshape(n, k), axis=1), f"envelope channel:{label} at {sfreq:g} Hz"


def _split_jerk_trains(me: "pd.DataFrame", bursts: "pd.DataFrame", rs: RuleSet) -> "pd.DataFrame":
    """Split 'body movements' made only of brief bursts (< ``body_min_burst_s``) into their jerks.

    The bursts of such an event (``event_id`` in the bursts table) are regrouped by
    :func:`myosleep.detection.events.group_events` with its synchrony window and the
    body-movement rule switched off.
    """
    import pandas as pd

    body = (me["trial_type"].astype(str) == TrialType.BODY_MOVEMENT.value) & (
        me["max_burst_duration_s"].astype(float) < rs.body_min_burst_s)
    if not body.any() or bursts is None or len(bursts) == 0 or "event_id" not in bursts.columns:
        return me
    from ..detection.events import group_events
    from ..detection.params import EventParams

    params = EventParams(body_min_duration_s=float("inf"))
    next_id = int(max(me["event_id"].max(), bursts["event_id"].max())) + 1
    pieces, drop = [], []
    for i in np.flatnonzero(body.to_numpy()):
        sub = bursts[(bursts["event_id"] == me.at[i, "event_id"]) & (bursts["detector"].astype(str) == "short")]
        if len(sub) == 0:
            continue
        ev, _ = group_events(sub, params=params)
        if len(ev) == 0:
            continue
        ev = ev.copy()
        ev["event_id"] = np.arange(next_id, next_id + len(ev))
        next_id += len(ev)
        pieces.append(ev)
        drop.append(i)
    if not pieces:
        return me
    logger.info("%d body movements made only of brief bursts were split into %d jerks", len(drop),
                sum(len(p) for p in pieces))
    out = pd.concat([me.drop(index=drop)] + [p[[c for c in me.columns if c in p.columns]] for p in pieces],
                    ignore_index=True)
    out["min_burst_duration_s"] = out["min_burst_duration_s"].fillna(out["max_burst_duration_s"])
    return out.sort_values("onset", kind="stable").reset_index(drop=True)


def _emg_burst_durations(me: "pd.DataFrame", bursts: "pd.DataFrame") -> "pd.DataFrame":
    """Longest, shortest and median EMG burst duration (s) of each event, accelerometer left out.

    The clinical durations (sleep starts 75-250 ms, FM <= 150 ms, REM phasic 0.1-5 s,
    cortical < 45 ms) are EMG burst durations; an accelerometer's movement lasts longer than
    the EMG burst that caused it (the limb or trunk still moves after the muscle stops), so it
    must not count as a "burst".  Events with no EMG burst in the bursts table keep the
    durations of detection; ``median_burst_duration_s`` falls back to the longest.
    """
    import pandas as pd

    me = me.copy()
    me["median_burst_duration_s"] = me["max_burst_duration_s"].astype(float)
    if bursts is None or len(bursts) == 0 or len(me) == 0 or not {"event_id", "duration"} <= set(bursts.columns):
        return me
    emg = bursts
    if "role" in emg.columns:
        emg = emg[emg["role"].astype(str) != "accelerometer"]
    if "detector" in emg.columns:
        emg = emg[emg["detector"].astype(str) == "short"]
    # ids read back from a TSV may hold "n/a": such bursts belong to no event
    eid = pd.to_numeric(emg["event_id"], errors="coerce")
    emg = emg.assign(_eid=eid)[eid >= 0]
    if len(emg) == 0:
        return me
    g = emg.groupby("_eid")["duration"]
    stats = {"max_burst_duration_s": g.max(), "min_burst_duration_s": g.min(), "median_burst_duration_s": g.median()}
    ids = pd.to_numeric(me["event_id"], errors="coerce")
    for col, ser in stats.items():
        val = ids.map(ser)
        me[col] = val.where(val.notna(), me[col]).astype(float)
    return me


def _awakening_onsets_s(hypnogram: Any) -> np.ndarray:
    """Onsets (s) of W epochs that follow a sleep epoch (awakenings)."""
    st = np.asarray(hypnogram.stages)
    if st.size < 2:
        return np.zeros(0)
    idx = np.flatnonzero((st[1:] == int(Stage.W)) & np.isin(st[:-1], _SLEEP)) + 1
    return np.asarray(hypnogram.epoch_onsets_s, dtype=float)[idx]


def _drop_overlapping(lm: "pd.DataFrame", on: np.ndarray, off: np.ndarray) -> "pd.DataFrame":
    """Rows (onset, duration in s) that overlap none of the intervals [on, off] (s)."""
    if len(lm) == 0 or on.size == 0:
        return lm
    a = lm["onset"].to_numpy(float)
    b = a + lm["duration"].to_numpy(float)
    hit = overlaps_any(a, b, on, off)
    return lm[~hit].reset_index(drop=True)


def _stage_hours(context: Any) -> dict[str, float]:
    return {lab: float(context.hours_in(lab)) for lab in ("W", "N1", "N2", "N3", "R")}


def classify(motor_events: "pd.DataFrame", bursts: "pd.DataFrame", context: Any, *,
             age: Age | str | float | None = None, rules: str | RuleSet = "aasm", recording: Any = None,
             respiratory_events: "pd.DataFrame | None" = None, channels_refused: dict | None = None,
             chin_amplitude_1s_uv: np.ndarray | None = None) -> Classification:
    """Classify every motor event and compute the findings of one night.

    Parameters
    ----------
    motor_events : DataFrame
        Motor events of the short-burst detector (motor_events.tsv schema: onset, duration
        in s; trial_type; channel; n_channels; regions; bilateral; first_role;
        latencies_ms; onset_spread_ms; peak_amplitude_uv in uV; max_burst_duration_s and
        min_burst_duration_s in s; event_id).
    bursts : DataFrame
        Bursts table (bursts.tsv schema); the "lm" bursts on leg channels give the leg
        movements, the chin (and arm) bursts the SINBAR percentages.
    context : SleepContext
        Hypnogram, transitions, arousals (:func:`myosleep.context.build_context`).
    age : Age | str | float | None
        Age (years, or text with a unit: ``"4mo"``); decides the paediatric PLMS cut-off and
        whether neonatal myoclonus is considered.
    rules : {"aasm", "wasm2016"} or RuleSet
    recording : Recording, optional
        Used for channel roles and, when it has a usable chin channel, the REM atonia index.
    respiratory_events : DataFrame, optional
        ``onset``, ``duration`` (s) of respiratory events (LMs near them are not counted).
    channels_refused : dict, optional
        ``{label: reason}`` of channels detection refused (reported as they are).
    chin_amplitude_1s_uv : array, optional
        Rectified chin EMG averaged per second (uV) from recording start, when the caller
        has it already (it wins over the recording's chin channel).

    Returns
    -------
    Classification

    Raises
    ------
    ParameterError
        When the motor-event table lacks required columns, or for an unknown ruleset.
    """
    import pandas as pd

    rs = get_ruleset(rules)
    age_obj = parse_age(age)
    refused = dict(channels_refused or {})
    me = _check_events(motor_events)
    if bursts is None:
        bursts = pd.DataFrame({"onset": [], "duration": [], "channel": [], "role": [], "detector": []})
    me = _split_jerk_trains(me, bursts, rs)
    me = _emg_burst_durations(me, bursts)
    roles = _channel_roles(bursts, recording)
    usable = {lab: r for lab, r in roles.items() if lab not in refused}

    arousals = getattr(context, "arousals", None)

    on = me["onset"].to_numpy(float)
    off = on + me["duration"].to_numpy(float)
    n = len(me)
    codes = np.asarray(context.stage_at(on), dtype=int) if n else np.zeros(0, int)
    labels = [Stage(int(c)).label for c in codes]
    trial = me["trial_type"].astype(str).to_numpy(dtype=object).copy()
    rule = np.array(["" for _ in range(n)], dtype=object)
    keep = np.ones(n, dtype=bool)
    is_body = trial == TrialType.BODY_MOVEMENT.value
    rule[is_body] = "body movement (detection)"

    free = ~is_body
    asleep = np.isin(codes, _SLEEP)
    regions_sets = [{r.strip() for r in str(v).split(",") if r.strip()} for v in me["regions"]] if n else []
    leg_only = np.array([s <= {"leg"} and bool(s) for s in regions_sets], dtype=bool)

    # 3 (before 2 for infants). neonatal clusters: a 1-5 Hz run of leg jerks would otherwise merge
    # into one AASM leg movement (offset needs 0.5 s of rest), so clusters are found first.
    cluster = np.full(n, -1, dtype=np.int64)
    if age_obj is not None and age_obj.years < rs.neonatal_max_age_y and n:
        cluster, rate = neonatal_clusters(on, asleep, rules=rs, candidate=free)
        sel = cluster >= 0
        trial[sel] = TrialType.NEONATAL_MYOCLONUS.value
        rule[sel] = [f"cluster {c} of jerks at {r:.1f} Hz in sleep (BNSM 1-5 Hz)"
                     for c, r in zip(cluster[sel], rate[sel])]
        free &= ~sel

    # ------------------------------------------------------------ leg movements
    # Leg activity inside a gross body movement or a neonatal cluster is part of it, not an LM.
    not_lm = (is_body & np.array(["leg" in s for s in regions_sets], dtype=bool)) | (cluster >= 0)
    lm_bursts = _drop_overlapping(bursts, on[not_lm], off[not_lm]) if n else bursts
    lm = score_leg_movements(lm_bursts, rules=rs, respiratory_events=respiratory_events, arousals=arousals)

    # 2. leg-only events inside a leg movement are that leg movement
    if n and len(lm):
        lm_on = lm["onset"].to_numpy(float)
        lm_off = lm_on + lm["duration"].to_numpy(float)
        inside = overlaps_any(on, off, lm_on, lm_off)
        absorbed = inside & leg_only & free
        keep &= ~absorbed
        free &= ~absorbed

    # 4. propriospinal
    velocity = np.full(n, np.nan)
    in_trans = np.asarray(context.in_transition(on), dtype=bool) if n else np.zeros(0, bool)
    for i in np.flatnonzero(free & (me["first_role"].astype(str).to_numpy() == "axial")):
        v, nch, direction = propagation_velocity(str(me.at[i, "latencies_ms"]), usable or roles, rules=rs)
        velocity[i] = v
        relaxed = codes[i] in (int(Stage.W), int(Stage.N1)) or in_trans[i]
        if (np.isfinite(v) and rs.psm_min_velocity_m_s <= v <= rs.psm_max_velocity_m_s and relaxed
                and me.at[i, "max_burst_duration_s"] <= rs.psm_max_burst_s):
            trial[i] = TrialType.PROPRIOSPINAL_MYOCLONUS.value
            rule[i] = f"axial onset, {direction} spread at {v:.1f} m/s over {nch} muscles"
            free[i] = False

    # 5. hypnic jerks
    hyp = is_hypnic(me, in_trans, rules=rs) & free if n else np.zeros(0, bool)
    nreg = n_regions(me)
    trial[hyp] = TrialType.HYPNIC_JERK.value
    rule[hyp] = [f"{k} body regions, median EMG burst {d * 1000:.0f} ms, in a wake-to-sleep transition"
                 for k, d in zip(nreg[hyp], me["median_burst_duration_s"].to_numpy(float)[hyp])]
    free &= ~hyp

    # 6. REM twitches
    dmax = me["max_burst_duration_s"].to_numpy(float)
    twitch = free & (codes == int(Stage.R)) & (dmax >= rs.rem_twitch_min_burst_s) & (dmax <= rs.rem_twitch_max_burst_s)
    trial[twitch] = TrialType.REM_TWITCH.value
    rule[twitch] = [f"phasic burst {d * 1000:.0f} ms in REM (0.1-5 s)" for d in dmax[twitch]]
    free &= ~twitch

    # 6b. chin activity of an arousal: the rise of submental EMG that accompanies an EEG arousal
    # (AASM arousal rule: in REM it requires a concurrent chin EMG increase) is tone, not a jerk;
    # the short-burst detector cuts it into fragments.  Chin-only events associated with a
    # detected/scored arousal, by the AASM association rule (overlap, or < 0.5 s between the end
    # of one and the onset of the other: the arousal detector places onsets on a 0.5-s grid and
    # the chin often rises just before the EEG shift), are that arousal's activity: left out of
    # the event table and counted in indices["arousal_chin_fragments"].
    chin_only = np.array([s == {"chin"} for s in regions_sets], dtype=bool)
    tone = free & chin_only & (me["n_channels"].to_numpy(float) == 1) & \
        _arousal_mask(on, off, arousals, rs.arousal_gap_s) if n else np.zeros(0, bool)
    keep &= ~tone
    free &= ~tone
    n_arousal_chin = int(tone.sum())

    # 7. fragmentary myoclonus
    fm = is_fragmentary(me, rules=rs) & free if n else np.zeros(0, bool)
    trial[fm] = TrialType.FRAGMENTARY_MYOCLONUS.value
    rule[fm] = [f"single-channel potential {d * 1000:.0f} ms <= {rs.fm_max_burst_s * 1000:.0f} ms"
                for d in dmax[fm]]
    free &= ~fm

    # 8. the rest
    rest = free & (trial != TrialType.BODY_MOVEMENT.value)
    trial[rest] = TrialType.MYOCLONIC_JERK.value
    rule[rest] = "fits no other class"

    # arousal association: the AASM rule for LMs and arousals (overlap, or < 0.5 s between the
    # end of one and the onset of the other) applied to every event, or an awakening (a W epoch
    # after sleep) starting within one epoch after the event's end: the hypnogram cannot place
    # an awakening more precisely than its epoch.
    aro = np.zeros(n, dtype=bool)
    if n:
        aro = _arousal_mask(on, off, arousals, rs.arousal_gap_s)
        awake_on = _awakening_onsets_s(context.hypnogram)
        if awake_on.size:
            ep = float(context.hypnogram.epoch_s)
            k = np.searchsorted(awake_on, off, side="left")
            nxt = np.where(k < awake_on.size, awake_on[np.minimum(k, awake_on.size - 1)], np.inf)
            aro |= (nxt - off) <= ep

    ev = pd.DataFrame({
        "onset": on, "duration": off - on, "trial_type": trial, "channel": me["channel"].astype(str).to_numpy(),
        "stage": labels, "peak_amplitude_uv": me["peak_amplitude_uv"].to_numpy(float), "periodic": "n/a",
        "arousal": aro, "max_burst_duration_ms": dmax * 1000.0, "n_channels": me["n_channels"].to_numpy(),
        "regions": me["regions"].astype(str).to_numpy(), "onset_spread_ms": me["onset_spread_ms"].to_numpy(float),
        "bilateral": me["bilateral"].astype(bool).to_numpy(), "interval_s": np.nan, "series_id": -1,
        "velocity_m_s": velocity, "cluster_id": cluster, "rule": rule, "event_id": me["event_id"].to_numpy(),
    })[keep] if n else pd.DataFrame(columns=EVENT_COLUMNS)

    if len(lm):
        lm_stage = context.stage_labels_at(lm["onset"].to_numpy(float))
        lm_rows = pd.DataFrame({
            "onset": lm["onset"].to_numpy(float), "duration": lm["duration"].to_numpy(float),
            "trial_type": np.where(lm["scored"].to_numpy(bool), TrialType.LEG_MOVEMENT.value,
                                   TrialType.BODY_MOVEMENT.value),
            "channel": lm["channel"].to_numpy(), "stage": lm_stage,
            "peak_amplitude_uv": lm["peak_amplitude_uv"].to_numpy(float),
            "periodic": lm["periodic"].to_numpy(bool), "arousal": lm["arousal"].to_numpy(bool),
            "max_burst_duration_ms": lm["duration"].to_numpy(float) * 1000.0,
            "n_channels": lm["channel"].str.count(",") + 1,
            "regions": "leg", "onset_spread_ms": np.nan, "bilateral": lm["bilateral"].to_numpy(bool),
            "interval_s": lm["interval_s"].to_numpy(float), "series_id": lm["series_id"].to_numpy(),
            "velocity_m_s": np.nan, "cluster_id": -1, "rule": lm["rule"].to_numpy(), "event_id": -1,
        })
        ev = pd.concat([ev, lm_rows], ignore_index=True) if len(ev) else lm_rows
    ev = ev.astype({"periodic": object}).sort_values("onset", kind="stable").reset_index(drop=True)
    ev = ev[EVENT_COLUMNS]

    # ----------------------------------------------------------------- indices
    hours = _stage_hours(context)
    tst_h = sum(hours[s] for s in ("N1", "N2", "N3", "R"))
    nrem_h = hours["N1"] + hours["N2"] + hours["N3"]
    per_type: dict[str, dict] = {}
    for t in TrialType:
        sub = ev[ev["trial_type"] == t.value]
        by_stage = {s: int((sub["stage"] == s).sum()) for s in ("W", "N1", "N2", "N3", "R")}
        n_sleep = sum(by_stage[s] for s in ("N1", "N2", "N3", "R"))
        per_type[t.value] = {
            "count": int(len(sub)), "count_by_stage": by_stage,
            "index_per_h_sleep": n_sleep / tst_h if tst_h > 0 else float("nan"),
            "index_per_h_by_stage": {s: (by_stage[s] / hours[s] if hours[s] > 0 else float("nan")) for s in by_stage},
        }
    lm_ev = ev[ev["trial_type"] == TrialType.LEG_MOVEMENT.value]
    lm_per = lm_ev["periodic"].astype(bool).to_numpy() if len(lm_ev) else np.zeros(0, bool)
    lm_sleep = lm_ev["stage"].isin(["N1", "N2", "N3", "R"]).to_numpy() if len(lm_ev) else np.zeros(0, bool)
    lm_wake = (lm_ev["stage"] == "W").to_numpy() if len(lm_ev) else np.zeros(0, bool)
    n_plms = int((lm_per & lm_sleep).sum())
    n_plmw = int((lm_per & lm_wake).sum())
    n_plms_ar = int((lm_per & lm_sleep & lm_ev["arousal"].astype(bool).to_numpy()).sum()) if len(lm_ev) else 0
    n_resp = int(lm["respiratory"].sum()) if len(lm) else 0
    # by-stage PLM indices
    plms_by_stage = {s: (int((lm_per & (lm_ev["stage"] == s).to_numpy()).sum()) / hours[s]
                         if hours[s] > 0 else float("nan"))
                     for s in ("N1", "N2", "N3", "R")} if len(lm_ev) else {s: 0.0 for s in ("N1", "N2", "N3", "R")}

    # RSWA
    is_rem = lambda t: np.asarray(context.stage_at(t)) == int(Stage.R)  # noqa: E731
    dur_s = float(context.hypnogram.end_s)
    chin_labels = [lab for lab, r in usable.items() if r == "chin"]
    arm_labels = {side: [lab for lab, r in usable.items() if r == "arm" and _side(bursts, recording, lab) == side]
                  for side in ("left", "right")}
    sb = sinbar(bursts, is_rem, duration_s=dur_s, rules=rs, chin_channels=chin_labels or None, arm_channels=arm_labels)
    if chin_amplitude_1s_uv is not None:
        amp, rai_src = np.asarray(chin_amplitude_1s_uv, float), "given"
    else:
        amp, rai_src = _chin_amplitude_1s(recording, roles, refused)
    if amp is not None and amp.size:
        st1 = np.asarray(context.stage_at(np.arange(amp.size) + 0.5))
        rai = atonia_index(amp, st1, rules=rs)
    else:
        rai = float("nan")

    # findings
    hj = ev[ev["trial_type"] == TrialType.HYPNIC_JERK.value]
    trans = getattr(context, "transitions", None)
    n_trans = 0 if trans is None else len(trans)
    per_tr: list[int] = []
    if n_trans and len(hj):
        idx = context.transition_index(hj["onset"].to_numpy(float)) if hasattr(context, "transition_index") else None
        if idx is not None:
            per_tr = [int((idx == k).sum()) for k in range(n_trans)]
    elif n_trans:
        per_tr = [0] * n_trans
    f_ss = fnd.sleep_starts(n_hypnic=len(hj), n_transitions=n_trans,
                            n_followed_by_arousal=int(hj["arousal"].astype(bool).sum()), per_transition=per_tr,
                            rules=rs)
    fm_rows = ev[ev["trial_type"] == TrialType.FRAGMENTARY_MYOCLONUS.value]
    fm_on = fm_rows.loc[fm_rows["peak_amplitude_uv"] >= rs.efm_min_amplitude_uv, "onset"].to_numpy(float)
    efm = excessive_fm_minutes(fm_on, context.stage_at, duration_s=dur_s, rules=rs)
    f_efm = fnd.excessive_fragmentary_myoclonus(
        efm=efm, n_fm=len(fm_rows), fm_index_per_h=per_type["fragmentary_myoclonus"]["index_per_h_sleep"], rules=rs)
    has_leg = any(r == "leg" for r in usable.values())
    is_child = bool(age_obj is not None and age_obj.years < rs.child_age_y)
    f_plm = fnd.periodic_limb_movements(has_leg_channels=has_leg, n_plms=n_plms, tst_h=tst_h, n_plmw=n_plmw,
                                        wake_h=hours["W"], n_lm_sleep=int(lm_sleep.sum()), n_plms_arousal=n_plms_ar,
                                        is_child=is_child, age_known=age_obj is not None, rules=rs)
    f_rswa = fnd.rem_sleep_without_atonia(sinbar=sb, rai=rai, has_chin=bool(chin_labels) or bool(np.isfinite(rai)),
                                          rules=rs, rai_source=rai_src)
    nn = ev[ev["trial_type"] == TrialType.NEONATAL_MYOCLONUS.value]
    f_bnsm = fnd.benign_neonatal_sleep_myoclonus(
        age_months=None if age_obj is None else age_obj.months, n_clusters=int(nn["cluster_id"].nunique()),
        n_jerks=len(nn), clusters_per_h=nn["cluster_id"].nunique() / tst_h if tst_h > 0 else float("nan"),
        n_in_wake_after=0, rules=rs)
    ps = ev[ev["trial_type"] == TrialType.PROPRIOSPINAL_MYOCLONUS.value]
    f_psm = fnd.propriospinal_myoclonus(has_axial=any(r == "axial" for r in usable.values()), n_events=len(ps),
                                        velocities_m_s=ps["velocity_m_s"].tolist(), rules=rs)
    mj = ev[ev["trial_type"] == TrialType.MYOCLONIC_JERK.value]
    mj_s = mj["max_burst_duration_ms"].to_numpy(float) / 1000.0
    f_cort = fnd.cortical_myoclonus(burst_durations_s=mj_s[mj_s <= rs.cortical_jerk_max_burst_s].tolist(), rules=rs)

    indices = {
        "ruleset": rs.name, "hours_by_stage": hours, "tst_h": tst_h, "nrem_h": nrem_h,
        "by_trial_type": per_type,
        "plm": {"n_lm": int(len(lm_ev)), "n_lm_sleep": int(lm_sleep.sum()), "n_plms": n_plms, "n_plmw": n_plmw,
                "plms_index_per_h": n_plms / tst_h if tst_h > 0 else float("nan"),
                "plmw_index_per_h": n_plmw / hours["W"] if hours["W"] > 0 else float("nan"),
                "lm_index_per_h_sleep": int(lm_sleep.sum()) / tst_h if tst_h > 0 else float("nan"),
                "plms_arousal_index_per_h": n_plms_ar / tst_h if tst_h > 0 else float("nan"),
                "plms_index_per_h_by_stage": plms_by_stage,
                "n_plm_series": int(lm["series_id"].max() + 1) if len(lm) and (lm["series_id"] >= 0).any() else 0,
                "n_respiratory_lm_excluded": n_resp,
                "n_bilateral_lm": int(lm_ev["bilateral"].astype(bool).sum()) if len(lm_ev) else 0},
        "rswa": {**sb, "atonia_index": rai, "atonia_index_source": rai_src},
        "efm": efm,
        "arousal_chin_fragments": n_arousal_chin,
        "hypnic": {"n": int(len(hj)), "n_transitions": n_trans,
                   "per_transition": len(hj) / n_trans if n_trans else float("nan")},
    }
    provenance = {"hypnogram_source": getattr(context, "hypnogram_source", "unknown"),
                  "channels_used": sorted(usable), "channels_refused": refused,
                  "channel_roles": roles, "age": None if age_obj is None else age_obj.text}
    return Classification(events=ev, findings=[f_ss, f_efm, f_plm, f_rswa, f_bnsm, f_psm, f_cort], indices=indices,
                          rules=rs, leg_movements=lm, provenance=provenance)


def _side(bursts: "pd.DataFrame", recording: Any, label: str) -> str:
    if recording is not None:
        for ch in getattr(recording, "channels", []) or []:
            if str(getattr(ch, "label", "")) == label:
                side = getattr(ch, "side", None)
                return str(getattr(side, "value", side)).lower() if side is not None else "n/a"
    if bursts is not None and len(bursts) and "side" in bursts.columns:
        s = bursts.loc[bursts["channel"].astype(str) == label, "side"]
        if len(s):
            return str(s.iloc[0]).lower()
    return "n/a"

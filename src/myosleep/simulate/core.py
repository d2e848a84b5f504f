"""``simulate_night``: a whole night's signals and their truth tables."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..errors import ParameterError
from ..io.hypnogram_model import Hypnogram
from ..vocab import Role, Side
from .accel import ACCEL_HZ, simulate_accelerometer
from .artefacts import electrode_pops, mains_hum, movement_contamination
from .ecg import HR_BPM_ADULT, HR_BPM_INFANT, beat_times, render_cardiac_field, render_ecg
from .eeg import simulate_eeg
from .emg import AMPLIFIER_NOISE_UV, burst_envelope, emg_texture, tone_profile
from .eog import simulate_eog
from .events import Event, Truth, aasm_periodic, generate_truth
from .hypnogram import adult_hypnogram, infant_hypnogram
from .scenarios import Scenario, get_scenario
from .timeline import Timeline

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["SimChannel", "Simulation", "simulate_night", "EVENT_COLUMNS", "BURST_COLUMNS",
           "ARTEFACT_COLUMNS"]

logger = logging.getLogger("myosleep")

EVENT_COLUMNS = ("onset", "duration", "trial_type", "channel", "stage", "peak_amplitude_uv", "periodic",
                 "arousal", "side", "event_id", "arousal_onset", "arousal_duration", "eeg_lead_ms",
                 "cluster_id", "velocity_m_s", "accel_onset")
BURST_COLUMNS = ("event_id", "channel", "onset", "duration", "peak_amplitude_uv", "shape", "model_onset",
                 "model_duration", "onset_log_slope_per_s", "offset_log_slope_per_s")
ARTEFACT_COLUMNS = ("onset", "duration", "kind", "channel", "amplitude_uv")

#: ECG R-wave amplitude seen by EMG leads, uV: 5-30 uV, larger on the left (heart axis)
#: and on the trunk (closer to the heart) (see ecg.render_cardiac_field).
CARDIAC_FIELD_UV = {Role.CHIN: 8.0, Role.AXIAL: 25.0, "left": 15.0, "right": 7.0}


@dataclass(frozen=True)
class SimChannel:
    """One simulated signal.

    Parameters
    ----------
    label : str
        Channel label.
    role : Role
        Channel role.
    side : Side | None
        Body side for limb EMG.
    sfreq : float
        Sampling rate, Hz.
    data : ndarray of float32
        Samples in ``unit``.
    unit : str
        ``"uV"`` for every electrical channel, ``"g"`` for accelerometer axes.
    """

    label: str
    role: Role
    side: Side | None
    sfreq: float
    data: np.ndarray
    unit: str = "uV"


@dataclass(frozen=True, eq=False)
class Simulation:
    """A simulated night and its truth.

    Attributes
    ----------
    scenario : Scenario
    seed : int
    channels : tuple of SimChannel
    hypnogram : Hypnogram
        The true hypnogram (``source="simulated"``).
    events : pandas.DataFrame
        Truth, one row per event: ``onset`` (s), ``duration`` (s, first scored burst onset
        to last scored burst end), ``trial_type``, ``channel`` (labels in order of recruitment),
        ``stage`` (hypnogram stage at onset), ``peak_amplitude_uv`` (largest burst
        envelope peak, uV RMS above the resting EMG), ``periodic`` (leg movements: member
        of an AASM PLM series; ``"n/a"`` otherwise), ``arousal`` (an EEG arousal was put
        after the event), ``side``, ``event_id``; extra: ``arousal_onset`` /
        ``arousal_duration`` (s), ``eeg_lead_ms`` (cortical myoclonus: EEG positive peak
        before EMG onset, ms), ``cluster_id`` (neonatal clusters), ``velocity_m_s``
        (propriospinal spread), ``accel_onset`` (s: start of the movement on the
        accelerometer, when the scenario has one and the event moves the trunk).
    bursts : pandas.DataFrame
        Per-channel bursts: ``event_id``, ``channel``, ``onset`` and ``duration`` (s: the
        burst's *scored span*, its clinical rule applied to the noiseless EMG amplitude
        against the resting EMG: at least twice the background for phasic bursts, SINBAR;
        for leg movements from the 8-uV increase to the start of >= 0.5 s within 2 uV of
        rest, AASM; :func:`myosleep.simulate.emg.scored_span`), ``peak_amplitude_uv`` (peak of the
        burst's own RMS envelope above the resting EMG, uV), ``shape``, ``model_onset`` and
        ``model_duration`` (s: the modelled envelope's whole span, non-zero everywhere in
        it, whose tapering ends the background hides), ``onset_log_slope_per_s`` and
        ``offset_log_slope_per_s`` (|d ln amplitude / dt| at the scored edges, 1/s: how
        sharply each edge is defined; :func:`myosleep.simulate.emg.edge_log_slopes`).
    artefacts : pandas.DataFrame
        ``onset`` (s), ``duration`` (s), ``kind`` (``electrode_pop``,
        ``movement_artefact``), ``channel``, ``amplitude_uv``.
    age_days : float | None
    mains_hz : float
    duration_s : float
    """

    scenario: Scenario
    seed: int
    channels: tuple[SimChannel, ...]
    hypnogram: Hypnogram
    events: pd.DataFrame
    bursts: pd.DataFrame
    artefacts: pd.DataFrame
    age_days: float | None
    mains_hz: float
    duration_s: float

    @property
    def labels(self) -> list[str]:
        return [c.label for c in self.channels]

    def channel(self, label: str) -> SimChannel:
        for c in self.channels:
            if c.label == label:
                return c
        raise ParameterError(f"no channel {label!r}", where="label", hint=f"choose one of {self.labels}")

    def signal(self, label: str) -> np.ndarray:
        """Samples of channel ``label`` (uV, float32)."""
        return self.channel(label).data

    def write(self, path: str | os.PathLike[str]) -> list[Path]:
        """Write OUT.edf, OUT.events.tsv, OUT.hypnogram.tsv, OUT.bursts.tsv, OUT.artefacts.tsv."""
        from .write import write_simulation

        return write_simulation(self, path)

    def to_mne_raw(self, labels: list[str] | None = None):
        """An ``mne.io.RawArray`` (volts) of channels sharing one sampling rate.

        ``labels`` default to every channel at the EEG rate.
        """
        import mne

        chans = [self.channel(lab) for lab in labels] if labels else \
            [c for c in self.channels if c.sfreq == self.channels[0].sfreq]
        rates = {c.sfreq for c in chans}
        if len(rates) != 1:
            raise ParameterError(f"channels have different rates {sorted(rates)} Hz", where="labels",
                                 hint="pick channels of one sampling rate or resample them first")
        types = {Role.EEG: "eeg", Role.EOG: "eog", Role.ECG: "ecg"}
        info = mne.create_info([c.label for c in chans], rates.pop(),
                               [types.get(c.role, "emg") for c in chans], verbose=False)
        data = np.vstack([c.data.astype(np.float64) * 1e-6 for c in chans])
        return mne.io.RawArray(data, info, verbose=False)


def _check_rate(value: float, name: str, minimum: float) -> float:
    v = float(value)
    if not np.isfinite(v) or v < minimum or v != round(v):
        raise ParameterError(f"must be a whole number of Hz >= {minimum:g}, got {value!r}", where=name,
                             hint="EDF data records of 1 s need an integer sampling rate")
    return v


def simulate_night(scenario: str | Scenario = "healthy_adult", *, hours: float = 8.0, seed: int = 0,
                   sfreq_emg: float = 512.0, sfreq_eeg: float = 256.0, mains_hz: float | None = None,
                   hypnogram: Hypnogram | None = None) -> Simulation:
    """Simulate a night of polysomnography with known events.

    Parameters
    ----------
    scenario : str | Scenario
        A name of :data:`SCENARIOS` or a :class:`Scenario`.
    hours : float
        Duration in hours, rounded to whole 30-s epochs (ignored when ``hypnogram`` is
        given: the night then lasts the hypnogram's span).
    seed : int
        Seed of every random draw; the same seed gives identical arrays.
    sfreq_emg : float
        EMG and ECG sampling rate, Hz (integer, >= 200: AASM recommends >= 200 Hz for EMG).
    sfreq_eeg : float
        EEG and EOG sampling rate, Hz (integer, >= 100).
    mains_hz : float | None
        Mains frequency, 50 or 60 Hz; default the scenario's.
    hypnogram : Hypnogram | None
        Stages to simulate instead of a generated night.

    Returns
    -------
    Simulation
    """
    import pandas as pd

    sc = get_scenario(scenario)
    if not (isinstance(hours, (int, float)) and np.isfinite(hours) and hours > 0):
        raise ParameterError(f"must be > 0 hours, got {hours!r}", where="hours")
    fs_emg = _check_rate(sfreq_emg, "sfreq_emg", 200.0)
    fs_eeg = _check_rate(sfreq_eeg, "sfreq_eeg", 100.0)
    mains = float(sc.mains_hz if mains_hz is None else mains_hz)
    if mains not in (50.0, 60.0):
        raise ParameterError(f"must be 50 or 60 Hz, got {mains_hz!r}", where="mains_hz")
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(int(seed)).spawn(12)]
    r_hyp, r_truth, r_eeg, r_eog, r_ecg, r_emg, r_art, r_mains, r_acc = streams[:9]

    if hypnogram is None:
        n_ep = max(1, int(round(hours * 3600.0 / 30.0)))
        if sc.hypnogram_kind == "infant":
            hyp = infant_hypnogram(n_ep, r_hyp)
        else:
            hyp = adult_hypnogram(n_ep, r_hyp, extra_sleep_onsets=sc.rates.extra_sleep_onsets)
    else:
        if not isinstance(hypnogram, Hypnogram) or hypnogram.n_epochs == 0:
            raise ParameterError("must be a non-empty Hypnogram", where="hypnogram")
        hyp = Hypnogram(hypnogram.stages, epoch_s=hypnogram.epoch_s, start_s=hypnogram.start_s,
                        source="simulated", metadata={"given": True})
    duration_s = float(np.ceil(hyp.end_s))
    n_emg = int(round(duration_s * fs_emg))
    n_eeg = int(round(duration_s * fs_eeg))
    tl = Timeline.from_hypnogram(hyp, duration_s)

    truth = generate_truth(sc, hyp, fs_emg=fs_emg, n_emg=n_emg, rng=r_truth)
    _fill_arousals(tl, truth)
    infant = sc.hypnogram_kind == "infant"

    specs = sc.channels
    eeg_labels = [c.label for c in specs if c.role == Role.EEG]
    eeg = simulate_eeg(eeg_labels, tl, fs_eeg, n_eeg, r_eeg, infant=infant, transients=truth.transients)
    frontal = next((lab for lab in eeg_labels if lab.upper().startswith("F")), eeg_labels[0] if eeg_labels else None)
    eog_specs = [c for c in specs if c.role == Role.EOG]
    eog = {}
    if eog_specs:
        leak = eeg[frontal] if frontal else np.zeros(n_eeg, dtype=np.float32)
        e1, e2 = simulate_eog(tl, fs_eeg, n_eeg, r_eog, leak)
        for spec, x in zip(eog_specs, (e1, e2)):
            eog[spec.label] = x

    hr = HR_BPM_INFANT if infant else HR_BPM_ADULT
    beats = beat_times(tl, r_ecg, hr_bpm=hr, resp_hz=0.7 if infant else 0.25)
    rr = 60.0 / float(np.mean(hr))
    data: dict[str, np.ndarray] = {**eeg, **eog}
    sfreq: dict[str, float] = {lab: fs_eeg for lab in data}

    # one cardiac field shape for every EMG lead (the heart's dipole, seen with a gain per lead)
    unit_field = render_cardiac_field(beats, fs_emg, n_emg, 1.0, r_ecg, rr_s=rr)
    bursts_by_ch: dict[str, list] = {}
    aasm_by_ch: dict[str, list] = {}  # leg movements: truth by the AASM rest tolerance
    first_modelled = [min(b.onset_i for b in ev.bursts) for ev in truth.events]
    modelled = {id(b): (b.onset_i, b.n) for ev in truth.events for b in ev.bursts}
    edge_slopes: dict[int, tuple[float, float]] = {}
    for ev in truth.events:
        for b in ev.bursts:
            bursts_by_ch.setdefault(b.channel, []).append(b)
            aasm_by_ch.setdefault(b.channel, []).append(ev.trial_type == "leg_movement")
    for spec in specs:
        if spec.role == Role.ECG:
            data[spec.label] = render_ecg(beats, fs_emg, n_emg, r_ecg, rr_s=rr)
            sfreq[spec.label] = fs_emg
        elif spec.role in (Role.CHIN, Role.LEG, Role.ARM, Role.AXIAL):
            tone = tone_profile(spec.role, tl, fs_emg, n_emg, r_emg, rswa_epochs=truth.rswa_tonic_epochs,
                                epoch_s=hyp.epoch_s)
            chan_bursts = bursts_by_ch.get(spec.label, [])
            spans: list[tuple[int, int]] = []
            slopes: list[tuple[float, float]] = []
            env = burst_envelope(chan_bursts, n_emg, r_emg, tone_uv=tone, noise_uv=AMPLIFIER_NOISE_UV, spans=spans,
                                 aasm_lm=aasm_by_ch.get(spec.label), sfreq=fs_emg, slopes=slopes)
            for b, (i0, n_vis), sl in zip(chan_bursts, spans, slopes):  # the truth: each burst as its rule scores it
                b.onset_i, b.n = i0, n_vis
                edge_slopes[id(b)] = sl
            x = emg_texture(n_emg, fs_emg, r_emg) * (tone + env)
            x += np.float32(AMPLIFIER_NOISE_UV) * r_emg.standard_normal(n_emg, dtype=np.float32)
            key = spec.role if spec.role in (Role.CHIN, Role.AXIAL) else \
                ("left" if spec.side == Side.LEFT else "right")
            field = CARDIAC_FIELD_UV[key] * r_emg.uniform(0.8, 1.2)
            x += np.float32(field) * unit_field
            data[spec.label] = x
            sfreq[spec.label] = fs_emg

    # the truth onsets are now the scored ones (emg.scored_span): EEG leads refer to them
    for ev, first in zip(truth.events, first_modelled):
        if "eeg_lead_ms" in ev.extra:
            shift_ms = 1000.0 * (min(b.onset_i for b in ev.bursts) - first) / fs_emg
            ev.extra["eeg_lead_ms"] = round(ev.extra["eeg_lead_ms"] + shift_ms, 3)

    acc_specs = [c for c in specs if c.role == Role.ACCELEROMETER]
    accel_onsets: dict[int, float] = {}
    if acc_specs:
        axes, accel_onsets = simulate_accelerometer(truth.events, fs_emg, duration_s, r_acc)
        for spec, x in zip(acc_specs, axes):
            data[spec.label] = x
            sfreq[spec.label] = ACCEL_HZ

    artefact_rows = []
    # body movements contaminate EEG and EOG with the same timing as the EMG bursts
    for ev in truth.events:
        if ev.trial_type != "body_movement":
            continue
        on = min(b.onset_i for b in ev.bursts) / fs_emg
        off = max(b.onset_i + b.n for b in ev.bursts) / fs_emg
        for lab in list(eeg) + list(eog):
            i0 = int(round(on * fs_eeg))
            n_s = min(int(round((off - on) * fs_eeg)), n_eeg - i0)
            data[lab][i0:i0 + n_s] += movement_contamination(n_s, fs_eeg, r_art)
            artefact_rows.append((i0 / fs_eeg, n_s / fs_eeg, "movement_artefact", lab, np.nan))

    for spec in specs:
        if spec.role == Role.ACCELEROMETER:
            continue
        fs = sfreq[spec.label]
        is_emg = spec.role in (Role.CHIN, Role.LEG, Role.ARM, Role.AXIAL)
        amp = r_mains.uniform(1.0, 4.0) if is_emg else r_mains.uniform(0.5, 2.0)
        data[spec.label] += mains_hum(data[spec.label].size, fs, mains, amp, tl, r_mains)

    pop_labels = [c.label for c in specs if c.role not in (Role.ECG, Role.ACCELEROMETER)]
    for art, i0, w in electrode_pops(pop_labels, sfreq, duration_s, sc.rates.pops_per_hour, r_art):
        x = data[art.channel]
        k = min(w.size, x.size - i0)
        x[i0:i0 + k] += w[:k]
        artefact_rows.append((art.onset_s, art.duration_s, art.kind, art.channel, art.amplitude_uv))

    channels = tuple(SimChannel(s.label, s.role, s.side, sfreq[s.label],
                                data.pop(s.label).astype(np.float32, copy=False),
                                "g" if s.role == Role.ACCELEROMETER else "uV")
                     for s in specs)
    for c in channels:
        c.data.setflags(write=False)
    events_df, bursts_df = _tables(truth, hyp, fs_emg, {c.label: c.side for c in specs}, accel_onsets, modelled,
                                   edge_slopes)
    art_df = pd.DataFrame(artefact_rows, columns=list(ARTEFACT_COLUMNS)).sort_values("onset",
                                                                                       kind="stable")
    art_df = art_df.reset_index(drop=True)
    logger.info("simulated %s: %.1f h, %d events", sc.name, duration_s / 3600.0, len(events_df))
    return Simulation(scenario=sc, seed=int(seed), channels=channels, hypnogram=hyp, events=events_df,
                      bursts=bursts_df, artefacts=art_df, age_days=sc.age_days, mains_hz=mains,
                      duration_s=duration_s)


def _fill_arousals(tl: Timeline, truth: Truth) -> None:
    """Arousal level: abrupt rise (0.3 s), plateau, 1-s decay."""
    t = tl.t_coarse
    for on, dur in truth.arousals:
        rise = np.clip((t - on) / 0.3, 0.0, 1.0)
        fall = np.clip((on + dur - t) / 1.0 + 1.0, 0.0, 1.0)
        level = np.minimum(rise, fall)
        np.maximum(tl.arousal, level, out=tl.arousal)


def _side(sides: set) -> str:
    if Side.LEFT in sides and Side.RIGHT in sides:
        return "bilateral"
    if Side.LEFT in sides:
        return "left"
    if Side.RIGHT in sides:
        return "right"
    return "n/a"


def _tables(truth: Truth, hyp: Hypnogram, fs: float, sides: dict, accel_onsets: dict[int, float],
            modelled: dict[int, tuple[int, int]], edge_slopes: dict[int, tuple[float, float]]):
    import pandas as pd

    events: list[Event] = truth.events
    rows, brows = [], []
    for eid, ev in enumerate(events, start=1):
        bs = sorted(ev.bursts, key=lambda b: (b.onset_i, b.channel))
        on = bs[0].onset_i / fs
        off = max(b.onset_i + b.n for b in bs) / fs
        rows.append({
            "onset": on, "duration": off - on, "trial_type": ev.trial_type,
            "channel": ",".join(b.channel for b in bs),
            "stage": hyp.stage_labels_at(on)[0],
            "peak_amplitude_uv": max(b.amplitude_uv for b in bs),
            "periodic": "n/a", "arousal": bool(ev.arousal), "side": _side({sides.get(b.channel) for b in bs}),
            "event_id": eid,
            "arousal_onset": ev.extra.get("arousal_onset", np.nan),
            "arousal_duration": ev.extra.get("arousal_duration", np.nan),
            "eeg_lead_ms": ev.extra.get("eeg_lead_ms", np.nan),
            "cluster_id": ev.extra.get("cluster_id", np.nan),
            "velocity_m_s": ev.extra.get("velocity_m_s", np.nan),
            "accel_onset": accel_onsets.get(eid - 1, np.nan),
        })
        for b in bs:
            m_on, m_n = modelled.get(id(b), (b.onset_i, b.n))
            sl_on, sl_off = edge_slopes.get(id(b), (np.nan, np.nan))
            brows.append({"event_id": eid, "channel": b.channel, "onset": b.onset_i / fs,
                          "duration": b.n / fs, "peak_amplitude_uv": float(b.amplitude_uv), "shape": b.shape,
                          "model_onset": m_on / fs, "model_duration": m_n / fs,
                          "onset_log_slope_per_s": sl_on, "offset_log_slope_per_s": sl_off})
    ev_df = pd.DataFrame(rows, columns=list(EVENT_COLUMNS))
    ev_df["periodic"] = ev_df["periodic"].astype(object)
    lm = np.flatnonzero(ev_df["trial_type"].to_numpy() == "leg_movement")
    if lm.size:
        on = ev_df["onset"].to_numpy()[lm]
        # LMs on the two legs with onsets < 5 s apart count as one (AASM)
        group = np.r_[0, np.cumsum(np.diff(on) >= 5.0)]
        first = np.r_[True, np.diff(group) > 0]
        per_group = aasm_periodic(on[first])
        flags = per_group[group]
        ev_df.loc[lm, "periodic"] = [bool(f) for f in flags]
    b_df = pd.DataFrame(brows, columns=list(BURST_COLUMNS))
    for df, cols in ((ev_df, ("onset", "duration", "peak_amplitude_uv", "arousal_onset", "arousal_duration",
                              "eeg_lead_ms", "cluster_id", "velocity_m_s", "accel_onset")),
                     (b_df, ("onset", "duration", "peak_amplitude_uv", "model_onset", "model_duration",
                             "onset_log_slope_per_s", "offset_log_slope_per_s"))):
        for col in cols:
            df[col] = df[col].astype(float)
    ev_df["event_id"] = ev_df["event_id"].astype(int)
    ev_df["arousal"] = ev_df["arousal"].astype(bool)
    b_df["event_id"] = b_df["event_id"].astype(int)
    return ev_df, b_df

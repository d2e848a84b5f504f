"""Evidence for report.html: short windows of signal around representative events.

The report is rendered from the results after the recording is closed, and the results hold
no samples.  :func:`extract_evidence` runs while the recording is still open (the last step
of :func:`myosleep.pipeline.analyze`) and keeps only what the report draws: for every event
class found, a few example events (the ones nearest the class median of duration and
amplitude, never the largest) as a few seconds of each channel the class rule looked at,
band-pass filtered for display as a PSG viewer does; the chin EMG amplitude around each
wake-to-sleep transition with hypnic jerks; and the recording's header fields.  A few dozen
windows of a few seconds: the night is never held in memory.

Display filters (AASM Manual v2.5, 2018, technical specifications, recommended filter
settings): EMG 10-100 Hz, EEG and EOG 0.3-35 Hz; second-order Butterworth applied forward and
backward (zero phase, so onsets are not shifted), and a notch at the mains lines detection
found on the channel.  The upper edge stays below 0.45 x the sampling rate (an EMG sampled at
200 Hz is shown 10-90 Hz).  Accelerometer channels are shown as recorded, mean removed.
"""

from __future__ import annotations

import datetime as _dt
import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..errors import InputError
from ..preprocessing.display import display_band_hz, display_window
from ..vocab import EMG_ROLES, Role, TrialType

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ..classification.result import Classification
    from ..context.context import SleepContext
    from ..detection.results import DetectionResult
    from ..io.recording import ChannelInfo, Recording

__all__ = ["Evidence", "EventWindow", "RecordingHeader", "Trace", "TransitionZoom", "WindowPlan",
           "display_band_hz", "extract_evidence", "representative_rows", "WINDOW_PLANS"]

logger = logging.getLogger("myosleep")

#: Example events shown per class.
EXAMPLES_PER_CLASS = 3
#: Most values kept per trace; longer windows keep the minimum and maximum of equal time bins
#: (the envelope a PSG viewer draws when zoomed out).  2400 values hold 4.7 s at 512 Hz in full.
MAX_POINTS = 2400
#: Minutes of chin EMG amplitude kept on each side of a wake-to-sleep transition with hypnic jerks.
TRANSITION_HALF_WIDTH_S = 300.0  # the sleep-onset period lasts minutes (Ogilvie, Sleep Med Rev 2001)



@dataclass(frozen=True)
class WindowPlan:
    """Which signals and how much time an example of one class shows.

    Attributes
    ----------
    before_s, after_s : float
        Seconds shown before the event onset and after its end.
    max_s : float
        Longest window (s); a longer event is shown from its onset.
    eeg : int
        EEG channels added (0: none); hypnic jerks show the EEG of the transition (occipital
        alpha giving way, vertex waves: AASM rule IV.C), cortical myoclonus the central EEG
        over the jerking limb (Shibasaki 1992).
    eog : bool
        Add an EOG channel (slow eye movements of drowsiness at a sleep start).
    legs : bool
        Add every leg channel (the AASM merges leg movements of both legs).
    other_emg : bool
        Add the other EMG channels: a fragmentary potential or a twitch is shown on one
        muscle while the others stay quiet (asynchronous: AASM, Frauscher et al. 2014), a
        sleep start on several at once.
    """

    before_s: float
    after_s: float
    max_s: float
    eeg: int = 0
    eog: bool = False
    legs: bool = False
    other_emg: bool = False


#: What an example of each class shows.  Jerks of 20-400 ms get 2-3 s (the jerk and the
#: background before it); leg movements (0.5-10 s, AASM) and body movements the whole movement;
#: a sleep start 7 s before it, the time AASM needs to see alpha fade (half an epoch is 15 s);
#: a neonatal jerk its whole cluster (1-5 Hz over seconds: Maurer et al. 2010) and 1 s around it.
WINDOW_PLANS: dict[str, WindowPlan] = {
    TrialType.HYPNIC_JERK.value: WindowPlan(7.0, 3.0, 12.0, eeg=1, eog=True, other_emg=True),
    TrialType.FRAGMENTARY_MYOCLONUS.value: WindowPlan(1.5, 1.5, 4.0, other_emg=True),
    TrialType.LEG_MOVEMENT.value: WindowPlan(2.0, 2.0, 16.0, legs=True),
    TrialType.REM_TWITCH.value: WindowPlan(1.5, 1.5, 8.0, other_emg=True),
    TrialType.NEONATAL_MYOCLONUS.value: WindowPlan(1.0, 1.0, 10.0, other_emg=True),
    TrialType.PROPRIOSPINAL_MYOCLONUS.value: WindowPlan(1.0, 1.5, 5.0),
    TrialType.CORTICAL_MYOCLONUS.value: WindowPlan(1.0, 1.0, 3.0, eeg=2),
    TrialType.MYOCLONIC_JERK.value: WindowPlan(1.5, 1.5, 4.0, other_emg=True),
    TrialType.BODY_MOVEMENT.value: WindowPlan(2.0, 2.0, 16.0),
}
#: Most EMG channels of one event drawn (the first recruited first).
MAX_EVENT_CHANNELS = 6


@dataclass(frozen=True, repr=False)
class Trace:
    """One channel over one window, filtered for display.

    Attributes
    ----------
    label : str
        Channel label as in the file (untrusted text).
    role : str
        Channel role (:class:`~myosleep.vocab.Role` value).
    unit : str
        Unit of ``values`` (``uV``; accelerometers: ``g``).
    t0_s : float
        Time of the first value, s from the recording start.
    dt_s : float
        Time between values (s); with ``minmax``, between time bins.
    values : ndarray of float32
        The filtered samples, or the minimum and maximum of each time bin in the order they occur.
    minmax : bool
        Values are min/max pairs of bins of ``dt_s``.
    band_hz : tuple of float | None
        Display pass band (Hz), None when shown as recorded.
    notch_hz : tuple of float
        Mains lines notched (Hz).
    in_event : bool
        The channel is one of the event's.
    """

    label: str
    role: str
    unit: str
    t0_s: float
    dt_s: float
    values: np.ndarray
    minmax: bool
    band_hz: tuple[float, float] | None
    notch_hz: tuple[float, ...]
    in_event: bool

    def times_s(self) -> np.ndarray:
        """Time of each value (s from the recording start); min/max pairs sit at the bin's start and middle."""
        step = self.dt_s / 2.0 if self.minmax else self.dt_s
        return self.t0_s + np.arange(self.values.size) * step

    def __repr__(self) -> str:
        return f"<Trace {self.label!r} {self.role} {self.values.size} values from {self.t0_s:.2f} s>"


@dataclass(frozen=True, repr=False)
class EventWindow:
    """An example event and the signals around it.

    Attributes
    ----------
    trial_type : str
    onset_s, duration_s : float
        The event (s from the recording start).
    channel : tuple of str
        The event's channels (first recruited first).
    stage : str
    peak_amplitude_uv : float
    rule : str
        What decided the class (events.tsv ``rule``).
    start_s, stop_s : float
        The window shown (s from the recording start).
    traces : tuple of Trace
        EEG and EOG first, then the EMG, as a PSG montage.
    rank : int
        1 for the event nearest the class median, 2 for the next...
    n_in_class : int
        Events of the class in the night.
    neighbours : tuple of (float, float, str)
        The other classified events in the window: onset (s), duration (s), class.
    """

    trial_type: str
    onset_s: float
    duration_s: float
    channel: tuple[str, ...]
    stage: str
    peak_amplitude_uv: float
    rule: str
    start_s: float
    stop_s: float
    traces: tuple[Trace, ...]
    rank: int
    n_in_class: int
    neighbours: tuple[tuple[float, float, str], ...] = ()

    def __repr__(self) -> str:
        return (f"<EventWindow {self.trial_type} at {self.onset_s:.2f} s: {len(self.traces)} traces, "
                f"{self.stop_s - self.start_s:.1f} s>")


@dataclass(frozen=True, repr=False)
class TransitionZoom:
    """A wake-to-sleep transition with hypnic jerks, and the chin EMG around it.

    Attributes
    ----------
    onset_s : float
        The wake-to-sleep boundary (s from the recording start).
    from_stage, to_stage : str
    window_start_s, window_end_s : float
        Its hypnagogic window (:mod:`myosleep.context.transitions`).
    start_s, stop_s : float
        The span drawn.
    chin_uv : ndarray | None
        Rectified chin EMG, one value per second from ``floor(start_s)`` (uV); None without one.
    n_jerks : int
        Hypnic jerks in the window.
    """

    onset_s: float
    from_stage: str
    to_stage: str
    window_start_s: float
    window_end_s: float
    start_s: float
    stop_s: float
    chin_uv: np.ndarray | None
    n_jerks: int

    def __repr__(self) -> str:
        return f"<TransitionZoom {self.from_stage}->{self.to_stage} at {self.onset_s:.0f} s, {self.n_jerks} jerks>"


@dataclass(frozen=True)
class RecordingHeader:
    """The recording's identification, as its header gives it (untrusted text: escape it).

    Attributes
    ----------
    patient, recording : str | None
        The header's patient and recording fields (EDF: 80 characters each), None for a
        recording without them (an in-memory mne Raw).
    start_datetime : datetime | None
        Start of the recording, EDF+'s sub-second offset included.
    edf_plus : bool
        The header follows EDF+ (its patient field is ``code sex birthdate name``).
    start_date_known : bool
        False when only the clock time is the file's (an anonymised date).
    """

    patient: str | None = None
    recording: str | None = None
    start_datetime: _dt.datetime | None = None
    edf_plus: bool = False
    start_date_known: bool = True

    @property
    def edf_patient(self) -> str | None:
        """The patient field to copy into annotations.edf (EDF+ only, else None: anonymous)."""
        return self.patient if self.edf_plus else None

    @property
    def edf_start(self) -> _dt.datetime | None:
        """The start for annotations.edf: None outside the EDF date range 1985-2084."""
        start = self.start_datetime
        return start if start is not None and 1985 <= start.year <= 2084 else None


@dataclass(frozen=True, repr=False)
class Evidence:
    """What report.html shows of the signals, read while the recording was open.

    Attributes
    ----------
    header : RecordingHeader
    examples : tuple of EventWindow
        By class (in :class:`~myosleep.vocab.TrialType` order), nearest the class median first.
    transitions : tuple of TransitionZoom
        Wake-to-sleep transitions with hypnic jerks.
    chin_source : str
        Where the chin amplitude comes from, or why there is none.
    notes : tuple of str
        What the figures leave out, and why (a channel that could not be read).
    """

    header: RecordingHeader
    examples: tuple[EventWindow, ...] = ()
    transitions: tuple[TransitionZoom, ...] = ()
    chin_source: str = ""
    notes: tuple[str, ...] = ()

    def by_class(self) -> dict[str, list[EventWindow]]:
        """The examples grouped by class, in :class:`~myosleep.vocab.TrialType` order."""
        out: dict[str, list[EventWindow]] = {}
        for w in self.examples:
            out.setdefault(w.trial_type, []).append(w)
        return out

    @property
    def n_values(self) -> int:
        """Values held over all traces (the object's size)."""
        return sum(t.values.size for w in self.examples for t in w.traces)

    def __repr__(self) -> str:
        return (f"<Evidence {len(self.examples)} example windows of {len(self.by_class())} classes, "
                f"{self.n_values} values, {len(self.transitions)} transitions>")


def read_trace(rec: Recording, info: ChannelInfo, start_s: float, stop_s: float, *,
               notch_hz: tuple[float, ...] = (), in_event: bool = False, max_points: int = MAX_POINTS) -> Trace:
    """One channel over ``[start_s, stop_s)`` (s), display-filtered (:func:`display_band_hz`).

    Reads ``preprocessing.display.FILTER_PAD_S`` more on each side so that the filter has settled in the window.
    """
    band = display_band_hz(info.role, info.sfreq)
    w = display_window(rec, info.label, start_s, stop_s, band_hz=band, notch_hz=notch_hz, max_points=max_points)
    y = w.values  # NaN in a gap of the recording: drawn as a blank
    if w.band_hz is None and np.isfinite(y).any():
        y = y - float(np.nanmean(y))  # accelerometer: mean removed
    return Trace(label=info.label, role=info.role.value, unit=info.data_unit, t0_s=w.t0_s, dt_s=w.dt_s,
                 values=np.asarray(y, dtype=np.float32), minmax=w.minmax, band_hz=w.band_hz, notch_hz=w.notch_hz,
                 in_event=in_event)


def representative_rows(duration_s: np.ndarray, amplitude_uv: np.ndarray) -> np.ndarray:
    """Rows ordered from the most typical event to the least: nearest the median of both.

    Distance from the class median in percentile ranks of duration and of peak amplitude
    (ranks, so that neither unit nor a skewed distribution weighs more); a missing amplitude
    counts as the median.  The largest events come last, not first.
    """
    from scipy.stats import rankdata

    n = len(duration_s)
    if n == 0:
        return np.zeros(0, dtype=np.int64)

    def centred_rank(x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        ok = np.isfinite(x)
        out = np.zeros(n)
        if ok.sum() > 1:
            out[ok] = (rankdata(x[ok]) - 0.5) / ok.sum() - 0.5
        return out

    dist = np.hypot(centred_rank(duration_s), centred_rank(amplitude_uv))
    return np.argsort(dist, kind="stable")


def _channel_lookup(rec: Recording) -> dict[str, ChannelInfo]:
    return {c.label: c for c in rec.channels if c.readable and c.problem is None}


def _event_channels(labels: Sequence[str], lookup: dict[str, ChannelInfo]) -> list[ChannelInfo]:
    """The recording's channels of an event's labels (an accelerometer's 'X+Y+Z' gives its axes)."""
    out: list[ChannelInfo] = []
    for label in labels:
        parts = [label] if label in lookup else [p for p in str(label).split("+") if p in lookup]
        out.extend(lookup[p] for p in parts)
    return list(dict.fromkeys(out))


def _site(label: str) -> str:
    """An EEG label's electrode, lower case: ``"EEG C3-M2"`` -> ``"c3-m2"``."""
    return re.sub(r"^(eeg|eog)[\s_:-]*", "", str(label).strip().lower())


def _context_channels(rec: Recording, plan: WindowPlan, event: list[ChannelInfo]) -> list[ChannelInfo]:
    """EEG/EOG (and both legs) the class rule looks at, besides the event's own channels."""
    from ..context._channels import pick_eeg, pick_first

    extra: list[ChannelInfo] = []
    # 0.3-35 Hz needs >= 70 Hz sampling
    eegs = [c for c in rec.channels if c.role == Role.EEG and c.readable and c.problem is None and c.sfreq >= 70.0]
    if plan.eeg >= 2:
        # Cortical myoclonus: the central EEG over the jerking limb's motor cortex first (C4 for the
        # left side, C3 for the right; Shibasaki 1992), then the other hemisphere.
        central = [c for c in eegs if re.match(r"c[34]", _site(c.label))]
        sides = {c.side.value for c in event if c.side is not None}
        contra = "c4" if sides == {"left"} else "c3" if sides == {"right"} else ""
        central.sort(key=lambda c: (not (contra and _site(c.label).startswith(contra)), _site(c.label)))
        extra.extend(central[: plan.eeg])
    if plan.eeg and not extra:
        # Sleep starts: alpha fading is clearest over the occipital EEG (AASM rule IV.C); else the central one.
        occipital = [c for c in eegs if re.match(r"o[12z]", _site(c.label))] if plan.eeg == 1 else []
        pick = occipital[0] if occipital else pick_eeg(rec, min_sfreq=70.0)
        if pick is not None:
            extra.append(pick)
    if plan.eog:
        eog = pick_first(rec, Role.EOG, min_sfreq=70.0)
        if eog is not None and eog.readable and eog.problem is None:
            extra.append(eog)
    if plan.legs or plan.other_emg:
        wanted = EMG_ROLES if plan.other_emg else {Role.LEG}
        others = [c for c in rec.channels if c.role in wanted and c.readable and c.problem is None
                  and c not in event and c.sfreq >= 100.0]
        extra.extend(others[: max(0, MAX_EVENT_CHANNELS - len(event))])
    return extra


def _window_span(onset: float, duration: float, plan: WindowPlan, total_s: float,
                 group: tuple[float, float] | None = None) -> tuple[float, float]:
    """The window shown around an event (or its group: a neonatal cluster), within the recording (s)."""
    dur = duration if math.isfinite(duration) else 0.0
    first, last = group if group is not None else (onset, onset + dur)
    start = first - plan.before_s
    stop = last + plan.after_s
    if stop - start > plan.max_s:  # too long: from the event on, or centred on it within its group
        start = onset - plan.before_s if group is None else max(start, onset - plan.max_s / 2)
        stop = start + plan.max_s
    if start < 0:
        stop, start = min(total_s, stop - start), 0.0
    if stop > total_s:
        start, stop = max(0.0, start - (stop - total_s)), total_s
    return start, stop


def _cluster_span(rows: pd.DataFrame, row: pd.Series) -> tuple[float, float] | None:
    """First onset and last end (s) of the neonatal cluster an event belongs to; None for no cluster."""
    cid = int(row["cluster_id"]) if "cluster_id" in row and row["cluster_id"] == row["cluster_id"] else -1
    if cid < 0 or row["trial_type"] != TrialType.NEONATAL_MYOCLONUS.value:
        return None
    members = rows[rows["cluster_id"] == cid]
    ends = members["onset"].to_numpy(float) + np.nan_to_num(members["duration"].to_numpy(float))
    return float(members["onset"].min()), float(ends.max())


def _examples(rec: Recording, detection: DetectionResult, events: pd.DataFrame, per_class: int,
              notes: list[str]) -> list[EventWindow]:
    lookup = _channel_lookup(rec)
    status = detection.channel_status
    failed: set[str] = set()
    out: list[EventWindow] = []
    for cls in TrialType:
        rows = events[events["trial_type"] == cls.value]
        if not len(rows):
            continue
        plan = WINDOW_PLANS[cls.value]
        order = representative_rows(rows["duration"].to_numpy(float), rows["peak_amplitude_uv"].to_numpy(float))
        taken: list[tuple[float, float]] = []
        for i in order:
            if len(taken) >= per_class:
                break
            row = rows.iloc[int(i)]
            start, stop = _window_span(float(row["onset"]), float(row["duration"]), plan, rec.duration_s,
                                       _cluster_span(rows, row))
            if stop <= start or any(start < b and a < stop for a, b in taken):
                continue  # one example per window: the next typical event elsewhere in the night
            labels = tuple(row["channel"])
            event_chs = _event_channels(labels, lookup)[:MAX_EVENT_CHANNELS]
            chans = _context_channels(rec, plan, event_chs)
            eeg_first = [c for c in chans if c.role in (Role.EEG, Role.EOG)]
            ordered = eeg_first + event_chs + [c for c in chans if c not in eeg_first and c not in event_chs]
            traces = []
            for info in ordered:
                if info.label in failed:
                    continue
                st = status.get(info.label)
                try:
                    traces.append(read_trace(rec, info, start, stop, notch_hz=st.mains_hz if st else (),
                                             in_event=info in event_chs))
                except InputError as exc:  # a channel whose samples cannot be read: said in the report
                    failed.add(info.label)
                    notes.append(f"channel {info.label} could not be read for the examples: {exc}")
            if not traces:
                continue
            taken.append((start, stop))
            near = events[(events["onset"] < stop) & (events["onset"] + events["duration"].fillna(0.0) > start)
                          & (events["onset"] != row["onset"])]
            out.append(EventWindow(
                trial_type=cls.value, onset_s=float(row["onset"]), duration_s=float(row["duration"]),
                channel=labels, stage=str(row["stage"]) if row["stage"] is not None else "n/a",
                peak_amplitude_uv=float(row["peak_amplitude_uv"]), rule=str(row["rule"] or ""),
                start_s=start, stop_s=stop, traces=tuple(traces), rank=len(taken), n_in_class=len(rows),
                neighbours=tuple(zip(near["onset"].astype(float), near["duration"].fillna(0.0).astype(float),
                                     near["trial_type"].astype(str)))))
    return out


def _transitions(context: SleepContext, detection: DetectionResult, events: pd.DataFrame) -> list[TransitionZoom]:
    tr = context.transitions
    jerks = events.loc[events["trial_type"] == TrialType.HYPNIC_JERK.value, "onset"].to_numpy(float)
    if tr.empty or jerks.size == 0:
        return []
    which = context.transition_index(jerks)
    chin = detection.chin_amplitude.values_uv
    out = []
    for k in sorted(set(int(w) for w in which if w >= 0)):
        row = tr.iloc[k]
        onset = float(row["onset_s"])
        start = max(0.0, onset - TRANSITION_HALF_WIDTH_S)
        stop = min(detection.duration_s, onset + TRANSITION_HALF_WIDTH_S)
        values = None
        if chin is not None and chin.size:
            a, b = int(math.floor(start)), int(math.ceil(stop))
            part = np.asarray(chin[a:b], dtype=np.float32)
            values = part if part.size and np.isfinite(part).any() else None
        out.append(TransitionZoom(onset_s=onset, from_stage=str(row["from_stage"]), to_stage=str(row["to_stage"]),
                                  window_start_s=float(row["window_start_s"]), window_end_s=float(row["window_end_s"]),
                                  start_s=start, stop_s=stop, chin_uv=values, n_jerks=int((which == k).sum())))
    return out


def recording_header(rec: Recording) -> RecordingHeader:
    """The header fields of an open recording (EDF/BDF file: read again from its header)."""
    if rec.path is None or rec.format == "mne":
        return RecordingHeader(start_datetime=rec.start_datetime, start_date_known=rec.start_date_known)
    from ..io.edf_header import read_edf_header
    from ..io.export_edf import recording_start

    header = read_edf_header(rec.path)
    return RecordingHeader(patient=header.patient, recording=header.recording,
                           start_datetime=recording_start(rec.path), edf_plus=header.is_plus,
                           start_date_known=header.start_date_known)


def extract_evidence(rec: Recording, detection: DetectionResult, context: SleepContext,
                     classification: Classification, *, per_class: int = EXAMPLES_PER_CLASS) -> Evidence:
    """Read the evidence windows of one analysis from its open recording.

    Parameters
    ----------
    rec : Recording
        The recording, open.
    detection, context, classification
        The results (after every stage: the classes are final).
    per_class : int
        Example events per class.

    Returns
    -------
    Evidence
    """
    notes: list[str] = []
    events = classification.events
    examples = _examples(rec, detection, events, per_class, notes) if len(events) else []
    transitions = _transitions(context, detection, events) if len(events) else []
    ev = Evidence(header=recording_header(rec), examples=tuple(examples), transitions=tuple(transitions),
                  chin_source=detection.chin_amplitude.source, notes=tuple(notes))
    logger.info("evidence: %r", ev)
    return ev

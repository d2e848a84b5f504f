"""Detection thresholds: one frozen dataclass per parameter set.

Amplitudes are in the moving-RMS envelope of :func:`myosleep.preprocessing.emg_envelope`
(uV; a burst of RMS A reads A), relative to the running resting-EMG baseline of
the same measure.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ParameterError

__all__ = ["ShortBurstParams", "LegMovementParams", "EventParams", "AccelerometerParams",
           "DetectionParams", "SHORT", "AASM_LM"]


def _positive(name: str, value: float, unit: str) -> None:
    if not value > 0:
        raise ParameterError(f"must be > 0 {unit}, got {value!r}", where=name)


@dataclass(frozen=True)
class _BaselineMixin:
    #: Resting-EMG baseline: low quantile over a running window (s) of 100-ms blocks.
    #: 30 s (one scoring epoch) follows tone changes between sleep stages while
    #: ignoring activity of up to ~15 s (longest WASM bilateral leg movement).
    baseline_window_s: float = 30.0
    baseline_quantile: float = 0.2
    baseline_block_s: float = 0.1


@dataclass(frozen=True)
class ShortBurstParams(_BaselineMixin):
    """Myoclonic short-burst detector (20-250 ms potentials).

    Attributes
    ----------
    envelope_window_s : float
        RMS window (s) of the onset/offset envelope: 10 ms resolves a 20-ms
        potential and places onsets within ~5 ms.
    detection_window_s : float
        RMS window (s) on which a candidate must exceed the onset threshold: 50 ms
        averages enough independent samples of 20-200 Hz noise (~19 at 512 Hz) that
        resting EMG exceeds 2.5x its level about once a night, while a 20-ms
        potential at 4x resting RMS still passes.
    on_ratio : float
        Onset: envelope >= ``on_ratio`` x baseline ...
    on_floor_uv : float
        ... and >= baseline + ``on_floor_uv`` (uV).  AASM treats EMG within 2 uV of
        resting as rest (LM offset rule), and 2 uV is about twice the input
        noise of a PSG amplifier (IEC 60601-2-26: <= 6 uV peak-to-valley, ~1 uV RMS),
        so amplifier noise alone never starts a burst on a quiet REM chin.
    off_ratio, off_floor_uv : float
        Offset hysteresis: a burst lasts while the envelope stays >= max(off_ratio x
        baseline, baseline + off_floor_uv).
    min_gap_s : float
        Bursts closer than this (s) merge; 20 ms < the 50-ms separation that must
        keep two bursts apart.
    min_dof : float
        The detection window is lengthened at low sampling rates to hold at least
        this many degrees of freedom of band-limited noise (2 x bandwidth x window);
        8 keeps 50 ms at 256 Hz and above, 57 ms at 200 Hz, 133 ms at 100 Hz, where
        resting EMG then crosses 2.5x its level a few times a night at most
        (see ``bursts.detection_window_s``).
    min_duration_s : float
        Shortest burst reported (s): 10 ms, half the shortest myoclonic potential
        (20 ms; Shibasaki and Hallett, Mov Disord 2005, cortical myoclonus bursts
        10-50 ms).
    edge_ratio : float
        Onsets and offsets are placed where the band-passed signal's power crosses
        (``edge_ratio`` x the resting RMS)^2 (``bursts._refine_edges``): 2, the amplitude
        criterion of phasic EMG activity, "exceeding twice the background EMG activity"
        (SINBAR: Frauscher et al., Sleep 2012).  A ratio, so that the edges do not move
        with the amplitude scale (a unit error) of the recording.
    false_alarms_per_h : float
        Largest rate (per hour and channel) at which stationary resting EMG may
        start a short burst.  Where ``on_ratio`` x baseline does not guarantee it
        (few degrees of freedom in the detection window: EMG sampled at 200-300 Hz,
        or band-limited by the amplifier), the onset ratio is raised to the value
        derived from the chi-square law of the windowed mean square of the
        channel's own resting EMG (``bursts.false_alarm_ratio``).  0.125 / h is
        one false burst per channel in an 8-h night: a four-lead montage then adds
        < 0.5 / h, under 1/30 of the smallest clinical rate counted from these
        bursts (PLMS index 15 / h, AASM/ICSD-3; excessive fragmentary myoclonus
        >= 5 potentials / min = 300 / h, ICSD-3), and the issue's goal on a quiet
        night is 0 false jerks.
    """

    envelope_window_s: float = 0.01
    detection_window_s: float = 0.05
    on_ratio: float = 2.5
    on_floor_uv: float = 2.0
    off_ratio: float = 1.5
    off_floor_uv: float = 1.0
    min_gap_s: float = 0.02
    min_dof: float = 8.0
    min_duration_s: float = 0.01
    edge_ratio: float = 2.0
    false_alarms_per_h: float = 0.125

    def __post_init__(self) -> None:
        for name in ("envelope_window_s", "detection_window_s", "on_ratio", "off_ratio",
                     "baseline_window_s", "baseline_block_s", "false_alarms_per_h", "edge_ratio"):
            _positive(name, getattr(self, name), "")
        if self.off_ratio > self.on_ratio:
            raise ParameterError(f"off_ratio {self.off_ratio} exceeds on_ratio {self.on_ratio}",
                                 where="ShortBurstParams", hint="hysteresis needs off_ratio <= on_ratio")


@dataclass(frozen=True)
class LegMovementParams(_BaselineMixin):
    """AASM leg-movement detector (AASM Manual v2.5, 2018, VII.A).

    Attributes
    ----------
    envelope_window_s : float
        RMS window (s); 50 ms smooths the interference pattern so that the 2-uV
        offset tolerance is meaningful, and keeps onset error well under 50 ms.
    on_above_uv : float
        AASM: onset at an 8 uV increase above resting EMG.
    off_above_uv : float
        AASM: offset at the start of >= 0.5 s with EMG <= 2 uV above resting.
    off_quiet_s : float
        AASM: that quiet period lasts >= 0.5 s.
    on_min_ratio, off_min_ratio : float
        For noisy recordings from other labs (resting level of several uV) the
        thresholds are at least ``on_min_ratio`` / ``off_min_ratio`` x baseline, so
        the noise of a high baseline does not hold an LM open forever.  On quiet
        EMG (baseline < 8 uV) the AASM absolute values decide.
    min_duration_s : float
        Activity shorter than this (s) is left to the short-burst detector.  The
        0.5-10 s AASM LM duration is applied by classification, not here.
    """

    envelope_window_s: float = 0.05
    on_above_uv: float = 8.0
    off_above_uv: float = 2.0
    off_quiet_s: float = 0.5
    on_min_ratio: float = 2.0
    off_min_ratio: float = 1.5
    min_duration_s: float = 0.1

    def __post_init__(self) -> None:
        for name in ("envelope_window_s", "on_above_uv", "off_quiet_s", "baseline_window_s"):
            _positive(name, getattr(self, name), "")


@dataclass(frozen=True)
class EventParams:
    """Grouping of short bursts into motor events.

    Attributes
    ----------
    sync_window_s : float
        Bursts whose onsets fall within this window (s) of an event's first onset
        join it.  100 ms covers conduction from brainstem to foot: ~1 m at
        50-60 m/s motor conduction is ~20 ms, plus recruitment jitter; propriospinal
        spread at 3-11 m/s over the ~0.5 m trunk takes 50-170 ms (Brown et al.,
        Brain 1991), and hypnic jerks are near-synchronous across segments.
    body_min_duration_s : float
        Gross body movement: activity lasting > 2 s (longer than the longest
        propriospinal jerk, ~2 s, DESIGN.md) ...
    body_min_regions : int
        ... on >= 2 body regions ...
    body_eeg_ratio : float
        ... with EEG high-frequency (20-40 Hz... up to 0.4 x sfreq) power >= this
        multiple of the EEG's own running median (muscle and movement contaminate
        the EEG; AASM "major body movement").  Without EEG the first two criteria decide.
    merge_gap_s : float
        Activity separated by less than this (s) counts as one movement.
    body_min_burst_s : float
        ... and an EMG burst lasting this long (s) in each of ``body_min_regions`` regions
        (in each region when fewer take part): a gross body movement is sustained muscle
        activity of several regions, and activity in which no burst lasts as long as the
        shortest leg movement (AASM VII.A.1.a: 0.5 s) is a train of jerks (e.g. neonatal
        myoclonus at 1-5 Hz); its bursts are grouped into jerks by synchrony instead.  So
        is a train of jerks beside one region's sustained activity (the chin tone that
        rises with an arousal after a cluster of neonatal jerks).
    accel_max_jerk_s : float
        An event seen on accelerometers only (no EMG burst) lasting longer than this (s) is a
        ``body_movement`` (a change of posture: a slow rotation of the gravity vector), never a
        jerk.  A jerk's EMG burst is brief: < ~250 ms for myoclonus (Shibasaki & Hallett, Mov
        Disord 2005; ``cortical_jerk_max_burst_s``, ``hypnic_max_burst_s``), and activity of
        >= 0.5 s is a movement (AASM VII.A.1.a, the shortest leg movement; ``body_min_burst_s``,
        ``neonatal_max_burst_s``).  The movement outlasts its burst by the electromechanical
        delay (20-50 ms; Cavanagh & Komi, Eur J Appl Physiol 1979) and the relaxation of the
        twitch it made (human twitch contraction plus half-relaxation ~100-200 ms, relaxation
        ends ~2-3 half-relaxation times later), and the detector adds its 50-ms window: 0.5 +
        0.05 + ~0.3 + 0.05 s, rounded up to 1 s.
    """

    sync_window_s: float = 0.1
    body_min_duration_s: float = 2.0
    body_min_regions: int = 2
    body_eeg_ratio: float = 3.0
    merge_gap_s: float = 0.5
    body_min_burst_s: float = 0.5
    accel_max_jerk_s: float = 1.0

    def __post_init__(self) -> None:
        _positive("sync_window_s", self.sync_window_s, "s")


@dataclass(frozen=True)
class AccelerometerParams:
    """Jerk detector on the magnitude of the time derivative of acceleration.

    Attributes
    ----------
    lowpass_hz : float
        Accelerometer signals are low-passed at 15 Hz before differentiation
        (body movement energy is below ~15 Hz; Bouten et al., IEEE TBME 1997).
    envelope_window_s : float
        Smoothing (s) of |da/dt|.
    on_ratio : float
        Onset at ``on_ratio`` x the running baseline of |da/dt| ...
    on_floor_g_per_s : float
        ... and at least this jerk (g/s).  0.5 g/s is ~10x the derivative noise of
        MEMS accelerometers (~2 mg RMS over a 50-Hz band, differentiated over 20 ms).
    off_ratio : float
        Offset hysteresis, x baseline.
    min_duration_s : float
        Shortest jerk reported (s).
    shortest_jerk_s : float
        Shortest jerk movement the rules read on an accelerometer (s): 0.1 s, the lower bound
        of phasic activity (SINBAR, Frauscher et al., Sleep 2012; ``rem_twitch_min_burst_s``)
        and within the 75-250 ms of sleep-start bursts (Chokroverty et al. 2013).  A movement
        is a rise and a fall of acceleration: it needs >= 2 sample intervals inside it (one
        sample is a spike, the shape of a dropout or a code flip), so jerks need
        ``sfreq >= 2 / shortest_jerk_s`` = 20 Hz (:attr:`min_sfreq`); slower channels (1-Hz
        epoch data, 5-10 Hz loggers) are refused for jerks.
    flat_min_s : float
        All axes constant for this long (s) is a dropout (0.5 s, as the EMG's ``flat`` rule)
        when it cannot be rest: exactly 0 on >= 3 axes (|a| = 1 g under gravity), or on a
        sensor whose noise moves its code between most samples.
    posture_window_s : float
        The acceleration before and after a run is the median over this long (s; 0.5 s, the
        shortest movement, AASM VII.A.1.a): their difference is the posture the run changed.
    """

    lowpass_hz: float = 15.0
    envelope_window_s: float = 0.05
    on_ratio: float = 4.0
    on_floor_g_per_s: float = 0.5
    off_ratio: float = 2.0
    min_duration_s: float = 0.02
    baseline_window_s: float = 30.0
    baseline_quantile: float = 0.2
    baseline_block_s: float = 0.1
    shortest_jerk_s: float = 0.1
    flat_min_s: float = 0.5
    posture_window_s: float = 0.5

    @property
    def min_sfreq(self) -> float:
        """Slowest accelerometer rate (Hz) read for jerks: 2 samples inside the shortest jerk."""
        return 2.0 / self.shortest_jerk_s


@dataclass(frozen=True)
class DetectionParams:
    """All detection parameters together (what :func:`myosleep.detection.detect` takes).

    Attributes
    ----------
    short, lm, events, accelerometer : parameter sets
    lm_roles : tuple of str
        Roles on which the AASM leg-movement detector also runs.
    fine_amplitude_roles : tuple of str
        Roles whose rules read amplitudes within ``lm.off_above_uv`` (2 uV) of rest: legs
        (AASM leg movements), chin and arms (SINBAR, REM atonia index).  A channel of these
        roles whose quantisation step is coarser than that is refused
        (``bursts.quantisation_problem``).
    cardiac : {"auto", "off"}
        Cardiac field removal ("off" only for comparison).
    """

    short: ShortBurstParams = ShortBurstParams()
    lm: LegMovementParams = LegMovementParams()
    events: EventParams = EventParams()
    accelerometer: AccelerometerParams = AccelerometerParams()
    lm_roles: tuple[str, ...] = ("leg",)
    fine_amplitude_roles: tuple[str, ...] = ("leg", "chin", "arm")
    cardiac: str = "auto"

    def __post_init__(self) -> None:
        if self.cardiac not in ("auto", "off"):
            raise ParameterError(f"must be 'auto' or 'off', got {self.cardiac!r}", where="cardiac")


SHORT = ShortBurstParams()
AASM_LM = LegMovementParams()

"""Scenarios: who is recorded, with which montage, and which motor events they have.

Every rate below carries its literature source; docs/simulator.md collects them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import ParameterError
from ..vocab import Role, Side

__all__ = ["ChannelSpec", "EventRates", "Scenario", "SCENARIOS", "get_scenario"]


@dataclass(frozen=True)
class ChannelSpec:
    """One simulated channel.

    Parameters
    ----------
    label : str
        Channel label as written to the EDF (PSG conventions: ``C4-M1``, ``EMG LAT``).
    role : Role
        What the channel records.
    side : Side | None
        Body side for limb EMG, ``None`` for midline / EEG / ECG.

    The muscle's spinal segment and motor nerve (propriospinal propagation delays) come from
    its label: :func:`myosleep.classification.anatomy.muscle_at`.
    """

    label: str
    role: Role
    side: Side | None = None


# --------------------------------------------------------------------- montages
EEG_CHANNELS = (
    ChannelSpec("F4-M1", Role.EEG), ChannelSpec("C4-M1", Role.EEG),
    ChannelSpec("C3-M2", Role.EEG), ChannelSpec("O2-M1", Role.EEG),
)
EOG_CHANNELS = (ChannelSpec("E1-M2", Role.EOG), ChannelSpec("E2-M1", Role.EOG))
ECG_CHANNEL = ChannelSpec("ECG II", Role.ECG)
CHIN = ChannelSpec("EMG Chin", Role.CHIN)
LEGS = (ChannelSpec("EMG LAT", Role.LEG, Side.LEFT), ChannelSpec("EMG RAT", Role.LEG, Side.RIGHT))
ARMS = (ChannelSpec("EMG FDS L", Role.ARM, Side.LEFT), ChannelSpec("EMG FDS R", Role.ARM, Side.RIGHT))
# Axial and proximal muscles of the propriospinal montage: sternocleidomastoid (C2), erector
# spinae at T6, rectus abdominis (T10), quadriceps (L3); their segments along the cord and their
# motor nerves are in myosleep.classification.anatomy (Ko et al. 2004 segment lengths).
AXIAL = (
    ChannelSpec("EMG SCM", Role.AXIAL),
    ChannelSpec("EMG Erector T6", Role.AXIAL),
    ChannelSpec("EMG RectAbd", Role.AXIAL),
    ChannelSpec("EMG Quadriceps", Role.LEG),
)
#: Tri-axial chest accelerometer (position sensor), in g (see accel.py).
ACCEL = tuple(ChannelSpec(f"Accel {ax}", Role.ACCELEROMETER) for ax in "XYZ")
STANDARD = (*EEG_CHANNELS, *EOG_CHANNELS, CHIN, *LEGS, ECG_CHANNEL)


@dataclass(frozen=True)
class EventRates:
    """How often each motor event happens (all rates are averages; counts are Poisson).

    Parameters
    ----------
    hypnic_jerks_per_onset : float
        Mean sleep starts per wake-to-sleep transition. Healthy: 60-70 % of people have
        them occasionally (ICSD-3 2014), so ~0.3 per transition.
    extra_sleep_onsets : int
        Additional W -> N1 re-onsets inserted in the first hour (repeated sleep-onset
        attempts of people with frequent sleep starts, Chokroverty et al., J Clin
        Neurophysiol 2013).
    fm_per_hour : float
        Background fragmentary myoclonus potentials per hour of sleep. Frauscher et al.,
        Sleep 2014 (100 healthy sleepers): median FM index 25/h, 90th percentile 144/h.
    fm_excessive_per_min : float
        Potentials per minute of NREM in excessive fragmentary myoclonus (AASM: >= 5/min
        sustained over >= 20 min of NREM); 0 = not excessive.
    lm_isolated_per_hour : float
        Isolated (non-periodic) leg movements per hour of sleep. Healthy adults have a
        few (Frauscher et al., Sleep 2014: median LM index ~ 10/h incl. PLMS).
    plm_index_per_hour : float
        Target PLMS per hour of sleep (PLMD: > 15/h is elevated, AASM/ICSD-3).
    rem_twitches_per_min : float
        Phasic REM twitches per minute of REM across all EMG channels (Frauscher et
        al., Sleep 2012 healthy controls: phasic chin activity in a few % of 3-s
        mini-epochs ~ 1-3 per minute).
    rem_twitch_median_s : float
        Median duration of phasic REM bursts, s (healthy: most 0.1-0.5 s; RBD: longer,
        up to several seconds, Frauscher et al., Sleep 2012 phasic 0.1-5 s).
    rswa_tonic_fraction : float
        Fraction of REM epochs with tonic chin activity (REM sleep without atonia;
        SINBAR: RBD patients have 'any' chin activity >> 18 %).
    bnsm_clusters_per_hour : float
        Clusters of neonatal sleep myoclonus per hour of sleep (Maurer et al., Pediatrics
        2010: repetitive clusters, several per hour of sleep in affected neonates).
    cortical_jerks_per_hour : float
        Cortical myoclonic jerks per hour (DESIGN: 100+ jerks a night; back-averaging
        needs 50-200, Shibasaki 1992).
    functional_jerks_per_wake_min : float
        Functional (psychogenic) jerks per minute of wakefulness, each preceded by a
        Bereitschaftspotential. No published norm for their rate in pre-sleep
        wakefulness; the value only has to give the 20-50+ jerks back-averaging needs
        (Shibasaki & Hallett, Muscle Nerve 2005).
    propriospinal_per_onset : float
        Propriospinal jerks per minute of relaxed wakefulness before sleep onset
        (Vetrugno et al., Sleep 2001: series of jerks in relaxed wake, vanishing with
        stable sleep).
    body_movements_per_hour : float
        Gross body movements per hour (~2-6/h in healthy sleep; Wilde-Frenz & Schulz,
        Sleep 1983, body movements ~ 3/h with clustering at stage shifts).
    pops_per_hour : float
        Electrode pops per hour (recording-quality dependent, no norm; a few per night
        in a good recording).
    """

    hypnic_jerks_per_onset: float = 0.3
    extra_sleep_onsets: int = 0
    fm_per_hour: float = 25.0
    fm_excessive_per_min: float = 0.0
    lm_isolated_per_hour: float = 4.0
    plm_index_per_hour: float = 0.0
    rem_twitches_per_min: float = 2.0
    rem_twitch_median_s: float = 0.22
    rswa_tonic_fraction: float = 0.0
    bnsm_clusters_per_hour: float = 0.0
    cortical_jerks_per_hour: float = 0.0
    functional_jerks_per_wake_min: float = 0.0
    propriospinal_per_onset: float = 0.0
    body_movements_per_hour: float = 3.0
    pops_per_hour: float = 1.0


@dataclass(frozen=True)
class Scenario:
    """A simulated sleeper: montage, age, hypnogram kind and motor-event rates.

    Parameters
    ----------
    name : str
        Scenario name (``--scenario``).
    description : str
        One line for ``myosleep simulate --list``.
    age_days : float | None
        Age in days (infants) or ``None`` for an adult.
    channels : tuple of ChannelSpec
        The montage.
    rates : EventRates
        Motor-event rates.
    hypnogram_kind : str
        ``"adult"`` (90-min NREM-REM cycles) or ``"infant"`` (50-60-min cycles).
    mains_hz : float
        Default mains frequency (50 Hz Europe, 60 Hz Americas).
    """

    name: str
    description: str
    age_days: float | None = None
    channels: tuple[ChannelSpec, ...] = STANDARD
    rates: EventRates = field(default_factory=EventRates)
    hypnogram_kind: str = "adult"
    mains_hz: float = 50.0

    def channel(self, label: str) -> ChannelSpec:
        for ch in self.channels:
            if ch.label == label:
                return ch
        raise ParameterError(f"no channel {label!r} in scenario {self.name!r}", where="label",
                             hint=f"choose one of {[c.label for c in self.channels]}")

    def emg_channels(self) -> tuple[ChannelSpec, ...]:
        return tuple(c for c in self.channels if c.role in (Role.CHIN, Role.LEG, Role.ARM, Role.AXIAL))


_QUIET = EventRates(hypnic_jerks_per_onset=0.0, fm_per_hour=0.0, lm_isolated_per_hour=0.0,
                    rem_twitches_per_min=0.0, body_movements_per_hour=0.0, pops_per_hour=20.0)

SCENARIOS: dict[str, Scenario] = {s.name: s for s in (
    Scenario("healthy_adult", "healthy adult: normal hypnogram, occasional sleep starts, FM ~25/h, "
             "few isolated leg movements, normal REM atonia"),
    Scenario("sleep_starts", "frequent hypnic jerks at repeated wake-to-sleep transitions",
             channels=(*STANDARD, *ARMS, AXIAL[2], *ACCEL),
             rates=EventRates(hypnic_jerks_per_onset=2.5, extra_sleep_onsets=4)),
    Scenario("plmd", "periodic limb movement disorder: PLMS series (20-40 s intervals), PLMS index ~40/h",
             rates=EventRates(plm_index_per_hour=40.0), mains_hz=60.0),
    Scenario("excessive_fragmentary_myoclonus",
             "excessive fragmentary myoclonus: >= 5 potentials/min throughout NREM",
             channels=(*STANDARD, *ARMS), rates=EventRates(fm_excessive_per_min=8.0)),
    Scenario("rsbd", "REM sleep without atonia (RBD-like): tonic chin and dense phasic bursts in REM",
             channels=(*STANDARD, *ARMS),
             rates=EventRates(rem_twitches_per_min=40.0, rem_twitch_median_s=0.6,
                              rswa_tonic_fraction=0.5)),
    Scenario("infant_bnsm", "3-week-old infant with benign neonatal sleep myoclonus clusters",
             age_days=21.0, channels=(*EEG_CHANNELS[1:], *EOG_CHANNELS, CHIN, *LEGS, *ARMS, ECG_CHANNEL),
             rates=EventRates(hypnic_jerks_per_onset=0.0, fm_per_hour=0.0, lm_isolated_per_hour=0.0,
                              rem_twitches_per_min=4.0, bnsm_clusters_per_hour=12.0,
                              body_movements_per_hour=4.0),
             hypnogram_kind="infant"),
    Scenario("cortical_myoclonus", "cortical myoclonus: brief arm/leg jerks preceded by a time-locked "
             "contralateral central EEG transient", channels=(*STANDARD, *ARMS),
             rates=EventRates(cortical_jerks_per_hour=30.0, hypnic_jerks_per_onset=0.0)),
    Scenario("functional_jerks", "functional (psychogenic) jerks in wakefulness: longer, variable limb bursts, "
             "each preceded by a Bereitschaftspotential at central EEG", channels=(*STANDARD, *ARMS),
             rates=EventRates(functional_jerks_per_wake_min=3.0, hypnic_jerks_per_onset=0.0, extra_sleep_onsets=3)),
    Scenario("quiet_artefacts", "no jerks at all: electrode pops, ECG contamination and mains hum only",
             channels=(*STANDARD, *ARMS), rates=_QUIET, mains_hz=60.0),
    Scenario("propriospinal", "propriospinal myoclonus at sleep onset: axial jerks from rectus "
             "abdominis spreading at ~5 m/s", channels=(*STANDARD, *AXIAL, *ACCEL),
             rates=EventRates(hypnic_jerks_per_onset=0.0, propriospinal_per_onset=1.5,
                              extra_sleep_onsets=2)),
)}


def get_scenario(scenario: str | Scenario) -> Scenario:
    """Return the :class:`Scenario` named ``scenario`` (or ``scenario`` itself)."""
    if isinstance(scenario, Scenario):
        return scenario
    if scenario not in SCENARIOS:
        raise ParameterError(f"unknown scenario {scenario!r}", where="--scenario",
                             hint=f"choose one of: {', '.join(SCENARIOS)}")
    return SCENARIOS[scenario]

"""What each class means, in the numbers of the ruleset that scored the night, and which
non-EMG channels its rule looks at (shown beside the EMG while reviewing)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..vocab import Role, TrialType

if TYPE_CHECKING:  # pragma: no cover
    from ..classification.rules import RuleSet
    from ..detection.params import EventParams

__all__ = ["class_criteria", "RULE_ROLES", "CLASS_TITLES"]

#: Channels of these roles are drawn with the EMG of an event of the class, because its rule
#: rests on them: a sleep start happens at the wake-to-sleep transition (EEG slowing, slow eye
#: movements of drowsiness; ICSD-3) with no EEG spike before it; cortical myoclonus is an EEG
#: transient time-locked before the jerk (Shibasaki 1992); propriospinal myoclonus has no
#: cortical potential before it (Montagna et al. 2006).
RULE_ROLES: dict[str, tuple[Role, ...]] = {
    TrialType.HYPNIC_JERK.value: (Role.EEG, Role.EOG),
    TrialType.CORTICAL_MYOCLONUS.value: (Role.EEG,),
    TrialType.PROPRIOSPINAL_MYOCLONUS.value: (Role.EEG,),
}

CLASS_TITLES = {
    "hypnic_jerk": "hypnic jerk (sleep start)",
    "fragmentary_myoclonus": "fragmentary myoclonus",
    "leg_movement": "leg movement",
    "rem_twitch": "REM twitch",
    "neonatal_myoclonus": "neonatal sleep myoclonus",
    "propriospinal_myoclonus": "propriospinal myoclonus",
    "cortical_myoclonus": "cortical myoclonus",
    "myoclonic_jerk": "myoclonic jerk (no other class)",
    "body_movement": "body movement",
}


def class_criteria(rules: RuleSet, events: EventParams | None = None) -> dict[str, str]:
    """One sentence per class with the thresholds of ``rules`` (their sources: classification.rules).

    The body-movement sentence quotes detection's grouping (``events``, default
    :class:`~myosleep.detection.params.EventParams`), which tells a gross movement from a jerk.
    """
    from ..detection.params import EventParams

    r, ev = rules, events if events is not None else EventParams()
    if r.lm_max_duration_bilateral_s is None:
        lm_dur = f"{r.lm_min_duration_s:g}-{r.lm_max_duration_s:g} s"
    else:
        lm_dur = (f"{r.lm_min_duration_s:g}-{r.lm_max_duration_s:g} s on one leg, up to "
                  f"{r.lm_max_duration_bilateral_s:g} s bilateral")
    return {
        "leg_movement": (f"Leg EMG activity of {lm_dur}; periodic when in a series of >= {r.plm_min_count} "
                         f"with onset-to-onset intervals of {r.plm_min_interval_s:g}-{r.plm_max_interval_s:g} s "
                         f"({r.citation})."),
        "fragmentary_myoclonus": (f"A single-channel EMG potential of {r.fm_min_burst_s * 1000:.0f}-"
                                  f"{r.fm_max_burst_s * 1000:.0f} ms, not part of a larger event; excessive when "
                                  f">= {r.efm_min_per_min:g} per minute over >= {r.efm_min_nrem_min:g} min of "
                                  "NREM sleep (AASM)."),
        "hypnic_jerk": (f"A jerk of >= {r.hypnic_min_regions} body regions with EMG bursts up to "
                        f"{r.hypnic_max_burst_s * 1000:.0f} ms, in a wake-to-sleep transition; no EEG spike "
                        "before it (ICSD-3 sleep starts)."),
        "rem_twitch": (f"A phasic EMG burst of {r.rem_twitch_min_burst_s:g}-{r.rem_twitch_max_burst_s:g} s in "
                       "REM sleep (Frauscher et al. 2012)."),
        "neonatal_myoclonus": (f"A cluster of >= {r.neonatal_min_jerks} jerks (EMG bursts < "
                               f"{r.neonatal_max_burst_s:g} s) at {r.neonatal_min_rate_hz:g}-"
                               f"{r.neonatal_max_rate_hz:g} Hz in sleep, in an infant under "
                               f"{r.neonatal_max_age_y:g} year (Maurer et al. 2010)."),
        "propriospinal_myoclonus": (f"A jerk starting in an axial muscle and spreading along the cord at "
                                    f"{r.psm_min_velocity_m_s:g}-{r.psm_max_velocity_m_s:g} m/s (one regression "
                                    f"of onset, less nerve conduction, on cord distance over >= "
                                    f"{r.psm_min_channels} muscles), sparing the chin, bursts up to "
                                    f"{r.psm_max_burst_s:g} s, in relaxed wakefulness or N1; no cortical "
                                    "potential before it (Brown et al. 1991; Montagna et al. 2006)."),
        "cortical_myoclonus": (f"Short EMG bursts (median <= {r.cortical_max_burst_s * 1000:.0f} ms over >= "
                               f"{r.cortical_min_bursts} bursts; van der Veen et al. 2024) with an EEG transient "
                               "time-locked before the jerk (jerk-locked back-averaging)."),
        "myoclonic_jerk": "A jerk that fits none of the other classes.",
        "body_movement": (f"Sustained muscle activity (bursts of >= {ev.body_min_burst_s:g} s in >= "
                          f"{ev.body_min_regions} body regions) of a gross body movement, not a jerk."),
    }

"""Scoring rules: every clinical threshold of the classification, one frozen dataclass per ruleset.

Two rulesets exist, :data:`AASM` (default) and :data:`WASM2016`.  They differ only in the
leg-movement (LM) and periodic-limb-movement (PLM) rules; the other classes use the same
physiological numbers in both (no rival scoring rule exists for them).  Every number carries
its source in a comment.  Nothing else in :mod:`myosleep.classification` holds a threshold.

Sources (short names used in the comments)
------------------------------------------
AASM
    Berry RB et al., The AASM Manual for the Scoring of Sleep and Associated Events,
    v2.5 (2018) and v3 (2023): LM rules (VII.A), EFM (VII.D), RSWA (VII.E / chin EMG).
WASM2016
    Ferri R et al., World Association of Sleep Medicine (WASM) 2016 standards for recording
    and scoring leg movements in polysomnograms, Sleep Med 2016;26:86-95.
WASM2016 series end: a series ends at a CLM preceded by an interval < 10 s or > 90 s, or
    at an LM that is not a CLM (WASM2016 abstract: "runs of at least four consecutive CLM with
    an intermovement interval >= 10 and <= 90 s without any CLM preceded by an interval < 10 s
    interrupting the series"; tabulated side by side with AASM in Table 3 of PMC9619152).
Ferri2015
    Ferri R et al., Putting the periodicity back into the periodic leg movement index,
    Sleep Med 2015;16:1229-35: describes the standard (AASM) handling of short intervals,
    whose LMs neither count nor interrupt a series ("Alt2" interrupts them).
Ferri2006
    Ferri R, Zucconi M, Manconi M et al., New approaches to the study of periodic leg movements
    during sleep in restless legs syndrome, Sleep 2006;29:759-69: the periodicity index.
Ferri2016b
    Ferri R et al., Bilateral leg movements during sleep, Sleep Med 2017;32:10-15:
    bilateral LMs are at most 4 monolateral LMs and 15 s.
ICSD-3
    American Academy of Sleep Medicine, International Classification of Sleep Disorders,
    3rd ed. (2014): PLMD (PLMS index > 15/h adults, > 5/h children), sleep starts.
Frauscher2012
    Frauscher B et al., Normative EMG values during REM sleep for the diagnosis of RBD,
    Sleep 2012;35:835-47 (SINBAR: 3-s mini-epochs, phasic 0.1-5 s > 2x background,
    tonic > 50 % of a 30-s epoch; cut-offs chin 'any' 18 %, chin + both FDS 32 %).
Frauscher2014
    Frauscher B et al., Motor events during healthy sleep: a quantitative PSG study,
    Sleep 2014;37:763-73 (fragmentary myoclonus: potentials <= 150 ms).
Ferri2010
    Ferri R et al., Improved computation of the atonia index in normal controls and patients
    with REM sleep behavior disorder, Sleep Med 2010;11:947-9 (1-s mini-epochs, noise
    correction by the minimum of a 60-s moving window, RAI < 0.8 abnormal, > 0.9 normal).
Maurer2010
    Maurer VO et al., Benign neonatal sleep myoclonus: a review, Pediatrics 2010;
    125:e919-24 (clusters of jerks at 1-5 Hz over seconds, in sleep only, stop on arousal;
    onset first weeks, gone by 3 months in most, rarely beyond 6 months).
Montagna2006
    Montagna P, Provini F, Vetrugno R, Propriospinal myoclonus at sleep onset,
    Neurophysiol Clin 2006;36:351-5; Vetrugno R et al., Sleep 2001;24:835-43
    (axial origin, spread 3-11 m/s, jerks 100-400 ms up to ~2 s, relaxed wake / sleep onset).
vdVeen2024
    van der Veen S et al., EMG burst duration in cortical myoclonus, 2024: a 45-ms cut-off on
    >= 10 bursts (sensitivity 100 %, specificity 89.5 %).
Chokroverty
    Chokroverty S, Bhat S, Gupta D, Intensified hypnic jerks, Sleep 2013 / Sleep Med 2015 and
    DESIGN.md: sleep-start EMG bursts about 75-250 ms, several body segments.
Kushida2005
    Kushida CA et al., Practice parameters for the indications for polysomnography and related
    procedures: an update for 2005, Sleep 2005;28:499-521: a split-night study may diagnose
    from its first part only when that part holds >= 2 h of diagnostic PSG, the shortest span
    over which AASM practice lets an index per hour decide a diagnosis.
CMS240.4
    Centers for Medicare & Medicaid Services, National Coverage Determination 240.4 (CPAP for
    OSA, 2008): an index per hour computed over < 2 h of recorded sleep may not be
    extrapolated (the events counted must reach what 2 h would need).
CPT
    AMA CPT sleep-testing instructions (95808-95811): a full attended PSG records >= 6 h; a
    shorter study is a reduced service.  We take it as the definition of a full diagnostic
    night, for the short-recording warning.
Carskadon
    Carskadon MA, Dement WC, Normal human sleep: an overview, in Principles and Practice of
    Sleep Medicine, 5th ed. 2011: the newborn sleep cycle (active and quiet sleep) lasts about
    50 min.
Kimura2013
    Kimura J, Electrodiagnosis in Diseases of Nerve and Muscle, 4th ed. 2013: proximal motor
    conduction (F-wave) velocities 50-65 m/s; see :mod:`.anatomy`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from ..errors import ParameterError

__all__ = ["RuleSet", "AASM", "WASM2016", "RULESETS", "get_ruleset"]


@dataclass(frozen=True)
class RuleSet:
    """All thresholds of the classification for one scoring standard.

    Times are seconds unless the name says otherwise, amplitudes microvolts, rates per hour
    or per minute as named.  Build variants with :func:`dataclasses.replace`.
    """

    name: str
    citation: str

    # ---------------------------------------------------------------- leg movements
    lm_min_duration_s: float
    lm_max_duration_s: float
    lm_max_duration_bilateral_s: float | None
    bilateral_mode: str
    bilateral_onset_gap_s: float
    bilateral_offset_gap_s: float
    bilateral_max_lms: int | None
    plm_min_count: int
    plm_min_interval_s: float
    plm_max_interval_s: float
    short_interval_breaks_series: bool
    long_lm_breaks_series: bool
    respiratory_anchor: str
    respiratory_before_s: float
    respiratory_after_s: float
    respiratory_lm_scored: bool
    arousal_gap_s: float
    plms_index_adult_per_h: float
    plms_index_child_per_h: float
    child_age_y: float
    plms_min_tst_h: float
    pi_min_interval_s: float
    pi_max_interval_s: float
    pi_min_run_intervals: int
    pi_min_intervals: int

    # -------------------------------------------------------- fragmentary myoclonus
    fm_max_burst_s: float
    fm_min_burst_s: float
    efm_min_amplitude_uv: float
    efm_min_per_min: float
    efm_min_nrem_min: float
    efm_bin_s: float

    # ------------------------------------------------------------------ hypnic jerk
    hypnic_min_regions: int
    hypnic_max_burst_s: float
    sleep_starts_min_per_transition: float
    sleep_starts_min_count: int
    sleep_starts_min_transitions: int

    # -------------------------------------------------------------------- REM / RSWA
    rem_twitch_min_burst_s: float
    rem_twitch_max_burst_s: float
    sustained_min_burst_s: float
    sinbar_mini_epoch_s: float
    sinbar_epoch_s: float
    sinbar_background_factor: float
    sinbar_tonic_min_uv: float
    sinbar_tonic_fraction: float
    sinbar_chin_any_pct: float
    sinbar_chin_fds_any_pct: float
    rai_abnormal_below: float
    rai_normal_above: float
    rai_window_s: float
    rswa_min_rem_min: float

    # --------------------------------------------------------------------- neonatal
    neonatal_max_age_y: float
    neonatal_typical_max_months: float
    neonatal_unusual_after_months: float
    neonatal_min_rate_hz: float
    neonatal_max_rate_hz: float
    neonatal_min_jerks: int
    neonatal_max_burst_s: float
    neonatal_min_sleep_min: float

    # ---------------------------------------------------------------- propriospinal
    psm_min_velocity_m_s: float
    psm_max_velocity_m_s: float
    psm_max_burst_s: float
    psm_min_channels: int
    psm_spread_alpha: float
    psm_min_events: int
    psm_min_transitions: int
    psm_motor_cv_m_s: float

    # --------------------------------------------------------------------- cortical
    cortical_max_burst_s: float
    cortical_min_bursts: int
    cortical_jerk_max_burst_s: float

    # ------------------------------------------------------------- the whole night
    full_night_h: float

    def to_dict(self) -> dict[str, object]:
        """Every threshold by name (JSON-ready)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.name


_COMMON = dict(
    # AASM VII.A.1.a / WASM2016 rule 3.1: an LM lasts 0.5-10 s.
    lm_min_duration_s=0.5,
    lm_max_duration_s=10.0,
    # AASM VII.A.2: LMs on both legs count as one; WASM2016 / Ferri2016b: at most 4 LMs.
    arousal_gap_s=0.5,  # AASM VII.A.2.e and WASM2016: overlap or < 0.5 s end-to-onset either way.
    plm_min_count=4,  # AASM VII.A.2.a and WASM2016: >= 4 consecutive (candidate) LMs.
    plm_max_interval_s=90.0,  # AASM VII.A.2.c and WASM2016: intervals up to 90 s.
    plms_index_adult_per_h=15.0,  # ICSD-3 PLMD: PLMS index > 15/h in adults.
    plms_index_child_per_h=5.0,  # ICSD-3 PLMD: > 5/h in children.
    child_age_y=18.0,  # ICSD-3: the paediatric cut-off applies under 18 years.
    # The PLMS index is per hour of sleep (AASM VII.A.3); Kushida2005 / CMS240.4: an index per hour
    # decides a diagnosis only over >= 2 h (no extrapolation from less).  A full night is still
    # expected (full_night_h); between 2 and 6 h the index is given with the short-recording warning.
    plms_min_tst_h=2.0,
    # Ferri2006: periodicity index = intervals of 10 < IMI <= 90 s in runs of >= 3 consecutive such
    # intervals (>= 4 LMs), over all intervals between LMs in sleep.  Ferri's own range, the same under
    # both rulesets (it is not the AASM 5-90 s series interval).
    pi_min_interval_s=10.0,
    pi_max_interval_s=90.0,
    pi_min_run_intervals=3,
    # With fewer intervals than one run holds, no periodicity can show: the index is not computed.
    pi_min_intervals=3,
    # AASM VII.D (EFM): maximum potential duration 150 ms; Frauscher2014 counts every
    # potential up to 150 ms (no lower bound); we count down to 20 ms, the shortest burst
    # the short-burst detector resolves (issue 3), so no real FM potential is dropped.
    fm_max_burst_s=0.150,
    fm_min_burst_s=0.020,
    # DESIGN.md / Broughton et al., EEG Clin Neurophysiol 1985 (original EFM description):
    # potentials > 50 uV, read peak-to-peak on the raw EMG.  Detection reports the moving-RMS
    # envelope (myosleep.preprocessing.emg_envelope), in which a potential of 50 uV
    # peak-to-peak (sine-equivalent) reads 50 / (2 * sqrt(2)) = 17.7 uV.  AASM VII.D sets no
    # amplitude and Frauscher2014 counted FM without one, so the floor applies only to the
    # potentials counted for EXCESSIVE fragmentary myoclonus, not to the FM class.
    efm_min_amplitude_uv=50.0 / (2.0 * 2.0 ** 0.5),
    efm_min_per_min=5.0,  # AASM VII.D: >= 5 EMG potentials per minute ...
    efm_min_nrem_min=20.0,  # ... sustained for >= 20 minutes of NREM sleep.
    efm_bin_s=60.0,  # AASM VII.D counts per minute: 1-min bins.
    # Sleep starts involve several body segments (ICSD-3; Chokroverty): >= 2 body regions.
    hypnic_min_regions=2,
    # Chokroverty / DESIGN.md: sleep-start EMG bursts about 75-250 ms.
    hypnic_max_burst_s=0.250,
    # Sleep starts are a normal variant (ICSD-3: 60-70 % of people).  The finding reports
    # 'intensified' sleep starts (Chokroverty et al., J Clin Neurophysiol 2013: repetitive jerks
    # at every falling asleep): on average >= 1 per wake-to-sleep transition and >= 3 in all
    # (a repetition, not a single jerk at a single transition).
    sleep_starts_min_per_transition=1.0,
    sleep_starts_min_count=3,
    # The finding is a rate per wake-to-sleep transition of jerks that recur as sleep comes
    # (Chokroverty 2013: repetitive jerks at the transitions to sleep); one transition is a single
    # observation of a normal variant that 60-70 % of people have (ICSD-3): >= 2 transitions.
    sleep_starts_min_transitions=2,
    rem_twitch_min_burst_s=0.1,  # Frauscher2012: phasic activity 0.1-5 s.
    rem_twitch_max_burst_s=5.0,
    # Frauscher2012: activity of 0.1-5 s is phasic, longer activity tonic; a jerk's EMG burst is
    # brief (Shibasaki & Hallett 2005: < ~250 ms; propriospinal up to ~2 s, Montagna2006).  An
    # event no class took whose longest burst lasts longer is sustained activity, not a jerk.
    sustained_min_burst_s=5.0,
    sinbar_mini_epoch_s=3.0,  # Frauscher2012: 3-s mini-epochs.
    sinbar_epoch_s=30.0,  # Frauscher2012: tonic activity scored per 30-s epoch.
    sinbar_background_factor=2.0,  # Frauscher2012: amplitude > 2x background.
    sinbar_tonic_min_uv=10.0,  # Frauscher2012: tonic amplitude >= 2x background or > 10 uV.
    sinbar_tonic_fraction=0.5,  # Frauscher2012: tonic when > 50 % of the 30-s epoch.
    sinbar_chin_any_pct=18.0,  # Frauscher2012: chin 'any' >= 18 % separates RBD.
    sinbar_chin_fds_any_pct=32.0,  # Frauscher2012: chin + both FDS 'any' >= 32 %.
    rai_abnormal_below=0.8,  # Ferri2010: RAI < 0.8 abnormal ...
    rai_normal_above=0.9,  # ... > 0.9 normal.
    rai_window_s=60.0,  # Ferri2010: noise floor = minimum in a 60-s window (+-30 s).
    # No published minimum; 5 min = 100 SINBAR mini-epochs, so a single mini-epoch moves the
    # percentage by <= 1 %, well below the 18 % cut-off (Frauscher2012 scored whole nights).
    rswa_min_rem_min=5.0,
    neonatal_max_age_y=1.0,  # Maurer2010: BNSM is a disorder of the first year.
    neonatal_typical_max_months=3.0,  # Maurer2010: resolves by 3 months in most infants.
    neonatal_unusual_after_months=6.0,  # Maurer2010: rarely persists beyond 6 months.
    neonatal_min_rate_hz=1.0,  # Maurer2010: jerks repeat at 1-5 Hz within a cluster.
    neonatal_max_rate_hz=5.0,
    # Maurer2010 "clusters ... over several seconds": at 1-5 Hz, 4 jerks span >= 0.6 s, the
    # smallest run that is a repetition of a repetition (3 intervals) and not a pair.
    neonatal_min_jerks=4,
    # The cluster's movements are myoclonic jerks (Maurer2010), whose EMG bursts are brief
    # (Shibasaki & Hallett, Mov Disord 2005: < ~250 ms).  Activity of >= 0.5 s is a movement,
    # not a jerk (AASM VII.A.1.a: the shortest leg movement; as EventParams.body_min_burst_s),
    # e.g. the chin tone rising for seconds with an arousal beside a cluster: an event whose
    # longest EMG burst lasts longer is no jerk of a cluster (the margin over 250 ms keeps a jerk
    # whose burst detection lengthens or joins with the next at 1-5 Hz).
    neonatal_max_burst_s=0.5,
    # Maurer2010: BNSM occurs in all sleep states and stops on arousal; Carskadon: a newborn's sleep
    # cycle (active + quiet sleep) lasts ~50 min.  Assessed only over >= one cycle of sleep.
    neonatal_min_sleep_min=50.0,
    psm_min_velocity_m_s=3.0,  # Montagna2006: spread at 3-11 m/s.
    psm_max_velocity_m_s=11.0,
    psm_max_burst_s=2.0,  # Montagna2006: 100-400 ms, up to ~2 s.
    # A propagation is shown by latencies growing with distance: the axial origin plus >= 2
    # other segment levels (one distance gives a 'velocity' for any delay).
    psm_min_channels=3,
    # The spread is shown by the recruitment pattern, latencies growing with distance from the
    # origin up and down the cord (Brown et al., Brain 1991; Chokroverty 1995): the slope of
    # segment firing time on cord distance must be positive at the conventional 5 % level
    # (one-sided), over all the event's muscles.
    psm_spread_alpha=0.05,
    # No published count criterion; 3 jerks with a consistent spread so that a single
    # chance recruitment order cannot make a finding.
    psm_min_events=3,
    # Montagna2006: PSM at sleep onset lives in the relaxed wakefulness before sleep and vanishes once
    # sleep is stable; the finding needs the recording to hold a wake-to-sleep transition.
    psm_min_transitions=1,
    # Kimura2013: peripheral motor conduction 50-60 m/s; each muscle's conduction time from its
    # segment is taken out of its EMG onset before the spread velocity is computed (DESIGN.md).
    psm_motor_cv_m_s=55.0,
    cortical_max_burst_s=0.045,  # vdVeen2024: 45-ms cut-off ...
    cortical_min_bursts=10,  # ... over >= 10 bursts.
    # The burst-duration test is about myoclonic bursts: cortical 10-50 ms, subcortical and
    # functional jerks longer but brief (Shibasaki & Hallett, Mov Disord 2005: myoclonic EMG
    # bursts < ~250 ms); longer activity is not a jerk burst and is left out of the test.
    cortical_jerk_max_burst_s=0.250,
    # CPT: a full diagnostic night records >= 6 h; a shorter analysed period carries the
    # short-recording warning (summary.json warning_details, the report's notice).
    full_night_h=6.0,
)

#: AASM Manual v2.5/v3 rules (default).
AASM = RuleSet(
    name="aasm",
    citation="AASM Manual for the Scoring of Sleep and Associated Events v2.5 (2018) / v3 (2023)",
    # AASM VII.A: no separate bilateral duration limit; each LM is 0.5-10 s.
    lm_max_duration_bilateral_s=None,
    # AASM VII.A.2.d: LMs on two legs with onsets < 5 s apart count as one LM.
    bilateral_mode="onset",
    bilateral_onset_gap_s=5.0,
    bilateral_offset_gap_s=0.0,
    bilateral_max_lms=None,
    plm_min_interval_s=5.0,  # AASM VII.A.2.c: onset-to-onset 5-90 s.
    # Ferri2015: under the standard rules an LM < 5 s after the previous one is not a PLM
    # and does not interrupt the series (the next interval is measured from the last LM kept).
    short_interval_breaks_series=False,
    # AASM: an LM > 10 s is not an LM; it neither counts nor interrupts a series.
    long_lm_breaks_series=False,
    # AASM VII.A.2.f: an LM within 0.5 s before or after a respiratory event is not scored.
    respiratory_anchor="event",
    respiratory_before_s=0.5,
    respiratory_after_s=0.5,
    # AASM VII.A.2.f: such an LM "should not be scored": it is no LM, in no count (LM index included).
    respiratory_lm_scored=False,
    **_COMMON,
)

#: WASM/IRLSSG 2016 rules (Ferri et al., Sleep Med 2016).
WASM2016 = RuleSet(
    name="wasm2016",
    citation="WASM/IRLSSG 2016 standards (Ferri et al., Sleep Med 2016;26:86-95)",
    # WASM2016: candidate LM = monolateral 0.5-10 s or bilateral 0.5-15 s (Ferri2016b).
    lm_max_duration_bilateral_s=15.0,
    # WASM2016: bilateral LM = monolateral LMs on both legs overlapping or < 0.5 s apart
    # (offset of one to onset of the other), at most 4 of them (Ferri2016b).
    bilateral_mode="offset",
    bilateral_onset_gap_s=0.0,
    bilateral_offset_gap_s=0.5,
    bilateral_max_lms=4,
    plm_min_interval_s=10.0,  # WASM2016: intermovement interval 10-90 s.
    # WASM2016: a CLM preceded by an interval < 10 s ends the series (it may start the next).
    short_interval_breaks_series=True,
    # WASM2016: LMs that are not CLMs (> 10 s mono / > 15 s bilateral) end the series.
    long_lm_breaks_series=True,
    # WASM2016: CLMs overlapping 2 s before to 10.25 s after the END of a respiratory event
    # are respiratory-related and not counted.
    respiratory_anchor="end",
    respiratory_before_s=2.0,
    respiratory_after_s=10.25,
    # WASM2016: respiratory-related CLMs (CLMr) remain candidate LMs, counted as such; they are left out
    # of the series of the respiratory-excluded PLMS index only.
    respiratory_lm_scored=True,
    **_COMMON,
)

RULESETS: dict[str, RuleSet] = {"aasm": AASM, "wasm2016": WASM2016}


def get_ruleset(rules: str | RuleSet) -> RuleSet:
    """Return a :class:`RuleSet` from its name (``"aasm"``, ``"wasm2016"``) or itself.

    Raises
    ------
    ParameterError
        For an unknown name.
    """
    if isinstance(rules, RuleSet):
        return rules
    key = str(rules).strip().lower().replace("-", "").replace("_", "").replace(" ", "")
    key = {"wasm": "wasm2016", "wasm16": "wasm2016", "aasm": "aasm"}.get(key, key)
    if key not in RULESETS:
        raise ParameterError(f"unknown ruleset {rules!r}; allowed are aasm, wasm2016", where="rules",
                             hint="choose aasm (default) or wasm2016")
    return RULESETS[key]


def with_changes(rules: RuleSet, **changes) -> RuleSet:
    """A copy of ``rules`` with some thresholds changed (for sensitivity analyses)."""
    return replace(rules, **changes)

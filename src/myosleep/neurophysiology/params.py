"""Parameters of the neurophysiology stage, each with its source.

Times are seconds relative to the EMG onset of the jerk (negative = before it).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["NeuroParams", "DEFAULT_PARAMS"]


@dataclass(frozen=True)
class NeuroParams:
    """Windows, minimum counts and significance levels of jerk-locked analysis.

    Parameters
    ----------
    tmin_s, tmax_s : float
        Epoch around the EMG onset (-2.5 to +0.5 s): room for a Bereitschaftspotential,
        which starts 1.5-2 s before a self-paced movement (Shibasaki & Hallett, Clin
        Neurophysiol 2006), and for its baseline.
    baseline_s : tuple of float
        Baseline of the averages and of the BP test (-2.5 to -2.0 s: before the earliest
        BP onset).
    transient_window_s : tuple of float
        Where a pre-jerk cortical transient is searched: the 100 ms before EMG onset (its
        samples up to ``min_conduction_ms`` before onset are tested; see below). The
        positive peak leads EMG onset by ~20 ms in arm and 30-45 ms in leg muscles
        (Shibasaki, J Clin Neurophysiol 1992; DESIGN.md), so 100 ms holds every limb and
        cranial muscle. It ends at 0: the jerk's own EMG and the movement it causes
        contaminate scalp EEG from the EMG onset on.
    detrend_window_s : tuple of float
        Each epoch's line (fitted on -300 to -100 ms, extrapolated over the test window)
        is removed before the transient test, so slow activity (BP, delta waves) is not
        taken for a transient; it lies wholly before the test window.
    jitter_s : tuple of float
        Null of jittered onsets: each jerk's EEG at its onset shifted by a random
        0.2-2.0 s *earlier* (never later, which would pull the jerk's own artefact into
        the null): unlocked from the EMG yet from the same moment of the night; the
        shifted test window and its detrend window stay inside the epoch.
    min_jerks : int
        No verdict on fewer usable jerks. Clinics average 50-200 jerks (Shibasaki &
        Hallett, Muscle Nerve 2005). 20 is the least that detects a transient as large as
        the background EEG (amplitude / SD = 1; cortical transients are ~10-40 uV in
        15-30 uV of background) with 80 % power at two-sided alpha 0.01 in a paired
        design: N >= ((z_0.995 + z_0.80) * sqrt(2))^2 = ((2.58 + 0.84) * 1.41)^2 = 23,
        rounded to the ~20 the issue and clinical practice quote.
    absence_jerks : int
        A negative average of fewer jerks than clinics average (50, the low end of their
        50-200; Shibasaki & Hallett 2005) does not say "not cortical" when another sign
        points to a cortical origin (EEG leading a significant EEG-EMG coherence, bursts
        <= 45 ms): the finding is then inconclusive (``present: None``).
    alpha : float
        Family-wise error rate of every verdict (0.01), over the channels, the samples and
        the groups of jerks tested (Holm over groups): a false "cortical (epileptic)"
        label weighs more than a missed one in decision support, so the conventional
        0.05 is tightened.
    n_permutations : int
        Relabelling permutations of the jittered-onset test (p resolution 1/2001: below
        alpha / 8, so up to 8 groups can reach significance after Holm's correction).
    min_eeg_sfreq_hz : float
        No transient test on EEG sampled below 200 Hz, the AASM's minimum EEG sampling
        rate (500 Hz desirable; AASM Manual v2.6, technical specifications): a cortical
        transient's positive peak is ~10-20 ms wide and leads the jerk by 10-45 ms, which
        100 Hz (10-ms samples, its anti-aliasing low-pass at ~35-40 Hz delaying it by
        ~4-5 ms) cannot resolve to the +-5 ms a lead needs. The slow Bereitschaftspotential
        (1-2 s) and 12-30 Hz coherence are still assessed.
    display_bin_s : float
        Bin of the report's whole-epoch view of the jerks in wakefulness (20 ms: the
        Bereitschaftspotential's 1-2 s ramp needs no 10-ms detail); its band is
        bootstrapped on the bin means.
    display_zoom_s : tuple of float
        The jerk-locked view of the report: -200 to +100 ms around EMG onset (the test
        window, the end of the detrending window and the first 100 ms of the jerk).
    n_bootstrap : int
        Bootstrap resamples of the confidence bands (95 % percentile bands; Efron &
        Tibshirani 1993).
    eog_ptp_uv, eog_window_s : float
        EOG rejection: peak-to-peak above 100 uV within any 200-ms window (the
        moving-window peak-to-peak test of ERP practice; Luck, An Introduction to the
        ERP Technique, 2nd ed. 2014, ch. 6).
    bp_window_s : tuple of float
        The BP is measured as the mean over the last 500 ms before EMG onset (the late
        BP / NS', steepest and largest; Shibasaki & Hallett 2006) against the baseline.
    bp_min_ramp_gain : float
        A hardware high-pass turns a 2-s ramp into a smaller shift: through a
        first-order high-pass of time constant tau the ramp's end value keeps
        (tau / T) (1 - exp(-T / tau)) of itself (T = 2 s). Below 0.5 (high-pass above
        0.127 Hz, e.g. the AASM 0.3 Hz EEG filter) a missing BP cannot be told from a
        filtered one: "absent" becomes "not assessable".
    coherence_segment_s : tuple of float
        Segment of each jerk for EEG-EMG coherence (-0.5 to +0.5 s: 1-Hz resolution, the
        EMG burst inside).
    coherence_band_hz : tuple of float
        12-30 Hz (beta; Brown et al., J Physiol 1999; Grosse et al., Clin Neurophysiol
        2003: excess corticomuscular coherence in cortical myoclonus).
    emg_highpass_hz : float
        EMG high-pass before rectification for coherence (20 Hz, the surface-EMG band's
        lower edge; Merletti & Parker 2004).
    min_bursts : int, cortical_burst_max_ms, noncortical_burst_min_ms : float
        Burst-duration test: median over >= 10 jerks; <= 45 ms supports a cortical
        origin (sensitivity 100 %, specificity 89.5 %), >= 100 ms argues against it
        (van der Veen et al. 2024; Latorre et al., Clin Neurophysiol 2023: cortical
        myoclonus bursts are < 50-100 ms).
    min_conduction_ms, arm_min_conduction_ms, leg_min_conduction_ms : float
        Shortest corticomuscular conduction time a transient can lead a jerk by: motor
        potentials evoked by transcranial stimulation begin ~8-10 ms after the stimulus in
        facial muscles, the closest to the cortex (Cruccu et al. 1990); ~11-13 ms in the
        fastest arm muscles (biceps, deltoid; ~20 ms in hand muscles) and ~18-22 ms in the
        fastest leg muscles (quadriceps; ~28-30 ms in tibialis anterior) (normal MEP
        latencies: Chen et al., Clin Neurophysiol 2008; Rossini et al., Clin Neurophysiol
        2015). A "transient" peaking closer to the EMG onset than the fastest conduction to
        the trigger muscle's region (8 ms for chin, axial or unknown muscles, 10 ms for an
        arm, 18 ms for a leg) is the jerk's own onset, another component of the potential or
        an onset error, not its cortical cause; those last samples are not tested (they
        would only add chances to the maximum). A pooled group takes the least of its muscles'.
    arm_lead_window_ms, leg_lead_window_ms : tuple of float
        The physiological lead of the premyoclonic positivity's peak over EMG onset: ~15-25 ms
        for arm and 30-45 ms for leg muscles (Shibasaki, J Clin Neurophysiol 1992; Shibasaki &
        Hallett, Muscle Nerve 2005), from the shortest conduction time above (10 ms, 18 ms) to
        the literature's upper edge plus 5 ms (half the ~10-ms width of the positive peak, for
        the error of the EMG onset): 10-30 ms for an arm, 18-50 ms for a leg. Of the
        significant runs of a group, one peaking in its muscles' window is the one reported
        (an earlier one is another component, or chance); other muscles (chin, axial, unknown)
        take the whole tested window. Which run is reported, not whether the group is
        significant, depends on it.
    """

    tmin_s: float = -2.5
    tmax_s: float = 0.5
    baseline_s: tuple[float, float] = (-2.5, -2.0)
    transient_window_s: tuple[float, float] = (-0.100, 0.0)
    detrend_window_s: tuple[float, float] = (-0.300, -0.100)
    jitter_s: tuple[float, float] = (-2.0, -0.2)
    min_jerks: int = 20
    absence_jerks: int = 50
    alpha: float = 0.01
    n_permutations: int = 2000
    n_bootstrap: int = 1000
    eog_ptp_uv: float = 100.0
    eog_window_s: float = 0.2
    bp_window_s: tuple[float, float] = (-0.5, 0.0)
    bp_min_ramp_gain: float = 0.5
    coherence_segment_s: tuple[float, float] = (-0.5, 0.5)
    coherence_band_hz: tuple[float, float] = (12.0, 30.0)
    emg_highpass_hz: float = 20.0
    min_bursts: int = 10
    cortical_burst_max_ms: float = 45.0
    noncortical_burst_min_ms: float = 100.0
    min_conduction_ms: float = 8.0
    arm_min_conduction_ms: float = 10.0
    leg_min_conduction_ms: float = 18.0
    arm_lead_window_ms: tuple[float, float] = (10.0, 30.0)
    leg_lead_window_ms: tuple[float, float] = (18.0, 50.0)
    min_eeg_sfreq_hz: float = 200.0
    display_bin_s: float = 0.020
    display_zoom_s: tuple[float, float] = (-0.200, 0.100)


    def min_lead_ms(self, roles: set[str]) -> float:
        """The least lead (ms) a cortical transient can have over jerks of muscles of these
        roles (``"arm"``, ``"leg"``, ...; an unknown or other role: ``min_conduction_ms``)."""
        by_role = {"arm": self.arm_min_conduction_ms, "leg": self.leg_min_conduction_ms}
        return min((by_role.get(r, self.min_conduction_ms) for r in roles), default=self.min_conduction_ms)

    def lead_window_ms(self, roles: set[str]) -> tuple[float, float]:
        """The leads (ms) at which the premyoclonic positivity peaks for jerks of muscles of these
        roles: the union of their windows (chin, axial or unknown: the whole tested window)."""
        whole = (self.min_conduction_ms, -1000.0 * self.transient_window_s[0])
        by_role = {"arm": self.arm_lead_window_ms, "leg": self.leg_lead_window_ms}
        spans = [by_role.get(r, whole) for r in roles] or [whole]
        return min(lo for lo, _ in spans), max(hi for _, hi in spans)


DEFAULT_PARAMS = NeuroParams()

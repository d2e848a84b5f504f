"""A labelled estimate of infant sleep states from EMG and EOG activity.

For infants under one year YASA is not validated (trained on adults and children of
NSRR cohorts) and myosleep never runs it. Without a scored hypnogram the states are
estimated, epoch by epoch (30 s, as in the AASM infant rules), from what the
behavioural state criteria of infant scoring use besides the EEG (AASM Manual v2.3+
infant rules; Grigg-Damberger et al., J Clin Sleep Med 2016;12:429-445, "The visual
scoring of sleep in infants 0 to 2 months of age"; Anders, Emde and Parmelee 1971,
"A manual of standardized terminology, techniques and criteria for scoring of states
of sleep and wakefulness in newborn infants"):

* **wake (W)**: eyes open with eye movements, sustained chin and limb EMG activity,
  gross body movements; here: EMG well above the resting floor (tone or movement)
  during most of the epoch;
* **active sleep (AS, scored R)**: the precursor of REM sleep: low chin tone
  (atonia), rapid eye movements and phasic twitches; here: chin tone below the
  sleep epochs' median and eye movements above it (one combined score), or, without
  EOG, low tone with twitches; and no sustained activity;
* **quiet sleep (QS, scored N3)**: the precursor of NREM sleep: regular breathing,
  no eye movements, chin tone maintained, few movements; here: the other epochs.
  QS is scored N3 (``InfantStateParams.quiet_sleep_stage``): its EEG (high-voltage
  slow and trace alternant, Grigg-Damberger 2016) is the precursor of slow-wave
  sleep, and myosleep's simulator uses the same convention. The EEG patterns that
  would separate N1/N2/N3 (spindles from about 2 months) are not assessed (AASM
  infant rules score such epochs "N"); treat the code as "NREM".

Amplitudes of EMG and EOG depend on electrodes and gains, so every threshold is
relative to the night's own distribution (medians, the 10th percentile as the
resting floor), never an absolute microvolt value. A 3-epoch majority (median)
filter removes single-epoch flips (a state lasts minutes in neonates: Grigg-Damberger
2016). This is an estimate: every output labels it ``estimate:emg-eog``.

Seconds without signal (a gap of the recording, read as NaN) are left out of every
statistic, and an epoch without any recorded second is unscored.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..errors import HypnogramError
from ..io.recording import MIN_EMG_SFREQ
from ..vocab import EMG_ROLES, Role, Stage
from ._channels import channels_with_role

if TYPE_CHECKING:  # pragma: no cover
    from ..io.hypnogram_model import Hypnogram
    from ..io.recording import Recording

__all__ = ["InfantStateParams", "estimate_infant_hypnogram", "estimate_states"]

logger = logging.getLogger("myosleep")



@dataclass(frozen=True)
class InfantStateParams:
    """Relative thresholds of the infant state estimate.

    Parameters
    ----------
    epoch_s : float
        Epoch length, s (AASM infant scoring: 30 s).
    movement_factor : float
        1-s EMG RMS above this multiple of the night's resting floor (10th percentile,
        the atonia of active sleep) is activity (3 = +9.5 dB: well above the tonic
        level of sleep; design choice, not fitted).
    wake_movement_fraction : float
        Share of an epoch's seconds with movement that makes it wake (0.5: "most of
        the epoch", the AASM majority rule for scoring an epoch).
    twitch_fraction : float
        Share of seconds with movement that counts as phasic twitching when there is
        no EOG (0.05: a few 1-s twitches per 30 s; design choice).
    smooth_epochs : int
        Width of the majority filter, epochs.
    quiet_sleep_stage : Stage
        Stage code written for quiet sleep (N3 by default, see the module docstring).
    """

    epoch_s: float = 30.0                   # AASM infant scoring epoch
    movement_factor: float = 3.0
    wake_movement_fraction: float = 0.5     # AASM majority-of-epoch rule
    twitch_fraction: float = 0.05
    smooth_epochs: int = 3
    quiet_sleep_stage: Stage = Stage.N3     # see module docstring


def _rms_1s(x: np.ndarray, sfreq: float, band_hz: tuple[float, float]) -> np.ndarray:
    """RMS per 1-s window of the band-passed signal (uV); NaN for a second without signal and the seconds beside it.

    Missing samples (a gap of the recording) are filtered as 0; the seconds they touch, and one
    second either side where the filter settles, are NaN.
    """
    from scipy.signal import butter, sosfiltfilt

    x = np.asarray(x, dtype=float)
    missing = ~np.isfinite(x)
    x = np.where(missing, 0.0, x)
    hi = min(band_hz[1], 0.45 * sfreq)
    sos = butter(4, [band_hz[0], hi], btype="bandpass", fs=sfreq, output="sos")
    y = sosfiltfilt(sos, x)
    n = int(round(sfreq))
    m = y.size // n
    rms = np.sqrt(np.mean(y[: m * n].reshape(m, n) ** 2, axis=1))
    if missing.any():
        sec = missing[: m * n].reshape(m, n).any(axis=1)
        near = sec.copy()
        near[1:] |= sec[:-1]
        near[:-1] |= sec[1:]
        rms[near] = np.nan
    return rms


def estimate_states(emg_rms_1s: np.ndarray, *, eog_rms_1s: np.ndarray | None = None,
                    params: InfantStateParams | None = None) -> np.ndarray:
    """Stage codes per epoch from 1-s EMG (and EOG) RMS series (rules in the module docstring).

    Parameters
    ----------
    emg_rms_1s : array of float
        Chin (or limb) EMG RMS per second, uV.
    eog_rms_1s : array of float | None
        EOG RMS per second (0.3-5 Hz eye-movement band), uV.
    params : InfantStateParams | None
        Thresholds.

    Returns
    -------
    numpy.ndarray of int8
        W, R (active sleep) or ``quiet_sleep_stage`` (quiet sleep) per epoch; unscored for an
        epoch without a second of signal (NaN: a gap of the recording).
    """
    p = params or InfantStateParams()
    per = int(round(p.epoch_s))
    n_ep = int(emg_rms_1s.size // per)
    if n_ep == 0:
        return np.zeros(0, dtype=np.int8)
    emg = np.asarray(emg_rms_1s[: n_ep * per], dtype=float).reshape(n_ep, per)
    seen = np.isfinite(emg)  # seconds with signal (a gap of the recording has none)
    missing = ~seen.any(axis=1)
    if missing.all():
        return np.full(n_ep, int(Stage.UNSCORED), dtype=np.int8)
    # Resting floor: the 10th percentile of all seconds, i.e. the atonia of active sleep.
    floor = float(np.percentile(emg[seen], 10))
    if not floor > 0:
        floor = float(np.median(emg[seen & (emg > 0)])) if np.any(seen & (emg > 0)) else 1.0
    active = emg > p.movement_factor * floor  # False where NaN
    active_frac = active.sum(axis=1) / np.maximum(seen.sum(axis=1), 1)
    wake = (active_frac >= p.wake_movement_fraction) & ~missing
    # Tone: median of each epoch's seconds without movement.
    quiet = np.where(active, np.nan, emg)
    all_active = np.asarray(np.isnan(quiet).all(axis=1))
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an epoch without signal: NaN, unscored below
        tone = np.nanmedian(np.where(all_active[:, None], emg, quiet), axis=1)
    sleep = ~wake & ~missing
    stages = np.full(n_ep, int(p.quiet_sleep_stage), dtype=np.int8)
    stages[wake] = int(Stage.W)
    stages[missing] = int(Stage.UNSCORED)
    if sleep.any():
        # Active sleep: low tone together with eye movements (or, without EOG, twitches).
        # One score, robust z of log values against the sleep epochs: eye activity up,
        # tone down. Split at 0 (the sleep epochs' median), as active sleep fills about
        # half of neonatal sleep (Grigg-Damberger et al. 2016: AS ~50 % at term).
        def _z(v: np.ndarray) -> np.ndarray:
            lv = np.log(np.maximum(v, np.finfo(float).tiny))
            med = np.median(lv[sleep])
            mad = np.median(np.abs(lv[sleep] - med)) * 1.4826
            return (lv - med) / (mad if mad > 0 else 1.0)

        if eog_rms_1s is not None and eog_rms_1s.size >= n_ep * per:
            eog = np.asarray(eog_rms_1s[: n_ep * per], dtype=float).reshape(n_ep, per)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # an epoch without EOG signal: NaN
                eog_med = np.nanmedian(eog, axis=1)
                eog_med = np.where(np.isfinite(eog_med), eog_med, np.nanmedian(eog_med[sleep]))
            phasic = _z(eog_med)
        else:
            phasic = np.where(active_frac >= p.twitch_fraction, 1.0, -1.0)
        score = phasic - _z(tone)
        stages[sleep & (score > 0)] = int(Stage.R)
    if p.smooth_epochs > 1 and n_ep >= p.smooth_epochs:
        from scipy.ndimage import median_filter

        # Majority of 3 labels: the codes have no physiological order, so the median
        # filter runs on each label's indicator (a majority vote over the window).
        codes = np.array([int(Stage.W), int(p.quiet_sleep_stage), int(Stage.R)])
        votes = np.stack([median_filter((stages == c).astype(float), size=p.smooth_epochs, mode="nearest")
                          for c in codes])
        winner = votes.argmax(axis=0)
        has = votes.max(axis=0) > 0
        stages = np.where(has, codes[winner], stages).astype(np.int8)
    stages[missing] = int(Stage.UNSCORED)
    return stages


def estimate_infant_hypnogram(recording: Recording, *, params: InfantStateParams | None = None) -> Hypnogram:
    """Estimate W / active sleep (R) / quiet sleep (N3) per 30-s epoch from EMG and EOG.

    Parameters
    ----------
    recording : Recording
        Needs a chin EMG (else a limb or axial EMG) sampled at >= 100 Hz; an EOG
        channel (any rate >= 10 Hz) is used when present, the difference of the first
        two when there are two at one rate (E1-M2 minus E2-M1: eye movements add up,
        frontal EEG cancels).
    params : InfantStateParams | None
        Thresholds.

    Returns
    -------
    Hypnogram
        ``source="estimate:emg-eog"``; ``metadata`` holds ``emg``, ``eog`` (labels),
        ``method`` and ``quiet_sleep_stage`` ("N3").

    Raises
    ------
    HypnogramError
        No EMG channel sampled at >= 100 Hz: nothing to estimate the states from.
    """
    from ..io.hypnogram_model import Hypnogram

    p = params or InfantStateParams()
    emg_ch = None
    for role in (Role.CHIN, Role.LEG, Role.ARM, Role.AXIAL):
        cands = [c for c in channels_with_role(recording, role) if float(c.sfreq) >= MIN_EMG_SFREQ]
        if cands:
            emg_ch = cands[0]
            break
    if emg_ch is None:
        emg_roles = ", ".join(sorted(str(r) for r in EMG_ROLES))
        raise HypnogramError(
            f"infant recording without a hypnogram and without an EMG channel ({emg_roles}) sampled at "
            f">= {MIN_EMG_SFREQ:g} Hz: sleep states cannot be estimated (YASA is not valid under 1 year)",
            where=recording.path or "recording",
            hint="give --hypnogram FILE with the scored infant sleep states")
    fs = float(emg_ch.sfreq)
    # Surface EMG band 10-100 Hz (DESIGN.md recording practice).
    emg_rms = _rms_1s(recording.get_data(emg_ch.label), fs, (10.0, 100.0))
    eog_rms = None
    eog_chs = [c for c in channels_with_role(recording, Role.EOG) if float(c.sfreq) >= 10.0]
    eog_used = eog_chs[0].label if eog_chs else None
    if eog_chs:
        eog = recording.get_data(eog_chs[0].label)
        if len(eog_chs) >= 2 and float(eog_chs[1].sfreq) == float(eog_chs[0].sfreq):
            # With the AASM derivations E1-M2 and E2-M1, conjugate eye movements appear
            # out of phase on the two channels while frontal EEG (the high-voltage slow
            # waves of quiet sleep) appears in phase (AASM Manual, EOG derivations):
            # their difference keeps the eye movements and cancels the EEG.
            other = recording.get_data(eog_chs[1].label)
            m = min(len(eog), len(other))
            eog = np.asarray(eog[:m], dtype=float) - np.asarray(other[:m], dtype=float)
            eog_used = f"{eog_chs[0].label} - {eog_chs[1].label}"
        # Eye movements: 0.3-5 Hz (AASM EOG filter 0.3-35 Hz; REMs and slow eye
        # movements lie below 5 Hz).
        eog_rms = _rms_1s(eog, float(eog_chs[0].sfreq), (0.3, 5.0))
    stages = estimate_states(emg_rms, eog_rms_1s=eog_rms, params=p)
    if stages.size == 0:
        raise HypnogramError(f"recording shorter than one {p.epoch_s:g}-s epoch: states cannot be estimated",
                             where=recording.path or "recording",
                             hint="give --hypnogram FILE")
    logger.info("infant states estimated from %s%s", emg_ch.label, f" and {eog_used}" if eog_used else "")
    return Hypnogram(stages, epoch_s=p.epoch_s, start_s=0.0, source="estimate:emg-eog", metadata={
        "emg": emg_ch.label, "eog": eog_used,
        "method": "relative EMG tone/movement and EOG activity per 30-s epoch (myosleep.context.infant)",
        "quiet_sleep_stage": Stage(int(p.quiet_sleep_stage)).label,
    })

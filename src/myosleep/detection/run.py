"""Detection over a whole recording: ``detect(recording) -> DetectionResult``.

Channels are read and processed in float32 (the file is never held whole), each in a
task of a small thread pool: at most ``workers`` channels are in memory at once (default
2, capped by the CPUs and the channels; ``MYOSLEEP_WORKERS=1`` or ``workers=1`` runs them
one after the other in the calling thread).  numpy, scipy and the numba kernels release
the GIL, so two channels use two cores.  The ECG channel, when present, gives the R-peaks
for cardiac removal: its task is queued first and the EMG tasks wait for the peaks only
after reading their channel.  Results are assembled in channel order, so the tables do
not depend on the number of workers.  EEG channels are read lazily only when a candidate
gross body movement needs their high-frequency power.  The chin channel's task also
computes the chin amplitude per second (the REM atonia index needs it) while the channel
is in memory.

Writing the tables and the command ``myosleep detect`` are the pipeline's
(:func:`myosleep.pipeline.detect_to_dir`, :meth:`DetectionResult.write`).
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from .._intervals import union_length
from ..errors import ChannelError, InputError, MyosleepError, ParameterError
from ..io.recording import MIN_EMG_SFREQ, ChannelInfo
from ..io.roles import accelerometer_axis
from ..preprocessing.ecg import ECG_ALIGN_S
from ..preprocessing.leadoff import LeadOffCriteria
from ..schema import ARTEFACTS, BURSTS
from ..vocab import Role
from .chin import ChinAmplitude, chin_amplitude_1s
from .eeg_contamination import eeg_ratio_fn
from .params import DetectionParams
from .results import ChannelRef, ChannelStatus, DetectionResult, unobserved_intervals

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ..io.recording import Recording

__all__ = ["artefact_time_s", "detect", "detect_channel", "require_usable_channels"]

log = logging.getLogger("myosleep")

#: ECG below this rate cannot place an R-peak within a QRS (~80-100 ms wide).
_MIN_ECG_SFREQ = 50.0
#: Highest resting level (uV RMS) a surface EMG can have.  Surface EMG spans 0-10 mV
#: peak-to-peak, at most ~1.5 mV RMS in a maximal contraction (De Luca, J Appl Biomech 1997;
#: Konrad, The ABC of EMG, 2005); the resting level of a sleeper is a few uV.  A channel whose
#: resting level exceeds the largest contraction is not read in the unit its header states
#: (uV values under a "mV" header read 1000 times too large) or its electrode is off.
MAX_RESTING_EMG_UV = 1500.0
#: Lowest resting level (uV RMS) a recorded surface EMG can have: the thermal (Johnson) noise of the
#: electrode-skin impedance alone is sqrt(4 k T R B) = 0.04 uV RMS for 1 kOhm over the 10-100 Hz band
#: (0.09 uV at 5 kOhm, the AASM's upper impedance for EMG), and PSG amplifiers add ~0.2-1 uV RMS of
#: their own.  A lower level is a channel not in the unit its header states (mV values under a "uV"
#: header read 1000 times too small): every absolute threshold (the AASM 8 uV LM onset) is then out
#: of reach and a night would read as free of events.
MIN_RESTING_EMG_UV = 0.05
#: Largest burst amplitude (uV) of surface EMG: 10 mV peak-to-peak, 5 mV peak (same sources).
#: A channel whose typical (median) burst is larger is not surface EMG in uV.
MAX_SURFACE_EMG_PEAK_UV = 5000.0
#: Environment variable capping the number of channel workers of :func:`detect` (``1``: sequential).
WORKERS_ENV = "MYOSLEEP_WORKERS"
#: Default number of channel workers: two channels in flight bound memory to ~2 channels' work arrays.
DEFAULT_WORKERS = 2
#: Exceptions that make one channel's analysis fail without stopping the others: the package's own
#: errors and the numeric errors bad data raise in numpy/scipy (``ValueError`` includes
#: ``numpy.linalg.LinAlgError``; ``ArithmeticError`` includes ``FloatingPointError``).  Anything
#: else (a bug, ``MemoryError``, a warning turned into an error) propagates.
_CHANNEL_FAILURES: tuple[type[BaseException], ...] = (MyosleepError, ValueError, ArithmeticError)


def _side(c: ChannelInfo) -> str:
    return "n/a" if c.side is None else c.side.value


def _phys_range_uv(c: ChannelInfo) -> tuple[float | None, float | None]:
    lo, hi = float(c.physical_min), float(c.physical_max)
    scale = c.scale_to_uv or 1.0
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return None, None
    lo, hi = lo * scale, hi * scale
    return (min(lo, hi), max(lo, hi)) if hi != lo else (None, None)


_UNIT_HINT = ("not analysed; check the unit (V, mV, uV) in the file's header (uV values under 'mV' read 1000x too "
              "large, mV values under 'uV' 1000x too small) or the electrode")


def _implausible_rest(base: Any) -> str | None:
    """Why the resting level (``Baseline``) cannot be surface EMG in uV, or None."""
    blocks = np.asarray(base.blocks_uv, dtype=np.float64)
    rest = float(np.nanmedian(blocks)) if np.isfinite(blocks).any() else float("nan")
    if rest > MAX_RESTING_EMG_UV:
        return (f"resting EMG level {rest:.4g} uV RMS is implausible, above the {MAX_RESTING_EMG_UV:g} uV RMS of a "
                f"maximal surface-EMG contraction: {_UNIT_HINT}")
    if rest < MIN_RESTING_EMG_UV:
        return (f"resting EMG level {rest:.4g} uV RMS is implausible, below the {MIN_RESTING_EMG_UV:g} uV RMS "
                f"thermal noise of any electrode: {_UNIT_HINT}")
    return None


def _implausible_bursts(bursts: pd.DataFrame) -> str | None:
    """Why the bursts of a channel cannot be surface EMG in uV (median peak above 10 mV p-p), or None."""
    if not len(bursts):
        return None
    peak = float(np.median(bursts["peak_amplitude_uv"]))
    if not peak > MAX_SURFACE_EMG_PEAK_UV:
        return None
    return (f"median burst amplitude {peak:.4g} uV is implausible, above the {MAX_SURFACE_EMG_PEAK_UV:g} uV peak "
            f"of any surface EMG: {_UNIT_HINT}")


def detect_channel(x: np.ndarray, sfreq: float, *, label: str = "EMG", role: str = "leg", side: str = "n/a",
                   params: DetectionParams = DetectionParams(), r_peaks_s: np.ndarray | None = None,
                   physical_range_uv: tuple[float | None, float | None] = (None, None),
                   beat_align_s: float = ECG_ALIGN_S) -> tuple[pd.DataFrame, pd.DataFrame, ChannelStatus]:
    """Detect bursts on one EMG channel given as an array.

    A channel whose lead is off for most of the record is first read without the lead-off test: a
    unit 1000 times off (microvolts under an "mV" header) makes a connected lead's few uV of mains
    read as mV, a "lead off" everywhere, and its refusal for the unit (with the unit advice, defect
    28) is the one that tells the user what to fix.

    Parameters
    ----------
    x : ndarray
        Raw EMG (uV).
    sfreq : float
        Sampling rate (Hz).
    label, role, side : str
        Channel label, role (chin/leg/arm/axial) and side (left/right/n/a) for the table.
    params : DetectionParams
    r_peaks_s : ndarray | None
        R-peak times (s) from an ECG channel.
    physical_range_uv : (float | None, float | None)
        Amplifier range (uV) for clipping detection.
    beat_align_s : float
        How far (s) the cardiac template may move each beat of ``r_peaks_s``: :data:`ECG_ALIGN_S`
        for R-peaks of an ECG, :data:`EMG_BEATS_ALIGN_S` for beats taken from an EMG lead.

    Returns
    -------
    (bursts, artefacts, status)
        Bursts and artefacts DataFrames (burst_id/event_id unset: -1) and a ChannelStatus.
    """
    def run(lead_off: bool) -> tuple[pd.DataFrame, pd.DataFrame, ChannelStatus]:
        return _detect_channel(x, sfreq, label=label, role=role, side=side, params=params, r_peaks_s=r_peaks_s,
                               physical_range_uv=physical_range_uv, beat_align_s=beat_align_s, lead_off=lead_off)

    bursts, artefacts, status = run(True)
    off = artefact_time_s(artefacts, kinds=("lead_off",))
    if off > _UNIT_FIRST_LEAD_OFF_SHARE * np.shape(x)[0] / float(sfreq):
        unit = run(False)
        if not unit[2].used and unit[2].reason and _UNIT_HINT in unit[2].reason:
            return unit
    return bursts, artefacts, status


#: Share of a record lead off above which the channel's unit is checked first (:func:`detect_channel`): a unit
#: 1000x off reads most seconds as lead off; below half, the unit tests read the observed rest as before.
_UNIT_FIRST_LEAD_OFF_SHARE = 0.5


def _detect_channel(x: np.ndarray, sfreq: float, *, label: str, role: str, side: str, params: DetectionParams,
                    r_peaks_s: np.ndarray | None, physical_range_uv: tuple[float | None, float | None],
                    beat_align_s: float, lead_off: bool) -> tuple[pd.DataFrame, pd.DataFrame, ChannelStatus]:
    """:func:`detect_channel`, with (``lead_off``) or without the lead-off test."""
    import pandas as pd

    from ..preprocessing import emg_channel_problem, preprocess_emg
    from ..preprocessing.artefacts import lazy_slow_component
    from .bursts import find_lm_bursts, find_short_bursts, quantisation_problem, resting_baseline, settling_runs

    problem = emg_channel_problem(x, sfreq)
    if problem is not None:
        return _empty_bursts(), _empty_artefacts(), ChannelStatus(label, role, float(sfreq), False, problem)
    p = params.short
    pre = preprocess_emg(x, sfreq, r_peaks_s=r_peaks_s, cardiac=params.cardiac,
                         physical_min=physical_range_uv[0], physical_max=physical_range_uv[1], label=label,
                         beat_align_s=beat_align_s, lead_off=LeadOffCriteria() if lead_off else None)
    usable = 1.0 - float(pre.mask.mean())
    if usable < 0.01:  # a coarse quantiser's runs of identical codes are "flat": say why
        reason = quantisation_problem(pre.quantisation, None, role, params=params) or _no_signal(pre.artefacts)
        return _empty_bursts(), _artefact_frame(pre.artefacts, sfreq, label), \
            ChannelStatus(label, role, float(sfreq), False, reason)
    base = resting_baseline(pre.filtered, sfreq, mask=pre.mask, window_s=p.baseline_window_s,
                            quantile=p.baseline_quantile, block_s=p.baseline_block_s)
    problem = quantisation_problem(pre.quantisation, base, role, params=params) or _implausible_rest(base)
    if problem is not None:  # too coarse for the amplitudes its rules read (issue 9, defect 2)
        return _empty_bursts(), _artefact_frame(pre.artefacts, sfreq, label), \
            ChannelStatus(label, role, float(sfreq), False, problem)
    slow = lazy_slow_component(x, sfreq, beats=pre.beats)
    envelopes: dict[int, np.ndarray] = {}  # each RMS envelope computed once per channel
    rej: dict[str, np.ndarray] = {}
    rej_lm: dict[str, np.ndarray] = {}
    short, pops = find_short_bursts(pre.filtered, sfreq, params=p, mask=pre.mask, baseline=base,
                                    delay_s=pre.delay_s, slow=slow, envelopes=envelopes,
                                    step_uv=pre.quantisation.step_uv, rejected=rej, beats=pre.beats)
    del slow
    if pre.beats.size and short["start"].size:  # residuals of the cardiac field (engineer P3)
        from .cardiac_gate import cardiac_residual_mask

        residual = cardiac_residual_mask(pre.filtered, sfreq, pre.beats, short["run_start"], short["run_stop"],
                                         mask=pre.mask)
        short = {k: v[~residual] for k, v in short.items()}
    frames = [_burst_frame(short, "short")]
    if role in params.lm_roles:
        lm = find_lm_bursts(pre.filtered, sfreq, params=params.lm, mask=pre.mask, baseline=base,
                            delay_s=pre.delay_s, envelopes=envelopes, step_uv=pre.quantisation.step_uv,
                            rejected=rej_lm, short=short)
        if len(pops) and len(lm["onset"]):
            # an LM that holds a pop and no muscle burst is the pop's tail
            keep = np.ones(len(lm["onset"]), dtype=bool)
            for k, (a, z) in enumerate(zip(lm["start"], lm["stop"])):
                hit_pop = np.any((pops[:, 0] < z) & (pops[:, 1] > a))
                hit_muscle = np.any((short["start"] < z) & (short["stop"] > a))
                keep[k] = not (hit_pop and not hit_muscle)
            lm = {k: v[keep] for k, v in lm.items()}
        frames.append(_burst_frame(lm, "lm"))
    del envelopes
    bursts = pd.concat([f for f in frames if len(f)], ignore_index=True) if any(len(f) for f in frames) \
        else _empty_bursts()
    bursts["channel"] = label
    bursts["role"] = role
    bursts["side"] = side
    arts = list(pre.artefacts) + [(int(a), int(z), "electrode_pop") for a, z in pops]
    arts += [(int(a), int(z), "settling") for a, z in settling_runs(rej, rej_lm)]
    artefacts = _artefact_frame(arts, sfreq, label, pop_delay_s=pre.delay_s)
    problem = _implausible_bursts(bursts)
    if problem is not None:
        return _empty_bursts(), artefacts, ChannelStatus(label, role, float(sfreq), False, problem)
    status = ChannelStatus(label, role, float(sfreq), True, None, tuple(pre.mains.freqs_hz), pre.n_beats_removed,
                           float(np.median(base.blocks_uv)), artefact_time_s(artefacts), int(len(bursts)),
                           lead_off_s=artefact_time_s(artefacts, kinds=("lead_off",)))
    return bursts, artefacts, status


def _no_signal(runs: Sequence[tuple[int, int, str]]) -> str:
    """Why a channel whose samples are artefact everywhere is not analysed."""
    if any(kind == "lead_off" for _, _, kind in runs):
        return ("holds no usable signal (artefact everywhere: lead off - mains pickup or drift no attached electrode "
                "shows, an electrode off the skin - flat, clipped or NaN)")
    return "holds no usable signal (artefact everywhere: flat, clipped or NaN)"


def artefact_time_s(artefacts: pd.DataFrame, *, kinds: Sequence[str] | None = None,
                    exclude: Sequence[str] = ("gap",)) -> float:
    """Time (s) covered by a channel's artefact rows of ``kinds`` (all but ``exclude`` when None), each
    second counted once: a railed stretch is both ``clipped`` and ``disconnected`` (two rows, one
    stretch: summed, 30 railed minutes read as "60 min", defect 61)."""
    if not len(artefacts):
        return 0.0
    kind = artefacts["kind"].astype(str)
    sel = kind.isin(list(kinds)) if kinds is not None else ~kind.isin(list(exclude))
    on = artefacts["onset"].to_numpy(float)[sel.to_numpy()]
    return union_length(on, on + artefacts["duration"].to_numpy(float)[sel.to_numpy()])


def _burst_frame(table: dict[str, np.ndarray], detector: str) -> pd.DataFrame:
    import pandas as pd

    n = len(table["onset"])
    if n == 0:
        return _empty_bursts()
    df = pd.DataFrame({k: table[k] for k in ("onset", "duration", "offset_s", "peak_amplitude_uv",
                                             "mean_amplitude_uv", "area_uv_s", "baseline_uv", "snr")})
    df["channel"] = ""
    df["role"] = ""
    df["side"] = "n/a"
    df["detector"] = detector
    df["burst_id"] = -1
    df["event_id"] = -1
    df["trial_type"] = "myoclonic_jerk"
    df["peak_jerk_g_per_s"] = np.nan
    return df[list(BURSTS.names)]


def _empty_bursts() -> pd.DataFrame:
    return BURSTS.empty()


def _empty_artefacts() -> pd.DataFrame:
    return ARTEFACTS.empty()


def _artefact_frame(runs: Sequence[tuple[int, int, str]], sfreq: float, label: str, *,
                    pop_delay_s: float = 0.0) -> pd.DataFrame:
    import pandas as pd

    if not runs:
        return _empty_artefacts()
    a = np.array([r[0] for r in runs], dtype=np.float64)
    z = np.array([r[1] for r in runs], dtype=np.float64)
    kind = [r[2] for r in runs]
    shift = np.array([pop_delay_s if k in ("electrode_pop", "settling") else 0.0 for k in kind])
    df = pd.DataFrame({"onset": np.maximum(a / sfreq - shift, 0.0), "duration": (z - a) / sfreq,
                       "channel": label, "kind": kind})
    return df.sort_values("onset", kind="stable").reset_index(drop=True)[list(ARTEFACTS.names)]


# ------------------------------------------------------------------ recording level
#: How far (s) each lead's cardiac template may move a beat.  R-peaks of an ECG are where every
#: lead's field is to a sample (``preprocessing.ecg.ECG_ALIGN_S``, 4 ms).  Without an ECG the beats are
#: placed on one EMG lead's field, with that lead's error: on the robustness sweep's night 90 % lie
#: within 6 ms of the ECG's R-peaks (after the lead's constant delay), but 40 of 946 are more than
#: 10 ms off, and the 8 of them 15-40 ms off left 3-5 uV "potentials" in the leads whose field was
#: subtracted beside its QRS (9 false short bursts; ``benchmarks/fuzz_inputs.py``,
#: ``no_ecg_channel``).  So there each lead aligns the beats on its own QRS within 40 ms: half a
#: QRS complex (80-120 ms, ECG norms), beyond which the template would match another wave.
EMG_BEATS_ALIGN_S = 0.04


def _beats(recording: Recording, channels: Sequence[ChannelInfo]) -> tuple[np.ndarray | None, float]:
    """(heartbeats in s, how far each lead may align them): an ECG's R-peaks, else the EMG leads' beats."""
    peaks = _ecg_r_peaks(recording, channels)
    if peaks is not None:
        return peaks, ECG_ALIGN_S
    return _r_peaks_from_emg_leads(recording, channels), EMG_BEATS_ALIGN_S


def _ecg_r_peaks(recording: Recording, channels: Sequence[ChannelInfo]) -> np.ndarray | None:
    from ..preprocessing import detect_r_peaks

    for c in channels:
        if c.role is not Role.ECG or c.sfreq < _MIN_ECG_SFREQ or not c.readable:
            continue
        try:
            ecg = recording.get_data(c.label, dtype=np.float32)
        except ChannelError as err:
            log.warning("%s: ECG not readable (%s); cardiac field taken from the EMG leads", c.label, err)
            continue
        try:
            peaks = detect_r_peaks(ecg, c.sfreq)
        except _CHANNEL_FAILURES as err:
            log.warning("%s: R-peak detection failed (%s: %s); cardiac field taken from the EMG leads",
                        c.label, type(err).__name__, err)
            continue
        finally:
            del ecg
        if peaks.size >= 10:
            log.info("%s: %d R-peaks for cardiac artefact removal", c.label, peaks.size)
            return peaks / float(c.sfreq)
    return None


#: A lead on which this share of the detected intervals is regular (before any repair) shows
#: the heart clearly enough: the remaining leads are not searched (each costs a preprocessing pass).
_CLEAR_RHYTHM = 0.9


def _r_peaks_from_emg_leads(recording: Recording, channels: Sequence[ChannelInfo]) -> np.ndarray | None:
    """Heartbeats (s) from the EMG lead with the clearest cardiac field, for every lead: no ECG recorded.

    One heart beats for every lead; each lead sees its field at its own gain, the trunk's and the
    left side's most (the heart's axis), a distal or right-sided lead hardly.  Beats found lead by
    lead are missed where the lead's field is weak or a movement raises its QRS-energy threshold
    (a 10-s block's 98th percentile), and each missed beat stays in the EMG as a 5-15 uV
    "potential": a 15-min PLMD night without its ECG channel gave 196 short bursts where the
    ECG gave 41.  So the beats are taken once, from the lead whose rhythm is found most
    regularly (the most RR intervals within 20 % of the local RR:
    :func:`myosleep.preprocessing.ecg.emg_cardiac_beats`; its misses and extra peaks repaired on
    the rhythm), and
    every lead removes its own field at those beats (each lead fits its template and gain, and
    a lead without a field is left untouched: ``remove_cardiac_counted``).
    """
    from ..preprocessing import preprocess_emg
    from ..preprocessing.ecg import emg_cardiac_beats

    def nearer_the_heart(c: ChannelInfo) -> int:  # trunk, then the left side (the heart's axis), chin, the rest
        side = str(getattr(c.side, "value", c.side)).lower()
        return 0 if c.role is Role.AXIAL else 1 if side == "left" else 2 if c.role is Role.CHIN else 3

    leads = sorted((c for c in channels if c.is_emg and c.readable and c.sfreq >= MIN_EMG_SFREQ), key=nearer_the_heart)
    best: tuple[int, np.ndarray] | None = None
    for c in leads:
        if best is not None and best[0] >= _CLEAR_RHYTHM * best[1].size:
            break  # a lead already shows the rhythm clearly: the others are not read twice
        try:
            x = recording.get_data(c.label, dtype=np.float32)
        except ChannelError:
            continue
        try:  # mains removed and band-passed as the lead's own analysis does, artefacts zeroed
            pre = preprocess_emg(x, c.sfreq, cardiac="off", physical_min=_phys_range_uv(c)[0],
                                 physical_max=_phys_range_uv(c)[1], label=c.label)
            peaks, n_regular = emg_cardiac_beats(pre.filtered, c.sfreq)
        except _CHANNEL_FAILURES:
            continue
        finally:
            del x
        if peaks.size >= 10 and (best is None or n_regular > best[0]):
            # in the raw signal's time: the filtered lead lags it by the filter's group delay
            best = (n_regular, peaks / float(c.sfreq) - pre.delay_s)
            log.debug("%s: %d beats in its cardiac field (%d regular intervals)", c.label, peaks.size, n_regular)
    if best is None:
        return None
    log.info("no ECG: %d heartbeats from the EMG lead with the clearest cardiac field", best[1].size)
    return best[1]


def _accel_groups(channels: Sequence[ChannelInfo]) -> list[list[ChannelInfo]]:
    """The axes of each accelerometer: grouped by sensor (the label without its axis: ``L wrist Acc``
    of ``L wrist Acc X``), side, rate and unit, not by file order, so that two sensors whose axes are
    interleaved (``L wrist Acc X``, ``R wrist Acc X``, ...) stay two sensors; a sensor's axes in
    axis order, at most 3 to a group (a label naming no axis shares its sensor's group)."""
    acc = [c for c in channels if c.role is Role.ACCELEROMETER and c.readable]
    groups: dict[tuple[str, str, float, str], list[tuple[str, ChannelInfo]]] = {}
    for c in acc:
        stem, axis = accelerometer_axis(getattr(c, "original_label", "") or c.label)
        groups.setdefault((stem, _side(c), float(c.sfreq), c.data_unit), []).append((axis or "", c))
    out = []
    for members in groups.values():
        members.sort(key=lambda m: m[0])  # stable: axes named alike keep their file order
        g = [c for _, c in members]
        out += [g[i:i + 3] for i in range(0, len(g), 3)]
    return out


def _chin_task(recording: Recording, c: ChannelInfo, x: np.ndarray | None,
               artefacts: pd.DataFrame | None = None, mains_hz: tuple[float, ...] = ()) -> ChinAmplitude:
    """The chin amplitude per second of the chin channel ``c`` (``x``: its samples when already read;
    ``artefacts``: its artefact rows, whose unobserved stretches leave the amplitude NaN), with the mains
    lines ``mains_hz`` the burst detector found on it subtracted as it subtracts them: a hum whose
    amplitude follows breathing (+-30 % of 10 uV) left in swung the 1-s averages by ~2 uV against
    Ferri's 1-uV atonia threshold (defect 62)."""
    if not c.readable:
        return ChinAmplitude(None, f"{c.label}: not readable")
    try:
        if x is None:  # below the EMG floor the burst detector never reads it: an envelope channel?
            x = recording.get_data(c.label)
        x = _without_mains(np.asarray(x), float(c.sfreq), mains_hz)
        return chin_amplitude_1s(x, float(c.sfreq), label=c.label,
                                 envelope=getattr(c, "emg_envelope", None) is not None,
                                 unobserved_s=unobserved_intervals(artefacts, c.label))
    except (InputError, OSError) as err:
        return ChinAmplitude(None, f"{c.label}: not readable ({err})")
    except _CHANNEL_FAILURES as err:
        return ChinAmplitude(None, f"{c.label}: chin amplitude failed ({type(err).__name__}: {err})")


_EmgResult = tuple["pd.DataFrame | None", "pd.DataFrame | None", ChannelStatus, "ChinAmplitude | None"]


def _emg_task(recording: Recording, c: ChannelInfo, params: DetectionParams,
              peaks: Callable[[], tuple[np.ndarray | None, float]], chin: bool) -> _EmgResult:
    """Read and analyse one EMG channel: (bursts, artefacts, status, chin amplitude or None).

    A failure is a refused status.  ``chin``: this is the chin channel whose amplitude per second
    the REM atonia index uses.
    """
    role, side = c.role.value, _side(c)
    sfreq = float(c.sfreq)
    if not c.readable:
        reason = f"not readable: {c.problem}" if c.problem else f"unit {c.unit!r} is not a voltage"
        return None, None, ChannelStatus(c.label, role, sfreq, False, reason), \
            (_chin_task(recording, c, None) if chin else None)
    envelope = getattr(c, "emg_envelope", None)  # a duck-typed channel without it: raw EMG
    if envelope is not None:  # rectified and smoothed by the recorder: no bursts to read
        return None, None, ChannelStatus(c.label, role, sfreq, False, envelope), \
            (_chin_task(recording, c, None) if chin else None)
    if c.sfreq < MIN_EMG_SFREQ:
        from ..preprocessing import emg_channel_problem

        return None, None, ChannelStatus(c.label, role, sfreq, False, emg_channel_problem(None, c.sfreq)), \
            (_chin_task(recording, c, None) if chin else None)
    try:
        x = recording.get_data(c.label, dtype=np.float32)
    except (InputError, OSError) as err:
        return None, None, ChannelStatus(c.label, role, sfreq, False, f"not readable: {err}"), \
            (ChinAmplitude(None, f"{c.label}: not readable ({err})") if chin else None)
    r_peaks_s, align_s = peaks()  # the ECG task was queued first: it runs (or ran) on another worker
    try:
        b, a, st = detect_channel(x, c.sfreq, label=c.label, role=role, side=side, params=params,
                                  r_peaks_s=r_peaks_s, physical_range_uv=_phys_range_uv(c), beat_align_s=align_s)
    except _CHANNEL_FAILURES as err:
        log.debug("%s: analysis failed", c.label, exc_info=True)
        st = ChannelStatus(c.label, role, sfreq, False, f"analysis failed ({type(err).__name__}: {err})")
        return None, None, st, _refused_chin(_chin_task(recording, c, x) if chin else None, st)
    a, st = _gap_runs(a, st, tuple(getattr(recording, "gaps_s", ())))
    # the chin amplitude without the seconds the chin did not observe (defect 60)
    amplitude = _chin_task(recording, c, x, a, st.mains_hz) if chin else None
    return b, a, st, _refused_chin(amplitude, st)


def _without_mains(x: np.ndarray, sfreq: float, freqs_hz: tuple[float, ...]) -> np.ndarray:
    """``x`` less the mains lines ``freqs_hz`` (:func:`~myosleep.preprocessing.remove_mains`), NaNs
    kept where they were (the chin amplitude marks their seconds)."""
    if not freqs_hz:
        return x
    from ..preprocessing import remove_mains

    finite = np.isfinite(x)
    if finite.all():
        return remove_mains(x, sfreq, tuple(freqs_hz))
    y = remove_mains(np.where(finite, x, float(np.median(x[finite])) if finite.any() else 0.0), sfreq, tuple(freqs_hz))
    y[~finite] = np.nan
    return y


def _refused_chin(amplitude: ChinAmplitude | None, status: ChannelStatus) -> ChinAmplitude | None:
    """No chin amplitude from a raw chin that detection refused for its samples: a level or bursts no
    surface EMG has (a unit 1000x off), a step too coarse for 1-2 uV, a failed analysis.  The atonia
    index reads the same samples against 1 and 2 uV (Ferri et al. 2010): from a chin whose unit is mV
    for uV values it read 0.01, "REM sleep without atonia" on a healthy night."""
    if amplitude is None or status.used:
        return amplitude
    return ChinAmplitude(None, f"{status.label}: not used ({status.reason})")


def _gap_runs(artefacts: pd.DataFrame, status: ChannelStatus,
              gaps_s: tuple[tuple[float, float], ...]) -> tuple[pd.DataFrame, ChannelStatus]:
    """NaN runs that are the recording's gaps become artefacts of kind ``gap``, outside the channel's artefact time.

    A gap is stated once for the recording; counted as each channel's missing samples it would
    read as a fault of every electrode ("5 min flat, clipped, disconnected or NaN").
    """
    if not gaps_s or not len(artefacts):
        return artefacts, status
    on = artefacts["onset"].to_numpy(float)
    end = on + artefacts["duration"].to_numpy(float)
    tol = 1.0 / float(status.sfreq)  # a gap's edges fall on the channel's samples
    inside = np.zeros(on.size, dtype=bool)
    for a, b in gaps_s:
        inside |= (on >= a - tol) & (end <= b + tol)
    inside &= (artefacts["kind"] == "nan").to_numpy()
    if not inside.any():
        return artefacts, status
    artefacts = artefacts.copy()
    artefacts["kind"] = artefacts["kind"].astype(object).where(~inside, "gap")
    return artefacts, replace(status, artefact_s=artefact_time_s(artefacts))


def _accel_task(recording: Recording, g: list[ChannelInfo],
                params: DetectionParams) -> tuple[pd.DataFrame | None, pd.DataFrame | None, ChannelStatus]:
    """Jerks of one accelerometer group (up to 3 axes): (bursts, artefacts, status).

    The artefacts are the group's ``flat`` dropouts (every axis constant where a sensor cannot be:
    :func:`~myosleep.detection.accelerometer.dropout_runs`) and its ``settling`` runs (activity
    already there when the record starts or the signal returns after a gap or dropout:
    :func:`~myosleep.detection.accelerometer.find_accel_jerks`).  A group sampled too slowly for
    jerks is refused (:func:`~myosleep.detection.accelerometer.accel_rate_problem`).
    """
    import pandas as pd

    from .accelerometer import accel_rate_problem, find_accel_jerks, unit_to_g

    fs = float(g[0].sfreq)
    label = "+".join(c.label for c in g)
    unit = g[0].data_unit
    scale = unit_to_g(unit)
    slow = accel_rate_problem(fs, params.accelerometer)
    if slow is not None:  # defect 32: no jerk fits between its samples (detect() logs the refusal)
        return None, None, ChannelStatus(label, "accelerometer", fs, False, slow)
    try:
        axes = [recording.get_data(c.label, dtype=np.float32) for c in g]
    except (InputError, OSError) as err:
        return None, None, ChannelStatus(label, "accelerometer", fs, False, f"not readable: {err}")
    if scale is None:
        log.warning("%s: accelerometer unit %r unknown; jerks found on relative thresholds only, "
                    "peak_jerk_g_per_s left empty (n/a: the jerk would be in %s/s, not g/s)",
                    g[0].label, unit, unit or "its unit")
    rejected: dict[str, np.ndarray] = {}
    try:
        tab = find_accel_jerks(axes, fs, scale_to_g=scale, params=params.accelerometer, rejected=rejected)
    except _CHANNEL_FAILURES as err:
        log.debug("%s: analysis failed", label, exc_info=True)
        return None, None, ChannelStatus(label, "accelerometer", fs, False,
                                         f"analysis failed ({type(err).__name__}: {err})")
    n = len(tab["onset"])
    df = pd.DataFrame({"onset": tab["onset"], "duration": tab["duration"], "offset_s": tab["offset_s"],
                       "channel": label, "role": "accelerometer", "side": _side(g[0]), "detector": "accel",
                       "peak_amplitude_uv": np.full(n, np.nan), "mean_amplitude_uv": np.full(n, np.nan),
                       "area_uv_s": np.full(n, np.nan), "baseline_uv": np.full(n, np.nan),
                       "snr": tab["snr"], "burst_id": -1, "event_id": -1,
                       # a posture change (gravity moved to stay, more slowly than a jerk lasts):
                       # a body movement when no EMG burst joins it (defect 31)
                       "trial_type": np.where(tab["posture_s"] > params.events.accel_max_jerk_s,
                                              "body_movement", "myoclonic_jerk"),
                       # in an unknown unit (counts, none) the jerk is in that unit per second: not g/s
                       "peak_jerk_g_per_s": tab["peak_jerk_g_per_s"] if scale is not None else np.full(n, np.nan)})
    settle = rejected.get("settling", np.zeros((0, 2), dtype=np.int64))
    flat = rejected.get("flat", np.zeros((0, 2), dtype=np.int64))
    arts = _artefact_frame([(int(a), int(z), "flat") for a, z in flat]
                           + [(int(a), int(z), "settling") for a, z in settle], fs, label)
    status = ChannelStatus(label, "accelerometer", fs, True, n_bursts=n,
                           artefact_s=float(arts["duration"].sum()) if len(arts) else 0.0)
    return df[list(BURSTS.names)], arts, status


def n_workers(n_tasks: int, workers: int | None = None) -> int:
    """Number of channel workers :func:`detect` uses for ``n_tasks`` channels.

    ``workers`` (or, when None, the environment variable ``MYOSLEEP_WORKERS``, else 2) capped by
    the CPUs available to the process and by ``n_tasks``; at least 1.

    Raises
    ------
    ParameterError
        ``workers`` or ``MYOSLEEP_WORKERS`` is not an integer >= 1.
    """
    where = "workers"
    value: object = workers
    if workers is None:
        env = os.environ.get(WORKERS_ENV, "").strip()
        value, where = (env, WORKERS_ENV) if env else (DEFAULT_WORKERS, where)
    try:
        n = int(value)  # type: ignore[call-overload]
        ok = n >= 1 and float(value) == n  # type: ignore[arg-type]
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ParameterError(f"{where} must be an integer >= 1 (number of channels analysed at once), "
                             f"got {value!r}", where=where, hint="Use 1 to analyse channels one at a time")
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return max(1, min(n, cpus, n_tasks))


class _Inline:
    """The executor of ``workers=1``: runs each task at submission, in the calling thread."""

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        fut: Future[Any] = Future()
        try:
            fut.set_result(fn(*args))
        except Exception as err:  # noqa: BLE001 - re-raised by result(), as a pool would
            fut.set_exception(err)
        return fut

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        return None


def detect(recording: Recording, *, channels: Sequence[str] | None = None, params: DetectionParams | None = None,
           progress: bool | Callable[[int, int], None] = False, workers: int | None = None) -> DetectionResult:
    """Detect EMG bursts, accelerometer jerks and motor events in a recording.

    Parameters
    ----------
    recording : myosleep.io.Recording
        An open recording (``read_recording``); EMG channels are those with an EMG
        role (chin, leg, arm, axial), accelerometers those with role accelerometer.
    channels : sequence of str | None
        Labels to analyse (default: every EMG and accelerometer channel).
    params : DetectionParams | None
        Thresholds (default :class:`DetectionParams`).
    progress : bool | callable
        True: show a progress bar on stderr; a callable ``f(done, total)`` is called after
        each channel instead (the pipeline's status line).
    workers : int | None
        Channels analysed at once, in threads (None: ``MYOSLEEP_WORKERS`` from the environment,
        else 2; capped by the CPUs and the channels).  1 runs them in the calling thread, one
        after the other (for debugging).  The result does not depend on it.

    Returns
    -------
    DetectionResult
        Unfit channels (EMG < 100 Hz, all zero, all NaN), unreadable ones and channels whose
        analysis failed on their data are listed in ``channel_status`` with their reason and
        produce no bursts; the other channels are analysed.  The first chin channel analysed
        gives the chin amplitude per second (``chin_amplitude``).
    """
    import pandas as pd

    from .events import group_events

    params = params or DetectionParams()
    all_ch = list(recording.channels)
    wanted = None if channels is None else {str(c) for c in channels}
    emg = [c for c in all_ch if c.is_emg and (wanted is None or c.label in wanted)]
    chin = next((c.label for c in emg if c.role is Role.CHIN), None)
    accel_groups = [[c for c in g if wanted is None or c.label in wanted] for g in _accel_groups(all_ch)]
    accel_groups = [g for g in accel_groups if g]
    status: dict[str, ChannelStatus] = {}
    burst_frames, art_frames = [], []
    amplitude = ChinAmplitude(None, "no chin channel")
    bar = _progress(progress, len(emg) + len(accel_groups))
    n = n_workers(len(emg) + len(accel_groups), workers)
    if n > 1:
        from concurrent.futures import ThreadPoolExecutor

        pool: ThreadPoolExecutor | _Inline = ThreadPoolExecutor(max_workers=n, thread_name_prefix="myosleep-detect")
    else:
        pool = _Inline()
    try:
        # queued first, so that an EMG task waiting for the peaks never waits on a queued task
        need_peaks = params.cardiac != "off" and any(c.readable and c.sfreq >= MIN_EMG_SFREQ for c in emg)
        peaks_fut = pool.submit(_beats, recording, all_ch) if need_peaks else None
        peaks = peaks_fut.result if peaks_fut is not None else (lambda: (None, ECG_ALIGN_S))
        emg_futs = [pool.submit(_emg_task, recording, c, params, peaks, c.label == chin) for c in emg]
        acc_futs = [pool.submit(_accel_task, recording, g, params) for g in accel_groups]
        for c, fut in zip(emg, emg_futs):  # in channel order: the same tables whatever the workers
            b, a, st, amp = fut.result()
            status[c.label] = st
            if b is not None:
                burst_frames.append(b)
            if a is not None:  # also a channel refused after preprocessing: its artefacts are reported
                art_frames.append(a)
            if amp is not None:
                amplitude = amp
            if not st.used:
                log.warning("%s: not analysed: %s", c.label, st.reason)
            bar()
        for acc_fut in acc_futs:
            df, acc_arts, st = acc_fut.result()
            status[st.label] = st
            if df is not None:
                burst_frames.append(df)
            else:
                log.warning("%s: not analysed: %s", st.label, st.reason)
            if acc_arts is not None:
                art_frames.append(acc_arts)
            bar()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    frames = [f for f in burst_frames if len(f)]
    bursts = pd.concat(frames, ignore_index=True) if frames else _empty_bursts()
    bursts, art_frames, same = _one_channel_per_muscle(bursts, art_frames, emg, status)
    if chin in same:  # the chin amplitude (REM atonia) from the chin channel analysed
        kept = next(c for c in emg if c.label == same[chin][0])
        amplitude = _chin_task(recording, kept, None, next((f for f in art_frames if len(f) and
                                                            (f["channel"] == kept.label).any()), None),
                               status[kept.label].mains_hz)
    bursts = bursts.sort_values(["onset", "channel", "detector"], kind="stable").reset_index(drop=True)
    bursts["burst_id"] = np.arange(len(bursts), dtype=np.int64)
    eeg_status: dict[str, ChannelStatus] = {}
    grouped = group_events(bursts, params=params.events, eeg_ratio=eeg_ratio_fn(recording, all_ch, eeg_status))
    arts = [f for f in art_frames if len(f)]
    artefacts = (pd.concat(arts, ignore_index=True).sort_values(["onset", "channel"], kind="stable")
                 .reset_index(drop=True)) if arts else _empty_artefacts()
    return DetectionResult(bursts=grouped.bursts, events=grouped.events, members=grouped.members,
                           artefacts=artefacts, params=params, channel_status=status,
                           channels=tuple(ChannelRef(c.label, c.role, c.side) for c in all_ch),
                           duration_s=float(recording.duration_s), chin_amplitude=amplitude,
                           eeg_status=eeg_status)


def _one_channel_per_muscle(bursts: pd.DataFrame, art_frames: list[pd.DataFrame], emg: Sequence[ChannelInfo],
                            status: dict[str, ChannelStatus]
                            ) -> tuple[pd.DataFrame, list[pd.DataFrame], dict[str, tuple[str, float]]]:
    """Bursts and artefacts without the channels that record a muscle another channel records.

    :func:`myosleep.detection.same_muscle.same_muscle` finds them from the bursts; their
    status becomes "not used" with the channel analysed instead.  Also returns them
    (``{label: (label analysed instead, share of bursts together)}``).
    """
    from dataclasses import replace

    from .same_muscle import same_muscle

    used = [(c.label, c.role.value, _side(c)) for c in emg if status[c.label].used]
    dup = same_muscle(bursts, used) if len(bursts) else {}
    for lab, (keep, share) in dup.items():
        reason = (f"records the same muscle as {keep} ({100 * share:.0f} % of the bursts of each found together "
                  f"with the other's): {keep} is analysed, one channel per muscle")
        status[lab] = replace(status[lab], used=False, reason=reason)
        log.warning("%s: not analysed: %s", lab, reason)
    if not dup:
        return bursts, art_frames, dup
    drop = set(dup)
    bursts = bursts[~bursts["channel"].isin(drop)].reset_index(drop=True)
    return bursts, [f[~f["channel"].isin(drop)] for f in art_frames], dup


def _progress(enabled: bool | Callable[[int, int], None], total: int) -> Callable[[], None]:
    if not enabled or total == 0:
        return lambda: None
    if callable(enabled):
        done = [0]
        report = enabled

        def tick() -> None:
            done[0] += 1
            report(done[0], total)

        return tick
    from rich.progress import Progress

    prog = Progress(transient=True)
    prog.start()
    task = prog.add_task("detecting", total=total)
    state = {"done": 0}

    def step() -> None:
        state["done"] += 1
        prog.advance(task)
        if state["done"] >= total:
            prog.stop()

    return step


def require_usable_channels(result: DetectionResult, *, where: str, recording: Recording | None = None) -> None:
    """Raise :class:`ChannelError` (exit 2) when no EMG or accelerometer channel could be analysed.

    Without one, every jerk count would be a silent zero.  The advice follows from the refusal
    reasons (``myosleep.io.advice.no_usable_channel_error``); ``recording`` lets it list EMG of
    unknown site and unreadable channels by name.
    """
    if result.channels_used:
        return
    from ..io.advice import no_usable_channel_error

    raise no_usable_channel_error(result.channel_status.values(), where=where, duration_s=result.duration_s,
                                  recording=recording)

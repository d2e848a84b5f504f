"""One EMG channel from raw samples to a clean band-passed signal and its artefact runs."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

from .artefacts import _as_float, _rail_limits, _scan_runs
from .ecg import ECG_ALIGN_S, r_peaks_from_emg, remove_cardiac_counted
from .envelope import block_power
from .filters import _sosfilt, design_emg_sos, group_delay_s
from .leadoff import LeadOffCriteria, lead_off_runs
from .mains import MainsLines, _mains_model, detect_mains
from .quality import Quantisation, quantisation

__all__ = ["PreprocessedEMG", "preprocess_emg", "ARTEFACT_KINDS"]

log = logging.getLogger("myosleep")

#: Artefact kinds of the artefacts table ("settling": activity already there when the record
#: starts or the signal returns after a gap, set aside by the burst detectors; "lead_off": an
#: electrode off the skin whose input floats, :mod:`~myosleep.preprocessing.leadoff`).
ARTEFACT_KINDS = ("electrode_pop", "flat", "clipped", "nan", "disconnected", "lead_off", "settling")
#: A flat stretch this long is a disconnected lead rather than a momentary dropout.
DISCONNECTED_MIN_S = 10.0
#: Shortest flat stretch masked (s): :func:`~myosleep.preprocessing.flat_runs`'s default.
FLAT_MIN_S = 0.5
#: Ringing of the 10-Hz 4th-order high-pass after a step lasts ~0.2 s (a few cycles
#: of 10 Hz): masks are widened by this much on each side.
MASK_MARGIN_S = 0.2
#: The 10-Hz high-pass settles within ~3 time constants of its lowest pole
#: (~0.3 s), and a heartbeat cut by the end of the record cannot be subtracted:
#: the first and last 0.3 s are not searched for bursts.
SETTLE_S = 0.3
#: Shortest run at the amplifier's range masked as an artefact (s).  Surface EMG is an
#: interference pattern whose power starts at 20 Hz (De Luca, J Appl Biomech 1997): its sign
#: changes within half a cycle of 20 Hz, 25 ms.  A shorter run at the rail is the peak of a
#: burst larger than the range (PSG montages often record EMG at +-100 uV or less; a leg
#: movement exceeds it): the burst is muscle, only its amplitude is cut.  A longer run is a
#: saturated or blocked amplifier and is masked.
CLIPPED_MIN_S = 0.025


@dataclass(frozen=True)
class PreprocessedEMG:
    """A preprocessed EMG channel.

    Attributes
    ----------
    filtered : ndarray of float32
        Mains-free, band-passed, cardiac-field-removed EMG (uV); zero inside masked runs.
    sfreq : float
        Sampling rate (Hz).
    mask : ndarray of bool
        True where samples are artefact (widened by 0.2 s for filter ringing).
    artefacts : tuple of (start, stop, kind)
        Artefact runs in samples (stop exclusive), kinds from ``ARTEFACT_KINDS``.
    mains : MainsLines
        Mains lines found and subtracted (:func:`remove_mains`).
    n_beats_removed : int
        Cardiac beats subtracted (0 if no cardiac field was found).
    delay_s : float
        Group delay (s) of the causal filter, to subtract from times found on ``filtered``.
    beats : ndarray of int64
        Sample indices of the cardiac beats subtracted, in the sampling and time frame of
        ``filtered`` (R-peaks shifted by the filter delay); empty when no cardiac field was
        removed or ``cardiac="off"``.
    quantisation : Quantisation
        Step and identical-sample fraction of the raw samples (:func:`quantisation`).
    """

    filtered: np.ndarray
    sfreq: float
    mask: np.ndarray
    artefacts: tuple[tuple[int, int, str], ...] = field(default=())
    mains: MainsLines = MainsLines(None, (), ())
    n_beats_removed: int = 0
    delay_s: float = 0.0
    beats: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    quantisation: Quantisation = Quantisation(0.0, 0.0)


def preprocess_emg(x: np.ndarray, sfreq: float, *, r_peaks_s: np.ndarray | None = None,
                   cardiac: str = "auto", physical_min: float | None = None,
                   physical_max: float | None = None, label: str = "EMG",
                   beat_align_s: float = ECG_ALIGN_S,
                   lead_off: LeadOffCriteria | None = LeadOffCriteria()) -> PreprocessedEMG:
    """Remove detected mains lines, band-pass, remove the cardiac field, mask artefacts.

    Artefacts: NaN, flat (``disconnected`` from 10 s), clipped and lead-off stretches
    (:func:`~myosleep.preprocessing.leadoff.lead_off_runs`: mains pickup or drift of an electrode off
    the skin), read on the raw samples; the lead-off test reads the band-passed EMG's RMS per second
    before any masking.

    Parameters
    ----------
    x : ndarray, shape (n_samples,)
        Raw EMG (uV).
    sfreq : float
        Sampling rate (Hz).
    r_peaks_s : ndarray | None
        R-peak times (s) from an ECG channel; None to look for beats in the lead itself.
    cardiac : {"auto", "off"}
        "off" disables cardiac removal (for comparison).
    physical_min, physical_max : float | None
        Amplifier range (uV) for clipping; None to use the observed extremes.
    label : str
        Channel label, for logging.
    beat_align_s : float
        How far (s) the template alignment may move each beat of ``r_peaks_s``
        (:func:`~myosleep.preprocessing.ecg.remove_cardiac_counted`'s ``align_s``).
    lead_off : LeadOffCriteria | None
        Thresholds of the lead-off test; None skips it.

    Returns
    -------
    PreprocessedEMG
    """
    x = _as_float(x)
    n = x.shape[0]
    arts: list[tuple[int, int, str]] = []
    # NaN, flat and clipped runs in one pass (as nan_runs, flat_runs, clipped_runs)
    limits = _rail_limits(x, physical_min, physical_max)
    (s, e), (fs_, fe_), (cs_, ce_) = _scan_runs(
        x, nan=True, flat=(0.0, max(2, int(round(FLAT_MIN_S * sfreq)))),
        rails=None if limits is None else (limits[0], limits[1], 2))
    all_finite = s.size == 0
    arts += [(int(a), int(b), "nan") for a, b in zip(s, e)]
    min_disc = int(DISCONNECTED_MIN_S * sfreq)
    arts += [(int(a), int(b), "disconnected" if b - a >= min_disc else "flat") for a, b in zip(fs_, fe_)]
    min_clip = max(2, int(round(CLIPPED_MIN_S * sfreq)))
    arts += [(int(a), int(b), "clipped") for a, b in zip(cs_, ce_) if b - a >= min_clip]

    mains = detect_mains(x, sfreq)
    sos = design_emg_sos(float(sfreq))
    if mains.base_hz is not None:
        log.info("%s: mains interference at %s Hz removed", label, ", ".join(f"{f:g}" for f in mains.freqs_hz))
        if all_finite:
            xin = x
        else:
            fin = np.isfinite(x)
            xin = np.where(fin, x, float(np.median(x[fin])) if fin.any() else 0.0)
        x32 = np.asarray(xin, dtype=np.float32)
        model = _mains_model(x32, sfreq, mains.freqs_hz)
        # band-pass of x minus the fitted sinusoids, subtracted inside the filter kernel
        filt = _sosfilt(x32, sos, mains=model)
        del xin, x32
    elif all_finite:
        filt = _sosfilt(x, sos)
    else:  # NaNs read as the channel median by the filter kernel (as filter_emg)
        fin = np.isfinite(x)
        filt = _sosfilt(x, sos, fill=float(np.median(x[fin])) if fin.any() else 0.0)
        del fin
    delay = group_delay_s(float(sfreq))
    if lead_off is not None:  # an electrode off the skin: its hum and drift are no muscle (defect 61)
        k = int(round(float(sfreq)))
        emg_rms = np.sqrt(block_power(filt, k)[: n // k]) if k > 0 else None
        lo_s, lo_e = lead_off_runs(x, sfreq, emg_rms_1s=emg_rms, criteria=lead_off)
        if lo_s.size:
            log.info("%s: lead off (mains pickup or drift no attached electrode shows) for %.0f s",
                     label, float((lo_e - lo_s).sum()) / sfreq)
        arts += [(int(a), int(b), "lead_off") for a, b in zip(lo_s, lo_e)]

    mask = np.zeros(n, dtype=bool)
    margin = int(MASK_MARGIN_S * sfreq)
    settle = int(SETTLE_S * sfreq)
    mask[: min(n, settle)] = True  # filter settling, not an artefact row
    mask[max(0, n - settle):] = True  # last beat may be cut: no template
    for a, b, _ in arts:
        mask[max(0, a - margin): min(n, b + margin)] = True

    def zero_masked(y: np.ndarray) -> None:
        # slices for the settling edges; a masked write (a pass over the night) only with artefacts
        if arts:
            y[mask] = 0.0
        elif settle > 0:
            y[: min(n, settle)] = 0.0
            y[max(0, n - settle):] = 0.0

    zero_masked(filt)

    n_beats = 0
    beats = np.zeros(0, dtype=np.int64)
    if cardiac != "off":
        if r_peaks_s is not None:
            peaks = np.round(np.asarray(r_peaks_s, dtype=np.float64) * sfreq + delay * sfreq).astype(np.int64)
        else:
            peaks = r_peaks_from_emg(filt, sfreq)
        if arts and peaks.size:
            # beats inside masked stretches hold zeros, not the lead's field: left out of the template, whose
            # night median they would pull to 0 once they are half the beats (a lead off for half the night
            # kept its whole cardiac field: a "jerk" at every beat, defect 61)
            inside = (peaks >= 0) & (peaks < n)
            inside[inside] = mask[peaks[inside]]
            peaks = peaks[~inside]
        if peaks.size:
            # filt is this function's own array: subtract in place
            filt, n_beats = remove_cardiac_counted(filt, sfreq, peaks, overwrite=True,
                                                   align_s=beat_align_s if r_peaks_s is not None else ECG_ALIGN_S)
            zero_masked(filt)
            if n_beats:  # the peaks remove_cardiac_counted used: those inside the record
                beats = peaks[(peaks >= 0) & (peaks < n)].astype(np.int64)
    arts.sort()
    return PreprocessedEMG(filtered=filt, sfreq=float(sfreq), mask=mask, artefacts=tuple(arts),
                           mains=mains, n_beats_removed=n_beats, delay_s=float(delay),
                           beats=beats, quantisation=quantisation(x))

"""One EMG channel from raw samples to a clean band-passed signal and its artefact runs."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

from .artefacts import clipped_runs, flat_runs, nan_runs
from .ecg import r_peaks_from_emg, remove_cardiac_counted
from .filters import design_emg_sos, filter_emg, group_delay_s, sos_filter
from .mains import MainsLines, detect_mains, remove_mains

__all__ = ["PreprocessedEMG", "preprocess_emg", "ARTEFACT_KINDS"]

log = logging.getLogger("myosleep")

#: Artefact kinds of the artefacts table.
ARTEFACT_KINDS = ("electrode_pop", "flat", "clipped", "nan", "disconnected")
#: A flat stretch this long is a disconnected lead rather than a momentary dropout.
DISCONNECTED_MIN_S = 10.0
#: Ringing of the 10-Hz 4th-order high-pass after a step lasts ~0.2 s (a few cycles
#: of 10 Hz): masks are widened by this much on each side.
MASK_MARGIN_S = 0.2
#: The 10-Hz high-pass settles within ~3 time constants of its lowest pole
#: (~0.3 s), and a heartbeat cut by the end of the record cannot be subtracted:
#: the first and last 0.3 s are not searched for bursts.
SETTLE_S = 0.3


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
    """

    filtered: np.ndarray
    sfreq: float
    mask: np.ndarray
    artefacts: tuple[tuple[int, int, str], ...] = field(default=())
    mains: MainsLines = MainsLines(None, (), ())
    n_beats_removed: int = 0
    delay_s: float = 0.0


def preprocess_emg(x: np.ndarray, sfreq: float, *, r_peaks_s: np.ndarray | None = None,
                   cardiac: str = "auto", physical_min: float | None = None,
                   physical_max: float | None = None, label: str = "EMG") -> PreprocessedEMG:
    """Remove detected mains lines, band-pass, remove the cardiac field, mask artefacts.

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

    Returns
    -------
    PreprocessedEMG
    """
    x = np.asarray(x)
    n = x.shape[0]
    arts: list[tuple[int, int, str]] = []
    s, e = nan_runs(x)
    all_finite = s.size == 0
    arts += [(int(a), int(b), "nan") for a, b in zip(s, e)]
    s, e = flat_runs(x, sfreq)
    min_disc = int(DISCONNECTED_MIN_S * sfreq)
    arts += [(int(a), int(b), "disconnected" if b - a >= min_disc else "flat") for a, b in zip(s, e)]
    s, e = clipped_runs(x, low=physical_min, high=physical_max)
    arts += [(int(a), int(b), "clipped") for a, b in zip(s, e)]

    mains = detect_mains(x, sfreq)
    if mains.base_hz is not None:
        log.info("%s: mains interference at %s Hz removed", label, ", ".join(f"{f:g}" for f in mains.freqs_hz))
        if all_finite:
            xin = x
        else:
            fin = np.isfinite(x)
            xin = np.where(fin, x, float(np.median(x[fin])) if fin.any() else 0.0)
        x_clean = remove_mains(xin, sfreq, mains.freqs_hz)
        all_finite = True
    else:
        x_clean = x
    # filter_emg without its NaN scan when the data are known to be finite
    filt = sos_filter(x_clean, design_emg_sos(float(sfreq))) if all_finite else filter_emg(x_clean, sfreq)
    del x_clean
    delay = group_delay_s(float(sfreq))

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
    if cardiac != "off":
        if r_peaks_s is not None:
            peaks = np.round(np.asarray(r_peaks_s, dtype=np.float64) * sfreq + delay * sfreq).astype(np.int64)
        else:
            peaks = r_peaks_from_emg(filt, sfreq)
        if peaks.size:
            # filt is this function's own array: subtract in place
            filt, n_beats = remove_cardiac_counted(filt, sfreq, peaks, overwrite=True)
            zero_masked(filt)
    arts.sort()
    return PreprocessedEMG(filtered=filt, sfreq=float(sfreq), mask=mask, artefacts=tuple(arts),
                           mains=mains, n_beats_removed=n_beats, delay_s=float(delay))

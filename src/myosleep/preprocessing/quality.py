"""Is a channel fit for burst detection?  Reasons are one line each, for the result and the log."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# DESIGN.md / AASM practice: leg EMG sampled >= 200 Hz (500 preferred); below 100 Hz a 75-ms
# burst (fragmentary myoclonus lower bound) spans < 8 samples and its 20-200 Hz content is
# aliased away.  The limits are io's, where recordings are described.
from ..io.recording import AASM_MIN_EMG_SFREQ, MIN_EMG_SFREQ

__all__ = ["MIN_EMG_SFREQ", "emg_channel_problem", "Quantisation", "quantisation"]


def emg_channel_problem(x: np.ndarray | None, sfreq: float, *, min_sfreq: float = MIN_EMG_SFREQ) -> str | None:
    """Why an EMG channel cannot be analysed, or None if it can.

    Parameters
    ----------
    x : ndarray | None
        The channel's samples (uV); None to check the sampling rate only.
    sfreq : float
        Sampling rate (Hz).
    min_sfreq : float
        Lowest acceptable sampling rate (Hz).

    Returns
    -------
    str | None
        A one-line reason, e.g. ``"sampled at 1 Hz; EMG needs >= 100 Hz to show a 75-ms burst"``.
    """
    if not np.isfinite(sfreq) or sfreq < min_sfreq:
        return (f"sampled at {sfreq:g} Hz; EMG needs >= {min_sfreq:g} Hz to show a 75-ms burst "
                f"(record EMG at {AASM_MIN_EMG_SFREQ:g} Hz or more)")
    if x is None:
        return None
    x = np.asarray(x)
    if x.size < int(sfreq):
        return f"holds {x.size} samples, less than 1 s of data"
    lo, hi = float(np.min(x)), float(np.max(x))  # NaN or inf when a sample is not finite
    if np.isfinite(lo) and np.isfinite(hi):  # the usual case: two reductions, no mask
        vals = x
    else:
        finite = np.isfinite(x)
        n_finite = int(np.count_nonzero(finite))
        if n_finite == 0:
            return "holds no finite sample (all NaN)"
        if n_finite < int(sfreq):
            return f"holds only {n_finite} finite samples (less than 1 s)"
        vals = x[finite]
        lo, hi = float(np.min(vals)), float(np.max(vals))
    if hi == lo:
        level = float(vals[0])
        # within 1 uV of zero: zero up to the file's quantisation (a symmetric EDF range
        # maps digital 0 to half a step above physical 0)
        if abs(level) < 1.0:
            return f"is all zero (flat at {level:.3g} uV: electrode disconnected or channel unused)"
        return f"is constant at {level:g} uV (electrode disconnected or amplifier saturated)"
    return None


#: Samples examined by :func:`quantisation`: up to this many, in segments spread over the record.
_QUANT_SAMPLES = 1 << 20
_QUANT_SEGMENTS = 64


@dataclass(frozen=True)
class Quantisation:
    """Amplitude resolution of a channel, estimated from its samples.

    Attributes
    ----------
    step_uv : float
        Quantisation step (uV): the smallest non-zero difference between samples, when
        the differences are whole multiples of it (an ADC's codes); 0.0 when they are not
        (filtered, resampled or otherwise continuous data: no step to speak of).
    identical_fraction : float
        Fraction (0-1) of consecutive finite samples that are identical.
    """

    step_uv: float
    identical_fraction: float

    def __str__(self) -> str:
        if self.step_uv <= 0:
            return "not quantised"
        return f"{self.step_uv:.3g} uV per step, {100 * self.identical_fraction:.0f} % of consecutive samples identical"


def quantisation(x: np.ndarray) -> Quantisation:
    """Quantisation step and identical-sample fraction of a channel, from the data alone.

    An EDF/BDF channel is stored as integer codes scaled to physical units, so every
    difference between two samples is a whole multiple of one step (the physical range
    divided by the digital range): the step is the smallest non-zero difference, and it
    divides all the others.  This needs no header, so it also holds for an MNE Raw or
    any array that was quantised upstream.  Differences below 1e-6 of the largest value
    are float rounding of the scaling and count as zero; a step is reported only when
    >= 99 % of the non-zero differences lie within 1 % of a multiple of it (else the data
    are continuous: step 0; the rounding of the stored values is allowed on top).  Up to
    ~1 M samples in 64 segments spread over the record are examined.

    Parameters
    ----------
    x : ndarray, shape (n_samples,)
        The channel (uV); NaN samples are skipped.

    Returns
    -------
    Quantisation
    """
    x = np.asarray(x)
    n = x.shape[0]
    if n < 2:
        return Quantisation(0.0, 0.0)
    seg = max(2, _QUANT_SAMPLES // _QUANT_SEGMENTS)
    if n <= _QUANT_SAMPLES:
        parts = [x]
    else:
        starts = np.linspace(0, n - seg, _QUANT_SEGMENTS).astype(np.int64)
        parts = [x[a: a + seg] for a in starts.tolist()]
    d = np.concatenate([np.diff(np.asarray(p, dtype=np.float64)) for p in parts])
    d = np.abs(d[np.isfinite(d)])
    if d.size == 0:
        return Quantisation(0.0, 0.0)
    top = float(np.nanmax(np.abs(np.concatenate([np.asarray(p, dtype=np.float64) for p in parts]))))
    tiny = 1e-6 * max(top, 1e-12)
    nonzero = d[d > tiny]
    identical = 1.0 - nonzero.size / d.size
    if nonzero.size == 0:
        return Quantisation(0.0, identical)
    step = float(nonzero.min())
    k = nonzero / step
    # rounding of the stored values (float32: ~6e-8 of the largest) is allowed on top of 1 %
    eps = float(np.finfo(x.dtype).eps) if np.issubdtype(x.dtype, np.floating) else 0.0
    on_grid = np.abs(k - np.round(k)) <= 0.01 + 4.0 * eps * top / step
    if on_grid.mean() < 0.99:
        return Quantisation(0.0, identical)
    # the mean of the differences near one step is the step, free of the rounding of the minimum
    one = nonzero[np.round(k) == 1.0]
    return Quantisation(float(np.mean(one)) if one.size else step, identical)

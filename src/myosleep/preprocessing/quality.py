"""Is a channel fit for burst detection?  Reasons are one line each, for the result and the log."""

from __future__ import annotations

import numpy as np

# DESIGN.md / AASM practice: leg EMG sampled >= 200 Hz (500 preferred); below 100 Hz a 75-ms
# burst (fragmentary myoclonus lower bound) spans < 8 samples and its 20-200 Hz content is
# aliased away.  The limits are io's, where recordings are described.
from ..io.recording import AASM_MIN_EMG_SFREQ, MIN_EMG_SFREQ

__all__ = ["MIN_EMG_SFREQ", "emg_channel_problem"]


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

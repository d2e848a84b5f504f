"""The chin EMG amplitude per second, for Ferri's REM atonia index.

Computed by detection while the chin channel is in memory (classification never reads
samples): the rectified chin EMG averaged over consecutive 1-s mini-epochs (Ferri et al.,
Sleep Med 2010).  A chin channel sampled at >= 100 Hz is band-passed first
(:func:`myosleep.preprocessing.filter_emg`).  A chin channel sampled below 100 Hz cannot hold
raw EMG (DESIGN.md); when all its values are >= 0 it is an amplitude envelope already
(Sleep-EDF's 1-Hz 'EMG submental') and is averaged per second as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..io.recording import MIN_EMG_SFREQ

__all__ = ["ChinAmplitude", "chin_amplitude_1s"]


@dataclass(frozen=True, repr=False)
class ChinAmplitude:
    """Rectified chin EMG averaged per second, or why there is none.

    Attributes
    ----------
    values_uv : ndarray | None
        One value per second from the start of the recording (uV); None when not available.
    source : str
        Where the values come from (``"channel:EMG Chin"``, ``"envelope channel:EMG submental at
        1 Hz"``, ``"given"``), or why there are none (``"no chin channel"`` ...).
    """

    values_uv: np.ndarray | None
    source: str

    def __repr__(self) -> str:
        n = "none" if self.values_uv is None else f"{self.values_uv.size} s"
        return f"ChinAmplitude({n}, source={self.source!r})"


def chin_amplitude_1s(x: np.ndarray, sfreq: float, *, label: str, envelope: bool = False) -> ChinAmplitude:
    """Rectified chin EMG per second (uV) from one chin channel's samples.

    Parameters
    ----------
    x : ndarray
        The chin channel (uV).
    sfreq : float
        Its sampling rate (Hz).
    label : str
        Its label (for ``source``).
    envelope : bool
        The channel holds an amplitude envelope (its prefilter or label says so:
        ``ChannelInfo.emg_envelope``, :mod:`myosleep.io.prefilter`): its samples are averaged per second
        as they are, whatever the rate.  Without it, a channel below 100 Hz is taken as such an
        envelope and one at 100 Hz or more as raw EMG.
    """
    from ..preprocessing.envelope import rectified_average
    from ..preprocessing.filters import filter_emg

    if not sfreq > 0:
        return ChinAmplitude(None, f"{label}: unknown sampling rate")
    if sfreq >= MIN_EMG_SFREQ and not envelope:
        values = np.asarray(rectified_average(filter_emg(x, sfreq), sfreq, window_s=1.0), float)
        missing = ~np.isfinite(np.asarray(x))
        if missing.any():
            # The filter reads missing samples (a gap of the recording) as the channel's median: a
            # flat stretch whose ~0 uV would pass for atonia and pull the atonia index's 60-s noise
            # floor down.  Those seconds are NaN, and 1 s either side, where the filter settles.
            sec = np.zeros(values.size + 1, dtype=bool)  # the last: a partial second after the values
            sec[np.minimum(np.flatnonzero(missing) // int(round(sfreq)), values.size)] = True
            near = sec.copy()
            near[1:] |= sec[:-1]
            near[:-1] |= sec[1:]
            values = np.where(near[: values.size], np.nan, values)
        return ChinAmplitude(values, f"channel:{label}")
    x = np.asarray(x, dtype=float)
    finite = x[np.isfinite(x)]
    if finite.size == 0 or finite.min() < 0 or sfreq < 1.0 or sfreq != round(sfreq):
        return ChinAmplitude(None, f"{label} sampled at {sfreq:g} Hz is neither raw EMG nor an amplitude envelope")
    k = int(sfreq)
    n = x.size // k
    return ChinAmplitude(np.nanmean(x[: n * k].reshape(n, k), axis=1), f"envelope channel:{label} at {sfreq:g} Hz")

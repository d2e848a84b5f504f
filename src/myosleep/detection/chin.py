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

__all__ = ["ChinAmplitude", "UNOBSERVED_KINDS", "blank_unobserved", "chin_amplitude_1s"]

#: Artefact kinds (``preprocessing.ARTEFACT_KINDS`` and ``gap``) during which a channel did not observe its
#: muscle: no signal (NaN, a gap), a constant (flat, disconnected), the amplifier's rail (clipped), or an
#: electrode off the skin (lead_off).  Electrode pops and settling are transients inside observed time.
UNOBSERVED_KINDS = ("flat", "clipped", "nan", "disconnected", "lead_off", "gap")


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


def chin_amplitude_1s(x: np.ndarray, sfreq: float, *, label: str, envelope: bool = False,
                      unobserved_s: np.ndarray | None = None) -> ChinAmplitude:
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
    unobserved_s : ndarray, shape (n, 2), optional
        Stretches (onset, offset in s) where the channel did not observe the muscle: flat, clipped,
        disconnected, lead off (detection's artefacts, :data:`UNOBSERVED_KINDS`).  Their seconds,
        and 1 s either side where the filter settles, are NaN: a flat or railed chin band-passes to
        ~0 uV, which Ferri's index reads as perfect atonia (defect 60).
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
        if unobserved_s is not None:
            values = blank_unobserved(values, unobserved_s)
        return ChinAmplitude(values, f"channel:{label}")
    x = np.asarray(x, dtype=float)
    finite = x[np.isfinite(x)]
    if finite.size == 0 or finite.min() < 0 or sfreq < 1.0 or sfreq != round(sfreq):
        return ChinAmplitude(None, f"{label} sampled at {sfreq:g} Hz is neither raw EMG nor an amplitude envelope")
    k = int(sfreq)
    n = x.size // k
    return ChinAmplitude(np.nanmean(x[: n * k].reshape(n, k), axis=1), f"envelope channel:{label} at {sfreq:g} Hz")


def blank_unobserved(values: np.ndarray, unobserved_s: np.ndarray) -> np.ndarray:
    """``values`` (one per second) with the seconds touched by ``unobserved_s`` and 1 s either side NaN."""
    iv = np.asarray(unobserved_s, dtype=float).reshape(-1, 2)
    if iv.size == 0 or values.size == 0:
        return values
    start = np.clip(np.floor(iv[:, 0]).astype(np.int64) - 1, 0, values.size)
    stop = np.clip(np.ceil(iv[:, 1]).astype(np.int64) + 1, 0, values.size)
    edge = np.zeros(values.size + 1, dtype=np.int64)
    np.add.at(edge, start, 1)
    np.add.at(edge, stop, -1)
    blank = np.cumsum(edge[:-1]) > 0
    return np.where(blank, np.nan, values)

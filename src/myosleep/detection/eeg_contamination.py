"""The EEG's muscle contamination during a candidate gross body movement (one criterion of
:func:`myosleep.detection.events.group_events`).

EMG contaminating scalp EEG is strongest above 20 Hz (Goncharova et al., Clin Neurophysiol
2003), where cerebral activity is small; a gross movement lifts the EEG's 20-60 Hz power far
above its resting level (AASM "major body movement": the EEG obscured by muscle and movement).
The criterion reads that power per second relative to its own 5-min running median.

Mains hum lies inside that band (50 and 60 Hz).  On the EEG of an unfiltered export (OpenBCI,
BioSemi) a stationary line adds the same power to a movement's seconds and to the running
median, so the ratio falls towards 1 and the movement is lost (its leg bursts then become leg
movements): a 50-uV line hid 2 of 2 body movements of a 30-min PLMD night (docs/robustness.md,
defect 26).  So the lines are found and subtracted exactly as on the EMG
(:func:`myosleep.preprocessing.detect_mains`, :func:`~myosleep.preprocessing.remove_mains`:
the fundamental and every harmonic below the Nyquist frequency that stands >= 10 dB above its
neighbourhood) before the band is read, and what was removed is stated in each EEG's
:class:`~myosleep.detection.results.ChannelStatus` (``mains_hz``), as an EMG channel's is.  A
line left undetected stands < 10 dB above its 0.5-Hz neighbourhood: its power is < 10 x one
0.5-Hz bin of the ~80 bins of the band, ~1/8 of the band's own power, which moves the ratio
by < 15 % (a movement needs 3x).

An EEG sampled below 100 Hz cannot show the band (its Nyquist frequency is below 50 Hz, the
band's upper edge is 0.4 x the rate): the criterion is not read and its status says so; the
movement is then decided on the EMG alone, and :meth:`DetectionResult.quality_warnings` says so.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..errors import ChannelError, MyosleepError
from ..vocab import Role
from .results import ChannelStatus

if TYPE_CHECKING:  # pragma: no cover
    from ..io.recording import ChannelInfo, Recording

__all__ = ["EEG_MUSCLE_BAND_HZ", "MIN_EEG_SFREQ", "eeg_ratio_fn"]

log = logging.getLogger("myosleep")

#: EEG band (Hz) read for muscle contamination; the upper edge is at most 0.4 x the rate.
EEG_MUSCLE_BAND_HZ = (20.0, 60.0)
#: EEG below this rate cannot show the band: 0.4 x 100 Hz = 40 Hz leaves 20-40 Hz, half of it.
MIN_EEG_SFREQ = 100.0
#: The criterion reads at most this many EEG channels (the largest ratio counts).
_MAX_EEG = 2
_FAILURES: tuple[type[BaseException], ...] = (ChannelError, MyosleepError, ValueError, ArithmeticError)


def _too_slow(c: ChannelInfo) -> str:
    return (f"sampled at {c.sfreq:g} Hz, its Nyquist frequency ({c.sfreq / 2:g} Hz) leaves no room for the "
            f"{EEG_MUSCLE_BAND_HZ[0]:g}-{EEG_MUSCLE_BAND_HZ[1]:g} Hz band where muscle shows on the EEG "
            f"(needs >= {MIN_EEG_SFREQ:g} Hz)")


def band_ratio(x: np.ndarray, sfreq: float, *, label: str = "EEG") -> tuple[np.ndarray, ChannelStatus]:
    """The EEG's 20-60 Hz power per second over its 5-min running median, mains lines removed first.

    Parameters
    ----------
    x : ndarray
        EEG samples (uV); non-finite samples read as 0.
    sfreq : float
        Sampling rate (Hz), >= :data:`MIN_EEG_SFREQ`.
    label : str
        Channel label (for the status and the log).

    Returns
    -------
    ratio : ndarray of float
        One value per second (dimensionless).
    status : ChannelStatus
        Role "eeg", ``mains_hz`` the lines found and subtracted.
    """
    from scipy import signal

    from ..preprocessing import detect_mains, remove_mains
    from ..preprocessing.envelope import block_power, running_baseline
    from ..preprocessing.filters import sos_filter

    x = np.where(np.isfinite(x), x, 0.0).astype(np.float32, copy=False)
    mains = detect_mains(x, sfreq)
    if mains.base_hz is not None:
        x = remove_mains(x, sfreq, mains.freqs_hz)
        log.info("%s: mains interference at %s Hz removed from the EEG before its %g-%g Hz power is read for "
                 "body movements", label, ", ".join(f"{f:g}" for f in mains.freqs_hz), *EEG_MUSCLE_BAND_HZ)
    hi = min(EEG_MUSCLE_BAND_HZ[1], 0.4 * sfreq)
    sos = signal.butter(4, [EEG_MUSCLE_BAND_HZ[0], hi], btype="bandpass", fs=sfreq, output="sos")
    p = block_power(sos_filter(x, sos), int(round(sfreq)))
    ref = running_baseline(np.sqrt(p), 1.0, window_s=300.0, quantile=0.5)
    return p / np.maximum(ref, 1e-6) ** 2, ChannelStatus(label, Role.EEG.value, float(sfreq), True, None,
                                                         tuple(mains.freqs_hz))


def eeg_ratio_fn(recording: Recording, channels: Sequence[ChannelInfo],
                 status: dict[str, ChannelStatus]) -> Callable[[float, float], float] | None:
    """The criterion :func:`~myosleep.detection.events.group_events` calls: ``ratio(onset_s, offset_s)``,
    the largest mean band ratio (:func:`band_ratio`) of the first two EEG channels over the interval
    (NaN: none readable).  The EEG is read lazily, on the first call.

    ``status`` receives one :class:`ChannelStatus` per EEG channel read (with the mains lines removed)
    or refused (with why); None is returned when no EEG can be read at all.
    """
    eeg = [c for c in channels if c.role is Role.EEG and c.readable]
    fast = [c for c in eeg if c.sfreq >= MIN_EEG_SFREQ][:_MAX_EEG]
    if not fast:
        for c in eeg:
            status[c.label] = ChannelStatus(c.label, Role.EEG.value, float(c.sfreq), False, _too_slow(c))
        return None
    cache: list[np.ndarray] = []
    read = [False]

    def compute() -> None:
        read[0] = True
        for c in fast:
            try:
                x = recording.get_data(c.label, dtype=np.float32)
                r, st = band_ratio(x, float(c.sfreq), label=c.label)
            except _FAILURES as err:
                status[c.label] = ChannelStatus(c.label, Role.EEG.value, float(c.sfreq), False,
                                                f"EEG not readable for body movements ({type(err).__name__}: {err})")
                continue
            status[c.label] = st
            cache.append(r)

    def ratio(t0: float, t1: float) -> float:
        if not read[0]:
            compute()
        vals = []
        for r in cache:
            a = int(t0)
            b = max(a + 1, int(math.ceil(t1)))
            seg = r[a:b]
            if seg.size:
                vals.append(float(np.nanmean(seg)))
        return max(vals) if vals else float("nan")

    return ratio

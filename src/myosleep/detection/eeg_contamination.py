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

Nor can an EEG that recorded nothing: a flat stretch (a constant, e.g. zeros written for an
unplugged or switched-off input), one held at the amplifier's rail, or NaN.  Its 20-60 Hz power
is 0 and its ratio 0, which read as "no muscle on the EEG": every gross movement of a night whose
EEG was flat throughout was rejected, its leg bursts left as leg movements (defect 61, the
artefact trial's D7).  So the seconds of such stretches (the EMG's criteria: flat for >= 0.5 s,
at the rail for >= 25 ms, NaN; 1 s either side, where the band-pass settles) have no ratio, a
movement there is decided on the other EEG or, with none, on the EMG alone (as below 100 Hz), an
EEG with no usable second is refused with the reason, and the report says how long each EEG was
unusable (``ChannelStatus.artefact_s``).
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

__all__ = ["EEG_MUSCLE_BAND_HZ", "MIN_EEG_SFREQ", "band_ratio", "eeg_ratio_fn", "unusable_seconds"]

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


def unusable_seconds(x: np.ndarray, sfreq: float,
                     physical_range_uv: tuple[float | None, float | None] = (None, None)) -> np.ndarray:
    """Per second of ``x`` (last partial second included): whether it touches a flat, clipped or NaN
    stretch, or lies within 1 s of one (the EMG's criteria: ``preprocessing.pipeline``)."""
    from ..preprocessing.artefacts import _as_float, _rail_limits, _scan_runs
    from ..preprocessing.pipeline import CLIPPED_MIN_S, FLAT_MIN_S

    x = _as_float(x)
    k = int(round(sfreq))
    n_sec = -(-x.shape[0] // k)
    limits = _rail_limits(x, *physical_range_uv)
    (ns, ne), (fs_, fe_), (cs_, ce_) = _scan_runs(
        x, nan=True, flat=(0.0, max(2, int(round(FLAT_MIN_S * sfreq)))),
        rails=None if limits is None else (limits[0], limits[1], max(2, int(round(CLIPPED_MIN_S * sfreq)))))
    starts = np.concatenate([ns, fs_, cs_])
    stops = np.concatenate([ne, fe_, ce_])
    edge = np.zeros(n_sec + 1, dtype=np.int64)
    np.add.at(edge, np.clip(starts // k - 1, 0, n_sec), 1)
    np.add.at(edge, np.clip(-(-stops // k) + 1, 0, n_sec), -1)
    return np.cumsum(edge[:-1]) > 0


def band_ratio(x: np.ndarray, sfreq: float, *, label: str = "EEG",
               physical_range_uv: tuple[float | None, float | None] = (None, None)) -> tuple[np.ndarray, ChannelStatus]:
    """The EEG's 20-60 Hz power per second over its 5-min running median, mains lines removed first.

    Parameters
    ----------
    x : ndarray
        EEG samples (uV); non-finite samples read as 0.
    sfreq : float
        Sampling rate (Hz), >= :data:`MIN_EEG_SFREQ`.
    label : str
        Channel label (for the status and the log).
    physical_range_uv : (float | None, float | None)
        Amplifier range (uV) for the clipped test; None to use the observed extremes.

    Returns
    -------
    ratio : ndarray of float
        One value per second (dimensionless); NaN where the EEG was flat, clipped or NaN (module docstring).
    status : ChannelStatus
        Role "eeg", ``mains_hz`` the lines found and subtracted, ``artefact_s`` the seconds without a
        ratio; not used (with the reason) when no second has one.
    """
    from scipy import signal

    from ..preprocessing import detect_mains, remove_mains
    from ..preprocessing.envelope import block_power, running_baseline
    from ..preprocessing.filters import sos_filter

    bad = unusable_seconds(x, sfreq, physical_range_uv)
    if bad.all():
        return np.full(bad.size, np.nan), ChannelStatus(
            label, Role.EEG.value, float(sfreq), False,
            "flat, clipped or NaN throughout (no EEG recorded): body movements cannot be read on it",
            artefact_s=float(bad.size))
    x = np.where(np.isfinite(x), x, 0.0).astype(np.float32, copy=False)
    mains = detect_mains(x, sfreq)
    if mains.base_hz is not None:
        x = remove_mains(x, sfreq, mains.freqs_hz)
        log.info("%s: mains interference at %s Hz removed from the EEG before its %g-%g Hz power is read for "
                 "body movements", label, ", ".join(f"{f:g}" for f in mains.freqs_hz), *EEG_MUSCLE_BAND_HZ)
    hi = min(EEG_MUSCLE_BAND_HZ[1], 0.4 * sfreq)
    sos = signal.butter(4, [EEG_MUSCLE_BAND_HZ[0], hi], btype="bandpass", fs=sfreq, output="sos")
    p = block_power(sos_filter(x, sos), int(round(sfreq)))
    bad = bad[: p.size]
    ref = running_baseline(np.sqrt(p), 1.0, window_s=300.0, quantile=0.5, valid=~bad)
    ratio = np.where(bad, np.nan, p / np.maximum(ref, 1e-6) ** 2)
    return ratio, ChannelStatus(label, Role.EEG.value, float(sfreq), True, None, tuple(mains.freqs_hz),
                                artefact_s=float(bad.sum()))


def _range_uv(c: ChannelInfo) -> tuple[float | None, float | None]:
    """The amplifier range of ``c`` in uV ((None, None) when its header does not give one)."""
    lo, hi = float(c.physical_min), float(c.physical_max)
    scale = getattr(c, "scale_to_uv", None) or 1.0
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo == hi:
        return None, None
    return min(lo, hi) * scale, max(lo, hi) * scale


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
                r, st = band_ratio(x, float(c.sfreq), label=c.label, physical_range_uv=_range_uv(c))
            except _FAILURES as err:
                status[c.label] = ChannelStatus(c.label, Role.EEG.value, float(c.sfreq), False,
                                                f"EEG not readable for body movements ({type(err).__name__}: {err})")
                continue
            status[c.label] = st
            if st.used:
                cache.append(r)

    def ratio(t0: float, t1: float) -> float:
        if not read[0]:
            compute()
        vals = []
        for r in cache:
            a = int(t0)
            b = max(a + 1, int(math.ceil(t1)))
            seg = r[a:b]
            seg = seg[np.isfinite(seg)]
            if seg.size:  # an unusable EEG second has no ratio: the other EEG, or the EMG alone, decides
                vals.append(float(np.mean(seg)))
        return max(vals) if vals else float("nan")

    return ratio

"""An EMG lead off the skin (a floating input): mains pickup or drift no attached electrode shows.

A flat, clipped or NaN stretch is a lead that stopped recording; a lead that came off the skin
keeps recording - the amplifier's input floats.  What it records is no muscle: the mains field
coupled into the open lead, its amplitude wandering as the cable moves, a slow drift of
hundreds of uV, and amplifier noise.  After the 10-Hz high-pass the wandering hum leaves
sidebands beside the mains line and the drift leaks through at 1-3 Hz: bursts everywhere,
leg movements by the hundred (docs/robustness.md, defect 61).  Two signs tell it, each read
per 1-s block of the raw signal (:func:`lead_off_seconds`):

1. **Mains pickup no attached electrode shows.**  Mains reaches a differential recording as the
   displacement current the field drives through each lead, times the impedance it meets at the
   skin: the interference grows in proportion to the electrode's impedance and its mismatch
   (Huhta and Webster, IEEE Trans Biomed Eng 1973; Metting van Rijn et al., Med Biol Eng Comput
   1990).  The AASM asks for EMG electrode impedances <= 5 kOhm (10 kOhm acceptable; AASM Manual,
   technical specifications), at which a PSG amplifier shows a few uV of hum; a lead off the
   skin meets the amplifier's input impedance (MOhm and more) and shows hundreds of uV to mV
   (Tatum, Handbook of EEG Interpretation: the 50/60-Hz artefact of a high-impedance or
   disconnected electrode).  A second is lead-off when its 50- or 60-Hz line stands at
   >= ``mains_uv`` (100 uV RMS: twenty times the few uV of an attached electrode) **and**
   ``line_excess_db`` (10 dB, the mains test of :func:`~myosleep.preprocessing.detect_mains`)
   above the 1-Hz bins ``neighbour_hz`` (3 Hz) either side: a line, not muscle.  Surface EMG
   spreads its power over 20-200 Hz (De Luca, J Appl Biomech 1997): even a strong contraction of
   a few hundred uV RMS over 10-100 Hz puts ~30 uV in any 1-Hz bin, and as much in the bins
   beside it (measured: <= 31 uV RMS in the 50- and 60-Hz bins of the simulated nights' largest
   bursts, 1-4 uV at rest).  Once the lead is off it stays off while the line stays >=
   ``mains_hold_uv`` (30 uV RMS, ten times the few uV of an attached electrode; same 10-dB test):
   the pickup of a floating lead wanders with the cable (x0.4-2.5 over seconds), and a lead-off
   stretch ends where the pickup falls back towards what an attached electrode shows, not where
   it dips below the threshold that first told it.
2. **Drift that is no muscle.**  Surface EMG has no power below 10 Hz to speak of (De Luca
   1997); an attached electrode's baseline moves with breathing and sweat (0.1-0.5 Hz) and, for a
   second or two, with a movement - whose EMG then fills the EMG band too.  A second is drifting
   when its 0.5-5 Hz band holds >= ``drift_uv`` (100 uV RMS: "hundreds of uV" of a floating
   input) and >= ``drift_emg_ratio`` (10) times the EMG band's RMS of the same second (a
   floating input: amplifier noise of a few uV there; a trunk lead's ECG, whose QRS fills the EMG
   band as well: < 1).  Drift alone marks the lead off only over >= ``drift_min_s`` (30 s, one
   scoring epoch): a floating input drifts for as long as it is off, whereas a cable's sway lasts
   0.5-3 s and a sweat wave (0.1-0.5 Hz: Tatum) leaks into the band for seconds (the
   artefact trial's 500-uV p-p sweat: drifting seconds in runs of up to 14 s over 45 min, on three
   leads of two nights).  A loose lead's shorter drop-outs show their mains pickup.

Lead-off seconds less than ``merge_gap_s`` (3 s) apart are one stretch (the wandering hum dips
for a second or two), and each stretch is widened by one block on either side: its first and
last seconds hold the moment the lead came off or back, the largest step of all.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from .artefacts import merge_runs, runs_from_mask
from .mains import MAINS_BASE_HZ

__all__ = ["LeadOffCriteria", "lead_off_runs", "lead_off_seconds"]


@dataclass(frozen=True)
class LeadOffCriteria:
    """Thresholds of :func:`lead_off_runs` (see the module docstring for their sources).

    Attributes
    ----------
    mains_uv : float
        RMS (uV) of the 50- or 60-Hz line in a 1-s block at or above which the lead is off.
    mains_hold_uv : float
        RMS (uV) of the line down to which a lead-off stretch found by ``mains_uv`` goes on.
    line_excess_db : float
        How far (dB, power) the line must stand above the mean of its two neighbouring 1-Hz bins.
    neighbour_hz : float
        Distance (Hz) of those bins from the line (a whole number: the bins of a 1-s block are orthogonal).
    drift_band_hz : (float, float)
        Band (Hz) where drift is read.
    drift_order : int
        Order of the Butterworth band-pass that reads it (2: 12 dB per octave, as the EMG filter).
    drift_uv : float
        RMS (uV) of the drift band in a 1-s block at or above which the second is drifting.
    drift_emg_ratio : float
        Drift RMS over the EMG band's RMS at or above which the drift is not a movement's.
    drift_min_s : float
        Shortest stretch (s) of drifting seconds that is a lead off.
    merge_gap_s : float
        Lead-off seconds separated by less than this (s) make one stretch.
    """

    mains_uv: float = 100.0
    mains_hold_uv: float = 30.0
    line_excess_db: float = 10.0
    neighbour_hz: float = 3.0
    drift_band_hz: tuple[float, float] = (0.5, 5.0)
    drift_order: int = 2
    drift_uv: float = 100.0
    drift_emg_ratio: float = 10.0
    drift_min_s: float = 30.0
    merge_gap_s: float = 3.0


@functools.lru_cache(maxsize=32)
def _drift_sos(sfreq: float, band_hz: tuple[float, float], order: int) -> np.ndarray:
    """Butterworth band-pass of the drift band, designed once per rate (Hz)."""
    from scipy import signal

    return signal.butter(order, [band_hz[0], min(band_hz[1], 0.4 * sfreq)], btype="bandpass", fs=sfreq,
                         output="sos")


def _line_rms(blocks: np.ndarray, means: np.ndarray, sfreq: float, f_hz: float) -> np.ndarray:
    """RMS (uV) of the sinusoid at ``f_hz`` in each 1-s block (rows of ``blocks``; ``means`` their means)."""
    k = blocks.shape[1]
    t = np.arange(k) / float(sfreq)
    cos = np.cos(2 * np.pi * f_hz * t).astype(np.float32)
    sin = np.sin(2 * np.pi * f_hz * t).astype(np.float32)
    # each block's mean removed (an offset leaks into the bin when the block is not whole cycles)
    re = (blocks @ cos - means * float(cos.sum())) / k
    im = (blocks @ sin - means * float(sin.sum())) / k
    return np.sqrt(2.0 * (re.astype(np.float64) ** 2 + im.astype(np.float64) ** 2))


def lead_off_seconds(x: np.ndarray, sfreq: float, *, emg_rms_1s: np.ndarray | None = None,
                     criteria: LeadOffCriteria = LeadOffCriteria()) -> tuple[np.ndarray, np.ndarray]:
    """Per 1-s block of ``x``: (mains pickup no attached electrode shows, drift that is no muscle).

    A block of mains pickup has its line at >= ``criteria.mains_uv``, or at >= ``criteria.mains_hold_uv``
    in a run of such blocks that holds one at ``mains_uv`` (both 10 dB above the neighbouring bins).

    Parameters
    ----------
    x : ndarray
        Raw EMG (uV), before any filtering; non-finite samples make their block unflagged.
    sfreq : float
        Sampling rate (Hz).
    emg_rms_1s : ndarray, optional
        RMS (uV) of the band-passed EMG (mains removed) per 1-s block, as many as ``x`` has whole
        seconds; computed from ``x`` with :func:`~myosleep.preprocessing.filter_emg` when None.
    criteria : LeadOffCriteria

    Returns
    -------
    (mains, drift) : two bool arrays, one value per whole second of ``x``.
    """
    from .filters import _sosfilt, filter_emg

    x = np.asarray(x)
    if x.dtype not in (np.float32, np.float64):
        x = x.astype(np.float64)
    k = int(round(float(sfreq)))
    n = x.shape[0] // k if k > 0 else 0
    if n == 0:
        return np.zeros(0, dtype=bool), np.zeros(0, dtype=bool)
    blocks = np.ascontiguousarray(x[: n * k]).reshape(n, k)
    with np.errstate(invalid="ignore", over="ignore"):
        means = blocks.mean(axis=1, dtype=np.float64).astype(blocks.dtype)
        seed = np.zeros(n, dtype=bool)
        hold = np.zeros(n, dtype=bool)
        excess = 10.0 ** (criteria.line_excess_db / 20.0)  # power ratio as an amplitude ratio
        for f in MAINS_BASE_HZ:
            if f + criteria.neighbour_hz >= 0.5 * sfreq:
                continue
            line = _line_rms(blocks, means, sfreq, f)
            side = 0.5 * (_line_rms(blocks, means, sfreq, f - criteria.neighbour_hz)
                          + _line_rms(blocks, means, sfreq, f + criteria.neighbour_hz))
            is_line = line >= excess * side
            seed |= (line >= criteria.mains_uv) & is_line
            hold |= (line >= criteria.mains_hold_uv) & is_line
        mains = seed.copy()
        if seed.any():  # the runs of held blocks that hold a seed
            hs, he = runs_from_mask(hold | seed)
            for a, b in zip(hs, he):
                if seed[a:b].any():
                    mains[a:b] = True
        fin = np.isfinite(x)
        fill = 0.0 if fin.all() else (float(np.median(x[fin])) if fin.any() else 0.0)
        sos = _drift_sos(float(sfreq), criteria.drift_band_hz, criteria.drift_order)
        d = _sosfilt(x, sos, fill=fill)[: n * k].reshape(n, k)
        drift_rms = np.sqrt(np.mean(np.square(d, dtype=np.float64), axis=1))
        if emg_rms_1s is None:
            e = filter_emg(x, sfreq)[: n * k].reshape(n, k)
            emg_rms_1s = np.sqrt(np.mean(np.square(e, dtype=np.float64), axis=1))
        emg = np.asarray(emg_rms_1s, dtype=np.float64)[:n]
        if emg.size < n:
            emg = np.concatenate([emg, np.full(n - emg.size, np.inf)])
        drift = (drift_rms >= criteria.drift_uv) & (drift_rms >= criteria.drift_emg_ratio * emg)
        blocks_ok = np.isfinite(means)
    return mains & blocks_ok, drift & blocks_ok


def lead_off_runs(x: np.ndarray, sfreq: float, *, emg_rms_1s: np.ndarray | None = None,
                  criteria: LeadOffCriteria = LeadOffCriteria()) -> tuple[np.ndarray, np.ndarray]:
    """Sample runs ``(starts, stops)`` (stops exclusive) where the lead is off the skin (module docstring).

    Parameters are those of :func:`lead_off_seconds`.  A stretch is built from the seconds of
    mains pickup (any number) and the stretches of drift lasting >= ``criteria.drift_min_s``,
    joined across gaps shorter than ``criteria.merge_gap_s`` and widened by one second on either
    side (within the record).
    """
    n_samples = int(np.shape(x)[0])
    mains, drift = lead_off_seconds(x, sfreq, emg_rms_1s=emg_rms_1s, criteria=criteria)
    empty = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    if not (mains.any() or drift.any()):
        return empty
    gap = max(1, int(round(criteria.merge_gap_s)))
    ds, de = merge_runs(*runs_from_mask(drift), gap)
    long = (de - ds) >= int(round(criteria.drift_min_s))
    off = mains.copy()
    for a, b in zip(ds[long], de[long]):
        off[a:b] = True
    if not off.any():
        return empty
    # one second more on either side (the seconds the lead came off or back), then joined
    wide = off.copy()
    wide[1:] |= off[:-1]
    wide[:-1] |= off[1:]
    starts, stops = merge_runs(*runs_from_mask(wide), gap)
    k = int(round(float(sfreq)))
    starts = starts * k
    # a stretch reaching the last whole second runs to the end of the record (its partial second)
    stops = np.where(stops >= wide.size, n_samples, np.minimum(stops * k, n_samples))
    return starts.astype(np.int64), stops.astype(np.int64)

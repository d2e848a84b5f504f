"""EEG-EMG coherence around the jerks (12-30 Hz) and which signal leads.

Segment-averaged coherence (Halliday et al., Prog Biophys Mol Biol 1995): one 1-s
segment per jerk (-0.5 to +0.5 s around EMG onset), EEG against the rectified EMG of the
jerk's trigger muscle (high-passed at 20 Hz, rectified, low-passed below the EEG's Nyquist
and interpolated onto the EEG's own sample times: an explicit, stated resampling).
Spectra by :func:`scipy.signal.welch` / :func:`scipy.signal.csd` (the estimate of
:func:`scipy.signal.coherence`) with one Hann-windowed segment per jerk (``nperseg`` =
segment, no overlap). Significance: coherence above the
confidence limit for zero coherence ``1 - alpha' ** (1 / (L - 1))`` over L segments
(Rosenberg et al., Prog Biophys Mol Biol 1989), with alpha' = alpha / (bins x channels)
(Bonferroni over the 12-30 Hz bins and EEG channels). Direction: the slope of the phase
of the cross-spectrum (EEG conj x EMG) over the significant bins; a delay tau of the EMG
behind the EEG gives phase = -2 pi f tau, so lead_ms = -slope / (2 pi) (positive = EEG leads).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .epochs import EpochSet
from .params import NeuroParams

__all__ = ["CoherenceResult", "eeg_emg_coherence", "rectified_emg_segments"]


@dataclass(frozen=True)
class CoherenceResult:
    """EEG-EMG coherence of one group of jerks.

    Attributes
    ----------
    n_segments : int
        Jerks (1-s segments) used.
    confidence_limit : float
        Coherence above which a bin is significant (corrected).
    significant : bool
        Any 12-30 Hz bin above the limit on any channel.
    channel : str | None
        Channel of the highest 12-30 Hz coherence.
    peak_hz : float
        Frequency of that peak, Hz (NaN when not computed).
    peak_coherence : float
    lead_ms : float
        From the phase slope over the significant bins of ``channel`` (positive = EEG
        leads); NaN with fewer than 3 significant bins.
    lead_se_ms : float
        Standard error of ``lead_ms``.
    freqs_hz : ndarray
    coherence : dict of str -> ndarray
        Coherence spectrum per channel.
    """

    n_segments: int
    confidence_limit: float
    significant: bool
    channel: str | None
    peak_hz: float
    peak_coherence: float
    lead_ms: float
    lead_se_ms: float
    freqs_hz: np.ndarray
    coherence: dict

    @property
    def leader(self) -> str | None:
        """``"EEG"`` or ``"EMG"`` when the phase slope says so (|lead| > 2 SE), else None."""
        if not np.isfinite(self.lead_ms) or not abs(self.lead_ms) > 2 * self.lead_se_ms:
            return None
        return "EEG" if self.lead_ms > 0 else "EMG"

    def to_dict(self) -> dict:
        return {"n_segments": self.n_segments, "confidence_limit": self.confidence_limit,
                "significant": self.significant, "channel": self.channel, "peak_hz": self.peak_hz,
                "peak_coherence": self.peak_coherence, "lead_ms": self.lead_ms, "lead_se_ms": self.lead_se_ms,
                "leader": self.leader}


NOT_COMPUTED = CoherenceResult(0, float("nan"), False, None, float("nan"), float("nan"), float("nan"), float("nan"),
                               np.empty(0), {})


def rectified_emg_segments(recording, ep: EpochSet, rows: np.ndarray, triggers: np.ndarray,
                           params: NeuroParams) -> tuple[np.ndarray, np.ndarray]:
    """Rectified EMG on the EEG sample times of each epoch's coherence segment.

    Returns (kept rows into ``rows``, segments (n, L)).
    """
    from scipy.signal import butter, sosfiltfilt

    lo, hi = params.coherence_segment_s
    n_lo = int(round(lo * ep.sfreq))
    length = int(round((hi - lo) * ep.sfreq))
    kept, segs = [], []
    labels = set(recording.labels)
    pad = 0.25
    cache: dict[float, tuple] = {}
    for k, r in enumerate(rows):
        lab = str(triggers[k])
        if lab not in labels:
            continue
        ch = recording.channel(lab)
        if not ch.readable or ch.problem is not None:
            continue
        t0 = (ep.onset_sample[r] + n_lo) / ep.sfreq
        start = t0 - pad
        stop = t0 + length / ep.sfreq + pad
        if start < 0 or stop > ch.duration_s:
            continue
        x = recording.get_data(lab, start_s=start, stop_s=stop).astype(np.float64)
        fs = float(ch.sfreq)
        if fs not in cache:
            hp = butter(4, params.emg_highpass_hz, btype="highpass", fs=fs, output="sos")
            lp = butter(4, min(0.4 * ep.sfreq, 0.45 * fs), btype="lowpass", fs=fs, output="sos")
            cache[fs] = (hp, lp)
        hp, lp = cache[fs]
        if x.size < 30 or not np.all(np.isfinite(x)):
            continue
        y = sosfiltfilt(lp, np.abs(sosfiltfilt(hp, x)))
        t_emg = np.floor(start * fs + 1e-9) / fs + np.arange(y.size) / fs
        t_eeg = t0 + np.arange(length) / ep.sfreq
        kept.append(k)
        segs.append(np.interp(t_eeg, t_emg, y))
    if not segs:
        return np.empty(0, dtype=int), np.empty((0, length))
    return np.asarray(kept, dtype=int), np.vstack(segs)


def eeg_emg_coherence(recording, ep: EpochSet, rows: np.ndarray, triggers: np.ndarray, *,
                      params: NeuroParams, emg_cache: tuple[np.ndarray, np.ndarray] | None = None) -> CoherenceResult:
    """Coherence between each EEG channel and the rectified trigger-muscle EMG (module doc).

    ``emg_cache``: :func:`rectified_emg_segments` of every epoch (``rows`` = all), reused by
    each group instead of reading the EMG again.
    """
    from scipy.signal import csd, welch

    if emg_cache is None:
        kept, emg = rectified_emg_segments(recording, ep, rows, triggers, params)
    else:
        all_kept, all_emg = emg_cache
        where = {int(r): k for k, r in enumerate(all_kept)}
        kept = np.array([k for k, r in enumerate(rows) if int(r) in where], dtype=int)
        emg = all_emg[[where[int(rows[k])] for k in kept]] if kept.size else all_emg[:0]
    n_seg = int(kept.size)
    if n_seg < params.min_jerks:
        return CoherenceResult(n_seg, float("nan"), False, None, float("nan"), float("nan"), float("nan"),
                               float("nan"), np.empty(0), {})
    lo, hi = params.coherence_segment_s
    n_lo = int(round(lo * ep.sfreq))
    length = emg.shape[1]
    i0 = int(np.flatnonzero(np.round(ep.times_s * ep.sfreq).astype(int) == n_lo)[0])
    eeg = ep.data_uv[rows[kept]][:, :, i0:i0 + length]  # (n, c, L)
    y = emg.ravel()
    band_lo, band_hi = params.coherence_band_hz
    spectra, phases = {}, {}
    freqs = None
    # the same estimate as scipy.signal.coherence (|Pxy|^2 / (Pxx Pyy), Welch/csd with one
    # Hann segment per jerk), with the EMG's spectrum computed once for all channels
    kw = dict(fs=ep.sfreq, window="hann", nperseg=length, noverlap=0, detrend="constant")
    freqs, pyy = welch(y, **kw)
    for ci, lab in enumerate(ep.channels):
        x = eeg[:, ci, :].ravel()
        _, pxx = welch(x, **kw)
        _, pxy = csd(x, y, **kw)
        with np.errstate(invalid="ignore", divide="ignore"):
            spectra[lab] = np.nan_to_num(np.abs(pxy) ** 2 / (pxx * pyy))
        phases[lab] = np.angle(pxy)
    band = (freqs >= band_lo - 1e-9) & (freqs <= band_hi + 1e-9)
    n_tests = int(band.sum()) * len(ep.channels)
    a = params.alpha / max(1, n_tests)
    limit = 1.0 - a ** (1.0 / (n_seg - 1))
    best = max(ep.channels, key=lambda lab: float(np.max(spectra[lab][band])))
    cb = spectra[best][band]
    fb = freqs[band]
    k = int(np.argmax(cb))
    significant = any(bool(np.any(spectra[lab][band] > limit)) for lab in ep.channels)
    lead, se = float("nan"), float("nan")
    sig = cb > limit
    if sig.sum() >= 3:
        ph = np.unwrap(phases[best][band])
        f_s, p_s = fb[sig], ph[sig]
        fit = np.polyfit(f_s, p_s, 1, cov=True) if sig.sum() > 3 else (np.polyfit(f_s, p_s, 1), None)
        slope = float(fit[0][0])
        lead = -slope / (2 * np.pi) * 1000.0
        se = float(np.sqrt(fit[1][0, 0]) / (2 * np.pi) * 1000.0) if fit[1] is not None else float("inf")
    return CoherenceResult(n_seg, float(limit), significant, best, float(fb[k]), float(cb[k]), lead, se,
                           freqs, spectra)

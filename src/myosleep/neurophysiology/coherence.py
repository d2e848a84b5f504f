"""EEG-EMG coherence around the jerks (12-30 Hz) and which signal leads.

Segment-averaged coherence (Halliday et al., Prog Biophys Mol Biol 1995): one 1-s
segment per jerk (-0.5 to +0.5 s around EMG onset), EEG against the rectified EMG of the
jerk's trigger muscle (high-passed at 20 Hz, rectified, low-passed below the EEG's Nyquist
and interpolated onto the EEG's own sample times: an explicit, stated resampling).
Spectra by :func:`scipy.signal.welch` / :func:`scipy.signal.csd` of each jerk's segment
(one Hann-windowed segment per jerk, ``nperseg`` = segment), computed once; a group's
spectra are their mean over its jerks, which is the estimate of :func:`scipy.signal.coherence`
over the group's segments. Significance: coherence above the
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

__all__ = ["CoherenceResult", "JerkSpectra", "eeg_emg_coherence", "jerk_spectra", "rectified_emg_segments"]


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

    Each jerk's trigger-muscle EMG is read over its segment with 0.25 s on either side (room
    for the zero-phase filters' edges), high-passed, rectified and low-passed (one filter call
    per EMG rate over all jerks), then interpolated onto the EEG's sample times.

    Returns (kept rows into ``rows``, segments (n, L)).
    """
    from scipy.signal import butter, sosfiltfilt

    lo, hi = params.coherence_segment_s
    n_lo = int(round(lo * ep.sfreq))
    length = int(round((hi - lo) * ep.sfreq))
    labels = set(recording.labels)
    pad = 0.25
    raw: dict[float, list[tuple[int, float, float, np.ndarray]]] = {}  # EMG rate -> (k, t0, first sample time, x)
    for k, r in enumerate(rows):
        lab = str(triggers[k])
        if lab not in labels:
            continue
        ch = recording.channel(lab)
        if not ch.readable or ch.problem is not None:
            continue
        fs = float(ch.sfreq)
        t0 = (ep.onset_sample[r] + n_lo) / ep.sfreq
        i0 = int(np.floor((t0 - pad) * fs + 1e-9))
        n = int(np.ceil((length / ep.sfreq + 2 * pad) * fs))
        if i0 < 0 or (i0 + n) / fs > ch.duration_s:
            continue
        x = recording.get_data(lab, start_s=i0 / fs, stop_s=(i0 + n) / fs)[:n]
        if x.size == n and n >= 30 and np.all(np.isfinite(x)):
            raw.setdefault(fs, []).append((k, t0, i0 / fs, x))
    kept, segs = [], []
    t_rel = np.arange(length) / ep.sfreq
    for fs, items in raw.items():
        hp = butter(4, params.emg_highpass_hz, btype="highpass", fs=fs, output="sos")
        lp = butter(4, min(0.4 * ep.sfreq, 0.45 * fs), btype="lowpass", fs=fs, output="sos")
        y = sosfiltfilt(lp, np.abs(sosfiltfilt(hp, np.vstack([it[3] for it in items]), axis=1)), axis=1)
        for (k, t0, t_first, _), yk in zip(items, y):
            kept.append(k)
            segs.append(np.interp(t0 + t_rel, t_first + np.arange(yk.size) / fs, yk))
    if not segs:
        return np.empty(0, dtype=int), np.empty((0, length))
    order = np.argsort(kept, kind="stable")
    return np.asarray(kept, dtype=int)[order], np.vstack(segs)[order]


@dataclass(frozen=True, eq=False)
class JerkSpectra:
    """Each jerk's auto- and cross-spectra, computed once for every group.

    Attributes
    ----------
    rows : ndarray of int
        Epochs (positions in the EpochSet) with a readable trigger-muscle EMG.
    freqs_hz : ndarray
    pxx : ndarray, shape (n, n_channels, n_freqs)
        EEG power spectral density of each jerk's segment (uV^2/Hz).
    pyy : ndarray, shape (n, n_freqs)
        Rectified EMG's.
    pxy : ndarray, shape (n, n_channels, n_freqs)
        Cross-spectral density (EEG conj x EMG).
    """

    rows: np.ndarray
    freqs_hz: np.ndarray
    pxx: np.ndarray
    pyy: np.ndarray
    pxy: np.ndarray


def jerk_spectra(recording, ep: EpochSet, triggers: np.ndarray, params: NeuroParams) -> JerkSpectra:
    """:func:`scipy.signal.welch` / :func:`scipy.signal.csd` of every usable jerk's segment
    (one Hann segment per jerk, ``nperseg`` = segment, constant detrend). A group's spectra are
    the mean over its jerks: the estimate of :func:`scipy.signal.coherence` over its segments."""
    from scipy.signal import csd, welch

    kept, emg = rectified_emg_segments(recording, ep, np.arange(ep.usable.size), triggers, params)
    length = emg.shape[1]
    i0 = int(np.flatnonzero(np.round(ep.times_s * ep.sfreq).astype(int)
                            == int(round(params.coherence_segment_s[0] * ep.sfreq)))[0])
    eeg = ep.data_uv[kept][:, :, i0:i0 + length]  # (n, c, L)
    kw = dict(fs=ep.sfreq, window="hann", nperseg=length, noverlap=0, detrend="constant", axis=-1)
    freqs, pyy = welch(emg, **kw)
    _, pxx = welch(eeg, **kw)
    _, pxy = csd(eeg, emg[:, None, :], **kw)
    return JerkSpectra(kept, freqs, pxx, pyy, pxy)


def eeg_emg_coherence(spectra: JerkSpectra, rows: np.ndarray, *, channels: tuple[str, ...],
                      params: NeuroParams) -> CoherenceResult:
    """Coherence between each EEG channel and the rectified trigger-muscle EMG over the jerks
    ``rows`` (positions in the EpochSet) that have an EMG segment (module doc)."""
    sel = np.flatnonzero(np.isin(spectra.rows, rows))
    n_seg = int(sel.size)
    if n_seg < params.min_jerks:
        return CoherenceResult(n_seg, float("nan"), False, None, float("nan"), float("nan"), float("nan"),
                               float("nan"), np.empty(0), {})
    freqs = spectra.freqs_hz
    pyy = spectra.pyy[sel].mean(axis=0)
    pxx = spectra.pxx[sel].mean(axis=0)
    pxy = spectra.pxy[sel].mean(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        coh = np.nan_to_num(np.abs(pxy) ** 2 / (pxx * pyy[None, :]))
    coherence = {lab: coh[ci] for ci, lab in enumerate(channels)}
    phases = {lab: np.angle(pxy[ci]) for ci, lab in enumerate(channels)}
    band_lo, band_hi = params.coherence_band_hz
    band = (freqs >= band_lo - 1e-9) & (freqs <= band_hi + 1e-9)
    n_tests = int(band.sum()) * len(channels)
    a = params.alpha / max(1, n_tests)
    limit = 1.0 - a ** (1.0 / (n_seg - 1))
    best = max(channels, key=lambda lab: float(np.max(coherence[lab][band])))
    cb = coherence[best][band]
    fb = freqs[band]
    k = int(np.argmax(cb))
    significant = bool(np.any(coh[:, band] > limit))
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
                           freqs, coherence)

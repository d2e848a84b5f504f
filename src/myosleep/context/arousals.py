"""EEG arousal detection (AASM), and the scorer's arousals in place of the detected ones.

AASM Manual (v2.6, 2020, arousal rule V.1): score an arousal during N1, N2, N3 or R
on an abrupt shift of EEG frequency including alpha, theta and/or frequencies
greater than 16 Hz (but not spindles) that lasts at least 3 s, with at least 10 s of
stable sleep preceding the change; in REM a concurrent increase of submental EMG
lasting at least 1 s is also required.

The detector follows that rule on one (preferably central) EEG channel:

1. the EEG is decimated to about 100 Hz (anti-aliased) and cut into 1-s windows every
   0.5 s (1-Hz resolution is enough for the bands below), and the log powers
   (next point) are averaged over 1.5 s;
2. the *fast power* is the power in alpha (8-11 Hz) plus beta (16-30 Hz); the *fast
   share* is that divided by the power in 0.5-30 Hz. The AASM spindle band 11-16 Hz
   (AASM rule II.D: spindles 11-16 Hz) is left out, so spindles do not count. Theta
   is left out as well: a theta rise cannot be told from the ordinary N3 -> N2 -> N1
   drift on one channel, so theta-only arousals are missed (stated limitation);
3. each is compared with its median over the preceding 60 s (a median over a window
   much longer than an arousal, which lasts 3-15 s, is not pulled up by it); ratios
   to a baseline make the detector independent of gain and units;
4. frames where the fast power exceeds ``rise_factor`` x its baseline *and* the fast
   share exceeds ``min_share_rise`` x its baseline form candidates: the fast power
   (17 frequency bins) is a stable estimate, and the share condition demands a
   shift of frequency, so a broadband change of amplitude (share unchanged) or a
   K complex / slow-wave burst (share falls) is not an arousal. The onset and
   offset are the first and last frame of the run whose unsmoothed fast power is
   raised (the window and the smoothing smear the edges outwards), then read again
   off the frame grid: within 1.5 s of each, where the variance of the alpha + beta
   band steps (maximum-likelihood change point; :func:`_refine_edges`). Gaps
   shorter than 1 s are bridged; candidates shorter than 3 s are dropped (AASM);
   a candidate starting less than 10 s after the previous one ended is not a new
   arousal (AASM: 10 s of intervening sleep);
5. with a hypnogram: the onset and the 10 s before it must be sleep (AASM); in R a
   chin EMG rise (1-s RMS >= ``chin_rise_factor`` x its 60-s baseline) lasting >= 1 s
   must overlap the candidate (AASM), when a chin channel is given.

Hypnagogic arousals (``kind="hypnagogic"``): at a wake-to-sleep boundary AASM's
10 s of prior sleep cannot hold, so a sleep start followed by returning alpha would
never count. When transitions are given, the sleep part of each hypnagogic window is
searched with the same thresholds against the window's own median (the drowsy EEG,
not the preceding wake) and such shifts are reported apart, never mixed with the
AASM arousals (``kind="aasm"``).

``rise_factor`` = 2 (+3 dB) and ``min_share_rise`` = 1.5: the AASM rule is
qualitative ("abrupt shift"); these ratios are a design choice in the range of
spectral-ratio arousal detectors (e.g. De Carli et al., Sleep 1999, relative power
increase against a preceding background), not fitted to any data set. Everything is
vectorised (one STFT, rolling medians, run-length masks): an 8-h night takes about 2 s.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..errors import ChannelError, ParameterError
from ..vocab import Role, Stage
from .transitions import runs

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ..io.hypnogram_model import Hypnogram
    from ..io.recording import Recording

__all__ = ["ArousalParams", "detect_arousals", "combine_arousals", "detect_arousals_in_recording", "NOT_DETECTED"]

logger = logging.getLogger("myosleep")

AROUSAL_COLUMNS = ("onset", "duration", "source", "channel", "kind")
#: How :func:`detect_arousals_in_recording`'s note starts when the detector could not run.
NOT_DETECTED = "arousals not detected"


@dataclass(frozen=True)
class ArousalParams:
    """Thresholds of the arousal detector (sources in the module docstring).

    Parameters
    ----------
    min_duration_s : float
        Least duration of the frequency shift (AASM: 3 s).
    min_sleep_before_s : float
        Stable sleep required before the onset (AASM: 10 s).
    min_chin_rise_s : float
        Least duration of the chin EMG rise in REM (AASM: 1 s).
    alpha_band_hz, beta_band_hz : (float, float)
        Bands whose share of power rises at an arousal (alpha 8-11 Hz and beta
        16-30 Hz: the AASM spindle band 11-16 Hz excluded).
    total_band_hz : (float, float)
        Reference band of the share, Hz.
    window_s, step_s : float
        Spectral window length and hop, s.
    baseline_s : float
        Length of the preceding baseline window, s.
    rise_factor : float
        Fast-power ratio to its baseline that marks a candidate (2 = +3 dB; design choice).
    min_share_rise : float
        Fast-share ratio to its baseline also required (1.5: a shift of frequency, not
        of amplitude; design choice).
    chin_rise_factor : float
        Chin 1-s RMS ratio to its baseline that marks an EMG increase (2 = +6 dB
        amplitude; design choice, AASM gives no number).
    smooth_s : float
        The log fast share is averaged over this many seconds (centred) before the
        comparison: a shift must be sustained, not one noisy periodogram.
    bridge_s : float
        Gaps shorter than this (s) inside a candidate are bridged.
    target_sfreq : float
        The EEG is decimated by an integer factor towards this rate (Hz).
    """

    min_duration_s: float = 3.0          # AASM v2.6 arousal rule: >= 3 s
    min_sleep_before_s: float = 10.0     # AASM v2.6 arousal rule: >= 10 s of stable sleep before
    min_chin_rise_s: float = 1.0         # AASM v2.6 arousal rule in REM: chin EMG increase >= 1 s
    alpha_band_hz: tuple[float, float] = (8.0, 11.0)    # alpha, below the AASM spindle band 11-16 Hz
    beta_band_hz: tuple[float, float] = (16.0, 30.0)    # AASM "> 16 Hz"; 30 Hz keeps clear of EMG bulk
    total_band_hz: tuple[float, float] = (0.5, 30.0)    # AASM EEG filter band 0.3-35 Hz, rounded
    window_s: float = 1.0
    step_s: float = 0.5
    baseline_s: float = 60.0
    rise_factor: float = 2.0
    chin_rise_factor: float = 2.0
    bridge_s: float = 1.0
    smooth_s: float = 1.5
    min_share_rise: float = 1.5
    target_sfreq: float = 100.0

    def check(self) -> None:
        for name in ("min_duration_s", "window_s", "step_s", "baseline_s", "rise_factor",
                     "chin_rise_factor", "target_sfreq"):
            v = float(getattr(self, name))
            if not np.isfinite(v) or v <= 0:
                raise ParameterError(f"{name} must be > 0, got {v}", where=f"ArousalParams.{name}")
        if self.step_s > self.window_s:
            raise ParameterError(f"step_s ({self.step_s} s) must not exceed window_s ({self.window_s} s)",
                                 where="ArousalParams.step_s")


def _empty() -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame({"onset": np.zeros(0), "duration": np.zeros(0), "source": np.zeros(0, dtype=object),
                         "channel": np.zeros(0, dtype=object), "kind": np.zeros(0, dtype=object)})


def _decimate(x: np.ndarray, sfreq: float, target: float) -> tuple[np.ndarray, float]:
    """Anti-aliased decimation by an integer factor; gaps (NaN) stay NaN, slightly widened."""
    q = int(np.floor(sfreq / target))
    if q <= 1:
        return x, sfreq
    from scipy.signal import decimate

    bad = ~np.isfinite(x)
    y = decimate(np.where(bad, 0.0, x), q, ftype="fir", zero_phase=True)
    if bad.any():
        from scipy.ndimage import binary_dilation

        # decimate's FIR has 20*q + 1 taps: 10 output samples either side see a gap.
        m = y.size
        pad = np.zeros(m * q, dtype=bool)
        pad[: min(bad.size, m * q)] = bad[: m * q]
        bad_d = binary_dilation(pad.reshape(m, q).any(axis=1), iterations=10)
        y[bad_d] = np.nan
    return y, sfreq / q


def _rolling_median_before(x: np.ndarray, n: int) -> np.ndarray:
    """Median of the ``n`` values before each index (NaN-aware, causal)."""
    import pandas as pd

    s = pd.Series(x)
    med = s.rolling(n, min_periods=max(1, n // 3)).median().shift(1)
    return med.to_numpy(float)


def _frame_power(x: np.ndarray, sfreq: float, window_s: float, step_s: float
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Periodogram of each window: (freqs Hz, centres s, power [frames, freqs]); NaN windows -> NaN."""
    nper = max(4, int(round(window_s * sfreq)))
    hop = max(1, int(round(step_s * sfreq)))
    if x.size < nper:
        return np.zeros(0), np.zeros(0), np.zeros((0, 0))
    frames = np.lib.stride_tricks.sliding_window_view(x, nper)[::hop]
    bad = ~np.isfinite(frames).all(axis=1)
    frames = np.where(np.isfinite(frames), frames, 0.0)
    frames = frames - frames.mean(axis=1, keepdims=True)
    win = np.hanning(nper)
    spec = np.abs(np.fft.rfft(frames * win, axis=1)) ** 2
    spec[bad] = np.nan
    freqs = np.fft.rfftfreq(nper, 1.0 / sfreq)
    centres = (np.arange(frames.shape[0]) * hop + nper / 2.0) / sfreq
    return freqs, centres, spec


def _band(spec: np.ndarray, freqs: np.ndarray, band: tuple[float, float]) -> np.ndarray:
    sel = (freqs >= band[0]) & (freqs < band[1])
    return spec[:, sel].sum(axis=1)


def _chin_rise(chin_uv: np.ndarray, chin_sfreq: float, params: ArousalParams) -> tuple[np.ndarray, np.ndarray]:
    """Chin 1-s RMS at 0.5-s hops, and a mask of runs >= min_chin_rise_s above baseline."""
    x = np.asarray(chin_uv, dtype=float)
    x = x - np.nanmedian(x) if x.size else x
    nper = max(2, int(round(1.0 * chin_sfreq)))
    hop = max(1, int(round(params.step_s * chin_sfreq)))
    if x.size < nper:
        return np.zeros(0), np.zeros(0, dtype=bool)
    fr = np.lib.stride_tricks.sliding_window_view(x, nper)[::hop]
    rms = np.sqrt(np.mean((fr - fr.mean(axis=1, keepdims=True)) ** 2, axis=1))
    centres = (np.arange(fr.shape[0]) * hop + nper / 2.0) / chin_sfreq
    base = _rolling_median_before(rms, max(1, int(round(params.baseline_s / params.step_s))))
    high = rms >= params.chin_rise_factor * base
    high &= np.isfinite(base) & (base > 0)
    starts, stops = runs(high)
    n_min = int(np.ceil(params.min_chin_rise_s / params.step_s - 1e-9))
    keep = np.zeros(high.shape, dtype=bool)
    for a, b in zip(starts, stops):
        if b - a >= n_min:
            keep[a:b] = True
    return centres, keep


def _events(cand: np.ndarray, raw: np.ndarray, ratio: np.ndarray, centres: np.ndarray,
            params: ArousalParams) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Candidate frames -> (onset s, offset s, duration s, peak rise dB) of runs >= min_duration_s.

    Gaps shorter than ``bridge_s`` are bridged. Onset and offset are the first and last
    frame inside a run whose *unsmoothed* fast power is raised (``raw``): smoothing and
    the 1-s window smear the edges outwards; a frame is raised when the shift fills
    about half its window, so its centre marks the edge.
    """
    starts, stops = runs(cand)
    if starts.size > 1:
        gap = (starts[1:] - stops[:-1]) * params.step_s
        joined = gap < params.bridge_s
        starts = starts[np.concatenate([[True], ~joined])]
        stops = stops[np.concatenate([~joined, [True]])]
    first = np.full(starts.size, -1)
    last = np.full(starts.size, -1)
    for i, (a, b) in enumerate(zip(starts, stops)):
        hit = np.flatnonzero(raw[a:b])
        if hit.size:
            first[i], last[i] = a + hit[0], a + hit[-1]
    has = first >= 0
    starts, stops, first, last = starts[has], stops[has], first[has], last[has]
    t_on, t_off = centres[first], centres[last]
    dur = t_off - t_on
    ok = dur >= params.min_duration_s - 1e-9
    starts, stops, t_on, t_off, dur = starts[ok], stops[ok], t_on[ok], t_off[ok], dur[ok]
    with np.errstate(invalid="ignore", divide="ignore"):
        lr = 10.0 * np.log10(ratio)
    peak_db = np.array([np.nanmax(lr[a:b]) for a, b in zip(starts, stops)]) if starts.size else np.zeros(0)
    return t_on, t_off, dur, peak_db


def _variance_change(p: np.ndarray, min_n: int) -> tuple[int, float]:
    """Maximum-likelihood split of a zero-mean signal's power ``p`` (= x**2) into two segments of
    constant variance: (index of the change, variance after / before).  -1 when ``p`` is too short.

    For Gaussian samples the log-likelihood of a split at k is, up to constants,
    ``-(k log s1 + (n - k) log s2) / 2`` with s1, s2 the mean powers before and after it
    (the variance change point, Hinkley 1971; Inclan & Tiao, JASA 1994).
    """
    n = p.size
    if n < 2 * min_n:
        return -1, 1.0
    c = np.concatenate([[0.0], np.cumsum(p, dtype=float)])
    k = np.arange(min_n, n - min_n + 1)
    s1 = c[k] / k
    s2 = (c[n] - c[k]) / (n - k)
    tiny = np.finfo(float).tiny
    cost = k * np.log(np.maximum(s1, tiny)) + (n - k) * np.log(np.maximum(s2, tiny))
    j = int(np.argmin(cost))
    return int(k[j]), float(s2[j] / max(s1[j], tiny))


def _refine_edges(x: np.ndarray, fs: float, t_on: np.ndarray, t_off: np.ndarray,
                  params: ArousalParams) -> tuple[np.ndarray, np.ndarray]:
    """Onsets and offsets read again on the fast-band EEG itself, not on the frame grid.

    The frames place an edge at the centre of the first (last) raised 1-s window, on a
    ``step_s`` grid: up to a step late and smeared by the window (measured on simulated PLMD
    nights: onsets a median 0.28 s late, so that arousals starting < 0.5 s after a leg
    movement were not associated with it, AASM's 0.5-s rule).  Here the alpha + beta band
    (the bands of the fast power, zero-phase filtered) is split, within ``window_s +
    step_s`` of each edge, where its variance changes (:func:`_variance_change`): an arousal
    is an abrupt shift (AASM), a step of the band's power.  The split is kept when the power
    rises at an onset (falls at an offset) by at least ``rise_factor``, the detector's own
    criterion; otherwise, or over a gap of the signal, the frame's edge stays.
    """
    from scipy.signal import butter, sosfiltfilt

    if t_on.size == 0:
        return t_on, t_off
    bad = ~np.isfinite(x)
    x0 = np.where(bad, 0.0, x)
    nyq = fs / 2.0
    fast = np.zeros_like(x0)
    for lo, hi in (params.alpha_band_hz, params.beta_band_hz):
        hi = min(hi, 0.95 * nyq)
        sos = butter(4, [lo, hi], btype="bandpass", fs=fs, output="sos")
        fast += sosfiltfilt(sos, x0)
    p = fast * fast
    h = int(round((params.window_s + params.step_s) * fs))
    min_n = max(2, int(round(0.25 * fs)))  # 0.25 s: an alpha cycle or two on each side
    on, off = t_on.copy(), t_off.copy()
    for i in range(t_on.size):
        for edge, arr, rising in ((t_on[i], on, True), (t_off[i], off, False)):
            c = int(round(edge * fs))
            a, b = max(0, c - h), min(p.size, c + h)
            if b - a < 2 * min_n or bad[a:b].any():
                continue
            k, ratio = _variance_change(p[a:b], min_n)
            if k < 0:
                continue
            if (ratio >= params.rise_factor) if rising else (ratio <= 1.0 / params.rise_factor):
                arr[i] = (a + k) / fs
    return on, off


def detect_arousals(eeg_uv: np.ndarray, sfreq: float, *, hypnogram: Hypnogram | None = None,
                    chin_uv: np.ndarray | None = None, chin_sfreq: float | None = None,
                    channel: str = "", start_s: float = 0.0, transitions: pd.DataFrame | None = None,
                    params: ArousalParams | None = None) -> pd.DataFrame:
    """Detect EEG arousals on one EEG channel (method in the module docstring).

    Parameters
    ----------
    eeg_uv : array of float
        EEG in microvolts (any scale works: the detector uses power shares).
    sfreq : float
        EEG sampling rate, Hz (>= 2.2 x the top of the beta band, i.e. >= 66 Hz).
    hypnogram : Hypnogram | None
        Stages; when given, arousals must start in sleep after >= 10 s of sleep and
        REM arousals need a chin EMG rise (when ``chin_uv`` is given).
    chin_uv : array of float | None
        Chin EMG in microvolts, starting at the same time as ``eeg_uv``.
    chin_sfreq : float | None
        Chin EMG sampling rate, Hz.
    channel : str
        EEG label written in the ``channel`` column.
    start_s : float
        Time of the first sample, s from recording start.
    transitions : pandas.DataFrame | None
        Wake-to-sleep transitions (:func:`~myosleep.context.transitions.find_transitions`).
        When given, shifts back towards wake inside the sleep part of each hypnagogic
        window are also reported, with ``kind="hypnagogic"``: their baseline is the
        drowsy EEG of the window itself and AASM's 10 s of prior sleep are waived (a
        jerk at W -> N1 followed by returning alpha is what "sleep start followed by
        an arousal" describes, but AASM would not score it).
    params : ArousalParams | None
        Thresholds; default :class:`ArousalParams()`.

    Returns
    -------
    pandas.DataFrame
        ``onset`` (s), ``duration`` (s), ``source`` ("detected"), ``channel``,
        ``kind`` ("aasm" | "hypnagogic"), ``rise_db`` (peak fast-power rise over
        baseline, dB), ``stage`` (label at onset, "n/a" without a hypnogram).
    """
    import pandas as pd

    params = params or ArousalParams()
    params.check()
    sfreq = float(sfreq)
    if not np.isfinite(sfreq) or sfreq <= 0:
        raise ParameterError(f"sfreq must be > 0 Hz, got {sfreq}", where="detect_arousals(sfreq)")
    # Nyquist must lie above the beta band's top with an anti-aliasing margin.
    if sfreq < 2.2 * params.beta_band_hz[1]:
        raise ChannelError(f"EEG sampled at {sfreq:g} Hz cannot show {params.beta_band_hz[1]:g} Hz activity "
                           f"(needs >= {2.2 * params.beta_band_hz[1]:g} Hz)", where=channel or "EEG",
                           hint="use an EEG channel sampled at >= 100 Hz")
    x = np.asarray(eeg_uv, dtype=float).ravel()
    x, fs = _decimate(x, sfreq, params.target_sfreq)
    freqs, centres, spec = _frame_power(x, fs, params.window_s, params.step_s)
    out_cols = ["onset", "duration", "source", "channel", "kind", "rise_db", "stage"]
    if centres.size == 0:
        df = _empty()
        df["rise_db"] = np.zeros(0)
        df["stage"] = np.zeros(0, dtype=object)
        return df[out_cols]
    total = _band(spec, freqs, params.total_band_hz)
    fast = _band(spec, freqs, params.alpha_band_hz) + _band(spec, freqs, params.beta_band_hz)
    # A flat (or all-zero) window has no spectrum: its rise is undefined.
    tiny = np.finfo(float).tiny * 1e6
    # A shift must be sustained: log powers are averaged over ``smooth_s`` (centred),
    # which damps the chance fluctuation of single 1-s periodograms.
    n_smooth = max(1, int(round(params.smooth_s / params.step_s)))
    n_base = max(1, int(round(params.baseline_s / params.step_s)))

    def _log(power: np.ndarray, n_smooth: int = n_smooth) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            lp = np.log(np.where(total > tiny, power, np.nan))
        if n_smooth > 1:
            lp = pd.Series(lp).rolling(n_smooth, center=True, min_periods=1).mean().to_numpy(float)
        return lp

    def _rise(power: np.ndarray, n_smooth: int = n_smooth) -> np.ndarray:
        lp = _log(power, n_smooth)
        return np.exp(lp - _rolling_median_before(lp, n_base))

    # The fast power must rise (many frequency bins: a stable estimate) and rise more
    # than the total power (a shift of frequency, not a broadband change in amplitude).
    with np.errstate(invalid="ignore", divide="ignore"):
        share = fast / np.where(total > tiny, total, np.nan)
    fast_rise = _rise(fast)
    share_rise = _rise(share)
    ratio = fast_rise
    cand = np.isfinite(ratio) & (ratio >= params.rise_factor) & (share_rise >= params.min_share_rise)
    raw = _rise(fast, 1) >= params.rise_factor
    t_on, t_off, dur, peak_db = _events(cand, raw, ratio, centres, params)
    t_on, t_off = _refine_edges(x, fs, t_on, t_off, params)
    dur = t_off - t_on
    t_on, t_off = t_on + float(start_s), t_off + float(start_s)
    keep = np.ones(t_on.size, dtype=bool)
    # AASM: 10 s of intervening sleep before a new arousal.
    last_off = -np.inf
    for i in range(t_on.size):
        if t_on[i] - last_off < params.min_sleep_before_s:
            keep[i] = False
        else:
            last_off = t_off[i]
    stage_lab = np.array(["n/a"] * t_on.size, dtype=object)
    if hypnogram is not None and t_on.size:
        st_on = hypnogram.stage_at(t_on)
        # Every epoch overlapping the 10 s before onset must be sleep.
        n_chk = int(np.ceil(params.min_sleep_before_s / float(hypnogram.epoch_s))) + 1
        offsets = np.linspace(0.0, params.min_sleep_before_s, n_chk + 1)
        st_before = hypnogram.stage_at((t_on[:, None] - offsets[None, :]).ravel()).reshape(t_on.size, -1)
        keep &= (st_on >= int(Stage.N1)) & (st_before >= int(Stage.N1)).all(axis=1)
        stage_lab = np.array([Stage(int(s)).label for s in st_on], dtype=object)
        if chin_uv is not None and chin_sfreq is not None:
            c_centres, c_high = _chin_rise(chin_uv, float(chin_sfreq), params)
            c_centres = c_centres + float(start_s)
            rem = st_on == int(Stage.R)
            for i in np.flatnonzero(rem & keep).tolist():
                sel = (c_centres >= t_on[i]) & (c_centres <= t_off[i])
                keep[i] = bool(c_high[sel].any())
    kind = np.array(["aasm"] * int(keep.sum()), dtype=object)
    t_on, t_off, dur, peak_db, stage_lab = t_on[keep], t_off[keep], dur[keep], peak_db[keep], stage_lab[keep]
    if transitions is not None and len(transitions):
        h = _hypnagogic(_log(fast), _log(share), _log(fast, 1), centres + float(start_s), transitions,
                        params, taken=(t_on, t_off))
        if h[0].size:
            h_stage = (np.array([Stage(int(c)).label for c in hypnogram.stage_at(h[0])], dtype=object)
                       if hypnogram is not None else np.array(["n/a"] * h[0].size, dtype=object))
            t_on, t_off = np.concatenate([t_on, h[0]]), np.concatenate([t_off, h[1]])
            dur, peak_db = np.concatenate([dur, h[2]]), np.concatenate([peak_db, h[3]])
            stage_lab = np.concatenate([stage_lab, h_stage])
            kind = np.concatenate([kind, np.array(["hypnagogic"] * h[0].size, dtype=object)])
    order = np.argsort(t_on, kind="stable")
    df = pd.DataFrame({
        "onset": t_on[order], "duration": dur[order],
        "source": np.array(["detected"] * order.size, dtype=object),
        "channel": np.array([channel] * order.size, dtype=object),
        "kind": kind[order], "rise_db": peak_db[order], "stage": stage_lab[order],
    }, columns=out_cols)
    return df.reset_index(drop=True)


def _hypnagogic(log_fast: np.ndarray, log_share: np.ndarray, log_fast_raw: np.ndarray, times_s: np.ndarray,
                transitions: pd.DataFrame, params: ArousalParams, *, taken: tuple[np.ndarray, np.ndarray]
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Frequency shifts back towards wake inside the sleep part of hypnagogic windows.

    Baseline: the median over the sleep part of the window (boundary .. window end),
    i.e. the drowsy N1 EEG itself, not the preceding wake. The 10 s of prior sleep that
    AASM requires are waived (these follow a wake-to-sleep boundary by definition),
    hence the separate ``kind``. Events overlapping ``taken`` (AASM arousals) and
    events starting < 10 s after the previous one are dropped.
    """
    out: list[tuple[float, float, float, float]] = []
    n_min = int(np.ceil(2 * params.min_duration_s / params.step_s))
    for b, e in zip(transitions["onset_s"].to_numpy(float), transitions["window_end_s"].to_numpy(float)):
        part = (times_s >= b) & (times_s < e)
        ok = part & np.isfinite(log_fast) & np.isfinite(log_share)
        if ok.sum() < n_min:
            continue
        base_f, base_s = np.median(log_fast[ok]), np.median(log_share[ok])
        with np.errstate(invalid="ignore"):
            r = np.exp(log_fast - base_f)
            cand = ok & (r >= params.rise_factor) & (np.exp(log_share - base_s) >= params.min_share_rise)
            raw = part & (np.exp(log_fast_raw - base_f) >= params.rise_factor)
        on, off, du, db = _events(cand, raw, r, times_s, params)
        out.extend(zip(on, off, du, db))
    if not out:
        z = np.zeros(0)
        return z, z, z, z
    arr = np.array(sorted(out))
    on, off = arr[:, 0], arr[:, 1]
    t_on, t_off = taken
    keep = np.asarray(~((on[:, None] < t_off[None, :]) & (off[:, None] > t_on[None, :])).any(axis=1)) \
        if t_on.size else np.ones(on.size, dtype=bool)
    last_off = -np.inf
    for i in range(on.size):
        if not keep[i]:
            continue
        if on[i] - last_off < params.min_sleep_before_s:
            keep[i] = False
        else:
            last_off = off[i]
    return arr[keep, 0], arr[keep, 1], arr[keep, 2], arr[keep, 3]


def combine_arousals(*tables: pd.DataFrame) -> pd.DataFrame:
    """Merge arousal tables (detected and scored), sorted by onset.

    When any table holds scored arousals (``source="scored"``), they are the AASM arousals: the
    scorer has scored the night's arousals, so a detected AASM arousal (``kind="aasm"``) is not
    added, whether it overlaps a scored one (the same event) or not (one the scorer did not
    score).  Detected hypnagogic shifts (``kind="hypnagogic"``: a shift back towards wake right
    after a wake-to-sleep boundary, which the AASM rule cannot score and scorers do not) are kept
    unless they overlap a scored arousal.  Without scored arousals the detected ones are used.

    Returns
    -------
    pandas.DataFrame
        ``onset`` (s), ``duration`` (s), ``source``, ``channel``, ``kind`` ("aasm",
        "hypnagogic" or "scored").
    """
    import pandas as pd

    tabs = []
    for t in tables:
        if t is None or not len(t):
            continue
        t = t.copy()
        if "kind" not in t:
            t["kind"] = np.where(t["source"] == "scored", "scored", "aasm")
        tabs.append(t[list(AROUSAL_COLUMNS)])
    if not tabs:
        return _empty()
    df = pd.concat(tabs, ignore_index=True)
    scored = df[df["source"] == "scored"]
    other = df[df["source"] != "scored"]
    if len(scored) and len(other):
        other = other[other["kind"] == "hypnagogic"]
        s_on = scored["onset"].to_numpy(float)
        s_off = s_on + scored["duration"].to_numpy(float)
        o_on = other["onset"].to_numpy(float)
        o_off = o_on + other["duration"].to_numpy(float)
        overlap = (o_on[:, None] < s_off[None, :]) & (o_off[:, None] > s_on[None, :])
        other = other[~overlap.any(axis=1)]
    df = pd.concat([scored, other], ignore_index=True)
    df = df.sort_values("onset", kind="stable").reset_index(drop=True)
    df["onset"] = df["onset"].astype(float)
    df["duration"] = df["duration"].astype(float)
    return df


def detect_arousals_in_recording(recording: Recording, *, hypnogram: Hypnogram | None = None,
                                 transitions: pd.DataFrame | None = None, eeg: str | None = None,
                                 params: ArousalParams | None = None) -> tuple[pd.DataFrame, str]:
    """Run :func:`detect_arousals` on a recording's central EEG (and chin EMG for REM).

    Returns
    -------
    (pandas.DataFrame, str)
        The arousals and a note for the context's warnings ("" when all went well).
    """
    from ..detection.eeg_contamination import unusable_seconds
    from ..detection.results import ARTEFACT_WARN_FRACTION
    from ._channels import eeg_by_preference, pick_eeg, pick_first

    params = params or ArousalParams()
    min_fs = 2.2 * params.beta_band_hz[1]
    ch = pick_eeg(recording, label=eeg, min_sfreq=min_fs)
    if ch is None:
        return _empty(), (f"{NOT_DETECTED}: no EEG channel sampled at >= {min_fs:g} Hz "
                          "(give the scorer's arousals with --events)")
    # an EEG that recorded nothing (flat, railed, NaN) shows no arousal: it is no EEG, the next one is read
    # (defect 61, D7: a flat EEG gave 0 arousals without a word)
    unusable: list[str] = []
    for cand in [ch] if eeg is not None else eeg_by_preference(recording, min_sfreq=min_fs):
        data = recording.get_data(cand.label)
        bad = unusable_seconds(data, float(cand.sfreq))
        if not bad.all():
            ch = cand
            break
        unusable.append(cand.label)
    else:
        return _empty(), (f"{NOT_DETECTED}: EEG {', '.join(unusable)} flat, clipped or NaN throughout (no EEG "
                          "recorded; give the scorer's arousals with --events)")
    chin = pick_first(recording, Role.CHIN, min_sfreq=50.0)
    chin_data = recording.get_data(chin.label) if chin is not None else None
    df = detect_arousals(data, float(ch.sfreq), hypnogram=hypnogram, chin_uv=chin_data,
                         chin_sfreq=None if chin is None else float(chin.sfreq), channel=ch.label,
                         transitions=transitions, params=params)
    notes = []
    if unusable:
        notes.append(f"arousals detected on {ch.label}: EEG {', '.join(unusable)} flat, clipped or NaN throughout")
    bad_min = float(bad.sum()) / 60.0
    if bad.size and bad.mean() > ARTEFACT_WARN_FRACTION:
        notes.append(f"arousals not detected over {bad_min:.0f} min where EEG {ch.label} was flat, clipped or NaN")
    if chin is None and hypnogram is not None and np.any(hypnogram.stages == int(Stage.R)):
        notes.append("arousals in REM detected without the chin EMG criterion (no chin channel sampled >= 50 Hz)")
    note = "; ".join(notes)
    logger.info("arousals: %d detected on %s", len(df), ch.label)
    return df[list(AROUSAL_COLUMNS)], note

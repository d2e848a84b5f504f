"""Causal band-pass + notch filtering of surface EMG, with cached designs.

Design choice (documented in docs/detection.md): a 2nd-order Butterworth band-pass
whose low edge is 10 Hz, as AASM records leg and chin EMG (AASM Manual v2.5, 2018,
technical specifications: EMG filters 10-100 Hz), and whose high edge is raised to
200 Hz where the sampling rate allows (surface EMG power extends to ~200-250 Hz;
De Luca, J Appl Biomech 1997), capped at 0.4 x sfreq to stay clear of Nyquist.
Filtering is causal (``sosfilt`` recursion in a numba kernel, float32 out) so it streams; its group
delay over the muscle band is known analytically and removed from onset times.
Order 2 (12 dB/octave, as the analogue 10-Hz filters of PSG amplifiers) rather
than 4: a 4th-order high-pass rings for ~50 ms after a 30-uV burst at ~13 % of its
amplitude, enough to glue two jerks 50 ms apart; order 2 is back at rest in ~25 ms.
"""

from __future__ import annotations

import functools

import numpy as np

__all__ = ["emg_band_hz", "design_emg_sos", "sos_filter", "group_delay_s", "filter_emg", "as_filtered_backward",
           "BACKWARD_PAD_S"]

#: AASM Manual v2.5 (2018): EMG low-frequency filter 10 Hz.
EMG_LOW_HZ = 10.0
#: Surface EMG power reaches ~200 Hz (De Luca 1997); kept where the rate allows.
EMG_HIGH_HZ = 200.0
#: Keep the upper edge at most 0.4 x sfreq (80 % of Nyquist) for a stable design.
NYQUIST_MARGIN = 0.4

_CHUNK_SAMPLES = 1 << 18


def emg_band_hz(sfreq: float) -> tuple[float, float]:
    """Return the EMG pass band ``(low_hz, high_hz)`` used at sampling rate ``sfreq`` (Hz)."""
    high = min(EMG_HIGH_HZ, NYQUIST_MARGIN * float(sfreq))
    return EMG_LOW_HZ, high


@functools.lru_cache(maxsize=128)
def design_emg_sos(sfreq: float, notch_hz: tuple[float, ...] = (), *, order: int = 2,
                   notch_q: float = 30.0) -> np.ndarray:
    """Second-order sections: EMG band-pass followed by notches at ``notch_hz`` (Hz).

    Cached per (sampling rate, notch set).  Notches above the band edge are skipped.
    ``notch_q`` = 30 gives a -3 dB width of f0/30 (1.7 Hz at 50 Hz).
    """
    from scipy import signal

    low, high = emg_band_hz(sfreq)
    sections = [signal.butter(order, [low, high], btype="bandpass", fs=sfreq, output="sos")]
    for f0 in notch_hz:
        if low < f0 < min(high * 1.2, 0.49 * sfreq):
            b, a = signal.iirnotch(f0, notch_q, fs=sfreq)
            sections.append(signal.tf2sos(b, a))
    return np.vstack(sections)


@functools.lru_cache(maxsize=128)
def group_delay_s(sfreq: float, notch_hz: tuple[float, ...] = ()) -> float:
    """Typical group delay (s) of :func:`design_emg_sos` over the muscle band.

    The median of the group delay on a 1-Hz grid from 20 Hz (twice the low edge,
    where surface EMG power starts; De Luca 1997) to the upper band edge.  It is
    subtracted from onset times so that the causal filter does not bias onsets
    late (2 ms at 512 Hz, 7 ms at 200 Hz).
    """
    from scipy import signal

    sos = design_emg_sos(sfreq, notch_hz)
    low, high = emg_band_hz(sfreq)
    freqs = np.arange(2 * low, high, 1.0)
    freqs = freqs[np.all(np.abs(freqs[:, None] - np.asarray(notch_hz + (-1e9,))[None, :]) > 3.0, axis=1)]
    _, h = signal.sosfreqz(sos, worN=freqs, fs=sfreq)
    gd = -np.gradient(np.unwrap(np.angle(h)), 2 * np.pi * freqs)
    return float(np.median(gd))


#: Samples of the causally band-passed signal on either side of a stretch that
#: :func:`as_filtered_backward` needs (s): its phase turn spreads a sample over ~0.1 s
#: before it (99.9 % of the energy within 0.11 s at 200-2048 Hz) and 2 x the group delay after.
BACKWARD_PAD_S = 0.15


@functools.lru_cache(maxsize=64)
def _reversal_phase(sfreq: float, nfft: int) -> np.ndarray:
    """``conj(H) / H`` of :func:`design_emg_sos` on the ``nfft``-point real-FFT grid (0 where H is 0)."""
    from scipy import signal

    f = np.fft.rfftfreq(nfft, 1.0 / sfreq)
    _, h = signal.sosfreqz(design_emg_sos(sfreq), worN=f, fs=sfreq)
    mag = np.abs(h)
    ok = mag > 1e-12 * mag.max()
    out = np.zeros(f.size, dtype=np.complex128)
    out[ok] = np.conj(h[ok]) / h[ok]
    out.setflags(write=False)
    return out


def as_filtered_backward(y: np.ndarray, sfreq: float) -> np.ndarray:
    """A stretch of the causally band-passed EMG as the same filter run backward in time gives it.

    The causal band-pass (:func:`design_emg_sos`, ``H``) rings after every change of the
    signal: after a burst ends, its output decays over tens of ms (the energy of its impulse
    response falls 20 dB in 20-40 ms at 200-512 Hz), so the burst's power is still above
    the background there and an offset read on it is late, the later the louder the burst.
    The same filter run backward (``conj(H)``, anti-causal) rings *before* each change,
    inside the burst: the offset is read there without that tail.  Its output is the
    causal output turned by the all-pass ``conj(H) / H`` (unit gain, twice the filter's
    phase), which this function applies by FFT, so the cardiac field and mains already
    removed from ``y`` stay removed.  Times move ~2 x the group delay earlier.  Valid
    :data:`BACKWARD_PAD_S` inside the stretch's ends.

    Parameters
    ----------
    y : ndarray
        Consecutive samples of the band-passed EMG (uV).
    sfreq : float
        Sampling rate (Hz).

    Returns
    -------
    ndarray of float32, the same length.
    """
    y = np.asarray(y, dtype=np.float64)
    n = y.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.float32)
    nfft = 1 << int(np.ceil(np.log2(max(2 * n, 16))))
    spec = np.fft.rfft(y, nfft) * _reversal_phase(float(sfreq), nfft)
    return np.fft.irfft(spec, nfft)[:n].astype(np.float32)


def sos_filter(x: np.ndarray, sos: np.ndarray, *, chunk_samples: int = _CHUNK_SAMPLES) -> np.ndarray:
    """Causal filtering of ``x`` by ``sos``, returning float32.

    The initial state is set to the steady state for ``x[0]`` so an offset at the
    start does not ring.  NaNs must be replaced before calling (see
    :func:`filter_emg`).  A numba kernel (``scipy.signal.sosfilt``'s recursion, float64
    state) reads float32 or float64 input directly: no float64 copy of the record.
    ``chunk_samples`` is kept for compatibility; it no longer changes anything.
    """
    return _sosfilt(x, sos)


def _sosfilt(x: np.ndarray, sos: np.ndarray, *, mains: tuple[np.ndarray, ...] | None = None,
             fill: float = float("nan")) -> np.ndarray:
    """:func:`sos_filter` of ``x`` minus a mains model ``(coef, wave, tail, fix)`` of
    :func:`myosleep.preprocessing.mains._mains_model` (float32 arithmetic as
    :func:`~myosleep.preprocessing.mains.remove_mains`), non-finite samples read as
    ``fill`` unless NaN; the mains-free signal is never written out.
    """
    from ._kernels import sosfilt

    x = np.asarray(x)
    if x.dtype not in (np.float32, np.float64):
        x = x.astype(np.float64)
    x = np.ascontiguousarray(x)
    out = np.empty(x.shape[0], dtype=np.float32)
    if x.shape[0] == 0:
        return out
    sos = np.ascontiguousarray(sos, dtype=np.float64)
    key = sos.tobytes()
    if mains is None:
        coef = wave = np.zeros((0, 0), dtype=np.float32)
        tail = np.zeros(0, dtype=np.float32)
        fix = np.zeros((0, 1))
    else:
        coef, wave, tail, fix = mains
    sosfilt(x, coef, wave, tail, fix, float(fill), sos, _unit_zi(key, sos.shape[0]), _warm_samples(key, sos.shape[0]),
            out)
    return out


@functools.lru_cache(maxsize=64)
def _unit_zi(sos_bytes: bytes, n_sections: int) -> np.ndarray:
    """``sosfilt_zi`` of a design given as bytes (cached: the pop test filters thousands of short stretches)."""
    from scipy import signal

    zi = signal.sosfilt_zi(np.frombuffer(sos_bytes, dtype=np.float64).reshape(n_sections, 6))
    zi.setflags(write=False)
    return zi


@functools.lru_cache(maxsize=64)
def _warm_samples(sos_bytes: bytes, n_sections: int) -> int:
    """Samples after which the state of design ``sos`` has forgotten its start to 1e-16
    (``r ** n <= 1e-16``, ``r`` its largest pole modulus), doubled for safety; 0 if unstable."""
    sos = np.frombuffer(sos_bytes, dtype=np.float64).reshape(n_sections, 6)
    r = max(float(np.max(np.abs(np.roots(sec[3:])))) if np.any(sec[4:] != 0) else 0.0 for sec in sos)
    if not 0.0 < r < 1.0:
        return 0 if r >= 1.0 else 1
    return 2 * int(np.ceil(np.log(1e-16) / np.log(r)))


def filter_emg(x: np.ndarray, sfreq: float, *, notch_hz: tuple[float, ...] = ()) -> np.ndarray:
    """Band-pass (and notch) one EMG channel; NaNs are filled with the channel median first.

    Parameters
    ----------
    x : ndarray, shape (n_samples,)
        EMG in uV.
    sfreq : float
        Sampling rate (Hz).
    notch_hz : tuple of float
        Mains frequencies (Hz) to notch, e.g. from :func:`myosleep.preprocessing.detect_mains`.

    Returns
    -------
    ndarray of float32, uV, same length; delayed by :func:`group_delay_s` (s).
    """
    x = np.asarray(x)
    fin = np.isfinite(x)
    if fin.all():
        return _sosfilt(x, design_emg_sos(float(sfreq), tuple(notch_hz)))
    # NaNs read as the median by the filter kernel (no filled copy of the record)
    fill = float(np.median(x[fin])) if fin.any() else 0.0
    return _sosfilt(x, design_emg_sos(float(sfreq), tuple(notch_hz)), fill=fill)

"""What an EDF/BDF ``prefiltering`` field says about a channel's recorded band.

The field (80 characters per signal) is free text; the EDF specification's examples are
``HP:0.1Hz LP:75Hz`` and ``HP:DC``; EDF+ adds ``N:50Hz`` for a notch.  Exports write the
same with spaces (``HP: 0.16 Hz``), a time constant instead of a corner (``HP:0.3s``), mHz or
kHz, a comma for the decimal point, and words for processing beyond filtering: Sleep-EDF's
chin EMG is ``HP:16Hz Rectification LP:0.7Hz`` - rectified and smoothed by the recorder, an
amplitude envelope rather than the EMG.

For EMG this decides two things (:func:`emg_prefilter_findings`):

* **An envelope**, not the signal: the field names rectification, RMS, an envelope or an
  integration, or the low-pass corner lies below the EMG band's low edge (10 Hz, the AASM's
  EMG low-frequency filter), which leaves nothing of surface EMG (20-250 Hz).  Bursts cannot be
  read from it; an envelope of the chin still gives its amplitude per second.
* The same envelope may be said by the **label** instead (``Chin RMS``, ``Leg L envelope``,
  ``Rectified EMG Chin``, ``iEMG chin``): :func:`label_processing`.
* **A narrowed band**: a low-pass below the AASM's 100-Hz EMG high-frequency filter (and below
  half the sampling rate, so it is the recorder's filter and not the rate's limit) removes part
  of the surface-EMG spectrum: amplitudes read low against the AASM's 8-uV and 2-uV criteria.
"""

from __future__ import annotations

import math
import re

__all__ = ["highpass_hz", "lowpass_hz", "device_processing", "emg_prefilter_findings", "emg_envelope_reason",
           "label_processing",
           "EMG_BAND_LOW_HZ", "AASM_EMG_LOWPASS_HZ"]

#: The EMG band's low edge: the AASM's recommended EMG low-frequency filter (Hz).
EMG_BAND_LOW_HZ = 10.0
#: The AASM's recommended EMG high-frequency filter (Hz).
AASM_EMG_LOWPASS_HZ = 100.0

_NUMBER = r"([0-9]*[.,]?[0-9]+)"
_PROCESSING = re.compile(r"rectif\w*|\brms\b|root[\s-]*mean[\s-]*square|envelope|integrat\w*",
                         flags=re.IGNORECASE)


def _corner(prefilter: str, key: str) -> float | None:
    m = re.search(rf"\b{key}\s*:?\s*(DC|{_NUMBER})\s*(khz|mhz|hz|ms|s)?", prefilter or "", flags=re.IGNORECASE)
    if not m:
        return None
    if m.group(1).upper() == "DC":
        return 0.0
    v = float(m.group(2).replace(",", "."))
    unit = (m.group(3) or "Hz").lower()
    if unit == "mhz":  # EDF headers write millihertz as mHz; a megahertz filter is no EEG filter
        return v / 1000.0
    if unit == "khz":
        return v * 1000.0
    if unit in ("s", "ms"):  # a time constant: the first-order corner 1 / (2 pi tau)
        tau = v / 1000.0 if unit == "ms" else v
        return 1.0 / (2 * math.pi * tau) if tau > 0 else 0.0
    return v


def highpass_hz(prefilter: str) -> float | None:
    """High-pass corner (Hz) from a prefilter field (``HP:0.3Hz``, ``HP:DC`` -> 0, ``HP: 0.16 Hz``,
    ``HP:0.3s`` as a time constant); None when the field gives none."""
    return _corner(prefilter, "HP")


def lowpass_hz(prefilter: str) -> float | None:
    """Low-pass corner (Hz) from a prefilter field (``LP:75Hz``, ``LP: 0.7 Hz``, ``LP:1kHz``)."""
    v = _corner(prefilter, "LP")
    return None if v == 0.0 else v  # "LP:DC" is not a low-pass


def device_processing(prefilter: str) -> str | None:
    """The processing beyond filtering a prefilter field names (``"Rectification"``), or None."""
    m = _PROCESSING.search(prefilter or "")
    return m.group(0) if m else None


# Label tokens that name a processed EMG (as roles.normalize_label splits a label).
_LABEL_PROCESSING = {"rms": "RMS", "envelope": "envelope", "env": "envelope", "rectified": "rectified",
                     "rect": "rectified", "rectification": "rectified", "integrated": "integrated",
                     "iemg": "integrated"}


def label_processing(label: str) -> str | None:
    """The processing an EMG label names (``"RMS"`` for ``Chin RMS``), or None."""
    from .roles import normalize_label

    return next((_LABEL_PROCESSING[t] for t in normalize_label(label) if t in _LABEL_PROCESSING), None)


def emg_envelope_reason(prefilter: str, sfreq: float, *, label: str = "", own_prefilter: bool = True) -> str | None:
    """Why an EMG channel holds an amplitude envelope rather than the EMG (its label or, when it is the
    channel's own, its prefilter field says so), or None."""
    said = label_processing(label)
    if said is not None:
        return (f"EMG label {label!r} names a processed EMG ({said}): an amplitude envelope stored at {sfreq:g} Hz, "
                "not the EMG, so its bursts cannot be read")
    return emg_prefilter_findings(prefilter, sfreq)[0] if own_prefilter else None


def emg_prefilter_findings(prefilter: str, sfreq: float) -> tuple[str | None, str | None]:
    """(envelope, narrowed) for an EMG channel: why its samples are an amplitude envelope rather
    than the EMG (None when they are the EMG), and a warning when the recorder low-passed it below
    the AASM's 100 Hz (None otherwise).  ``prefilter`` is the channel's own header field."""
    text = (prefilter or "").strip()
    if not text:
        return None, None
    processing, lp = device_processing(text), lowpass_hz(text)
    if processing is not None:
        return (f"EMG already processed by the recorder ({processing.lower()}; prefilter {text!r}): an amplitude "
                f"envelope stored at {sfreq:g} Hz, not the EMG, so its bursts cannot be read"), None
    if lp is not None and lp < EMG_BAND_LOW_HZ:
        return (f"EMG low-passed at {lp:g} Hz by the recorder (prefilter {text!r}), below the EMG band "
                f"({EMG_BAND_LOW_HZ:g} Hz and up): at most an amplitude envelope stored at {sfreq:g} Hz, not the "
                "EMG, so its bursts cannot be read"), None
    if lp is not None and lp < min(AASM_EMG_LOWPASS_HZ, 0.5 * sfreq):
        return None, (f"EMG low-passed at {lp:g} Hz by the recorder (prefilter {text!r}), below the AASM's "
                      f"{AASM_EMG_LOWPASS_HZ:g} Hz: part of the muscle's spectrum is gone, so amplitudes read low "
                      "against the 8-uV and 2-uV leg-movement criteria and brief potentials read smaller")
    return None, None

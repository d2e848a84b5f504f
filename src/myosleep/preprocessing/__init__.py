"""Pure array functions preparing EMG for burst detection.

Band-pass and mains notch (:mod:`.filters`, :mod:`.mains`), cardiac artefact
removal (:mod:`.ecg`), amplitude envelopes and the running resting baseline
(:mod:`.envelope`), artefact masks and electrode pops (:mod:`.artefacts`),
channel fitness (:mod:`.quality`).  All amplitudes are in uV, times in s, rates in Hz.
"""

from __future__ import annotations

from .artefacts import (
                        PopCriteria,
                        clipped_runs,
                        flat_runs,
                        is_electrode_pop,
                        merge_runs,
                        nan_runs,
                        pop_features,
                        runs_from_mask,
                        slow_component,
)
from .ecg import detect_r_peaks, r_peaks_from_emg, remove_cardiac
from .envelope import block_power, emg_envelope, rectified_average, running_baseline
from .filters import design_emg_sos, emg_band_hz, filter_emg, group_delay_s, sos_filter
from .mains import MainsLines, detect_mains, remove_mains
from .quality import MIN_EMG_SFREQ, Quantisation, emg_channel_problem, quantisation

__all__ = [
    "PopCriteria", "clipped_runs", "flat_runs", "is_electrode_pop", "merge_runs", "nan_runs",
    "pop_features", "runs_from_mask", "slow_component", "detect_r_peaks", "r_peaks_from_emg", "remove_cardiac",
    "block_power", "emg_envelope", "rectified_average", "running_baseline", "design_emg_sos",
    "emg_band_hz", "filter_emg", "group_delay_s", "sos_filter", "MainsLines", "detect_mains", "remove_mains",
    "MIN_EMG_SFREQ", "emg_channel_problem", "Quantisation", "quantisation", "preprocess_emg", "PreprocessedEMG",
]

from .pipeline import PreprocessedEMG, preprocess_emg  # noqa: E402

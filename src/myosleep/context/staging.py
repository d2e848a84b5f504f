"""Automatic sleep staging with YASA's LightGBM stager.

YASA (Vallat and Walker, eLife 2021; kappa ~0.8 against consensus scoring in
adults) stages 30-s epochs from one EEG (central preferred), optionally one EOG and
one chin EMG, plus no demographics here. Its trained models ship inside the yasa
wheel: nothing is downloaded. YASA is trained on adults and children from NSRR
cohorts; it is not validated for infants under one year, and
:func:`myosleep.context.build_context` never calls it for them.

Resampling: YASA takes one ``mne.io.Raw`` with a single sampling rate and resamples
it to 100 Hz itself. PSG channels often have different rates (EEG 256 Hz, EMG
512 Hz, ...), so the EEG, EOG and EMG are brought to 100 Hz here, explicitly, with
a polyphase anti-aliasing filter (:func:`scipy.signal.resample_poly`). This is the
one place in myosleep where resampling is right: the features YASA computes are
band powers and statistics of 30-s epochs at 100 Hz (its training data), and the
stages it returns are per epoch; no event timing depends on the resampled signals.

Reference: YASA's model was trained on a central EEG against the contralateral mastoid (C4-M1,
C3-M2; or Fpz).  A clinical EEG that records every electrode against a common reference (``EEG
C4-REF``, ACNS Guideline 1: between Cz and Pz) is staged from the derivation C4-A1 (C3-A2, C4-Fpz)
that the file's electrodes on that reference allow (:func:`trained_derivation`), or with a warning
that the stages are less reliable (docs/robustness.md, defect 37).

YASA's own warnings (its ``yasa`` logger, e.g. "Insufficient data. A minimum of 5 minutes of
data is recommended otherwise results may be unreliable.", and Python warnings it raises) are
captured while it stages, not printed on stderr: they go into the hypnogram's
``metadata["warnings"]`` and from there into the sleep context's warnings, summary.json and
the report.

A recording with gaps (an EDF+D paused during the night): only the epochs whose 30 s were all
recorded are staged (YASA's features are computed over the whole epoch; an epoch filled with
zeros would be staged as something); the others are unscored.  The staged epochs are given to
YASA one after the other, so its smoothed features run across a gap as across an epoch
boundary.
"""

from __future__ import annotations

import contextlib
import logging
import re
import warnings
from collections.abc import Iterator
from fractions import Fraction
from typing import TYPE_CHECKING

import numpy as np

from ..errors import ChannelError, HypnogramError
from ..vocab import Role, Stage
from ._channels import pick_eeg, pick_first
from .gaps import epochs_in_gaps

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ..io.hypnogram_model import Hypnogram
    from ..io.recording import ChannelInfo, Recording

__all__ = ["common_reference", "stage_with_yasa", "trained_derivation", "YASA_SFREQ"]

logger = logging.getLogger("myosleep")

#: Rate YASA works at (yasa.SleepStaging resamples to 100 Hz; its features are
#: computed at that rate).
YASA_SFREQ = 100.0
#: YASA asserts sfreq > 80 Hz; a channel sampled lower cannot carry what its
#: features measure (e.g. 1-Hz "EMG" envelopes of Sleep-EDF).
MIN_SFREQ = 80.0

#: ``EEG C4-REF``, ``C4-AVG``: one electrode against the amplifier's common reference (clinical EEG:
#: ACNS Guideline 1 puts it between Cz and Pz) or the average reference.  Not a mastoid.  Electrodes
#: are 10-20 names (C4, A1, Fpz, T10).
_COMMON_REF = re.compile(r"^(?:eeg[\s_]*)?([a-z]{1,2}(?:\d{1,2}|z))\s*-\s*(ref|avg|av|car|ar)$", re.IGNORECASE)
#: The derivations YASA's model was trained on, in its documented order of preference: a central
#: electrode against the contralateral mastoid (C4-M1, C3-M2; A1/A2 are the ear electrodes beside
#: them), else against Fpz (yasa.SleepStaging: "Preferentially a central electrode referenced either
#: to the mastoids (C4-M1, C3-M2) or to the Fpz electrode (C4-Fpz)"; Vallat and Walker, eLife 2021).
_TRAINED_ON = (("C4", ("M1", "A1")), ("C3", ("M2", "A2")), ("C4", ("FPZ",)), ("C3", ("FPZ",)))


def common_reference(label: str) -> tuple[str, str] | None:
    """``(electrode, reference)`` of a channel recorded against a common reference (``EEG C4-REF`` ->
    ``("C4", "REF")``), in capitals; None for any other label (a bipolar or mastoid derivation)."""
    m = _COMMON_REF.match(str(label).strip())
    return None if m is None else (m.group(1).upper(), m.group(2).upper())


def trained_derivation(recording: Recording, ch: ChannelInfo) -> tuple[ChannelInfo | None, str | None]:
    """The derivation YASA was trained on, made from a file that records every electrode against one
    common reference (docs/robustness.md, defect 37).

    Returns ``(channel, note)``: ``(None, None)`` when ``ch`` is not against a common reference
    (nothing to do); the derivation (``"EEG C4-REF-EEG A1-REF"``: C4 minus A1, the common reference
    cancels) and a note when the file holds the electrodes; ``(None, note)`` saying why not otherwise.
    """
    parsed = common_reference(ch.label) if getattr(ch, "minus", None) is None else None
    if parsed is None:
        return None, None
    ref = parsed[1]
    on_ref: dict[str, ChannelInfo] = {}
    for c in recording.channels:
        p = common_reference(c.label)
        if p is not None and p[1] == ref and getattr(c, "minus", None) is None:
            on_ref.setdefault(p[0], c)
    derive = getattr(recording, "derivation", None)
    for central, others in _TRAINED_ON:
        a = on_ref.get(central)
        b = next((on_ref[o] for o in others if o in on_ref), None)
        if a is None or b is None or derive is None:
            continue
        try:
            derived = derive(f"{a.label}-{b.label}")
        except ChannelError as err:  # not voltages, other rates: try the next
            logger.info("YASA staging: no derivation %s-%s: %s", a.label, b.label, err)
            continue
        if derived is None or float(derived.sfreq) < MIN_SFREQ:
            continue
        name = f"{central}-{common_reference(b.label)[0]}"  # type: ignore[index]
        return derived, (f"{ch.label} is recorded against the common reference {ref}, not the mastoid YASA's model "
                         f"was trained on; staged from {name} ({a.label} minus {b.label}: {ref} cancels), the "
                         f"derivation it was trained on (C4-M1/C3-M2 or C4-Fpz; Vallat and Walker 2021)")
    return None, (f"{ch.label} is recorded against the common reference {ref}, not the contralateral mastoid YASA's "
                  f"model was trained on (C4-M1/C3-M2 or C4-Fpz; Vallat and Walker 2021), and the file holds no "
                  f"mastoid, ear or Fpz electrode against {ref} to derive it: the stages are less reliable (a "
                  f"simulated night staged from C4 against a Cz-Pz reference agreed 0.47 with its true stages, "
                  f"0.90 from C4-A1); give --hypnogram, or --channels eeg=C4-A1 with the file's labels")


_YASA_LABELS = {"W": Stage.W, "WAKE": Stage.W, "N1": Stage.N1, "N2": Stage.N2, "N3": Stage.N3,
                "R": Stage.R, "REM": Stage.R, "ART": Stage.ARTEFACT, "UNS": Stage.UNSCORED}


def _to_rate(x: np.ndarray, sfreq: float, target: float) -> np.ndarray:
    from scipy.signal import resample_poly

    if abs(sfreq - target) < 1e-9:
        return np.asarray(x, dtype=float)
    frac = Fraction(target / sfreq).limit_denominator(1000)
    return resample_poly(np.asarray(x, dtype=float), frac.numerator, frac.denominator)


def _epochs_of(x: np.ndarray, sfreq: float, keep: np.ndarray) -> np.ndarray:
    """The samples of the 30-s epochs ``keep`` (bool per epoch from the start), one after the other."""
    bounds = np.round(np.arange(keep.size + 1) * 30.0 * sfreq).astype(np.int64)
    idx = np.flatnonzero(keep)
    return np.concatenate([x[bounds[k]: bounds[k + 1]] for k in idx]) if idx.size else x[:0]


def _onto_all_epochs(whole: np.ndarray, stages: np.ndarray, proba: pd.DataFrame | None,
                     confidence: np.ndarray) -> tuple[np.ndarray, pd.DataFrame | None, np.ndarray]:
    """Stages, probabilities and confidence of the staged epochs put back among all (the others unscored)."""
    rows = np.flatnonzero(whole)[: stages.size]
    out = np.full(whole.size, int(Stage.UNSCORED), dtype=np.int8)
    out[rows] = stages[: rows.size]
    conf = np.full(whole.size, np.nan)
    conf[rows] = confidence[: rows.size]
    if proba is not None:
        proba = proba.iloc[: rows.size].set_axis(rows).reindex(np.arange(whole.size)).reset_index(drop=True)
    return out, proba, conf


class _Collect(logging.Handler):
    """Keeps the text of every record it is given."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextlib.contextmanager
def _captured_yasa_warnings() -> Iterator[list[str]]:
    """Collect YASA's warnings (its logger and Python warnings) instead of letting them reach stderr.

    The ``yasa`` logger gets a collecting handler in place of its own (yasa installs a stderr
    handler at import) and stops propagating while staging runs; both are restored after.
    Python warnings about the data (UserWarning, RuntimeWarning, ...) are recorded (the known
    harmless ones are ignored by the caller's filters); warnings about library APIs
    (deprecations) are not the user's business and are warned again as they were.
    """
    log = logging.getLogger("yasa")
    saved = (list(log.handlers), log.propagate)
    collect = _Collect()
    log.handlers = [collect]
    log.propagate = False
    messages: list[str] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield messages
    finally:
        log.handlers, log.propagate = saved
    api = (DeprecationWarning, PendingDeprecationWarning, FutureWarning)
    for w in caught:
        if issubclass(w.category, api):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    for text in [*collect.messages, *(str(w.message) for w in caught if not issubclass(w.category, api))]:
        if text not in messages:
            messages.append(text)


def stage_with_yasa(recording: Recording, *, eeg: str | None = None, eog: str | None = None,
                    emg: str | None = None) -> Hypnogram:
    """Stage a recording in 30-s epochs with ``yasa.SleepStaging``.

    Parameters
    ----------
    recording : Recording
        The night (``myosleep.io.read_recording``); channels are chosen by role.
    eeg, eog, emg : str | None
        Channel labels to use; default: the most central EEG (C4-M1, C3-M2, other
        central, frontal, occipital), the first EOG and the first chin EMG sampled at
        > 80 Hz. EOG and EMG are optional.

    Returns
    -------
    Hypnogram
        ``source="yasa"``, epochs of 30 s from the recording start (those that touch a gap of
        the recording unscored, their probabilities NaN); ``metadata`` holds
        ``eeg``, ``eog``, ``emg`` (labels used or None; ``eeg`` a derivation ``"EEG C4-REF-EEG A1-REF"``
        when the file records every electrode against a common reference and holds the mastoid,
        :func:`trained_derivation`), ``eeg_reference`` (None, or what was done about a common
        reference: the derivation staged, or why the stages are less reliable), ``proba`` (pandas.DataFrame,
        one row per epoch, columns W N1 N2 N3 R: YASA's probabilities), ``confidence``
        (numpy array: the highest probability of each epoch), ``model``,
        ``staging_time_s`` and ``warnings`` (tuple of str: what YASA warned, e.g. that a
        recording of less than 5 minutes gives unreliable stages).

    Raises
    ------
    HypnogramError
        No usable EEG channel (give a hypnogram instead), or the recording is shorter
        than one 30-s epoch.
    """
    import time

    from ..io.hypnogram_model import Hypnogram

    t0 = time.perf_counter()
    ch_eeg = pick_eeg(recording, label=eeg, min_sfreq=MIN_SFREQ)
    if ch_eeg is None:
        raise HypnogramError(
            "no hypnogram given and no EEG channel sampled at > 80 Hz to stage the night with YASA"
            if eeg is None else f"EEG channel {eeg!r} not found or sampled at <= 80 Hz",
            where=recording.path or "recording",
            hint="give --hypnogram FILE with the scored stages")
    derived, reference_note = trained_derivation(recording, ch_eeg)
    chosen = {"eeg": derived or ch_eeg}
    for key, role, label in (("eog", Role.EOG, eog), ("emg", Role.CHIN, emg)):
        ch = pick_first(recording, role, label=label, min_sfreq=MIN_SFREQ)
        if label is not None and ch is None:
            raise ChannelError(f"{key.upper()} channel {label!r} not found or sampled at <= 80 Hz",
                               where=recording.path or "recording",
                               hint="check the label with `myosleep info`")
        if ch is not None:
            chosen[key] = ch
    skipped = [ch.label for role in (Role.EOG, Role.CHIN) for ch in recording.channels
               if ch.role == role and float(ch.sfreq) <= MIN_SFREQ]
    if skipped:
        logger.info("YASA staging: channels sampled at <= 80 Hz not used: %s", ", ".join(skipped))

    gaps = tuple(getattr(recording, "gaps_s", ()))
    whole = None
    if gaps:  # the epochs recorded whole
        n_all = int(float(recording.duration_s) // 30.0)
        whole = ~epochs_in_gaps(np.arange(n_all) * 30.0, 30.0, gaps, touching=True)
    data, names, types = [], [], []
    for key, ch in chosen.items():
        x = np.asarray(recording.get_data(ch if ch is derived else ch.label), dtype=float)
        if whole is not None:  # the recording's gaps: only epochs recorded whole are staged
            x = _epochs_of(x, float(ch.sfreq), whole)
        # YASA's features need finite samples; NaN left in the file's data become 0 uV, i.e. flat.
        x = np.where(np.isfinite(x), x, 0.0)
        data.append(_to_rate(x, float(ch.sfreq), YASA_SFREQ))
        names.append(f"{key}:{ch.label}")
        types.append(key)
    n = min(d.size for d in data)
    n_epochs = int(n // int(30 * YASA_SFREQ))
    if n_epochs < 1:
        what = (f"the recording lasts {n / YASA_SFREQ:.1f} s, less than one 30-s epoch" if whole is None
                else "no 30-s epoch of the recording lies outside its gaps")
        raise HypnogramError(what, where=recording.path or "recording",
                             hint="give --hypnogram FILE or a longer recording")
    import mne
    import yasa  # imported late: importing yasa (antropy's numba) takes ~10 s

    arr = np.vstack([d[:n] for d in data]) * 1e-6  # uV -> V, MNE's unit
    info = mne.create_info(names, YASA_SFREQ, ch_types=types, verbose=False)
    raw = mne.io.RawArray(arr, info, verbose=False)
    with _captured_yasa_warnings() as yasa_warnings:
        # The shipped models were pickled with scikit-learn 0.24 (a LabelEncoder inside
        # the LGBMClassifier): unpickling them with a newer scikit-learn warns, although
        # a LabelEncoder's state (its classes) is unchanged across versions. LightGBM /
        # scikit-learn and numpy may also warn about feature names or empty slices in
        # flat epochs; these do not change the prediction. Targeted categories only.
        try:
            from sklearn.exceptions import InconsistentVersionWarning
        except ImportError:  # pragma: no cover - older scikit-learn
            InconsistentVersionWarning = UserWarning  # noqa: N806
        warnings.filterwarnings("ignore", message=".*Trying to unpickle estimator.*",
                                category=InconsistentVersionWarning)
        warnings.filterwarnings("ignore", message=".*valid feature names.*", category=UserWarning)
        warnings.filterwarnings("ignore", message=".*(Mean of empty slice|invalid value|divide by zero).*",
                                category=RuntimeWarning)
        sls = yasa.SleepStaging(raw, eeg_name=names[0],
                                eog_name=names[types.index("eog")] if "eog" in types else None,
                                emg_name=names[types.index("emg")] if "emg" in types else None)
        hyp_y = sls.predict()
    values = np.asarray(hyp_y.hypno.to_numpy(), dtype=object)
    stages = np.array([int(_YASA_LABELS[str(v).upper()]) for v in values], dtype=np.int8)
    proba = hyp_y.proba.copy() if hyp_y.proba is not None else None
    if proba is not None:
        proba = proba.rename(columns={"WAKE": "W", "REM": "R"}).reset_index(drop=True)
        proba = proba[[c for c in ("W", "N1", "N2", "N3", "R") if c in proba.columns]]
        confidence = proba.max(axis=1).to_numpy(float)
    else:
        confidence = np.full(stages.size, np.nan)
    if whole is not None:
        stages, proba, confidence = _onto_all_epochs(whole, stages, proba, confidence)
    elapsed = time.perf_counter() - t0
    model = "clf_" + "+".join(["eeg", *[k for k in ("eog", "emg") if k in types]])
    logger.info("YASA staging: %d epochs from %s in %.1f s", stages.size, chosen["eeg"].label, elapsed)
    for text in yasa_warnings:
        logger.info("YASA warned: %s", text)
    return Hypnogram(stages, epoch_s=30.0, start_s=0.0, source="yasa", metadata={
        "eeg": chosen["eeg"].label, "eeg_reference": reference_note,
        "eog": chosen["eog"].label if "eog" in chosen else None,
        "emg": chosen["emg"].label if "emg" in chosen else None, "proba": proba,
        "confidence": confidence, "model": model, "staging_time_s": float(elapsed),
        "yasa_version": getattr(yasa, "__version__", "unknown"), "warnings": tuple(yasa_warnings),
    })

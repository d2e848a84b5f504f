"""Entry point of the neurophysiology stage: :func:`jerk_locked_analysis`."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from ..errors import ParameterError
from .bereitschaft import test_bereitschaftspotential
from .bursts import burst_duration_test
from .channels import eeg_channels, is_shhs
from .coherence import eeg_emg_coherence, rectified_emg_segments
from .epochs import eog_channels, extract_epochs, select_jerks
from .findings import cortical_finding, functional_finding
from .params import DEFAULT_PARAMS, NeuroParams
from .result import GroupAverage, NeurophysiologyResult
from .transient import test_transient

__all__ = ["jerk_locked_analysis", "DEFAULT_CLASSES"]

logger = logging.getLogger("myosleep")

#: Jerks averaged by default: those that fit no benign class.
DEFAULT_CLASSES = ("myoclonic_jerk",)


def _artefact_spans(artefacts: Any) -> np.ndarray | None:
    if artefacts is None:
        return None
    import pandas as pd

    if isinstance(artefacts, pd.DataFrame):
        if len(artefacts) == 0:
            return np.empty((0, 2))
        on = artefacts["onset"].to_numpy(dtype=float)
        dur = artefacts["duration"].to_numpy(dtype=float) if "duration" in artefacts else np.zeros(on.size)
        return np.column_stack([on, on + np.nan_to_num(dur)])
    a = np.asarray(artefacts, dtype=float)
    if a.size == 0:
        return np.empty((0, 2))
    if a.ndim != 2 or a.shape[1] != 2:
        raise ParameterError(f"expected (onset_s, duration_s) pairs, got shape {a.shape}", where="artefacts")
    return np.column_stack([a[:, 0], a[:, 0] + a[:, 1]])


def _bootstrap(x: np.ndarray, n_boot: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean and 95 % percentile bootstrap band over axis 0 of ``x`` (n, c, t)."""
    n = x.shape[0]
    flat = x.reshape(n, -1)
    mean = flat.mean(axis=0)
    w = rng.multinomial(n, np.full(n, 1.0 / n), size=n_boot).astype(np.float64) / n
    boots = w @ flat
    lo, hi = _quantiles(boots, (0.025, 0.975))
    shape = x.shape[1:]
    return mean.reshape(shape), lo.reshape(shape), hi.reshape(shape)


def _quantiles(x: np.ndarray, qs: tuple[float, ...]) -> list[np.ndarray]:
    """Quantiles over axis 0 (numpy's default linear interpolation) by partial sorting."""
    n = x.shape[0]
    pos = [q * (n - 1) for q in qs]
    kth = sorted({int(np.floor(p)) for p in pos} | {min(n - 1, int(np.floor(p)) + 1) for p in pos})
    part = np.partition(np.ascontiguousarray(x.T), kth, axis=1)  # contiguous rows: fast
    out = []
    for p in pos:
        k = int(np.floor(p))
        frac = p - k
        out.append(part[:, k] + frac * (part[:, min(n - 1, k + 1)] - part[:, k]))
    return out


def _groups(triggers: np.ndarray, min_jerks: int) -> list[tuple[str, np.ndarray]]:
    """Per trigger muscle with >= ``min_jerks`` epochs; plus all epochs when that uses more."""
    out = []
    names, counts = np.unique(triggers.astype(str), return_counts=True)
    for name, cnt in zip(names, counts):
        if name and cnt >= min_jerks:
            out.append((str(name), np.flatnonzero(triggers.astype(str) == name)))
    largest = max((r.size for _, r in out), default=0)
    if triggers.size >= min_jerks and triggers.size > largest:
        out.append(("all", np.arange(triggers.size)))
    return out


def _notes(channels: list, left_out: list[str], prefilters: dict) -> list[str]:
    import re

    notes = list(left_out)
    for ch in channels:
        m = re.search(r"LP\s*:?\s*([0-9]*\.?[0-9]+)\s*Hz", prefilters.get(ch.label, ""), flags=re.IGNORECASE)
        if m and float(m.group(1)) < 100.0:
            lp = float(m.group(1))
            notes.append(f"{ch.label}: hardware low-pass {lp:g} Hz (header) delays and smooths a transient "
                         f"(first-order group delay up to {1000 / (2 * np.pi * lp):.1f} ms); the lead is not corrected")
    return notes


def jerk_locked_analysis(recording: Any, events: Any, *, classes: tuple[str, ...] | None = DEFAULT_CLASSES,
                         bursts: Any = None, artefacts: Any = None, hypnogram: Any = None,
                         eeg: list[str] | None = None, params: NeuroParams = DEFAULT_PARAMS, seed: int = 0,
                         ruleset: str | None = None) -> NeurophysiologyResult:
    """Is this jerk cortical? Jerk-locked EEG back-averaging and its companions.

    Parameters
    ----------
    recording : myosleep.io.Recording
        Open recording (``channels``, ``get_data`` in uV).
    events : pandas.DataFrame | array-like
        The event table (events.tsv rows: ``onset`` (s) and, when present, ``duration``
        (s), ``trial_type``, ``channel`` (first label = trigger muscle), ``stage``,
        ``max_burst_duration_ms``, ``event_id``), or bare onsets in s (all averaged).
        Every row also serves to reject epochs that hold another event.
    classes : tuple of str | None
        ``trial_type`` values to average (default: the unexplained ``myoclonic_jerk``);
        None: every row.
    bursts : pandas.DataFrame | None
        Bursts table (``event_id``, ``channel``, ``duration`` in s): burst duration of each
        jerk on its trigger muscle; else the events' ``max_burst_duration_ms``.
    artefacts : pandas.DataFrame | array | None
        Artefact intervals (``onset``, ``duration`` in s) rejecting epochs they touch.
    hypnogram : myosleep.io.Hypnogram | None
        Stages of the jerks when the event table has no ``stage`` column.
    eeg : list of str | None
        EEG channels to use (default: every EEG channel of the shared sampling rate).
    params : NeuroParams
        Windows, minimum counts and significance levels.
    seed : int
        Seed of the jitter draws, permutations and bootstrap (results are reproducible).
    ruleset : str | None
        Written into the findings' ``values["ruleset"]``.

    Returns
    -------
    NeurophysiologyResult
    """
    if not isinstance(params, NeuroParams):
        raise ParameterError(f"expected NeuroParams, got {type(params).__name__}", where="params")
    if classes is not None:
        classes = tuple(str(c) for c in ([classes] if isinstance(classes, str) else classes))
    rng = np.random.default_rng(seed)
    jerks = select_jerks(events, classes=classes, bursts=bursts, hypnogram=hypnogram)
    chans = eeg_channels(recording, eeg)
    left_out: list[str] = []
    if chans and not eeg:
        rates = [float(c.sfreq) for c in chans]
        vals, cnt = np.unique(rates, return_counts=True)
        rate = float(vals[np.lexsort((vals, cnt))[-1]])  # most channels; ties: the higher rate
        for c in chans:
            if float(c.sfreq) != rate:
                left_out.append(f"{c.label} not analysed: sampled at {c.sfreq:g} Hz, the other EEG at {rate:g} Hz "
                                "(never resampled silently; choose channels with eeg=/--eeg)")
        chans = [c for c in chans if float(c.sfreq) == rate]
    prefilters = {c.label: c.prefilter for c in recording.channels}
    notes = _notes(chans, left_out, prefilters)
    n_sel = int(jerks.index.size)
    if not chans:
        ep = None
        rejected: dict = {}
    else:
        ep = extract_epochs(recording, chans, jerks, params=params, artefacts=_artefact_spans(artefacts),
                            eog=eog_channels(recording))
        rejected = dict(ep.rejected)
    shhs = is_shhs(recording.labels)
    groups: list[GroupAverage] = []
    if ep is not None and ep.usable.size:
        trig = jerks.trigger[ep.usable]
        plan = _groups(trig, params.min_jerks)
        alpha_g = params.alpha / max(1, len(plan))
        base = (ep.times_s >= params.baseline_s[0] - 1e-9) & (ep.times_s < params.baseline_s[1] - 1e-9)
        every = np.arange(ep.usable.size)
        emg_cache = rectified_emg_segments(recording, ep, every, trig, params) if plan else None
        for name, rows in plan:
            x = ep.data_uv[rows]
            x = x - x[:, :, base].mean(axis=2, keepdims=True)
            mean, lo, hi = _bootstrap(x, params.n_bootstrap, rng)
            tr = test_transient(ep, rows, params=params, alpha=alpha_g, rng=rng)
            coh = eeg_emg_coherence(recording, ep, rows, trig[rows], params=params, emg_cache=emg_cache)
            bd = burst_duration_test(jerks.burst_ms[ep.usable[rows]], params=params)
            groups.append(GroupAverage(name, rows, tuple(int(i) for i in jerks.index[ep.usable[rows]]), mean, lo,
                                       hi, alpha_g, tr, coh, bd))
    # Bereitschaftspotential: jerks in wakefulness
    stage_known = bool(np.any(jerks.stage != "n/a"))
    if ep is not None:
        st = jerks.stage[ep.usable]
        wake_rows = np.flatnonzero(st == "W") if stage_known else np.arange(ep.usable.size)
        bp = test_bereitschaftspotential(ep, wake_rows, params=params, prefilters=prefilters,
                                         stage_known=stage_known, shhs=shhs)
    else:
        from .bereitschaft import BPResult

        bp = BPResult("not_assessable", "No usable EEG channel, so a Bereitschaftspotential cannot be assessed.",
                      None, float("nan"), float("nan"), float("nan"), 0, (), None)
    sig = [g for g in groups if g.significant]
    if sig:
        # a muscle's own average is the clinical measure (one corticomuscular latency);
        # the pooled average of several muscles mixes their leads
        primary = min(sig, key=lambda g: (g.name == "all", g.transient.p_value, -g.n_jerks))
    elif groups:
        primary = min(groups, key=lambda g: (g.transient.p_value if np.isfinite(g.transient.p_value) else 2.0,
                                             -g.n_jerks))
    else:
        primary = None
    n_usable = 0 if ep is None else int(ep.usable.size)
    cortical = cortical_finding(n_selected=n_sel, n_usable=n_usable, rejected=rejected, has_eeg=bool(chans),
                                group=primary, bp=bp, params=params, ruleset=ruleset, classes=classes,
                                eeg_channels=tuple(c.label for c in chans), n_groups=len(groups))
    functional = functional_finding(bp=bp, ruleset=ruleset)
    relabel: tuple[int, ...] = ()
    if cortical.present:
        relabel = tuple(sorted({i for g in sig for i in g.event_index}))
    logger.info("neurophysiology: %d/%d jerks usable, %d group(s), cortical=%s, functional=%s", n_usable, n_sel,
                len(groups), cortical.present, functional.present)
    return NeurophysiologyResult(
        channels=tuple(c.label for c in chans), sfreq=float(chans[0].sfreq) if chans else float("nan"),
        times_s=ep.times_s if ep is not None else np.empty(0), classes=classes, n_selected=n_sel,
        rejected=rejected, groups=tuple(groups), primary=primary.name if primary is not None else None,
        bereitschaftspotential=bp, cortical=cortical, functional=functional, relabel_index=relabel,
        notes=tuple(notes), epochs=ep, params=params)


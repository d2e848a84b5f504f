"""Entry point of the neurophysiology stage: :func:`jerk_locked_analysis`."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from ..errors import ParameterError
from .bereitschaft import BPResult, test_bereitschaftspotential
from .bursts import burst_duration_test
from .channels import eeg_channels, is_shhs, preferred_sites, recording_reference
from .coherence import eeg_emg_coherence, jerk_spectra
from .epochs import EpochSet, eog_channels, extract_epochs, select_jerks
from .findings import cortical_finding, functional_finding
from .params import DEFAULT_PARAMS, NeuroParams
from .result import Band, GroupAverage, NeurophysiologyResult
from .transient import NOT_TESTED, holm, holm_levels, locate_transient, transient_null

__all__ = ["jerk_locked_analysis", "DEFAULT_CLASSES", "POOLED"]

logger = logging.getLogger("myosleep")

#: Jerks averaged by default: those that fit no benign class (``myoclonic_jerk``), and the
#: brief single-muscle potentials classed ``fragmentary_myoclonus`` by their EMG alone. FM is
#: scored from EMG morphology (AASM VII.D) and back-averaged FM shows no cortical potential
#: before it (Vetrugno et al., Sleep Med 2002), while a cortical jerk of one muscle (bursts
#: 10-50 ms; Shibasaki & Hallett, Muscle Nerve 2005) looks the same on EMG: only the
#: averaged EEG tells them apart, and a significant transient before them means they are
#: cortical, not FM. Hypnic jerks, leg movements, REM
#: twitches, propriospinal and neonatal myoclonus are explained by their own mechanism
#: (DESIGN.md) and are not averaged.
DEFAULT_CLASSES = ("myoclonic_jerk", "fragmentary_myoclonus")


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
    """Mean and 95 % percentile bootstrap band over axis 0 of ``x`` (n, c, t).

    The resampled means in single precision (relative error ~1e-7 of a band in uV).
    """
    n = x.shape[0]
    flat = x.reshape(n, -1)
    mean = flat.mean(axis=0)
    w = rng.multinomial(n, np.full(n, 1.0 / n), size=n_boot).astype(np.float32) / np.float32(n)
    boots = w @ flat.astype(np.float32)
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
        out.append((part[:, k] + frac * (part[:, min(n - 1, k + 1)] - part[:, k])).astype(np.float64))
    return out


def _bins(times_s: np.ndarray, bin_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Bin number of each sample (bins of ``bin_s`` from the epoch start) and each bin's centre (s)."""
    k = np.floor((times_s - times_s[0]) / bin_s + 1e-9).astype(np.int64)
    centres = np.array([times_s[k == b].mean() for b in range(int(k.max()) + 1)])
    return k, centres


def _band(x: np.ndarray, times_s: np.ndarray, params: NeuroParams, rng: np.random.Generator,
          window_s: tuple[float, float] | None) -> Band:
    """The average of ``x`` (n, c, t; baseline-corrected) with its bootstrap band at the EEG's
    rate, over ``window_s`` (None: the whole epoch)."""
    keep = np.ones(times_s.size, dtype=bool) if window_s is None else \
        (times_s >= window_s[0] - 1e-9) & (times_s <= window_s[1] + 1e-9)
    mean, lo, hi = _bootstrap(x[:, :, keep], params.n_bootstrap, rng)
    return Band(times_s[keep], mean, lo, hi)


def _binned_band(x: np.ndarray, times_s: np.ndarray, params: NeuroParams, rng: np.random.Generator) -> Band:
    """The whole epoch in ``display_bin_s`` bins (bin means), bootstrapped on the bin means."""
    k, centres = _bins(times_s, params.display_bin_s)
    binned = np.stack([x[:, :, k == b].mean(axis=2) for b in range(centres.size)], axis=2)
    mean, lo, hi = _bootstrap(binned, params.n_bootstrap, rng)
    return Band(centres, mean, lo, hi)


#: Names of the pooled groups: every jerk (no muscle has enough of its own), or the jerks of the
#: muscles without a group of their own.
POOLED = ("all", "other muscles")


def _groups(triggers: np.ndarray, min_jerks: int) -> list[tuple[str, np.ndarray]]:
    """One group per trigger muscle with >= ``min_jerks`` epochs (each muscle has its own
    corticomuscular latency: the clinical average triggers on one muscle), then the jerks of
    the other muscles pooled when they are >= ``min_jerks`` ("all" when no muscle has a group
    of its own). The groups are disjoint: no jerk is tested twice."""
    trig = triggers.astype(str)
    out = []
    names, counts = np.unique(trig, return_counts=True)
    for name, cnt in zip(names, counts):
        if name and cnt >= min_jerks:
            out.append((str(name), np.flatnonzero(trig == name)))
    own = np.zeros(trig.size, dtype=bool)
    for _, rows in out:
        own[rows] = True
    rest = np.flatnonzero(~own)
    if rest.size >= min_jerks:
        out.append((POOLED[1] if out else POOLED[0], rest))
    return out


def _choose_channels(recording: Any, eeg: list[str] | None) -> tuple[list, list[str]]:
    """EEG channels of one rate (the most channels; ties: the higher rate), and notes on those left out."""
    chans = eeg_channels(recording, eeg)
    left_out: list[str] = []
    if chans and not eeg:
        rates = [float(c.sfreq) for c in chans]
        vals, cnt = np.unique(rates, return_counts=True)
        rate = float(vals[np.lexsort((vals, cnt))[-1]])
        for c in chans:
            if float(c.sfreq) != rate:
                left_out.append(f"{c.label} not analysed: sampled at {c.sfreq:g} Hz, the other EEG at {rate:g} Hz "
                                "(never resampled silently; choose channels with eeg=/--eeg)")
        chans = [c for c in chans if float(c.sfreq) == rate]
    return chans, left_out


def _average_groups(recording: Any, ep: EpochSet, jerks: Any, params: NeuroParams, rng: np.random.Generator,
                    test: bool, band_window_s: tuple[float, float] | None) -> list[GroupAverage]:
    """Average, band, coherence and burst test of every group; the transient tests corrected by Holm.

    ``test`` False (EEG below ``min_eeg_sfreq_hz``): averaged and described, never tested.
    """
    trig = jerks.trigger[ep.usable]
    plan = _groups(trig, params.min_jerks)
    if not plan:
        return []
    base = (ep.times_s >= params.baseline_s[0] - 1e-9) & (ep.times_s < params.baseline_s[1] - 1e-9)
    spectra = jerk_spectra(recording, ep, trig, params)
    roles = [_roles(recording, trig[rows]) for _, rows in plan]
    leads = [params.min_lead_ms(r) for r in roles]
    reference = recording_reference(ep.channels)
    nulls = [transient_null(ep, rows, params=params, rng=rng, min_lead_ms=lead) if test else None
             for (_, rows), lead in zip(plan, leads)]
    p_raw = np.array([nl.p_value if nl is not None else np.nan for nl in nulls])
    tested = np.isfinite(p_raw)
    p_adj = np.full(p_raw.size, np.nan)
    levels = np.full(p_raw.size, np.nan)
    if tested.any():
        p_adj[tested] = holm(p_raw[tested])
        levels[tested] = holm_levels(p_raw[tested], params.alpha)
    out = []
    for (name, rows), nl, pa, lv, lead, role in zip(plan, nulls, p_adj, levels, leads, roles):
        x = ep.data_uv[rows]
        x = x - x[:, :, base].mean(axis=2, keepdims=True)
        band = _band(x, ep.times_s, params, rng, band_window_s)
        prefer = preferred_sites(_sides(recording, trig[rows]), role)
        tr = locate_transient(nl, level=float(lv), p_adjusted=float(pa), alpha=params.alpha, params=params,
                              lead_window_ms=params.lead_window_ms(role), preferred=prefer, reference=reference) \
            if nl is not None else NOT_TESTED
        coh = eeg_emg_coherence(spectra, rows, channels=ep.channels, params=params)
        bd = burst_duration_test(jerks.burst_ms[ep.usable[rows]], params=params)
        out.append(GroupAverage(name, rows, tuple(int(i) for i in jerks.index[ep.usable[rows]]), band,
                                float(lv), tr, coh, bd, lead))
    return out


def _roles(recording: Any, triggers: np.ndarray) -> set[str]:
    """Roles of the trigger muscles (``"unknown"`` for a label the recording does not hold)."""
    labels = set(recording.labels)
    return {recording.channel(t).role.value if t in labels else "unknown" for t in {str(x) for x in triggers}}


def _sides(recording: Any, triggers: np.ndarray) -> set[str]:
    """Sides (``"left"``, ``"right"``) of the trigger muscles the recording knows."""
    labels = set(recording.labels)
    sides = {recording.channel(t).side for t in {str(x) for x in triggers} if t in labels}
    return {s.value for s in sides if s is not None}


def _wake_band(ep: EpochSet | None, rows: np.ndarray, params: NeuroParams, rng: np.random.Generator) -> Band | None:
    """The report's view of the jerks in wakefulness (the Bereitschaftspotential's average)."""
    if ep is None or rows.size < params.min_jerks:
        return None
    base = (ep.times_s >= params.baseline_s[0] - 1e-9) & (ep.times_s < params.baseline_s[1] - 1e-9)
    x = ep.data_uv[rows]
    return _binned_band(x - x[:, :, base].mean(axis=2, keepdims=True), ep.times_s, params, rng)


def _covered(groups: list[GroupAverage]) -> tuple[tuple[str, tuple[int, ...]], ...]:
    """The jerks to relabel ``cortical_myoclonus``: those of every group whose average is
    significant (the groups are disjoint), each with its group's name."""
    return tuple((g.name, g.event_index) for g in groups if g.significant)


def _notes(channels: list, left_out: list[str], prefilters: dict) -> list[str]:
    from ..io.prefilter import lowpass_hz

    notes = list(left_out)
    for ch in channels:
        lp = lowpass_hz(prefilters.get(ch.label, ""))
        if lp is not None and lp < 100.0:
            notes.append(f"{ch.label}: hardware low-pass {lp:g} Hz (header) delays and smooths a transient "
                         f"(first-order group delay up to {1000 / (2 * np.pi * lp):.1f} ms); the lead is not corrected")
    return notes


def _low_rate_reason(chans: list, params: NeuroParams) -> str | None:
    if not chans or float(chans[0].sfreq) >= params.min_eeg_sfreq_hz:
        return None
    return (f"The EEG is sampled at {float(chans[0].sfreq):g} Hz, below the {params.min_eeg_sfreq_hz:g} Hz the AASM "
            "sets as the minimum (500 Hz desirable): too coarse to resolve a 10-20 ms cortical transient and its "
            "lead over the jerk, so back-averaging cannot tell whether the jerks are cortical.")


def jerk_locked_analysis(recording: Any, events: Any, *, classes: tuple[str, ...] | None = DEFAULT_CLASSES,
                         bursts: Any = None, artefacts: Any = None, hypnogram: Any = None,
                         eeg: list[str] | None = None, params: NeuroParams = DEFAULT_PARAMS, seed: int = 0,
                         ruleset: str | None = None,
                         band_window_s: tuple[float, float] | None = None) -> NeurophysiologyResult:
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
        ``trial_type`` values to average (default :data:`DEFAULT_CLASSES`: the unexplained
        ``myoclonic_jerk`` and the brief single-muscle ``fragmentary_myoclonus``); None:
        every row.
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
    band_window_s : tuple of float | None
        Span (s from EMG onset) of each group's average and bootstrap band at the EEG's own
        rate (:attr:`GroupAverage.average`); None: the whole epoch. analyze keeps the
        report's jerk-locked view only (-0.2 to 0.1 s): the bootstrap's cost follows the span.

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
    chans, left_out = _choose_channels(recording, eeg)
    prefilters = {c.label: c.prefilter for c in recording.channels}
    notes = _notes(chans, left_out, prefilters)
    low_rate = _low_rate_reason(chans, params)
    ep = extract_epochs(recording, chans, jerks, params=params, artefacts=_artefact_spans(artefacts),
                        eog=eog_channels(recording)) if chans else None
    groups = _average_groups(recording, ep, jerks, params, rng, test=low_rate is None,
                             band_window_s=band_window_s) \
        if ep is not None and ep.usable.size else []
    # Bereitschaftspotential: jerks in wakefulness
    stage_known = bool(np.any(jerks.stage != "n/a"))
    wake_rows = np.empty(0, dtype=np.int64)
    if ep is not None:
        wake_rows = np.flatnonzero(jerks.stage[ep.usable] == "W") if stage_known else np.arange(ep.usable.size)
        bp = test_bereitschaftspotential(ep, wake_rows, params=params, prefilters=prefilters,
                                         stage_known=stage_known, shhs=is_shhs(recording.labels))
    else:
        bp = BPResult("not_assessable", "No usable EEG channel, so a Bereitschaftspotential cannot be assessed.",
                      None, float("nan"), float("nan"), float("nan"), 0, (), None)
    sig = [g for g in groups if g.significant]
    # a muscle's own average is the clinical measure (one corticomuscular latency); the
    # pooled average of several muscles mixes their leads
    primary = min(sig or groups, key=lambda g: (g.name in POOLED, _p_key(g), -g.n_jerks)) if groups else None
    n_usable = 0 if ep is None else int(ep.usable.size)
    # only a pooled average tested: how many muscles it mixes (their latencies differ)
    pooled_muscles = len({str(t) for t in jerks.trigger[ep.usable] if t}) \
        if ep is not None and groups and all(g.name in POOLED for g in groups) else 0
    cortical = cortical_finding(n_selected=int(jerks.index.size), n_usable=n_usable,
                                rejected=dict(ep.rejected) if ep is not None else {}, has_eeg=bool(chans),
                                group=primary, bp=bp, params=params, ruleset=ruleset, classes=classes,
                                eeg_channels=tuple(c.label for c in chans), n_groups=len(groups), reason=low_rate,
                                pooled_muscles=pooled_muscles, groups=tuple(groups))
    functional = functional_finding(bp=bp, ruleset=ruleset, params=params)
    covered = _covered(groups) if cortical.present else ()
    logger.info("neurophysiology: %d/%d jerks usable, %d group(s), cortical=%s, functional=%s", n_usable,
                jerks.index.size, len(groups), cortical.present, functional.present)
    return NeurophysiologyResult(
        channels=tuple(c.label for c in chans), sfreq=float(chans[0].sfreq) if chans else float("nan"),
        times_s=ep.times_s if ep is not None else np.empty(0), classes=classes, n_selected=int(jerks.index.size),
        rejected=dict(ep.rejected) if ep is not None else {}, groups=tuple(groups),
        primary=primary.name if primary is not None else None, bereitschaftspotential=bp, cortical=cortical,
        functional=functional, covered=covered, notes=tuple(notes), epochs=ep, params=params,
        wake_average=_wake_band(ep, wake_rows, params, rng) if bp.status != "not_assessable" else None)


def _p_key(g: GroupAverage) -> float:
    p = g.transient.p_adjusted
    return float(p) if np.isfinite(p) else 2.0

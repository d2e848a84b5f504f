"""REM sleep without atonia: Ferri's REM atonia index and SINBAR mini-epoch percentages.

* :func:`atonia_index` works on one amplitude value per second (the rectified, 1-s averaged
  chin EMG, in uV): Ferri et al. 2008/2010.  Noise correction (Ferri 2010): from each 1-s
  value subtract the minimum found in a window of 60 s centred on it (30 s either side), so
  that amplifier noise and a slowly varying floor do not mask atonia.  Then, over REM seconds,
  ``RAI = %(amplitude <= 1 uV) / (100 - %(1 uV < amplitude <= 2 uV))``; RAI < 0.8 is abnormal,
  > 0.9 normal (0.8-0.9 borderline).
* :func:`sinbar` scores 3-s REM mini-epochs from the EMG bursts (Frauscher et al. 2012):
  'phasic' = a burst of 0.1-5 s exceeding twice the background, 'tonic' = 30-s REM epochs
  where activity covers > 50 % of the epoch (all its mini-epochs count), 'any' = phasic or
  tonic.  Chin alone (cut-off 'any' >= 18 %) and chin plus both flexor digitorum
  superficialis (FDS; 'any' >= 32 %) when arm channels of both sides are present.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from .._intervals import overlaps_any
from ..detection.chin import ChinAmplitude
from ..errors import ParameterError
from ..vocab import FindingCode, Role, Stage, TrialType
from .findings import Evidence, Finding, Minimum, fmt, insufficient, minimum_evidence, tag
from .rules import AASM, RuleSet

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ..detection.results import DetectionResult

__all__ = ["assess", "atonia_index", "noise_corrected", "rem_sleep_without_atonia", "sinbar", "stage_codes",
           "stage_medians"]

_LABELS = {"W": Stage.W, "WAKE": Stage.W, "N1": Stage.N1, "N2": Stage.N2, "N3": Stage.N3, "R": Stage.R,
           "REM": Stage.R}


def stage_codes(stages: Sequence | np.ndarray) -> np.ndarray:
    """Stage codes (ints, :class:`~myosleep.vocab.Stage`) from codes or labels (W N1 N2 N3 R, n/a)."""
    arr = np.asarray(stages)
    if arr.dtype.kind in "iu":
        return arr.astype(np.int64)
    if arr.dtype.kind == "f":
        out = np.full(arr.shape, int(Stage.UNSCORED), dtype=np.int64)
        ok = np.isfinite(arr)
        out[ok] = arr[ok].astype(np.int64)
        return out
    return np.array([int(_LABELS.get(str(s).strip().upper(), Stage.UNSCORED)) for s in arr], dtype=np.int64)


def noise_corrected(amplitude_1s_uv: np.ndarray, *, window_s: float = 60.0) -> np.ndarray:
    """Subtract from every 1-s value the minimum of a ``window_s`` window centred on it (Ferri 2010).

    NaN values are ignored by the minimum and stay NaN.
    """
    from scipy.ndimage import minimum_filter1d

    x = np.asarray(amplitude_1s_uv, dtype=float)
    if x.size == 0:
        return x.copy()
    filled = np.where(np.isfinite(x), x, np.inf)
    size = int(round(window_s)) + 1  # +-window_s/2 around the value, inclusive
    floor = minimum_filter1d(filled, size=size, mode="nearest")
    floor = np.where(np.isfinite(floor), floor, 0.0)
    return np.where(np.isfinite(x), x - floor, np.nan)


def atonia_index(amplitude_1s_uv: np.ndarray, stages_1s: Sequence | np.ndarray | None = None, *,
                 noise_correction: bool = True, rules: RuleSet = AASM,
                 stage: Stage = Stage.R) -> float:
    """Ferri's REM atonia index (RAI) from one chin EMG amplitude value per second.

    Parameters
    ----------
    amplitude_1s_uv : array of float
        Rectified chin EMG averaged over consecutive 1-s mini-epochs, in uV (the whole night,
        so that the noise floor is estimated around every REM second).
    stages_1s : array, optional
        Stage of every second (codes or labels); only seconds in ``stage`` (REM) are scored.
        Without it every second is scored.
    noise_correction : bool
        Subtract the 60-s moving minimum first (Ferri 2010); False gives the 2008 index.
    rules : RuleSet
        Supplies the noise window (``rai_window_s``).
    stage : Stage
        The stage scored (REM).

    Returns
    -------
    float
        RAI between 0 (no atonia) and 1 (complete atonia); NaN without scorable seconds.

    Raises
    ------
    ParameterError
        When ``stages_1s`` does not have one value per amplitude value.
    """
    x = np.asarray(amplitude_1s_uv, dtype=float).ravel()
    if noise_correction:
        x = noise_corrected(x, window_s=rules.rai_window_s)
    if stages_1s is not None:
        st = stage_codes(np.asarray(stages_1s).ravel())
        if st.size != x.size:
            raise ParameterError(f"stages_1s has {st.size} values but amplitude_1s_uv has {x.size}",
                                 where="atonia_index", hint="give one stage per 1-s amplitude value")
        x = x[st == int(stage)]
    x = x[np.isfinite(x)]
    if x.size == 0:
        return float("nan")
    pct_le1 = 100.0 * np.mean(x <= 1.0)  # Ferri 2008: mini-epochs <= 1 uV
    pct_1_2 = 100.0 * np.mean((x > 1.0) & (x <= 2.0))  # ... and in (1, 2] uV
    denom = 100.0 - pct_1_2
    return float(pct_le1 / denom) if denom > 0 else float("nan")


def stage_medians(amplitude_1s_uv: np.ndarray, stages_1s: Sequence | np.ndarray) -> dict[str, float]:
    """Median amplitude (uV) per stage group: ``W``, ``NREM`` (N1-N3), ``R``, and each stage label."""
    x = np.asarray(amplitude_1s_uv, dtype=float).ravel()
    st = stage_codes(np.asarray(stages_1s).ravel())
    out: dict[str, float] = {}
    groups = {"W": [Stage.W], "NREM": [Stage.N1, Stage.N2, Stage.N3], "R": [Stage.R],
              "N1": [Stage.N1], "N2": [Stage.N2], "N3": [Stage.N3]}
    for name, codes in groups.items():
        sel = np.isin(st, [int(c) for c in codes]) & np.isfinite(x)
        out[name] = float(np.median(x[sel])) if sel.any() else float("nan")
    return out


def _activity_cover(bursts: pd.DataFrame, grid_on: np.ndarray, width_s: float) -> np.ndarray:
    """Seconds of burst activity inside each window [grid_on, grid_on + width_s)."""
    if len(bursts) == 0 or grid_on.size == 0:
        return np.zeros(grid_on.size)
    on = bursts["onset"].to_numpy(float)
    off = on + bursts["duration"].to_numpy(float)
    cover = np.zeros(grid_on.size)
    # merge overlapping bursts (several detectors/channels) before measuring coverage
    order = np.argsort(on)
    on, off = on[order], off[order]
    m_on, m_off = [on[0]], [off[0]]
    for a, b in zip(on[1:], off[1:]):
        if a <= m_off[-1]:
            m_off[-1] = max(m_off[-1], b)
        else:
            m_on.append(a)
            m_off.append(b)
    m_on_a, m_off_a = np.array(m_on), np.array(m_off)
    for i, g in enumerate(grid_on):
        cover[i] = np.clip(np.minimum(m_off_a, g + width_s) - np.maximum(m_on_a, g), 0, None).sum()
    return cover


def _mini_epoch_flags(bursts: pd.DataFrame, mini_on: np.ndarray, epoch_on: np.ndarray,
                      rules: RuleSet) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Phasic, tonic and any flags per mini-epoch for one muscle's bursts."""
    w = rules.sinbar_mini_epoch_s
    n = mini_on.size
    phasic = np.zeros(n, dtype=bool)
    anyact = np.zeros(n, dtype=bool)
    if len(bursts):
        on = bursts["onset"].to_numpy(float)
        dur = bursts["duration"].to_numpy(float)
        off = on + dur
        peak = (bursts["peak_amplitude_uv"].to_numpy(float) if "peak_amplitude_uv" in bursts
                else np.full(on.size, np.inf))
        base = bursts["baseline_uv"].to_numpy(float) if "baseline_uv" in bursts else np.zeros(on.size)
        base = np.where(np.isfinite(base), base, 0.0)
        # Frauscher 2012: amplitude exceeding 2x background: peak above baseline >= (factor-1) x baseline
        above = (peak + base) >= rules.sinbar_background_factor * base
        is_ph = (dur >= rules.rem_twitch_min_burst_s) & (dur <= rules.rem_twitch_max_burst_s) & above
        is_any = (dur >= rules.rem_twitch_min_burst_s) & above
        overl = (on[None, :] < mini_on[:, None] + w) & (off[None, :] > mini_on[:, None])
        phasic = np.any(overl & is_ph[None, :], axis=1)
        anyact = np.any(overl & is_any[None, :], axis=1)
    # tonic: > 50 % of the 30-s epoch covered by activity (amplitude >= 2x background)
    # Frauscher 2012 tonic amplitude: >= 2x background or > 10 uV (absolute envelope level)
    if len(bursts):
        level = (bursts["peak_amplitude_uv"].to_numpy(float) if "peak_amplitude_uv" in bursts
                 else np.full(len(bursts), np.inf))
        b0 = bursts["baseline_uv"].to_numpy(float) if "baseline_uv" in bursts else np.zeros(len(bursts))
        b0 = np.where(np.isfinite(b0), b0, 0.0)
        tonic_ok = ((level + b0) >= rules.sinbar_background_factor * b0) | ((level + b0) > rules.sinbar_tonic_min_uv)
        bursts = bursts[tonic_ok]
    cover_s = _activity_cover(bursts, epoch_on, rules.sinbar_epoch_s)
    tonic_epoch = cover_s > rules.sinbar_tonic_fraction * rules.sinbar_epoch_s
    ep_index = np.searchsorted(epoch_on, mini_on, side="right") - 1
    tonic = np.zeros(n, dtype=bool)
    ok = ep_index >= 0
    ok[ok] = mini_on[ok] < epoch_on[ep_index[ok]] + rules.sinbar_epoch_s
    tonic[ok] = tonic_epoch[ep_index[ok]]
    return phasic, tonic, anyact | phasic | tonic


def _observed(mini_on: np.ndarray, width_s: float, labels: Sequence[str],
              unobserved: Mapping[str, np.ndarray]) -> np.ndarray:
    """Mini-epochs ``[mini_on, mini_on + width_s)`` that one of ``labels`` observed whole."""
    seen = np.zeros(mini_on.size, dtype=bool)
    for lab in labels:
        iv = np.asarray(unobserved.get(lab, np.zeros((0, 2))), dtype=float).reshape(-1, 2)
        seen |= ~overlaps_any(mini_on, mini_on + width_s, iv[:, 0], iv[:, 1])
    return seen


def sinbar(bursts: pd.DataFrame, rem_mask_fn: Callable[[np.ndarray], np.ndarray], *, duration_s: float,
           rules: RuleSet = AASM, chin_channels: Sequence[str] | None = None,
           arm_channels: Mapping[str, Sequence[str]] | None = None,
           movements: np.ndarray | None = None,
           unobserved: Mapping[str, np.ndarray] | None = None) -> dict[str, float]:
    """SINBAR percentages of 3-s REM mini-epochs with EMG activity.

    Mini-epochs that overlap a gross body movement are not scored (left out of the count and
    of the percentages): a movement's EMG is not the REM sleep EMG that SINBAR reads, and
    its artefact hides that EMG (Frauscher et al., Sleep 2012 scored artefact-free
    mini-epochs).  Before, six simulated body movements in a PLMD night's 6 min of REM made
    its chin 'any' 22.5 % and a false REM sleep without atonia.

    Nor are mini-epochs the muscles did not observe (``unobserved``: flat, clipped, disconnected,
    NaN, lead off): no burst shows there, so they read as atonia - a chin flat through every REM
    period gave chin 'any' 0.0 % on an RBD night (defect 60).  A mini-epoch counts for the chin when
    a chin channel observed all of it, for chin + FDS when the chin and an arm of each side did.

    Parameters
    ----------
    bursts : DataFrame
        Bursts table (onset, duration in s; channel; role; side; peak_amplitude_uv and
        baseline_uv in uV).  Bursts of every detector are used.
    rem_mask_fn : callable
        ``f(times_s) -> bool array``: whether each time lies in REM (e.g. from a SleepContext).
    duration_s : float
        Span to score (s from recording start).
    rules : RuleSet
    chin_channels : list of str, optional
        Chin channel labels recorded (default: those with ``role == "chin"`` in ``bursts``).
    arm_channels : dict, optional
        ``{"left": [...], "right": [...]}`` FDS/arm channel labels recorded.
    movements : ndarray, shape (n, 2), optional
        Onset and offset (s) of the gross body movements (not scored).
    unobserved : dict, optional
        ``{label: ndarray (n, 2)}``: onset and offset (s) of the stretches each channel did not
        observe (:meth:`myosleep.detection.DetectionResult.unobserved_s`).

    Returns
    -------
    dict
        ``rem_mini_epochs`` (count scored on the chin), ``rem_min`` (minutes scored),
        ``rem_mini_epochs_in_movements`` and ``rem_mini_epochs_chin_unobserved`` (left out),
        ``chin_any_pct``, ``chin_phasic_pct``, ``chin_tonic_pct`` (% of the mini-epochs scored), and
        with arms of both sides ``chin_fds_any_pct`` (chin or either FDS active) over
        ``chin_fds_mini_epochs``.  Percentages are NaN without REM or without a chin channel.
    """
    w = rules.sinbar_mini_epoch_s
    mini_on = np.arange(0.0, max(float(duration_s) - w + 1e-9, 0.0), w)
    rem = np.asarray(rem_mask_fn(mini_on + w / 2.0), dtype=bool) if mini_on.size else np.zeros(0, bool)
    mini_on = mini_on[rem]
    moved = np.zeros(mini_on.size, dtype=bool)
    if movements is not None and len(movements) and mini_on.size:
        mv = np.asarray(movements, dtype=float).reshape(-1, 2)
        moved = ((mv[None, :, 0] < mini_on[:, None] + w) & (mv[None, :, 1] > mini_on[:, None])).any(axis=1)
    n_moved = int(moved.sum())
    mini_on = mini_on[~moved]
    epoch_on = np.arange(0.0, float(duration_s), rules.sinbar_epoch_s)
    epoch_rem = (np.asarray(rem_mask_fn(epoch_on + rules.sinbar_epoch_s / 2.0), dtype=bool) if epoch_on.size
                 else np.zeros(0, bool))
    import pandas as pd

    b = bursts if bursts is not None and len(bursts) else pd.DataFrame({"onset": [], "duration": [], "channel": []})
    if chin_channels is None:
        chin_channels = (sorted(set(b.loc[b["role"].astype(str) == "chin", "channel"].astype(str)))
                         if "role" in b.columns else [])
    left = list(arm_channels.get("left") or []) if arm_channels else []
    right = list(arm_channels.get("right") or []) if arm_channels else []
    arms = bool(left and right)
    chin_seen = (_observed(mini_on, w, chin_channels, unobserved or {}) if chin_channels
                 else np.ones(mini_on.size, dtype=bool))
    n_unseen = int((~chin_seen).sum())
    on_all = mini_on[chin_seen & _observed(mini_on, w, left, unobserved or {})
                     & _observed(mini_on, w, right, unobserved or {})] if arms else mini_on[chin_seen]
    mini_on = mini_on[chin_seen]
    out: dict[str, float] = {"rem_mini_epochs": int(mini_on.size), "rem_min": float(mini_on.size * w / 60.0),
                             "rem_mini_epochs_in_movements": n_moved, "rem_mini_epochs_chin_unobserved": n_unseen}
    nan = float("nan")
    if not chin_channels or mini_on.size == 0:
        out.update(chin_any_pct=nan, chin_phasic_pct=nan, chin_tonic_pct=nan)
        return out
    rem_epochs = epoch_on[epoch_rem]  # tonic activity is scored on REM epochs only

    def flags(labels: Sequence[str], on: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        sel = b[b["channel"].astype(str).isin(list(labels))]
        return _mini_epoch_flags(sel, on, rem_epochs, rules)

    ph, to, an = flags(chin_channels, mini_on)
    out["chin_any_pct"] = float(100.0 * an.mean())
    out["chin_phasic_pct"] = float(100.0 * ph.mean())
    out["chin_tonic_pct"] = float(100.0 * to.mean())
    if arms:
        any_of = [flags(labels, on_all)[2] for labels in (chin_channels, left, right)]
        out["chin_fds_mini_epochs"] = int(on_all.size)
        out["chin_fds_any_pct"] = float(100.0 * (any_of[0] | any_of[1] | any_of[2]).mean()) if on_all.size else nan
    return out


def assess(evidence: Evidence) -> tuple[Finding, dict[str, object]]:
    """REM sleep without atonia: SINBAR percentages from the bursts, Ferri's index from the chin
    amplitude per second that detection computed."""
    inputs = evidence.inputs
    context, rs = inputs.context, inputs.rules

    def is_rem(t: np.ndarray) -> np.ndarray:  # REM between lights off and on: the REM time the measures count
        return np.asarray(context.stage_in_lights_at(t)) == int(Stage.R)

    chin_labels = inputs.labels_with_role(Role.CHIN)
    arm_labels = {side: [lab for lab in inputs.labels_with_role(Role.ARM) if inputs.sides[lab] == side]
                  for side in ("left", "right")}
    ev = inputs.detection.events
    body = ev[ev["trial_type"].astype(str) == TrialType.BODY_MOVEMENT.value]
    movements = np.column_stack([body["onset"].to_numpy(float), (body["onset"] + body["duration"]).to_numpy(float)])
    detection = inputs.detection
    unobserved = {lab: detection.unobserved_s(lab) for lab in [*chin_labels, *arm_labels["left"], *arm_labels["right"]]}
    sb = sinbar(detection.bursts, is_rem, duration_s=float(context.hypnogram.end_s), rules=rs,
                chin_channels=chin_labels or None, arm_channels=arm_labels, movements=movements, unobserved=unobserved)
    amp = _observed_amplitude(detection)
    rai, rai_rem_s = float("nan"), 0
    if amp.values_uv is not None and amp.values_uv.size:
        stages_1s = np.asarray(context.stage_in_lights_at(np.arange(amp.values_uv.size) + 0.5))
        rai = atonia_index(amp.values_uv, stages_1s, rules=rs)
        rai_rem_s = int(np.count_nonzero((stages_1s == int(Stage.R)) & np.isfinite(amp.values_uv)))
    has_amplitude = amp.values_uv is not None and bool(np.isfinite(amp.values_uv).any())
    finding = rem_sleep_without_atonia(sinbar=sb, rai=rai, has_chin=bool(chin_labels) or has_amplitude,
                                       rules=rs, rai_source=amp.source, rai_rem_s=rai_rem_s,
                                       chin_unscored=None if chin_labels else _chin_unscored(inputs.detection))
    return finding, {**sb, "atonia_index": rai, "atonia_index_source": amp.source, "atonia_index_rem_s": rai_rem_s}


def _observed_amplitude(detection: DetectionResult) -> ChinAmplitude:
    """The chin amplitude per second without the seconds its channel did not observe (NaN there).

    Detection already leaves them out (:func:`~myosleep.detection.chin_amplitude_1s`); an amplitude
    given with its artefacts table (``DetectionResult.from_tables``) is read the same way: a flat chin's
    ~0 uV is not atonia (Ferri et al. 2010 read a recorded chin; defect 60).
    """
    amp = detection.chin_amplitude
    prefix = "channel:"
    if amp.values_uv is None or not amp.source.startswith(prefix):
        return amp
    iv = detection.unobserved_s(amp.source[len(prefix):])
    if not iv.size:
        return amp
    from ..detection.chin import blank_unobserved

    return ChinAmplitude(blank_unobserved(np.asarray(amp.values_uv, dtype=float), iv), amp.source)


def _chin_unscored(detection: object) -> str:
    """Why no chin channel gives SINBAR its bursts: each chin channel detection refused, with its reason."""
    status = getattr(detection, "channel_status", {})
    refused = [f"{label}: {st.reason}" for label, st in status.items()
               if st.role == Role.CHIN.value and not st.used and st.reason]
    return "; ".join(refused) if refused else "no chin EMG channel"


def rem_sleep_without_atonia(*, sinbar: dict[str, float], rai: float, has_chin: bool, rules: RuleSet,
                             rai_source: str, rai_rem_s: int | None = None,
                             chin_unscored: str | None = None) -> Finding:
    """SINBAR chin 'any' (and chin + FDS) percentages and Ferri's atonia index, over >= ``rswa_min_rem_min``
    of REM sleep.

    ``rai_rem_s``: REM seconds the atonia index was computed on (default: all of the REM time);
    an index over fewer than ``rswa_min_rem_min`` minutes is reported but not used.
    ``chin_unscored``: why SINBAR's chin counts are missing when no chin channel gives bursts (a
    chin the recorder stored as its envelope still gives the atonia index); the evidence says it.
    """
    rem_min = float(sinbar.get("rem_min", 0.0))
    min_rem_s = rules.rswa_min_rem_min * 60.0
    rai_usable = bool(math.isfinite(rai) and (rai_rem_s is None or rai_rem_s >= min_rem_s))
    mini_min = rules.sinbar_mini_epoch_s / 60.0
    unseen_min = float(sinbar.get("rem_mini_epochs_chin_unobserved", 0)) * mini_min
    minimums = [Minimum("rem_min", rules.rswa_min_rem_min, rem_min,
                        "of REM sleep observed on the chin" if unseen_min > 0 else "of REM sleep", "min",
                        "no published minimum: 5 min is 10 AASM 30-s REM epochs, 100 SINBAR 3-s mini-epochs "
                        "(Frauscher et al. 2012), 300 atonia-index seconds (Ferri et al. 2010)")]
    chin_any = float(sinbar.get("chin_any_pct", float("nan")))
    fds = float(sinbar.get("chin_fds_any_pct", float("nan")))
    fds_min = float(sinbar.get("chin_fds_mini_epochs", 0)) * mini_min
    if math.isfinite(fds) and fds_min < rules.rswa_min_rem_min - 1e-9:
        fds = float("nan")  # chin and both arms observed too little REM together: the chin + FDS cut-off not read
    moved_min = float(sinbar.get("rem_mini_epochs_in_movements", 0)) * mini_min
    notes = ([f"{moved_min:.1f} min under body movements not scored"] if moved_min > 0 else []) + \
        ([f"{unseen_min:.1f} min the chin did not observe (flat, clipped, disconnected, NaN or lead off) not scored"]
         if unseen_min > 0 else [])
    scored = f"{rem_min:.0f} min of REM" + (f" ({'; '.join(notes)})" if notes else "")
    unseen_text = (f"the chin EMG did not observe {unseen_min:.1f} min of REM (flat, clipped, disconnected, NaN or "
                   f"lead off): SINBAR and the atonia index score only the REM the chin observed" if unseen_min > 0
                   else "")
    values = {"ruleset": rules.name, "rem_min": rem_min, "rem_min_in_body_movements": moved_min,
              "rem_min_chin_unobserved": unseen_min, "sinbar_chin_fds_rem_min": fds_min,
              "sinbar_chin_any_pct": sinbar.get("chin_any_pct", float("nan")),
              "sinbar_chin_phasic_pct": sinbar.get("chin_phasic_pct", float("nan")),
              "sinbar_chin_tonic_pct": sinbar.get("chin_tonic_pct", float("nan")),
              "sinbar_chin_fds_any_pct": sinbar.get("chin_fds_any_pct", float("nan")),
              "atonia_index": rai, "atonia_index_source": rai_source,
              "chin_any_cutoff_pct": rules.sinbar_chin_any_pct,
              "chin_fds_any_cutoff_pct": rules.sinbar_chin_fds_any_pct,
              "atonia_index_abnormal_below": rules.rai_abnormal_below, "minimum_evidence": minimum_evidence(minimums),
              "sinbar_chin_unscored": chin_unscored}
    if not has_chin:
        return Finding(FindingCode.REM_SLEEP_WITHOUT_ATONIA, None,
                       f"No usable chin EMG channel, so REM sleep without atonia cannot be assessed "
                       f"{tag(rules)}.", values)
    short = insufficient(FindingCode.REM_SLEEP_WITHOUT_ATONIA, minimums, values, rules,
                         subject="REM sleep without atonia", seen=unseen_text)
    if short is not None:
        return short
    reasons = []
    if math.isfinite(chin_any) and chin_any >= rules.sinbar_chin_any_pct:
        reasons.append(f"SINBAR chin 'any' {chin_any:.1f} % >= {rules.sinbar_chin_any_pct:g} %")
    if math.isfinite(fds) and fds >= rules.sinbar_chin_fds_any_pct:
        reasons.append(f"chin + FDS 'any' {fds:.1f} % >= {rules.sinbar_chin_fds_any_pct:g} %")
    if rai_usable and rai < rules.rai_abnormal_below:
        reasons.append(f"atonia index {rai:.2f} < {rules.rai_abnormal_below:g}")
    present = bool(reasons)
    unscored = (f" SINBAR's chin counts not scored, no chin bursts to read ({chin_unscored})."
                if chin_unscored and not math.isfinite(chin_any) else "")
    if not present and not rai_usable and not math.isfinite(chin_any):
        # neither measure stands: no finding either way
        return Finding(FindingCode.REM_SLEEP_WITHOUT_ATONIA, None,
                       f"REM sleep without atonia cannot be assessed: SINBAR's chin counts not scored and the "
                       f"atonia index {'not computed' if not math.isfinite(rai) else f'covers {rai_rem_s} s of REM'}"
                       f" (needs {rules.rswa_min_rem_min:g} min) {tag(rules)}." + unscored, values)
    if present:
        ev = "REM sleep without atonia: " + ", ".join(reasons) + f" over {scored} {tag(rules)}." + unscored
    elif unscored:
        rai_text = (fmt(rai, 2) if rai_usable or not math.isfinite(rai)
                    else f"{rai:.2f} (over {rai_rem_s} s of REM only, not used)")
        ev = (f"Normal REM atonia by the atonia index alone: {rai_text} (>= {rules.rai_abnormal_below:g}) "
              f"over {scored} {tag(rules)}." + unscored)
    else:
        rai_text = (fmt(rai, 2) if rai_usable or not math.isfinite(rai)
                    else f"{rai:.2f} (over {rai_rem_s} s of REM only, not used)")
        ev = (f"Normal REM atonia: SINBAR chin 'any' {fmt(chin_any)} % (< {rules.sinbar_chin_any_pct:g} %), "
              f"atonia index {rai_text} over {scored} {tag(rules)}.")
    return Finding(FindingCode.REM_SLEEP_WITHOUT_ATONIA, present, ev, values)

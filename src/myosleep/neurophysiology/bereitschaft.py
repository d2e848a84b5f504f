"""The Bereitschaftspotential (BP): a slow negativity over the vertex before self-initiated movement.

The BP begins 1.5-2 s before a voluntary movement (early BP, largest at Cz) and steepens
in the last ~400 ms (late BP / NS', largest over the contralateral central area); it is
~5-15 uV (Shibasaki & Hallett, Clin Neurophysiol 2006). Jerks preceded by a BP are
generated like voluntary movements: in a patient with jerks, a BP points to functional
(psychogenic) jerks (Terada et al., JNNP 1995; van der Salm et al., JNNP 2012).

Test: for each jerk, the mean EEG over the last 500 ms before EMG onset minus the mean of
the baseline (-2.5 to -2.0 s); a one-sided one-sample t-test (negative) across jerks per
central channel, Bonferroni-corrected over the central channels tested. Channels whose
reference, not active electrode, is central (``Fpz-Cz``) are sign-inverted first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..io.prefilter import highpass_hz
from .channels import central_polarity, parse_derivation
from .epochs import EpochSet
from .params import NeuroParams

__all__ = ["BPResult", "test_bereitschaftspotential", "highpass_hz", "ramp_gain"]


@dataclass(frozen=True)
class BPResult:
    """Bereitschaftspotential before the jerks of wakefulness.

    Attributes
    ----------
    status : str
        ``"present"``, ``"absent"`` or ``"not_assessable"``.
    reason : str
        One sentence: why (numbers included).
    channel : str | None
        Central channel with the strongest negativity.
    amplitude_uv : float
        Mean late-window amplitude against baseline, uV (negative = BP polarity), on
        ``channel``.
    early_amplitude_uv : float
        Mean over -1.5 to -0.5 s against baseline, uV.
    p_value : float
        Bonferroni-corrected one-sided p-value on ``channel``.
    n_jerks : int
        Jerks in wakefulness averaged.
    channels : tuple of str
        Central channels tested.
    highpass_hz : float | None
        The EEG's hardware high-pass from its header (None when not stated).
    """

    status: str
    reason: str
    channel: str | None
    amplitude_uv: float
    early_amplitude_uv: float
    p_value: float
    n_jerks: int
    channels: tuple[str, ...]
    highpass_hz: float | None

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in ("status", "reason", "channel", "amplitude_uv", "early_amplitude_uv",
                                              "p_value", "n_jerks", "highpass_hz")} | {"channels": list(self.channels)}


def ramp_gain(hp_hz: float, duration_s: float = 2.0) -> float:
    """Fraction of a linear ramp's end value left after a first-order high-pass at ``hp_hz``."""
    if hp_hz <= 0:
        return 1.0
    tau = 1.0 / (2 * math.pi * hp_hz)
    return (tau / duration_s) * (1.0 - math.exp(-duration_s / tau))


def _mean_in(x: np.ndarray, times: np.ndarray, lo: float, hi: float) -> np.ndarray:
    m = (times >= lo - 1e-9) & (times < hi - 1e-9)
    return x[..., m].mean(axis=-1)


def test_bereitschaftspotential(ep: EpochSet, rows: np.ndarray, *, params: NeuroParams, prefilters: dict,
                                stage_known: bool, shhs: bool = False) -> BPResult:
    """BP test on the epochs ``rows`` (jerks in wakefulness) of ``ep``."""
    from scipy import stats

    pols = {lab: central_polarity(parse_derivation(lab, shhs=shhs)) for lab in ep.channels}
    central = [lab for lab in ep.channels if pols[lab] == 1] or [lab for lab in ep.channels if pols[lab] == -1]
    hp = [h for h in (highpass_hz(prefilters.get(lab, "")) for lab in central) if h is not None]
    hp_hz = max(hp) if hp else None
    n = int(rows.size)
    where = "" if stage_known else " (sleep stage of the jerks unknown: all jerks used)"
    if not central:
        return BPResult("not_assessable", "No central EEG channel (C3, C4, Cz or their derivations), so a "
                        "Bereitschaftspotential cannot be assessed.", None, float("nan"), float("nan"), float("nan"),
                        n, (), hp_hz)
    if n < params.min_jerks:
        return BPResult("not_assessable", f"Not enough jerks in wakefulness{where}: {n} usable, fewer than the "
                        f"{params.min_jerks} needed to assess a Bereitschaftspotential.", None, float("nan"),
                        float("nan"), float("nan"), n, tuple(central), hp_hz)
    ci = [ep.channels.index(lab) for lab in central]
    x = ep.data_uv[rows][:, ci, :] * np.array([pols[lab] for lab in central])[None, :, None]
    base = _mean_in(x, ep.times_s, *params.baseline_s)
    late = _mean_in(x, ep.times_s, *params.bp_window_s) - base  # (n, c)
    early = _mean_in(x, ep.times_s, -1.5, -0.5) - base
    res = stats.ttest_1samp(late, 0.0, axis=0, alternative="less")
    p = np.minimum(1.0, np.asarray(res.pvalue, dtype=float) * len(central))
    k = int(np.nanargmin(p))
    amp = float(late[:, k].mean())
    early_amp = float(early[:, k].mean())
    gain = ramp_gain(hp_hz) if hp_hz is not None else 1.0
    flip = "" if pols[central[k]] == 1 else f" (sign inverted: Cz is the reference of {central[k]})"
    base_text = (f"mean {amp:+.1f} uV over the last {1000 * (params.bp_window_s[1] - params.bp_window_s[0]):.0f} ms "
                 f"before {n} jerks in wakefulness{where} at {central[k]}{flip} against the -2.5 to -2.0 s "
                 f"baseline (one-sided t-test, Bonferroni over {len(central)} central channel(s), p = {p[k]:.2g})")
    if p[k] < params.alpha:
        return BPResult("present", f"Slow negativity before the jerks: {base_text}.", central[k], amp, early_amp,
                        float(p[k]), n, tuple(central), hp_hz)
    if gain < params.bp_min_ramp_gain:
        return BPResult("not_assessable", f"No significant negativity ({base_text}), but the EEG's {hp_hz:g} Hz "
                        f"high-pass keeps only {100 * gain:.0f} % of a 2-s Bereitschaftspotential, so its absence "
                        "cannot be concluded.", central[k], amp, early_amp, float(p[k]), n, tuple(central), hp_hz)
    return BPResult("absent", f"No Bereitschaftspotential: {base_text}.", central[k], amp, early_amp, float(p[k]), n,
                    tuple(central), hp_hz)

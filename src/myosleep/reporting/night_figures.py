"""Figures of the whole night drawn from the results alone: PLM intervals and hourly event rates.

* The inter-movement interval (IMI) of leg movements, as the WASM standards and Ferri's
  papers show it (Ferri et al., Sleep 2006;29:759-69, "New approaches to the study of
  periodic leg movements during sleep in restless legs syndrome"; Ferri et al., WASM 2016
  standards, Sleep Med 2016;26:86-95): the onset-to-onset interval between consecutive leg
  movements in sleep, its distribution in 2-s bins from 0 to 90 s on a logarithmic count
  axis (intervals per hour of sleep), with the ruleset's periodic range marked.  A PLM
  series shows as a peak inside that range (20-40 s in PLMD), short intervals (< 10 s) as a
  peak at its left.  Beside it, every interval against the time of night: the series as
  runs of dots in the periodic band.
* Event rates by hour of the recording, one panel per class: events in each clock hour
  from the start divided by the time that hour covers (the last one is often partial).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..vocab import TRIAL_TYPE_COLOURS, TrialType
from .figures import FIGURE_WIDTH_IN, figure_svg, new_figure, report_style

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["IMI_BIN_S", "IMI_MAX_S", "hourly_rates", "hourly_rates_svg", "imi_in_sleep", "plm_imi_svg"]

#: IMI histogram bins (s) and range (Ferri et al. 2006: 2-s bins up to 90 s, the longest PLM interval).
IMI_BIN_S = 2.0
IMI_MAX_S = 90.0
_SLEEP = ("N1", "N2", "N3", "R")


def imi_in_sleep(events: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Inter-movement intervals of the leg movements in sleep (Ferri et al. 2006).

    Returns
    -------
    onset_s : ndarray
        Onset of the second movement of each pair (s from the recording start).
    imi_s : ndarray
        Onset-to-onset interval to the previous leg movement (s); pairs whose two movements
        are both in sleep (N1, N2, N3, R) between lights off and on (``in_lights``) only.
    periodic : ndarray of bool
        The second movement belongs to a PLM series under the ruleset.
    """
    lm = events[events["trial_type"] == TrialType.LEG_MOVEMENT.value]
    if "in_lights" in lm.columns:  # the intervals of the recording period: those counted per hour of sleep
        lm = lm[lm["in_lights"].astype(bool).to_numpy()]
    lm = lm.sort_values("onset", kind="stable")
    on = lm["onset"].to_numpy(float)
    stage = lm["stage"].astype(object).to_numpy()
    asleep = np.array([s in _SLEEP for s in stage], dtype=bool)
    periodic = np.array([p is True or p == "True" for p in lm["periodic"].astype(object)], dtype=bool)
    if on.size < 2:
        return np.zeros(0), np.zeros(0), np.zeros(0, dtype=bool)
    both = asleep[1:] & asleep[:-1]
    return on[1:][both], np.diff(on)[both], periodic[1:][both]


def _plain_log_ticks(ax, axis: str = "y") -> None:
    """Log axis ticks as plain numbers (0.1, 1, 10, 100), no minor labels."""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    a = ax.yaxis if axis == "y" else ax.xaxis
    a.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    a.set_minor_formatter(NullFormatter())


def plm_imi_svg(events: pd.DataFrame, *, tst_h: float | None, periodic_range_s: tuple[float, float] | None,
                ruleset: str, prefix: str, duration_s: float | None = None) -> tuple[str, dict[str, float]]:
    """Leg movements' intervals over the night and their distribution (see the module docstring).

    Parameters
    ----------
    events : DataFrame
        events.tsv rows (``onset`` s, ``trial_type``, ``stage``, ``periodic``).
    tst_h : float | None
        Total sleep time (h): the histogram counts intervals per hour of sleep; None: counts.
    periodic_range_s : (float, float) | None
        The ruleset's PLM interval range (s), shaded.
    ruleset : str
        Its name, for the legend.
    prefix : str
        Id prefix of the SVG.
    duration_s : float | None
        Recording duration (s): the time axis spans the night.

    Returns
    -------
    svg : str
    numbers : dict
        ``n_intervals``, ``n_over_90_s``, ``n_periodic_range``.
    """
    onset, imi, periodic = imi_in_sleep(events)
    colour = TRIAL_TYPE_COLOURS[TrialType.LEG_MOVEMENT.value]
    per_h = tst_h is not None and tst_h > 0
    with report_style():
        fig = new_figure(FIGURE_WIDTH_IN, 2.55)
        ax_t, ax_h = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.35, 1.0], "wspace": 0.32})
        fig.subplots_adjust(left=0.085, right=0.985, top=0.86, bottom=0.2)
        lo, hi = periodic_range_s if periodic_range_s is not None else (None, None)
        band_label = f"periodic range {lo:g}–{hi:g} s ({ruleset})" if lo is not None else None
        if lo is not None and hi is not None:
            ax_t.axhspan(lo, hi, color=colour, alpha=0.12, linewidth=0, label=band_label)
            ax_h.axvspan(lo, hi, color=colour, alpha=0.12, linewidth=0)
        shown = np.clip(imi, 0.5, 3000.0)
        ax_t.plot(onset[~periodic] / 3600.0, shown[~periodic], "o", markersize=2.6, markerfacecolor="none",
                  markeredgecolor="#777777", markeredgewidth=0.6, linestyle="none", label="not in a PLM series")
        ax_t.plot(onset[periodic] / 3600.0, shown[periodic], "o", markersize=2.6, color=colour, linestyle="none",
                  label="in a PLM series")
        ax_t.set_yscale("log")
        ax_t.set_ylim(0.5, 3000.0)
        _plain_log_ticks(ax_t)
        if duration_s:
            ax_t.set_xlim(0, duration_s / 3600.0)
        ax_t.set_xlabel("time from recording start (h)")
        ax_t.set_ylabel("interval to previous LM (s)")
        ax_t.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=3, frameon=False, fontsize=6.5,
                    handletextpad=0.3, columnspacing=1.0, borderaxespad=0.2)
        edges = np.arange(0.0, IMI_MAX_S + IMI_BIN_S / 2, IMI_BIN_S)
        counts, _ = np.histogram(imi[imi <= IMI_MAX_S], bins=edges)
        values = counts / tst_h if per_h and tst_h else counts.astype(float)
        drawn = values > 0  # a log axis has no room for empty bins
        ax_h.bar(edges[:-1][drawn], values[drawn], width=IMI_BIN_S, align="edge", color=colour, edgecolor="white",
                 linewidth=0.3)
        ax_h.set_yscale("log")
        _plain_log_ticks(ax_h)
        positive = values[values > 0]
        floor = 10 ** math.floor(math.log10(positive.min())) if positive.size else 0.1
        ax_h.set_ylim(floor, max(floor * 10, (positive.max() if positive.size else 1.0) * 2.0))
        ax_h.set_xlim(0, IMI_MAX_S)
        ax_h.set_xticks(np.arange(0, IMI_MAX_S + 1, 10))
        ax_h.set_xlabel("inter-movement interval (s, 2-s bins)")
        ax_h.set_ylabel("intervals per hour of sleep" if per_h else "intervals")
        ax_h.set_title("IMI distribution, 0–90 s")
        if not imi.size:
            for a in (ax_t, ax_h):
                a.text(0.5, 0.5, "no pair of consecutive leg movements in sleep", transform=a.transAxes,
                       ha="center", va="center", color="#666666", fontsize=7)
        svg = figure_svg(fig, prefix, label="Inter-movement intervals of leg movements in sleep")
    n_range = int(((imi >= lo) & (imi <= hi)).sum()) if lo is not None and hi is not None else 0
    return svg, {"n_intervals": int(imi.size), "n_over_90_s": int((imi > IMI_MAX_S).sum()),
                 "n_periodic_range": n_range}


def hourly_rates(events: pd.DataFrame, duration_s: float, *, gaps_s: Sequence[tuple[float, float]] = ()
                 ) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Events per hour of each class in each clock hour from the recording start.

    Returns
    -------
    start_h : ndarray
        Start of each hour bin (h).
    covered_h : ndarray
        Time the recording covers in each bin (h; the last bin is often partial; the
        recording's gaps, ``gaps_s`` in s, are not covered).
    rates : dict
        Class -> events per hour in each bin (count / covered time).
    """
    n_bins = max(1, math.ceil(duration_s / 3600.0 - 1e-9))
    start_h = np.arange(n_bins, dtype=float)
    covered_h = np.minimum(1.0, duration_s / 3600.0 - start_h).clip(min=0.0)
    for a, b in gaps_s:  # the part of each hour inside a gap holds no signal
        covered_h = covered_h - (np.minimum(start_h + 1.0, b / 3600.0) - np.maximum(start_h, a / 3600.0)).clip(min=0.0)
    covered_h = covered_h.clip(min=0.0)
    rates: dict[str, np.ndarray] = {}
    for cls in TrialType:
        on = events.loc[events["trial_type"] == cls.value, "onset"].to_numpy(float)
        if not on.size:
            continue
        counts = np.bincount(np.clip((on // 3600).astype(int), 0, n_bins - 1), minlength=n_bins)
        with np.errstate(divide="ignore", invalid="ignore"):
            rates[cls.value] = np.where(covered_h > 0, counts / np.where(covered_h > 0, covered_h, 1.0), 0.0)
    return start_h, covered_h, rates


def hourly_rates_svg(events: pd.DataFrame, duration_s: float, *, prefix: str,
                     gaps_s: Sequence[tuple[float, float]] = ()) -> str | None:
    """One panel per class found: its events per hour recorded in each hour of the recording; None: no events."""
    from matplotlib.ticker import MaxNLocator

    start_h, covered_h, rates = hourly_rates(events, duration_s, gaps_s=gaps_s)
    if not rates:
        return None
    n = len(rates)
    ncols = min(3, n)
    nrows = math.ceil(n / ncols)
    with report_style():
        fig = new_figure(FIGURE_WIDTH_IN, 0.35 + 1.6 * nrows)
        axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
        fig.subplots_adjust(left=0.08, right=0.985, top=1 - 0.3 / (0.35 + 1.6 * nrows),
                            bottom=0.42 / (0.35 + 1.6 * nrows), wspace=0.38, hspace=0.95)
        for ax, (cls, r) in zip(axes, rates.items()):
            total = int((events["trial_type"] == cls).sum())
            ax.bar(start_h, r, width=covered_h, align="edge", color=TRIAL_TYPE_COLOURS.get(cls, "#777777"),
                   edgecolor="white", linewidth=0.4)
            ax.set_xlim(0, max(1.0, duration_s / 3600.0))
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_ylim(0, max(1.0, float(r.max()) * 1.15))
            ax.set_title(f"{cls.replace('_', ' ')} (n = {total})", fontsize=7.5)
            ax.set_ylabel("events/h")
            ax.set_xlabel("hours from recording start")
        for ax in axes[n:]:
            ax.set_visible(False)
        return figure_svg(fig, prefix, label="Event rates by hour of the recording, per class")

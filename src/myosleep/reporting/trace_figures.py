"""Example events as PSG traces, and the zoom on each wake-to-sleep transition with hypnic jerks.

The traces are drawn as a PSG viewer shows them: one row per channel, EEG and EOG above the
EMG, a time scale bar instead of a time axis and a microvolt scale bar beside each row, the
display filters written under the traces.  Within one figure every EMG row has the same
sensitivity (and every EEG/EOG row another), so that the muscles compare at a glance.  The
trace, the event's span and the 1-s grid are SVG groups whose id holds ``zoomable``: the
report's script stretches them along time (and rewrites the time bar's text) without
touching the labels and bars, and without it the figure reads as it is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..vocab import EMG_ROLES, TRIAL_TYPE_COLOURS, Role
from .figures import figure_svg, fmt_time, new_figure, report_style

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ..io.hypnogram_model import Hypnogram
    from .evidence import EventWindow, Trace, TransitionZoom

__all__ = ["SvgFigure", "ZOOM_GID", "TIME_BAR_GID", "example_svg", "nice_floor", "transition_svg", "band_text"]

#: Id part of the SVG groups the report's script stretches along time.
ZOOM_GID = "zoomable"
#: Id part of the time scale bar's text (rewritten by the script when zoomed).
TIME_BAR_GID = "tbar-label"
_LEFT_IN, _RIGHT_IN, _ROW_IN, _TOP_IN, _BOTTOM_IN = 1.15, 0.72, 0.36, 0.08, 0.46
_TRACE_COLOUR = "#111111"
_UNITS = {"uV": "µV", "g": "g"}
# Hypnogram rows, W on top, REM between W and N1 (as the night overview and plot_hypnogram).
_STAGE_ROWS = {0: 4, 4: 3, 1: 2, 2: 1, 3: 0}
_STAGE_TICKS = ([0, 1, 2, 3, 4], ["N3", "N2", "N1", "R", "W"])


@dataclass(frozen=True)
class SvgFigure:
    """An inline SVG figure and the attributes its ``<figure>`` needs for the zoom script."""

    svg: str
    zoom: dict[str, str] = field(default_factory=dict)


def nice_floor(x: float) -> float:
    """The largest 1, 2 or 5 x 10^k not above ``x`` (> 0)."""
    if not (x > 0 and math.isfinite(x)):
        return 0.0
    k = math.floor(math.log10(x))
    for m in (5.0, 2.0, 1.0):
        if m * 10 ** k <= x * (1 + 1e-9):
            return m * 10 ** k
    return 10 ** k  # pragma: no cover - 1 x 10^k always fits


def _kind(tr: Trace) -> str:
    role = Role(tr.role)
    if role in EMG_ROLES or role == Role.EMG:
        return "emg"
    if role in (Role.EEG, Role.EOG):
        return "eeg"
    return f"unit:{tr.unit}"


def _amplitude(values: np.ndarray) -> float:
    v = np.abs(values[np.isfinite(values)])
    return float(np.percentile(v, 99.5)) if v.size else 0.0


def band_text(traces: tuple[Trace, ...] | list[Trace]) -> str:
    """The display filters of some traces, in words (``EMG 10-100 Hz, EEG/EOG 0.3-35 Hz; notch 60 Hz``)."""
    parts: dict[str, set[tuple[float, float]]] = {}
    notch: set[float] = set()
    raw = False
    for tr in traces:
        kind = _kind(tr)
        if tr.band_hz is None:
            raw = True
            continue
        parts.setdefault("EMG" if kind == "emg" else "EEG/EOG", set()).add(tr.band_hz)
        notch.update(tr.notch_hz)
    words = []
    for name, bands in parts.items():
        words.append(f"{name} " + " / ".join(f"{lo:g}–{hi:g} Hz" for lo, hi in sorted(bands)))
    text = "display filters: " + ", ".join(words) + " (zero phase)" if words else "as recorded"
    if notch:
        text += "; notch " + ", ".join(f"{f:g}" for f in sorted(notch)) + " Hz"
    if raw and words:
        text += "; accelerometer unfiltered"
    return text


def _time_bar_s(window_s: float) -> float:
    """A time bar of about a fifth of the window: 0.2, 0.5, 1, 2 or 5 s."""
    return max(0.1, nice_floor(window_s / 4.0))


def example_svg(w: EventWindow, prefix: str, *, title: str) -> SvgFigure:
    """One example event as traces (see the module docstring), ready to inline.

    Parameters
    ----------
    w : EventWindow
    prefix : str
        Id prefix, unique in the page.
    title : str
        The figure's accessible label.
    """
    from matplotlib.transforms import blended_transform_factory

    traces = list(w.traces)
    n = len(traces)
    height = _TOP_IN + _ROW_IN * n + _BOTTOM_IN
    colour = TRIAL_TYPE_COLOURS.get(w.trial_type, "#555555")
    with report_style():
        fig = new_figure(7.0, height)
        width = fig.get_figwidth()
        ax = fig.add_axes((_LEFT_IN / width, _BOTTOM_IN / height, 1 - (_LEFT_IN + _RIGHT_IN) / width,
                           _ROW_IN * n / height))
        ax.set_axis_off()
        ax.set_xlim(w.start_s, w.stop_s)
        ax.set_ylim(-n + 0.5, 0.5)
        span = w.stop_s - w.start_s
        grid_step = 1.0 if span > 4 else 0.5
        grid = np.arange(math.ceil(w.start_s / grid_step) * grid_step, w.stop_s, grid_step)
        if grid.size:
            ax.vlines(grid, -n + 0.5, 0.5, colors="#e4e4e4", linewidth=0.5, gid=f"{ZOOM_GID}-grid")
        for j, (on, dur, cls) in enumerate(w.neighbours):  # the other events in the window, lightly
            ax.axvspan(on, max(on + dur, on + span / 500), color=TRIAL_TYPE_COLOURS.get(cls, "#999999"), alpha=0.08,
                       linewidth=0, gid=f"{ZOOM_GID}-other{j}")
        end = w.onset_s + (w.duration_s if math.isfinite(w.duration_s) else 0.0)
        ax.axvspan(w.onset_s, max(end, w.onset_s + span / 500), color=colour, alpha=0.16, linewidth=0,
                   gid=f"{ZOOM_GID}-event")
        ax.axvline(w.onset_s, color=colour, linewidth=0.8, linestyle=(0, (3, 2)), gid=f"{ZOOM_GID}-onset")
        gains: dict[str, float] = {}
        for tr in traces:
            kind = _kind(tr)
            gains[kind] = max(gains.get(kind, 0.0), _amplitude(tr.values))
        label_tf = blended_transform_factory(ax.transAxes, ax.transData)
        for i, tr in enumerate(traces):
            amp = gains[_kind(tr)]
            per_row = amp / 0.45 if amp > 0 else 1.0  # the 99.5th percentile fills 0.45 of a row
            ax.plot(tr.times_s(), -i + tr.values / per_row, color=_TRACE_COLOUR, linewidth=0.45,
                    gid=f"{ZOOM_GID}-trace{i}")
            ax.text(-0.014, -i + 0.1, tr.label, transform=label_tf, ha="right", va="center", fontsize=8,
                    fontweight="bold" if tr.in_event else "normal", color="#111111" if tr.in_event else "#444444",
                    parse_math=False, clip_on=False)
            if tr.in_event:  # the event's channel: a bar of the class's colour at the row's start
                ax.plot([-0.005, -0.005], [-i - 0.3, -i + 0.3], transform=label_tf, color=colour, linewidth=3,
                        clip_on=False, solid_capstyle="butt")
            ax.text(-0.014, -i - 0.22, tr.role, transform=label_tf, ha="right", va="center", fontsize=6.5,
                    color="#666666", parse_math=False, clip_on=False)
            bar = nice_floor(amp)
            if bar > 0:
                half = bar / per_row / 2
                ax.plot([1.015, 1.015], [-i - half, -i + half], transform=label_tf, color="#222222",
                        linewidth=1.2, clip_on=False, solid_capstyle="butt")
                ax.text(1.03, -i, f"{bar:g} {_UNITS.get(tr.unit, tr.unit)}", transform=label_tf, ha="left",
                        va="center", fontsize=7, parse_math=False, clip_on=False)
            else:
                ax.text(1.03, -i, "flat", transform=label_tf, ha="left", va="center", fontsize=7, clip_on=False)
        tbar = _time_bar_s(span)
        bar_tf = blended_transform_factory(ax.transData, fig.transFigure)
        y_bar = (_BOTTOM_IN - 0.12) / height
        ax.plot([w.stop_s - tbar, w.stop_s], [y_bar, y_bar], transform=bar_tf, color="#222222", linewidth=1.2,
                clip_on=False, solid_capstyle="butt")
        ax.text(w.stop_s - tbar - span * 0.01, y_bar, f"{tbar:g} s", transform=bar_tf, ha="right", va="center",
                fontsize=7, clip_on=False, gid=TIME_BAR_GID)
        fig.text(_LEFT_IN / width, (_BOTTOM_IN - 0.32) / height, band_text(traces), ha="left", va="center",
                 fontsize=6.5, color="#555555", parse_math=False)
        pos = ax.get_position()
        width_pt = width * 72
        svg = figure_svg(fig, prefix, label=title)
    return SvgFigure(svg, zoom={"data-x0": f"{pos.x0 * width_pt:.2f}", "data-x1": f"{pos.x1 * width_pt:.2f}",
                                "data-tbar-s": f"{tbar:g}", "data-window-s": f"{span:.3f}",
                                "data-event-f": f"{(w.onset_s - w.start_s) / span:.4f}"})


def transition_svg(tz: TransitionZoom, hypnogram: Hypnogram | None, events: pd.DataFrame, prefix: str, *,
                   title: str) -> str:
    """The hypnogram around one wake-to-sleep transition, its hypnic jerks and the chin EMG amplitude.

    Time in minutes from the boundary; the hypnagogic window (where the jerks count as sleep
    starts) shaded.
    """
    colour = TRIAL_TYPE_COLOURS["hypnic_jerk"]
    with report_style():
        has_chin = tz.chin_uv is not None
        fig = new_figure(3.45, 2.45 if has_chin else 1.75)
        if has_chin:
            ax, ax_chin = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [1.6, 1.0], "hspace": 0.12})
        else:
            ax, ax_chin = fig.subplots(1, 1), None
        fig.subplots_adjust(left=0.19, right=0.97, top=0.88, bottom=0.2 if has_chin else 0.26)

        def minutes(t: np.ndarray | float) -> np.ndarray:
            return (np.asarray(t, dtype=float) - tz.onset_s) / 60.0

        for a in (ax, ax_chin):
            if a is not None:
                a.axvspan(minutes(tz.window_start_s), minutes(tz.window_end_s), color=colour, alpha=0.12, linewidth=0)
        if hypnogram is not None and hypnogram.n_epochs:
            on = hypnogram.epoch_onsets_s
            keep = (on + hypnogram.epoch_s > tz.start_s) & (on < tz.stop_s)
            y = np.array([_STAGE_ROWS.get(int(c), np.nan) for c in hypnogram.stages[keep]], dtype=float)
            if y.size:
                x = np.append(minutes(on[keep]), minutes(on[keep][-1] + hypnogram.epoch_s))
                ax.step(x, np.append(y, y[-1]), where="post", color="#333333", linewidth=1.1)
        ax.set_yticks(*_STAGE_TICKS)
        ax.set_ylim(-0.5, 5.0)
        ax.set_ylabel("stage")
        t = events.loc[(events["trial_type"] == "hypnic_jerk") & (events["onset"] >= tz.start_s)
                       & (events["onset"] <= tz.stop_s), "onset"].to_numpy(float)
        own = (t >= tz.window_start_s) & (t < tz.window_end_s)
        # this transition's jerks in colour; those of neighbouring transitions in grey, hollow
        ax.vlines(minutes(t[own]), -0.5, 4.55, colors=colour, linewidth=0.9)
        ax.plot(minutes(t[own]), np.full(int(own.sum()), 4.75), "v", color=colour, markersize=4, linestyle="none")
        ax.vlines(minutes(t[~own]), -0.5, 4.55, colors="#bbbbbb", linewidth=0.7)
        ax.plot(minutes(t[~own]), np.full(int((~own).sum()), 4.75), "v", markerfacecolor="white",
                markeredgecolor="#999999", markersize=4, linestyle="none")
        ax.set_xlim(minutes(tz.start_s), minutes(tz.stop_s))
        ax.set_title(f"{tz.from_stage}→{tz.to_stage} at {fmt_time(tz.onset_s)} · {tz.n_jerks} hypnic jerk"
                     f"{'s' if tz.n_jerks != 1 else ''}", fontsize=8)
        last = ax
        if ax_chin is not None and tz.chin_uv is not None:
            v = np.asarray(tz.chin_uv, dtype=float)
            secs = math.floor(tz.start_s) + np.arange(v.size) + 0.5
            ax_chin.plot(minutes(secs), v, color="#333333", linewidth=0.6)
            top = float(np.nanpercentile(v, 99)) if np.isfinite(v).any() else 1.0
            ax_chin.set_ylim(0, max(top * 1.15, 1e-3))
            ax_chin.set_ylabel("chin EMG\n(µV)")
            last = ax_chin
        last.set_xlabel("time from the wake-to-sleep transition (min)")
        return figure_svg(fig, prefix, label=title)

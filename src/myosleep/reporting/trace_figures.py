"""Example events as PSG traces, and the zoom on each wake-to-sleep transition with hypnic jerks.

The traces are drawn as a PSG viewer shows them (:func:`example_svg`, written as SVG here):
one row per channel, EEG and EOG above the EMG, a time scale bar instead of a time axis and a
microvolt scale bar beside each row, the display filters written under the traces.  Within
one figure every EMG row has the same sensitivity (and every EEG/EOG row another), so that
the muscles compare at a glance.  The trace, the events' spans and the grid are SVG groups
whose id holds ``zoomable``: the report's script stretches them along time (and rewrites the
time bar's text) without touching the labels and bars; without it the figure reads as it is.
The transition zooms (:func:`transition_svg`) are matplotlib figures of the report's style
(:mod:`.figures`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from html import escape
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


def _trace_path(tr: Trace, x_of, y_mid: float, per_row_unit: float) -> str:
    """One trace as an SVG path of small integers: x in value steps, y in 1/10 of an SVG unit.

    A relative path (``l1 dy 1 dy ...``) under a transform holds 2 400 values in about 14 kB,
    a third of absolute coordinates, and is written by numpy, not one float at a time.
    """
    v = np.asarray(tr.values, dtype=float)
    if v.size < 2:
        return ""
    step_s = tr.dt_s / 2.0 if tr.minmax else tr.dt_s
    y = np.round(-v / per_row_unit * 10.0).astype(np.int64)
    steps = np.empty(2 * (y.size - 1), dtype=np.int64)
    steps[0::2] = 1
    steps[1::2] = np.diff(y)
    sx = x_of(tr.t0_s + step_s) - x_of(tr.t0_s)
    return (f'<path transform="matrix({sx:.6g} 0 0 0.1 {x_of(tr.t0_s):.3f} {y_mid:.3f})" '
            f'd="M0 {int(y[0])}l{" ".join(map(str, steps.tolist()))}" fill="none" stroke="{_TRACE_COLOUR}" '
            'stroke-width="0.8" vector-effect="non-scaling-stroke" stroke-linejoin="round"/>')


def example_svg(w: EventWindow, prefix: str, *, title: str) -> SvgFigure:
    """One example event as PSG traces (see the module docstring), as inline SVG.

    Written directly, not by matplotlib: the figure has no axes (a PSG page shows scale bars),
    its groups are what the zoom script stretches, and two dozen of them would otherwise
    double the time of ``analyze`` (matplotlib takes ~90 ms a figure).  Same font, sizes and
    colours as the matplotlib figures.  Every text is escaped here.

    Parameters
    ----------
    w : EventWindow
    prefix : str
        Id prefix, unique in the page.
    title : str
        The figure's accessible label.
    """
    traces = list(w.traces)
    n = len(traces)
    pt = 72.0
    width, left, right = 7.0 * pt, _LEFT_IN * pt, _RIGHT_IN * pt
    row, top, bottom = _ROW_IN * pt, _TOP_IN * pt, _BOTTOM_IN * pt
    height = top + row * n + bottom
    x0, x1 = left, width - right
    span = w.stop_s - w.start_s
    colour = TRIAL_TYPE_COLOURS.get(w.trial_type, "#555555")

    def x_of(t: float) -> float:
        return x0 + (t - w.start_s) / span * (x1 - x0)

    def mid(i: int) -> float:
        return top + row * (i + 0.5)

    def text(x: float, y: float, s: str, *, size: float = 8, anchor: str = "start", fill: str = "#222222",
             bold: bool = False, gid: str | None = None) -> str:
        ident = f' id="{prefix}-{gid}"' if gid else ""
        weight = ' font-weight="bold"' if bold else ""
        return (f'<text{ident} x="{x:.2f}" y="{y:.2f}" font-size="{size:g}" text-anchor="{anchor}" '
                f'dominant-baseline="central" fill="{fill}"{weight}>{escape(s)}</text>')

    clip = f'clip-path="url(#{prefix}-clip)"'
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:g} {height:.2f}" width="100%" role="img" '
           f'aria-label="{escape(title)}" font-family="DejaVu Sans, sans-serif">',
           f'<defs><clipPath id="{prefix}-clip"><rect x="{x0:.2f}" y="{top:.2f}" width="{x1 - x0:.2f}" '
           f'height="{row * n:.2f}"/></clipPath></defs>']
    grid_step = 1.0 if span > 4 else 0.5
    grid = np.arange(math.ceil(w.start_s / grid_step) * grid_step, w.stop_s, grid_step)
    lines = "".join(f"M{x_of(g):.2f} {top:.2f}V{top + row * n:.2f}" for g in grid)
    out.append(f'<g id="{prefix}-{ZOOM_GID}-grid" {clip}><path d="{lines}" stroke="#e4e4e4" stroke-width="0.5" '
               'vector-effect="non-scaling-stroke"/></g>')

    def shade(on: float, dur: float, fill: str, opacity: float, gid: str) -> str:
        a, b = x_of(on), x_of(max(on + dur, on + span / 500))
        return (f'<g id="{prefix}-{ZOOM_GID}-{gid}" {clip}><path d="M{a:.2f} {top:.2f}H{b:.2f}V{top + row * n:.2f}'
                f'H{a:.2f}Z" fill="{fill}" fill-opacity="{opacity}"/></g>')

    for j, (on, dur, cls) in enumerate(w.neighbours):  # the other events in the window, lightly
        out.append(shade(on, dur, TRIAL_TYPE_COLOURS.get(cls, "#999999"), 0.08, f"other{j}"))
    out.append(shade(w.onset_s, w.duration_s if math.isfinite(w.duration_s) else 0.0, colour, 0.16, "event"))
    out.append(f'<g id="{prefix}-{ZOOM_GID}-onset" {clip}><path d="M{x_of(w.onset_s):.2f} {top:.2f}V'
               f'{top + row * n:.2f}" stroke="{colour}" stroke-width="1.1" stroke-dasharray="3 2" '
               'vector-effect="non-scaling-stroke"/></g>')
    gains: dict[str, float] = {}
    for tr in traces:
        gains[_kind(tr)] = max(gains.get(_kind(tr), 0.0), _amplitude(tr.values))
    for i, tr in enumerate(traces):
        amp = gains[_kind(tr)]
        per_row_unit = (amp / 0.45 if amp > 0 else 1.0) / row  # the 99.5th percentile fills 0.45 of a row
        out.append(f'<g id="{prefix}-{ZOOM_GID}-trace{i}" {clip}>{_trace_path(tr, x_of, mid(i), per_row_unit)}</g>')
        out.append(text(x0 - 7, mid(i) - 2.6, tr.label, anchor="end", fill="#111111" if tr.in_event else "#444444",
                        bold=tr.in_event))
        out.append(text(x0 - 7, mid(i) + 6.3, tr.role, size=6.5, anchor="end", fill="#666666"))
        if tr.in_event:  # the event's channel: a bar of the class's colour at the row's start
            out.append(f'<rect x="{x0 - 4:.2f}" y="{mid(i) - 0.3 * row:.2f}" width="3" height="{0.6 * row:.2f}" '
                       f'fill="{colour}"/>')
        bar = nice_floor(amp)
        if bar > 0:
            half = bar / per_row_unit / 2
            out.append(f'<path d="M{x1 + 7:.2f} {mid(i) - half:.2f}V{mid(i) + half:.2f}" stroke="#222222" '
                       'stroke-width="1.2"/>')
            out.append(text(x1 + 13, mid(i), f"{bar:g} {_UNITS.get(tr.unit, tr.unit)}", size=7))
        else:
            out.append(text(x1 + 13, mid(i), "flat", size=7))
    tbar = _time_bar_s(span)
    y_bar = top + row * n + 0.12 * pt
    out.append(f'<path d="M{x_of(w.stop_s - tbar):.2f} {y_bar:.2f}H{x1:.2f}" stroke="#222222" stroke-width="1.2"/>')
    out.append(text(x_of(w.stop_s - tbar) - 4, y_bar, f"{tbar:g} s", size=7, anchor="end", gid=TIME_BAR_GID))
    out.append(text(x0, top + row * n + 0.32 * pt, band_text(traces), size=6.5, fill="#555555"))
    out.append("</svg>")
    return SvgFigure("".join(out), zoom={"data-x0": f"{x0:.2f}", "data-x1": f"{x1:.2f}", "data-tbar-s": f"{tbar:g}",
                                         "data-window-s": f"{span:.3f}",
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

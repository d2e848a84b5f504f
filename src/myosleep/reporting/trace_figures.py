"""Example events as PSG traces, and the zoom on each wake-to-sleep transition with hypnic jerks.

The traces are drawn as a PSG viewer shows them (:func:`example_svg`, written as SVG here):
one row per channel, EEG and EOG above the EMG, a time scale bar instead of a time axis and a
microvolt scale bar beside each row, the display filters written under the traces.  Within
one figure every EMG row has the same sensitivity (and every EEG/EOG row another), so that
the muscles compare at a glance.  The trace, the events' spans and the grid are SVG groups
whose id holds ``zoomable``: the report's script stretches them along time (and rewrites the
time bar's text) without touching the labels and bars; without it the figure reads as it is.
The transition zooms (:func:`transition_svg`) are drawn like the night overview they zoom
into, with the axes, ticks and type sizes of the report's matplotlib figures (:mod:`.figures`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING

import numpy as np

from ..vocab import EMG_ROLES, TRIAL_TYPE_COLOURS, Role
from .figures import fmt_time

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
    finite = np.isfinite(v)
    y = np.round(-np.where(finite, v, 0.0) / per_row_unit * 10.0).astype(np.int64)
    # A gap of the recording (NaN) is left blank: each stretch of values is its own subpath.
    edges = np.diff(np.concatenate(([0], finite.astype(np.int8), [0])))
    d = []
    for a, b in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)):
        steps = np.empty(2 * (b - a - 1), dtype=np.int64)
        steps[0::2] = 1
        steps[1::2] = np.diff(y[a:b])
        d.append(f"M{a} {int(y[a])}" + (f"l{' '.join(map(str, steps.tolist()))}" if steps.size else ""))
    if not d:
        return ""
    sx = x_of(tr.t0_s + step_s) - x_of(tr.t0_s)
    return (f'<path transform="matrix({sx:.6g} 0 0 0.1 {x_of(tr.t0_s):.3f} {y_mid:.3f})" '
            f'd="{"".join(d)}" fill="none" stroke="{_TRACE_COLOUR}" '
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


def _svg_text(x: float, y: float, s: str, *, size: float = 7.5, anchor: str = "middle", fill: str = "#222222",
              rotate: bool = False, baseline: str = "central") -> str:
    turn = f' transform="rotate(-90 {x:.2f} {y:.2f})"' if rotate else ""
    return (f'<text x="{x:.2f}" y="{y:.2f}" font-size="{size:g}" text-anchor="{anchor}" dominant-baseline="{baseline}" '
            f'fill="{fill}"{turn}>{escape(s)}</text>')


def transition_svg(tz: TransitionZoom, hypnogram: Hypnogram | None, events: pd.DataFrame, prefix: str, *,
                   title: str) -> str:
    """The hypnogram around one wake-to-sleep transition, its hypnic jerks and the chin EMG amplitude.

    Time in minutes from the boundary (10 min across); the hypnagogic window (where the jerks
    count as sleep starts) shaded; this transition's jerks as triangles in the class colour,
    those of a neighbouring transition in grey.  Written as SVG like the night overview, whose
    zoom it is (stage rows W, R, N1, N2, N3; REM in its colour); axes, ticks and labels in the
    matplotlib figures' sizes.
    """
    colour = TRIAL_TYPE_COLOURS["hypnic_jerk"]
    pt = 72.0
    width, left, right, top = 3.45 * pt, 44.0, 8.0, 20.0
    hyp_h, gap, chin_h, axis_h = 76.0, 10.0, 40.0, 34.0
    has_chin = tz.chin_uv is not None
    bottom_hyp = top + hyp_h
    chin_top = bottom_hyp + gap
    plot_bottom = chin_top + chin_h if has_chin else bottom_hyp
    height = plot_bottom + axis_h
    x0, x1 = left, width - right
    lo_min, hi_min = (tz.start_s - tz.onset_s) / 60.0, (tz.stop_s - tz.onset_s) / 60.0

    def x_of(t_s: float | np.ndarray) -> np.ndarray:
        return x0 + ((np.asarray(t_s, dtype=float) - tz.onset_s) / 60.0 - lo_min) / (hi_min - lo_min) * (x1 - x0)

    def row_y(row: float) -> float:  # row 4 = W at the top ... 0 = N3
        return top + 6 + (4 - row) * (hyp_h - 12) / 4

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.2f} {height:.2f}" width="100%" role="img" '
           f'aria-label="{escape(title)}" font-family="DejaVu Sans, sans-serif">',
           _svg_text(x0, 9, f"{tz.from_stage}→{tz.to_stage} at {fmt_time(tz.onset_s)} · {tz.n_jerks} hypnic jerk"
                     f"{'s' if tz.n_jerks != 1 else ''}", size=8, anchor="start")]
    a, b = (float(x_of(max(tz.window_start_s, tz.start_s))), float(x_of(min(tz.window_end_s, tz.stop_s))))
    for y_a, y_b in ((top, bottom_hyp), (chin_top, chin_top + chin_h)) if has_chin else ((top, bottom_hyp),):
        out.append(f'<rect x="{a:.2f}" y="{y_a:.2f}" width="{max(b - a, 0.5):.2f}" height="{y_b - y_a:.2f}" '
                   f'fill="{colour}" fill-opacity="0.12"/>')
    for row, name in zip(range(4, -1, -1), ("W", "R", "N1", "N2", "N3")):
        out.append(f'<path d="M{x0 - 3:.2f} {row_y(row):.2f}h3" stroke="#333333" stroke-width="0.6"/>')
        out.append(_svg_text(x0 - 5, row_y(row), name, anchor="end"))
    out.append(_svg_text(11, (top + bottom_hyp) / 2, "stage", size=8, rotate=True))
    if hypnogram is not None and hypnogram.n_epochs:
        on = hypnogram.epoch_onsets_s
        keep = (on + hypnogram.epoch_s > tz.start_s) & (on < tz.stop_s)
        pts = []
        for o, code in zip(on[keep], hypnogram.stages[keep]):
            if int(code) in _STAGE_ROWS:
                y = row_y(_STAGE_ROWS[int(code)])
                xa, xb = float(x_of(max(o, tz.start_s))), float(x_of(min(o + hypnogram.epoch_s, tz.stop_s)))
                pts.append(f"{xa:.2f},{y:.2f} {xb:.2f},{y:.2f}")
                if int(code) == 4:
                    out.append(f'<path d="M{xa:.2f} {y:.2f}H{xb:.2f}" stroke="#CC79A7" stroke-width="3"/>')
        if pts:
            out.append(f'<polyline fill="none" stroke="#333333" stroke-width="1.1" points="{" ".join(pts)}"/>')
    t = events.loc[(events["trial_type"] == "hypnic_jerk") & (events["onset"] >= tz.start_s)
                   & (events["onset"] <= tz.stop_s), "onset"].to_numpy(float)
    for onset in t:  # this transition's jerks in colour; those of a neighbouring transition in grey, hollow
        own = tz.window_start_s <= onset < tz.window_end_s
        x = float(x_of(onset))
        stroke, fill = (colour, colour) if own else ("#aaaaaa", "white")
        out.append(f'<path d="M{x:.2f} {top + 4:.2f}V{plot_bottom:.2f}" stroke="{stroke}" stroke-width="0.9"/>')
        out.append(f'<path d="M{x - 3:.2f} {top - 1:.2f}h6l-3 5z" fill="{fill}" stroke="{stroke}" stroke-width="0.7"/>')
    axes = [(top, bottom_hyp)] + ([(chin_top, chin_top + chin_h)] if has_chin else [])
    for y_a, y_b in axes:
        out.append(f'<path d="M{x0:.2f} {y_a:.2f}V{y_b:.2f}" stroke="#333333" stroke-width="0.6"/>')
    if has_chin and tz.chin_uv is not None:
        v = np.asarray(tz.chin_uv, dtype=float)
        top_uv = float(np.nanpercentile(v, 99)) * 1.15 if np.isfinite(v).any() else 1.0
        top_uv = max(top_uv, 1e-3)
        secs = math.floor(tz.start_s) + np.arange(v.size) + 0.5
        ys = chin_top + chin_h - np.clip(np.nan_to_num(v, nan=0.0), 0, top_uv) / top_uv * chin_h
        xs = x_of(secs)
        line = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs.tolist(), ys.tolist()))
        out.append(f'<polyline fill="none" stroke="#333333" stroke-width="0.6" points="{line}"/>')
        tick = nice_floor(top_uv / 1.15)
        for value in (0.0, tick):
            y = chin_top + chin_h - value / top_uv * chin_h
            out.append(f'<path d="M{x0 - 3:.2f} {y:.2f}h3" stroke="#333333" stroke-width="0.6"/>')
            out.append(_svg_text(x0 - 5, y, f"{value:g}", anchor="end"))
        out.append(_svg_text(11, chin_top + chin_h / 2, "chin EMG (µV)", size=7, rotate=True))
    out.append(f'<path d="M{x0:.2f} {plot_bottom:.2f}H{x1:.2f}" stroke="#333333" stroke-width="0.6"/>')
    for m in range(math.ceil(lo_min / 2) * 2, math.floor(hi_min) + 1, 2):
        x = float(x_of(tz.onset_s + 60.0 * m))
        out.append(f'<path d="M{x:.2f} {plot_bottom:.2f}v3" stroke="#333333" stroke-width="0.6"/>')
        out.append(_svg_text(x, plot_bottom + 10, f"{m:g}".replace("-", "−")))
    out.append(_svg_text((x0 + x1) / 2, plot_bottom + 25, "time from the wake-to-sleep transition (min)", size=8))
    out.append("</svg>")
    return "".join(out)

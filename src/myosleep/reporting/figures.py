"""Inline SVG figures of the HTML report: the night overview (hand-written SVG) and the
house style and SVG conversion of the matplotlib figures (:mod:`.trace_figures`,
:mod:`.night_figures`).

Every matplotlib figure of the report is a :class:`matplotlib.figure.Figure` (no pyplot, no
global state; the Agg and SVG backends only), 7 in wide at most so that it prints on A4
(210 mm less 15-mm margins is 7.1 in) at its own size, with 8-pt text kept as text (searchable,
escaped by matplotlib's SVG writer: a label's ``<`` is ``&lt;``), and every id prefixed so
that several figures live in one page.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING, Any

import numpy as np

from ..vocab import TRIAL_TYPE_COLOURS

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.figure import Figure

    from ..io.hypnogram_model import Hypnogram

__all__ = ["FIGURE_WIDTH_IN", "STYLE", "figure_svg", "fmt_time", "new_figure", "night_overview_svg", "report_style",
           "TRIAL_TYPE_COLOURS"]

#: Widest figure (in): prints on A4 at its own size.
FIGURE_WIDTH_IN = 7.0
#: matplotlib settings of every report figure (one style for all).
STYLE: dict[str, object] = {
    "font.size": 8.0, "axes.titlesize": 8.5, "axes.labelsize": 8.0, "xtick.labelsize": 7.5,
    "ytick.labelsize": 7.5, "legend.fontsize": 7.5, "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"], "axes.linewidth": 0.6, "xtick.major.width": 0.6,
    "ytick.major.width": 0.6, "xtick.major.size": 3.0, "ytick.major.size": 3.0,
    "axes.spines.top": False, "axes.spines.right": False, "axes.edgecolor": "#333333",
    "axes.labelcolor": "#222222", "text.color": "#222222", "xtick.color": "#333333", "ytick.color": "#333333",
    "svg.fonttype": "none", "path.simplify": False, "axes.titlelocation": "left",
}
_ID = re.compile(r'\bid="([^"]+)"')
_REF = re.compile(r'(url\(#|href="#)([^)"]+)')
_DECIMALS = re.compile(r"(\d\.\d\d)\d+")
_PATH_BREAK = re.compile(r" ?\n(?=[LMCQz])")


def _rc(extra: dict[str, object] | None = None) -> Any:
    """:data:`STYLE` (and ``extra``) as matplotlib's rc_context takes it (its keys are typed literals)."""
    return {**STYLE, **(extra or {})}


def report_style() -> contextlib.AbstractContextManager:
    """The report's matplotlib settings, for building a figure (artists take them when made)."""
    import matplotlib as mpl

    return mpl.rc_context(_rc())


def new_figure(width_in: float, height_in: float) -> Figure:
    """A report figure (72 dpi: one SVG unit is one point)."""
    from matplotlib.figure import Figure

    return Figure(figsize=(min(width_in, FIGURE_WIDTH_IN), height_in), dpi=72, facecolor="white")


def figure_svg(fig: Figure, prefix: str, *, label: str) -> str:
    """The figure as inline SVG: ids prefixed with ``prefix``, coordinates to 0.01 pt, 100 % wide.

    Parameters
    ----------
    fig : matplotlib Figure
    prefix : str
        Unique in the page (letters, digits, '-').
    label : str
        What the figure shows (``aria-label``; escaped here).
    """
    import matplotlib as mpl

    buf = io.StringIO()
    with mpl.rc_context(_rc({"svg.hashsalt": prefix})):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    text = buf.getvalue()
    text = text[text.index("<svg"):]
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.S)
    text = _ID.sub(lambda m: f'id="{prefix}-{m.group(1)}"', text)
    text = _REF.sub(lambda m: f"{m.group(1)}{prefix}-{m.group(2)}", text)
    # path coordinates to 0.01 pt (cut, not rounded: 0.01 pt is 3.5 um on paper): a third of the size
    text = _PATH_BREAK.sub(" ", _DECIMALS.sub(r"\1", text))
    text = re.sub(r'<svg ([^>]*?)width="[^"]*" height="[^"]*"',
                  lambda m: f'<svg {m.group(1)}width="100%" role="img" aria-label="{escape(label)}"', text, count=1)
    return text.strip()


def fmt_time(seconds: float, *, decimals: int = 0) -> str:
    """``h:mm:ss`` (with ``decimals`` of a second) from the recording start."""
    scale = 10 ** decimals
    total = int(round(float(seconds) * scale))
    whole, frac = divmod(total, scale)
    h, rem = divmod(whole, 3600)
    text = f"{h}:{rem // 60:02d}:{rem % 60:02d}"
    return f"{text}.{frac:0{decimals}d}" if decimals else text

# Hypnogram rows top to bottom, clinical convention (W on top, REM drawn between W and N1).
_STAGE_ROW = {0: 0, 4: 1, 1: 2, 2: 3, 3: 4}
_STAGE_NAMES = ["W", "R", "N1", "N2", "N3"]



def _fmt_clock(seconds: float) -> str:
    h, rem = divmod(int(round(seconds)), 3600)
    return f"{h}:{rem // 60:02d}"


def night_overview_svg(hypnogram: Hypnogram | None, events: pd.DataFrame, *, duration_s: float,
                       width_px: int = 960, gaps_s: Sequence[tuple[float, float]] = ()) -> str:
    """Hypnogram above one raster row per event class, sharing the time axis (hours).

    Parameters
    ----------
    hypnogram : Hypnogram | None
        Stages to draw; None draws the raster alone.
    events : DataFrame
        Must have ``onset`` (s) and ``trial_type``; ``periodic`` is drawn as a darker tick.
    duration_s : float
        Length of the time axis in seconds.
    gaps_s : sequence of (start, stop)
        The recording's gaps (s): shaded grey and marked "not recorded".
    """
    left, right, top = 150, 48, 12
    hyp_h = 110 if hypnogram is not None else 0
    types = [t for t in TRIAL_TYPE_COLOURS if len(events) and (events["trial_type"] == t).any()]
    row_h = 18
    raster_top = top + hyp_h + (24 if hypnogram is not None else 0)
    height = raster_top + row_h * max(len(types), 1) + 44
    plot_w = width_px - left - right
    dur = max(float(duration_s), 1.0)

    def x(t: np.ndarray | float) -> np.ndarray | float:
        return left + np.asarray(t, dtype=float) / dur * plot_w

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width_px} {height}" '
             f'width="100%" role="img" aria-label="Hypnogram and detected events across the night" '
             f'font-family="system-ui, sans-serif" font-size="11">']
    for a, b in gaps_s:  # no signal there: neither sleep nor events
        parts.append(f'<rect x="{x(a):.1f}" y="{top}" width="{max(float(x(b) - x(a)), 1.0):.1f}" '
                     f'height="{raster_top + row_h * max(len(types), 1) - top}" fill="#d9d9d9">'
                     f'<title>not recorded: {_fmt_clock(a)} to {_fmt_clock(b)} (gap of the recording)</title></rect>')
    if hypnogram is not None and hypnogram.n_epochs:
        row_step = hyp_h / 5
        for name, row in zip(_STAGE_NAMES, range(5)):
            y = top + row * row_step + row_step / 2
            parts.append(f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end">{name}</text>')
            parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" '
                         f'stroke="#eee"/>')
        onsets = hypnogram.epoch_onsets_s
        runs: list[list[str]] = [[]]  # an unscored epoch (e.g. in a gap of the recording) breaks the line
        for on, code in zip(onsets, hypnogram.stages):
            code = int(code)
            if code not in _STAGE_ROW:
                if runs[-1]:
                    runs.append([])
                continue
            y = top + _STAGE_ROW[code] * row_step + row_step / 2
            runs[-1].append(f"{x(on):.1f},{y:.1f} {x(on + hypnogram.epoch_s):.1f},{y:.1f}")
        for pts in runs:
            if pts:
                parts.append(f'<polyline fill="none" stroke="#333" stroke-width="1.3" points="{" ".join(pts)}"/>')
        rem = hypnogram.stages == 4
        for on in onsets[rem]:
            y = top + row_step + row_step / 2
            parts.append(f'<line x1="{x(on):.1f}" x2="{x(on + hypnogram.epoch_s):.1f}" y1="{y:.1f}" '
                         f'y2="{y:.1f}" stroke="#CC79A7" stroke-width="4"/>')
    for i, t in enumerate(types):
        y0 = raster_top + i * row_h
        colour = TRIAL_TYPE_COLOURS[t]
        parts.append(f'<text x="{left - 8}" y="{y0 + 12}" text-anchor="end">{escape(t.replace("_", " "))}</text>')
        on = events.loc[events["trial_type"] == t, "onset"].to_numpy(dtype=float)
        xs = np.round(x(on), 1)
        # One path for all ticks of a class keeps the SVG small on nights with thousands of events.
        d = " ".join(f"M{xx:.1f} {y0 + 2}v{row_h - 5}" for xx in np.unique(xs))
        parts.append(f'<path d="{d}" stroke="{colour}" stroke-width="1.2"/>')
        parts.append(f'<text x="{left + plot_w + right - 4}" y="{y0 + 12}" text-anchor="end" '
                     f'fill="#666">{len(on)}</text>')
    if not types:
        parts.append(f'<text x="{left}" y="{raster_top + 12}" fill="#666">no events detected</text>')
    axis_y = raster_top + row_h * max(len(types), 1) + 6
    parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{axis_y}" y2="{axis_y}" stroke="#333"/>')
    step_h = 1 if dur <= 12 * 3600 else 2
    if dur < 2 * 3600:
        step_s = 600 if dur > 1800 else 300
    else:
        step_s = step_h * 3600
    for tick_s in np.arange(0, dur + 1, step_s):
        parts.append(f'<line x1="{x(tick_s):.1f}" x2="{x(tick_s):.1f}" y1="{axis_y}" y2="{axis_y + 4}" '
                     'stroke="#333"/>')
        parts.append(f'<text x="{x(tick_s):.1f}" y="{axis_y + 16}" text-anchor="middle">{_fmt_clock(tick_s)}</text>')
    parts.append(f'<text x="{left + plot_w}" y="{axis_y + 32}" text-anchor="end" fill="#666">'
                 'time from recording start (h:mm)</text>')
    if gaps_s:
        parts.append(f'<rect x="{left}" y="{axis_y + 24}" width="10" height="10" fill="#d9d9d9"/>'
                     f'<text x="{left + 14}" y="{axis_y + 33}" fill="#666">not recorded (gaps of the recording)</text>')
    parts.append("</svg>")
    return "".join(parts)

"""Inline SVG figures for the HTML report (no plotting library needed at run time)."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

import numpy as np

from ..vocab import TRIAL_TYPE_COLOURS

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ..io.hypnogram_model import Hypnogram

__all__ = ["night_overview_svg", "TRIAL_TYPE_COLOURS"]

# Hypnogram rows top to bottom, clinical convention (W on top, REM drawn between W and N1).
_STAGE_ROW = {0: 0, 4: 1, 1: 2, 2: 3, 3: 4}
_STAGE_NAMES = ["W", "R", "N1", "N2", "N3"]



def _fmt_clock(seconds: float) -> str:
    h, rem = divmod(int(round(seconds)), 3600)
    return f"{h}:{rem // 60:02d}"


def night_overview_svg(hypnogram: Hypnogram | None, events: pd.DataFrame, *, duration_s: float,
                       width_px: int = 960) -> str:
    """Hypnogram above one raster row per event class, sharing the time axis (hours).

    Parameters
    ----------
    hypnogram : Hypnogram | None
        Stages to draw; None draws the raster alone.
    events : DataFrame
        Must have ``onset`` (s) and ``trial_type``; ``periodic`` is drawn as a darker tick.
    duration_s : float
        Length of the time axis in seconds.
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
    if hypnogram is not None and hypnogram.n_epochs:
        row_step = hyp_h / 5
        for name, row in zip(_STAGE_NAMES, range(5)):
            y = top + row * row_step + row_step / 2
            parts.append(f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end">{name}</text>')
            parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" '
                         f'stroke="#eee"/>')
        onsets = hypnogram.epoch_onsets_s
        pts = []
        for on, code in zip(onsets, hypnogram.stages):
            code = int(code)
            if code not in _STAGE_ROW:
                continue
            y = top + _STAGE_ROW[code] * row_step + row_step / 2
            pts.append(f"{x(on):.1f},{y:.1f} {x(on + hypnogram.epoch_s):.1f},{y:.1f}")
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
    parts.append("</svg>")
    return "".join(parts)

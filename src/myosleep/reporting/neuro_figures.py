"""The report's neurophysiology block: jerk-locked EEG averages (inline SVG) and what they mean in plain words.

Everything comes from summary.json (``stages.neurophysiology`` and the two findings), so the
page never says more than the files: :func:`neurophysiology_section` returns the block's data,
the template draws it (one delimited block of ``report.html.j2``). Figures: for every group of
jerks whose average is significant, and the primary one, each EEG channel's average with its
95 % bootstrap band, in ms from EMG onset, in uV, the tested window marked; for the jerks in
wakefulness, the whole epoch with the Bereitschaftspotential's window. No plotting library, no
script: the page stays self-contained and readable with JavaScript off.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

__all__ = ["neurophysiology_section", "average_svg", "verdict_sentence", "functional_sentence"]

_BAND = "#9ecae1"
_MEAN = "#08519c"
_TESTED = "#e3e3e3"
_UNTESTED = "#f3f3f3"
_TRANSIENT = "#D55E00"
_BP = "#fde0c5"


def _finding(summary: Mapping[str, Any], code: str) -> Mapping[str, Any]:
    for f in summary.get("findings", []):
        if f.get("code") == code:
            return f
    return {}


def _fmt(v: Any, nd: int = 0, unit: str = "") -> str:
    if v is None or isinstance(v, bool):
        return "n/a"
    return f"{float(v):.{nd}f}{unit}"


def verdict_sentence(stage: Mapping[str, Any], cortical: Mapping[str, Any]) -> str:
    """What the averages mean, in plain words (one or two sentences)."""
    present = cortical.get("present")
    n_sel, n_use = stage.get("n_jerks_selected") or 0, stage.get("n_jerks_usable") or 0
    group = stage.get("trigger_muscle") or stage.get("primary_group")
    of = {None: "", "all": "", "other muscles": " of several muscles"}.get(group, f" of {group}")
    if present is True:
        return (f"An EEG potential {_fmt(stage.get('lead_ms'))} ms before the jerks ({stage.get('polarity')} at "
                f"{stage.get('channel')}, {_fmt(stage.get('amplitude_uv'), 1)} uV, in the average of "
                f"{stage.get('n_jerks')} jerks{of}; p = {float(stage.get('p_value') or 0):.2g}) suggests a cortical "
                "origin: these jerks may be cortical (epileptic) myoclonus. A clinical neurophysiologist should "
                "review the averages and the recording.")
    if present is False:
        n_groups = len(stage.get("groups") or [])
        more = f" and in {n_groups - 1} other group(s)" if n_groups > 1 else ""
        return (f"No EEG potential before the jerks: the average of {stage.get('n_jerks')} jerks{of}{more} shows "
                "nothing time-locked before the EMG onset, so back-averaging gives no sign of a cortical origin.")
    why = stage.get("not_assessed_because")
    if why == "no_eeg" or not stage.get("eeg_channels"):
        return "Cannot tell whether the jerks are cortical: the recording has no usable EEG channel."
    if why == "eeg_rate":
        return (f"Cannot tell whether the jerks are cortical: the EEG is sampled at {stage.get('sfreq_hz'):g} Hz, too "
                f"slowly to resolve a cortical potential a few ms before the jerks (at least "
                f"{float(stage.get('min_eeg_sfreq_hz') or 0):g} Hz is needed).")
    if why == "too_few_per_muscle":
        return (f"Not enough jerks of one muscle to tell: the {stage.get('n_jerks')} jerks of several muscles "
                f"averaged together show no EEG potential before them, but each muscle has its own delay from the "
                f"cortex, so this cannot rule a cortical origin out; at least {stage.get('min_jerks')} jerks of "
                "one muscle are needed.")
    if why == "inconclusive":
        found = (cortical.get("values") or {}).get("signs_for_cortex") or ["other signs point to the cortex"]
        signs = " and ".join(found)
        return (f"Inconclusive: the average of {stage.get('n_jerks')} jerks{of} shows no significant EEG potential "
                f"before the EMG onset (p = {float(stage.get('p_value') or 1):.2g}), but {signs}; with fewer than "
                f"{stage.get('absence_jerks') or 50} jerks this cannot rule a cortical origin out. A clinical "
                "neurophysiologist should review the averages; a longer recording gives more jerks.")
    if why == "conflicting":
        return ("Conflicting: an EEG potential before the jerks and a Bereitschaftspotential too; the averages need "
                "a clinical neurophysiologist's review.")
    return (f"Not enough jerks to tell: {n_use} usable of {n_sel} chosen; back-averaging needs at least "
            f"{stage.get('min_jerks')} (clinics average 50-200).")


def functional_sentence(stage: Mapping[str, Any], functional: Mapping[str, Any]) -> str:
    """The Bereitschaftspotential's meaning, in plain words."""
    bp = stage.get("bereitschaftspotential_test") or {}
    present = functional.get("present")
    if present is True:
        return (f"A slow negative potential builds up before the jerks in wakefulness (Bereitschaftspotential, "
                f"{_fmt(bp.get('amplitude_uv'), 1)} uV at {bp.get('channel')} over the last 500 ms, "
                f"{bp.get('n_jerks')} jerks): the jerks are prepared like voluntary movements, which suggests "
                "functional (psychogenic) jerks.")
    if present is False:
        return (f"No Bereitschaftspotential before the {bp.get('n_jerks')} jerks in wakefulness: nothing suggests "
                "functional (psychogenic) jerks.")
    return f"Bereitschaftspotential: cannot be assessed. {bp.get('reason') or functional.get('evidence', '')}"


class _Axes:
    """Linear maps of one panel (data -> SVG pixels)."""

    def __init__(self, x0: float, y0: float, w: float, h: float, xlim: tuple[float, float],
                 ylim: tuple[float, float]):
        self.x0, self.y0, self.w, self.h, self.xlim, self.ylim = x0, y0, w, h, xlim, ylim

    def x(self, t: float) -> float:
        return self.x0 + (t - self.xlim[0]) / (self.xlim[1] - self.xlim[0]) * self.w

    def y(self, v: float) -> float:
        return self.y0 + (self.ylim[1] - v) / (self.ylim[1] - self.ylim[0]) * self.h

    def span(self, a: float, b: float, colour: str) -> str:
        a, b = max(a, self.xlim[0]), min(b, self.xlim[1])
        if b <= a:
            return ""
        return (f'<rect x="{self.x(a):.1f}" y="{self.y0:.1f}" width="{self.x(b) - self.x(a):.1f}" '
                f'height="{self.h:.1f}" fill="{colour}"/>')

    def vline(self, t: float, colour: str, dash: str = "") -> str:
        if not self.xlim[0] <= t <= self.xlim[1]:
            return ""
        d = f' stroke-dasharray="{dash}"' if dash else ""
        return (f'<line x1="{self.x(t):.1f}" x2="{self.x(t):.1f}" y1="{self.y0:.1f}" y2="{self.y0 + self.h:.1f}" '
                f'stroke="{colour}" stroke-width="1"{d}/>')

    def band(self, t: Sequence[float], lo: Sequence[float], hi: Sequence[float], mean: Sequence[float]) -> str:
        up = " ".join(f"{self.x(a):.1f},{self.y(b):.1f}" for a, b in zip(t, hi))
        down = " ".join(f"{self.x(a):.1f},{self.y(b):.1f}" for a, b in zip(reversed(t), reversed(lo)))
        line = " ".join(f"{self.x(a):.1f},{self.y(b):.1f}" for a, b in zip(t, mean))
        return (f'<polygon points="{up} {down}" fill="{_BAND}" stroke="none"/>'
                f'<polyline points="{line}" fill="none" stroke="{_MEAN}" stroke-width="1.2"/>')

    def frame(self, xticks: Sequence[float], yticks: Sequence[float], *, xlabels: bool, ylabels: bool) -> str:
        parts = [f'<rect x="{self.x0:.1f}" y="{self.y0:.1f}" width="{self.w:.1f}" height="{self.h:.1f}" '
                 'fill="none" stroke="#888" stroke-width="0.6"/>']
        for v in yticks:
            y = self.y(v)
            parts.append(f'<line x1="{self.x0 - 3:.1f}" x2="{self.x0:.1f}" y1="{y:.1f}" y2="{y:.1f}" stroke="#888"/>')
            if ylabels:
                parts.append(f'<text x="{self.x0 - 5:.1f}" y="{y + 3:.1f}" text-anchor="end">{v:g}</text>')
        zero = self.y(0.0)
        parts.append(f'<line x1="{self.x0:.1f}" x2="{self.x0 + self.w:.1f}" y1="{zero:.1f}" y2="{zero:.1f}" '
                     'stroke="#bbb" stroke-width="0.6"/>')
        for t in xticks:
            x = self.x(t)
            yb = self.y0 + self.h
            parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{yb:.1f}" y2="{yb + 3:.1f}" stroke="#888"/>')
            if xlabels:
                parts.append(f'<text x="{x:.1f}" y="{yb + 14:.1f}" text-anchor="middle">{t:g}</text>')
        return "".join(parts)


def _nice_limit(values: Sequence[float]) -> float:
    """Symmetric y limit (uV): the largest |value| rounded up to 1, 2 or 5 x 10^k."""
    import math

    top = max((abs(v) for v in values), default=1.0) or 1.0
    k = 10 ** math.floor(math.log10(top))
    for m in (1, 2, 2.5, 5, 10):
        if top <= m * k:
            return float(m * k)
    return float(10 * k)


def _ticks(lim: float) -> list[float]:
    return [-lim, -lim / 2, 0.0, lim / 2, lim]


def average_svg(fig: Mapping[str, Any], *, width_px: int = 960) -> str:
    """One figure: a panel per EEG channel (two columns), its average with the 95 % bootstrap
    band, x in ms from EMG onset, y in uV (one scale for every channel). Jerk-locked averages
    (-200 to +100 ms at the EEG's rate) mark the tested window, and the potential found;
    the jerks in wakefulness (whole epoch, 20-ms bins) mark the baseline and the last 500 ms
    where a Bereitschaftspotential is measured."""
    avg = fig["average"]
    chans = list(avg["channels"])
    t = avg["time_ms"]
    cols = 2 if len(chans) > 1 else 1
    rows = (len(chans) + cols - 1) // cols
    left, gap, right, top, row_h, row_gap = 58, 70, 12, 8, 96, 34
    panel_w = (width_px - left - right - gap * (cols - 1)) / cols
    height = top + rows * (row_h + row_gap) + 10
    label = (f"{fig.get('group')}: jerk-locked EEG average of {fig.get('n_jerks')} jerks" if fig["kind"] != "wake"
             else f"EEG average of {fig.get('n_jerks')} jerks in wakefulness")
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width_px} {height}" width="100%" role="img" '
             f'aria-label="{escape(label)}" font-family="system-ui, sans-serif" font-size="10">']
    lim = _nice_limit([v for key in ("ci_low_uv", "ci_high_uv") for row in avg[key] for v in row])
    tr = fig.get("transient") or {}
    if fig["kind"] == "wake":
        xticks = [-2500, -2000, -1500, -1000, -500, 0, 500]
        shades = [(*fig["baseline_ms"], "#f0f0f0"), (*fig["bp_window_ms"], _BP)]
        xlim = (t[0] - 10.0, t[-1] + 10.0)
    else:
        xticks = [-200, -150, -100, -50, 0, 50, 100]
        lo, hi = fig["tested_ms"]
        shades = [(lo, hi, _TESTED), (hi, 0.0, _UNTESTED)]
        xlim = (t[0], t[-1])
    for i, ch in enumerate(chans):
        r, c = divmod(i, cols)
        x0 = left + c * (panel_w + gap)
        y0 = top + r * (row_h + row_gap)
        ax = _Axes(x0, y0 + 12, panel_w, row_h - 12, xlim, (-lim, lim))
        parts.append(f'<text x="{x0:.1f}" y="{y0 + 8:.1f}" font-weight="600">{escape(ch)}</text>')
        parts.append(f'<text x="{x0 - 30:.1f}" y="{y0 + 8:.1f}" fill="#666">uV</text>')
        parts += [ax.span(a, b, colour) for a, b, colour in shades]
        parts.append(ax.band(t, avg["ci_low_uv"][i], avg["ci_high_uv"][i], avg["mean_uv"][i]))
        parts.append(ax.vline(0.0, "#333"))
        if tr.get("channel") == ch and tr.get("lead_ms") is not None:
            lead = float(tr["lead_ms"])
            parts.append(ax.vline(-lead, _TRANSIENT, "4 2"))
            parts.append(f'<text x="{ax.x(-lead) - 3:.1f}" y="{y0 + 24:.1f}" text-anchor="end" '
                         f'fill="{_TRANSIENT}">{lead:.0f} ms before</text>')
        parts.append(ax.frame(xticks, _ticks(lim), xlabels=True, ylabels=True))
        parts.append(f'<text x="{x0 + panel_w:.1f}" y="{y0 + row_h + 26:.1f}" text-anchor="end" fill="#666">'
                     'ms from EMG onset</text>')
    parts.append("</svg>")
    return "".join(parts)


def _caption(fig: Mapping[str, Any], stage: Mapping[str, Any]) -> str:
    if fig["kind"] == "wake":
        lo, hi = fig["bp_window_ms"]
        return (f"Jerks in wakefulness: average of {fig['n_jerks']} jerks per EEG channel (uV, EMG onset at 0 ms) "
                f"with its 95 % bootstrap band, in 20-ms bins; light grey: the baseline ({fig['baseline_ms'][0]:g} "
                f"to {fig['baseline_ms'][1]:g} ms); orange: {lo:g} to {hi:g} ms, where a Bereitschaftspotential "
                f"(a slow negativity) is measured: "
                f"{str(fig.get('bereitschaftspotential', 'n/a')).replace('_', ' ')}.")
    lo, hi = fig["tested_ms"]
    tr = fig.get("transient") or {}
    where = {"all": "jerks of every muscle together", "other muscles": "jerks of the muscles without an average "
             "of their own"}.get(fig["group"], f"jerks of {fig['group']}")
    mark = (f" Dashed: the {tr.get('polarity')} potential at {tr.get('channel')}, {float(tr['lead_ms']):.0f} ms "
            f"before EMG onset (p = {float(fig.get('p_value') or 0):.2g})." if tr.get("channel") else
            " No significant potential.")
    return (f"Average of {fig['n_jerks']} {where} per EEG channel (uV, EMG onset at 0 ms, "
            f"{_fmt(fig.get('sfreq_hz'))} Hz) with its 95 % bootstrap band; baseline -2500 to -2000 ms. Grey: the "
            f"window tested for a potential before the jerks ({lo:g} to {hi:g} ms); lighter: the last {-hi:g} ms, "
            f"too close to the jerk to cause it.{mark}")


def _title(fig: Mapping[str, Any]) -> str:
    if fig["kind"] == "wake":
        status = str(fig.get("bereitschaftspotential", "n/a")).replace("_", " ")
        return f"Jerks in wakefulness ({fig['n_jerks']}): Bereitschaftspotential {status}"
    tr = fig.get("transient") or {}
    who = {"all": "jerks of every muscle together", "other muscles": "jerks of the other muscles together"}.get(
        fig["group"], f"jerks of {fig['group']}")
    found = (f"EEG potential {float(tr['lead_ms']):.0f} ms before EMG onset at {tr.get('channel')}"
             if tr.get("channel") else "no significant EEG potential before EMG onset")
    return f"{fig['n_jerks']} {who}: {found}"


def neurophysiology_section(summary: Mapping[str, Any]) -> dict[str, Any] | None:
    """The block's data: ``headline``, ``functional``, ``figures`` (``title``, ``svg``, ``caption``),
    ``rows`` (label, value) and ``notes``; None when analyze ran no neurophysiology stage."""
    stage = (summary.get("stages") or {}).get("neurophysiology")
    if not isinstance(stage, Mapping):
        return None
    figures = [{"title": _title(fig), "svg": average_svg(fig), "caption": _caption(fig, stage)}
               for fig in stage.get("averages") or []]
    rejected = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in (stage.get("epochs_rejected") or {}).items() if v)
    rows = [
        ("jerks averaged (classes)", f"{stage.get('n_jerks_usable')} usable of {stage.get('n_jerks_selected')} "
                                     f"({', '.join(stage.get('classes') or [])})"),
        ("epochs rejected", rejected or "none"),
        ("EEG channels", f"{', '.join(stage.get('eeg_channels') or []) or 'none'}"
                         + (f" at {stage['sfreq_hz']:g} Hz" if stage.get("sfreq_hz") else "")),
        ("groups tested", "; ".join(f"{g['name']} ({g['n_jerks']} jerks, p = "
                                    f"{_fmt(g['transient'].get('p_value_adjusted'), 3)})"
                                    for g in stage.get("groups") or []) or "none"),
        ("lead of the EEG potential", _fmt(stage.get("lead_ms"), 1, " ms")),
        ("EEG-EMG coherence peak", _fmt(stage.get("coherence_peak_hz"), 0, " Hz")),
        ("Bereitschaftspotential", str(stage.get("bereitschaftspotential", "n/a")).replace("_", " ")),
        ("method", f"{stage.get('multiple_comparisons')}; family-wise alpha {stage.get('alpha')}"),
    ]
    return {"headline": verdict_sentence(stage, _finding(summary, "cortical_myoclonus")),
            "functional": functional_sentence(stage, _finding(summary, "functional_jerks")),
            "figures": figures, "rows": rows, "notes": list(stage.get("notes") or [])}

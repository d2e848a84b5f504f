"""report.html: one self-contained page (inline CSS and SVG), rendered with Jinja2 (autoescape on)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .figures import night_overview_svg
from .neuro_figures import neurophysiology_section

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ..io.hypnogram_model import Hypnogram

__all__ = ["render_report"]

FINDING_TITLES = {
    "sleep_starts": "Sleep starts (hypnic jerks)",
    "excessive_fragmentary_myoclonus": "Excessive fragmentary myoclonus",
    "periodic_limb_movements": "Periodic limb movements in sleep",
    "rem_sleep_without_atonia": "REM sleep without atonia",
    "benign_neonatal_sleep_myoclonus": "Benign neonatal sleep myoclonus",
    "propriospinal_myoclonus": "Propriospinal myoclonus at sleep onset",
    "cortical_myoclonus": "Cortical (epileptic) myoclonus",
    "functional_jerks": "Functional (psychogenic) jerks",
}

_SLEEP_LABELS = [
    ("trt_min", "time in bed / recording analysed (min)"),
    ("tst_min", "total sleep time (min)"),
    ("spt_min", "sleep period time (min)"),
    ("sol_min", "sleep onset latency (min)"),
    ("waso_min", "wake after sleep onset (min)"),
    ("se_pct", "sleep efficiency (%)"),
    ("n_awakenings", "awakenings"),
    ("n_wake_to_sleep_transitions", "wake-to-sleep transitions"),
]


def _num(v: Any, digits: int = 1) -> str:
    if v is None:
        return "n/a"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def _values_text(values: dict) -> str:
    items = []
    for k, v in values.items():
        if isinstance(v, (dict, list)):
            continue
        items.append(f"{k.replace('_', ' ')}: {_num(v, 2)}")
    return " · ".join(items)


def _environment():
    from jinja2 import Environment, PackageLoader, select_autoescape

    return Environment(loader=PackageLoader("myosleep.reporting", "templates"),
                       autoescape=select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)


def render_report(summary: dict, events: pd.DataFrame, hypnogram: Hypnogram | None) -> str:
    """Render report.html from the summary (the same dict written to summary.json) and the events.

    The page shows nothing that summary.json and events.tsv do not hold, so the three
    outputs never disagree.
    """
    rec = summary.get("inputs", {}).get("recording", {})
    duration_s = float(rec.get("duration_s") or (hypnogram.end_s if hypnogram is not None else 0.0))
    h, rem = divmod(int(round(duration_s)), 3600)
    findings = []
    for f in summary.get("findings", []):
        findings.append({
            "code": f["code"], "title": FINDING_TITLES.get(f["code"], f["code"]),
            "present": f.get("present"), "evidence": f.get("evidence", ""),
            "values_text": _values_text(f.get("values", {})),
        })
    counts = summary.get("counts", {})
    per_hour = summary.get("indices_per_hour", {})
    overall = per_hour.get("overall", {})
    by_stage = per_hour.get("by_stage", {})
    stage_columns = [s for s in ("W", "N1", "N2", "N3", "R") if s in by_stage]
    count_rows = []
    for name, n in counts.items():
        count_rows.append({
            "name": name.replace("_", " "), "count": n, "per_hour": _num(overall.get(name)),
            "by_stage": [_num(by_stage[s].get(name)) for s in stage_columns],
        })
    sleep = summary.get("sleep", {})
    sleep_rows = [(label, _num(sleep.get(key))) for key, label in _SLEEP_LABELS if key in sleep]
    for stage in ("W", "N1", "N2", "N3", "R"):
        key = f"{stage.lower()}_min"
        if key in sleep:
            sleep_rows.append((f"{stage} (min)", _num(sleep[key])))
    channels = summary.get("channels", {})
    channel_rows = []
    refused = channels.get("refused", {})
    for c in channels.get("all", []):
        reason = refused.get(c["label"])
        status = f"not used: {reason}" if reason else ("used" if c.get("used") else "not needed")
        if c.get("warnings") and not reason:
            status += " (" + "; ".join(c["warnings"]) + ")"
        channel_rows.append({"label": c["label"], "role": c.get("role", ""), "sfreq": _num(c.get("sfreq"), 0),
                             "status": status, "refused": bool(reason)})
    inputs = summary.get("inputs", {})
    method_rows = [("leg-movement ruleset", summary.get("ruleset", "")),
                   ("hypnogram", summary.get("hypnogram_source", ""))]
    for key, value in inputs.items():
        if isinstance(value, dict) and value.get("sha256"):
            method_rows.append((f"{key} sha256", value["sha256"]))
    for k, v in summary.get("methods", {}).items():
        method_rows.append((k.replace("_", " "), v))
    svg = night_overview_svg(hypnogram, events, duration_s=duration_s)
    env = _environment()
    tpl = env.get_template("report.html.j2")
    return tpl.render(
        title=rec.get("name") or rec.get("path") or "recording",
        duration_text=f"{h} h {rem // 60:02d} min",
        version=summary.get("tool", {}).get("version", ""),
        ruleset=summary.get("ruleset", ""),
        hypnogram_source=summary.get("hypnogram_source", "n/a"),
        age_text=(summary.get("age") or {}).get("text"),
        notices=summary.get("warnings", []),
        findings=findings, overview_svg=svg, stage_columns=stage_columns, count_rows=count_rows,
        sleep_rows=sleep_rows, channel_rows=channel_rows, method_rows=method_rows,
        neuro=neurophysiology_section(summary),
    )

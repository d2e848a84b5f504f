"""report.html: one self-contained page (inline CSS, SVG and one small script), rendered with
Jinja2 (autoescape on).

Every text of the recording (its header's patient and recording fields, channel labels, the
file name) is untrusted: the template escapes it (no ``|safe`` on any of it) and matplotlib's
SVG writer escapes the labels inside figures.  The page loads nothing: no external script,
style sheet, font or image.  Its Content-Security-Policy allows only its own inline styles,
``data:`` images and the one script whose SHA-256 it names, so that even text that slipped
through escaping could not run.  The script only enhances (zoom along a trace); without it
every figure reads as it is, and the page prints on A4.
"""

from __future__ import annotations

import base64
import datetime as _dt
import functools
import hashlib
from importlib import resources
from typing import TYPE_CHECKING, Any

from ..vocab import TrialType
from .figures import fmt_time, night_overview_svg
from .neuro_figures import neurophysiology_section

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ..io.hypnogram_model import Hypnogram
    from .evidence import Evidence, RecordingHeader

__all__ = ["render_report", "CLASS_TITLES"]

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

#: One event of each class, in words.
CLASS_NAMES = {
    TrialType.HYPNIC_JERK.value: "Hypnic jerk",
    TrialType.FRAGMENTARY_MYOCLONUS.value: "Fragmentary myoclonus",
    TrialType.LEG_MOVEMENT.value: "Leg movement",
    TrialType.REM_TWITCH.value: "REM twitch",
    TrialType.NEONATAL_MYOCLONUS.value: "Neonatal myoclonic jerk",
    TrialType.PROPRIOSPINAL_MYOCLONUS.value: "Propriospinal jerk",
    TrialType.CORTICAL_MYOCLONUS.value: "Cortical myoclonic jerk",
    TrialType.MYOCLONIC_JERK.value: "Myoclonic jerk",
    TrialType.BODY_MOVEMENT.value: "Body movement",
}
#: Section title of each event class's examples.
CLASS_TITLES = {
    TrialType.HYPNIC_JERK.value: "Hypnic jerks (sleep starts)",
    TrialType.FRAGMENTARY_MYOCLONUS.value: "Fragmentary myoclonus",
    TrialType.LEG_MOVEMENT.value: "Leg movements",
    TrialType.REM_TWITCH.value: "REM twitches",
    TrialType.NEONATAL_MYOCLONUS.value: "Neonatal sleep myoclonus",
    TrialType.PROPRIOSPINAL_MYOCLONUS.value: "Propriospinal myoclonus",
    TrialType.CORTICAL_MYOCLONUS.value: "Cortical myoclonus",
    TrialType.MYOCLONIC_JERK.value: "Other myoclonic jerks",
    TrialType.BODY_MOVEMENT.value: "Body movements",
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


@functools.lru_cache(maxsize=1)
def zoom_script() -> tuple[str, str]:
    """The page's one script (templates/zoom.js) and its CSP source (``'sha256-...'``)."""
    text = resources.files("myosleep.reporting").joinpath("templates").joinpath("zoom.js").read_text(encoding="utf-8")
    digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
    return text, f"'sha256-{digest}'"


def _clock(start: _dt.datetime | None, t_s: float, *, decimals: int = 0) -> str | None:
    """Clock time of ``t_s`` (s from the start) when the start is known."""
    if start is None:
        return None
    t = start + _dt.timedelta(seconds=float(t_s))
    q = 10 ** (6 - decimals)
    t = t.replace(microsecond=0) + _dt.timedelta(microseconds=round(t.microsecond / q) * q)
    text = t.strftime("%H:%M:%S")
    return text + (f".{t.microsecond // q:0{decimals}d}" if decimals else "")


def _header_rows(header: RecordingHeader | None) -> list[tuple[str, str]]:
    """The recording's identification as its header gives it (untrusted: the template escapes it)."""
    if header is None:
        return []
    rows = []
    if header.patient is not None:
        rows.append(("patient field (file header)", header.patient.strip() or "(empty)"))
    if header.recording is not None:
        rows.append(("recording field (file header)", header.recording.strip() or "(empty)"))
    if header.start_datetime is not None:
        when = header.start_datetime.strftime("%Y-%m-%d %H:%M:%S") if header.start_date_known else \
            header.start_datetime.strftime("%H:%M:%S") + " (date anonymised in the file)"
        rows.append(("recording start", when))
    return rows


def _example_caption(w: Any, start: _dt.datetime | None) -> str:
    clock = _clock(start, w.onset_s, decimals=1)
    where = f"{fmt_time(w.onset_s, decimals=1)} from the start" + (f" (clock {clock})" if clock else "")
    dur = f"{w.duration_s:.2f} s" if w.duration_s == w.duration_s else "n/a"
    peak = f"{w.peak_amplitude_uv:.0f} µV" if w.peak_amplitude_uv == w.peak_amplitude_uv else "n/a"
    return (f"Onset {where} · stage {w.stage} · duration {dur} · peak {peak} above rest · "
            f"channels {', '.join(w.channel)}")


def _evidence_context(evidence: Evidence | None, events: pd.DataFrame, hypnogram: Hypnogram | None) -> dict:
    """The example traces and the transition zooms, as the template shows them."""
    from .trace_figures import example_svg, transition_svg

    if evidence is None:
        return {"example_classes": [], "transitions": [], "evidence_notes": [], "evidence_available": False}
    start = evidence.header.start_datetime
    classes = []
    k = 0
    for cls, windows in evidence.by_class().items():
        name = cls.replace("_", " ")
        items = []
        for w in windows:
            k += 1
            fig = example_svg(w, f"ex{k}", title=f"{name} example {w.rank}: EMG traces around the event")
            items.append({"svg": fig.svg, "zoom": fig.zoom, "rank": w.rank, "caption": _example_caption(w, start),
                          "rule": w.rule})
        classes.append({"code": cls, "title": CLASS_TITLES.get(cls, name), "n": windows[0].n_in_class,
                        "name": CLASS_NAMES.get(cls, name), "examples": items})
    transitions = []
    for i, tz in enumerate(evidence.transitions):
        clock = _clock(start, tz.onset_s)
        transitions.append({
            "svg": transition_svg(tz, hypnogram, events, f"tr{i + 1}",
                                  title=f"Wake-to-sleep transition at {fmt_time(tz.onset_s)}"),
            "caption": f"{tz.from_stage}→{tz.to_stage} at {fmt_time(tz.onset_s)} from the start"
                       + (f" (clock {clock})" if clock else "")
                       + f"; hypnagogic window {fmt_time(tz.window_start_s)}–{fmt_time(tz.window_end_s)}"})
    return {"example_classes": classes, "transitions": transitions, "evidence_notes": list(evidence.notes),
            "evidence_available": True, "chin_source": evidence.chin_source}


def _night_context(summary: dict, events: pd.DataFrame, duration_s: float,
                   gaps_s: list[tuple[float, float]] | None = None) -> dict:
    """The PLM interval figure (when there are leg movements) and the hourly rates (per hour recorded)."""
    from .night_figures import hourly_rates_svg, plm_imi_svg

    out: dict[str, Any] = {"plm": None,
                           "hourly_svg": hourly_rates_svg(events, duration_s, prefix="hr", gaps_s=gaps_s or ())}
    if len(events) and (events["trial_type"] == TrialType.LEG_MOVEMENT.value).any():
        thresholds = (summary.get("methods") or {}).get("thresholds") or {}
        lo, hi = thresholds.get("plm_min_interval_s"), thresholds.get("plm_max_interval_s")
        tst_h = (summary.get("indices_per_hour") or {}).get("tst_h")
        svg, numbers = plm_imi_svg(events, tst_h=float(tst_h) if tst_h else None,
                                   periodic_range_s=(float(lo), float(hi)) if lo is not None and hi is not None
                                   else None, ruleset=str(summary.get("ruleset", "")), prefix="plm",
                                   duration_s=duration_s)
        per_hour = summary.get("indices_per_hour") or {}
        plm = (summary.get("indices") or {}).get("plm") or {}
        plms = per_hour.get("plms_index")
        out["plm"] = {"svg": svg, "plms_index": _num(plms), "tst_h": _num(tst_h, 2), **numbers,
                      "plms_all_clm_index": _num(per_hour.get("plms_all_clm_index")),
                      "wasm_both": plm.get("n_plms_all_clm") is not None,
                      "periodicity_index": _num(plm.get("periodicity_index"), 2),
                      "pi_n_intervals": plm.get("periodicity_n_intervals"),
                      "range_text": f"{lo:g}–{hi:g} s" if lo is not None and hi is not None else "n/a"}
    return out


def _table_context(summary: dict) -> dict:
    """Findings, counts, sleep, channels and methods tables."""
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
    read = inputs.get("hypnogram") or {}
    if read.get("convention") or read.get("format"):  # how the hypnogram file was read (issue 9, defect 3)
        how = [str(read["format"])] if read.get("format") else []
        if read.get("convention"):
            how.append(f"{read['convention']} ({read['convention_evidence']})" if read.get("convention_evidence")
                       else str(read["convention"]))
        if read.get("epoch_s"):
            how.append(f"{float(read['epoch_s']):g}-s epochs" + (f" ({read['epoch_s_source']})"
                                                                   if read.get("epoch_s_source") else ""))
        method_rows.append(("hypnogram read as", " · ".join(how)))
    method_rows += _scored_rows(summary)
    for key, value in inputs.items():
        for entry in value if isinstance(value, list) else [value]:
            if isinstance(entry, dict) and entry.get("sha256"):
                name = f" ({entry['name']})" if isinstance(value, list) and entry.get("name") else ""
                method_rows.append((f"{key} sha256{name}", entry["sha256"]))
    for k, v in summary.get("methods", {}).items():
        if isinstance(v, dict):
            v = " · ".join(f"{kk}: {_num(vv, 3)}" for kk, vv in v.items() if kk not in ("name", "citation"))
        elif isinstance(v, (list, tuple)):
            v = ", ".join(str(x) for x in v)
        method_rows.append((k.replace("_", " "), v))
    hours = per_hour.get("hours_by_stage", {})
    stage_hours = [_num(hours.get(s), 2) for s in stage_columns] if hours else []
    return {"findings": findings, "stage_columns": stage_columns, "count_rows": count_rows, "stage_hours": stage_hours,
            "sleep_rows": sleep_rows, "channel_rows": channel_rows, "method_rows": method_rows,
            "left_out": _left_out(summary.get("indices") or {})}


def _scored_rows(summary: dict) -> list[tuple[str, str]]:
    """Where the arousals came from, and what the scored events held (summary.json ``arousals``, ``scored_events``)."""
    rows = []
    text = (summary.get("arousals") or {}).get("text")
    if text:
        rows.append(("arousals", str(text)))
    sc = summary.get("scored_events")
    if isinstance(sc, dict):
        where = ("the recording's own annotations" if sc.get("source") == "recording annotations"
                 else ", ".join(sc.get("files") or []) or "a table")
        parts = [f"{sc.get('n_respiratory', 0)} respiratory events, {sc.get('n_arousals', 0)} arousals, "
                 f"{sc.get('n_other', 0)} other events read from {where}"]
        not_used = sc.get("not_used") or {}
        n_zero = sum((not_used.get("zero_duration") or {}).values())
        n_out = sum((not_used.get("outside_recording") or {}).values())
        if n_zero or n_out or not_used.get("arousals_merged"):
            parts.append(f"not used: {n_zero} lasting 0 s, {n_out} outside the recording; "
                         f"{not_used.get('arousals_merged', 0)} overlapping arousals merged")
        labels = sc.get("unrecognised_labels") or {}
        if labels:
            parts.append("labels not recognised: " + ", ".join(f"{k} ({v})" for k, v in list(labels.items())[:6]))
        rows.append(("scored events", "; ".join(parts)))
    return rows


def _left_out(indices: dict) -> list[str]:
    """What classification took out of the event table as not jerks, with its count (summary.json indices)."""
    out = []
    n = int(indices.get("arousal_chin_fragments") or 0)
    if n:
        out.append(f"{n} chin-only burst{'s' if n > 1 else ''} within an arousal (the arousal's rise of chin tone)")
    n = int(indices.get("sustained_activity_events") or 0)
    if n:
        out.append(f"{n} event{'s' if n > 1 else ''} of sustained activity (an EMG burst longer than 5 s: tonic, "
                   "not a jerk)")
    return out


def render_report(summary: dict, events: pd.DataFrame, hypnogram: Hypnogram | None, *,
                  evidence: Evidence | None = None) -> str:
    """Render report.html from the results.

    Parameters
    ----------
    summary : dict
        The summary.json dict (findings, counts, indices, sleep, channels, methods).
    events : DataFrame
        events.tsv rows.
    hypnogram : Hypnogram | None
        The stages used.
    evidence : Evidence | None
        Example events' traces, transition zooms and the header fields
        (:func:`myosleep.reporting.evidence.extract_evidence`); None: the page shows the
        results without signal.

    Returns
    -------
    str
        The page: one self-contained HTML file.
    """
    rec = summary.get("inputs", {}).get("recording", {})
    duration_s = float(rec.get("duration_s") or (hypnogram.end_s if hypnogram is not None else 0.0))
    gaps = [(float(a), float(b)) for a, b in rec.get("gaps_s") or ()]
    h, rem = divmod(int(round(duration_s)), 3600)
    gap_s = sum(b - a for a, b in gaps)
    gap_text = (f" ({len(gaps)} gap{'s' if len(gaps) != 1 else ''} of {gap_s / 60:.1f} min in all not recorded)"
                if gaps else "")
    script, script_hash = zoom_script()
    tpl = _environment().get_template("report.html.j2")
    return tpl.render(
        title=rec.get("name") or rec.get("path") or "recording",
        duration_text=f"{h} h {rem // 60:02d} min{gap_text}",
        version=summary.get("tool", {}).get("version", ""),
        ruleset=summary.get("ruleset", ""),
        hypnogram_source=summary.get("hypnogram_source", "n/a"),
        age_text=(summary.get("age") or {}).get("text"),
        short_recording=next((w for w in summary.get("warning_details", []) if w.get("code") == "short_recording"),
                             None),
        notices=[w for w in summary.get("warnings", []) if not str(w).startswith("Short recording:")],
        header_rows=_header_rows(evidence.header if evidence is not None else None),
        overview_svg=night_overview_svg(hypnogram, events, duration_s=duration_s, gaps_s=gaps),
        zoom_script=script, script_hash=script_hash,
        **_table_context(summary),
        neuro=neurophysiology_section(summary),
        **_evidence_context(evidence, events, hypnogram),
        **_night_context(summary, events, duration_s, gaps),
    )

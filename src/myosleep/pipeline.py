"""``analyze``: recording -> detection -> sleep context -> classification -> outputs.

This module sits at the top of the pipeline (beside ``cli`` and ``batch``): it may
import every layer; no layer imports it.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._atomic import check_out_dir, prepare_out_dir
from ._version import __version__
from .age import Age, parse_age
from .errors import ParameterError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from .io.recording import Recording

__all__ = ["Analysis", "analyze", "analyze_to_dir", "OUTPUT_FILES", "RULESETS"]

logger = logging.getLogger("myosleep")

RULESETS = ("aasm", "wasm2016")
OUTPUT_FILES = ("events.tsv", "summary.json", "report.html")

DISCLAIMER = ("Decision support, not a diagnosis: every finding carries its evidence and must be "
              "reviewed by a clinician with the recording.")


@dataclass(frozen=True)
class Analysis:
    """Everything ``myosleep analyze`` produced for one recording."""

    events: "pd.DataFrame"
    summary: dict
    hypnogram: Any
    detection: Any = field(repr=False)
    context: Any = field(repr=False)
    classification: Any = field(repr=False)

    def write(self, out_dir: str | os.PathLike[str]) -> list[Path]:
        """Write events.tsv, summary.json and report.html into ``out_dir``.

        The three files are written to temporary names and renamed into place only when all
        three exist, so a failure leaves nothing half-written.
        """
        from ._atomic import atomic_paths
        from .reporting.html import render_report
        from .reporting.summary import to_json_text
        from .reporting.tables import write_tsv

        out = prepare_out_dir(out_dir)
        paths = [out / name for name in OUTPUT_FILES]
        with atomic_paths(paths) as (events_tmp, summary_tmp, report_tmp):
            write_tsv(self.events, events_tmp)
            summary_tmp.write_text(to_json_text(self.summary), encoding="utf-8")
            report_tmp.write_text(render_report(self.summary, self.events, self.hypnogram), encoding="utf-8")
        return paths


class _Steps:
    """Progress of the pipeline's steps: a rich status line on stderr when ``show``, else logging only."""

    def __init__(self, show: bool):
        self._status = None
        if show:
            from rich.console import Console

            self._status = Console(stderr=True).status("myosleep: starting")
            self._status.start()

    def step(self, text: str) -> None:
        logger.info(text)
        if self._status is not None:
            self._status.update(f"myosleep: {text}")

    def close(self) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None


def _has_stage_annotations(rec: Any) -> bool:
    """Whether an EDF+ recording's own annotations hold scored sleep stages."""
    if getattr(rec, "path", None) is None:
        return False
    return any(str(a.description).lower().startswith("sleep stage") for a in getattr(rec, "annotations", ()))


def _check_rules(rules: str) -> str:
    r = str(rules).lower().replace("_", "").replace("-", "").replace(" ", "")
    if r not in RULESETS:
        raise ParameterError(f"unknown ruleset {rules!r}; choose one of {', '.join(RULESETS)}", where="--rules")
    return r


def _file_entry(path: str | os.PathLike[str] | None) -> dict | None:
    import hashlib

    if path is None:
        return None
    p = Path(path)
    h = hashlib.sha256()
    with open(p, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return {"path": str(p), "name": p.name, "sha256": h.hexdigest(), "size_bytes": p.stat().st_size}


def analyze(recording: "str | os.PathLike[str] | Recording", *, hypnogram: Any = None,
            age: str | float | Age | None = None, rules: str = "aasm",
            channels: dict[str, list[str]] | None = None,
            scored_events: "str | os.PathLike[str] | pd.DataFrame | None" = None,
            progress: bool = False) -> Analysis:
    """Analyse one recording for sleep myoclonus.

    Parameters
    ----------
    recording : path | Recording | mne.io.Raw
        EDF/EDF+/BDF file, an opened :class:`~myosleep.io.Recording`, or an MNE Raw.
    hypnogram : path | Hypnogram | None
        Scored stages. None: staged with YASA (adults), or an explicit EMG/EOG estimate
        (infants); the outputs say which.
    age : str | float | Age | None
        Years (``34``) or with a unit (``18d``, ``6w``, ``4mo``, ``34y``).
    rules : {"aasm", "wasm2016"}
        Leg-movement ruleset.
    channels : dict | None
        Role overrides, ``{"leg": ["LAT", "RAT"]}``.
    scored_events : path | DataFrame | None
        Scored arousals / respiratory events (used for arousal marking and the PLM
        respiratory exclusion).
    """
    t0 = time.perf_counter()
    rules = _check_rules(rules)
    age = parse_age(age)
    steps = _Steps(progress)
    try:
        return _analyze(recording, hypnogram=hypnogram, age=age, rules=rules, channels=channels,
                        scored_events=scored_events, steps=steps, t0=t0)
    finally:
        steps.close()


def _analyze(recording: Any, *, hypnogram: Any, age: Age | None, rules: str, channels: Any,
             scored_events: Any, steps: _Steps, t0: float) -> Analysis:
    from .io import read_recording

    steps.step("reading the recording")
    opened = not (hasattr(recording, "get_data") and hasattr(recording, "channels"))
    rec = read_recording(recording, channels=channels) if opened else recording
    try:
        return _analyze_recording(rec, hypnogram=hypnogram, age=age, rules=rules,
                                  scored_events=scored_events, steps=steps, t0=t0)
    finally:
        if opened:
            rec.close()


def _analyze_recording(rec: Any, *, hypnogram: Any, age: Age | None, rules: str, scored_events: Any,
                       steps: _Steps, t0: float) -> Analysis:
    import pandas as pd

    from .io import read_hypnogram
    from .io.hypnogram_model import Hypnogram

    timings: dict[str, float] = {"read_s": time.perf_counter() - t0}

    hyp_entry = None
    hyp_obj = None
    if hypnogram is not None and not isinstance(hypnogram, Hypnogram):
        hyp_obj = read_hypnogram(hypnogram, recording_start=rec.start_datetime)
        hyp_entry = _file_entry(hypnogram)
    elif isinstance(hypnogram, Hypnogram):
        hyp_obj = hypnogram
    elif _has_stage_annotations(rec):
        # An EDF+ that carries its own scored stages (e.g. "Sleep stage N2" annotations) is
        # its own hypnogram: a scorer's stages beat any automatic staging.
        hyp_obj = read_hypnogram(rec.path, recording_start=rec.start_datetime)
        hyp_entry = {"path": str(rec.path), "name": Path(rec.path).name, "source": "recording annotations"}
    if hyp_obj is not None:
        hyp_obj.check_fits(rec.duration_s, where=str(hypnogram) if hyp_entry else None)

    events_df = None
    events_entry = None
    if scored_events is not None:
        if isinstance(scored_events, pd.DataFrame):
            events_df = scored_events
        else:
            from .io import read_scored_events

            events_df = read_scored_events(scored_events, recording_start=rec.start_datetime)
            events_entry = _file_entry(scored_events)

    t = time.perf_counter()
    steps.step("detecting EMG bursts and motor events")
    from .detection import detect
    from .detection.run import require_usable_channels

    detection = detect(rec)
    require_usable_channels(detection, where=str(getattr(rec, "path", None) or "recording"))
    timings["detect_s"] = time.perf_counter() - t

    t = time.perf_counter()
    steps.step("building the sleep context" + ("" if hyp_obj is not None else " (staging the night)"))
    from .context import build_context

    context = build_context(rec, hypnogram=hyp_obj, age=age, scored_events=events_df)
    timings["context_s"] = time.perf_counter() - t

    t = time.perf_counter()
    steps.step("classifying events")
    from .classification import classify

    respiratory = None
    if events_df is not None and "kind" in events_df:
        respiratory = events_df[events_df["kind"] == "respiratory"]
    classification = classify(detection.events, detection.bursts, context, age=age, rules=rules,
                              recording=rec, respiratory_events=respiratory,
                              channels_refused=dict(detection.channels_refused))
    timings["classify_s"] = time.perf_counter() - t
    timings["total_s"] = time.perf_counter() - t0

    events = classification.events
    summary = build_summary(rec, detection, context, classification, rules=rules, age=age,
                            hypnogram_entry=hyp_entry, events_entry=events_entry, timings=timings)
    return Analysis(events=events, summary=summary, hypnogram=context.hypnogram, detection=detection,
                    context=context, classification=classification)


def build_summary(rec: Any, detection: Any, context: Any, classification: Any, *, rules: str,
                  age: Age | None, hypnogram_entry: dict | None, timings: dict,
                  events_entry: dict | None = None) -> dict:
    """summary.json (DESIGN.md contract): version, ruleset, input hashes, sleep, counts, indices, findings."""
    cls_summary = classification.summary()
    rec_entry: dict[str, Any] = {"format": getattr(rec, "format", None), "duration_s": rec.duration_s}
    if getattr(rec, "path", None) is not None:
        rec_entry.update({"path": str(rec.path), "name": Path(rec.path).name, "sha256": rec.sha256()})
    else:
        rec_entry.update({"name": "in-memory recording", "sha256": rec.sha256()})
    refused = dict(detection.channels_refused)
    used = set(detection.channels_used)
    all_channels = [{"label": c.label, "role": str(c.role.value), "side": c.side.value if c.side else None,
                     "sfreq": c.sfreq, "used": c.label in used, "warnings": list(c.warnings)}
                    for c in rec.channels]
    warnings = list(getattr(context, "warnings", ()))
    for label, reason in refused.items():
        warnings.append(f"Channel {label} not used: {reason}")
    warnings += _channel_quality_warnings(detection, rec.duration_s)
    return {
        "tool": {"name": "myosleep", "version": __version__},
        "generated_utc": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
        "disclaimer": DISCLAIMER,
        "ruleset": rules,
        "inputs": {"recording": rec_entry, "hypnogram": hypnogram_entry, "scored_events": events_entry},
        "age": None if age is None else {"text": age.text, "days": round(age.days, 1),
                                         "years": round(age.years, 3)},
        "hypnogram_source": context.hypnogram_source,
        "channels": {"used": sorted(used), "refused": refused, "all": all_channels},
        "sleep": dict(context.stats),
        "counts": cls_summary.get("counts", {}),
        "counts_by_stage": _counts_by_stage(cls_summary),
        "indices_per_hour": _indices_per_hour(cls_summary),
        "indices": cls_summary.get("indices", {}),
        "findings": cls_summary.get("findings", []),
        "warnings": warnings,
        "methods": cls_summary.get("methods", {}),
        "timings_s": {k: round(v, 3) for k, v in timings.items()},
    }


#: Resting surface EMG lies between the amplifier's noise floor (~0.1-1 uV RMS) and the tone
#: of a relaxed muscle (a few uV; chin in wake ~5-15 uV; DESIGN.md, docs/simulator.md); a
#: night-long median outside 0.05-200 uV RMS is almost always a unit error (V/mV/uV) in the
#: file's header, which shifts every absolute threshold (the AASM 8 uV LM onset) by 1000x.
RESTING_EMG_PLAUSIBLE_UV = (0.05, 200.0)
#: Share of the night a channel may be flat, clipped or disconnected before the report says so.
ARTEFACT_WARN_FRACTION = 0.05


def _channel_quality_warnings(detection: Any, duration_s: float) -> list[str]:
    """Warnings a reader of the report must see: implausible EMG levels, long artefact stretches."""
    import math

    out = []
    lo, hi = RESTING_EMG_PLAUSIBLE_UV
    for label, st in getattr(detection, "channel_status", {}).items():
        if not st.used or str(st.role) == "accelerometer":
            continue
        level = float(st.baseline_median_uv)
        if math.isfinite(level) and not lo <= level <= hi:
            out.append(f"Channel {label}: resting EMG level {level:.3g} uV RMS is implausible "
                       f"(expected {lo:g}-{hi:g} uV); check the unit (V, mV, uV) in the file's header")
        if duration_s > 0 and st.artefact_s > ARTEFACT_WARN_FRACTION * duration_s:
            out.append(f"Channel {label}: {st.artefact_s / 60:.0f} min flat, clipped, disconnected or NaN "
                       f"({st.artefact_s / duration_s:.0%} of the recording); no events there")
    return out


def _counts_by_stage(cls_summary: dict) -> dict:
    by_type = cls_summary.get("indices", {}).get("by_trial_type", {})
    return {t: dict(v.get("count_by_stage", {})) for t, v in by_type.items()}


def _indices_per_hour(cls_summary: dict) -> dict:
    """Events per hour: ``overall`` (per hour of sleep), ``by_stage`` (per hour spent in each stage).

    W is per hour of wakefulness within the analysed period; a stage with no time
    scored has ``null`` indices (not 0).
    """
    idx = cls_summary.get("indices", {})
    by_type = idx.get("by_trial_type", {})
    overall = {t: v.get("index_per_h_sleep") for t, v in by_type.items()}
    stages: dict[str, dict] = {}
    for t, v in by_type.items():
        for stage, value in v.get("index_per_h_by_stage", {}).items():
            stages.setdefault(stage, {})[t] = value
    plm = idx.get("plm", {})
    return {
        "overall_basis": "events scored in sleep per hour of total sleep time",
        "overall": overall,
        "by_stage": stages,
        "hours_by_stage": idx.get("hours_by_stage", {}),
        "tst_h": idx.get("tst_h"),
        "plms_index": plm.get("plms_index_per_h"),
        "plmw_index": plm.get("plmw_index_per_h"),
        "plms_arousal_index": plm.get("plms_arousal_index_per_h"),
        "plms_index_by_stage": plm.get("plms_index_per_h_by_stage", {}),
    }


def analyze_to_dir(recording: str | os.PathLike[str], *, out_dir: str | os.PathLike[str],
                   hypnogram: Any = None, age: Any = None, rules: str = "aasm",
                   channels: dict[str, list[str]] | None = None, scored_events: Any = None,
                   progress: bool = False) -> list[Path]:
    """Run :func:`analyze` and write its three files into ``out_dir``; return their paths.

    ``out_dir`` is checked first but created only once the analysis has succeeded.
    """
    check_out_dir(out_dir)
    analysis = analyze(recording, hypnogram=hypnogram, age=age, rules=rules, channels=channels,
                       scored_events=scored_events, progress=progress)
    return analysis.write(out_dir)

"""summary.json, built from the stage results (DESIGN.md contract).

Version, ruleset, the inputs and their hashes, the channels, sleep measures, counts and indices
per hour (overall and by stage), the findings with their evidence, warnings, methods and
timings.  :func:`to_json_text` writes it strictly (NaN and inf as null, numpy scalars as
numbers).

``warnings`` is a list of sentences; ``warning_details`` holds the same for the warnings a
program must act on, structured: ``{"code", "message", "values"}`` with code
``short_recording`` (an analysed period shorter than a full diagnostic night, the findings
that cannot be assessed for want of evidence and the minimum each missed), ``recording_gaps``
(an EDF+D paused during the night: its gaps, left out of the analysis) and ``staging`` (what
YASA warned while staging the night).

``arousals`` says where the arousals of the AASM rules came from (the scorer's, when the scored
events hold arousals, or myosleep's detector) and how many of each (:func:`arousals_entry`);
``scored_events`` what the scored events held and which were used
(:meth:`myosleep.context.scored.ScoredEvents.summary`; None without scored events).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from .._json import to_jsonable
from .._version import __version__
from ..vocab import TrialType

if TYPE_CHECKING:  # pragma: no cover
    from ..age import Age
    from ..classification.result import Classification
    from ..context.context import SleepContext
    from ..detection.results import DetectionResult
    from ..io.recording import Recording

__all__ = ["DISCLAIMER", "arousal_text", "arousals_entry", "build_summary", "classification_json", "hypnogram_input",
           "recording_entry", "scored_events_input", "short_recording_warning", "to_json_text", "to_jsonable",
           "warning_details"]

DISCLAIMER = ("Decision support, not a diagnosis: every finding carries its evidence and must be "
              "reviewed by a clinician with the recording.")


def to_json_text(obj: object) -> str:
    """Pretty JSON (UTF-8, 2-space indent, strict: no NaN) with a trailing newline."""
    return json.dumps(to_jsonable(obj), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def recording_entry(rec: Recording) -> dict[str, object]:
    """summary.json ``inputs.recording``: format, duration (s), gaps (``[start, stop]`` s of each
    gap of an EDF+D, empty when continuous), path, name and SHA-256 of the file."""
    entry: dict[str, object] = {"format": rec.format, "duration_s": rec.duration_s,
                                "gaps_s": [[a, b] for a, b in getattr(rec, "gaps_s", ())]}
    declared = float(getattr(rec, "declared_duration_s", rec.duration_s))
    if declared > rec.duration_s:  # cut short: the header declares more than the file holds
        entry["declared_duration_s"] = declared
    if rec.path is not None:
        entry.update({"path": str(rec.path), "name": Path(rec.path).name, "sha256": rec.sha256()})
    else:
        entry.update({"name": "in-memory recording", "sha256": rec.sha256()})
    return entry


def classification_json(c: Classification, *, hypnogram_source: str) -> dict[str, object]:
    """The classification's part of summary.json: counts, indices, findings, methods (JSON-ready)."""
    idx = to_jsonable(c.indices)
    by_type = idx["by_trial_type"]
    rswa = c.finding_indices.get("rswa", {})
    return to_jsonable({
        "counts": {t.value: int(c.event_indices.by_trial_type[t.value].count) for t in TrialType},
        "counts_by_stage": {t: dict(v["count_by_stage"]) for t, v in by_type.items()},
        "indices_per_hour": _indices_per_hour(idx),
        "indices": idx,
        "findings": [f.to_dict() for f in c.findings],
        "methods": {
            "ruleset": c.rules.name, "ruleset_citation": c.rules.citation, "thresholds": c.rules.to_dict(),
            "atonia_index_source": rswa.get("atonia_index_source"), "hypnogram_source": hypnogram_source,
            "classification_order": list(c.order),
        },
    })


def _indices_per_hour(idx: dict) -> dict[str, object]:
    """Events per hour: ``overall`` (per hour of sleep), ``by_stage`` (per hour spent in each stage).

    Events and hours of the analysed period (lights off to lights on) only. W is per hour of
    wakefulness within it; a stage with no time scored has ``null`` indices (not 0).
    ``plms_index`` is the ruleset's PLMS index (``indices.plm.plms_index_basis`` says what it
    counts), ``plms_all_clm_index`` WASM 2016's index from all candidate LMs (null under AASM),
    ``periodicity_index`` Ferri's periodicity index (null with fewer than 3 intervals).
    """
    by_type = idx.get("by_trial_type", {})
    stages: dict[str, dict[str, object]] = {}
    for t, v in by_type.items():
        for stage, value in v.get("index_per_h_by_stage", {}).items():
            stages.setdefault(stage, {})[t] = value
    plm = idx.get("plm", {})
    return {
        "overall_basis": "events scored in sleep per hour of total sleep time",
        "overall": {t: v.get("index_per_h_sleep") for t, v in by_type.items()},
        "by_stage": stages,
        "hours_by_stage": idx.get("hours_by_stage", {}),
        "tst_h": idx.get("tst_h"),
        "plms_index": plm.get("plms_index_per_h"),
        "plms_all_clm_index": plm.get("plms_all_clm_index_per_h"),
        "periodicity_index": plm.get("periodicity_index"),
        "plmw_index": plm.get("plmw_index_per_h"),
        "plms_arousal_index": plm.get("plms_arousal_index_per_h"),
        "plms_index_by_stage": plm.get("plms_index_per_h_by_stage", {}),
    }


def _span_text(hours: float) -> str:
    return f"{hours:.1f} h" if hours >= 1.0 else f"{hours * 60.0:.1f} min"


def short_recording_warning(context: SleepContext, classification: Classification) -> dict[str, object] | None:
    """The ``short_recording`` warning when the analysed period is shorter than a full night.

    A full diagnostic night records >= ``rules.full_night_h`` (6 h, AMA CPT sleep-testing
    rules); a shorter one gets this warning, naming every finding that cannot be assessed
    because a minimum of evidence is not met (``values["below_minimum"]`` of each finding) and
    those minimums.  None for a full night.
    """
    rules = classification.rules
    analysed_h = float(context.stats.get("trt_min", float("nan"))) / 60.0
    if analysed_h >= rules.full_night_h:
        return None
    sleep_h = float(classification.event_indices.tst_h)
    unmet: dict[str, list[dict[str, object]]] = {}
    for f in classification.findings:  # those set to None by a minimum of evidence (findings.insufficient)
        below = f.values.get("below_minimum")
        minimums = f.values.get("minimum_evidence")
        if f.present is None and isinstance(below, list) and below and isinstance(minimums, list):
            unmet[f.code.value] = [m for m in minimums if isinstance(m, dict) and m.get("quantity") in below]
    names = ", ".join(code.replace("_", " ").replace("rem ", "REM ") for code in unmet)
    message = (f"Short recording: {_span_text(analysed_h)} analysed ({_span_text(sleep_h)} of sleep), less than a "
               f"full diagnostic night (>= {rules.full_night_h:g} h of recording); "
               + (f"not enough evidence to assess {names} (each finding says what its rule needs)."
                  if unmet else "the findings describe this recording, not a whole night."))
    return {"code": "short_recording", "message": message,
            "values": {"analysed_h": analysed_h, "sleep_h": sleep_h, "full_night_h": rules.full_night_h,
                       "full_night_source": "AMA CPT sleep-testing rules (95808-95811): a full study records >= 6 h",
                       "findings_not_assessed": list(unmet), "unmet_minimums": unmet}}


def recording_warnings(rec: Recording, context: SleepContext) -> list[dict[str, object]]:
    """What reading the recording's file found (:attr:`Recording.warnings`: its header, its montage,
    a BIDS sidecar), as ``warning_details`` naming the file; the gaps of an EDF+D, which the context
    states, are left to it.

    ``recording_cut_short`` (the file holds fewer data records than its header declares) carries the
    declared, read and missing seconds; every other line is ``recording``.
    """
    name = Path(rec.path).name if rec.path is not None else "recording"
    declared = float(getattr(rec, "declared_duration_s", rec.duration_s))
    out: list[dict[str, object]] = []
    for text in getattr(rec, "warnings", ()):
        if any(str(w).startswith(text) for w in context.warnings):
            continue
        values: dict[str, object] = {"file": name}
        code = "recording"
        if text.startswith("is cut short") and declared > rec.duration_s:
            code = "recording_cut_short"
            values.update({"declared_s": declared, "read_s": float(rec.duration_s),
                           "missing_s": declared - float(rec.duration_s)})
        out.append({"code": code, "message": f"{name}: {text}", "values": values})
    return out


def warning_details(context: SleepContext, classification: Classification,
                    rec: Recording | None = None) -> list[dict[str, object]]:
    """summary.json ``warning_details``: the short-recording warning, what reading the recording found
    (:func:`recording_warnings`), the recording's gaps, then YASA's staging warnings."""
    out: list[dict[str, object]] = []
    short = short_recording_warning(context, classification)
    if short is not None:
        out.append(short)
    if rec is not None:
        out += recording_warnings(rec, context)
    if context.gaps_s:
        total = sum(b - a for a, b in context.gaps_s)
        message = next((w for w in context.warnings if "left out of the analysis" in w), "recording gaps")
        out.append({"code": "recording_gaps", "message": message,
                    "values": {"gaps_s": [[a, b] for a, b in context.gaps_s], "n_gaps": len(context.gaps_s),
                               "total_s": total, "gap_min": context.stats.get("gap_min")}})
    for text in context.hypnogram.metadata.get("warnings", ()) if context.hypnogram_source == "yasa" else ():
        out.append({"code": "staging", "message": f"YASA staging warned: {text}",
                    "values": {"source": "yasa", "text": str(text)}})
    return out


def hypnogram_input(context: SleepContext) -> dict[str, object] | None:
    """summary.json ``inputs.hypnogram``: the file given, and how it was read (``format``, ``convention``,
    ``convention_evidence``, ``epoch_s``, ``epoch_s_source``: those the reader stated)."""
    file = context.inputs.hypnogram_file
    if file is None:
        return None
    hyp = context.hypnogram
    read = {"format": hyp.metadata.get("format"), "convention": hyp.convention,
            "convention_evidence": hyp.convention_evidence, "epoch_s": float(hyp.epoch_s),
            "epoch_s_source": hyp.epoch_s_source}
    return {**file.to_dict(), **{k: v for k, v in read.items() if v is not None}}


def scored_events_input(context: SleepContext) -> object:
    """summary.json ``inputs.scored_events``: the file given (its entry, as ``inputs.hypnogram``), a list of
    entries for several files, the recording's entry with ``source: "recording annotations"`` for the events
    of its own annotations, or None."""
    files = getattr(context.inputs, "scored_events_files", ()) or ()
    if len(files) > 1:
        return [f.to_dict() for f in files]
    first = context.inputs.scored_events_file
    return None if first is None else first.to_dict()


def arousals_entry(context: SleepContext) -> dict[str, object]:
    """summary.json ``arousals``: where the arousals of the AASM rules come from and how many of each.

    ``source``: ``"scored"`` (the scored events hold arousals: they are the AASM arousals, the detected
    AASM arousals are not used), ``"detected"`` (myosleep's EEG detector) or ``"none"``; ``n_scored``,
    ``n_detected`` (detected AASM arousals used), ``n_detected_not_used``, ``n_hypnagogic`` (detected
    hypnagogic shifts, used for "followed by an arousal" of jerks, not in the arousal index), ``detected``
    (whether the detector ran), ``scored_events_source``, and ``text``: the report's sentence.
    """
    info = dict(getattr(context, "arousal_source", {}) or {})
    if not info:
        return {}
    src = context.inputs.scored_events_source
    info["scored_events_source"] = src
    info["text"] = arousal_text(info, context.inputs)
    return info


def arousal_text(info: dict, inputs: object) -> str:
    """One sentence: where the arousals come from (the report's line)."""
    files = getattr(inputs, "scored_events_files", ()) or ()
    where = ("the recording's own annotations" if info.get("scored_events_source") == "recording annotations"
             else ", ".join(f.name for f in files) if files else "the scored events given")
    hyp = int(info.get("n_hypnagogic") or 0)
    hyp_text = (f"; {hyp} hypnagogic EEG shift{'s' if hyp != 1 else ''} detected by myosleep (not AASM arousals, "
                "used for 'followed by an arousal' of jerks)") if hyp else ""
    if info.get("source") == "scored":
        n_nu = int(info.get("n_detected_not_used") or 0)
        nu = (f"; the {n_nu} arousal{'s' if n_nu != 1 else ''} myosleep detected on the EEG not used"
              if info.get("detected") else "")
        return f"{info['n_scored']} scored arousals from {where} (the AASM arousals){nu}{hyp_text}"
    if info.get("source") == "detected":
        return (f"{info['n_detected']} arousals detected by myosleep on the EEG (no scored arousals given)"
                f"{hyp_text}")
    return "no arousals: none scored, and none detected (no EEG fit for the detector, or detection off)"


def _blank(v: object) -> object:
    """``v`` with every number (nested in dicts and lists) made None; text and flags kept."""
    if isinstance(v, dict):
        return {k: _blank(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_blank(x) for x in v]
    return None if isinstance(v, (int, float)) and not isinstance(v, bool) else v


def _unmeasured_counts(cls: dict[str, object]) -> dict[str, object]:
    """Counts and indices of a night where no jerk could be read: null, not 0 (nothing was measured).
    The sleep time they would be divided by is measured and kept; the REM atonia index too."""
    per_hour = dict(cls["indices_per_hour"])  # type: ignore[call-overload]
    for key in ("overall", "by_stage", "plms_index", "plms_all_clm_index", "periodicity_index", "plmw_index",
                "plms_arousal_index", "plms_index_by_stage"):
        if key in per_hour:
            per_hour[key] = _blank(per_hour[key])
    indices = dict(cls["indices"])  # type: ignore[call-overload]
    for key in ("by_trial_type", "efm", "plm", "hypnic", "arousal_chin_fragments", "sustained_activity_events"):
        if key in indices:
            indices[key] = _blank(indices[key])
    return {**cls, "counts": _blank(cls["counts"]), "counts_by_stage": _blank(cls["counts_by_stage"]),
            "indices_per_hour": per_hour, "indices": indices}


def build_summary(rec: Recording, detection: DetectionResult, context: SleepContext, classification: Classification,
                  *, age: Age | None, timings: Mapping[str, float],
                  stages: Mapping[str, Mapping[str, object]] | None = None, age_source: str | None = None,
                  age_warnings: Sequence[str] = ()) -> dict[str, object]:
    """summary.json of one analysis, JSON-ready (NaN as None); the recording still open: its file is hashed.

    ``age_source``: where the age comes from (``"given"``: ``--age``; ``"edf_plus_birthdate"``: the EDF+
    patient field's birthdate on the recording's start date), in ``age.source``; ``age_warnings``: the
    age's conflicts with the header or the hypnogram (:func:`myosleep.pipeline.recording_age`)."""
    cls = classification_json(classification, hypnogram_source=context.hypnogram_source)
    refused = detection.channels_refused
    used = set(detection.channels_used)
    # mains lines subtracted from each channel read: EMG and accelerometer channels, and the EEG the
    # body-movement criterion read (None: the channel's samples were not examined for them)
    read = {**dict(getattr(detection, "eeg_status", {})), **dict(detection.channel_status)}
    all_channels = [{"label": c.label, "role": str(c.role.value), "side": c.side.value if c.side else None,
                     "sfreq": c.sfreq, "used": c.label in used, "warnings": list(c.warnings),
                     "mains_hz": list(read[c.label].mains_hz) if c.label in read and read[c.label].used else None}
                    for c in rec.channels]
    details = warning_details(context, classification, rec)
    if not detection.channels_used:  # analysed for the chin amplitude alone (pipeline.chin_amplitude_only)
        cls = _unmeasured_counts(cls)
        details.insert(0, {"code": "no_jerk_channel", "message": (
            "No jerk could be read: " + "; ".join(f"{k}: {v}" for k, v in refused.items()) + ". Nothing is counted "
            "or classified and every finding but REM sleep without atonia (from the chin's amplitude) cannot be "
            "assessed; export the raw EMG (band-pass 10-100 Hz, sampled at >= 200 Hz: AASM) to read jerks."),
            "values": {"refused": dict(refused)}})
    warnings = [str(d["message"]) for d in details if d["code"] in ("no_jerk_channel", "short_recording", "recording",
                                                                     "recording_cut_short")]
    warnings += list(context.warnings)
    if detection.channels_used:  # else the no_jerk_channel line above lists every refused channel already
        warnings += [f"Channel {label} not used: {reason}" for label, reason in refused.items()]
    warnings += detection.quality_warnings()
    warnings += list(age_warnings)
    # a finding's red flag (rhythmic jerks of an awake infant: neonatal.benign_neonatal_sleep_myoclonus)
    warnings += [f"{f['code']}: RED FLAG: {f['values']['red_flag']}" for f in cls["findings"]  # type: ignore[attr-defined]
                 if isinstance(f.get("values"), dict) and f["values"].get("red_flag")]
    summary: dict[str, object] = {
        "tool": {"name": "myosleep", "version": __version__},
        "generated_utc": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
        "disclaimer": DISCLAIMER,
        "ruleset": classification.rules.name,
        "inputs": {"recording": recording_entry(rec),
                   "hypnogram": hypnogram_input(context),
                   "scored_events": scored_events_input(context)},
        "age": None if age is None else {"text": age.text, "days": round(age.days, 1), "years": round(age.years, 3),
                                         "source": age_source or "given"},
        "hypnogram_source": context.hypnogram_source,
        "channels": {"used": sorted(used), "refused": refused, "all": all_channels},
        "sleep": dict(context.stats),
        "arousals": arousals_entry(context),
        "scored_events": None if context.scored is None else context.scored.summary(),
        **{k: cls[k] for k in ("counts", "counts_by_stage", "indices_per_hour", "indices", "findings")},
        "warnings": warnings,
        "warning_details": details,
        "methods": cls["methods"],
    }
    if stages:
        summary["stages"] = dict(stages)
    summary["timings_s"] = {k: round(v, 3) for k, v in timings.items()}
    return to_jsonable(summary)

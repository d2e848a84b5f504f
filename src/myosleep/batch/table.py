"""The cohort table: one flat row per night, read from the night's summary.json.

Column names carry their unit (``_per_h``, ``_min``, ``_s``).  ``duration_h`` is the recording's
span, ``recorded_h`` the hours with signal (less an EDF+D recording's gaps, also ``gap_min`` of
the sleep period's epochs in them).  Jerk measures:

``hypnic_jerks_per_transition``
    Hypnic jerks per wake-to-sleep transition (the sleep-starts finding's own figure).
``hypnic_jerks_per_h``
    All hypnic jerks of the night per hour of total sleep time (they straddle the
    W -> N1 boundary, so the W-scored ones count too).
``fm_index_per_h``
    Fragmentary myoclonus potentials scored in sleep per hour of sleep (FM index).
``plms_index_per_h`` / ``plmw_index_per_h``
    Periodic limb movements in sleep / wake per hour (the night's ruleset).
``plms_all_clm_index_per_h``
    WASM 2016's PLMS index from all candidate leg movements (Ferri et al., Sleep Med 2016; null
    under AASM rules), beside the ruleset's own.
``plm_periodicity_index``
    Ferri's periodicity index of the night's inter-movement intervals (Sleep 2006; 0-1, null
    with fewer than 3 intervals).
``plms_arousal_index_per_h``
    Periodic leg movements in sleep with an associated arousal per hour of sleep (from the
    scorer's arousals when given: ``arousal_source``).
``lm_index_per_h``
    Leg movements scored in sleep per hour of sleep.
``rem_twitches_per_h_rem``
    Phasic REM twitches per hour of REM sleep (null without REM).

Channels left out of a night's analysis: ``channels_emg_unknown_site`` lists its EMG channels
whose label names no muscle (role ``emg``: listed, never analysed until ``--channels`` names
the site); ``channels_left_out`` gives those and the refused channels with the reason.

Every column is written even when no night finished (:data:`RESULT_COLUMNS`): a cohort of
failed nights has the same header as one of finished nights.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._atomic import atomic_path
from ..schema import join_list
from ..vocab import FindingCode, TrialType

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["summary_row", "cohort_frame", "write_cohort", "MEASURES", "FINDING_CODES", "TRIAL_TYPES",
           "KEY_COLUMNS", "RUN_COLUMNS", "RESULT_COLUMNS", "EMG_UNKNOWN_SITE"]

#: Jerk measures related to covariates (column, label for the report).
MEASURES: dict[str, str] = {
    "hypnic_jerks_per_transition": "hypnic jerks per wake-to-sleep transition",
    "hypnic_jerks_per_h": "hypnic jerks per hour of sleep",
    "fm_index_per_h": "fragmentary myoclonus index (/h sleep)",
    "plms_index_per_h": "PLMS index (/h sleep)",
    "lm_index_per_h": "leg movement index (/h sleep)",
    "rem_twitches_per_h_rem": "REM twitches per hour of REM",
}
#: Finding codes and event classes: the vocabulary's, in its order (one column each).
FINDING_CODES = tuple(c.value for c in FindingCode)
TRIAL_TYPES = tuple(t.value for t in TrialType)
#: Columns about the night and the run (the rest are results).
KEY_COLUMNS = ("recording_id", "participant_id", "session_id", "night_date", "start_datetime", "status",
               "error_kind", "error", "version", "input_hash", "recording_path", "hypnogram_path",
               "hypnogram_paired_by", "hypnogram_note", "events_path")
#: Columns the batch adds to each night's row when the cohort table is written (not from summary.json):
#: whether this run reused the night from an earlier one, and where its participant and age came from.
RUN_COLUMNS = ("from_earlier_run", "participant_source", "age_source")
#: Why an EMG channel of unknown site is left out (Role.EMG, io.roles).
EMG_UNKNOWN_SITE = "EMG of unknown site (the label names no muscle), not analysed"
_SLEEP = ("trt_min", "tst_min", "spt_min", "sol_min", "waso_min", "se_pct", "n1_min", "n2_min", "n3_min",
          "r_min", "nrem_min", "n_awakenings", "n_wake_to_sleep_transitions", "n_arousals",
          "arousal_index_per_h", "n_hypnagogic_arousals", "gap_min")


def _num(v: Any) -> float | None:
    if isinstance(v, bool) or v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _get(d: Any, *path: str) -> Any:
    for p in path:
        if not isinstance(d, dict):
            return None
        d = d.get(p)
    return d


def summary_row(summary: dict) -> dict[str, Any]:
    """The result columns of one night from its summary.json (DESIGN.md contract)."""
    row: dict[str, Any] = {
        "ruleset": summary.get("ruleset"),
        "recording_sha256": _get(summary, "inputs", "recording", "sha256"),
        "hypnogram_sha256": _get(summary, "inputs", "hypnogram", "sha256"),
        "hypnogram_source": summary.get("hypnogram_source"),
        # how the hypnogram was read (a cohort's files may hold different conventions and epoch lengths)
        "hypnogram_format": _get(summary, "inputs", "hypnogram", "format"),
        "hypnogram_convention": _get(summary, "inputs", "hypnogram", "convention"),
        "hypnogram_epoch_s": _num(_get(summary, "inputs", "hypnogram", "epoch_s")),
        "age_years": _num(_get(summary, "age", "years")),
        "duration_h": (_num(_get(summary, "inputs", "recording", "duration_s")) or 0.0) / 3600.0,
    }
    # an EDF+D recording's gaps (no signal): the hours actually recorded
    gaps = _get(summary, "inputs", "recording", "gaps_s") or []
    gap_h = sum(max(0.0, (_num(g[1]) or 0.0) - (_num(g[0]) or 0.0)) for g in gaps
                if isinstance(g, (list, tuple)) and len(g) == 2) / 3600.0
    row["recorded_h"] = row["duration_h"] - gap_h
    sleep = summary.get("sleep") or {}
    for k in _SLEEP:
        row[k] = _num(sleep.get(k))
    # the arousals' source: the scorer's ("scored") or myosleep's detector ("detected"), or "none"
    row["arousal_source"] = _get(summary, "arousals", "source")
    counts = summary.get("counts") or {}
    overall = _get(summary, "indices_per_hour", "overall") or {}
    for t in TRIAL_TYPES:
        row[f"n_{t}"] = _num(counts.get(t))
        row[f"{t}_index_per_h"] = _num(overall.get(t))
    findings = {f.get("code"): f for f in summary.get("findings") or [] if isinstance(f, dict)}
    starts = _get(findings, "sleep_starts", "values") or {}
    tst_h = (row["tst_min"] or 0.0) / 60.0
    n_hj = row["n_hypnic_jerk"]
    per_tr = _num(starts.get("hypnic_jerks_per_transition"))
    if per_tr is None:
        per_tr = _num(_get(summary, "indices", "hypnic", "per_transition"))
    row["hypnic_jerks_per_transition"] = per_tr
    row["hypnic_jerks_per_h"] = n_hj / tst_h if (n_hj is not None and tst_h > 0) else None
    row["fm_index_per_h"] = _num(overall.get("fragmentary_myoclonus"))
    row["plms_index_per_h"] = _num(_get(summary, "indices_per_hour", "plms_index"))
    row["plmw_index_per_h"] = _num(_get(summary, "indices_per_hour", "plmw_index"))
    row["plms_all_clm_index_per_h"] = _num(_get(summary, "indices_per_hour", "plms_all_clm_index"))
    row["plm_periodicity_index"] = _num(_get(summary, "indices_per_hour", "periodicity_index"))
    row["plms_arousal_index_per_h"] = _num(_get(summary, "indices_per_hour", "plms_arousal_index"))
    row["lm_index_per_h"] = _num(overall.get("leg_movement"))
    row["rem_twitches_per_h_rem"] = _num(_get(summary, "indices_per_hour", "by_stage", "R", "rem_twitch"))
    for code in FINDING_CODES:
        present = _get(findings, code, "present")
        row[f"finding_{code}"] = present if isinstance(present, bool) else None
    warnings = [str(w) for w in summary.get("warnings") or []]
    row["n_warnings"] = len(warnings)
    row["warnings"] = " | ".join(" ".join(w.split()) for w in warnings)
    used = _get(summary, "channels", "used") or []
    refused = _get(summary, "channels", "refused") or {}
    row["channels_used"] = join_list(used)  # a label holding a comma stays one label
    row["channels_refused"] = " | ".join(f"{k}: {v}" for k, v in refused.items())
    unknown = [str(c.get("label")) for c in _get(summary, "channels", "all") or []
               if isinstance(c, dict) and c.get("role") == "emg" and c.get("label") not in refused]
    row["channels_emg_unknown_site"] = join_list(unknown)
    row["channels_left_out"] = " | ".join([f"{label}: {EMG_UNKNOWN_SITE}" for label in unknown]
                                          + [f"{k}: {v}" for k, v in refused.items()])
    row["analysis_s"] = _num(_get(summary, "timings_s", "total_s"))
    return row


#: The result columns of a finished night, in order (summary.json's, then the worker's).
RESULT_COLUMNS = (*summary_row({}), "elapsed_s", "worker_peak_rss_mib")
_TEXT = ("ruleset", "recording_sha256", "hypnogram_sha256", "hypnogram_source", "hypnogram_format",
         "hypnogram_convention", "arousal_source", "warnings", "channels_used", "channels_refused",
         "channels_emg_unknown_site",
         "channels_left_out", "participant_source", "age_source")


def cohort_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Rows -> DataFrame with stable column order and dtypes (findings: nullable booleans).

    The columns are the same whatever the rows hold: keys, measures, findings, every result column
    (:data:`RESULT_COLUMNS`, empty for failed nights), then any other column a row has.
    """
    import pandas as pd

    order = (list(KEY_COLUMNS) + list(MEASURES) + ["plmw_index_per_h", "plms_all_clm_index_per_h",
                                                     "plm_periodicity_index", "plms_arousal_index_per_h"]
             + [f"finding_{c}" for c in FINDING_CODES])
    results = list(RESULT_COLUMNS)
    results[results.index("age_years") + 1:results.index("age_years") + 1] = ["age_source"]
    results[results.index("channels_left_out") + 1:results.index("channels_left_out") + 1] = ["from_earlier_run",
                                                                                              "participant_source"]
    order += [c for c in results if c not in order]
    for row in sorted(rows, key=lambda r: r.get("status") == "failed"):  # a finished night's order first
        order += [c for c in row if c not in order]
    df = pd.DataFrame(rows, columns=order)  # a column no row has (older summary.json) stays empty
    for col in df.columns:
        if col.startswith("finding_"):
            df[col] = df[col].astype("boolean")
        elif col == "from_earlier_run":
            df[col] = df[col].astype("boolean")
        elif col in KEY_COLUMNS or col in _TEXT:
            df[col] = df[col].map(lambda v: None if v is None or (isinstance(v, float) and v != v) else str(v))
            df[col] = df[col].astype(object)
        else:
            num = pd.to_numeric(df[col], errors="coerce")
            if num.notna().sum() == df[col].notna().sum():
                whole = col.startswith("n_") and bool((num.dropna() % 1 == 0).all())
                df[col] = num.astype("Int64" if whole else float)  # counts stay integers beside missing
    return df.reset_index(drop=True)


def write_cohort(df: pd.DataFrame, out_dir: str | os.PathLike[str]) -> list[Path]:
    """``cohort.parquet`` and ``cohort.csv`` in ``out_dir``, each written atomically."""
    out = Path(out_dir)
    parquet, csv = out / "cohort.parquet", out / "cohort.csv"
    with atomic_path(parquet) as tmp:
        df.to_parquet(tmp, index=False, engine="pyarrow")
    with atomic_path(csv) as tmp:
        df.to_csv(tmp, index=False, lineterminator="\n")
    return [parquet, csv]

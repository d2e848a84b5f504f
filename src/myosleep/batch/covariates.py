"""Covariate tables and how their rows join the nights of a cohort.

Three kinds of table, told apart by their key columns:

``recording_id``
    One row per night, joined on the output folder name (``DIR/<recording_id>/``).
``date`` (+ optional ``participant_id``)
    A sleep diary: one row per night, joined on the *night date*.  The night date of a
    recording is the calendar date of the evening it starts, from the EDF header's start
    date and time: a start between 00:00 and 11:59 belongs to the evening before (a
    recording started 2024-03-02 00:40 is the night of 2024-03-01).  ``diary_date="morning"``
    says the diary is dated by the morning after instead (night date + 1 day).
``participant_id`` (+ optional ``session_id``)
    BIDS ``participants.tsv`` / ``sessions.tsv``: joined on the BIDS ``sub-``/``ses-`` labels
    of the recording's path.

Numeric columns become covariates; other columns are listed as not analysed.
"""

from __future__ import annotations

import datetime as _dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError, ParameterError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["CovariateJoin", "read_bids_tables", "read_covariate_table", "join_covariates", "night_date",
           "COVARIATE_PREFIX", "DIARY_DATES"]

#: Covariate columns in the cohort table carry this prefix (``cov_stress``).
COVARIATE_PREFIX = "cov_"
DIARY_DATES = ("evening", "morning")
#: A recording starting before noon belongs to the previous evening's night.
NIGHT_DAY_BOUNDARY_H = 12

_ALIASES = {
    "recording_id": ("recording_id", "recording", "night_id"),
    "participant_id": ("participant_id", "participant", "subject", "subject_id", "sub", "person"),
    "session_id": ("session_id", "session", "ses"),
    "date": ("date", "night", "night_date", "diary_date"),
}
_BIDS_NA = ["n/a", "N/A", "NA", ""]


def night_date(start: _dt.datetime | None) -> _dt.date | None:
    """Calendar date of the evening a night starts (start - 12 h), None when the start is unknown."""
    if start is None:
        return None
    return (start - _dt.timedelta(hours=NIGHT_DAY_BOUNDARY_H)).date()


def _iso_date(v: Any) -> str | None:
    """A night date (date, datetime or ISO text) as ``YYYY-MM-DD``; None when missing."""
    if v is None or (isinstance(v, float) and v != v):
        return None
    if isinstance(v, (_dt.date, _dt.datetime)):
        return v.isoformat()[:10]
    text = str(v).strip()
    return text[:10] if text and text.lower() not in ("nan", "none", "nat") else None


def _read_table(path: Path) -> pd.DataFrame:
    import pandas as pd

    if not path.is_file():
        raise InputError("no such file", where=path, hint="give a CSV/TSV covariate table")
    try:
        if path.suffix.lower() == ".tsv":
            df = pd.read_csv(path, sep="\t", na_values=_BIDS_NA, keep_default_na=False, dtype=str)
        else:
            df = pd.read_csv(path, sep=None, engine="python", na_values=_BIDS_NA, keep_default_na=False,
                             dtype=str)
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as err:
        raise InputError(f"cannot be read as a CSV/TSV table ({' '.join(str(err).split())})", where=path,
                         hint="save it as comma- or tab-separated text with a header row") from None
    df.columns = [str(c).strip() for c in df.columns]
    return df


def _numeric(df: pd.DataFrame, skip: set[str]) -> tuple[pd.DataFrame, list[str]]:
    """Columns converted to numbers where every non-missing value is a number; the others listed."""
    import pandas as pd

    out = df.copy()
    other = []
    for col in df.columns:
        if col in skip:
            continue
        values = df[col].astype("string").str.strip()
        num = pd.to_numeric(values, errors="coerce")
        if num.notna().sum() > 0 and (num.notna() | values.isna()).all():
            out[col] = num.astype(float)
        else:
            other.append(col)
            out = out.drop(columns=col)
    return out, other


def read_bids_tables(root: str | os.PathLike[str]) -> dict[tuple[str, str | None], dict[str, Any]]:
    """Rows of a BIDS dataset's ``participants.tsv`` and ``sub-*/sub-*_sessions.tsv``.

    Returns ``{(participant_id, session_id or None): {column: value}}``; session rows carry
    their participant's columns too (session values win).
    """
    root = Path(root)
    out: dict[tuple[str, str | None], dict[str, Any]] = {}
    p = root / "participants.tsv"
    if p.is_file():
        df = _read_table(p)
        if "participant_id" not in df.columns:
            raise InputError("has no participant_id column (BIDS)", where=p,
                             hint="name the first column participant_id with values like sub-01")
        for row in df.to_dict("records"):
            sub = str(row.pop("participant_id")).strip()
            out[(sub, None)] = {k: v for k, v in row.items() if v == v}
    for s in sorted(root.glob("sub-*/sub-*_sessions.tsv")):
        sub = s.parent.name
        df = _read_table(s)
        if "session_id" not in df.columns:
            raise InputError("has no session_id column (BIDS)", where=s,
                             hint="name the first column session_id with values like ses-01")
        for row in df.to_dict("records"):
            ses = str(row.pop("session_id")).strip()
            merged = dict(out.get((sub, None), {}))
            merged.update({k: v for k, v in row.items() if v == v})
            out[(sub, ses)] = merged
    return out


def read_covariate_table(path: str | os.PathLike[str]) -> pd.DataFrame:
    """A diary / participants / per-night table with its key columns renamed to the canonical ones.

    Key columns (case-insensitive, aliases accepted): ``recording_id``, ``participant_id``
    (``participant``, ``subject``), ``session_id``, ``date`` (ISO ``YYYY-MM-DD``).
    """
    import pandas as pd

    path = Path(path)
    df = _read_table(path)
    rename = {}
    lower = {c.lower(): c for c in df.columns}
    for key, aliases in _ALIASES.items():
        for a in aliases:
            if a in lower:
                rename[lower[a]] = key
                break
    df = df.rename(columns=rename)
    if not {"recording_id", "date", "participant_id"} & set(df.columns):
        raise InputError("has none of the key columns recording_id, date or participant_id", where=path,
                         hint="add a date column (YYYY-MM-DD, the evening of the night) or a recording_id "
                              "column naming each night's output folder")
    if "date" in df.columns:
        text = df["date"].astype("string").str.strip()
        parsed = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
        bad = parsed.isna() & text.notna()
        if bad.any():
            i = int(bad.to_numpy().nonzero()[0][0])
            raise InputError(f"date {text.iloc[i]!r} on row {i + 2} is not YYYY-MM-DD", where=path,
                             hint="write dates as ISO 8601, e.g. 2024-03-01 (dd/mm vs mm/dd is ambiguous)")
        df["date"] = parsed.dt.date
    for key in ("recording_id", "participant_id", "session_id"):
        if key in df.columns:
            df[key] = df[key].astype("string").str.strip().astype(object)
    return df


@dataclass(frozen=True)
class CovariateJoin:
    """How a covariate table met the nights.

    Attributes
    ----------
    source : str
        The table (path) or ``"BIDS participants.tsv/sessions.tsv"``.
    keys : str
        Human-readable join rule.
    covariates : tuple of str
        Numeric columns added (without the ``cov_`` prefix).
    not_analysed : tuple of str
        Columns that are not numbers (e.g. ``sex``) and are not analysed.
    n_nights_matched, n_nights_unmatched, n_rows_unused : int
        Nights that found a row, nights that did not, table rows that met no night.
    """

    source: str
    keys: str
    covariates: tuple[str, ...]
    not_analysed: tuple[str, ...]
    n_nights_matched: int
    n_nights_unmatched: int
    n_rows_unused: int

    def summary(self) -> dict:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}


def _check_unique(df: pd.DataFrame, keys: list[str], source: str) -> None:
    dup = df.duplicated(subset=keys, keep=False)
    if dup.any():
        first = df[dup].iloc[0]
        what = ", ".join(f"{k}={first[k]}" for k in keys)
        raise InputError(f"has {int(dup.sum())} rows sharing the same night ({what})", where=source,
                         hint="keep one row per night (average or drop the duplicates first)")


def join_covariates(cohort: pd.DataFrame, table: pd.DataFrame, *, source: str,
                    diary_date: str = "evening") -> tuple[pd.DataFrame, CovariateJoin]:
    """Add the table's numeric columns to the cohort (``cov_<name>``), one row per night.

    Parameters
    ----------
    cohort : DataFrame
        The cohort table: ``recording_id``, ``participant_id``, ``session_id``, ``night_date``.
    table : DataFrame
        From :func:`read_covariate_table` (or the BIDS tables).
    source : str
        Name of the table for messages.
    diary_date : {"evening", "morning"}
        Whether a diary's ``date`` is the evening the night starts or the morning after.
    """
    import pandas as pd

    if diary_date not in DIARY_DATES:
        raise ParameterError(f"must be one of {', '.join(DIARY_DATES)}, got {diary_date!r}", where="diary_date")
    table = table.copy()
    cohort = cohort.copy()
    if "recording_id" in table.columns:
        keys = ["recording_id"]
        rule = "recording_id (the night's output folder)"
    elif "date" in table.columns:
        shift = _dt.timedelta(days=1 if diary_date == "morning" else 0)
        table["night_date"] = table["date"].map(lambda d: None if d is None or d != d else (d - shift).isoformat())
        cohort["night_date"] = cohort["night_date"].map(_iso_date)
        rule = (f"night date: the diary's date is the {diary_date} of the night; a night's date is the "
                f"evening its recording starts (EDF header start minus {NIGHT_DAY_BOUNDARY_H} h)")
        keys = ["night_date"]
        if "participant_id" in table.columns:
            people = sorted(set(table["participant_id"].dropna()))
            if cohort["participant_id"].isna().all():
                if len(people) > 1:
                    raise InputError(f"names {len(people)} participants but the recordings carry none",
                                     where=source, hint="add a recording_id column, or lay the recordings out "
                                                        "as BIDS (sub-<label>/...) so nights know their person")
                if people:
                    cohort["participant_id"] = people[0]
            keys = ["participant_id", "night_date"]
            rule = "participant_id and " + rule
        table = table.drop(columns=["date"])
    elif "participant_id" in table.columns:
        keys = ["participant_id"] + (["session_id"] if "session_id" in table.columns else [])
        rule = " and ".join(keys) + " (BIDS sub-/ses- labels of the recording's path)"
    else:  # pragma: no cover - read_covariate_table refuses such tables
        raise InputError("has no key column", where=source)
    if "session_id" in keys:  # a participant-level row (no session) meets nights without a ses- label
        table["session_id"] = table["session_id"].map(lambda v: "" if v is None or v != v else v)
        cohort["session_id"] = cohort["session_id"].map(lambda v: "" if v is None or v != v else v)
    table = table.dropna(subset=keys)
    _check_unique(table, keys, source)
    extra_keys = {"recording_id", "participant_id", "session_id", "date", "night_date"}
    numeric, other = _numeric(table, extra_keys)
    covs = [c for c in numeric.columns if c not in extra_keys]
    renamed = numeric[keys + covs].rename(columns={c: COVARIATE_PREFIX + c for c in covs})
    left = cohort.drop(columns=[c for c in renamed.columns if c in cohort.columns and c not in keys])
    for k in keys:
        left[k] = left[k].astype(object)
        renamed[k] = renamed[k].astype(object)
    merged = left.merge(renamed, on=keys, how="left", indicator=True, validate="many_to_one")
    matched = merged["_merge"] == "both"
    used_keys = set(map(tuple, merged.loc[matched, keys].astype(str).to_numpy().tolist()))
    all_keys = set(map(tuple, renamed[keys].astype(str).to_numpy().tolist()))
    merged = merged.drop(columns="_merge")
    merged.index = cohort.index
    if "session_id" in keys:
        merged["session_id"] = merged["session_id"].map(lambda v: None if v == "" else v)
    info = CovariateJoin(source=source, keys=rule, covariates=tuple(covs), not_analysed=tuple(other),
                         n_nights_matched=int(matched.sum()), n_nights_unmatched=int((~matched).sum()),
                         n_rows_unused=len(all_keys - used_keys))
    return pd.DataFrame(merged), info


def bids_covariate_table(roots: list[str]) -> pd.DataFrame | None:
    """participants.tsv + sessions.tsv of the BIDS roots as one table keyed by participant (and session)."""
    import pandas as pd

    rows = []
    has_sessions = False
    for root in roots:
        for (sub, ses), values in read_bids_tables(root).items():
            has_sessions |= ses is not None
            rows.append({"participant_id": sub, "session_id": ses, **values})
    if not rows:
        return None
    df = pd.DataFrame(rows)
    if not has_sessions:
        return df.drop(columns=["session_id"])
    # session rows already carry their participant's columns; the participant-level row stays
    # only for participants without sessions (their nights have no ses- label)
    with_sessions = set(df.loc[df["session_id"].notna(), "participant_id"])
    keep = df["session_id"].notna() | ~df["participant_id"].isin(with_sessions)
    return df[keep].reset_index(drop=True)

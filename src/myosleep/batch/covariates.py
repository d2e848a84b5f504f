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
    of the recording's path, or on the participant a recording-keyed table gave a night.
A participant key that ends each recording id (``nsrrid``, or a column named with ``--covariates-key``)
    NSRR's ``<cohort>-dataset-*.csv`` tables are keyed by ``nsrrid``, the participant whose
    recordings are named ``<cohort>[-<visit>]-<nsrrid>.edf`` (``shhs1-200001``): a row meets the
    nights whose recording id is that id or ends with it after ``-`` or ``_``; ids of digits
    compare as numbers (``0001`` = ``1``).  The row's id becomes the night's participant.

Who each night belongs to (:func:`resolve_nights`): the BIDS ``sub-`` label; else a
``participant_id`` column of a table keyed by ``recording_id``; else the id of a table keyed
by participant (``nsrrid``).  A night none of these names has no participant.

A night's age for the analysis (:func:`resolve_nights`): ``--age``; else an age column of a
table keyed by recording, participant or ``nsrrid`` (:data:`AGE_COLUMNS`); else the BIDS ``age``.

Numeric columns become covariates; other columns are listed as not analysed.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError, ParameterError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["CovariateJoin", "read_bids_tables", "read_covariate_table", "join_covariates", "night_date",
           "resolve_nights", "NightIdentity", "join_warnings", "COVARIATE_PREFIX", "DIARY_DATES", "AGE_COLUMNS",
           "PARTICIPANT_KEYS"]

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
#: Columns that name the participant whose recordings end with it (NSRR: ``shhs1-200001.edf`` is
#: participant ``nsrrid`` 200001's first SHHS visit); more with ``--covariates-key``.
PARTICIPANT_KEYS = ("nsrrid",)
#: Canonical name of such a key column once read (never a covariate).
_ID_KEY = "_participant_key"
#: Age columns, case-insensitive, and the unit of their bare numbers (text values may carry their own:
#: ``4mo``, ``18d``).  ``age_s1``, ``age_s2``, ... are NSRR's "age at the visit's PSG" (SHHS, in years),
#: ``nsrr_age`` NSRR's harmonised age (years).  The first present, in this order, is used.
AGE_COLUMNS: dict[str, str] = {"age": "y", "age_years": "y", "age_y": "y", "age_yrs": "y", "nsrr_age": "y",
                               "age_months": "mo", "age_mo": "mo", "age_weeks": "w", "age_w": "w",
                               "age_days": "d", "age_d": "d"}
_NSRR_VISIT_AGE = re.compile(r"^age_s\d+$", re.IGNORECASE)
_TOKEN = re.compile(r"[-_]+")


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


def read_covariate_table(path: str | os.PathLike[str], *, keys: tuple[str, ...] | list[str] = ()) -> pd.DataFrame:
    """A diary / participants / per-night table with its key columns renamed to the canonical ones.

    Key columns (case-insensitive, aliases accepted): ``recording_id``, ``participant_id``
    (``participant``, ``subject``), ``session_id``, ``date`` (ISO ``YYYY-MM-DD``); ``nsrrid``
    (:data:`PARTICIPANT_KEYS`) when the table has none of these; a column named in ``keys``
    (``--covariates-key``) before all of them, also one of the participant names (``subject``).
    A participant key is matched to the end of each recording id (module docstring); its column
    name is kept in ``df.attrs["participant_key"]``.
    """
    import pandas as pd

    path = Path(path)
    df = _read_table(path)
    lower = {c.lower(): c for c in df.columns}
    explicit = [lower[k.strip().lower()] for k in keys if k.strip().lower() in lower]
    if len(explicit) > 1:
        raise InputError(f"has {len(explicit)} of the --covariates-key columns ({', '.join(explicit)})", where=path,
                         hint="name one key column per table")
    id_col = explicit[0] if explicit else None
    rename = {}
    if id_col is not None and id_col.lower() in _ALIASES["recording_id"] + _ALIASES["date"]:
        id_col = None  # --covariates-key named a recording or date column: read it as such
    for key, aliases in _ALIASES.items():
        for a in aliases:
            if a in lower and lower[a] != id_col:
                rename[lower[a]] = key
                break
    if id_col is None and not explicit and not {"recording_id", "date", "participant_id"} & set(rename.values()):
        id_col = next((lower[k] for k in PARTICIPANT_KEYS if k in lower), None)
    if id_col is not None:
        # the participant key decides the join: other key-like columns are ordinary columns then
        rename = {c: k for c, k in rename.items() if k == "session_id"}
        rename[id_col] = _ID_KEY
    df = df.rename(columns=rename)
    if id_col is not None:
        df.attrs["participant_key"] = id_col
    if not {"recording_id", "date", "participant_id", _ID_KEY} & set(df.columns):
        raise InputError("has none of the key columns recording_id, date, participant_id or nsrrid", where=path,
                         hint="add a date column (YYYY-MM-DD, the evening of the night) or a recording_id "
                              "column naming each night's output folder, or name the key column with "
                              "--covariates-key COLUMN")
    if "date" in df.columns:
        text = df["date"].astype("string").str.strip()
        parsed = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
        bad = parsed.isna() & text.notna()
        if bad.any():
            i = int(bad.to_numpy().nonzero()[0][0])
            raise InputError(f"date {text.iloc[i]!r} on row {i + 2} is not YYYY-MM-DD", where=path,
                             hint="write dates as ISO 8601, e.g. 2024-03-01 (dd/mm vs mm/dd is ambiguous)")
        df["date"] = parsed.dt.date
    for key in ("recording_id", "participant_id", "session_id", _ID_KEY):
        if key in df.columns:
            df[key] = df[key].astype("string").str.strip().astype(object)
    return df


def _norm_id(v: Any) -> str | None:
    """An id as compared: stripped, lower case; digits as a number (``0001`` = ``1``, ``200001.0`` = ``200001``)."""
    if v is None or (isinstance(v, float) and v != v):
        return None
    text = str(v).strip().lower()
    if text in ("", "nan", "none", "<na>"):
        return None
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    return str(int(text)) if text.isdigit() else text


def _strip_sub(pid: str) -> str:
    return pid[4:] if pid.lower().startswith("sub-") else pid


def _participant_key_of_nights(cohort: pd.DataFrame, ids: set[str], source: str, column: str) -> list[str | None]:
    """The table id each night meets: its participant's (``sub-`` label or as given) when it has one, else
    its recording id whole or the part after its last ``-``/``_``; None when none; two is bad input."""
    out: list[str | None] = []
    for rid, pid in zip(cohort["recording_id"], cohort["participant_id"]):
        pid = None if pid is None or pid != pid or str(pid) == "" else str(pid)
        cands = [pid, _strip_sub(pid)] if pid else [str(rid), _TOKEN.split(str(rid))[-1]]
        hits = sorted({c for c in (_norm_id(x) for x in cands) if c is not None and c in ids})
        if len(hits) > 1:
            raise InputError(f"{column} values {hits[0]!r} and {hits[1]!r} both name night {rid}", where=source,
                             hint="keep one row per participant")
        out.append(hits[0] if hits else None)
    return out


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
    kind : str
        The key: ``recording``, ``diary``, ``participant`` or ``participant_key`` (``nsrrid``).
    unmatched : tuple of str
        Recording ids of the nights without a row.
    hint : str
        What to do when nights went without a row (empty otherwise).
    """

    source: str
    keys: str
    covariates: tuple[str, ...]
    not_analysed: tuple[str, ...]
    n_nights_matched: int
    n_nights_unmatched: int
    n_rows_unused: int
    kind: str = ""
    unmatched: tuple[str, ...] = ()
    hint: str = ""

    def summary(self) -> dict:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}

    def warning(self) -> str | None:
        """One line (what, where, what to do) when the table left nights without a row; None otherwise."""
        if not self.n_nights_unmatched:
            return None
        n = self.n_nights_matched + self.n_nights_unmatched
        which = ", ".join(self.unmatched[:3]) + (", ..." if len(self.unmatched) > 3 else "")
        what = ("matches no night" if not self.n_nights_matched else
                f"has no row for {self.n_nights_unmatched} of {n} nights")
        return (f"{self.source}: covariate table {what}, joined on {self.keys}. Without a row (covariates "
                f"empty): {which}. {self.hint}").strip()


def _check_unique(df: pd.DataFrame, keys: list[str], source: str) -> None:
    dup = df.duplicated(subset=keys, keep=False)
    if dup.any():
        first = df[dup].iloc[0]
        what = ", ".join(f"{k}={first[k]}" for k in keys)
        raise InputError(f"has {int(dup.sum())} rows sharing the same night ({what})", where=source,
                         hint="keep one row per night (average or drop the duplicates first)")


def _blank(v: Any) -> Any:
    return "" if v is None or v != v else v


def _keyed(cohort: pd.DataFrame, table: pd.DataFrame, *, source: str,
           diary_date: str) -> tuple[list[str], str, str, pd.DataFrame, pd.DataFrame]:
    """(keys, rule, kind, cohort, table): both frames given the key columns the join merges on."""
    table = table.copy()
    cohort = cohort.copy()
    if _ID_KEY in table.columns:
        column = str(table.attrs.get("participant_key", "nsrrid"))
        table[_ID_KEY] = table[_ID_KEY].map(_norm_id)
        table = table.dropna(subset=[_ID_KEY])
        cohort[_ID_KEY] = _participant_key_of_nights(cohort, set(table[_ID_KEY]), source, column)
        return ([_ID_KEY], f"{column}: the participant whose recording ids end with it (-{column} or _{column})",
                "participant_key", cohort, table)
    if "recording_id" in table.columns:
        return ["recording_id"], "recording_id (the night's output folder)", "recording", cohort, table
    if "date" in table.columns:
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
                                     where=source, hint="add a table with recording_id and participant_id columns, "
                                                        "or lay the recordings out as BIDS (sub-<label>/...) so "
                                                        "nights know their person")
                if people:
                    cohort["participant_id"] = people[0]
            keys = ["participant_id", "night_date"]
            rule = "participant_id and " + rule
        return keys, rule, "diary", cohort, table.drop(columns=["date"])
    if "participant_id" in table.columns:
        keys = ["participant_id"] + (["session_id"] if "session_id" in table.columns else [])
        rule = " and ".join(keys) + " (BIDS sub-/ses- labels, or a recording table's participant_id)"
        if "session_id" in keys:  # a participant-level row (no session) meets nights without a ses- label
            table["session_id"] = table["session_id"].map(_blank)
            cohort["session_id"] = cohort["session_id"].map(_blank)
        return keys, rule, "participant", cohort, table
    raise InputError("has no key column", where=source)  # pragma: no cover - read_covariate_table refuses


def _hint(kind: str, cohort: pd.DataFrame, table: pd.DataFrame, keys: list[str], unmatched: pd.Series) -> str:
    """What to do about nights without a row, for this kind of key."""
    rids = set(cohort["recording_id"].astype(str))
    if kind == "participant":
        same = sum(str(v) in rids for v in table["participant_id"].dropna())
        anonymous = bool(cohort.loc[unmatched, "participant_id"].isna().all())
        if same:
            return ((f"These nights have no participant id (not BIDS), and {same}" if anonymous else str(same))
                    + " of the table's participant_id values are recording ids: name that column recording_id.")
        if anonymous:
            return ("These nights have no participant id (not BIDS): give a table with recording_id and "
                    "participant_id columns, or lay the recordings out as BIDS (sub-<label>/...).")
        return "Add rows for these participants, or check that participant_id holds the nights' participant ids."
    if kind == "recording":
        return ("recording_id must be each night's output folder name (e.g. "
                f"{cohort['recording_id'].iloc[0]}); add rows for these nights.")
    if kind == "diary":
        return ("Check the diary's dates against the nights' (night_date in cohort.csv) and --diary-date "
                "(evening or morning).")
    return "Check that the key column holds the participant id ending each recording id (shhs1-200001: 200001)."


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
    keys, rule, kind, cohort_k, table = _keyed(cohort, table, source=source, diary_date=diary_date)
    table = table.dropna(subset=keys)
    _check_unique(table, keys, source)
    extra_keys = {"recording_id", "participant_id", "session_id", "date", "night_date", _ID_KEY}
    numeric, other = _numeric(table, extra_keys)
    covs = [c for c in numeric.columns if c not in extra_keys]
    renamed = numeric[keys + covs].rename(columns={c: COVARIATE_PREFIX + c for c in covs})
    left = cohort_k.drop(columns=[c for c in renamed.columns if c in cohort_k.columns and c not in keys])
    for k in keys:
        left[k] = left[k].astype(object)
        renamed[k] = renamed[k].astype(object)
    merged = left.merge(renamed, on=keys, how="left", indicator=True, validate="many_to_one")
    matched = merged["_merge"] == "both"
    used_keys = set(map(tuple, merged.loc[matched, keys].astype(str).to_numpy().tolist()))
    all_keys = set(map(tuple, renamed[keys].astype(str).to_numpy().tolist()))
    merged = merged.drop(columns="_merge")
    merged.index = cohort.index
    matched.index = cohort.index
    if "session_id" in keys:
        merged["session_id"] = merged["session_id"].map(lambda v: None if v == "" else v)
    if kind == "participant_key":
        merged = merged.drop(columns=[_ID_KEY])
    unmatched = ~matched
    info = CovariateJoin(source=source, keys=rule, covariates=tuple(covs), not_analysed=tuple(other),
                         n_nights_matched=int(matched.sum()), n_nights_unmatched=int(unmatched.sum()),
                         n_rows_unused=len(all_keys - used_keys), kind=kind,
                         unmatched=tuple(str(r) for r in cohort.loc[unmatched, "recording_id"]),
                         hint=_hint(kind, cohort_k, table, keys, unmatched) if unmatched.any() else "")
    return pd.DataFrame(merged), info


@dataclass(frozen=True)
class NightIdentity:
    """Whose a night is and how old they were, and where each came from.

    Attributes
    ----------
    participant_id : str | None
    participant_source : str | None
        ``"BIDS sub- label"``, ``"<table> (participant_id)"``, ``"<table> (nsrrid)"``; None when unknown.
    age : str | None
        The age given to the analysis (``54y``, ``4mo``), None when nothing gives one.
    age_source : str | None
        ``"--age"``, ``"BIDS participants.tsv/sessions.tsv (age)"`` or ``"<table> (<column>)"``.
    """

    participant_id: str | None = None
    participant_source: str | None = None
    age: str | None = None
    age_source: str | None = None


def _age_column(table: pd.DataFrame) -> tuple[str, str] | None:
    """(column, unit of its bare numbers) of the table's age, by :data:`AGE_COLUMNS` order, then NSRR ``age_sN``."""
    lower = {str(c).lower(): c for c in table.columns}
    for name, unit in AGE_COLUMNS.items():
        if name in lower:
            return str(lower[name]), unit
    visit = sorted(c for c in lower if _NSRR_VISIT_AGE.match(c))
    return (str(lower[visit[0]]), "y") if visit else None


def _age_of(value: Any, unit: str, *, column: str, rid: str, source: str) -> Any:
    """The Age a table cell gives (bare numbers in the column's unit, text with its own), None when empty."""
    from ..age import parse_age

    if value is None or (isinstance(value, float) and value != value) or str(value).strip() == "":
        return None
    text = str(value).strip()
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        text = f"{float(text):g}{unit}"
    try:
        return parse_age(text)
    except ParameterError:
        raise InputError(f"{column} {value!r} of night {rid} is not an age", where=source,
                         hint="give years (34) or a number with a unit (18d, 6w, 4mo, 34y); leave it empty "
                              "when unknown") from None


def _same_person(a: str, b: str) -> bool:
    return _norm_id(_strip_sub(a)) == _norm_id(_strip_sub(b))


def resolve_nights(nights: pd.DataFrame, tables: list[tuple[str, pd.DataFrame]], *,
                   age_given: bool = False) -> dict[str, NightIdentity]:
    """Each night's participant and age from the covariate tables, before the nights are analysed.

    Parameters
    ----------
    nights : DataFrame
        ``recording_id``, ``participant_id`` (BIDS label or None), ``session_id``, ``age`` (the plan's:
        ``--age`` or the BIDS age, or None).
    tables : list of (source, DataFrame)
        From :func:`read_covariate_table`, in the order given.
    age_given : bool
        ``--age`` was given: it stays every night's age.

    Returns
    -------
    dict
        ``{recording_id: NightIdentity}``.  A table's participant that contradicts the night's BIDS
        label or another table's, or two ages of one night that differ, are bad input (one line).
        Diaries (``date``) give neither: their age column stays a covariate.
    """
    cohort = nights[["recording_id", "participant_id", "session_id"]].copy().reset_index(drop=True)
    cohort["participant_id"] = cohort["participant_id"].astype(object)
    psource: list[str | None] = ["BIDS sub- label" if isinstance(v, str) and v else None
                                 for v in cohort["participant_id"]]

    def give(i: int, pid: str, where: str) -> None:
        old = cohort.at[i, "participant_id"]
        if isinstance(old, str) and old:
            if not _same_person(old, pid):
                raise InputError(f"gives night {cohort.at[i, 'recording_id']} participant {pid!r}, but "
                                 f"{psource[i]} says {old!r}", where=where,
                                 hint="correct the table, or leave out its participant_id for this night")
            return
        cohort.at[i, "participant_id"] = pid
        psource[i] = f"{where} (participant_id)"

    for source, table in tables:  # recording-keyed tables naming each night's participant
        if _ID_KEY not in table.columns and {"recording_id", "participant_id"} <= set(table.columns):
            t = table.dropna(subset=["recording_id", "participant_id"])
            _check_unique(t, ["recording_id"], source)
            given = dict(zip(t["recording_id"].astype(str), t["participant_id"].astype(str)))
            for i, rid in enumerate(cohort["recording_id"]):
                if rid in given:
                    give(i, given[rid], source)
    for source, table in tables:  # nsrrid-style tables: the key is the participant
        if _ID_KEY in table.columns:
            column = str(table.attrs.get("participant_key", "nsrrid"))
            original: dict[str, str] = {}
            for v in table[_ID_KEY].dropna():
                k = _norm_id(v)
                if k is not None:
                    original.setdefault(k, str(v).strip())
            keyed = _participant_key_of_nights(cohort, set(original), source, column)
            for i, k in enumerate(keyed):
                if k is not None and not (isinstance(cohort.at[i, "participant_id"], str)
                                          and cohort.at[i, "participant_id"]):
                    cohort.at[i, "participant_id"] = original[k]
                    psource[i] = f"{source} ({column})"

    plan_age = list(nights["age"]) if "age" in nights.columns else [None] * len(cohort)
    ages: list[list[tuple[Any, str]]] = [[] for _ in range(len(cohort))]
    if not age_given:
        for source, table in tables:
            col = _age_column(table)
            if col is None or (_ID_KEY not in table.columns and "recording_id" not in table.columns
                               and "participant_id" not in table.columns):
                continue  # a diary's age (if any) stays a covariate
            keys, _, _, cohort_k, t = _keyed(cohort, table, source=source, diary_date="evening")
            t = t.dropna(subset=keys)
            _check_unique(t, keys, source)
            for k in keys:
                cohort_k[k] = cohort_k[k].astype(object)
                t[k] = t[k].astype(object)
            cohort_k["_night"] = range(len(cohort_k))
            m = cohort_k[keys + ["_night"]].merge(t[keys + [col[0]]], on=keys, how="inner", validate="many_to_one")
            for i, value in zip(m["_night"], m[col[0]]):
                age = _age_of(value, col[1], column=col[0], rid=str(cohort.at[i, "recording_id"]), source=source)
                if age is not None:
                    ages[i].append((age, f"{source} ({col[0]})"))
    out: dict[str, NightIdentity] = {}
    for i, rid in enumerate(cohort["recording_id"]):
        given_age = plan_age[i] if isinstance(plan_age[i], str) and plan_age[i] else None
        if age_given:
            age, where = given_age, "--age" if given_age else None
        else:
            found = ages[i]
            if given_age is not None:  # the plan's age of a BIDS night: participants.tsv / sessions.tsv
                from ..age import parse_age

                found = found + [(parse_age(given_age), "BIDS participants.tsv/sessions.tsv (age)")]
            for other, other_where in found[1:]:
                # one age written in other units (34y, 408mo) is the same to rounding; no table gives
                # ages finer than a day, so half a day tells a different age from a unit's rounding
                if abs(other.days - found[0][0].days) > 0.5:
                    raise InputError(f"gives night {rid} the age {found[0][0].text}, {other_where} "
                                     f"{other.text}", where=found[0][1],
                                     hint="correct one of them, or give --age for every night")
            age, where = (found[0][0].text, found[0][1]) if found else (None, None)
        pid = cohort.at[i, "participant_id"]
        out[str(rid)] = NightIdentity(participant_id=pid if isinstance(pid, str) and pid else None,
                                      participant_source=psource[i], age=age, age_source=where)
    return out


def join_warnings(joins: list[CovariateJoin]) -> list[str]:
    """One line per table that left nights without a row."""
    return [w for w in (j.warning() for j in joins) if w]


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

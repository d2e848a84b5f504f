"""Ages as the CLI takes them: ``34`` (years) or with a unit: ``18d``, ``6w``, ``4mo``, ``34y``."""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass

from .errors import ParameterError

__all__ = ["Age", "age_from_birthdate", "ages_disagree", "parse_age"]

_DAYS_PER = {"d": 1.0, "w": 7.0, "mo": 365.25 / 12.0, "m": 365.25 / 12.0, "y": 365.25}
_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(d|days?|w|wk|weeks?|mo|mos|months?|m|y|yr|yrs|years?)?\s*$", re.I)
_CANON = {"d": "d", "day": "d", "days": "d", "w": "w", "wk": "w", "week": "w", "weeks": "w",
          "mo": "mo", "mos": "mo", "month": "mo", "months": "mo", "m": "mo",
          "y": "y", "yr": "y", "yrs": "y", "year": "y", "years": "y"}


@dataclass(frozen=True)
class Age:
    """An age; ``days`` is exact, ``years`` derived (365.25 d a year)."""

    days: float
    text: str

    @property
    def years(self) -> float:
        return self.days / 365.25

    @property
    def months(self) -> float:
        return self.days / (365.25 / 12.0)

    @property
    def is_infant(self) -> bool:
        """Under one year of age."""
        return self.years < 1.0

    @property
    def is_child(self) -> bool:
        """Under 18 years (paediatric PLMS cut-off applies)."""
        return self.years < 18.0


def parse_age(text: str | float | int | Age | None) -> Age | None:
    """Parse an age. Bare numbers are years; units d, w, mo (or m), y.

    Raises
    ------
    ParameterError
        When the text is not an age between 0 days and 130 years.
    """
    if text is None or isinstance(text, Age):
        return text
    if isinstance(text, (int, float)):
        text = f"{text}"
    m = _RE.match(str(text))
    if not m:
        raise ParameterError(f"cannot read age {text!r}", where="age",
                             hint="give years (34) or a number with a unit: 18d, 6w, 4mo, 34y")
    value = float(m.group(1))
    unit = _CANON[(m.group(2) or "y").lower()]
    days = value * _DAYS_PER[unit]
    if not 0 <= days <= 130 * 365.25:
        raise ParameterError(f"age {text!r} is outside 0 days to 130 years", where="age")
    return Age(days=days, text=str(text).strip())


def age_from_birthdate(birth: _dt.date, on: _dt.date) -> Age | None:
    """The age on ``on`` of a person born on ``birth``, in days (``"20d"``); None when ``on`` comes
    before the birth or more than 130 years after it (a placeholder date, not an age)."""
    days = (on - birth).days
    if not 0 <= days <= 130 * 365.25:
        return None
    return Age(days=float(days), text=f"{days}d")


def ages_disagree(given: Age, other: Age) -> bool:
    """Whether two ages of one person disagree by more than the precision of ``given``: one unit of
    its text (``7y``: a year; ``4mo``: a month; ``20d``: a day), at least a day."""
    m = _RE.match(given.text)
    unit = _CANON[(m.group(2) or "y").lower()] if m else "d"
    return abs(given.days - other.days) > max(_DAYS_PER[unit], 1.0)

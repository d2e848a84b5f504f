"""The ages each finding's rule was derived in: outside them, "cannot be assessed" with the reason.

A cut-off measured in adults says nothing about a newborn, whose active sleep is defined by its
twitches (Anders et al. 1971; Sokoloff et al. 2021).  Every finding below states the ages its
rule's source covers (``values["ages_covered"]``); at a known age outside them it is
``present: None``, its evidence opens with the reason and keeps what was measured (not applied).
Without an age the rules apply as written (the age is then said in the PLM and BNSM findings).

- REM sleep without atonia: SINBAR cut-offs (Frauscher et al., Sleep 2012) and the REM atonia
  index (Ferri et al., Sleep Med 2010) come from adults; no paediatric cut-off is published.
  Kohyama et al., Acta Neurol Scand 1999 (135 recordings, premature babies to 77 years): the
  tonic inhibition of the chin in REM sleep rises with age and reaches the adult level only at
  preadolescence, so below ``RSWA_MIN_AGE_Y`` (10 years, taken as the start of preadolescence)
  adult REM atonia cannot be expected and the adult cut-offs cannot be applied.
- Excessive fragmentary myoclonus: the AASM rule and its norms (median 25/h, 90th percentile
  144/h) come from healthy sleepers aged 19-77 years (Frauscher et al., Sleep 2014): not applied
  under ``EFM_MIN_AGE_Y`` (18 years).
- Sleep starts: the rule counts jerks at wake-to-N1/N2 transitions; under the AASM infant rules
  (to 2 months: W, N, T, R; Grigg-Damberger, J Clin Sleep Med 2016) there is no N1 or N2, and an
  infant enters sleep through active sleep: not applied under ``SLEEP_STARTS_MIN_AGE_MONTHS``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..age import Age
from ..vocab import FindingCode
from .findings import Finding, tag
from .rules import RuleSet

__all__ = ["AGES", "AgeRange", "EFM_MIN_AGE_Y", "RSWA_MIN_AGE_Y", "SLEEP_STARTS_MIN_AGE_MONTHS", "gate"]

RSWA_MIN_AGE_Y = 10.0  # Kohyama et al. 1999: tonic REM atonia reaches adult level at preadolescence
EFM_MIN_AGE_Y = 18.0  # Frauscher et al. 2014: norms from healthy sleepers aged 19-77 years
SLEEP_STARTS_MIN_AGE_MONTHS = 2.0  # AASM infant rules to 2 months (Grigg-Damberger 2016): no N1/N2


@dataclass(frozen=True)
class AgeRange:
    """The youngest age a finding's rule applies to, and why.

    Attributes
    ----------
    min_age_days : float
        The youngest age (days) the rule's source covers.
    text : str
        That age in words (``"10 years"``).
    source : str
        The source of the rule and of its age range.
    """

    min_age_days: float
    text: str
    source: str

    def to_dict(self) -> dict[str, object]:
        """``{"min_age_years", "source"}`` (JSON-ready)."""
        return {"min_age_years": round(self.min_age_days / 365.25, 3), "source": self.source}


AGES: dict[FindingCode, AgeRange] = {
    FindingCode.REM_SLEEP_WITHOUT_ATONIA: AgeRange(
        RSWA_MIN_AGE_Y * 365.25, f"{RSWA_MIN_AGE_Y:g} years",
        "SINBAR (Frauscher et al. 2012) and atonia index (Ferri et al. 2010) cut-offs are from adults; tonic REM "
        "atonia reaches the adult level only at preadolescence (Kohyama et al., Acta Neurol Scand 1999)"),
    FindingCode.EXCESSIVE_FRAGMENTARY_MYOCLONUS: AgeRange(
        EFM_MIN_AGE_Y * 365.25, f"{EFM_MIN_AGE_Y:g} years",
        "AASM rule and norms from healthy sleepers aged 19-77 years (Frauscher et al., Sleep 2014)"),
    FindingCode.SLEEP_STARTS: AgeRange(
        SLEEP_STARTS_MIN_AGE_MONTHS * 365.25 / 12.0, f"{SLEEP_STARTS_MIN_AGE_MONTHS:g} months",
        "the rule counts jerks at wake-to-N1/N2 transitions; infant rules to 2 months score W, N, T, R, no N1 or N2 "
        "(AASM; Grigg-Damberger, J Clin Sleep Med 2016)"),
}


def _age_words(age: Age) -> str:
    if age.years >= 2.0:
        return f"{age.years:.1f} years"
    return f"{age.months:.1f} months"


def gate(finding: Finding, age: Age | None, *, rules: RuleSet) -> Finding:
    """The finding with ``values["ages_covered"]``; ``present: None`` with the reason at a known age
    below the youngest its rule's source covers (``values["not_assessed_age"]``)."""
    span = AGES.get(finding.code)
    if span is None:
        return finding
    values = {**finding.values, "ages_covered": span.to_dict()}
    if age is None or age.days >= span.min_age_days:
        return Finding(finding.code, finding.present, finding.evidence, values)
    reason = (f"no norms below {span.text} ({span.source}); the recording is of a child aged "
              f"{_age_words(age)}")
    values["not_assessed_age"] = reason
    if finding.present is None:  # already not assessable (montage, too little sleep): say both
        return Finding(finding.code, None, f"{finding.evidence} Nor at this age: {reason}.", values)
    measured = finding.evidence.rstrip(".").replace(f" {tag(rules)}", "")
    return Finding(finding.code, None,
                   f"Cannot be assessed: {reason}. Measured, not judged by the adult rule: {measured} "
                   f"{tag(rules)}.", values)

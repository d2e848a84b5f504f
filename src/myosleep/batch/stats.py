"""How each jerk measure relates to each covariate across the nights of a cohort.

For every (measure, covariate) pair with enough nights:

* **Spearman's rho** with a 95 % confidence interval from Fisher's z transform with the
  standard error of Bonett and Wright (Psychometrika 2000, 65:23-28):
  ``SE = sqrt((1 + rho**2 / 2) / (n - 3))``.  Its p-value is the Wald test of the same z,
  so the interval excludes 0 exactly when p < 0.05.  Bonett and Wright found the interval
  accurate from about 10 pairs on, hence :data:`MIN_NIGHTS`.
* A **slope** (measure units per covariate unit) from the model the design calls for:

  - *repeated nights* (two or more participants, some with several nights): a linear
    mixed model, ``measure ~ covariate`` with a random intercept per participant
    (statsmodels ``MixedLM``, REML); the slope's t test is the pair's test, because the
    nights of one person are not independent.  Its degrees of freedom are nlme's
    "containment" count (Pinheiro and Bates 2000): ``N - people - 1`` for a covariate that
    varies within people, ``people - 2`` for one that does not (age), so a handful of people
    cannot pass for many.  Should no optimiser converge, least squares with a fixed
    intercept per person (or on the people's means) is used and the note says so.
  - *one person* (a self-tracker's nights): there is no between-person variance to model;
    the nights are the units.  Spearman's test is the pair's test; the slope is ordinary
    least squares on the nights in date order with Newey-West (HAC) standard errors, which
    allow for serial correlation between consecutive nights (lags: Newey and West 1994
    rule ``floor(4 (n/100)^(2/9))``, at least 1).
  - *one night per person*: Spearman's test; the slope is ordinary least squares with HC3
    robust standard errors.
  - *participants unknown*: no night says whose it is (not BIDS, and no covariate table gives
    a ``participant_id`` per recording).  Nothing then says the nights are one person's, so the
    one-person design is not assumed; the nights are treated as independent units, as with one
    night per person (Spearman's test, least squares with HC3 standard errors), and the design
    says so: if several nights are one person's, the p-values are too small.  A night without a
    participant among nights with one counts as a person of its own (stated in the note).

* **Multiple comparisons**: the pairs' p-values are adjusted together with the
  Benjamini-Hochberg procedure (statsmodels ``multipletests(method="fdr_bh")``), which
  keeps the false discovery rate at ``alpha`` (and, when no pair is related, the chance
  of any finding at ``alpha``); a pair is reported as associated when its q-value < alpha.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["Association", "CohortAssociations", "associate", "spearman_ci", "mixed_slope", "MIN_NIGHTS",
           "DESIGN_REPEATED", "DESIGN_ONE_PERSON", "DESIGN_CROSS_SECTIONAL", "DESIGN_UNKNOWN",
           "HOW_TO_NAME_PARTICIPANTS"]

#: Fewest nights with both values for a pair to be tested (Bonett and Wright 2000: the
#: Fisher-z interval of Spearman's rho holds its coverage from about n = 10).
MIN_NIGHTS = 10
DESIGN_REPEATED = "repeated nights (mixed model)"
DESIGN_ONE_PERSON = "one person, many nights"
DESIGN_CROSS_SECTIONAL = "one night per person"
DESIGN_UNKNOWN = "participants unknown (nights as independent)"
#: How to say whose each night is (the report and the warnings quote it).
HOW_TO_NAME_PARTICIPANTS = ("give a covariate table with recording_id and participant_id columns (--covariates), "
                            "or lay the recordings out as BIDS (sub-<label>/...)")
#: Group label of a night without a participant (one per night: they are not pooled into one person).
_UNKNOWN = "\x00night "


@dataclass(frozen=True)
class Association:
    """One measure against one covariate.

    Attributes
    ----------
    measure, covariate : str
        Cohort-table column of the measure; covariate name (without ``cov_``).
    n_nights, n_participants : int
        Nights with both values; people they come from (known participants only).
    design : str
        Which test applies (see the module docstring); ``"not tested"`` with a ``note`` otherwise.
    rho, rho_ci_low, rho_ci_high, rho_p : float | None
        Spearman's rho, its 95 % Fisher-z / Bonett-Wright interval and Wald p-value.
    slope, slope_ci_low, slope_ci_high, slope_p : float | None
        Measure units per covariate unit, 95 % interval, p-value (model in ``slope_method``).
    slope_method : str
    p : float | None
        The pair's test (mixed-model slope for repeated nights, Spearman otherwise).
    q : float | None
        Benjamini-Hochberg adjusted p over all tested pairs.
    associated : bool | None
        ``q < alpha``; None when not tested.
    note : str
    """

    measure: str
    covariate: str
    n_nights: int
    n_participants: int
    design: str
    n_nights_participant_unknown: int = 0
    rho: float | None = None
    rho_ci_low: float | None = None
    rho_ci_high: float | None = None
    rho_p: float | None = None
    slope: float | None = None
    slope_ci_low: float | None = None
    slope_ci_high: float | None = None
    slope_p: float | None = None
    slope_method: str = ""
    p: float | None = None
    q: float | None = None
    associated: bool | None = None
    note: str = ""


@dataclass(frozen=True)
class CohortAssociations:
    """Every (measure, covariate) pair, with the false discovery rate ``alpha`` used."""

    associations: tuple[Association, ...]
    alpha: float
    n_tested: int

    def to_dataframe(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame([asdict(a) for a in self.associations])

    def found(self) -> tuple[Association, ...]:
        return tuple(a for a in self.associations if a.associated)

    def summary(self) -> str:
        hits = ", ".join(f"{a.measure}~{a.covariate} (rho {a.rho:+.2f}, q {a.q:.2g})" for a in self.found())
        return (f"{self.n_tested} measure x covariate pairs tested at FDR {self.alpha:g}: "
                + (hits if hits else "no association"))

    def __repr__(self) -> str:
        return f"CohortAssociations({self.summary()})"


def spearman_ci(x, y, *, level: float = 0.95) -> tuple[float, float, float, float]:
    """Spearman's rho, its ``level`` interval (Fisher z, Bonett-Wright SE) and the Wald p-value.

    Parameters
    ----------
    x, y : array-like
        Paired values, at least 4 pairs, neither constant.
    """
    import numpy as np
    from scipy import stats

    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n = len(x)
    rho = float(stats.spearmanr(x, y).statistic)
    r = min(max(rho, -0.999999), 0.999999)
    se = math.sqrt((1.0 + r * r / 2.0) / (n - 3))
    z = math.atanh(r)
    crit = float(stats.norm.ppf(0.5 + level / 2.0))
    p = float(2.0 * stats.norm.sf(abs(z) / se))
    return rho, math.tanh(z - crit * se), math.tanh(z + crit * se), p


def _newey_west_lags(n: int) -> int:
    return max(1, int(math.floor(4.0 * (n / 100.0) ** (2.0 / 9.0))))


def _ols(y, x, *, cov_type: str, cov_kwds: dict | None = None) -> tuple[float, float, float, float]:
    import numpy as np
    import statsmodels.api as sm

    res = sm.OLS(np.asarray(y, float), sm.add_constant(np.asarray(x, float))).fit(cov_type=cov_type,
                                                                                  cov_kwds=cov_kwds or {})
    lo, hi = res.conf_int()[1]
    return float(res.params[1]), float(lo), float(hi), float(res.pvalues[1])


def _containment_df(x, groups) -> tuple[int, str]:
    """Denominator degrees of freedom of a fixed effect, as nlme's ``lme`` counts them (Pinheiro and
    Bates 2000, Mixed-Effects Models in S and S-PLUS, sec. 2.4.2): a covariate that varies within
    people is tested on ``N - groups - 1`` df, one constant within every person on ``groups - 2``."""
    import numpy as np
    import pandas as pd

    within = pd.Series(np.asarray(x, float)).groupby(np.asarray(groups)).nunique().gt(1).any()
    n, g = len(x), len(set(np.asarray(groups).tolist()))
    return (max(1, n - g - 1), "within") if within else (max(1, g - 2), "between")


def _t_test(b: float, se: float, df: int) -> tuple[float, float, float, float]:
    from scipy import stats

    crit = float(stats.t.ppf(0.975, df))
    return b, b - crit * se, b + crit * se, float(2 * stats.t.sf(abs(b / se), df)) if se > 0 else float("nan")


def mixed_slope(y, x, groups) -> tuple[tuple[float, float, float, float], str, str]:
    """Slope of ``y ~ x`` with a random intercept per group: ((slope, ci_low, ci_high, p), method, note).

    statsmodels ``MixedLM`` (REML; optimisers tried in turn until one converges); the slope's
    t test uses nlme's containment degrees of freedom (:func:`_containment_df`), not the
    normal approximation, which is too optimistic with few people.  When no optimiser
    converges the slope comes from least squares with a fixed intercept per person
    (within-person covariates) or on the people's means (covariates constant within
    people), both exact t tests.
    """
    import numpy as np
    import statsmodels.api as sm

    y = np.asarray(y, float)
    x = np.asarray(x, float)
    groups = np.asarray(groups)
    df, kind = _containment_df(x, groups)
    note = ""
    ok = False
    for method in ("lbfgs", "bfgs", "powell", "nm"):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                res = sm.MixedLM(y, sm.add_constant(x), groups=groups).fit(reml=True, method=method)
                ok = bool(getattr(res, "converged", False)) and bool(np.all(np.isfinite(res.bse[:2])))
            except (ValueError, np.linalg.LinAlgError) as err:
                note = f"mixed model failed ({' '.join(str(err).split())})"
        if ok:
            break
    if ok:
        note = ""  # an optimiser that failed before the one that converged is no caveat
        boundary = any("boundary" in str(w.message).lower() or "singular" in str(w.message).lower()
                       for w in caught)
        if boundary:
            note = "between-person variance 0 (= least squares)"
        return (_t_test(float(res.fe_params[1]), float(res.bse[1]), df),
                f"mixed model, random intercept per person (REML); t test, {df} df", note)
    note = note or "mixed model did not converge"
    if kind == "within":
        dummies = (groups[:, None] == np.unique(groups)[None, :]).astype(float)
        fit = sm.OLS(y, np.column_stack([x, dummies])).fit()
        return (_t_test(float(fit.params[0]), float(fit.bse[0]), int(fit.df_resid)),
                f"least squares, fixed intercept per person; t test, {int(fit.df_resid)} df", note)
    means = {g: (y[groups == g].mean(), x[groups == g][0]) for g in np.unique(groups)}
    ym, xm = np.array([v[0] for v in means.values()]), np.array([v[1] for v in means.values()])
    fit = sm.OLS(ym, sm.add_constant(xm)).fit()
    return (_t_test(float(fit.params[1]), float(fit.bse[1]), int(fit.df_resid)),
            f"least squares on the people's means; t test, {int(fit.df_resid)} df", note)


def _pair(df: pd.DataFrame, measure: str, cov_col: str, covariate: str, order_col: str | None) -> Association:
    sub = df[[measure, cov_col, "_person"] + ([order_col] if order_col else [])].dropna(subset=[measure, cov_col])
    n = len(sub)
    unknown = sub["_person"].str.startswith(_UNKNOWN)
    n_unknown = int(unknown.sum())
    people = sub["_person"].nunique()  # a night of unknown participant counts as its own
    base = {"measure": measure, "covariate": covariate, "n_nights": n, "n_participants": people - n_unknown,
            "n_nights_participant_unknown": n_unknown}
    if n < MIN_NIGHTS:
        return Association(**base, design="not tested", note=f"{n} nights with both values (< {MIN_NIGHTS})")
    if sub[measure].nunique() < 2 or sub[cov_col].nunique() < 2:
        which = measure if sub[measure].nunique() < 2 else covariate
        return Association(**base, design="not tested", note=f"{which} is the same on every night")
    rho, lo, hi, rho_p = spearman_ci(sub[cov_col], sub[measure])
    per_person = sub.groupby("_person").size()
    note = ""
    if n_unknown == n:
        design = DESIGN_UNKNOWN
        slope = _ols(sub[measure], sub[cov_col], cov_type="HC3")
        method, p = "least squares, HC3 SE; nights as independent", rho_p
        note = (f"no night says whose it is: the {n} nights are treated as independent (if some are one "
                f"person's, p is too small); to name participants, {HOW_TO_NAME_PARTICIPANTS}")
        return Association(**base, design=design, rho=rho, rho_ci_low=lo, rho_ci_high=hi, rho_p=rho_p,
                           slope=slope[0], slope_ci_low=slope[1], slope_ci_high=slope[2], slope_p=slope[3],
                           slope_method=method, p=p, note=note)
    if n_unknown:
        note = f"{n_unknown} nights without a participant id, each counted as a person of its own"
    if people == 1:
        design = DESIGN_ONE_PERSON
        if order_col:
            sub = sub.sort_values(order_col, kind="stable")
        lags = _newey_west_lags(n)
        slope = _ols(sub[measure], sub[cov_col], cov_type="HAC", cov_kwds={"maxlags": lags})
        method, p = f"least squares, Newey-West SE ({lags} lag{'s' if lags > 1 else ''})", rho_p
    elif (per_person > 1).any():
        design = DESIGN_REPEATED
        slope, method, fit_note = mixed_slope(sub[measure], sub[cov_col], sub["_person"])
        note = "; ".join(x for x in (note, fit_note) if x)
        p = slope[3]
    else:
        design = DESIGN_CROSS_SECTIONAL
        slope = _ols(sub[measure], sub[cov_col], cov_type="HC3")
        method, p = "least squares, HC3 SE", rho_p
    return Association(**base, design=design, rho=rho, rho_ci_low=lo, rho_ci_high=hi, rho_p=rho_p,
                       slope=slope[0], slope_ci_low=slope[1], slope_ci_high=slope[2], slope_p=slope[3],
                       slope_method=method, p=p, note=note)


def associate(cohort: pd.DataFrame, *, measures: list[str], covariates: dict[str, str],
              participant_col: str = "participant_id", order_col: str | None = "night_date",
              alpha: float = 0.05) -> CohortAssociations:
    """Relate every measure to every covariate over the nights that have both.

    Parameters
    ----------
    cohort : DataFrame
        One row per night (failed nights have empty measures and drop out).
    measures : list of str
        Measure columns.
    covariates : dict
        ``{covariate name: column}``.
    participant_col : str
        Person of each night; a night without one is a person of its own, and when no night has
        one the design is :data:`DESIGN_UNKNOWN` (nights as independent), never one person.
    order_col : str | None
        Night order for the one-person serial-correlation correction.
    alpha : float
        False discovery rate (Benjamini-Hochberg).
    """
    from statsmodels.stats.multitest import multipletests

    df = cohort.copy().reset_index(drop=True)
    people = df[participant_col] if participant_col in df.columns else [None] * len(df)
    df["_person"] = [f"{_UNKNOWN}{i}" if v is None or v != v or v == "" else str(v) for i, v in enumerate(people)]
    order = order_col if order_col in df.columns else None
    pairs = [_pair(df, m, col, name, order) for m in measures if m in df.columns for name, col in covariates.items()]
    tested = [i for i, a in enumerate(pairs) if a.p is not None and math.isfinite(a.p)]
    if tested:
        reject, q, _, _ = multipletests([pairs[i].p for i in tested], alpha=alpha, method="fdr_bh")
        from dataclasses import replace

        for k, i in enumerate(tested):
            pairs[i] = replace(pairs[i], q=float(q[k]), associated=bool(reject[k]))
    return CohortAssociations(associations=tuple(pairs), alpha=alpha, n_tested=len(tested))

"""cohort_report.html: one self-contained page (inline CSS and SVG) rendered with Jinja2, autoescape on.

Every text that comes from the user's files (recording ids, participant ids, covariate
names, error messages) goes through Jinja2's escaping or :func:`html.escape` inside the
hand-built SVG, so a diary column named ``<script>`` shows as text.

``{{ row.keys }}`` on a dict row is the row's ``"keys"`` entry here, not the ``dict.keys``
method Jinja2 would otherwise find first (its attribute lookup prefers attributes): the
environment looks a dict's items up before its attributes (:class:`_ItemsFirst`), so no row
field can be shadowed by a dict method (``keys``, ``items``, ``values``, ``get``, ``update``...).
"""

from __future__ import annotations

import math
import os
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._atomic import atomic_write_text
from .._version import __version__

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from .covariates import CovariateJoin
    from .stats import Association, CohortAssociations

__all__ = ["render_cohort_report", "write_cohort_report", "scatter_svg", "participants_warning"]

#: Okabe-Ito colour-blind-safe palette for participants (grey beyond eight).
_PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")


def _fmt(v: Any, digits: int = 2) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "n/a"
    if isinstance(v, float):
        if v != 0 and (abs(v) < 10 ** -digits or abs(v) >= 1e5):
            return f"{v:.{digits}g}"
        return f"{v:.{digits}f}"
    return str(v)


def _p(v: float | None) -> str:
    if v is None or not math.isfinite(v):
        return "n/a"
    return "< 0.001" if v < 0.001 else f"{v:.3f}"


def scatter_svg(x, y, groups, *, xlabel: str, ylabel: str, slope: float | None = None,
                width: int = 300, height: int = 210) -> str:
    """A small scatter plot (one colour per participant) with the fitted slope, as inline SVG."""
    import numpy as np

    x = np.asarray(x, float)
    y = np.asarray(y, float)
    ml, mr, mt, mb = 44, 10, 8, 34
    pw, ph = width - ml - mr, height - mt - mb

    def span(v):
        lo, hi = float(np.min(v)), float(np.max(v))
        pad = (hi - lo) * 0.06 or max(abs(lo) * 0.1, 0.5)
        return lo - pad, hi + pad

    (x0, x1), (y0, y1) = span(x), span(y)

    def sx(v):
        return ml + (v - x0) / (x1 - x0) * pw

    def sy(v):
        return mt + ph - (v - y0) / (y1 - y0) * ph

    people = list(dict.fromkeys(groups))
    colour = {g: (_PALETTE[i] if i < len(_PALETTE) else "#999999") for i, g in enumerate(people)}
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(ylabel)} against {escape(xlabel)}">',
             f'<rect x="{ml}" y="{mt}" width="{pw}" height="{ph}" fill="#fafafa" stroke="#ccc"/>']
    for v, anchor in ((x0, "start"), (x1, "end")):
        parts.append(f'<text x="{sx(v):.1f}" y="{mt + ph + 12}" font-size="9" text-anchor="{anchor}">'
                     f'{escape(_fmt(float(v), 2))}</text>')
    for v in (y0, y1):
        parts.append(f'<text x="{ml - 3}" y="{sy(v) + 3:.1f}" font-size="9" text-anchor="end">'
                     f'{escape(_fmt(float(v), 2))}</text>')
    parts.append(f'<text x="{ml + pw / 2:.1f}" y="{height - 6}" font-size="10" text-anchor="middle">'
                 f'{escape(xlabel)}</text>')
    parts.append(f'<text x="10" y="{mt + ph / 2:.1f}" font-size="10" text-anchor="middle" '
                 f'transform="rotate(-90 10 {mt + ph / 2:.1f})">{escape(ylabel[:40])}</text>')
    if slope is not None and math.isfinite(slope):
        xm, ym = float(np.mean(x)), float(np.mean(y))
        xa, xb = float(np.min(x)), float(np.max(x))
        ya, yb = ym + slope * (xa - xm), ym + slope * (xb - xm)
        parts.append(f'<line x1="{sx(xa):.1f}" y1="{sy(ya):.1f}" x2="{sx(xb):.1f}" y2="{sy(yb):.1f}" '
                     f'stroke="#444" stroke-width="1.2" stroke-dasharray="4 2" clip-path="none"/>')
    for xi, yi, g in zip(x, y, groups):
        parts.append(f'<circle cx="{sx(xi):.1f}" cy="{sy(yi):.1f}" r="3" fill="{colour[g]}" fill-opacity="0.75">'
                     f'<title>{escape(str(g))}: {escape(_fmt(float(xi)))}, {escape(_fmt(float(yi)))}</title>'
                     '</circle>')
    parts.append("</svg>")
    return "".join(parts)


def _environment():
    from jinja2 import Environment, PackageLoader, select_autoescape

    class _ItemsFirst(Environment):
        """``x.name`` on a dict is ``x["name"]`` when the dict has that key (then the attribute, as Jinja2)."""

        def getattr(self, obj: Any, attribute: str) -> Any:
            if isinstance(obj, dict) and attribute in obj:
                return obj[attribute]
            return super().getattr(obj, attribute)

    return _ItemsFirst(loader=PackageLoader("myosleep.batch", "templates"),
                       autoescape=select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)


def _known(v: Any) -> bool:
    return v is not None and v == v and str(v) != ""


def participants_warning(cohort: pd.DataFrame) -> str | None:
    """One line when analysed nights have no participant id: what the statistics then assume, what to do."""
    from .stats import HOW_TO_NAME_PARTICIPANTS

    ok = cohort[cohort["error"].isna()]
    unknown = int((~ok["participant_id"].map(_known)).sum()) if len(ok) else 0
    if unknown < 2:
        return None
    if unknown == len(ok):
        return (f"participants unknown: none of the {unknown} analysed nights says whose it is (not BIDS, no "
                "participant_id column in a covariate table keyed by recording_id); the cohort report treats the "
                f"nights as independent, not as one person's. To name them, {HOW_TO_NAME_PARTICIPANTS}")
    return (f"{unknown} of {len(ok)} analysed nights have no participant id; the cohort report counts each as a "
            f"person of its own. To name them, {HOW_TO_NAME_PARTICIPANTS}")


def _assoc_row(a: Association, labels: dict[str, str]) -> dict:
    return {
        "measure": labels.get(a.measure, a.measure), "measure_col": a.measure, "covariate": a.covariate,
        "n": a.n_nights, "people": a.n_participants, "design": a.design,
        "rho": _fmt(a.rho), "rho_ci": "" if a.rho is None else f"[{_fmt(a.rho_ci_low)}, {_fmt(a.rho_ci_high)}]",
        "slope": _fmt(a.slope, 3),
        "slope_ci": "" if a.slope is None else f"[{_fmt(a.slope_ci_low, 3)}, {_fmt(a.slope_ci_high, 3)}]",
        "slope_method": a.slope_method, "p": _p(a.p), "q": _p(a.q), "associated": a.associated, "note": a.note,
    }


def render_cohort_report(cohort: pd.DataFrame, joins: list[CovariateJoin], result: CohortAssociations,
                         *, covariates: dict[str, str], warnings: list[str] | tuple[str, ...] = ()) -> str:
    """The page: cohort overview, warnings, failed nights, how covariates joined, associations and plots."""
    from .covariates import COVARIATE_PREFIX
    from .stats import DESIGN_ONE_PERSON, DESIGN_UNKNOWN, HOW_TO_NAME_PARTICIPANTS, MIN_NIGHTS
    from .table import FINDING_CODES, MEASURES

    status = cohort["status"].fillna("failed")
    ok = cohort[cohort["error"].isna()]
    failed = cohort[cohort["error"].notna()]
    findings = []
    for code in FINDING_CODES:
        col = f"finding_{code}"
        if col in ok.columns:
            v = ok[col]
            findings.append({"code": code.replace("_", " "), "true": int((v == True).sum()),  # noqa: E712
                             "false": int((v == False).sum()), "null": int(v.isna().sum())})  # noqa: E712
    measures = []
    for col, label in MEASURES.items():
        if col in ok.columns:
            v = ok[col].dropna().astype(float)
            measures.append({"label": label, "col": col, "n": len(v),
                             "median": _fmt(float(v.median())) if len(v) else "n/a",
                             "iqr": (f"{_fmt(float(v.quantile(.25)))}-{_fmt(float(v.quantile(.75)))}"
                                     if len(v) else "n/a")})
    people = ok["participant_id"].map(lambda v: str(v) if _known(v) else "(participant unknown)")
    rows = [_assoc_row(a, MEASURES) for a in result.associations]
    plots = []
    ranked = sorted((a for a in result.associations if a.p is not None),
                    key=lambda a: (a.q if a.q is not None else 1.0, a.p))
    for a in ranked:
        col = covariates[a.covariate]
        sub = ok[[a.measure, col]].assign(_g=people).dropna(subset=[a.measure, col])
        svg = scatter_svg(sub[col].to_numpy(float), sub[a.measure].to_numpy(float), sub["_g"].tolist(),
                          xlabel=a.covariate, ylabel=MEASURES.get(a.measure, a.measure), slope=a.slope)
        plots.append({"svg": svg, "title": f"{MEASURES.get(a.measure, a.measure)} vs {a.covariate}",
                      "caption": f"rho {_fmt(a.rho)} {_assoc_row(a, MEASURES)['rho_ci']}, q {_p(a.q)}",
                      "associated": a.associated})
    designs = sorted({a.design for a in result.associations if a.p is not None})
    known = ok["participant_id"].map(_known)
    n_people = ok.loc[known, "participant_id"].nunique()
    n_unknown = int((~known).sum())
    who = f"from {n_people} {'person' if n_people == 1 else 'people'}"
    if n_unknown and n_unknown == len(ok):
        who = "· participants unknown: no night says whose it is"
    elif n_unknown:
        who += f" and {n_unknown} nights whose participant is unknown"
    reused = cohort["from_earlier_run"] if "from_earlier_run" in cohort.columns else status.map(lambda _: False)
    env = _environment()
    return env.get_template("cohort_report.html.j2").render(
        version=__version__, n_nights=len(cohort), n_ok=len(ok), n_failed=len(failed), n_people=n_people,
        who=who, n_unknown=n_unknown, how_to_name=HOW_TO_NAME_PARTICIPANTS,
        n_skipped=int(reused.fillna(False).astype(bool).sum()), alpha=result.alpha, n_tested=result.n_tested,
        failed=[{"id": r.recording_id, "kind": r.error_kind or "", "error": r.error} for r in failed.itertuples()],
        findings=findings, measures=measures, joins=[j.summary() for j in joins], associations=rows,
        found=[r for r in rows if r["associated"]], plots=plots, designs=designs, min_nights=MIN_NIGHTS,
        design_unknown=DESIGN_UNKNOWN, design_one_person=DESIGN_ONE_PERSON, warnings=list(warnings),
        prefix=COVARIATE_PREFIX)


def write_cohort_report(cohort: pd.DataFrame, joins: list[CovariateJoin], out_dir: str | os.PathLike[str],
                        *, alpha: float = 0.05, warnings: list[str] | tuple[str, ...] = ()) -> Path:
    """Relate the jerk measures to the joined covariates and write ``cohort_report.html``."""
    from .covariates import COVARIATE_PREFIX
    from .stats import associate
    from .table import MEASURES

    names = []
    for j in joins:
        names += [c for c in j.covariates if c not in names]
    covariates = {c: COVARIATE_PREFIX + c for c in names if COVARIATE_PREFIX + c in cohort.columns}
    ok = cohort[cohort["error"].isna()]
    result = associate(ok, measures=list(MEASURES), covariates=covariates, alpha=alpha)
    html = render_cohort_report(cohort, joins, result, covariates=covariates, warnings=warnings)
    path = Path(out_dir) / "cohort_report.html"
    atomic_write_text(path, html)
    atomic_write_text(Path(out_dir) / "cohort_associations.csv",
                      result.to_dataframe().to_csv(index=False, lineterminator="\n"))
    return path

"""Many nights: ``myosleep batch`` on local processes or an existing Dask distributed cluster.

Names are imported lazily (``import myosleep.batch`` does not import Dask).
"""

from __future__ import annotations

from .._lazy import attach

_LAZY = {
    "run_batch": ".run",
    "BatchResult": ".run",
    "plan_nights": ".plan",
    "Night": ".plan",
    "run_night": ".night",
    "associate": ".stats",
    "CohortAssociations": ".stats",
    "read_covariate_table": ".covariates",
    "join_covariates": ".covariates",
    "write_cohort_report": ".report",
}

__getattr__, __dir__, __all__ = attach(__name__, _LAZY)

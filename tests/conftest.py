"""Shared test fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
#: Real recordings and exports shipped beside the repository (../shared/data/real).
REAL = REPO.parent / "shared" / "data" / "real"


@pytest.fixture(scope="session")
def real_dir() -> Path:
    assert REAL.is_dir(), f"real data folder missing: {REAL}"
    return REAL

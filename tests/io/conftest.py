"""Fixtures of the io tests: the committed fixture script run into a temporary directory."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from ..conftest import make_fixtures

REPO_ROOT = Path(__file__).resolve().parents[2]
#: Real recordings shipped beside the repository (see its README.md).
REAL_DATA = REPO_ROOT.parent / "shared" / "data" / "real"


@pytest.fixture(scope="session")
def mkfix() -> ModuleType:
    """The scripts/make_fixtures.py module."""
    return make_fixtures()


@pytest.fixture(scope="session")
def fixture_dir(tmp_path_factory: pytest.TempPathFactory, mkfix: ModuleType) -> Path:
    """Every fixture, written once per session by ``make_fixtures.main``."""
    out = tmp_path_factory.mktemp("io-fixtures")
    assert mkfix.main([str(out)]) == 0
    return out


@pytest.fixture(scope="session")
def sleep_edf_psg() -> Path:
    return REAL_DATA / "sleep-edf" / "SC4001E0-first300s-PSG.edf"


@pytest.fixture(scope="session")
def hmc_hypnogram() -> Path:
    return REAL_DATA / "hmc" / "SN001-hypnogram.edf"

"""Fixtures for detection tests (helpers live in _detect_helpers.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from ._detect_helpers import load_biosppy  # noqa: E402


@pytest.fixture(scope="session")
def rest_emg() -> np.ndarray:
    """100 s of real resting surface EMG at 1000 Hz, in uV."""
    return load_biosppy("emg_rest_1000hz.txt")

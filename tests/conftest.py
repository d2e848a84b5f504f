"""Shared test fixtures."""

from __future__ import annotations

import functools
import importlib.util
import shutil
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[1]
#: Real recordings and exports shipped beside the repository (../shared/data/real).
REAL = REPO.parent / "shared" / "data" / "real"


@functools.cache
def make_fixtures() -> ModuleType:
    """The committed fixture script, ``scripts/make_fixtures.py``, as a module (loaded once)."""
    spec = importlib.util.spec_from_file_location("make_fixtures", REPO / "scripts" / "make_fixtures.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def real_dir() -> Path:
    assert REAL.is_dir(), f"real data folder missing: {REAL}"
    return REAL


#: Flags of headless Chromium on a machine without a network or a screen (as root: no sandbox).
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars"]


def chromium_path() -> str | None:
    """Debian's chromium (``make browser`` installs it), or another Chromium on the PATH."""
    for path in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser"),
                 shutil.which("google-chrome")):
        if path and Path(path).exists():
            return path
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator:
    """Headless Chromium (the system package) driven by Playwright, one for the whole session.

    One, because a process can run only one Playwright sync instance at a time: the report and
    the review tests share it whatever order they run in.
    """
    from playwright.sync_api import sync_playwright

    path = chromium_path()
    if path is None:
        pytest.fail("headless Chromium not found: install Debian's chromium (make browser does)", pytrace=False)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS)
        try:
            yield b
        finally:
            b.close()

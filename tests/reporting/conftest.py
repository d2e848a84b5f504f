"""Browser for report tests: Debian's headless Chromium (.ci/run installs it)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars"]


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.fixture(scope="session")
def chromium():
    path = _chromium()
    if path is None:
        pytest.fail("headless Chromium not found: install it (apt-get install chromium) — .ci/run does", pytrace=False)

    def run(url: str, *args: str, tmpdir: Path) -> subprocess.CompletedProcess:
        profile = tmpdir / "chromium-profile"
        return subprocess.run([path, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args, url],
                              capture_output=True, text=True, timeout=120)

    return run

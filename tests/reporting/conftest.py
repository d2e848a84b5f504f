"""Browser and analysed nights for the report tests.

Debian's headless Chromium (``make browser`` / .ci/run install it), driven either from its
command line or by Playwright's Python package (which downloads no browser: it is given the
system executable).
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from ..conftest import CHROMIUM_FLAGS, chromium_path, make_fixtures

#: Text that would run script if the page took it as HTML (the EDF patient field is 80 characters).
HOSTILE_PATIENT = "<script>alert(1)</script>"


@pytest.fixture(scope="session")
def chromium():
    path = chromium_path()
    if path is None:
        pytest.fail("headless Chromium not found: install it (apt-get install chromium) — .ci/run does", pytrace=False)

    def run(url: str, *args: str, tmpdir: Path) -> subprocess.CompletedProcess:
        profile = tmpdir / "chromium-profile"
        return subprocess.run([path, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args, url],
                              capture_output=True, text=True, timeout=120)

    return run


@dataclass(frozen=True)
class Night:
    """A simulated night, its truth, its analysis (in memory) and the analysis folder."""

    edf: Path
    hypnogram: Path
    out: Path
    analysis: object


def analysed_night(root: Path, scenario: str, *, hours: float, seed: int, age: str | None = None,
                   patient: str | None = None) -> Night:
    """Simulate a night, optionally overwrite its EDF patient field, analyse it with its true hypnogram."""
    from myosleep.pipeline import analyze
    from myosleep.simulate import simulate_night

    root.mkdir(parents=True, exist_ok=True)
    sim = simulate_night(scenario, hours=hours, seed=seed)
    paths = [Path(p) for p in sim.write(root / f"{scenario}.edf")]
    edf = paths[0]
    hyp = next(p for p in paths if p.name.endswith(".hypnogram.tsv"))
    if patient is not None:
        make_fixtures().patch_main_field(edf, 8, 80, patient)
    analysis = analyze(edf, hypnogram=hyp, age=age)
    out = root / "out"
    analysis.write(out)
    return Night(edf=edf, hypnogram=hyp, out=out, analysis=analysis)


@pytest.fixture(scope="session")
def plmd_night(tmp_path_factory: pytest.TempPathFactory) -> Night:
    """The demo's night (PLMD, 2 h, seed 7): sleep starts, fragmentary myoclonus, leg movements in
    PLM series, REM twitches, body movements; analysed and written."""
    return analysed_night(tmp_path_factory.mktemp("plmd"), "plmd", hours=2.0, seed=7, age="52y")


@pytest.fixture(scope="session")
def hostile_night(tmp_path_factory: pytest.TempPathFactory) -> Night:
    """A short night whose EDF patient field is a script tag."""
    return analysed_night(tmp_path_factory.mktemp("hostile"), "sleep_starts", hours=0.5, seed=3,
                          patient=HOSTILE_PATIENT)

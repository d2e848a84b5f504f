"""``myosleep demo``: simulate a short night with known events, analyse it, write the report."""

from __future__ import annotations

import os
from pathlib import Path

from ._atomic import prepare_out_dir

__all__ = ["run_demo", "DEMO_SCENARIO", "DEMO_HOURS", "DEMO_SEED"]

#: The embedded default: a deterministic 3-h night of an adult with periodic limb
#: movement disorder, with sleep starts, leg movements, fragmentary myoclonus and REM
#: twitches. Three hours, because a PLMS index needs at least 2 h of sleep before it is
#: assessed (``classification.findings``; a 2-h recording holds less sleep than that)
#: and the night then reaches its first REM periods.
DEMO_SCENARIO = "plmd"
DEMO_HOURS = 3.0
DEMO_SEED = 7
#: The demo's sleeper is an adult of 52, so the adult PLMS cut-off (15/h) applies.
DEMO_AGE = "52y"


def run_demo(*, out_dir: str | os.PathLike[str] = "myosleep-demo", progress: bool = False) -> list[Path]:
    """Simulate, analyse and write ``demo.edf`` (+ truth), events.tsv, summary.json, report.html.

    The simulated hypnogram is passed to the analysis as a scored hypnogram would be,
    so the demo runs in well under a minute; the truth tables lie beside the recording
    for comparison.
    """
    from .pipeline import analyze
    from .simulate import simulate_night

    out = prepare_out_dir(out_dir)
    sim = simulate_night(DEMO_SCENARIO, hours=DEMO_HOURS, seed=DEMO_SEED)
    sim_paths = sim.write(out / "demo.edf")
    edf = Path(sim_paths[0])
    hyp = next(p for p in map(Path, sim_paths) if p.name.endswith(".hypnogram.tsv"))
    age = DEMO_AGE if sim.scenario.age_days is None else f"{sim.scenario.age_days:g}d"
    analysis = analyze(edf, hypnogram=hyp, age=age, rules="aasm", progress=progress)
    return [*analysis.write(out), edf]

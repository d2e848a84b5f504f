"""No cortical finding on nights without cortical myoclonus (small version of
benchmarks/neuro_false_positives.py): the jerks analyze finds, class by class."""

from __future__ import annotations

import pytest

from myosleep.io import read_recording
from myosleep.neurophysiology import jerk_locked_analysis
from myosleep.pipeline import analyze

from .conftest import simulate_to_edf


@pytest.mark.slow
@pytest.mark.parametrize("scenario, seed", [("sleep_starts", 11), ("rsbd", 12)])
def test_no_cortical_finding(tmp_path, scenario, seed):
    sim, path = simulate_to_edf(tmp_path, scenario, hours=1.5, seed=seed)
    with read_recording(path) as rec:
        a = analyze(rec, hypnogram=sim.hypnogram)
        classes = [(t,) for t in a.events["trial_type"].unique() if t != "body_movement"]
        classes.append(("myoclonic_jerk", "fragmentary_myoclonus"))
        assessed = 0
        for cls in classes:
            r = jerk_locked_analysis(rec, a.events, classes=cls, bursts=a.detection.bursts)
            assert r.cortical.present is not True, (cls, r.cortical.evidence)
            assert r.relabel_index == ()
            assessed += r.cortical.present is False
    assert assessed >= 1  # at least one class had enough jerks for a verdict

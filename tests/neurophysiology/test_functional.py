"""Jerks preceded by a Bereitschaftspotential: functional_jerks present, no cortical finding."""

from __future__ import annotations

import pytest

from myosleep.io import read_recording
from myosleep.neurophysiology import jerk_locked_analysis
from myosleep.pipeline import analyze

from .conftest import scenario_with, simulate_to_edf


@pytest.mark.slow
def test_bp_before_jerks(tmp_path):
    sc = scenario_with("functional_jerks", functional_jerks_per_wake_min=6.0)
    sim, path = simulate_to_edf(tmp_path, sc, hours=1.5, seed=4)
    with read_recording(path) as rec:
        a = analyze(rec, hypnogram=sim.hypnogram)
        res = jerk_locked_analysis(rec, a.events, bursts=a.detection.bursts)  # unexplained jerks
        truth = jerk_locked_analysis(rec, sim.events, classes=("myoclonic_jerk",))
    for r in (res, truth):
        bp = r.bereitschaftspotential
        assert bp.status == "present", bp.reason
        assert bp.amplitude_uv < -3 and bp.channel in ("C3-M2", "C4-M1")
        assert r.functional.present is True
        assert "Terada" in r.functional.evidence and "van der Salm" in r.functional.evidence
        assert r.cortical.present is not True, r.cortical.evidence
        assert r.cortical.values["bereitschaftspotential"] == "present"
        assert r.relabel_index == ()
    # their bursts are long: the burst-duration test argues against a cortical origin
    assert res.group().bursts.verdict == "argues_against"

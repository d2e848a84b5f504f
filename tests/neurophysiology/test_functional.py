"""Jerks preceded by a Bereitschaftspotential, from their true onsets (the wired stage: test_wired.py)."""

from __future__ import annotations

import pytest

from myosleep.io import read_recording
from myosleep.neurophysiology import jerk_locked_analysis

from .conftest import scenario_with, simulate_to_edf


@pytest.mark.slow
def test_bp_before_true_jerks(tmp_path):
    sc = scenario_with("functional_jerks", functional_jerks_per_wake_min=6.0)
    sim, path = simulate_to_edf(tmp_path, sc, hours=1.0, seed=4)
    with read_recording(path) as rec:
        r = jerk_locked_analysis(rec, sim.events, classes=("myoclonic_jerk",))
    bp = r.bereitschaftspotential
    assert bp.status == "present", bp.reason
    assert bp.amplitude_uv < -3 and bp.channel in ("C3-M2", "C4-M1")
    assert r.functional.present is True
    assert "Terada" in r.functional.evidence and "van der Salm" in r.functional.evidence
    assert r.cortical.present is not True, r.cortical.evidence
    assert r.cortical.values["bereitschaftspotential"] == "present"
    assert r.relabel_index == ()
    # their bursts are long: the burst-duration test argues against a cortical origin
    assert r.group().bursts.verdict == "argues_against"
    # the report's view of the jerks in wakefulness: the BP's slow negativity at the central channel
    wake = [f for f in r.figure_data() if f["kind"] == "wake"][0]
    ch = wake["average"]["channels"].index(bp.channel)
    t = wake["average"]["time_ms"]
    last = [m for tt, m in zip(t, wake["average"]["mean_uv"][ch]) if -300 <= tt < 0]
    assert sum(last) / len(last) < -3

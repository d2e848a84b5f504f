"""YASA on a clinical EEG recorded against a common reference (docs/robustness.md, defect 37).

A clinical EEG records every electrode against the amplifier's reference, between Cz and Pz
(ACNS Guideline 1): ``EEG C4-REF`` = C4 - REF.  YASA's model was trained on C4-M1 / C3-M2.  The
trial's construction: a simulated night's C4-M1, C3-M2 and O2-M1 content taken as the electrodes'
potentials against the mastoid, REF = 0.4 C3 + 0.4 C4 + 0.2 O2, every channel written as X - REF,
the ear electrodes A1/A2 (quiet against the mastoid) as A1-REF, A2-REF.
"""

from __future__ import annotations

import numpy as np
import pytest

from myosleep.context import build_context, stage_with_yasa
from myosleep.context.staging import common_reference
from myosleep.io import read_recording


@pytest.fixture(scope="module")
def nights(tmp_path_factory):
    import edfio

    from myosleep.simulate import simulate_night

    sim = simulate_night("healthy_adult", hours=1.0, seed=1)
    c4, c3, o2 = (sim.signal(lab).astype(float) for lab in ("C4-M1", "C3-M2", "O2-M1"))
    rng = np.random.default_rng(1)
    ref = 0.4 * c3 + 0.4 * c4 + 0.2 * o2
    pot = {"C4": c4, "C3": c3, "O2": o2, "A1": rng.normal(0, 1, c4.size), "A2": rng.normal(0, 1, c4.size)}
    folder = tmp_path_factory.mktemp("commonref")
    out = {}
    for name, keep in (("with_ears", pot), ("no_ears", {k: v for k, v in pot.items() if not k.startswith("A")})):
        sig = [edfio.EdfSignal(v - ref, sampling_frequency=256.0, label=f"EEG {k}-REF", physical_dimension="uV",
                               physical_range=(-5000, 5000)) for k, v in keep.items()]
        edfio.Edf(sig, data_record_duration=1.0).write(folder / f"{name}.edf")
        out[name] = folder / f"{name}.edf"
    return sim, out


def _agreement(sim, hyp) -> float:
    return float(np.mean(sim.hypnogram.stages[: hyp.n_epochs] == hyp.stages))


def test_common_reference_labels():
    assert common_reference("EEG C4-REF") == ("C4", "REF")
    assert common_reference("C3-Avg") == ("C3", "AVG")
    assert common_reference("EEG A1-REF") == ("A1", "REF")
    for label in ("C4-M1", "EEG C4-A1", "C4", "EEG C4-REF-EEG A1-REF", "EMG-REF"):
        assert common_reference(label) is None, label


@pytest.mark.slow
def test_yasa_stages_the_mastoid_derivation_the_file_allows(nights):
    sim, files = nights
    with read_recording(files["with_ears"]) as rec:
        hyp = stage_with_yasa(rec)
        assert hyp.metadata["eeg"] == "EEG C4-REF-EEG A1-REF"  # was EEG C4-REF
        derived = rec.derivation("EEG C4-REF-EEG A1-REF")
        # the derivation is C4 against the ear: the common reference cancels
        assert np.allclose(rec.get_data(derived) + rec.get_data("EEG A1-REF") - rec.get_data("EEG C4-REF"), 0.0,
                           atol=0.5)
        ctx = build_context(rec, detect_arousals=False)
    assert "staged from C4-A1" in hyp.metadata["eeg_reference"]
    assert any("staged from C4-A1" in w and "YASA" in w for w in ctx.warnings)
    with read_recording(files["no_ears"]) as rec:
        common = stage_with_yasa(rec)
        ctx_common = build_context(rec, detect_arousals=False)
    # measured: 0.73 from C4-A1, 0.36 from C4-REF (EEG alone, this hour)
    assert _agreement(sim, hyp) >= 0.65
    assert _agreement(sim, hyp) - _agreement(sim, common) >= 0.25
    # no ear or mastoid electrode on REF: staged from C4-REF, and the warning says it is less reliable
    assert common.metadata["eeg"] == "EEG C4-REF"
    assert any("not the contralateral mastoid" in w and "less reliable" in w for w in ctx_common.warnings)

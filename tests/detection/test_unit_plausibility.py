"""EMG whose header states the wrong unit is refused, not read 1000 times too large.

A BDF whose EMG header says "mV" while its values are microvolts (24 bits: no quantisation
warning gives it away) was analysed with resting levels of ~2 mV RMS and leg movements of
40-80 mV, far beyond any surface EMG, without a word (``benchmarks/fuzz_inputs.py``, case
``unit_mV_values_in_uV_bdf``).  Surface EMG spans 0-10 mV peak-to-peak, at most ~1.5 mV RMS in
a maximal contraction (De Luca 1997; Konrad 2005).
"""

from __future__ import annotations

import edfio
import numpy as np

from myosleep.cli import main

from ._detect_helpers import sim_night

LABELS = ("EMG Chin", "EMG LAT", "EMG RAT")


def _write(path, unit: str):
    sim = sim_night("plmd", hours=0.5, seed=3)
    sigs = []
    for label in LABELS:
        c = sim.channel(label)
        sigs.append(edfio.BdfSignal(np.clip(c.data.astype(np.float64), -3000, 3000), c.sfreq, label=label,
                                    physical_dimension=unit, physical_range=(-3000, 3000)))
    edfio.Bdf(sigs).write(path)
    return path


def test_uv_values_under_a_mv_header_are_refused(tmp_path, capsys):
    path = _write(tmp_path / "mv.bdf", "mV")
    assert main(["detect", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    for label in LABELS:
        assert f"{label} " in err
    assert err.count("implausible") == 3 and err.count("check the unit") == 3
    assert not (tmp_path / "out").exists()


def test_the_same_values_under_uv_are_analysed(tmp_path, capsys):
    path = _write(tmp_path / "uv.bdf", "uV")
    assert main(["detect", str(path), "--out", str(tmp_path / "out")]) == 0
    bursts = (tmp_path / "out" / "bursts.tsv").read_text().splitlines()
    assert len(bursts) > 10
    assert "implausible" not in capsys.readouterr().err

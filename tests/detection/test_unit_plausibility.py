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


def _write(path, unit: str, scale: float = 1.0):
    sim = sim_night("plmd", hours=0.5, seed=3)
    sigs = []
    for label in LABELS:
        c = sim.channel(label)
        sigs.append(edfio.BdfSignal(np.clip(c.data.astype(np.float64), -3000, 3000) * scale, c.sfreq, label=label,
                                    physical_dimension=unit, physical_range=(-3000 * scale, 3000 * scale)))
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


def test_a_chin_refused_for_its_unit_gives_no_atonia_index(tmp_path):
    """The chin's microvolts under "mV", the legs right: the chin is refused for its implausible
    bursts, and its amplitude per second (the same samples, 1000x too large against Ferri's 1- and
    2-uV thresholds) is not used either.  Before: atonia index 0.01 and "REM sleep without atonia"
    present on a healthy night's 20 min of REM.  Now it cannot be assessed, and says why."""
    import json

    from myosleep.io.hypnogram_model import Hypnogram
    from myosleep.simulate import simulate_night
    from myosleep.vocab import Stage as S

    blocks = ((S.W, 3), (S.N1, 2), (S.N2, 5), (S.R, 20))  # minutes
    stages = np.concatenate([np.full(2 * m, int(s), dtype=np.int8) for s, m in blocks])
    sim = simulate_night("healthy_adult", hours=0.5, seed=2, sfreq_emg=512.0,
                         hypnogram=Hypnogram(stages=stages, epoch_s=30.0, source="simulated"))
    paths = sim.write(tmp_path / "n.edf")
    hyp = next(p for p in paths if str(p).endswith(".hypnogram.tsv"))
    edf = edfio.read_edf(tmp_path / "n.edf")
    chin = next(s for s in edf.signals if s.label == "EMG Chin")
    data = chin.data.copy()
    chin.physical_dimension = "mV"  # the values stay what they were: microvolts
    chin.update_data(data)
    edf.write(tmp_path / "mv.edf")
    out = tmp_path / "o"
    assert main(["analyze", str(tmp_path / "mv.edf"), "--hypnogram", str(hyp), "--out", str(out)]) == 0
    s = json.loads((out / "summary.json").read_text())
    rswa = next(f for f in s["findings"] if f["code"] == "rem_sleep_without_atonia")
    assert "EMG Chin" in s["channels"]["refused"]
    assert rswa["present"] is None, rswa["evidence"]
    assert rswa["values"]["atonia_index"] is None
    assert rswa["values"]["atonia_index_source"].startswith("EMG Chin: not used (median burst amplitude")


def test_mv_values_under_a_uv_header_are_refused_not_read_as_a_night_without_events(tmp_path, capsys):
    """The opposite error: millivolts under "uV" read 1000 times too small (resting ~0.002 uV RMS,
    below the thermal noise of any electrode).  Before: detect exited 0 with no burst, and analyze
    called periodic limb movements absent (PLMS index 0.0/h) with a warning only."""
    path = _write(tmp_path / "small.bdf", "uV", scale=1e-3)
    assert main(["detect", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and not (tmp_path / "out").exists()
    assert err.count("below the 0.05 uV RMS thermal noise of any electrode") == 3, err
    assert err.count("mV values under 'uV' 1000x too small") == 3

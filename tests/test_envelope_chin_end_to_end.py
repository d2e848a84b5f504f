"""A chin the recorder stored as its amplitude envelope still gives the REM atonia index.

An RSBD night (20 min of REM without atonia) is analysed twice: as recorded, and with its chin
replaced by what a recorder that rectifies and smooths the EMG stores (Sleep-EDF's chin,
``HP:16Hz Rectification LP:0.7Hz``, here at the EMG's 512 Hz).  Before the prefilter was read,
the envelope was band-passed as raw EMG: the chin read ~0 uV, the atonia index 1.0 (perfect
atonia) and SINBAR's chin 0 %.  Now the envelope gives the atonia index of the raw chin, and
the SINBAR chin counts, which need bursts, cannot be assessed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def _rswa(edf: Path, hyp: Path) -> dict:
    from myosleep.pipeline import analyze

    res = analyze(edf, hypnogram=hyp)
    return next(f for f in res.summary["findings"] if f["code"] == "rem_sleep_without_atonia")


def _night_with_envelope_chin(tmp_path: Path, scenario: str, seed: int) -> tuple[Path, Path, Path]:
    """A night with 20 min of REM at 512 Hz, as recorded (raw.edf) and with its chin replaced by what
    a recorder that rectifies and smooths the EMG stores (env.edf); and its hypnogram."""
    import edfio
    from scipy.signal import butter, lfilter

    from myosleep.io.hypnogram_model import Hypnogram
    from myosleep.simulate import simulate_night
    from myosleep.vocab import Stage as S

    blocks = ((S.W, 3), (S.N1, 2), (S.N2, 5), (S.R, 20))  # minutes
    stages = np.concatenate([np.full(2 * m, int(s), dtype=np.int8) for s, m in blocks])
    sim = simulate_night(scenario, hours=0.5, seed=seed, sfreq_emg=512.0,
                         hypnogram=Hypnogram(stages=stages, epoch_s=30.0, source="simulated"))
    paths = [Path(p) for p in sim.write(tmp_path / "raw.edf")]
    hyp = next(p for p in paths if p.name.endswith(".hypnogram.tsv"))
    edf = edfio.read_edf(tmp_path / "raw.edf")
    for s in edf.signals:
        if s.label == "EMG Chin":
            s.update_data(lfilter(*butter(1, 0.7, fs=s.sampling_frequency), np.abs(s.data)))
            s.prefiltering = "HP:16Hz Rectification LP:0.7Hz"
    edf.write(tmp_path / "env.edf")
    return tmp_path / "raw.edf", tmp_path / "env.edf", hyp


def test_envelope_chin_gives_the_atonia_index_of_the_raw_chin(tmp_path: Path) -> None:
    raw_edf, env_edf, hyp = _night_with_envelope_chin(tmp_path, "rsbd", 1)
    raw_f = _rswa(raw_edf, hyp)
    raw = raw_f["values"]
    env_f = _rswa(env_edf, hyp)
    env = env_f["values"]
    assert raw["atonia_index_source"] == "channel:EMG Chin"
    assert env["atonia_index_source"] == "envelope channel:EMG Chin at 512 Hz"
    # the same amplitude per second (rectified mean), so the same index within 0.03
    assert raw["atonia_index"] < 0.8 and abs(env["atonia_index"] - raw["atonia_index"]) <= 0.03
    assert env_f["present"] is True
    # SINBAR's chin counts need bursts, which an envelope does not show
    assert raw["sinbar_chin_any_pct"] > 18.0 and env["sinbar_chin_any_pct"] is None
    # ... and the evidence says so, with the channel's reason, rather than leaving "n/a" unexplained
    assert raw["sinbar_chin_unscored"] is None and "not scored" not in raw_f["evidence"]
    assert env["sinbar_chin_unscored"].startswith("EMG Chin: EMG already processed by the recorder")
    assert "atonia index 0.7" in env_f["evidence"]
    assert "SINBAR's chin counts not scored, no chin bursts to read (EMG Chin: EMG already processed" in \
        env_f["evidence"]


def test_normal_atonia_from_an_envelope_chin_says_it_rests_on_the_index_alone(tmp_path: Path) -> None:
    """A healthy night's REM (20 min) with the chin stored as its envelope: normal atonia by Ferri's
    index, and the evidence says SINBAR's chin counts were not scored and why."""
    _, env_edf, hyp = _night_with_envelope_chin(tmp_path, "healthy_adult", 2)
    f = _rswa(env_edf, hyp)
    assert f["present"] is False and f["values"]["atonia_index"] >= 0.9
    assert f["evidence"].startswith("Normal REM atonia by the atonia index alone: 0.9")
    assert "SINBAR's chin counts not scored" in f["evidence"]


def test_no_usable_measure_of_atonia_is_no_finding() -> None:
    """No chin bursts and an atonia index over 2 min of REM (fewer than 5): cannot be assessed, not "normal"."""
    from myosleep.classification.rswa import rem_sleep_without_atonia
    from myosleep.classification.rules import AASM

    f = rem_sleep_without_atonia(sinbar={"rem_min": 20.0}, rai=0.97, has_chin=True, rules=AASM,
                                 rai_source="envelope channel:Chin", rai_rem_s=120,
                                 chin_unscored="Chin: EMG already processed by the recorder")
    assert f.present is None
    assert f.evidence.startswith("REM sleep without atonia cannot be assessed: SINBAR's chin counts not scored and "
                                 "the atonia index covers 120 s of REM (needs 5 min)")

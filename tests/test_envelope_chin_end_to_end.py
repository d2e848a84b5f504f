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


def _night_with_envelope_chin(tmp_path: Path, scenario: str, seed: int, *,
                              chin_only: bool = False) -> tuple[Path, Path, Path]:
    """A night with 20 min of REM at 512 Hz, as recorded (raw.edf) and with its chin replaced by what
    a recorder that rectifies and smooths the EMG stores (env.edf; ``chin_only``: its other EMG
    channels left out, as in Sleep-EDF); and its hypnogram."""
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
    if chin_only:
        edf.drop_signals([s.label for s in edf.signals if s.label.startswith("EMG") and s.label != "EMG Chin"])
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


def test_a_psg_whose_only_emg_is_the_chin_envelope_gives_the_atonia_index_and_nothing_else(tmp_path: Path,
                                                                                          capsys) -> None:
    """Sleep-EDF's montage: EEG, EOG and the recorder's chin envelope, no raw EMG.  ``analyze`` used to
    refuse it ("no channel can be analysed for jerks"); the chin amplitude gives Ferri's index, so REM
    sleep without atonia is assessed, and nothing that needs jerks is: every other finding null with the
    reason, counts and indices null (not 0), the report's counts "n/a".  ``detect`` still refuses it."""
    import json

    from myosleep.cli import main
    from myosleep.vocab import FindingCode

    _, env_edf, hyp = _night_with_envelope_chin(tmp_path, "healthy_adult", 2, chin_only=True)
    out = tmp_path / "o"
    assert main(["analyze", str(env_edf), "--hypnogram", str(hyp), "--out", str(out)]) == 0
    s = json.loads((out / "summary.json").read_text())
    f = {x["code"]: x for x in s["findings"]}
    assert list(f) == [c.value for c in FindingCode]  # every finding of the contract, in its order
    assert f["rem_sleep_without_atonia"]["present"] is False
    assert f["rem_sleep_without_atonia"]["evidence"].startswith("Normal REM atonia by the atonia index alone")
    for code, x in f.items():
        if code != "rem_sleep_without_atonia":
            assert x["present"] is None, code
            assert x["evidence"].startswith("No EMG or accelerometer channel could be read for jerks (EMG Chin: EMG "
                                            "already processed by the recorder"), x["evidence"]
    assert set(s["counts"].values()) == {None} and set(s["indices_per_hour"]["overall"].values()) == {None}
    assert s["indices_per_hour"]["tst_h"] > 0  # sleep is measured; jerks are not
    assert s["warning_details"][0]["code"] == "no_jerk_channel"
    assert s["warnings"][0].startswith("No jerk could be read: EMG Chin: EMG already processed")
    assert sum("EMG already processed by the recorder" in w for w in s["warnings"]) == 1  # said once
    assert (out / "events.tsv").read_text().count("\n") == 1  # the header only
    html = (out / "report.html").read_text()
    assert ">None<" not in html and "No jerk could be read" in html
    # no jerk to back-average: the neurophysiology stage does not run, so no "0 usable of 0" block
    assert "stages" not in s and "Not enough jerks" not in html
    capsys.readouterr()
    assert main(["detect", str(env_edf), "--out", str(tmp_path / "d")]) == 2
    assert "export the raw EMG instead" in capsys.readouterr().err


def test_sleep_edf_psg_is_analysed_for_its_chin_amplitude(real_dir: Path, tmp_path: Path) -> None:
    """The real Sleep-EDF excerpt (5 min awake; chin stored at 1 Hz as an envelope) with the first 10
    epochs of its expert hypnogram: analysed, the 1-Hz envelope as the chin amplitude, REM sleep without
    atonia cannot be assessed (no REM), nothing else either (no raw EMG)."""
    import json

    from myosleep.cli import main
    from myosleep.io import read_hypnogram

    edf = real_dir / "sleep-edf" / "SC4001E0-first300s-PSG.edf"
    scored = read_hypnogram(real_dir / "sleep-edf" / "SC4001EC-Hypnogram.edf")
    hyp = tmp_path / "first10.tsv"
    scored.crop(0.0, 300.0).to_tsv(hyp)
    out = tmp_path / "o"
    assert main(["analyze", str(edf), "--hypnogram", str(hyp), "--out", str(out)]) == 0
    s = json.loads((out / "summary.json").read_text())
    f = {x["code"]: x for x in s["findings"]}
    assert f["rem_sleep_without_atonia"]["values"]["atonia_index_source"].startswith("envelope channel:EMG submental")
    assert all(x["present"] is None for x in f.values())
    assert set(s["counts"].values()) == {None}

"""One channel per muscle: a montage that records a muscle on two channels counts it once.

Nights simulated with the legs (or the chin) recorded a second time under another label - the
way a montage stores a bipolar pair's two referential electrodes or a spare derivation
(``LLEG2``, ``RLEG2``; ``EMG Chin2``, ``EMG Chin3``): the copy is 0.8 x the channel plus 0.5 uV RMS
of its own amplifier noise.  Analysed exactly as ``myosleep analyze REC --hypnogram FILE``.

Before (``myosleep.detection.same_muscle`` absent), the PLMD night of seed 1 at 256 Hz gave 130
leg movements and 16 myoclonic jerks with the copies against 55 and 1 without: an LM seen on
two channels of one leg was two LMs (the AASM merges LMs across the two legs, not within one)
and a fragmentary-myoclonus potential seen on two channels was no longer single-channel.
Asserted: the counts with copies stay within 2 of those without (the channel kept may be the
copy, whose own noise moves a burst near the threshold), the PLMS index within 5 %, the
copies are reported as not used with the channel analysed instead; and channels of two
muscles are never taken for one: the two legs of PLMD nights (they share 0.40-0.53 of their
bursts), ``Leg 1``/``Leg 2`` whose sides the labels do not give on a night of hypnic jerks at
repeated sleep onsets, the four limbs of RSBD nights.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from myosleep.cli import main
from myosleep.detection.same_muscle import MIN_SHARED, same_muscle, shared_fraction
from myosleep.io.hypnogram_model import Hypnogram
from myosleep.simulate.core import SimChannel
from myosleep.vocab import Role, Side, Stage

RATE_HZ = 256  # a common clinical rate (issue 9)
COUNT_TOL = 2
PLMS_REL_TOL = 0.05


def _hypnogram(*blocks) -> Hypnogram:
    stages = np.concatenate([np.full(int(round(m * 2)), int(s), dtype=np.int8) for s, m in blocks])
    return Hypnogram(stages=stages, epoch_s=30.0, source="simulated")


def _night(scenario: str, seed: int, hyp: Hypnogram):
    from myosleep.simulate import simulate_night

    return simulate_night(scenario, seed=seed, sfreq_emg=RATE_HZ, hypnogram=hyp)


def _with_copies(sim, copies: dict[str, tuple[str, Side | None]], seed: int = 0):
    """``sim`` with each channel of ``copies`` (label -> (new label, side)) recorded again."""
    rng = np.random.default_rng(seed)
    extra = []
    for label, (new, side) in copies.items():
        c = sim.channel(label)
        data = (0.8 * c.data + rng.normal(0.0, 0.5, c.data.size)).astype(np.float32)
        extra.append(SimChannel(new, c.role, side, c.sfreq, data, c.unit))
    return dataclasses.replace(sim, channels=tuple(sim.channels) + tuple(extra))


def _relabelled(sim, labels: dict[str, str]):
    chans = tuple(dataclasses.replace(c, label=labels.get(c.label, c.label)) for c in sim.channels)
    return dataclasses.replace(sim, channels=chans)


def _analyze(sim, folder: Path) -> tuple[pd.DataFrame, dict]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = [Path(p) for p in sim.write(folder / "night.edf")]
    hyp = next(p for p in paths if p.name.endswith(".hypnogram.tsv"))
    out = folder / "out"
    assert main(["analyze", str(paths[0]), "--hypnogram", str(hyp), "--out", str(out)]) == 0
    ev = pd.read_csv(out / "events.tsv", sep="\t", na_values="n/a")
    return ev, json.loads((out / "summary.json").read_text())


def _counts(ev: pd.DataFrame) -> dict[str, int]:
    return {str(k): int(v) for k, v in ev.trial_type.value_counts().items()}


def test_shared_fraction_counts_bursts_together() -> None:
    on_a, off_a = np.array([1.0, 5.0, 9.0, 20.0]), np.array([1.2, 5.1, 9.5, 20.1])
    on_b, off_b = np.array([1.21, 8.0, 30.0]), np.array([1.3, 9.01, 30.5])
    # 1.0-1.2 meets 1.21 (within 0.05 s), 9.0-9.5 overlaps 8.0-9.01; 5.0 and 20.0 have no partner
    assert shared_fraction(on_a, off_a, on_b, off_b) == pytest.approx(0.5)
    assert shared_fraction(on_b, off_b, on_a, off_a) == pytest.approx(2 / 3)
    assert shared_fraction(on_a, off_a, on_b, off_b, together_s=0.0) == pytest.approx(0.25)


def test_the_channel_with_the_better_bursts_is_kept() -> None:
    on = np.arange(30) * 10.0
    rows = [{"channel": lab, "onset": t, "offset_s": t + 0.2, "snr": snr}
            for lab, snr in (("LAT", 8.0), ("LLEG2", 12.0), ("RAT", 9.0)) for t in on]
    b = pd.DataFrame(rows)
    dup = same_muscle(b, [("LAT", "leg", "left"), ("LLEG2", "leg", "left"), ("RAT", "leg", "right")])
    assert dup == {"LAT": ("LLEG2", 1.0)}  # the right leg shares all bursts too, but is another leg
    few = b[b.onset < 150]  # 15 bursts each: too few to tell
    assert same_muscle(few, [("LAT", "leg", "left"), ("LLEG2", "leg", "left")]) == {}
    # half of LLEG2's bursts 3 s away from LAT's: below the share, not one muscle
    moved = b.assign(onset=b.onset + np.where((b.channel == "LLEG2") & (b.onset % 20 != 0), 3.0, 0.0))
    moved = moved.assign(offset_s=moved.onset + 0.2)
    lat, lleg2 = moved[moved.channel == "LAT"], moved[moved.channel == "LLEG2"]
    assert shared_fraction(lleg2.onset, lleg2.offset_s, lat.onset, lat.offset_s) == pytest.approx(0.5)
    assert 0.5 < MIN_SHARED
    assert same_muscle(moved, [("LAT", "leg", "left"), ("LLEG2", "leg", "left")]) == {}


@pytest.mark.slow
def test_a_leg_recorded_twice_is_one_leg(tmp_path) -> None:
    hyp = _hypnogram((Stage.W, 4), (Stage.N1, 2), (Stage.N2, 40), (Stage.N3, 10))
    sim = _night("plmd", 1, hyp)
    ev0, s0 = _analyze(sim, tmp_path / "once")
    ev1, s1 = _analyze(_with_copies(sim, {"EMG LAT": ("LLEG2", Side.LEFT), "EMG RAT": ("RLEG2", Side.RIGHT)}),
                       tmp_path / "twice")
    c0, c1 = _counts(ev0), _counts(ev1)
    assert c0["leg_movement"] >= 40
    for cls in ("leg_movement", "fragmentary_myoclonus", "myoclonic_jerk"):
        assert abs(c1.get(cls, 0) - c0.get(cls, 0)) <= COUNT_TOL, (cls, c0, c1)
    p0, p1 = s0["indices_per_hour"]["plms_index"], s1["indices_per_hour"]["plms_index"]
    if p0 is None:  # a 0.9-h night holds < 2 h of sleep: the index is not given, on both
        assert p1 is None
    else:
        assert p1 == pytest.approx(p0, rel=PLMS_REL_TOL)
    refused = s1["channels"]["refused"]
    assert len(refused) == 2
    pairs = {"LLEG2": "EMG LAT", "RLEG2": "EMG RAT"}
    for lab, why in refused.items():
        other = pairs.get(lab) or next(k for k, v in pairs.items() if v == lab)
        assert f"records the same muscle as {other}" in why
        assert lab in pairs or lab in pairs.values()
    assert not s0["channels"]["refused"]


@pytest.mark.slow
def test_three_chin_channels_are_one_chin(tmp_path) -> None:
    hyp = _hypnogram((Stage.W, 3), (Stage.N1, 2), (Stage.N2, 30), (Stage.N3, 10))
    sim = _night("excessive_fragmentary_myoclonus", 1, hyp)
    ev0, _ = _analyze(sim, tmp_path / "once")
    ev1, s1 = _analyze(_with_copies(sim, {"EMG Chin": ("EMG Chin2", None)}, seed=1), tmp_path / "twice")
    sim3 = _with_copies(_with_copies(sim, {"EMG Chin": ("EMG Chin2", None)}, seed=1),
                        {"EMG Chin": ("EMG Chin3", None)}, seed=2)
    ev3, s3 = _analyze(sim3, tmp_path / "thrice")
    c0 = _counts(ev0)
    assert c0["fragmentary_myoclonus"] >= 100
    for ev in (ev1, ev3):
        c = _counts(ev)
        for cls in ("fragmentary_myoclonus", "myoclonic_jerk"):
            assert abs(c.get(cls, 0) - c0.get(cls, 0)) <= COUNT_TOL, (cls, c0, c)
    assert len(s1["channels"]["refused"]) == 1 and len(s3["channels"]["refused"]) == 2


@pytest.mark.slow
@pytest.mark.parametrize(("scenario", "seed"), [("plmd", 2), ("plmd", 3), ("rsbd", 1)])
def test_two_muscles_are_not_one(tmp_path, scenario, seed) -> None:
    hyp = (_hypnogram((Stage.W, 4), (Stage.N1, 2), (Stage.N2, 40), (Stage.N3, 10)) if scenario == "plmd" else
           _hypnogram((Stage.W, 3), (Stage.N1, 2), (Stage.N2, 5), (Stage.R, 20)))
    _, s = _analyze(_night(scenario, seed, hyp), tmp_path)
    assert not s["channels"]["refused"]


@pytest.mark.slow
def test_legs_of_unknown_side_on_a_night_of_jerks_are_two_legs(tmp_path) -> None:
    hyp = _hypnogram((Stage.W, 4), (Stage.N1, 3), (Stage.W, 3), (Stage.N1, 3), (Stage.W, 3), (Stage.N1, 3),
                     (Stage.N2, 10))
    sim = _relabelled(_night("sleep_starts", 2, hyp), {"EMG LAT": "Leg 1", "EMG RAT": "Leg 2"})
    ev, s = _analyze(sim, tmp_path)
    assert not s["channels"]["refused"]
    assert {"Leg 1", "Leg 2"} <= set(s["channels"]["used"])
    assert (ev.trial_type == "hypnic_jerk").sum() >= 5


def test_side_is_what_the_labels_say() -> None:
    from myosleep.io.roles import infer_roles

    g = infer_roles(["LLEG1", "LLEG2", "RLEG1", "Leg 1", "Leg 2", "EMG Chin2"]).guesses
    assert [(x.role, x.side) for x in g] == [(Role.LEG, Side.LEFT), (Role.LEG, Side.LEFT), (Role.LEG, Side.RIGHT),
                                            (Role.LEG, None), (Role.LEG, None), (Role.CHIN, None)]


@pytest.mark.slow
def test_chin_amplitude_comes_from_the_chin_analysed() -> None:
    # a noisier second chin channel first in the file: the REM atonia index reads the chin amplitude of
    # the channel analysed, not of the first chin channel
    from myosleep.detection import detect
    from tests.detection._detect_helpers import SimRecording

    sim = _night("rsbd", 1, _hypnogram((Stage.W, 3), (Stage.N1, 2), (Stage.N2, 5), (Stage.R, 20)))
    chin = sim.channel("EMG Chin")
    rng = np.random.default_rng(3)
    noisy = SimChannel("EMG Chin2", chin.role, None, chin.sfreq,
                       (0.8 * chin.data + rng.normal(0.0, 2.0, chin.data.size)).astype(np.float32), chin.unit)
    sim2 = dataclasses.replace(sim, channels=(noisy,) + tuple(sim.channels))
    res = detect(SimRecording(sim2), workers=1)
    assert not res.channel_status["EMG Chin2"].used
    assert "records the same muscle as EMG Chin" in str(res.channel_status["EMG Chin2"].reason)
    assert res.chin_amplitude.source == detect(SimRecording(sim), workers=1).chin_amplitude.source
    np.testing.assert_allclose(res.chin_amplitude.values_uv,
                               detect(SimRecording(sim), workers=1).chin_amplitude.values_uv)

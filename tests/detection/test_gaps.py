"""Detection on an EDF+D with a gap: nothing in the gap, activity resuming after it set aside, the rest unchanged.

A simulated PLMD night is written as EDF+ and then as EDF+D with 120 s of records cut out
(``make_fixtures.cut_records``); the gap ends 1.5 s into a true 2.9-s leg movement, so the signal
comes back in the middle of that movement.
"""

from __future__ import annotations

import numpy as np
import pytest

from myosleep.detection import detect
from myosleep.io import read_recording
from tests.conftest import make_fixtures

GAP = (476.0, 596.0)



@pytest.fixture(scope="module")
def nights(tmp_path_factory):
    from myosleep.simulate import simulate_night

    fix = make_fixtures()
    d = tmp_path_factory.mktemp("gap-detect")
    sim = simulate_night("plmd", hours=0.35, seed=4)
    plus = fix.as_edf_plus(sim.write(d / "night.edf")[0], d / "night_plus.edf")
    gapped = fix.cut_records(plus, d / "night_gap.edf", [GAP])
    with read_recording(plus) as rec:
        whole = detect(rec, workers=1)
    with read_recording(gapped) as rec:
        assert rec.gaps_s == (GAP,)
        cut = detect(rec, workers=1)
    return sim, whole, cut


def test_no_burst_in_the_gap_and_the_same_bursts_outside(nights) -> None:
    sim, whole, cut = nights
    a, b = whole.bursts, cut.bursts
    assert not ((b.onset + b.duration > GAP[0]) & (b.onset < GAP[1])).any()
    outside = a[(a.onset + a.duration <= GAP[0]) | (a.onset >= GAP[1])]
    assert len(outside) == len(b) == 23
    np.testing.assert_array_equal(outside.onset.to_numpy(), b.onset.to_numpy())
    np.testing.assert_array_equal(outside.duration.to_numpy(), b.duration.to_numpy())
    assert list(outside.channel) == list(b.channel) and list(outside.detector) == list(b.detector)


def test_a_movement_under_way_when_the_signal_returns_is_set_aside(nights) -> None:
    sim, whole, cut = nights
    lm = sim.events[sim.events.trial_type == "leg_movement"]
    true = lm[(lm.onset < GAP[1]) & (lm.onset + lm.duration > GAP[1])]
    assert len(true) == 1 and true.onset.iloc[0] == pytest.approx(594.4746, abs=1e-3)
    # the whole night finds it at its onset; after the gap it has no onset to find
    a = whole.bursts
    assert ((a.channel == "EMG LAT") & (a.detector == "lm") & (np.abs(a.onset - 594.47) < 0.1)).sum() == 1
    b = cut.bursts
    assert not ((b.onset >= GAP[1]) & (b.onset < GAP[1] + 2.0)).any()
    settling = cut.artefacts[cut.artefacts.kind == "settling"]
    assert len(settling) == 1 and settling.channel.iloc[0] == "EMG LAT"
    assert GAP[1] <= settling.onset.iloc[0] < GAP[1] + 0.5


def test_the_gap_is_one_artefact_of_its_own_kind_not_a_fault_of_every_channel(nights) -> None:
    _, whole, cut = nights
    gaps = cut.artefacts[cut.artefacts.kind == "gap"]
    assert sorted(gaps.channel) == ["EMG Chin", "EMG LAT", "EMG RAT"]
    assert np.allclose(gaps.onset, GAP[0]) and np.allclose(gaps.duration, GAP[1] - GAP[0])
    assert not (cut.artefacts.kind == "nan").any()
    # the channels' artefact time leaves the gap out: no "2 min flat, clipped, disconnected or NaN"
    assert all(st.artefact_s < 2.0 for st in cut.channel_status.values())
    assert cut.quality_warnings() == [] == whole.quality_warnings()

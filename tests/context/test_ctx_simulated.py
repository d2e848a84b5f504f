"""End to end on simulated nights written to EDF and read back (myosleep.io, myosleep.simulate)."""

from __future__ import annotations

import numpy as np
import pytest

from myosleep.context import build_context
from myosleep.errors import HypnogramError


@pytest.fixture(scope="module")
def plmd_night(tmp_path_factory):
    from myosleep.io import read_recording
    from myosleep.simulate import simulate_night

    sim = simulate_night("plmd", hours=1.0, seed=4)
    path = tmp_path_factory.mktemp("ctx") / "night.edf"
    sim.write(path)
    rec = read_recording(path)
    yield sim, rec, path
    rec.close()


def _eligible(onsets: np.ndarray, durations: np.ndarray, hyp) -> np.ndarray:
    """Truth arousals AASM can score: >= 10 s of sleep before, >= 10 s after the previous one."""
    order = np.argsort(onsets)
    on, du = onsets[order], durations[order]
    prev_end = np.concatenate([[-np.inf], (on + du)[:-1]])
    sleep_before = np.array([np.all(hyp.stage_at(np.linspace(o - 10, o, 5)) >= 1) for o in on])
    return on[(on - prev_end >= 10.0) & sleep_before]


def test_arousals_on_a_simulated_night(plmd_night):
    sim, rec, path = plmd_night
    ctx = build_context(rec, hypnogram=path.with_name("night.hypnogram.tsv"))
    assert ctx.hypnogram_source == "file:night.hypnogram.tsv"
    assert np.array_equal(ctx.hypnogram.stages, sim.hypnogram.stages)
    truth = sim.events[sim.events["arousal"].astype(bool)]
    on_all = truth["arousal_onset"].to_numpy(float)
    on = _eligible(on_all, truth["arousal_duration"].to_numpy(float), sim.hypnogram)
    det = ctx.arousals["onset"].to_numpy(float)
    sens = np.mean([np.any(np.abs(det - o) <= 3.0) for o in on])
    fp_per_h = sum(not np.any(np.abs(on_all - d) <= 3.0) for d in det) / (sim.duration_s / 3600)
    # Measured: 11 truth arousals, 9 AASM-eligible (2 start < 10 s after the previous
    # one), all 9 found (sensitivity 1.00), 1 false positive in the hour.
    assert on.size >= 5
    assert sens >= 0.9
    assert fp_per_h <= 3.0
    assert set(ctx.arousals["source"]) == {"detected"} and set(ctx.arousals["channel"]) == {"C4-M1"}


def test_real_hypnogram_of_another_length_is_refused(real_dir):
    from myosleep.io import read_recording

    with read_recording(real_dir / "sleep-edf" / "SC4001E0-first300s-PSG.edf") as rec:
        with pytest.raises(HypnogramError, match="too long"):
            build_context(rec, hypnogram=real_dir / "sleep-edf" / "SC4001EC-Hypnogram.edf")
        # The excerpt is awake (10 W epochs): its EEG has frequency shifts (the bare
        # detector finds some) but AASM arousals start from sleep, so none are kept.
        from myosleep.context import detect_arousals

        assert len(detect_arousals(rec.get_data("EEG Fpz-Cz"), 100.0)) >= 1
        ctx = build_context(rec, hypnogram=_first_epochs(real_dir, 10))
        assert ctx.hypnogram_source == "file:SC4001EC-Hypnogram.edf"
        assert ctx.arousals.empty and ctx.stats["tst_min"] == 0.0


def _first_epochs(real_dir, n):
    from myosleep.io import read_hypnogram

    return read_hypnogram(real_dir / "sleep-edf" / "SC4001EC-Hypnogram.edf").crop(0.0, n * 30.0)


def test_hypnagogic_arousals_after_sleep_starts():
    from .conftest import FakeRecording

    from myosleep.simulate import simulate_night

    sim = simulate_night("sleep_starts", hours=1.5, seed=1)
    rec = FakeRecording({c.label: (c.role, c.sfreq, c.data) for c in sim.channels})
    ctx = build_context(rec, hypnogram=sim.hypnogram)
    truth = sim.events[sim.events["arousal"].astype(bool)]["arousal_onset"].to_numpy(float)
    hyp = ctx.arousals[ctx.arousals["kind"] == "hypnagogic"]
    # Every hypnagogic arousal lies in a transition window and matches a true arousal.
    assert len(hyp) >= 2
    assert ctx.in_transition(hyp["onset"].to_numpy(float)).all()
    assert all(np.any(np.abs(truth - x) <= 3.0) for x in hyp["onset"])
    # Measured: 19 hypnic jerks, 9 followed by a simulated arousal; arousal_within finds
    # 4 of those 9; the other 5 start during, or < 10 s after, the previous arousal.
    hj = sim.events[sim.events["trial_type"] == "hypnic_jerk"]
    found = ctx.arousal_within(hj["onset"].to_numpy(float))
    assert (found & hj["arousal"].astype(bool).to_numpy()).sum() >= 3

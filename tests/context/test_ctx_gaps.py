"""A recording with gaps (an EDF+D paused during the night) in the sleep context.

Time in a gap is neither sleep nor wake: its epochs are unscored, whatever a given hypnogram
says there, count in no sleep measure and no index per hour; YASA stages only the epochs
recorded whole; the infant estimate leaves seconds without signal out of its statistics.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from myosleep.context import build_context, stage_with_yasa
from myosleep.context.infant import InfantStateParams, estimate_states
from myosleep.context.sleepstats import sleep_statistics
from myosleep.io import read_recording
from myosleep.io.hypnogram_model import Hypnogram
from myosleep.vocab import Stage
from tests.conftest import make_fixtures

from .conftest import FakeRecording

W, N2, UNS = int(Stage.W), int(Stage.N2), int(Stage.UNSCORED)



def test_sleep_statistics_leave_the_gap_out_of_every_duration() -> None:
    # 2 W, 24 N2, 2 W epochs; a gap over epochs 8-11 (240-360 s), scored N2 by the hypnogram
    hyp = Hypnogram(np.array([W] * 2 + [N2] * 24 + [W] * 2), epoch_s=30.0)
    plain = sleep_statistics(hyp)
    st = sleep_statistics(hyp, gaps_s=[(240.0, 360.0)])
    assert (plain["trt_min"], plain["tst_min"], plain["spt_min"], plain["lps_min"]) == (14.0, 12.0, 12.0, 1.0)
    assert (st["trt_min"], st["tst_min"], st["spt_min"], st["gap_min"]) == (12.0, 10.0, 10.0, 2.0)
    assert st["se_pct"] == pytest.approx(100 * 10 / 12) and st["sme_pct"] == pytest.approx(100.0)
    assert st["unscored_min"] == 0.0 and st["n2_min"] == 10.0 and st["w_pct"] == pytest.approx(100 * 2 / 12)
    # a gap breaks a run of persistent sleep (10 min): 3 min before it, 7 after
    assert np.isnan(st["lps_min"])
    # an epoch that only touches a gap keeps its stage (its middle is outside): 200-225 s
    touch = sleep_statistics(hyp, gaps_s=[(200.0, 225.0)])
    assert touch["gap_min"] == 0.0 and touch["tst_min"] == 12.0


def _gapped_recording(tmp_path: Path, gap: tuple[float, float], *, minutes: float = 10.0) -> Path:
    fix = make_fixtures()
    src = fix.make_psg(tmp_path / "psg.edf", duration_s=60.0 * minutes, annotations=[(1.0, 0.0, "marker")])
    return fix.cut_records(src, tmp_path / "psg_gap.edf", [gap])


def test_a_given_hypnogram_is_unscored_in_the_gap_and_sleep_time_leaves_it_out(tmp_path: Path) -> None:
    path = _gapped_recording(tmp_path, (120.0, 240.0))
    hyp = Hypnogram(np.full(20, N2, dtype=np.int8), epoch_s=30.0, source="file:scored.tsv")
    with read_recording(path) as rec:
        ctx = build_context(rec, hypnogram=hyp, detect_arousals=False)
    assert ctx.gaps_s == ((120.0, 240.0),)
    assert np.array_equal(np.flatnonzero(ctx.hypnogram.stages == UNS), [4, 5, 6, 7])
    assert ctx.hours_in("N2") == pytest.approx(16 * 30 / 3600)  # the per-hour indices' denominator
    assert (ctx.stats["tst_min"], ctx.stats["trt_min"], ctx.stats["gap_min"]) == (8.0, 8.0, 2.0)
    assert ctx.warnings[0].startswith("EDF+D: 1 gap, 2.0 min in all, left out of the analysis (no signal "
                                      "recorded at 120-240 s)")
    assert "hypnogram: 4 scored epoch(s) inside the recording's gaps set to unscored" in " ".join(ctx.warnings)
    assert ctx.summary()["gaps_s"] == [[120.0, 240.0]]


def test_a_hypnogram_as_short_as_the_recording_without_its_gaps_is_questioned(tmp_path: Path) -> None:
    path = _gapped_recording(tmp_path, (120.0, 240.0))
    short = Hypnogram(np.full(16, N2, dtype=np.int8), epoch_s=30.0, source="file:scored.tsv")
    with read_recording(path) as rec:
        ctx = build_context(rec, hypnogram=short, detect_arousals=False)
    assert any("hypnogram ends 120 s before the recording, about the length of its gaps (120 s)" in w
               for w in ctx.warnings)


def test_a_hypnogram_that_ends_with_the_recording_is_not_questioned(tmp_path: Path) -> None:
    # a one-epoch gap and a hypnogram to the recording's end: it said "ends 0 s before the recording,
    # about the length of its gaps (30 s)" (2026-12-07)
    path = _gapped_recording(tmp_path, (120.0, 150.0))
    with read_recording(path) as rec:
        n = int(round(rec.duration_s / 30.0))
        full = Hypnogram(np.full(n, N2, dtype=np.int8), epoch_s=30.0, source="file:scored.tsv")
        ctx = build_context(rec, hypnogram=full, detect_arousals=False)
    assert not any("about the length of its gaps" in w for w in ctx.warnings)


@pytest.fixture(scope="module")
def sim():
    from myosleep.simulate import simulate_night

    return simulate_night("healthy_adult", hours=1.0, seed=1)


@pytest.mark.slow
def test_yasa_leaves_the_epochs_touching_a_gap_unscored(sim) -> None:
    gap = (610.0, 905.0)  # 295 s, not on the 30-s grid: epochs 20 (600-630 s) to 30 (900-930 s) touch it
    signals = {c.label: (c.role, c.sfreq, c.data) for c in sim.channels}
    gapped = {}
    for label, (role, fs, x) in signals.items():
        y = np.asarray(x, dtype=float).copy()
        y[int(gap[0] * fs): int(gap[1] * fs)] = np.nan
        gapped[label] = (role, fs, y)
    rec = FakeRecording(gapped)
    rec.gaps_s = (gap,)
    hyp = stage_with_yasa(rec)
    whole = stage_with_yasa(FakeRecording(signals))
    assert hyp.n_epochs == whole.n_epochs == int(sim.duration_s // 30)
    touching = np.arange(20, 31)
    assert np.all(hyp.stages[touching] == UNS)
    outside = np.setdiff1d(np.arange(hyp.n_epochs), touching)
    assert np.all(hyp.stages[outside] != UNS)
    assert np.all(np.isnan(hyp.metadata["confidence"][touching]))
    assert hyp.metadata["proba"].iloc[touching].isna().all().all()
    # the epochs outside the gap are staged from their own signal: as on the whole night (measured:
    # 0.98 of them identical, YASA's smoothed features differing beside the gap) and as close to the
    # simulated truth (measured 0.94, 0.93 on the whole night; a floor of 0.6, as the staging test's)
    assert np.mean(hyp.stages[outside] == whole.stages[outside]) >= 0.9
    truth = sim.hypnogram.stages[: hyp.n_epochs]
    assert np.mean(truth[outside] == hyp.stages[outside]) >= 0.6


def test_infant_states_leave_seconds_without_signal_out() -> None:
    rng = np.random.default_rng(3)
    n_ep = 40
    # quiet tone 5 uV with movements; wake blocks of 40 uV; a gap over epochs 12-17
    emg = rng.normal(5.0, 0.5, n_ep * 30).clip(0.5)
    emg[: 3 * 30] = rng.normal(40.0, 4.0, 90)
    emg[25 * 30: 27 * 30] = rng.normal(40.0, 4.0, 60)
    emg[30 * 30: 36 * 30] *= 0.4  # low tone: active sleep
    eog = rng.normal(2.0, 0.2, n_ep * 30).clip(0.1)
    eog[30 * 30: 36 * 30] *= 4.0  # eye movements
    gap = slice(12 * 30, 18 * 30)
    p = InfantStateParams(smooth_epochs=1)
    emg_g, eog_g = emg.copy(), eog.copy()
    emg_g[gap], eog_g[gap] = np.nan, np.nan
    got = estimate_states(emg_g, eog_rms_1s=eog_g, params=p)
    assert np.all(got[12:18] == UNS)
    # the other epochs as if the gap's seconds had never been there
    keep = np.r_[0:12 * 30, 18 * 30:n_ep * 30]
    alone = estimate_states(emg[keep], eog_rms_1s=eog[keep], params=p)
    assert np.array_equal(np.r_[got[:12], got[18:]], alone)
    assert set(np.unique(alone).tolist()) == {W, int(p.quiet_sleep_stage), int(Stage.R)}

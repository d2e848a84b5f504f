"""Sleep onset and wake-to-sleep transitions, counted by hand on small hypnograms."""

from __future__ import annotations

import numpy as np
import pytest

from myosleep.context import TransitionWindow, find_transitions, sleep_onset_s
from myosleep.errors import ParameterError
from myosleep.io.hypnogram_model import Hypnogram

W, N1, N2, N3, R, ART, UNS = 0, 1, 2, 3, 4, -1, -2


def test_every_wake_to_sleep_boundary_is_found():
    # epochs:      0  1  2   3   4   5  6   7   8  9 10 11
    hyp = Hypnogram(np.array([W, W, N1, N1, N2, W, N2, N3, W, W, R, W]))
    tr = find_transitions(hyp)
    # By hand: W->N1 at epoch 2 (60 s), W->N2 at epoch 6 (180 s), W->R at epoch 10 (300 s).
    assert tr["onset_s"].tolist() == [60.0, 180.0, 300.0]
    assert tr["from_stage"].tolist() == ["W", "W", "W"]
    assert tr["to_stage"].tolist() == ["N1", "N2", "R"]
    assert tr["kind"].tolist() == ["sleep_onset", "re_onset", "re_onset"]
    # Window: the last W epoch before, through the N1 run after (>= 1 epoch).
    assert tr["window_start_s"].tolist() == [30.0, 150.0, 270.0]
    assert tr["window_end_s"].tolist() == [120.0, 210.0, 330.0]
    assert sleep_onset_s(hyp) == 60.0


def test_unscored_boundary_and_lights_off():
    # W -> artefact -> N2 is not a scored boundary; sleep before lights off is ignored.
    hyp = Hypnogram(np.array([N2, W, ART, N2, W, N1, N2]))
    tr = find_transitions(hyp)
    assert tr["onset_s"].tolist() == [150.0]
    assert tr["kind"].tolist() == ["sleep_onset"]
    assert sleep_onset_s(hyp) == 0.0
    assert sleep_onset_s(hyp, lights_off_s=40.0) == 90.0


def test_long_n1_run_is_capped_and_window_is_configurable():
    hyp = Hypnogram(np.array([W] + [N1] * 20 + [N2]))
    tr = find_transitions(hyp)
    assert tr["window_end_s"].iloc[0] == 30.0 + 300.0  # 5-min cap (Ogilvie 2001)
    tr2 = find_transitions(hyp, window=TransitionWindow(before_s=10.0, min_after_s=5.0, max_after_s=60.0))
    assert (tr2["window_start_s"].iloc[0], tr2["window_end_s"].iloc[0]) == (20.0, 90.0)
    # 20-s epochs (old R&K scoring): the default window scales with the epoch.
    tr3 = find_transitions(Hypnogram(np.array([W, W, N2, N2]), epoch_s=20.0, start_s=5.0))
    assert (tr3["onset_s"].iloc[0], tr3["window_start_s"].iloc[0], tr3["window_end_s"].iloc[0]) == (45.0, 25.0, 65.0)


def test_no_sleep_and_empty():
    assert find_transitions(Hypnogram(np.array([W, W, W]))).empty
    assert find_transitions(Hypnogram(np.array([], dtype=int))).empty
    assert sleep_onset_s(Hypnogram(np.array([W, UNS]))) is None
    cols = list(find_transitions(Hypnogram(np.array([W]))).columns)
    assert cols == ["onset_s", "from_stage", "to_stage", "kind", "window_start_s", "window_end_s"]


@pytest.mark.parametrize("kw", [dict(before_s=-1.0), dict(max_after_s=10.0, min_after_s=20.0),
                                dict(max_after_s=float("nan"))])
def test_bad_window_raises(kw):
    with pytest.raises(ParameterError):
        find_transitions(Hypnogram(np.array([W, N1])), window=TransitionWindow(**kw))

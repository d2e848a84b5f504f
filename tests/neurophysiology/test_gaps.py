"""Jerk-locked EEG epochs of an EDF+D with a gap: a window that touches the gap is left out, counted."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from myosleep.io import read_recording
from myosleep.neurophysiology.epochs import extract_epochs, select_jerks
from myosleep.neurophysiology.params import NeuroParams
from tests.conftest import make_fixtures


def test_windows_touching_a_gap_are_left_out_as_outside_the_recording(tmp_path: Path) -> None:
    fix = make_fixtures()
    src = fix.make_psg(tmp_path / "psg.edf", duration_s=600.0, annotations=[(1.0, 0.0, "marker")])
    path = fix.cut_records(src, tmp_path / "psg_gap.edf", [(200.0, 260.0)])
    # windows of -2.5..+0.5 s: 100 s and 400 s are clear; 199.7 s runs into the gap's start,
    # 262 s starts 0.5 s before the gap's end
    onsets = [100.0, 199.7, 262.0, 400.0]
    jerks = select_jerks(pd.DataFrame({"onset": onsets, "duration": [0.1] * 4, "channel": ["LAT"] * 4}),
                         classes=None)
    with read_recording(path) as rec:
        ep = extract_epochs(rec, [rec.channel("EEG C4-M1")], jerks, params=NeuroParams())
        whole = rec.get_data("EEG C4-M1")
    assert ep.rejected["outside_recording"] == 2 and sum(ep.rejected.values()) == 2
    assert ep.data_uv.shape[0] == 2 and np.isfinite(ep.data_uv).all()
    # the epochs kept are the file's samples around 100 s and 400 s
    for k, t in enumerate((100.0, 400.0)):
        c = int(round(t * 256))
        np.testing.assert_array_equal(ep.data_uv[k, 0], whole[c - 640: c + 128].astype(np.float32))

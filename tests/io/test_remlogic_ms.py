"""RemLogic exports with a ``Time [hh:mm:ss.xxx]`` column (milliseconds), and the refusal of a
stage-only hypnogram given as scored events (docs/robustness.md, defect 49).

Newer RemLogic versions write times with milliseconds, as clock times (``22:40:01.700``) or as
ISO date-times (``2020-01-01T22:40:01.700``); such files were refused with "a text hypnogram
holds stages only, no scored events. Use read_hypnogram", a Python call, not a CLI option.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pytest

from myosleep.errors import HypnogramError
from myosleep.io import read_hypnogram, read_scored_events

START = datetime(2020, 1, 1, 23, 50, 0)
#: 40 epochs (20 min, across midnight): W x 4, S2 x 30, REM x 6
STAGES = [("W", "SLEEP-S0")] * 4 + [("S2", "SLEEP-S2")] * 30 + [("REM", "SLEEP-REM")] * 6
EVENTS = [(130.7, 20.0, "APNEA-OBSTRUCTIVE", "Flow"), (601.25, 3.3, "AROUSAL", "EEG-C4-A1"),
          (605.5, 15.0, "DESAT", "SpO2"), (1001.999, 1.5, "LM", "Leg")]


def _write_remlogic(path, *, iso: bool, header: str = "Time [hh:mm:ss.xxx]", date_line: bool = True):
    def stamp(t_s: float) -> str:
        t = START + timedelta(seconds=t_s)
        return t.isoformat(timespec="milliseconds") if iso else t.strftime("%H:%M:%S.") + f"{t.microsecond // 1000:03d}"

    rows = [(30.0 * k, st, ev, 30.0, "EEG-C4-A1") for k, (st, ev) in enumerate(STAGES)]
    stage_at = {30.0 * k: st for k, (st, _) in enumerate(STAGES)}
    rows += [(t, stage_at[30.0 * (t // 30.0)], ev, d, loc) for t, d, ev, loc in EVENTS]
    rows.sort(key=lambda r: r[0])
    lines = ["Patient Name:\tX", "Patient ID:\t1"]
    if date_line:
        lines.append(f"Recording Date:\t{START:%d/%m/%Y}")
    lines += ["", "Events Included:", "SLEEP-S0", "SLEEP-S2", "SLEEP-REM", "APNEA-OBSTRUCTIVE", "AROUSAL", "DESAT",
              "LM", "", f"Sleep Stage\tPosition\t{header}\tEvent\tDuration[s]\tLocation"]
    lines += [f"{st}\tSupine\t{stamp(t)}\t{ev}\t{d:g}\t{loc}" for t, st, ev, d, loc in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("iso, header, date_line", [
    (False, "Time [hh:mm:ss.xxx]", True), (True, "Time [hh:mm:ss.xxx]", True), (True, "Time [hh:mm:ss.xxx]", False),
    (False, "Time [hh.mm.ss.xxx]", True), (False, "Time [hh:mm:ss]", True)])
def test_remlogic_times_with_milliseconds_are_read(tmp_path, iso, header, date_line):
    path = _write_remlogic(tmp_path / "remlogic.txt", iso=iso, header=header, date_line=date_line)
    hyp = read_hypnogram(path)
    assert hyp.metadata["format"] == "remlogic" and hyp.n_epochs == 40 and hyp.start_s == 0.0
    assert (hyp.stages == 0).sum() == 4 and (hyp.stages == 2).sum() == 30 and (hyp.stages == 4).sum() == 6
    ev = read_scored_events(path)
    ev = ev[ev["kind"] != "stage"]
    assert ev["kind"].tolist() == ["respiratory", "arousal", "desaturation", "limb_movement"]
    np.testing.assert_allclose(ev["onset"], [t for t, *_ in EVENTS], atol=5e-4)  # milliseconds kept
    assert ev.attrs["start_datetime"] == START.isoformat()
    # aligned on a recording that started 10 s earlier (the file's date and clock)
    later = read_scored_events(path, recording_start=START - timedelta(seconds=10))
    np.testing.assert_allclose(later.loc[later["kind"] == "arousal", "onset"], [611.25], atol=5e-4)


def test_a_stage_only_hypnogram_given_as_events_names_the_cli_option(tmp_path):
    path = tmp_path / "stages.txt"
    path.write_text("W\nW\nN1\nN2\nN2\nR\n", encoding="utf-8")
    with pytest.raises(HypnogramError) as err:
        read_scored_events(path)
    line = str(err.value)
    assert "holds sleep stages only" in line and "--hypnogram" in line and "--events takes" in line
    assert "\n" not in line

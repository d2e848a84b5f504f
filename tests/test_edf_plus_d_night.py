"""``myosleep analyze`` on a night recorded as EDF+D with a pause: the gap left out, and said so.

A simulated PLMD night (2 h 15 min, 2 h 11 min of sleep) is written as EDF+ and again as EDF+D
with the 5 minutes from 3000 s to 3300 s cut out (its records removed, the others keeping their
onsets: a recorder paused during N2).  Both are analysed with the simulator's hypnogram, exactly
as ``myosleep analyze REC --hypnogram FILE`` runs.

Asserted: the leg movements outside the gap are found with the recall of the contiguous night
(within 0.02, one movement in 50: the detector sees the same samples there, so only the edges
of the gap can differ), none inside it; the PLMS index divides by the sleep time without the gap
(exactly 5 min less than the contiguous night's); summary.json, hypnogram.tsv and the report
state the gap.  A malformed EDF+D (overlapping records) exits 2 with one line and leaves nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from myosleep.cli import main
from myosleep.io.hypnogram_model import Hypnogram
from myosleep.vocab import Stage
from tests.conftest import make_fixtures

GAP = (3000.0, 3300.0)
TOLERANCE_S = 0.5  # onset tolerance of a match (s), as tests/test_end_to_end_accuracy.py
RECALL_TOL = 0.02
_SLEEP = ("N1", "N2", "N3", "R")



@pytest.fixture(scope="module")
def night(tmp_path_factory):
    from myosleep.simulate import simulate_night

    fix = make_fixtures()
    d = tmp_path_factory.mktemp("plus-d-night")
    blocks = ((Stage.W, 4), (Stage.N1, 2), (Stage.N2, 64), (Stage.N3, 20), (Stage.N2, 45))
    stages = np.concatenate([np.full(int(m * 2), int(s), dtype=np.int8) for s, m in blocks])
    sim = simulate_night("plmd", seed=1, hypnogram=Hypnogram(stages=stages, epoch_s=30.0, source="simulated"))
    paths = [Path(p) for p in sim.write(d / "plmd.edf")]
    hyp = next(p for p in paths if p.name.endswith(".hypnogram.tsv"))
    contiguous = fix.as_edf_plus(paths[0], d / "plmd_plus.edf")
    gapped = fix.cut_records(contiguous, d / "plmd_gap.edf", [GAP])
    out = {}
    for name, rec in (("contiguous", contiguous), ("gap", gapped)):
        assert main(["analyze", str(rec), "--hypnogram", str(hyp), "--out", str(d / name)]) == 0
        out[name] = d / name
    return sim, out


def _events(folder: Path) -> pd.DataFrame:
    return pd.read_csv(folder / "events.tsv", sep="\t", na_values="n/a")


def _summary(folder: Path) -> dict:
    return json.loads((folder / "summary.json").read_text())


def _recall(found: pd.DataFrame, truth_onsets: np.ndarray) -> float:
    lm = found[found.trial_type == "leg_movement"].onset.to_numpy(float)
    hits = [np.any(np.abs(lm - t) <= TOLERANCE_S) for t in truth_onsets]
    return float(np.mean(hits))


@pytest.mark.slow
def test_leg_movements_outside_the_gap_as_on_the_contiguous_night_and_none_inside(night) -> None:
    sim, out = night
    truth = sim.events[sim.events.trial_type == "leg_movement"]
    clear = truth[(truth.onset + truth.duration <= GAP[0]) | (truth.onset >= GAP[1])].onset.to_numpy(float)
    assert clear.size >= 50 and len(truth) - clear.size >= 3  # the gap took some movements away
    contiguous, gapped = _events(out["contiguous"]), _events(out["gap"])
    r_c, r_g = _recall(contiguous, clear), _recall(gapped, clear)
    assert r_c >= 0.9  # the detector's own bar on this night (F1 >= 0.9: test_end_to_end_accuracy.py)
    assert abs(r_g - r_c) <= RECALL_TOL, (r_g, r_c)
    inside = gapped[(gapped.onset + gapped.duration > GAP[0]) & (gapped.onset < GAP[1])]
    assert inside.empty
    assert len(contiguous[(contiguous.onset >= GAP[0]) & (contiguous.onset < GAP[1])]) >= 3


@pytest.mark.slow
def test_the_plms_index_divides_by_sleep_without_the_gap(night) -> None:
    _, out = night
    s_c, s_g = _summary(out["contiguous"]), _summary(out["gap"])
    tst_c, tst_g = s_c["indices_per_hour"]["tst_h"], s_g["indices_per_hour"]["tst_h"]
    assert tst_g == pytest.approx(tst_c - 5.0 / 60.0, abs=1e-9)  # the gap lay in N2: 5 min of sleep
    assert s_g["sleep"]["tst_min"] == pytest.approx(s_c["sleep"]["tst_min"] - 5.0)
    assert s_g["sleep"]["trt_min"] == pytest.approx(s_c["sleep"]["trt_min"] - 5.0)
    assert s_g["sleep"]["gap_min"] == 5.0 and s_c["sleep"]["gap_min"] == 0.0
    ev = _events(out["gap"])
    periodic = ev[(ev.trial_type == "leg_movement") & (ev.periodic.astype(str) == "True") & ev.stage.isin(_SLEEP)]
    assert s_g["indices_per_hour"]["plms_index"] == pytest.approx(len(periodic) / tst_g, rel=1e-9)
    assert s_g["indices_per_hour"]["plms_index"] > 15.0  # still a PLMD night
    plm = next(f for f in s_g["findings"] if f["code"] == "periodic_limb_movements")
    assert plm["present"] is True


@pytest.mark.slow
def test_the_gap_is_stated_in_summary_hypnogram_and_report(night) -> None:
    _, out = night
    s = _summary(out["gap"])
    assert s["inputs"]["recording"]["format"] == "EDF+D" and s["inputs"]["recording"]["gaps_s"] == [list(GAP)]
    line = "EDF+D: 1 gap, 5.0 min in all, left out of the analysis (no signal recorded at 3000-3300 s)"
    assert any(w.startswith(line) for w in s["warnings"])
    detail = next(w for w in s["warning_details"] if w["code"] == "recording_gaps")
    assert detail["values"]["gaps_s"] == [list(GAP)] and detail["values"]["total_s"] == 300.0
    assert not any("flat, clipped, disconnected or NaN" in w for w in s["warnings"])
    hyp = pd.read_csv(out["gap"] / "hypnogram.tsv", sep="\t", comment="#", keep_default_na=False)
    epochs = hyp[hyp.stage != "lights off"]
    in_gap = epochs[(epochs.onset >= GAP[0]) & (epochs.onset < GAP[1])]
    assert len(in_gap) == 10 and set(in_gap.stage) == {"n/a"}
    html = (out["gap"] / "report.html").read_text()
    assert line in html and "(1 gap of 5.0 min in all not recorded)" in html
    assert "<title>not recorded: 0:50 to 0:55 (gap of the recording)</title>" in html


def test_overlapping_records_exit_2_with_one_line_and_nothing_written(tmp_path: Path, capsys) -> None:
    fix = make_fixtures()
    path = fix.make_edf_plus_d(tmp_path / "overlap.edf", gap=False)
    fix.set_record_onsets(path, {5: 4.5})
    out = tmp_path / "out"
    assert main(["analyze", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "data record 6 starts at 4.5 s, before the end of record 5" in err
    assert not out.exists()


@pytest.mark.slow
def test_exports_of_the_gapped_night(night, tmp_path: Path, capsys) -> None:
    import xml.etree.ElementTree as ET

    _, out = night
    xml = tmp_path / "night-nsrr.xml"
    assert main(["export", str(out["gap"]), "--format", "nsrr", "--out", str(xml)]) == 0
    assert "10 epoch(s) in the recording's gaps written as Unscored" in capsys.readouterr().err
    stages = [(e.findtext("EventConcept"), float(e.findtext("Start")), float(e.findtext("Duration")))
              for e in ET.parse(xml).getroot().iter("ScoredEvent") if e.findtext("EventType") == "Stages|Stages"]
    assert ("Unscored|9", GAP[0], GAP[1] - GAP[0]) in stages
    assert not any(c != "Unscored|9" and a < GAP[1] and a + d > GAP[0] for c, a, d in stages)
    # the events keep their times from the recording's start in every format
    csv = tmp_path / "events.csv"
    assert main(["export", str(out["gap"]), "--format", "csv", "--out", str(csv)]) == 0
    np.testing.assert_allclose(pd.read_csv(csv)["onset"].to_numpy(float), _events(out["gap"]).onset.to_numpy(float))

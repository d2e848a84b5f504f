"""Infant hypnograms as paediatric labs score them.

The AASM rules for infants 0-2 months post-term score W, N (NREM), T (transitional) and R
(AASM Manual v2.2, 2015; Grigg-Damberger, J Clin Sleep Med 2016;12:429-445); the Anders,
Emde and Parmelee manual (1971) codes active sleep (AS), quiet sleep (QS), indeterminate
sleep (IS/IN/IND) and wakefulness (AW/QW).  myosleep codes infant states as its own infant
estimate and simulator do: active sleep R, quiet sleep N3, transitional/indeterminate N1.
Before, every one of these files was refused ("unknown sleep-stage label 'T'").
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from myosleep.errors import HypnogramError
from myosleep.io.hypnogram import read_hypnogram
from myosleep.vocab import Stage

W, N1, N3, R = int(Stage.W), int(Stage.N1), int(Stage.N3), int(Stage.R)


@pytest.mark.parametrize("lines, expected", [
    (["W", "W", "T", "N", "N", "R", "R", "N"], [W, W, N1, N3, N3, R, R, N3]),  # AASM infant rules
    (["AW", "IS", "QS", "QS", "AS", "AS", "IND", "QW"], [W, N1, N3, N3, R, R, N1, W]),  # Anders 1971
    (["Wake", "Transitional", "NREM", "REM", "Indeterminate sleep", "Quiet sleep", "Active sleep"],
     [W, N1, N3, R, N1, N3, R]),
    (["Stage W", "Stage T", "Stage N", "Stage R"], [W, N1, N3, R]),
])
def test_infant_state_words_are_read(tmp_path, lines, expected):
    p = tmp_path / "infant.txt"
    p.write_text("\n".join(lines) + "\n")
    h = read_hypnogram(p)
    np.testing.assert_array_equal(h.stages, expected)
    assert h.convention == "infant-labels"
    assert "infant state labels" in h.convention_evidence
    assert any("quiet sleep and N (NREM) as N3" in w for w in h.metadata["warnings"])


def test_infant_table_with_onsets(tmp_path):
    p = tmp_path / "infant.csv"
    p.write_text("onset,duration,stage\n0,60,AW\n60,90,AS\n150,30,IN\n180,60,QS\n")
    h = read_hypnogram(p)
    np.testing.assert_array_equal(h.stages, [W, W, R, R, R, N1, N3, N3])
    assert h.convention == "infant-labels"


def test_nrem_without_a_number_is_refused_unless_infant(tmp_path):
    p = tmp_path / "nrem.txt"
    p.write_text("W\nNREM\nNREM\nREM\nW\n")
    with pytest.raises(HypnogramError, match=r"'NREM' at line 2 is NREM without a stage number") as err:
        read_hypnogram(p)
    assert "--hypnogram-convention infant-labels" in str(err.value)
    h = read_hypnogram(p, convention="infant-labels")
    np.testing.assert_array_equal(h.stages, [W, N3, N3, R, W])
    assert h.convention_evidence == "convention='infant-labels' given"
    # adult labels are not changed by the words added
    p.write_text("W\nN1\nN2\nN3\nR\n")
    h = read_hypnogram(p)
    np.testing.assert_array_equal(h.stages, [W, N1, int(Stage.N2), N3, R])
    assert h.convention == "aasm-labels"


def test_infant_night_analysed_from_each_spelling(tmp_path, capsys):
    """An infant night analysed with its stages written three ways gives the same events."""
    from myosleep import cli
    from myosleep.simulate import simulate_night

    sim = simulate_night("infant_bnsm", hours=1.0, seed=4)
    sim.write(tmp_path / "n.edf")
    codes = np.asarray(sim.hypnogram.stages)
    assert {W, N3, R} <= set(codes.tolist())
    aasm = {W: "W", N1: "T", N3: "N", R: "R"}
    anders = {W: "AW", N1: "IS", N3: "QS", R: "AS"}
    (tmp_path / "aasm.txt").write_text("".join(aasm[int(c)] + "\n" for c in codes))
    (tmp_path / "anders.txt").write_text("".join(anders[int(c)] + "\n" for c in codes))
    events = {}
    for name in ("n.hypnogram.tsv", "aasm.txt", "anders.txt"):
        out = tmp_path / f"out-{name}"
        assert cli.main(["analyze", str(tmp_path / "n.edf"), "--hypnogram", str(tmp_path / name),
                         "--age", "21d", "--out", str(out)]) == 0
        err = capsys.readouterr().err
        s = json.loads((out / "summary.json").read_text())
        if name != "n.hypnogram.tsv":
            assert s["inputs"]["hypnogram"]["convention"] == "infant-labels"
            assert "infant states read as myosleep codes them" in err
        events[name] = [ln for ln in (out / "events.tsv").read_text().splitlines() if not ln.startswith("#")]
        assert s["counts"]["neonatal_myoclonus"] > 0
    assert events["aasm.txt"] == events["n.hypnogram.tsv"] == events["anders.txt"]

"""``myosleep backaverage``: outputs, one-line errors, nothing half-written."""

from __future__ import annotations

import json

import pandas as pd

from myosleep.cli import main


def test_backaverage_outputs(cortical_256, tmp_path, capsys):
    sim, path = cortical_256
    ev = path.with_name("night.events.tsv")
    out = tmp_path / "ba"
    assert main(["backaverage", str(path), "--events", str(ev), "--class", "cortical_myoclonus",
                 "--out", str(out)]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(["average.tsv", "stats.json", "topomap.png"]
                           + [f"average_{lab}.png" for lab in ("F4-M1", "C4-M1", "C3-M2", "O2-M1")])
    stats = json.loads((out / "stats.json").read_text())
    cort = stats["findings"][0]
    assert cort["code"] == "cortical_myoclonus" and cort["present"] is True
    assert {"lead_ms", "n_jerks", "p_value", "channel", "bereitschaftspotential",
            "coherence_peak_hz"} <= set(cort["values"])
    table = pd.read_csv(out / "average.tsv", sep="\t")
    assert {"group", "channel", "time_s", "mean_uv", "ci_low_uv", "ci_high_uv"} <= set(table.columns)
    assert (out / "average_C3-M2.png").read_bytes()[:4] == b"\x89PNG"


def test_backaverage_bad_input(cortical_256, tmp_path, capsys):
    sim, path = cortical_256
    ev = path.with_name("night.events.tsv")
    out = tmp_path / "nothing"
    for argv in (["backaverage", str(path), "--events", str(tmp_path / "none.tsv"), "--out", str(out)],
                 ["backaverage", str(path), "--events", str(ev), "--class", "no_such_class", "--out", str(out)],
                 ["backaverage", str(path), "--events", str(ev), "--eeg", "Cz", "--out", str(out)]):
        assert main(argv) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("myosleep backaverage: error:") and "\n" not in err
        assert not out.exists()

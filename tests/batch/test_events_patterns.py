"""Several ``--events`` patterns per night in a batch (docs/robustness.md, defect 47): SOMNOmedics/Domino
writes one event type per file, and a second ``--events`` replaced the first."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from myosleep.batch.night import MANIFEST, run_night
from myosleep.batch.plan import plan_nights
from myosleep.cli import build_parser

from ..test_scored_events_cli import APNOEA, AROUSALS, _legs_edf, _somnomedics


def test_each_night_gets_the_files_of_every_events_pattern(tmp_path):
    rec = _legs_edf(tmp_path / "n1.edf")
    pd.DataFrame({"onset": 30.0 * np.arange(60), "duration": 30.0, "stage": ["W"] * 10 + ["N2"] * 50}).to_csv(
        tmp_path / "n1.hypnogram.tsv", sep="\t", index=False)
    _somnomedics(tmp_path / "n1_arousals.txt", "Classification Arousals", AROUSALS)
    _somnomedics(tmp_path / "n1_flow.txt", "FlowD\\flow", [APNOEA])
    nights = plan_nights([str(rec)], scored_events=["{stem}_arousals.txt", "{stem}_flow.txt"])
    assert nights[0].scored_events == (str(tmp_path.resolve() / "n1_arousals.txt"),
                                       str(tmp_path.resolve() / "n1_flow.txt"))
    assert plan_nights([str(rec)], scored_events=["{stem}_arousals.txt"])[0].scored_events == \
        str(tmp_path.resolve() / "n1_arousals.txt")  # one pattern: one path, as before
    missing = plan_nights([str(rec)], scored_events=["{stem}_arousals.txt", "{stem}_rera.txt"])[0]
    assert missing.problem == "--events '{stem}_rera.txt' names no file for n1.edf"

    night = nights[0].to_dict()
    out = tmp_path / "out"
    assert run_night(night, {"rules": "aasm"}, str(out))["status"] == "done"
    manifest = json.loads((out / "n1" / MANIFEST).read_text())
    assert [e["path"] for e in manifest["inputs"]["scored_events"]] == [str(tmp_path.resolve() / "n1_arousals.txt"),
                                                                        str(tmp_path.resolve() / "n1_flow.txt")]
    assert all(len(e["sha256"]) == 64 for e in manifest["inputs"]["scored_events"])
    assert manifest["row"]["events_path"] == f"{tmp_path.resolve() / 'n1_arousals.txt'};" \
                                             f"{tmp_path.resolve() / 'n1_flow.txt'}"
    assert manifest["row"]["n_arousals"] == 2 and manifest["row"]["arousal_source"] == "scored"
    summary = json.loads((out / "n1" / "summary.json").read_text())
    assert summary["indices"]["plm"]["n_respiratory_lm_excluded"] == 1
    # resumable: the same files are not analysed again
    assert run_night(night, {"rules": "aasm"}, str(out))["status"] == "skipped"


def test_batch_takes_the_events_option_more_than_once():
    args = build_parser().parse_args(["batch", "n.edf", "-o", "o", "--events", "{stem}_a.txt",
                                      "--events", "{stem}_b.txt"])
    assert args.events == ["{stem}_a.txt", "{stem}_b.txt"]

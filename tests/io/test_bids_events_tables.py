"""BIDS events tables as hypnograms: stage rows beside other rows, stage columns with a qualifier,
integer codes described by an ``events.json`` sidecar (robustness defect 54).

A BIDS ``_events.tsv`` holds every event of a run: the scored stages, and arousals, limb
movements, lights and the recorder's markers (EEGLAB's ``boundary``).  Before, any row that was
not a stage refused the whole file ("unknown sleep-stage label 'Arousal'"), and BOAS-style
``stage_hum``/``stage_ai`` columns were read as one stage per line.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from myosleep.errors import HypnogramError
from myosleep.io.hypnogram import read_hypnogram, read_scored_events
from myosleep.vocab import Stage

W, N1, N2, N3, R, UNS = Stage.W, Stage.N1, Stage.N2, Stage.N3, Stage.R, Stage.UNSCORED


def _events(path, rows, header="onset\tduration\ttrial_type\tvalue"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(header + "\n" + "\n".join("\t".join(str(x) for x in r) for r in rows) + "\n", encoding="utf-8")
    return path


_STAGES = ["W", "W", "N1", "N2", "N2", "N3", "N3", "N2", "R", "R"]


def _mixed_rows():
    rows = [(0.0, 0, "Lights off", "n/a")]
    for k, st in enumerate(_STAGES):
        rows.append((30.0 * k, 30.0, f"Sleep stage {st}", k))
    rows += [(95.5, 12.0, "Arousal", "n/a"), (130.2, 1.5, "Limb movement", "n/a"), (12.5, 0, "boundary", "n/a"),
             (200.0, 0, "Obstructive apnea", "n/a"), (299.0, 0, "Lights on", "n/a")]
    return sorted(rows, key=lambda r: r[0])


def test_stage_rows_are_the_hypnogram_and_the_other_rows_are_events(tmp_path):
    path = _events(tmp_path / "sub-01_task-sleep_events.tsv", _mixed_rows())
    hyp = read_hypnogram(path)
    np.testing.assert_array_equal(hyp.stages, [W, W, N1, N2, N2, N3, N3, N2, R, R])
    assert hyp.epoch_s == 30.0  # not the arousal's 12 s nor the limb movement's 1.5 s
    assert hyp.lights_off_s == 0.0 and hyp.lights_on_s == 299.0
    warnings = hyp.metadata.get("warnings") or []
    assert len(warnings) == 1 and "'boundary' (line" in warnings[0] and "Arousal" not in warnings[0]
    events = read_scored_events(path)  # the same file as analyze --events
    kinds = dict(zip(events["description"], events["kind"]))
    assert kinds["Arousal"] == "arousal" and kinds["Limb movement"] == "limb_movement"
    assert kinds["Obstructive apnea"] == "respiratory" and kinds["Sleep stage N3"] == "stage"


def test_a_table_of_markers_only_is_no_hypnogram(tmp_path):
    path = _events(tmp_path / "sub-01_task-sleep_events.tsv",
                   [(0.0, 0, "Lights off", "n/a"), (12.5, 0, "boundary", "n/a"), (1790, 0, "Lights on", "n/a")])
    with pytest.raises(HypnogramError, match=r"holds no sleep-stage rows in column 'trial_type' \(its rows: "
                                             r"'boundary'\)"):
        read_hypnogram(path)


@pytest.mark.parametrize("typo", ["Sleep stage X", "Stage 5", "S5", "N5"])
def test_a_misspelt_stage_is_still_refused(tmp_path, typo):
    rows = [(30.0 * k, 30.0, f"Sleep stage {st}", k) for k, st in enumerate(_STAGES)] + [(300.0, 30.0, typo, 10)]
    with pytest.raises(HypnogramError, match=f"unknown sleep-stage label '{typo}' at line 12"):
        read_hypnogram(_events(tmp_path / "sub-01_task-sleep_events.tsv", rows))


_CODES = {"W": 0, "N1": 1, "N2": 2, "N3": 3, "R": 4}


def _boas(root, stages, *, sidecar=None):
    """OpenNeuro ds005555 (BOAS) layout: stage_hum (human consensus) and stage_ai columns of integer codes."""
    (root / "dataset_description.json").parent.mkdir(parents=True, exist_ok=True)
    (root / "dataset_description.json").write_text('{"Name": "BOAS", "BIDSVersion": "1.9.0"}')
    if sidecar is not None:
        (root / sidecar[0]).parent.mkdir(parents=True, exist_ok=True)
        (root / sidecar[0]).write_text(json.dumps(sidecar[1]))
    rows = []
    for k, st in enumerate(stages):
        hum = _CODES.get(st, 8)
        rows.append((30 * k, 30, 7680 * k + 1, 7680 * (k + 1), 0, hum, (hum + 1) % 5))
    return _events(root / "sub-1" / "eeg" / "sub-1_task-Sleep_acq-psg_events.tsv", rows,
                   header="onset\tduration\tbegsample\tendsample\toffset\tstage_hum\tstage_ai")


_NIGHT = ["W", "W", "N1", "N2", "N3", "N3", "?", "N2", "R", "R"]  # "?" written as code 8
_LEVELS = {"stage_hum": {"Description": "consensus of three scorers",
                         "Levels": {"0": "Wake", "1": "N1", "2": "N2", "3": "N3", "4": "REM", "8": "Unscored"}},
           "stage_ai": {"Levels": {"0": {"Description": "Wake"}, "1": "N1", "2": "N2", "3": "N3", "4": "REM"}}}


def test_stage_columns_with_undescribed_codes_are_refused_naming_the_column(tmp_path):
    path = _boas(tmp_path / "ds005555", _NIGHT)
    with pytest.raises(HypnogramError) as err:
        read_hypnogram(path)
    line = str(err.value)
    assert "stage column 'stage_hum': integer stage codes [0, 1, 2, 3, 4, 8] fit no known convention" in line
    assert "events.json sidecar's Levels" in line and '"stage_hum": {"Levels"' in line and "\n" not in line
    with pytest.raises(HypnogramError, match=r"stage column 'stage_hum': stage code 8 is not in the yasa convention"):
        read_hypnogram(path, convention="yasa")


@pytest.mark.parametrize("where", ["task-Sleep_events.json", "sub-1/eeg/sub-1_task-Sleep_acq-psg_events.json"])
def test_stage_columns_described_by_a_sidecar_are_read(tmp_path, where):
    path = _boas(tmp_path / "ds005555", _NIGHT, sidecar=(where, _LEVELS))
    hyp = read_hypnogram(path)
    np.testing.assert_array_equal(hyp.stages, [W, W, N1, N2, N3, N3, UNS, N2, R, R])  # stage_hum, not stage_ai
    assert hyp.metadata["stage_column"] == "stage_hum"
    assert "stage_ai left out" in hyp.metadata["stage_column_evidence"]
    assert hyp.convention_evidence == f"the Levels of 'stage_hum' in {where.rsplit('/', 1)[-1]}"


def test_a_sidecar_of_another_task_does_not_apply(tmp_path):
    path = _boas(tmp_path / "ds005555", _NIGHT, sidecar=("task-Rest_events.json", _LEVELS))
    with pytest.raises(HypnogramError, match="fit no known convention"):
        read_hypnogram(path)

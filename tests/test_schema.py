"""The table schema: one definition per column, BIDS sidecar metadata, lists round-trip through TSV."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from myosleep.errors import ParameterError
from myosleep.schema import (BURSTS, EVENTS, MEMBERS, MOTOR_EVENTS, TABLES, column_metadata, join_list,
                             split_list)
from myosleep.vocab import TrialType

#: A unit in a column name: s, ms, uv, uv_s, m_s, g_per_s, pct, h (DESIGN.md: units live in names).
_UNIT_SUFFIX = {"s": "_s", "ms": "_ms", "uV": "_uv", "uV s": "_uv_s", "m/s": "_m_s", "g/s": "_g_per_s"}


@pytest.mark.parametrize("name", list(TABLES))
def test_every_quantity_has_its_unit_in_its_name(name):
    table = TABLES[name]
    for col in table.columns:
        if col.unit is None or col.name in ("onset", "duration"):  # BIDS names, seconds by definition
            continue
        assert col.name.endswith(_UNIT_SUFFIX[col.unit]), (name, col.name, col.unit)
        assert col.dtype == "float"


def test_one_name_per_quantity_across_tables():
    """A column name means the same quantity (unit, dtype) in every table that has it."""
    seen: dict[str, tuple] = {}
    for table in TABLES.values():
        for col in table.columns:
            # a list of labels or one label; a flag that may be n/a in one table is the same flag
            key = (col.unit, "list" if col.dtype.startswith("list") else col.dtype.rstrip("?"))
            if col.name in ("channel", "trial_type", "side"):  # level sets differ by table
                continue
            assert seen.setdefault(col.name, key) == key, col.name
    assert "max_burst_duration_ms" in MOTOR_EVENTS.names and "max_burst_duration_ms" in EVENTS.names
    assert not any(n.endswith("burst_duration_s") for t in TABLES.values() for n in t.names)


def test_sidecar_metadata_for_events_json():
    meta = column_metadata("events")
    assert list(meta) == list(EVENTS.names)
    assert meta["onset"] == {"Description": "Onset from the start of the recording.", "Units": "s"}
    assert set(meta["trial_type"]["Levels"]) == {t.value for t in TrialType}
    assert meta["stage"]["Levels"].keys() == {"W", "N1", "N2", "N3", "R"}
    assert meta["peak_amplitude_uv"]["Units"] == "uV" and "Units" not in meta["rule"]
    assert all(m["Description"] for m in meta.values())
    assert column_metadata(BURSTS) == BURSTS.metadata()
    with pytest.raises(ParameterError, match="unknown table"):
        column_metadata("nope")


@pytest.mark.parametrize("items", [("EMG LAT",), ("EMG LAT", "EMG RAT"), ("Leg, left", "EMG RAT"),
                                   ("a\\b", ",", "x,,y", "trailing\\")])
def test_list_cells_round_trip(items):
    text = join_list(items)
    assert split_list(text) == items
    assert len(re.findall(r"(?<!\\),", text)) >= len(items) - 1


def test_comma_label_round_trips_through_events_tsv(tmp_path):
    labels = ("Leg, left", "EMG RAT")
    df = pd.DataFrame({
        "onset": [10.0, 3.25], "duration": [0.1, 0.2], "trial_type": ["hypnic_jerk", "fragmentary_myoclonus"],
        "channel": [labels, ("Chin\\1",)], "stage": ["N1", None], "peak_amplitude_uv": [55.5, np.nan],
        "periodic": [None, True], "arousal": [True, False], "max_burst_duration_ms": [120.0, 80.0],
        "n_channels": [2, 1], "regions": [("leg",), ("chin",)], "onset_spread_ms": [12.5, 0.0],
        "bilateral": [False, False], "interval_s": [np.nan, 4.5], "series_id": [-1, 0],
        "velocity_m_s": [np.nan, np.nan], "cluster_id": [-1, -1], "rule": ["a\ttab", "b"], "event_id": [1, 0],
        "in_lights": [True, False],
    })
    path = EVENTS.write(df, tmp_path / "events.tsv")
    text = path.read_text()
    assert "Leg\\, left,EMG RAT" in text and "\tn/a\t" in text and "a tab" in text
    back = EVENTS.read(path)
    assert back["onset"].tolist() == [3.25, 10.0]  # sorted by onset
    assert back["channel"].tolist() == [("Chin\\1",), labels]
    assert back["periodic"].tolist() == [True, None] and pd.isna(back["stage"][0]) and back["stage"][1] == "N1"
    assert back["event_id"].tolist() == [0, 1] and np.isnan(back["peak_amplitude_uv"][0])
    assert back["in_lights"].tolist() == [False, True]
    # an events.tsv written before in_lights existed (every event counted then) reads as in lights
    lines = text.splitlines()
    cut = [ln.rsplit("\t", 1)[0] for ln in lines]
    assert cut[0].split("\t")[-1] == "event_id"
    (tmp_path / "old.tsv").write_text("\n".join(cut) + "\n")
    old = EVENTS.read(tmp_path / "old.tsv")
    assert old["in_lights"].tolist() == [True, True] and old["onset"].tolist() == [3.25, 10.0]


def test_members_table_is_long_format_and_checked():
    assert MEMBERS.names == ("event_id", "burst_id", "channel", "role", "side", "latency_ms")
    with pytest.raises(ParameterError, match=r"lacks columns \['latency_ms'\]"):
        MEMBERS.conform(pd.DataFrame({c: [] for c in MEMBERS.names[:-1]}), where="test")


def test_reading_a_damaged_table_names_the_file_the_column_and_the_line(tmp_path):
    from myosleep.errors import InputError

    good = "\t".join(MEMBERS.names) + "\n0\t3\tEMG LAT\tleg\tleft\t0.00\n"
    (tmp_path / "m.tsv").write_text(good.replace("\t3\t", "\tthree\t"))
    with pytest.raises(InputError, match=r"m\.tsv: column burst_id on line 2 holds 'three', not int"):
        MEMBERS.read(tmp_path / "m.tsv")
    (tmp_path / "short.tsv").write_text(good.replace("\tlatency_ms", "").replace("\t0.00", ""))
    with pytest.raises(InputError, match=r"lacks columns \['latency_ms'\]"):
        MEMBERS.read(tmp_path / "short.tsv")
    with pytest.raises(InputError, match="file not found"):
        MEMBERS.read(tmp_path / "none.tsv")
    (tmp_path / "ok.tsv").write_text(good)
    assert MEMBERS.read(tmp_path / "ok.tsv")["burst_id"].tolist() == [3]


def test_a_list_column_refuses_a_joined_string():
    row = {c.name: (() if c.dtype.startswith("list") else 0) for c in EVENTS.columns}
    df = pd.DataFrame([{**row, "channel": "EMG LAT,EMG RAT"}])
    with pytest.raises(ValueError, match="a string where a list"):
        EVENTS.to_strings(df)

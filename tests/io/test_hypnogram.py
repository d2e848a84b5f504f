"""read_hypnogram on the real files of ../shared/data/real and on generated fixtures.

Expected numbers are computed independently (MNE's EDF annotation reader, numpy on
the raw text) wherever the file allows it; the literal counts beside them were read
from the files by hand.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from myosleep.errors import HypnogramError, InputError, ParameterError
from myosleep.io import Hypnogram
from myosleep.io.hypnogram import detect_hypnogram_format, read_hypnogram
from myosleep.vocab import Stage

W, N1, N2, N3, R, ART, UNS = 0, 1, 2, 3, 4, -1, -2


def _counts(h: Hypnogram) -> dict[int, int]:
    return {int(k): int(v) for k, v in zip(*np.unique(h.stages, return_counts=True))}


# ---------------------------------------------------------------------------------- EDF+
SLEEP_EDF_RK = {"Sleep stage W": W, "Sleep stage 1": N1, "Sleep stage 2": N2, "Sleep stage 3": N3,
                "Sleep stage 4": N3, "Sleep stage R": R, "Sleep stage ?": UNS, "Movement time": ART}


def test_sleep_edf_rk_hypnogram_matches_mne_annotations(real_dir):
    import mne

    path = real_dir / "sleep-edf" / "SC4001EC-Hypnogram.edf"
    hyp = read_hypnogram(path)
    # Independent expansion of the annotations with MNE.
    ann = mne.read_annotations(path)
    expected = []
    s3 = s4 = 0
    for onset, dur, desc in zip(ann.onset, ann.duration, ann.description):
        n = int(round(dur / 30.0))
        assert onset == pytest.approx(len(expected) * 30.0)  # contiguous in this file
        expected += [SLEEP_EDF_RK[desc]] * n
        s3 += n * (desc == "Sleep stage 3")
        s4 += n * (desc == "Sleep stage 4")
    expected = np.asarray(expected)
    n_tail = len(expected) - (np.flatnonzero(expected != UNS)[-1] + 1)
    assert n_tail == 230  # "Sleep stage ?" pads 6900 s past the PSG's end
    assert hyp.n_epochs == len(expected) - n_tail == 2650
    np.testing.assert_array_equal(hyp.stages, expected[: hyp.n_epochs])
    assert _counts(hyp) == {W: 1997, N1: 58, N2: 250, N3: 220, R: 125}
    # R&K S3 + S4 -> N3
    assert s3 > 0 and s4 > 0 and _counts(hyp)[N3] == s3 + s4
    assert hyp.epoch_s == 30.0 and hyp.start_s == 0.0
    assert hyp.source == "file:SC4001EC-Hypnogram.edf"
    assert hyp.metadata["format"] == "edf"
    assert hyp.metadata["start_datetime"] == "1989-04-24T16:13:00"
    assert hyp.metadata["trimmed_unscored_tail_epochs"] == 230
    # The PSG (SC4001E0) lasts 79,500 s: the envelope CSV holds one row per second.
    csv_text = (real_dir / "sleep-edf" / "SC4001E0-chin-emg-envelope-1hz.csv").read_text()
    n_rows = csv_text.count("\n") - 1
    assert n_rows == 79500
    hyp.check_fits(float(n_rows))


def test_sleep_edf_offset_from_recording_start(real_dir):
    path = real_dir / "sleep-edf" / "SC4001EC-Hypnogram.edf"
    file_start = datetime(1989, 4, 24, 16, 13, 0)
    same = read_hypnogram(path, recording_start=file_start)
    assert same.start_s == 0.0
    earlier = read_hypnogram(path, recording_start=file_start - timedelta(seconds=90))
    assert earlier.start_s == 90.0
    np.testing.assert_array_equal(earlier.stages, same.stages)
    assert earlier.stage_at(90.0 + 30630.0 + 1.0)[0] == N1  # first sleep epoch moved with it


def test_hmc_aasm_hypnogram_with_lights(real_dir):
    import mne

    path = real_dir / "hmc" / "SN001-hypnogram.edf"
    hyp = read_hypnogram(path)
    ann = mne.read_annotations(path)
    aasm = {"Sleep stage W": W, "Sleep stage N1": N1, "Sleep stage N2": N2, "Sleep stage N3": N3,
            "Sleep stage R": R}
    stage_rows = [(o, d, aasm[x]) for o, d, x in zip(ann.onset, ann.duration, ann.description) if x in aasm]
    assert len(stage_rows) == 854 == hyp.n_epochs
    np.testing.assert_array_equal(hyp.stages, [c for *_, c in stage_rows])
    assert _counts(hyp) == {W: 151, N1: 109, N2: 430, N3: 23, R: 141}
    assert set(np.unique(hyp.stages)) <= {W, N1, N2, N3, R}
    assert hyp.lights_off_s == pytest.approx(33.43)
    assert hyp.lights_on_s == pytest.approx(25618.74)
    # Anonymised date ("Startdate X"): only the clock time 23:59:30 is the file's.
    assert hyp.metadata["start_time"] == "23:59:30"
    assert "start_datetime" not in hyp.metadata
    shifted = read_hypnogram(path, recording_start=datetime(2020, 5, 1, 23, 58, 0))
    assert shifted.start_s == 90.0
    assert shifted.lights_off_s == pytest.approx(123.43)
    across_midnight = read_hypnogram(path, recording_start=datetime(2020, 5, 2, 0, 0, 30))
    assert across_midnight.start_s == -60.0


def test_format_detected_from_content_not_extension(real_dir, tmp_path):
    renamed = tmp_path / "night.txt"
    renamed.write_bytes((real_dir / "hmc" / "SN001-hypnogram.edf").read_bytes())
    assert detect_hypnogram_format(renamed) == "edf"
    assert read_hypnogram(renamed).n_epochs == 854


# ------------------------------------------------------------------------- YASA text / Elan
def test_yasa_text_integers(real_dir):
    path = real_dir / "yasa-hypnograms" / "data_full_6hrs_100Hz_hypno_30s.txt"
    hyp = read_hypnogram(path)
    values = np.loadtxt(path, comments="#").astype(int)  # YASA codes 0-4
    assert hyp.n_epochs == values.size == 720
    np.testing.assert_array_equal(hyp.stages, values)
    # The file's legend ("# 0: Wake, 1: N1, 2: N2, 3: N3, 4: REM") and "1 value per 30 seconds" say how.
    assert (hyp.convention, hyp.convention_evidence) == ("yasa", "the file's legend (line 2)")
    assert (hyp.epoch_s, hyp.epoch_s_source) == (30.0, "the file (line 1)")
    assert _counts(hyp) == {W: 43, N1: 22, N2: 318, N3: 182, R: 155}


def test_yasa_text_labels(real_dir):
    path = real_dir / "yasa-hypnograms" / "sub-02_hypno_30s.txt"
    hyp = read_hypnogram(path)
    labels = [ln.strip() for ln in path.read_text().splitlines() if ln.strip()]
    expected = {"W": W, "N1": N1, "N2": N2, "N3": N3, "R": R}
    np.testing.assert_array_equal(hyp.stages, [expected[x] for x in labels])
    assert _counts(hyp) == {W: 36, N1: 9, N2: 31, N3: 22}


def test_elan_hyp_agrees_with_yasa_text_of_the_same_night(real_dir):
    hyp = read_hypnogram(real_dir / "yasa-hypnograms" / "data_full_6hrs_100Hz_hypno.hyp")
    txt = read_hypnogram(real_dir / "yasa-hypnograms" / "data_full_6hrs_100Hz_hypno_30s.txt")
    assert hyp.metadata["format"] == "elan"
    # 21,829 one-second values -> 727 whole epochs (19 s tail dropped); the header declares 21,610.
    assert hyp.metadata["samples"] == 21829 and hyp.metadata["declared_samples"] == 21610
    assert hyp.n_epochs == 727 and hyp.metadata["dropped_tail_samples"] == 19
    # Every epoch of the 30-s text file is identical; the .hyp runs 7 epochs (of REM) longer.
    np.testing.assert_array_equal(hyp.stages[: txt.n_epochs], txt.stages)
    np.testing.assert_array_equal(hyp.stages[txt.n_epochs:], [R] * 7)
    # Independent: Elan R&K codes (4 = S4 -> N3, 5 = REM -> R) sampled at each epoch onset.
    raw = np.loadtxt(real_dir / "yasa-hypnograms" / "data_full_6hrs_100Hz_hypno.hyp", skiprows=4).astype(int)
    onsets = raw[::30][:727]
    np.testing.assert_array_equal(hyp.stages, np.select([onsets == 5, onsets == 4], [R, N3], onsets))


def test_elan_codes_and_time_base(tmp_path):
    # 2 s per value: a 30-s epoch is 15 values.  Codes 0..5 and -1 (movement).
    values = [0] * 15 + [1] * 15 + [2] * 15 + [3] * 15 + [4] * 15 + [5] * 15 + [-1] * 15
    path = tmp_path / "x.hyp"
    path.write_text("time_base 2.000000\nsampling_period 0.004\nepoch_nb 105\nepoch_list\n"
                    + "\n".join(map(str, values)) + "\n")
    hyp = read_hypnogram(path)
    np.testing.assert_array_equal(hyp.stages, [W, N1, N2, N3, N3, R, ART])
    bad = tmp_path / "bad.hyp"
    bad.write_text("time_base 1\nsampling_period 0.01\nepoch_nb 3\nepoch_list\n0\n8\n0\n")
    with pytest.raises(HypnogramError, match=r"unknown Elan stage code 8 at line 6"):
        read_hypnogram(bad)


# ----------------------------------------------------------------------------- text variants
@pytest.mark.parametrize("lines, expected, coding", [
    (["Stage", "W", "S1", "S2", "S3", "S4", "REM", "MT", "?"], [W, N1, N2, N3, N3, R, ART, UNS], "labels"),
    (["wake", "N1", "n2", "N3", "R", "Wach", "Rem", "A"], [W, N1, N2, N3, R, W, R, ART], "labels"),
    (["W", "1", "2", "3", "4", "REM"], [W, N1, N2, N3, N3, R], "labels+rk-integers"),
    (["Sleep stage W", "Stage 1 sleep", "stage_2", "NREM 3", "Sleep stage 4", "REM sleep", "Movement time",
      "Sleep stage ?"], [W, N1, N2, N3, N3, R, ART, UNS], "labels"),
    # stage numbers written apart or hyphenated ("N 1", "S-2", "NREM-3"), R&K's wake as "S0", and the
    # words exports write for an epoch nobody scored ("Undefined": PhysioNet/CinC 2018; "Not staged")
    (["S0", "N 1", "S-2", "NREM-3", "Stage 4", "R", "Undefined", "Not staged"],
     [W, N1, N2, N3, N3, R, UNS, UNS], "labels"),
    (["0", "1", "2", "3", "4", "-1", "-2"], [W, N1, N2, N3, R, ART, UNS], "yasa"),  # -1/-2: only YASA fits
    (["0", "1", "2", "3", "4", "5", "9"], [W, N1, N2, N3, N3, R, UNS], "rk"),  # 5 and 9: only R&K fits
])
def test_one_stage_per_line_conventions(tmp_path, lines, expected, coding):
    path = tmp_path / "h.txt"
    path.write_text("# scored by hand\n" + "\n".join(lines) + "\n\n")
    hyp = read_hypnogram(path)
    np.testing.assert_array_equal(hyp.stages, expected)
    assert hyp.metadata["coding"] == coding


def test_epoch_length_option(real_dir):
    hyp = read_hypnogram(real_dir / "yasa-hypnograms" / "sub-02_hypno_30s.txt", epoch_s=20)
    assert hyp.epoch_s == 20.0 and hyp.duration_s == 98 * 20.0


# --------------------------------------------------------------------------- CSV / TSV tables
def test_tsv_round_trip_through_to_tsv(tmp_path):
    rng = np.random.default_rng(7)
    stages = rng.choice([W, N1, N2, N3, R, UNS], size=300)
    original = Hypnogram(stages, epoch_s=30.0, start_s=60.0, source="simulated")
    path = tmp_path / "night.hypnogram.tsv"
    original.to_tsv(path)
    back = read_hypnogram(path)
    assert back.metadata["format"] == "table" and back.metadata["delimiter"] == "tab"
    np.testing.assert_array_equal(back.stages, original.stages)
    assert back.epoch_s == 30.0 and back.start_s == 60.0 and back.n_epochs == 300


def test_table_rows_expand_into_epochs_and_gaps_are_unscored(tmp_path):
    path = tmp_path / "stages.csv"
    path.write_text("Onset;Duration;Sleep_Stage\n"
                    "0;60;Wake\n"
                    "60;90;S2\n"        # 3 epochs of N2
                    "210;30;S4\n"       # gap 150-210 s -> 2 unscored epochs
                    "240;30;REM\n"
                    "255.5;0;Lights on\n")
    hyp = read_hypnogram(path)
    np.testing.assert_array_equal(hyp.stages, [W, W, N2, N2, N2, UNS, UNS, N3, R])
    assert hyp.lights_on_s == 255.5 and hyp.lights_off_s is None
    assert hyp.metadata["delimiter"] == ";"


def test_bids_events_style_with_trial_type_and_yasa_integers(tmp_path):
    path = tmp_path / "events.tsv"
    path.write_text("onset\tduration\ttrial_type\n30.0\t30.0\t0\n60.0\t30.0\t2\n90.0\t60.0\t4\n")
    with pytest.raises(HypnogramError, match=r"4 is R \(yasa\) or N3 \(rk\)"):
        read_hypnogram(path)  # 4: YASA's REM or R&K's stage 4? The file does not say.
    hyp = read_hypnogram(path, convention="yasa")
    assert hyp.start_s == 30.0 and hyp.convention == "yasa"
    np.testing.assert_array_equal(hyp.stages, [W, N2, R, R])
    path.write_text("# stages: 0=W 1=N1 2=N2 3=N3 4=R\n" + path.read_text())  # a legend says it too
    assert read_hypnogram(path).convention == "yasa"


@pytest.mark.parametrize(("header", "rows", "expected"), [
    # units in brackets, spaces and hyphens in the names (exports of scoring software)
    ("Onset (s);Duration (s);Sleep-Stage", ["0;30;W", "30;30;N1", "60;60;N2", "120;30;R"], [W, N1, N2, N2, R]),
    ("Time [hh:mm:ss]\tSleep Stage", ["23:59:00\tW", "23:59:30\tN1", "00:00:00\tN2", "00:00:30\tR"],
     [W, N1, N2, R]),
    # start and end times, no duration: each row lasts to its end (60 s of N1 across midnight)
    ("Start Time,End Time,Event", ["23:59:00,23:59:30,Sleep stage W", "23:59:30,00:00:30,Sleep stage N1",
                                   "00:00:30,00:01:00,Sleep stage R"], [W, N1, N1, R]),
    ("start,stop,stage", ["0,90,N2", "90,120,N3"], [N2, N2, N2, N3]),
])
def test_table_header_names_as_exports_write_them(tmp_path, header, rows, expected):
    path = tmp_path / "stages.csv"
    path.write_text("\n".join([header, *rows]) + "\n")
    hyp = read_hypnogram(path)
    assert hyp.metadata["format"] == "table" and hyp.epoch_s == 30.0
    np.testing.assert_array_equal(hyp.stages, expected)


def test_table_stage_off_grid_or_overlapping_is_an_error(tmp_path):
    off = tmp_path / "off.csv"
    off.write_text("onset,duration,stage\n0,30,W\n47,30,N1\n")
    with pytest.raises(HypnogramError, match=r"47\.000 s \(line 3\) is not on the 30-s epoch grid"):
        read_hypnogram(off)
    overlap = tmp_path / "overlap.csv"
    overlap.write_text("onset,duration,stage\n0,60,W\n30,30,N1\n")
    with pytest.raises(HypnogramError, match="overlap at 30 s"):
        read_hypnogram(overlap)


# -------------------------------------------------------------------------------- SOMNOmedics
def test_somnomedics_sleep_profile(real_dir):
    path = real_dir / "somnomedics-export" / "Sleep_profile_-_test1_Unbekannt.txt"
    hyp = read_hypnogram(path)
    rows = [ln.split(";") for ln in path.read_text().splitlines() if re.match(r"^\d\d:\d\d:\d\d,", ln)]
    labels = [r[1].strip() for r in rows]
    assert len(rows) == 121 == hyp.n_epochs
    to_code = {"Wake": W, "N1": N1, "N2": N2, "N3": N3, "REM": R}
    np.testing.assert_array_equal(hyp.stages, [to_code[x] for x in labels])
    assert _counts(hyp) == {W: 3, N1: 10, N2: 45, R: 63}
    assert hyp.metadata["format"] == "somnomedics"
    assert hyp.metadata["start_datetime"] == "2020-09-23T01:00:00"
    assert hyp.start_s == 0.0
    later = read_hypnogram(path, recording_start=datetime(2020, 9, 23, 0, 58, 30))
    assert later.start_s == 90.0


# ----------------------------------------------------------------------------------- XML
def write_nsrr_xml(path: Path, events: list[tuple[str, str, float, float, str | None]],
                   *, epoch_s: float = 30, clock: str = "01.01.85 22.00.00") -> Path:
    """NSRR XML as documented by NSRR/Luna (remnrem/luna-doc docs/ref/annotations.md) and
    read by bnelair/best-toolbox best/hypnogram/NSRR.py: ``PSGAnnotation`` > ``ScoredEvents``
    > ``ScoredEvent`` (EventType, EventConcept, Start, Duration[, SignalLocation])."""
    parts = ['<?xml version="1.0" encoding="UTF-8" standalone="no"?>', "<PSGAnnotation>",
             "<SoftwareVersion>Compumedics</SoftwareVersion>", f"<EpochLength>{epoch_s}</EpochLength>",
             "<ScoredEvents>",
             "<ScoredEvent><EventType/><EventConcept>Recording Start Time</EventConcept>"
             f"<Start>0</Start><Duration>36000.0</Duration><ClockTime>{clock}</ClockTime></ScoredEvent>"]
    for etype, concept, start, dur, loc in events:
        parts.append(f"<ScoredEvent><EventType>{etype}</EventType><EventConcept>{concept}</EventConcept>"
                     f"<Start>{start}</Start><Duration>{dur}</Duration>"
                     + (f"<SignalLocation>{loc}</SignalLocation>" if loc else "") + "</ScoredEvent>")
    parts += ["</ScoredEvents>", "</PSGAnnotation>"]
    path.write_text("\n".join(parts))
    return path


NSRR_NIGHT = [
    ("Stages|Stages", "Wake|0", 0.0, 60.0, None),
    ("Stages|Stages", "Stage 1 sleep|1", 60.0, 30.0, None),
    ("Stages|Stages", "Stage 2 sleep|2", 90.0, 90.0, None),
    ("Arousals|Arousals", "Arousal|Arousal ()", 100.5, 4.5, "C3"),
    ("Stages|Stages", "Stage 3 sleep|3", 180.0, 30.0, None),
    ("Stages|Stages", "Stage 4 sleep|4", 210.0, 60.0, None),
    ("Respiratory|Respiratory", "Obstructive apnea|Obstructive Apnea", 215.0, 12.0, "Airflow"),
    ("Respiratory|Respiratory", "SpO2 desaturation|SpO2 desaturation", 220.0, 15.0, "SpO2"),
    ("Stages|Stages", "Movement|6", 270.0, 30.0, None),
    ("Stages|Stages", "REM sleep|5", 300.0, 90.0, None),
    ("Limb Movement|Limb Movement", "Limb Movement (Left)|Limb Movement (Left)", 320.0, 2.0, "Left Leg"),
    ("Stages|Stages", "Unscored|9", 390.0, 30.0, None),
    ("Stages|Stages", "Wake|0", 420.0, 30.0, None),
]


def test_nsrr_xml_stages(tmp_path):
    path = write_nsrr_xml(tmp_path / "shhs1-200001-nsrr.xml", NSRR_NIGHT)
    assert detect_hypnogram_format(path) == "nsrr-xml"
    hyp = read_hypnogram(path)
    np.testing.assert_array_equal(hyp.stages, [W, W, N1, N2, N2, N2, N3, N3, N3, ART, R, R, R, UNS, W])
    assert hyp.metadata["start_datetime"] == "1985-01-01T22:00:00"
    shifted = read_hypnogram(path, recording_start=datetime(1985, 1, 1, 21, 59, 0))
    assert shifted.start_s == 60.0
    # Real NSRR files blank the date: "00.00.00 22.09.57" -> aligned by clock time.
    blank = write_nsrr_xml(tmp_path / "blank.xml", NSRR_NIGHT, clock="00.00.00 22.09.57")
    hyp = read_hypnogram(blank, recording_start=datetime(2003, 5, 6, 22, 9, 27))
    assert hyp.start_s == 30.0 and hyp.metadata["start_time"] == "22:09:57"


def test_nsrr_xml_unknown_stage_concept(tmp_path):
    path = write_nsrr_xml(tmp_path / "x.xml", [("Stages|Stages", "Stage 7 sleep|7x", 0.0, 30.0, None)])
    with pytest.raises(HypnogramError, match=r"unknown NSRR stage concept 'Stage 7 sleep\|7x' \(ScoredEvent 2\)"):
        read_hypnogram(path)


def write_profusion_xml(path: Path, stages: list[int], events: list[tuple[str, float, float, str]]) -> Path:
    """Compumedics Profusion XML (``CMPStudyConfig``), as in NSRR's ``-profusion.xml`` files."""
    body = "".join(f"<SleepStage>{s}</SleepStage>" for s in stages)
    evs = "".join(f"<ScoredEvent><Name>{n}</Name><Start>{s}</Start><Duration>{d}</Duration>"
                  f"<Input>{i}</Input></ScoredEvent>" for n, s, d, i in events)
    path.write_text(f'<?xml version="1.0" encoding="utf-8"?>\n<CMPStudyConfig><EpochLength>30</EpochLength>'
                    f"<ScoredEvents>{evs}</ScoredEvents><SleepStages>{body}</SleepStages></CMPStudyConfig>")
    return path


def test_profusion_xml_stages(tmp_path):
    path = write_profusion_xml(tmp_path / "p.xml", [0, 1, 2, 3, 4, 5, 6, 9, 0],
                               [("Arousal (ASDA)", 45.0, 5.0, "C3")])
    assert detect_hypnogram_format(path) == "profusion-xml"
    hyp = read_hypnogram(path)
    np.testing.assert_array_equal(hyp.stages, [W, N1, N2, N3, N3, R, ART, UNS, W])
    bad = write_profusion_xml(tmp_path / "b.xml", [0, 8], [])
    with pytest.raises(HypnogramError, match=r"unknown Profusion SleepStage '8' \(epoch 2\)"):
        read_hypnogram(bad)


def test_all_formats_of_one_night_read_the_same(tmp_path):
    """The same 8 epochs written in every format give the same stage codes."""
    truth = [W, N1, N2, N3, N3, R, UNS, W]
    rk = ["W", "1", "2", "3", "4", "R", "?", "W"]
    (tmp_path / "a.txt").write_text("\n".join(["W", "S1", "S2", "S3", "S4", "REM", "?", "W"]))
    (tmp_path / "b.tsv").write_text("onset\tduration\tstage\n" + "".join(
        f"{30 * i}\t30\t{lab}\n" for i, lab in enumerate(["W", "N1", "N2", "N3", "N3", "R", "n/a", "W"])))
    (tmp_path / "c.hyp").write_text("time_base 1\nsampling_period 0.01\nepoch_nb 240\nepoch_list\n"
                                    + "".join(f"{c}\n" * 30 for c in [0, 1, 2, 3, 4, 5, 0, 0]))
    import edfio

    edfio.Edf([edfio.EdfSignal(np.zeros(240), sampling_frequency=1, label="EMG")],
              annotations=[edfio.EdfAnnotation(30 * i, 30, f"Sleep stage {lab}") for i, lab in enumerate(rk)]
              ).write(tmp_path / "d.edf")
    nsrr = {"W": "Wake|0", "1": "Stage 1 sleep|1", "2": "Stage 2 sleep|2", "3": "Stage 3 sleep|3",
            "4": "Stage 4 sleep|4", "R": "REM sleep|5", "?": "Unscored|9"}
    write_nsrr_xml(tmp_path / "e.xml", [("Stages|Stages", nsrr[x], 30 * i, 30, None) for i, x in enumerate(rk)])
    write_profusion_xml(tmp_path / "f.xml", [0, 1, 2, 3, 4, 5, 9, 0], [])
    (tmp_path / "g.txt").write_text("Signal ID: SchlafProfil\\profil\nStart Time: 01.02.2021 23:59:00\n"
                                    "Unit: \nSignal Type: Discret\nRate: 30 s\n\n" + "".join(
        f"{(datetime(2021, 2, 1, 23, 59) + timedelta(seconds=30 * i)).strftime('%H:%M:%S')},000000; {lab}\n"
        for i, lab in enumerate(["Wach", "N1", "N2", "N3", "N4", "Rem", "?", "Wach"])))
    formats = {}
    for name in "abcdefg":
        path = next(tmp_path.glob(f"{name}.*"))
        hyp = read_hypnogram(path)
        formats[name] = hyp.metadata["format"]
        # The Elan file's "0" tail is wake; its unscored epoch is written as wake (Elan has no "?").
        want = [W if (name == "c" and i == 6) else s for i, s in enumerate(truth)]
        np.testing.assert_array_equal(hyp.stages, want, err_msg=f"{name}: {formats[name]}")
    assert formats == {"a": "text", "b": "table", "c": "elan", "d": "edf", "e": "nsrr-xml",
                       "f": "profusion-xml", "g": "somnomedics"}


# ---------------------------------------------------------------------------------- bad input
def test_missing_empty_blank_binary(tmp_path):
    with pytest.raises(HypnogramError, match="file not found"):
        read_hypnogram(tmp_path / "nope.txt")
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    with pytest.raises(HypnogramError, match="file is empty"):
        read_hypnogram(empty)
    blank = tmp_path / "blank.txt"
    blank.write_text("\n \n\t\n")
    with pytest.raises(HypnogramError, match="blank lines"):
        read_hypnogram(blank)
    binary = tmp_path / "junk.bin"
    binary.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(HypnogramError, match="binary file"):
        read_hypnogram(binary)
    with pytest.raises(HypnogramError, match="is not a file"):
        read_hypnogram(tmp_path)


def test_unknown_label_names_label_and_line(tmp_path):
    path = tmp_path / "h.txt"
    path.write_text("W\nN1\nN2\nDeep\nR\n")
    with pytest.raises(HypnogramError) as err:
        read_hypnogram(path)
    msg = str(err.value)
    assert "'Deep'" in msg and "line 4" in msg and str(path) in msg and "\n" not in msg
    assert isinstance(err.value, InputError)


def test_unknown_first_line_is_not_taken_for_a_header(tmp_path):
    path = tmp_path / "h.txt"
    path.write_text("Deep\nW\nN1\n")
    with pytest.raises(HypnogramError, match=r"unknown sleep-stage label 'Deep' at line 1"):
        read_hypnogram(path)


def test_known_non_stage_markers_become_unscored(tmp_path):
    path = tmp_path / "h.txt"
    path.write_text("W\nL\nN2\nUnknown\nR\n")
    np.testing.assert_array_equal(read_hypnogram(path).stages, [W, UNS, N2, UNS, R])


def test_all_unscored_or_no_stages(tmp_path, real_dir):
    path = tmp_path / "h.txt"
    path.write_text("?\n?\n?\n")
    with pytest.raises(HypnogramError, match="no scored epochs"):
        read_hypnogram(path)
    with pytest.raises(HypnogramError, match="holds no sleep stages"):
        read_hypnogram(real_dir / "somnomedics-export" / "Flow_Events_-_test1_Unbekannt.txt")


def test_unknown_edf_stage_annotation(tmp_path):
    import edfio

    path = tmp_path / "h.edf"
    edfio.Edf([edfio.EdfSignal(np.zeros(60), sampling_frequency=1, label="EMG")],
              annotations=[edfio.EdfAnnotation(0, 30, "Sleep stage W"), edfio.EdfAnnotation(30, 30, "Sleep stage 5")]
              ).write(path)
    with pytest.raises(HypnogramError, match=r"unknown sleep-stage annotation 'Sleep stage 5' \(annotation 2 at 30 s\)"):
        read_hypnogram(path)


def test_bad_xml(tmp_path):
    broken = tmp_path / "b.xml"
    broken.write_text("<PSGAnnotation><ScoredEvents>")
    with pytest.raises(HypnogramError, match="not well-formed XML"):
        read_hypnogram(broken)
    other = tmp_path / "o.xml"
    other.write_text("<html><body/></html>")
    with pytest.raises(HypnogramError, match="neither NSRR"):
        read_hypnogram(other)


def test_parameters_are_validated(real_dir):
    path = real_dir / "yasa-hypnograms" / "sub-02_hypno_30s.txt"
    with pytest.raises(ParameterError, match="epoch_s"):
        read_hypnogram(path, epoch_s=-30)
    with pytest.raises(ParameterError, match="unknown format 'xls'"):
        read_hypnogram(path, format="xls")
    with pytest.raises(ParameterError, match="recording_start must be a datetime"):
        read_hypnogram(path, recording_start="2020-01-01")  # type: ignore[arg-type]


def test_forced_format_overrides_detection(real_dir):
    path = real_dir / "yasa-hypnograms" / "sub-02_hypno_30s.txt"
    with pytest.raises(HypnogramError, match="Elan header has no numeric time_base"):
        read_hypnogram(path, format="elan")


# ------------------------------------------------------------------------------- check_fits
def test_check_fits_rejects_hypnograms_of_another_length(real_dir):
    hyp = read_hypnogram(real_dir / "sleep-edf" / "SC4001EC-Hypnogram.edf")  # 2650 epochs = 79,500 s
    hyp.check_fits(79500.0)
    hyp.check_fits(79500.0 - 25.0)  # last epoch partly past the end: tolerated
    hyp.check_fits(79500.0 + 25.0)
    with pytest.raises(HypnogramError, match="epochs too long"):
        hyp.check_fits(79500.0 - 61.0)
    with pytest.raises(HypnogramError, match="epochs missing"):
        hyp.check_fits(2 * 79500.0)
    short = Hypnogram(np.full(120, int(Stage.N2)), epoch_s=30.0, source="file:x")  # 1 h
    with pytest.raises(HypnogramError, match="240 epochs missing"):
        short.check_fits(3 * 3600.0)


def test_check_fits_says_where_a_late_hypnogram_lies():
    # 30 epochs starting 5 min into a 10-min recording: its span, not only its end (which read as
    # "covers 1200 s", a length, before)
    late = Hypnogram(np.full(30, int(Stage.N2)), epoch_s=30.0, start_s=300.0, source="file:x")
    with pytest.raises(HypnogramError, match=r"covers 300 to 1200 s but the recording lasts 600 s"):
        late.check_fits(600.0)


def test_table_with_epoch_numbers_clock_times_or_datetimes(tmp_path):
    by_epoch = tmp_path / "e.csv"
    by_epoch.write_text("Epoch,Sleep Stage\n1,W\n2,N1\n3,N2\n5,R\n")
    np.testing.assert_array_equal(read_hypnogram(by_epoch).stages, [W, N1, N2, UNS, R])
    by_clock = tmp_path / "c.csv"
    by_clock.write_text("Time;Stage\n23:59:00;W\n23:59:30;N1\n00:00:00;N2\n")
    hyp = read_hypnogram(by_clock, recording_start=datetime(2021, 3, 4, 23, 58, 0))
    np.testing.assert_array_equal(hyp.stages, [W, N1, N2])
    assert hyp.start_s == 60.0
    # MNE's Annotations.save(".csv"): ISO date-times, a "# MNE-Annotations" comment line.
    mne_csv = tmp_path / "m.csv"
    mne_csv.write_text("# MNE-Annotations\nonset,duration,description\n"
                       "2002-12-18 22:00:30.000000,30.0,Sleep stage W\n"
                       "2002-12-18 22:01:00.000000,60.0,Sleep stage 2\n")
    hyp = read_hypnogram(mne_csv, recording_start=datetime(2002, 12, 18, 22, 0, 0))
    np.testing.assert_array_equal(hyp.stages, [W, N2, N2])
    assert hyp.start_s == 30.0


def test_edf_with_20_s_epochs_infers_the_epoch_length(tmp_path):
    import edfio

    path = tmp_path / "h20.edf"
    labels = ["W", "W", "1", "2", "2", "R"]
    edfio.Edf([edfio.EdfSignal(np.zeros(120), sampling_frequency=1, label="EMG")],
              annotations=[edfio.EdfAnnotation(20 * i, 20, f"Sleep stage {x}") for i, x in enumerate(labels)]
              ).write(path)
    hyp = read_hypnogram(path)
    assert hyp.epoch_s == 20.0
    np.testing.assert_array_equal(hyp.stages, [W, W, N1, N2, N2, R])
    hyp.check_fits(120.0)


def test_corrupt_edf_is_a_hypnogram_error(tmp_path, real_dir):
    path = tmp_path / "cut.edf"
    path.write_bytes((real_dir / "hmc" / "SN001-hypnogram.edf").read_bytes()[:300])
    with pytest.raises(HypnogramError, match="shorter than its 512-byte header") as err:
        read_hypnogram(path)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(("text", "convention"), [
    # French (Deltamed/Natus exports in French): Eveil, Stade 1-4, Sommeil paradoxal
    ("Epoque;Stade\n1;Éveil\n2;Stade 1\n3;Stade 2\n4;Stade 3\n5;Stade 4\n6;Sommeil paradoxal\n", "rk-labels"),
    # Italian: Veglia, Fase N1-N3, Sonno REM
    ("Epoca,Fase\n1,Veglia\n2,Fase N1\n3,Fase N2\n4,Fase N3\n5,Fase N3\n6,Sonno REM\n", "aasm-labels"),
    # Spanish: Vigilia, Estadio 1-3, Sueño REM; R&K S3 and S4 scored together
    ("Epoca,Estadio\n1,Vigilia\n2,Estadio 1\n3,Estadio 2\n4,S3/S4\n5,Estadio 3\n6,Sueño REM\n", "rk-labels"),
])
def test_stage_words_of_european_exports(tmp_path, text, convention):
    # refused as unknown labels before (2026-12-07)
    path = tmp_path / "hyp.csv"
    path.write_text(text, encoding="utf-8")
    hyp = read_hypnogram(path)
    np.testing.assert_array_equal(hyp.stages, [W, N1, N2, N3, N3, R])
    assert hyp.metadata["convention"] == convention


def test_one_stage_per_line_with_a_french_header(tmp_path):
    path = tmp_path / "hyp.txt"
    path.write_text("Stades de sommeil\nEveil\nStade 1\nStade 2\nStade 3\nSommeil paradoxal\n", encoding="utf-8")
    np.testing.assert_array_equal(read_hypnogram(path).stages, [W, N1, N2, N3, R])


_REMLOGIC = (
    "Patient Name:\tn1\nRecording Date:\t16/05/2002\nEvents Included:\nSLEEP-S0\nSLEEP-S1\nSLEEP-S2\n"
    "SLEEP-S3\nSLEEP-S4\nSLEEP-REM\nMCAP-A1\n\n"
    "Sleep Stage\tPosition\tTime [hh:mm:ss]\tEvent\tDuration[s]\tLocation\n"
    "W\tLeft\t23:58:40\tSLEEP-S0\t30\tROC-LOC\n"
    "W\tLeft\t23:59:10\tSLEEP-S0\t30\tROC-LOC\n"
    "S1\tLeft\t23:59:40\tSLEEP-S1\t30\tROC-LOC\n"
    "S2\tLeft\t00:00:10\tSLEEP-S2\t30\tROC-LOC\n"
    "S2\tLeft\t00:00:25\tMCAP-A1\t4\tFP2-F4\n"
    "S2\tLeft\t00:00:40\tSLEEP-S2\t30\tROC-LOC\n"
    "S3\tLeft\t00:01:10\tSLEEP-S3\t30\tROC-LOC\n"
    "S4\tLeft\t00:01:40\tSLEEP-S4\t30\tROC-LOC\n"
    "R\tLeft\t00:02:10\tSLEEP-REM\t30\tROC-LOC\n"
    "MT\tLeft\t00:02:40\tSLEEP-MT\t30\tROC-LOC\n"
)


def test_remlogic_export_as_the_cap_sleep_database_writes_it(tmp_path):
    # RemLogic (Embla/Natus) event export, the CAP Sleep Database's annotation format: read as a
    # one-stage-per-line file before (2026-12-07) and refused at "Patient Name:".  Stage rows are
    # the SLEEP- events (the CAP phase A1 row is not an epoch); clock times cross midnight.
    path = tmp_path / "n1.txt"
    path.write_text(_REMLOGIC, encoding="utf-8")
    assert detect_hypnogram_format(path) == "remlogic"
    hyp = read_hypnogram(path, recording_start=datetime(2002, 5, 16, 23, 58, 10))
    np.testing.assert_array_equal(hyp.stages, [W, W, N1, N2, N2, N3, N3, R, Stage.ARTEFACT])
    assert hyp.start_s == 30.0 and hyp.epoch_s == 30.0
    assert hyp.metadata["convention"] == "rk-labels"
    # without the date (or another date), the clock time places it
    anon = tmp_path / "anon.txt"
    anon.write_text(_REMLOGIC.replace("16/05/2002", ""), encoding="utf-8")
    assert read_hypnogram(anon, recording_start=datetime(2002, 5, 16, 23, 58, 40)).stages[0] == W


# ------------------------------------------------------------------ Philips Respironics RML
_RML_WORD = {W: "Wake", N1: "NonREM1", N2: "NonREM2", N3: "NonREM3", R: "REM", UNS: "NotScored"}
_RML_CHANNELS = {0: "C4-A1", 3: "Bein li", 4: "Bein re"}


def write_alice_rml(path: Path, stages: list[tuple[str, float]], *, duration_s: float | None,
                    lights: tuple[str, str] = ("", ""), events: str = "", start: str = "2019-03-04T22:30:12",
                    staging: str = "<UserStaging><NeuroAdultAASMStaging>{}</NeuroAdultAASMStaging></UserStaging>",
                    channels: dict[int, str] | None = None, namespace: bool = True) -> Path:
    """A Philips Respironics Alice/Sleepware G3 ``.rml``, laid out as pyPhasesRecordloader's
    AliceRMLLoader and wuji's PhilipsAnnotationReader read it: ``PatientStudy`` > ``Acquisition/
    Sessions/Session`` (RecordingStart, Duration, LightsOff, LightsOn), ``ChannelConfig/Channels/
    Channel`` (EdfSignal, Label), ``ScoringData/Events/Event`` and ``ScoringData/StagingData``
    (``staging`` wraps the ``Stage`` elements: one stage change each, lasting to the next)."""
    ns = ' xmlns="http://www.respironics.com/PatientStudy.xsd"' if namespace else ""
    chans = "".join(f'<Channel EdfSignal="{k}" Type="EMG"><Label>{lab}</Label></Channel>'
                    for k, lab in (channels if channels is not None else _RML_CHANNELS).items())
    body = "".join(f'<Stage Type="{t}" Start="{s:g}" />' for t, s in stages)
    dur = "" if duration_s is None else f"<Duration>{duration_s:g}</Duration>"
    path.write_text(
        f'<?xml version="1.0" encoding="utf-8"?>\n<PatientStudy{ns}>'
        f"<Acquisition><Sessions><Session><RecordingStart>{start}</RecordingStart>{dur}"
        f"<LightsOff>{lights[0]}</LightsOff><LightsOn>{lights[1]}</LightsOn></Session></Sessions></Acquisition>"
        f"<ChannelConfig><Channels>{chans}</Channels></ChannelConfig>"
        f"<ScoringData><Events>{events}</Events><StagingData>{staging.format(body)}</StagingData></ScoringData>"
        "</PatientStudy>", encoding="utf-8")
    return path


_RML_NIGHT = [("Wake", 0), ("NonREM1", 60), ("NonREM2", 90), ("NonREM3", 180), ("REM", 270),
              ("NotScored", 330), ("Wake", 360)]
#: 400 s: 13 whole epochs, the last 10 s (a partial epoch) dropped.
_RML_NIGHT_STAGES = [W, W, N1, N2, N2, N2, N3, N3, N3, R, R, UNS, W]
_RML_EVENTS = ('<Event Family="Neuro" Type="Arousal" Start="100.5" Duration="4.5" />'
               '<Event Family="Limb" Type="LegMovement" Start="212.5" Duration="1.8">'
               '<LegMovement EdfSignal="3" /></Event>'
               '<Event Family="Limb" Type="LegMovement" Start="240" Duration="2" Machine="true">'
               '<LegMovement EdfSignal="-1" /></Event>'
               '<Event Family="Respiratory" Type="ObstructiveApnea" Start="215" Duration="12" Machine="true" />'
               '<Event Family="SpO2" Type="RelativeDesaturation" Start="225" Duration="15">'
               "<O2Before>95</O2Before><O2Min>90</O2Min></Event>")
#: The scorer's staging, and an automatic one that says otherwise (all wake): the scorer's is read.
_RML_BOTH = ("<UserStaging><NeuroAdultAASMStaging>{}</NeuroAdultAASMStaging></UserStaging>"
             '<MachineStaging><NeuroAdultAASMStaging><Stage Type="Wake" Start="0" /></NeuroAdultAASMStaging>'
             "</MachineStaging>")


def test_alice_rml_full_night(tmp_path):
    # Before (2026-12-08) an RML was refused: "XML root <PatientStudy> is neither NSRR ... nor Profusion".
    path = write_alice_rml(tmp_path / "night.rml", _RML_NIGHT, duration_s=400, lights=("30", "390"),
                           events=_RML_EVENTS, staging=_RML_BOTH)
    hyp = read_hypnogram(path)
    np.testing.assert_array_equal(hyp.stages, _RML_NIGHT_STAGES)
    assert hyp.n_epochs == 13 and hyp.epoch_s == 30.0 and hyp.start_s == 0.0
    assert (hyp.lights_off_s, hyp.lights_on_s) == (30.0, 390.0)
    assert hyp.metadata["format"] == "alice-rml" and hyp.source == "file:night.rml"
    assert hyp.metadata["start_datetime"] == "2019-03-04T22:30:12"
    assert hyp.convention == "aasm-labels" and "UserStaging/NeuroAdultAASMStaging" in hyp.convention_evidence
    assert hyp.metadata["staging"] == "UserStaging/NeuroAdultAASMStaging" and "warnings" not in hyp.metadata
    assert "RML" in hyp.epoch_s_source and hyp.metadata["dropped_tail_s"] == 10.0
    # the file's clock start puts stages and lights on the recording's axis
    late = read_hypnogram(path, recording_start=datetime(2019, 3, 4, 22, 29, 42))
    assert (late.start_s, late.lights_off_s, late.lights_on_s) == (30.0, 60.0, 420.0)
    np.testing.assert_array_equal(late.stages, _RML_NIGHT_STAGES)


def test_alice_rml_rk_staging_nonrem4_and_notscored(tmp_path):
    rk = "<UserStaging><NeuroRKStaging>{}</NeuroRKStaging></UserStaging>"
    path = write_alice_rml(tmp_path / "rk.rml", [("Wake", 0), ("NonREM3", 30), ("NonREM4", 60), ("NotScored", 120),
                                                 ("REM", 150)], duration_s=180, staging=rk)
    hyp = read_hypnogram(path)
    np.testing.assert_array_equal(hyp.stages, [W, N3, N3, N3, UNS, R])
    assert hyp.convention == "rk-labels" and hyp.metadata["staging"] == "UserStaging/NeuroRKStaging"


def test_alice_rml_stage_change_off_the_epoch_grid(tmp_path):
    path = write_alice_rml(tmp_path / "off.rml", [("Wake", 0), ("NonREM1", 95), ("NonREM2", 120)], duration_s=300)
    with pytest.raises(HypnogramError) as err:
        read_hypnogram(path)
    assert isinstance(err.value, InputError) and "\n" not in str(err.value)
    assert re.search(r"stage change to NonREM1 at 95 s \(Stage 2 of UserStaging/NeuroAdultAASMStaging\) is not "
                     r"on the 30-s epoch grid", str(err.value)), str(err.value)


def test_alice_rml_unknown_stage_word(tmp_path):
    path = write_alice_rml(tmp_path / "bad.rml", [("Wake", 0), ("Stage2", 30)], duration_s=90)
    with pytest.raises(HypnogramError, match=r"unknown RML stage Type 'Stage2' \(Stage 2 of "
                                             r"UserStaging/NeuroAdultAASMStaging, at 30 s\)"):
        read_hypnogram(path)


def test_alice_rml_machine_staging_only_is_read_with_a_warning(tmp_path):
    from myosleep.context import build_context

    machine = "<MachineStaging><NeuroAdultAASMStaging>{}</NeuroAdultAASMStaging></MachineStaging>"
    path = write_alice_rml(tmp_path / "auto.rml", _RML_NIGHT, duration_s=400, staging=machine)
    hyp = read_hypnogram(path)
    np.testing.assert_array_equal(hyp.stages, _RML_NIGHT_STAGES)
    assert hyp.metadata["staging"] == "MachineStaging/NeuroAdultAASMStaging"
    (warning,) = hyp.metadata["warnings"]
    assert "automatic" in warning and "no scorer's staging" in warning
    # the analysis states it among its warnings (summary.json "warnings")
    ctx = build_context(None, hypnogram=path)
    assert any("auto.rml" in w and warning in w for w in ctx.warnings), ctx.warnings


def test_alice_rml_without_namespace_and_detected_from_content(tmp_path):
    plain = write_alice_rml(tmp_path / "plain.xml", _RML_NIGHT, duration_s=400, namespace=False)
    named = write_alice_rml(tmp_path / "named.rml", _RML_NIGHT, duration_s=400)
    for path in (plain, named):
        assert detect_hypnogram_format(path) == "alice-rml"
        np.testing.assert_array_equal(read_hypnogram(path).stages, _RML_NIGHT_STAGES)


def test_alice_rml_scored_events(tmp_path):
    from myosleep.io import read_scored_events, read_scorer_events

    path = write_alice_rml(tmp_path / "night.rml", _RML_NIGHT, duration_s=400, lights=("30", "390"),
                           events=_RML_EVENTS, staging=_RML_BOTH)
    df = read_scored_events(path, recording_start=datetime(2019, 3, 4, 22, 30, 2))  # file starts 10 s in
    assert df.attrs["format"] == "alice-rml" and df.attrs["start_datetime"] == "2019-03-04T22:30:12"
    lm = df[df.kind == "limb_movement"]
    assert list(lm.description) == ["LegMovement", "LegMovement"]
    np.testing.assert_allclose(lm.onset, [222.5, 250.0])
    np.testing.assert_allclose(lm.duration, [1.8, 2.0])
    assert list(lm.channel) == ["Bein li", None]  # EdfSignal 3 in the channel config; -1: not known
    assert list(lm.machine) == [False, True]
    (arousal,) = df[df.kind == "arousal"].itertuples()
    assert (arousal.onset, arousal.duration, arousal.description, arousal.machine) == (110.5, 4.5, "Arousal", False)
    resp = df[df.kind == "respiratory"]
    assert list(resp.description) == ["ObstructiveApnea"] and list(resp.machine) == [True]
    assert list(df[df.kind == "desaturation"].description) == ["RelativeDesaturation"]
    lights = df[df.kind == "lights"]
    assert list(lights.description) == ["Lights off", "Lights on"] and list(lights.onset) == [40.0, 400.0]
    # the stages read (the scorer's) are stage events, one per change, lasting to the next
    st = df[df.kind == "stage"]
    assert list(st.description) == [t for t, _ in _RML_NIGHT] and not st.machine.any()
    np.testing.assert_allclose(st.duration, [60, 30, 90, 90, 60, 30, 40])
    # the scorer table: leg movements in myosleep's vocabulary
    sc = read_scorer_events(path)
    assert list(sc[sc.kind == "limb_movement"].trial_type) == ["leg_movement", "leg_movement"]
    assert list(sc[sc.kind == "stage"].stage) == ["W", "N1", "N2", "N3", "R", "n/a", "W"]


def test_alice_rml_through_analyze(tmp_path, capsys):
    """``myosleep analyze REC --hypnogram night.rml``: the simulator's true stages, written as an RML."""
    import json

    from myosleep import cli
    from myosleep.context.hypnogram_file import read_used_hypnogram
    from myosleep.simulate import simulate_night

    sim = simulate_night("sleep_starts", hours=0.75, seed=3)
    sim.write(tmp_path / "n.edf")
    truth = sim.hypnogram
    assert truth.start_s == 0.0 and truth.epoch_s == 30.0
    codes = np.asarray(truth.stages)
    changes = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    stages = [(_RML_WORD[int(codes[k])], 30.0 * k) for k in changes]
    assert len(stages) == 12 and set(codes.tolist()) == {W, N1, N2, N3}  # wake and N1 alternate at sleep onset
    # the simulator's EDF starts 2000-01-01 23:00:00; lights over the whole recording
    rml = write_alice_rml(tmp_path / "night.rml", stages, duration_s=sim.duration_s, start="2000-01-01T23:00:00",
                          lights=("0", f"{sim.duration_s:g}"), events=_RML_EVENTS.split("<Event Family=\"Limb\"")[0])
    out = tmp_path / "out"
    assert cli.main(["analyze", str(tmp_path / "n.edf"), "--hypnogram", str(rml), "--out", str(out)]) == 0
    s = json.loads((out / "summary.json").read_text())
    assert s["hypnogram_source"] == "file:night.rml"
    entry = s["inputs"]["hypnogram"]
    assert (entry["format"], entry["convention"], entry["epoch_s"]) == ("alice-rml", "aasm-labels", 30.0)
    want = truth.time_in_stage_s()
    for label, key in (("W", "w_min"), ("N1", "n1_min"), ("N2", "n2_min"), ("N3", "n3_min"), ("R", "r_min")):
        assert s["sleep"][key] == pytest.approx(want[label] / 60.0), label
    np.testing.assert_array_equal(read_used_hypnogram(out / "hypnogram.tsv").stages, truth.stages)
    # a stage change off the grid: one line, exit status 2, nothing written
    bad = write_alice_rml(tmp_path / "bad.rml", [("Wake", 0), ("NonREM2", 45)], duration_s=sim.duration_s,
                          start="2000-01-01T23:00:00")
    capsys.readouterr()
    assert cli.main(["analyze", str(tmp_path / "n.edf"), "--hypnogram", str(bad), "--out", str(tmp_path / "o2")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "at 45 s" in err and "Traceback" not in err
    assert not (tmp_path / "o2").exists()

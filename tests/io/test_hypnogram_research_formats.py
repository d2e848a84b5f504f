"""Hypnograms written by sleep-research tools: Luna ``.annot``, wonambi XML, visbrain Sleep ``.txt``.

Each was refused with a misleading line before (``unknown sleep-stage label 'class\\tstart\\tstop'
at line 6``; ``XML root <annotations> is neither ... pass format=``; ``unknown sleep-stage label
'*Duration_sec\\t3600.0' at line 1``).  The files below are built as the tools write them (Luna's
own examples from remnrem/luna-doc docs/ref/annotations.md; wonambi's layout from
wonambi/attr/annotations.py; visbrain's ``write_hypno``, visbrain/io/rw_hypno.py) and read
exactly: stages, onsets against the recording, epoch length and its source, lights, events; what
cannot be read is refused in one line naming the file.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from myosleep.errors import HypnogramError
from myosleep.io.hypnogram import detect_hypnogram_format, read_hypnogram, read_scored_events

W, N1, N2, N3, R, ART, UNS = 0, 1, 2, 3, 4, -1, -2
NIGHT = datetime(2000, 1, 1, 23, 0, 0)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _refused(path: Path, match: str, **kwargs) -> str:
    with pytest.raises(HypnogramError, match=match) as err:
        read_hypnogram(path, **kwargs)
    msg = str(err.value)
    assert "\n" not in msg and str(path) in msg, msg
    return msg


# --------------------------------------------------------------------------------- Luna .annot
# The six-column form Luna's WRITE-ANNOTS writes, with a preamble and the column-header row
# (docs/ref/annotations.md, "Data rows"), stages in e:N epochs and a scored event on a channel.
LUNA_SIX = (
    "# W | Wake\n"
    "# N1 | NREM1\n"
    "# arousal | EEG arousal | val1[num]\n"
    "class\tinstance\tchannel\tstart\tstop\tmeta\n"
    "W\t.\t.\te:1\t.\t.\n"
    "N1\t.\t.\te:2\te:3\t.\n"
    "arousal\tA1\tC3,C4\t75.5\t+6\t0.9\n"
    "N2\t.\t.\t90\t+60\t.\n"
    "R\t.\t.\t0+00:02:30\t0+00:03:00\t.\n"
)


def test_luna_six_columns_with_preamble_and_header(tmp_path):
    path = _write(tmp_path, "night.annot", LUNA_SIX)
    assert detect_hypnogram_format(path) == "luna-annot"
    hyp = read_hypnogram(path, recording_start=NIGHT)
    np.testing.assert_array_equal(hyp.stages, [W, N1, N1, N2, N2, R])
    assert hyp.start_s == 0.0 and hyp.epoch_s == 30.0
    assert hyp.epoch_s_source == "the file's e:N epochs (Luna: 30 s unless e:N:len says)"
    assert hyp.metadata["format"] == "luna-annot" and hyp.metadata["header_line"] == 4
    ev = read_scored_events(path)
    arousal = ev[ev["kind"] == "arousal"].iloc[0]
    assert (arousal["onset"], arousal["duration"], arousal["description"], arousal["channel"]) == \
        (75.5, 6.0, "arousal A1", "C3,C4")
    assert list(ev[ev["kind"] == "stage"]["description"]) == ["W", "N1", "N2", "R"]


def test_luna_stage_changes_with_ellipsis_three_columns_whitespace(tmp_path):
    # the spec's "until next annotation" example: stage changes at irregular times, space-aligned
    text = ("W      0.00     ...\n"
            "N1     60.00    ...\n"
            "N2     120.00   ...\n"
            "R      240.00   300.00\n")
    path = _write(tmp_path, "changes.annot", text)
    assert detect_hypnogram_format(path) == "luna-annot"
    hyp = read_hypnogram(path)
    np.testing.assert_array_equal(hyp.stages, [W, W, N1, N1, N2, N2, N2, N2, R, R])
    assert hyp.epoch_s_source == "the stage rows' durations and onsets"
    assert "warnings" not in hyp.metadata


def test_luna_the_error_of_the_brief_column_header_row_three_columns(tmp_path):
    # what `myosleep analyze --hypnogram file.annot` refused as "unknown sleep-stage label 'class\tstart\tstop'"
    text = ("# W\n# N1\n# N2\n# R\n\nclass\tstart\tstop\n"
            "W\t0\t30\nN1\t30\t60\nN2\t60\t120\nR\t120\t150\n")
    path = _write(tmp_path, "luna.txt", text)
    hyp = read_hypnogram(path)
    np.testing.assert_array_equal(hyp.stages, [W, N1, N2, N2, R])


def test_luna_clock_times_are_placed_against_the_recording_start(tmp_path):
    # hh:mm:ss and hh.mm.ss clock times (the EDF's '.' form) across midnight, four-column form
    text = ("class\tinstance\tstart\tstop\n"
            "lights_off\t.\t23:29:30\t23:29:30\n"
            "W\t.\t23:30:00\t23:59:30\n"
            "N2\t.\t23.59.30\t00.00.30\n"
            "R\t.\t00:00:30.000\t+30\n"
            "lights_on\t.\t00:01:00\t00:01:00\n")
    path = _write(tmp_path, "clock.annot", text)
    hyp = read_hypnogram(path, recording_start=NIGHT)  # recording starts 23:00:00
    assert hyp.start_s == 1800.0
    assert hyp.stages.size == 62 and np.all(hyp.stages[:59] == W)
    np.testing.assert_array_equal(hyp.stages[59:], [N2, N2, R])
    assert (hyp.lights_off_s, hyp.lights_on_s) == (1770.0, 3660.0)
    assert hyp.metadata["lights_source"] == "lights_off and lights_on annotations"
    assert hyp.metadata["start_time"] == "23:29:30"  # the file's first clock time


def test_luna_nsrr_names_and_lights_on_epochs(tmp_path):
    # NSRR-style stage classes; L epochs (lights on, Luna docs/ref/hypnograms.md) before and after the night
    text = ("L\te:1\t.\nwake\te:2\t.\nNREM1\te:3\t.\nNREM2\te:4\te:5\nNREM3\te:6\t.\nREM\te:7\t.\n"
            "?\te:8\t.\nwake\te:9\t.\nL\te:10\te:11\n")
    path = _write(tmp_path, "nsrr.annot", text)
    hyp = read_hypnogram(path)
    np.testing.assert_array_equal(hyp.stages, [UNS, W, N1, N2, N2, N3, R, UNS, W, UNS, UNS])
    assert (hyp.lights_off_s, hyp.lights_on_s) == (30.0, 270.0)
    assert hyp.metadata["lights_source"] == "the L (lights on) epochs"


def test_luna_epoch_length_in_the_epoch_code(tmp_path):
    text = "W\te:1:20\t.\nN1\te:2:20\t.\nN2\te:3:20\te:5:20\n"
    hyp = read_hypnogram(_write(tmp_path, "e20.annot", text))
    np.testing.assert_array_equal(hyp.stages, [W, N1, N2, N2, N2])
    assert hyp.epoch_s == 20.0


def test_luna_last_row_until_the_end_of_the_edf_is_one_epoch_and_said(tmp_path):
    text = "W\t0\t...\nN2\t60\t...\n"
    hyp = read_hypnogram(_write(tmp_path, "open.annot", text))
    np.testing.assert_array_equal(hyp.stages, [W, W, N2])
    assert hyp.metadata["last_stage_epochs"].startswith("1 (line 2")
    assert any("lasts to the end of the recording in Luna; read as one epoch" in w
               for w in hyp.metadata["warnings"])


@pytest.mark.parametrize("text, match", [
    ("W\t0\t30\nN1\t23:30:00\t23:30:30\n",
     r"mixes clock times \(line 2\) with elapsed seconds or epochs \(line 1\)"),
    ("class\tstart\tstop\nW\t.\t.\t0\t30\n", r"line 2 has 5 fields; a Luna \.annot row has 3, 4 or 6"),
    ("class\tinstance\tstart\tstop\nW\t.\t0\t30\nN1\t30\t60\n",
     r"line 3 has 3 fields, the column-header row \(line 1\) names 4"),
    ("W\t0\t30\nN1\t30\t.\n", r"stage 'N1' at line 2 has no stop \('\.'\) and its start is no epoch"),
    ("W\t60\t...\nN1\t30\t60\n", r"stop '\.\.\.' at line 1 runs to the next row's start, which is earlier"),
    ("W\t0\t30\nN1\t60\t45\n", r"stop '45' at line 2 is before its start '60'"),
    ("W\te:0\t.\n", r"epoch 'e:0' at line 1 is not e:N with N >= 1"),
    # stage rows in seconds: their epoch is what their lengths and onsets show (15 s), and a row off it is refused
    ("W\t0\t30\nN1\t30\t60\nN2\t60\t75\nR\t80\t110\n",
     r"stage at 80\.000 s \(line 4\) is not on the 15-s epoch grid that starts at 0\.000 s"),
])
def test_luna_refusals_say_what_and_where(tmp_path, text, match):
    _refused(_write(tmp_path, "bad.annot", text), match)


def test_luna_a_start_that_is_no_luna_time_is_refused(tmp_path):
    path = _write(tmp_path, "bad.annot", "class\tstart\tstop\nW\t0\t30\nN1\tabc\t60\n")
    _refused(path, r"start 'abc' at line 3 is not a Luna time")


# -------------------------------------------------------------------------------- wonambi XML
def _wonambi(epochs_by_rater: dict[str, list[tuple[int, int, str, str]]], *, events: str = "",
             start: str = "2000-01-01T23:00:00") -> str:
    """An annotation file as wonambi writes it (minidom ``toxml``: one line after the declaration)."""
    raters = ""
    for name, epochs in epochs_by_rater.items():
        stages = "".join(f"<epoch><epoch_start>{a}</epoch_start><epoch_end>{b}</epoch_end><stage>{s}</stage>"
                         f"<cycle/><quality>{q}</quality></epoch>" for a, b, s, q in epochs)
        raters += (f'<rater created="2024-03-01T10:00:00" modified="2024-03-01T11:00:00" name="{name}">'
                   f"<bookmarks/><events>{events if name == next(iter(epochs_by_rater)) else ''}</events>"
                   f"<stages>{stages}</stages><cycles/></rater>")
    return ('<?xml version="1.0" ?><annotations version="5"><dataset><filename>/data/rec.edf</filename>'
            f"<path>/data/rec.edf</path><start_time>{start}</start_time><first_second>0</first_second>"
            f"<last_second>240</last_second></dataset>{raters}</annotations>")


SCORED = [(0, 30, "Wake", "Good"), (30, 60, "NREM1", "Good"), (60, 90, "NREM2", "Poor"), (90, 120, "NREM3", "Good"),
          (120, 150, "REM", "Good"), (150, 180, "Movement", "Poor"), (180, 210, "Artefact", "Good"),
          (210, 240, "Undefined", "Good"), (240, 270, "Unknown", "Good")]
EVENTS = ('<event_type type="arousal"><event><event_start>95.5</event_start><event_end>101.0</event_end>'
          "<event_chan>C3 (eeg)</event_chan><event_qual>Good</event_qual></event></event_type>"
          '<event_type type="Lights off"><event><event_start>0</event_start><event_end>0</event_end>'
          "<event_chan/><event_qual>Good</event_qual></event></event_type>")


def test_wonambi_first_rater_stages_quality_and_events(tmp_path):
    other = [(a, b, "Wake", "Good") for a, b, _, _ in SCORED]
    path = _write(tmp_path, "rec_scores.xml", _wonambi({"RA": SCORED, "JB": other}, events=EVENTS))
    assert detect_hypnogram_format(path) == "wonambi-xml"
    # the recording starts 30 s before the file's dataset start_time: the epochs move 30 s later
    hyp = read_hypnogram(path, recording_start=datetime(2000, 1, 1, 22, 59, 30))
    np.testing.assert_array_equal(hyp.stages, [W, N1, N2, N3, R, ART, ART, UNS, UNS])
    assert hyp.start_s == 30.0 and hyp.epoch_s == 30.0
    assert hyp.epoch_s_source.startswith("the file's first epoch")
    assert hyp.metadata["poor_quality_epochs"] == 2 and hyp.metadata["rater"] == "RA"
    assert hyp.metadata["warnings"] == [
        "the file holds 2 raters; the stages of the first, 'RA', are read (as wonambi reads a file when no rater "
        "is named), not those of 'JB'"]
    assert hyp.lights_off_s == 30.0
    ev = read_scored_events(path)
    arousal = ev[ev["kind"] == "arousal"].iloc[0]
    assert (arousal["onset"], arousal["duration"], arousal["channel"]) == (95.5, 5.5, "C3 (eeg)")


def test_wonambi_epochs_from_a_later_first_second(tmp_path):
    epochs = [(60, 90, "Wake", "Good"), (90, 120, "NREM2", "Good"), (120, 150, "Unrecognized", "Good"),
              (150, 180, "NREM2", "Good")]
    hyp = read_hypnogram(_write(tmp_path, "late.xml", _wonambi({"A": epochs})), recording_start=NIGHT)
    np.testing.assert_array_equal(hyp.stages, [W, N2, UNS, N2])
    assert hyp.start_s == 60.0


def test_wonambi_refusals(tmp_path):
    no_rater = _write(tmp_path, "empty.xml", _wonambi({}))
    _refused(no_rater, r"wonambi annotations hold no <rater>")
    bad = _write(tmp_path, "bad.xml", _wonambi({"A": [(0, 30, "Wake", "Good"), (30, 60, "Drowsy", "Good")]}))
    _refused(bad, r"unknown wonambi stage 'Drowsy' \(rater 'A', epoch 2 at 30 s\)")
    unscored = [(a, b, "Unknown", "Good") for a, b, _, _ in SCORED]
    empty_first = _write(tmp_path, "first.xml", _wonambi({"new": unscored, "RA": SCORED}))
    _refused(empty_first, r"the first rater, 'new' \(the one wonambi reads by default\), scored no epoch; 'RA' did")


def test_unknown_xml_root_says_what_the_cli_can_do(tmp_path):
    path = _write(tmp_path, "other.xml", "<Annotations><SoftwareVersion>luna</SoftwareVersion></Annotations>")
    msg = _refused(path, r"XML root <Annotations> is neither .* nor wonambi <annotations>")
    assert "as a CSV with onset, duration, stage columns" in msg and "the CLI has no such option" in msg


# ------------------------------------------------------------------------------- visbrain Sleep
# What Sleep writes at its default 100 Hz: each run's time is that of its last sample (29.99 for a
# run ending at 30 s), the info lines first (visbrain/io/rw_hypno.py write_hypno(version='time')).
VISBRAIN = ("*Duration_sec\t300.0\n*Datafile\t/data/sub-01 night.edf\n"
            "Wake\t59.99\nN1\t89.99\nN2\t179.99\nN3\t209.99\nREM\t269.99\nArt\t299.99\n")


def test_visbrain_stage_runs_end_one_sample_early(tmp_path):
    path = _write(tmp_path, "hypno.txt", VISBRAIN)
    assert detect_hypnogram_format(path) == "visbrain"
    hyp = read_hypnogram(path, recording_start=NIGHT)
    np.testing.assert_array_equal(hyp.stages, [W, W, N1, N2, N2, N2, N3, R, R, ART])
    assert hyp.start_s == 0.0 and hyp.epoch_s == 30.0
    assert hyp.epoch_s_source == "default: visbrain Sleep's 30-s scoring window (the file states no epoch length)"
    assert hyp.metadata["datafile"] == "/data/sub-01 night.edf" and hyp.metadata["duration_s"] == 300.0


def test_visbrain_exact_end_times_and_crlf(tmp_path):
    text = "*Duration_sec\t240.0\r\n*Datafile\trec.edf\r\nWake\t60\r\nN2\t180\r\nREM\t240\r\n"
    hyp = read_hypnogram(_write(tmp_path, "hypno.txt", text), epoch_s=60.0)
    np.testing.assert_array_equal(hyp.stages, [W, N2, N2, R])
    assert hyp.epoch_s == 60.0 and hyp.epoch_s_source == "epoch_s= given"


@pytest.mark.parametrize("rows, match", [
    ("Wake\t29.99\nDrowsy\t59.99\n", r"unknown sleep-stage label 'Drowsy' at line 4"),
    ("Wake\t29.99\nN1\t400.0\n", r"its last stage ends at 400 s \(line 4\), after the recording's \*Duration_sec 300 s"),
    ("Wake\t59.99\nN1\t29.99\n", r"end time 29\.99 s at line 4 is not after the one before \(59\.99 s\)"),
    ("Wake\tend\n", r"end time 'end' at line 3 is not a number of seconds"),
    # runs that are no whole number of Sleep's 30-s epochs (as in docs/sleep.rst's illustration)
    ("Wake\t50\nN1\t75\n", r"stage at 50\.000 s \(line 4\) is not on the 30-s epoch grid"),
])
def test_visbrain_refusals(tmp_path, rows, match):
    path = _write(tmp_path, "hypno.txt", "*Duration_sec\t300.0\n*Datafile\trec.edf\n" + rows)
    _refused(path, match)


# -------------------------------------------------------------------------- end to end (analyze)
_NAMES = {"luna-annot": {W: "W", N1: "N1", N2: "N2", N3: "N3", R: "R", ART: "?", UNS: "?"},
          "wonambi-xml": {W: "Wake", N1: "NREM1", N2: "NREM2", N3: "NREM3", R: "REM", ART: "Artefact",
                          UNS: "Unknown"},
          "visbrain": {W: "Wake", N1: "N1", N2: "N2", N3: "N3", R: "REM", ART: "Art", UNS: "Art"}}


def _as_format(stages: np.ndarray, fmt: str, out: Path) -> Path:
    names = _NAMES[fmt]
    if fmt == "luna-annot":
        rows = "".join(f"{names[int(s)]}\t.\t.\te:{k + 1}\t.\t.\n" for k, s in enumerate(stages))
        return _write(out, "n.annot", "class\tinstance\tchannel\tstart\tstop\tmeta\n" + rows)
    if fmt == "wonambi-xml":
        epochs = [(30 * k, 30 * k + 30, names[int(s)], "Good") for k, s in enumerate(stages)]
        return _write(out, "n.xml", _wonambi({"scorer": epochs}))
    change = np.flatnonzero(np.diff(stages)) + 1
    ends = np.r_[change, stages.size]
    rows = "".join(f"{names[int(stages[e - 1])]}\t{30 * e - 0.01:.2f}\n" for e in ends)
    return _write(out, "n.txt", f"*Duration_sec\t{30.0 * stages.size}\n*Datafile\tn.edf\n" + rows)


@pytest.fixture(scope="module")
def night(tmp_path_factory) -> Path:
    from myosleep.simulate import simulate_night

    d = tmp_path_factory.mktemp("night")
    simulate_night("plmd", hours=0.5, seed=4).write(d / "n.edf")
    return d


@pytest.mark.parametrize("fmt", ["luna-annot", "wonambi-xml", "visbrain"])
def test_analyze_reads_each_format(night: Path, tmp_path: Path, fmt: str) -> None:
    from myosleep.cli import main

    truth = read_hypnogram(night / "n.hypnogram.tsv").stages
    hyp_file = _as_format(truth, fmt, tmp_path)
    out = tmp_path / "o"
    assert main(["analyze", str(night / "n.edf"), "--hypnogram", str(hyp_file), "--out", str(out)]) == 0
    s = json.loads((out / "summary.json").read_text())
    assert s["inputs"]["hypnogram"]["format"] == fmt and s["inputs"]["hypnogram"]["epoch_s"] == 30.0
    minutes = {st: float(np.count_nonzero(truth == code)) * 0.5 for st, code in
               (("w", W), ("n1", N1), ("n2", N2), ("n3", N3), ("r", R))}
    assert {st: s["sleep"][f"{st}_min"] for st in minutes} == minutes

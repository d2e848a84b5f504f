"""Hypnogram files as the tools of other labs write them (issue 9, defect 3's class).

Each case builds the file the way a tool writes it (its encoding, separators, decimal mark,
clock, column units, stage words) and checks the stages and times read from it, or that an
ambiguous file is refused with one line naming the readings that fit.  Nothing is downloaded.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from myosleep.errors import HypnogramError
from myosleep.io.hypnogram import detect_hypnogram_format, read_hypnogram

W, N1, N2, N3, R, ART, UNS = 0, 1, 2, 3, 4, -1, -2

TABLE = "onset\tduration\tstage\r\n0\t30\tW\r\n30\t60\tN2\r\n90\t30\tR\r\n"
LINES = "Éveil\r\nStade 1\r\nStade 2\r\nSommeil paradoxal\r\n"  # French words, accents: not ASCII


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _one_line(err: pytest.ExceptionInfo[HypnogramError], path: Path) -> str:
    msg = str(err.value)
    assert "\n" not in msg and str(path) in msg
    return msg


# ------------------------------------------------------------------------------- 1. encodings
# Excel's "Unicode text" export and many Windows exporters write UTF-16 with a byte-order mark;
# some write it without one.  These were refused as "a binary file" (2026-12-07).
@pytest.mark.parametrize("encoding, bom", [
    ("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff"), ("utf-16-le", b""), ("utf-16-be", b""),
    ("utf-32-le", b"\xff\xfe\x00\x00"), ("utf-8", b"\xef\xbb\xbf"),
])
@pytest.mark.parametrize("kind", ["table", "lines"])
def test_unicode_text_exports_are_read(tmp_path, encoding, bom, kind):
    text, expected = (TABLE, [W, N2, N2, R]) if kind == "table" else (LINES, [W, N1, N2, R])
    path = _write(tmp_path, "h.txt", bom + text.encode(encoding))
    hyp = read_hypnogram(path)
    np.testing.assert_array_equal(hyp.stages, expected)
    assert hyp.metadata["encoding"] == encoding


def test_utf16_xml_is_detected_as_xml(tmp_path):
    xml = ('<?xml version="1.0" encoding="UTF-16"?>\r\n<PSGAnnotation><EpochLength>30</EpochLength>'
           "<ScoredEvents><ScoredEvent><EventType>Stages|Stages</EventType><EventConcept>Wake|0</EventConcept>"
           "<Start>0</Start><Duration>60</Duration></ScoredEvent><ScoredEvent><EventType>Stages|Stages"
           "</EventType><EventConcept>REM sleep|5</EventConcept><Start>60</Start><Duration>30</Duration>"
           "</ScoredEvent></ScoredEvents></PSGAnnotation>\r\n")
    path = _write(tmp_path, "night.xml", b"\xff\xfe" + xml.encode("utf-16-le"))
    assert detect_hypnogram_format(path) == "nsrr-xml"
    np.testing.assert_array_equal(read_hypnogram(path).stages, [W, W, R])


def test_binary_data_is_still_refused_as_binary(tmp_path):
    # a NUL every other byte, but not text: control characters
    path = _write(tmp_path, "junk.dat", bytes([1, 0, 2, 0, 3, 0, 4, 0]) * 64)
    with pytest.raises(HypnogramError, match="binary file"):
        read_hypnogram(path)


# ------------------------------------------------------------------------ 2. European tables
@pytest.mark.parametrize("text", [
    # Excel in a decimal-comma locale: ';' between fields, ',' in numbers
    "Onset;Duration;Stage\r\n0,0;30,0;W\r\n30,0;60,0;N2\r\n90,0;30,0;R\r\n",
    '"Onset";"Duration";"Stage"\n"0,0";"30,0";"W"\n"30,0";"60,0";"N2"\n"90,0";"30,0";"R"\n',
    # tab-separated with decimal commas and a trailing tab on every line
    "onset\tduration\tstage\t\n0,000\t30,000\tW\t\n30,000\t60,000\tN2\t\n90,000\t30,000\tR\t\n",
    # epoch numbers and a decimal-comma duration
    "Epoche;Dauer;Schlafstadium\n1;30,0;Wach\n2;60,0;N2\n4;30,0;REM\n",
])
def test_decimal_commas(tmp_path, text):
    path = _write(tmp_path, "h.csv", text.encode("cp1252"))
    hyp = read_hypnogram(path)
    np.testing.assert_array_equal(hyp.stages, [W, N2, N2, R])
    assert hyp.epoch_s == 30.0


@pytest.mark.parametrize("text, what", [
    # a comma CSV whose quoted "1,500" is 1.5 s with a decimal comma or 1500 s with a thousands separator
    ('onset,duration,stage\n0,30,W\n"1,500",30,N2\n', r"'1,500' at line 3 reads 1\.5 \(decimal comma\) "
                                                       r"or 1500 \(thousands separator\)"),
    # decimal commas beside a dotted value that reads 1.5 or 1500
    ("onset;duration;stage\n0,0;30,0;W\n1.500;30;N2\n", r"'1\.500' at line 3 reads 1\.5 \(decimal point\) "
                                                        r"or 1500 \(thousands separator\)"),
])
def test_numbers_that_read_two_ways_are_refused(tmp_path, text, what):
    path = _write(tmp_path, "h.csv", text.encode())
    with pytest.raises(HypnogramError, match=what) as err:
        read_hypnogram(path)
    _one_line(err, path)


@pytest.mark.parametrize("text", [
    "; exported by Somnologica\n; patient 12\nonset;duration;stage\n0;30;W\n30;60;N2\n90;30;R\n",
    "\n\n# exported\r\n% scorer: AB\r\n\r\nonset,duration,stage\r\n0,30,W\r\n30,60,N2\r\n90,30,R\r\n",
    # a header row repeated (pages of an export pasted together), trailing blanks and spaces
    "onset,duration,stage\n0,30,W \n30,30,N2\nonset,duration,stage\n60,30,N2\n90,30,R  \n\n\n",
    "Onset;Duration;Stage\n0;30;W\n30;30;N2\n\nOnset;Duration;Stage\n60;30;N2\n90;30;R\n",
    # old Mac line ends (CR only)
    "; exported\ronset;duration;stage\r0;30;W\r30;60;N2\r90;30;R\r",
    # pandas DataFrame.to_csv(sep=';'): an unnamed index column, its header field empty
    ";onset;duration;stage\n0;0.0;30.0;W\n1;30.0;60.0;N2\n2;90.0;30.0;R\n",
])
def test_comment_lines_and_repeated_headers(tmp_path, text):
    path = _write(tmp_path, "h.csv", text.encode())
    assert detect_hypnogram_format(path) == "table"
    np.testing.assert_array_equal(read_hypnogram(path).stages, [W, N2, N2, R])


def test_semicolon_comments_in_one_stage_per_line_files(tmp_path):
    path = _write(tmp_path, "h.txt", b"; exported by X\r\n; 30-s epochs\r\nW\r\nN2\r\n; lights on\r\nR\r\n")
    np.testing.assert_array_equal(read_hypnogram(path).stages, [W, N2, R])


# ------------------------------------------------------------------------ 3. onsets and clocks
@pytest.mark.parametrize("rows, start", [
    # US tools: 12-hour clock with AM/PM, crossing midnight (12:00:00 AM is midnight)
    (["11:59:00 PM", "11:59:30 PM", "12:00:00 AM", "12:00:30 AM"], None),
    (["11:59:00 pm", "11:59:30 p.m.", "12:00:00 a.m.", "12:00:30 am"], None),
    # US date-times (month first: 3/5 follows 3/4 across midnight)
    (["3/4/2021 11:59:00 PM", "3/4/2021 11:59:30 PM", "3/5/2021 12:00:00 AM", "3/5/2021 12:00:30 AM"],
     datetime(2021, 3, 4, 23, 59)),
    # European date-times (day first, as the dots say), 24-hour clock
    (["04.03.2021 23:59:00", "04.03.2021 23:59:30", "05.03.2021 00:00:00", "05.03.2021 00:00:30"],
     datetime(2021, 3, 4, 23, 59)),
    # day first, as 13/03 says
    (["13/03/2021 23:59:00", "13/03/2021 23:59:30", "14/03/2021 00:00:00", "14/03/2021 00:00:30"],
     datetime(2021, 3, 13, 23, 59)),
    (["2021/03/04 23:59:00", "2021/03/04 23:59:30", "2021/03/05 00:00:00", "2021/03/05 00:00:30"],
     datetime(2021, 3, 4, 23, 59)),
])
def test_clock_times_and_date_times_as_tools_write_them(tmp_path, rows, start):
    stages = ["W", "N1", "N2", "R"]
    path = _write(tmp_path, "h.csv", ("Start Time,Sleep Stage\n"
                                      + "".join(f"{t},{s}\n" for t, s in zip(rows, stages))).encode())
    hyp = read_hypnogram(path, recording_start=datetime(2021, 3, 4, 23, 58) if start is None else start)
    np.testing.assert_array_equal(hyp.stages, [W, N1, N2, R])
    assert hyp.start_s == (60.0 if start is None else 0.0)
    if start is not None:
        assert hyp.metadata["start_datetime"] == start.isoformat()


def test_slash_dates_that_read_both_ways_keep_only_the_clock(tmp_path):
    # 03/04/2021 is 3 April or 4 March: the file never says, so its date is not used
    path = _write(tmp_path, "h.csv", b"Time,Stage\n03/04/2021 22:00:00,W\n03/04/2021 22:00:30,N1\n")
    hyp = read_hypnogram(path, recording_start=datetime(2021, 4, 3, 21, 59))
    np.testing.assert_array_equal(hyp.stages, [W, N1])
    assert hyp.start_s == 60.0 and hyp.metadata["start_time"] == "22:00:00"
    assert "start_datetime" not in hyp.metadata


def test_slash_dates_of_both_orders_are_refused(tmp_path):
    path = _write(tmp_path, "h.csv", b"Time,Stage\n13/03/2021 22:00:00,W\n03/14/2021 22:00:30,N1\n")
    with pytest.raises(HypnogramError, match=r"dates .* day first .* month first") as err:
        read_hypnogram(path)
    _one_line(err, path)


@pytest.mark.parametrize("header, rows, comment", [
    # samples at the rate the file states
    ("Onset (samples);Duration (samples);Stage", ["0;7680;W", "7680;15360;N2", "23040;7680;R"],
     "# sampling rate: 256 Hz"),
    ("start_sample\tstage", ["0", "6000", "12000", "18000"], "# fs = 200 Hz"),
    ("Sample,Stage", ["0,W", "6000,N2", "12000,N2", "18000,R"], "% Sampling frequency 200Hz"),
    # milliseconds
    ("Onset (ms),Duration (ms),Stage", ["0,30000,W", "30000,60000,N2", "90000,30000,R"], None),
    ("onset_ms,stage", ["0,W", "30000,N2", "60000,N2", "90000,R"], None),
    # minutes; epoch numbers named by the unit
    ("Onset [min];Stage", ["0;W", "0,5;N2", "1;N2", "1,5;R"], None),
    ("Onset (epochs),Stage", ["0,W", "1,N2", "2,N2", "3,R"], None),
    # MNE-style sample and onset columns: the onsets in seconds are read
    ("Sample,Onset,Stage", ["0,0,W", "7680,30,N2", "15360,60,N2", "23040,90,R"], None),
])
def test_onsets_in_the_unit_the_column_names(tmp_path, header, rows, comment):
    if header.startswith("start_sample"):
        rows = [f"{r}\t{s}" for r, s in zip(rows, ["W", "N2", "N2", "R"])]
    lines = ([comment] if comment else []) + [header, *rows]
    path = _write(tmp_path, "h.csv", ("\n".join(lines) + "\n").encode())
    hyp = read_hypnogram(path)
    np.testing.assert_array_equal(hyp.stages, [W, N2, N2, R])
    assert hyp.epoch_s == 30.0 and hyp.duration_s == 120.0


@pytest.mark.parametrize("header, rows, what", [
    ("Onset (samples),Stage", ["0,W", "7680,N2"], r"onsets are in samples \(column 'Onset \(samples\)'\)"),
    ("Onset (fortnights),Stage", ["0,W", "1,N2"], r"unit 'fortnights' of column 'Onset \(fortnights\)'"),
    # a header naming a stage column but no onset column: not read as one stage per line
    ("Index,Stage", ["0,W", "1,N2"], r"no onset \(or epoch\) column"),
])
def test_onset_units_that_cannot_be_read_are_refused(tmp_path, header, rows, what):
    path = _write(tmp_path, "h.csv", ("\n".join([header, *rows]) + "\n").encode())
    with pytest.raises(HypnogramError, match=what) as err:
        read_hypnogram(path)
    _one_line(err, path)


# ------------------------------------------------------------------------------- 4. stage words
def test_remlogic_event_codes_as_stage_labels(tmp_path):
    # RemLogic (Embla/Natus) scores stages as SLEEP-S0 (wake) .. SLEEP-S4, SLEEP-REM, SLEEP-MT
    # (the CAP Sleep Database's Event column); a table of those events is a hypnogram.
    rows = ["SLEEP-S0", "SLEEP-S1", "SLEEP-S2", "SLEEP-S3", "SLEEP-S4", "SLEEP-REM", "SLEEP-MT"]
    path = _write(tmp_path, "h.csv", ("onset,duration,event\n"
                                      + "".join(f"{30 * i},30,{r}\n" for i, r in enumerate(rows))).encode())
    hyp = read_hypnogram(path)
    np.testing.assert_array_equal(hyp.stages, [W, N1, N2, N3, N3, R, ART])
    assert hyp.convention == "rk-labels"


def test_nsrr_event_concepts_in_a_table(tmp_path):
    # NSRR XML EventConcepts ("Wake|0" ... "REM sleep|5") exported into a table: the name before the bar
    rows = ["Wake|0", "Stage 1 sleep|1", "Stage 2 sleep|2", "Stage 3 sleep|3", "Stage 4 sleep|4", "REM sleep|5",
            "Movement|6", "Unscored|9"]
    path = _write(tmp_path, "h.csv", ("start,duration,concept\n"
                                      + "".join(f"{30 * i},30,{r}\n" for i, r in enumerate(rows))).encode())
    hyp = read_hypnogram(path)
    np.testing.assert_array_equal(hyp.stages, [W, N1, N2, N3, N3, R, ART, UNS])
    assert hyp.convention == "rk-labels"


# --------------------------------------------------------- clocks that would shift the night
def test_dates_not_advanced_past_midnight_are_read_on_the_clock(tmp_path):
    # every row carries the recording's date; the clock passes midnight (read 24 h back before: 2880 epochs)
    path = _write(tmp_path, "h.csv", b"Time;Stage\n04.03.2021 23:59:00;W\n04.03.2021 23:59:30;N1\n"
                                     b"04.03.2021 00:00:00;N2\n04.03.2021 00:00:30;R\n")
    hyp = read_hypnogram(path, recording_start=datetime(2021, 3, 4, 23, 58))
    np.testing.assert_array_equal(hyp.stages, [W, N1, N2, R])
    assert hyp.start_s == 60.0 and hyp.metadata["dates_not_advanced_at"] == "4"


def test_twelve_hour_clock_without_am_pm(tmp_path):
    # 12:59:30 then 01:00:00: a 12-hour dial (read as a 12-hour gap before: 1444 epochs)
    path = _write(tmp_path, "h.csv", b"Time,Stage\n12:59:00,W\n12:59:30,N1\n01:00:00,N2\n01:00:30,R\n")
    hyp = read_hypnogram(path, recording_start=datetime(2021, 3, 5, 0, 58))
    np.testing.assert_array_equal(hyp.stages, [W, N1, N2, R])
    assert hyp.start_s == 60.0 and hyp.metadata["clock"] == "12-hour, without AM/PM"
    # 24-hour clocks crossing midnight or noon stay 24-hour
    path = _write(tmp_path, "h24.csv", b"Time,Stage\n23:59:30,W\n00:00:00,N1\n")
    assert read_hypnogram(path).n_epochs == 2


def test_elapsed_time_and_clock_time_columns(tmp_path):
    night = datetime(2021, 3, 4, 22, 0)
    rows = b"00:00:00,W\n00:00:30,N1\n00:01:00,N2\n"
    elapsed = _write(tmp_path, "e.csv", b"Elapsed Time,Stage\n00:10:00,W\n00:10:30,N1\n")
    hyp = read_hypnogram(elapsed, recording_start=night)  # refused as having no onset column before
    assert hyp.start_s == 600.0 and hyp.n_epochs == 2
    clock = _write(tmp_path, "c.csv", b"Clock Time,Stage\n" + rows)
    assert read_hypnogram(clock, recording_start=night).start_s == 7200.0
    # a "Time" column from 00:00:00: midnight or the recording's start? (read as midnight, 2 h in, before)
    either = _write(tmp_path, "t.csv", b"Time,Stage\n" + rows)
    with pytest.raises(HypnogramError, match=r"00:00:00 \(column 'Time', line 2\) reads as midnight, 7200 s "
                                             r"from the recording's start at 22:00:00, or as the start") as err:
        read_hypnogram(either, recording_start=night)
    _one_line(err, either)
    assert read_hypnogram(either, recording_start=datetime(2021, 3, 5, 0, 0)).start_s == 0.0


@pytest.mark.parametrize("header, rows", [
    # lights rows written at the top of a table of clock times (before: every later row earlier on the
    # clock than the first was put a day later, and the file refused as 24 h too long)
    ("Time,Event", ["23:58:30,Lights off", "00:02:00,Lights on", "23:58:00,W", "23:58:30,N1", "23:59:00,N2",
                    "23:59:30,N2", "00:00:00,R", "00:00:30,W"]),
    ("Start Time,End Time,Event", ["23:58:30,23:58:30,Lights off", "00:02:00,,Lights on",
                                   "23:58:00,23:58:30,W", "23:58:30,23:59:00,N1", "23:59:00,00:00:00,N2",
                                   "00:00:00,00:00:30,R", "00:00:30,00:01:00,W"]),
])
def test_rows_earlier_on_the_clock_than_the_row_before_stay_on_their_evening(tmp_path, header, rows):
    path = _write(tmp_path, "h.csv", (header + "\n" + "\n".join(rows) + "\n").encode())
    hyp = read_hypnogram(path, recording_start=datetime(2021, 3, 4, 23, 57))
    np.testing.assert_array_equal(hyp.stages, [W, N1, N2, N2, R, W])
    assert hyp.start_s == 60.0
    assert (hyp.lights_off_s, hyp.lights_on_s) == (90.0, 300.0)


# ------------------------------------------------------------------------------ epoch numbers
def test_epoch_numbers_keep_the_place_of_a_table_that_starts_at_a_later_epoch(tmp_path):
    # scored from lights off: the first row is epoch 11 of the recording (before: placed at 0 s, every
    # stage 300 s early, without a word)
    rows = "".join(f"{n},{s}\n" for n, s in zip(range(11, 15), ["W", "N1", "N2", "R"]))
    hyp = read_hypnogram(_write(tmp_path, "h.csv", ("Epoch,Stage\n" + rows).encode()))
    np.testing.assert_array_equal(hyp.stages, [W, N1, N2, R])
    assert hyp.start_s == 300.0 and hyp.metadata["epoch_numbering"] == "from 1"
    assert hyp.metadata["warnings"] == [
        "the first row is epoch 11: epochs read as numbered from the recording's start, epoch 1 the first "
        "(as Profusion, RemLogic and Domino number them), so it starts 300 s in; if the file numbers from 0, "
        "every stage is one epoch early"]
    # numbered from 1 or from 0 from the start: the first row is the first epoch, nothing to warn of
    for first in (0, 1):
        rows = "".join(f"{n},{s}\n" for n, s in zip(range(first, first + 3), ["W", "N1", "N2"]))
        hyp = read_hypnogram(_write(tmp_path, f"h{first}.csv", ("Epoch,Stage\n" + rows).encode()))
        assert hyp.start_s == 0.0 and "warnings" not in hyp.metadata
        assert hyp.metadata["epoch_numbering"] == f"from {first}"


def test_the_epoch_length_of_numbered_epochs_comes_from_their_durations_or_is_said_to_be_the_default(tmp_path):
    # 20-s epochs by number with their durations: placed 20 s apart (before: 30 s apart, each 20 s long)
    path = _write(tmp_path, "h.csv", b"Epoch,Duration,Stage\n1,20,W\n2,20,N1\n3,20,N2\n4,20,R\n")
    hyp = read_hypnogram(path)
    assert hyp.epoch_s == 20.0 and hyp.epoch_s_source == "the durations in the file"
    np.testing.assert_array_equal(hyp.stages, [W, N1, N2, R])
    assert hyp.duration_s == 80.0
    # without durations the length is AASM's 30 s, and the summary says it was not the file's
    hyp = read_hypnogram(_write(tmp_path, "n.csv", b"Epoch,Stage\n1,W\n2,N1\n"))
    assert hyp.epoch_s == 30.0 and hyp.epoch_s_source.startswith("default: AASM 30-s epochs")


# ---------------------------------------------------------------- words of other tools and labs
def test_yasa_uns_and_european_words_for_stages_not_scored_and_lights(tmp_path):
    # YASA's own string for -2 ("UNS", yasa.Hypnogram), and words of German, Spanish, Italian and
    # French exports; each was refused as an unknown label before
    rows = ["W", "UNS", "Despierto", "REM-Schlaf", "nicht bewertet", "Sveglio", "Non scoré"]
    path = _write(tmp_path, "h.csv", ("onset,duration,stage\n"
                                      + "".join(f"{30 * i},30,{s}\n" for i, s in enumerate(rows))).encode())
    np.testing.assert_array_equal(read_hypnogram(path).stages, [W, UNS, W, R, UNS, W, UNS])
    # lights in German, French, Italian and Spanish, in a German export (semicolons, "Uhrzeit;Ereignis")
    for off, on in (("Licht aus", "Licht an"), ("Lumières éteintes", "Lumières allumées"),
                    ("Luci spente", "Luci accese"), ("Luces apagadas", "Luces encendidas")):
        text = f"Uhrzeit;Ereignis\n22:00:00;{off}\n22:00:00;Wach\n22:00:30;N1\n22:01:00;N2\n22:01:30;{on}\n"
        hyp = read_hypnogram(_write(tmp_path, "de.csv", text.encode("utf-8")),
                             recording_start=datetime(2021, 3, 4, 22, 0))
        np.testing.assert_array_equal(hyp.stages, [W, N1, N2])
        assert (hyp.lights_off_s, hyp.lights_on_s) == (0.0, 90.0), (off, on)


def test_elan_header_numbers_written_as_fractions_or_words_do_not_stop_the_reading(tmp_path):
    # "sampling_period 1/1" crashed the reader (exit 1); it describes the signal, not the values' times
    body = "epoch_nb 90\nepoch_list\n" + "0\n" * 30 + "2\n" * 30 + "5\n" * 30
    hyp = read_hypnogram(_write(tmp_path, "a.hyp", ("time_base 1.000000\nsampling_period 1/512\n" + body).encode()))
    np.testing.assert_array_equal(hyp.stages, [W, N2, R])
    assert hyp.metadata["signal_sampling_period_s"] == pytest.approx(1 / 512)
    hyp = read_hypnogram(_write(tmp_path, "b.hyp", ("time_base 1.000000\nsampling_period n/a\n" + body).encode()))
    np.testing.assert_array_equal(hyp.stages, [W, N2, R])
    assert hyp.metadata["sampling_period_as_written"] == "n/a"
    # a declared count the values do not match is said where the summary shows it
    hyp = read_hypnogram(_write(tmp_path, "c.hyp", ("time_base 1\nsampling_period 1/1\n"
                                                    + body.replace("epoch_nb 90", "epoch_nb 120")).encode()))
    assert hyp.metadata["warnings"] == ["the Elan header declares 120 values (epoch_nb) but the file holds 90; "
                                        "each is read as 1 s (time_base)"]


def test_two_field_times_are_refused_as_ambiguous_not_as_no_time(tmp_path):
    # "23:10" was refused as "not seconds, a clock time nor a date-time"; it is a time, of two readings
    path = _write(tmp_path, "h.csv", b"Time,Stage\n23:00,Wake\n23:10,N1\n")
    with pytest.raises(HypnogramError, match=r"onset '23:00' at line 2 has two fields: hours:minutes of the clock "
                                             r"or minutes:seconds since the start") as err:
        read_hypnogram(path)
    assert "hh:mm:ss" in _one_line(err, path)


def test_date_time_columns_named_as_pandas_and_loggers_name_them(tmp_path):
    # "datetime" (pandas' to_csv of a DatetimeIndex), "timestamp": refused as "has no onset column"
    for name in ("datetime", "Timestamp", "Date/Time"):
        path = _write(tmp_path, "h.tsv", (f"{name}\tduration\tstage\n2021-03-04T23:59:00\t30\tW\n"
                                          "2021-03-04T23:59:30\t30\tN1\n2021-03-05T00:00:00\t30\tN2\n").encode())
        hyp = read_hypnogram(path, recording_start=datetime(2021, 3, 4, 23, 58))
        np.testing.assert_array_equal(hyp.stages, [W, N1, N2])
        assert hyp.start_s == 60.0, name

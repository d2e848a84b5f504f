"""annotations.edf: MNE reads back exactly the events.tsv rows; EDFbrowser's reader rules hold.

``edfbrowser_problems`` re-implements, independently of the writer, the checks EDFbrowser
makes before it reads a file's annotations (teuniz/EDFbrowser ``check_edf_file.cpp``:
header fields, EDF+ patient/recording subfields, annotation-signal fields; and
``edf_annotations.cpp``: the TAL grammar of every data record).  A file that passes them is
one EDFbrowser's "Import annotations/events > EDF+" reads without its "EDF or BDF
incompatibility" error.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest

from myosleep.errors import ParameterError
from myosleep.io.export_edf import (annotations_edf_bytes, edf_annotation_texts, recording_start, to_mne_annotations,
                                    write_annotations_edf)

MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


def edfbrowser_problems(data: bytes) -> list[str]:
    """Every rule of EDFbrowser's EDF+ checker and TAL reader that ``data`` breaks."""
    out = []
    hdr = data[:256]
    if any(b < 32 or b > 126 for b in hdr):
        out.append("header not printable 7-bit ASCII")
    text = hdr.decode("ascii", errors="replace")
    if text[:8] != "0       ":
        out.append("version")
    if not re.fullmatch(r"\d\d\.\d\d\.\d\d", text[168:176]) or not re.fullmatch(r"\d\d\.\d\d\.\d\d", text[176:184]):
        out.append("start date/time not dd.mm.yy / hh.mm.ss")
    ns = int(text[252:256])
    if ns < 1 or int(text[184:192]) != 256 * (ns + 1):
        out.append("header size")
    if not text[192:236].startswith("EDF+C"):
        out.append("not EDF+C")
    n_rec = int(text[236:244])
    if n_rec < 1:
        out.append("number of records < 1")
    duration = float(text[244:252])
    # EDF+ patient field: code sex birthdate name, X for unknown (check_edf_file.cpp)
    pat = text[8:88].split()
    if len(pat) < 4 or pat[1] not in ("M", "F", "X") or not (pat[2] == "X" or re.fullmatch(r"\d\d-[A-Z]{3}-\d{4}", pat[2])):
        out.append(f"patient field {text[8:88]!r}")
    rec = text[88:168]
    m = re.match(r"Startdate (X|(\d\d)-([A-Z]{3})-(\d{4})) \S+ \S+ \S+", rec)
    if not m:
        out.append(f"recording field {rec!r}")
    elif m.group(2):
        if m.group(3) not in MONTHS or int(m.group(4)) < 1985:
            out.append("recording startdate")
        if (int(text[168:170]), int(text[171:173]), int(text[174:176])) != (
                int(m.group(2)), MONTHS.index(m.group(3)) + 1, int(m.group(4)) % 100):
            out.append("startdate field differs from recording field")
    sig = data[256:256 + 256 * ns].decode("ascii", errors="replace")
    labels = [sig[16 * i:16 * i + 16] for i in range(ns)]
    ann = [i for i, lab in enumerate(labels) if lab == "EDF Annotations "]
    if not ann:
        out.append("no EDF Annotations signal")
    off = 16 * ns
    transducer = [sig[off + 80 * i: off + 80 * i + 80] for i in range(ns)]
    off += 80 * ns + 8 * ns  # transducer, physical dimension
    pmin = [float(sig[off + 8 * i: off + 8 * i + 8]) for i in range(ns)]
    pmax = [float(sig[off + 8 * ns + 8 * i: off + 8 * ns + 8 * i + 8]) for i in range(ns)]
    off += 16 * ns
    dmin = [int(sig[off + 8 * i: off + 8 * i + 8]) for i in range(ns)]
    dmax = [int(sig[off + 8 * ns + 8 * i: off + 8 * ns + 8 * i + 8]) for i in range(ns)]
    off += 16 * ns
    prefilter = [sig[off + 80 * i: off + 80 * i + 80] for i in range(ns)]
    off += 80 * ns
    spr = [int(sig[off + 8 * i: off + 8 * i + 8]) for i in range(ns)]
    for i in ann:
        if transducer[i].strip() or prefilter[i].strip():
            out.append("annotation signal transducer/prefilter not empty")
        if (dmin[i], dmax[i]) != (-32768, 32767) or pmin[i] == pmax[i]:
            out.append("annotation signal ranges")
    record = 2 * sum(spr)
    if record > 10 * 1024 * 1024:
        out.append("record larger than 10 MB")
    if len(data) != 256 * (ns + 1) + n_rec * record:
        out.append("file size differs from the header")
    # TAL grammar of every record (edf_annotations.cpp)
    onset_re = re.compile(rb"^[+-]\d+(\.\d+)?$")
    dur_re = re.compile(rb"^\d+(\.\d+)?$")
    keeping = None
    for r in range(n_rec):
        block = data[256 * (ns + 1) + r * record: 256 * (ns + 1) + (r + 1) * record]
        pos = 2 * sum(spr[:ann[0]])
        tal = block[pos: pos + 2 * spr[ann[0]]]
        if tal[-1:] != b"\x00":
            out.append(f"record {r}: annotation signal does not end in 0")
        body = tal.rstrip(b"\x00")
        if b"\x00\x00" in body:
            out.append(f"record {r}: text after zero padding")
        tals = body.split(b"\x00")
        for k, t in enumerate(tals):
            if not t.endswith(b"\x14"):
                out.append(f"record {r} TAL {k}: does not end in 0x14")
                continue
            head, *texts = t[:-1].split(b"\x14")
            onset, _, dur = head.partition(b"\x15")
            if not onset_re.match(onset) or (dur and not dur_re.match(dur)):
                out.append(f"record {r} TAL {k}: onset/duration {head!r}")
            if dur and len(dur) > 15:
                out.append(f"record {r} TAL {k}: duration longer than 15 characters")
            if k == 0:
                if texts != [b""] or b"\x15" in head:
                    out.append(f"record {r}: first TAL is not a time-keeping TAL")
                value = float(onset)
                if r == 0 and not 0 <= value < 1:
                    out.append("first time-keeping onset not in [0, 1) s")
                if r > 0 and value - keeping != duration:
                    out.append(f"record {r}: time keeping not continuous")
                keeping = value
            for txt in texts:
                if len(txt) > 512:
                    out.append(f"record {r} TAL {k}: text longer than 512 bytes")
    return out


def _events() -> pd.DataFrame:
    return pd.DataFrame({
        "onset": [12.3456, 0.0312, 3599.9999, 100.0, 100.0, 250.5],
        "duration": [1.2345, 0.0625, 0.0, 2.5, 2.5, np.nan],
        "trial_type": ["leg_movement", "fragmentary_myoclonus", "rem_twitch", "hypnic_jerk", "leg_movement",
                       "body_movement"],
        "channel": ["EMG LAT", "EMG Chin", "EMG Chin", "EMG Chin,EMG LAT,EMG RAT", "EMG RAT", "n/a"],
        "stage": ["N2", "W", "R", "N1", "N1", "N2"],
    })


def _split(description: str) -> tuple[str, str | None]:
    cls, sep, ch = description.partition("@@")
    return cls, (ch if sep else None)


@pytest.mark.parametrize("sub_s", [0.0, 0.25])
def test_mne_reads_back_exactly_the_rows(tmp_path, sub_s):
    import mne

    ev = _events()
    start = dt.datetime(2023, 11, 5, 22, 14, 3) + dt.timedelta(seconds=sub_s)
    path = write_annotations_edf(ev, tmp_path / "annotations.edf", start_datetime=start)
    ann = mne.read_annotations(path)
    assert len(ann) == len(ev)
    got = sorted(zip(ann.onset, ann.duration, ann.description))
    want = sorted(zip(ev["onset"], ev["duration"].fillna(0.0), edf_annotation_texts(ev)))
    for (o, d, text), (o2, d2, text2) in zip(got, want):
        # one sample at 512 Hz is 1.95 ms; the TAL keeps the float's shortest decimal string
        assert abs(o - o2) < 1e-6 and abs(d - d2) < 1e-6 and text == text2
    rows = {(round(o, 4), _split(t)) for o, _, t in got}
    for _, r in ev.iterrows():
        channels = [] if r["channel"] == "n/a" else r["channel"].split(",")
        expect = (r["trial_type"], channels[0] if len(channels) == 1 else None)
        assert (round(r["onset"], 4), expect) in rows


def test_edfbrowser_reader_rules(tmp_path):
    ev = _events()
    data = annotations_edf_bytes(ev, start_datetime=dt.datetime(2023, 11, 5, 22, 14, 3, 250000),
                                 patient="MCH-0234567 F 02-MAY-1951 Haagse_Harry")
    assert edfbrowser_problems(data) == []
    assert data[8:88].decode().split()[:4] == ["MCH-0234567", "F", "02-MAY-1951", "Haagse_Harry"]
    assert data[88:110].decode() == "Startdate 05-NOV-2023 "
    assert data[168:184].decode() == "05.11.2322.14.03"
    # the time-keeping TAL carries the sub-second start
    assert b"+0.25\x14\x14\x00" in data
    # the checker does catch broken files
    assert "record 0: annotation signal does not end in 0" in edfbrowser_problems(data[:-1] + b"x")
    assert any("patient field" in p for p in edfbrowser_problems(data[:20] + b"Q" + data[21:]))


@pytest.mark.parametrize("sub_s", [0.0, 0.25])
def test_edflib_reads_the_file(tmp_path, sub_s):
    """EDFlib (Teunis van Beelen's C library, EDFbrowser's author; via pyedflib) checks the header
    and TALs as strictly as EDFbrowser and returns the same rows."""
    import pyedflib

    ev = _events()
    path = write_annotations_edf(ev, tmp_path / "annotations.edf",
                                 start_datetime=dt.datetime(2023, 11, 5, 22, 14, 3) + dt.timedelta(seconds=sub_s))
    reader = pyedflib.EdfReader(str(path))
    try:
        onsets, durations, texts = reader.readAnnotations()
        start = reader.getStartdatetime()
    finally:
        reader.close()
    assert start.replace(microsecond=0) == dt.datetime(2023, 11, 5, 22, 14, 3)
    got = sorted(zip(np.round(onsets, 6), texts))
    want = sorted(zip(np.round(ev["onset"], 6), edf_annotation_texts(ev)))
    assert got == want
    # EDFlib writes -1 for "no duration" (point events)
    dur = dict(zip(texts, durations))
    assert dur["rem_twitch@@EMG Chin"] == -1.0 and dur["fragmentary_myoclonus@@EMG Chin"] == pytest.approx(0.0625)


def test_non_edf_plus_patient_field_is_anonymised():
    data = annotations_edf_bytes(_events(), start_datetime=dt.datetime(2023, 1, 2, 3, 4, 5),
                                 patient="Jane Doe 1951")
    assert data[8:88].decode().split() == ["X", "X", "X", "X"]
    assert edfbrowser_problems(data) == []


def test_unknown_start_is_anonymous_and_still_valid():
    data = annotations_edf_bytes(_events(), start_datetime=None)
    assert data[88:100].decode() == "Startdate X "
    assert edfbrowser_problems(data) == []


def test_texts_and_limits():
    ev = pd.DataFrame({"onset": [1.0, 2.0], "duration": [0.5, 0.5], "trial_type": ["leg\x14movement", "x"],
                       "channel": ["EMG\x00LAT", "A,B"]})
    assert edf_annotation_texts(ev) == ["leg movement@@EMG LAT", "x"]
    long = ev.assign(trial_type=["y" * 600, "x"])
    with pytest.raises(ParameterError, match="513|60[0-9] bytes"):
        edf_annotation_texts(long)
    with pytest.raises(ParameterError, match="EDF dates span 1985-2084"):
        annotations_edf_bytes(ev.iloc[1:], start_datetime=dt.datetime(1970, 1, 1))
    with pytest.raises(ParameterError, match="negative"):
        annotations_edf_bytes(ev.assign(duration=[-1.0, 0.5]), start_datetime=None)
    with pytest.raises(ParameterError, match="lacks the column"):
        annotations_edf_bytes(ev.drop(columns="trial_type"), start_datetime=None)


def test_no_events_is_a_valid_empty_file(tmp_path):
    import mne

    ev = _events().iloc[0:0]
    path = write_annotations_edf(ev, tmp_path / "a.edf", start_datetime=dt.datetime(2020, 1, 1, 23, 0, 0))
    assert edfbrowser_problems(path.read_bytes()) == []
    assert len(mne.read_annotations(path)) == 0


def test_to_mne_annotations_ties_events_to_all_their_channels():
    ev = _events()
    ann = to_mne_annotations(ev, orig_time=dt.datetime(2023, 11, 5, 22, 14, 3))
    got = sorted(zip(ann.onset, ann.duration, ann.description, ann.ch_names))
    channels = [() if c == "n/a" else tuple(c.split(",")) for c in ev["channel"]]
    want = sorted(zip(ev["onset"], ev["duration"].fillna(0.0), ev["trial_type"], channels))
    assert got == want
    assert ("EMG Chin", "EMG LAT", "EMG RAT") in set(ann.ch_names) and () in set(ann.ch_names)
    assert ann.orig_time == dt.datetime(2023, 11, 5, 22, 14, 3, tzinfo=dt.timezone.utc)


def test_recording_start_reads_the_sub_second_offset(tmp_path):
    import edfio

    sig = edfio.EdfSignal(np.zeros(200 * 4), sampling_frequency=200, label="EMG Chin", physical_range=(-500, 500))
    path = tmp_path / "rec.edf"
    edfio.Edf([sig], starttime=dt.time(23, 5, 7, 125000), recording=edfio.Recording(startdate=dt.date(2022, 4, 1)),
              annotations=[]).write(path)
    assert recording_start(path) == dt.datetime(2022, 4, 1, 23, 5, 7, 125000)
    plain = tmp_path / "plain.edf"
    edfio.Edf([sig], starttime=dt.time(23, 5, 7), recording=edfio.Recording(startdate=dt.date(2022, 4, 1))).write(plain)
    assert recording_start(plain) == dt.datetime(2022, 4, 1, 23, 5, 7)

"""An archive or a spreadsheet given where a recording or a hypnogram is expected: one line that says
what the file is and what to do ("unzip it", "save the sheet as CSV"), not "binary" or "version field".

Datasets are downloaded as archives (``.zip``, ``.edf.gz``, ISRUC's ``.rar``) and hypnograms are
typed into spreadsheets; each container is made here with the library that writes it.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import zipfile
from pathlib import Path

import pytest

from myosleep.cli import main

#: case -> (file name, a function writing it from the bytes of a real file, words the refusal must say)
CONTAINERS = {
    "zip": ("night.zip", lambda p, b: _zip(p, "night.edf", b), ["a ZIP archive", "unzip it"]),
    "xlsx": ("stages.xlsx", lambda p, b: _zip(p, "xl/worksheets/sheet1.xml", b), ["a ZIP archive", "as CSV"]),
    "gzip": ("night.edf.gz", lambda p, b: p.write_bytes(gzip.compress(b)), ["gzip-compressed", "gunzip"]),
    "bzip2": ("night.edf.bz2", lambda p, b: p.write_bytes(bz2.compress(b)), ["bzip2-compressed", "bunzip2"]),
    "xz": ("night.edf.xz", lambda p, b: p.write_bytes(lzma.compress(b)), ["xz-compressed", "unxz"]),
    "xls": ("stages.xls", lambda p, b: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + b),
            ["legacy Office file", "as CSV"]),
    "pdf": ("report.pdf", lambda p, b: p.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"\x00" * 300),
            ["a PDF document", "export the data"]),
}


def _zip(path: Path, member: str, data: bytes) -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr(member, data)


def _refusal(capsys, argv: list[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


@pytest.fixture(scope="module")
def psg(tmp_path_factory, mkfix) -> Path:
    return mkfix.make_psg(tmp_path_factory.mktemp("psg") / "psg.edf", duration_s=60.0)


@pytest.mark.parametrize("case", sorted(CONTAINERS))
def test_a_container_given_as_the_recording_says_what_it_is(case: str, psg: Path, tmp_path: Path,
                                                           capsys) -> None:
    name, write, words = CONTAINERS[case]
    path = tmp_path / name
    write(path, psg.read_bytes())
    for argv in (["info", str(path)], ["detect", str(path), "--out", str(tmp_path / "d")]):
        err = _refusal(capsys, argv)
        assert str(path) in err and "not an EDF or BDF file" in err
        for w in words:
            assert w.lower() in err.lower(), err
    assert not (tmp_path / "d").exists()


@pytest.mark.parametrize("case", sorted(CONTAINERS))
def test_a_container_given_as_the_hypnogram_says_what_it_is(case: str, psg: Path, tmp_path: Path,
                                                           capsys) -> None:
    name, write, words = CONTAINERS[case]
    path = tmp_path / name
    write(path, b"onset\tduration\tstage\n" + b"".join(f"{30 * i}\t30\tN2\n".encode() for i in range(2)))
    err = _refusal(capsys, ["analyze", str(psg), "--hypnogram", str(path), "--out", str(tmp_path / "o")])
    assert str(path) in err and "not a text hypnogram" in err
    for w in words:
        assert w.lower() in err.lower(), err
    assert not (tmp_path / "o").exists()

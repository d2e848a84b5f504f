"""``myosleep review DIR``: serves on 127.0.0.1 with a token, stops on Ctrl-C, one-line errors."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from myosleep.cli import main

BIN = Path(sys.executable).with_name("myosleep")


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def test_review_serves_until_interrupted(tiny):
    _, out = tiny
    proc = subprocess.Popen([str(BIN), "review", str(out), "--no-browser", "--reviewer", "CLI Tester"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if line.startswith("Open "):
                break
        text = "".join(lines)
        assert "4 events (0 reviewed)" in text and "reviewer CLI Tester" in text
        url = text.split("Open ", 1)[1].split()[0]
        assert url.startswith("http://127.0.0.1:") and "/t/" in url and url.endswith("/")
        status, body = _get(url + "api/events")
        assert status == 200 and len(json.loads(body)["rows"]) == 4
        assert b'id="btn-recompute"' in _get(url)[1]  # the command wires "Recompute findings"
        port_root = url.split("/t/")[0]
        assert _get(port_root + "/api/events")[0] == 403
        # a second review of the same directory is refused while this one runs
        second = subprocess.run([str(BIN), "review", str(out), "--no-browser"], capture_output=True, text=True,
                                timeout=60)
        assert second.returncode == 2 and "already being reviewed" in second.stderr
        assert len(second.stderr.strip().splitlines()) == 1
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert proc.returncode in (0, 130)
    assert "Traceback" not in proc.stderr.read()
    proc.stdout.close()
    proc.stderr.close()


def test_review_errors_are_one_line(tiny, tmp_path, capsys):
    edf, out = tiny
    assert main(["review", str(tmp_path / "nowhere"), "--no-browser"]) == 2
    assert "is not a directory" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["review", str(empty), "--no-browser"]) == 2
    assert "has no summary.json" in capsys.readouterr().err
    other = tmp_path / "other.edf"
    raw = bytearray(edf.read_bytes())
    raw[-1] ^= 1  # the same header, one data byte changed: not the analysed recording
    other.write_bytes(bytes(raw))
    assert main(["review", str(out), "--recording", str(other), "--no-browser"]) == 2
    err = capsys.readouterr().err
    assert "is not the recording these results were made from" in err and len(err.strip().splitlines()) == 1
    moved = tmp_path / "moved.edf"
    shutil.move(edf, moved)
    assert main(["review", str(out), "--no-browser"]) == 2
    assert "Give its current path with --recording REC" in capsys.readouterr().err
    assert main(["review", str(out), "--recording", str(moved), "--no-browser", "--port", "70000"]) == 2
    assert "--port" in capsys.readouterr().err
    assert main(["review", str(out), "--recording", str(moved), "--no-browser", "--reviewer", " "]) == 2
    assert "--reviewer" in capsys.readouterr().err


@pytest.mark.parametrize("flag", ["--help"])
def test_review_help(flag, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["review", flag])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    for option in ("--recording", "--port", "--reviewer", "--no-browser", "--hypnogram"):
        assert option in text

from __future__ import annotations

import subprocess
import sys

import pytest

from myosleep import cli
from myosleep.errors import ParameterError


def test_parse_channel_overrides():
    got = cli.parse_channel_overrides(["chin=EMG1,leg=LAT", "leg=RAT", "eeg=C4-M1"])
    assert got == {"chin": ["EMG1"], "leg": ["LAT", "RAT"], "eeg": ["C4-M1"]}
    assert cli.parse_channel_overrides(None) is None


@pytest.mark.parametrize("bad", ["chin", "nose=EMG1", "leg="])
def test_parse_channel_overrides_rejects(bad):
    with pytest.raises(ParameterError, match="--channels"):
        cli.parse_channel_overrides([bad])


def test_no_command_is_bad_usage(capsys):
    assert cli.main([]) == 2


def test_bad_option_value_exit_2_one_line(tmp_path):
    # A bad --channels value on an existing command: exit 2, one line on stderr, no traceback.
    proc = subprocess.run([sys.executable, "-m", "myosleep.cli", "info", str(tmp_path / "x.edf"),
                           "--channels", "nose=EMG1"], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_version():
    proc = subprocess.run([sys.executable, "-m", "myosleep.cli", "--version"], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.startswith("myosleep ")

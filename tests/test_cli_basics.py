from __future__ import annotations

import subprocess
import sys

import pytest

from myosleep import cli
from myosleep.batch.run import run_batch
from myosleep.compare import compare_events
from myosleep.errors import ParameterError
from myosleep.export import export_results
from myosleep.io.export_bids import bids_events_paths
from myosleep.review.store import check_reviewer


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


def _scorer():
    import pandas as pd

    return pd.DataFrame({"onset": [1.0], "duration": [0.5], "label": ["x"], "kind": ["emg_phasic"],
                         "trial_type": [None], "channel": [()], "region": [()], "periodic": [None],
                         "stage": [None], "scorer": ["s"], "source": ["file:x"]})


@pytest.mark.parametrize("call, parameter, flag", [
    (lambda tmp: compare_events(_scorer(), _scorer(), match="peak"), "match", "--match"),
    (lambda tmp: bids_events_paths(tmp, sub="a-b"), "sub", "--sub"),
    (lambda tmp: export_results(tmp, fmt="xls"), "fmt", "--format"),
    (lambda tmp: run_batch(["x.edf"], out_dir=tmp, workers=0), "workers", "--workers"),
    (lambda tmp: check_reviewer(" "), "reviewer", "--reviewer"),
])
def test_library_errors_name_parameters_and_the_cli_its_flags(tmp_path, call, parameter, flag):
    with pytest.raises(ParameterError) as err:
        call(tmp_path)
    assert err.value.where == parameter
    assert cli.error_line(err.value).startswith(f"{flag}: ")


def test_channel_overrides_can_give_the_side(tmp_path):
    # Philips Alice montages label the legs "Leg 1" and "Leg 2": the side can be given with the role
    import json

    from tests.conftest import make_fixtures

    fix = make_fixtures()
    sigs = [{"data": fix.test_signal_uv(5120, 512.0, seed=i), "sfreq": 512.0, "label": lab, "unit": "uV",
             "physical_range": (-500, 500)} for i, lab in enumerate(("EMG Chin", "Leg 1", "Leg 2", "C4-M1"))]
    path = fix.write_edf(tmp_path / "alice.edf", sigs)
    got = cli.parse_channel_overrides(["leg-left=Leg 1,leg_right=Leg 2"])
    assert got == {"leg-left": ["Leg 1"], "leg_right": ["Leg 2"]}
    proc = subprocess.run([sys.executable, "-m", "myosleep.cli", "info", str(path), "--json",
                           "--channels", "leg-left=Leg 1,leg-right=Leg 2"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    sides = {c["label"]: (c["role"], c["side"]) for c in json.loads(proc.stdout)["channels"]}
    assert sides["Leg 1"] == ("leg", "left") and sides["Leg 2"] == ("leg", "right")
    proc = subprocess.run([sys.executable, "-m", "myosleep.cli", "info", str(path), "--json"],
                          capture_output=True, text=True)
    sides = {c["label"]: (c["role"], c["side"]) for c in json.loads(proc.stdout)["channels"]}
    assert sides["Leg 1"] == ("leg", None) and sides["Leg 2"] == ("leg", None)  # the labels say no side
    with pytest.raises(ParameterError, match="leg-left, leg-right"):
        cli.parse_channel_overrides(["leg-up=Leg 1"])


def test_out_has_the_short_option_o():
    """``-o DIR`` is ``--out DIR`` in every command that writes a folder or file (as in most CLIs)."""
    import argparse

    from myosleep.cli import build_parser

    parser = build_parser()
    subs = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    with_out = sorted(name for name, p in subs.choices.items()
                      if any("--out" in a.option_strings for a in p._actions))
    assert with_out == ["analyze", "backaverage", "batch", "compare", "demo", "detect", "export"]
    for name in with_out:
        opts = next(a.option_strings for a in subs.choices[name]._actions if "--out" in a.option_strings)
        assert opts == ["-o", "--out"], name
    assert parser.parse_args(["analyze", "night.edf", "-o", "res"]).out == "res"


def test_python_dash_m_runs_the_cli(tmp_path):
    """``python -m myosleep`` is the ``myosleep`` command (for environments without the script on PATH)."""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "myosleep", "info", str(tmp_path / "missing.edf")],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2
    assert out.stderr.strip().splitlines() == [f"myosleep info: error: {tmp_path / 'missing.edf'}: no such file. "
                                               "Check the path."]

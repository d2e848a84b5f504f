"""``myosleep analyze`` with the scorer's events, end to end (docs/robustness.md, defects 44-49): events
in the recording's own EDF+ annotations used without ``--events`` (46), several ``--events`` files
combined (47), summary.json and report.html saying where the events and arousals came from and what
was read (44, 45), a stage-only hypnogram given as ``--events`` refused naming ``--hypnogram`` (49).

The recording is made here: two legs (resting EMG 1.5 uV, 1.5-s leg movements of 30 uV every 20 s
in N2), written with edfio.
"""

from __future__ import annotations

import json
from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from myosleep import cli

FS = 256.0
DURATION_S = 1800.0
START = datetime(2020, 1, 1, 22, 0, 0)
LMS = [600.0 + 20.0 * k for k in range(8)]  # 600 ... 740 s
#: the scorer's events: an apnoea ending 0.2 s before the LM at 640 s (AASM: that LM is not scored) and
#: arousals starting 1 s into the LMs at 660 and 700 s
APNOEA = (625.0, 14.8, "Obstructive Apnea")
AROUSALS = [(661.0, 3.5, "Arousal"), (701.0, 4.0, "Arousal")]


def _band_noise(n: int, rng: np.random.Generator, rms: float) -> np.ndarray:
    from scipy.signal import butter, sosfiltfilt

    sos = butter(4, [10.0, 100.0], btype="band", fs=FS, output="sos")
    x = sosfiltfilt(sos, rng.standard_normal(n + 2000))[1000:-1000]
    return x * (rms / np.sqrt(np.mean(x ** 2)))


def _legs_edf(path, annotations=()):
    import edfio

    rng = np.random.default_rng(46)
    n = int(DURATION_S * FS)
    left = _band_noise(n, rng, 1.5)
    for on in LMS:
        a, b = int(on * FS), int((on + 1.5) * FS)
        left[a:b] += _band_noise(b - a, rng, 30.0)
    right = _band_noise(n, rng, 1.5)
    sigs = [edfio.EdfSignal(np.clip(x, -499, 499), sampling_frequency=FS, label=label, physical_dimension="uV",
                            physical_range=(-500, 500)) for label, x in (("EMG LAT", left), ("EMG RAT", right))]
    edfio.Edf(sigs, starttime=START.time(), recording=edfio.Recording(startdate=START.date()),
              annotations=[edfio.EdfAnnotation(o, d, t) for o, d, t in annotations] or None).write(path)
    return path


@pytest.fixture(scope="module")
def night(tmp_path_factory):
    d = tmp_path_factory.mktemp("scored")
    stages = ["W"] * 10 + ["N2"] * 50
    pd.DataFrame({"onset": 30.0 * np.arange(60), "duration": 30.0, "stage": stages}).to_csv(
        d / "h.tsv", sep="\t", index=False)
    _legs_edf(d / "plain.edf")
    _legs_edf(d / "embedded.edf", [APNOEA, *AROUSALS, (100.0, 0.0, "Recording note")])
    return d


def _analyze(night, rec: str, *extra: str, out) -> tuple[dict, pd.DataFrame, str]:
    assert cli.main(["analyze", str(night / rec), "--hypnogram", str(night / "h.tsv"), *extra, "--out", str(out)]) == 0
    s = json.loads((out / "summary.json").read_text())
    ev = pd.read_csv(out / "events.tsv", sep="\t")
    return s, ev[ev["trial_type"] == "leg_movement"], (out / "report.html").read_text()


def _somnomedics(path, signal_id: str, rows) -> str:
    lines = [f"Signal ID: {signal_id}", f"Start Time: {START:%d.%m.%Y %H:%M:%S}", "Unit: s", "Signal Type: Impuls", ""]
    for on, dur, label in rows:
        a, b = START.timestamp() + on, START.timestamp() + on + dur
        clock = [datetime.fromtimestamp(t).strftime("%H:%M:%S,") + f"{round((t % 1) * 1000):03d}" for t in (a, b)]
        lines.append(f"{clock[0]}-{clock[1]}; {dur:g};{label}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def _assert_scored_night(s, lm, *, source: str):
    plm = s["indices"]["plm"]
    # AASM: the LM 0.2 s after the apnoea is not scored (counts in no index: defect 40)
    assert plm["n_lm"] == len(LMS) - 1 and plm["n_respiratory_lm_excluded"] == 1
    assert lm.loc[lm["arousal"].astype(str) == "True", "onset"].round(1).tolist() == [660.0, 700.0]
    assert s["arousals"]["source"] == "scored" and s["arousals"]["n_scored"] == 2
    assert s["sleep"]["n_arousals"] == 2
    sc = s["scored_events"]
    assert (sc["source"], sc["n_respiratory"], sc["n_arousals"]) == (source, 1, 2)


def test_events_in_the_recordings_annotations_are_used_without_events_option(night, tmp_path):
    s, lm, html = _analyze(night, "embedded.edf", out=tmp_path / "emb")
    _assert_scored_night(s, lm, source="recording annotations")
    assert s["inputs"]["scored_events"]["source"] == "recording annotations"
    assert s["inputs"]["scored_events"]["name"] == "embedded.edf"
    assert s["scored_events"]["unrecognised_labels"] == {"Recording note": 1}
    assert "2 scored arousals from the recording&#39;s own annotations" in html
    # the same recording without annotations: no events, no exclusion, no arousal
    s0, lm0, _ = _analyze(night, "plain.edf", out=tmp_path / "plain")
    assert s0["scored_events"] is None and s0["inputs"]["scored_events"] is None
    assert s0["indices"]["plm"]["n_respiratory_lm_excluded"] == 0 and s0["sleep"]["n_arousals"] == 0
    assert s0["arousals"]["source"] == "none"


def test_several_events_files_are_combined(night, tmp_path):
    """SOMNOmedics writes one event type per file: the arousals and the flow events, both given."""
    aro = _somnomedics(tmp_path / "Classification_Arousals.txt", "Classification Arousals", AROUSALS)
    flow = _somnomedics(tmp_path / "Flow_Events.txt", "FlowD\\flow", [APNOEA])
    s, lm, html = _analyze(night, "plain.edf", "--events", aro, "--events", flow, out=tmp_path / "two")
    _assert_scored_night(s, lm, source="files")
    assert [e["name"] for e in s["inputs"]["scored_events"]] == ["Classification_Arousals.txt", "Flow_Events.txt"]
    assert all(len(e["sha256"]) == 64 for e in s["inputs"]["scored_events"])
    assert "Classification_Arousals.txt, Flow_Events.txt" in html
    args = cli.build_parser().parse_args(["analyze", "r.edf", "--events", "a.txt", "--events", "b.txt"])
    assert args.events == ["a.txt", "b.txt"]


def test_unrecognised_labels_are_said(night, tmp_path, capsys):
    """A label the vocabulary does not know is named on stderr and in summary.json (defect 45)."""
    path = tmp_path / "ev.csv"
    pd.DataFrame([(625.0, 14.8, "Bezdech obturacyjny"), (661.0, 3.5, "Weckreaktion"), (701.0, 4.0, "Micro-éveil")],
                 columns=["onset", "duration", "description"]).to_csv(path, index=False)
    s, lm, _ = _analyze(night, "plain.edf", "--events", str(path), out=tmp_path / "pl")
    err = capsys.readouterr().err
    assert "labels myosleep does not recognise were not used: 'Bezdech obturacyjny' (1)" in err
    assert s["scored_events"]["unrecognised_labels"] == {"Bezdech obturacyjny": 1}
    assert s["scored_events"]["n_arousals"] == 2 and s["scored_events"]["n_other"] == 1
    assert lm.loc[lm["arousal"].astype(str) == "True", "onset"].round(1).tolist() == [660.0, 700.0]


def test_a_hypnogram_given_as_events_is_refused_naming_the_option(night, tmp_path, capsys):
    stages = tmp_path / "stages.txt"
    stages.write_text("\n".join(["W"] * 10 + ["N2"] * 50) + "\n", encoding="utf-8")
    code = cli.main(["analyze", str(night / "plain.edf"), "--events", str(stages), "--out", str(tmp_path / "o")])
    line = capsys.readouterr().err.strip()
    assert code == 2 and "\n" not in line
    assert "holds sleep stages only" in line and "give it with --hypnogram" in line.lower()
    assert not (tmp_path / "o").exists()

"""Issue 9, defect 1: no finding from minutes of data.

Every finding states the least evidence its rule needs (hours of sleep, minutes of NREM or
REM sleep, wake-to-sleep transitions); below it the finding is ``present: None`` with the
reason, at it the finding is decided as before.  Each minimum is tested at its boundary (one
epoch short, then exactly met), then whole recordings made for the test (a 2-minute PSG with
periodic leg movements, a 4-minute infant clip with clusters of jerks, a 4-minute PSG staged
by YASA) go through ``myosleep analyze``: summary.json carries the structured short-recording
warning and YASA's own warnings, report.html a notice at the top, stderr nothing.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from myosleep import cli
from myosleep.classification import AASM, WASM2016, classify

from ._recordings import neonatal_clusters, periodic_leg_movements, write_recording
from .conftest import burst_rows, detection, lm_bursts, make_context, motor_event

W, N1, N2, N3, R = 0, 1, 2, 3, 4


def _epochs(*blocks: tuple[int, int]) -> list[int]:
    """(stage, number of 30-s epochs) blocks."""
    return [st for st, n in blocks for _ in range(n)]


def _assert_below(finding, quantity: str) -> None:
    assert finding.present is None, finding.evidence
    assert finding.values["below_minimum"] == [quantity]
    assert finding.evidence.startswith("Cannot be assessed:") and "required" in finding.evidence
    m = next(m for m in finding.values["minimum_evidence"] if m["quantity"] == quantity)
    assert m["met"] is False and m["observed"] < m["required"] and m["source"]


# ------------------------------------------------------------------ each minimum, at its edge
@pytest.mark.parametrize("rules", [AASM, WASM2016])
def test_plms_index_needs_two_hours_of_sleep(rules):
    # 40 LMs at 20-s intervals in N2 (periodic under both rulesets)
    lms = lm_bursts([(700 + 20 * k, 1.5, "left") for k in range(40)])
    short = classify(detection([], lms), make_context(_epochs((W, 20), (N2, 239))), rules=rules)
    _assert_below(short.finding("periodic_limb_movements"), "tst_h")
    assert short.indices["plm"]["n_plms"] == 40  # counted,
    assert np.isnan(short.indices["plm"]["plms_index_per_h"])  # but no index from < 2 h of sleep
    enough = classify(detection([], lms), make_context(_epochs((W, 20), (N2, 240))), rules=rules)
    f = enough.finding("periodic_limb_movements")
    assert f.present is True and f.values["plms_index_per_h"] == pytest.approx(20.0)


def test_neonatal_myoclonus_needs_one_infant_sleep_cycle():
    rows, k = [], 0
    for start in (200.0, 400.0, 600.0):  # 3 clusters of 8 jerks at 2 Hz in sleep
        for j in range(8):
            rows.append(motor_event(start + 0.5 * j, channels=("EMG FDS L", "EMG LAT"), roles=("arm", "leg"),
                                    burst_s=0.08, event_id=k))
            k += 1
    short = classify(detection(rows), make_context(_epochs((W, 4), (R, 40), (N3, 59))), age="3w")
    _assert_below(short.finding("benign_neonatal_sleep_myoclonus"), "sleep_min")
    assert short.finding("benign_neonatal_sleep_myoclonus").values["n_clusters"] == 3  # seen, not a finding
    enough = classify(detection(rows), make_context(_epochs((W, 4), (R, 40), (N3, 60))), age="3w")
    assert enough.finding("benign_neonatal_sleep_myoclonus").present is True


def test_sleep_starts_need_two_transitions():
    legs = (("EMG Chin", "EMG FDS L", "EMG LAT"), ("chin", "arm", "leg"))
    rows = [motor_event(40.0 + 5 * k, channels=legs[0], roles=legs[1], burst_s=0.12, latencies_ms=[0, 10, 20],
                        event_id=k) for k in range(4)]
    one = classify(detection(rows), make_context(_epochs((W, 1), (N1, 6), (N2, 100))))
    _assert_below(one.finding("sleep_starts"), "wake_to_sleep_transitions")
    two = classify(detection(rows), make_context(_epochs((W, 1), (N1, 6), (W, 1), (N1, 2), (N2, 100))))
    assert two.finding("sleep_starts").present is True


def test_excessive_fragmentary_myoclonus_needs_twenty_minutes_of_nrem():
    # 6 potentials of 80 uV per minute through N2
    rows = [motor_event(60.0 + 10.0 * k + 1.0, channels=("EMG FDS L",), roles=("arm",), burst_s=0.1, peak_uv=80.0,
                        event_id=k) for k in range(6 * 40)]
    short = classify(detection(rows), make_context(_epochs((W, 2), (N2, 39), (W, 10))))
    _assert_below(short.finding("excessive_fragmentary_myoclonus"), "nrem_min")
    enough = classify(detection(rows), make_context(_epochs((W, 2), (N2, 40), (W, 10))))
    assert enough.finding("excessive_fragmentary_myoclonus").present is True


def test_rem_sleep_without_atonia_needs_five_minutes_of_rem():
    # chin bursts of 0.5 s every 3 s through REM (SINBAR 'any' ~100 %)
    chin = burst_rows([{"onset": 60.0 + 3.0 * k, "duration": 0.5, "channel": "EMG Chin", "role": "chin",
                        "detector": "short", "peak_amplitude_uv": 30.0, "baseline_uv": 2.0} for k in range(300)])
    short = classify(detection([], chin), make_context(_epochs((W, 2), (R, 9), (N2, 30))))
    _assert_below(short.finding("rem_sleep_without_atonia"), "rem_min")
    enough = classify(detection([], chin), make_context(_epochs((W, 2), (R, 10), (N2, 30))))
    assert enough.finding("rem_sleep_without_atonia").present is True


def test_propriospinal_myoclonus_needs_a_sleep_onset():
    chans = ("EMG RectAbd", "EMG Paraspinal T6", "EMG Quadriceps", "EMG SCM")
    roles = [(c, "axial") for c in chans]
    # spread at 5 m/s along the cord, motor conduction included (see test_classify.py)
    rows = [motor_event(20.0 + 20 * k, channels=chans, roles=("axial",) * 4, burst_s=0.3,
                        latencies_ms=[0, 13.418, 17.818, 54.036], event_id=k) for k in range(4)]
    awake = classify(detection(rows, channels=roles), make_context(_epochs((W, 8))))
    _assert_below(awake.finding("propriospinal_myoclonus"), "wake_to_sleep_transitions")
    onset = classify(detection(rows, channels=roles), make_context(_epochs((W, 4), (N1, 2), (N2, 2))))
    assert onset.finding("propriospinal_myoclonus").present is True


# ------------------------------------------------------------------ whole recordings, analysed
def _analyze(tmp_path, name, stages, bursts, *extra, infant=False, hypnogram=True):
    edf = tmp_path / f"{name}.edf"
    hyp = write_recording(edf, stages, bursts, infant=infant)
    out = tmp_path / f"{name}-out"
    args = ["analyze", str(edf), "--out", str(out), *extra]
    if hypnogram:
        args += ["--hypnogram", str(hyp)]
    assert cli.main(args) == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    return summary, (out / "report.html").read_text(encoding="utf-8")


def _finding(summary, code):
    return next(f for f in summary["findings"] if f["code"] == code)


def _short_warning(summary):
    details = [w for w in summary["warning_details"] if w["code"] == "short_recording"]
    assert len(details) == 1
    return details[0]


@pytest.mark.parametrize("rules", ["aasm", "wasm2016"])
def test_two_minute_psg_claims_no_periodic_limb_movements(tmp_path, rules):
    # W then 3 epochs of N2 with 4 leg movements 20 s apart: a PLM series under both rulesets
    summary, html = _analyze(tmp_path, "psg2", [W, N2, N2, N2], periodic_leg_movements([35.0, 55.0, 75.0, 95.0]),
                             "--rules", rules)
    plm = _finding(summary, "periodic_limb_movements")
    assert plm["present"] is None and plm["values"]["below_minimum"] == ["tst_h"]
    assert summary["indices"]["plm"]["n_plms"] == 4 and summary["indices_per_hour"]["plms_index"] is None
    assert "/h" not in plm["evidence"]  # no index is quoted
    assert not any(f["present"] for f in summary["findings"])
    w = _short_warning(summary)
    assert w["values"]["analysed_h"] == pytest.approx(2 / 60) and w["values"]["full_night_h"] == 6.0
    assert "periodic_limb_movements" in w["values"]["findings_not_assessed"]
    assert w["values"]["unmet_minimums"]["periodic_limb_movements"][0]["quantity"] == "tst_h"
    assert summary["warnings"][0] == w["message"] and w["message"].startswith("Short recording: 2.0 min analysed")
    # the report: a notice at the top, before the findings
    assert html.index('id="short-recording"') < html.index('id="findings"')
    assert "Short recording: 2.0 min analysed" in html


def test_four_minute_infant_clip_claims_no_neonatal_myoclonus(tmp_path):
    summary, html = _analyze(tmp_path, "infant4", [W, R, R, R, R, N3, N3, N3],
                             neonatal_clusters([45.0, 80.0, 130.0, 170.0]), "--age", "3w", infant=True)
    f = _finding(summary, "benign_neonatal_sleep_myoclonus")
    assert f["present"] is None and f["values"]["below_minimum"] == ["sleep_min"]
    assert f["values"]["n_clusters"] >= 3  # the clusters were found and counted
    assert "benign_neonatal_sleep_myoclonus" in _short_warning(summary)["values"]["findings_not_assessed"]
    assert not any(f["present"] for f in summary["findings"])
    assert 'id="short-recording"' in html


def test_yasa_warnings_reach_the_summary_and_stderr_once(tmp_path, capfd):
    # no hypnogram: YASA stages the 4 minutes and warns that < 5 minutes are unreliable
    summary, html = _analyze(tmp_path, "yasa4", [W, W, N1, N2, N2, N2, N2, N2], [], hypnogram=False)
    staging = [w for w in summary["warning_details"] if w["code"] == "staging"]
    assert len(staging) == 1 and "Insufficient data" in staging[0]["message"]
    assert staging[0]["values"]["source"] == "yasa"
    assert staging[0]["message"] in summary["warnings"]
    assert "Insufficient data" in html
    # YASA's own log is captured; stderr says it once, as analyze says each of its summary's warnings
    err = capfd.readouterr().err.splitlines()
    assert all(line.startswith("myosleep analyze: warning: ") for line in err), err
    assert [line for line in err if "Insufficient data" in line] == [f"myosleep analyze: warning: {staging[0]['message']}"]

"""Defects 40-42: the LM index of AASM, both PLMS indices of WASM 2016, the periodicity index.

The night is the PLM audit's case A (s26/plm/caseA): 2.5 h, no lights given (the first and last
scored epochs: 2.25 h of sleep), an obstructive apnoea at 2110-2130 s with one leg movement
0.4 s after its end; the tests write its hypnogram and scored events as files and place its leg
movements as the detector's "lm" bursts (tests/classification/_plm_cases.py).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from myosleep.classification import AASM, WASM2016, classify
from myosleep.context import build_context

from ._plm_cases import CASE_STAGES, case_a_lms, write_night
from .conftest import detection, lm_bursts

TST_H = 8100 / 3600  # N2 + R + N3 of case A: 2.25 h


def case_a(tmp_path: Path, rules, lms=None):
    hyp, ev = write_night(tmp_path, CASE_STAGES, lights=(None, None))
    ctx = build_context(hypnogram=hyp, scored_events=ev, detect_arousals=False)
    assert ctx.respiratory_events is not None and len(ctx.respiratory_events) == 1
    return classify(detection([], lm_bursts(case_a_lms() if lms is None else lms)), ctx, rules=rules)


# ------------------------------------------------------------------- defect 40: AASM LM index
def test_aasm_lm_index_leaves_out_respiratory_related_lms(tmp_path):
    # AASM VII.A.2.f: the LM at 2130.4 s (0.4 s after the apnoea) "should not be scored".
    # Hand count: 36 LMs in sleep, 16.0/h (before: 37, 16.44/h)
    c = case_a(tmp_path, AASM)
    plm = c.indices["plm"]
    assert plm["n_lm_sleep"] == 36 and plm["lm_index_per_h_sleep"] == pytest.approx(16.0)
    assert plm["n_respiratory_lm_excluded"] == 1
    lm = c.indices["by_trial_type"]["leg_movement"]
    assert lm["index_per_h_sleep"] == pytest.approx(16.0) and lm["count_by_stage"]["N2"] == 32
    assert c.finding("periodic_limb_movements").values["lm_sleep_index_per_h"] == pytest.approx(16.0)
    # it stays in events.tsv, its rule saying why it is not counted
    row = c.events[c.events["onset"] == 2130.4]
    assert len(row) == 1 and "respiratory-related: not counted" in row["rule"].iat[0]


def test_wasm_respiratory_related_clms_remain_candidate_lms(tmp_path):
    # WASM 2016: CLMr are candidate LMs; the LM at 2130.4 s (within 2 s before to 10.25 s after the
    # apnoea's end) is respiratory-related and still counted as an LM
    c = case_a(tmp_path, WASM2016)
    plm = c.indices["plm"]
    assert plm["n_respiratory_lm_excluded"] == 1
    # case A under WASM: 39 LMs in sleep (the 12-s movement is an LM, not a CLM; 1500/1504.9 and
    # 1530/1535.1 are 4 LMs, their offsets and onsets >= 0.5 s apart), the respiratory one included
    assert plm["n_lm_sleep"] == 39 and plm["lm_index_per_h_sleep"] == pytest.approx(39 / TST_H)
    row = c.events[c.events["onset"] == 2130.4]
    assert c.indices["by_trial_type"]["leg_movement"]["count_by_stage"]["N2"] == 35 and len(row) == 1


# ------------------------------------------------------------- defect 41: both WASM 2016 indices
def test_wasm_reports_the_all_candidate_and_the_respiratory_excluded_plms_index(tmp_path):
    # case A: the CLM at 2130.4 s (0.4 s after the apnoea's end) is respiratory-related.  Left out, the
    # LMs at 2090, 2108, 2150, 2170 s remain a series (intervals 18, 42, 20 s): 21 PLMS, 9.33/h (PLMnr).
    # Kept, as WASM 2016's first rate does (PLMScoRe 'PLM'), it joins the series: 22 PLMS, 9.78/h.
    c = case_a(tmp_path, WASM2016)
    plm = c.indices["plm"]
    assert plm["n_plms"] == 21 and plm["plms_index_per_h"] == pytest.approx(21 / TST_H)
    assert plm["n_plms_all_clm"] == 22 and plm["plms_all_clm_index_per_h"] == pytest.approx(22 / TST_H)
    assert "PLMSnr" in plm["plms_index_basis"]
    f = c.finding("periodic_limb_movements")
    assert f.values["plms_index_per_h"] == pytest.approx(9.333, abs=1e-3)
    assert f.values["plms_all_clm_index_per_h"] == pytest.approx(9.778, abs=1e-3)
    assert "PLMS index 9.3/h" in f.evidence and "(9.8/h from all candidate LMs)" in f.evidence


def test_aasm_has_no_all_lm_plms_index(tmp_path):
    # AASM: the respiratory-related LM is no LM (VII.A.2.f); the PLMS index is the only one
    c = case_a(tmp_path, AASM)
    plm = c.indices["plm"]
    assert plm["n_plms"] == 30 and plm["plms_index_per_h"] == pytest.approx(30 / TST_H)  # 13.33/h
    assert plm["n_plms_all_clm"] is None and plm["plms_all_clm_index_per_h"] is None
    assert "not scored (AASM VII.A.2.f)" in plm["plms_index_basis"]


def test_both_indices_reach_summary_json(tmp_path):
    from myosleep.reporting.summary import classification_json

    out = classification_json(case_a(tmp_path, WASM2016), hypnogram_source="file:night.hypnogram.tsv")
    assert out["indices_per_hour"]["plms_index"] == pytest.approx(9.333, abs=1e-3)
    assert out["indices_per_hour"]["plms_all_clm_index"] == pytest.approx(9.778, abs=1e-3)
    assert out["indices"]["plm"]["n_plms_all_clm"] == 22


# ------------------------------------------------------------------ defect 42: periodicity index
def test_periodicity_index_of_case_a(tmp_path):
    # AASM, case A: LMs in sleep (respiratory one left out) in onset order, intervals between LMs both
    # in sleep (the pairs around the wake bout 4200-4500 s are not measured):
    #   1000..1100: 5 x 20 s (run of 5)           -> 5 in runs
    #   1100->1300 200, 1300..1314.4: 4.8 x 3, ->1500 185.6
    #   1500->1530 30, ->1535.1 5.1, ->1560 24.9, ->1590 30 (no run of 3: the 5.1 breaks it)
    #   ->1800 210, 1800->1840->1880->1900: 40, 40, 20 (run of 3) -> 3
    #   ->2090 190, 2090->2108->2150->2170: 18, 42, 20 (run of 3) -> 3
    #   ->2400 230, 2400..2460: 3 x 20 (run of 3) -> 3
    #   ->4140 1680, 4140->4160->4180: 20, 20; 4180->4210 (wake LM) not measured
    #   4510->4530 20; 4530->7000 2470; 7000..7090: 3 x 30 (run of 3) -> 3
    # (the 3 LMs of the wake before sleep are no LMs in sleep)
    # measured: 5+1+3+1+4+1+3+1+3+1+3+1+2+1+1+3 = 34; in runs: 5+3+3+3+3 = 17
    c = case_a(tmp_path, AASM)
    plm = c.indices["plm"]
    assert plm["periodicity_n_intervals"] == 34 and plm["periodicity_n_in_runs"] == 17
    assert plm["periodicity_index"] == pytest.approx(0.5)
    f = c.finding("periodic_limb_movements")
    assert f.values["periodicity_index"] == pytest.approx(0.5) and "periodicity index 0.50" in f.evidence


def test_periodicity_index_boundaries_and_minimum():
    from myosleep.classification.plm_measures import periodicity_index

    def pi(onsets, stages=None, counted=None, breaks=None, gaps=()):
        n = len(onsets)
        return periodicity_index(np.asarray(onsets, float), stages or ["N2"] * n,
                                 counted=np.ones(n, bool) if counted is None else np.asarray(counted),
                                 breaks=np.zeros(n, bool) if breaks is None else np.asarray(breaks),
                                 rules=AASM, gaps_s=gaps)

    # 10 < IMI <= 90: 10 s is not periodic, 90 s is
    assert pi([0, 10, 20, 30]) == (0.0, 3, 0)
    assert pi([0, 90, 180, 270]) == (1.0, 3, 3)
    assert pi([0, 10.01, 20.02, 30.03]) == (1.0, 3, 3)
    assert pi([0, 90.01, 180.02, 270.03]) == (0.0, 3, 0)
    # a run of 2 periodic intervals does not count; 8 intervals, one run of 3 and one of 2
    assert pi([0, 20, 40, 60, 200, 220, 240, 400, 405]) == (pytest.approx(3 / 8), 8, 3)
    # fewer than 3 intervals (4 LMs in sleep): cannot be assessed
    assert pi([0, 20, 40]).value is None and pi([0, 20, 40]).n_intervals == 2
    # a wake LM between breaks the run and its intervals are not measured
    assert pi([0, 20, 40, 60, 80], stages=["N2", "N2", "W", "N2", "N2"]) == (None, 2, 0)
    # a gap of the recording: no interval across it
    assert pi([0, 20, 40, 60, 80, 100, 120], gaps=[(65.0, 75.0)]) == (pytest.approx(3 / 5), 5, 3)
    # WASM: a movement that ends a series (no CLM) ends the run; no interval is measured across it
    r = pi([0, 20, 40, 50, 60, 80, 100, 120], counted=[1, 1, 1, 0, 1, 1, 1, 1], breaks=[0, 0, 0, 1, 0, 0, 0, 0])
    assert r == (pytest.approx(3 / 5), 5, 3)


def test_periodicity_index_null_with_few_leg_movements(tmp_path):
    c = case_a(tmp_path, AASM, lms=[(1000, 1.0, "left"), (1020, 1.0, "left"), (1040, 1.0, "left")])
    plm = c.indices["plm"]
    assert plm["periodicity_index"] is None and plm["periodicity_n_intervals"] == 2
    assert "periodicity index" not in c.finding("periodic_limb_movements").evidence

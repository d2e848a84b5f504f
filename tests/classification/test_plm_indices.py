"""Defects 40-42: the LM index of AASM, both PLMS indices of WASM 2016, the periodicity index.

The night is the PLM audit's case A (s26/plm/caseA): 2.5 h, no lights given (the first and last
scored epochs: 2.25 h of sleep), an obstructive apnoea at 2110-2130 s with one leg movement
0.4 s after its end; the tests write its hypnogram and scored events as files and place its leg
movements as the detector's "lm" bursts (tests/classification/_plm_cases.py).
"""

from __future__ import annotations

from pathlib import Path

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

"""Paediatric ages (defects 74-78): the age gates of the findings, on constructed tables and
simulated infant nights with a perfect detector (``truth_detection_tables``)."""

from __future__ import annotations

import pytest

from myosleep.classification import classify

from .conftest import detection, lm_bursts, make_context

# ------------------------------------------------------------------ 78: PLMS index without an age


@pytest.mark.parametrize("n_lms,present", [
    (8, False),    # 4/h: below the children's 5/h, absent at any age
    (12, None),    # 6/h: above 5/h, not above 15/h: the verdict is the age's
    (30, None),    # 15/h: not above the adults' 15/h
    (32, True),    # 16/h: above 15/h, present at any age
])
def test_plms_index_between_the_child_and_adult_cut_offs_needs_the_age(night_stages, n_lms, present):
    """2 h of N2 sleep; LMs at 30-s intervals in N2: PLMS index n / 2 h."""
    ctx = make_context(night_stages)
    b = lm_bursts([(1200 + 30 * k, 1.5, "right") for k in range(n_lms)])
    f = classify(detection([], b), ctx).finding("periodic_limb_movements")
    assert f.values["plms_index_per_h"] == pytest.approx(n_lms / 2.0)
    assert f.present is present, f.evidence
    assert f.values["verdict_depends_on_age"] is (present is None)
    if present is None:
        assert "depends on age" in f.evidence and "--age" in f.evidence
        assert "> 5/h" in f.evidence and "> 15/h" in f.evidence
    else:
        assert f"{'present' if present else 'absent'} at any age" in f.evidence
    # with an age the verdict is the age group's cut-off, as before
    child = classify(detection([], b), ctx, age="7").finding("periodic_limb_movements")
    adult = classify(detection([], b), ctx, age="45").finding("periodic_limb_movements")
    assert (child.present, adult.present) == (n_lms / 2.0 > 5.0, n_lms / 2.0 > 15.0)
    assert child.values["verdict_depends_on_age"] is False

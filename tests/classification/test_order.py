"""The order of the class rules is written once (STEPS); the module docstring and summary.json follow it."""

from __future__ import annotations

import re

from myosleep.classification import FINDINGS, STEPS, classify
from myosleep.vocab import FindingCode

from .conftest import detection, make_context


def test_docstring_lists_the_steps_in_order():
    import importlib

    doc = importlib.import_module("myosleep.classification.classify").__doc__  # the module, not the function
    listed = re.findall(r"^\d+\. ``([^`]+)``", doc, flags=re.M)
    assert listed == [s.name for s in STEPS]
    # each step is defined in the module named in the docstring beside it
    modules = re.findall(r"^\d+\. ``[^`]+``.*?\(:mod:`\.(\w+)`", doc, flags=re.M | re.S)
    assert modules == [s.decide.__module__.rsplit(".", 1)[1] for s in STEPS]


def test_findings_in_summary_order():
    # every finding but functional_jerks, which the neurophysiology stage sets after classification
    codes = [c for c in FindingCode if c is not FindingCode.FUNCTIONAL_JERKS]
    assert len(FINDINGS) == len(codes)
    c = classify(detection([]), make_context([0] * 10 + [2] * 100))
    assert [f.code for f in c.findings] == codes
    assert c.order == tuple(s.name for s in STEPS)

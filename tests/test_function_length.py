"""Functions stay short enough to read in one sitting where the pipeline's decisions live (issue 8).

The same measure as ``benchmarks/longest_functions.py``: lines from ``def`` to the last line.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Where no function may exceed LIMIT lines.
SCOPE = ("classification", "pipeline.py", "reporting")
LIMIT = 100


def _script():
    spec = importlib.util.spec_from_file_location("longest_functions", ROOT / "benchmarks" / "longest_functions.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_no_long_function_in_classification_pipeline_reporting():
    found = _script().functions(ROOT / "src" / "myosleep")
    over = [(n, name) for n, name in found if n > LIMIT and name.split("::")[0].startswith(SCOPE)]
    assert not over, over
    # the measure sees the functions (a broken walk would pass vacuously)
    names = {name for _, name in found}
    assert "classification/classify.py::classify" in names and "pipeline.py::Analysis.write" in names


def test_classify_reads_in_one_sitting():
    lengths = dict((name, n) for n, name in _script().functions(ROOT / "src" / "myosleep"))
    assert lengths["classification/classify.py::classify"] <= 60

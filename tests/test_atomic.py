from __future__ import annotations

import pytest

from myosleep._atomic import atomic_path, atomic_write_text, prepare_out_dir
from myosleep.errors import OutputError


def test_atomic_write_replaces_only_on_success(tmp_path):
    target = tmp_path / "summary.json"
    atomic_write_text(target, "first")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half-written")
            raise RuntimeError("boom")
    assert target.read_text() == "first"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["summary.json"]  # no temporary left behind


def test_prepare_out_dir(tmp_path):
    assert prepare_out_dir(tmp_path / "a" / "b").is_dir()
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(OutputError, match="not a directory"):
        prepare_out_dir(f)

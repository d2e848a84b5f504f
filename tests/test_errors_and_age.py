from __future__ import annotations

import pytest

from myosleep.age import parse_age
from myosleep.errors import HypnogramError, InputError, ParameterError, RecordingError


def test_input_error_is_one_line_with_where_and_hint():
    err = RecordingError("declares 960 data records but holds 12\n(truncated)", where="/x/night.edf",
                         hint="re-export the file")
    text = str(err)
    assert "\n" not in text
    assert text == "/x/night.edf: declares 960 data records but holds 12 (truncated). Re-export the file."


def test_hierarchy():
    assert issubclass(ParameterError, ValueError)
    assert issubclass(HypnogramError, InputError)


@pytest.mark.parametrize("text,days", [
    ("34", 34 * 365.25), ("34y", 34 * 365.25), ("18d", 18), ("6w", 42), ("4mo", 4 * 365.25 / 12),
    ("2.5 years", 2.5 * 365.25), ("3 weeks", 21), (34, 34 * 365.25),
])
def test_parse_age(text, days):
    age = parse_age(text)
    assert age.days == pytest.approx(days)


def test_age_groups():
    assert parse_age("6w").is_infant and parse_age("6w").is_child
    assert not parse_age("34").is_infant and not parse_age("34").is_child
    assert parse_age("17y").is_child
    assert parse_age(None) is None


@pytest.mark.parametrize("bad", ["abc", "-3", "12 parsecs", "200y", ""])
def test_parse_age_rejects(bad):
    with pytest.raises(ParameterError, match="^age: ") as err:  # the library names its parameter ...
        parse_age(bad)
    from myosleep.cli import error_line

    assert error_line(err.value).startswith("--age: ")  # ... the CLI its flag

"""The one boolean and duration grammar (eus/values.py), table-driven."""

from __future__ import annotations

from typing import Any

import pytest

from eus.values import checkbox, parse_bool, parse_duration


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        (False, False),
        (1, True),
        (0, False),
        ("1", True),
        ("true", True),
        ("Yes", True),
        (" ON ", True),
        ("0", False),
        ("false", False),
        ("NO", False),
        ("off", False),
    ],
)
def test_booleans(value: Any, expected: bool) -> None:
    assert parse_bool(value) is expected


@pytest.mark.parametrize("bad", ["", "maybe", "tru", "2", 2, -1, 1.0, None, "y"])
def test_bad_booleans_are_errors_naming_the_value(bad: Any) -> None:
    with pytest.raises(ValueError, match="not a boolean") as info:
        parse_bool(bad)
    assert repr(bad) in str(info.value)


@pytest.mark.parametrize(
    ("value", "ticked"),
    [(None, False), ("", False), ("on", True), ("1", True), ("true", True), ("yes", True), ("off", False)],
)
def test_checkbox(value: str | None, ticked: bool) -> None:
    assert checkbox(value) is ticked


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (90, 90.0),
        (0.5, 0.5),
        ("90", 90.0),
        ("0", 0.0),
        ("2.5", 2.5),
        (".5", 0.5),
        ("500ms", 0.5),
        ("30s", 30.0),
        ("5m", 300.0),
        ("45m", 2700.0),
        ("2h", 7200.0),
        ("24h", 86400.0),
        ("1d", 86400.0),
        ("7d", 604800.0),
        ("1w", 604800.0),
        ("2w", 1209600.0),
        ("1h30m", 5400.0),
        ("1h 30m 15s", 5415.0),
        ("1.5h", 5400.0),
        ("36H", 129600.0),
        (" 15m ", 900.0),
    ],
)
def test_durations(value: Any, seconds: float) -> None:
    assert parse_duration(value) == pytest.approx(seconds)


@pytest.mark.parametrize(
    "bad",
    [
        "",
        " ",
        "h",
        "3y",
        "-1h",
        "-5",
        "1h-30m",
        "1hh",
        "m5",
        "inf",
        "nan",
        "1e3",
        True,
        None,
        -1,
        float("inf"),
    ],
)
def test_bad_durations_are_errors_naming_the_value(bad: Any) -> None:
    with pytest.raises(ValueError, match="not a duration") as info:
        parse_duration(bad)
    assert repr(bad) in str(info.value)
    assert "1h30m" in str(info.value)  # and it says what would be right

"""Typed setting declarations and the strict layered loader (eus/settings.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from eus.settings import ConfigError, Layer, build, setting, to_seconds


@dataclass(frozen=True)
class Example:
    port: int = setting(80, low=1, high=65535)
    threads: int = setting(4, low=1)
    ratio: float = setting(0.5, above=0, high=1)
    wait_s: float = setting(5.0, low=0, coerce=to_seconds)
    on: bool = setting(True)
    name: str = setting("x")
    home: Path = setting(Path("/srv"))
    names: tuple[str, ...] = setting(("a",))
    mode: str = setting("fast", choices=("fast", "safe"))
    password: str = setting("", secret=True)


FILE = "/etc/x.toml"


def env(values: dict[str, Any]) -> Layer:
    return Layer(values, "environment", env_prefix="EUS_")


def test_defaults_and_secrets_out_of_repr() -> None:
    cfg = build(Example, [Layer({}, FILE)])
    assert cfg == Example()
    assert "password" not in repr(Example(password="hunter2"))


@pytest.mark.parametrize(
    ("values", "field", "expected"),
    [
        ({"port": 8080}, "port", 8080),
        ({"port": "8080"}, "port", 8080),
        ({"ratio": 1}, "ratio", 1.0),
        ({"wait_s": "1h30m"}, "wait_s", 5400.0),
        ({"wait_s": 2}, "wait_s", 2.0),
        ({"on": "off"}, "on", False),
        ({"on": False}, "on", False),
        ({"home": "/data"}, "home", Path("/data")),
        ({"names": ["b", "c"]}, "names", ("b", "c")),
        ({"names": "b, c"}, "names", ("b", "c")),
        ({"mode": "safe"}, "mode", "safe"),
    ],
)
def test_coerced_values(values: dict[str, Any], field: str, expected: Any) -> None:
    assert getattr(build(Example, [Layer(values, FILE)]), field) == expected


@pytest.mark.parametrize(
    ("values", "line"),
    [
        ({"port": 70000}, "port = 70000 in /etc/x.toml: must be 1..65535"),
        ({"port": 0}, "port = 0 in /etc/x.toml: must be 1..65535"),
        ({"port": 1.5}, "port = 1.5 in /etc/x.toml: must be a whole number"),
        ({"port": True}, "port = true in /etc/x.toml: must be a whole number"),
        ({"threads": 0}, "threads = 0 in /etc/x.toml: must be at least 1"),
        ({"ratio": 0}, "ratio = 0 in /etc/x.toml: must be more than 0"),
        ({"ratio": 2}, "ratio = 2 in /etc/x.toml: must be more than 0 and at most 1"),
        ({"ratio": "nan"}, 'ratio = "nan" in /etc/x.toml: must be a finite number'),
        ({"wait_s": "soon"}, 'wait_s = "soon" in /etc/x.toml: must be a duration such as 90, 30s'),
        ({"on": "maybe"}, 'on = "maybe" in /etc/x.toml: must be true or false'),
        ({"name": 3}, "name = 3 in /etc/x.toml: must be a string"),
        ({"home": ""}, 'home = "" in /etc/x.toml: must be a path'),
        ({"names": [1]}, "names = [1] in /etc/x.toml: must be a list of strings"),
        ({"mode": "slow"}, 'mode = "slow" in /etc/x.toml: must be one of fast, safe'),
        ({"password": 42}, "password = *** in /etc/x.toml: must be a string"),
        ({"prot": 1}, "prot in /etc/x.toml: unknown setting (did you mean port?)"),
        ({"zzz": 1}, "zzz in /etc/x.toml: unknown setting"),
    ],
)
def test_one_line_per_bad_value_in_a_file(values: dict[str, Any], line: str) -> None:
    with pytest.raises(ConfigError) as info:
        build(Example, [Layer(values, FILE)])
    assert len(info.value.lines) == 1
    assert info.value.lines[0].startswith(line)


@pytest.mark.parametrize(
    ("values", "line"),
    [
        ({"threads": "0"}, "EUS_THREADS=0 (environment): must be at least 1"),
        ({"on": "nope"}, "EUS_ON=nope (environment): must be true or false"),
        ({"password": "x" * 3, "pasword": "hunter2"}, "EUS_PASWORD (environment): unknown setting"),
    ],
)
def test_environment_lines_name_the_variable(values: dict[str, Any], line: str) -> None:
    with pytest.raises(ConfigError) as info:
        build(Example, [env(values)])
    assert info.value.lines[0].startswith(line)
    assert "hunter2" not in str(info.value)  # an unknown variable's value may be a secret


def test_layers_apply_in_order_and_all_errors_are_reported() -> None:
    cfg = build(Example, [Layer({"port": 1, "threads": 2}, FILE), env({"port": "3"})])
    assert (cfg.port, cfg.threads) == (3, 2)
    with pytest.raises(ConfigError) as info:
        build(
            Example,
            [
                Layer({"port": 0, "threads": 0}, FILE),
                env({"on": "x"}),
                Layer({"ratio": 9}, "override", from_file=False),
            ],
        )
    assert info.value.lines == (
        "port = 0 in /etc/x.toml: must be 1..65535",
        "threads = 0 in /etc/x.toml: must be at least 1",
        "EUS_ON=x (environment): must be true or false",
        "ratio = 9 (override): must be more than 0 and at most 1",
    )
    assert str(info.value) == "\n".join(info.value.lines)


def test_sections_qualify_names() -> None:
    with pytest.raises(ConfigError, match=r"^spool\.port = 0 in /etc/x.toml: must be 1..65535$"):
        build(Example, [Layer({"port": 0}, FILE, section="spool.")])


def test_a_base_instance_is_layered_on() -> None:
    assert build(Example, [Layer({"port": 2}, FILE)], base=Example(threads=9)) == Example(port=2, threads=9)

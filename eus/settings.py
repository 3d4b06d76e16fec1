"""Typed setting declarations and one strict layered loader, shared by agent and collector.

A configuration is a frozen dataclass whose fields are declared with :func:`setting`: the
default, the range or choices, whether the value is a secret, and (for durations) the
coercer. The type annotation chooses the coercer otherwise. Adding a setting is one line::

    idle_timeout_s: float = setting(1800.0, low=60, coerce=to_seconds)

Values come in layers (defaults -> TOML file -> ``EUS_*`` environment -> test overrides),
each a :class:`Layer` that knows how to name a key for the operator (``stream_port = 70000
in /etc/eus/collector.toml`` or ``EUS_STREAM_PORT=70000 (environment)``). :func:`build`
checks every key of every layer: unknown names, values of the wrong type and values out of
range are all reported together in one :class:`ConfigError`, one line each, so an operator
fixes a file in one pass. Secrets are never shown in an error.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, get_type_hints

from eus.values import DURATION_HINT, parse_bool, parse_duration

C = TypeVar("C")
Coercer = Callable[[Any], Any]
_META = "eus.setting"


# -- coercers: native TOML values or environment strings -> typed values ------------------
# Each raises ValueError with the reason alone; the caller says which setting and where.
def to_bool(value: Any) -> bool:
    try:
        return parse_bool(value)
    except ValueError:
        raise ValueError("must be true or false") from None


def to_int(value: Any) -> int:
    if isinstance(value, bool | float):
        raise ValueError("must be a whole number")
    try:
        return int(str(value).strip()) if isinstance(value, str) else int(value)
    except (TypeError, ValueError):
        raise ValueError("must be a whole number") from None


def to_float(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError("must be a number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError("must be a number") from None
    if not math.isfinite(number):
        raise ValueError("must be a finite number")
    return number


def to_seconds(value: Any) -> float:
    try:
        return parse_duration(value)
    except ValueError:
        raise ValueError(f"must be {DURATION_HINT}") from None


def to_str(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a string")
    return value


def to_path(value: Any) -> Path:
    if isinstance(value, Path):
        return value
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be a path")
    return Path(value)


def to_names(value: Any) -> tuple[str, ...]:
    """A TOML list of strings, or a comma-separated string from the environment."""
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(",") if v.strip())
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return tuple(v.strip() for v in value if v.strip())
    raise ValueError("must be a list of strings (or comma-separated)")


_BY_TYPE: dict[Any, Coercer] = {
    bool: to_bool,
    int: to_int,
    float: to_float,
    str: to_str,
    Path: to_path,
    tuple[str, ...]: to_names,
}


# -- declarations -------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Spec:
    """What :func:`setting` records about one field."""

    coerce: Coercer | None = None
    low: float | None = None  # inclusive
    high: float | None = None  # inclusive
    above: float | None = None  # exclusive lower bound ("more than 0")
    choices: tuple[str, ...] = ()
    secret: bool = False

    def problem(self, value: Any) -> str | None:
        """Why ``value`` is out of range, or None."""
        if self.choices and value not in self.choices:
            return f"must be one of {', '.join(self.choices)}"
        low_ok = (self.low is None or value >= self.low) and (self.above is None or value > self.above)
        if low_ok and (self.high is None or value <= self.high):
            return None
        if self.low is not None and self.high is not None:
            return f"must be {_number(self.low)}..{_number(self.high)}"
        parts = [f"at least {_number(self.low)}"] if self.low is not None else []
        parts += [f"more than {_number(self.above)}"] if self.above is not None else []
        parts += [f"at most {_number(self.high)}"] if self.high is not None else []
        return "must be " + " and ".join(parts)


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def setting(
    default: Any,
    *,
    coerce: Coercer | None = None,
    low: float | None = None,
    high: float | None = None,
    above: float | None = None,
    choices: Iterable[str] = (),
    secret: bool = False,
) -> Any:
    """A dataclass field with its default and validation; secrets are left out of ``repr``."""
    spec = Spec(coerce, low, high, above, tuple(choices), secret)
    return dataclasses.field(default=default, repr=not secret, metadata={_META: spec})


def specs(cls: type[Any]) -> dict[str, tuple[Spec, Coercer]]:
    """Every field of a settings dataclass with its declaration and its coercer."""
    hints = get_type_hints(cls)
    out: dict[str, tuple[Spec, Coercer]] = {}
    for f in dataclasses.fields(cls):
        spec = f.metadata.get(_META, Spec())
        coerce = spec.coerce or _BY_TYPE.get(hints[f.name])
        if coerce is None:  # pragma: no cover - a declaration error, caught by the tests
            raise TypeError(f"{cls.__name__}.{f.name}: no coercer for {hints[f.name]!r}")
        out[f.name] = (spec, coerce)
    return out


# -- layers and errors --------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Layer:
    """Values from one place, keyed by setting name, and how to name a key to the operator.

    ``env_prefix`` marks values read from variables named ``prefix + NAME`` (``EUS_``);
    ``section`` qualifies names in files with sections (``spool.``); ``where`` is the file,
    or (with ``from_file=False``) another origin such as ``override``.
    """

    values: Mapping[str, Any]
    where: str  # "/etc/eus/collector.toml", "environment", "override"
    env_prefix: str | None = None
    section: str = ""
    from_file: bool = True  # False: "(override)" rather than "in /etc/eus/collector.toml"

    def key(self, name: str) -> str:
        """The name as the operator wrote it: ``EUS_STREAM_PORT`` or ``spool.max_bytes``."""
        return f"{self.env_prefix}{name.upper()}" if self.env_prefix is not None else f"{self.section}{name}"

    def describe(self, name: str, value: Any, *, secret: bool, unknown: bool = False) -> str:
        """``stream_port = 70000 in FILE`` or ``EUS_STREAM_PORT=70000 (environment)``."""
        key = self.key(name)
        if self.env_prefix is not None:  # the variable's text, as the operator typed it
            shown = "***" if secret else str(value)
            return f"{key} ({self.where})" if unknown else f"{key}={shown} ({self.where})"
        shown = "***" if secret else _show(value)
        place = f"in {self.where}" if self.from_file else f"({self.where})"
        return f"{key} {place}" if unknown else f"{key} = {shown} {place}"


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return str(value)


class ConfigError(ValueError):
    """Every problem found in a configuration, one line each."""

    def __init__(self, lines: str | Sequence[str]) -> None:
        self.lines = (lines,) if isinstance(lines, str) else tuple(lines)
        super().__init__("\n".join(self.lines))


def unknown_keys(given: Iterable[str], known: Iterable[str]) -> list[str]:
    """Names in ``given`` that are not settings, sorted."""
    return sorted(set(given) - set(known))


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """`` (did you mean X?)`` for a likely typo, else ``""``."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.75)
    return f" (did you mean {close[0]}?)" if close else ""


def unknown_error(layer: Layer, name: str, known: Iterable[str]) -> str:
    """The line for a key that is no setting; its value is never shown (it may be a secret)."""
    hint = did_you_mean(layer.key(name), [layer.key(k) for k in known])
    return f"{layer.describe(name, None, secret=True, unknown=True)}: unknown setting{hint}"


def build(cls: Callable[..., C], layers: Sequence[Layer], base: C | None = None) -> C:
    """``cls`` (or ``base``) with every layer applied in order; ConfigError lists all problems.

    Keys a layer holds that are not fields of ``cls`` are errors; a later layer wins.
    """
    declared = specs(cls)  # type: ignore[arg-type]
    chosen: dict[str, Any] = {}
    errors: list[str] = []
    for layer in layers:
        for name, raw in layer.values.items():
            if name not in declared:
                errors.append(unknown_error(layer, name, declared))
                continue
            spec, coerce = declared[name]
            try:
                value = coerce(raw)
                problem = spec.problem(value)
                if problem is not None:
                    raise ValueError(problem)
            except ValueError as exc:
                errors.append(f"{layer.describe(name, raw, secret=spec.secret)}: {exc}")
                continue
            chosen[name] = value
    if errors:
        raise ConfigError(errors)
    start = base if base is not None else cls()
    return dataclasses.replace(start, **chosen)  # type: ignore[type-var]

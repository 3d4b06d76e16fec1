"""Typed reading of a function's kind-specific parameters, with one specific error per problem.

Parameters arrive as native TOML values from ``[functions.<id>]`` tables and as strings from
pushed ``FunctionSpec.params`` (and ``EUS_AGENT_*`` variables), so every reader accepts both:
``max_redirects = 5`` and ``"5"`` mean the same. Durations (``*_s``) also take units, in the
one grammar of ``eus.values``: ``"90"``, ``"500ms"``, ``"15m"``, ``"36h"``, ``"7d"``,
``"1h30m"``. A kind reads what it knows and then calls :meth:`ParamReader.finish`, which
rejects names it did not read, so a typo is an error and never a silent default.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any, TypeVar

from eus.settings import unknown_keys
from eus.values import parse_bool, parse_duration

N = TypeVar("N", int, float)


class ParamError(ValueError):
    """A parameter is missing, unknown or invalid; the message names it and says why."""


class ParamReader:
    """Reads one function's raw parameters; each getter marks its name as known."""

    def __init__(self, kind: str, raw: Mapping[str, Any]) -> None:
        self.kind = kind
        self._raw = dict(raw)
        self._read: set[str] = set()

    def _get(self, name: str) -> Any:
        self._read.add(name)
        value = self._raw.get(name)
        if isinstance(value, str) and not value.strip():
            return None  # "" from a form or a pushed map means "not set"
        return value

    def text(self, name: str, default: str | None = None) -> str:
        """A string; required when ``default`` is None."""
        value = self._get(name)
        if value is None:
            if default is None:
                raise ParamError(f"{name} is required for kind {self.kind!r}")
            return default
        if not isinstance(value, str):
            raise ParamError(f"{name} must be a string, not {value!r}")
        return value.strip()

    def optional_text(self, name: str) -> str | None:
        value = self._get(name)
        if value is None:
            return None
        if not isinstance(value, str):
            raise ParamError(f"{name} must be a string, not {value!r}")
        return value.strip()

    def integer(
        self, name: str, default: int | None = None, *, low: int | None = None, high: int | None = None
    ) -> int:
        """A whole number; required when ``default`` is None."""
        value = self._get(name)
        if value is None:
            if default is None:
                raise ParamError(f"{name} is required for kind {self.kind!r}")
            return default
        try:
            if isinstance(value, bool | float):
                raise ValueError
            number = int(value)
        except (TypeError, ValueError):
            raise ParamError(f"{name} must be a whole number, not {value!r}") from None
        return _bounded(name, number, low, high)

    def optional_integer(self, name: str, *, low: int | None = None, high: int | None = None) -> int | None:
        """A whole number, or None when not given (a limit that is off)."""
        if self._get(name) is None:
            return None
        return self.integer(name, low=low, high=high)

    def number(
        self, name: str, default: float, *, low: float | None = None, high: float | None = None
    ) -> float:
        """A finite number, ``default`` when not given."""
        value = self.optional_number(name, low=low, high=high)
        return default if value is None else value

    def optional_number(
        self, name: str, *, low: float | None = None, high: float | None = None
    ) -> float | None:
        """A finite number, or None when not given (a threshold that is off)."""
        value = self._get(name)
        if value is None:
            return None
        try:
            if isinstance(value, bool):
                raise ValueError
            number = float(value)
        except (TypeError, ValueError):
            raise ParamError(f"{name} must be a number, not {value!r}") from None
        if not math.isfinite(number):
            raise ParamError(f"{name} must be finite, not {value!r}")
        return _bounded(name, number, low, high)

    def duration(self, name: str, default: float | None, *, low: float = 0.0) -> float | None:
        """Seconds: a number, or a duration string (``eus.values.parse_duration``)."""
        value = self._get(name)
        if value is None:
            return default
        try:
            seconds = parse_duration(value)
        except ValueError:
            raise ParamError(
                f"{name} must be a duration such as 90, '15m', '36h' or '1h30m', not {value!r}"
            ) from None
        if not math.isfinite(seconds) or seconds < low:
            raise ParamError(f"{name} must be at least {low:g} s, not {value!r}")
        return seconds

    def boolean(self, name: str, default: bool) -> bool:
        value = self._get(name)
        if value is None:
            return default
        try:
            return parse_bool(value)
        except ValueError:
            raise ParamError(f"{name} must be true or false, not {value!r}") from None

    def regex(self, name: str, *, required: bool = True) -> re.Pattern[str] | None:
        value = self.optional_text(name) if not required else self.text(name)
        if value is None:
            return None
        try:
            return re.compile(value)
        except re.error as exc:
            raise ParamError(f"{name} is not a valid regular expression ({exc}): {value!r}") from None

    def choice(self, name: str, default: str, choices: tuple[str, ...]) -> str:
        value = self.text(name, default)
        if value not in choices:
            raise ParamError(f"{name} must be one of {', '.join(choices)}, not {value!r}")
        return value

    def unknown(self) -> list[str]:
        """Names given but not read (so far)."""
        return unknown_keys(self._raw, self._read)

    def finish(self) -> None:
        """Reject parameters the kind did not read."""
        unknown = unknown_keys(self._raw, self._read)
        if unknown:
            raise ParamError(
                f"unknown parameter(s) {', '.join(unknown)} for kind {self.kind!r}"
                f" (known: {', '.join(sorted(self._read))})"
            )


def _bounded(name: str, number: N, low: N | None, high: N | None) -> N:
    if low is not None and number < low:
        raise ParamError(f"{name} must be at least {low}, not {number}")
    if high is not None and number > high:
        raise ParamError(f"{name} must be at most {high}, not {number}")
    return number

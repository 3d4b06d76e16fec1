"""Typed readers for rule parameters (JSON objects), each failing with a specific message."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class RuleError(ValueError):
    """A rule parameter that cannot be accepted; the message names the field and the problem."""


def number(
    raw: Mapping[str, Any], key: str, default: float | None = None, *, minimum: float | None = None
) -> float:
    value = raw.get(key, default)
    if value is None or value == "":
        raise RuleError(f"{key}: required")
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise RuleError(f"{key}: not a number: {str(value)[:40]!r}") from None
    if not math.isfinite(out):
        raise RuleError(f"{key}: must be finite")
    if minimum is not None and out < minimum:
        raise RuleError(f"{key}: must be at least {minimum:g}")
    return out


def optional_number(raw: Mapping[str, Any], key: str) -> float | None:
    if raw.get(key) in (None, ""):
        return None
    return number(raw, key)


def text(raw: Mapping[str, Any], key: str, default: str | None = None, *, max_len: int = 200) -> str:
    value = raw.get(key, default)
    if value is None:
        raise RuleError(f"{key}: required")
    out = str(value).strip()
    if len(out) > max_len:
        raise RuleError(f"{key}: at most {max_len} characters")
    return out


def choice(raw: Mapping[str, Any], key: str, allowed: tuple[str, ...], default: str) -> str:
    value = str(raw.get(key, default))
    if value not in allowed:
        raise RuleError(f"{key}: one of {', '.join(allowed)} (got {value[:40]!r})")
    return value


def labels(raw: Mapping[str, Any], key: str = "labels") -> dict[str, str]:
    value = raw.get(key) or {}
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise RuleError(f"{key}: an object of label names to values")
    return {k: str(v) for k, v in value.items()}


def common_durations(raw: Mapping[str, Any]) -> tuple[float, float]:
    """(for_s, hold_s) shared by every kind: how long a condition must hold before firing, and
    how long an event-like alert stays firing before it resolves itself."""
    return number(raw, "for_s", 0.0, minimum=0.0), number(raw, "hold_s", 3600.0, minimum=1.0)


def metric(raw: Mapping[str, Any]) -> str:
    """The metric a rule watches (required)."""
    name = text(raw, "metric")
    if not name:
        raise RuleError("metric: required, e.g. disk.percent")
    return name


@dataclass(frozen=True, slots=True)
class SystemParams:
    """Parameters of the rules the collector makes itself ("notification channel failing")."""

    for_s: float = 0.0
    hold_s: float = 3600.0

"""A threshold rule from form fields instead of JSON: a metric the collector knows (refused
with the closest names otherwise), label filters written ``cpu=total, mount=/``, levels, and
the for-duration in the one duration grammar (``5m``, ``1h30m``). Pure: the caller passes the
metric names it knows (the catalogue and the series held)."""

from __future__ import annotations

import difflib
from collections.abc import Collection, Mapping
from typing import Any

from eus.values import parse_duration


class FieldError(ValueError):
    """A field that cannot be accepted; the message names it and says what would do."""


def labels(text: str) -> dict[str, str]:
    """``cpu=total, mount=/`` as a mapping; "" is no filter."""
    out: dict[str, str] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        key, sep, value = part.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise FieldError(
                f"labels: name=value pairs separated by commas, e.g. cpu=total (got {part[:40]!r})"
            )
        out[key.strip()] = value.strip()
    return out


def metric(name: str, known: Collection[str]) -> str:
    """``name`` if the collector knows it; otherwise FieldError with the closest known names."""
    name = name.strip()
    if not name:
        raise FieldError("metric: required, e.g. cpu.percent")
    if name in known:
        return name
    close = difflib.get_close_matches(name, sorted(known), n=3, cutoff=0.5)
    hint = f" Did you mean {close[0]}?" if close else ""
    if len(close) > 1:
        hint += f" (also close: {', '.join(close[1:])})"
    raise FieldError(f"metric: no series called {name[:80]!r} is known.{hint}")


def number(form: Mapping[str, str], key: str) -> float | None:
    """The field ``key`` as a number; None when it is left empty."""
    raw = str(form.get(key, "")).strip()
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        raise FieldError(f"{key}: not a number: {raw[:20]!r}") from None


def duration(form: Mapping[str, str], key: str, default: float) -> float:
    raw = str(form.get(key, "")).strip()
    if not raw:
        return default
    try:
        return parse_duration(raw)
    except ValueError as exc:
        raise FieldError(f"{key}: {exc}") from None


def threshold(form: Mapping[str, str], known: Collection[str]) -> dict[str, Any]:
    """The JSON parameters of a threshold rule from its form's fields (``rules.threshold`` checks
    the levels against each other)."""
    params: dict[str, Any] = {
        "metric": metric(str(form.get("metric", "")), known),
        "labels": labels(str(form.get("labels", ""))),
        "op": str(form.get("op", ">")),
        "for_s": duration(form, "for", 0.0),
    }
    for key in ("warning", "critical", "warning_clear", "critical_clear"):
        value = number(form, key)
        if value is not None:
            params[key] = value
    return params


def threshold_fields(params: Mapping[str, Any]) -> dict[str, str]:
    """The form's fields for stored parameters (to fill the edit form)."""
    raw_labels = params.get("labels") or {}
    out = {
        "metric": str(params.get("metric", "")),
        "labels": ", ".join(f"{k}={v}" for k, v in dict(raw_labels).items()),
        "op": str(params.get("op", ">")),
        "for": short(float(params.get("for_s", 0) or 0)),
    }
    for key in ("warning", "critical", "warning_clear", "critical_clear"):
        value = params.get(key)
        out[key] = "" if value is None else f"{float(value):g}"
    return out


def short(seconds: float) -> str:
    """300 → ``5m``; what a technician would type."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s" if seconds else ""

"""The ``[inventory]`` section of agent.toml (or ``EUS_AGENT_INVENTORY_*``); every key optional::

    [inventory]
    enabled = true          # inventory is on unless turned off
    interval_s = 3600       # how often the inventory runs; the collector can also ask any time
    start_delay_s = 5       # the first run, shortly after the agent starts
    sources = ["dpkg", "dmi"]   # a subset of agent.inventory.sources.NAMES (default: all)

Values from the environment arrive as strings (``EUS_AGENT_INVENTORY_SOURCES=dpkg,dmi``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from agent.extensions import ExtensionError
from agent.inventory.sources import NAMES

KNOWN = ("enabled", "interval_s", "start_delay_s", "sources")


@dataclass(frozen=True)
class Settings:
    enabled: bool = True
    interval_s: float = 3600.0
    start_delay_s: float = 5.0
    sources: frozenset[str] | None = None  # None = every source of this platform


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off"}:
        return False
    raise ExtensionError(f"[inventory] enabled: not a boolean: {value!r}")


def _seconds(name: str, value: Any, minimum: float) -> float:
    if isinstance(value, bool):
        raise ExtensionError(f"[inventory] {name}: not a number: {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ExtensionError(f"[inventory] {name}: not a number: {value!r}") from None
    if not minimum <= number < float("inf"):
        raise ExtensionError(f"[inventory] {name} must be >= {minimum:g} seconds, got {value!r}")
    return number


def _sources(value: Any) -> frozenset[str]:
    if isinstance(value, str):
        names = [n.strip() for n in value.split(",") if n.strip()]
    elif isinstance(value, list) and all(isinstance(n, str) for n in value):
        names = [n.strip() for n in value]
    else:
        raise ExtensionError(f"[inventory] sources: expected a list of names, got {value!r}")
    unknown = sorted(set(names) - NAMES)
    if unknown:
        raise ExtensionError(
            f"[inventory] sources: unknown source(s) {', '.join(unknown)} (known: {', '.join(sorted(NAMES))})"
        )
    return frozenset(names)


def parse(raw: Mapping[str, Any]) -> Settings:
    """Validate the raw section; :class:`ExtensionError` names the bad key and why."""
    unknown = sorted(set(raw) - set(KNOWN))
    if unknown:
        raise ExtensionError(
            f"[inventory]: unknown setting(s) {', '.join(unknown)} (known: {', '.join(KNOWN)})"
        )
    out = Settings()
    if "enabled" in raw:
        out = replace(out, enabled=_bool(raw["enabled"]))
    if "interval_s" in raw:
        out = replace(out, interval_s=_seconds("interval_s", raw["interval_s"], 1.0))
    if "start_delay_s" in raw:
        out = replace(out, start_delay_s=_seconds("start_delay_s", raw["start_delay_s"], 0.0))
    if "sources" in raw:
        out = replace(out, sources=_sources(raw["sources"]))
    return out

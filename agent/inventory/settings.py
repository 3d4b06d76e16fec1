"""The ``[inventory]`` section of agent.toml (or ``EUS_AGENT_INVENTORY_*``); every key optional::

    [inventory]
    enabled = true          # inventory is on unless turned off
    interval_s = 3600       # how often the inventory runs; the collector can also ask any time
    start_delay_s = 5       # the first run, shortly after the agent starts
    sources = ["dpkg", "dmi"]   # a subset of agent.inventory.sources.NAMES (default: all)

Values from the environment arrive as strings (``EUS_AGENT_INVENTORY_SOURCES=dpkg,dmi``).
Declared and checked like every other setting (``eus.settings``); durations take units (``6h``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from agent.extensions import ExtensionError
from agent.inventory.sources import NAMES
from eus.settings import ConfigError, Layer, build, setting, to_names, to_seconds


def _sources(value: Any) -> frozenset[str]:
    names = to_names(value)
    unknown = sorted(set(names) - NAMES)
    if unknown:
        raise ValueError(f"unknown source(s) {', '.join(unknown)} (known: {', '.join(sorted(NAMES))})")
    return frozenset(names)


@dataclass(frozen=True)
class Settings:
    enabled: bool = setting(True)
    interval_s: float = setting(3600.0, low=1, coerce=to_seconds)
    start_delay_s: float = setting(5.0, low=0, coerce=to_seconds)
    sources: frozenset[str] | None = setting(None, coerce=_sources)  # None = every source of this platform


def parse(raw: Mapping[str, Any]) -> Settings:
    """Validate the raw section; :class:`ExtensionError` names each bad key and why, one per line."""
    try:
        return build(
            Settings,
            [Layer(raw, "agent.toml or EUS_AGENT_INVENTORY_*", section="inventory.", from_file=False)],
        )
    except ConfigError as exc:
        raise ExtensionError(str(exc)) from None

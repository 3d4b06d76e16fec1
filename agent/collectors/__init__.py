"""The collector registry: one decorator line per collector, one explicit import list.

A collector module registers its class (or any zero-argument factory) with ``@register``;
``agent/collectors/all.py`` imports every such module by name, so nothing registers itself as a
side effect of some unrelated import. ``build_collectors`` turns per-collector settings into the
instances the runner schedules; a collector that fails to construct is logged and left out while
the rest run.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from agent.collectors.base import Collector

__all__ = [
    "CollectorSettings",
    "Registration",
    "Registry",
    "build_collectors",
    "default_registry",
    "register",
]

log = logging.getLogger(__name__)

Factory = Callable[[], Collector]
F = TypeVar("F", bound=Factory)

STANDARD_SET = "agent.collectors.all"  # the module that imports every built-in collector


@dataclass(frozen=True, slots=True)
class CollectorSettings:
    """Per-collector overrides; ``None`` keeps the registered default. An interval of 0 disables."""

    enabled: bool | None = None
    interval_s: float | None = None


@dataclass(frozen=True, slots=True)
class Registration:
    """How to make one collector, and how it runs when nobody says otherwise."""

    name: str
    factory: Factory
    default_interval_s: float
    default_enabled: bool


class Registry:
    """Named collector factories, in registration order."""

    def __init__(self) -> None:
        self._entries: dict[str, Registration] = {}

    def register(
        self, name: str, default_interval_s: float = 10.0, default_enabled: bool = True
    ) -> Callable[[F], F]:
        """Decorator: register a collector class or zero-argument factory under ``name``.

        A class gets ``name`` and ``default_interval_s`` attributes from the registration; one
        that states them must agree with it, so the dashboard's collector names cannot drift
        from the registry's.
        """
        if default_interval_s <= 0:
            raise ValueError(f"collector {name!r}: default_interval_s must be positive")

        def decorate(factory: F) -> F:
            if name in self._entries:
                raise ValueError(f"collector {name!r} is already registered")
            if isinstance(factory, type):
                # A class that does not state its name and interval takes them from here.
                for attr, value in (("name", name), ("default_interval_s", default_interval_s)):
                    if not hasattr(factory, attr):
                        setattr(factory, attr, value)
                declared = (getattr(factory, "name", None), getattr(factory, "default_interval_s", None))
                if declared != (name, default_interval_s):
                    raise ValueError(
                        f"collector class {factory.__qualname__} declares name/interval {declared},"
                        f" registered as {(name, default_interval_s)}"
                    )
            self._entries[name] = Registration(name, factory, default_interval_s, default_enabled)
            return factory

        return decorate

    def entries(self) -> Mapping[str, Registration]:
        """Registrations by name (a read-only view)."""
        return dict(self._entries)

    def build(self, settings: Mapping[str, CollectorSettings]) -> list[tuple[Collector, float]]:
        """Construct every enabled collector; return ``(collector, interval_s)`` pairs.

        A collector whose factory raises is logged with its traceback and left out, so one
        broken collector (a missing kernel interface, a denied file) never stops the others.
        """
        for unknown in sorted(set(settings) - set(self._entries)):
            log.warning("settings name an unknown collector %r; ignored", unknown)
        built: list[tuple[Collector, float]] = []
        for reg in self._entries.values():
            s = settings.get(reg.name, CollectorSettings())
            enabled = reg.default_enabled if s.enabled is None else s.enabled
            interval_s = reg.default_interval_s if s.interval_s is None else s.interval_s
            if not enabled or interval_s <= 0:
                log.info("collector %s disabled by settings", reg.name)
                continue
            try:
                collector = reg.factory()
            except Exception:
                log.exception("collector %s failed to start; disabled", reg.name)
                continue
            built.append((collector, interval_s))
        return built


default_registry = Registry()
register = default_registry.register


def build_collectors(
    settings: Mapping[str, CollectorSettings], registry: Registry | None = None
) -> list[tuple[Collector, float]]:
    """Build the enabled collectors of ``registry``: by default, every built-in collector.

    With no registry given, ``agent.collectors.all`` is imported first, so the standard set is
    always complete; it is imported here, at call time, not when this package is imported.
    """
    if registry is None:
        importlib.import_module(STANDARD_SET)
        registry = default_registry
    return registry.build(settings)

"""Agent configuration, layered: defaults -> TOML file -> ``EUS_AGENT_*`` environment.

Nothing reads configuration at import time: :func:`load` is called by the composition root
(``agent.app``) and the CLI.

The file (``--config FILE``, else ``$EUS_AGENT_CONFIG``, else ``/etc/eus/agent.toml`` if it
exists) has these sections; every key is optional::

    [agent]
    state_dir = "/var/lib/eus-agent"   # identity, spool database
    stream_address = ""                # "host:port"; overrides the address from enrollment
    log_level = "INFO"

    [spool]
    max_bytes = 268435456              # payload bytes kept before the oldest batches become a gap
    max_age_s = 604800                 # batches older than this become a gap
    journal_path = ""                  # "" = off; else one JSON line per spooled batch

    [transport]
    window = 32                        # batches in flight without an ack
    backoff_initial_s = 0.5
    backoff_max_s = 30.0
    drain_timeout_s = 5.0              # on SIGTERM, how long to wait for outstanding acks

    [batch]
    max_batch_samples = 5000
    flush_interval_s = 1.0

    [collectors.cpu]                   # one table per collector name
    enabled = true
    interval_s = 10.0                  # 0 disables, like enabled = false

Environment overrides: ``EUS_AGENT_<KEY>`` for ``[agent]`` keys (``EUS_AGENT_STATE_DIR``,
``EUS_AGENT_STREAM_ADDRESS``, ``EUS_AGENT_LOG_LEVEL``), ``EUS_AGENT_<SECTION>_<KEY>`` for the
other sections (``EUS_AGENT_SPOOL_MAX_BYTES``, ``EUS_AGENT_TRANSPORT_WINDOW``,
``EUS_AGENT_BATCH_FLUSH_INTERVAL_S`` ...), ``EUS_AGENT_COLLECTOR_<NAME>_ENABLED`` and
``EUS_AGENT_COLLECTOR_<NAME>_INTERVAL_S`` for collectors, and ``EUS_AGENT_CONFIG`` for the
file. Unknown keys in the file and unknown ``EUS_AGENT_*`` variables are errors, so a typo
never silently falls back to a default; so is every value of the wrong type or out of range.
All problems are reported together, one line each (``eus.settings``)::

    transport.window = 0 in /etc/eus/agent.toml: must be at least 1
    EUS_AGENT_SPOOL_MAX_BYTES=lots (environment): must be a whole number

Durations (``*_s``) are seconds or ``30s``, ``5m``, ``2h``, ``1d``, ``1w``, ``1h30m``;
booleans ``true``/``false`` (also ``1 yes on`` / ``0 no off``).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar

from eus.settings import (
    ConfigError,
    Layer,
    build,
    did_you_mean,
    setting,
    to_bool,
    to_seconds,
    to_str,
    unknown_keys,
)

DEFAULT_CONFIG_PATH = Path("/etc/eus/agent.toml")
ENV_PREFIX = "EUS_AGENT_"
ENV_CONFIG = "EUS_AGENT_CONFIG"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

__all__ = ["Config", "ConfigError", "load"]

S = TypeVar("S")


def _log_level(value: Any) -> str:
    return to_str(value).strip().upper()


@dataclass(frozen=True, slots=True)
class AgentSection:
    state_dir: Path = setting(Path("/var/lib/eus-agent"))
    stream_address: str = setting("")
    log_level: str = setting("INFO", coerce=_log_level, choices=LOG_LEVELS)


@dataclass(frozen=True, slots=True)
class SpoolSection:
    max_bytes: int = setting(256 * 1024 * 1024, low=1)
    max_age_s: float = setting(7 * 24 * 3600.0, above=0, coerce=to_seconds)
    journal_path: str = setting("")


@dataclass(frozen=True, slots=True)
class TransportSection:
    window: int = setting(32, low=1)
    backoff_initial_s: float = setting(0.5, above=0, coerce=to_seconds)
    backoff_max_s: float = setting(30.0, above=0, coerce=to_seconds)
    drain_timeout_s: float = setting(5.0, low=0, coerce=to_seconds)


@dataclass(frozen=True, slots=True)
class BatchSection:
    max_batch_samples: int = setting(5000, low=1)
    flush_interval_s: float = setting(1.0, above=0, coerce=to_seconds)


@dataclass(frozen=True, slots=True)
class CollectorOverride:
    """Per-collector settings from ``[collectors.<name>]``; None = the collector's default."""

    enabled: bool | None = setting(None, coerce=to_bool)
    interval_s: float | None = setting(None, low=0, coerce=to_seconds)  # 0 disables


@dataclass(frozen=True, slots=True)
class Config:
    """The whole agent configuration."""

    agent: AgentSection = field(default_factory=AgentSection)
    spool: SpoolSection = field(default_factory=SpoolSection)
    transport: TransportSection = field(default_factory=TransportSection)
    batch: BatchSection = field(default_factory=BatchSection)
    collectors: Mapping[str, CollectorOverride] = field(default_factory=dict)
    # Raw tables of the extension sections (``[functions]``, ``[inventory]``, ``[snmp]`` ...):
    # each extension validates its own (agent/extensions.py).
    extensions: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    source: Path | None = None  # the file that was read, if any

    @property
    def state_dir(self) -> Path:
        return self.agent.state_dir

    @property
    def spool_path(self) -> Path:
        return self.agent.state_dir / "spool.sqlite3"


_SECTIONS: dict[str, type[Any]] = {
    "agent": AgentSection,
    "spool": SpoolSection,
    "transport": TransportSection,
    "batch": BatchSection,
}

# Sections owned by agent extensions; their keys are checked by the extension, not here.
EXTENSION_SECTIONS = ("functions", "inventory", "snmp")
_COLLECTOR_KEYS = ("_ENABLED", "_INTERVAL_S")


def _env_prefix(section: str) -> str:
    return ENV_PREFIX if section == "agent" else f"{ENV_PREFIX}{section.upper()}_"


def _env_layer(
    env: Mapping[str, str],
) -> tuple[dict[str, dict[str, str]], dict[str, dict[str, str]], dict[str, dict[str, str]], list[str]]:
    """Split ``EUS_AGENT_*`` variables into section, collector and extension values.

    Also returns one error line per variable that is none of these.
    """
    sections: dict[str, dict[str, str]] = {name: {} for name in _SECTIONS}
    extensions: dict[str, dict[str, str]] = {}
    collectors: dict[str, dict[str, str]] = {}
    errors: list[str] = []
    names: dict[str, tuple[str, str]] = {}
    for section, cls in _SECTIONS.items():
        for f in fields(cls):
            names[f"{_env_prefix(section)}{f.name.upper()}"] = (section, f.name)
    for var, value in sorted(env.items()):
        if not var.startswith(ENV_PREFIX) or var == ENV_CONFIG:
            continue
        if var in names:
            section, key = names[var]
            sections[section][key] = value
            continue
        rest = var[len(ENV_PREFIX) :]
        if rest.startswith("COLLECTOR_"):
            suffix = next((s for s in _COLLECTOR_KEYS if rest.endswith(s)), None)
            if suffix is not None and len(rest) > len("COLLECTOR_") + len(suffix):
                name = rest[len("COLLECTOR_") : -len(suffix)].lower()
                collectors.setdefault(name, {})[suffix[1:].lower()] = value
            else:
                errors.append(
                    f"{var} (environment): unknown setting "
                    "(expected EUS_AGENT_COLLECTOR_<NAME>_ENABLED or _INTERVAL_S)"
                )
            continue
        ext = next((e for e in EXTENSION_SECTIONS if rest.startswith(f"{e.upper()}_")), None)
        if ext is not None and len(rest) > len(ext) + 1:
            extensions.setdefault(ext, {})[rest[len(ext) + 1 :].lower()] = value
            continue
        errors.append(f"{var} (environment): unknown setting{did_you_mean(var, names)}")
    return sections, collectors, extensions, errors


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None


def _build(errors: list[str], cls: type[S], layers: Sequence[Layer]) -> S:
    """``cls`` with ``layers`` applied; on errors, the defaults, and the lines added to ``errors``."""
    try:
        return build(cls, layers)
    except ConfigError as exc:
        errors.extend(exc.lines)
        return cls()


def _check_tables(data: Mapping[str, Any], where: str) -> list[str]:
    tables = (*_SECTIONS, "collectors", *EXTENSION_SECTIONS)
    errors = [
        f"[{name}] in {where}: unknown section{did_you_mean(name, tables)}"
        for name in unknown_keys(data, tables)
    ]
    errors += [
        f"[{name}] in {where}: must be a table"
        for name in tables
        if name in data and not isinstance(data[name], dict)
    ]
    errors += [
        f"[collectors.{name}] in {where}: must be a table"
        for name, values in (data.get("collectors") or {}).items()
        if not isinstance(values, dict)
    ]
    return errors


def load(path: Path | None = None, env: Mapping[str, str] | None = None) -> Config:
    """Build the configuration from defaults, the TOML file (if any) and the environment.

    Raises :class:`ConfigError` for an unreadable file, unknown keys or invalid values, with
    one line per problem.
    """
    env = os.environ if env is None else env
    if path is None and env.get(ENV_CONFIG):
        path = Path(env[ENV_CONFIG])
    if path is None and DEFAULT_CONFIG_PATH.exists():
        path = DEFAULT_CONFIG_PATH
    data = _read(path) if path is not None else {}
    where = str(path) if path is not None else "config"
    errors = _check_tables(data, where)
    if errors:
        raise ConfigError(errors)
    env_sections, env_collectors, env_extensions, errors = _env_layer(env)

    sections: dict[str, Any] = {}
    for name, cls in _SECTIONS.items():
        layers = [
            Layer(data.get(name, {}), where, section=f"{name}."),
            Layer(env_sections[name], "environment", env_prefix=_env_prefix(name)),
        ]
        sections[name] = _build(errors, cls, layers)

    collectors: dict[str, CollectorOverride] = {}
    for name in sorted({*data.get("collectors", {}), *env_collectors}):
        layers = [
            Layer(data.get("collectors", {}).get(name, {}), where, section=f"collectors.{name}."),
            Layer(
                env_collectors.get(name, {}),
                "environment",
                env_prefix=f"{ENV_PREFIX}COLLECTOR_{name.upper()}_",
            ),
        ]
        collectors[name] = _build(errors, CollectorOverride, layers)

    transport = sections["transport"]
    if transport.backoff_max_s < transport.backoff_initial_s:
        errors.append(
            f"transport.backoff_max_s = {transport.backoff_max_s:g}: "
            f"must be at least transport.backoff_initial_s ({transport.backoff_initial_s:g})"
        )
    if errors:
        raise ConfigError(errors)

    extensions: dict[str, Mapping[str, Any]] = {}
    for name in EXTENSION_SECTIONS:
        merged = {**data.get(name, {}), **env_extensions.get(name, {})}
        if merged:
            extensions[name] = merged
    return Config(collectors=collectors, extensions=extensions, source=path, **sections)

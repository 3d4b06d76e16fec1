"""Agent configuration, layered: defaults -> TOML file -> ``EUS_AGENT_*`` environment.

Nothing reads configuration at import time: :func:`load` is called by the composition root
(``agent.app``) and the CLI.

The file (``--config FILE``, else ``$EUS_AGENT_CONFIG``, else ``/etc/eus/agent.toml`` if it
exists) has these sections; every key is optional::

    [agent]
    state_dir = "/var/lib/eus-agent"   # identity, spool database
    stream_address = ""                # "host:port"; overrides the address from enrolment
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
never silently falls back to a default.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

DEFAULT_CONFIG_PATH = Path("/etc/eus/agent.toml")
ENV_PREFIX = "EUS_AGENT_"
ENV_CONFIG = "EUS_AGENT_CONFIG"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class ConfigError(ValueError):
    """The configuration file or environment is invalid; the message says where and why."""


@dataclass(frozen=True, slots=True)
class AgentSection:
    state_dir: Path = Path("/var/lib/eus-agent")
    stream_address: str = ""
    log_level: str = "INFO"


@dataclass(frozen=True, slots=True)
class SpoolSection:
    max_bytes: int = 256 * 1024 * 1024
    max_age_s: float = 7 * 24 * 3600.0
    journal_path: str = ""


@dataclass(frozen=True, slots=True)
class TransportSection:
    window: int = 32
    backoff_initial_s: float = 0.5
    backoff_max_s: float = 30.0
    drain_timeout_s: float = 5.0


@dataclass(frozen=True, slots=True)
class BatchSection:
    max_batch_samples: int = 5000
    flush_interval_s: float = 1.0


@dataclass(frozen=True, slots=True)
class CollectorOverride:
    """Per-collector settings from ``[collectors.<name>]``; None = the collector's default."""

    enabled: bool | None = None
    interval_s: float | None = None


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


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"not a boolean: {value!r}")


def _to_int(value: Any) -> int:
    if isinstance(value, bool | float):
        raise ValueError(f"not an integer: {value!r}")
    return int(value)


def _to_float(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError(f"not a number: {value!r}")
    return float(value)


def _to_path(value: Any) -> Path:
    if not isinstance(value, str) or not value:
        raise ValueError(f"not a path: {value!r}")
    return Path(value)


def _to_str(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"not a string: {value!r}")
    return value


# Checked in order: bool before int, because bool is an int.
_CONVERTERS: tuple[tuple[type[Any], Any], ...] = (
    (bool, _to_bool),
    (int, _to_int),
    (float, _to_float),
    (Path, _to_path),
    (str, _to_str),
)


def _coerce(value: Any, like: Any, where: str) -> Any:
    """Convert a TOML or environment value to the type of the default ``like``."""
    for kind, convert in _CONVERTERS:
        if isinstance(like, kind):
            try:
                return convert(value)
            except ValueError as exc:
                raise ConfigError(f"{where}: {exc}") from None
    raise ConfigError(f"{where}: unsupported value {value!r}")  # pragma: no cover - defaults are typed


def _apply(section: Any, values: Mapping[str, Any], where: str) -> Any:
    known = {f.name: getattr(section, f.name) for f in fields(section)}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ConfigError(
            f"{where}: unknown setting(s) {', '.join(unknown)} (known: {', '.join(sorted(known))})"
        )
    return replace(section, **{k: _coerce(v, known[k], f"{where}.{k}") for k, v in values.items()})


def _collector(values: Mapping[str, Any], where: str) -> CollectorOverride:
    unknown = sorted(set(values) - {"enabled", "interval_s"})
    if unknown:
        raise ConfigError(f"{where}: unknown setting(s) {', '.join(unknown)} (known: enabled, interval_s)")
    enabled = values.get("enabled")
    interval = values.get("interval_s")
    return CollectorOverride(
        enabled=None if enabled is None else _coerce(enabled, True, f"{where}.enabled"),
        interval_s=None if interval is None else _coerce(interval, 0.0, f"{where}.interval_s"),
    )


# Sections owned by agent extensions; their keys are checked by the extension, not here.
EXTENSION_SECTIONS = ("functions", "inventory", "snmp")


def _env_layer(
    env: Mapping[str, str],
) -> tuple[dict[str, dict[str, str]], dict[str, dict[str, str]], dict[str, dict[str, str]]]:
    """Split ``EUS_AGENT_*`` variables into section, collector and extension values."""
    sections: dict[str, dict[str, str]] = {name: {} for name in _SECTIONS}
    extensions: dict[str, dict[str, str]] = {}
    collectors: dict[str, dict[str, str]] = {}
    names: dict[str, tuple[str, str]] = {}
    for section, cls in _SECTIONS.items():
        for f in fields(cls):
            prefix = "" if section == "agent" else f"{section.upper()}_"
            names[f"{ENV_PREFIX}{prefix}{f.name.upper()}"] = (section, f.name)
    for var, value in env.items():
        if not var.startswith(ENV_PREFIX) or var == ENV_CONFIG:
            continue
        if var in names:
            section, key = names[var]
            sections[section][key] = value
            continue
        rest = var[len(ENV_PREFIX) :]
        if rest.startswith("COLLECTOR_"):
            for suffix in ("_ENABLED", "_INTERVAL_S"):
                if rest.endswith(suffix) and len(rest) > len("COLLECTOR_") + len(suffix):
                    name = rest[len("COLLECTOR_") : -len(suffix)].lower()
                    collectors.setdefault(name, {})[suffix[1:].lower()] = value
                    break
            else:
                raise ConfigError(f"{var}: expected EUS_AGENT_COLLECTOR_<NAME>_ENABLED or _INTERVAL_S")
            continue
        ext = next((e for e in EXTENSION_SECTIONS if rest.startswith(f"{e.upper()}_")), None)
        if ext is not None and len(rest) > len(ext) + 1:
            extensions.setdefault(ext, {})[rest[len(ext) + 1 :].lower()] = value
            continue
        raise ConfigError(f"{var}: unknown agent setting (known: {', '.join(sorted(names))})")
    return sections, collectors, extensions


def _validate(cfg: Config) -> None:
    checks = [
        (cfg.spool.max_bytes > 0, "spool.max_bytes must be > 0"),
        (cfg.spool.max_age_s > 0, "spool.max_age_s must be > 0"),
        (cfg.transport.window >= 1, "transport.window must be >= 1"),
        (cfg.transport.backoff_initial_s > 0, "transport.backoff_initial_s must be > 0"),
        (
            cfg.transport.backoff_max_s >= cfg.transport.backoff_initial_s,
            "transport.backoff_max_s must be >= backoff_initial_s",
        ),
        (cfg.transport.drain_timeout_s >= 0, "transport.drain_timeout_s must be >= 0"),
        (cfg.batch.max_batch_samples >= 1, "batch.max_batch_samples must be >= 1"),
        (cfg.batch.flush_interval_s > 0, "batch.flush_interval_s must be > 0"),
        (
            cfg.agent.log_level.upper() in LOG_LEVELS,
            f"agent.log_level must be one of {', '.join(LOG_LEVELS)}",
        ),
    ]
    for ok, message in checks:
        if not ok:
            raise ConfigError(message)
    for name, override in cfg.collectors.items():
        if override.interval_s is not None and not 0 <= override.interval_s < float("inf"):
            raise ConfigError(f"collectors.{name}.interval_s must be >= 0 (0 disables)")


def _collectors(
    from_file: Mapping[str, Any], from_env: Mapping[str, Mapping[str, str]], where: str
) -> dict[str, CollectorOverride]:
    """``[collectors.*]`` tables overlaid by ``EUS_AGENT_COLLECTOR_*`` variables."""
    collectors: dict[str, CollectorOverride] = {}
    for name, values in from_file.items():
        if not isinstance(values, dict):
            raise ConfigError(f"{where}: [collectors.{name}] must be a table")
        collectors[name] = _collector(values, f"{where} [collectors.{name}]")
    for name, values in from_env.items():
        env_override = _collector(values, f"environment EUS_AGENT_COLLECTOR_{name.upper()}")
        base = collectors.get(name, CollectorOverride())
        collectors[name] = CollectorOverride(
            enabled=base.enabled if env_override.enabled is None else env_override.enabled,
            interval_s=base.interval_s if env_override.interval_s is None else env_override.interval_s,
        )

    return collectors


def load(path: Path | None = None, env: Mapping[str, str] | None = None) -> Config:
    """Build the configuration from defaults, the TOML file (if any) and the environment.

    Raises :class:`ConfigError` for an unreadable file, unknown keys or invalid values.
    """
    env = os.environ if env is None else env
    if path is None and env.get(ENV_CONFIG):
        path = Path(env[ENV_CONFIG])
    if path is None and DEFAULT_CONFIG_PATH.exists():
        path = DEFAULT_CONFIG_PATH
    data: dict[str, Any] = {}
    if path is not None:
        try:
            with path.open("rb") as fh:
                data = tomllib.load(fh)
        except OSError as exc:
            raise ConfigError(f"cannot read config file {path}: {exc.strerror or exc}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    where = str(path) if path is not None else "config"
    unknown = sorted(set(data) - {*_SECTIONS, "collectors", *EXTENSION_SECTIONS})
    if unknown:
        raise ConfigError(f"{where}: unknown section(s) {', '.join(unknown)}")
    for name in (*_SECTIONS, "collectors", *EXTENSION_SECTIONS):
        if name in data and not isinstance(data[name], dict):
            raise ConfigError(f"{where}: [{name}] must be a table")

    env_sections, env_collectors, env_extensions = _env_layer(env)
    sections: dict[str, Any] = {}
    for name, cls in _SECTIONS.items():
        section = _apply(cls(), data.get(name, {}), f"{where} [{name}]")
        sections[name] = _apply(section, env_sections[name], "environment")

    collectors = _collectors(data.get("collectors", {}), env_collectors, where)
    extensions: dict[str, Mapping[str, Any]] = {}
    for name in EXTENSION_SECTIONS:
        merged = {**data.get(name, {}), **env_extensions.get(name, {})}
        if merged:
            extensions[name] = merged

    cfg = Config(collectors=collectors, extensions=extensions, source=path, **sections)
    cfg = replace(cfg, agent=replace(cfg.agent, log_level=cfg.agent.log_level.upper()))
    _validate(cfg)
    return cfg

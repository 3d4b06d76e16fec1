"""The ``[snmp]`` section of agent.toml and the checks every target passes (pure).

::

    [snmp]
    enabled = true              # false: never poll, even when the collector pushes targets
    max_concurrency = 10        # requests in flight per gateway
    max_repetitions = 25        # GETBULK max-repetitions (rows per column per request)
    trap_enabled = false
    trap_host = "0.0.0.0"
    trap_port = 162
    trap_communities = ["public"]          # v1/v2c communities accepted (none by default)
    trap_v3_users = [{user = "trap", auth_protocol = "SHA-256", auth_key = "...",
                      priv_protocol = "AES", priv_key = "...", engine_id = "80001f8880..."}]

    [[snmp.targets]]            # any SnmpTarget field (eus.proto)
    id = "snmp-core-switch"
    host = "192.0.2.10"
    user = "monitor"
    auth_protocol = "SHA-256"
    auth_key = "..."
    priv_protocol = "AES"
    priv_key = "..."

From the environment, ``EUS_AGENT_SNMP_TARGETS`` and ``EUS_AGENT_SNMP_TRAP_V3_USERS`` take
JSON arrays, ``EUS_AGENT_SNMP_TRAP_COMMUNITIES`` a comma-separated list. A v3 *trap* (not an
inform) can only be checked with the sender's engine id: give it as ``engine_id`` (hex), or
let the gateway learn it by polling that device with the same user.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from agent.snmp.credentials import CredentialError, Credentials, from_target
from eus import snmp_target
from eus.settings import to_bool, to_int, to_seconds, unknown_keys
from eus.v1 import eus_pb2

_TARGET_FIELDS = {f.name for f in eus_pb2.SnmpTarget.DESCRIPTOR.fields}
_SECTION_KEYS = {
    "enabled",
    "targets",
    "max_concurrency",
    "max_repetitions",
    "trap_enabled",
    "trap_host",
    "trap_port",
    "trap_communities",
    "trap_v3_users",
}


class SettingsError(ValueError):
    """The ``[snmp]`` section is invalid; the message says where and why (never a secret)."""


@dataclass(frozen=True)
class TrapSettings:
    enabled: bool = False
    host: str = "0.0.0.0"  # noqa: S104 -- a trap listener listens on every interface unless told
    port: int = 162
    communities: tuple[str, ...] = ()
    v3_users: tuple[eus_pb2.SnmpTarget, ...] = ()  # user/auth/priv fields; params["engine_id"] optional


@dataclass(frozen=True)
class SnmpSettings:
    enabled: bool = True
    targets: tuple[eus_pb2.SnmpTarget, ...] = ()
    traps: TrapSettings = field(default_factory=TrapSettings)
    max_concurrency: int = 10
    max_repetitions: int = 25


@dataclass(frozen=True)
class TargetSpec:
    """A target with defaults applied and everything checked."""

    id: str
    name: str
    host: str
    port: int
    interval_s: float
    timeout_s: float
    retries: int
    profiles: tuple[str, ...]
    params: Mapping[str, str]
    credentials: Credentials

    @property
    def address(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    def polling_facts(self) -> dict[str, str]:
        """How the gateway really polls this target, never a secret (pure): the collector
        shows these for targets from agent.toml instead of defaults it would have to invent."""
        c = self.credentials
        facts = {
            "poll_host": self.host,
            "poll_port": str(self.port),
            "poll_version": c.version,
            "poll_legacy": "1" if c.legacy else "0",
            "poll_interval_s": f"{self.interval_s:g}",
            "poll_timeout_s": f"{self.timeout_s:g}",
            "poll_retries": str(self.retries),
        }
        if c.version == "3":
            facts |= {"poll_user": c.user, "poll_auth": c.auth_protocol, "poll_priv": c.priv_protocol}
        return facts


def check_target(target: eus_pb2.SnmpTarget) -> TargetSpec:
    """Defaults applied and validated by the rules every side uses (``eus.snmp_target``);
    raises :class:`SettingsError` naming every problem."""
    problems = snmp_target.problems(target)
    if problems:
        where = f"SNMP target {target.id!r}" if target.id else "an SNMP target"
        raise SettingsError(f"{where}: " + " ".join(p.message for p in problems))
    return TargetSpec(
        id=target.id,
        name=target.name or target.host.strip(),
        host=target.host.strip(),
        port=snmp_target.port(target),
        interval_s=snmp_target.interval_s(target),
        timeout_s=snmp_target.timeout_s(target),
        retries=snmp_target.retries(target),
        profiles=snmp_target.profiles(target),
        params=dict(target.params),
        credentials=from_target(target),
    )


def _bool(value: Any, where: str) -> bool:
    try:
        return to_bool(value)
    except ValueError as exc:
        raise SettingsError(f"{where}: {exc}, not {value!r}") from None


def _int(value: Any, where: str, lo: int, hi: int) -> int:
    try:
        out = to_int(value)
    except ValueError as exc:
        raise SettingsError(f"{where}: {exc}, not {value!r}") from None
    if not lo <= out <= hi:
        raise SettingsError(f"{where}: {out} is not in {lo}..{hi}")
    return out


def _tables(value: Any, where: str) -> list[Mapping[str, Any]]:
    if isinstance(value, str):  # from the environment
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise SettingsError(f"{where}: not a JSON array of objects: {exc}") from None
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise SettingsError(f"{where}: must be an array of tables")
    return value


def _set_field(target: eus_pb2.SnmpTarget, key: str, value: Any, where: str) -> None:
    if key == "profiles":
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list):
            raise SettingsError(f"{where}: must be a list of names")
        target.profiles.extend(str(p).strip() for p in items if str(p).strip())
    elif key == "params":
        if not isinstance(value, dict):
            raise SettingsError(f"{where}: must be a table")
        target.params.update({str(k): str(v) for k, v in value.items()})
    elif key == "legacy":
        target.legacy = _bool(value, where)
    elif key in ("port", "retries"):
        setattr(target, key, _int(value, where, 0, 65535))
    elif key in ("interval_s", "timeout_s"):
        try:
            setattr(target, key, to_seconds(value))
        except ValueError as exc:
            raise SettingsError(f"{where}: {exc}, not {value!r}") from None
    elif isinstance(value, str):
        setattr(target, key, value)
    else:
        raise SettingsError(f"{where}: must be a string")


def target_from_table(
    table: Mapping[str, Any], where: str, *, extra: frozenset[str] = frozenset()
) -> eus_pb2.SnmpTarget:
    """An ``SnmpTarget`` from a TOML/JSON table (keys are the message's field names)."""
    unknown = unknown_keys(table, _TARGET_FIELDS | extra)
    if unknown:
        raise SettingsError(f"{where}: unknown key(s) {', '.join(unknown)}")
    target = eus_pb2.SnmpTarget()
    for key, value in table.items():
        if key not in extra:
            _set_field(target, key, value, f"{where}.{key}")
    return target


def _trap_user(table: Mapping[str, Any], where: str) -> eus_pb2.SnmpTarget:
    user = target_from_table(table, where, extra=frozenset({"engine_id"}))
    raw = str(table.get("engine_id", "")).strip()
    if raw:
        engine_id = snmp_target.engine_id(raw)
        if engine_id is None:
            raise SettingsError(f"{where}.engine_id: must be 5-32 octets in hex")
        user.params["engine_id"] = engine_id
    user.version = "3"
    user.legacy = True  # a trap user's level is the sender's choice; the listener only verifies
    try:
        from_target(user)
    except CredentialError as exc:
        raise SettingsError(f"{where}: {exc}") from None
    return user


def parse(section: Mapping[str, Any]) -> SnmpSettings:
    """Validate the raw ``[snmp]`` table (file values overlaid by the environment)."""
    unknown = unknown_keys(section, _SECTION_KEYS)
    if unknown:
        raise SettingsError(
            f"[snmp]: unknown setting(s) {', '.join(unknown)} (known: {', '.join(sorted(_SECTION_KEYS))})"
        )
    targets = tuple(
        target_from_table(t, f"[snmp] targets[{i}]")
        for i, t in enumerate(_tables(section.get("targets", []), "[snmp] targets"))
    )
    seen: set[str] = set()
    for t in targets:
        check_target(t)  # raises with the target's id in the message
        if t.id in seen:
            raise SettingsError(f"[snmp] targets: id {t.id!r} appears twice")
        seen.add(t.id)
    communities = section.get("trap_communities", [])
    if isinstance(communities, str):
        communities = [c for c in (x.strip() for x in communities.split(",")) if c]
    if not isinstance(communities, list) or not all(isinstance(c, str) and c for c in communities):
        raise SettingsError("[snmp] trap_communities: must be a list of non-empty strings")
    traps = TrapSettings(
        enabled=_bool(section.get("trap_enabled", False), "[snmp] trap_enabled"),
        host=str(section.get("trap_host", "0.0.0.0")).strip() or "0.0.0.0",  # noqa: S104
        port=_int(section.get("trap_port", 162), "[snmp] trap_port", 1, 65535),
        communities=tuple(communities),
        v3_users=tuple(
            _trap_user(u, f"[snmp] trap_v3_users[{i}]")
            for i, u in enumerate(_tables(section.get("trap_v3_users", []), "[snmp] trap_v3_users"))
        ),
    )
    if traps.enabled and not traps.communities and not traps.v3_users:
        raise SettingsError(
            "[snmp]: trap_enabled needs trap_communities or trap_v3_users (otherwise every trap is refused)"
        )
    return SnmpSettings(
        enabled=_bool(section.get("enabled", True), "[snmp] enabled"),
        targets=targets,
        traps=traps,
        max_concurrency=_int(section.get("max_concurrency", 10), "[snmp] max_concurrency", 1, 100),
        max_repetitions=_int(section.get("max_repetitions", 25), "[snmp] max_repetitions", 1, 200),
    )

"""An SNMP device's settings from the submitted form (dashboard and ``eus snmp`` CLI).

The rules themselves — authPriv by default, legacy only when ticked, the ranges, the
protocols — are :mod:`eus.snmp_target`'s, the same the agent applies to its agent.toml;
this module turns form text into an ``SnmpTarget``, adds what only the form has (a
required name, the customer's gateways and sites, secrets kept when left blank) and
reports every problem at once, one message each naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from collector.snmp.models import NetworkDevice, SnmpVersion
from collector.snmp.secrets import Secret
from eus import snmp_target
from eus.snmp_target import (
    AUTH_PROTOCOLS,
    DEFAULT_SUPPLY_CRIT,
    DEFAULT_SUPPLY_WARN,
    MAX_NAME,
    MAX_SECRET,
    PRIV_PROTOCOLS,
)
from eus.v1 import eus_pb2
from eus.values import checkbox

__all__ = [
    "AUTH_PROTOCOLS",
    "DEFAULT_SUPPLY_CRIT",
    "DEFAULT_SUPPLY_WARN",
    "MAX_SECRET",
    "PRIV_PROTOCOLS",
    "Credentials",
    "DeviceSettings",
    "StoredSecrets",
    "ValidationError",
    "validate",
]


class ValidationError(ValueError):
    """The form cannot be accepted; ``errors`` says why, one message per problem."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class StoredSecrets:
    """Which secrets the device already has (editing: a blank field keeps the stored one)."""

    community: bool = False
    auth_key: bool = False
    priv_key: bool = False

    @classmethod
    def of(cls, device: NetworkDevice) -> StoredSecrets:
        return cls(bool(device.community_enc), bool(device.auth_key_enc), bool(device.priv_key_enc))


@dataclass(frozen=True)
class Credentials:
    """How the gateway authenticates. A secret of None means "keep the stored one"; an
    empty secret means "none" (a protocol switched off drops its key)."""

    user: str = ""
    auth_protocol: str = ""
    priv_protocol: str = ""
    context: str = ""
    community: Secret | None = None
    auth_key: Secret | None = None
    priv_key: Secret | None = None


@dataclass(frozen=True)
class DeviceSettings:
    """Validated settings of one network device."""

    name: str
    host: str
    port: int
    version: str
    legacy: bool
    gateway_device_id: int
    site_id: int | None
    credentials: Credentials = field(default_factory=Credentials)
    interval_s: float = 60.0
    timeout_s: float = 2.0
    retries: int = 1
    profiles: tuple[str, ...] = ()
    params: dict[str, float | str] = field(default_factory=dict)


def _text(form: Mapping[str, str], name: str) -> str:
    return " ".join(str(form.get(name, "")).split())


def _number(
    form: Mapping[str, str],
    name: str,
    label: str,
    bounds: tuple[float, float],
    *,
    errors: list[str],
    integer: bool = False,
) -> float | None:
    """The field as a number (range checked later, by the shared rules); None when blank."""
    raw = str(form.get(name, "")).strip()
    if not raw:
        return None
    try:
        return int(raw) if integer else float(raw)
    except ValueError:
        lo, hi = bounds
        errors.append(f"{label}: {'a whole number' if integer else 'a number'} from {lo:g} to {hi:g}.")
        return None


def _choice(
    form: Mapping[str, str], name: str, allowed: set[int], message: str, errors: list[str]
) -> int | None:
    raw = str(form.get(name, "")).strip()
    if not raw:
        return None
    if not raw.isdigit() or int(raw) not in allowed:
        errors.append(message)
        return None
    return int(raw)


def _secret(form: Mapping[str, str], name: str) -> Secret | None:
    """A newly typed secret, or None when the field was left blank."""
    raw = str(form.get(name, ""))
    return Secret(raw) if raw else None


def _credentials(form: Mapping[str, str], version: str) -> Credentials:
    """What the form says about authentication; a protocol switched off drops its key."""
    if version != SnmpVersion.V3.value:
        return Credentials(community=_secret(form, "community"), auth_key=Secret(""), priv_key=Secret(""))
    auth = str(form.get("auth_protocol", "")).strip().upper()
    priv = str(form.get("priv_protocol", "")).strip().upper() if auth else ""
    return Credentials(
        user=str(form.get("user", "")).strip(),
        auth_protocol=auth,
        priv_protocol=priv,
        context=str(form.get("context", "")).strip(),
        community=Secret(""),
        auth_key=_secret(form, "auth_key") if auth else Secret(""),
        priv_key=_secret(form, "priv_key") if priv else Secret(""),
    )


def _target(
    form: Mapping[str, str], *, name: str, version: str, legacy: bool, numbers: Mapping[str, float | None]
) -> eus_pb2.SnmpTarget:
    """The form as the contract's target, for the shared rules (secrets stay in memory)."""
    v3 = version == SnmpVersion.V3.value
    target = eus_pb2.SnmpTarget(
        name=name,
        host=str(form.get("host", "")).strip(),
        version=version,
        legacy=legacy,
        community="" if v3 else str(form.get("community", "")),
        user=str(form.get("user", "")).strip() if v3 else "",
        auth_protocol=str(form.get("auth_protocol", "")).strip() if v3 else "",
        auth_key=str(form.get("auth_key", "")) if v3 else "",
        priv_protocol=str(form.get("priv_protocol", "")).strip() if v3 else "",
        priv_key=str(form.get("priv_key", "")) if v3 else "",
        context=str(form.get("context", "")).strip() if v3 else "",
        profiles=[p.strip() for p in str(form.get("profiles", "")).split(",") if p.strip()],
    )
    for key in ("port", "interval_s", "timeout_s", "retries"):
        value = numbers[key]
        if value is not None:
            setattr(target, key, int(value) if key in ("port", "retries") else value)
    for key in (snmp_target.SUPPLY_WARN, snmp_target.SUPPLY_CRIT):
        if numbers[key] is not None:
            target.params[key] = repr(numbers[key])
    engine_id = str(form.get("engine_id", "")).strip()
    if engine_id:
        target.params[snmp_target.ENGINE_ID] = engine_id
    return target


NUMBERS = (  # form field, label, bounds for the parse message, whole number
    ("port", "Port", snmp_target.PORT, True),
    ("interval_s", "Interval", snmp_target.INTERVAL_S, False),
    ("timeout_s", "Timeout", snmp_target.TIMEOUT_S, False),
    ("retries", "Retries", snmp_target.RETRIES, True),
    (snmp_target.SUPPLY_WARN, "Supply warning level", snmp_target.PERCENT, False),
    (snmp_target.SUPPLY_CRIT, "Supply critical level", snmp_target.PERCENT, False),
)


def validate(
    form: Mapping[str, str],
    *,
    gateways: set[int],
    sites: set[int],
    stored: StoredSecrets | None = None,
) -> DeviceSettings:
    """Check a submitted device form; raises :class:`ValidationError` listing every problem.

    ``gateways`` are the agents of the device's customer that may poll it, ``sites`` its
    sites; ``stored`` says which secrets an edited device has already."""
    stored = stored or StoredSecrets()
    errors: list[str] = []
    name = _text(form, "name")
    if not name:
        errors.append(f"Name: 1 to {MAX_NAME} characters.")
    version = str(form.get("version", SnmpVersion.V3.value)).strip().lower() or SnmpVersion.V3.value
    legacy = checkbox(form.get("legacy"))
    gateway = _choice(
        form, "gateway_device_id", gateways, "Gateway: choose one of this customer's agents.", errors
    )
    if gateway is None and not any(e.startswith("Gateway") for e in errors):
        errors.append("Gateway: choose the agent that polls this device.")
    site = _choice(form, "site_id", sites, "Site: choose one of this customer's sites.", errors)
    numbers = {
        key: _number(form, key, label, bounds, errors=errors, integer=whole)
        for key, label, bounds, whole in NUMBERS
    }
    target = _target(form, name=name, version=version, legacy=legacy, numbers=numbers)
    kept = [f for f, has in (("community", stored.community), ("auth_key", stored.auth_key)) if has]
    kept += ["priv_key"] if stored.priv_key else []
    for problem in snmp_target.problems(target, stored=kept, require_id=False):
        if problem.message not in errors:  # a name both too long and blank is said once
            errors.append(problem.message)
    if errors:
        raise ValidationError(errors)
    assert gateway is not None
    warn, crit = numbers[snmp_target.SUPPLY_WARN], numbers[snmp_target.SUPPLY_CRIT]
    params: dict[str, float | str] = {  # 0 is a level: only a blank field takes the default
        snmp_target.SUPPLY_WARN: DEFAULT_SUPPLY_WARN if warn is None else warn,
        snmp_target.SUPPLY_CRIT: DEFAULT_SUPPLY_CRIT if crit is None else crit,
    }
    engine_id = snmp_target.engine_id(target.params.get(snmp_target.ENGINE_ID, ""))
    if engine_id is not None:
        params[snmp_target.ENGINE_ID] = engine_id
    return DeviceSettings(
        name=name,
        host=target.host,
        port=snmp_target.port(target),
        version=version,
        legacy=legacy,
        gateway_device_id=gateway,
        site_id=site,
        interval_s=snmp_target.interval_s(target),
        timeout_s=snmp_target.timeout_s(target),
        retries=snmp_target.retries(target),
        profiles=snmp_target.profiles(target),
        params=params,
        credentials=_credentials(form, version),
    )

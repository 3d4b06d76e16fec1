"""The rules for an SNMP device's settings, as one pure function over the submitted form.

SNMPv3 with authentication and privacy (SHA-2, AES) is the default. Anything weaker —
SNMPv1/v2c (the community travels in clear text), MD5, DES, authNoPriv, noAuthNoPriv — is
refused unless the technician ticks *legacy*, which the dashboard then shows as a finding.
Every problem gets its own message naming the field; all of them are reported at once.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from collector.snmp.models import NetworkDevice, SnmpVersion
from collector.snmp.secrets import Secret
from eus.values import checkbox

AUTH_PROTOCOLS = ("SHA-256", "SHA-384", "SHA-512", "SHA-224", "SHA", "MD5")
PRIV_PROTOCOLS = ("AES", "AES-192", "AES-256", "AES-192-BLUMENTHAL", "AES-256-BLUMENTHAL", "DES")
WEAK_AUTH = frozenset({"MD5"})
WEAK_PRIV = frozenset({"DES"})

MAX_NAME = 200
MAX_USER = 32  # SnmpAdminString (SIZE(1..32)), RFC 3414
MAX_CONTEXT = 64
MIN_KEY = 8  # RFC 3414: passphrases shorter than 8 octets are refused
MAX_SECRET = 256
MAX_PROFILES = 20
PROFILE_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,39}$")
ENGINE_ID_RE = re.compile(r"^(?:0x)?((?:[0-9a-f]{2}){5,32})$")  # snmpEngineID: 5 to 32 octets
HOSTNAME_RE = re.compile(
    r"^(?=.{1,253}\.?$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$"
)
DEFAULT_SUPPLY_WARN = 15.0
DEFAULT_SUPPLY_CRIT = 5.0


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
    default: float,
    errors: list[str],
    integer: bool = False,
) -> float:
    lo, hi = bounds
    raw = str(form.get(name, "")).strip()
    if not raw:
        return default
    try:
        value = int(raw) if integer else float(raw)
    except ValueError:
        errors.append(f"{label}: {'a whole number' if integer else 'a number'} from {lo:g} to {hi:g}.")
        return default
    if not lo <= value <= hi:
        errors.append(f"{label}: from {lo:g} to {hi:g}.")
        return default
    return value


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


def valid_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return bool(HOSTNAME_RE.fullmatch(host)) and not host.replace(".", "").isdigit()
    return True


def _v3_rules(form: Mapping[str, str], legacy: bool, stored: StoredSecrets, errors: list[str]) -> Credentials:
    user = str(form.get("user", "")).strip()
    auth = str(form.get("auth_protocol", "")).strip().upper()
    priv = str(form.get("priv_protocol", "")).strip().upper()
    context = str(form.get("context", "")).strip()
    auth_key, priv_key = _secret(form, "auth_key"), _secret(form, "priv_key")
    if not 1 <= len(user) <= MAX_USER:
        errors.append(f"User: 1 to {MAX_USER} characters (the device's SNMPv3 user name).")
    if auth and auth not in AUTH_PROTOCOLS:
        errors.append("Authentication: choose one of " + ", ".join(AUTH_PROTOCOLS) + ".")
    if priv and priv not in PRIV_PROTOCOLS:
        errors.append("Privacy: choose one of " + ", ".join(PRIV_PROTOCOLS) + ".")
    if priv and not auth:
        errors.append("Privacy needs authentication: choose an authentication protocol too.")
    if not legacy:
        if not auth or not priv:
            errors.append(
                "SNMPv3 without authentication and privacy (authPriv) is insecure: "
                "tick “Legacy (insecure)” to allow it."
            )
        if auth in WEAK_AUTH or priv in WEAK_PRIV:
            errors.append(
                f"{auth if auth in WEAK_AUTH else priv} is broken: tick “Legacy (insecure)” to allow it."
            )
    for proto, key, has, label in (
        (auth, auth_key, stored.auth_key, "Authentication key"),
        (priv, priv_key, stored.priv_key, "Privacy key"),
    ):
        if not proto:
            continue
        if key is None and not has:
            errors.append(f"{label}: required for {proto}.")
        elif key is not None and not MIN_KEY <= len(key.reveal()) <= MAX_SECRET:
            errors.append(f"{label}: {MIN_KEY} to {MAX_SECRET} characters (RFC 3414).")
    if len(context) > MAX_CONTEXT:
        errors.append(f"Context: at most {MAX_CONTEXT} characters.")
    return Credentials(
        user=user,
        auth_protocol=auth,
        priv_protocol=priv if auth else "",
        context=context,
        community=Secret(""),
        auth_key=auth_key if auth else Secret(""),
        priv_key=priv_key if priv and auth else Secret(""),
    )


def _community_rules(
    form: Mapping[str, str], version: str, legacy: bool, stored: StoredSecrets, errors: list[str]
) -> Credentials:
    community = _secret(form, "community")
    if not legacy:
        errors.append(
            f"SNMPv{version} sends the community in clear text: tick “Legacy (insecure)” to allow it, "
            "or use SNMPv3."
        )
    if community is None and not stored.community:
        errors.append(f"Community: required for SNMPv{version}.")
    elif community is not None and len(community.reveal()) > MAX_SECRET:
        errors.append(f"Community: at most {MAX_SECRET} characters.")
    return Credentials(community=community, auth_key=Secret(""), priv_key=Secret(""))


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
    if not 1 <= len(name) <= MAX_NAME:
        errors.append(f"Name: 1 to {MAX_NAME} characters.")
    host = str(form.get("host", "")).strip()
    if not valid_host(host):
        errors.append("Host: an IPv4 or IPv6 address or a DNS name.")
    port = int(_number(form, "port", "Port", (1, 65535), default=161, errors=errors, integer=True))
    version = str(form.get("version", SnmpVersion.V3.value)).strip().lower() or SnmpVersion.V3.value
    legacy = checkbox(form.get("legacy"))
    gateway = _choice(
        form, "gateway_device_id", gateways, "Gateway: choose one of this customer's agents.", errors
    )
    if gateway is None and not any(e.startswith("Gateway") for e in errors):
        errors.append("Gateway: choose the agent that polls this device.")
    site = _choice(form, "site_id", sites, "Site: choose one of this customer's sites.", errors)
    if version == SnmpVersion.V3.value:
        creds = _v3_rules(form, legacy, stored, errors)
    elif version in (SnmpVersion.V2C.value, SnmpVersion.V1.value):
        creds = _community_rules(form, version, legacy, stored, errors)
    else:
        errors.append("SNMP version: choose 3, 2c or 1.")
        creds = Credentials()
    interval = _number(form, "interval_s", "Interval", (1, 86400), default=60.0, errors=errors)
    timeout = _number(form, "timeout_s", "Timeout", (0.1, 60), default=2.0, errors=errors)
    retries = int(_number(form, "retries", "Retries", (0, 10), default=1, errors=errors, integer=True))
    profiles = tuple(p for p in (x.strip().lower() for x in str(form.get("profiles", "")).split(",")) if p)
    bad = [p for p in profiles if not PROFILE_RE.fullmatch(p)]
    if bad or len(profiles) > MAX_PROFILES:
        errors.append(
            f"Profiles: up to {MAX_PROFILES} names of letters, digits, '.', '_' or '-', separated by commas"
            + (f" (not {bad[0][:40]!r})." if bad else ".")
        )
    warn = _number(
        form,
        "supply_warn_percent",
        "Supply warning level",
        (0, 100),
        default=DEFAULT_SUPPLY_WARN,
        errors=errors,
    )
    crit = _number(
        form,
        "supply_crit_percent",
        "Supply critical level",
        (0, 100),
        default=DEFAULT_SUPPLY_CRIT,
        errors=errors,
    )
    if crit >= warn:
        errors.append("Supply critical level: must be below the warning level.")
    params: dict[str, float | str] = {"supply_warn_percent": warn, "supply_crit_percent": crit}
    engine_id = str(form.get("engine_id", "")).strip().lower().replace(":", "")
    if engine_id:
        found = ENGINE_ID_RE.fullmatch(engine_id)
        if found is None:
            errors.append("Engine id: 5 to 32 octets in hex, e.g. 0x80001f8880c71100000000.")
        else:
            params["engine_id"] = found.group(1)
    if errors:
        raise ValidationError(errors)
    assert gateway is not None
    return DeviceSettings(
        name=name,
        host=host,
        port=port,
        version=version,
        legacy=legacy,
        gateway_device_id=gateway,
        site_id=site,
        interval_s=interval,
        timeout_s=timeout,
        retries=retries,
        profiles=tuple(dict.fromkeys(profiles)),
        params=params,
        credentials=creds,
    )

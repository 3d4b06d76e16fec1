"""The one set of rules for an SNMP target (pure), used by the collector's device form and
``eus snmp`` CLI (``collector/snmp/validation.py``) and by the agent's agent.toml loader
(``agent/snmp/settings.py``), so a target one side accepts the other side accepts too.

SNMPv3 with authentication and privacy (SHA-2, AES) is the default. Anything weaker —
SNMPv1/v2c (the community travels in clear text), MD5, DES, authNoPriv, noAuthNoPriv — is
refused unless the target carries the legacy flag. Every problem gets its own
:class:`Problem`, naming the field in words a technician reads, and never a secret.

Defaults apply to what is absent, never to 0: port, interval, timeout and retries are
``optional`` fields, so ``retries = 0`` ("ask once") is a value the gateway uses, and a port
or timeout of 0 is refused rather than silently replaced.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Collection
from dataclasses import dataclass

from eus.v1 import eus_pb2

DEFAULT_PORT = 161
DEFAULT_INTERVAL_S = 60.0
DEFAULT_TIMEOUT_S = 2.0
DEFAULT_RETRIES = 1
PORT = (1, 65535)
INTERVAL_S = (1.0, 86400.0)
TIMEOUT_S = (0.1, 60.0)
RETRIES = (0, 10)
PERCENT = (0.0, 100.0)

VERSIONS = ("3", "2c", "1")
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
SUPPLY_WARN = "supply_warn_percent"  # params: printer supply levels the gateway judges by
SUPPLY_CRIT = "supply_crit_percent"
DEFAULT_SUPPLY_WARN = 15.0
DEFAULT_SUPPLY_CRIT = 5.0
# Receptacles that fill up (waste toner): judged by how full they are.
RECEPTACLE_WARN = "receptacle_warn_percent"
RECEPTACLE_CRIT = "receptacle_crit_percent"
DEFAULT_RECEPTACLE_WARN = 80.0
DEFAULT_RECEPTACLE_CRIT = 100.0
ENGINE_ID = "engine_id"  # params: the device's snmpEngineID, for its v3 traps

ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")
PROFILE_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,39}$")
ENGINE_ID_RE = re.compile(r"^(?:0x)?((?:[0-9a-f]{2}){5,32})$")  # snmpEngineID: 5 to 32 octets
HOSTNAME_RE = re.compile(
    r"^(?=.{1,253}\.?$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$"
)
_LEGACY = "tick “Legacy (insecure)” to allow it (legacy = true in agent.toml)"


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason a target cannot be used: the ``SnmpTarget`` field and what is wrong."""

    field: str
    message: str

    def __str__(self) -> str:
        return self.message


def valid_host(host: str) -> bool:
    """An IPv4 or IPv6 address or a DNS name (not an all-digit "address" like 999.1.1.1)."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return bool(HOSTNAME_RE.fullmatch(host)) and not host.replace(".", "").isdigit()
    return True


def port(target: eus_pb2.SnmpTarget) -> int:
    """The UDP port: the field when present, else 161."""
    return target.port if target.HasField("port") else DEFAULT_PORT


def interval_s(target: eus_pb2.SnmpTarget) -> float:
    """Seconds between polls: the field when present, else the default."""
    return target.interval_s if target.HasField("interval_s") else DEFAULT_INTERVAL_S


def timeout_s(target: eus_pb2.SnmpTarget) -> float:
    """Seconds to wait for each answer: the field when present, else the default."""
    return target.timeout_s if target.HasField("timeout_s") else DEFAULT_TIMEOUT_S


def retries(target: eus_pb2.SnmpTarget) -> int:
    """The retries the gateway makes: the field when present (0 included), else the default."""
    return target.retries if target.HasField("retries") else DEFAULT_RETRIES


def profiles(target: eus_pb2.SnmpTarget) -> tuple[str, ...]:
    """The named profiles, trimmed, lower-case, without repeats."""
    return tuple(dict.fromkeys(p.strip().lower() for p in target.profiles if p.strip()))


def engine_id(raw: str) -> str | None:
    """An snmpEngineID as bare lower-case hex, or None when it is not 5 to 32 octets."""
    found = ENGINE_ID_RE.fullmatch(raw.strip().lower().replace(":", ""))
    return None if found is None else found.group(1)


def _in(value: float, bounds: tuple[float, float]) -> bool:
    return math.isfinite(value) and bounds[0] <= value <= bounds[1]


def _settings(target: eus_pb2.SnmpTarget, require_id: bool) -> list[Problem]:
    out: list[Problem] = []
    if (require_id or target.id) and not ID_RE.fullmatch(target.id):
        out.append(Problem("id", "Id: 1 to 128 letters, digits, '.', '_', ':' or '-'."))
    if len(target.name) > MAX_NAME:
        out.append(Problem("name", f"Name: 1 to {MAX_NAME} characters."))
    if not valid_host(target.host.strip()):
        out.append(Problem("host", "Host: an IPv4 or IPv6 address or a DNS name."))
    for name, label, value, bounds in (
        ("port", "Port", port(target), PORT),
        ("interval_s", "Interval", interval_s(target), INTERVAL_S),
        ("timeout_s", "Timeout", timeout_s(target), TIMEOUT_S),
        ("retries", "Retries", retries(target), RETRIES),
    ):
        if not _in(value, bounds):
            out.append(Problem(name, f"{label}: from {bounds[0]:g} to {bounds[1]:g}."))
    names = profiles(target)
    bad = [p for p in names if not PROFILE_RE.fullmatch(p)]
    if bad or len(names) > MAX_PROFILES:
        out.append(
            Problem(
                "profiles",
                f"Profiles: up to {MAX_PROFILES} names of letters, digits, '.', '_' or '-', separated by"
                " commas" + (f" (not {bad[0][:40]!r})." if bad else "."),
            )
        )
    return out


def _receptacle_params(target: eus_pb2.SnmpTarget) -> list[Problem]:
    out: list[Problem] = []
    levels = {RECEPTACLE_WARN: DEFAULT_RECEPTACLE_WARN, RECEPTACLE_CRIT: DEFAULT_RECEPTACLE_CRIT}
    for key, label in (
        (RECEPTACLE_WARN, "Waste container warning level"),
        (RECEPTACLE_CRIT, "Waste container full level"),
    ):
        try:
            levels[key] = float(target.params.get(key, levels[key]))
        except ValueError:
            levels[key] = math.nan
        if not _in(levels[key], PERCENT):
            out.append(Problem(f"params.{key}", f"{label}: from 0 to 100."))
    if not out and levels[RECEPTACLE_WARN] >= levels[RECEPTACLE_CRIT]:
        message = "Waste container warning level: must be below the full level."
        out.append(Problem(f"params.{RECEPTACLE_WARN}", message))
    return out


def _params(target: eus_pb2.SnmpTarget) -> list[Problem]:
    out: list[Problem] = []
    levels: dict[str, float] = {SUPPLY_WARN: DEFAULT_SUPPLY_WARN, SUPPLY_CRIT: DEFAULT_SUPPLY_CRIT}
    for key, label in ((SUPPLY_WARN, "Supply warning level"), (SUPPLY_CRIT, "Supply critical level")):
        if key not in target.params:
            continue
        try:
            levels[key] = float(target.params[key])
        except ValueError:
            levels[key] = math.nan
        if not _in(levels[key], PERCENT):
            out.append(Problem(f"params.{key}", f"{label}: from 0 to 100."))
    if not out and levels[SUPPLY_CRIT] >= levels[SUPPLY_WARN]:
        message = "Supply critical level: must be below the warning level."
        out.append(Problem(f"params.{SUPPLY_CRIT}", message))
    out += _receptacle_params(target)
    if ENGINE_ID in target.params and engine_id(target.params[ENGINE_ID]) is None:
        out.append(
            Problem(f"params.{ENGINE_ID}", "Engine id: 5 to 32 octets in hex, e.g. 0x80001f8880c71100000000.")
        )
    return out


def _community(target: eus_pb2.SnmpTarget, version: str, stored: Collection[str]) -> list[Problem]:
    out: list[Problem] = []
    if not target.legacy:
        out.append(Problem("legacy", f"SNMPv{version} sends the community in clear text: {_LEGACY}."))
    if not target.community and "community" not in stored:
        out.append(Problem("community", f"Community: required for SNMPv{version}."))
    elif len(target.community) > MAX_SECRET:
        out.append(Problem("community", f"Community: at most {MAX_SECRET} characters."))
    return out


def _v3(target: eus_pb2.SnmpTarget, stored: Collection[str]) -> list[Problem]:
    out: list[Problem] = []
    auth, priv = target.auth_protocol.strip().upper(), target.priv_protocol.strip().upper()
    if not 1 <= len(target.user.strip()) <= MAX_USER:
        out.append(Problem("user", f"User: 1 to {MAX_USER} characters (the device's SNMPv3 user name)."))
    if auth and auth not in AUTH_PROTOCOLS:
        out.append(Problem("auth_protocol", f"Authentication: choose one of {', '.join(AUTH_PROTOCOLS)}."))
    if priv and priv not in PRIV_PROTOCOLS:
        out.append(Problem("priv_protocol", f"Privacy: choose one of {', '.join(PRIV_PROTOCOLS)}."))
    if priv and not auth:
        out.append(
            Problem("priv_protocol", "Privacy needs authentication: choose an authentication protocol too.")
        )
    if not target.legacy:
        if not auth or not priv:
            message = f"SNMPv3 without authentication and privacy (authPriv) is insecure: {_LEGACY}."
            out.append(Problem("legacy", message))
        weak = auth if auth in WEAK_AUTH else priv if priv in WEAK_PRIV else ""
        if weak:
            out.append(Problem("legacy", f"{weak} is broken: {_LEGACY}."))
    for proto, name, key, label in (
        (auth, "auth_key", target.auth_key, "Authentication key"),
        (priv, "priv_key", target.priv_key, "Privacy key"),
    ):
        if not proto:
            continue
        if not key and name not in stored:
            out.append(Problem(name, f"{label}: required for {proto}."))
        elif key and not MIN_KEY <= len(key) <= MAX_SECRET:
            out.append(Problem(name, f"{label}: {MIN_KEY} to {MAX_SECRET} characters (RFC 3414)."))
    if len(target.context) > MAX_CONTEXT:
        out.append(Problem("context", f"Context: at most {MAX_CONTEXT} characters."))
    return out


def credential_problems(target: eus_pb2.SnmpTarget, *, stored: Collection[str] = ()) -> list[Problem]:
    """What is wrong with how the gateway would authenticate. ``stored`` names the secret
    fields (``community``, ``auth_key``, ``priv_key``) already held elsewhere, which may
    therefore be blank here (the dashboard keeps a stored secret when a field is left blank)."""
    version = target.version.strip().lower() or "3"
    if version not in VERSIONS:
        return [Problem("version", "SNMP version: choose 3, 2c or 1.")]
    return _v3(target, stored) if version == "3" else _community(target, version, stored)


def problems(
    target: eus_pb2.SnmpTarget, *, stored: Collection[str] = (), require_id: bool = True
) -> list[Problem]:
    """Every reason ``target`` cannot be polled, in field order; empty when it can.

    ``require_id``: the agent's targets must have one; a device being created in the
    dashboard gets its id when it is stored."""
    return _settings(target, require_id) + credential_problems(target, stored=stored) + _params(target)


# Varbinds that carry a secret. RFC 3584 snmpTrapCommunity (1.3.6.1.6.3.18.1.4) is the
# community a v1/v2c notification came with, added by proxies and v1-to-v2 translators
# (pysnmp adds it to every v1 trap): a community is never stored, so it is masked
# wherever trap attributes cross a boundary (agent event, collector ingest, pages).
SECRET_VARBIND_PREFIXES = ("1.3.6.1.6.3.18.1.4",)
MASK = "***"


def is_secret_varbind(name: str) -> bool:
    """Whether an attribute named by this dotted OID holds a secret (pure)."""
    return any(name == p or name.startswith(p + ".") for p in SECRET_VARBIND_PREFIXES)


def mask_secret_varbinds(attrs: dict[str, str]) -> dict[str, str]:
    """``attrs`` with every secret varbind's value replaced by ``MASK`` (pure)."""
    return {k: MASK if is_secret_varbind(k) else v for k, v in attrs.items()}

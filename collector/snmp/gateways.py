"""A gateway agent's trap listener settings: the form rules (pure).

Communities are secrets: a blank field keeps the stored list, and the list is stored
encrypted (one ciphertext of a JSON array).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass

from collector.snmp.validation import MAX_SECRET, ValidationError
from eus.values import checkbox

MAX_COMMUNITIES = 20
DEFAULT_TRAP_HOST = "0.0.0.0"  # noqa: S104 - devices on the customer's network send traps here
DEFAULT_TRAP_PORT = 162


@dataclass(frozen=True)
class TrapSettings:
    enabled: bool
    host: str = DEFAULT_TRAP_HOST
    port: int = DEFAULT_TRAP_PORT
    communities: list[str] | None = None  # None: keep the stored ones


def validate_trap_settings(form: Mapping[str, str]) -> TrapSettings:
    """Check the trap listener form; raises :class:`ValidationError` listing every problem."""
    errors: list[str] = []
    enabled = checkbox(form.get("trap_enabled"))
    host = str(form.get("trap_host", "")).strip() or DEFAULT_TRAP_HOST
    try:
        ipaddress.ip_address(host)
    except ValueError:
        errors.append("Listen address: an IPv4 or IPv6 address of the gateway (0.0.0.0 for all).")
    raw_port = str(form.get("trap_port", "")).strip() or str(DEFAULT_TRAP_PORT)
    port = DEFAULT_TRAP_PORT
    if not raw_port.isdigit() or not 1 <= int(raw_port) <= 65535:
        errors.append("Trap port: a whole number from 1 to 65535.")
    else:
        port = int(raw_port)
    raw = str(form.get("trap_communities", ""))
    communities: list[str] | None = None
    if raw.strip():
        communities = list(dict.fromkeys(c.strip() for c in raw.replace("\n", ",").split(",") if c.strip()))
        if len(communities) > MAX_COMMUNITIES or any(len(c) > MAX_SECRET for c in communities):
            errors.append(f"Communities: up to {MAX_COMMUNITIES}, each at most {MAX_SECRET} characters.")
    if checkbox(form.get("clear_communities")):
        communities = []
    if errors:
        raise ValidationError(errors)
    return TrapSettings(enabled=enabled, host=host, port=port, communities=communities)

"""The SNMP profiles, one module each, in an explicit registry.

Adding a profile is one module exposing ``PROFILE`` (see :mod:`.base`) plus one line here.
``system`` is always polled; the others are chosen by discovery (agent.snmp.discovery) or
named in the target's ``profiles``.
"""

from __future__ import annotations

from agent.snmp.profiles import entity, host_resources, interfaces, lldp, printer, system, ups
from agent.snmp.profiles.base import Profile

PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        system.PROFILE,
        interfaces.PROFILE,
        host_resources.PROFILE,
        printer.PROFILE,
        ups.PROFILE,
        entity.PROFILE,
        lldp.PROFILE,
    )
}
ALWAYS = "system"

__all__ = ["ALWAYS", "PROFILES", "Profile"]

"""Which profiles a device gets (pure): by sysObjectID prefix, and by probing one column or
scalar of each MIB with a single GETNEXT. A target that names its profiles skips probing.

The result is visible: the ``snmp_system`` inventory item lists the chosen profiles.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from agent.snmp.oids import Oid, within
from agent.snmp.profiles import ALWAYS, PROFILES


@dataclass(frozen=True)
class Choice:
    profiles: tuple[str, ...]  # registry order, "system" first
    unknown: tuple[str, ...] = ()  # names the target asked for that this agent lacks


def probe_root(probe: Oid) -> Oid:
    """What to GETNEXT for a probe: a scalar ``x.0`` is probed as ``x``, a column as itself."""
    return probe[:-1] if probe and probe[-1] == 0 else probe


def by_sys_object_id(sys_object_id: Oid) -> set[str]:
    return {
        name
        for name, profile in PROFILES.items()
        if any(sys_object_id[: len(prefix)] == prefix for prefix in profile.sys_object_ids)
    }


def probes_needed(sys_object_id: Oid) -> list[Oid]:
    """The GETNEXT varbinds that decide the remaining profiles (deduplicated, in order)."""
    chosen = by_sys_object_id(sys_object_id)
    roots: list[Oid] = []
    for name, profile in PROFILES.items():
        if name == ALWAYS or name in chosen:
            continue
        for probe in profile.probes:
            root = probe_root(probe)
            if root not in roots:
                roots.append(root)
    return roots


def answered(root: Oid, next_oid: Oid | None) -> bool:
    """A probe succeeded when the next OID after ``root`` is still inside it."""
    return next_oid is not None and within(next_oid, root)


def choose(
    sys_object_id: Oid, probe_results: Mapping[Oid, Oid | None], requested: Sequence[str] = ()
) -> Choice:
    """The profiles for a device. ``probe_results`` maps each probe root to the OID the
    device returned for GETNEXT on it (None: nothing, endOfMibView or an error)."""
    if requested:
        known = [n for n in PROFILES if n == ALWAYS or n in requested]
        return Choice(tuple(known), tuple(n for n in requested if n not in PROFILES))
    chosen = by_sys_object_id(sys_object_id)
    for name, profile in PROFILES.items():
        if any(answered(probe_root(p), probe_results.get(probe_root(p))) for p in profile.probes):
            chosen.add(name)
    return Choice(tuple(n for n in PROFILES if n == ALWAYS or n in chosen))

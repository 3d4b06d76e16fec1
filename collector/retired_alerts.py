"""Retired devices keep no open alerts: the glue between retiring (the dashboard's agent
devices, a gateway's ``agent.toml`` for its SNMP devices) and the alert engine, wired by the
composition root since neither ``snmp`` nor ``alerting`` imports the other.

``snmp_retired`` is what :class:`collector.snmp.registry.AgentFileTargets` calls when a gateway's
file drops targets; ``resolve_already_retired`` runs at each start and resolves what was left
open by devices retired before retiring resolved alerts (after the first start there is none).
Each resolution is the engine's: audited as ``alert.resolve`` by ``system``, recipients told.
"""

from __future__ import annotations

import logging
from collections import defaultdict

from sqlalchemy import select

from collector.alerting.engine import AlertEngine
from collector.alerting.records import Actor
from collector.snmp.models import INCLUDE_RETIRED, NetworkDevice
from collector.snmp.registry import OnRetired, about_targets
from collector.store.db import Store
from collector.store.models import Device

log = logging.getLogger(__name__)

SYSTEM = Actor("system")


def resolve_targets(engine: AlertEngine, gateway_id: int, targets: tuple[str, ...]) -> int:
    """Resolve the open alerts a gateway holds about ``targets``; returns how many."""
    resolved = engine.retire_device(gateway_id, SYSTEM, about_targets(targets))
    if resolved:
        log.info("gateway %d: %d open alert(s) of retired SNMP device(s) resolved", gateway_id, len(resolved))
    return len(resolved)


def snmp_retired(engine: AlertEngine) -> OnRetired:
    """For ``AgentFileTargets``: resolve the alerts about the targets a gateway's file dropped."""
    return lambda gateway_id, targets: resolve_targets(engine, gateway_id, targets)


def resolve_already_retired(store: Store, engine: AlertEngine) -> int:
    """Resolve the open alerts of every retired device; returns how many."""
    snmp: dict[int, list[str]] = defaultdict(list)
    with store.session() as s:
        agents = list(s.scalars(select(Device.id).where(Device.retired_at.is_not(None))))
        for d in s.scalars(
            select(NetworkDevice)
            .where(NetworkDevice.retired_at.is_not(None))
            .execution_options(**{INCLUDE_RETIRED: True})
        ):
            snmp[d.gateway_device_id].append(d.target_id)
    resolved = sum(len(engine.retire_device(device_id, SYSTEM)) for device_id in agents)
    resolved += sum(resolve_targets(engine, gw, tuple(targets)) for gw, targets in snmp.items())
    if resolved:
        log.info("%d open alert(s) of devices retired earlier resolved", resolved)
    return resolved

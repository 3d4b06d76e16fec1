"""Targets a gateway polls from its own ``agent.toml`` become devices in the collector too.

The collector learns of them from what the gateway reports: a function result of an
``snmp*`` kind or an inventory report whose subject is not a target the collector pushed.
Each new (gateway, subject) becomes a :class:`NetworkDevice` with origin ``agent-file``
(no secrets: those stay in the agent's file), audited as ``snmp.device.discover``. Ids of
the form ``snmp-<number>`` belong to centrally managed devices and are never adopted, so
a device deleted in the dashboard does not come back while its gateway catches up.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable

from sqlalchemy import select

from collector.bus import BatchCommitted
from collector.snmp.models import NetworkDevice, Origin, parse_target_id
from collector.store.db import Store, audit
from collector.store.models import Device

log = logging.getLogger(__name__)

MAX_NAME = 200


def reported_subjects(event: BatchCommitted) -> dict[str, str]:
    """Subjects of SNMP targets in a committed batch -> a name for each (pure)."""
    found: dict[str, str] = {}
    for f in event.functions:
        if f.subject and f.kind.startswith("snmp"):
            found.setdefault(f.subject, "")
            if f.id.endswith(":reachability") and f.name:
                found[f.subject] = f.name
    for report in event.inventory:
        if report.subject:
            found.setdefault(report.subject, "")
            for item in report.upserts:
                if item.kind == "snmp_system" and item.attrs.get("sysName") and not found[report.subject]:
                    found[report.subject] = item.attrs["sysName"]
    return {s: n for s, n in found.items() if parse_target_id(s) is None and len(s) <= 100}


class AgentFileTargets:
    """Bus subscriber (``BatchCommitted``) that records gateways' own targets."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._known: dict[int, set[str]] = {}
        self._lock = threading.Lock()

    def on_committed(self, event: BatchCommitted) -> None:
        subjects = reported_subjects(event)
        if subjects:
            self.adopt(event.device_id, subjects.items())

    def adopt(self, gateway_id: int, subjects: Iterable[tuple[str, str]]) -> list[str]:
        """Create devices for subjects not seen before; returns the ones created."""
        with self._lock:
            known = self._known.get(gateway_id)
            if known is None:
                known = self._load(gateway_id)
                self._known[gateway_id] = known
            fresh = [(s, n) for s, n in subjects if s not in known]
            if not fresh:
                return []
            with self._store.session() as s:
                gateway = s.get(Device, gateway_id)
                if gateway is None:
                    return []
                for subject, name in fresh:
                    row = NetworkDevice(
                        customer_id=gateway.customer_id,
                        site_id=gateway.site_id,
                        gateway_device_id=gateway_id,
                        origin=Origin.AGENT_FILE.value,
                        agent_target_id=subject,
                        name=(name or subject)[:MAX_NAME],
                        host="",
                        created_by=f"agent:{gateway.agent_id}",
                        params={},
                    )
                    s.add(row)
                    s.flush()
                    audit(
                        s,
                        f"agent:{gateway.agent_id}",
                        "snmp.device.discover",
                        f"snmp:{row.id}",
                        customer_id=gateway.customer_id,
                        target_id=subject,
                        name=row.name,
                    )
            known.update(subject for subject, _ in fresh)
        created = [subject for subject, _ in fresh]
        log.info("gateway %d polls target(s) from its own configuration: %s", gateway_id, ", ".join(created))
        return created

    def _load(self, gateway_id: int) -> set[str]:
        with self._store.session() as s:
            rows = s.scalars(
                select(NetworkDevice.agent_target_id)
                .where(NetworkDevice.gateway_device_id == gateway_id)
                .where(NetworkDevice.origin == Origin.AGENT_FILE.value)
            ).all()
        return set(rows)

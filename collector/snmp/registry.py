"""Targets a gateway polls from its own ``agent.toml`` are devices in the collector too.

The collector learns of them from what the gateway reports. Each start of the gateway
reports the file's complete target list (:mod:`collector.snmp.lifecycle`): listed targets
become devices, listed retired devices come back with their old id, and devices the file
no longer lists are retired — hidden from every list, their history kept — audited as
``snmp.device.retire`` / ``snmp.device.restore`` by ``system``; the open alerts of a retired
device resolve (``on_retired``, which the composition root points at the alert engine). A
function result of an ``snmp*`` kind or an inventory report whose subject is not a target
the collector pushed also creates a device (gateways that do not report their list yet),
but never brings a retired one back: only the file's list does. New devices have origin ``agent-file`` (no
secrets: those stay in the agent's file) and are audited as ``snmp.device.discover``. Ids
of the form ``snmp-<number>`` belong to centrally managed devices and are never adopted, so
a device deleted in the dashboard does not come back while its gateway catches up.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from collector.bus import BatchCommitted
from collector.snmp import reported
from collector.snmp.lifecycle import FilePlan, listed_targets, plan
from collector.snmp.models import INCLUDE_RETIRED, NetworkDevice, Origin, parse_target_id
from collector.store.db import Store, audit
from collector.store.models import Device
from eus.names import Label

log = logging.getLogger(__name__)

MAX_NAME = 200
SYSTEM_ACTOR = "system"


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


def file_devices(session: Session, gateway_id: int) -> list[NetworkDevice]:
    """Every agent-file device of a gateway, retired ones included."""
    return list(
        session.scalars(
            select(NetworkDevice)
            .where(NetworkDevice.gateway_device_id == gateway_id)
            .where(NetworkDevice.origin == Origin.AGENT_FILE.value)
            .order_by(NetworkDevice.id)
            .execution_options(**{INCLUDE_RETIRED: True})
        ).all()
    )


def retired_subjects(session: Session, gateway_id: int) -> set[str]:
    """Target ids of a gateway's retired devices: what its function list leaves out."""
    return {d.agent_target_id for d in file_devices(session, gateway_id) if d.retired_at is not None}


def about_targets(targets: Collection[str]) -> Callable[[str], bool]:
    """Whether an alert subject on the gateway is about one of ``targets`` (pure): a function
    or inventory class of the target (``<target>:…``), a trap it sent (``<target> <oid>``), or
    a series labelled with it (``…,target=<target>,…``)."""
    prefixes = tuple(f"{t}{sep}" for t in targets for sep in (":", " "))
    wanted = frozenset(targets)
    labels = frozenset(f"{Label.TARGET.value}={t}" for t in wanted)

    def about(subject: str) -> bool:
        return subject in wanted or subject.startswith(prefixes) or not labels.isdisjoint(subject.split(","))

    return about


# (gateway id, target ids just retired): told after the retirement is committed
OnRetired = Callable[[int, tuple[str, ...]], object]


class AgentFileTargets:
    """Bus subscriber (``BatchCommitted``) that keeps gateways' own targets in step."""

    def __init__(self, store: Store, on_retired: OnRetired | None = None) -> None:
        self._store = store
        self.on_retired = on_retired  # the composition root points it at the alert engine
        self._known: dict[int, set[str]] = {}  # per gateway: target ids with a device (retired too)
        self._lock = threading.Lock()

    def on_committed(self, event: BatchCommitted) -> None:
        listed = listed_targets(event)
        if listed is not None:
            self.reconcile(event.device_id, listed)
        subjects = reported_subjects(event)
        if subjects:
            self.adopt(event.device_id, subjects.items())
        facts = reported.polling_facts(event)
        if facts:
            self.record_facts(event.device_id, facts)

    def record_facts(self, gateway_id: int, facts: Mapping[str, Mapping[str, str]]) -> None:
        """Copy how the gateway polls its agent-file devices onto them; audited when changed."""
        with self._lock, self._store.session() as s:
            gateway = s.get(Device, gateway_id)
            if gateway is None:
                return
            for device in file_devices(s, gateway_id):
                changed = reported.apply(device, facts.get(device.agent_target_id, {}))
                if changed:
                    device.updated_at = datetime.now(UTC)
                    audit(
                        s,
                        SYSTEM_ACTOR,
                        "snmp.device.reported",
                        f"snmp:{device.id}",
                        customer_id=device.customer_id,
                        target_id=device.agent_target_id,
                        reported_by=f"agent:{gateway.agent_id}",
                        changed=sorted(changed),
                    )

    def reconcile(self, gateway_id: int, listed: Mapping[str, str]) -> FilePlan:
        """Bring the gateway's agent-file devices in line with its file's target list."""
        with self._lock, self._store.session() as s:
            gateway = s.get(Device, gateway_id)
            if gateway is None:
                return FilePlan()
            rows = {d.agent_target_id: d for d in file_devices(s, gateway_id)}
            todo = plan({t: d.retired_at is not None for t, d in rows.items()}, listed)
            now = datetime.now(UTC)
            reporter = f"agent:{gateway.agent_id}"
            self._create(s, gateway, todo.create)
            for target in todo.restore:
                rows[target].retired_at = None
                rows[target].updated_at = now
                self._audit(
                    s, gateway, rows[target], "snmp.device.restore", reason="listed in agent.toml again"
                )
            for target in todo.retire:
                rows[target].retired_at = now
                rows[target].updated_at = now
                self._audit(s, gateway, rows[target], "snmp.device.retire", reason="removed from agent.toml")
            self._known[gateway_id] = set(rows) | {t for t, _ in todo.create}
        if not todo.empty:
            log.info(
                "gateway %d (%s) agent.toml: %d new, %d back, %d removed (%s)",
                gateway_id,
                reporter,
                len(todo.create),
                len(todo.restore),
                len(todo.retire),
                ", ".join(todo.retire) or "-",
            )
        if todo.retire and self.on_retired is not None:
            self.on_retired(gateway_id, todo.retire)
        return todo

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
                self._create(s, gateway, fresh)
            known.update(subject for subject, _ in fresh)
        created = [subject for subject, _ in fresh]
        log.info("gateway %d polls target(s) from its own configuration: %s", gateway_id, ", ".join(created))
        return created

    @staticmethod
    def _create(s: Session, gateway: Device, targets: Iterable[tuple[str, str]]) -> None:
        for subject, name in targets:
            row = NetworkDevice(
                customer_id=gateway.customer_id,
                site_id=gateway.site_id,
                gateway_device_id=gateway.id,
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

    @staticmethod
    def _audit(s: Session, gateway: Device, device: NetworkDevice, action: str, *, reason: str) -> None:
        audit(
            s,
            SYSTEM_ACTOR,
            action,
            f"snmp:{device.id}",
            customer_id=device.customer_id,
            target_id=device.agent_target_id,
            name=device.name,
            gateway_device_id=gateway.id,
            reported_by=f"agent:{gateway.agent_id}",
            reason=reason,
        )

    def _load(self, gateway_id: int) -> set[str]:
        with self._store.session() as s:
            return {d.agent_target_id for d in file_devices(s, gateway_id)}

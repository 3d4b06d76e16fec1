"""Targets from a gateway's own agent.toml become devices in the collector (audited), once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from collector.bus import BatchCommitted
from collector.snmp.models import INCLUDE_RETIRED, NetworkDevice, Origin
from collector.snmp.registry import AgentFileTargets, reported_subjects
from collector.snmp.service import device_names
from collector.store.db import Store
from collector.store.models import AuditEntry
from eus.v1 import eus_pb2

from .conftest import World


def committed(
    device_id: int,
    functions: Sequence[eus_pb2.FunctionResult] = (),
    inventory: Sequence[eus_pb2.InventoryReport] = (),
) -> BatchCommitted:
    """A committed batch as the bus delivers it (no samples)."""
    no_ids = np.array([], dtype=np.uint32)
    no_ts = np.array([], dtype=np.int64)
    no_values = np.array([], dtype=np.float64)
    return BatchCommitted(
        device_id, 1, 1, no_ids, no_ts, no_values, functions=list(functions), inventory=list(inventory)
    )


def fn(subject: str, fid: str, kind: str = "snmp", name: str = "") -> eus_pb2.FunctionResult:
    return eus_pb2.FunctionResult(id=fid, kind=kind, name=name, subject=subject, status=eus_pb2.HEALTH_OK)


def test_reported_subjects_ignore_central_ids_the_host_and_other_kinds() -> None:
    system = eus_pb2.InventoryItem(kind="snmp_system", key="system", attrs={"sysName": "lab-core"})
    event = committed(
        1,
        [
            fn("lab-sw", "lab-sw:reachability", name="Lab switch"),
            fn("lab-sw", "lab-sw:supply:1", kind="snmp.supply", name="Toner"),
            fn("snmp-12", "snmp-12:reachability", name="central"),  # pushed by the collector
            fn("", "http:intranet", kind="http"),  # the host's own function
            fn("lab-x", "lab-x:thing", kind="http"),
        ],
        [eus_pb2.InventoryReport(full=True, subject="lab-core", upserts=[system]),
         eus_pb2.InventoryReport(full=True, subject="", upserts=[])],
    )  # fmt: skip
    assert reported_subjects(event) == {"lab-sw": "Lab switch", "lab-core": "lab-core"}


def test_new_subjects_become_agent_file_devices_once(store: Store, world: World) -> None:
    registry = AgentFileTargets(store)
    event = committed(world.gateway_a, [fn("lab-sw", "lab-sw:reachability", name="Lab switch")])
    registry.on_committed(event)
    registry.on_committed(event)  # seen already: nothing new
    assert AgentFileTargets(store).adopt(world.gateway_a, [("lab-sw", "")]) == []  # survives a restart
    assert registry.adopt(world.gateway_b, [("lab-sw", "")]) == ["lab-sw"]  # another gateway's own
    with store.session() as s:
        rows = s.scalars(select(NetworkDevice).order_by(NetworkDevice.id)).all()
        assert [(r.customer_id, r.gateway_device_id, r.origin, r.target_id, r.name) for r in rows] == [
            (world.customer_a, world.gateway_a, Origin.AGENT_FILE.value, "lab-sw", "Lab switch"),
            (world.customer_b, world.gateway_b, Origin.AGENT_FILE.value, "lab-sw", "lab-sw"),
        ]
        assert rows[0].auth_key_enc == "" and rows[0].community_enc == ""
        audits = s.scalars(select(AuditEntry).where(AuditEntry.action == "snmp.device.discover")).all()
        assert [(a.actor, a.customer_id) for a in audits] == [("agent:gw-a", world.customer_a),
                                                              ("agent:gw-b", world.customer_b)]  # fmt: skip
    assert registry.adopt(424242, [("x", "")]) == []  # an unknown gateway adopts nothing


def test_the_store_hides_retired_devices_in_its_sessions_only(store: Store, world: World) -> None:
    """The retired-device filter is attached to the store's session factory, not to every
    SQLAlchemy Session when the models are imported."""
    with store.session() as s:
        for name, retired in (("listed", None), ("retired", datetime.now(UTC))):
            s.add(
                NetworkDevice(
                    customer_id=world.customer_a,
                    gateway_device_id=world.gateway_a,
                    name=name,
                    host="10.9.9.9",
                    origin=Origin.AGENT_FILE.value,
                    agent_target_id=name,
                    retired_at=retired,
                )
            )
    everything = select(NetworkDevice.name).order_by(NetworkDevice.name)
    with store.session() as s:
        assert [d.name for d in s.scalars(select(NetworkDevice))] == ["listed"]
        included = s.scalars(select(NetworkDevice).execution_options(**{INCLUDE_RETIRED: True}))
        assert sorted(d.name for d in included) == ["listed", "retired"]
    with Session(store.engine) as other:  # not the store's factory: no hook
        assert sorted(d.name for d in other.scalars(select(NetworkDevice))) == ["listed", "retired"]
        assert list(other.scalars(everything)) == ["listed", "retired"]


def test_alerts_name_an_snmp_device_by_its_gateway_and_target(store: Store, world: World) -> None:
    AgentFileTargets(store).adopt(world.gateway_a, [("lab-sw", "Lab switch")])
    name_of = device_names(store)
    assert name_of(world.gateway_a, "lab-sw") == "Lab switch"
    assert name_of(world.gateway_b, "lab-sw") == ""  # another gateway's target of that id
    assert name_of(world.gateway_a, "") == "" and name_of(world.gateway_a, "nope") == ""
    with store.session() as s:
        s.scalars(select(NetworkDevice)).one().name = "Lab core switch"
    assert name_of(world.gateway_a, "lab-sw") == "Lab switch"  # read once per gateway and TTL
    assert device_names(store, ttl_s=0)(world.gateway_a, "lab-sw") == "Lab core switch"


def test_reported_polling_facts_apply_to_agent_file_devices_only(store: Store, world: World) -> None:
    registry = AgentFileTargets(store)
    registry.adopt(world.gateway_a, [("lab-sw", "")])
    item = eus_pb2.InventoryItem(kind="snmp_system", key="system", attrs={
        "poll_host": "192.0.2.9", "poll_port": "161", "poll_version": "3", "poll_legacy": "0",
        "poll_user": "mon", "poll_auth": "SHA-256", "poll_priv": "AES", "poll_interval_s": "30",
        "poll_timeout_s": "-1", "poll_retries": "x"})  # fmt: skip
    event = committed(world.gateway_a, inventory=[eus_pb2.InventoryReport(subject="lab-sw", upserts=[item])])
    registry.on_committed(event)
    registry.on_committed(event)  # the same facts again: no change, no second audit entry
    with store.session() as s:
        (row,) = s.scalars(select(NetworkDevice)).all()
        assert (row.host, row.port, row.version, row.user, row.auth_protocol, row.priv_protocol) == (
            "192.0.2.9", 161, "3", "mon", "SHA-256", "AES")  # fmt: skip
        assert (row.interval_s, row.timeout_s, row.retries) == (30.0, 2.0, 1)  # malformed: left alone
        audits = s.scalars(select(AuditEntry).where(AuditEntry.action == "snmp.device.reported")).all()
        assert len(audits) == 1

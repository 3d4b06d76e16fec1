"""A gateway's agent.toml target list: new targets become devices, removed ones are retired
(hidden, history kept, audited by ``system``), listed-again ones come back with their id;
central devices are never touched; the same list twice changes nothing."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pytest
from sqlalchemy import select

from collector.bus import BatchCommitted
from collector.rpc.agent_config import AgentConfigs
from collector.rpc.live import LiveStreams
from collector.snmp.lifecycle import FilePlan, listed_targets, plan, retired_note
from collector.snmp.models import INCLUDE_RETIRED, NetworkDevice, Origin
from collector.snmp.registry import AgentFileTargets, retired_subjects
from collector.snmp.secrets import SecretBox
from collector.snmp.service import request_push
from collector.snmp.targets import SnmpTargets
from collector.store.db import Store
from collector.store.models import AuditEntry
from eus.names import EventKind
from eus.v1 import eus_pb2

from .conftest import World
from .test_registry import fn
from .test_targets import RecordingStream, add, v3_form


def batch(
    device_id: int, *lists: Mapping[str, str], functions: list[eus_pb2.FunctionResult] | None = None
) -> BatchCommitted:
    events = [
        eus_pb2.Event(
            ts_ms=1000 + i, kind=EventKind.SNMP_FILE_TARGETS, source="agent.toml", attrs=dict(targets)
        )
        for i, targets in enumerate(lists)
    ]
    events.append(eus_pb2.Event(ts_ms=5, kind="snmp.trap", source="10.0.0.9", attrs={"lab-ups": "x"}))
    empty = (np.array([], np.uint32), np.array([], np.int64), np.array([], np.float64))
    return BatchCommitted(device_id, 1, 1, *empty, functions=functions or [], events=events)


@pytest.mark.parametrize(
    ("known", "listed", "expected"),
    [
        ({}, {}, FilePlan()),
        ({}, {"b": "B", "a": "A"}, FilePlan(create=(("a", "A"), ("b", "B")))),
        ({"a": False, "b": False}, {"a": "A"}, FilePlan(retire=("b",))),
        ({"a": False, "b": False}, {}, FilePlan(retire=("a", "b"))),  # the empty list retires all
        ({"a": False, "b": True}, {"a": "A", "b": "B"}, FilePlan(restore=("b",))),
        ({"a": True}, {}, FilePlan()),  # retired already: nothing to do
        ({"a": False}, {"a": "A"}, FilePlan()),  # the same list again: nothing
        ({"a": True, "b": False}, {"a": "A", "c": "C"}, FilePlan((("c", "C"),), ("a",), ("b",))),
    ],
)
def test_plan(known: dict[str, bool], listed: dict[str, str], expected: FilePlan) -> None:
    assert plan(known, listed) == expected
    assert plan(known, listed).empty == (expected == FilePlan())


def test_listed_targets_reads_the_newest_list_and_leaves_out_ids_no_file_device_can_have() -> None:
    assert listed_targets(batch(1)) is None  # no list in this batch (a trap is not one)
    assert listed_targets(batch(1, {})) == {}
    newest = {"lab-ups": "Lab UPS", "sw": "", "snmp-12": "central id", "x" * 101: "too long"}
    assert listed_targets(batch(1, {"old": "Old"}, newest)) == {"lab-ups": "Lab UPS", "sw": "sw"}
    assert listed_targets(batch(1, {f"t{i}": "" for i in range(10_001)})) is None  # refused, never cut


def file_rows(store: Store, gateway: int) -> dict[str, tuple[int, bool]]:
    with store.session() as s:
        rows = s.scalars(
            select(NetworkDevice)
            .where(NetworkDevice.gateway_device_id == gateway)
            .execution_options(**{INCLUDE_RETIRED: True})
        ).all()
        return {r.target_id: (r.id, r.retired_at is not None) for r in rows}


def actions(store: Store) -> list[tuple[str, str, str]]:
    with store.session() as s:
        rows = s.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        return [(a.actor, a.action, a.target) for a in rows if a.action.startswith("snmp.device.")]


def test_a_target_removed_from_the_file_is_retired_and_comes_back_with_its_id(
    store: Store, box: SecretBox, world: World
) -> None:
    central = add(store, box, world, v3_form(world))
    registry = AgentFileTargets(store)
    registry.on_committed(batch(world.gateway_a, {"lab-ups": "Lab UPS", "lab-sw": "Lab switch"}))
    ids = {t: i for t, (i, _) in file_rows(store, world.gateway_a).items()}
    before = actions(store)

    registry.on_committed(batch(world.gateway_a, {"lab-ups": "Lab UPS"}))
    registry.on_committed(batch(world.gateway_a, {"lab-ups": "Lab UPS"}))  # idempotent
    assert file_rows(store, world.gateway_a) == {
        f"snmp-{central}": (central, False),  # central: never touched
        "lab-ups": (ids["lab-ups"], False),
        "lab-sw": (ids["lab-sw"], True),
    }
    assert actions(store)[len(before) :] == [("system", "snmp.device.retire", f"snmp:{ids['lab-sw']}")]
    with store.session() as s:  # every list, page and configuration leaves it out ...
        assert sorted(d.target_id for d in s.scalars(select(NetworkDevice))) == ["lab-ups", f"snmp-{central}"]
        assert s.get(NetworkDevice, ids["lab-sw"]) is None
        assert retired_subjects(s, world.gateway_a) == {"lab-sw"}
        retired = s.get_one(NetworkDevice, ids["lab-sw"], execution_options={INCLUDE_RETIRED: True})
        assert retired_note(retired).startswith("removed from agent.toml on 20")

    # ... its late results do not bring it back, and it is not adopted twice
    registry.on_committed(batch(world.gateway_a, functions=[fn("lab-sw", "lab-sw:reachability", name="x")]))
    assert AgentFileTargets(store).adopt(world.gateway_a, [("lab-sw", "")]) == []  # also after a restart
    assert file_rows(store, world.gateway_a)["lab-sw"] == (ids["lab-sw"], True)

    registry.on_committed(batch(world.gateway_a, {"lab-ups": "Lab UPS", "lab-sw": "Lab switch"}))
    assert file_rows(store, world.gateway_a)["lab-sw"] == (ids["lab-sw"], False)  # the same id
    assert actions(store)[-1] == ("system", "snmp.device.restore", f"snmp:{ids['lab-sw']}")

    registry.on_committed(batch(world.gateway_a, {}))  # the file lists none any more
    assert {t: r for t, (_, r) in file_rows(store, world.gateway_a).items()} == {
        f"snmp-{central}": False,
        "lab-ups": True,
        "lab-sw": True,
    }
    assert file_rows(store, world.gateway_b) == {}  # another gateway's list is its own


def test_the_list_creates_devices_audited_as_the_agents_discovery(store: Store, world: World) -> None:
    registry = AgentFileTargets(store)
    assert registry.reconcile(world.gateway_b, {"b-sw": "Bravo switch"}).create == (("b-sw", "Bravo switch"),)
    with store.session() as s:
        row = s.scalars(select(NetworkDevice)).one()
        assert (row.customer_id, row.origin, row.name, row.host) == (
            world.customer_b,
            Origin.AGENT_FILE.value,
            "Bravo switch",
            "",
        )
    assert actions(store) == [("agent:gw-b", "snmp.device.discover", f"snmp:{row.id}")]
    assert registry.reconcile(424242, {"x": ""}) == FilePlan()  # an unknown gateway: nothing


def test_a_gateway_with_file_devices_only_is_sent_a_configuration(
    store: Store, box: SecretBox, world: World
) -> None:
    targets = SnmpTargets(store, box)
    assert targets.config_for(world.gateway_b) is None  # not a gateway: nothing to say
    registry = AgentFileTargets(store)
    registry.reconcile(world.gateway_b, {"b-sw": ""})
    registry.reconcile(world.gateway_b, {})  # retired: still a gateway whose file may list it again
    config = targets.config_for(world.gateway_b)
    assert config is not None and list(config.snmp_targets) == []


def test_pushes_the_cli_asked_for_are_carried_out_once(store: Store, box: SecretBox, world: World) -> None:
    live = LiveStreams()
    stream = RecordingStream(world.gateway_a)
    live.register(stream)
    targets = SnmpTargets(store, box)
    targets.attach(AgentConfigs(live))
    device = add(store, box, world, v3_form(world))
    with store.session() as s:
        request_push(s, world.gateway_a, actor="cli:ops")
        request_push(s, world.gateway_a, actor="cli:ops")  # asked twice: one push
        request_push(s, world.gateway_b, actor="cli:ops")  # offline: its next Hello brings it
    assert targets.push_requested() == [world.gateway_a]
    assert [[t.id for t in m.config.snmp_targets] for m in stream.sent] == [[f"snmp-{device}"]]
    assert targets.push_requested() == []  # done: nothing is pending
    assert len(stream.sent) == 1

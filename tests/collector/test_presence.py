"""Device presence in a real SQLite store: who may stream, online/offline, revocation, stale streams."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from collector.rpc.live import LiveStreams
from collector.rpc.presence import Denied, DeviceRef, Presence
from collector.store.db import Store
from collector.store.models import AuditEntry, Customer, Device, StreamState
from eus.v1 import eus_pb2


class Stream:
    def __init__(self, device_id: int) -> None:
        self.device_id = device_id
        self.kicked: list[tuple[str, str]] = []

    def kick(self, code_name: str, message: str) -> None:
        self.kicked.append((code_name, message))

    def send(self, message: eus_pb2.CollectorMessage) -> None:
        pass


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    st = Store(f"sqlite:///{tmp_path / 'eus.sqlite3'}")
    st.migrate()
    with st.session() as s:
        customer = Customer(name="Acme")
        s.add(customer)
        s.flush()
        s.add_all(
            [
                Device(id=1, customer_id=customer.id, agent_id="ok", cert_serial="aa"),
                Device(id=2, customer_id=customer.id, agent_id="gone", revoked_at=datetime.now(UTC)),
                Device(id=3, customer_id=customer.id, agent_id="legacy", cert_serial=""),
            ]
        )
    yield st
    st.dispose()


@pytest.mark.parametrize(
    ("agent_id", "serial", "expected"),
    [
        ("ok", "aa", DeviceRef(1, 1, "ok")),
        ("ok", "bb", Denied("this certificate was superseded; enroll again")),
        ("gone", "", Denied("agent gone was revoked")),
        ("nobody", "aa", Denied("unknown agent nobody")),
        ("legacy", "anything", DeviceRef(3, 1, "legacy")),  # no serial recorded: not checked
    ],
)
def test_admit(store: Store, agent_id: str, serial: str, expected: DeviceRef | Denied) -> None:
    assert Presence(store, LiveStreams()).admit(agent_id, serial) == expected


def test_online_offline_and_stale_streams_are_recorded_and_audited(store: Store) -> None:
    presence = Presence(store, LiveStreams())
    hello = eus_pb2.Hello(agent_version="1.2", host=eus_pb2.HostFacts(hostname="pc1", os="Linux"))
    presence.online(1, hello, "ipv4:10.0.0.5:5000")
    presence.online(1, hello, "ipv4:10.0.0.5:5001")  # already online: not audited again
    with store.session() as s:
        dev = s.get_one(Device, 1)
        assert (dev.hostname, dev.os, dev.agent_version, dev.stream_state) == (
            "pc1",
            "Linux",
            "1.2",
            "online",
        )
        assert dev.last_address == "ipv4:10.0.0.5:5001"
    presence.offline(1, StreamState.OFFLINE_CLEAN, "ipv4:10.0.0.5:5001", "SIGTERM")
    presence.online(1, hello, "ipv4:10.0.0.5:5002")
    presence.mark_stale_streams()  # a new collector process: nothing is open
    with store.session() as s:
        assert s.get_one(Device, 1).stream_state == StreamState.OFFLINE_UNEXPECTED.value
        actions = s.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["agent.online", "agent.offline", "agent.online"]


def test_revoked_devices_lose_their_live_stream_and_last_seen_is_flushed(store: Store) -> None:
    live = LiveStreams()
    ok, gone = Stream(1), Stream(2)
    live.register(ok)
    live.register(gone)
    presence = Presence(store, live)
    presence.enforce_revocations()
    assert gone.kicked == [("PERMISSION_DENIED", "agent was revoked")]
    assert ok.kicked == []
    live.seen(1)
    presence.flush_last_seen()
    with store.session() as s:
        assert s.get_one(Device, 1).last_seen is not None

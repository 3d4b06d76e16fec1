"""Device presence in the relational store: who may stream, online/offline, last seen, revocation.

Everything the collector records about a device's connection lives here, so the stream
servicer and the composition root only call it: the certificate check at stream open
(known, not revoked, on its current certificate), the Hello facts and ``online`` state, the
``offline`` state at stream close (clean after Goodbye, else unexpected), the periodic flush
of last-seen times, the revocation sweep that closes live streams, and the start-up reset of
streams a previous process left recorded as online. Every state change is audited.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update

from collector.rpc.live import LiveStreams
from collector.store.db import Store, audit
from collector.store.models import Device, StreamState
from eus.v1 import eus_pb2

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeviceRef:
    """The device a verified client certificate names."""

    device_id: int
    customer_id: int
    agent_id: str


@dataclass(frozen=True)
class Denied:
    """Why a certificate may not open a stream (sent as PERMISSION_DENIED)."""

    message: str


class Presence:
    """Reads and writes device presence; every method runs on a worker thread (blocking I/O)."""

    def __init__(self, store: Store, live: LiveStreams) -> None:
        self._store = store
        self._live = live

    def admit(self, agent_id: str, serial_hex: str) -> DeviceRef | Denied:
        """The device behind a verified certificate, or why it may not stream."""
        with self._store.session() as s:
            dev = s.scalars(select(Device).where(Device.agent_id == agent_id)).one_or_none()
            if dev is None:
                return Denied(f"unknown agent {agent_id}")
            if dev.revoked_at is not None:
                return Denied(f"agent {agent_id} was revoked")
            if dev.cert_serial and dev.cert_serial != serial_hex:
                return Denied("this certificate was superseded; enroll again")
            return DeviceRef(dev.id, dev.customer_id, dev.agent_id)

    def online(self, device_id: int, hello: eus_pb2.Hello, peer: str) -> None:
        """Record the Hello's host facts and the device online (audited when it was not)."""
        with self._store.session() as s:
            dev = s.get(Device, device_id)
            if dev is None:
                return
            h = hello.host
            if h.hostname:
                dev.hostname = h.hostname[:255]
            dev.os, dev.os_version, dev.kernel, dev.arch = (
                h.os[:100],
                h.os_version[:200],
                h.kernel[:200],
                h.arch[:50],
            )
            dev.agent_version = hello.agent_version[:50]
            dev.last_address = peer[:100]
            dev.last_seen = datetime.now(UTC)
            was = dev.stream_state
            dev.stream_state = StreamState.ONLINE.value
            if was != StreamState.ONLINE.value:
                audit(
                    s,
                    f"agent:{dev.agent_id}",
                    "agent.online",
                    f"device:{dev.id}",
                    customer_id=dev.customer_id,
                    address=peer,
                    previous=was,
                )

    def offline(self, device_id: int, state: StreamState, peer: str, reason: str) -> None:
        """Record the device offline (``reason``: the agent's Goodbye, "" after a crash)."""
        with self._store.session() as s:
            dev = s.get(Device, device_id)
            if dev is None:
                return
            dev.stream_state = state.value
            dev.last_seen = datetime.now(UTC)
            audit(
                s,
                f"agent:{dev.agent_id}",
                "agent.offline",
                f"device:{dev.id}",
                customer_id=dev.customer_id,
                address=peer,
                state=state.value,
                reason=reason,
            )

    def flush_last_seen(self) -> None:
        """Write the last-seen times the live streams gathered since the previous flush."""
        seen = self._live.take_last_seen()
        if not seen:
            return
        with self._store.session() as s:
            for device_id, ts in seen.items():
                s.execute(
                    update(Device)
                    .where(Device.id == device_id)
                    .values(last_seen=datetime.fromtimestamp(ts, UTC))
                )

    def enforce_revocations(self) -> None:
        """Close the live stream of every device revoked since it connected."""
        live = self._live.device_ids()
        if not live:
            return
        with self._store.session() as s:
            revoked = s.scalars(
                select(Device.id).where(Device.id.in_(live)).where(Device.revoked_at.is_not(None))
            ).all()
        for device_id in revoked:
            if self._live.kick(device_id, "PERMISSION_DENIED", "agent was revoked"):
                log.info("closed the stream of revoked device %s", device_id)

    def mark_stale_streams(self) -> None:
        """Streams recorded as online belonged to the previous process: none is open now."""
        with self._store.session() as s:
            s.execute(
                update(Device)
                .where(Device.stream_state == StreamState.ONLINE.value)
                .values(stream_state=StreamState.OFFLINE_UNEXPECTED.value)
            )

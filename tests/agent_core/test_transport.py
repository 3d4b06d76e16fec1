"""The transport against a real gRPC server with mutual TLS (``fake_collector``)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from typing import Any, Protocol

import grpc
import pytest
from support.waits import wait_for

from agent.batcher import Batcher
from agent.collectors.base import Sample, SeriesKey, labels
from agent.runner import RunRecord
from agent.series import SeriesRegistry
from agent.spool import Spool
from agent.transport import Backoff, Transport, mtls_credentials
from agent_core.fake_collector import FakeCollector, StreamLog, StreamServer
from agent_core.pki import TestCA
from eus.v1 import eus_pb2


class MakeTransport(Protocol):
    def __call__(self, address: str, **kwargs: Any) -> Transport: ...


KEYS = [SeriesKey("cpu.percent", labels(cpu=str(i)), "percent") for i in range(6)]


def spool_batches(
    spool: Spool, registry: SeriesRegistry, n: int, per_batch: int = 4, wake: Callable[[], None] | None = None
) -> None:
    """``n`` batches; batch i uses series i % 6 .. (i + per_batch - 1) % 6."""
    batcher = Batcher(spool, registry, max_batch_samples=per_batch, on_spooled=wake)
    for i in range(n):
        samples = [Sample(KEYS[(i + j) % len(KEYS)], float(i)) for j in range(per_batch)]
        batcher.put(samples, 1_000 + i, RunRecord("fake", 1_000 + i, 0.01, True))
    batcher.close()


@pytest.fixture
def make_transport(spool: Spool, registry: SeriesRegistry, ca: TestCA) -> Iterator[MakeTransport]:
    made: list[Transport] = []

    def make(address: str, **kwargs: Any) -> Transport:
        key, cert = ca.client("agent-1")
        options: dict[str, Any] = {
            "window": 32,
            "backoff_initial_s": 0.05,
            "backoff_max_s": 0.3,
            "agent_id": "agent-1",
        }
        options.update(kwargs)
        transport = Transport(
            spool,
            registry,
            target=address,
            credentials=mtls_credentials(key_pem=key, cert_pem=cert, ca_pem=ca.ca_pem),
            agent_version="9.9.9",
            host=eus_pb2.HostFacts(hostname="testhost", os="Linux"),
            **options,
        )
        made.append(transport)
        return transport

    yield make
    for t in made:
        t.stop(drain_timeout_s=0)


def check_stream(log: StreamLog, spool: Spool) -> None:
    """Hello first, every series defined once per stream before use."""
    assert log.messages[0].WhichOneof("body") == "hello"
    hello = log.messages[0].hello
    assert (hello.spool_epoch, hello.agent_version, hello.agent_id) == (spool.epoch, "9.9.9", "agent-1")
    assert hello.host.hostname == "testhost"
    assert sum(m.WhichOneof("body") == "hello" for m in log.messages) == 1
    assert log.violations == []
    assert log.peer_cn == "agent-1"


def test_hello_then_batches_in_order_and_acks_delete(
    spool: Spool,
    registry: SeriesRegistry,
    fake: FakeCollector,
    server: StreamServer,
    make_transport: MakeTransport,
) -> None:
    spool_batches(spool, registry, 10)
    transport = make_transport(server.address)
    transport.start()
    wait_for(lambda: fake.hwm(spool.epoch) == 10, what="all ten batches committed")
    wait_for(lambda: spool.stats().rows == 0, what="acked rows deleted")
    (log,) = fake.streams
    check_stream(log, spool)
    batches = log.batches
    assert [b.seq for b in batches] == list(range(1, 11))
    assert all(b.epoch == spool.epoch for b in batches)
    assert sorted(d.id for b in batches for d in b.series) == sorted(registry.ids(KEYS))
    assert {d.name for b in batches for d in b.series} == {"cpu.percent"}
    assert transport.connected and transport.acked_seq == 10
    assert log.messages[0].hello.deflate_stream  # offered, accepted: everything after Hello is deflated
    assert log.deflated == len(log.messages) - 1 == 10

    spool_batches(spool, registry, 3, wake=transport.wake)  # new data wakes the transport at once
    wait_for(lambda: fake.hwm(spool.epoch) == 13, timeout=2, what="new batches sent")
    assert all(not b.series for b in fake.streams[0].batches[10:])  # defined once per stream


def test_reconnect_resends_from_the_collectors_mark_and_redefines_series(
    spool: Spool,
    registry: SeriesRegistry,
    fake: FakeCollector,
    server: StreamServer,
    make_transport: MakeTransport,
) -> None:
    spool_batches(spool, registry, 10)
    fake.cut_after_batches = 4  # the first stream commits 1..4, acks nothing, and is cut
    transport = make_transport(server.address)
    transport.start()
    wait_for(lambda: fake.hwm(spool.epoch) == 10, what="everything committed after the reconnect")
    wait_for(lambda: spool.stats().rows == 0, what="acked rows deleted")
    first, second = fake.streams[:2]
    check_stream(first, spool)
    check_stream(second, spool)
    assert [b.seq for b in first.batches][:4] == [1, 2, 3, 4]
    assert [b.seq for b in second.batches] == list(range(5, 11))  # from hwm + 1, nothing twice
    # Definitions are per stream: the second stream defines again what it uses.
    used = {sid for b in second.batches for sid in b.series_id}
    assert {d.id for b in second.batches for d in b.series} == used
    assert transport.sessions == 2
    # Each stream has its own deflate context: the second one inflates from a fresh start.
    assert first.deflated >= 4 and second.deflated == 6


def test_a_collector_that_does_not_accept_deflate_gets_plain_messages(
    spool: Spool,
    registry: SeriesRegistry,
    fake: FakeCollector,
    server: StreamServer,
    make_transport: MakeTransport,
) -> None:
    fake.deflate = False
    spool_batches(spool, registry, 5)
    transport = make_transport(server.address)
    transport.start()
    wait_for(lambda: fake.hwm(spool.epoch) == 5, what="all five batches committed")
    (log,) = fake.streams
    check_stream(log, spool)
    assert log.deflated == 0 and [b.seq for b in log.batches] == [1, 2, 3, 4, 5]


def test_window_bounds_unacked_batches(
    spool: Spool,
    registry: SeriesRegistry,
    fake: FakeCollector,
    server: StreamServer,
    make_transport: MakeTransport,
) -> None:
    spool_batches(spool, registry, 20)
    fake.hold_acks = True
    transport = make_transport(server.address, window=4)
    transport.start()
    wait_for(lambda: len(fake.streams) == 1 and len(fake.streams[0].batches) == 4, what="a full window")
    time.sleep(0.3)
    assert len(fake.streams[0].batches) == 4  # no more without acks
    fake.release_acks()
    wait_for(lambda: fake.hwm(spool.epoch) == 20, what="the rest after acks")
    assert fake.streams[0].max_unacked <= 4
    wait_for(lambda: spool.stats().rows == 0, what="acked rows deleted")


def test_backoff_while_the_collector_is_down_then_drain(
    spool: Spool, registry: SeriesRegistry, fake: FakeCollector, ca: TestCA, make_transport: MakeTransport
) -> None:
    server = StreamServer(ca, fake).start()
    server.stop()  # keep the port, serve nothing
    spool_batches(spool, registry, 5)
    transport = make_transport(server.address)
    transport.start()
    time.sleep(0.6)
    assert not transport.connected and fake.attempts == 0
    spool_batches(spool, registry, 2)  # collecting goes on while down
    with StreamServer(ca, fake, port=server.port):
        wait_for(lambda: fake.hwm(spool.epoch) == 7, timeout=15, what="drain after the collector is back")
        wait_for(lambda: spool.stats().rows == 0, what="acked rows deleted")
        assert transport.stop(drain_timeout_s=2)
    check_stream(fake.streams[0], spool)


def test_goodbye_after_draining_on_stop(
    spool: Spool,
    registry: SeriesRegistry,
    fake: FakeCollector,
    server: StreamServer,
    make_transport: MakeTransport,
) -> None:
    transport = make_transport(server.address)
    transport.start()
    spool_batches(spool, registry, 3)
    transport.wake()
    wait_for(lambda: fake.hwm(spool.epoch) == 3, what="first batches")
    spool_batches(spool, registry, 2)
    assert transport.stop(drain_timeout_s=5, reason="SIGTERM") is True
    (log,) = fake.streams
    wait_for(lambda: log.ended, what="the stream to end")
    assert log.messages[-1].WhichOneof("body") == "goodbye"
    assert log.goodbye is not None and log.goodbye.reason == "SIGTERM"
    assert [b.seq for b in log.batches] == [1, 2, 3, 4, 5]
    assert spool.stats().rows == 0 and transport.goodbye_sent


def test_stop_gives_up_after_the_drain_timeout(
    spool: Spool,
    registry: SeriesRegistry,
    fake: FakeCollector,
    server: StreamServer,
    make_transport: MakeTransport,
) -> None:
    fake.hold_acks = True
    spool_batches(spool, registry, 3)
    transport = make_transport(server.address)
    transport.start()
    wait_for(lambda: len(fake.streams) == 1 and len(fake.streams[0].batches) == 3, what="batches sent")
    started = time.monotonic()
    assert transport.stop(drain_timeout_s=0.5) is False
    assert time.monotonic() - started < 4
    assert fake.streams[0].goodbye is not None  # still a clean goodbye
    assert spool.stats().rows == 3  # unacked rows stay for the next start


def test_stop_while_the_collector_is_unreachable(
    spool: Spool, registry: SeriesRegistry, fake: FakeCollector, ca: TestCA, make_transport: MakeTransport
) -> None:
    server = StreamServer(ca, fake).start()
    server.stop()
    spool_batches(spool, registry, 2)
    transport = make_transport(server.address)
    transport.start()
    time.sleep(0.2)
    started = time.monotonic()
    assert transport.stop(drain_timeout_s=0.5) is False
    assert time.monotonic() - started < 4
    assert spool.stats().rows == 2


def _refusals(caplog: pytest.LogCaptureFixture) -> list[float]:
    """When the agent logged each refusal (LogRecord.created, the clock of time.time())."""
    return [r.created for r in caplog.records if "refused this agent" in r.getMessage()]


def test_refused_agent_is_logged_and_retried_at_max_backoff(
    *,
    spool: Spool,
    registry: SeriesRegistry,
    fake: FakeCollector,
    server: StreamServer,
    make_transport: MakeTransport,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.ERROR, logger="agent.transport")
    fake.refuse = (grpc.StatusCode.PERMISSION_DENIED, "agent agent-1 was revoked")
    spool_batches(spool, registry, 2)
    transport = make_transport(server.address, backoff_initial_s=0.01, backoff_max_s=0.4)
    transport.start()
    wait_for(lambda: len(_refusals(caplog)) >= 5, what="five refusals seen by the agent")
    # Each refusal the agent saw is followed by a wait of the maximum backoff (0.4 s), where the
    # initial backoff (0.01 s, jittered) would have retried within 0.16 s. Measured from the
    # agent's log line to the server's next attempt, so the server's own delays only lengthen it.
    # An attempt whose refusal gRPC reports as another status (a write racing the abort ends in
    # "INTERNAL: Internal error from Core") is retried with the short backoff, and is no refusal.
    with fake.lock:
        attempts = list(fake.attempt_times)
    for refused_at in _refusals(caplog):
        following = [t for t in attempts if t > refused_at]
        if following:
            assert following[0] - refused_at >= 0.35, (refused_at, attempts)
    assert any("PERMISSION_DENIED" in r.message and "was revoked" in r.message for r in caplog.records)
    assert not transport.connected and spool.stats().rows == 2
    fake.refuse = None  # reinstated: it keeps trying and gets through
    wait_for(lambda: fake.hwm(spool.epoch) == 2, timeout=5, what="delivery after reinstatement")


def test_collector_config_reaches_the_callback(
    spool: Spool, fake: FakeCollector, server: StreamServer, make_transport: MakeTransport
) -> None:
    received: list[dict[str, float]] = []
    fake.config = eus_pb2.AgentConfig(collector_interval_s={"cpu": 5.0, "disk": 0.0})
    transport = make_transport(
        server.address, on_config=lambda c: received.append(dict(c.collector_interval_s))
    )
    transport.start()
    wait_for(lambda: bool(received), what="the config")
    assert received == [{"cpu": 5.0, "disk": 0.0}]


def test_a_stale_config_overtaken_by_a_newer_one_is_not_applied(
    fake: FakeCollector, ca: TestCA, make_transport: MakeTransport
) -> None:
    """The collector numbers each configuration before reading it: the Hello's (generation 5)
    may arrive after a push built later (6) for a change made meanwhile. Applying 5 last would
    undo the change, so the agent keeps 6; on a new stream (a restarted collector counts from 1
    again) it applies whatever comes."""
    received: list[int] = []
    fake.config = eus_pb2.AgentConfig(generation=6, collector_interval_s={"cpu": 6.0})
    fake.later_configs = [
        eus_pb2.AgentConfig(generation=5, collector_interval_s={"cpu": 5.0}),
        eus_pb2.AgentConfig(generation=7, collector_interval_s={"cpu": 7.0}),
    ]
    server = StreamServer(ca, fake).start()
    transport = make_transport(server.address, on_config=lambda c: received.append(c.generation))
    transport.start()
    wait_for(lambda: 7 in received, what="the newest config")
    assert received == [6, 7]

    server.stop()  # the collector restarts
    fake.config, fake.later_configs = eus_pb2.AgentConfig(generation=1), []
    with StreamServer(ca, fake, port=server.port):
        wait_for(lambda: 1 in received, timeout=30, what="the config of the next stream")
    assert received == [6, 7, 1]


def test_a_client_without_certificate_is_refused_by_tls(
    spool: Spool, registry: SeriesRegistry, fake: FakeCollector, server: StreamServer, ca: TestCA
) -> None:
    spool_batches(spool, registry, 1)
    transport = Transport(
        spool,
        registry,
        target=server.address,
        credentials=grpc.ssl_channel_credentials(root_certificates=ca.ca_pem),
        agent_version="9.9.9",
        host=eus_pb2.HostFacts(),
        backoff_initial_s=0.05,
        backoff_max_s=0.1,
    )
    transport.start()
    time.sleep(0.5)
    assert fake.attempts == 0 and not transport.connected
    assert transport.stop(drain_timeout_s=0) is False


def test_backoff_is_exponential_with_full_jitter() -> None:
    ceiling = Backoff(0.5, 30.0, rng=lambda lo, hi: hi)
    assert [ceiling.next() for _ in range(8)] == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]
    ceiling.reset()
    assert ceiling.next() == 0.5
    floor = Backoff(0.5, 30.0, rng=lambda lo, hi: lo)
    assert floor.next() == 0.0
    real = Backoff(0.5, 30.0)
    for n in range(12):
        assert 0.0 <= real.next() <= min(30.0, 0.5 * 2**n)


def test_each_sent_batch_carries_the_agents_clock_and_what_is_still_queued(
    spool: Spool,
    registry: SeriesRegistry,
    fake: FakeCollector,
    server: StreamServer,
    make_transport: MakeTransport,
) -> None:
    spool_batches(spool, registry, 5)  # spooled while disconnected: a backlog of five
    before = int(time.time() * 1000)
    transport = make_transport(server.address)
    transport.start()
    wait_for(lambda: fake.hwm(spool.epoch) == 5, what="all five batches committed")
    after = int(time.time() * 1000)
    batches = fake.streams[0].batches
    assert all(b.HasField("sent_ms") and b.HasField("spool_backlog") for b in batches)
    assert [b.spool_backlog for b in batches] == [4, 3, 2, 1, 0]
    assert all(before <= b.sent_ms <= after for b in batches)  # stamped when sent, not when spooled
    assert all(b.ts_ms[0] < before for b in batches)

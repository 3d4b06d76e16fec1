"""A bare gRPC client of the contract, for tests that must send what a real agent never would."""

from __future__ import annotations

import queue
from collections.abc import Iterator
from typing import Any

import grpc

from eus.v1 import eus_pb2, eus_pb2_grpc

STREAM_METHOD = "/eus.v1.AgentStream/Stream"


def channel(
    port: int, ca_pem: bytes, key_pem: bytes | None = None, cert_pem: bytes | None = None
) -> grpc.Channel:
    creds = grpc.ssl_channel_credentials(
        root_certificates=ca_pem, private_key=key_pem, certificate_chain=cert_pem
    )
    return grpc.secure_channel(
        f"127.0.0.1:{port}", creds, options=[("grpc.max_send_message_length", 64 << 20)]
    )


def enroll(
    port: int, ca_pem: bytes, token: str, csr_pem: bytes, hostname: str = "test-host"
) -> eus_pb2.EnrollResponse:
    with channel(port, ca_pem) as ch:
        stub = eus_pb2_grpc.EnrollmentStub(ch)
        req = eus_pb2.EnrollRequest(
            token=token, csr_pem=csr_pem, agent_version="test", host=eus_pb2.HostFacts(hostname=hostname)
        )
        resp: eus_pb2.EnrollResponse = stub.Enroll(req, timeout=20)
        return resp


class RawStream:
    """An open Stream call fed from a queue of raw byte messages."""

    def __init__(self, ch: grpc.Channel) -> None:
        self._q: queue.Queue[bytes | None] = queue.Queue()
        call = ch.stream_stream(
            STREAM_METHOD,
            request_serializer=lambda b: b,
            response_deserializer=eus_pb2.CollectorMessage.FromString,
        )
        self.responses: Any = call(self._requests(), timeout=60)

    def _requests(self) -> Iterator[bytes]:
        while True:
            item = self._q.get()
            if item is None:
                return
            yield item

    def send(self, msg: eus_pb2.AgentMessage | bytes) -> None:
        self._q.put(msg if isinstance(msg, bytes) else msg.SerializeToString())

    def close(self) -> None:
        self._q.put(None)

    def next(self) -> eus_pb2.CollectorMessage:
        msg: eus_pb2.CollectorMessage = next(self.responses)
        return msg

    def cancel(self) -> None:
        self.responses.cancel()


def hello(epoch: int, agent_id: str = "") -> eus_pb2.AgentMessage:
    return eus_pb2.AgentMessage(
        hello=eus_pb2.Hello(
            agent_version="test", spool_epoch=epoch, agent_id=agent_id, host=eus_pb2.HostFacts(hostname="raw")
        )
    )


def batch(
    epoch: int,
    seq: int,
    *,
    n: int = 10,
    series_id: int = 1,
    define: bool = True,
    t0_ms: int = 1_700_000_000_000,
) -> eus_pb2.AgentMessage:
    b = eus_pb2.Batch(epoch=epoch, seq=seq)
    if define:
        b.series.add(id=series_id, name="test.value", unit="count")
    b.series_id.extend([series_id] * n)
    b.ts_ms.extend([t0_ms + seq * 100_000 + i for i in range(n)])
    b.value.extend([float(i) for i in range(n)])
    return eus_pb2.AgentMessage(batch=b)

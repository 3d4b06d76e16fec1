"""Builds the gRPC server: the mutual-TLS stream port and the enrollment port.

gRPC decides client-certificate verification per port, not per method, so the
collector listens twice on one server: the stream port *requires* a client certificate
signed by our CA; the enrollment port serves the same services with server-only TLS (an
agent has no certificate before it enrolls), and the stream servicer refuses any call
there that carries no verified certificate. Both ports answer the standard health service.
"""

from __future__ import annotations

from dataclasses import dataclass

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from collector.pki import CertificateAuthority
from collector.rpc.enroll_service import EnrollmentService
from collector.rpc.stream_service import StreamService
from eus.v1 import eus_pb2_grpc

SERVICES = ("eus.v1.AgentStream", "eus.v1.Enrollment")


@dataclass
class RpcServer:
    server: grpc.aio.Server
    health: health.aio.HealthServicer
    stream_port: int
    enroll_port: int

    async def start(self) -> None:
        await self.server.start()
        await self.health.set("", health_pb2.HealthCheckResponse.SERVING)
        for name in SERVICES:
            await self.health.set(name, health_pb2.HealthCheckResponse.SERVING)

    async def stop(self, grace: float) -> None:
        await self.health.enter_graceful_shutdown()
        await self.server.stop(grace)


def build_server(
    *,
    ca: CertificateAuthority,
    stream_service: StreamService,
    enroll_service: EnrollmentService,
    host: str,
    stream_port: int,
    enroll_port: int,
    max_message_bytes: int,
) -> RpcServer:
    """The unstarted server with the ports it bound (useful when asked for port 0)."""
    server = grpc.aio.server(
        options=[
            ("grpc.max_receive_message_length", max_message_bytes),
            ("grpc.max_send_message_length", max_message_bytes),
            ("grpc.keepalive_time_ms", 30_000),
            ("grpc.keepalive_timeout_ms", 10_000),
            ("grpc.http2.min_ping_interval_without_data_ms", 10_000),
            ("grpc.keepalive_permit_without_calls", 1),
        ],
    )
    server.add_generic_rpc_handlers([stream_service.handler()])
    eus_pb2_grpc.add_EnrollmentServicer_to_server(enroll_service, server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    pair = [(ca.server_key_pem, ca.server_chain_pem)]
    mtls = grpc.ssl_server_credentials(pair, root_certificates=ca.ca_pem, require_client_auth=True)
    tls = grpc.ssl_server_credentials(pair)
    bound_stream = server.add_secure_port(f"{host}:{stream_port}", mtls)
    bound_enroll = server.add_secure_port(f"{host}:{enroll_port}", tls)
    if not bound_stream or not bound_enroll:
        raise OSError(f"cannot bind gRPC ports {host}:{stream_port} / {host}:{enroll_port}")
    return RpcServer(server, health_servicer, bound_stream, bound_enroll)

"""``eus.v1.Enrollment``: token in, signed client certificate out.

Attempts are rate-limited per client address and per token before anything is checked or
stored, so a flood of bogus attempts costs neither CPU for certificates nor rows.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

import grpc

from collector.enrollment import (
    EnrollmentRefused,
    HostInfo,
    enroll,
    hash_token,
    peer_address,
    prune_attempts,
    record_attempt,
)
from collector.pki import CertificateAuthority
from collector.ratelimit import RateLimiter
from collector.store.db import Store
from eus.v1 import eus_pb2, eus_pb2_grpc

log = logging.getLogger(__name__)

_STATUS = {
    "unknown-token": grpc.StatusCode.UNAUTHENTICATED,
    "revoked-token": grpc.StatusCode.PERMISSION_DENIED,
    "expired-token": grpc.StatusCode.PERMISSION_DENIED,
    "used-token": grpc.StatusCode.PERMISSION_DENIED,
    "bad-csr": grpc.StatusCode.INVALID_ARGUMENT,
}


@dataclass(frozen=True, slots=True)
class EnrollLimits:
    """Attempts allowed per window from one address and for one token; attempt rows kept."""

    per_address: int = 10
    per_token: int = 20
    window_s: float = 60.0
    attempts_kept: int = 10_000


class EnrollmentService(eus_pb2_grpc.EnrollmentServicer):
    def __init__(
        self,
        store: Store,
        ca: CertificateAuthority,
        *,
        stream_port: int,
        advertised: str,
        cert_days: int,
        limits: EnrollLimits | None = None,
    ) -> None:
        self._store = store
        self._ca = ca
        self._stream_port = stream_port
        self._advertised = advertised
        self._cert_days = cert_days
        self._limits = limits or EnrollLimits()
        self._by_address = RateLimiter(self._limits.per_address, self._limits.window_s)
        self._by_token = RateLimiter(self._limits.per_token, self._limits.window_s)

    def _limited(self, peer: str, token: str) -> str:
        """Which limit refuses this attempt ("" when none does); refused runs are logged once."""
        address = peer_address(peer)
        for name, limiter, key in (
            ("address", self._by_address, address),
            ("token", self._by_token, hash_token(token)),
        ):
            decision = limiter.attempt(key)
            if not decision.allowed:
                if decision.first_refusal:
                    log.warning("enrollment attempts from %s over the per-%s limit: refusing", address, name)
                return name
        return ""

    async def Enroll(
        self, request: eus_pb2.EnrollRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> eus_pb2.EnrollResponse:
        host = HostInfo(
            hostname=request.host.hostname,
            os=request.host.os,
            os_version=request.host.os_version,
            kernel=request.host.kernel,
            arch=request.host.arch,
        )
        peer = context.peer()
        if self._limited(peer, request.token):
            await context.abort(
                grpc.StatusCode.RESOURCE_EXHAUSTED, "too many enrollment attempts: try again in a minute"
            )
        try:
            enrolled = await asyncio.to_thread(self._enroll, request, host, peer)
        except EnrollmentRefused as exc:
            log.warning("enrollment refused from %s (%s): %s", peer, host.hostname, exc)
            await asyncio.to_thread(self._record_refusal, request, host, peer, str(exc))
            await context.abort(_STATUS[exc.reason], str(exc))
            raise  # unreachable: abort raises
        log.info("enrolled %s (%s) for customer %s", enrolled.agent_id, host.hostname, enrolled.customer)
        return eus_pb2.EnrollResponse(
            agent_id=enrolled.agent_id,
            certificate_pem=enrolled.certificate_pem,
            ca_pem=self._ca.ca_pem,
            stream_address=self._advertised or f":{self._stream_port}",
            customer=enrolled.customer,
        )

    def _enroll(self, request: eus_pb2.EnrollRequest, host: HostInfo, peer: str) -> Any:
        with self._store.session() as s:
            enrolled = enroll(
                s,
                self._ca,
                token=request.token,
                csr_pem=request.csr_pem,
                host=host,
                agent_version=request.agent_version,
                peer=peer,
                cert_days=self._cert_days,
            )
            prune_attempts(s, self._limits.attempts_kept)
            return enrolled

    def _record_refusal(
        self, request: eus_pb2.EnrollRequest, host: HostInfo, peer: str, message: str
    ) -> None:
        with self._store.session() as s:
            record_attempt(
                s, token=request.token, peer=peer, host=host, version=request.agent_version, message=message
            )
            prune_attempts(s, self._limits.attempts_kept)

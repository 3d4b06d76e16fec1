"""The thin facade over pysnmp's command generator: GET, GETNEXT and GETBULK to one
target, with failures classified (agent.snmp.status). Imports pysnmp; runs in the
polling loop's thread.

Targets share pysnmp engines as agent.snmp.engines decides.
SNMPv3 engine-state recovery: pysnmp caches a peer's engine id for five minutes and
resynchronises boots/time by itself, but a peer whose engine id changed (reinstalled,
replaced, reset) stops answering until the cache expires. A v3 request that times out
although the engine id was known, or fails with notInTimeWindow/unknownEngineID, forgets
the peer's engine and is sent once more, which rediscovers it.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import socket
from collections.abc import Sequence
from typing import Any

from pysnmp.entity import config  # type: ignore[import-untyped]
from pysnmp.entity.rfc3413 import cmdgen  # type: ignore[import-untyped]

from agent.snmp import convert
from agent.snmp.engines import EnginePool, PysnmpEngine
from agent.snmp.oids import Oid, VarBind
from agent.snmp.settings import TargetSpec
from agent.snmp.status import RECOVERABLE, ResponseError, SnmpError, Status, classify, privacy_failure

log = logging.getLogger(__name__)

_names = itertools.count(1)


class _Indication(Exception):
    def __init__(self, name: str, text: str) -> None:
        super().__init__(text)
        self.name = name


async def resolve(host: str, port: int) -> tuple[int, tuple[str, int]]:
    """(family, (address, port)) of a host name or literal, IPv4 preferred."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_DGRAM)
    except OSError as exc:
        raise SnmpError(Status.UNREACHABLE, f"cannot resolve {host}: {exc.strerror or exc}") from None
    infos.sort(key=lambda i: i[0] != socket.AF_INET)
    if not infos:
        raise SnmpError(Status.UNREACHABLE, f"cannot resolve {host}")
    family, _, _, _, sockaddr = infos[0]
    return int(family), (str(sockaddr[0]), int(sockaddr[1]))


class Session:
    """Requests to one target. ``open`` (again after a discovery) before requesting."""

    def __init__(self, pool: EnginePool, spec: TargetSpec) -> None:
        self.spec = spec
        self.creds = spec.credentials
        self._pool = pool
        self._entry: PysnmpEngine | None = None
        self._target_name = f"t{next(_names)}"
        self._domain: tuple[int, ...] = ()
        self._address: tuple[str, int] | None = None
        self._context = spec.credentials.context.encode() if spec.credentials.version == "3" else b""
        self.requests = 0
        self.varbinds = 0

    @property
    def v3(self) -> bool:
        return self.creds.version == "3"

    @property
    def v1(self) -> bool:
        return self.creds.version == "1"

    @property
    def address(self) -> str:
        """The IP address the host resolved to ("" before :meth:`open`)."""
        return "" if self._address is None else self._address[0]

    async def open(self) -> None:
        """Resolve the host and (re)register the target with its engine."""
        family, address = await resolve(self.spec.host, self.spec.port)
        if self._entry is None:
            self._entry = self._pool.acquire(self.creds)
        domain = self._entry.domain(family)
        if (domain, address) == (self._domain, self._address):
            return
        if self._address is not None:
            config.delete_target_address(self._entry.engine, self._target_name)
        config.add_target_address(
            self._entry.engine,
            self._target_name,
            domain,
            address,
            self._entry.params_for(self.creds),
            timeout=self.spec.timeout_s * 100,  # hundredths of a second (SNMP-TARGET-MIB)
            retryCount=self.spec.retries,
        )
        self._domain, self._address = domain, address

    def close(self) -> None:
        if self._entry is None:
            return
        if self._address is not None:
            config.delete_target_address(self._entry.engine, self._target_name)
        self._pool.release(self.creds)
        self._entry, self._address = None, None

    # ------------------------------------------------------------------ engine state

    def _mp(self) -> Any:
        assert self._entry is not None
        return self._entry.engine.message_processing_subsystems.get(3)

    @property
    def engine_id(self) -> bytes | None:
        """The peer's SNMPv3 engine id as discovered (None before discovery or for v1/v2c)."""
        if not self.v3 or self._entry is None or self._address is None:
            return None
        security_engine_id = self._mp().get_peer_engine_info(self._domain, self._address)[0]
        return None if security_engine_id is None else bytes(security_engine_id.asOctets())

    def forget_engine(self) -> None:
        """Drop pysnmp's cached engine id of this peer so the next request rediscovers it.

        pysnmp has no public call for this; its cache is a private dict of the v3 message
        processing model keyed by (transport domain, address)."""
        cache = getattr(self._mp(), "_SnmpV3MessageProcessingModel__engineIdCache", None)
        if not isinstance(cache, dict):
            log.warning("pysnmp's engine-id cache is not where expected; cannot force rediscovery")
            return
        for key in [k for k in cache if tuple(k[0]) == self._domain and tuple(k[1])[:2] == self._address]:
            del cache[key]

    # ------------------------------------------------------------------ requests

    async def get(self, oids: Sequence[Oid]) -> list[VarBind]:
        return await self._request("get", oids)

    async def get_next(self, oids: Sequence[Oid]) -> list[VarBind]:
        return await self._request("next", oids)

    async def get_bulk(
        self, non_repeaters: Sequence[Oid], repeaters: Sequence[Oid], max_repetitions: int
    ) -> list[VarBind]:
        if self.creds.version == "1":
            raise ValueError("SNMPv1 has no GETBULK")
        return await self._request("bulk", [*non_repeaters, *repeaters], len(non_repeaters), max_repetitions)

    async def _request(
        self, kind: str, oids: Sequence[Oid], non_repeaters: int = 0, max_repetitions: int = 0
    ) -> list[VarBind]:
        had_engine = self.v3 and self.engine_id is not None
        try:
            return await self._send(kind, oids, non_repeaters, max_repetitions)
        except _Indication as first:
            indication = first
        if self.v3 and (
            indication.name in RECOVERABLE or (indication.name == "RequestTimedOut" and had_engine)
        ):
            log.info("SNMP target %s: %s; rediscovering its SNMPv3 engine", self.spec.id, indication.name)
            self.forget_engine()
            try:
                return await self._send(kind, oids, non_repeaters, max_repetitions)
            except _Indication as second:
                indication = second
        if (
            indication.name == "RequestTimedOut"
            and self.creds.security_level == "authPriv"
            and self.engine_id is not None
        ):
            raise privacy_failure()
        raise classify(
            indication.name, user=self.creds.user, address=self.spec.address, tries=self.spec.retries + 1
        )

    def _send(
        self, kind: str, oids: Sequence[Oid], non_repeaters: int, max_repetitions: int
    ) -> asyncio.Future[list[VarBind]]:
        if self._entry is None or self._address is None:
            raise RuntimeError("session is not open")
        future: asyncio.Future[list[VarBind]] = asyncio.get_running_loop().create_future()

        def done(
            _engine: Any, _handle: Any, indication: Any, status: Any, index: Any, pairs: Any, _ctx: Any
        ) -> None:
            if future.done():  # cancelled by the poll's deadline
                return
            if indication:
                future.set_exception(_Indication(type(indication).__name__, str(indication)))
            elif status and int(status):
                future.set_exception(ResponseError(int(status), int(index or 0)))
            else:
                try:
                    result = convert.varbinds(pairs)
                except (TypeError, ValueError) as exc:
                    future.set_exception(SnmpError(Status.ERROR, f"malformed response: {exc}"))
                    return
                self.varbinds += len(result)
                future.set_result(result)

        self.requests += 1
        pairs = [(o, None) for o in oids]
        engine = self._entry.engine
        try:
            if kind == "get":
                cmdgen.GetCommandGenerator().send_varbinds(
                    engine, self._target_name, None, self._context, pairs, done
                )
            elif kind == "next":
                cmdgen.NextCommandGeneratorSingleRun().send_varbinds(
                    engine, self._target_name, None, self._context, pairs, done
                )
            else:
                cmdgen.BulkCommandGeneratorSingleRun().send_varbinds(
                    engine,
                    self._target_name,
                    None,
                    self._context,
                    non_repeaters,
                    max_repetitions,
                    pairs,
                    done,
                )
        except Exception as exc:  # noqa: BLE001 -- pysnmp raises many types of its own here
            future.cancel()
            raise SnmpError(Status.ERROR, f"cannot send the request: {type(exc).__name__}: {exc}") from None
        return future

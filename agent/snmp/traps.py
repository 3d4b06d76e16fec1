"""The trap listener: SNMP v1/v2c traps and v3 traps/informs on the configured host/port,
each forwarded as an ``Event`` (kind ``snmp.trap``). Runs on the gateway loop.

v1/v2c notifications are accepted only with a configured community (which is never stored:
the event says ``community = "***"``). SNMPv3 informs work with the user's keys alone; a
v3 *trap* is authenticated with keys localised to the sender's engine id, so a user is
registered for every engine id given in its ``engine_id`` param and for the engine id of
every target the gateway polls with the same user name (learned from the poll).
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import Callable, Sequence
from typing import Any

from agent.snmp import trap_drops
from agent.snmp.oids import Oid, VarBind, dotted, oid
from agent.snmp.profiles.base import pretty
from agent.snmp.settings import TrapSettings
from eus import snmp_target
from eus.names import EventKind
from eus.v1 import eus_pb2

log = logging.getLogger(__name__)

SYS_UPTIME = oid("1.3.6.1.2.1.1.3.0")
SNMP_TRAP_OID = oid("1.3.6.1.6.3.1.1.4.1.0")
_TRAPS = "1.3.6.1.6.3.1.1.5."
TRAP_NAMES: dict[Oid, str] = {
    oid(_TRAPS + "1"): "coldStart",
    oid(_TRAPS + "2"): "warmStart",
    oid(_TRAPS + "3"): "linkDown",
    oid(_TRAPS + "4"): "linkUp",
    oid(_TRAPS + "5"): "authenticationFailure",
}
WARNING_TRAPS = frozenset({oid(_TRAPS + "3"), oid(_TRAPS + "5")})
VERSIONS = {0: "1", 1: "2c", 3: "3"}


def build_event(
    *,
    ts_ms: int,
    source: str,
    version: str,
    user: str,
    varbinds: Sequence[VarBind],
    target_id: str = "",
) -> eus_pb2.Event:
    """The event for one notification (pure). Communities never appear in it, neither as
    the ``community`` attribute nor as a varbind (snmpTrapCommunity.0)."""
    trap_oid = next((v for n, v in varbinds if n == SNMP_TRAP_OID and isinstance(v, tuple)), ())
    attrs = {"trap_oid": dotted(trap_oid) if trap_oid else "", "version": version}
    if version == "3":
        attrs["user"] = user
    else:
        attrs["community"] = "***"
    if target_id:
        attrs["target"] = target_id
    for name, value in varbinds:
        key = dotted(name)
        attrs.setdefault(key, snmp_target.MASK if snmp_target.is_secret_varbind(key) else pretty(value))
    return eus_pb2.Event(
        ts_ms=ts_ms,
        kind=EventKind.SNMP_TRAP,
        source=source,
        severity="warning" if trap_oid in WARNING_TRAPS else "info",
        message=TRAP_NAMES.get(
            trap_oid, dotted(trap_oid) if trap_oid else "notification without snmpTrapOID"
        ),
        attrs=attrs,
    )


def parse_engine_id(text: str) -> bytes | None:
    """``80001f8880...``, ``0x80:00:1f...`` -> octets; None unless 5-32 octets of hex."""
    raw = text.strip().lower().removeprefix("0x").replace(":", "")
    try:
        octets = bytes.fromhex(raw)
    except ValueError:
        return None
    return octets if 5 <= len(octets) <= 32 else None


def listener_function(status: eus_pb2.Health.ValueType, message: str) -> eus_pb2.FunctionResult:
    return eus_pb2.FunctionResult(
        id="snmp:trap-listener",
        kind="snmp",
        name="SNMP trap listener",
        status=status,
        message=message,
        ts_ms=int(time.time() * 1000),
    )


def bind(host: str, port: int) -> socket.socket:
    """The listening socket, bound now so that a taken or privileged port fails here."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.setblocking(False)
    return sock


DROP_CHECK_S = 2.0  # how often the drop counters are read
RETRY_FIRST_S = 0.5
RETRY_MAX_S = 30.0


def same_endpoint(a: TrapSettings | None, b: TrapSettings) -> bool:
    """Whether moving from ``a`` to ``b`` keeps the socket (only credentials change; pure)."""
    return a is not None and a.enabled and b.enabled and (a.host, a.port) == (b.host, b.port)


def next_delay(delay: float) -> float:
    """The bind retry backoff: doubling up to ``RETRY_MAX_S`` (pure)."""
    return min(RETRY_MAX_S, max(RETRY_FIRST_S, delay * 2))


class TrapListener:
    """(Re)configured as a whole; learns v3 engine ids from polling.

    ``settings`` is what is in effect, never merely what was asked for: a port that cannot
    be bound is retried with backoff until it holds (or other settings are asked for), and
    a change of communities or v3 users only is applied to the running engine without
    re-binding the port, because the old socket is released asynchronously and an
    immediate re-bind of the same port fails with EADDRINUSE.
    """

    def __init__(
        self,
        on_event: Callable[[eus_pb2.Event], None],
        on_status: Callable[[eus_pb2.FunctionResult], None],
        target_for_address: Callable[[str], str],
    ) -> None:
        self.on_event = on_event
        self.on_status = on_status
        self.target_for_address = target_for_address
        self.settings: TrapSettings | None = None
        self.wanted: TrapSettings | None = None
        self.address: tuple[str, int] | None = None
        self._engine: Any = None
        self._learned: set[tuple[bytes, str]] = set()
        self._engine_targets: dict[bytes, str] = {}  # polled engine id -> target id
        self._registered: set[tuple[bytes, str]] = set()
        self._communities = 0
        self._retry: asyncio.TimerHandle | None = None
        self._delay = 0.0
        self._drops_timer: asyncio.TimerHandle | None = None
        self._drops: dict[str, int] = {}
        self._drop_log: trap_drops.DropLog | None = None

    def configure(self, settings: TrapSettings) -> None:
        """Listen as ``settings`` say from now on (on the gateway loop)."""
        if settings == self.wanted:
            return
        self.wanted = settings
        self._cancel_retry()
        self._delay = 0.0
        if self._engine is not None and same_endpoint(self.settings, settings):
            self._unregister_credentials()
            self._register_credentials(settings)
            self.settings = settings
            self._report_listening(settings)
            return
        self._stop_engine()
        if not settings.enabled:
            self.settings = settings
            return
        self._try_bind()

    def _try_bind(self) -> None:
        self._retry = None
        settings = self.wanted
        if settings is None or not settings.enabled or self._engine is not None:
            return
        where = f"{settings.host}:{settings.port}"
        try:
            sock = bind(settings.host, settings.port)
        except OSError as exc:
            self._delay = next_delay(self._delay)
            reason = exc.strerror or str(exc)
            log.error(
                "SNMP trap listener cannot listen on %s: %s; retrying in %g s", where, reason, self._delay
            )
            self.on_status(
                listener_function(
                    eus_pb2.HEALTH_CRITICAL,
                    f"cannot listen on {where}: {reason} (retrying in {self._delay:g} s)",
                )
            )
            self._retry = asyncio.get_running_loop().call_later(self._delay, self._try_bind)
            return
        self._start(settings, sock)
        self.address = sock.getsockname()[:2]
        self.settings = settings
        self._drops = {}
        self._drop_log = trap_drops.DropLog(where)
        self._drops_timer = asyncio.get_running_loop().call_later(DROP_CHECK_S, self._check_drops)
        self._report_listening(settings)

    def _report_listening(self, settings: TrapSettings, *, quiet: bool = False) -> None:
        where = f"{settings.host}:{settings.port}"
        users = len(settings.v3_users)
        message = f"listening on {where} ({len(settings.communities)} communities, {users} SNMPv3 users)"
        dropped = sum(self._drops.values())
        if dropped:
            message += f"; dropped {dropped}: {trap_drops.summary({}, self._drops)}"
        if not quiet:
            log.info("SNMP trap listener %s", message)
        result = listener_function(eus_pb2.HEALTH_OK, message)
        result.metrics.update(trap_drops.metrics(self._drops))
        self.on_status(result)

    def _check_drops(self) -> None:
        """Read the drop counters; report and log (rate-limited) when they grew."""
        self._drops_timer = None
        if self._engine is None or self.settings is None:
            return
        try:
            counts = trap_drops.read(self._engine)
        except Exception:
            log.exception("the SNMP trap listener's drop counters could not be read")
            return
        if counts != self._drops:
            self._drops = counts
            if self._drop_log is not None:
                self._drop_log.update(counts, time.monotonic())
            self._report_listening(self.settings, quiet=True)
        self._drops_timer = asyncio.get_running_loop().call_later(DROP_CHECK_S, self._check_drops)

    def _cancel_retry(self) -> None:
        if self._retry is not None:
            self._retry.cancel()
            self._retry = None

    def _start(self, settings: TrapSettings, sock: socket.socket) -> None:
        from pysnmp.carrier.asyncio.dgram import udp, udp6  # type: ignore[import-untyped]
        from pysnmp.entity import config  # type: ignore[import-untyped]
        from pysnmp.entity import engine as pysnmp_engine
        from pysnmp.entity.rfc3413 import ntfrcv  # type: ignore[import-untyped]

        engine = pysnmp_engine.SnmpEngine()
        module = udp6 if sock.family == socket.AF_INET6 else udp
        transport = module.Udp6AsyncioTransport if module is udp6 else module.UdpAsyncioTransport
        config.add_transport(engine, module.DOMAIN_NAME, transport().open_server_mode(sock=sock))
        self._engine = engine
        self._registered = set()
        self._communities = 0
        self._register_credentials(settings)
        ntfrcv.NotificationReceiver(engine, self._received)

    def _register_credentials(self, settings: TrapSettings) -> None:
        from pysnmp.entity import config

        for i, community in enumerate(settings.communities):
            config.add_v1_system(self._engine, f"c{i}", community)
        self._communities = len(settings.communities)
        for user in settings.v3_users:
            self._add_user(user, None)
            raw = user.params.get("engine_id", "")
            if raw:
                engine_id = parse_engine_id(raw)
                if engine_id is None:
                    log.warning(
                        "SNMP trap user %r: engine id %r is not 5-32 octets in hex; ignored", user.user, raw
                    )
                else:
                    self._add_user(user, engine_id)
        for engine_id, user_name in self._learned:
            for user in settings.v3_users:
                if user.user == user_name:
                    self._add_user(user, engine_id)

    def _unregister_credentials(self) -> None:
        from pysnmp.entity import config
        from pysnmp.proto import rfc1902  # type: ignore[import-untyped]

        for i in range(self._communities):
            config.delete_v1_system(self._engine, f"c{i}")
        self._communities = 0
        for engine_id, user_name in self._registered:
            engine = rfc1902.OctetString(engine_id) if engine_id else None
            config.delete_v3_user(self._engine, user_name, securityEngineId=engine)
        self._registered = set()

    def _add_user(self, user: eus_pb2.SnmpTarget, engine_id: bytes | None) -> None:
        from pysnmp.entity import config
        from pysnmp.proto import rfc1902

        from agent.snmp.credentials import from_target, pysnmp_protocols

        key = (engine_id or b"", user.user)
        if key in self._registered:
            return
        self._registered.add(key)
        as_sender = eus_pb2.SnmpTarget()
        as_sender.CopyFrom(user)
        as_sender.version, as_sender.legacy = "3", True  # the sender chooses its security level
        creds = from_target(as_sender)
        auth, priv = pysnmp_protocols(creds)
        config.add_v3_user(
            self._engine,
            creds.user,
            auth,
            creds.auth_key or None,
            priv,
            creds.priv_key or None,
            securityEngineId=None if engine_id is None else rfc1902.OctetString(engine_id),
        )

    def learn(self, engine_id: bytes, user_name: str, target_id: str = "") -> None:
        """A polled target with this v3 user has this engine id: accept its traps too, and
        attribute them to that target by engine id (an address can be shared or translated)."""
        if target_id:
            self._engine_targets[engine_id] = target_id
        if (engine_id, user_name) in self._learned:
            return
        self._learned.add((engine_id, user_name))
        if self._engine is not None:
            self._register_learned(engine_id, user_name)

    def _register_learned(self, engine_id: bytes, user_name: str) -> None:
        assert self.settings is not None
        for user in self.settings.v3_users:
            if user.user == user_name:
                self._add_user(user, engine_id)

    def _received(
        self, engine: Any, state: Any, _ctx_engine: Any, _ctx_name: Any, pairs: Any, _cb: Any
    ) -> None:
        from agent.snmp import convert

        try:
            context = engine.observer.get_execution_context("rfc3412.receiveMessage:request")
            source = str(context["transportAddress"][0])
            version = VERSIONS.get(int(context["messageProcessingModel"]), "?")
            user = str(context["securityName"]) if version == "3" else ""
            target = ""
            if version == "3":  # a notification's contextEngineID is its sender's engine id
                target = self._engine_targets.get(bytes(context["contextEngineId"]), "")
            event = build_event(
                ts_ms=int(time.time() * 1000),
                source=source,
                version=version,
                user=user,
                varbinds=convert.varbinds(pairs),
                target_id=target or self.target_for_address(source),
            )
        except Exception:
            log.exception("an SNMP notification could not be read")
            return
        self.on_event(event)

    def _stop_engine(self) -> None:
        if self._drops_timer is not None:
            self._drops_timer.cancel()
            self._drops_timer = None
        if self._engine is not None:
            self._engine.close_dispatcher()
            self._engine = None
            self.address = None
            self._registered = set()
            self._communities = 0
        self.settings = None

    def close(self) -> None:
        """Stop listening and retrying; the next ``configure`` starts afresh."""
        self._cancel_retry()
        self._stop_engine()
        self.wanted = None

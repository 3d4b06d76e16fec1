"""pysnmp engines for polling, shared between targets where pysnmp allows it. Imports pysnmp.

pysnmp keeps one USM user entry per user name in an engine, so SNMPv3 targets share an
engine only when they share the user and its keys; every SNMPv1/v2c community fits in one
engine. Each engine has one UDP socket per address family, whatever the number of targets.
"""

from __future__ import annotations

import socket

from pysnmp.carrier.asyncio.dgram import udp, udp6  # type: ignore[import-untyped]
from pysnmp.entity import config  # type: ignore[import-untyped]
from pysnmp.entity import engine as pysnmp_engine

from agent.snmp.credentials import Credentials, pysnmp_protocols

_MP_MODEL = {"1": 0, "2c": 1, "3": 3}


class PysnmpEngine:
    """One pysnmp engine: its USM user or communities, target parameters and sockets."""

    def __init__(self) -> None:
        self.engine = pysnmp_engine.SnmpEngine()
        self.refs = 0
        self._params: dict[str, str] = {}  # credentials fingerprint -> target parameters name
        self.domains: set[tuple[int, ...]] = set()

    def params_for(self, creds: Credentials) -> str:
        """The target-parameters entry for these credentials, registered on first use."""
        name = self._params.get(creds.fingerprint)
        if name is not None:
            return name
        name = f"p{len(self._params)}"
        if creds.version == "3":
            auth, priv = pysnmp_protocols(creds)
            config.add_v3_user(
                self.engine,
                creds.user,
                auth,
                creds.auth_key or None,
                priv,
                creds.priv_key or None,
                securityName=creds.user,
            )
            security_name = creds.user
        else:
            security_name = f"c{len(self._params)}"
            config.add_v1_system(self.engine, security_name, creds.community, securityName=security_name)
        config.add_target_parameters(
            self.engine, name, security_name, creds.security_level, _MP_MODEL[creds.version]
        )
        self._params[creds.fingerprint] = name
        return name

    def domain(self, family: int) -> tuple[int, ...]:
        """The transport domain for an address family, opening its socket on first use."""
        if family == socket.AF_INET6:
            domain, transport = udp6.DOMAIN_NAME, udp6.Udp6AsyncioTransport
        else:
            domain, transport = udp.DOMAIN_NAME, udp.UdpAsyncioTransport
        if domain not in self.domains:
            config.add_transport(self.engine, domain, transport().open_client_mode())
            self.domains.add(domain)
        return tuple(domain)

    def close(self) -> None:
        self.engine.close_dispatcher()


def engine_key(creds: Credentials) -> str:
    """SNMPv3 targets share an engine only with the same USM user and keys (pysnmp keeps one
    user entry per name); every v1/v2c community fits in one engine."""
    return creds.fingerprint if creds.version == "3" else "v1/v2c"


class EnginePool:
    """Engines by :func:`engine_key`, shared by the sessions that use them."""

    def __init__(self) -> None:
        self._engines: dict[str, PysnmpEngine] = {}

    def acquire(self, creds: Credentials) -> PysnmpEngine:
        key = engine_key(creds)
        entry = self._engines.get(key)
        if entry is None:
            entry = self._engines[key] = PysnmpEngine()
        entry.refs += 1
        return entry

    def release(self, creds: Credentials) -> None:
        key = engine_key(creds)
        entry = self._engines.get(key)
        if entry is None:
            return
        entry.refs -= 1
        if entry.refs <= 0:
            del self._engines[key]
            entry.close()

    def __len__(self) -> int:
        return len(self._engines)

    def close(self) -> None:
        for entry in self._engines.values():
            entry.close()
        self._engines.clear()

"""The client's address, honouring ``X-Forwarded-For`` only from trusted proxies.

Behind a TLS-terminating reverse proxy every request comes from the proxy's address, so
throttling and audit by that address would lump all users together. The header is a
comma-separated list each proxy appends to; only the entries added by proxies we trust
can be believed, so it is read from the right, skipping trusted hops, and the first
untrusted address is the client. A request from an untrusted peer keeps its own address
whatever it claims.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(entries: Iterable[str]) -> tuple[Network, ...]:
    """``"10.0.0.5"``, ``"10.0.0.0/8"``, ``"::1"`` -> networks; a bad entry is a ValueError."""
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())


def _trusted(address: str, networks: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_address(peer: str, forwarded_for: str | None, trusted: Sequence[Network]) -> str:
    """The address of the client that sent the request reaching us from ``peer``."""
    if not trusted or not forwarded_for or not _trusted(peer, trusted):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",")]
    for hop in reversed(hops):
        if not hop:
            continue
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return peer  # a garbled header: keep what we know rather than believe it
        if not _trusted(hop, trusted):
            return hop
    # Every hop is one of our proxies: the leftmost is the closest we know to the client.
    return next((hop for hop in hops if hop), peer)

"""LLDP neighbours to links between known devices, for the Network view (pure).

A gateway reports each SNMP device's LLDP table as inventory (kind ``lldp_neighbor``). A
neighbour is matched to a known node — another SNMP device or an agent's host — by, in
order of trust: its chassis id against the node's MAC addresses, its management address
against the node's addresses, its system name against the node's names. The remote port
is resolved against the matched node's interfaces (ifIndex, name, description, alias,
MAC). Two neighbours describing the same cable from both ends become one link.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace

_HEX = re.compile(r"^[0-9a-f]{12}$")


def norm_mac(value: str) -> str | None:
    """``38:91:D5:FB:74:2C``, ``3891.d5fb.742c``, ``0x3891d5fb742c`` -> ``3891d5fb742c``."""
    raw = value.strip().lower().removeprefix("0x")
    raw = re.sub(r"[\s:.\-]", "", raw)
    return raw if _HEX.fullmatch(raw) and raw != "000000000000" else None


def norm_name(value: str) -> set[str]:
    """A system or host name and its short form, lower case (``SW1.acme.lan`` -> both)."""
    name = value.strip().strip(".").lower()
    if not name:
        return set()
    return {name, name.split(".", 1)[0]}


def norm_address(value: str) -> str | None:
    """An IP address from ``10.1.2.3``, ``10.1.2.3/24`` or ``10.1.2.3:7443``; else None."""
    raw = value.strip()
    if raw.startswith("[") and "]" in raw:  # [v6]:port
        raw = raw[1 : raw.index("]")]
    raw = raw.split("/", 1)[0]
    for candidate in (raw, raw.rsplit(":", 1)[0] if raw.count(":") == 1 else raw):
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return None


@dataclass(frozen=True)
class Node:
    """A device that can be an end of a link."""

    id: str  # "snmp-<id>" or "agent-<device id>"
    kind: str  # "snmp" | "agent"
    label: str
    names: frozenset[str] = frozenset()
    addresses: frozenset[str] = frozenset()
    macs: frozenset[str] = frozenset()
    ports: Mapping[str, str] = field(default_factory=dict)  # port identifier (normalised) -> display name


@dataclass(frozen=True)
class Neighbour:
    """One LLDP remote-table entry as the gateway reported it for ``node_id``."""

    node_id: str
    key: str
    attrs: Mapping[str, str]


@dataclass(frozen=True)
class Link:
    a: str
    a_port: str
    b: str  # a node id, or "" when the neighbour is not a known device
    b_port: str
    b_label: str  # the neighbour's own name when unknown
    matched_by: str  # "chassis id", "management address", "system name" or "" (unknown)
    both_sides: bool = False  # both ends reported the cable


def node_ports(interfaces: Iterable[tuple[str, Mapping[str, str]]]) -> dict[str, str]:
    """Port identifiers of a device's ``interface`` inventory items (key ifIndex) -> name.

    A MAC shared by several interfaces (VLAN interfaces often reuse the chassis MAC) names
    none of them."""
    ports: dict[str, str] = {}
    mac_count: dict[str, int] = {}
    for if_index, attrs in interfaces:
        display = attrs.get("name") or attrs.get("descr") or if_index
        ports.setdefault(if_index, display)
        for attr in ("name", "descr", "alias"):
            if attrs.get(attr):
                ports.setdefault(attrs[attr].strip().lower(), display)
        mac = norm_mac(attrs.get("mac", ""))
        if mac:
            mac_count[mac] = mac_count.get(mac, 0) + 1
            ports.setdefault(mac, display)
    for mac, n in mac_count.items():
        if n > 1:
            ports.pop(mac, None)
    return ports


def _resolve_port(node: Node | None, attrs: Mapping[str, str]) -> str:
    port_id = attrs.get("port_id", "").strip()
    if node is not None:
        candidates = (
            norm_mac(port_id),
            port_id.lower(),
            attrs.get("port_desc", "").strip().lower(),
            norm_mac(attrs.get("chassis_id", "")),  # some switches send the port's own MAC
        )
        for candidate in candidates:
            if candidate and candidate in node.ports:
                return node.ports[candidate]
    return port_id or attrs.get("port_desc", "").strip() or "?"


def _evidence(attrs: Mapping[str, str]) -> list[tuple[str, str, Callable[[Node], frozenset[str]]]]:
    """What identifies a neighbour, most trusted first: (how, value, where a node keeps it)."""
    out: list[tuple[str, str, Callable[[Node], frozenset[str]]]] = []
    chassis = attrs.get("chassis_id", "").strip()
    mac = norm_mac(chassis)
    if mac:
        out.append(("chassis id", mac, lambda n: n.macs))
    elif chassis:  # a locally assigned chassis id: what the device calls itself
        out.append(("chassis id", chassis.lower(), lambda n: n.names))
    address = norm_address(attrs.get("mgmt_address", ""))
    if address:
        out.append(("management address", address, lambda n: n.addresses))
    full = attrs.get("sys_name", "").strip().strip(".").lower()
    for name in sorted(norm_name(full), key=lambda x: x != full):  # the full name, then the short one
        out.append(("system name", name, lambda n: n.names))
    return out


def match(neighbour: Neighbour, nodes: Iterable[Node]) -> tuple[Node | None, str]:
    """The known node an LLDP neighbour describes, and how it was recognised."""
    others = [n for n in nodes if n.id != neighbour.node_id]
    for how, value, kept in _evidence(neighbour.attrs):
        for node in others:
            if value in kept(node):
                return node, how
    return None, ""


def links(nodes: Iterable[Node], neighbours: Iterable[Neighbour]) -> list[Link]:
    """Every link the neighbours describe; a cable seen from both ends is listed once."""
    by_id = {n.id: n for n in nodes}
    out: dict[tuple[tuple[str, str], ...], Link] = {}
    for nb in sorted(neighbours, key=lambda x: (x.node_id, x.key)):
        local = by_id.get(nb.node_id)
        if local is None:
            continue
        a_port = nb.attrs.get("local_port", "").strip() or nb.key.split(".", 1)[0]
        a_port = local.ports.get(a_port.lower(), a_port)
        remote, how = match(nb, by_id.values())
        b_port = _resolve_port(remote, nb.attrs)
        if remote is None:
            label = nb.attrs.get("sys_name", "").strip() or nb.attrs.get("chassis_id", "").strip() or "?"
            out[((nb.node_id, a_port), ("", f"{label}/{b_port}"))] = Link(
                nb.node_id, a_port, "", b_port, label, ""
            )
            continue
        key = tuple(sorted([(local.id, a_port), (remote.id, b_port)]))
        if key in out:
            out[key] = replace(out[key], both_sides=True)
            continue
        out[key] = Link(local.id, a_port, remote.id, b_port, remote.label, how)
    return sorted(out.values(), key=lambda x: (x.a, x.a_port, x.b, x.b_port))

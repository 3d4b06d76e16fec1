"""LLDP-MIB: the neighbours each port sees (inventory ``lldp_neighbor``), from which the
collector draws the network structure, and this device's own LLDP identity
(``lldp_local``) so that neighbours elsewhere can be matched to it. Fetched slowly."""

from __future__ import annotations

import ipaddress

from agent.snmp.oids import Oid, PollData, Value, oid
from agent.snmp.profiles.base import (
    Profile,
    ProfileResult,
    TargetInfo,
    hex_octets,
    integer,
    item,
    lookup,
    pretty,
    text,
)
from agent.snmp.profiles.interfaces import IF_NAME

_R = "1.0.8802.1.1.2.1.4.1.1."
REM_CHASSIS_SUBTYPE = oid(_R + "4")
REM_CHASSIS_ID = oid(_R + "5")
REM_PORT_SUBTYPE = oid(_R + "6")
REM_PORT_ID = oid(_R + "7")
REM_PORT_DESC = oid(_R + "8")
REM_SYS_NAME = oid(_R + "9")
REM_SYS_DESC = oid(_R + "10")
REM_MAN_ADDR_IF_SUBTYPE = oid("1.0.8802.1.1.2.1.4.2.1.3")
LOC_CHASSIS_SUBTYPE = oid("1.0.8802.1.1.2.1.3.1.0")
LOC_CHASSIS_ID = oid("1.0.8802.1.1.2.1.3.2.0")
LOC_SYS_NAME = oid("1.0.8802.1.1.2.1.3.3.0")
LOC_PORT_SUBTYPE = oid("1.0.8802.1.1.2.1.3.7.1.2")
LOC_PORT_ID = oid("1.0.8802.1.1.2.1.3.7.1.3")
LOC_PORT_DESC = oid("1.0.8802.1.1.2.1.3.7.1.4")

CHASSIS_SUBTYPES = {
    1: "chassisComponent",
    2: "interfaceAlias",
    3: "portComponent",
    4: "macAddress",
    5: "networkAddress",
    6: "interfaceName",
    7: "local",
}
PORT_SUBTYPES = {
    1: "interfaceAlias",
    2: "portComponent",
    3: "macAddress",
    4: "networkAddress",
    5: "interfaceName",
    6: "agentCircuitId",
    7: "local",
}


def format_id(subtype: str, value: Value) -> str:
    """An LLDP chassis or port id as text: MACs as ``aa:bb:..``, addresses dotted."""
    if not isinstance(value, bytes):
        return text(value)
    if subtype == "macAddress" and len(value) == 6:
        return hex_octets(value)
    if subtype == "networkAddress" and value:
        family, raw = value[0], value[1:]
        try:
            if family == 1 and len(raw) == 4:
                return str(ipaddress.IPv4Address(raw))
            if family == 2 and len(raw) == 16:
                return str(ipaddress.IPv6Address(raw))
        except ValueError:
            pass
    return pretty(value)


def management_addresses(data: PollData) -> dict[tuple[int, int], str]:
    """(local port, remote index) -> the neighbour's first management address (IPv4 first).

    The address lives in the table's index: timeMark.port.index.subtype.length.octets."""
    found: dict[tuple[int, int], list[tuple[int, str]]] = {}
    for index in data.column(REM_MAN_ADDR_IF_SUBTYPE):
        if len(index) < 6:
            continue
        subtype, length, raw = index[3], index[4], bytes(b & 0xFF for b in index[5:])
        if len(raw) != length:
            continue
        try:
            if subtype == 1 and length == 4:
                address = str(ipaddress.IPv4Address(raw))
            elif subtype == 2 and length == 16:
                address = str(ipaddress.IPv6Address(raw))
            else:
                continue
        except ValueError:
            continue
        found.setdefault((index[1], index[2]), []).append((subtype, address))
    return {k: sorted(v)[0][1] for k, v in found.items()}


def local_port(data: PollData, port: int) -> str:
    """The name of a local LLDP port: its port id when that is a name, its description, or
    the interface name when the port number is an ifIndex; else the number."""
    subtype = PORT_SUBTYPES.get(integer(lookup(data, LOC_PORT_SUBTYPE, (port,))) or 0, "")
    port_id = lookup(data, LOC_PORT_ID, (port,))
    if subtype in ("interfaceName", "interfaceAlias", "local") and text(port_id):
        return format_id(subtype, port_id)
    return (
        text(lookup(data, LOC_PORT_DESC, (port,)))
        or text(lookup(data, IF_NAME, (port,)))
        or (format_id(subtype, port_id) if port_id is not None else "")
        or str(port)
    )


def collect(data: PollData, target: TargetInfo) -> ProfileResult:
    out = ProfileResult()
    local_subtype = CHASSIS_SUBTYPES.get(integer(data.scalar(LOC_CHASSIS_SUBTYPE)) or 0, "")
    if data.scalar(LOC_CHASSIS_ID) is not None:
        out.inventory.append(
            item(
                "lldp_local",
                "local",
                chassis_id=format_id(local_subtype, data.scalar(LOC_CHASSIS_ID)),
                chassis_id_subtype=local_subtype,
                sys_name=text(data.scalar(LOC_SYS_NAME)),
            )
        )
    addresses = management_addresses(data)
    seen: set[Oid] = set()
    for index in sorted(set(data.column(REM_CHASSIS_ID)) | set(data.column(REM_SYS_NAME))):
        if len(index) != 3:
            continue
        port, rem = index[1], index[2]
        if (port, rem) in seen:  # the same neighbour under two time marks: keep the first
            continue
        seen.add((port, rem))
        chassis_subtype = CHASSIS_SUBTYPES.get(integer(lookup(data, REM_CHASSIS_SUBTYPE, index)) or 0, "")
        port_subtype = PORT_SUBTYPES.get(integer(lookup(data, REM_PORT_SUBTYPE, index)) or 0, "")
        out.inventory.append(
            item(
                "lldp_neighbor",
                f"{port}.{rem}",
                local_port=local_port(data, port),
                chassis_id=format_id(chassis_subtype, lookup(data, REM_CHASSIS_ID, index)),
                chassis_id_subtype=chassis_subtype,
                port_id=format_id(port_subtype, lookup(data, REM_PORT_ID, index)),
                port_id_subtype=port_subtype,
                port_desc=text(lookup(data, REM_PORT_DESC, index)),
                sys_name=text(lookup(data, REM_SYS_NAME, index)),
                sys_desc=pretty(lookup(data, REM_SYS_DESC, index)),
                mgmt_address=addresses.get((port, rem), ""),
            )
        )
    return out


PROFILE = Profile(
    name="lldp",
    collect=collect,
    slow_scalars=(LOC_CHASSIS_SUBTYPE, LOC_CHASSIS_ID, LOC_SYS_NAME),
    slow_columns=(
        REM_CHASSIS_SUBTYPE,
        REM_CHASSIS_ID,
        REM_PORT_SUBTYPE,
        REM_PORT_ID,
        REM_PORT_DESC,
        REM_SYS_NAME,
        REM_SYS_DESC,
        REM_MAN_ADDR_IF_SUBTYPE,
        LOC_PORT_SUBTYPE,
        LOC_PORT_ID,
        LOC_PORT_DESC,
    ),
    probes=(REM_CHASSIS_ID, LOC_CHASSIS_ID),
)

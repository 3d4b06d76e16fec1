"""Network interfaces from ``ip -json addr`` (iproute2) and ``/sys/class/net``.

Only interfaces backed by a device (``/sys/class/net/<if>/device`` exists: physical or
paravirtual NICs, Wi-Fi) are hardware; bridges, veths, tunnels and loopback come and go with
containers and would drown the change history. Temporary IPv6 privacy addresses rotate daily,
so they are left out too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agent.inventory.facade import HostIO
from agent.inventory.model import Item, ParseError, SourceError, item, json_output

IP_ADDR = ("ip", "-json", "addr", "show")
SYS_NET = "/sys/class/net"


def _addresses(entries: Any, where: str) -> str:
    if entries is None:
        return ""
    if not isinstance(entries, list):
        raise ParseError(f"{where}: addr_info is not a list")
    out: list[str] = []
    for entry in entries:
        if not isinstance(entry, dict) or "local" not in entry:
            continue  # e.g. an empty {} that some iproute2 versions print for peers
        if entry.get("temporary") or entry.get("deprecated"):
            continue
        out.append(f"{entry['local']}/{entry.get('prefixlen', '')}".rstrip("/"))
    return ",".join(out)


def parse(text: str, devices: Mapping[str, int | None]) -> list[Item]:
    """``devices`` maps the names of device-backed interfaces to their speed in Mb/s (None
    when the link is down or the driver does not say)."""
    data = json_output(text, "ip -json addr", list)
    out: list[Item] = []
    for number, iface in enumerate(data):
        if not isinstance(iface, dict) or not isinstance(iface.get("ifname"), str):
            raise ParseError(f"interface #{number} has no ifname")
        name = iface["ifname"]
        if name not in devices:
            continue
        speed = devices[name]
        out.append(
            item(
                "nic",
                name,
                mac=str(iface.get("address", "")).lower(),
                speed_mbps="" if speed is None or speed <= 0 else str(speed),
                addresses=_addresses(iface.get("addr_info"), f"interface {name}"),
                mtu=iface.get("mtu", ""),
            )
        )
    return out


def _speed(io: HostIO, name: str) -> int | None:
    try:
        text = io.read_text(f"{SYS_NET}/{name}/speed")
    except SourceError:  # EINVAL while the link is down
        return None
    try:
        return int(text.strip()) if text else None
    except ValueError:
        return None


def read(io: HostIO) -> list[Item]:
    names = io.list_dir(SYS_NET) or []
    devices = {n: _speed(io, n) for n in names if io.list_dir(f"{SYS_NET}/{n}/device") is not None}
    return parse(io.run(IP_ADDR, timeout_s=30), devices)

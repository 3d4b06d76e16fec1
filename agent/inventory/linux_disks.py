"""Physical disks from ``lsblk --json`` (util-linux): model, serial, size, rotational.

Only whole devices of type ``disk`` are kept; zram swap devices and empty (size 0) devices
are not hardware. A disk is keyed by its serial when it has one, so moving a disk to another
port is not a change while swapping it for another is.
"""

from __future__ import annotations

from typing import Any

from agent.inventory.facade import HostIO
from agent.inventory.model import Item, ParseError, item, json_output, meaningful

LSBLK = ("lsblk", "--json", "--bytes", "--nodeps", "--output", "NAME,TYPE,MODEL,SERIAL,SIZE,ROTA")
_SKIP_PREFIXES = ("zram", "ram", "loop")


def _flag(value: Any, where: str) -> str:
    """lsblk >= 2.33 writes booleans, older versions "0"/"1" strings."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value in ("0", "1"):
        return "true" if value == "1" else "false"
    if value is None:
        return ""
    raise ParseError(f"{where}: rota is neither a boolean nor 0/1: {value!r:.40}")


def _size(value: Any, where: str) -> int:
    if isinstance(value, bool):
        raise ParseError(f"{where}: size is not a number: {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    raise ParseError(f"{where}: size is not a number of bytes: {value!r:.40}")


def parse(text: str) -> list[Item]:
    devices = json_output(text, "lsblk", dict).get("blockdevices")
    if not isinstance(devices, list):
        raise ParseError("lsblk output has no 'blockdevices' list")
    out: list[Item] = []
    for number, dev in enumerate(devices):
        if not isinstance(dev, dict) or not isinstance(dev.get("name"), str):
            raise ParseError(f"blockdevices[{number}] has no name")
        name = dev["name"]
        where = f"device {name}"
        if dev.get("type") != "disk" or name.startswith(_SKIP_PREFIXES):
            continue
        size = _size(dev.get("size"), where)
        if size == 0:
            continue
        serial = meaningful(dev.get("serial"))
        out.append(
            item(
                "disk",
                serial or name,
                device=f"/dev/{name}",
                model=dev.get("model"),
                serial=serial,
                size_bytes=str(size),
                rotational=_flag(dev.get("rota"), where),
            )
        )
    return out


def read(io: HostIO) -> list[Item]:
    return parse(io.run(LSBLK, timeout_s=30))

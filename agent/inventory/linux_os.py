"""Operating system, memory total and the agent itself on Linux: ``/etc/os-release``,
``/proc/meminfo``, the kernel release and machine architecture."""

from __future__ import annotations

import platform

from agent.inventory.facade import HostIO
from agent.inventory.model import Item, ParseError, SourceError, item

OS_RELEASE = ("/etc/os-release", "/usr/lib/os-release")
MEMINFO = "/proc/meminfo"


def parse_os_release(text: str, *, kernel: str, arch: str) -> list[Item]:
    """The ``os`` item from os-release (shell-style ``KEY="value"`` lines)."""
    values: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.replace("_", "").isalnum():
            raise ParseError(f"os-release line {number} is not KEY=value: {line[:60]!r}")
        values[key] = value.strip().strip("\"'")
    name = values.get("NAME") or values.get("ID", "")
    if not name:
        raise ParseError("os-release has neither NAME nor ID")
    version = values.get("VERSION") or values.get("VERSION_ID") or values.get("BUILD_ID", "")
    return [item("os", "os", name=name, version=version, kernel=kernel, arch=arch)]


def parse_meminfo(text: str) -> list[Item]:
    """The ``memory`` item (key "total") from MemTotal, in bytes."""
    for line in text.splitlines():
        name, _, rest = line.partition(":")
        if name.strip() != "MemTotal":
            continue
        parts = rest.split()
        if len(parts) != 2 or not parts[0].isdigit() or parts[1] != "kB":
            raise ParseError(f"MemTotal is not '<number> kB': {rest.strip()[:40]!r}")
        return [item("memory", "total", bytes=str(int(parts[0]) * 1024))]
    raise ParseError("no MemTotal line: this is not /proc/meminfo output")


def read_os(io: HostIO) -> list[Item]:
    uname = platform.uname()
    for path in OS_RELEASE:
        text = io.read_text(path)
        if text is not None:
            return parse_os_release(text, kernel=uname.release, arch=uname.machine)
    raise SourceError(f"none of {', '.join(OS_RELEASE)} exists")


def read_memory(io: HostIO) -> list[Item]:
    text = io.read_text(MEMINFO)
    if text is None:
        raise SourceError(f"{MEMINFO} does not exist")
    return parse_meminfo(text)

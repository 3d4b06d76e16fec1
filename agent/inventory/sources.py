"""The explicit list of inventory sources: one reader each, by a stable name, per platform.

Adding a source is one module with a ``read(io) -> list[Item]`` plus one line here. The
``[inventory] sources`` setting picks a subset by these names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from agent import __version__
from agent.inventory import (
    dmidecode,
    dpkg,
    linux_cpu,
    linux_disks,
    linux_dmi,
    linux_nics,
    linux_os,
    macos_apps,
    macos_hw,
    macos_pkgutil,
    rpm,
    windows_hw,
    windows_registry,
)
from agent.inventory.facade import HostIO
from agent.inventory.model import Item, item

Reader = Callable[[HostIO], list[Item]]
LINUX = ("linux",)
ALL = ("linux", "win32", "darwin")


@dataclass(frozen=True)
class Source:
    name: str
    platforms: tuple[str, ...]
    read: Reader


def read_agent(_io: HostIO) -> list[Item]:
    """The agent's own version: an upgrade shows up in the change history like any software."""
    return [item("agent", "agent", version=__version__)]


SOURCES: tuple[Source, ...] = (
    Source("agent", ALL, read_agent),
    Source("dmi", LINUX, linux_dmi.read),
    Source("cpu", LINUX, linux_cpu.read),
    Source("memory", LINUX, linux_os.read_memory),
    Source("memory_modules", LINUX, dmidecode.read),
    Source("os", LINUX, linux_os.read_os),
    Source("disks", LINUX, linux_disks.read),
    Source("nics", LINUX, linux_nics.read),
    Source("dpkg", LINUX, dpkg.read),
    Source("rpm", LINUX, rpm.read),
    Source("windows_hw", ("win32",), windows_hw.read),
    Source("winreg", ("win32",), windows_registry.read),
    Source("macos_hw", ("darwin",), macos_hw.read),
    Source("pkgutil", ("darwin",), macos_pkgutil.read),
    Source("apps", ("darwin",), macos_apps.read),
)
NAMES = frozenset(s.name for s in SOURCES)


def for_platform(platform: str, names: Iterable[str] | None = None) -> list[Source]:
    """The sources that run on ``platform`` (``sys.platform``), limited to ``names`` if given."""
    wanted = None if names is None else set(names)
    return [
        s
        for s in SOURCES
        if any(platform.startswith(p) for p in s.platforms) and (wanted is None or s.name in wanted)
    ]

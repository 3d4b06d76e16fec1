"""Windows hardware and OS identity from the registry, with the standard library only.

The firmware's SMBIOS strings are mirrored under ``HARDWARE\\DESCRIPTION\\System\\BIOS``, each
logical processor under ``...\\CentralProcessor\\<n>``, and the OS edition and build under
``SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion``; physical memory comes from
``GlobalMemoryStatusEx`` through :mod:`ctypes`. The system serial number and UUID are not in the
registry (WMI reads them from the SMBIOS table), so they are left empty rather than shelling out.
"""

from __future__ import annotations

import platform
import sys
from collections.abc import Iterable

from agent.inventory.facade import HostIO
from agent.inventory.model import Item, NotApplicable, ParseError, item
from agent.inventory.windows_regtext import RegKey, RegValue

BIOS = r"HKEY_LOCAL_MACHINE\HARDWARE\DESCRIPTION\System\BIOS"
CPU = r"HKEY_LOCAL_MACHINE\HARDWARE\DESCRIPTION\System\CentralProcessor"
CURRENT_VERSION = r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion"
_WINDOWS_11_FIRST_BUILD = 22000


def _find(keys: Iterable[RegKey], path: str) -> dict[str, RegValue] | None:
    for key in keys:
        if key.path.upper() == path.upper():
            return key.values
    return None


def os_item(values: dict[str, RegValue], arch: str) -> Item:
    product = str(values.get("ProductName", ""))
    build = str(values.get("CurrentBuild") or values.get("CurrentBuildNumber") or "")
    if not product or not build.isdigit():
        raise ParseError("CurrentVersion has no ProductName or numeric CurrentBuild")
    # Windows 11 kept "Windows 10" in ProductName; the build number tells them apart.
    if int(build) >= _WINDOWS_11_FIRST_BUILD and product.startswith("Windows 10"):
        product = "Windows 11" + product[len("Windows 10") :]
    major, minor = values.get("CurrentMajorVersionNumber"), values.get("CurrentMinorVersionNumber")
    if isinstance(major, int) and isinstance(minor, int):
        kernel = f"{major}.{minor}.{build}"
    elif int(build) >= 10240:  # every Windows 10/11 build is NT 10.0
        kernel = f"10.0.{build}"
    else:
        kernel = f"{values.get('CurrentVersion', '')}.{build}".lstrip(".")
    ubr = values.get("UBR")
    if isinstance(ubr, int):
        kernel = f"{kernel}.{ubr}"
    version = str(values.get("DisplayVersion") or values.get("ReleaseId") or "")
    return item("os", "os", name=product, version=version, kernel=kernel, arch=arch)


def parse(keys: list[RegKey], *, arch: str = "", memory_bytes: int | None = None) -> list[Item]:
    """Items from the captured keys; each part present in ``keys`` yields its items."""
    out: list[Item] = []
    bios = _find(keys, BIOS)
    if bios is not None:
        out.append(
            item(
                "system",
                "system",
                vendor=bios.get("SystemManufacturer"),
                model=bios.get("SystemProductName"),
                version=bios.get("SystemVersion"),
                family=bios.get("SystemFamily"),
            )
        )
        out.append(
            item(
                "bios",
                "bios",
                vendor=bios.get("BIOSVendor"),
                version=bios.get("BIOSVersion"),
                date=bios.get("BIOSReleaseDate"),
            )
        )
    cpus = [k for k in keys if k.path.upper().startswith(CPU.upper() + "\\")]
    if cpus:
        first = cpus[0].values
        mhz = first.get("~MHz")
        out.append(
            item(
                "cpu",
                "0",
                model=str(first.get("ProcessorNameString", "")).strip(),
                threads=str(len(cpus)),
                mhz=str(mhz) if isinstance(mhz, int) else "",
            )
        )
    current = _find(keys, CURRENT_VERSION)
    if current is not None:
        out.append(os_item(current, arch))
    if memory_bytes:
        out.append(item("memory", "total", bytes=str(memory_bytes)))
    if not out:
        raise ParseError("none of the BIOS, CentralProcessor or CurrentVersion keys is in the input")
    return out


if sys.platform == "win32":  # pragma: no cover - Windows only
    import ctypes
    import winreg
    from ctypes import wintypes

    class _MemoryStatusEx(ctypes.Structure):
        _fields_ = (
            ("dwLength", wintypes.DWORD),
            ("dwMemoryLoad", wintypes.DWORD),
            ("ullTotalPhys", ctypes.c_ulonglong),
            ("ullAvailPhys", ctypes.c_ulonglong),
            ("ullTotalPageFile", ctypes.c_ulonglong),
            ("ullAvailPageFile", ctypes.c_ulonglong),
            ("ullTotalVirtual", ctypes.c_ulonglong),
            ("ullAvailVirtual", ctypes.c_ulonglong),
            ("ullAvailExtendedVirtual", ctypes.c_ulonglong),
        )

    def _memory_bytes() -> int | None:
        status = _MemoryStatusEx()
        status.dwLength = ctypes.sizeof(_MemoryStatusEx)
        if not ctypes.windll.kernel32.GlobalMemoryStatusEx(ctypes.byref(status)):
            return None
        return int(status.ullTotalPhys)

    def _values_of(path: str) -> dict[str, RegValue]:
        out: dict[str, RegValue] = {}
        with winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, path.split("\\", 1)[1]) as handle:
            for i in range(winreg.QueryInfoKey(handle)[1]):
                name, data, kind = winreg.EnumValue(handle, i)
                if isinstance(data, str | int) and kind in (winreg.REG_SZ, winreg.REG_DWORD):
                    out[name] = data
        return out

    def _read_live() -> list[RegKey]:
        keys = [RegKey(BIOS, _values_of(BIOS)), RegKey(CURRENT_VERSION, _values_of(CURRENT_VERSION))]
        with winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, CPU.split("\\", 1)[1]) as root:
            for i in range(winreg.QueryInfoKey(root)[0]):
                path = f"{CPU}\\{winreg.EnumKey(root, i)}"
                keys.append(RegKey(path, _values_of(path)))
        return keys

else:

    def _memory_bytes() -> int | None:
        return None

    def _read_live() -> list[RegKey]:
        raise NotApplicable("the Windows registry exists only on Windows")


def read(io: HostIO) -> list[Item]:
    if io.platform != "win32":
        raise NotApplicable("the Windows registry exists only on Windows")
    return parse(_read_live(), arch=platform.machine(), memory_bytes=_memory_bytes())

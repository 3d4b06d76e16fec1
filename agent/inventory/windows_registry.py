"""Installed Windows software from the ``Uninstall`` registry keys, as "Apps & features" lists it.

Three places hold entries: the machine's native view, its 32-bit view (``WOW6432Node``) and the
current user's. Entries without a ``DisplayName``, system components and updates that belong to
another entry (``ParentKeyName``) are hidden by Windows itself and are left out here as well.
On Windows the keys are read with :mod:`winreg`; everywhere else the parser is fed captured
``reg export`` output.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable

from agent.inventory.facade import HostIO
from agent.inventory.model import Item, NotApplicable, ParseError, keyed_by_arch, meaningful
from agent.inventory.windows_regtext import RegKey, RegValue

UNINSTALL = r"SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall"
_HIDDEN_RELEASE_TYPES = frozenset({"update", "hotfix", "security update", "update rollup", "service pack"})


def _arch(path: str) -> str:
    upper = path.upper()
    if "\\WOW6432NODE\\" in upper:
        return "x86"
    if upper.startswith(("HKEY_CURRENT_USER", "HKEY_USERS", "HKCU")):
        return "user"
    return "x64"


def _is_entry(key: RegKey) -> bool:
    parent, _, _ = key.path.rpartition("\\")
    return parent.upper().endswith("\\UNINSTALL")


def packages(keys: Iterable[RegKey]) -> list[Item]:
    rows: list[tuple[str, str, dict[str, str]]] = []
    seen_uninstall = False
    for key in keys:
        if key.path.upper().endswith("\\UNINSTALL") or _is_entry(key):
            seen_uninstall = True
        if not _is_entry(key):
            continue
        v = key.values
        name = meaningful(v.get("DisplayName"))
        if not name or v.get("SystemComponent") == 1 or meaningful(v.get("ParentKeyName")):
            continue
        if str(v.get("ReleaseType", "")).lower() in _HIDDEN_RELEASE_TYPES:
            continue
        arch = _arch(key.path)
        attrs = {
            "version": meaningful(v.get("DisplayVersion")),
            "arch": arch,
            "source": "winreg",
            "publisher": meaningful(v.get("Publisher")),
        }
        rows.append((name, arch, {k: val for k, val in attrs.items() if val}))
    if not seen_uninstall:
        raise ParseError(f"no {UNINSTALL} keys in the input")
    return keyed_by_arch(rows)


if sys.platform == "win32":  # pragma: no cover - Windows only
    import winreg

    def _read_view(hive: int, hive_name: str, view: int, label: str) -> list[RegKey]:
        try:
            root = winreg.OpenKey(hive, UNINSTALL, 0, winreg.KEY_READ | view)
        except OSError:
            return []
        keys = [RegKey(f"{hive_name}\\{label}")]
        with root:
            for index in range(winreg.QueryInfoKey(root)[0]):
                sub = winreg.EnumKey(root, index)
                values: dict[str, RegValue] = {}
                try:
                    with winreg.OpenKey(root, sub) as handle:
                        for i in range(winreg.QueryInfoKey(handle)[1]):
                            name, data, kind = winreg.EnumValue(handle, i)
                            if isinstance(data, str | int) and kind in _VALUE_KINDS:
                                values[name] = data
                except OSError:
                    continue
                keys.append(RegKey(f"{hive_name}\\{label}\\{sub}", values))
        return keys

    _VALUE_KINDS = (winreg.REG_SZ, winreg.REG_EXPAND_SZ, winreg.REG_DWORD)

    def _read_live() -> list[RegKey]:
        wow = UNINSTALL.replace("SOFTWARE\\", "SOFTWARE\\WOW6432Node\\")
        return [
            *_read_view(winreg.HKEY_LOCAL_MACHINE, "HKEY_LOCAL_MACHINE", winreg.KEY_WOW64_64KEY, UNINSTALL),
            *_read_view(winreg.HKEY_LOCAL_MACHINE, "HKEY_LOCAL_MACHINE", winreg.KEY_WOW64_32KEY, wow),
            *_read_view(winreg.HKEY_CURRENT_USER, "HKEY_CURRENT_USER", 0, UNINSTALL),
        ]

else:

    def _read_live() -> list[RegKey]:
        raise NotApplicable("the Windows registry exists only on Windows")


def read(io: HostIO) -> list[Item]:
    if io.platform != "win32":
        raise NotApplicable("the Windows registry exists only on Windows")
    return packages(_read_live())

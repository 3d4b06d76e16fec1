"""Memory modules from ``dmidecode -t 17`` (SMBIOS "Memory Device" records).

dmidecode reads ``/dev/mem`` or the sysfs tables and needs root; an unprivileged agent, a
machine without dmidecode and a machine without SMBIOS (many VMs) simply have no module list.
Empty slots ("No Module Installed") are not modules.
"""

from __future__ import annotations

from agent.inventory.facade import HostIO
from agent.inventory.model import Item, NotApplicable, ParseError, memory_module

DMIDECODE = ("dmidecode", "--type", "17")
NO_SMBIOS = "No SMBIOS nor DMI entry point found"
# Where a "Memory Device" record keeps the attributes of MEMORY_MODULE_ATTRS.
_MODULE_FIELDS = ("Type", "Speed", "Manufacturer", "Serial Number", "Part Number")
_UNITS = {"bytes": 1, "kB": 1024, "KB": 1024, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4}


def size_bytes(text: str) -> int | None:
    """``"32 GB"`` -> bytes; None for an empty slot or an unknown size."""
    parts = text.split()
    if len(parts) == 2 and parts[0].isdigit() and parts[1] in _UNITS:
        return int(parts[0]) * _UNITS[parts[1]]
    return None


def _records(text: str) -> list[dict[str, str]]:
    records: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    for line in text.splitlines():
        if line.startswith("Handle "):
            current = None
            continue
        if line.strip() == "Memory Device" and not line.startswith((" ", "\t")):
            current = {}
            records.append(current)
            continue
        indent = len(line) - len(line.lstrip())
        # Fields are indented once (a tab, or 8 spaces when pasted); list entries twice.
        nested = line.startswith("\t\t") or (not line.startswith("\t") and indent > 8)
        if current is not None and indent and not nested:
            name, sep, value = line.strip().partition(":")
            if sep:
                current[name.strip()] = value.strip()
    return records


def parse(text: str) -> list[Item]:
    if NO_SMBIOS in text:
        raise NotApplicable("no SMBIOS table on this machine")
    if "dmidecode" not in text and "DMI type" not in text:
        raise ParseError("this is not dmidecode output (no '# dmidecode' header, no 'DMI type' record)")
    records = _records(text)
    locators = [r.get("Locator", "") for r in records]
    out: list[Item] = []
    for number, rec in enumerate(records):
        size = size_bytes(rec.get("Size", ""))
        if size is None:
            continue
        locator = rec.get("Locator", "") or f"slot{number}"
        bank = rec.get("Bank Locator", "")
        # Laptops repeat "DIMM 0" in BANK 0 and BANK 1: the bank makes the slot unique.
        key = f"{bank}/{locator}" if locators.count(locator) > 1 and bank else locator
        out.append(memory_module(key, size, rec, _MODULE_FIELDS))
    return out


def read(io: HostIO) -> list[Item]:
    if not io.is_root():
        raise NotApplicable("dmidecode needs root; memory modules are not readable")
    return parse(io.run(DMIDECODE, timeout_s=30))

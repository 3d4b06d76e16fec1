"""System and BIOS identity from the kernel's SMBIOS view, ``/sys/class/dmi/id``.

The kernel exposes each SMBIOS string as a file; ``product_serial`` and ``product_uuid`` are
readable by root only, so an unprivileged agent reports them empty rather than failing.
"""

from __future__ import annotations

from collections.abc import Mapping

from agent.inventory.facade import HostIO
from agent.inventory.model import Item, NotApplicable, ParseError, SourceError, item

DMI_DIR = "/sys/class/dmi/id"
FIELDS = (
    "sys_vendor",
    "product_name",
    "product_version",
    "product_serial",
    "product_uuid",
    "chassis_type",
    "bios_vendor",
    "bios_version",
    "bios_date",
)

# SMBIOS 3.x chassis types (DSP0134 7.4.1): the ones a support technician meets.
CHASSIS_TYPES: dict[str, str] = {
    "1": "Other",
    "2": "Unknown",
    "3": "Desktop",
    "4": "Low Profile Desktop",
    "5": "Pizza Box",
    "6": "Mini Tower",
    "7": "Tower",
    "8": "Portable",
    "9": "Laptop",
    "10": "Notebook",
    "11": "Hand Held",
    "12": "Docking Station",
    "13": "All in One",
    "14": "Sub Notebook",
    "15": "Space-saving",
    "16": "Lunch Box",
    "17": "Main Server Chassis",
    "23": "Rack Mount Chassis",
    "24": "Sealed-case PC",
    "28": "Blade",
    "30": "Tablet",
    "31": "Convertible",
    "32": "Detachable",
    "33": "IoT Gateway",
    "34": "Embedded PC",
    "35": "Mini PC",
    "36": "Stick PC",
}


def parse(values: Mapping[str, str]) -> list[Item]:
    """``values`` maps DMI file names to their contents (missing or unreadable ones absent)."""
    known = {name: values.get(name, "").strip() for name in FIELDS}
    if not any(known[name] for name in ("sys_vendor", "product_name", "bios_vendor", "bios_version")):
        raise ParseError(
            "no DMI identity fields (sys_vendor, product_name, bios_vendor, bios_version) in the input"
        )
    chassis = known["chassis_type"]
    if chassis and not chassis.isdigit():
        raise ParseError(f"chassis_type is not an SMBIOS number: {chassis[:40]!r}")
    return [
        item(
            "system",
            "system",
            vendor=known["sys_vendor"],
            model=known["product_name"],
            version=known["product_version"],
            serial=known["product_serial"],
            uuid=known["product_uuid"].lower(),
            chassis=CHASSIS_TYPES.get(chassis, chassis),
        ),
        item(
            "bios",
            "bios",
            vendor=known["bios_vendor"],
            version=known["bios_version"],
            date=known["bios_date"],
        ),
    ]


def read(io: HostIO) -> list[Item]:
    if io.list_dir(DMI_DIR) is None:
        raise NotApplicable(f"{DMI_DIR} does not exist (no SMBIOS table on this machine)")
    values: dict[str, str] = {}
    for name in FIELDS:
        try:
            text = io.read_text(f"{DMI_DIR}/{name}")
        except SourceError:  # root-only files (serial, uuid) for an unprivileged agent
            continue
        if text is not None:
            values[name] = text
    return parse(values)

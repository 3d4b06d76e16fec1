"""Mac hardware and OS from ``system_profiler -json`` (hardware, software and memory reports)."""

from __future__ import annotations

import platform
import re
from typing import Any

from agent.inventory.facade import HostIO
from agent.inventory.model import Item, NotApplicable, ParseError, item, json_output, memory_module

SYSTEM_PROFILER = (
    "system_profiler",
    "-json",
    "-detailLevel",
    "full",
    "SPHardwareDataType",
    "SPSoftwareDataType",
    "SPMemoryDataType",
)
_UNITS = {"KB": 1024, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4}
_CHASSIS = (("MacBook", "Laptop"), ("iMac", "All in One"), ("Mac mini", "Desktop"), ("Mac Studio", "Desktop"))

# Where a system_profiler DIMM entry keeps the attributes of MEMORY_MODULE_ATTRS.
_MODULE_FIELDS = ("dimm_type", "dimm_speed", "dimm_manufacturer", "dimm_serial_number", "dimm_part_number")


def _first(data: dict[str, Any], name: str) -> dict[str, Any] | None:
    entries = data.get(name)
    if entries is None:
        return None
    if not isinstance(entries, list) or not entries or not isinstance(entries[0], dict):
        raise ParseError(f"{name} is not a list of objects")
    first: dict[str, Any] = entries[0]
    return first


def size_bytes(text: Any) -> str:
    """``"16 GB"`` -> bytes as a string ("" when the text is not a size)."""
    parts = str(text or "").split()
    if len(parts) == 2 and parts[0].isdigit() and parts[1] in _UNITS:
        return str(int(parts[0]) * _UNITS[parts[1]])
    return ""


def _cores(value: Any) -> str:
    """``number_processors``: an int on Intel Macs, ``"proc 8:4:4"`` (total:perf:eff) on Apple silicon."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    match = re.match(r"proc (\d+)", str(value or ""))
    return match.group(1) if match else ""


def _mhz(value: Any) -> str:
    match = re.match(r"([\d.,]+) GHz", str(value or ""))
    return str(round(float(match.group(1).replace(",", ".")) * 1000)) if match else ""


def _os(software: dict[str, Any], arch: str) -> Item:
    text = str(software.get("os_version", ""))
    name, _, version = text.partition(" ")
    kernel = str(software.get("kernel_version", "")).removeprefix("Darwin ").strip()
    return item("os", "os", name=name, version=version, kernel=kernel, arch=arch)


def _memory_modules(memory: dict[str, Any]) -> list[Item]:
    out: list[Item] = []
    for entry in memory.get("_items", []) or []:
        if not isinstance(entry, dict) or not size_bytes(entry.get("dimm_size")):
            continue  # Apple silicon reports one soldered package without slots
        key = str(entry.get("_name", ""))
        out.append(memory_module(key, size_bytes(entry.get("dimm_size")), entry, _MODULE_FIELDS))
    return out


def parse(text: str, *, arch: str = "") -> list[Item]:
    data = json_output(text, "system_profiler", dict)
    hardware = _first(data, "SPHardwareDataType")
    if hardware is None:
        raise ParseError("system_profiler output has no SPHardwareDataType report")
    name = str(hardware.get("machine_name", ""))
    model_id = str(hardware.get("machine_model", ""))
    chassis = next((kind for prefix, kind in _CHASSIS if name.startswith(prefix)), "")
    threads = _cores(hardware.get("number_processors"))
    if hardware.get("platform_cpu_htt") == "htt_enabled" and threads:
        threads = str(int(threads) * 2)
    out = [
        item(
            "system",
            "system",
            vendor="Apple Inc.",
            model=f"{name} ({model_id})" if name and model_id else name or model_id,
            version=hardware.get("model_number"),
            serial=hardware.get("serial_number"),
            uuid=str(hardware.get("platform_UUID", "")).lower(),
            chassis=chassis,
        ),
        item("bios", "bios", vendor="Apple Inc.", version=hardware.get("boot_rom_version")),
        item(
            "cpu",
            "0",
            model=hardware.get("chip_type") or hardware.get("cpu_type"),
            cores=_cores(hardware.get("number_processors")),
            threads=threads,
            mhz=_mhz(hardware.get("current_processor_speed")),
        ),
    ]
    memory_total = size_bytes(hardware.get("physical_memory"))
    if memory_total:
        out.append(item("memory", "total", bytes=memory_total))
    software = _first(data, "SPSoftwareDataType")
    if software is not None:
        out.append(_os(software, arch))
    memory = _first(data, "SPMemoryDataType")
    if memory is not None:
        out.extend(_memory_modules(memory))
    return out


def read(io: HostIO) -> list[Item]:
    if io.platform != "darwin":
        raise NotApplicable("system_profiler exists only on macOS")
    return parse(io.run(SYSTEM_PROFILER, timeout_s=180), arch=platform.machine())

"""Number formatting for the SNMP pages (pure): bit rates, byte sizes, durations, health."""

from __future__ import annotations

from collections.abc import Callable

from collector.tsdb.functions.queries import Health

_RATE_UNITS = ("bit/s", "kbit/s", "Mbit/s", "Gbit/s", "Tbit/s")
_BYTE_UNITS = ("B", "KiB", "MiB", "GiB", "TiB", "PiB")
HEALTH_CLASSES = {
    Health.OK: "health-ok",
    Health.WARNING: "health-warning",
    Health.CRITICAL: "health-critical",
    Health.UNKNOWN: "health-unknown",
}


def bitrate(value: float | None) -> str:
    """``123456.0`` -> ``123.5 kbit/s`` (SI steps, as link speeds are quoted); None -> ``—``."""
    return _scaled(value, 1000, _RATE_UNITS)


def size(value: float | None) -> str:
    """``1536`` -> ``1.5 KiB``; None -> ``—``."""
    return _scaled(value, 1024, _BYTE_UNITS)


def _scaled(value: float | None, base: int, units: tuple[str, ...]) -> str:
    """``value`` divided by ``base`` until it is below it (or the units run out): whole numbers
    in the first unit, one decimal in the others."""
    if value is None:
        return "—"
    step = 0
    while abs(value) >= base and step < len(units) - 1:
        value /= base
        step += 1
    return f"{value:.0f} {units[step]}" if step == 0 else f"{value:.1f} {units[step]}"


def per_second(value: float | None) -> str:
    """An error or discard rate: ``0``, ``0.05/s``, ``12/s``; None -> ``—``."""
    if value is None:
        return "—"
    if value == 0:
        return "0"
    return f"{value:.2f}/s" if value < 10 else f"{value:.0f}/s"


def number(value: float | None, digits: int = 1) -> str:
    """A measured value without a pointless ``.0``; None -> ``—``."""
    if value is None:
        return "—"
    if float(value).is_integer():
        return f"{int(value)}"
    return f"{value:.{digits}f}"


def duration(seconds: float | None) -> str:
    """``5400`` -> ``1 h 30 min``; None -> ``—``; negative (an "unknown" a device sent as
    -1, stored before the gateway range-checked it) -> ``unknown``: a duration is never negative."""
    if seconds is None:
        return "—"
    if seconds < 0:
        return "unknown"
    total = int(seconds)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"


def health_class(status: Health | None) -> str:
    return "health-none" if status is None else HEALTH_CLASSES.get(status, "health-unknown")


def health_label(status: Health | None) -> str:
    return "no data" if status is None else status.label


FILTERS: dict[str, Callable[..., str]] = {
    "snmp_bitrate": bitrate,
    "snmp_size": size,
    "snmp_per_second": per_second,
    "snmp_number": number,
    "snmp_duration": duration,
    "snmp_health_class": health_class,
    "snmp_health_label": health_label,
}

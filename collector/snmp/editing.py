"""A stored device as the edit form shows it (pure): every setting, never a secret."""

from __future__ import annotations

from collector.snmp.models import NetworkDevice
from collector.snmp.validation import DEFAULT_SUPPLY_CRIT, DEFAULT_SUPPLY_WARN

FORM_FIELDS: tuple[str, ...] = (
    "name",
    "host",
    "port",
    "version",
    "user",
    "auth_protocol",
    "priv_protocol",
    "context",
    "retries",
    "profiles",
    "gateway_device_id",
)


def form_values(device: NetworkDevice) -> dict[str, str]:
    """The edit form's initial values; secret fields stay empty ("leave blank to keep")."""
    params = device.params or {}
    values = {name: str(getattr(device, name)) for name in FORM_FIELDS}
    values.update(
        legacy="on" if device.legacy else "",
        interval_s=f"{device.interval_s:g}",
        timeout_s=f"{device.timeout_s:g}",
        site_id=str(device.site_id or ""),
        supply_warn_percent=f"{float(params.get('supply_warn_percent', DEFAULT_SUPPLY_WARN)):g}",
        supply_crit_percent=f"{float(params.get('supply_crit_percent', DEFAULT_SUPPLY_CRIT)):g}",
        engine_id=str(params.get("engine_id", "")),
    )
    return values

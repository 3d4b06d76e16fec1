"""Inhibition: an instance that is offline suppresses its own metric and function alerts,
and a gateway that is down suppresses the SNMP devices behind it (their function alerts
carry the gateway's device id and the SNMP target as subject). Pure."""

from __future__ import annotations

from collections.abc import Collection

OFFLINE_KIND = "instance_offline"


def inhibited(kind: str, device_id: int | None, offline_devices: Collection[int]) -> bool:
    """Whether an alert of ``kind`` on ``device_id`` is silenced by its device being offline."""
    return kind != OFFLINE_KIND and device_id is not None and device_id in offline_devices

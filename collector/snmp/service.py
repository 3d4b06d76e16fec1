"""Changes to network devices and trap listener settings, in the caller's transaction.

Secrets are encrypted before they reach a model; the audit row names what changed and,
for secrets, only *that* they changed. The caller pushes the affected gateways'
configuration after the transaction commits (:meth:`SnmpTargets.push`), so the agent is
sent what is stored; a caller outside the collector process (the admin CLI) records a
:func:`request_push` in the same transaction instead, which the collector carries out.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from collector.snmp.gateways import TrapSettings
from collector.snmp.models import NetworkDevice, Origin, SnmpGateway, SnmpPushRequest
from collector.snmp.secrets import Secret, SecretBox
from collector.snmp.validation import DeviceSettings
from collector.store.db import Auditor, Store

PLAIN_FIELDS = (
    "name",
    "host",
    "port",
    "version",
    "legacy",
    "gateway_device_id",
    "site_id",
    "interval_s",
    "timeout_s",
    "retries",
)
CREDENTIAL_FIELDS = ("user", "auth_protocol", "priv_protocol", "context")
SECRET_FIELDS = ("community", "auth_key", "priv_key")


def summary(device: NetworkDevice) -> dict[str, Any]:
    """What the audit log says about a device: never a secret."""
    return {
        "name": device.name,
        "host": device.host,
        "port": device.port,
        "version": device.version,
        "legacy": device.is_legacy,
        "user": device.user,
        "auth_protocol": device.auth_protocol,
        "priv_protocol": device.priv_protocol,
        "gateway_device_id": device.gateway_device_id,
    }


def _set_secret(device: NetworkDevice, name: str, value: Secret | None, box: SecretBox) -> bool:
    """Store a new secret (None keeps the stored one); True when it changed."""
    if value is None:
        return False
    column = f"{name}_enc"
    current: str = getattr(device, column)
    if not value and not current:
        return False
    if current and value and box.decrypt(current).reveal() == value.reveal():
        return False
    setattr(device, column, box.encrypt(value.reveal()))
    return True


def apply_settings(device: NetworkDevice, settings: DeviceSettings, box: SecretBox) -> list[str]:
    """Copy validated settings onto ``device``; returns the names of what changed."""
    changed: list[str] = []
    values: dict[str, Any] = {name: getattr(settings, name) for name in PLAIN_FIELDS}
    values.update({name: getattr(settings.credentials, name) for name in CREDENTIAL_FIELDS})
    values["profiles"] = ",".join(settings.profiles)
    values["params"] = dict(settings.params)
    for name, value in values.items():
        if getattr(device, name) != value:
            setattr(device, name, value)
            changed.append(name)
    for name in SECRET_FIELDS:
        if _set_secret(device, name, getattr(settings.credentials, name), box):
            changed.append(name)
    return changed


def create_device(
    session: Session,
    box: SecretBox,
    customer_id: int,
    settings: DeviceSettings,
    *,
    actor: str,
    audit: Auditor,
) -> NetworkDevice:
    device = NetworkDevice(customer_id=customer_id, origin=Origin.CENTRAL.value, created_by=actor, params={})
    apply_settings(device, settings, box)
    session.add(device)
    session.flush()
    audit(session, "snmp.device.create", f"snmp:{device.id}", customer_id=customer_id, **summary(device))
    return device


def update_device(
    session: Session, box: SecretBox, device: NetworkDevice, settings: DeviceSettings, *, audit: Auditor
) -> list[str]:
    """Apply an edit; returns what changed (nothing is audited when nothing did)."""
    changed = apply_settings(device, settings, box)
    if changed:
        device.updated_at = datetime.now(UTC)
        audit(
            session,
            "snmp.device.update",
            f"snmp:{device.id}",
            customer_id=device.customer_id,
            changed=[c for c in changed if c not in SECRET_FIELDS],
            secrets_changed=[c for c in changed if c in SECRET_FIELDS],
            **summary(device),
        )
    return changed


def delete_device(session: Session, device: NetworkDevice, *, audit: Auditor) -> None:
    audit(
        session, "snmp.device.delete", f"snmp:{device.id}", customer_id=device.customer_id, **summary(device)
    )
    session.delete(device)


def save_trap_listener(
    session: Session,
    box: SecretBox,
    gateway_device_id: int,
    customer_id: int,
    settings: TrapSettings,
    *,
    actor: str,
    audit: Auditor,
) -> None:
    row = session.get(SnmpGateway, gateway_device_id)
    if row is None:
        row = SnmpGateway(device_id=gateway_device_id)
        session.add(row)
    row.trap_enabled = settings.enabled
    row.trap_host = settings.host
    row.trap_port = settings.port
    if settings.communities is not None:
        row.trap_communities_enc = (
            box.encrypt(json.dumps(settings.communities)) if settings.communities else ""
        )
    row.updated_by = actor
    row.updated_at = datetime.now(UTC)
    audit(
        session,
        "snmp.gateway.update",
        f"device:{gateway_device_id}",
        customer_id=customer_id,
        trap_enabled=settings.enabled,
        trap_host=settings.host,
        trap_port=settings.port,
        communities_changed=settings.communities is not None,
    )


def request_push(session: Session, gateway_device_id: int, *, actor: str) -> None:
    """Ask the running collector to push this gateway's configuration (once, however often asked)."""
    row = session.get(SnmpPushRequest, gateway_device_id)
    if row is None:
        session.add(SnmpPushRequest(gateway_device_id=gateway_device_id, requested_by=actor))
    else:
        row.requested_at = datetime.now(UTC)
        row.requested_by = actor


NAMES_TTL_S = 10.0


def device_names(store: Store, ttl_s: float = NAMES_TTL_S) -> Callable[[int, str], str]:
    """``(gateway id, target id) -> the SNMP device's name`` ("" when none), for messages
    about a device that name it rather than its gateway and a raw id. Called for every verdict
    about an SNMP target, so each gateway's names are read once per ``ttl_s`` (a rename in the
    dashboard shows in alerts within that long; a new device at once), not once per verdict."""
    cache: dict[int, tuple[float, dict[str, str]]] = {}

    def name_of(gateway_id: int, target_id: str) -> str:
        if not target_id:
            return ""
        hit = cache.get(gateway_id)
        # Stale, or a target not seen yet (a device added since): read the gateway's names again.
        if hit is None or target_id not in hit[1] or time.monotonic() - hit[0] >= ttl_s:
            with store.session() as s:
                rows = s.scalars(select(NetworkDevice).where(NetworkDevice.gateway_device_id == gateway_id))
                hit = (time.monotonic(), {d.target_id: d.name for d in rows})
            cache[gateway_id] = hit
        return hit[1].get(target_id, "")

    return name_of

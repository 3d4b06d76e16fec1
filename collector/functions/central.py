"""Central function specs in the relational store, and the config source that pushes them.

Adding or removing a spec is audited in the caller's transaction; the caller pushes the
device's configuration after the commit (``AgentConfigs.push``), so the agent never sees
a spec that was rolled back.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from collector.functions.models import FunctionSpecRow
from collector.functions.specs import SpecError, SpecInput, spec_proto
from collector.store.db import Store, audit
from collector.store.models import AuditEntry, Device
from eus.v1 import eus_pb2

MAX_SPECS_PER_DEVICE = 200


def specs_of(session: Session, device_id: int) -> list[FunctionSpecRow]:
    """The device's central specs, by name."""
    stmt = select(FunctionSpecRow).where(FunctionSpecRow.device_id == device_id)
    return list(session.scalars(stmt.order_by(FunctionSpecRow.name, FunctionSpecRow.id)).all())


def add_spec(
    session: Session, device: Device, spec: SpecInput, *, actor: str, address: str = ""
) -> FunctionSpecRow:
    """Store ``spec`` for ``device``; :class:`SpecError` when the id is taken or the device is full."""
    existing = specs_of(session, device.id)
    if any(row.spec_id == spec.spec_id for row in existing):
        raise SpecError(f"this device already has a function with id {spec.spec_id!r}")
    if len(existing) >= MAX_SPECS_PER_DEVICE:
        raise SpecError(f"a device has at most {MAX_SPECS_PER_DEVICE} central functions")
    row = FunctionSpecRow(
        customer_id=device.customer_id,
        device_id=device.id,
        spec_id=spec.spec_id,
        kind=spec.kind,
        name=spec.name,
        interval_s=spec.interval_s,
        timeout_s=spec.timeout_s,
        params=dict(spec.params),
        created_by=actor,
    )
    session.add(row)
    session.flush()
    _audit(
        session,
        "function.add",
        device,
        spec,
        actor=actor,
        address=address,
        interval_s=spec.interval_s,
        timeout_s=spec.timeout_s,
        params=sorted(spec.params),  # names only: values may hold things not meant for logs
    )
    return row


def remove_spec(
    session: Session, device: Device, row_id: int, *, actor: str, address: str = ""
) -> FunctionSpecRow | None:
    """Delete the device's spec ``row_id``; None when the device has no such spec."""
    row = session.get(FunctionSpecRow, row_id)
    if row is None or row.device_id != device.id:
        return None
    session.delete(row)
    _audit(session, "function.remove", device, row, actor=actor, address=address)
    return row


def _audit(
    session: Session,
    action: str,
    device: Device,
    spec: SpecInput | FunctionSpecRow,
    *,
    actor: str,
    address: str,
    **detail: object,
) -> None:
    """Audit a change to one of ``device``'s central functions: the device is the target
    (what :func:`had_central_functions_removed` looks for), the function its id, kind and name."""
    audit(
        session,
        actor,
        action,
        f"device:{device.id}",
        customer_id=device.customer_id,
        address=address,
        spec_id=spec.spec_id,
        kind=spec.kind,
        name=spec.name,
        **detail,
    )


def had_central_functions_removed(session: Session, device_id: int) -> bool:
    """True when a central function was ever removed from the device (the audit log says so)."""
    stmt = (
        select(AuditEntry.id)
        .where(AuditEntry.action == "function.remove", AuditEntry.target == f"device:{device_id}")
        .limit(1)
    )
    return session.scalars(stmt).first() is not None


def config_source(store: Store) -> Callable[[int], eus_pb2.AgentConfig | None]:
    """``AgentConfigs.add_source("functions", config_source(store))``.

    The device's central specs; None (nothing to say) for a device that never had one
    removed and has none now. Once one was removed, an empty list is sent even when none
    remain: the agent keeps the pushed set across restarts and replaces it only with a new
    list, so a spec removed while the agent was offline is dropped at its next Hello.
    """

    def source(device_id: int) -> eus_pb2.AgentConfig | None:
        with store.session() as s:
            rows = specs_of(s, device_id)
            if not rows and not had_central_functions_removed(s, device_id):
                return None
            specs = [spec_proto(r.spec_id, r.kind, r.name, r.interval_s, r.timeout_s, r.params) for r in rows]
        return eus_pb2.AgentConfig(functions=specs)

    return source

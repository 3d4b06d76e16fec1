"""Finding one function of a customer from a URL: ``/customers/<customer>/functions/<function>/…``
with ``?device=<id>`` (and ``&subject=`` for an SNMP target's function). Without ``device``, the
customer's only device that reported the function is taken. Both that and the function's newest
result are read from the roll-up state (``customer_function_latest``), never from the results.
Anything the caller may not see, or that is not the customer's, is 404 (shared by Resolve and
Manage)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import abort, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from collector.customers.models import FunctionLatest
from collector.functions.models import FunctionSpecRow
from collector.store.models import Customer, Device
from collector.tsdb.functions.queries import LATEST_WINDOW, Health, health
from collector.web.permissions import get_customer_or_404, get_device_or_404

MAX_ID = 200


@dataclass(frozen=True, slots=True)
class LatestState:
    """The function's newest result, from the roll-up state (``customer_function_latest``)."""

    name: str
    kind: str
    status: Health
    message: str
    checked_at: datetime
    since: datetime  # when its status last changed


@dataclass(frozen=True, slots=True)
class CustomerFunction:
    customer: Customer
    device: Device
    subject: str
    function_id: str
    state: LatestState | None  # None: no result in the last 7 days
    spec: FunctionSpecRow | None  # None: not a central function (the agent's own agent.toml)

    @property
    def name(self) -> str:
        if self.state is not None:
            return self.state.name
        return self.spec.name if self.spec is not None else self.function_id

    @property
    def kind(self) -> str:
        if self.state is not None:
            return self.state.kind
        return self.spec.kind if self.spec is not None else ""

    @property
    def query(self) -> dict[str, Any]:
        """The URL arguments naming this function again."""
        return {"device": self.device.id, **({"subject": self.subject} if self.subject else {})}


def _arg(name: str) -> str:
    return (request.values.get(name) or "").strip()[:MAX_ID]


def reported_on(
    session: Session, customer_id: int, function_id: str, since: datetime
) -> list[tuple[int, str]]:
    """The (device, subject) pairs of the customer's devices that reported ``function_id`` since
    ``since``, from the roll-up state (``customer_function_latest``), not the results."""
    stmt = (
        select(FunctionLatest.device_id, FunctionLatest.subject)
        .join(Device, Device.id == FunctionLatest.device_id)
        .where(
            Device.customer_id == customer_id,
            FunctionLatest.function_id == function_id,
            FunctionLatest.checked_at >= since,
        )
        .order_by(FunctionLatest.device_id, FunctionLatest.subject)
    )
    return [(int(d), str(s)) for d, s in session.execute(stmt)]


def locate(session: Session, customer_id: int, function_id: str) -> CustomerFunction:
    """The function named by the URL, or 404."""
    customer = get_customer_or_404(session, customer_id)
    function_id = function_id[:MAX_ID]
    raw, subject = _arg("device"), _arg("subject")
    if raw:
        if not raw.isdigit():
            abort(404)
        device = get_device_or_404(session, int(raw))
    else:
        found = reported_on(session, customer.id, function_id, datetime.now(UTC) - LATEST_WINDOW)
        if len({d for d, _ in found}) != 1:
            abort(404, description="which device? add ?device=<id>")
        device = get_device_or_404(session, found[0][0])
        subject = subject or found[0][1]
    if device.customer_id != customer.id:
        abort(404)
    latest = session.scalars(
        select(FunctionLatest).where(
            FunctionLatest.device_id == device.id,
            FunctionLatest.subject == subject,
            FunctionLatest.function_id == function_id,
            FunctionLatest.checked_at >= datetime.now(UTC) - LATEST_WINDOW,
        )
    ).one_or_none()
    state = (
        None
        if latest is None
        else LatestState(
            latest.name,
            latest.kind,
            health(latest.status),
            latest.message,
            latest.checked_at,
            latest.changed_at,
        )
    )
    spec = session.scalars(
        select(FunctionSpecRow).where(
            FunctionSpecRow.device_id == device.id, FunctionSpecRow.spec_id == function_id
        )
    ).one_or_none()
    if state is None and spec is None:
        abort(404, description="this device has no such function")
    return CustomerFunction(customer, device, subject, function_id, state, spec if not subject else None)

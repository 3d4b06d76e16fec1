"""Global search from every page's header: customers, devices (host name, agent id, OS, address),
SNMP devices (name, address), serial numbers and MAC addresses (hardware inventory), contacts
(name, e-mail, mobile), tickets (``EUS-000123`` or words of the title) and alerts (summary,
subject). Only what the user may see; addresses, MACs and serials not for a role blocked from
remote-access details.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from flask import Blueprint, jsonify, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.orm import Session

from collector.alerting.models import Alert, Contact
from collector.customers.access import Category
from collector.helpdesk.models import Ticket
from collector.helpdesk.numbers import format_number, parse_number
from collector.snmp.models import NetworkDevice
from collector.store.models import Customer, Device
from collector.web.device_names import device_name
from collector.web.identity import CurrentUser, current_user
from collector.web.permissions import Capability, require, scope_to_customers, visible_customer_ids
from collector.web.resources import storage, store
from eus.values import like_literal

bp = Blueprint("search", __name__)

PER_KIND = 10
MIN_LENGTH = 2
MAX_LENGTH = 100


@dataclass(frozen=True, slots=True)
class Hit:
    kind: str  # customer, device, network device, inventory, contact, ticket, alert
    label: str
    detail: str
    url: str


def _like(text: str) -> str:
    return f"%{like_literal(text)}%"


def _customers(s: Session, user: CurrentUser, like: str) -> list[Hit]:
    stmt = scope_to_customers(
        select(Customer).where(Customer.name.ilike(like, escape="\\")), Customer.id, user
    )
    return [
        Hit("customer", c.name, "customer", url_for("dashboard.customer", customer_id=c.id))
        for c in s.scalars(stmt.order_by(Customer.name).limit(PER_KIND))
    ]


def _devices(s: Session, user: CurrentUser, like: str, addresses: bool) -> list[Hit]:
    fields = [Device.hostname, Device.alias, Device.agent_id, Device.os_version]
    if addresses:
        fields.append(Device.last_address)
    joined = select(Device, Customer.name).join(Customer, Customer.id == Device.customer_id)
    stmt = cast("Select[Any]", joined)  # scope_to_customers takes one-element selects by type
    stmt = scope_to_customers(stmt, Device.customer_id, user).where(
        Device.retired_at.is_(None), or_(*(f.ilike(like, escape="\\") for f in fields))
    )
    return [
        Hit(
            "device",
            device_name(d),
            f"{name} · {d.os} {d.os_version}",
            url_for("dashboard.device", device_id=d.id),
        )
        for d, name in s.execute(stmt.order_by(Device.hostname).limit(PER_KIND))
    ]


def _network_devices(s: Session, user: CurrentUser, like: str, addresses: bool) -> list[Hit]:
    fields = [NetworkDevice.name] + ([NetworkDevice.host] if addresses else [])
    stmt = scope_to_customers(select(NetworkDevice), NetworkDevice.customer_id, user)
    stmt = stmt.where(or_(*(f.ilike(like, escape="\\") for f in fields)))
    return [
        Hit(
            "network device",
            n.name,
            n.host if addresses else "SNMP device",
            url_for("snmp.detail", device_id=n.id),
        )
        for n in s.scalars(stmt.order_by(NetworkDevice.name).limit(PER_KIND))
    ]


def _inventory(s: Session, user: CurrentUser, text: str) -> list[Hit]:
    visible = visible_customer_ids(user)
    ids = (
        None if visible is None else set(s.scalars(select(Device.id).where(Device.customer_id.in_(visible))))
    )
    hits = storage().hardware_matching(text, ids, PER_KIND)
    names = {
        d.id: d.hostname for d in s.scalars(select(Device).where(Device.id.in_([h.device_id for h in hits])))
    }
    return [
        Hit(
            "inventory",
            f"{names.get(h.device_id, h.device_id)} · {h.kind}",
            h.key,
            url_for("inventory.device_inventory", device_id=h.device_id),
        )
        for h in hits
        if h.device_id in names  # retired or unknown devices are not found
    ]


def _contacts(s: Session, user: CurrentUser, like: str) -> list[Hit]:
    fields = [Contact.name, Contact.email, Contact.mobile]
    stmt = scope_to_customers(select(Contact), Contact.customer_id, user)
    stmt = stmt.where(or_(*(f.ilike(like, escape="\\") for f in fields)))
    return [
        Hit("contact", c.name, c.email or c.mobile, url_for("contacts.contact_detail", contact_id=c.id))
        for c in s.scalars(stmt.order_by(Contact.name).limit(PER_KIND))
    ]


def _tickets(s: Session, user: CurrentUser, text: str, like: str) -> list[Hit]:
    number = parse_number(text) or (int(text) if text.isdigit() else None)
    cond: ColumnElement[bool] = Ticket.title.ilike(like, escape="\\")
    if number is not None:
        cond = cond | (Ticket.number == number)
    stmt = scope_to_customers(select(Ticket).where(cond), Ticket.customer_id, user)
    return [
        Hit(
            "ticket",
            f"{format_number(t.number)} {t.title}",
            t.status,
            url_for("helpdesk.ticket", number=t.number),
        )
        for t in s.scalars(stmt.order_by(Ticket.number.desc()).limit(PER_KIND))
    ]


def _alerts(s: Session, user: CurrentUser, like: str) -> list[Hit]:
    cond = Alert.summary.ilike(like, escape="\\") | Alert.subject.ilike(like, escape="\\")
    stmt = scope_to_customers(select(Alert).where(cond), Alert.customer_id, user)
    return [
        Hit(
            "alert",
            a.summary or a.kind,
            f"{a.severity} · {a.state}",
            url_for("alerting.alert_detail", alert_id=a.id),
        )
        for a in s.scalars(stmt.order_by(Alert.updated_at.desc()).limit(PER_KIND))
    ]


def find(text: str, user: CurrentUser) -> list[Hit]:
    """Everything matching ``text`` that ``user`` may see, kind by kind."""
    text = text.strip()[:MAX_LENGTH]
    if len(text) < MIN_LENGTH:
        return []
    like = _like(text)
    addresses = Category.REMOTE_ACCESS not in user.blocked_categories
    with store().session() as s:
        hits = _customers(s, user, like) + _devices(s, user, like, addresses)
        hits += _network_devices(s, user, like, addresses)
        if addresses:  # serials and MACs identify how a machine is reached
            hits += _inventory(s, user, text)
        hits += _contacts(s, user, like) + _tickets(s, user, text, like) + _alerts(s, user, like)
    return hits


@bp.get("/search")
@require(Capability.VIEW_DASHBOARD)
def search() -> ResponseReturnValue:
    text = request.args.get("q", "")
    hits = find(text, current_user())
    if request.args.get("format") == "json":
        return jsonify({"q": text, "hits": [_hit_json(h) for h in hits]})
    return render_template("search.html", q=text, hits=hits, min_length=MIN_LENGTH)


def _hit_json(h: Hit) -> dict[str, str]:
    return {"kind": h.kind, "label": h.label, "detail": h.detail, "url": h.url}

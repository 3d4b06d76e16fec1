"""One name per device in every list: the host name, and where two devices the user can see
share it (two agents both called ``vm``), the host name followed by the start of the agent
id, which is a random UUID and so tells them apart for good.

The decision (:func:`label`) is pure; the set of shared names is read once per request.
"""

from __future__ import annotations

from typing import Protocol

from flask import Flask, g
from sqlalchemy import func, select

from collector.store.models import Device
from collector.web.identity import optional_user
from collector.web.permissions import scope_to_customers
from collector.web.resources import store

AGENT_ID_CHARS = 8
_G_KEY = "shared_hostnames"


class Named(Protocol):
    hostname: str
    agent_id: str


def label(hostname: str, agent_id: str, shared: frozenset[str]) -> str:
    """``hostname``, or ``hostname · <agent id prefix>`` when another device shares it
    (compared case-insensitively); the agent id alone when there is no host name."""
    if not hostname:
        return agent_id
    if hostname.lower() in shared:
        return f"{hostname} · {agent_id[:AGENT_ID_CHARS]}"
    return hostname


def shared_hostnames() -> frozenset[str]:
    """Lower-cased host names held by more than one device the current user may see."""
    cached: frozenset[str] | None = g.get(_G_KEY)
    if cached is not None:
        return cached
    user = optional_user()
    if user is None:
        return frozenset()
    name = func.lower(Device.hostname)
    stmt = scope_to_customers(select(name), Device.customer_id, user)
    stmt = stmt.where(Device.hostname != "").group_by(name).having(func.count() > 1)
    with store().session() as s:
        found = frozenset(str(n) for n in s.scalars(stmt))
    setattr(g, _G_KEY, found)
    return found


def device_name(device: Named) -> str:
    """The Jinja filter ``{{ device | device_name }}``."""
    return label(device.hostname or "", device.agent_id, shared_hostnames())


def init_app(app: Flask) -> None:
    app.add_template_filter(device_name, "device_name")

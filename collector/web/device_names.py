"""One name per device in every list: the alias a technician gave it, else the host name,
and where two devices the user can see share that name (two agents both called ``vm``), the
name followed by the start of the agent id, which is a random UUID and so tells them apart
for good.

The rule itself is ``collector.store.device_label`` (alert messages name devices by it too);
the set of shared names among the devices the user can see is read once per request.
Templates use the ``device_name`` filter, views :func:`device_name` or :func:`names_of`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from flask import Flask, g
from sqlalchemy import select

from collector.store.device_label import label, shared_names, shown_name
from collector.store.models import Device
from collector.web.identity import optional_user
from collector.web.permissions import scope_to_customers
from collector.web.resources import store

_G_KEY = "shared_hostnames"


class Named(Protocol):
    id: int
    hostname: str
    agent_id: str
    alias: str


def shared_hostnames() -> frozenset[str]:
    """Lower-cased shown names (alias, else host name) held by more than one device the
    current user may see."""
    cached: frozenset[str] | None = g.get(_G_KEY)
    if cached is not None:
        return cached
    user = optional_user()
    if user is None:
        return frozenset()
    scope = scope_to_customers(select(shown_name()), Device.customer_id, user)
    with store().session() as s:
        found = shared_names(s, scope)
    setattr(g, _G_KEY, found)
    return found


def device_name(device: Named) -> str:
    """The Jinja filter ``{{ device | device_name }}``."""
    return label(device.hostname or "", device.agent_id, shared_hostnames(), device.alias or "")


def names_of(devices: Iterable[Named]) -> dict[int, str]:
    """Each device's :func:`device_name` by id, for views that list devices by id."""
    return {d.id: device_name(d) for d in devices}


def init_app(app: Flask) -> None:
    app.add_template_filter(device_name, "device_name")

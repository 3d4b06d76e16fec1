"""The one rule that names a device, for the dashboard's lists and for alert messages alike:
the alias a technician gave it, else the host name, and where another device shows the same
name (two agents both called ``vm``), the name followed by the start of the agent id, which
is a random UUID and so tells them apart for good.

:func:`label` is pure; :func:`shown_name` is the same choice as an SQL expression (lower-cased,
for counting shared names); :func:`shared_names` counts them among the devices a query selects.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.orm import Session

from collector.store.models import Device

AGENT_ID_CHARS = 8


def label(hostname: str, agent_id: str, shared: frozenset[str], alias: str = "") -> str:
    """The alias or else ``hostname``, followed by `` · <agent id prefix>`` when another
    device shows the same name (``shared`` holds lower-cased names); the agent id alone when
    there is neither."""
    name = alias or hostname
    if not name:
        return agent_id
    if name.lower() in shared:
        return f"{name} · {agent_id[:AGENT_ID_CHARS]}"
    return name


def shown_name() -> ColumnElement[str]:
    """A device's shown name (alias, else host name), lower-cased, as SQL."""
    return func.lower(case((Device.alias != "", Device.alias), else_=Device.hostname))


def shared_names(s: Session, scope: Select[str] | None = None) -> frozenset[str]:
    """Lower-cased shown names held by more than one device; ``scope`` narrows the devices
    (a ``select(shown_name())`` with the caller's where clauses)."""
    name = shown_name()
    stmt = scope if scope is not None else select(name)
    stmt = stmt.where(name != "").group_by(name).having(func.count() > 1)
    return frozenset(str(n) for n in s.scalars(stmt))

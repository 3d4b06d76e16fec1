"""Relational tables of the SNMP gateway: the network devices a gateway agent polls, each
gateway's trap listener settings, and pushes the admin CLI asks the running collector for.

Secrets (community, USM keys, trap communities) are stored only as ciphertext made by
:class:`collector.snmp.secrets.SecretBox`; the columns say so with an ``_enc`` suffix.

A device removed from its gateway's agent.toml is *retired* (``retired_at``), not deleted:
its history stays, and it comes back with the same id when the file lists it again.
Retired devices are left out of every ORM SELECT of :class:`NetworkDevice` in the store's
sessions (SQLAlchemy's documented global-criteria recipe: :func:`hide_retired`, a
``do_orm_execute`` hook adding ``with_loader_criteria``, which ``collector.store.db.Store``
attaches to its session factory — not to every Session, at import), so no list, page or
gateway configuration shows them; code that needs them asks with
``.execution_options(include_retired=True)``.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, ORMExecuteState, mapped_column, with_loader_criteria

from collector.store.models import Base, utcnow
from collector.store.utc import UtcDateTime

TARGET_PREFIX = "snmp-"
INCLUDE_RETIRED = "include_retired"  # execution option: also load retired devices


class Origin(enum.StrEnum):
    """Where a network device was configured."""

    CENTRAL = "central"  # added in the dashboard; pushed to the gateway down the stream
    AGENT_FILE = "agent-file"  # listed in the gateway's own agent.toml; seen in its reports


class SnmpVersion(enum.StrEnum):
    V3 = "3"
    V2C = "2c"
    V1 = "1"


class NetworkDevice(Base):
    """A device a gateway agent polls over SNMP (switch, router, printer, UPS ...)."""

    __tablename__ = "snmp_devices"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="SET NULL"), nullable=True)
    gateway_device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"), index=True)
    origin: Mapped[str] = mapped_column(String(16), default=Origin.CENTRAL.value)
    agent_target_id: Mapped[str] = mapped_column(String(100), default="")  # agent-file targets only
    name: Mapped[str] = mapped_column(String(200))
    host: Mapped[str] = mapped_column(String(255))
    port: Mapped[int] = mapped_column(Integer, default=161)
    version: Mapped[str] = mapped_column(String(3), default=SnmpVersion.V3.value)
    legacy: Mapped[bool] = mapped_column(Boolean, default=False)
    user: Mapped[str] = mapped_column(String(64), default="")
    auth_protocol: Mapped[str] = mapped_column(String(32), default="")
    priv_protocol: Mapped[str] = mapped_column(String(32), default="")
    context: Mapped[str] = mapped_column(String(64), default="")
    community_enc: Mapped[str] = mapped_column(Text, default="")
    auth_key_enc: Mapped[str] = mapped_column(Text, default="")
    priv_key_enc: Mapped[str] = mapped_column(Text, default="")
    interval_s: Mapped[float] = mapped_column(Float, default=60.0)
    timeout_s: Mapped[float] = mapped_column(Float, default=2.0)
    retries: Mapped[int] = mapped_column(Integer, default=1)
    profiles: Mapped[str] = mapped_column(String(500), default="")  # comma-separated; "" = discover
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # agent-file devices only: when the gateway's agent.toml stopped listing it
    retired_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)

    @property
    def target_id(self) -> str:
        """The id the gateway uses for this device: subject of its functions and inventory."""
        if self.origin == Origin.AGENT_FILE.value:
            return self.agent_target_id
        return f"{TARGET_PREFIX}{self.id}"

    @property
    def is_legacy(self) -> bool:
        """SNMPv1/v2c (community in clear text) or a v3 set-up weaker than authPriv."""
        return self.legacy or self.version != SnmpVersion.V3.value

    @property
    def profile_list(self) -> list[str]:
        return [p for p in (x.strip() for x in self.profiles.split(",")) if p]


class SnmpGateway(Base):
    """A gateway agent's trap listener settings (one row per agent that has any)."""

    __tablename__ = "snmp_gateways"
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True)
    trap_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    trap_host: Mapped[str] = mapped_column(String(100), default="0.0.0.0")  # noqa: S104 - listens for devices
    trap_port: Mapped[int] = mapped_column(Integer, default=162)
    trap_communities_enc: Mapped[str] = mapped_column(Text, default="")  # one ciphertext of a JSON list
    updated_by: Mapped[str] = mapped_column(String(100), default="")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class SnmpPushRequest(Base):
    """A gateway whose configuration changed outside the collector process (the admin CLI):
    the running collector pushes it and deletes the row (:meth:`SnmpTargets.push_requested`)."""

    __tablename__ = "snmp_push_requests"
    gateway_device_id: Mapped[int] = mapped_column(
        ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True
    )
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    requested_by: Mapped[str] = mapped_column(String(100), default="")


def hide_retired(state: ORMExecuteState) -> None:
    """Leave retired devices out of ORM SELECTs unless ``include_retired`` is set."""
    if (
        state.is_select
        and not state.is_column_load
        and not state.is_relationship_load
        and not state.execution_options.get(INCLUDE_RETIRED, False)
    ):
        state.statement = state.statement.options(
            with_loader_criteria(NetworkDevice, NetworkDevice.retired_at.is_(None), include_aliases=True)
        )


def parse_target_id(target: str) -> int | None:
    """The network device id in a central target id (``snmp-42`` -> 42), else None."""
    if not target.startswith(TARGET_PREFIX):
        return None
    rest = target[len(TARGET_PREFIX) :]
    return int(rest) if rest.isdigit() else None

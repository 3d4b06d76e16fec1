"""Tables of the customer screen: roll-up state kept current by ingest and the alert engine,
and the administrators' access restrictions (hidden customers, blocked categories)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from collector.store.models import Base, utcnow
from collector.store.utc import UtcDateTime


class FunctionLatest(Base):
    """A function's newest result and when its status last changed, written as results are
    committed (so pages never scan ``function_results`` for "now")."""

    __tablename__ = "customer_function_latest"
    __table_args__ = (UniqueConstraint("device_id", "subject", "function_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(String(200), default="")
    function_id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32), default="")
    name: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[int] = mapped_column(Integer, default=0)  # eus.v1.Health
    message: Mapped[str] = mapped_column(Text, default="")
    checked_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class CustomerRollup(Base):
    """One customer's service status and counts, recomputed when something of it changes."""

    __tablename__ = "customer_rollups"
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="ok")  # ok, degraded, down
    reason: Mapped[str] = mapped_column(String(300), default="")
    functions_total: Mapped[int] = mapped_column(Integer, default=0)
    functions_warning: Mapped[int] = mapped_column(Integer, default=0)
    functions_critical: Mapped[int] = mapped_column(Integer, default=0)
    devices_total: Mapped[int] = mapped_column(Integer, default=0)
    devices_offline: Mapped[int] = mapped_column(Integer, default=0)
    open_alerts: Mapped[int] = mapped_column(Integer, default=0)
    critical_alerts: Mapped[int] = mapped_column(Integer, default=0)
    open_tickets: Mapped[int] = mapped_column(Integer, default=0)
    sla_at_risk: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class StatusChange(Base):
    """A customer's service status changed (OK / degraded / down), when and why: written by the
    roll-up as it happens, read by the Function Log."""

    __tablename__ = "customer_status_changes"
    __table_args__ = (Index("ix_customer_status_changes_customer_id_at", "customer_id", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    previous: Mapped[str] = mapped_column(String(16), default="")  # "": the first roll-up
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(300), default="")


class InstanceClock(Base):
    """How far an instance's newest sample was from the collector's clock when its batch was
    committed (clock skew plus delivery delay), sampled at most once a minute per instance; and,
    from agents that report them, the clock skew and the spool backlog apart."""

    __tablename__ = "customer_instance_clock"
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True)
    offset_s: Mapped[float] = mapped_column(Float, default=0.0)  # positive: the agent is ahead
    measured_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # Reported by newer agents with each batch they send (None: an older agent, or not yet):
    skew_s: Mapped[float | None] = mapped_column(Float, nullable=True)  # agent clock minus ours at arrival
    spool_backlog: Mapped[int | None] = mapped_column(Integer, nullable=True)  # batches still to send
    reported_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class CustomerRestriction(Base):
    """Hide one customer entirely from one user or from everyone of one role."""

    __tablename__ = "customer_restrictions"
    __table_args__ = (UniqueConstraint("customer_id", "user_id", "role"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=True)
    role: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class CategoryBlock(Base):
    """A sensitive category a role never receives (for every customer)."""

    __tablename__ = "customer_category_blocks"
    __table_args__ = (UniqueConstraint("role", "category"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[str] = mapped_column(String(32))
    category: Mapped[str] = mapped_column(String(40))
    created_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

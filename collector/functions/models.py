"""The relational table of centrally managed function specs.

A technician adds a function to a device in the dashboard; the collector pushes the
device's specs down its stream (``AgentConfig.functions``), replacing what it pushed
before. Functions from the agent's own config file are not stored here: they exist only
in their results.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from collector.store.models import Base, utcnow
from collector.store.utc import UtcDateTime


class FunctionSpecRow(Base):
    """One central function on one device. ``spec_id`` is the id the agent reports it by."""

    __tablename__ = "function_specs"
    __table_args__ = (UniqueConstraint("device_id", "spec_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"), index=True)
    spec_id: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    interval_s: Mapped[float] = mapped_column(Float, default=60.0)
    timeout_s: Mapped[float] = mapped_column(Float, default=10.0)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # str -> str, never secrets
    created_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

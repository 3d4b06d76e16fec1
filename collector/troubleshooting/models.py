"""The ``eus-agent doctor`` reports pasted into a customer's Trouble-Shooter (never secrets:
the report holds addresses, check names and error texts)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from collector.store.models import Base, utcnow
from collector.store.utc import UtcDateTime


class DoctorReport(Base):
    __tablename__ = "doctor_reports"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    hostname: Mapped[str] = mapped_column(String(255), default="")
    agent_version: Mapped[str] = mapped_column(String(50), default="")
    submitted_by: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    report: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

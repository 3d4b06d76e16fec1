"""Batches the collector refused, recorded where a technician sees them (the device page).

A refused batch never reaches the shared commit (collector.ingest.validation says why); the
agent sets it aside as a gap. One row per (device, epoch, seq): an agent that resends the
same refused batch (an older agent that cannot set it aside) bumps ``attempts`` instead of
filling the table.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from collector.store.db import Store
from collector.store.models import Base, utcnow
from collector.store.utc import UtcDateTime

MAX_REASON = 500
SHOWN = 20  # the most recent refusals listed on a device page


class RefusedBatch(Base):
    """One batch refused at ingest, with the field that made it unfit."""

    __tablename__ = "refused_batches"
    __table_args__ = (UniqueConstraint("device_id", "epoch", "seq"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"), index=True)
    epoch: Mapped[int] = mapped_column(BigInteger)
    seq: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(MAX_REASON))
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    first_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


def record_refusal(
    store: Store, *, customer_id: int, device_id: int, epoch: int, seq: int, reason: str
) -> None:
    """Store (or count again) the refusal of batch ``(epoch, seq)`` of a device."""
    with store.session() as s:
        row = s.scalars(
            select(RefusedBatch).where(
                RefusedBatch.device_id == device_id, RefusedBatch.epoch == epoch, RefusedBatch.seq == seq
            )
        ).one_or_none()
        if row is None:
            s.add(
                RefusedBatch(
                    customer_id=customer_id,
                    device_id=device_id,
                    epoch=epoch,
                    seq=seq,
                    reason=reason[:MAX_REASON],
                )
            )
            return
        row.attempts += 1
        row.reason = reason[:MAX_REASON]
        row.last_at = utcnow()


def recent_refusals(s: Session, device_id: int, limit: int = SHOWN) -> list[RefusedBatch]:
    """The device's latest refusals, newest first (the caller has scoped the device)."""
    return list(
        s.scalars(
            select(RefusedBatch)
            .where(RefusedBatch.device_id == device_id)
            .order_by(RefusedBatch.last_at.desc(), RefusedBatch.id.desc())
            .limit(limit)
        )
    )

"""The knowledge base's tables: articles, every saved version of each, and Resolve runs.

An article's row holds its current text; every save also appends a :class:`ArticleVersion`,
so the history is complete and an old version can be read as it was. Steps and fault kinds
are JSON lists of strings.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from collector.store.models import Base, utcnow
from collector.store.utc import UtcDateTime


class Article(Base):
    """One knowledge-base article as it reads now (``version`` is its newest version number)."""

    __tablename__ = "kb_articles"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    fault_kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    steps: Mapped[list[str]] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_by: Mapped[str] = mapped_column(String(100), default="")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ArticleVersion(Base):
    """One saved version of an article, kept unchanged."""

    __tablename__ = "kb_article_versions"
    __table_args__ = (UniqueConstraint("article_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    fault_kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    steps: Mapped[list[str]] = mapped_column(JSON, default=list)
    saved_by: Mapped[str] = mapped_column(String(100), default="")
    saved_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ResolveRun(Base):
    """One technician's walk through an article for one faulty function.

    ``steps`` holds ``{"text", "state" (done/failed/skipped), "note"}`` per step, as the article
    version read; ``outcome`` is ``resolved`` or ``unresolved``."""

    __tablename__ = "kb_resolve_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    device_id: Mapped[int | None] = mapped_column(
        ForeignKey("devices.id", ondelete="SET NULL"), nullable=True
    )
    subject: Mapped[str] = mapped_column(String(200), default="")
    function_id: Mapped[str] = mapped_column(String(200))
    fault_kind: Mapped[str] = mapped_column(String(100), default="")
    article_id: Mapped[int | None] = mapped_column(
        ForeignKey("kb_articles.id", ondelete="SET NULL"), nullable=True
    )
    article_version: Mapped[int] = mapped_column(Integer, default=0)
    article_title: Mapped[str] = mapped_column(String(200), default="")
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    outcome: Mapped[str] = mapped_column(String(20))
    steps: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    notes: Mapped[str] = mapped_column(Text, default="")
    ticket_number: Mapped[int | None] = mapped_column(Integer, nullable=True)

"""knowledge base: articles, their versions, Resolve runs; the shipped articles; doctor reports

Revision ID: 1402_knowledge_base
Revises: 0901_alerting_ux
Create Date: 2026-12-07 02:40:00.000000
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from collector.kb.shipped import SHIPPED
from collector.store.migrations.columns import create_indexes, drop_tables

revision = "1402_knowledge_base"
down_revision = "0901_alerting_ux"
branch_labels = None
depends_on = None


def upgrade() -> None:
    articles = op.create_table(
        "kb_articles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("fault_kinds", sa.JSON(), nullable=False),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    versions = op.create_table(
        "kb_article_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("fault_kinds", sa.JSON(), nullable=False),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("saved_by", sa.String(length=100), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["kb_articles.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("article_id", "version"),
    )
    create_indexes("kb_article_versions", "article_id")
    op.create_table(
        "kb_resolve_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("function_id", sa.String(length=200), nullable=False),
        sa.Column("fault_kind", sa.String(length=100), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=True),
        sa.Column("article_version", sa.Integer(), nullable=False),
        sa.Column("article_title", sa.String(length=200), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("ticket_number", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["article_id"], ["kb_articles.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    create_indexes("kb_resolve_runs", "at", "customer_id")
    # The Installation Trouble-Shooter's pasted `eus-agent doctor` reports (same issue, #14).
    op.create_table(
        "doctor_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("hostname", sa.String(length=255), nullable=False),
        sa.Column("agent_version", sa.String(length=50), nullable=False),
        sa.Column("submitted_by", sa.String(length=100), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    create_indexes("doctor_reports", "at", "customer_id")
    # A fresh install starts with the shipped articles, each at version 1.
    now = datetime.now(UTC)
    rows = [
        {"id": n, "version": 1, "updated_by": "system", "updated_at": now, **a}
        for n, a in enumerate(SHIPPED, 1)
    ]
    op.bulk_insert(articles, rows)
    op.bulk_insert(
        versions,
        [
            {"article_id": r["id"], "version": 1, "title": r["title"], "summary": r["summary"],
             "fault_kinds": r["fault_kinds"], "steps": r["steps"], "saved_by": "system", "saved_at": now}
            for r in rows
        ],
    )  # fmt: skip


def downgrade() -> None:
    drop_tables("doctor_reports", "kb_resolve_runs", "kb_article_versions", "kb_articles")

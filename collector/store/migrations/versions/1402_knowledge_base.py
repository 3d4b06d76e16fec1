# ruff: noqa: E501
# (prose: each shipped step reads best on one line)
"""knowledge base: articles, their versions, Resolve runs; the shipped articles; doctor reports

Revision ID: 1402_knowledge_base
Revises: 0901_alerting_ux
Create Date: 2026-12-07 02:40:00.000000
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from collector.store.migrations.columns import create_indexes, drop_tables

revision = "1402_knowledge_base"
down_revision = "1203_device_identity"
branch_labels = None
depends_on = None

# The articles a fresh install starts with, for the most common fault kinds (version 1 by
# "system"; supervisors edit them like any other article afterwards).
SHIPPED: tuple[dict[str, Any], ...] = (
    {
        "title": "Service stopped",
        "summary": "A monitored service or process is not running on the customer's machine.",
        "fault_kinds": ["function:systemd", "function:process"],
        "steps": [
            "Open the function's message on the customer screen and note the service name and since when it is down.",
            "Check the device is online (Instance panel); if it is offline, follow 'Agent offline' first.",
            "On the machine, read why it stopped: `systemctl status <service>` and `journalctl -u <service> -n 50` "
            "(Windows: Services and Event Viewer > System).",
            "Start it: `systemctl start <service>` (Windows: Start in Services) and check it stays up for a minute.",
            "If it stops again, fix the cause the log names (configuration, disk full, a dependency) and start it again.",
            "Wait for the next check: the function turns OK on the customer screen.",
        ],
    },
    {
        "title": "Disk full",
        "summary": "A file system is nearly or completely full; writes fail and services stop.",
        "fault_kinds": ["rule:threshold:disk.percent", "function:file"],
        "steps": [
            "On the device page, read which mount point is full and how fast it filled (disk chart, 7 days).",
            "Find what grew: `du -xh --max-depth=2 <mount> | sort -h | tail` (Windows: Storage settings).",
            "Remove what is safe to remove: rotated logs, package caches (`apt-get clean`), old temporary files.",
            "If a log grows without bound, fix its rotation (logrotate) or the program writing it.",
            "If the data is legitimate, plan more space with the customer and note it on the ticket.",
            "Check the disk chart falls below the warning threshold.",
        ],
    },
    {
        "title": "Printer supply empty",
        "summary": "A printer reports a toner, ink or other supply empty or nearly so (SNMP Printer-MIB).",
        "fault_kinds": ["snmp:supply"],
        "steps": [
            "On the SNMP device page, read which supply is low and its level.",
            "Check the customer has a replacement in stock; if not, order one and note the order on the ticket.",
            "Ask the customer's contact to replace the supply (or do it on site).",
            "Print a test page and check the printer reports no error.",
            "Wait for the next poll: the supply's function turns OK.",
        ],
    },
    {
        "title": "Agent offline",
        "summary": "An agent stopped streaming to the collector: the machine, its network or the agent is down.",
        "fault_kinds": ["rule:instance_offline", "snmp:reachability"],
        "steps": [
            "Read the device's last seen time and whether the agent said goodbye (a clean stop) or not.",
            "Ask the customer whether the machine is on and connected; check the site's other devices are online.",
            "On the machine, check the agent runs: `systemctl status eus-agent`; start it if it is stopped.",
            "Run `eus-agent doctor --collector <host>:<port>` on the machine and paste its report into the "
            "Installation Trouble-Shooter: it says whether the collector's port is reachable and TLS works.",
            "Fix what the doctor reports (firewall, DNS, certificate) and check the device is online again.",
        ],
    },
)


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

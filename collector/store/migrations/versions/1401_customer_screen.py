"""customer screen: roll-up state kept current, hidden customers and blocked categories

Revision ID: 1401_customer_screen
Revises: 0901_alerting_ux
Create Date: 2026-12-07 02:50:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "1401_customer_screen"
down_revision = "1402_knowledge_base"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "customer_function_latest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("function_id", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("device_id", "subject", "function_id"),
    )
    op.create_index("ix_customer_function_latest_customer_id", "customer_function_latest", ["customer_id"])
    op.create_index("ix_customer_function_latest_device_id", "customer_function_latest", ["device_id"])
    op.create_table(
        "customer_rollups",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("functions_total", sa.Integer(), nullable=False),
        sa.Column("functions_warning", sa.Integer(), nullable=False),
        sa.Column("functions_critical", sa.Integer(), nullable=False),
        sa.Column("devices_total", sa.Integer(), nullable=False),
        sa.Column("devices_offline", sa.Integer(), nullable=False),
        sa.Column("open_alerts", sa.Integer(), nullable=False),
        sa.Column("critical_alerts", sa.Integer(), nullable=False),
        sa.Column("open_tickets", sa.Integer(), nullable=False),
        sa.Column("sla_at_risk", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("customer_id"),
    )
    op.create_table(
        "customer_instance_clock",
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("offset_s", sa.Float(), nullable=False),
        sa.Column("measured_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("device_id"),
    )
    op.create_table(
        "customer_restrictions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(length=32), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("customer_id", "user_id", "role"),
    )
    op.create_index("ix_customer_restrictions_customer_id", "customer_restrictions", ["customer_id"])
    op.create_table(
        "customer_category_blocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("role", "category"),
    )


def downgrade() -> None:
    op.drop_table("customer_category_blocks")
    op.drop_index("ix_customer_restrictions_customer_id", table_name="customer_restrictions")
    op.drop_table("customer_restrictions")
    op.drop_table("customer_instance_clock")
    op.drop_table("customer_rollups")
    op.drop_index("ix_customer_function_latest_device_id", table_name="customer_function_latest")
    op.drop_index("ix_customer_function_latest_customer_id", table_name="customer_function_latest")
    op.drop_table("customer_function_latest")

"""customer follow-ups: the service status changes of each customer (for the Function Log);
an instance's clock skew and spool backlog as the agent reports them

Revision ID: 1403_customer_followups
Revises: 1201_user_timezone
Create Date: 2026-12-07 03:55:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "1403_customer_followups"
down_revision = "1204_day_one_audit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "customer_status_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("previous", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_customer_status_changes_customer_id_at", "customer_status_changes", ["customer_id", "at"]
    )
    with op.batch_alter_table("customer_instance_clock") as t:
        t.add_column(sa.Column("skew_s", sa.Float(), nullable=True))
        t.add_column(sa.Column("spool_backlog", sa.Integer(), nullable=True))
        t.add_column(sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("customer_instance_clock") as t:
        t.drop_column("reported_at")
        t.drop_column("spool_backlog")
        t.drop_column("skew_s")
    op.drop_index("ix_customer_status_changes_customer_id_at", table_name="customer_status_changes")
    op.drop_table("customer_status_changes")

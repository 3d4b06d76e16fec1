"""SNMP device lifecycle: devices retired when their gateway's agent.toml drops them, and
pushes the admin CLI asks the running collector for

Revision ID: 0202_snmp_lifecycle
Revises: 0201_snmp
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0202_snmp_lifecycle"
down_revision = "0201_snmp"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("snmp_devices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "snmp_push_requests",
        sa.Column("gateway_device_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requested_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["gateway_device_id"], ["devices.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("gateway_device_id"),
    )


def downgrade() -> None:
    op.drop_table("snmp_push_requests")
    with op.batch_alter_table("snmp_devices", schema=None) as batch_op:
        batch_op.drop_column("retired_at")

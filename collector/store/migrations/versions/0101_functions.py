"""Functions: centrally managed function specs pushed to agents

Revision ID: 0101_functions
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0101_functions"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "function_specs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("spec_id", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("interval_s", sa.Float(), nullable=False),
        sa.Column("timeout_s", sa.Float(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("device_id", "spec_id"),
    )
    with op.batch_alter_table("function_specs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_function_specs_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_function_specs_device_id"), ["device_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("function_specs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_function_specs_device_id"))
        batch_op.drop_index(batch_op.f("ix_function_specs_customer_id"))
    op.drop_table("function_specs")

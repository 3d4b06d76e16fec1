"""device identity and maintenance recurrence: a device's alias and retirement; a maintenance
window's RFC 5545 rule and time zone

Revision ID: 1203_device_identity
Revises: 0901_alerting_ux
Create Date: 2026-12-07 02:50:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "1203_device_identity"
down_revision = "0901_alerting_ux"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("alias", sa.String(length=100), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("maintenance_windows", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rule", sa.String(length=200), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("timezone", sa.String(length=64), nullable=False, server_default="UTC"))


def downgrade() -> None:
    with op.batch_alter_table("maintenance_windows", schema=None) as batch_op:
        batch_op.drop_column("timezone")
        batch_op.drop_column("rule")
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.drop_column("retired_at")
        batch_op.drop_column("alias")

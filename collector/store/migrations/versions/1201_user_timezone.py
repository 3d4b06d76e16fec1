"""Accounts: each user's time zone, used by every chart and table timestamp on the dashboard

Revision ID: 1201_user_timezone
Revises: 0901_alerting_ux
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "1201_user_timezone"
down_revision = "1401_customer_screen"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("time_zone", sa.String(length=64), nullable=False, server_default="UTC"))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("time_zone")

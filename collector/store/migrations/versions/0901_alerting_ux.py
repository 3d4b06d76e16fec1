"""alerting: which default rules were installed once; channel settings set on the dashboard

Revision ID: 0901_alerting_ux
Revises: 0702_alert_tickets
Create Date: 2026-12-07 00:55:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0901_alerting_ux"
down_revision = "0702_alert_tickets"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert_installed_defaults",
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=True),
        sa.Column("installed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["rule_id"], ["alert_rules.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "alert_channel_settings",
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("alert_channel_settings")
    op.drop_table("alert_installed_defaults")

"""SNMP gateway: network devices polled by a gateway agent, and trap listener settings

Revision ID: 0201_snmp
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from collector.store.migrations.columns import create_indexes, drop_tables

revision = "0201_snmp"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "snmp_devices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("gateway_device_id", sa.Integer(), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("agent_target_id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("port", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=3), nullable=False),
        sa.Column("legacy", sa.Boolean(), nullable=False),
        sa.Column("user", sa.String(length=64), nullable=False),
        sa.Column("auth_protocol", sa.String(length=32), nullable=False),
        sa.Column("priv_protocol", sa.String(length=32), nullable=False),
        sa.Column("context", sa.String(length=64), nullable=False),
        sa.Column("community_enc", sa.Text(), nullable=False),
        sa.Column("auth_key_enc", sa.Text(), nullable=False),
        sa.Column("priv_key_enc", sa.Text(), nullable=False),
        sa.Column("interval_s", sa.Float(), nullable=False),
        sa.Column("timeout_s", sa.Float(), nullable=False),
        sa.Column("retries", sa.Integer(), nullable=False),
        sa.Column("profiles", sa.String(length=500), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["gateway_device_id"], ["devices.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    create_indexes("snmp_devices", "customer_id", "gateway_device_id")

    op.create_table(
        "snmp_gateways",
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("trap_enabled", sa.Boolean(), nullable=False),
        sa.Column("trap_host", sa.String(length=100), nullable=False),
        sa.Column("trap_port", sa.Integer(), nullable=False),
        sa.Column("trap_communities_enc", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("device_id"),
    )


def downgrade() -> None:
    drop_tables("snmp_gateways", "snmp_devices")

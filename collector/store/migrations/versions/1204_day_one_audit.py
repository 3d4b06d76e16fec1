"""Default rules notify the customer's contacts on upgraded installs too: defaults installed
before they did (``notify_contacts`` false) and never edited since are switched to notify,
each change in the audit log. A default a technician edited keeps what they chose.

Revision ID: 1204_day_one_audit
Revises: 1201_user_timezone
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "1204_day_one_audit"
down_revision = "1201_user_timezone"
branch_labels = None
depends_on = None

# The defaults that notify contacts (collector/alerting/defaults.py at this release); the
# internal ones (data-gap, agent-certificate) stay staff-only.
NOTIFYING = (
    "cpu",
    "memory",
    "disk-percent",
    "disk-forecast",
    "agent-offline",
    "function",
    "printer-supply",
    "ups-battery",
    "snmp-trap",
    "ups-runtime",
    "snmp-unreachable",
    "interface-down",
    "printer-waste",
    "ups-on-battery",
)
UNEDITED_S = 2.0  # created_at and updated_at are set apart by the insert alone

rules = sa.table(
    "alert_rules",
    sa.column("id", sa.Integer),
    sa.column("notify_contacts", sa.Boolean),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)
installed = sa.table(
    "alert_installed_defaults", sa.column("key", sa.String), sa.column("rule_id", sa.Integer)
)
audit_log = sa.table(
    "audit_log",
    sa.column("at", sa.DateTime(timezone=True)),
    sa.column("actor", sa.String),
    sa.column("action", sa.String),
    sa.column("target", sa.String),
    sa.column("customer_id", sa.Integer),
    sa.column("address", sa.String),
    sa.column("detail", sa.Text),
)


def _unedited(created: datetime | None, updated: datetime | None) -> bool:
    if created is None or updated is None:
        return True
    return abs((updated - created).total_seconds()) < UNEDITED_S


def upgrade() -> None:
    conn = op.get_bind()
    found = conn.execute(
        sa.select(installed.c.key, rules.c.id, rules.c.created_at, rules.c.updated_at)
        .join(rules, rules.c.id == installed.c.rule_id)
        .where(installed.c.key.in_(NOTIFYING), rules.c.notify_contacts == sa.false())
        .order_by(rules.c.id)
    ).all()
    now = datetime.now(UTC)
    for key, rule_id, created, updated in found:
        if not _unedited(created, updated):
            continue
        conn.execute(sa.update(rules).where(rules.c.id == rule_id).values(notify_contacts=True))
        conn.execute(
            sa.insert(audit_log).values(
                at=now,
                actor="system",
                action="alert_rule.update",
                target=f"alert_rule:{rule_id}",
                customer_id=None,
                address="",
                detail=json.dumps(
                    {"default": key, "notify_contacts": True, "why": "upgrade"}, sort_keys=True
                ),
            )
        )


def downgrade() -> None:
    """Nothing to undo: which rules notified before cannot be told from a technician's choice."""

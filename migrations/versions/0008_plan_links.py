"""Plan links: private, expiring links to one conversation's plan.

Only a hash of each link's token is stored. Reminder addresses are stored encrypted, apart
from the analytics tables, and deleted when the reminders end.

Revision ID: 0008_plan_links
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0008_plan_links"
down_revision: Union[str, Sequence[str], None] = "0003"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "plan_links",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("sender_id", sa.String(128), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
        sa.Column("opened_at", sa.DateTime, nullable=True),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_plan_links_sender_id", "plan_links", ["sender_id"])
    op.create_index("ix_plan_links_expires_at", "plan_links", ["expires_at"])
    op.create_table(
        "reminder_subscriptions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("link_id", sa.Integer, nullable=False),
        sa.Column("email_encrypted", sa.Text, nullable=False),
        sa.Column("token_encrypted", sa.Text, nullable=False),
        sa.Column("unsubscribe_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("next_due_at", sa.DateTime, nullable=True),
        sa.Column("reminders_sent", sa.Integer, nullable=False),
        sa.UniqueConstraint("unsubscribe_hash"),
    )
    op.create_index("ix_reminder_subscriptions_link_id", "reminder_subscriptions", ["link_id"])
    op.create_index("ix_reminder_subscriptions_next_due_at", "reminder_subscriptions", ["next_due_at"])
    op.create_table(
        "plan_follow_through",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("week", sa.Date, nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("size", sa.String(16), nullable=True),
        sa.Column("sector", sa.String(32), nullable=True),
        sa.Column("nation", sa.String(24), nullable=True),
    )
    op.create_index("ix_plan_follow_through_week", "plan_follow_through", ["week"])


def downgrade() -> None:
    op.drop_table("plan_follow_through")
    op.drop_table("reminder_subscriptions")
    op.drop_table("plan_links")

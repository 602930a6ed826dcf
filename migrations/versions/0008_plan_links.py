"""Plan links: private, expiring links to one conversation's plan.

Only a hash of each link's token is stored. No column holds an email address.

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


def downgrade() -> None:
    op.drop_table("plan_links")

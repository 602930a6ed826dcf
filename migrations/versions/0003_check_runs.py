"""Check runs: that a website or email-domain check ran, and its outcome categories.

The checked address is business-identifying, so no column holds it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: Union[str, Sequence[str], None] = "0002"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "check_runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("event_id", sa.Integer, nullable=False),
        sa.Column("conversation_key", sa.String(64), nullable=False),
        sa.Column("visitor_key", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("week", sa.Date, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("passes", sa.Integer, nullable=False),
        sa.Column("warnings", sa.Integer, nullable=False),
        sa.Column("fails", sa.Integer, nullable=False),
        sa.Column("findings", sa.String(255), nullable=True),
        sa.UniqueConstraint("event_id"),
    )
    op.create_index("ix_check_runs_conversation_key", "check_runs", ["conversation_key"])
    op.create_index("ix_check_runs_week", "check_runs", ["week"])


def downgrade() -> None:
    op.drop_table("check_runs")

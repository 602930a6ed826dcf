"""Incident replies: conversations on the urgent path, the incident kind and routes given.

Knowledge-base ids only (incident kind, reporting routes); nothing the owner wrote.

Revision ID: 0005_incident_replies
Revises: 0004_step_names
Create Date: 2026-12-03
"""

from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0005_incident_replies"
down_revision: Union[str, Sequence[str], None] = "0004_step_names"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "incident_replies",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("event_id", sa.Integer, nullable=False),
        sa.Column("conversation_key", sa.String(64), nullable=False),
        sa.Column("visitor_key", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("week", sa.Date, nullable=False),
        sa.Column("incident", sa.String(40), nullable=False),
        sa.Column("routes", sa.String(255), nullable=True),
        sa.Column("human", sa.Boolean, nullable=False),
        sa.Column("size", sa.String(16)),
        sa.Column("sector", sa.String(32)),
        sa.Column("nation", sa.String(24)),
        sa.Column("card_payments", sa.Boolean),
        sa.Column("personal_data", sa.Boolean),
        sa.Column("cloud", sa.String(80)),
        sa.Column("remote_working", sa.Boolean),
        sa.Column("it_support", sa.String(16)),
        sa.Column("website", sa.String(16)),
        sa.Column("byod", sa.Boolean),
        sa.UniqueConstraint("event_id"),
    )
    op.create_index("ix_incident_replies_conversation_key", "incident_replies", ["conversation_key"])
    op.create_index("ix_incident_replies_at", "incident_replies", ["at"])


def downgrade() -> None:
    op.drop_table("incident_replies")

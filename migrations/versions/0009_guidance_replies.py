"""Guidance replies: which specific answer (or only a topic) each reply gave.

One row per reply that carried ``custom.topic``, ``custom.human`` or ``custom.language``:
the answer id (NULL when the reply gave only the topic's overview), the intent of the
message it replied to (so that a question answered with only a topic can be told from
"tell me more"), whether the owner
asked for a person, and the language of a message the assistant does not answer in.
Knowledge-base ids only; nothing the owner wrote.

Revision ID: 0009_guidance_replies
Revises: 0006_check_history
Create Date: 2026-12-04
"""

from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0009_guidance_replies"
down_revision: Union[str, Sequence[str], None] = "0006_check_history"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "guidance_replies",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("event_id", sa.Integer, nullable=False),
        sa.Column("conversation_key", sa.String(64), nullable=False),
        sa.Column("visitor_key", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("week", sa.Date, nullable=False),
        sa.Column("intent", sa.String(64), nullable=True),
        sa.Column("topic", sa.String(32), nullable=True),
        sa.Column("answer", sa.String(80), nullable=True),
        sa.Column("human", sa.Boolean, nullable=False),
        sa.Column("language", sa.String(8), nullable=True),
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
    op.create_index("ix_guidance_replies_conversation_key", "guidance_replies", ["conversation_key"])
    op.create_index("ix_guidance_replies_at", "guidance_replies", ["at"])
    with op.batch_alter_table("feedback") as batch:
        batch.add_column(sa.Column("answer", sa.String(80), nullable=True))
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("last_answer", sa.String(80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("last_answer")
    with op.batch_alter_table("feedback") as batch:
        batch.drop_column("answer")
    op.drop_table("guidance_replies")

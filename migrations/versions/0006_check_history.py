"""Check history: stored check results per visitor and checked host, for "what changed".

The checked address is not stored: ``target_key`` is a keyed hash of it. ``check_runs``
findings grow to 1024 characters, as a website check now has about sixteen findings.

Revision ID: 0006_check_history
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0006_check_history"
down_revision: Union[str, Sequence[str], None] = "0005_incident_replies"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "check_history",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("visitor_key", sa.String(64), nullable=False),
        sa.Column("target_key", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("score", sa.Integer, nullable=True),
        sa.Column("findings", sa.Text, nullable=False),
    )
    op.create_index("ix_check_history_visitor", "check_history", ["visitor_key", "kind", "at"])
    with op.batch_alter_table("check_runs") as batch:
        batch.alter_column("findings", type_=sa.String(1024), existing_type=sa.String(255),
                           existing_nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("check_runs") as batch:
        batch.alter_column("findings", type_=sa.String(255), existing_type=sa.String(1024),
                           existing_nullable=True)
    op.drop_index("ix_check_history_visitor", table_name="check_history")
    op.drop_table("check_history")

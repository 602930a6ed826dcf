"""Guidance steps are "steps", not "actions": rename the columns that hold a step id.

``plan_items.action`` and ``commitments.action`` become ``step`` (a Rasa action is
something else), with the unique constraint and the dashboard's covering indexes that
name them. Stored ids are unchanged.

Revision ID: 0004_step_names
Revises: 0008_plan_links (chained after main's plan-links migration, itself on 0003)
Create Date: 2026-12-03
"""

from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0004_step_names"
down_revision: Union[str, Sequence[str], None] = "0008_plan_links"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

SEGMENT = ["size", "sector", "nation"]


def _rename(old: str, new: str) -> None:
    op.drop_index("ix_plan_items_dashboard", table_name="plan_items")
    op.drop_index("ix_commitments_dashboard", table_name="commitments")
    with op.batch_alter_table("plan_items") as batch:
        batch.alter_column(old, new_column_name=new, existing_type=sa.String(80), existing_nullable=False)
    # Two passes: SQLite's batch mode rebuilds the table, and a constraint on the renamed
    # column is only kept when it is added after the rename.
    with op.batch_alter_table("commitments") as batch:
        batch.drop_constraint(f"uq_commitment_visitor_{old}", type_="unique")
        batch.alter_column(old, new_column_name=new, existing_type=sa.String(80), existing_nullable=False)
    with op.batch_alter_table("commitments") as batch:
        batch.create_unique_constraint(f"uq_commitment_visitor_{new}", ["visitor_key", new])
    op.create_index("ix_plan_items_dashboard", "plan_items", ["at", "topic", new, *SEGMENT])
    op.create_index("ix_commitments_dashboard", "commitments", ["committed_at", "topic", new, "status", *SEGMENT])


def upgrade() -> None:
    _rename("action", "step")


def downgrade() -> None:
    _rename("step", "action")

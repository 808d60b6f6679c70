"""catalog version: counters bumped by catalog imports and stock changes (cache invalidation)

Revision ID: b8d2f0c4a6e1
Revises: f1a2b3c4d5e6
Create Date: 2026-12-04 13:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b8d2f0c4a6e1"
down_revision: str | None = "f1a2b3c4d5e6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    table = op.create_table(
        "catalog_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("catalog", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("stock", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.bulk_insert(table, [{"id": 1, "catalog": 0, "stock": 0}])


def downgrade() -> None:
    op.drop_table("catalog_version")

"""contact reveal: a stylist's time-limited, reasoned look at a customer's masked contact data

Revision ID: d5e1a9b3c7f2
Revises: c3d9e1f7a2b8
Create Date: 2026-12-04 21:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d5e1a9b3c7f2"
down_revision: str | None = "c3d9e1f7a2b8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "contact_reveal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("reason", sa.String(length=24), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("revealed_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["user_account.id"]),
        sa.ForeignKeyConstraint(["staff_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_contact_reveal_customer_expires", "contact_reveal", ["customer_id", "expires_at"]
    )


def downgrade() -> None:
    op.drop_table("contact_reveal")

"""owned items: customer closet items, hide and retire

Revision ID: d4f7a3fad004
Revises: c3e6f2e9c903
Create Date: 2026-11-22 19:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "d4f7a3fad004"
down_revision: str | None = "c3e6f2e9c903"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    string = sqlmodel.sql.sqltypes.AutoString
    with op.batch_alter_table("owned_item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("category", string(length=32), nullable=True))
        batch_op.add_column(sa.Column("secondary_colour_name", string(length=24), nullable=True))
        batch_op.add_column(sa.Column("secondary_colour_rgb", string(length=7), nullable=True))
        batch_op.add_column(sa.Column("pattern", string(length=16), nullable=True))
        batch_op.add_column(sa.Column("formality", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("seasons", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("brand", string(length=60), nullable=True))
        batch_op.add_column(sa.Column("purchase_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("hidden", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("retired_at", sa.DateTime(), nullable=True))
        # Nullable first: existing rows get their creation time, then the column is tightened.
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(), nullable=True))
        batch_op.create_foreign_key(
            "fk_owned_item_purchase_id_purchase", "purchase", ["purchase_id"], ["id"]
        )
        batch_op.create_unique_constraint(
            "uq_owned_item_customer_purchase", ["customer_id", "purchase_id"]
        )
    op.execute("UPDATE owned_item SET updated_at = created_at")
    with op.batch_alter_table("owned_item", schema=None) as batch_op:
        batch_op.alter_column("updated_at", existing_type=sa.DateTime(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("owned_item", schema=None) as batch_op:
        batch_op.drop_constraint("uq_owned_item_customer_purchase", type_="unique")
        batch_op.drop_constraint("fk_owned_item_purchase_id_purchase", type_="foreignkey")
        for column in (
            "updated_at",
            "retired_at",
            "hidden",
            "purchase_id",
            "brand",
            "seasons",
            "formality",
            "pattern",
            "secondary_colour_rgb",
            "secondary_colour_name",
            "category",
        ):
            batch_op.drop_column(column)

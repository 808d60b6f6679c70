"""catalog stock per store and online, item images

Revision ID: c3e6f2e9c903
Revises: b2d5e1d8b802
Create Date: 2026-11-22 19:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "c3e6f2e9c903"
down_revision: str | None = "b2d5e1d8b802"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("catalog_item", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("image_url", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True)
        )

    op.create_table(
        "catalog_stock",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("catalog_item_id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=True),
        sa.Column("size", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("quantity >= 0", name="ck_catalog_stock_quantity"),
        sa.ForeignKeyConstraint(["catalog_item_id"], ["catalog_item.id"]),
        sa.ForeignKeyConstraint(["store_id"], ["store.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("catalog_stock", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_catalog_stock_store_id"), ["store_id"], unique=False)
        # NULL store_id means online. NULLs never collide in a unique index, so store rows and
        # online rows each get their own partial unique index (see CatalogStock in the models).
        batch_op.create_index(
            "uq_catalog_stock_store",
            ["catalog_item_id", "store_id", "size"],
            unique=True,
            sqlite_where=sa.text("store_id IS NOT NULL"),
            postgresql_where=sa.text("store_id IS NOT NULL"),
        )
        batch_op.create_index(
            "uq_catalog_stock_online",
            ["catalog_item_id", "size"],
            unique=True,
            sqlite_where=sa.text("store_id IS NULL"),
            postgresql_where=sa.text("store_id IS NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("catalog_stock", schema=None) as batch_op:
        batch_op.drop_index("uq_catalog_stock_online")
        batch_op.drop_index("uq_catalog_stock_store")
        batch_op.drop_index(batch_op.f("ix_catalog_stock_store_id"))
    op.drop_table("catalog_stock")
    with op.batch_alter_table("catalog_item", schema=None) as batch_op:
        batch_op.drop_column("image_url")

"""lookbooks, outfit boards and try-on reservations

Revision ID: e5a8b4abe105
Revises: d4f7a3fad004
Create Date: 2026-11-22 19:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "e5a8b4abe105"
down_revision: str | None = "d4f7a3fad004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "lookbook",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("appointment_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("message", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("sent_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["appointment_id"], ["appointment.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"]),
        sa.ForeignKeyConstraint(["customer_id"], ["user_account.id"]),
        sa.ForeignKeyConstraint(["sent_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("appointment_id"),
    )
    with op.batch_alter_table("lookbook", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lookbook_customer_id"), ["customer_id"], unique=False)

    op.create_table(
        "lookbook_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lookbook_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("catalog_item_ids", sa.JSON(), nullable=False),
        sa.Column("owned_item_ids", sa.JSON(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"]),
        sa.ForeignKeyConstraint(["lookbook_id"], ["lookbook.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("lookbook_entry", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_lookbook_entry_lookbook_id"), ["lookbook_id"], unique=False
        )

    op.create_table(
        "reservation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("catalog_item_id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("size", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("lookbook_entry_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["catalog_item_id"], ["catalog_item.id"]),
        sa.ForeignKeyConstraint(["closed_by_id"], ["user_account.id"]),
        sa.ForeignKeyConstraint(["customer_id"], ["user_account.id"]),
        sa.ForeignKeyConstraint(["lookbook_entry_id"], ["lookbook_entry.id"]),
        sa.ForeignKeyConstraint(["store_id"], ["store.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("reservation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reservation_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index("ix_reservation_status_expires", ["status", "expires_at"])
        batch_op.create_index("ix_reservation_store_status", ["store_id", "status"])
        batch_op.create_index(
            "uq_reservation_active",
            ["customer_id", "catalog_item_id", "size"],
            unique=True,
            sqlite_where=sa.text("status = 'active'"),
            postgresql_where=sa.text("status = 'active'"),
        )


def downgrade() -> None:
    with op.batch_alter_table("reservation", schema=None) as batch_op:
        batch_op.drop_index("uq_reservation_active")
        batch_op.drop_index("ix_reservation_store_status")
        batch_op.drop_index("ix_reservation_status_expires")
        batch_op.drop_index(batch_op.f("ix_reservation_customer_id"))

    op.drop_table("reservation")
    with op.batch_alter_table("lookbook_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lookbook_entry_lookbook_id"))

    op.drop_table("lookbook_entry")
    with op.batch_alter_table("lookbook", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lookbook_customer_id"))

    op.drop_table("lookbook")

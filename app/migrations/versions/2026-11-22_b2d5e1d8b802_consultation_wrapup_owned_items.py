"""consultation wrap-up, rating, owned items

Revision ID: b2d5e1d8b802
Revises: a1c4f0c7a701
Create Date: 2026-11-22 19:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "b2d5e1d8b802"
down_revision: str | None = "a1c4f0c7a701"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "consultation_wrap_up",
        sa.Column("summary", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("follow_up_on", sa.Date(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("appointment_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["appointment_id"], ["appointment.id"]),
        sa.ForeignKeyConstraint(["author_id"], ["user_account.id"]),
        sa.ForeignKeyConstraint(["updated_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("appointment_id", name="uq_consultation_wrap_up_appointment"),
    )

    op.create_table(
        "consultation_rating",
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("appointment_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("score BETWEEN 1 AND 5", name="ck_consultation_rating_score"),
        sa.ForeignKeyConstraint(["appointment_id"], ["appointment.id"]),
        sa.ForeignKeyConstraint(["customer_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("appointment_id", name="uq_consultation_rating_appointment"),
    )
    with op.batch_alter_table("consultation_rating", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consultation_rating_customer_id"), ["customer_id"], unique=False
        )

    op.create_table(
        "owned_item",
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("slot", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("colour_name", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True),
        sa.Column("colour_rgb", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=True),
        sa.Column("catalog_item_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("photo_path", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("appointment_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["appointment_id"], ["appointment.id"]),
        sa.ForeignKeyConstraint(["catalog_item_id"], ["catalog_item.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"]),
        sa.ForeignKeyConstraint(["customer_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("owned_item", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_owned_item_appointment_id"), ["appointment_id"], unique=False
        )
        batch_op.create_index(
            "ix_owned_item_customer_created", ["customer_id", "created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("owned_item", schema=None) as batch_op:
        batch_op.drop_index("ix_owned_item_customer_created")
        batch_op.drop_index(batch_op.f("ix_owned_item_appointment_id"))
    op.drop_table("owned_item")
    with op.batch_alter_table("consultation_rating", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consultation_rating_customer_id"))
    op.drop_table("consultation_rating")
    op.drop_table("consultation_wrap_up")

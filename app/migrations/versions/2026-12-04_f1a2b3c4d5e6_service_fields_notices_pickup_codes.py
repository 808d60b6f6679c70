"""service price and descriptions, waitlist stylist, staff notices, random pickup codes

Revision ID: f1a2b3c4d5e6
Revises: a7c3e9d1b2f4
Create Date: 2026-12-04 13:30:00
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "f1a2b3c4d5e6"
down_revision: str | None = "a7c3e9d1b2f4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Kept in step with app.wardrobe.lookbooks.codes (versions import nothing of app).
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def _backfill_pickup_codes() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, store_id FROM reservation")).fetchall()
    used: set[tuple[int, str]] = set()
    for row_id, store_id in rows:
        code = "".join(secrets.choice(_ALPHABET) for _ in range(6))
        while (store_id, code) in used:
            code = "".join(secrets.choice(_ALPHABET) for _ in range(6))
        used.add((store_id, code))
        bind.execute(
            sa.text("UPDATE reservation SET pickup_code = :code WHERE id = :id"),
            {"code": code, "id": row_id},
        )


def upgrade() -> None:
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("price_yen", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "description_ja",
                sqlmodel.sql.sqltypes.AutoString(length=300),
                server_default="",
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column(
                "description_en",
                sqlmodel.sql.sqltypes.AutoString(length=300),
                server_default="",
                nullable=False,
            )
        )

    with op.batch_alter_table("waitlist_entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("staff_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_waitlist_entry_staff_id_user_account", "user_account", ["staff_id"], ["id"]
        )

    op.create_table(
        "notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("text_ja", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("text_en", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("link", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.create_index("ix_notice_user_created", ["user_id", "created_at"], unique=False)

    with op.batch_alter_table("reservation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("pickup_code", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True)
        )
    _backfill_pickup_codes()
    with op.batch_alter_table("reservation", schema=None) as batch_op:
        batch_op.create_index(
            "uq_reservation_pickup_code", ["store_id", "pickup_code"], unique=True
        )


def downgrade() -> None:
    with op.batch_alter_table("reservation", schema=None) as batch_op:
        batch_op.drop_index("uq_reservation_pickup_code")
        batch_op.drop_column("pickup_code")
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.drop_index("ix_notice_user_created")
    op.drop_table("notice")
    with op.batch_alter_table("waitlist_entry", schema=None) as batch_op:
        batch_op.drop_constraint("fk_waitlist_entry_staff_id_user_account", type_="foreignkey")
        batch_op.drop_column("staff_id")
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.drop_column("description_en")
        batch_op.drop_column("description_ja")
        batch_op.drop_column("price_yen")

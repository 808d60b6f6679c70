"""chat attachments, product cards, unread notices

Revision ID: a1c4f0c7a701
Revises: 9756d2595942
Create Date: 2026-11-22 19:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "a1c4f0c7a701"
down_revision: str | None = "9756d2595942"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("chat_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("catalog_item_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("attachment_name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch_op.add_column(
            sa.Column("attachment_type", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True)
        )
        batch_op.add_column(sa.Column("attachment_width", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("attachment_height", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("attachment_bytes", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_chat_message_catalog_item_id", "catalog_item", ["catalog_item_id"], ["id"]
        )

    with op.batch_alter_table("chat_read_mark", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("notified_seq", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("notified_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("chat_read_mark", schema=None) as batch_op:
        batch_op.drop_column("notified_at")
        batch_op.drop_column("notified_seq")

    with op.batch_alter_table("chat_message", schema=None) as batch_op:
        batch_op.drop_constraint("fk_chat_message_catalog_item_id", type_="foreignkey")
        batch_op.drop_column("attachment_bytes")
        batch_op.drop_column("attachment_height")
        batch_op.drop_column("attachment_width")
        batch_op.drop_column("attachment_type")
        batch_op.drop_column("attachment_name")
        batch_op.drop_column("catalog_item_id")

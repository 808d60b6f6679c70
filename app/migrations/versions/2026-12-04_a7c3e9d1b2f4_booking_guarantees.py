"""booking guarantees: idempotency fingerprint; on PostgreSQL no two active appointments of a
stylist may share time (an exclusion constraint over the stylist and the blocked range)

Revision ID: a7c3e9d1b2f4
Revises: f1a9c2d3e4b5
Create Date: 2026-12-04 13:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a7c3e9d1b2f4"
down_revision: str | None = "f1a9c2d3e4b5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# int4range(staff_id, staff_id, '[]') instead of "staff_id WITH =": the equality form needs the
# btree_gist extension, which a shared database may not let us install; the one-point range of
# the stylist's id means the same and uses the built-in GiST range operator class.
EXCLUSION = (
    "ALTER TABLE appointment ADD CONSTRAINT ex_appointment_stylist_time EXCLUDE USING gist ("
    "int4range(staff_id, staff_id, '[]') WITH &&, "
    "tsrange(blocked_from, blocked_until) WITH &&"
    ") WHERE (status <> 'cancelled')"
)

OVERLAPS = """
SELECT a.id, b.id FROM appointment a JOIN appointment b
  ON a.staff_id = b.staff_id AND a.id < b.id
 AND a.blocked_from < b.blocked_until AND b.blocked_from < a.blocked_until
WHERE a.status <> 'cancelled' AND b.status <> 'cancelled'
ORDER BY a.id, b.id LIMIT 20
"""


def upgrade() -> None:
    with op.batch_alter_table("appointment") as batch:
        batch.add_column(sa.Column("idempotency_fingerprint", sa.String(length=64), nullable=True))
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    clashes = bind.execute(sa.text(OVERLAPS)).all()
    if clashes:
        pairs = ", ".join(f"{a}/{b}" for a, b in clashes)
        raise RuntimeError(
            "Cannot add the no-double-booking constraint: these appointments of one stylist "
            f"share time: {pairs}. Cancel or hand off one of each pair, then migrate again."
        )
    op.execute(EXCLUSION)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("ALTER TABLE appointment DROP CONSTRAINT IF EXISTS ex_appointment_stylist_time")
    with op.batch_alter_table("appointment") as batch:
        batch.drop_column("idempotency_fingerprint")

"""Write and check the audit log (app/access/models.py).

``record`` appends one row in the caller's transaction: it takes the audit lock (PostgreSQL: a
transaction-level advisory lock; SQLite: the write lock the request already holds, see
``AuditedSessionDep``), reads the last row, and chains the new one to it. ``verify`` walks the
whole log in id order and reports every row whose content no longer matches its hash, every
broken link and every gap (a deleted row).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator, Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import String, text, type_coerce
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.access.models import AuditEvent
from app.core.types import utcnow

GENESIS = "0" * 64
# pg_advisory_xact_lock key for appending to the chain (any constant no other lock uses).
AUDIT_LOCK_KEY = 0x434C_4155_4449_54  # "CLAUDIT"
VERIFY_BATCH = 20_000

# Who is asking, as the request middleware saw it: (client IP, user agent).
client: ContextVar[tuple[str | None, str | None]] = ContextVar("audit_client", default=(None, None))


class Action:
    """The names of what is recorded (a closed list: the audit page filters on them)."""

    customer_profile_read = "customer.profile.read"
    customer_page_read = "customer.page.read"
    customer_purchases_read = "customer.purchases.read"
    customer_wardrobe_read = "customer.wardrobe.read"
    customer_photo_read = "customer.photo.read"
    customer_recommendations_read = "customer.recommendations.read"
    customer_contact_reveal = "customer.contact.reveal"
    login = "auth.login"
    login_failed = "auth.login_failed"
    lockout = "auth.lockout"
    unusual_volume = "access.unusual_volume"
    outside_shift = "access.outside_shift"
    audit_read = "audit.read"
    audit_export = "audit.export"


def content_hash(
    *,
    id: int,
    at: datetime,
    actor_id: int | None,
    action: str,
    customer_id: int | None,
    fields: Iterable[str],
    reason: str | None,
    ip: str | None,
    user_agent: str | None,
    detail: str | None,
    prev_hash: str,
) -> str:
    """The row's hash: SHA-256 of its content in a fixed order, chained to the previous hash.

    The content is the ``repr`` of a tuple of str, int and None: unambiguous (strings are
    quoted and escaped) and computed in C, which keeps ``verify`` near a bare hash loop."""
    stamp = at.replace(tzinfo=None).isoformat(timespec="microseconds")
    return _digest((id, stamp, actor_id, action, customer_id, tuple(fields), reason, ip,
                    user_agent, detail, prev_hash))  # fmt: skip


def _digest(content: tuple[Any, ...]) -> str:
    return hashlib.sha256(repr(content).encode()).hexdigest()


async def _lock(session: AsyncSession) -> None:
    bind = session.bind
    if bind is not None and bind.dialect.name == "postgresql":
        await session.exec(
            text("SELECT pg_advisory_xact_lock(:key)").bindparams(key=AUDIT_LOCK_KEY)
        )  # type: ignore[call-overload]


async def record(
    session: AsyncSession,
    *,
    actor_id: int | None,
    action: str,
    customer_id: int | None = None,
    fields: Iterable[str] = (),
    reason: str | None = None,
    detail: str | None = None,
) -> AuditEvent:
    """Append one event to the log, in the caller's transaction."""
    await _lock(session)
    last = (
        await session.exec(
            select(AuditEvent.id, AuditEvent.hash).order_by(col(AuditEvent.id).desc()).limit(1)
        )
    ).first()
    ip, agent = client.get()
    row: dict[str, Any] = {
        "id": (last[0] + 1) if last else 1,
        "at": utcnow(),
        "actor_id": actor_id,
        "action": action,
        "customer_id": customer_id,
        "fields": sorted(set(fields)),
        "reason": reason,
        "ip": ip,
        "user_agent": agent[:300] if agent else None,
        "detail": detail[:300] if detail else None,
        "prev_hash": last[1] if last else GENESIS,
    }
    event = AuditEvent(**row, hash=content_hash(**row))
    session.add(event)
    await session.flush()
    return event


# ---------------------------------------------------------------- verify


@dataclass(frozen=True)
class Problem:
    id: int
    kind: str  # "altered", "missing", "unlinked"
    detail: str


@dataclass
class Verdict:
    rows: int
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return not self.problems


# The time and the fields come as the driver gives them (text on SQLite), not through their
# column types: verify turns them into the hashed form itself, far faster for a million rows.
COLUMNS = (
    AuditEvent.id,
    type_coerce(AuditEvent.at, String),
    AuditEvent.actor_id,
    AuditEvent.action,
    AuditEvent.customer_id,
    type_coerce(AuditEvent.fields, String),
    AuditEvent.reason,
    AuditEvent.ip,
    AuditEvent.user_agent,
    AuditEvent.detail,
    AuditEvent.prev_hash,
    AuditEvent.hash,
)


async def _rows(session: AsyncSession) -> AsyncIterator[Any]:
    """Every row in id order, in batches, through Core (no ORM objects: a million rows)."""
    connection = await session.connection()
    after = 0
    while True:
        batch = (
            await connection.execute(
                select(*COLUMNS)  # type: ignore[call-overload]
                .where(col(AuditEvent.id) > after)
                .order_by(col(AuditEvent.id))
                .limit(VERIFY_BATCH)
            )
        ).all()
        if not batch:
            return
        for row in batch:
            yield row
        after = batch[-1][0]


def _stamp(at: Any) -> str:
    """The hashed form of a stored time: SQLite hands back its text, PostgreSQL a datetime."""
    if isinstance(at, datetime):
        return at.replace(tzinfo=None).isoformat(timespec="microseconds")
    text_ = str(at).replace(" ", "T", 1)
    return text_ if "." in text_ else f"{text_}.000000"


@lru_cache(maxsize=4096)
def _fields_of(stored: str) -> tuple[str, ...]:
    return tuple(json.loads(stored))


def _fields(stored: Any) -> tuple[str, ...]:
    """A few distinct field lists recur across a million rows: parse each text once."""
    if stored is None:
        return ()
    if isinstance(stored, list):
        return tuple(stored)
    return _fields_of(stored)


async def verify(session: AsyncSession) -> Verdict:
    """Check every row's hash and every link; a gap in the ids is a deleted row."""
    problems: list[Problem] = []
    expected_id, expected_prev, count = 1, GENESIS, 0
    async for id_, at, actor, action, customer, fields, reason, ip, agent, detail, prev, h in _rows(
        session
    ):
        count += 1
        if id_ != expected_id:
            gap = f"rows {expected_id}–{id_ - 1} are gone" if id_ > expected_id else "out of order"
            problems.append(Problem(id_, "missing", gap))
        elif prev != expected_prev:
            problems.append(Problem(id_, "unlinked", "does not follow the row before it"))
        again = _digest(
            (id_, _stamp(at), actor, action, customer, _fields(fields), reason, ip, agent,
             detail, prev)
        )  # fmt: skip
        if again != h:
            problems.append(Problem(id_, "altered", "its content does not match its hash"))
        expected_id, expected_prev = id_ + 1, h
    return Verdict(count, problems)

"""Every query of the chat domain."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, case, func, or_
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.chat.models import ChatMessage, Conversation, ReadMark
from app.wardrobe.models import CatalogItem


async def conversation_for_update(
    session: AsyncSession, conversation_id: int
) -> Conversation | None:
    """The conversation row, locked to the end of the transaction (SQLite: BEGIN IMMEDIATE)."""
    # populate_existing: the row is usually in the session already (loaded by the access check);
    # without it the locked read keeps that stale last_seq and two senders get the same seq.
    statement = (
        select(Conversation)
        .where(Conversation.id == conversation_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.exec(statement)).first()


@dataclass(frozen=True)
class LockedConversation:
    id: int
    customer_id: int
    staff_id: int
    last_seq: int


# ---- The chat writer's PostgreSQL path: fixed statements on the asyncpg connection (each
# prepared once; arrays instead of IN lists whose length would change the statement), inside a
# transaction the writer holds. Through the SQLAlchemy session or Core the same five statements
# cost ~5 ms of CPU per batch, most of it building and compiling statements.

PG_LOCK = (
    "SELECT id, customer_id, staff_id, last_seq FROM conversation "
    "WHERE id = ANY($1::int[]) ORDER BY id FOR UPDATE"
)
PG_STORED = (
    "SELECT m.conversation_id, m.sender_id, m.client_msg_id, m.seq FROM chat_message AS m "
    "JOIN unnest($1::int[], $2::int[], $3::varchar[]) AS k(c, s, i) "
    "ON m.conversation_id = k.c AND m.sender_id = k.s AND m.client_msg_id = k.i"
)
PG_INSERT = (
    "INSERT INTO chat_message (conversation_id, seq, sender_id, client_msg_id, body, created_at) "
    "SELECT * FROM unnest($1::int[], $2::int[], $3::int[], $4::varchar[], $5::varchar[], "
    "$6::timestamp[])"
)
PG_LAST_SEQS = (
    "UPDATE conversation AS c SET last_seq = v.seq "
    "FROM unnest($1::int[], $2::int[]) AS v(id, seq) WHERE c.id = v.id"
)


async def pg_lock_conversations(
    connection: Any, ids: Collection[int]
) -> dict[int, LockedConversation]:
    """Lock the conversation rows in id order (one order: concurrent writers cannot deadlock)."""
    rows = await connection.fetch(PG_LOCK, sorted(ids))
    return {row[0]: LockedConversation(*row) for row in rows}


async def pg_seqs_by_client_id(
    connection: Any, keys: Sequence[tuple[int, int, str]]
) -> dict[tuple[int, int, str], int]:
    columns = list(zip(*keys, strict=True)) if keys else [[], [], []]
    rows = await connection.fetch(PG_STORED, *(list(column) for column in columns))
    return {(row[0], row[1], row[2]): row[3] for row in rows}


async def pg_insert_messages(connection: Any, rows: Sequence[Mapping[str, Any]]) -> None:
    await connection.execute(
        PG_INSERT,
        [row["conversation_id"] for row in rows],
        [row["seq"] for row in rows],
        [row["sender_id"] for row in rows],
        [row["client_msg_id"] for row in rows],
        [row["body"] for row in rows],
        [row["created_at"].astimezone(UTC).replace(tzinfo=None) for row in rows],
    )


async def pg_set_last_seqs(connection: Any, last_seqs: Mapping[int, int]) -> None:
    await connection.execute(PG_LAST_SEQS, list(last_seqs), list(last_seqs.values()))


async def pair(session: AsyncSession, customer_id: int, staff_id: int) -> Conversation | None:
    statement = select(Conversation).where(
        Conversation.customer_id == customer_id, Conversation.staff_id == staff_id
    )
    return (await session.exec(statement)).first()


async def by_client_id(
    session: AsyncSession, conversation_id: int, sender_id: int, client_msg_id: str
) -> ChatMessage | None:
    statement = select(ChatMessage).where(
        ChatMessage.conversation_id == conversation_id,
        ChatMessage.sender_id == sender_id,
        ChatMessage.client_msg_id == client_msg_id,
    )
    return (await session.exec(statement)).first()


async def by_attachment(
    session: AsyncSession, conversation_id: int, name: str
) -> ChatMessage | None:
    statement = select(ChatMessage).where(
        ChatMessage.conversation_id == conversation_id, ChatMessage.attachment_name == name
    )
    return (await session.exec(statement)).first()


async def after(
    session: AsyncSession, conversation_id: int, after_seq: int, limit: int
) -> list[ChatMessage]:
    statement = (
        select(ChatMessage)
        .where(ChatMessage.conversation_id == conversation_id, ChatMessage.seq > after_seq)
        .order_by(col(ChatMessage.seq))
        .limit(limit)
    )
    return list((await session.exec(statement)).all())


async def read_mark(session: AsyncSession, conversation_id: int, user_id: int) -> ReadMark | None:
    return await session.get(ReadMark, (conversation_id, user_id))


async def read_mark_for_update(
    session: AsyncSession, conversation_id: int, user_id: int
) -> ReadMark | None:
    statement = (
        select(ReadMark)
        .where(ReadMark.conversation_id == conversation_id, ReadMark.user_id == user_id)
        .with_for_update()
    )
    return (await session.exec(statement)).first()


def _unread_for(user_id: int, mark: type[ReadMark]):  # type: ignore[no-untyped-def]
    """Correlated count of the other member's messages after the user's read mark."""
    return (
        select(func.count())
        .select_from(ChatMessage)
        .where(
            ChatMessage.conversation_id == Conversation.id,
            ChatMessage.sender_id != user_id,
            ChatMessage.seq > func.coalesce(mark.last_read_seq, 0),
        )
        .correlate(Conversation, mark)  # type: ignore[arg-type]
        .scalar_subquery()
    )


async def unread_count(session: AsyncSession, conversation_id: int, user_id: int) -> int:
    mark = await read_mark(session, conversation_id, user_id)
    statement = select(func.count()).where(
        ChatMessage.conversation_id == conversation_id,
        ChatMessage.sender_id != user_id,
        ChatMessage.seq > (mark.last_read_seq if mark else 0),
    )
    return int((await session.exec(statement)).one())


async def for_member(
    session: AsyncSession, user_id: int
) -> list[tuple[Conversation, int, datetime | None]]:
    """The user's conversations with their unread count and last message time, newest first."""
    mark = aliased(ReadMark)
    last_at = (
        select(func.max(ChatMessage.created_at))
        .where(ChatMessage.conversation_id == Conversation.id)
        .correlate(Conversation)
        .scalar_subquery()
    )
    statement = (
        select(Conversation, _unread_for(user_id, mark), last_at)  # type: ignore[call-overload]
        .outerjoin(
            mark,
            and_(mark.conversation_id == Conversation.id, mark.user_id == user_id),  # type: ignore[arg-type]
        )
        .where(or_(Conversation.customer_id == user_id, Conversation.staff_id == user_id))
        .order_by(col(Conversation.last_seq) == 0, last_at.desc(), col(Conversation.id).desc())
    )
    rows = (await session.exec(statement)).all()
    return [(conversation, int(unread), when) for conversation, unread, when in rows]


@dataclass(frozen=True)
class UnreadBurst:
    """Messages one member has neither read nor been emailed about."""

    conversation_id: int
    recipient_id: int
    sender_id: int
    first_seq: int
    last_seq: int
    count: int


async def unnoticed_unread(session: AsyncSession, waited_since: datetime) -> list[UnreadBurst]:
    """Bursts whose oldest unread, un-notified message was written at or before ``waited_since``."""
    found: list[UnreadBurst] = []
    for recipient, sender in (
        (Conversation.customer_id, Conversation.staff_id),
        (Conversation.staff_id, Conversation.customer_id),
    ):
        mark = aliased(ReadMark)
        seen = func.coalesce(
            case(
                (mark.last_read_seq > mark.notified_seq, mark.last_read_seq),  # type: ignore[arg-type]
                else_=mark.notified_seq,
            ),
            0,
        )
        statement = (
            select(  # type: ignore[call-overload]
                Conversation.id,
                recipient,
                sender,
                func.min(ChatMessage.seq),
                func.max(ChatMessage.seq),
                func.count(),
            )
            .join(ChatMessage, ChatMessage.conversation_id == Conversation.id)  # type: ignore[arg-type]
            .outerjoin(
                mark,
                and_(mark.conversation_id == Conversation.id, mark.user_id == recipient),  # type: ignore[arg-type]
            )
            .where(ChatMessage.sender_id == sender, ChatMessage.seq > seen)
            .group_by(Conversation.id, recipient, sender)
            .having(func.min(ChatMessage.created_at) <= waited_since)
        )
        for row in (await session.exec(statement)).all():
            found.append(UnreadBurst(*(int(value) for value in row)))
    return found


async def catalog_search(
    session: AsyncSession, brand_id: int, query: str, limit: int
) -> list[CatalogItem]:
    """Active catalog items of a brand whose code, name or colour contains ``query``.

    Read-only use of the wardrobe's table (the wardrobe service has no search of this shape).
    """
    statement = select(CatalogItem).where(
        CatalogItem.brand_id == brand_id,
        col(CatalogItem.is_active).is_(True),
    )
    if query:
        pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        statement = statement.where(
            or_(
                col(CatalogItem.sku).ilike(pattern, escape="\\"),
                col(CatalogItem.name_ja).ilike(pattern, escape="\\"),
                col(CatalogItem.name_en).ilike(pattern, escape="\\"),
                col(CatalogItem.colour_name).ilike(pattern, escape="\\"),
            )
        )
    statement = statement.order_by(col(CatalogItem.sku)).limit(limit)
    return list((await session.exec(statement)).all())


# ---- The chat writer's SQLite path: plain sqlite3 on the writer's own connection, in its thread.
# One transaction of five statements costs about 0.3 ms this way, against 4-5 ms of CPU through
# the async ORM session (each statement a greenlet switch and a thread hop). Same tables, same
# stored formats (naive UTC timestamps as SQLAlchemy writes them).

SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"


@contextmanager
def sqlite_write(connection: sqlite3.Connection) -> Iterator[None]:
    """BEGIN IMMEDIATE (the write lock first), COMMIT at the end, ROLLBACK if anything raised,
    the COMMIT included: a transaction left open would hold SQLite's write lock for good."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise


def _marks(count: int) -> str:
    return ",".join("?" * count)


def sqlite_lock_conversations(
    connection: sqlite3.Connection, ids: Collection[int]
) -> dict[int, LockedConversation]:
    ordered = sorted(ids)
    marks = _marks(len(ordered))  # only "?" marks are formatted into these statements
    sql = f"SELECT id, customer_id, staff_id, last_seq FROM conversation WHERE id IN ({marks})"  # noqa: S608
    cursor = connection.execute(sql, ordered)
    return {row[0]: LockedConversation(*row) for row in cursor}


def sqlite_seqs_by_client_id(
    connection: sqlite3.Connection, keys: Sequence[tuple[int, int, str]]
) -> dict[tuple[int, int, str], int]:
    # One indexed look-up per key: SQLite does not use the unique index for a row-value IN list
    # (it scanned the whole table, and got slower with every message).
    found: dict[tuple[int, int, str], int] = {}
    for key in keys:
        row = connection.execute(
            "SELECT seq FROM chat_message "
            "WHERE conversation_id = ? AND sender_id = ? AND client_msg_id = ?",
            key,
        ).fetchone()
        if row is not None:
            found[key] = row[0]
    return found


def sqlite_insert_messages(
    connection: sqlite3.Connection, rows: Sequence[Mapping[str, Any]]
) -> None:
    connection.executemany(
        "INSERT INTO chat_message "
        "(conversation_id, seq, sender_id, client_msg_id, body, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [
            (
                row["conversation_id"],
                row["seq"],
                row["sender_id"],
                row["client_msg_id"],
                row["body"],
                row["created_at"].astimezone(UTC).strftime(SQLITE_TIME),
            )
            for row in rows
        ],
    )


def sqlite_set_last_seqs(connection: sqlite3.Connection, last_seqs: Mapping[int, int]) -> None:
    connection.executemany(
        "UPDATE conversation SET last_seq = ? WHERE id = ?",
        [(seq, conversation_id) for conversation_id, seq in last_seqs.items()],
    )

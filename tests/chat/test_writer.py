"""The group-commit writer on a real database (SQLite through its own connection, PostgreSQL
through fixed statements on asyncpg): concurrent posts share transactions, each message is stored and
published exactly once, numbered without gaps, and one refused post costs nobody else theirs."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
from collections.abc import AsyncIterator, Iterator

import pytest
from sqlmodel import col, select

from app.chat import repository as repo
from app.chat import service
from app.chat.models import ChatMessage, Conversation
from app.chat.service import Posted, TextPost
from app.chat.writer import ChatWriter, channel
from app.core.errors import Forbidden
from app.core.realtime import MemoryBroker
from tests.factories import (
    make_appointment,
    make_customer,
    make_service,
    make_store,
    make_stylist,
    tomorrow_at,
)
from tests.live import Server, live_app


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    yield from live_app(request.param, tmp_path_factory, "writer")


@pytest.fixture
async def pairs(server: Server) -> list[Conversation]:
    """Five customer-stylist conversations, committed."""
    conversations = []
    async with server.db.sessions() as session:
        store = await make_store(session)
        booked = await make_service(session, store)
        start = tomorrow_at(11)
        for _ in range(5):
            customer, stylist = await make_customer(session), await make_stylist(session, store)
            await make_appointment(
                session, customer=customer, stylist=stylist, service=booked, start=start
            )
            conversation = Conversation(
                customer_id=customer.id, staff_id=stylist.id, store_id=store.id
            )
            session.add(conversation)
            conversations.append(conversation)
        await session.commit()
    return conversations


@pytest.fixture
async def writer(server: Server) -> AsyncIterator[tuple[ChatWriter, MemoryBroker]]:
    broker = MemoryBroker()
    writer = ChatWriter(server.db, broker)
    yield writer, broker
    await writer.close()


@contextlib.asynccontextmanager
async def listening(
    broker: MemoryBroker, conversations: list[Conversation]
) -> AsyncIterator[dict[int, list[dict]]]:
    """Collect every frame published on the conversations' channels."""
    heard: dict[int, list[dict]] = {c.id: [] for c in conversations}  # type: ignore[misc]
    async with contextlib.AsyncExitStack() as stack:
        tasks = []
        for conversation in conversations:
            items = await stack.enter_async_context(broker.subscribe(channel(conversation.id)))  # type: ignore[arg-type]

            async def collect(items=items, into=heard[conversation.id]) -> None:  # type: ignore[no-untyped-def]
                async for raw in items:
                    into.append(json.loads(raw))

            tasks.append(asyncio.create_task(collect()))
        try:
            yield heard
        finally:
            await asyncio.sleep(0)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)


def _post(conversation: Conversation, n: int) -> TextPost:
    sender = conversation.customer_id if n % 2 else conversation.staff_id
    return TextPost(conversation.id, sender, f"m-{conversation.id}-{n}", f"message {n}")  # type: ignore[arg-type]


async def _stored(server: Server, conversation_id: int) -> list[ChatMessage]:
    async with server.db.sessions() as session:
        statement = (
            select(ChatMessage)
            .where(ChatMessage.conversation_id == conversation_id)
            .order_by(col(ChatMessage.seq))
        )
        return list((await session.exec(statement)).all())


class TestGroupCommit:
    async def test_concurrent_posts_share_transactions_and_each_is_stored_and_published_once(
        self, server: Server, pairs: list[Conversation], writer: tuple[ChatWriter, MemoryBroker]
    ) -> None:
        chat_writer, broker = writer
        posts = [_post(c, n) for n in range(40) for c in pairs]
        retries = posts[::7]  # the same client_msg_ids again, racing the originals
        async with listening(broker, pairs) as heard:
            results = await asyncio.gather(*(chat_writer.post(p) for p in posts + retries))
        assert chat_writer.batches < len(posts)  # grouped, not one transaction per message
        by_key = {p.key: r for p, r in zip(posts, results, strict=False)}
        for retry, result in zip(retries, results[len(posts) :], strict=True):
            assert result.seq == by_key[retry.key].seq
        assert sum(r.out is not None for r in results) == len(posts)  # the retries are not new
        for conversation in pairs:
            stored = await _stored(server, conversation.id)  # type: ignore[arg-type]
            assert [m.seq for m in stored] == list(range(1, 41))
            assert sorted(m.client_msg_id for m in stored) == sorted(
                p.client_msg_id for p in posts if p.conversation_id == conversation.id
            )
            frames = heard[conversation.id]  # type: ignore[index]
            assert [f["seq"] for f in frames] == list(range(1, 41))  # once each, in order
            published = {f["client_msg_id"]: f for f in frames}
            for message in stored:  # what was published is what the ORM reads back
                frame = published[message.client_msg_id]
                assert frame["body"] == message.body and frame["sender_id"] == message.sender_id
                assert (
                    frame["created_at"]
                    == service.MessageOut.model_validate(message, from_attributes=True).model_dump(
                        mode="json"
                    )["created_at"]
                )
            async with server.db.sessions() as session:
                fresh = await session.get(Conversation, conversation.id)
                assert fresh is not None and fresh.last_seq == 40

    async def test_a_retry_after_the_commit_gets_the_stored_number_and_is_not_published(
        self, server: Server, pairs: list[Conversation], writer: tuple[ChatWriter, MemoryBroker]
    ) -> None:
        chat_writer, broker = writer
        first = await chat_writer.post(_post(pairs[0], 1))
        async with listening(broker, pairs[:1]) as heard:
            again = await chat_writer.post(_post(pairs[0], 1))
        assert again == Posted(first.seq, None)
        assert heard[pairs[0].id] == []  # type: ignore[index]
        assert len(await _stored(server, pairs[0].id)) == 1  # type: ignore[arg-type]

    async def test_a_refused_post_costs_the_rest_of_its_batch_nothing(
        self, server: Server, pairs: list[Conversation], writer: tuple[ChatWriter, MemoryBroker]
    ) -> None:
        chat_writer, _broker = writer
        outsider = TextPost(pairs[0].id, pairs[1].customer_id, "sneaky", "let me in")  # type: ignore[arg-type]
        good = [_post(pairs[0], n) for n in range(3)]
        results = await asyncio.gather(
            *(chat_writer.post(p) for p in [good[0], outsider, *good[1:]]), return_exceptions=True
        )
        assert isinstance(results[1], Forbidden)
        assert [r.seq for r in results if isinstance(r, Posted)] == [1, 2, 3]
        stored = await _stored(server, pairs[0].id)  # type: ignore[arg-type]
        assert [m.client_msg_id for m in stored] == [p.client_msg_id for p in good]


class TestSqliteTransaction:
    def test_a_failed_commit_is_rolled_back_and_the_write_lock_released(self) -> None:
        connection = sqlite3.connect(":memory:", isolation_level=None)
        connection.execute("PRAGMA foreign_keys=ON")
        connection.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
        connection.execute(
            "CREATE TABLE child (parent_id INTEGER REFERENCES parent (id) "
            "DEFERRABLE INITIALLY DEFERRED)"
        )
        with pytest.raises(sqlite3.IntegrityError), repo.sqlite_write(connection):
            connection.execute("INSERT INTO child VALUES (42)")  # fails only at COMMIT
        assert not connection.in_transaction
        with repo.sqlite_write(connection):  # the next transaction starts cleanly
            connection.execute("INSERT INTO parent VALUES (1)")
        assert connection.execute("SELECT count(*) FROM child").fetchone() == (0,)

"""Group commit for chat text messages: every socket of this process hands its posts to one writer
task, which stores whatever has queued up in one transaction, publishes the new messages, and only
then answers each sender.

Why: a message alone cost a transaction of five or six statements (about 6 ms of CPU on the test
machine), which capped one process at under 200 messages/s. Under load the queue fills while a
batch is being written, so the next transaction carries many messages for the same few
statements; with one sender at a time nothing waits (there is no timer, a lone post is written at
once). SQLite is written with plain sqlite3 on the writer's own connection in its own thread,
PostgreSQL with fixed statements on the asyncpg connection. The rules of ``service.post`` still
hold: persisted before acknowledged, stored once per client_msg_id, numbered without gaps per
conversation, and the conversation rows are locked, so several processes (and the one-message
HTTP path) can write side by side.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from app.chat import service
from app.chat.service import Posted, TextPost
from app.core.db import Database
from app.core.errors import AppError
from app.core.realtime import Broker

log = logging.getLogger(__name__)
MAX_BATCH = 256
T = TypeVar("T")


def channel(conversation_id: int) -> str:
    return f"chat:{conversation_id}"


class ChatWriter:
    """One per app instance (``app.state.chat_writer``); its task starts with the first post."""

    def __init__(self, db: Database, broker: Broker, max_batch: int = MAX_BATCH) -> None:
        self._db, self.broker, self._max_batch = db, broker, max_batch
        self._queue: list[tuple[TextPost, asyncio.Future[Posted]]] = []
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        # SQLite: the writer's own connection to the same file (an in-memory database could not
        # be shared that way; the app always uses a file).
        self._sqlite = _SqliteConnection(db.engine.url.database or "") if db.is_sqlite else None
        self.batches = 0  # transactions written: tests and the benchmark read it

    async def post(self, post: TextPost) -> Posted:
        """Store (or find, for a retry) one message; new messages are published before this
        returns. Raises the AppError that refused it."""
        future: asyncio.Future[Posted] = asyncio.get_running_loop().create_future()
        self._queue.append((post, future))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="chat-writer")
        self._wakeup.set()
        # A sender whose socket closes stops waiting (its future is cancelled), but its message is
        # still in the batch: written and published like the rest.
        return await future

    async def _run(self) -> None:
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            while self._queue:
                batch = self._queue[: self._max_batch]
                del self._queue[: self._max_batch]
                await self._write(batch)
            if self._closing:
                return

    async def _write(self, batch: list[tuple[TextPost, asyncio.Future[Posted]]]) -> None:
        posts = [post for post, _ in batch]
        try:
            if self._sqlite is not None:
                results = await self._sqlite.run(service.post_texts_sqlite, posts)
            else:
                async with self._db.engine.connect() as connection:
                    driver = (await connection.get_raw_connection()).driver_connection
                    assert driver is not None
                    async with driver.transaction():
                        results = await service.post_texts_pg(driver, posts)
        except Exception as exc:
            if len(batch) > 1:
                # Whatever went wrong, one post must not cost the others theirs: write one by one.
                log.warning("chat batch of %d failed (%s); writing one by one", len(batch), exc)
                for item in batch:
                    await self._write([item])
                return
            log.exception("storing a chat message failed")
            self._settle(batch[0][1], exc)
            return
        self.batches += 1
        frames = [
            (
                channel(post.conversation_id),
                json.dumps(result.out.model_dump(mode="json"), ensure_ascii=False),
            )
            for (post, _), result in zip(batch, results, strict=True)
            if isinstance(result, Posted) and result.out is not None
        ]
        if frames:
            try:
                await self.broker.publish_many(frames)
            except Exception:  # stored: members still get them from the database on catch-up
                log.exception("publishing %d chat messages failed", len(frames))
        for (_, future), result in zip(batch, results, strict=True):
            self._settle(future, result)

    @staticmethod
    def _settle(future: asyncio.Future[Posted], result: Posted | AppError | Exception) -> None:
        if future.done():
            return
        if isinstance(result, Posted):
            future.set_result(result)
        else:
            future.set_exception(result)

    async def close(self) -> None:
        """Write what is queued, then end the task (at shutdown, before the broker closes)."""
        self._closing = True
        self._wakeup.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._sqlite is not None:
            await self._sqlite.close()


class _SqliteConnection:
    """The writer's own SQLite connection, used only from its one worker thread."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chat-writer")
        self._connection: sqlite3.Connection | None = None

    def _open(self) -> sqlite3.Connection:
        if self._connection is None:
            connection = sqlite3.connect(self._path, isolation_level=None, timeout=30)
            connection.execute("PRAGMA foreign_keys=ON")
            connection.execute("PRAGMA busy_timeout=30000")
            self._connection = connection
        return self._connection

    async def run(
        self, work: Callable[[sqlite3.Connection, list[TextPost]], T], posts: list[TextPost]
    ) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, lambda: work(self._open(), posts))

    async def close(self) -> None:
        def _close() -> None:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

        await asyncio.get_running_loop().run_in_executor(self._executor, _close)
        self._executor.shutdown(wait=False)

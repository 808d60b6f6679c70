"""Fan-out between connections: one interface, an in-memory backend (one process) and Redis pub/sub
(several processes or hosts). Messages are persisted before they are published, so a subscriber that
misses a publish catches up from the database; the broker only has to be fast, not durable."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from typing import Protocol

log = logging.getLogger(__name__)


class Broker(Protocol):
    async def publish(self, channel: str, data: str) -> None: ...

    async def publish_many(self, items: Sequence[tuple[str, str]]) -> None:
        """Publish (channel, data) pairs in this order, in one round trip where the backend can."""
        ...

    def subscribe(
        self, channel: str
    ) -> contextlib.AbstractAsyncContextManager[AsyncIterator[str]]: ...

    async def attach(self, channel: str, sink: Sink) -> None:
        """Call ``sink.put(data)`` for every publish on ``channel`` until ``detach``: no task
        and no queue per subscriber (what an idle chat socket uses)."""
        ...

    async def detach(self, channel: str, sink: Sink) -> None: ...

    async def close(self) -> None: ...


class Sink(Protocol):
    def put(self, data: str) -> None:
        """Take one published item, synchronously; it must not block."""


class _Inbox:
    """One subscriber's pending items: bounded, dropping the oldest. Lighter than asyncio.Queue
    (three deques and a loop reference), which matters when thousands of sockets sit idle."""

    __slots__ = ("_items", "_limit", "_waiter")

    def __init__(self, limit: int) -> None:
        self._items: list[str] = []
        self._limit = limit
        self._waiter: asyncio.Future[None] | None = None

    def put(self, data: str) -> None:
        if len(self._items) >= self._limit:
            del self._items[0]
        self._items.append(data)
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def get(self) -> str:
        while not self._items:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return self._items.pop(0)


@contextlib.asynccontextmanager
async def _subscription(
    broker: Broker, channel: str, queue_size: int
) -> AsyncIterator[AsyncIterator[str]]:
    """``subscribe`` on top of ``attach``: an inbox the subscriber reads at its own pace."""
    inbox = _Inbox(queue_size)
    await broker.attach(channel, inbox)

    async def items() -> AsyncIterator[str]:
        while True:
            yield await inbox.get()

    try:
        yield items()
    finally:
        await broker.detach(channel, inbox)


class MemoryBroker:
    """Inboxes per subscriber, in this process. A slow subscriber's inbox is bounded and drops the
    oldest item: it will catch up from the database on its next reconnect or read."""

    def __init__(self, queue_size: int = 1000) -> None:
        self._subscribers: dict[str, set[Sink]] = {}
        self.queue_size = queue_size

    async def publish(self, channel: str, data: str) -> None:
        self.deliver(channel, data)

    def deliver(self, channel: str, data: str) -> None:
        for sink in list(self._subscribers.get(channel, ())):
            try:
                sink.put(data)
            except Exception:  # one broken subscriber must not cost the others this item
                log.exception("subscriber failed on %s", channel)

    async def publish_many(self, items: Sequence[tuple[str, str]]) -> None:
        for channel, data in items:
            self.deliver(channel, data)

    async def attach(self, channel: str, sink: Sink) -> None:
        self._subscribers.setdefault(channel, set()).add(sink)

    async def detach(self, channel: str, sink: Sink) -> None:
        subscribers = self._subscribers.get(channel, set())
        subscribers.discard(sink)
        if not subscribers:
            self._subscribers.pop(channel, None)

    def subscribe(self, channel: str) -> contextlib.AbstractAsyncContextManager[AsyncIterator[str]]:
        return _subscription(self, channel, self.queue_size)

    async def close(self) -> None:
        self._subscribers.clear()


class RedisBroker:
    """Redis pub/sub: every app instance sharing the Redis sees every publish.

    One subscriber connection per process carries every channel this process listens to; a
    reader task fans each message out to the local subscribers' queues. (A connection per socket
    ran out of pool connections at about a hundred chat sockets.)"""

    def __init__(self, url: str, queue_size: int = 1000) -> None:
        from redis.asyncio import Redis

        self._redis = Redis.from_url(url, decode_responses=True)
        self._pubsub = self._redis.pubsub()
        self._local = MemoryBroker(queue_size)
        self._channels: dict[str, int] = {}  # channel -> local subscribers
        self._lock = asyncio.Lock()
        self._reader: asyncio.Task[None] | None = None

    async def publish(self, channel: str, data: str) -> None:
        await self._redis.publish(channel, data)

    async def publish_many(self, items: Sequence[tuple[str, str]]) -> None:
        # One pipelined round trip for a whole batch of chat messages, not one per message.
        async with self._redis.pipeline(transaction=False) as pipe:
            for channel, data in items:
                pipe.publish(channel, data)
            await pipe.execute()

    async def _read(self) -> None:
        while True:
            try:
                message = await self._pubsub.get_message(
                    ignore_subscribe_messages=True, timeout=1.0
                )
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("redis subscriber connection failed; reconnecting")
                await asyncio.sleep(0.5)
                continue
            if message is not None and message.get("type") == "message":
                self._local.deliver(message["channel"], message["data"])
            elif message is None and not self._pubsub.subscribed:
                await asyncio.sleep(0.05)

    async def attach(self, channel: str, sink: Sink) -> None:
        await self._local.attach(channel, sink)
        try:
            async with self._lock:
                if self._channels.get(channel, 0) == 0:
                    await self._pubsub.subscribe(channel)
                self._channels[channel] = self._channels.get(channel, 0) + 1
                if self._reader is None or self._reader.done():
                    self._reader = asyncio.create_task(self._read(), name="redis-subscriber")
        except BaseException:
            await self._local.detach(channel, sink)
            raise

    async def detach(self, channel: str, sink: Sink) -> None:
        await self._local.detach(channel, sink)
        async with self._lock:
            left = self._channels.get(channel, 0) - 1
            if left > 0:
                self._channels[channel] = left
                return
            self._channels.pop(channel, None)
            with contextlib.suppress(Exception):
                await self._pubsub.unsubscribe(channel)

    def subscribe(self, channel: str) -> contextlib.AbstractAsyncContextManager[AsyncIterator[str]]:
        return _subscription(self, channel, self._local.queue_size)

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
        with contextlib.suppress(Exception):
            await self._pubsub.aclose()
        await self._redis.aclose()


def create_broker(redis_url: str | None) -> Broker:
    return RedisBroker(redis_url) if redis_url else MemoryBroker()

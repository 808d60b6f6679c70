"""Fan-out between connections: one interface, an in-memory backend (one process) and Redis pub/sub
(several processes or hosts). Messages are persisted before they are published, so a subscriber that
misses a publish catches up from the database; the broker only has to be fast, not durable."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Protocol


class Broker(Protocol):
    async def publish(self, channel: str, data: str) -> None: ...

    def subscribe(
        self, channel: str
    ) -> contextlib.AbstractAsyncContextManager[AsyncIterator[str]]: ...

    async def close(self) -> None: ...


class MemoryBroker:
    """Queues per subscriber, in this process. A slow subscriber's queue is bounded and drops the
    oldest item: it will catch up from the database on its next reconnect or read."""

    def __init__(self, queue_size: int = 1000) -> None:
        self._subscribers: dict[str, set[asyncio.Queue[str]]] = {}
        self._queue_size = queue_size

    async def publish(self, channel: str, data: str) -> None:
        for queue in list(self._subscribers.get(channel, ())):
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(data)

    @contextlib.asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[AsyncIterator[str]]:
        queue: asyncio.Queue[str] = asyncio.Queue(self._queue_size)
        self._subscribers.setdefault(channel, set()).add(queue)

        async def items() -> AsyncIterator[str]:
            while True:
                yield await queue.get()

        try:
            yield items()
        finally:
            subscribers = self._subscribers.get(channel, set())
            subscribers.discard(queue)
            if not subscribers:
                self._subscribers.pop(channel, None)

    async def close(self) -> None:
        self._subscribers.clear()


class RedisBroker:
    """Redis pub/sub: every app instance sharing the Redis sees every publish."""

    def __init__(self, url: str) -> None:
        from redis.asyncio import Redis

        self._redis = Redis.from_url(url, decode_responses=True)

    async def publish(self, channel: str, data: str) -> None:
        await self._redis.publish(channel, data)

    @contextlib.asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[AsyncIterator[str]]:
        pubsub = self._redis.pubsub()
        await pubsub.subscribe(channel)

        async def items() -> AsyncIterator[str]:
            async for message in pubsub.listen():
                if message.get("type") == "message":
                    yield message["data"]

        try:
            yield items()
        finally:
            with contextlib.suppress(Exception):
                await pubsub.unsubscribe(channel)
                await pubsub.aclose()

    async def close(self) -> None:
        await self._redis.aclose()


def create_broker(redis_url: str | None) -> Broker:
    return RedisBroker(redis_url) if redis_url else MemoryBroker()

"""The broker interface behaves the same on both backends."""

from __future__ import annotations

import asyncio
import os
import uuid

import pytest

from app.core.realtime import Broker, MemoryBroker, RedisBroker
from tests.conftest import service_missing


@pytest.fixture(params=["memory", "redis"])
async def broker(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    if request.param == "memory":
        instance: Broker = MemoryBroker()
    else:
        url = os.environ.get("CLOSETCALL_TEST_REDIS_URL")
        if not url:
            service_missing("Redis", "CLOSETCALL_TEST_REDIS_URL")
        instance = RedisBroker(url)
    yield instance
    await instance.close()


async def _collect(broker: Broker, channel: str, count: int, ready: asyncio.Event) -> list[str]:
    received: list[str] = []
    async with broker.subscribe(channel) as items:
        ready.set()
        async for item in items:
            received.append(item)
            if len(received) == count:
                return received
    return received


class TestBroker:
    async def test_every_subscriber_of_a_channel_gets_every_publish_in_order(
        self, broker: Broker
    ) -> None:
        channel = f"test:{uuid.uuid4().hex}"
        ready = [asyncio.Event(), asyncio.Event()]
        tasks = [asyncio.create_task(_collect(broker, channel, 20, event)) for event in ready]
        for event in ready:
            await asyncio.wait_for(event.wait(), 5)
        await asyncio.sleep(0.05)  # Redis confirms the subscription asynchronously
        for index in range(20):
            await broker.publish(channel, f"m{index}")
        results = await asyncio.wait_for(asyncio.gather(*tasks), 10)
        assert results == [[f"m{i}" for i in range(20)]] * 2

    async def test_other_channels_are_not_delivered(self, broker: Broker) -> None:
        mine, other = f"test:{uuid.uuid4().hex}", f"test:{uuid.uuid4().hex}"
        ready = asyncio.Event()
        task = asyncio.create_task(_collect(broker, mine, 1, ready))
        await asyncio.wait_for(ready.wait(), 5)
        await asyncio.sleep(0.05)
        await broker.publish(other, "not for you")
        await broker.publish(mine, "for you")
        assert await asyncio.wait_for(task, 5) == ["for you"]


class TestManySubscribers:
    async def test_hundreds_of_sockets_share_the_broker_and_an_unsubscribe_does_not_stop_others(
        self, broker: Broker
    ) -> None:
        # One subscriber per chat socket: a broker that opened a Redis connection per subscriber
        # failed at about the 101st.
        channels = [f"test:{uuid.uuid4().hex}" for _ in range(150)]
        readies = [asyncio.Event() for _ in channels]
        tasks = [
            asyncio.create_task(_collect(broker, channel, 1, ready))
            for channel, ready in zip(channels, readies, strict=True)
        ]
        for ready in readies:
            await asyncio.wait_for(ready.wait(), 10)
        await asyncio.sleep(0.1)
        for channel in channels:
            await broker.publish(channel, channel[-6:])
        results = await asyncio.wait_for(asyncio.gather(*tasks), 15)
        assert results == [[channel[-6:]] for channel in channels]
        # Every subscriber has left; a new one on a reused channel still hears publishes.
        ready = asyncio.Event()
        again = asyncio.create_task(_collect(broker, channels[0], 1, ready))
        await asyncio.wait_for(ready.wait(), 5)
        await asyncio.sleep(0.05)
        await broker.publish(channels[0], "again")
        assert await asyncio.wait_for(again, 5) == ["again"]


class TestSlowSubscriber:
    async def test_a_full_inbox_drops_the_oldest_and_keeps_the_newest_in_order(self) -> None:
        broker = MemoryBroker(queue_size=3)
        async with broker.subscribe("slow") as items:
            for index in range(5):  # nobody reads while these arrive
                await broker.publish("slow", f"m{index}")
            received = [await asyncio.wait_for(anext(items), 1) for _ in range(3)]
            assert received == ["m2", "m3", "m4"]
            waiting = asyncio.create_task(anext(items))  # and a reader waiting for the next one
            await asyncio.sleep(0)
            await broker.publish("slow", "m5")
            assert await asyncio.wait_for(waiting, 1) == "m5"


class TestPublishMany:
    async def test_a_batch_reaches_each_channel_in_order(self, broker: Broker) -> None:
        first, second = f"test:{uuid.uuid4().hex}", f"test:{uuid.uuid4().hex}"
        ready = [asyncio.Event(), asyncio.Event()]
        tasks = [
            asyncio.create_task(_collect(broker, first, 3, ready[0])),
            asyncio.create_task(_collect(broker, second, 2, ready[1])),
        ]
        for event in ready:
            await asyncio.wait_for(event.wait(), 5)
        await asyncio.sleep(0.05)  # Redis confirms the subscription asynchronously
        await broker.publish_many(
            [(first, "a1"), (second, "b1"), (first, "a2"), (second, "b2"), (first, "a3")]
        )
        assert await asyncio.wait_for(asyncio.gather(*tasks), 10) == [
            ["a1", "a2", "a3"],
            ["b1", "b2"],
        ]

"""Two app instances on different ports share one PostgreSQL and one Redis: a customer connected to
one and a stylist connected to the other chat with each other and complete call signaling."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect

from app.chat.models import Conversation
from app.core.config import Settings
from app.core.db import Database, create_engine
from app.core.mail import FileOutbox
from app.core.types import utcnow
from app.main import create_app
from tests.conftest import PG_URL, REDIS_URL, free_port, service_missing
from tests.factories import (
    make_appointment,
    make_customer,
    make_service,
    make_store,
    make_stylist,
)
from tests.live import SECRET, Person, _exec, person_with_session, serve


@dataclass
class Pair:
    one: str  # ws://... of instance one
    two: str
    db: Database


@pytest.fixture(scope="module")
def instances(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    if not PG_URL:
        service_missing("PostgreSQL", "CLOSETCALL_TEST_DATABASE_URL")
    if not REDIS_URL:
        service_missing("Redis", "CLOSETCALL_TEST_REDIS_URL")
    assert PG_URL and REDIS_URL
    schema = f"cc_pair_{uuid.uuid4().hex[:8]}"
    asyncio.run(_exec(PG_URL, f'CREATE SCHEMA "{schema}"'))
    bases: list[str] = []
    try:
        with (
            _instance(tmp_path_factory, schema) as one,
            _instance(tmp_path_factory, schema) as two,
        ):
            bases = [one, two]
            yield Pair(
                one.replace("http://", "ws://"),
                two.replace("http://", "ws://"),
                Database(create_engine(PG_URL, schema=schema)),
            )
    finally:
        asyncio.run(_exec(PG_URL, f'DROP SCHEMA "{schema}" CASCADE'))
        asyncio.run(_forget_keys(REDIS_URL, f"{schema}:*"))
    assert len(bases) == 2


async def _forget_keys(url: str, pattern: str) -> None:
    from redis.asyncio import Redis

    client = Redis.from_url(url)
    keys = await client.keys(pattern)
    if keys:
        await client.delete(*keys)
    await client.aclose()


def _instance(tmp_path_factory: pytest.TempPathFactory, schema: str) -> Any:
    var_dir: Path = tmp_path_factory.mktemp("instance")
    port = free_port()
    settings = Settings(
        env="test",
        var_dir=var_dir,
        secret_key=SECRET,
        database_url=PG_URL,
        redis_url=REDIS_URL,
        redis_key_prefix=schema,  # both instances share it; earlier runs' rooms are not seen
        cookie_secure=False,
        reminders_enabled=False,
        public_base_url=f"http://127.0.0.1:{port}",
    )
    app = create_app(
        settings,
        database=Database(create_engine(PG_URL, schema=schema)),  # type: ignore[arg-type]
        mailer=FileOutbox(var_dir / "out"),
    )
    return serve(app, port)


@pytest.fixture
async def people(instances: Pair) -> AsyncIterator[dict]:
    async with instances.db.sessions() as session:
        store = await make_store(session)
        stylist, customer = await make_stylist(session, store), await make_customer(session)
        service = await make_service(session, store)
        appointment = await make_appointment(
            session,
            customer=customer,
            stylist=stylist,
            service=service,
            start=utcnow() + timedelta(minutes=3),
        )
        conversation = Conversation(customer_id=customer.id, staff_id=stylist.id, store_id=store.id)
        session.add(conversation)
        await session.flush()
        result = {
            "appointment": appointment.id,
            "conversation": conversation.id,
            "customer": await person_with_session(session, customer),
            "stylist": await person_with_session(session, stylist),
        }
        await session.commit()
    yield result
    await instances.db.engine.dispose()


def _open(ws_base: str, path: str, person: Person) -> object:
    return connect(
        f"{ws_base}{path}",
        additional_headers={"Cookie": person.cookie},
        origin=ws_base.replace("ws://", "http://"),
        open_timeout=10,
    )


async def _next(ws: ClientConnection, kind: str) -> dict:
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if frame["type"] == kind:
            return frame


class TestAcrossInstances:
    async def test_chat_between_a_customer_on_one_and_a_stylist_on_the_other(
        self, instances: Pair, people: dict
    ) -> None:
        path = f"/ws/chat/{people['conversation']}"
        async with (
            _open(instances.one, path, people["customer"]) as customer,  # type: ignore[attr-defined]
            _open(instances.two, path, people["stylist"]) as stylist,  # type: ignore[attr-defined]
        ):
            for ws in (customer, stylist):
                await ws.send(json.dumps({"type": "hello", "last_seq": 0}))
                await _next(ws, "ready")
            await customer.send(
                json.dumps({"type": "send", "client_msg_id": "c-1", "body": "紺のスカートです"})
            )
            assert (await _next(customer, "ack"))["seq"] == 1
            received = await _next(stylist, "message")
            assert received["body"] == "紺のスカートです" and received["seq"] == 1
            await stylist.send(
                json.dumps({"type": "send", "client_msg_id": "s-1", "body": "合わせてみましょう"})
            )
            reply = await _next(customer, "message")
            if reply["seq"] == 1:  # the customer's own message comes back first, numbered
                reply = await _next(customer, "message")
            assert reply["body"] == "合わせてみましょう" and reply["seq"] == 2

    async def test_signaling_between_a_customer_on_one_and_a_stylist_on_the_other(
        self, instances: Pair, people: dict
    ) -> None:
        path = f"/ws/call/{people['appointment']}"
        join = json.dumps({"type": "join", "version": 1})
        async with (
            _open(instances.one, path, people["customer"]) as customer,  # type: ignore[attr-defined]
            _open(instances.two, path, people["stylist"]) as stylist,  # type: ignore[attr-defined]
        ):
            await customer.send(join)
            me = await _next(customer, "welcome")
            assert me["admitted"] is False
            await stylist.send(join)
            staff = await _next(stylist, "welcome")
            assert staff["waiting"] == [{"id": me["id"], "role": "customer"}]
            await stylist.send(json.dumps({"type": "admit", "id": me["id"]}))
            assert (await _next(customer, "admitted"))["peers"][0]["id"] == staff["id"]
            assert (await _next(stylist, "peer-joined"))["peer"]["id"] == me["id"]
            # The pair's offer/answer state is shared: an answer with no offer on either
            # instance is refused.
            await customer.send(json.dumps({"type": "answer", "to": staff["id"], "sdp": "v=0"}))
            assert (await _next(customer, "error"))["code"] == "no_offer"
            await stylist.send(json.dumps({"type": "offer", "to": me["id"], "sdp": "v=0 o"}))
            offer = await _next(customer, "offer")
            assert offer["from"] == staff["id"] and offer["sdp"] == "v=0 o"
            # The customer's crossing offer loses: the customer is the polite peer.
            await customer.send(json.dumps({"type": "offer", "to": staff["id"], "sdp": "v=0 x"}))
            assert (await _next(customer, "error"))["code"] == "glare"
            await customer.send(json.dumps({"type": "answer", "to": staff["id"], "sdp": "v=0 a"}))
            assert (await _next(stylist, "answer"))["sdp"] == "v=0 a"
            candidate = {
                "type": "candidate",
                "to": staff["id"],
                "candidate": "candidate:1 1 udp 2122260223 192.0.2.1 5000 typ host",
                "sdpMid": "0",
                "sdpMLineIndex": 0,
                "usernameFragment": "Yx0a",
            }
            await customer.send(json.dumps(candidate))
            relayed = await _next(stylist, "candidate")
            assert relayed == candidate | {"from": me["id"]}
            await customer.send(json.dumps({"type": "bye"}))
            assert (await _next(stylist, "bye"))["from"] == me["id"]
            assert (await _next(stylist, "peer-left"))["id"] == me["id"]
            # Hung up on instance one, back on instance two: the lobby again.
            async with _open(instances.two, path, people["customer"]) as again:  # type: ignore[attr-defined]
                await again.send(join)
                assert (await _next(again, "welcome"))["admitted"] is False

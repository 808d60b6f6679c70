"""Chat over real websockets against a live server: access, delivery, retries, reconnects.

The invariant for every schedule of disconnects and retries: each message is stored once, and a
client that reconnects with its last sequence number ends with every message exactly once, in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from app.booking.models import Appointment
from app.chat.models import Conversation
from app.store.models import Brand
from tests.factories import (
    make_customer,
    make_item,
    make_service,
    make_store,
    make_stylist,
    tomorrow_at,
)
from tests.live import Person, Server, live_app, person_with_session
from tests.photos import gps_of, photo


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    yield from live_app(request.param, tmp_path_factory, "chat")


@pytest.fixture
async def world(server: Server) -> AsyncIterator[dict]:
    """A customer and stylist who share an appointment, their conversation, and some outsiders."""
    async with server.db.sessions() as session:
        store = await make_store(session)
        stylist, other_stylist = (
            await make_stylist(session, store),
            await make_stylist(session, store),
        )
        customer, stranger = await make_customer(session), await make_customer(session)
        service = await make_service(session, store)
        start = tomorrow_at(10)
        for who, staff in ((customer, stylist), (stranger, other_stylist)):
            session.add(
                Appointment(
                    store_id=store.id,
                    service_id=service.id,
                    customer_id=who.id,
                    staff_id=staff.id,
                    starts_at=start,
                    ends_at=start + timedelta(minutes=30),
                    blocked_from=start,
                    blocked_until=start + timedelta(minutes=30),
                )
            )
        conversation = Conversation(customer_id=customer.id, staff_id=stylist.id, store_id=store.id)
        session.add(conversation)
        await session.flush()
        brand = await session.get(Brand, store.brand_id)
        item = await make_item(session, brand, name_ja="紺のブラウス", name_en="Navy blouse")
        gone = await make_item(session, brand, is_active=False)
        people = {
            "customer": await person_with_session(session, customer),
            "stylist": await person_with_session(session, stylist),
            "stranger": await person_with_session(session, stranger),
            "other_stylist": await person_with_session(session, other_stylist),
            "expired": await person_with_session(session, customer, expired=True),
        }
        await session.commit()
        yield {"conversation": conversation.id, "item": item.id, "gone": gone.id, **people}
    await server.db.engine.dispose()


def _open(
    server: Server, conversation: int, person: Person | None, origin: str | None = "same"
) -> object:
    headers = {"Cookie": person.cookie} if person else {}
    return connect(
        f"{server.ws}/ws/chat/{conversation}",
        additional_headers=headers,
        origin=server.http if origin == "same" else origin,
        open_timeout=10,
    )  # type: ignore[arg-type]


async def _hello(ws: ClientConnection, last_seq: int) -> list[dict]:
    """Say hello; return the replayed messages (everything before 'ready')."""
    await ws.send(json.dumps({"type": "hello", "last_seq": last_seq}))
    replay = []
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if frame["type"] == "ready":
            return replay
        replay.append(frame)


async def _until(ws: ClientConnection, kind: str) -> dict:
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if frame["type"] == kind:
            return frame


class TestAccess:
    @pytest.mark.parametrize("who", ["stranger", "other_stylist", "expired", None])
    async def test_outsiders_are_refused_before_the_socket_opens(
        self, server: Server, world: dict, who: str | None
    ) -> None:
        person = world[who] if who else None
        with pytest.raises(InvalidStatus) as refused:
            async with _open(server, world["conversation"], person):  # type: ignore[attr-defined]
                pass
        assert refused.value.response.status_code == 403

    async def test_a_foreign_origin_is_refused_even_with_a_valid_session(
        self, server: Server, world: dict
    ) -> None:
        for origin in ("https://evil.example", None):
            with pytest.raises(InvalidStatus) as refused:
                async with _open(server, world["conversation"], world["customer"], origin=origin):  # type: ignore[attr-defined]
                    pass
            assert refused.value.response.status_code == 403

    @pytest.mark.parametrize("conversation", ["0", str(2**31), "99999999999999999999", "abc"])
    async def test_ids_that_cannot_exist_are_refused_without_touching_the_database(
        self, server: Server, world: dict, conversation: str
    ) -> None:
        with pytest.raises(InvalidStatus) as refused:
            async with _open(server, conversation, world["customer"]):  # type: ignore[attr-defined, arg-type]
                pass
        assert refused.value.response.status_code in (403, 404)


class TestDelivery:
    async def test_messages_go_both_ways_and_are_acknowledged_after_they_are_stored(
        self, server: Server, world: dict
    ) -> None:
        async with (
            _open(server, world["conversation"], world["customer"]) as me,
            _open(server, world["conversation"], world["stylist"]) as stylist,
        ):  # type: ignore[attr-defined]
            assert await _hello(me, 0) == [] and await _hello(stylist, 0) == []
            await me.send(
                json.dumps(
                    {
                        "type": "send",
                        "client_msg_id": "c-1",
                        "body": "紺のスカート、見てもらえますか？",
                    }
                )
            )
            ack = await _until(me, "ack")
            assert ack == {"type": "ack", "client_msg_id": "c-1", "seq": 1}
            seen = await _until(stylist, "message")
            assert (seen["seq"], seen["body"], seen["sender_id"]) == (
                1,
                "紺のスカート、見てもらえますか？",
                world["customer"].user.id,
            )
            await stylist.send(
                json.dumps({"type": "send", "client_msg_id": "s-1", "body": "<b>もちろん</b>です"})
            )
            reply = await _until(me, "message")
            while reply["seq"] != 2:
                reply = await _until(me, "message")
            assert reply["body"] == "<b>もちろん</b>です"  # stored as text; pages escape it
            await me.send(json.dumps({"type": "typing"}))
            assert (await _until(stylist, "typing"))["from"] == world["customer"].user.id
            await stylist.send(json.dumps({"type": "read", "seq": 2}))
            assert (await _until(me, "read"))["seq"] == 2

    async def test_a_retried_send_is_stored_once(self, server: Server, world: dict) -> None:
        async with _open(server, world["conversation"], world["customer"]) as me:  # type: ignore[attr-defined]
            await _hello(me, 0)
            for _ in range(3):
                await me.send(
                    json.dumps({"type": "send", "client_msg_id": "same", "body": "一度だけ"})
                )
            seqs = {(await _until(me, "ack"))["seq"] for _ in range(3)}
        assert len(seqs) == 1
        history = await _history(server, world["customer"], world["conversation"])
        assert [m["body"] for m in history] == ["一度だけ"]

    async def test_a_reconnect_gets_exactly_what_was_missed(
        self, server: Server, world: dict
    ) -> None:
        async with _open(server, world["conversation"], world["customer"]) as me:  # type: ignore[attr-defined]
            await _hello(me, 0)
        async with _open(server, world["conversation"], world["stylist"]) as stylist:  # type: ignore[attr-defined]
            await _hello(stylist, 0)
            for index in range(3):
                await stylist.send(
                    json.dumps({"type": "send", "client_msg_id": f"s{index}", "body": f"m{index}"})
                )
                await _until(stylist, "ack")
        async with _open(server, world["conversation"], world["customer"]) as me:  # type: ignore[attr-defined]
            replay = await _hello(me, 1)
        assert [(m["seq"], m["body"]) for m in replay] == [(2, "m1"), (3, "m2")]

    async def test_bad_frames_get_errors_and_the_socket_stays_open(
        self, server: Server, world: dict
    ) -> None:
        async with _open(server, world["conversation"], world["customer"]) as me:  # type: ignore[attr-defined]
            await _hello(me, 0)
            for frame, code in (
                ("nope", "bad_json"),
                ('{"type":"dance"}', "unknown_type"),
                ('{"type":"send","client_msg_id":"x","body":""}', "invalid_message"),
                (
                    '{"type":"send","client_msg_id":"x","body":"' + "a" * 2001 + '"}',
                    "invalid_message",
                ),
            ):
                await me.send(frame)
                assert (await _until(me, "error"))["code"] == code
            await me.send(json.dumps({"type": "send", "client_msg_id": "ok", "body": "still here"}))
            assert (await _until(me, "ack"))["client_msg_id"] == "ok"

    async def test_senders_are_rate_limited(self, server: Server, world: dict) -> None:
        async with _open(server, world["conversation"], world["stylist"]) as stylist:  # type: ignore[attr-defined]
            await _hello(stylist, 0)
            for index in range(31):
                await stylist.send(
                    json.dumps({"type": "send", "client_msg_id": f"r{index}", "body": "x"})
                )
            codes = []
            for _ in range(31):
                frame = json.loads(await asyncio.wait_for(stylist.recv(), 10))
                while frame["type"] not in ("ack", "error"):
                    frame = json.loads(await asyncio.wait_for(stylist.recv(), 10))
                codes.append(frame.get("code", "ack"))
        assert codes.count("ack") == 30 and codes.count("rate_limited") == 1


class TestRichMessages:
    async def test_a_product_card_reaches_the_customer_and_only_stylists_send_them(
        self, server: Server, world: dict
    ) -> None:
        async with (
            _open(server, world["conversation"], world["customer"]) as me,
            _open(server, world["conversation"], world["stylist"]) as stylist,
        ):  # type: ignore[attr-defined]
            await _hello(me, 0)
            await _hello(stylist, 0)
            card = {"type": "send", "client_msg_id": "card", "catalog_item_id": world["item"]}
            await stylist.send(json.dumps(card))
            assert (await _until(stylist, "ack"))["client_msg_id"] == "card"
            seen = await _until(me, "message")
            assert seen["body"] == "" and seen["attachment"] is None
            assert (seen["product"]["name_ja"], seen["product"]["price_yen"]) == (
                "紺のブラウス",
                12100,
            )
            for frame, code in (
                ({**card, "catalog_item_id": world["gone"], "client_msg_id": "g"}, "conflict"),
                ({**card, "catalog_item_id": 2_000_000_000, "client_msg_id": "u"}, "not_found"),
            ):
                await stylist.send(json.dumps(frame))
                error = await _until(stylist, "error")
                assert (error["code"], error["client_msg_id"]) == (code, frame["client_msg_id"])
            await me.send(json.dumps({**card, "client_msg_id": "mine"}))
            error = await _until(me, "error")
            assert error["code"] == "forbidden" and "stylist" in error["detail"]
        replay = await _history(server, world["customer"], world["conversation"])
        assert [m["client_msg_id"] for m in replay] == ["card"]

    async def test_an_uploaded_photo_arrives_as_a_message_frame(
        self, server: Server, world: dict
    ) -> None:
        async with _open(server, world["conversation"], world["stylist"]) as stylist:  # type: ignore[attr-defined]
            await _hello(stylist, 0)
            name, value = world["customer"].cookie.split("=", 1)
            async with httpx.AsyncClient(base_url=server.http, cookies={name: value}) as customer:
                token = (await customer.get("/api/v1/auth/csrf")).json()["csrf_token"]
                response = await customer.post(
                    f"/api/v1/conversations/{world['conversation']}/attachments",
                    headers={"X-CSRF-Token": token},
                    data={"client_msg_id": "photo-1"},
                    files={"file": ("IMG_0001.HEIC", photo("HEIF", gps=True), "image/heic")},
                )
                assert response.status_code == 201, response.text
            frame = await _until(stylist, "message")
            assert frame["seq"] == response.json()["seq"]
            assert frame["attachment"]["content_type"] == "image/jpeg"
            async with httpx.AsyncClient(
                base_url=server.http, headers={"Cookie": world["stylist"].cookie}
            ) as client:
                served = await client.get(frame["attachment"]["url"])
            assert served.status_code == 200 and gps_of(served.content) == {}

    async def test_ready_tells_how_many_messages_are_unread(
        self, server: Server, world: dict
    ) -> None:
        async with _open(server, world["conversation"], world["customer"]) as me:  # type: ignore[attr-defined]
            await _hello(me, 0)
            for index in range(2):
                await me.send(
                    json.dumps({"type": "send", "client_msg_id": f"u{index}", "body": "?"})
                )
                await _until(me, "ack")
            async with _open(server, world["conversation"], world["stylist"]) as stylist:  # type: ignore[attr-defined]
                await stylist.send(json.dumps({"type": "hello", "last_seq": 0}))
                ready = await _until(stylist, "ready")
                assert ready["unread"] == 2
                await stylist.send(json.dumps({"type": "read", "seq": ready["last_seq"]}))
                assert (await _until(me, "read"))["seq"] == 2  # stored, then announced
        async with _open(server, world["conversation"], world["stylist"]) as stylist:  # type: ignore[attr-defined]
            await stylist.send(json.dumps({"type": "hello", "last_seq": 2}))
            assert (await _until(stylist, "ready"))["unread"] == 0
        async with _open(server, world["conversation"], world["customer"]) as me:  # type: ignore[attr-defined]
            await me.send(json.dumps({"type": "hello", "last_seq": 2}))
            assert (await _until(me, "ready"))["unread"] == 0  # one's own messages never count


async def _history(server: Server, person: Person, conversation: int) -> list[dict]:
    async with httpx.AsyncClient(base_url=server.http, headers={"Cookie": person.cookie}) as client:
        return (await client.get(f"/api/v1/conversations/{conversation}/messages")).json()


async def _fresh_conversation(server: Server) -> tuple[int, Person]:
    async with server.db.sessions() as session:
        store = await make_store(session)
        stylist, customer = await make_stylist(session, store), await make_customer(session)
        conversation = Conversation(customer_id=customer.id, staff_id=stylist.id, store_id=store.id)
        session.add(conversation)
        await session.flush()
        person = await person_with_session(session, customer)
        await session.commit()
        return conversation.id, person  # type: ignore[return-value]


# ---- the reliability property: random disconnects and retries lose nothing and duplicate nothing

schedules = st.lists(
    st.one_of(st.just("send"), st.just("drop"), st.just("send-no-wait")), min_size=1, max_size=12
)


class TestReliability:
    @settings(
        max_examples=12,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(schedule=schedules)
    async def test_no_loss_no_duplicates_under_disconnects(
        self, server: Server, world: dict, schedule: list[str]
    ) -> None:
        if "sqlite" not in server.db.engine.url.drivername:
            return  # one backend is enough for the property; delivery itself is tested on both above
        run = uuid.uuid4().hex[:6]
        # Each example is its own conversation (own people), so examples neither share history nor
        # run into the per-user rate limit that test_senders_are_rate_limited checks.
        conversation, customer = await _fresh_conversation(server)
        received: dict[int, str] = {}
        start_seq = 0
        unacked: dict[str, str] = {}
        sent = 0
        ws = await _open(server, conversation, customer).__aenter__()  # type: ignore[attr-defined]
        for message in await _hello(ws, start_seq):
            received[message["seq"]] = message["body"]
        for step in schedule:
            if step == "drop":
                ws.transport.abort()  # the network goes away: no close handshake
                with contextlib.suppress(ConnectionClosed):
                    while True:  # frames that arrived before the drop are still the client's
                        frame = json.loads(await asyncio.wait_for(ws.recv(), 5))
                        if frame["type"] == "message":
                            received[frame["seq"]] = frame["body"]
                        elif frame["type"] == "ack":
                            unacked.pop(frame["client_msg_id"], None)
                ws = await _open(server, conversation, customer).__aenter__()  # type: ignore[attr-defined]
                last_seq = max([start_seq, *received])
                for message in await _hello(ws, last_seq):
                    received[message["seq"]] = message["body"]
                for client_id, body in list(unacked.items()):  # retry what was never acknowledged
                    await ws.send(
                        json.dumps({"type": "send", "client_msg_id": client_id, "body": body})
                    )
                continue
            client_id, body = f"{run}-{sent}", f"{run} message {sent}"
            sent += 1
            unacked[client_id] = body
            await ws.send(json.dumps({"type": "send", "client_msg_id": client_id, "body": body}))
            if step == "send":
                while unacked.get(client_id):
                    frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
                    if frame["type"] == "ack":
                        unacked.pop(frame["client_msg_id"], None)
                    elif frame["type"] == "message":
                        received[frame["seq"]] = frame["body"]
        while unacked:
            frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if frame["type"] == "ack":
                unacked.pop(frame["client_msg_id"], None)
            elif frame["type"] == "message":
                received[frame["seq"]] = frame["body"]
        await ws.close()
        mine = [
            m for m in await _history(server, customer, conversation) if m["body"].startswith(run)
        ]
        assert [m["body"] for m in mine] == [
            f"{run} message {i}" for i in range(sent)
        ]  # once each, in order
        async with _open(server, conversation, customer) as fresh:  # type: ignore[attr-defined]
            replay = await _hello(fresh, start_seq)
        seqs = [m["seq"] for m in replay]
        assert seqs == sorted(set(seqs)) and seqs == list(
            range(start_seq + 1, start_seq + 1 + len(seqs))
        )

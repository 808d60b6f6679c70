"""The fast socket (``app.core.fastsocket``) on a live server, through the chat endpoint it serves:
framing, keepalive, shutdown, and the ASGI route that serves the same endpoint under other servers.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.client import ClientProtocol
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.frames import Frame
from websockets.http11 import Response
from websockets.protocol import OPEN
from websockets.uri import parse_uri

from app.chat.models import Conversation
from tests.factories import make_customer, make_store, make_stylist
from tests.live import Person, Server, live_app, person_with_session

PING = 0.2  # seconds: the keepalive test waits a few rounds of it


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    for live in live_app("sqlite", tmp_path_factory, "fastsocket"):
        live.app.state.fast_sockets.ping_interval = PING  # before any socket starts the pinger
        yield live


async def _pair(server: Server) -> dict[str, Any]:
    async with server.db.sessions() as session:
        store = await make_store(session)
        stylist, customer = await make_stylist(session, store), await make_customer(session)
        stranger = await make_customer(session)
        conversation = Conversation(customer_id=customer.id, staff_id=stylist.id, store_id=store.id)
        session.add(conversation)
        await session.flush()
        people = {
            "customer": await person_with_session(session, customer),
            "stylist": await person_with_session(session, stylist),
            "stranger": await person_with_session(session, stranger),
        }
        await session.commit()
    return {"conversation": conversation.id, **people}


@pytest.fixture
async def pair(server: Server) -> AsyncIterator[dict[str, Any]]:
    yield await _pair(server)
    await server.db.engine.dispose()


def _open(server: Server, pair: dict[str, Any], who: str) -> Any:
    person: Person = pair[who]
    return connect(
        f"{server.ws}/ws/chat/{pair['conversation']}",
        additional_headers={"Cookie": person.cookie},
        origin=server.http,  # type: ignore[arg-type]
        open_timeout=10,
    )


async def _hello(ws: ClientConnection) -> dict[str, Any]:
    await ws.send(json.dumps({"type": "hello", "last_seq": 0}))
    return await _until(ws, "ready")


async def _until(ws: ClientConnection, kind: str) -> dict[str, Any]:
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if frame["type"] == kind:
            return frame


class TestFraming:
    async def test_a_fragmented_message_is_put_back_together(
        self, server: Server, pair: dict[str, Any]
    ) -> None:
        async with _open(server, pair, "customer") as me, _open(server, pair, "stylist") as her:
            await _hello(me)
            await _hello(her)
            frame = json.dumps({"type": "send", "client_msg_id": "frag", "body": "こんにちは"})
            await me.send([frame[:7], frame[7:20], frame[20:]])  # three frames, one message
            assert (await _until(me, "ack"))["client_msg_id"] == "frag"
            assert (await _until(her, "message"))["body"] == "こんにちは"

    async def test_a_binary_frame_closes_the_socket_with_1003(
        self, server: Server, pair: dict[str, Any]
    ) -> None:
        async with _open(server, pair, "customer") as me:
            await _hello(me)
            await me.send(b'{"type": "typing"}')
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(me.recv(), 10)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1003

    @pytest.mark.parametrize(
        ("payload", "code"),
        [
            (b"\xff\xfe not UTF-8", 1007),  # sent as a text frame
            ("x" * ((1 << 20) + 1), 1009),  # one byte over the 1 MiB limit
        ],
        ids=["invalid-utf8", "too-big"],
    )
    async def test_frames_no_chat_client_sends_close_the_socket_with_their_code(
        self, server: Server, pair: dict[str, Any], payload: bytes | str, code: int
    ) -> None:
        async with _open(server, pair, "customer") as me:
            await _hello(me)
            await me.send(payload, text=True)
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(me.recv(), 10)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == code
        async with _open(server, pair, "customer") as again:  # the server is none the worse
            assert (await _hello(again))["last_seq"] >= 0

    async def test_a_socket_without_hello_is_closed_with_4400_after_an_error(
        self, server: Server, pair: dict[str, Any]
    ) -> None:
        async with _open(server, pair, "customer") as me:
            await me.send(json.dumps({"type": "typing"}))
            assert (await _until(me, "error"))["code"] == "hello_first"
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(me.recv(), 10)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4400

    async def test_a_refused_handshake_is_a_403_and_the_server_keeps_serving(
        self, server: Server, pair: dict[str, Any]
    ) -> None:
        with pytest.raises(InvalidStatus) as refused:
            async with _open(server, pair, "stranger"):
                pass
        assert refused.value.response.status_code == 403
        async with _open(server, pair, "customer") as me:
            assert (await _hello(me))["last_seq"] == 0

    async def test_header_bytes_outside_ascii_do_not_break_the_handshake(
        self, server: Server, pair: dict[str, Any]
    ) -> None:
        parts = urlsplit(server.http)
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        request = (
            f"GET /ws/chat/{pair['conversation']} HTTP/1.1\r\n"
            f"Host: {parts.netloc}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            f"Origin: {server.http}\r\nCookie: {pair['customer'].cookie}\r\n"
        ).encode() + "User-Agent: テスト端末\r\n\r\n".encode()
        writer.write(request)
        status = await asyncio.wait_for(reader.readline(), 10)
        writer.close()
        assert status.startswith(b"HTTP/1.1 101"), status


class TestKeepalive:
    async def test_a_peer_that_stops_answering_pings_is_dropped_and_others_are_not(
        self, server: Server, pair: dict[str, Any]
    ) -> None:
        url = f"{server.ws}/ws/chat/{pair['conversation']}"
        peer = ClientProtocol(parse_uri(url))
        request = peer.connect()
        request.headers["Cookie"] = pair["customer"].cookie
        request.headers["Origin"] = server.http
        peer.send_request(request)
        parts = urlsplit(server.http)
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        for data in peer.data_to_send():
            writer.write(data)
        events: list[Any] = []
        while not any(isinstance(event, Response) for event in events):
            peer.receive_data(await asyncio.wait_for(reader.read(65536), 10))
            events += peer.events_received()
        peer.send_text(json.dumps({"type": "hello", "last_seq": 0}).encode())
        for data in peer.data_to_send():
            writer.write(data)
        await writer.drain()
        async with _open(server, pair, "stylist") as healthy:  # answers pings as clients do
            await _hello(healthy)
            # From here on the raw peer reads but never writes: its pongs are never sent.
            received = b""
            while chunk := await asyncio.wait_for(reader.read(65536), 10):
                received += chunk
            peer.receive_data(received)
            peer.receive_eof()
            pings = [
                e
                for e in peer.events_received()
                if isinstance(e, Frame) and e.opcode.name == "PING"
            ]
            assert pings, "the server pinged before it gave up"
            assert peer.close_code == 1011
            await asyncio.sleep(4 * PING)  # the healthy socket outlives several more rounds
            assert healthy.state is OPEN
            await healthy.send(json.dumps({"type": "typing"}))
        writer.close()


class TestShutdown:
    async def test_stopping_the_server_closes_chat_sockets_with_1012(
        self, tmp_path_factory: pytest.TempPathFactory
    ) -> None:
        lives = live_app("sqlite", tmp_path_factory, "fastsocket-stop")
        server = next(lives)
        pair = await _pair(server)
        async with _open(server, pair, "customer") as me:
            await _hello(me)
            stopping = asyncio.create_task(asyncio.to_thread(next, lives, None))
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(me.recv(), 10)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1012
            await asyncio.wait_for(stopping, 30)
        await server.db.engine.dispose()


class TestAsgiRoute:
    async def test_other_servers_serve_the_same_chat_through_the_asgi_route(
        self, tmp_path_factory: pytest.TempPathFactory
    ) -> None:
        lives = live_app("sqlite", tmp_path_factory, "asgi-chat", ws="auto")
        server = next(lives)
        try:
            pair = await _pair(server)
            with pytest.raises(InvalidStatus) as refused:
                async with _open(server, pair, "stranger"):
                    pass
            assert refused.value.response.status_code == 403
            async with _open(server, pair, "customer") as me, _open(server, pair, "stylist") as her:
                await _hello(me)
                await _hello(her)
                await me.send(json.dumps({"type": "send", "client_msg_id": "a", "body": "hi"}))
                assert (await _until(me, "ack"))["seq"] == 1
                assert (await _until(her, "message"))["body"] == "hi"
                await her.send(json.dumps({"type": "send", "client_msg_id": "b", "body": "yo"}))
                assert (await _until(her, "ack"))["seq"] == 2
                assert (await _until(me, "message"))["body"] == "yo"
            async with _open(server, pair, "customer") as again:
                await again.send(json.dumps({"type": "hello", "last_seq": 1}))
                assert (await _until(again, "message"))["seq"] == 2
                assert (await _until(again, "ready"))["last_seq"] == 2
            await server.db.engine.dispose()
        finally:
            next(lives, None)

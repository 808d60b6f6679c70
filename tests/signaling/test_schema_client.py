"""A client built from the published protocol only: it knows the JSON Schemas in
docs/signaling/schemas/ and docs/signaling.md, and nothing of ``signaling`` (no import). Every frame
it sends and every frame it receives is validated against those schemas, through a whole call
against a live server: join, lobby, admit, offer/answer, browser-shaped candidates, keepalive,
fresh ICE servers, refusals, bye, and admission needed again after bye."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from websockets.asyncio.client import ClientConnection, connect

from app.core.types import utcnow
from tests.factories import make_appointment, make_customer, make_service, make_store, make_stylist
from tests.live import Person, Server, live_app, person_with_session

SCHEMAS = Path(__file__).resolve().parents[2] / "docs" / "signaling" / "schemas"


def _validator(name: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMAS / name).read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


ANY_CLIENT = _validator("client.json")
ANY_SERVER = _validator("server.json")
ONE = {
    path.relative_to(SCHEMAS).as_posix(): _validator(path.relative_to(SCHEMAS).as_posix())
    for path in SCHEMAS.glob("*/*.json")
}


def conforms(direction: str, frame: dict[str, Any]) -> bool:
    """Valid for "any message" of the direction and for the schema of its own type."""
    whole = ANY_CLIENT if direction == "client" else ANY_SERVER
    own = ONE.get(f"{direction}/{frame.get('type')}.json")
    return whole.is_valid(frame) and own is not None and own.is_valid(frame)


class SchemaClient:
    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.received: list[dict[str, Any]] = []

    async def send(self, frame: dict[str, Any]) -> None:
        ANY_CLIENT.validate(frame)
        ONE[f"client/{frame['type']}.json"].validate(frame)
        await self.ws.send(json.dumps(frame))

    async def send_invalid(self, frame: dict[str, Any]) -> dict[str, Any]:
        """A frame the schemas refuse: the server must refuse it too, with an error frame."""
        assert not conforms("client", frame), frame
        await self.ws.send(json.dumps(frame))
        return await self.next("error")

    async def next(self, kind: str) -> dict[str, Any]:
        while True:
            frame = json.loads(await asyncio.wait_for(self.ws.recv(), 10))
            ANY_SERVER.validate(frame)
            ONE[f"server/{frame['type']}.json"].validate(frame)
            self.received.append(frame)
            if frame["type"] == kind:
                return frame


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from live_app("sqlite", tmp_path_factory, "schema-client")


@pytest.fixture
async def people(server: Server) -> AsyncIterator[dict[str, Any]]:
    async with server.db.sessions() as session:
        store = await make_store(session)
        stylist, customer = await make_stylist(session, store), await make_customer(session)
        service = await make_service(session, store)
        appointment = await make_appointment(
            session,
            customer=customer,
            stylist=stylist,
            service=service,
            start=utcnow() + timedelta(minutes=2),
        )
        result = {
            "appointment": appointment.id,
            "customer": await person_with_session(session, customer),
            "stylist": await person_with_session(session, stylist),
        }
        await session.commit()
    yield result
    await server.db.engine.dispose()


def _open(server: Server, appointment: int, person: Person) -> Any:
    return connect(
        f"{server.ws}/ws/call/{appointment}",
        additional_headers={"Cookie": person.cookie},
        origin=server.http,
        open_timeout=10,
    )


# RTCIceCandidate.toJSON() as Chromium and Firefox produce it, and the end of candidates.
BROWSER_CANDIDATES = [
    {
        "candidate": "candidate:842163049 1 udp 1677729535 203.0.113.7 61665 typ srflx "
        "raddr 0.0.0.0 rport 0 generation 0 ufrag Yx0a network-cost 999",
        "sdpMid": "0",
        "sdpMLineIndex": 0,
        "usernameFragment": "Yx0a",
    },
    {
        "candidate": "candidate:0 1 UDP 2122252543 192.0.2.10 54027 typ host",
        "sdpMid": "1",
        "sdpMLineIndex": None,
        "usernameFragment": None,
    },
    {"candidate": "", "sdpMid": "0", "sdpMLineIndex": 0, "usernameFragment": "Yx0a"},
]


class TestACallFromTheSchemasAlone:
    async def test_join_admit_negotiate_trickle_hang_up_and_wait_again(
        self, server: Server, people: dict[str, Any]
    ) -> None:
        appointment = people["appointment"]
        async with (
            _open(server, appointment, people["customer"]) as customer_ws,
            _open(server, appointment, people["stylist"]) as stylist_ws,
        ):
            customer, stylist = SchemaClient(customer_ws), SchemaClient(stylist_ws)
            await customer.send({"type": "join", "version": 1})
            me = await customer.next("welcome")
            assert me["version"] == 1 and me["admitted"] is False and me["role"] == "customer"
            await customer.send({"type": "ping"})
            await customer.next("pong")

            # In the lobby nothing is relayed.
            await customer.send({"type": "media", "muted": True})
            assert (await customer.next("error"))["code"] == "not_admitted"

            await stylist.send({"type": "join", "version": 1})
            staff = await stylist.next("welcome")
            assert staff["admitted"] is True
            assert staff["waiting"] == [{"id": me["id"], "role": "customer"}]
            await stylist.send({"type": "admit", "id": me["id"]})
            assert (await customer.next("admitted"))["peers"] == [
                {"id": staff["id"], "role": "stylist"}
            ]
            assert (await stylist.next("peer-joined"))["peer"]["id"] == me["id"]

            # An answer before any offer is refused, and so are frames the schemas refuse.
            await customer.send({"type": "answer", "to": staff["id"], "sdp": "v=0 early"})
            assert (await customer.next("error"))["code"] == "no_offer"
            wrong = await customer.send_invalid({"type": "media", "muted": "yes"})
            assert wrong["code"] == "wrong_type" and wrong["field"] == "muted"
            number = await customer.send_invalid({"type": "join", "version": "1"})
            assert number["code"] == "wrong_type"
            spoofed = await customer.send_invalid(
                {"type": "offer", "to": staff["id"], "sdp": "v=0", "from": staff["id"]}
            )
            assert spoofed["code"] == "unknown_field"
            lonely = await customer.send_invalid(
                {"type": "candidate", "to": staff["id"], "candidate": "candidate:1 1 udp"}
            )
            assert lonely["code"] == "invalid_value"

            # The stylist (the one told peer-joined) offers; the customer answers.
            await stylist.send({"type": "offer", "to": me["id"], "sdp": "v=0 offer"})
            offer = await customer.next("offer")
            assert offer["from"] == staff["id"] and offer["restart"] is False
            await customer.send({"type": "answer", "to": staff["id"], "sdp": "v=0 answer"})
            assert (await stylist.next("answer"))["sdp"] == "v=0 answer"
            # The offer was answered: answering it again is refused.
            await customer.send({"type": "answer", "to": staff["id"], "sdp": "v=0 again"})
            assert (await customer.next("error"))["code"] == "no_offer"

            # Candidates exactly as the browser's toJSON() gives them, relayed unchanged.
            for shape in BROWSER_CANDIDATES:
                await customer.send({"type": "candidate", "to": staff["id"], **shape})
                got = await stylist.next("candidate")
                sent = {k: v for k, v in shape.items() if v is not None}
                assert got == {"type": "candidate", "to": staff["id"], **sent, "from": me["id"]}

            # An ICE restart is a renegotiation of the same pair.
            await stylist.send({"type": "offer", "to": me["id"], "sdp": "v=0 r", "restart": True})
            assert (await customer.next("offer"))["restart"] is True
            await customer.send({"type": "answer", "to": staff["id"], "sdp": "v=0 r-answer"})
            await stylist.next("answer")

            await stylist.send({"type": "refresh-ice"})
            assert "iceServers" in await stylist.next("ice-servers")

            # Hanging up: the others are told, the socket closes with 1000.
            await customer.send({"type": "bye"})
            assert (await stylist.next("bye"))["from"] == me["id"]
            assert (await stylist.next("peer-left"))["id"] == me["id"]
            await asyncio.wait_for(customer_ws.wait_closed(), 10)
            assert customer_ws.close_code == 1000

            # After bye the admission is gone: back to the lobby, admitted again by the stylist.
            async with _open(server, appointment, people["customer"]) as again_ws:
                again = SchemaClient(again_ws)
                await again.send({"type": "join", "version": 1})
                assert (await again.next("welcome"))["admitted"] is False
                assert (await stylist.next("waiting"))["peer"]["id"] == me["id"]
                await stylist.send({"type": "admit", "id": me["id"]})
                await again.next("admitted")
                await stylist.next("peer-joined")

    async def test_an_unknown_version_gets_the_supported_ones_and_close_4003(
        self, server: Server, people: dict[str, Any]
    ) -> None:
        async with _open(server, people["appointment"], people["customer"]) as ws:
            client = SchemaClient(ws)
            await client.send({"type": "join", "version": 2})  # valid: a future version
            error = await client.next("error")
            assert error["code"] == "unsupported_version" and error["supported_versions"] == [1]
            await asyncio.wait_for(ws.wait_closed(), 10)
            assert ws.close_code == 4003

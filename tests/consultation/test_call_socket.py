"""The call's signaling socket: only the appointment's people, only around its time, then relay."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus

from app.booking.models import Appointment
from app.core.types import utcnow
from tests.factories import make_customer, make_manager, make_service, make_store, make_stylist
from tests.live import Person, Server, live_app, person_with_session


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    yield from live_app(request.param, tmp_path_factory, "call")


@pytest.fixture
async def world(server: Server) -> AsyncIterator[dict]:
    """An appointment starting in 5 minutes, one in two days, and people around them."""
    async with server.db.sessions() as session:
        store, elsewhere = await make_store(session), await make_store(session)
        stylist, other_stylist = (
            await make_stylist(session, store),
            await make_stylist(session, store),
        )
        customer, stranger = await make_customer(session), await make_customer(session)
        manager, other_manager = (
            await make_manager(session, store),
            await make_manager(session, elsewhere),
        )
        service = await make_service(session, store)

        def appointment(start: object, staff: object, who: object) -> Appointment:
            end = start + timedelta(minutes=30)  # type: ignore[operator]
            return Appointment(
                store_id=store.id,
                service_id=service.id,
                customer_id=who.id,
                staff_id=staff.id,  # type: ignore[attr-defined]
                starts_at=start,
                ends_at=end,
                blocked_from=start,
                blocked_until=end,
            )

        soon = appointment(utcnow() + timedelta(minutes=5), stylist, customer)
        later = appointment(utcnow() + timedelta(days=2), stylist, customer)
        session.add_all([soon, later])
        await session.flush()
        people = {
            name: await person_with_session(session, user)
            for name, user in (
                ("customer", customer),
                ("stylist", stylist),
                ("manager", manager),
                ("stranger", stranger),
                ("other_stylist", other_stylist),
                ("other_manager", other_manager),
            )
        }
        people["expired"] = await person_with_session(session, customer, expired=True)
        await session.commit()
        yield {"soon": soon.id, "later": later.id, **people}
    await server.db.engine.dispose()


def _open(
    server: Server, appointment: int, person: Person | None, origin: str | None = "same"
) -> object:
    headers = {"Cookie": person.cookie} if person else {}
    return connect(
        f"{server.ws}/ws/call/{appointment}",
        additional_headers=headers,
        origin=server.http if origin == "same" else origin,
        open_timeout=10,
    )  # type: ignore[arg-type]


async def _next(ws: ClientConnection, kind: str) -> dict:
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if frame["type"] == kind:
            return frame


class TestWhoMayJoin:
    @pytest.mark.parametrize("who", ["stranger", "other_stylist", "other_manager", "expired", None])
    async def test_outsiders_are_refused_before_the_socket_opens(
        self, server: Server, world: dict, who: str | None
    ) -> None:
        with pytest.raises(InvalidStatus) as refused:
            async with _open(server, world["soon"], world[who] if who else None):  # type: ignore[attr-defined]
                pass
        assert refused.value.response.status_code == 403

    async def test_a_foreign_origin_is_refused(self, server: Server, world: dict) -> None:
        with pytest.raises(InvalidStatus) as refused:
            async with _open(
                server, world["soon"], world["customer"], origin="https://evil.example"
            ):  # type: ignore[attr-defined]
                pass
        assert refused.value.response.status_code == 403

    async def test_the_room_is_closed_until_ten_minutes_before_the_start(
        self, server: Server, world: dict
    ) -> None:
        with pytest.raises(InvalidStatus) as refused:
            async with _open(server, world["later"], world["customer"]):  # type: ignore[attr-defined]
                pass
        assert refused.value.response.status_code == 403


class TestSignaling:
    async def test_join_relay_media_and_bye_between_customer_and_stylist(
        self, server: Server, world: dict
    ) -> None:
        async with (
            _open(server, world["soon"], world["customer"]) as customer,
            _open(server, world["soon"], world["stylist"]) as stylist,
        ):  # type: ignore[attr-defined]
            await customer.send(json.dumps({"type": "join"}))
            welcome = await _next(customer, "welcome")
            assert welcome["peers"] == [] and welcome["id"] == f"u{world['customer'].user.id}"
            assert welcome["admitted"] is False  # the customer waits in the lobby
            await customer.send(json.dumps({"type": "offer", "sdp": "v=0 too early"}))
            assert (await _next(customer, "error"))["code"] == "not_admitted"
            await stylist.send(json.dumps({"type": "join"}))
            stylist_welcome = await _next(stylist, "welcome")
            assert stylist_welcome["peers"] == []
            assert stylist_welcome["waiting"] == [{"id": welcome["id"], "role": "customer"}]
            await customer.send(json.dumps({"type": "admit", "id": welcome["id"]}))
            assert (await _next(customer, "error"))["code"] == "forbidden"
            await stylist.send(json.dumps({"type": "admit", "id": welcome["id"]}))
            admitted = await _next(customer, "admitted")
            assert admitted["peers"] == [{"id": stylist_welcome["id"], "role": "stylist"}]
            joined = await _next(stylist, "peer-joined")
            assert joined["peer"] == {"id": welcome["id"], "role": "customer"}
            await stylist.send(
                json.dumps({"type": "offer", "to": welcome["id"], "sdp": "v=0 offer"})
            )
            offer = await _next(customer, "offer")
            assert offer["from"] == stylist_welcome["id"] and offer["sdp"] == "v=0 offer"
            await customer.send(json.dumps({"type": "media", "muted": True}))
            assert (await _next(stylist, "media"))["muted"] is True
            await customer.send("{not json")
            assert (await _next(customer, "error"))["code"] == "bad_json"
            await customer.send(json.dumps({"type": "bye"}))
            assert (await _next(stylist, "bye"))["from"] == welcome["id"]
            assert (await _next(stylist, "peer-left"))["id"] == welcome["id"]

    async def test_nothing_is_relayed_before_join(self, server: Server, world: dict) -> None:
        async with _open(server, world["soon"], world["manager"]) as manager:  # type: ignore[attr-defined]
            await manager.send(json.dumps({"type": "offer", "sdp": "v=0"}))
            assert (await _next(manager, "error"))["code"] == "join_first"
            await manager.send(json.dumps({"type": "join"}))
            assert (await _next(manager, "welcome"))["id"] == f"u{world['manager'].user.id}"

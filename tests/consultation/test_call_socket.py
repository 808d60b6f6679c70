"""The call's signaling socket: only the appointment's people, only around its time, then relay."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus

from app.booking.models import Appointment, AppointmentStatus
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


JOIN = json.dumps({"type": "join", "version": 1})


async def _closed(ws: ClientConnection) -> tuple[int | None, str | None]:
    """Wait for the server to close the socket; its close code and reason."""
    await asyncio.wait_for(ws.wait_closed(), 10)
    return ws.close_code, ws.close_reason


async def _in_call(
    server: Server, world: dict, customer: ClientConnection, stylist: ClientConnection
) -> tuple[str, str]:
    """Both joined and the customer admitted; their peer ids."""
    await customer.send(JOIN)
    me = (await _next(customer, "welcome"))["id"]
    await stylist.send(JOIN)
    staff = (await _next(stylist, "welcome"))["id"]
    await stylist.send(json.dumps({"type": "admit", "id": me}))
    await _next(customer, "admitted")
    await _next(stylist, "peer-joined")
    return me, staff


class TestSignaling:
    async def test_join_relay_media_and_bye_between_customer_and_stylist(
        self, server: Server, world: dict
    ) -> None:
        async with (
            _open(server, world["soon"], world["customer"]) as customer,
            _open(server, world["soon"], world["stylist"]) as stylist,
        ):  # type: ignore[attr-defined]
            await customer.send(JOIN)
            welcome = await _next(customer, "welcome")
            assert welcome["peers"] == [] and welcome["id"] == f"u{world['customer'].user.id}"
            assert welcome["admitted"] is False  # the customer waits in the lobby
            assert welcome["version"] == 1 and welcome["role"] == "customer"
            assert welcome["keepalive"] == {"interval_seconds": 20.0, "timeout_seconds": 60.0}
            assert welcome["closes_at"].endswith("Z") or "+00:00" in welcome["closes_at"]
            await customer.send(json.dumps({"type": "offer", "to": "u1", "sdp": "v=0 early"}))
            assert (await _next(customer, "error"))["code"] == "not_admitted"
            await stylist.send(JOIN)
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
            assert await _closed(customer) == (1000, "bye")

    async def test_nothing_is_relayed_before_join(self, server: Server, world: dict) -> None:
        async with _open(server, world["soon"], world["manager"]) as manager:  # type: ignore[attr-defined]
            await manager.send(json.dumps({"type": "offer", "to": "u1", "sdp": "v=0"}))
            assert (await _next(manager, "error"))["code"] == "join_first"
            await manager.send(json.dumps({"type": "ping"}))
            await _next(manager, "pong")  # keepalive works before join too
            await manager.send(JOIN)
            assert (await _next(manager, "welcome"))["id"] == f"u{world['manager'].user.id}"
            await manager.send(JOIN)
            assert (await _next(manager, "error"))["code"] == "already_joined"


class TestStrictMessages:
    async def test_wrong_types_are_refused_with_a_code_and_never_relayed(
        self, server: Server, world: dict
    ) -> None:
        async with (
            _open(server, world["soon"], world["customer"]) as customer,
            _open(server, world["soon"], world["stylist"]) as stylist,
        ):  # type: ignore[attr-defined]
            await _in_call(server, world, customer, stylist)
            await customer.send(json.dumps({"type": "media", "muted": "yes"}))
            error = await _next(customer, "error")
            assert error["code"] == "wrong_type" and error["field"] == "muted"
            assert error["in_reply_to"] == "media"
            await customer.send(json.dumps({"type": "media", "camera_off": True}))
            media = await _next(stylist, "media")  # the refused frame never arrived first
            assert media["camera_off"] is True and media["muted"] is False

    async def test_an_unknown_version_is_refused_and_closed_with_4003(
        self, server: Server, world: dict
    ) -> None:
        async with _open(server, world["soon"], world["customer"]) as customer:  # type: ignore[attr-defined]
            await customer.send(json.dumps({"type": "join", "version": 2}))
            error = await _next(customer, "error")
            assert error["code"] == "unsupported_version"
            assert error["supported_versions"] == [1]
            assert await _closed(customer) == (4003, "unsupported protocol version")

    async def test_an_answer_before_any_offer_is_refused(self, server: Server, world: dict) -> None:
        async with (
            _open(server, world["soon"], world["customer"]) as customer,
            _open(server, world["soon"], world["stylist"]) as stylist,
        ):  # type: ignore[attr-defined]
            _me, staff = await _in_call(server, world, customer, stylist)
            await customer.send(json.dumps({"type": "answer", "to": staff, "sdp": "v=0 a"}))
            error = await _next(customer, "error")
            assert error["code"] == "no_offer" and error["in_reply_to"] == "answer"
            await customer.send(json.dumps({"type": "media", "muted": True}))
            assert (await _next(stylist, "media"))["muted"] is True  # and no answer before it


class TestConnectionsEnding:
    async def test_a_second_tab_replaces_the_first_with_close_code_4001(
        self, server: Server, world: dict
    ) -> None:
        async with (
            _open(server, world["soon"], world["stylist"]) as first,
            _open(server, world["soon"], world["stylist"]) as second,
        ):  # type: ignore[attr-defined]
            await first.send(JOIN)
            await _next(first, "welcome")
            await second.send(JOIN)
            await _next(second, "welcome")
            code, reason = await _closed(first)
            assert code == 4001 and reason and "replaced" in reason
            await second.send(json.dumps({"type": "ping"}))
            await _next(second, "pong")

    async def test_after_bye_the_customer_must_be_admitted_again(
        self, server: Server, world: dict
    ) -> None:
        async with _open(server, world["soon"], world["stylist"]) as stylist:  # type: ignore[attr-defined]
            async with _open(server, world["soon"], world["customer"]) as customer:  # type: ignore[attr-defined]
                me, _staff = await _in_call(server, world, customer, stylist)
                await customer.send(json.dumps({"type": "bye"}))
                await _next(stylist, "peer-left")
            async with _open(server, world["soon"], world["customer"]) as again:  # type: ignore[attr-defined]
                await again.send(JOIN)
                assert (await _next(again, "welcome"))["admitted"] is False
                assert (await _next(stylist, "waiting"))["peer"]["id"] == me

    async def test_a_dropped_connection_goes_straight_back_into_the_call(
        self, server: Server, world: dict
    ) -> None:
        async with _open(server, world["soon"], world["stylist"]) as stylist:  # type: ignore[attr-defined]
            async with _open(server, world["soon"], world["customer"]) as customer:  # type: ignore[attr-defined]
                await _in_call(server, world, customer, stylist)
            await _next(stylist, "peer-left")  # closed without bye: a network drop
            async with _open(server, world["soon"], world["customer"]) as again:  # type: ignore[attr-defined]
                await again.send(JOIN)
                assert (await _next(again, "welcome"))["admitted"] is True

    async def test_a_silent_client_is_closed_with_4008(
        self, server: Server, world: dict, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(server.app.state.settings, "call_keepalive_timeout_seconds", 0.5)
        async with _open(server, world["soon"], world["customer"]) as customer:  # type: ignore[attr-defined]
            await customer.send(JOIN)
            assert (await _next(customer, "welcome"))["keepalive"]["timeout_seconds"] == 0.5
            assert (await _closed(customer))[0] == 4008

    async def test_the_call_window_ending_mid_call_closes_with_4002(
        self, server: Server, world: dict, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(server.app.state.settings, "call_keepalive_interval_seconds", 0.2)
        async with (
            _open(server, world["soon"], world["customer"]) as customer,
            _open(server, world["soon"], world["stylist"]) as stylist,
        ):  # type: ignore[attr-defined]
            await _in_call(server, world, customer, stylist)
            # The session's time runs out (its end moved past the grace period).
            async with server.db.sessions() as session:
                appointment = await session.get(Appointment, world["soon"])
                assert appointment is not None
                appointment.ends_at = utcnow() - timedelta(minutes=31)
                appointment.starts_at = appointment.ends_at - timedelta(minutes=30)
                await session.commit()
            for ws in (customer, stylist):
                assert await _closed(ws) == (4002, "the call window has ended")

    async def test_a_cancelled_appointment_closes_the_call_with_4004(
        self, server: Server, world: dict, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(server.app.state.settings, "call_keepalive_interval_seconds", 0.2)
        async with _open(server, world["soon"], world["customer"]) as customer:  # type: ignore[attr-defined]
            await customer.send(JOIN)
            await _next(customer, "welcome")
            async with server.db.sessions() as session:
                appointment = await session.get(Appointment, world["soon"])
                assert appointment is not None
                appointment.status = AppointmentStatus.cancelled
                await session.commit()
            assert (await _closed(customer))[0] == 4004


class TestIceCredentials:
    async def test_fresh_turn_credentials_before_expiry_and_on_request(
        self, server: Server, world: dict, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        settings = server.app.state.settings
        monkeypatch.setattr(settings, "ice_turn_urls", ["turn:turn.example.jp:3478"])
        monkeypatch.setattr(settings, "turn_secret", "north-star")
        monkeypatch.setattr(settings, "turn_ttl_seconds", 3)
        async with _open(server, world["soon"], world["customer"]) as customer:  # type: ignore[attr-defined]
            await customer.send(JOIN)
            welcome = await _next(customer, "welcome")
            (turn,) = welcome["iceServers"]
            assert turn["username"] == f"{welcome['ice_expires_at']}:{world['customer'].user.id}"
            pushed = await _next(customer, "ice-servers")  # before the first ones lapse
            assert pushed["ice_expires_at"] > welcome["ice_expires_at"]
            assert _valid_turn(pushed["iceServers"][0], "north-star")
            await customer.send(json.dumps({"type": "refresh-ice"}))
            asked = await _next(customer, "ice-servers")
            assert asked["ice_expires_at"] >= pushed["ice_expires_at"]
            assert _valid_turn(asked["iceServers"][0], "north-star")


def _valid_turn(server: dict, secret: str) -> bool:
    digest = hmac.new(secret.encode(), server["username"].encode(), hashlib.sha1).digest()
    return server["credential"] == base64.b64encode(digest).decode()

"""Booking over the API: slots, booking with idempotency, auto-assignment, changes and emails."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import httpx
from sqlmodel.ext.asyncio.session import AsyncSession

from app.booking.models import Appointment
from tests.conftest import mail_text, read_outbox
from tests.factories import (
    api_headers,
    login,
    make_customer,
    make_manager,
    make_service,
    make_shift,
    make_store,
    make_stylist,
    tomorrow_at,
)


def mails_to(outbox: Path, address: str) -> list[EmailMessage]:
    """The messages sent to one address (staff are emailed too), oldest first."""
    return [m for m in read_outbox(outbox) if m["To"] == address]


async def _setup(session: AsyncSession, stylists: int = 1, **service_overrides: object) -> dict:
    store = await make_store(session)
    staff = [await make_stylist(session, store, family_name=f"田中{i}") for i in range(stylists)]
    service = await make_service(session, store, **service_overrides)
    for person in staff:
        await make_shift(session, person, store, tomorrow_at(10), hours=4)
    return {"store": store, "staff": staff, "service": service}


async def _book(
    client: httpx.AsyncClient, service_id: int, start: object, **extra: object
) -> httpx.Response:
    headers = {**await api_headers(client), **extra.pop("headers", {})}  # type: ignore[dict-item]
    body = {"service_id": service_id, "start": start.isoformat(), **extra}  # type: ignore[attr-defined]
    return await client.post("/api/v1/appointments", json=body, headers=headers)


class TestSlots:
    async def test_slots_come_from_approved_shifts_in_the_stores_zone(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        world = await _setup(session, stylists=2)
        start = tomorrow_at(0)
        params = {
            "store_id": world["store"].id,
            "service_id": world["service"].id,
            "start": start.isoformat(),
            "end": (start + timedelta(days=1)).isoformat(),
        }
        body = (await client.get("/api/v1/slots", params=params)).json()
        assert body["time_zone"] == "Asia/Tokyo"
        assert body["count"] == 8  # 10:00–14:00 in 30-minute sessions
        assert sorted(body["data"][0]["staff_ids"]) == sorted(s.id for s in world["staff"])

    async def test_bad_ranges_say_what_to_fix(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        world = await _setup(session)
        base = {"store_id": world["store"].id, "service_id": world["service"].id}
        start = tomorrow_at(0)
        cases = [
            (
                {"start": start.isoformat(), "end": (start - timedelta(hours=1)).isoformat()},
                422,
                "end",
            ),
            ({"start": "yesterday", "end": start.isoformat()}, 422, "start"),
            ({"start": "2026-11-24T10:00:00", "end": "2026-11-25T10:00:00"}, 422, "start"),
            (
                {"start": start.isoformat(), "end": (start + timedelta(days=90)).isoformat()},
                422,
                "end",
            ),
        ]
        for params, status, field in cases:
            response = await client.get("/api/v1/slots", params={**base, **params})
            assert response.status_code == status, params
            assert field in response.text
        unknown = await client.get(
            "/api/v1/slots",
            params={
                **base,
                "service_id": 99999,
                "start": start.isoformat(),
                "end": (start + timedelta(days=1)).isoformat(),
            },
        )
        assert unknown.status_code == 404


class TestBooking:
    async def test_book_then_retry_with_the_same_key_returns_the_same_appointment(
        self, client: httpx.AsyncClient, session: AsyncSession, outbox_dir: Path
    ) -> None:
        world = await _setup(session)
        customer = await make_customer(session, locale="en")
        await login(client, customer.email)
        key = {"Idempotency-Key": "booking-123"}
        first = await _book(
            client,
            world["service"].id,
            tomorrow_at(11),
            headers=key,
            topic="紺のスカートを活かしたい",
        )
        assert first.status_code == 201, first.text
        again = await _book(
            client,
            world["service"].id,
            tomorrow_at(11),
            headers=key,
            topic="紺のスカートを活かしたい",
        )
        assert again.status_code == 201
        assert again.json()["id"] == first.json()["id"]
        assert again.headers["Idempotent-Replayed"] == "true"
        # The same key for another request is a client bug: say so instead of replaying.
        for changed in ({"topic": "別の相談"}, {"start": tomorrow_at(13)}):
            body = {"topic": "紺のスカートを活かしたい", **changed}
            start = body.pop("start", tomorrow_at(11))
            other = await _book(client, world["service"].id, start, headers=key, **body)
            assert other.status_code == 422, other.text
            assert other.json()["error"] == "idempotency_key_reused"
            assert "Idempotency-Key" in other.json()["detail"]
        [mail] = mails_to(outbox_dir, customer.email)  # one booking, one email
        assert "Your styling session is booked" in mail["Subject"]
        [ics] = list(mail.iter_attachments())
        assert ics.get_filename() == f"closetcall-{first.json()['id']}.ics"
        assert ics.get_content_type() == "text/calendar" and ics.get_content_charset() == "utf-8"
        assert "田中0" in ics.get_content().replace("\r\n ", "")  # readable Japanese, not mojibake
        text = mail_text(mail)
        assert "田中0" in text and f"/appointments/{first.json()['id']}" in text

    async def test_a_taken_slot_is_409_and_a_slot_never_offered_is_422(
        self, app: object, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        world = await _setup(session)
        first, second = await make_customer(session), await make_customer(session, locale="en")
        await login(client, first.email)
        assert (await _book(client, world["service"].id, tomorrow_at(11))).status_code == 201
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:
            await login(other, second.email)
            taken = await _book(
                other, world["service"].id, tomorrow_at(11), headers={"Accept-Language": "en"}
            )
            assert taken.status_code == 409
            assert taken.json()["error"] == "slot_taken" and "just taken" in taken.json()["detail"]
            off_grid = await _book(
                other, world["service"].id, tomorrow_at(11) + timedelta(minutes=7)
            )
            assert off_grid.status_code == 422 and off_grid.json()["error"] == "slot_not_offered"
            night = await _book(other, world["service"].id, tomorrow_at(22))
            assert night.status_code == 422

    async def test_bad_booking_input_gets_a_4xx_that_says_what_to_fix(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        world = await _setup(session)
        customer = await make_customer(session)
        await login(client, customer.email)
        past = await _book(client, world["service"].id, tomorrow_at(11) - timedelta(days=3))
        assert past.status_code == 422 and past.json()["field"] == "start"
        long_topic = await _book(client, world["service"].id, tomorrow_at(11), topic="あ" * 1001)
        assert long_topic.status_code == 422 and long_topic.json()["fields"][0]["field"] == "topic"
        naive = await client.post(
            "/api/v1/appointments",
            json={"service_id": world["service"].id, "start": "2026-11-24T10:00:00"},
            headers=await api_headers(client),
        )
        assert naive.status_code == 422 and "offset" in naive.text
        unknown = await _book(client, 99999, tomorrow_at(11))
        assert unknown.status_code == 404
        assert (await client.get("/api/v1/appointments")).json()["count"] == 0

    async def test_staff_cannot_book_as_customers(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        world = await _setup(session)
        await login(client, world["staff"][0].email)
        assert (await _book(client, world["service"].id, tomorrow_at(11))).status_code == 403


class TestAutoAssignment:
    async def test_the_previous_stylist_first_then_the_least_busy(
        self, app: object, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        world = await _setup(session, stylists=2)
        a, b = world["staff"]
        regular = await make_customer(session)
        await login(client, regular.email)
        first = (await _book(client, world["service"].id, tomorrow_at(10), staff_id=b.id)).json()
        assert first["staff_id"] == b.id
        # Next time, b is busier that day, but the regular gets b again.
        second = (await _book(client, world["service"].id, tomorrow_at(12))).json()
        assert second["staff_id"] == b.id
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver"
        ) as newcomer_client:
            newcomer = await make_customer(session)
            await login(newcomer_client, newcomer.email)
            third = (await _book(newcomer_client, world["service"].id, tomorrow_at(13))).json()
        assert third["staff_id"] == a.id  # a has no appointments that day


class TestChanges:
    async def test_reschedule_keeps_the_stylist_and_sends_a_new_calendar_version(
        self, client: httpx.AsyncClient, session: AsyncSession, outbox_dir: Path
    ) -> None:
        # No notice period: tomorrow 10:00 is less than the default 24 h away from 10:00 JST on,
        # and that rule has its own test below.
        world = await _setup(session, stylists=2, cancellation_notice_hours=0)
        customer = await make_customer(session, locale="en")
        await login(client, customer.email)
        booked = (
            await _book(client, world["service"].id, tomorrow_at(10), staff_id=world["staff"][1].id)
        ).json()
        moved = await client.post(
            f"/api/v1/appointments/{booked['id']}/reschedule",
            json={"start": tomorrow_at(13).isoformat()},
            headers=await api_headers(client),
        )
        assert moved.status_code == 200
        assert moved.json()["staff_id"] == world["staff"][1].id
        _confirmation, change = mails_to(outbox_dir, customer.email)
        assert "has moved" in change["Subject"]
        ics = next(change.iter_attachments()).get_content()
        ics = ics.decode() if isinstance(ics, bytes) else ics
        assert "SEQUENCE:1" in ics and "METHOD:REQUEST" in ics

    async def test_customers_cancel_until_the_notice_period_staff_with_a_reason(
        self, app: object, client: httpx.AsyncClient, session: AsyncSession, outbox_dir: Path
    ) -> None:
        world = await _setup(session, cancellation_notice_hours=48)
        customer = await make_customer(session, locale="en")
        await login(client, customer.email)
        booked = (await _book(client, world["service"].id, tomorrow_at(10))).json()
        late = await client.post(
            f"/api/v1/appointments/{booked['id']}/cancel",
            json={},
            headers={**await api_headers(client), "Accept-Language": "en"},
        )
        assert late.status_code == 409 and "48 hours" in late.json()["detail"]
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as stylist:
            await login(stylist, world["staff"][0].email)
            no_reason = await stylist.post(
                f"/api/v1/appointments/{booked['id']}/cancel",
                json={},
                headers=await api_headers(stylist),
            )
            assert no_reason.status_code == 422 and no_reason.json()["field"] == "reason"
            done = await stylist.post(
                f"/api/v1/appointments/{booked['id']}/cancel",
                json={"reason": "体調不良"},
                headers=await api_headers(stylist),
            )
            assert done.status_code == 200 and done.json()["status"] == "cancelled"
        cancelled = mails_to(outbox_dir, customer.email)[-1]
        assert "is cancelled" in cancelled["Subject"] and "体調不良" in mail_text(cancelled)
        ics = next(cancelled.iter_attachments()).get_content()
        assert "METHOD:CANCEL" in (ics.decode() if isinstance(ics, bytes) else ics)

    async def test_a_manager_hands_an_appointment_to_a_free_colleague(
        self, app: object, client: httpx.AsyncClient, session: AsyncSession, outbox_dir: Path
    ) -> None:
        world = await _setup(session, stylists=2)
        manager = await make_manager(session, world["store"])
        customer = await make_customer(session, locale="en")
        await login(client, customer.email)
        booked = (
            await _book(client, world["service"].id, tomorrow_at(10), staff_id=world["staff"][0].id)
        ).json()
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as boss:
            await login(boss, manager.email)
            moved = await boss.post(
                f"/api/v1/appointments/{booked['id']}/handoff",
                json={"staff_id": world["staff"][1].id},
                headers=await api_headers(boss),
            )
            assert moved.status_code == 200 and moved.json()["staff_id"] == world["staff"][1].id
            outsider = await make_stylist(session, await make_store(session))
            refused = await boss.post(
                f"/api/v1/appointments/{booked['id']}/handoff",
                json={"staff_id": outsider.id},
                headers=await api_headers(boss),
            )
            assert refused.status_code == 422
        told = mails_to(outbox_dir, customer.email)[-1]
        assert "stylist has changed" in told["Subject"] and "田中1" in mail_text(told)

    async def test_only_participants_see_an_appointment_and_its_calendar_file(
        self, app: object, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        world = await _setup(session)
        customer = await make_customer(session)
        await login(client, customer.email)
        booked = (await _book(client, world["service"].id, tomorrow_at(10))).json()
        ics = await client.get(f"/api/v1/appointments/{booked['id']}.ics")
        assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
        assert "BEGIN:VEVENT" in ics.text
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as stranger:
            await login(stranger, (await make_customer(session)).email)
            assert (await stranger.get(f"/api/v1/appointments/{booked['id']}")).status_code == 404
            assert (
                await stranger.get(f"/api/v1/appointments/{booked['id']}.ics")
            ).status_code == 404

    async def test_a_session_is_marked_only_after_it_starts(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        world = await _setup(session)
        customer = await make_customer(session)
        await login(client, customer.email)
        booked = (await _book(client, world["service"].id, tomorrow_at(10))).json()
        await login(client, world["staff"][0].email)
        early = await client.post(
            f"/api/v1/appointments/{booked['id']}/complete", headers=await api_headers(client)
        )
        assert early.status_code == 409
        appointment = await session.get(Appointment, booked["id"])
        assert appointment is not None and appointment.status == "booked"


class TestWaitlist:
    async def test_a_full_day_takes_a_waitlist_and_a_freed_slot_emails_it(
        self, app: object, client: httpx.AsyncClient, session: AsyncSession, outbox_dir: Path
    ) -> None:
        store = await make_store(session)
        stylist = await make_stylist(session, store)
        service = await make_service(session, store, cancellation_notice_hours=0)
        await make_shift(session, stylist, store, tomorrow_at(10), hours=0.5)
        early, late = await make_customer(session), await make_customer(session, locale="en")
        await login(client, early.email)
        booked = (await _book(client, service.id, tomorrow_at(10))).json()
        day = (
            tomorrow_at(10)
            .astimezone(__import__("zoneinfo").ZoneInfo("Asia/Tokyo"))
            .date()
            .isoformat()
        )
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as waiting:
            await login(waiting, late.email)
            joined = await waiting.post(
                "/api/v1/waitlist",
                json={"service_id": service.id, "on_date": day},
                headers=await api_headers(waiting),
            )
            assert joined.status_code == 201
            twice = await waiting.post(
                "/api/v1/waitlist",
                json={"service_id": service.id, "on_date": day},
                headers=await api_headers(waiting),
            )
            assert twice.status_code == 409
        cancel = await client.post(
            f"/api/v1/appointments/{booked['id']}/cancel",
            json={},
            headers=await api_headers(client),
        )
        assert cancel.status_code == 200
        offer = mails_to(outbox_dir, late.email)[-1]
        assert offer["To"] == late.email and "has opened up" in offer["Subject"]
        assert f"/book/{service.id}?day={day}" in mail_text(offer)

    async def test_a_day_with_free_times_has_no_waitlist(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        world = await _setup(session)
        await login(client, (await make_customer(session)).email)
        day = (
            tomorrow_at(10)
            .astimezone(__import__("zoneinfo").ZoneInfo("Asia/Tokyo"))
            .date()
            .isoformat()
        )
        response = await client.post(
            "/api/v1/waitlist",
            json={"service_id": world["service"].id, "on_date": day},
            headers=await api_headers(client),
        )
        assert response.status_code == 409

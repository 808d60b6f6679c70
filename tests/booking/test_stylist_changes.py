"""Issue 12, booking and roster over HTTP: no silent stylist change, waitlists per stylist, staff
notices and emails, hand-off candidates, the service form round trip, pickup codes, zone names."""

from __future__ import annotations

import re
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import httpx
from sqlalchemy import inspect as sa_inspect
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.booking.models import Appointment, Service, WaitlistEntry
from app.core.i18n import zone_name
from app.notices.models import Notice
from app.wardrobe.lookbooks import codes
from tests.conftest import mail_text, read_outbox
from tests.factories import (
    api_headers,
    csrf_of,
    login,
    make_appointment,
    make_customer,
    make_manager,
    make_service,
    make_shift,
    make_store,
    make_stylist,
    tomorrow_at,
)


def mails_to(outbox: Path, address: str) -> list[EmailMessage]:
    return [m for m in read_outbox(outbox) if m["To"] == address]


async def _two_stylists(session: AsyncSession, **service: object) -> dict:
    """愛子 works 10:00–12:00 tomorrow; 翔太 works 10:00–14:00."""
    store = await make_store(session)
    aiko = await make_stylist(session, store, family_name="田中", given_name="愛子")
    shota = await make_stylist(session, store, family_name="高橋", given_name="翔太")
    svc = await make_service(session, store, cancellation_notice_hours=0, **service)
    await make_shift(session, aiko, store, tomorrow_at(10), hours=2)
    await make_shift(session, shota, store, tomorrow_at(10), hours=4)
    return {"store": store, "aiko": aiko, "shota": shota, "service": svc}


async def _book(client: httpx.AsyncClient, service_id: int, start: object, **extra: object) -> dict:
    body = {"service_id": service_id, "start": start.isoformat(), **extra}  # type: ignore[attr-defined]
    response = await client.post(
        "/api/v1/appointments", json=body, headers=await api_headers(client)
    )
    assert response.status_code == 201, response.text
    return response.json()


class TestRescheduleNeverChangesTheStylistUnasked:
    async def test_a_move_to_a_time_she_does_not_work_is_refused_unless_the_change_is_explicit(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        world = await _two_stylists(session)
        customer = await make_customer(session)
        await login(client, customer.email)
        booked = await _book(
            client, world["service"].id, tomorrow_at(10), staff_id=world["aiko"].id
        )
        url = f"/api/v1/appointments/{booked['id']}/reschedule"
        later = tomorrow_at(13).isoformat()  # only 翔太 works then

        silent = await client.post(url, json={"start": later}, headers=await api_headers(client))
        assert silent.status_code == 409, silent.text
        assert silent.json()["error"] == "stylist_would_change"
        assert str(world["shota"].id) in silent.json()["detail"]
        unchanged = await session.get(Appointment, booked["id"])
        await session.refresh(unchanged)
        assert unchanged.staff_id == world["aiko"].id and unchanged.starts_at == tomorrow_at(10)

        explicit = await client.post(
            url, json={"start": later, "staff_id": world["shota"].id},
            headers=await api_headers(client),
        )  # fmt: skip
        assert explicit.status_code == 200, explicit.text
        assert explicit.json()["staff_id"] == world["shota"].id

    async def test_the_same_stylist_is_kept_and_a_named_busy_stylist_is_refused(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        world = await _two_stylists(session)
        customer = await make_customer(session)
        await login(client, customer.email)
        booked = await _book(
            client, world["service"].id, tomorrow_at(10), staff_id=world["aiko"].id
        )
        url = f"/api/v1/appointments/{booked['id']}/reschedule"
        moved = await client.post(
            url, json={"start": tomorrow_at(11).isoformat()}, headers=await api_headers(client)
        )
        assert moved.status_code == 200 and moved.json()["staff_id"] == world["aiko"].id
        not_working = await client.post(
            url,
            json={"start": tomorrow_at(13).isoformat(), "staff_id": world["aiko"].id},
            headers=await api_headers(client),
        )
        assert not_working.status_code == 422 and not_working.json()["field"] == "staff_id"
        anyone = await client.post(
            url,
            json={"start": tomorrow_at(13).isoformat(), "allow_other_stylist": True},
            headers=await api_headers(client),
        )
        assert anyone.status_code == 200 and anyone.json()["staff_id"] == world["shota"].id

    async def test_the_page_confirms_naming_the_stylist_who_would_take_over(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        world = await _two_stylists(session)
        customer = await make_customer(session)
        await login(client, customer.email)
        booked = await _book(
            client, world["service"].id, tomorrow_at(10), staff_id=world["aiko"].id
        )
        own = await client.get(f"/appointments/{booked['id']}/reschedule")
        # Her own stylist's times only: 10:00–12:00, so no 13:00 slot.
        assert "reschedule/confirm" in own.text and "T13%3A00" not in own.text
        others = await client.get(f"/appointments/{booked['id']}/reschedule?others=1")
        assert "T13%3A00" in others.text and "高橋 翔太" in others.text
        start = tomorrow_at(13).isoformat()
        confirm = await client.get(
            f"/appointments/{booked['id']}/reschedule/confirm",
            params={"start": start, "staff_id": world["shota"].id},
        )
        assert confirm.status_code == 200
        assert "田中 愛子 is not free at this time. 高橋 翔太 would take over" in confirm.text
        token = await csrf_of(client, f"/appointments/{booked['id']}")
        done = await client.post(
            f"/appointments/{booked['id']}/reschedule",
            data={"csrf_token": token, "start": start, "staff_id": str(world["shota"].id)},
        )
        assert done.status_code == 303
        moved = await session.get(Appointment, booked["id"])
        await session.refresh(moved)
        assert moved.staff_id == world["shota"].id


class TestWaitlistWithAChosenStylist:
    async def test_a_full_day_of_hers_takes_the_waitlist_and_her_day_off_does_not(
        self, app: object, client: httpx.AsyncClient, session: AsyncSession, outbox_dir: Path
    ) -> None:
        world = await _two_stylists(session)
        first, waiting = await make_customer(session), await make_customer(session)
        await login(client, first.email)
        day = tomorrow_at(10).astimezone(__import__("zoneinfo").ZoneInfo("Asia/Tokyo")).date()
        taken = [
            await _book(client, world["service"].id, tomorrow_at(10) + timedelta(minutes=m),
                        staff_id=world["aiko"].id)
            for m in (0, 30, 60, 90)
        ]  # fmt: skip
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:
            await login(other, waiting.email)
            page = await other.get(
                f"/book/{world['service'].id}?staff_id={world['aiko'].id}&day={day.isoformat()}"
            )
            assert "Join the waitlist for 田中 愛子 on this day" in page.text
            off_day = (day + timedelta(days=1)).isoformat()
            off = await other.get(
                f"/book/{world['service'].id}?staff_id={world['aiko'].id}&day={off_day}"
            )
            assert "does not work on this day" in off.text and "waitlist" not in off.text
            joined = await other.post(
                "/api/v1/waitlist",
                json={"service_id": world["service"].id, "on_date": day.isoformat(),
                      "staff_id": world["aiko"].id},
                headers=await api_headers(other),
            )  # fmt: skip
            assert joined.status_code == 201, joined.text
            assert joined.json()["staff_id"] == world["aiko"].id
            refused = await other.post(
                "/api/v1/waitlist",
                json={"service_id": world["service"].id, "on_date": off_day,
                      "staff_id": world["aiko"].id},
                headers=await api_headers(other),
            )  # fmt: skip
            assert refused.status_code == 409 and "No sessions" in refused.json()["detail"]
        [entry] = (await session.exec(select(WaitlistEntry))).all()
        assert entry.staff_id == world["aiko"].id
        # A time freed with 翔太 is not offered to someone waiting for 愛子 …
        other_booking = await _book(
            client, world["service"].id, tomorrow_at(13), staff_id=world["shota"].id
        )
        await client.post(
            f"/api/v1/appointments/{other_booking['id']}/cancel", json={},
            headers=await api_headers(client),
        )  # fmt: skip
        assert mails_to(outbox_dir, waiting.email) == []
        # … one freed with 愛子 is.
        await client.post(
            f"/api/v1/appointments/{taken[0]['id']}/cancel", json={},
            headers=await api_headers(client),
        )  # fmt: skip
        [offer] = mails_to(outbox_dir, waiting.email)
        assert f"staff_id={world['aiko'].id}" in mail_text(offer)


class TestStaffAreTold:
    async def test_booking_change_cancel_and_hand_off_reach_the_stylists(
        self, app: object, client: httpx.AsyncClient, session: AsyncSession, outbox_dir: Path
    ) -> None:
        world = await _two_stylists(session)
        aiko, shota = world["aiko"], world["shota"]
        manager = await make_manager(session, world["store"])
        customer = await make_customer(session, family_name="佐藤", given_name="由紀")
        await login(client, customer.email)
        booked = await _book(client, world["service"].id, tomorrow_at(10), staff_id=aiko.id)
        [new] = mails_to(outbox_dir, aiko.email)
        assert "New booking: 佐藤 由紀" in new["Subject"] and "(Japan Time)" in mail_text(new)
        await client.post(
            f"/api/v1/appointments/{booked['id']}/reschedule",
            json={"start": tomorrow_at(11).isoformat()}, headers=await api_headers(client),
        )  # fmt: skip
        assert "Moved: 佐藤 由紀's session" in mails_to(outbox_dir, aiko.email)[-1]["Subject"]
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as boss:
            await login(boss, manager.email)
            handed = await boss.post(
                f"/api/v1/appointments/{booked['id']}/handoff",
                json={"staff_id": shota.id}, headers=await api_headers(boss),
            )  # fmt: skip
            assert handed.status_code == 200, handed.text
        assert "Handed to 高橋 翔太" in mails_to(outbox_dir, aiko.email)[-1]["Subject"]
        assert "Now yours" in mails_to(outbox_dir, shota.email)[-1]["Subject"]
        await client.post(
            f"/api/v1/appointments/{booked['id']}/cancel", json={},
            headers=await api_headers(client),
        )  # fmt: skip
        assert "Cancelled" in mails_to(outbox_dir, shota.email)[-1]["Subject"]
        notices = (await session.exec(select(Notice).order_by(Notice.id))).all()
        assert [(n.user_id, n.kind) for n in notices] == [
            (aiko.id, "booked"),
            (aiko.id, "rescheduled"),
            (shota.id, "handed_to"),
            (aiko.id, "handed_from"),
            (shota.id, "cancelled"),
        ]
        assert notices[0].text_ja.startswith("新しい予約：佐藤 由紀様")
        # The stylist's home shows them with an unread count, and marks them read.
        await login(client, aiko.email)
        home = await client.get("/stylist")
        assert "3 unread" in home.text and "Handed to 高橋 翔太" in home.text
        token = await csrf_of(client, "/stylist")
        await client.post("/notices/read", data={"csrf_token": token, "next": "/stylist"})
        assert " unread<" not in (await client.get("/stylist")).text

    async def test_managers_hear_of_shift_requests(
        self, client: httpx.AsyncClient, session: AsyncSession, outbox_dir: Path
    ) -> None:
        store = await make_store(session)
        stylist = await make_stylist(session, store, family_name="田中", given_name="愛子")
        manager = await make_manager(session, store)
        await login(client, stylist.email)
        day = (tomorrow_at(10, days=20)).astimezone(__import__("zoneinfo").ZoneInfo("Asia/Tokyo"))
        offered = await client.post(
            "/api/v1/shift-requests",
            json={"on_date": day.date().isoformat(), "starts": "10:00", "ends": "14:00"},
            headers=await api_headers(client),
        )
        assert offered.status_code == 201, offered.text
        [mail] = mails_to(outbox_dir, manager.email)
        assert "Shift request from 田中 愛子" in mail["Subject"]
        [notice] = (await session.exec(select(Notice).where(Notice.user_id == manager.id))).all()
        assert notice.kind == "shift_request" and "week=" in notice.link
        # The roster's landing (this week) lists the request three weeks ahead.
        await login(client, manager.email)
        roster = await client.get("/manager/roster")
        assert "Shift requests waiting for you" in roster.text and "10:00–14:00" in roster.text


class TestHandOffCandidates:
    async def test_only_colleagues_free_and_on_shift_are_offered(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        world = await _two_stylists(session)
        store = world["store"]
        busy = await make_stylist(session, store, family_name="鈴木", given_name="忙")
        await make_stylist(session, store, family_name="伊藤", given_name="休")  # no shift
        await make_shift(session, busy, store, tomorrow_at(10), hours=4)
        customer = await make_customer(session)
        await make_appointment(
            session, customer=customer, stylist=busy, service=world["service"],
            start=tomorrow_at(10),
        )  # fmt: skip
        mine = await make_appointment(
            session, customer=customer, stylist=world["aiko"], service=world["service"],
            start=tomorrow_at(10),
        )  # fmt: skip
        manager = await make_manager(session, store)
        await login(client, manager.email)
        page = await client.get(f"/appointments/{mine.id}")
        options = re.findall(r'<option value="(\d+)">([^<]+)</option>', page.text)
        assert options == [(str(world["shota"].id), "高橋 翔太")]


class TestServiceForm:
    async def test_saving_a_service_unchanged_changes_nothing(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        store = await make_store(session)
        manager = await make_manager(session, store)
        service = await make_service(
            session, store, step_min=30, buffer_after_min=5, price_yen=5500,
            description_ja="紺の服を活かす相談", description_en="Make more of navy",
            required_skills=["womenswear"], min_notice_min=90, horizon_days=45,
        )  # fmt: skip
        columns = [c.key for c in sa_inspect(Service).mapper.column_attrs]
        before = {c: getattr(service, c) for c in columns}
        await login(client, manager.email)
        page = (await client.get("/manager/services")).text
        form = page[page.index(f'name="service_id" value="{service.id}"') :]
        form = form[: form.index("</form>")]
        data: list[tuple[str, str]] = [
            ("csrf_token", re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)),  # type: ignore[union-attr]
            ("service_id", str(service.id)),
        ]
        for tag in re.finditer(r"<input [^>]*>|<textarea [^>]*>[^<]*</textarea>", form):
            text = tag.group(0)
            name = re.search(r'name="([^"]+)"', text)
            if not name or name.group(1) in ("csrf_token", "service_id"):
                continue
            if 'type="checkbox"' in text:
                if " checked" in text:
                    data.append(
                        (
                            name.group(1),
                            re.search(r'value="([^"]*)"', text).group(1)
                            if 'value="' in text
                            else "on",
                        )
                    )  # type: ignore[union-attr]
                continue
            if text.startswith("<textarea"):
                data.append((name.group(1), re.sub(r"<[^>]+>", "", text)))
            else:
                data.append((name.group(1), re.search(r'value="([^"]*)"', text).group(1)))  # type: ignore[union-attr]
        fields: dict[str, list[str]] = {}
        for key, value in data:
            fields.setdefault(key, []).append(value)
        saved = await client.post(f"/manager/services/{store.id}", data=fields)
        assert saved.status_code == 303, saved.text[:500]
        await session.refresh(service)
        assert {c: getattr(service, c) for c in columns} == before


class TestPickupCodesAndZones:
    def test_pickup_codes_are_short_random_and_unambiguous(self) -> None:
        made = {codes.new_code() for _ in range(500)}
        assert len(made) == 500  # no repeats in 500 draws of ~887 million
        assert all(re.fullmatch(r"[2-9A-HJKMNP-Z]{6}", c) for c in made)
        assert not any(c.isdigit() and int(c) < 1000 for c in made)

    def test_zone_names_in_the_ui_language(self) -> None:
        assert zone_name("Asia/Tokyo", "ja") == "日本時間"
        assert zone_name("Asia/Tokyo", "en") == "Japan Time"
        assert zone_name("Not/AZone", "en") == "Not/AZone"

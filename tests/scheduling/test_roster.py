"""The roster: requests and approvals, overlaps, templates across DST, edits that would strand bookings."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.scheduling.models import Shift
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


def _local_day(days: int = 3) -> str:
    return (tomorrow_at(0, days=days).astimezone(ZoneInfo("Asia/Tokyo"))).date().isoformat()


async def _slots(client: httpx.AsyncClient, store_id: int, service_id: int, day: str) -> int:
    start = f"{day}T00:00:00+09:00"
    end = f"{day}T23:59:00+09:00"
    response = await client.get(
        "/api/v1/slots",
        params={"store_id": store_id, "service_id": service_id, "start": start, "end": end},
    )
    return response.json()["count"]


class TestRequests:
    async def test_a_requested_shift_produces_slots_only_once_approved(
        self, app: object, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        store = await make_store(session)
        stylist = await make_stylist(session, store)
        manager = await make_manager(session, store)
        service = await make_service(session, store)
        await login(client, stylist.email)
        day = _local_day()
        requested = await client.post(
            "/api/v1/shift-requests",
            json={"on_date": day, "starts": "19:00", "ends": "22:00"},
            headers=await api_headers(client),
        )
        assert requested.status_code == 201 and requested.json()["status"] == "requested"
        assert await _slots(client, store.id, service.id, day) == 0
        clash = await client.post(
            "/api/v1/shift-requests",
            json={"on_date": day, "starts": "21:00", "ends": "23:00"},
            headers={**await api_headers(client), "Accept-Language": "en"},
        )
        assert clash.status_code == 409 and clash.json()["error"] == "shift_overlap"
        assert "overlaps another shift" in clash.json()["detail"]
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as boss:
            await login(boss, manager.email)
            approved = await boss.post(
                f"/api/v1/shifts/{requested.json()['id']}/approve", headers=await api_headers(boss)
            )
            assert approved.status_code == 200 and approved.json()["status"] == "approved"
            again = await boss.post(
                f"/api/v1/shifts/{requested.json()['id']}/approve", headers=await api_headers(boss)
            )
            assert again.status_code == 409
        assert (
            await _slots(client, store.id, service.id, day) == 6
        )  # 19:00–22:00, 30-minute sessions

    async def test_a_declined_request_never_produces_slots(
        self, app: object, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        store = await make_store(session)
        stylist, manager = await make_stylist(session, store), await make_manager(session, store)
        service = await make_service(session, store)
        await login(client, stylist.email)
        day = _local_day()
        shift = (
            await client.post(
                "/api/v1/shift-requests",
                json={"on_date": day, "starts": "10:00", "ends": "12:00"},
                headers=await api_headers(client),
            )
        ).json()
        await login(client, manager.email)
        assert (
            await client.post(
                f"/api/v1/shifts/{shift['id']}/decline", headers=await api_headers(client)
            )
        ).status_code == 200
        assert await _slots(client, store.id, service.id, day) == 0

    async def test_managers_of_other_stores_cannot_decide(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        store, elsewhere = await make_store(session), await make_store(session)
        stylist = await make_stylist(session, store)
        shift = await make_shift(
            session, stylist, store, tomorrow_at(10, days=3), status="requested"
        )
        await login(client, (await make_manager(session, elsewhere)).email)
        response = await client.post(
            f"/api/v1/shifts/{shift.id}/approve", headers=await api_headers(client)
        )
        assert response.status_code == 403

    async def test_bad_shift_input_says_what_to_fix(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        store = await make_store(session)
        await login(client, (await make_stylist(session, store)).email)
        cases = [
            ({"on_date": _local_day(), "starts": "10:00", "ends": "10:00"}, "end time"),
            (
                {
                    "on_date": _local_day(),
                    "starts": "10:00",
                    "ends": "12:00",
                    "break_starts": "11:00",
                },
                "break",
            ),
            (
                {
                    "on_date": _local_day(),
                    "starts": "10:00",
                    "ends": "12:00",
                    "break_starts": "13:00",
                    "break_ends": "13:30",
                },
                "inside the shift",
            ),
            ({"on_date": "2020-01-01", "starts": "10:00", "ends": "12:00"}, "future"),
            ({"on_date": "not-a-date", "starts": "10:00", "ends": "12:00"}, "on_date"),
        ]
        for body, hint in cases:
            response = await client.post(
                "/api/v1/shift-requests",
                json=body,
                headers={**await api_headers(client), "Accept-Language": "en"},
            )
            assert 400 <= response.status_code < 500, body
            assert hint in response.text, (body, response.text)


class TestEdits:
    async def test_a_shift_cannot_shrink_from_under_a_booking_but_can_around_it(
        self, app: object, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        store = await make_store(session)
        stylist, manager = await make_stylist(session, store), await make_manager(session, store)
        service = await make_service(session, store)
        shift = await make_shift(session, stylist, store, tomorrow_at(10, days=3), hours=4)
        customer = await make_customer(session)
        await login(client, customer.email)
        booked = await client.post(
            "/api/v1/appointments",
            json={"service_id": service.id, "start": tomorrow_at(12, days=3).isoformat()},
            headers=await api_headers(client),
        )
        assert booked.status_code == 201
        await login(client, manager.email)
        day = _local_day(3)
        stranding = await client.put(
            f"/api/v1/shifts/{shift.id}",
            json={"on_date": day, "starts": "10:00", "ends": "12:00"},
            headers={**await api_headers(client), "Accept-Language": "en"},
        )
        assert (
            stranding.status_code == 409
            and "Hand them to a colleague" in stranding.json()["detail"]
        )
        fine = await client.put(
            f"/api/v1/shifts/{shift.id}",
            json={"on_date": day, "starts": "11:00", "ends": "13:00"},
            headers=await api_headers(client),
        )
        assert fine.status_code == 200
        assert (
            await client.delete(f"/api/v1/shifts/{shift.id}", headers=await api_headers(client))
        ).status_code == 409
        off = await client.post(
            "/api/v1/time-off",
            json={"staff_id": stylist.id, "first_day": day, "last_day": day},
            headers=await api_headers(client),
        )
        assert off.status_code == 409


class TestTemplates:
    async def test_templates_become_shifts_at_the_same_local_time_across_dst(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        store = await make_store(session, time_zone="America/New_York")
        stylist, manager = await make_stylist(session, store), await make_manager(session, store)
        await login(client, manager.email)
        headers = await api_headers(client)
        for weekday in (5, 6, 0):  # Saturday, Sunday (the spring-forward day), Monday
            created = await client.post(
                "/api/v1/shift-templates",
                json={
                    "staff_id": stylist.id,
                    "weekday": weekday,
                    "starts": "10:00",
                    "ends": "14:00",
                },
                headers=headers,
            )
            assert created.status_code == 201
        applied = await client.post(
            "/api/v1/shift-templates/apply",
            json={"store_id": store.id, "first_day": "2027-03-13", "weeks": 1},
            headers=headers,
        )
        assert applied.json() == {"created": 3}
        again = await client.post(
            "/api/v1/shift-templates/apply",
            json={"store_id": store.id, "first_day": "2027-03-13", "weeks": 1},
            headers=headers,
        )
        assert again.json() == {"created": 0}  # days that have a shift are kept
        shifts = (
            await session.exec(
                select(Shift).where(Shift.staff_id == stylist.id).order_by(Shift.starts_at)
            )
        ).all()
        zone = ZoneInfo("America/New_York")
        assert [s.starts_at.astimezone(zone).strftime("%a %H:%M") for s in shifts] == [
            "Sat 10:00",
            "Sun 10:00",
            "Mon 10:00",
        ]
        assert [s.starts_at.strftime("%H:%M") for s in shifts] == [
            "15:00",
            "14:00",
            "14:00",
        ]  # UTC moves with DST
        assert all(s.ends_at - s.starts_at == timedelta(hours=4) for s in shifts)
        assert date(2027, 3, 14).weekday() == 6


class TestStylistWeekPage:
    async def test_an_early_shift_request_returns_to_the_week_of_the_chosen_day(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        """08:00 JST on a Monday is Sunday in UTC: the page must not jump to the week before."""
        from tests.factories import csrf_of

        store = await make_store(session)
        stylist = await make_stylist(session, store)
        await login(client, stylist.email)
        day = date.fromisoformat(_local_day(7))
        monday = day + timedelta(days=(7 - day.weekday()) % 7)
        token = await csrf_of(client, "/stylist/week")
        sent = await client.post(
            "/stylist/week",
            data={
                "csrf_token": token,
                "on_date": monday.isoformat(),
                "starts": "08:00",
                "ends": "12:00",
            },
        )
        assert sent.status_code == 303, sent.text
        assert sent.headers["location"] == f"/stylist/week?week={monday.isoformat()}&sent=1"
        page = await client.get(sent.headers["location"])
        assert page.status_code == 200 and "08:00" in page.text


class TestRosterPage:
    async def test_a_manager_adds_a_pattern_fills_weeks_and_books_time_off_from_the_page(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        from tests.factories import csrf_of

        store = await make_store(session)
        stylist, manager = (
            await make_stylist(session, store, family_name="伊藤"),
            await make_manager(session, store),
        )
        await login(client, manager.email)
        page = await client.get(f"/manager/roster?store_id={store.id}")
        assert page.status_code == 200 and "伊藤" in page.text
        token = await csrf_of(client, f"/manager/roster?store_id={store.id}")
        week = _local_day(7)
        base = {"csrf_token": token, "store_id": str(store.id), "week": week}
        added = await client.post(
            "/manager/roster/template",
            data={
                **base,
                "staff_id": str(stylist.id),
                "weekday": "2",
                "starts": "10:00",
                "ends": "14:00",
            },
        )
        assert added.status_code == 303
        filled = await client.post("/manager/roster/apply-templates", data=base)
        assert filled.status_code == 303
        shifts = (await session.exec(select(Shift).where(Shift.staff_id == stylist.id))).all()
        assert len(shifts) == 4  # one Wednesday in each of four weeks
        off = await client.post(
            "/manager/roster/time-off",
            data={**base, "staff_id": str(stylist.id), "first_day": week, "last_day": "2020-01-01"},
            headers={"Accept-Language": "en"},
        )
        assert off.status_code == 422 and "cannot be before the first" in off.text
        bad = await client.post(
            "/manager/roster/template", data={**base, "staff_id": "abc", "weekday": "9"}
        )
        assert bad.status_code == 422


class TestRosterFormWithoutWeek:
    async def test_patterns_fill_from_the_store_today_not_the_utc_date(
        self, client: httpx.AsyncClient, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from app.scheduling import pages
        from tests.factories import csrf_of

        # 01:00 on a Monday in Tokyo is still Sunday in UTC (a week or more ahead of today).
        ahead = date.today() + timedelta(days=7)
        sunday = ahead + timedelta(days=(6 - ahead.weekday()) % 7)
        clock = datetime(sunday.year, sunday.month, sunday.day, 16, 0, tzinfo=UTC)
        monkeypatch.setattr(pages, "utcnow", lambda: clock)
        store = await make_store(session)
        stylist, manager = await make_stylist(session, store), await make_manager(session, store)
        await login(client, manager.email)
        token = await csrf_of(client, f"/manager/roster?store_id={store.id}")
        added = await client.post(
            "/manager/roster/template",
            data={
                "csrf_token": token,
                "store_id": str(store.id),
                "week": sunday.isoformat(),
                "staff_id": str(stylist.id),
                "weekday": "6",  # Sundays
                "starts": "10:00",
                "ends": "14:00",
            },
        )
        assert added.status_code == 303
        filled = await client.post(
            "/manager/roster/apply-templates",
            data={"csrf_token": token, "store_id": str(store.id)},  # no week in the form
        )
        assert filled.status_code == 303
        assert "week=" not in filled.headers["location"]
        shifts = (await session.exec(select(Shift).where(Shift.staff_id == stylist.id))).all()
        days = sorted(s.starts_at.astimezone(ZoneInfo("Asia/Tokyo")).date() for s in shifts)
        # That Sunday is already over in Tokyo: the four Sundays come after it.
        assert days == [sunday + timedelta(days=7 * k) for k in range(1, 5)]


class TestRosterLandingShowsEveryPendingRequest:
    async def test_requests_of_later_weeks_wait_on_the_landing_page(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        """The landing shows the current week's grid, but a request five weeks ahead (or one in
        the week on screen) is listed too; approved shifts and past requests are not."""
        store = await make_store(session)
        stylist = await make_stylist(session, store, family_name="伊藤")
        manager = await make_manager(session, store)
        later = await make_shift(
            session, stylist, store, tomorrow_at(19, days=35), hours=2, status="requested"
        )
        soon = await make_shift(
            session, stylist, store, tomorrow_at(10, days=1), hours=3, status="requested"
        )
        await make_shift(session, stylist, store, tomorrow_at(10, days=36), hours=3)
        await make_shift(
            session, stylist, store, tomorrow_at(10, days=-3), hours=3, status="requested"
        )
        await login(client, manager.email)
        page = await client.get(f"/manager/roster?store_id={store.id}")
        assert page.status_code == 200
        section = page.text.split('id="pending"', 1)[1].split("</section>", 1)[0]
        zone = ZoneInfo("Asia/Tokyo")
        for shift, span in ((later, "19:00–21:00"), (soon, "10:00–13:00")):
            assert f"{shift.starts_at.astimezone(zone):%m/%d} {span}" in section
        assert section.count("request-row") == 2, section

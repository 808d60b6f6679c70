"""After the call: the stylist's wrap-up, the customer's rating, and both in the appointment's history."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from websockets.asyncio.client import ClientConnection, connect

from app.accounts.models import User
from app.booking.models import Appointment
from app.consultation.models import Rating, WrapUp
from app.core.types import utcnow
from tests.factories import (
    api_headers,
    csrf_of,
    login,
    make_appointment,
    make_customer,
    make_manager,
    make_service,
    make_store,
    make_stylist,
)
from tests.live import Person, Server, live_app, person_with_session


@dataclass
class World:
    customer: User
    stylist: User
    other_stylist: User
    manager: User
    other_manager: User
    now: Appointment  # started five minutes ago: the call is on
    later: Appointment  # the day after tomorrow
    cancelled: Appointment  # was yesterday, cancelled


@pytest.fixture
async def world(session: AsyncSession) -> World:
    store, elsewhere = await make_store(session), await make_store(session)
    stylist = await make_stylist(session, store, family_name="佐藤")
    service = await make_service(session, store)
    customer = await make_customer(session)
    start = utcnow().replace(microsecond=0)
    return World(
        customer=customer,
        stylist=stylist,
        other_stylist=await make_stylist(session, store),
        manager=await make_manager(session, store),
        other_manager=await make_manager(session, elsewhere),
        now=await make_appointment(
            session,
            customer=customer,
            stylist=stylist,
            service=service,
            start=start - timedelta(minutes=5),
        ),
        later=await make_appointment(
            session,
            customer=customer,
            stylist=stylist,
            service=service,
            start=start + timedelta(days=2),
        ),
        cancelled=await make_appointment(
            session,
            customer=customer,
            stylist=stylist,
            service=service,
            start=start - timedelta(days=1),
            status="cancelled",
        ),
    )


def tokyo_today() -> date:
    return datetime.now(ZoneInfo("Asia/Tokyo")).date()


async def put(client: httpx.AsyncClient, url: str, body: dict) -> httpx.Response:
    return await client.put(url, json=body, headers=await api_headers(client))


def wrap_url(appointment: Appointment) -> str:
    return f"/api/v1/appointments/{appointment.id}/wrapup"


def rating_url(appointment: Appointment) -> str:
    return f"/api/v1/appointments/{appointment.id}/rating"


GOOD_WRAP = {"summary": "紺のスカートに合うニットを2点ご提案。", "outcome": "thinking"}


async def rows(session: AsyncSession, model: type, appointment: Appointment) -> list:
    statement = select(model).where(model.appointment_id == appointment.id)  # type: ignore[attr-defined]
    return list((await session.exec(statement)).all())


class TestWrapUp:
    async def test_the_stylist_records_it_and_the_appointment_is_completed(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        await login(client, world.stylist.email)
        follow_up = (tokyo_today() + timedelta(days=14)).isoformat()
        response = await put(client, wrap_url(world.now), {**GOOD_WRAP, "follow_up_on": follow_up})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["summary"] == GOOD_WRAP["summary"]
        assert body["outcome"] == "thinking" and body["follow_up_on"] == follow_up
        await session.refresh(world.now)
        assert world.now.status == "completed"
        [stored] = await rows(session, WrapUp, world.now)
        assert stored.author_id == world.stylist.id

    async def test_the_stylist_edits_it_afterwards_and_it_stays_one(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        await login(client, world.stylist.email)
        first = (await put(client, wrap_url(world.now), GOOD_WRAP)).json()
        edited = await put(
            client, wrap_url(world.now), {"summary": "ご購入いただきました。", "outcome": "bought"}
        )
        assert edited.status_code == 200, edited.text
        assert edited.json()["outcome"] == "bought"
        assert edited.json()["updated_at"] >= first["updated_at"]
        assert edited.json()["created_at"] == first["created_at"]
        [stored] = await rows(session, WrapUp, world.now)
        await session.refresh(stored)
        assert stored.summary == "ご購入いただきました。" and stored.follow_up_on is None

    async def test_a_manager_of_the_store_may_write_it(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await login(client, world.manager.email)
        response = await put(client, wrap_url(world.now), GOOD_WRAP)
        assert response.status_code == 200, response.text

    async def test_the_customer_is_refused(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        await login(client, world.customer.email)
        response = await put(client, wrap_url(world.now), GOOD_WRAP)
        assert response.status_code == 403
        assert response.json()["error"] == "forbidden"
        assert await rows(session, WrapUp, world.now) == []

    @pytest.mark.parametrize("who", ["other_stylist", "other_manager"])
    async def test_staff_of_other_appointments_do_not_even_see_it(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, who: str
    ) -> None:
        await login(client, getattr(world, who).email)
        response = await put(client, wrap_url(world.now), GOOD_WRAP)
        assert response.status_code == 404
        assert (await client.get(wrap_url(world.now))).status_code == 404
        assert await rows(session, WrapUp, world.now) == []

    async def test_not_before_the_session_starts(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        await login(client, world.stylist.email)
        response = await put(client, wrap_url(world.later), GOOD_WRAP)
        assert response.status_code == 409
        assert response.json()["error"] == "not_started"
        assert (
            "once the call has taken place or the session has started" in response.json()["detail"]
        )
        await session.refresh(world.later)
        assert world.later.status == "booked"
        assert await rows(session, WrapUp, world.later) == []

    async def test_not_for_a_cancelled_session(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await login(client, world.stylist.email)
        response = await put(client, wrap_url(world.cancelled), GOOD_WRAP)
        assert response.status_code == 409
        assert response.json()["error"] == "session_not_held"

    @pytest.mark.parametrize(
        ("body", "field", "words"),
        [
            ({**GOOD_WRAP, "outcome": "maybe"}, "outcome", "bought"),
            ({"summary": "ok"}, "outcome", "required"),
            ({**GOOD_WRAP, "summary": "   "}, "summary", "short summary"),
            ({**GOOD_WRAP, "summary": "x" * 2001}, "summary", "2000"),
            ({**GOOD_WRAP, "follow_up_on": "next week"}, "follow_up_on", "date"),
        ],
    )
    async def test_bad_fields_are_named_with_a_message(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        world: World,
        body: dict,
        field: str,
        words: str,
    ) -> None:
        await login(client, world.stylist.email)
        response = await put(client, wrap_url(world.now), body)
        assert response.status_code == 422
        [problem] = response.json()["fields"]
        assert problem["field"] == field and words in problem["message"]
        await session.refresh(world.now)
        assert world.now.status == "booked"  # nothing half-written

    @pytest.mark.parametrize(
        ("days", "status", "words"),
        [
            (-1, 422, "in the past"),
            (367, 422, "within the next year"),
            (0, 200, ""),
            (365, 200, ""),
        ],
    )
    async def test_the_follow_up_date_is_between_today_and_a_year_ahead(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        world: World,
        days: int,
        status: int,
        words: str,
    ) -> None:
        await login(client, world.stylist.email)
        day = (tokyo_today() + timedelta(days=days)).isoformat()
        response = await put(client, wrap_url(world.now), {**GOOD_WRAP, "follow_up_on": day})
        assert response.status_code == status, response.text
        if status != 200:
            assert response.json()["field"] == "follow_up_on"
            assert words in response.json()["detail"]
            assert await rows(session, WrapUp, world.now) == []
            await session.refresh(world.now)
            assert world.now.status == "booked"

    async def test_the_customer_reads_it_without_the_outcome(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await login(client, world.stylist.email)
        await put(client, wrap_url(world.now), GOOD_WRAP)
        await login(client, world.customer.email)
        body = (await client.get(wrap_url(world.now))).json()
        assert body["summary"] == GOOD_WRAP["summary"] and body["outcome"] is None


class TestRating:
    @pytest.mark.parametrize("score", [1, 5])
    async def test_the_customer_rates_one_to_five(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, score: int
    ) -> None:
        await login(client, world.customer.email)
        response = await put(
            client, rating_url(world.now), {"score": score, "comment": "楽しかった"}
        )
        assert response.status_code == 200, response.text
        assert response.json()["score"] == score
        [stored] = await rows(session, Rating, world.now)
        assert stored.customer_id == world.customer.id and stored.comment == "楽しかった"

    @pytest.mark.parametrize("score", [0, 6])
    async def test_scores_outside_one_to_five_are_refused(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, score: int
    ) -> None:
        await login(client, world.customer.email)
        response = await put(client, rating_url(world.now), {"score": score})
        assert response.status_code == 422
        assert response.json()["fields"][0]["field"] == "score"
        assert await rows(session, Rating, world.now) == []

    async def test_a_long_comment_is_refused(self, client: httpx.AsyncClient, world: World) -> None:
        await login(client, world.customer.email)
        response = await put(client, rating_url(world.now), {"score": 4, "comment": "あ" * 501})
        assert response.status_code == 422
        assert response.json()["fields"][0]["field"] == "comment"

    async def test_the_stylist_cannot_rate_and_strangers_do_not_see_it(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        await login(client, world.stylist.email)
        assert (await put(client, rating_url(world.now), {"score": 5})).status_code == 403
        stranger = await make_customer(session)
        await login(client, stranger.email)
        assert (await put(client, rating_url(world.now), {"score": 1})).status_code == 404
        assert await rows(session, Rating, world.now) == []

    async def test_rating_again_changes_the_one_rating(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        await login(client, world.customer.email)
        await put(client, rating_url(world.now), {"score": 2})
        again = await put(client, rating_url(world.now), {"score": 4, "comment": "考え直しました"})
        assert again.status_code == 200 and again.json()["score"] == 4
        [stored] = await rows(session, Rating, world.now)
        await session.refresh(stored)
        assert stored.score == 4 and stored.comment == "考え直しました"

    async def test_after_seven_days_the_rating_is_final(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        await login(client, world.customer.email)
        await put(client, rating_url(world.now), {"score": 3})
        [stored] = await rows(session, Rating, world.now)
        stored.created_at = utcnow() - timedelta(days=8)
        session.add(stored)
        await session.flush()
        response = await put(client, rating_url(world.now), {"score": 5})
        assert response.status_code == 409 and response.json()["error"] == "rating_locked"
        await session.refresh(stored)
        assert stored.score == 3

    async def test_not_before_the_session_starts(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        await login(client, world.customer.email)
        response = await put(client, rating_url(world.later), {"score": 5})
        assert response.status_code == 409
        assert await rows(session, Rating, world.later) == []


class TestHistoryPage:
    async def _record_both(self, client: httpx.AsyncClient, world: World) -> str:
        follow_up = tokyo_today() + timedelta(days=10)
        await login(client, world.stylist.email)
        body = {**GOOD_WRAP, "outcome": "bought", "follow_up_on": follow_up.isoformat()}
        assert (await put(client, wrap_url(world.now), body)).status_code == 200
        await login(client, world.customer.email)
        rating = {"score": 4, "comment": "とても参考になりました"}
        assert (await put(client, rating_url(world.now), rating)).status_code == 200
        return f"{follow_up:%a} {follow_up.day} {follow_up:%b %Y}"  # the English date format

    async def test_staff_see_summary_outcome_follow_up_and_rating(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        follow_up = await self._record_both(client, world)
        await login(client, world.stylist.email)
        page = await client.get(f"/appointments/{world.now.id}")
        assert page.status_code == 200
        assert GOOD_WRAP["summary"] in page.text
        assert "Bought something" in page.text and follow_up in page.text
        assert "4/5" in page.text and "とても参考になりました" in page.text
        assert f'href="/appointments/{world.now.id}/wrapup"' in page.text

    async def test_the_customer_sees_summary_follow_up_and_their_rating_but_not_the_outcome(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        follow_up = await self._record_both(client, world)
        page = await client.get(f"/appointments/{world.now.id}")  # still the customer
        assert GOOD_WRAP["summary"] in page.text and follow_up in page.text
        assert "Your rating" in page.text and "4/5" in page.text
        assert "Bought something" not in page.text
        assert "/wrapup" not in page.text
        assert f'action="/appointments/{world.now.id}/rating"' in page.text  # still editable

    async def test_join_and_device_check_links_show_around_the_session(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await login(client, world.customer.email)
        now_page = await client.get(f"/appointments/{world.now.id}")
        assert f'href="/appointments/{world.now.id}/call"' in now_page.text
        assert 'href="/device-check"' in now_page.text
        later_page = await client.get(f"/appointments/{world.later.id}")
        assert f'href="/appointments/{world.later.id}/call"' not in later_page.text
        assert "The call opens 10 minutes before the start." in later_page.text
        assert 'href="/device-check"' in later_page.text
        # Not yet started: no rating form either.
        assert f'action="/appointments/{world.later.id}/rating"' not in later_page.text


class TestForms:
    async def test_the_stylist_saves_the_wrap_up_from_the_form(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        await login(client, world.stylist.email)
        form_page = await client.get(f"/appointments/{world.now.id}/wrapup")
        assert form_page.status_code == 200 and 'name="summary"' in form_page.text
        token = await csrf_of(client, f"/appointments/{world.now.id}/wrapup")
        data = {"csrf_token": token, "summary": "ニットをご提案", "outcome": "not_now"}
        response = await client.post(f"/appointments/{world.now.id}/wrapup", data=data)
        assert response.status_code == 303
        assert response.headers["location"] == f"/appointments/{world.now.id}?wrapped=1"
        page = await client.get(response.headers["location"])
        assert "Wrap-up saved." in page.text and "ニットをご提案" in page.text
        again = await client.get(f"/appointments/{world.now.id}/wrapup")
        assert "ニットをご提案" in again.text  # prefilled for editing

    async def test_a_bad_form_shows_what_to_fix_and_saves_nothing(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        await login(client, world.stylist.email)
        token = await csrf_of(client, f"/appointments/{world.now.id}/wrapup")
        past = (tokyo_today() - timedelta(days=3)).isoformat()
        data = {"csrf_token": token, "summary": "ok", "outcome": "bought", "follow_up_on": past}
        response = await client.post(f"/appointments/{world.now.id}/wrapup", data=data)
        assert response.status_code == 422
        assert "The follow-up date cannot be in the past." in response.text
        assert f'value="{past}"' in response.text  # what was typed is kept
        missing = await client.post(
            f"/appointments/{world.now.id}/wrapup", data={"csrf_token": token, "summary": "ok"}
        )
        assert missing.status_code == 422 and "Please fill this in." in missing.text
        assert await rows(session, WrapUp, world.now) == []
        await session.refresh(world.now)
        assert world.now.status == "booked"

    async def test_the_customer_cannot_open_the_wrap_up_form(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await login(client, world.customer.email)
        assert (await client.get(f"/appointments/{world.now.id}/wrapup")).status_code == 403

    async def test_the_customer_rates_from_the_appointment_page(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        await login(client, world.customer.email)
        token = await csrf_of(client, f"/appointments/{world.now.id}")
        response = await client.post(
            f"/appointments/{world.now.id}/rating",
            data={"csrf_token": token, "score": "5", "comment": "また相談したいです"},
        )
        assert response.status_code == 303
        page = await client.get(response.headers["location"])
        assert "Thank you for your rating." in page.text and "5/5" in page.text
        bad = await client.post(
            f"/appointments/{world.now.id}/rating", data={"csrf_token": token, "score": "9"}
        )
        assert bad.status_code == 422 and "allowed range" in bad.text
        [stored] = await rows(session, Rating, world.now)
        await session.refresh(stored)
        assert stored.score == 5

    async def test_forms_need_the_csrf_token(self, client: httpx.AsyncClient, world: World) -> None:
        await login(client, world.customer.email)
        response = await client.post(f"/appointments/{world.now.id}/rating", data={"score": "5"})
        assert response.status_code == 403


# ---------------------------------------------------------------- a call held before the start


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    yield from live_app(request.param, tmp_path_factory, "early")


@pytest.fixture
async def early(server: Server) -> AsyncIterator[dict]:
    """A session starting in 8 minutes (its call is open), one after it, their people logged in."""
    async with server.db.sessions() as session:
        store = await make_store(session)
        stylist = await make_stylist(session, store)
        customer = await make_customer(session)
        service = await make_service(session, store)
        start = utcnow().replace(microsecond=0) + timedelta(minutes=8)
        called, not_called = [
            await make_appointment(
                session, customer=customer, stylist=stylist, service=service, start=start + gap
            )
            for gap in (timedelta(0), timedelta(minutes=30))
        ]
        people = {
            "customer": await person_with_session(session, customer),
            "stylist": await person_with_session(session, stylist),
        }
        await session.commit()
        yield {"called": called.id, "not_called": not_called.id, **people}
    await server.db.engine.dispose()


async def _frame(ws: ClientConnection, kind: str) -> dict:
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if frame["type"] == kind:
            return frame


async def hold_the_call(
    server: Server, appointment_id: int, customer: Person, stylist: Person
) -> None:
    """Customer and stylist join, the stylist lets her in, both hang up: a real call's signaling."""

    def open_(person: Person) -> object:
        return connect(
            f"{server.ws}/ws/call/{appointment_id}",
            additional_headers={"Cookie": person.cookie},
            origin=server.http,
            open_timeout=10,
        )

    async with open_(customer) as c, open_(stylist) as s:  # type: ignore[attr-defined]
        await c.send(json.dumps({"type": "join", "version": 1}))
        me = (await _frame(c, "welcome"))["id"]
        await s.send(json.dumps({"type": "join", "version": 1}))
        await _frame(s, "welcome")
        await s.send(json.dumps({"type": "admit", "id": me}))
        await _frame(c, "admitted")
        await s.send(json.dumps({"type": "bye"}))
        await _frame(c, "bye")


def live_client(server: Server, person: Person) -> httpx.AsyncClient:
    name, value = person.cookie.split("=", 1)
    return httpx.AsyncClient(base_url=server.http, cookies={name: value})


class TestAfterAnEarlyCall:
    async def test_the_wrap_up_and_rating_work_once_the_call_took_place_before_the_start(
        self, server: Server, early: dict
    ) -> None:
        async with live_client(server, early["stylist"]) as stylist:
            # No call yet and before the start: still refused.
            refused = await put(stylist, wrap_url_of(early["called"]), GOOD_WRAP)
            assert refused.status_code == 409 and refused.json()["error"] == "not_started"
            page = await stylist.get(f"/appointments/{early['called']}")
            assert f"/appointments/{early['called']}/wrapup" not in page.text
            await hold_the_call(server, early["called"], early["customer"], early["stylist"])
            page = await stylist.get(f"/appointments/{early['called']}")
            assert f'href="/appointments/{early["called"]}/wrapup"' in page.text
            assert f'action="/appointments/{early["called"]}/complete"' in page.text
            assert f'action="/appointments/{early["called"]}/no-show"' not in page.text  # she came
            form = await stylist.get(f"/appointments/{early['called']}/wrapup")
            assert form.status_code == 200
            saved = await put(stylist, wrap_url_of(early["called"]), GOOD_WRAP)
            assert saved.status_code == 200, saved.text
            # The other session, whose call did not take place, is still refused.
            other = await put(stylist, wrap_url_of(early["not_called"]), GOOD_WRAP)
            assert other.status_code == 409 and other.json()["error"] == "not_started"
            done = await stylist.post(
                f"/api/v1/appointments/{early['not_called']}/complete",
                headers=await api_headers(stylist),
            )
            assert done.status_code == 409
        async with live_client(server, early["customer"]) as customer:
            rated = await put(
                customer, f"/api/v1/appointments/{early['called']}/rating", {"score": 5}
            )
            assert rated.status_code == 200, rated.text
        async with server.db.sessions() as session:
            called = await session.get(Appointment, early["called"])
            not_called = await session.get(Appointment, early["not_called"])
            assert called is not None and called.status == "completed"
            assert not_called is not None and not_called.status == "booked"
            assert [w.summary for w in await rows(session, WrapUp, called)] == [
                GOOD_WRAP["summary"]
            ]
            assert await rows(session, WrapUp, not_called) == []

    async def test_the_stylist_may_mark_it_completed_after_an_early_call(
        self, server: Server, early: dict
    ) -> None:
        await hold_the_call(server, early["called"], early["customer"], early["stylist"])
        async with live_client(server, early["stylist"]) as stylist:
            done = await stylist.post(
                f"/api/v1/appointments/{early['called']}/complete",
                headers=await api_headers(stylist),
            )
            assert done.status_code == 200, done.text
            assert done.json()["status"] == "completed"


def wrap_url_of(appointment_id: int) -> str:
    return f"/api/v1/appointments/{appointment_id}/wrapup"

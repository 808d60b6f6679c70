"""Every route that takes a customer id asks the access policy, for every kind of actor.

The routes are read from the app's own route table (OpenAPI and HTML), so a new route with a
``{customer_id}`` that forgets the policy fails here: a stylist with no relation would get a 200.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.access import audit
from app.access.models import AuditEvent, ContactReveal
from app.accounts.models import Role
from app.core.types import utcnow
from app.customer.models import CustomerProfile
from tests.factories import (
    api_headers,
    csrf_of,
    login,
    make_appointment,
    make_brand,
    make_customer,
    make_item,
    make_manager,
    make_purchase,
    make_service,
    make_store,
    make_stylist,
    make_user,
)

SURNAME = "秘密川"  # the customer's name: it must not appear in any answer to a hidden actor
EMAIL = "himitsu.kawa@example.jp"


def every_route(routes: list[Any], prefix: str = "") -> list[tuple[str, Any]]:
    """(full path, route) for every route, also inside included routers."""
    found = []
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            found += every_route(included.routes, prefix + route.include_context.prefix)
        elif hasattr(route, "path"):
            found.append((prefix + route.path, route))
    return found


def customer_routes(app: FastAPI) -> list[tuple[str, bool]]:
    """(path template, is JSON API) for every GET route that names a customer by id."""
    found = []
    for path, route in every_route(app.routes):
        methods = getattr(route, "methods", None) or set()
        if "{customer_id}" in path and "GET" in methods:
            found.append((path, isinstance(route, APIRoute) and path.startswith("/api/")))
    return sorted(found)


@dataclass
class World:
    customer_id: int
    actors: dict[str, str | None]  # name -> email (None: anonymous)


@pytest.fixture
async def world(session: AsyncSession) -> World:
    store_a, store_b = await make_store(session), await make_store(session)
    customer = await make_customer(session, family_name=SURNAME, email=EMAIL)
    profile = await session.get(CustomerProfile, customer.id)
    assert profile is not None
    profile.born_on = date(1992, 5, 14)
    session.add(profile)
    service = await make_service(session, store_a)
    in_care = await make_stylist(session, store_a)
    lapsed = await make_stylist(session, store_a)
    stranger = await make_stylist(session, store_a)
    await make_appointment(
        session,
        customer=customer,
        stylist=in_care,
        service=service,
        start=utcnow() + timedelta(days=1),
    )
    await make_appointment(
        session,
        customer=customer,
        stylist=lapsed,
        service=service,
        start=utcnow() - timedelta(days=20),
        status="completed",
    )
    item = await make_item(session, await make_brand(session))
    await make_purchase(session, customer, item, store_id=store_a.id, channel="store")
    other = await make_customer(session)
    actors = {
        "anonymous": None,
        "another customer": other.email,
        "the customer": customer.email,
        "stylist in her care window": in_care.email,
        "stylist whose window ended": lapsed.email,
        "stylist with no relation": stranger.email,
        "manager of the store": (await make_manager(session, store_a)).email,
        "the other store's manager": (await make_manager(session, store_b)).email,
        "admin": (await make_user(session, role=Role.admin)).email,
    }
    await session.commit()
    assert customer.id is not None
    return World(customer.id, actors)


SEES = {"the customer", "stylist in her care window", "manager of the store", "admin"}


@asynccontextmanager
async def signed_in(app: FastAPI, email: str | None) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        if email is not None:
            await login(client, email)
        yield client


def test_the_route_table_has_the_customer_routes(app: FastAPI) -> None:
    paths = {p for p, _api in customer_routes(app)}
    # If this list grows, the new route is covered by the matrix below automatically.
    assert {"/api/v1/customers/{customer_id}", "/customers/{customer_id}"} <= paths
    assert len(paths) >= 6


async def test_every_customer_route_for_every_actor(app: FastAPI, world: World) -> None:
    failures = []
    for actor, email in world.actors.items():
        async with signed_in(app, email) as client:
            for template, is_api in customer_routes(app):
                path = template.replace("{customer_id}", str(world.customer_id))
                response = await client.get(path, follow_redirects=False)
                body = response.text
                staff_page_for_customer = not is_api and actor in ("the customer",)
                if actor in SEES and not staff_page_for_customer:
                    if response.status_code != 200:
                        failures.append(f"{actor} GET {path}: {response.status_code}, wanted 200")
                    continue
                allowed = {401} if email is None else {404}
                if not is_api:
                    allowed = {303, 401, 403, 404}  # pages: sign-in redirect or role gate too
                if response.status_code not in allowed:
                    failures.append(f"{actor} GET {path}: {response.status_code} not in {allowed}")
                if SURNAME in body or EMAIL in body:
                    failures.append(f"{actor} GET {path}: the customer's data is in the answer")
    assert not failures, "\n".join(failures)


class TestMaskedContact:
    async def test_a_stylist_sees_contact_data_masked(self, app: FastAPI, world: World) -> None:
        async with signed_in(app, world.actors["stylist in her care window"]) as client:
            data = (await client.get(f"/api/v1/customers/{world.customer_id}")).json()
        assert data["email"] == "h***@example.jp"
        assert data["phone_e164"] is None and data["phone_display"] == "090-****-5678"
        assert data["born_on"] is None and data["birth_month"] == 5
        assert sorted(data["masked"]) == ["birthday", "email", "phone"]
        assert data["family_name"] == SURNAME  # her name is what the work needs

    @pytest.mark.parametrize("actor", ["the customer", "manager of the store", "admin"])
    async def test_others_who_see_her_see_it_whole(
        self, app: FastAPI, world: World, actor: str
    ) -> None:
        async with signed_in(app, world.actors[actor]) as client:
            data = (await client.get(f"/api/v1/customers/{world.customer_id}")).json()
        assert data["email"] == EMAIL and data["phone_e164"] == "+819012345678"
        assert data["born_on"] == "1992-05-14" and data["masked"] == []


class TestOutOfCare:
    async def test_her_page_says_the_customer_is_no_longer_in_her_care(
        self, app: FastAPI, world: World
    ) -> None:
        async with signed_in(app, world.actors["stylist whose window ended"]) as client:
            page = await client.get(f"/customers/{world.customer_id}")
            api = await client.get(f"/api/v1/customers/{world.customer_id}")
        assert page.status_code == 404 and "no longer in your care" in page.text
        assert api.status_code == 404 and api.json()["error"] == "no_longer_in_care"

    async def test_a_stranger_gets_the_answer_an_unknown_id_gets(
        self, app: FastAPI, world: World
    ) -> None:
        async with signed_in(app, world.actors["stylist with no relation"]) as client:
            known = await client.get(f"/api/v1/customers/{world.customer_id}")
            unknown = await client.get("/api/v1/customers/999999")
        assert known.status_code == unknown.status_code == 404
        assert known.json() == unknown.json()


class TestHerOwnAppointmentPage:
    async def test_an_appointment_too_far_ahead_opens_without_the_customers_history(
        self, app: FastAPI, session: AsyncSession
    ) -> None:
        store = await make_store(session)
        stylist = await make_stylist(session, store)
        customer = await make_customer(session, family_name=SURNAME)
        far = await make_appointment(
            session,
            customer=customer,
            stylist=stylist,
            service=await make_service(session, store),
            start=utcnow() + timedelta(days=10),
        )
        await session.commit()
        async with signed_in(app, stylist.email) as client:
            page = await client.get(f"/appointments/{far.id}")
            history = await client.get(f"/customers/{customer.id}")
        assert page.status_code == 200  # her appointment, in any case
        assert f'href="/customers/{customer.id}"' not in page.text
        assert "open 7 days before the session" in page.text
        assert history.status_code == 404


class TestReveal:
    async def _reveal(self, client: httpx.AsyncClient, customer_id: int, **body: Any) -> Any:
        headers = await api_headers(client)
        return await client.post(
            f"/api/v1/customers/{customer_id}/reveal", json=body, headers=headers
        )

    async def test_a_stylist_reveals_the_phone_for_a_reason_and_it_is_on_record(
        self, app: FastAPI, session: AsyncSession, world: World
    ) -> None:
        async with signed_in(app, world.actors["stylist in her care window"]) as client:
            response = await self._reveal(
                client, world.customer_id, fields=["phone"], reason="delivery", note="配送の確認"
            )
            assert response.status_code == 200, response.text
            body = response.json()
            assert body["profile"]["phone_e164"] == "+819012345678"
            assert body["profile"]["email"] == "h***@example.jp"  # only what she asked for
            again = (await client.get(f"/api/v1/customers/{world.customer_id}")).json()
        assert again["phone_display"] == "090-1234-5678" and again["masked"] == [
            "email",
            "birthday",
        ]
        events = (
            await session.exec(
                select(AuditEvent).where(AuditEvent.action == audit.Action.customer_contact_reveal)
            )
        ).all()
        assert [(e.customer_id, e.fields, e.reason) for e in events] == [
            (world.customer_id, ["phone"], "delivery: 配送の確認")
        ]

    async def test_the_reveal_ends_after_its_time(
        self, app: FastAPI, session: AsyncSession, world: World
    ) -> None:
        async with signed_in(app, world.actors["stylist in her care window"]) as client:
            await self._reveal(client, world.customer_id, fields=["phone"], reason="session")
            row = (await session.exec(select(ContactReveal))).one()
            row.expires_at = utcnow() - timedelta(seconds=1)  # as if 15 minutes had passed
            session.add(row)
            await session.commit()
            data = (await client.get(f"/api/v1/customers/{world.customer_id}")).json()
        assert data["phone_e164"] is None and "phone" in data["masked"]

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"fields": ["phone"], "reason": "other", "note": "x"}, "note"),
            ({"fields": [], "reason": "session"}, "fields"),
            ({"fields": ["address"], "reason": "session"}, "fields"),
            ({"fields": ["phone"], "reason": "curious"}, "reason"),
        ],
    )
    async def test_a_reveal_without_a_usable_reason_is_refused(
        self, app: FastAPI, session: AsyncSession, world: World, body: dict[str, Any], field: str
    ) -> None:
        async with signed_in(app, world.actors["stylist in her care window"]) as client:
            response = await self._reveal(client, world.customer_id, **body)
        assert response.status_code == 422 and field in response.text
        assert not (await session.exec(select(ContactReveal))).all()

    @pytest.mark.parametrize(
        ("actor", "status"),
        [
            ("stylist with no relation", 404),
            ("stylist whose window ended", 404),
            ("manager of the store", 422),
        ],
    )
    async def test_only_someone_with_masked_fields_can_reveal(
        self, app: FastAPI, world: World, actor: str, status: int
    ) -> None:
        async with signed_in(app, world.actors[actor]) as client:
            response = await self._reveal(
                client, world.customer_id, fields=["phone"], reason="session"
            )
        assert response.status_code == status

    async def test_the_page_shows_masked_contact_and_reveals_it_with_a_reason(
        self, app: FastAPI, world: World
    ) -> None:
        path = f"/customers/{world.customer_id}"
        async with signed_in(app, world.actors["stylist in her care window"]) as client:
            page = await client.get(path)
            assert "090-****-5678" in page.text and "090-1234-5678" not in page.text
            token = await csrf_of(client, path)
            refused = await client.post(
                f"{path}/reveal",
                data={"csrf_token": token, "fields": "phone", "reason": "other", "note": ""},
            )
            assert refused.status_code == 422 and 'id="e-note"' in refused.text
            shown = await client.post(
                f"{path}/reveal",
                data={"csrf_token": token, "fields": "phone", "reason": "customer_asked"},
            )
            assert shown.status_code == 303
            page = await client.get(shown.headers["location"])
        assert "090-1234-5678" in page.text and "h***@example.jp" in page.text


def reveal_routes(app: FastAPI) -> list[tuple[str, bool]]:
    """Every route that changes what a viewer sees of a customer (the reveals), from the table."""
    found = []
    for path, route in every_route(app.routes):
        methods = getattr(route, "methods", None) or set()
        if "{customer_id}" in path and "POST" in methods and path.endswith("/reveal"):
            found.append((path, path.startswith("/api/")))
    return sorted(found)


# Who may reveal: only someone with masked fields (a stylist in her window). Those who see the
# customer whole get 422 (nothing to reveal); everyone else what an unknown id gets.
REVEALS = {"stylist in her care window"}
WHOLE = {"the customer", "manager of the store", "admin"}


async def test_every_reveal_route_for_every_actor(app: FastAPI, world: World) -> None:
    routes = reveal_routes(app)
    assert len(routes) == 2, routes  # the API and the staff page's form
    failures = []
    for actor, email in world.actors.items():
        async with signed_in(app, email) as client:
            for template, is_api in routes:
                path = template.replace("{customer_id}", str(world.customer_id))
                if is_api:
                    body = {"fields": ["phone"], "reason": "session"}
                    response = await client.post(path, json=body, headers=await api_headers(client))
                else:
                    token = await csrf_of(client, "/")
                    form = {"csrf_token": token, "fields": "email", "reason": "session"}
                    response = await client.post(path, data=form, follow_redirects=False)
                status = response.status_code
                if actor in REVEALS:
                    wanted = {200} if is_api else {303}
                elif actor in WHOLE and (is_api or actor != "the customer"):
                    wanted = {422}
                else:
                    wanted = {401} if email is None and is_api else {303, 401, 403, 404}
                if status not in wanted:
                    failures.append(f"{actor} POST {path}: {status}, wanted {wanted}")
                if actor not in REVEALS | WHOLE and (
                    "090-1234-5678" in response.text or EMAIL in response.text
                ):
                    failures.append(f"{actor} POST {path}: contact data in the answer")
    assert not failures, "\n".join(failures)

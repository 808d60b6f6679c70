"""Who may see what: customer data stays with its owner and the staff who serve them."""

from __future__ import annotations

import httpx
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.factories import (
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
    tomorrow_at,
)


class TestCustomerData:
    async def test_a_customer_cannot_read_another_customers_profile_or_purchases(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        me = await make_customer(session)
        other = await make_customer(session, family_name="鈴木")
        item = await make_item(session, await make_brand(session))
        await make_purchase(session, other, item)
        await login(client, me.email)
        for path in (f"/api/v1/customers/{other.id}", f"/api/v1/customers/{other.id}/purchases"):
            response = await client.get(path)
            assert response.status_code == 404, path  # as for an id that does not exist
            assert "鈴木" not in response.text
        assert (await client.get(f"/api/v1/customers/{me.id}")).status_code == 200

    async def test_a_customer_cannot_change_another_customer(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        from tests.factories import api_headers

        me, other = await make_customer(session), await make_customer(session)
        await login(client, me.email)
        response = await client.put(
            f"/api/v1/customers/{other.id}",
            json={"family_name": "X", "given_name": "Y"},
            headers=await api_headers(client),
        )
        assert response.status_code == 404  # she may not even see the other customer

    async def test_a_stylist_sees_the_history_of_a_customer_she_serves(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        store = await make_store(session)
        stylist = await make_stylist(session, store)
        customer = await make_customer(session)
        item = await make_item(session, await make_brand(session), name_ja="ベージュ チノパン")
        await make_purchase(session, customer, item, channel="store", store_id=store.id)
        await login(client, stylist.email)
        path = f"/api/v1/customers/{customer.id}/purchases"
        assert (await client.get(path)).status_code == 404  # no session together yet
        await make_appointment(
            session,
            customer=customer,
            stylist=stylist,
            service=await make_service(session, store),
            start=tomorrow_at(11),
        )
        body = (await client.get(path)).json()
        assert body["count"] == 1
        assert body["data"][0]["name_ja"] == "ベージュ チノパン"
        assert body["data"][0]["channel"] == "store"

    async def test_anonymous_callers_get_401(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        customer = await make_customer(session)
        response = await client.get(f"/api/v1/customers/{customer.id}")
        assert response.status_code == 401
        assert response.json()["error"] == "not_authenticated"

    async def test_unknown_customer_is_404_for_staff(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        store = await make_store(session)
        stylist = await make_stylist(session, store)
        await login(client, stylist.email)
        assert (await client.get("/api/v1/customers/987654")).status_code == 404


class TestRolePages:
    async def test_each_role_is_kept_to_its_own_pages(
        self, app: object, session: AsyncSession
    ) -> None:
        store = await make_store(session)
        people = {
            "customer": await make_customer(session),
            "staff": await make_stylist(session, store),
            "manager": await make_manager(session, store),
        }
        allowed = {
            "customer": {"/me": 200, "/me/profile": 200, "/stylist": 403, "/manager": 403},
            "staff": {"/me": 403, "/stylist": 200, "/manager": 403},
            "manager": {"/me": 403, "/stylist": 200, "/manager": 200},
        }
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        for role, user in people.items():
            async with httpx.AsyncClient(
                transport=transport, base_url="http://testserver"
            ) as browser:
                landing = await login(browser, user.email)
                assert (
                    landing.headers["location"]
                    == {"customer": "/me", "staff": "/stylist", "manager": "/manager"}[role]
                )
                for path, status in allowed[role].items():
                    assert (await browser.get(path)).status_code == status, (role, path)

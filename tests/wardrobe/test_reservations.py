"""Try-on reservations: a unit taken from the store's stock with the reservation, given back
exactly once when it is cancelled or expires, and seen and handled by that store's staff only."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel.ext.asyncio.session import AsyncSession

from app.accounts.models import User
from app.wardrobe.models import CatalogItem, Lookbook, LookbookEntry
from tests.conftest import link_in, mail_text, read_outbox
from tests.factories import (
    api_headers,
    csrf_of,
    login,
    make_appointment,
    make_service,
    make_stylist,
)
from tests.wardrobe.lookbook_world import (
    NOW,
    World,
    make_world,
    reservations_of,
    sent_lookbook,
    stock,
    units,
)

HOLD = timedelta(days=3)


@pytest.fixture
async def world(session: AsyncSession, app: FastAPI) -> World:
    app.state.clock = lambda: NOW
    world = await make_world(session)
    await stock(session, world.blouse, world.store, "M", 1)  # the last one
    await stock(session, world.blouse, world.store, "L", 3)
    await stock(session, world.blouse, world.other_store, "M", 2)
    await stock(session, world.blouse, None, "M", 9)  # online
    return world


@pytest.fixture
async def book(session: AsyncSession, world: World) -> tuple[Lookbook, LookbookEntry]:
    return await sent_lookbook(
        session, world.customer, world.appointment, [world.blouse, world.skirt]
    )


async def lookbook_for(
    session: AsyncSession, world: World, customer: User, items: list[CatalogItem]
) -> tuple[Lookbook, LookbookEntry]:
    service = await make_service(session, world.store)
    appointment = await make_appointment(
        session, customer=customer, stylist=world.stylist, service=service, start=NOW - HOLD
    )
    return await sent_lookbook(session, customer, appointment, items)


async def reserve(
    client: httpx.AsyncClient,
    book: tuple[Lookbook, LookbookEntry],
    item: CatalogItem,
    store_id: int | None,
    size: str = "M",
) -> httpx.Response:
    lookbook, entry = book
    body = {
        "lookbook_id": lookbook.id,
        "entry_id": entry.id,
        "catalog_item_id": item.id,
        "store_id": store_id,
        "size": size,
    }
    return await client.post("/api/v1/reservations", json=body, headers=await api_headers(client))


async def post(client: httpx.AsyncClient, path: str) -> httpx.Response:
    return await client.post(path, headers=await api_headers(client))


class TestReserve:
    async def test_reserving_takes_a_unit_and_records_the_hold_for_three_days(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        world: World,
        book: tuple[Lookbook, LookbookEntry],
        outbox_dir: Path,
    ) -> None:
        await login(client, world.customer.email)
        response = await reserve(client, book, world.blouse, world.store.id)
        assert response.status_code == 201, response.text
        assert await units(session, world.blouse, world.store, "M") == 0
        assert await units(session, world.blouse, world.other_store, "M") == 2
        [held] = await reservations_of(session, world.customer)
        assert held.id == response.json()["id"]
        assert (held.status, held.size, held.store_id) == ("active", "M", world.store.id)
        assert held.catalog_item_id == world.blouse.id and held.lookbook_entry_id == book[1].id
        assert held.created_at == NOW and held.expires_at == NOW + HOLD
        [mail] = read_outbox(outbox_dir)
        assert mail["To"] == world.customer.email
        text = mail_text(mail)
        # The store's address, and the expiry in the store's time zone (12:00 in Tokyo).
        assert "4-1-1 Jingumae, Shibuya, Tokyo" in text
        assert "Fri 27 Nov 12:00 (Japan Time)" in text
        assert link_in(mail, "/reservations/") == f"/reservations/{held.id}"

    async def test_the_last_unit_goes_to_one_customer_and_the_next_gets_a_clear_409(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        world: World,
        book: tuple[Lookbook, LookbookEntry],
        outbox_dir: Path,
    ) -> None:
        theirs = await lookbook_for(session, world, world.other_customer, [world.blouse])
        await login(client, world.customer.email)
        assert (await reserve(client, book, world.blouse, world.store.id)).status_code == 201
        await login(client, world.other_customer.email)
        response = await reserve(client, theirs, world.blouse, world.store.id)
        assert response.status_code == 409
        assert response.json()["error"] == "out_of_stock"
        assert "out of stock" in response.json()["detail"]
        # Nothing written: no reservation, no unit taken, no email.
        assert await reservations_of(session, world.other_customer) == []
        assert await units(session, world.blouse, world.store, "M") == 0
        assert len(read_outbox(outbox_dir)) == 1

    async def test_the_same_item_and_size_is_held_only_once(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        world: World,
        book: tuple[Lookbook, LookbookEntry],
    ) -> None:
        await login(client, world.customer.email)
        assert (await reserve(client, book, world.blouse, world.store.id)).status_code == 201
        again = await reserve(client, book, world.blouse, world.other_store.id)
        assert again.status_code == 409 and again.json()["error"] == "already_reserved"
        assert "Fri 27 Nov 12:00" in again.json()["detail"]
        assert await units(session, world.blouse, world.other_store, "M") == 2
        assert len(await reservations_of(session, world.customer)) == 1

    @pytest.mark.parametrize(
        ("change", "status", "field"),
        [
            ({"size": "XXL"}, 422, "size"),
            ({"store_id": None}, 422, None),  # the web shop is not a store to try things on in
            ({"store_id": 2**31 - 1}, 404, "store_id"),
            ({"catalog_item_id": "withdrawn"}, 404, None),  # not in this lookbook
        ],
    )
    async def test_bad_choices_are_refused_and_nothing_is_written(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        world: World,
        book: tuple[Lookbook, LookbookEntry],
        change: dict[str, object],
        status: int,
        field: str | None,
    ) -> None:
        lookbook, entry = book
        body: dict[str, object] = {
            "lookbook_id": lookbook.id,
            "entry_id": entry.id,
            "catalog_item_id": world.blouse.id,
            "store_id": world.store.id,
            "size": "M",
            **change,
        }
        if body["catalog_item_id"] == "withdrawn":
            body["catalog_item_id"] = world.withdrawn.id
        await login(client, world.customer.email)
        response = await client.post(
            "/api/v1/reservations", json=body, headers=await api_headers(client)
        )
        assert response.status_code == status, response.text
        if field:
            assert response.json()["field"] == field
        assert await reservations_of(session, world.customer) == []
        assert await units(session, world.blouse, world.store, "M") == 1

    async def test_only_from_the_customers_own_sent_lookbook(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        world: World,
        book: tuple[Lookbook, LookbookEntry],
    ) -> None:
        await login(client, world.other_customer.email)
        response = await reserve(client, book, world.blouse, world.store.id)
        assert response.status_code == 404
        await login(client, world.stylist.email)
        assert (await reserve(client, book, world.blouse, world.store.id)).status_code == 403
        lookbook, _entry = book
        lookbook.status = "draft"
        session.add(lookbook)
        await session.flush()
        await login(client, world.customer.email)
        assert (await reserve(client, book, world.blouse, world.store.id)).status_code == 404
        assert await units(session, world.blouse, world.store, "M") == 1


class TestEnding:
    async def test_the_customer_cancels_and_the_unit_goes_back_once(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        world: World,
        book: tuple[Lookbook, LookbookEntry],
    ) -> None:
        await login(client, world.customer.email)
        held = (await reserve(client, book, world.blouse, world.store.id, "L")).json()
        assert await units(session, world.blouse, world.store, "L") == 2
        response = await post(client, f"/api/v1/reservations/{held['id']}/cancel")
        assert response.status_code == 200 and response.json()["status"] == "cancelled"
        assert await units(session, world.blouse, world.store, "L") == 3
        again = await post(client, f"/api/v1/reservations/{held['id']}/cancel")
        assert again.status_code == 409 and "cancelled already" in again.json()["detail"]
        assert await units(session, world.blouse, world.store, "L") == 3
        # Cancelled, the same item and size may be reserved again.
        assert (await reserve(client, book, world.blouse, world.store.id, "L")).status_code == 201

    async def test_expiry_ends_overdue_holds_and_releases_each_unit_exactly_once(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        app: FastAPI,
        world: World,
        book: tuple[Lookbook, LookbookEntry],
    ) -> None:
        await login(client, world.customer.email)
        held = (await reserve(client, book, world.blouse, world.store.id)).json()
        job = app.state.reservation_expiry
        assert await job.tick(NOW + HOLD - timedelta(seconds=1)) == 0
        assert await units(session, world.blouse, world.store, "M") == 0
        assert await job.tick(NOW + HOLD) == 1
        [expired] = await reservations_of(session, world.customer)
        assert expired.status == "expired" and expired.closed_at == NOW + HOLD
        assert await units(session, world.blouse, world.store, "M") == 1
        assert await job.tick(NOW + HOLD + timedelta(hours=1)) == 0
        late = await post(client, f"/api/v1/reservations/{held['id']}/cancel")
        assert late.status_code == 409 and "expired" in late.json()["detail"]
        assert await units(session, world.blouse, world.store, "M") == 1

    async def test_the_job_uses_the_apps_clock_when_given_no_time(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        app: FastAPI,
        world: World,
        book: tuple[Lookbook, LookbookEntry],
    ) -> None:
        await login(client, world.customer.email)
        await reserve(client, book, world.blouse, world.store.id)
        assert await app.state.reservation_expiry.tick() == 0
        app.state.clock = lambda: NOW + HOLD
        assert await app.state.reservation_expiry.tick() == 1


class TestStoreStaff:
    async def _held(
        self, client: httpx.AsyncClient, world: World, book: tuple[Lookbook, LookbookEntry]
    ) -> int:
        await login(client, world.customer.email)
        response = await reserve(client, book, world.blouse, world.store.id, "L")
        assert response.status_code == 201
        return int(response.json()["id"])

    @pytest.mark.parametrize("who", ["colleague", "manager"])
    async def test_the_stores_staff_see_the_list_with_name_kana_item_size_and_local_expiry(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        world: World,
        book: tuple[Lookbook, LookbookEntry],
        who: str,
    ) -> None:
        number = await self._held(client, world, book)
        person = getattr(world, who)
        person.locale = "ja"
        session.add(person)
        await session.flush()
        await login(client, person.email)
        page = await client.get("/store/reservations")
        assert page.status_code == 200
        html = page.text
        assert (
            "<ruby>佐藤<rt>サトウ</rt></ruby>" in html and "<ruby>由紀<rt>ユキ</rt></ruby>" in html
        )
        assert "シルクブラウス" in html and world.blouse.sku in html
        assert f"/reservations/{number}" in html and "11月27日(金) 12:00" in html

    async def test_a_stylist_working_from_home_sees_only_her_own_customers_reservations(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        world: World,
        book: tuple[Lookbook, LookbookEntry],
    ) -> None:
        number = await self._held(client, world, book)
        stranger = await make_stylist(session, world.store)  # same home store, from home
        await login(client, stranger.email)
        assert f"/reservations/{number}" not in (await client.get("/store/reservations")).text
        assert (await client.get(f"/reservations/{number}")).status_code == 404
        await login(client, world.stylist.email)  # hers: she held the session an hour ago
        page = await client.get("/store/reservations")
        assert f"/reservations/{number}" in page.text and "佐藤" in page.text
        assert (await client.get(f"/reservations/{number}")).status_code == 200

    async def test_collecting_keeps_the_unit_off_the_shelf(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        world: World,
        book: tuple[Lookbook, LookbookEntry],
    ) -> None:
        number = await self._held(client, world, book)
        await login(client, world.colleague.email)
        token = await csrf_of(client, "/store/reservations")
        response = await client.post(
            f"/store/reservations/{number}/collect", data={"csrf_token": token}
        )
        assert response.status_code == 303
        [done] = await reservations_of(session, world.customer)
        assert done.status == "collected" and done.closed_by_id == world.colleague.id
        assert await units(session, world.blouse, world.store, "L") == 2
        again = await client.post(
            f"/store/reservations/{number}/collect", data={"csrf_token": token}
        )
        assert again.status_code == 409 and "collected already" in again.text

    async def test_the_store_cancels_the_unit_goes_back_and_the_customer_is_told(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        world: World,
        book: tuple[Lookbook, LookbookEntry],
        outbox_dir: Path,
    ) -> None:
        number = await self._held(client, world, book)
        await login(client, world.manager.email)
        token = await csrf_of(client, "/store/reservations")
        response = await client.post(f"/reservations/{number}/cancel", data={"csrf_token": token})
        assert response.status_code == 303
        assert response.headers["location"].startswith("/store/reservations")
        assert await units(session, world.blouse, world.store, "L") == 3
        confirmation, cancellation = read_outbox(outbox_dir)
        assert "Reserved to try on" in confirmation["Subject"]
        assert cancellation["To"] == world.customer.email
        assert "cancelled by the store" in cancellation["Subject"]

    @pytest.mark.parametrize("who", ["far_stylist", "other_manager"])
    async def test_staff_of_another_store_can_neither_see_nor_act(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        world: World,
        book: tuple[Lookbook, LookbookEntry],
        who: str,
    ) -> None:
        number = await self._held(client, world, book)
        await login(client, getattr(world, who).email)
        page = await client.get("/store/reservations")
        assert page.status_code == 200 and f"/reservations/{number}" not in page.text
        assert (await client.get(f"/reservations/{number}")).status_code == 404
        assert (await post(client, f"/api/v1/reservations/{number}/collect")).status_code == 404
        assert (await post(client, f"/api/v1/reservations/{number}/cancel")).status_code == 404
        [held] = await reservations_of(session, world.customer)
        assert held.status == "active"
        assert await units(session, world.blouse, world.store, "L") == 2

    async def test_customers_cannot_open_the_store_list_or_collect(
        self,
        client: httpx.AsyncClient,
        world: World,
        book: tuple[Lookbook, LookbookEntry],
    ) -> None:
        number = await self._held(client, world, book)
        assert (await client.get("/store/reservations")).status_code == 403
        response = await post(client, f"/api/v1/reservations/{number}/collect")
        assert response.status_code == 403

    async def test_active_reservations_come_first(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        world: World,
        book: tuple[Lookbook, LookbookEntry],
    ) -> None:
        await login(client, world.customer.email)
        first = (await reserve(client, book, world.blouse, world.store.id, "L")).json()
        await post(client, f"/api/v1/reservations/{first['id']}/cancel")
        second = (await reserve(client, book, world.blouse, world.store.id, "M")).json()
        await login(client, world.colleague.email)
        html = (await client.get("/store/reservations")).text
        assert html.index(f"/reservations/{second['id']}") < html.index(
            f"/reservations/{first['id']}"
        )


class TestPages:
    async def test_reserve_from_the_lookbook_page_then_see_the_confirmation_in_japanese(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        world: World,
        book: tuple[Lookbook, LookbookEntry],
    ) -> None:
        world.customer.locale = "ja"
        session.add(world.customer)
        await session.flush()
        lookbook, entry = book
        await login(client, world.customer.email)
        token = await csrf_of(client, f"/lookbooks/{lookbook.id}")
        response = await client.post(
            f"/lookbooks/{lookbook.id}/reserve",
            data={
                "csrf_token": token,
                "entry_id": str(entry.id),
                "catalog_item_id": str(world.blouse.id),
                "choice": f"{world.store.id}:M",
            },
        )
        assert response.status_code == 303, response.text
        page = await client.get(response.headers["location"])
        assert page.status_code == 200
        html = page.text
        assert "東京都渋谷区神宮前4-1-1" in html and "11月27日(金) 12:00" in html
        assert "シルクブラウス" in html and "Asia/Tokyo" in html
        assert await units(session, world.blouse, world.store, "M") == 0
        listing = await client.get("/lookbooks")
        assert f"/reservations/{(await reservations_of(session, world.customer))[0].id}" in (
            listing.text
        )

    async def test_out_of_stock_on_the_page_shows_the_message_and_writes_nothing(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        world: World,
        book: tuple[Lookbook, LookbookEntry],
    ) -> None:
        lookbook, entry = book
        theirs = await lookbook_for(session, world, world.other_customer, [world.blouse])
        await login(client, world.other_customer.email)
        assert (await reserve(client, theirs, world.blouse, world.store.id)).status_code == 201
        await login(client, world.customer.email)
        token = await csrf_of(client, f"/lookbooks/{lookbook.id}")
        form = {
            "csrf_token": token,
            "entry_id": str(entry.id),
            "catalog_item_id": str(world.blouse.id),
            "choice": f"{world.store.id}:M",
        }
        response = await client.post(f"/lookbooks/{lookbook.id}/reserve", data=form)
        assert response.status_code == 409
        assert "out of stock" in response.text and 'role="alert"' in response.text
        assert await reservations_of(session, world.customer) == []
        garbled = await client.post(
            f"/lookbooks/{lookbook.id}/reserve", data={**form, "choice": "nonsense"}
        )
        assert garbled.status_code == 422 and "choose a size and a store" in garbled.text

    async def test_the_customer_cancels_from_the_reservation_page(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        world: World,
        book: tuple[Lookbook, LookbookEntry],
    ) -> None:
        await login(client, world.customer.email)
        held = (await reserve(client, book, world.blouse, world.store.id)).json()
        token = await csrf_of(client, f"/reservations/{held['id']}")
        response = await client.post(
            f"/reservations/{held['id']}/cancel", data={"csrf_token": token}
        )
        assert response.status_code == 303
        assert await units(session, world.blouse, world.store, "M") == 1
        page = await client.get(response.headers["location"])
        assert "Cancelled" in page.text and 'action="/reservations/' not in page.text

    async def test_a_stranger_cannot_see_a_reservation(
        self,
        client: httpx.AsyncClient,
        world: World,
        book: tuple[Lookbook, LookbookEntry],
    ) -> None:
        await login(client, world.customer.email)
        held = (await reserve(client, book, world.blouse, world.store.id)).json()
        await login(client, world.other_customer.email)
        assert (await client.get(f"/reservations/{held['id']}")).status_code == 404
        cancel = await post(client, f"/api/v1/reservations/{held['id']}/cancel")
        assert cancel.status_code == 404

"""Recommendations through the API: in stock in the customer's sizes, explained with their own items,
never built on a hidden item for staff, and only for people who serve the customer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.accounts.models import User
from app.customer.models import CustomerProfile
from app.wardrobe.models import CatalogItem, CatalogStock, OwnedItem
from tests.factories import (
    login,
    make_appointment,
    make_brand,
    make_customer,
    make_item,
    make_service,
    make_store,
    make_stylist,
    tomorrow_at,
)


@dataclass
class World:
    customer: User
    stylist: User
    stranger: User
    skirt: OwnedItem  # a navy skirt from the customer's closet
    sneakers: OwnedItem
    secret: OwnedItem  # hidden: the customer's business only
    blouse: CatalogItem  # in stock in size M online: goes with skirt + sneakers
    sold_out: CatalogItem  # a top only in stock in XL
    pricey: CatalogItem


def _owned(customer: User, label: str, slot: str, rgb: str, **more: Any) -> OwnedItem:
    return OwnedItem(
        customer_id=customer.id,  # type: ignore[arg-type]
        label=label,
        slot=slot,
        colour_rgb=rgb,
        source="upload",
        created_by_id=customer.id,  # type: ignore[arg-type]
        **more,
    )


@pytest.fixture
async def world(session: AsyncSession) -> World:
    store = await make_store(session)
    brand = await make_brand(session)
    stylist = await make_stylist(session, store)
    customer, stranger = await make_customer(session), await make_customer(session)
    profile = (
        await session.exec(select(CustomerProfile).where(CustomerProfile.user_id == customer.id))
    ).one()
    profile.size_top, profile.size_bottom = "M", "M"
    service = await make_service(session, store)
    await make_appointment(
        session, customer=customer, stylist=stylist, service=service, start=tomorrow_at(11)
    )
    skirt = _owned(customer, "紺のスカート", "bottom", "#1f2a44", pattern="solid", formality=3)
    sneakers = _owned(customer, "白いスニーカー", "shoes", "#f4f4f0", pattern="solid", formality=2)
    secret = _owned(customer, "秘密のパンツ", "bottom", "#222222", hidden=True)
    session.add_all([skirt, sneakers, secret])
    blouse = await make_item(session, brand, colour_rgb="#f0ebe0", colour_name="ecru", sizes=["M"])
    sold_out = await make_item(session, brand, colour_rgb="#d9d2c5", sizes=["M", "XL"])
    pricey = await make_item(session, brand, colour_rgb="#ffffff", price_yen=99_900, sizes=["M"])
    await session.flush()
    for item, size in ((blouse, "M"), (sold_out, "XL"), (pricey, "M")):
        session.add(CatalogStock(catalog_item_id=item.id, store_id=None, size=size, quantity=2))  # type: ignore[arg-type]
    session.add(CatalogStock(catalog_item_id=sold_out.id, store_id=store.id, size="M", quantity=0))  # type: ignore[arg-type]
    await session.flush()
    return World(customer, stylist, stranger, skirt, sneakers, secret, blouse, sold_out, pricey)


async def _recommend(client: httpx.AsyncClient, world: World, who: User, query: str = "") -> Any:
    await login(client, who.email)
    return await client.get(f"/api/v1/customers/{world.customer.id}/recommendations{query}")


class TestRecommendations:
    async def test_items_in_stock_in_their_size_come_with_reasons_from_their_wardrobe(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        response = await _recommend(client, world, world.stylist)
        assert response.status_code == 200, response.text
        body = response.json()
        ids = [r["item"]["id"] for r in body["data"]]
        assert world.blouse.id in ids
        assert world.sold_out.id not in ids  # M is sold out; XL is not their size
        blouse = body["data"][ids.index(world.blouse.id)]
        assert blouse["outfits_unlocked"] == 1  # blouse + skirt + sneakers
        assert {(p["kind"], p["id"]) for p in blouse["pairs_with"]} == {
            ("owned", world.skirt.id),
            ("owned", world.sneakers.id),
        }
        assert blouse["examples"] and {(x["kind"], x["id"]) for x in blouse["examples"][0]} == {
            ("catalog", world.blouse.id),
            ("owned", world.skirt.id),
            ("owned", world.sneakers.id),
        }
        assert "紺のスカート" in blouse["explanation"]

    async def test_a_hidden_item_never_shapes_what_staff_see(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        response = await _recommend(client, world, world.stylist)
        text = response.text
        assert "秘密のパンツ" not in text
        assert all(
            (p["kind"], p["id"]) != ("owned", world.secret.id)
            for r in response.json()["data"]
            for p in [
                *r["pairs_with"],
                *r["wakes_up"],
                *(x for outfit in r["examples"] for x in outfit),
            ]
        )
        assert response.json()["owned_count"] == 2

    async def test_the_customer_sees_their_own_including_hidden(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        response = await _recommend(client, world, world.customer)
        assert response.status_code == 200
        assert response.json()["owned_count"] == 3

    async def test_price_filter(self, client: httpx.AsyncClient, world: World) -> None:
        everything = await _recommend(client, world, world.stylist)
        assert world.pricey.id in [r["item"]["id"] for r in everything.json()["data"]]
        cheap = await client.get(
            f"/api/v1/customers/{world.customer.id}/recommendations?max_price=50000"
        )
        assert world.pricey.id not in [r["item"]["id"] for r in cheap.json()["data"]]

    async def test_someone_who_does_not_serve_the_customer_is_told_nothing(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        response = await _recommend(client, world, world.stranger)
        assert response.status_code == 404

    @pytest.mark.parametrize(
        "query", ["?limit=0", "?limit=500", "?season=monsoon", "?max_price=-1", "?limit=abc"]
    )
    async def test_bad_filters_are_422_with_a_reason(
        self, client: httpx.AsyncClient, world: World, query: str
    ) -> None:
        response = await _recommend(client, world, world.stylist, query)
        assert response.status_code == 422
        assert response.json()["detail"]

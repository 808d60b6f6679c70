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
    api_headers,
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


# ---- issue 12: recommendations a stylist can choose between


@dataclass
class Gappy:
    """A wardrobe of tops, bottoms and one pair of shoes — no bag, no coat — and a catalog where
    bags and coats unlock the most outfits (each suits every outfit she has)."""

    customer: User
    stylist: User  # works in Japanese
    conversation_id: int
    owned: dict[str, OwnedItem]
    hidden: OwnedItem
    bags: list[CatalogItem]


BAG_COLOURS = [
    ("black", "#1b1b1b"),
    ("grey", "#8a8d91"),
    ("beige", "#d8c3a5"),
    ("ivory", "#efe9dc"),
]
BAG_COLOURS += [("navy", "#1f2a44"), ("brown", "#6b4a35")]


@pytest.fixture
async def gappy(session: AsyncSession) -> Gappy:
    from app.chat.models import Conversation
    from app.store.models import Brand

    store = await make_store(session)
    brand = await session.get(Brand, store.brand_id)
    assert brand is not None
    stylist = await make_stylist(session, store, locale="ja")
    customer = await make_customer(session)
    profile = (
        await session.exec(select(CustomerProfile).where(CustomerProfile.user_id == customer.id))
    ).one()
    profile.size_top, profile.size_bottom, profile.shoe_size_cm = "M", "M", 24.0
    service = await make_service(session, store)
    await make_appointment(
        session, customer=customer, stylist=stylist, service=service, start=tomorrow_at(11)
    )
    conversation = Conversation(customer_id=customer.id, staff_id=stylist.id, store_id=store.id)
    session.add(conversation)
    solid = {"pattern": "solid", "formality": 3}
    owned = {
        "knit": _owned(customer, "紺のニット", "top", "#1f2a44", colour_name="navy", **solid),
        "blouse": _owned(customer, "白いブラウス", "top", "#f5f5f0", colour_name="white", **solid),
        "tee": _owned(customer, "グレーのTシャツ", "top", "#8a8d91", colour_name="grey", **solid),
        "skirt": _owned(customer, "紺のスカート", "bottom", "#1f2a44", colour_name="navy", **solid),
        "trousers": _owned(
            customer, "ベージュのパンツ", "bottom", "#d8c3a5", colour_name="beige", **solid
        ),
        "jeans": _owned(customer, "デニム", "bottom", "#3b5b8c", colour_name="blue", **solid),
        "sneakers": _owned(
            customer, "白いスニーカー", "shoes", "#f5f5f0", colour_name="white", **solid
        ),
    }
    hidden = _owned(customer, "秘密のローファー", "shoes", "#1b1b1b", hidden=True, **solid)
    session.add_all([*owned.values(), hidden])
    items: list[tuple[CatalogItem, str]] = []
    bags = []
    for colour, rgb in BAG_COLOURS:
        bag = await make_item(
            session, brand, slot="bag", category="shoulder_bag", colour_name=colour,
            colour_rgb=rgb, sizes=["F"], name_ja=f"{colour} バッグ", seasons=[],
        )  # fmt: skip
        bags.append(bag)
        items.append((bag, "F"))
    for colour, rgb in BAG_COLOURS[:5]:
        coat = await make_item(
            session, brand, slot="outerwear", category="coat", colour_name=colour,
            colour_rgb=rgb, sizes=["M"], name_ja=f"{colour} コート", seasons=[],
        )  # fmt: skip
        items.append((coat, "M"))
    for colour, rgb in BAG_COLOURS[:2]:
        shoes = await make_item(
            session, brand, slot="shoes", category="loafers", colour_name=colour,
            colour_rgb=rgb, sizes=["24.0"], name_ja=f"{colour} ローファー", seasons=[],
        )  # fmt: skip
        items.append((shoes, "24.0"))
    await session.flush()
    for item, size in items:
        session.add(CatalogStock(catalog_item_id=item.id, store_id=None, size=size, quantity=2))  # type: ignore[arg-type]
    await session.flush()
    return Gappy(customer, stylist, conversation.id, owned, hidden, bags)  # type: ignore[arg-type]


async def _list(client: httpx.AsyncClient, gappy: Gappy, limit: int = 8) -> list[dict[str, Any]]:
    await login(client, gappy.stylist.email)
    response = await client.get(
        f"/api/v1/customers/{gappy.customer.id}/recommendations?limit={limit}"
    )
    assert response.status_code == 200, response.text
    return response.json()["data"]


class TestChoosingBetweenRecommendations:
    async def test_the_list_spans_three_slots_when_the_wardrobe_has_gaps(
        self, client: httpx.AsyncClient, gappy: Gappy
    ) -> None:
        data = await _list(client, gappy)
        slots = [r["item"]["slot"] for r in data]
        assert len(data) == 8
        assert len(set(slots)) >= 3, slots  # bags and coats alone used to fill all 8
        assert "shoes" in slots  # her one pair of shoes is the thin slot

    async def test_ranked_on_true_counts_and_headlines_say_them(
        self, client: httpx.AsyncClient, gappy: Gappy
    ) -> None:
        data = await _list(client, gappy, limit=20)
        counts = [r["outfits_unlocked"] for r in data]
        # 3 tops x 3 bottoms x 1 pair of shoes: a bag or a coat suits each of those outfits.
        assert max(counts) == counts[0] == 9
        for r in data:
            assert f"{r['outfits_unlocked']:,}" in r["headline"]
            assert "コーディネート" in r["headline"]
        by_slot: dict[str, list[int]] = {}
        for r in data:
            by_slot.setdefault(r["item"]["slot"], []).append(r["outfits_unlocked"])
        for found in by_slot.values():  # within a slot the list follows the true counts
            assert found == sorted(found, reverse=True)

    async def test_each_explanation_is_its_own_and_names_owned_pieces(
        self, client: httpx.AsyncClient, gappy: Gappy
    ) -> None:
        data = await _list(client, gappy)
        texts = [r["explanation"] for r in data]
        assert len(set(texts)) == len(texts), texts
        labels = {o.label for o in gappy.owned.values()}
        for r in data:
            named = [p["label"] for p in r["named"]]
            assert 1 <= len(named) <= 3
            assert set(named) <= labels
            assert all(name in r["explanation"] for name in named)
            assert "秘密のローファー" not in r["explanation"]
        bag = next(r for r in data if r["item"]["slot"] == "bag")
        assert bag["gap"] == "empty" and "バッグ" in bag["explanation"]
        shoes = next(r for r in data if r["item"]["slot"] == "shoes")
        assert shoes["gap"] == "thin" and "シューズ" in shoes["explanation"]

    async def test_colour_names_are_in_the_stylists_language(
        self, client: httpx.AsyncClient, gappy: Gappy
    ) -> None:
        data = await _list(client, gappy, limit=20)
        colours = {r["item"]["colour_code"]: r["item"]["colour_name"] for r in data}
        assert colours["black"] == "ブラック"
        assert colours["grey"] == "グレー"
        assert all(name and name.isascii() is False for name in colours.values())

    async def test_a_product_card_sent_over_chat_names_the_colour_in_japanese(
        self, client: httpx.AsyncClient, gappy: Gappy
    ) -> None:
        await login(client, gappy.stylist.email)
        headers = await api_headers(client)
        response = await client.post(
            f"/api/v1/conversations/{gappy.conversation_id}/messages",
            json={"client_msg_id": "card-ja", "catalog_item_id": gappy.bags[0].id},
            headers=headers,
        )
        assert response.status_code == 201, response.text
        product = response.json()["product"]
        assert product["colour_name_ja"] == "ブラック"
        assert product["colour_name_en"] == "Black"


class TestPullList:
    async def test_the_pieces_that_go_with_the_most_suggestions_come_first(
        self, client: httpx.AsyncClient, gappy: Gappy
    ) -> None:
        recs = await _list(client, gappy, limit=20)
        response = await client.get(f"/api/v1/customers/{gappy.customer.id}/pull-list")
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["out_of"] == len(recs)
        pulls = body["data"]
        assert pulls and all(p["item"]["kind"] == "owned" for p in pulls)
        counts = [p["suggestion_count"] for p in pulls]
        assert counts == sorted(counts, reverse=True)

        def pairs(owned_id: int) -> int:  # suggestions whose outfits hold this piece
            return sum(owned_id in {x["id"] for o in r["examples"] for x in o} or any(
                p["id"] == owned_id for p in r["pairs_with"]) for r in recs)  # fmt: skip

        assert counts[0] == max(pairs(o.id) for o in gappy.owned.values())  # type: ignore[arg-type]
        # A top goes with every suggestion here (bags, coats, shoes); her only shoes with all
        # but the shoes.
        assert counts[0] == len(recs)
        by_label = {p["item"]["label"]: p["suggestion_count"] for p in pulls}
        shoes = sum(r["item"]["slot"] == "shoes" for r in recs)
        assert by_label.get("白いスニーカー", len(recs) - shoes) == len(recs) - shoes
        assert all(p["item"]["label"] != "秘密のローファー" for p in pulls)
        assert pulls[0]["suggestions"] and pulls[0]["suggestions"][0]["kind"] == "catalog"
        assert str(counts[0]) in pulls[0]["reason"]

    async def test_the_stylists_customer_page_has_the_pull_list(
        self, client: httpx.AsyncClient, gappy: Gappy
    ) -> None:
        await login(client, gappy.stylist.email)
        page = await client.get(f"/customers/{gappy.customer.id}")
        assert page.status_code == 200
        assert 'id="pull-list"' in page.text
        assert "カメラ" in page.text  # "ask them to bring to the camera", in Japanese

    async def test_someone_who_does_not_serve_the_customer_gets_no_pull_list(
        self, client: httpx.AsyncClient, gappy: Gappy, session: AsyncSession
    ) -> None:
        stranger = await make_customer(session)
        await login(client, stranger.email)
        response = await client.get(f"/api/v1/customers/{gappy.customer.id}/pull-list")
        assert response.status_code == 404


class TestLookbookTarget:
    """ "Add to lookbook" on a customer's page fills the session just held, not the next one."""

    @staticmethod
    async def _people(session: AsyncSession) -> tuple[User, User, Any]:
        store = await make_store(session)
        stylist = await make_stylist(session, store, locale="ja")
        customer = await make_customer(session)
        return stylist, customer, await make_service(session, store)

    @staticmethod
    def _target(page: str) -> str:
        import re

        found = re.search(r'id="advice"[^>]*data-appointment="([^"]*)"', page)
        assert found, "no advice panel"
        return found.group(1)

    async def test_the_session_just_held_is_the_target(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        from datetime import timedelta

        stylist, customer, service = await self._people(session)
        held = await make_appointment(
            session, customer=customer, stylist=stylist, service=service,
            start=tomorrow_at(11, days=-1), status="completed",
        )  # fmt: skip
        earlier = await make_appointment(
            session, customer=customer, stylist=stylist, service=service,
            start=tomorrow_at(11, days=-30), status="completed",
        )  # fmt: skip
        upcoming = await make_appointment(
            session, customer=customer, stylist=stylist, service=service,
            start=tomorrow_at(11) + timedelta(days=6),
        )  # fmt: skip
        await login(client, stylist.email)
        page = (await client.get(f"/customers/{customer.id}")).text
        assert self._target(page) == str(held.id)
        assert f"/appointments/{held.id}/lookbook" in page
        # The stylist may still pick another: every one of her sessions is offered, the held one
        # chosen, the coming one marked as not held yet.
        assert f'<option value="{held.id}" selected>' in page
        assert f'<option value="{earlier.id}">' in page
        assert f'<option value="{upcoming.id}">' in page and "未実施" in page

    async def test_with_no_session_held_yet_the_stylist_is_asked_which(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        stylist, customer, service = await self._people(session)
        upcoming = await make_appointment(
            session, customer=customer, stylist=stylist, service=service, start=tomorrow_at(11)
        )
        await login(client, stylist.email)
        page = (await client.get(f"/customers/{customer.id}")).text
        assert self._target(page) == ""
        assert 'id="advice-lookbook-target"' in page
        assert '<option value="">セッションを選んでください</option>' in page
        assert f'<option value="{upcoming.id}">' in page

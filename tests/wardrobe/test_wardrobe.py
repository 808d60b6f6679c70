"""The customer's wardrobe: purchases synced in, closet photos added, edit/hide/retire, who sees what."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from PIL import Image
from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.accounts.models import User
from app.booking.models import Appointment
from app.consultation.models import WrapUp
from app.core.config import Settings
from app.core.types import utcnow
from app.customer.models import Purchase
from app.wardrobe.closet.service import wardrobe_for_staff
from app.wardrobe.closet.sync import sync_purchases
from app.wardrobe.models import CatalogItem, CatalogStock, OwnedItem, OwnedItemSource
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
)
from tests.photos import gps_of, has_metadata, photo


@dataclass
class World:
    customer: User
    other_customer: User
    stylist: User
    other_stylist: User
    manager: User
    now: Appointment  # under way: the call is open
    earlier: Appointment  # last month, with a wrap-up
    blouse: CatalogItem
    sneakers: CatalogItem
    store_purchase: Purchase
    online_purchase: Purchase


@pytest.fixture
async def world(session: AsyncSession) -> World:
    store = await make_store(session)
    stylist = await make_stylist(session, store)
    customer = await make_customer(session)
    service = await make_service(session, store)
    start = utcnow().replace(microsecond=0)
    now = await make_appointment(
        session,
        customer=customer,
        stylist=stylist,
        service=service,
        start=start - timedelta(minutes=5),
    )
    earlier = await make_appointment(
        session,
        customer=customer,
        stylist=stylist,
        service=service,
        start=start - timedelta(days=30),
        status="completed",
    )
    session.add(
        WrapUp(
            appointment_id=earlier.id,  # type: ignore[arg-type]
            summary="Wants to wear the navy skirt more often.",
            outcome="thinking",
            author_id=stylist.id,  # type: ignore[arg-type]
            updated_by_id=stylist.id,  # type: ignore[arg-type]
        )
    )
    brand = await make_brand(session)
    blouse = await make_item(
        session,
        brand,
        name_en="Navy silk blouse",
        secondary_colour_name="white",
        secondary_colour_rgb="#f5f5f0",
        pattern="stripe",
        formality=4,
        seasons=["spring", "autumn"],
    )
    sneakers = await make_item(
        session,
        brand,
        name_en="White leather sneakers",
        category="sneakers",
        slot="shoes",
        colour_name="white",
        colour_rgb="#f5f5f0",
        formality=1,
        seasons=["spring", "summer", "autumn"],
    )
    store_purchase = await make_purchase(
        session,
        customer,
        blouse,
        channel="store",
        store_id=store.id,
        purchased_at=start - timedelta(days=200),
    )
    online_purchase = await make_purchase(
        session, customer, sneakers, purchased_at=start - timedelta(days=20)
    )
    return World(
        customer=customer,
        other_customer=await make_customer(session),
        stylist=stylist,
        other_stylist=await make_stylist(session, store),
        manager=await make_manager(session, store),
        now=now,
        earlier=earlier,
        blouse=blouse,
        sneakers=sneakers,
        store_purchase=store_purchase,
        online_purchase=online_purchase,
    )


async def owned(session: AsyncSession, customer: User) -> list[OwnedItem]:
    statement = (
        select(OwnedItem)
        .where(OwnedItem.customer_id == customer.id)
        .order_by(OwnedItem.id)  # type: ignore[arg-type]
        .execution_options(populate_existing=True)  # the app wrote through its own session
    )
    return list((await session.exec(statement)).all())


def stored_files(settings: Settings) -> list[Path]:
    folder = Path(settings.var_dir) / "uploads" / "wardrobe"
    return sorted(folder.iterdir()) if folder.exists() else []


def jpeg_with_exif() -> bytes:
    data = photo("JPEG", (80, 60), gps=True)
    assert gps_of(data) and has_metadata(data) and b"TestPhone" in data
    return data


async def add_via_api(
    client: httpx.AsyncClient, customer: User, data: bytes, **fields: object
) -> httpx.Response:
    form = {"category": "knit", "colour_name": "beige", **fields}
    return await client.post(
        f"/api/v1/customers/{customer.id}/owned-items",
        data=form,
        files={"image": ("IMG_2041.jpg", data, "image/jpeg")},
        headers=await api_headers(client),
    )


async def upload(client: httpx.AsyncClient, world: World, label: str) -> dict:
    """The customer adds one closet photo; returns the item as the API shows it."""
    await login(client, world.customer.email)
    response = await add_via_api(client, world.customer, jpeg_with_exif(), label=label)
    assert response.status_code == 201, response.text
    return response.json()


def owned_ids_in(value: object) -> list[int]:
    """Ids of every owned item mentioned anywhere in a JSON answer."""
    if isinstance(value, dict):
        found = [value["id"]] if value.get("kind") == "owned" else []
        return found + [i for v in value.values() for i in owned_ids_in(v)]
    if isinstance(value, list):
        return [i for v in value for i in owned_ids_in(v)]
    return []


def named_field(body: dict) -> str:
    """The field a 422 names: request validation lists them, a domain error carries one."""
    return body["fields"][0]["field"] if "fields" in body else body["field"]


async def patch(client: httpx.AsyncClient, item_id: int, body: dict) -> httpx.Response:
    return await client.patch(
        f"/api/v1/owned-items/{item_id}", json=body, headers=await api_headers(client)
    )


async def listed(client: httpx.AsyncClient, customer: User, query: str = "") -> list[dict]:
    response = await client.get(f"/api/v1/customers/{customer.id}/owned-items{query}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["count"] == len(body["data"])
    return body["data"]


class TestPurchasesBecomeOwnedItems:
    async def test_each_purchase_appears_once_however_often_it_is_synced(
        self, session: AsyncSession, world: World
    ) -> None:
        assert await sync_purchases(session, customer_id=world.customer.id) == 2  # type: ignore[arg-type]
        assert await sync_purchases(session, customer_id=world.customer.id) == 0  # type: ignore[arg-type]
        items = await owned(session, world.customer)
        assert sorted(i.purchase_id for i in items) == sorted(  # type: ignore[type-var]
            [world.store_purchase.id, world.online_purchase.id]
        )
        assert await owned(session, world.other_customer) == []

    async def test_attributes_come_from_the_catalog_item(
        self, session: AsyncSession, world: World
    ) -> None:
        await sync_purchases(session, customer_id=world.customer.id)  # type: ignore[arg-type]
        [blouse] = [i for i in await owned(session, world.customer) if i.slot == "top"]
        assert blouse.source == OwnedItemSource.purchase
        assert blouse.catalog_item_id == world.blouse.id
        assert blouse.label == "Navy silk blouse"  # the customer reads English
        assert (blouse.category, blouse.colour_name, blouse.colour_rgb) == (
            "blouse",
            "navy",
            "#1f2a44",
        )
        assert (blouse.secondary_colour_name, blouse.pattern, blouse.formality) == (
            "white",
            "stripe",
            4,
        )
        assert blouse.seasons == ["spring", "autumn"]
        assert blouse.created_at == world.store_purchase.purchased_at
        assert not blouse.hidden and blouse.retired_at is None

    async def test_reading_the_wardrobe_twice_lists_each_purchase_once(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        await login(client, world.customer.email)
        first = await listed(client, world.customer)
        second = await listed(client, world.customer)
        assert [i["id"] for i in first] == [i["id"] for i in second]
        assert [i["label"] for i in first] == ["White leather sneakers", "Navy silk blouse"]
        assert {i["image_url"] for i in first} == {
            f"/catalog/{world.sneakers.sku}/swatch.svg",
            f"/catalog/{world.blouse.sku}/swatch.svg",
        }
        # A purchase recorded later joins at the next read, and only it.
        await make_purchase(session, world.customer, world.blouse, order_ref="S-LATER")
        third = await listed(client, world.customer)
        assert len(third) == 3 and len(await owned(session, world.customer)) == 3

    async def test_the_database_refuses_a_second_item_for_one_purchase(
        self, session: AsyncSession, world: World
    ) -> None:
        await sync_purchases(session, customer_id=world.customer.id)  # type: ignore[arg-type]
        twin = OwnedItem(
            customer_id=world.customer.id,  # type: ignore[arg-type]
            label="twin",
            purchase_id=world.store_purchase.id,
            source=OwnedItemSource.purchase,
            created_by_id=world.customer.id,  # type: ignore[arg-type]
        )
        with pytest.raises(IntegrityError):
            async with session.begin_nested():
                session.add(twin)


class TestAddFromTheCloset:
    async def test_a_real_photo_is_stored_without_its_exif(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, settings: Settings
    ) -> None:
        await login(client, world.customer.email)
        response = await add_via_api(
            client,
            world.customer,
            jpeg_with_exif(),
            brand="UNIQLO",
            pattern="solid",
            seasons=["winter", "autumn"],
        )
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["source"] == "upload" and body["customer_id"] == world.customer.id
        assert body["label"] == "Beige knit"  # made from colour and category
        assert (body["slot"], body["colour_rgb"], body["brand"]) == ("top", "#d8c3a5", "UNIQLO")
        assert body["seasons"] == ["autumn", "winter"]
        assert body["image_url"] == body["photo_url"] == f"/api/v1/owned-items/{body['id']}/photo"
        [path] = stored_files(settings)
        saved = path.read_bytes()
        assert not has_metadata(saved) and gps_of(saved) == {} and b"TestPhone" not in saved
        with Image.open(path) as picture:
            assert picture.format == "JPEG" and picture.size == (80, 60)
        served = await client.get(body["photo_url"])
        assert served.status_code == 200 and not has_metadata(served.content)

    async def test_a_colour_not_on_the_list_keeps_its_rgb_and_slot_can_be_chosen(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await login(client, world.customer.email)
        response = await add_via_api(
            client,
            world.customer,
            photo("PNG", (40, 40)),
            category="other",
            slot="accessory",
            colour_name="other",
            colour_rgb="#3A8F7B",
            label="Mint hair clip",
        )
        assert response.status_code == 201, response.text
        body = response.json()
        assert (body["colour_name"], body["colour_rgb"], body["slot"]) == (
            "other",
            "#3a8f7b",
            "accessory",
        )

    @pytest.mark.parametrize(
        "data",
        [b"this is not a photo", b"", jpeg_with_exif()[:200]],
        ids=["text", "empty", "truncated-jpeg"],
    )
    async def test_garbage_is_refused_and_nothing_is_stored(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        world: World,
        settings: Settings,
        data: bytes,
    ) -> None:
        await login(client, world.customer.email)
        response = await add_via_api(client, world.customer, data)
        assert response.status_code == 422, response.text
        assert response.json()["error"] == "invalid_image"
        assert "photo" in response.json()["detail"]
        uploads = [i for i in await owned(session, world.customer) if i.source == "upload"]
        assert uploads == [] and stored_files(settings) == []

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"colour_name": "mint"}, "colour_rgb"),  # not on the list, and no RGB given
            ({"category": "kimono"}, "slot"),  # not on the list, and no slot given
            ({"category": "Knit!"}, "category"),
            ({"seasons": ["monsoon"]}, "seasons"),
            ({"colour_rgb": "green", "colour_name": "other"}, "colour_rgb"),
        ],
    )
    async def test_bad_fields_are_named_and_nothing_is_stored(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        world: World,
        settings: Settings,
        fields: dict,
        field: str,
    ) -> None:
        await login(client, world.customer.email)
        response = await add_via_api(client, world.customer, jpeg_with_exif(), **fields)
        assert response.status_code == 422, response.text
        body = response.json()
        assert body["error"] == "invalid_input" and body["detail"]
        assert named_field(body).split(".")[0] == field
        assert stored_files(settings) == []

    @pytest.mark.parametrize(("who", "status"), [("stylist", 403), ("other_customer", 404)])
    async def test_only_the_customer_adds_to_their_wardrobe(
        self,
        client: httpx.AsyncClient,
        world: World,
        settings: Settings,
        who: str,
        status: int,
    ) -> None:
        await login(client, getattr(world, who).email)
        response = await add_via_api(client, world.customer, jpeg_with_exif())
        assert response.status_code == status
        assert stored_files(settings) == []

    async def test_the_page_form_adds_an_item_and_shows_it(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        await login(client, world.customer.email)
        form_page = await client.get("/me/wardrobe/add")
        assert form_page.status_code == 200
        assert 'enctype="multipart/form-data"' in form_page.text
        assert 'for="f-image"' in form_page.text and 'value="navy"' in form_page.text
        token = await csrf_of(client, "/me/wardrobe/add")
        response = await client.post(
            "/me/wardrobe/add",
            data={
                "csrf_token": token,
                "category": "skirt",
                "colour_name": "navy",
                "colour_rgb": "#000000",  # the colour picker always sends a value
                "label": "Pleated navy skirt",
                "seasons": ["spring", "autumn"],
            },
            files={"image": ("skirt.jpg", jpeg_with_exif(), "image/jpeg")},
        )
        assert response.status_code == 303, response.text
        [item] = [i for i in await owned(session, world.customer) if i.source == "upload"]
        assert response.headers["location"] == f"/me/wardrobe?added=1#item-{item.id}"
        assert (item.slot, item.colour_rgb, item.seasons) == (
            "bottom",
            "#1f2a44",
            ["spring", "autumn"],
        )
        page = await client.get("/me/wardrobe?added=1")
        assert "Pleated navy skirt" in page.text and "Added by you" in page.text
        assert "Added to your wardrobe." in page.text

    async def test_the_page_form_explains_a_missing_or_bad_photo(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, settings: Settings
    ) -> None:
        await login(client, world.customer.email)
        token = await csrf_of(client, "/me/wardrobe/add")
        fields = {"csrf_token": token, "category": "knit", "colour_name": "navy"}
        missing = await client.post("/me/wardrobe/add", data=fields)
        assert missing.status_code == 422
        assert "Please choose a photo of the item." in missing.text
        bad = await client.post(
            "/me/wardrobe/add", data=fields, files={"image": ("x.jpg", b"nope", "image/jpeg")}
        )
        assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text
        assert [i for i in await owned(session, world.customer) if i.source == "upload"] == []
        assert stored_files(settings) == []


class TestEditHideRetire:
    async def test_the_owner_edits_their_item(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        item = await upload(client, world, "Old cardigan")
        response = await patch(
            client,
            item["id"],
            {
                "label": "Grey cardigan",
                "category": "cardigan",
                "slot": "outerwear",
                "colour_name": "grey",
                "pattern": "check",
                "seasons": ["winter"],
                "brand": None,
            },
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["label"], body["slot"], body["colour_rgb"]) == (
            "Grey cardigan",
            "outerwear",
            "#8a8d91",
        )
        assert (body["pattern"], body["seasons"], body["category"]) == (
            "check",
            ["winter"],
            "cardigan",
        )
        [stored] = [i for i in await owned(session, world.customer) if i.id == item["id"]]
        assert stored.label == "Grey cardigan" and stored.updated_at >= stored.created_at

    async def test_hide_and_retire_round_trip(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        item = await upload(client, world, "Red scarf")
        hidden = (await patch(client, item["id"], {"hidden": True})).json()
        assert hidden["hidden"] is True and hidden["retired_at"] is None
        retired = (await patch(client, item["id"], {"retired": True})).json()
        assert retired["retired_at"] is not None and retired["hidden"] is True
        back = (await patch(client, item["id"], {"hidden": False, "retired": False})).json()
        assert back["hidden"] is False and back["retired_at"] is None

    async def test_the_page_buttons_hide_and_retire(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        item = await upload(client, world, "Beige trench")
        token = await csrf_of(client, f"/me/wardrobe/{item['id']}/edit")
        for action, flag in (("hide", "hidden"), ("retire", "retired")):
            response = await client.post(
                f"/me/wardrobe/{item['id']}/{action}", data={"csrf_token": token}
            )
            assert response.status_code == 303
            assert response.headers["location"] == f"/me/wardrobe?{flag}=1#item-{item['id']}"
        [stored] = [i for i in await owned(session, world.customer) if i.id == item["id"]]
        assert stored.hidden and stored.retired_at is not None

    async def test_the_edit_page_saves_and_refuses_an_empty_name(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        item = await upload(client, world, "Jeans")
        page = await client.get(f"/me/wardrobe/{item['id']}/edit")
        assert page.status_code == 200 and 'value="Jeans"' in page.text
        token = await csrf_of(client, f"/me/wardrobe/{item['id']}/edit")
        form = {
            "csrf_token": token,
            "category": "jeans",
            "colour_name": "blue",
            "colour_rgb": "#000000",
        }
        empty = await client.post(f"/me/wardrobe/{item['id']}/edit", data=form | {"label": ""})
        assert empty.status_code == 422 and "Please say what the item is" in empty.text
        saved = await client.post(
            f"/me/wardrobe/{item['id']}/edit", data=form | {"label": "Blue jeans", "slot": ""}
        )
        assert saved.status_code == 303
        [stored] = [i for i in await owned(session, world.customer) if i.id == item["id"]]
        assert (stored.label, stored.slot, stored.colour_name) == ("Blue jeans", "bottom", "blue")
        assert stored.seasons is None and not stored.hidden  # hiding has its own button

    @pytest.mark.parametrize("who", ["stylist", "manager", "other_customer"])
    async def test_anyone_else_gets_a_404(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, who: str
    ) -> None:
        item = await upload(client, world, "Silk scarf")
        await login(client, getattr(world, who).email)
        assert (await patch(client, item["id"], {"hidden": True})).status_code == 404
        assert (await patch(client, item["id"], {"label": "Mine now"})).status_code == 404
        if who == "other_customer":
            assert (await client.get(f"/me/wardrobe/{item['id']}/edit")).status_code == 404
            token = await csrf_of(client, "/me/wardrobe")
            hide = await client.post(f"/me/wardrobe/{item['id']}/hide", data={"csrf_token": token})
            assert hide.status_code == 404
        [stored] = [i for i in await owned(session, world.customer) if i.id == item["id"]]
        assert stored.label == "Silk scarf" and not stored.hidden

    @pytest.mark.parametrize(
        "body",
        [{"label": None}, {"label": "  "}, {"owner": 3}, {"slot": "hat"}, {"seasons": ["x"]}],
    )
    async def test_bad_edits_are_a_422(
        self, client: httpx.AsyncClient, world: World, body: dict
    ) -> None:
        item = await upload(client, world, "Loafers")
        response = await patch(client, item["id"], body)
        assert response.status_code == 422, response.text


class TestHiddenItemsNeverReachStaff:
    async def _hide_two(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> tuple[dict, dict]:
        secret = await upload(client, world, "Secret party dress")
        visible = await upload(client, world, "Everyday tote")
        await patch(client, secret["id"], {"hidden": True})
        mine = await listed(client, world.customer)
        [sneakers] = [i for i in mine if i["purchase_id"] == world.online_purchase.id]
        assert (await patch(client, sneakers["id"], {"hidden": True})).status_code == 200
        flags = {i["label"]: i["hidden"] for i in await listed(client, world.customer)}
        assert flags["Secret party dress"] and flags["White leather sneakers"]
        assert not flags["Everyday tote"] and not flags["Navy silk blouse"]
        return secret, visible

    @pytest.mark.parametrize("who", ["stylist", "manager"])
    async def test_not_in_the_api_list_nor_the_photo(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, who: str
    ) -> None:
        secret, visible = await self._hide_two(client, session, world)
        await login(client, getattr(world, who).email)
        labels = [i["label"] for i in await listed(client, world.customer)]
        assert sorted(labels) == ["Everyday tote", "Navy silk blouse"]
        assert all(i["hidden"] is False for i in await listed(client, world.customer))
        assert (await client.get(secret["photo_url"])).status_code == 404
        assert (await client.get(visible["photo_url"])).status_code == 200

    async def test_not_on_the_customer_page_the_call_page_nor_the_appointment_page(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        secret, _visible = await self._hide_two(client, session, world)
        await login(client, world.stylist.email)
        for path in (
            f"/customers/{world.customer.id}",
            f"/appointments/{world.now.id}/call",
            f"/appointments/{world.now.id}",
        ):
            page = await client.get(path)
            assert page.status_code == 200, path
            assert "Everyday tote" in page.text, path
            for text in ("Secret party dress", secret["photo_url"], "White leather sneakers"):
                assert text not in page.text, (path, text)

    async def test_not_in_what_the_recommender_tells_a_stylist(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        await self._hide_two(client, session, world)
        hidden_ids = {i.id for i in await owned(session, world.customer) if i.hidden}
        # A free-size skirt in stock online: with a top and shoes it completes an outfit.
        skirt = await make_item(
            session,
            await make_brand(session),
            name_en="Ivory skirt",
            category="skirt",
            slot="bottom",
            colour_name="ivory",
            colour_rgb="#efe9dc",
            formality=2,
            seasons=["spring", "summer", "autumn"],
            sizes=["F"],
        )
        session.add(CatalogStock(catalog_item_id=skirt.id, size="F", quantity=3))  # type: ignore[arg-type]
        await session.flush()
        path = f"/api/v1/customers/{world.customer.id}/recommendations"
        mine = await client.get(path)  # the customer's own: hidden items count for her
        assert mine.status_code == 200, mine.text
        assert set(owned_ids_in(mine.json())) & hidden_ids  # the check below can fail
        await login(client, world.stylist.email)
        response = await client.get(path)
        assert response.status_code == 200, response.text
        assert "Secret party dress" not in response.text
        assert "White leather sneakers" not in response.text
        assert set(owned_ids_in(response.json())).isdisjoint(hidden_ids)

    async def test_not_in_the_panel_view_data(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        await self._hide_two(client, session, world)
        panel = await wardrobe_for_staff(
            session,
            viewer=world.stylist,
            customer_id=world.customer.id,
            locale="en",  # type: ignore[arg-type]
        )
        labels = sorted(v.label for g in panel.groups for v in g.items)
        assert labels == ["Everyday tote", "Navy silk blouse"] and panel.count == 2
        assert all(not v.hidden for g in panel.groups for v in g.items)


class TestRetiredItems:
    async def test_retired_items_leave_the_active_wardrobe_but_stay_in_history(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        item = await upload(client, world, "Worn-out pumps")
        await patch(client, item["id"], {"retired": True})
        assert "Worn-out pumps" in [i["label"] for i in await listed(client, world.customer)]
        active = await listed(client, world.customer, "?active_only=true")
        assert "Worn-out pumps" not in [i["label"] for i in active]
        page = await client.get("/me/wardrobe")
        retired_part = page.text.split('id="retired-title"', 1)[1]
        assert "Worn-out pumps" in retired_part and "Restore" in retired_part
        panel = await wardrobe_for_staff(
            session,
            viewer=world.stylist,
            customer_id=world.customer.id,
            locale="en",  # type: ignore[arg-type]
        )
        assert "Worn-out pumps" not in [v.label for g in panel.groups for v in g.items]
        await login(client, world.stylist.email)
        staff_page = await client.get(f"/customers/{world.customer.id}")
        assert "Worn-out pumps" not in staff_page.text
        appointment = await client.get(f"/appointments/{world.now.id}")
        assert "Worn-out pumps" not in appointment.text
        assert f"/catalog/{world.blouse.sku}/swatch.svg" in appointment.text  # a purchase


class TestPages:
    async def test_the_customer_sees_their_wardrobe_by_slot_with_where_it_came_from(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        await login(client, world.stylist.email)
        snap = await client.post(
            f"/api/v1/appointments/{world.now.id}/snapshots",
            data={"label": "Navy pleated skirt", "slot": "bottom"},
            files={"image": ("s.jpg", jpeg_with_exif(), "image/jpeg")},
            headers=await api_headers(client),
        )
        assert snap.status_code == 201, snap.text
        await upload(client, world, "Cream knit")
        hidden = await upload(client, world, "Hidden hat")
        await patch(client, hidden["id"], {"hidden": True})
        page = await client.get("/me/wardrobe")
        assert page.status_code == 200
        text = page.text
        headings = re.findall(r'<h2 id="slot-[a-z_]+">([^<]+)<', text)
        assert [h.strip() for h in headings] == ["Tops", "Bottoms", "Shoes"]
        assert "Bought in store on" in text and "Bought online on" in text
        assert "Added by you" in text and "Snapshot in your session on" in text
        assert "Hidden from stylists" in text and 'href="/me/wardrobe/add"' in text
        assert f'href="/me/wardrobe/{hidden["id"]}/edit"' in text
        assert f"/catalog/{world.blouse.sku}/swatch.svg" in text
        assert '<meta name="viewport"' in text

    async def test_the_wardrobe_page_is_linked_from_the_customer_home(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await login(client, world.customer.email)
        assert 'href="/me/wardrobe"' in (await client.get("/me")).text

    async def test_the_wardrobe_pages_are_for_customers(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await login(client, world.stylist.email)
        assert (await client.get("/me/wardrobe")).status_code == 403

    async def test_the_stylist_sees_the_customer_history(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await upload(client, world, "Olive parka")
        await login(client, world.stylist.email)
        page = await client.get(f"/customers/{world.customer.id}")
        assert page.status_code == 200
        text = page.text
        assert "Wants to wear the navy skirt more often." in text  # last month's wrap-up
        assert "Navy silk blouse" in text and "White leather sneakers" in text  # purchases
        assert 'class="card wardrobe-panel"' in text and "Olive parka" in text
        assert "Added by the customer" in text
        appointment = await client.get(f"/appointments/{world.now.id}")
        assert f'href="/customers/{world.customer.id}"' in appointment.text
        call = await client.get(f"/appointments/{world.now.id}/call")
        assert 'class="card wardrobe-panel"' in call.text and "Olive parka" in call.text

    @pytest.mark.parametrize(("who", "status"), [("other_stylist", 404), ("customer", 403)])
    async def test_the_customer_history_is_for_staff_who_serve_them(
        self, client: httpx.AsyncClient, world: World, who: str, status: int
    ) -> None:
        await login(client, getattr(world, who).email)
        assert (await client.get(f"/customers/{world.customer.id}")).status_code == status

    async def test_the_customer_does_not_get_the_panel_on_the_call_page(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await upload(client, world, "Olive parka")
        page = await client.get(f"/appointments/{world.now.id}/call")
        assert page.status_code == 200 and "wardrobe-panel" not in page.text

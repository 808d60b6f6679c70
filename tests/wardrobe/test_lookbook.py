"""Lookbooks: the stylist collects items and outfits after a session and sends them once; the
customer reads them on their own page. Hidden owned items never reach staff."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.wardrobe.models import Lookbook, LookbookEntry, OwnedItem
from tests.conftest import link_in, mail_text, read_outbox
from tests.factories import api_headers, csrf_of, login
from tests.wardrobe.lookbook_world import NOW, World, make_world, sent_lookbook


@pytest.fixture
async def world(session: AsyncSession, app: FastAPI) -> World:
    app.state.clock = lambda: NOW
    return await make_world(session)


def base(world: World) -> str:
    return f"/api/v1/appointments/{world.appointment.id}/lookbook"


async def add(client: httpx.AsyncClient, world: World, **body: Any) -> httpx.Response:
    return await client.post(f"{base(world)}/entries", json=body, headers=await api_headers(client))


async def entries(session: AsyncSession) -> list[LookbookEntry]:
    statement = select(LookbookEntry).execution_options(populate_existing=True)
    return list((await session.exec(statement)).all())


async def send(client: httpx.AsyncClient, world: World, **body: Any) -> httpx.Response:
    return await client.post(f"{base(world)}/send", json=body, headers=await api_headers(client))


class TestAddingEntries:
    async def test_the_stylist_adds_an_item_and_an_outfit_with_notes(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        await login(client, world.stylist.email)
        first = await add(
            client, world, kind="item", catalog_item_ids=[world.blouse.id], note="Soft and light"
        )
        assert first.status_code == 201, first.text
        assert first.json()["catalog_items"][0]["name"] == "Silk blouse"
        outfit = await add(
            client,
            world,
            kind="outfit",
            catalog_item_ids=[world.blouse.id],
            owned_item_ids=[world.navy_skirt.id],
            note="Goes with your navy skirt — 6 new outfits",
        )
        assert outfit.status_code == 201, outfit.text
        body = outfit.json()
        assert body["owned_items"] == [
            {
                "id": world.navy_skirt.id,
                "label": "紺のスカート",
                "slot": "bottom",
                "colour_rgb": "#1f2a44",
                "photo_url": None,
            }
        ]
        shown = (await client.get(base(world))).json()
        assert shown["status"] == "draft" and shown["count"] == 2
        assert [e["note"] for e in shown["entries"]] == [
            "Soft and light",
            "Goes with your navy skirt — 6 new outfits",
        ]
        assert shown["entries"][0]["catalog_items"][0]["image_url"].endswith("/swatch.svg")
        [lookbook] = (await session.exec(select(Lookbook))).all()
        assert lookbook.customer_id == world.customer.id
        assert lookbook.created_by_id == world.stylist.id and lookbook.created_at == NOW

    async def test_a_manager_of_the_store_may_add_too(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        await login(client, world.manager.email)
        response = await add(client, world, kind="item", catalog_item_ids=[world.skirt.id])
        assert response.status_code == 201, response.text

    async def test_before_anything_is_added_the_lookbook_is_an_empty_draft(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await login(client, world.stylist.email)
        body = (await client.get(base(world))).json()
        assert body["id"] is None and body["entries"] == [] and body["status"] == "draft"

    async def test_the_customer_is_refused(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        await login(client, world.customer.email)
        response = await add(client, world, kind="item", catalog_item_ids=[world.blouse.id])
        assert response.status_code == 403
        assert (await client.get(base(world))).status_code == 403
        assert await entries(session) == []

    @pytest.mark.parametrize("who", ["colleague", "far_stylist", "other_manager"])
    async def test_staff_not_serving_this_session_get_a_404(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, who: str
    ) -> None:
        await login(client, getattr(world, who).email)
        response = await add(client, world, kind="item", catalog_item_ids=[world.blouse.id])
        assert response.status_code == 404
        assert (await client.get(base(world))).status_code == 404
        assert await entries(session) == []

    @pytest.mark.parametrize(
        ("owned", "message"),
        [
            ("secret_shirt", "is not in this customer's wardrobe"),
            ("strangers_bag", "is not in this customer's wardrobe"),
            ("old_coat", "no longer wears"),
        ],
    )
    async def test_owned_items_must_be_the_customers_visible_and_current(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        world: World,
        owned: str,
        message: str,
    ) -> None:
        await login(client, world.stylist.email)
        response = await add(
            client,
            world,
            kind="outfit",
            catalog_item_ids=[world.blouse.id],
            owned_item_ids=[getattr(world, owned).id],
        )
        assert response.status_code == 422
        assert response.json()["field"] == "owned_item_ids"
        assert message in response.json()["detail"]
        assert await entries(session) == []
        assert (await session.exec(select(Lookbook))).all() == []

    @pytest.mark.parametrize(
        ("body", "message"),
        [
            ({"kind": "item", "catalog_item_ids": []}, "exactly one catalog item"),
            ({"kind": "item", "catalog_item_ids": ["B", "S"]}, "exactly one catalog item"),
            ({"kind": "outfit", "catalog_item_ids": ["B"]}, "between 2 and 8 pieces"),
            ({"kind": "outfit", "catalog_item_ids": ["B", "B"]}, "only once"),
            ({"kind": "item", "catalog_item_ids": ["B"], "note": "x" * 201}, "at most 200"),
            ({"kind": "item", "catalog_item_ids": ["B"], "note": "a\nb"}, "one line"),
            ({"kind": "scarf", "catalog_item_ids": ["B"]}, "kind"),
        ],
    )
    async def test_malformed_entries_are_refused_with_a_reason(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        world: World,
        body: dict[str, Any],
        message: str,
    ) -> None:
        ids = {"B": world.blouse.id, "S": world.skirt.id}
        body = {**body, "catalog_item_ids": [ids[x] for x in body["catalog_item_ids"]]}
        await login(client, world.stylist.email)
        response = await add(client, world, **body)
        assert response.status_code == 422
        assert message in response.json()["detail"]
        assert await entries(session) == []

    async def test_an_item_no_longer_on_sale_cannot_be_suggested(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        await login(client, world.stylist.email)
        response = await add(client, world, kind="item", catalog_item_ids=[world.withdrawn.id])
        assert response.status_code == 422 and "not on sale" in response.json()["detail"]
        assert await entries(session) == []

    async def test_the_stylist_removes_an_entry(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        await login(client, world.stylist.email)
        kept = (await add(client, world, kind="item", catalog_item_ids=[world.blouse.id])).json()
        gone = (await add(client, world, kind="item", catalog_item_ids=[world.skirt.id])).json()
        headers = await api_headers(client)
        response = await client.delete(f"{base(world)}/entries/{gone['id']}", headers=headers)
        assert response.status_code == 204
        assert [e.id for e in await entries(session)] == [kept["id"]]
        again = await client.delete(f"{base(world)}/entries/{gone['id']}", headers=headers)
        assert again.status_code == 404


class TestSending:
    async def test_sending_an_empty_lookbook_is_refused(
        self, client: httpx.AsyncClient, world: World, outbox_dir: Path
    ) -> None:
        await login(client, world.stylist.email)
        response = await send(client, world)
        assert response.status_code == 409
        assert response.json()["error"] == "lookbook_empty"
        assert "at least one" in response.json()["detail"]
        assert read_outbox(outbox_dir) == []

    async def test_sending_emails_the_customer_a_link_and_freezes_the_lookbook(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, outbox_dir: Path
    ) -> None:
        await login(client, world.stylist.email)
        entry = await add(
            client, world, kind="item", catalog_item_ids=[world.blouse.id], note="Goes with navy"
        )
        response = await send(client, world, title="冬のオフィス", message="Two ideas\nfor work")
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["status"] == "sent" and body["title"] == "冬のオフィス"
        assert body["message"] == "Two ideas\nfor work"
        [mail] = read_outbox(outbox_dir)
        assert mail["To"] == world.customer.email
        assert "冬のオフィス" in mail["Subject"]
        assert link_in(mail, "/lookbooks/") == f"/lookbooks/{body['id']}"
        text = mail_text(mail)
        assert "Two ideas" in text and "Goes with navy" in text and "田中 愛子" in text
        # Frozen: no more entries, removals or second sending.
        assert (await send(client, world)).status_code == 409
        more = await add(client, world, kind="item", catalog_item_ids=[world.skirt.id])
        assert more.status_code == 409 and more.json()["error"] == "lookbook_sent"
        headers = await api_headers(client)
        removal = await client.delete(
            f"{base(world)}/entries/{entry.json()['id']}", headers=headers
        )
        assert removal.status_code == 409
        assert len(read_outbox(outbox_dir)) == 1 and len(await entries(session)) == 1

    async def test_the_email_is_in_the_customers_language(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, outbox_dir: Path
    ) -> None:
        world.customer.locale = "ja"
        session.add(world.customer)
        await session.flush()
        await login(client, world.stylist.email)
        await add(client, world, kind="item", catalog_item_ids=[world.blouse.id])
        assert (await send(client, world)).status_code == 200
        [mail] = read_outbox(outbox_dir)
        assert "11月24日" in mail_text(mail)  # the session's date, written the Japanese way


class TestCustomerPage:
    async def _sent(self, session: AsyncSession, world: World) -> Lookbook:
        lookbook, entry = await sent_lookbook(
            session, world.customer, world.appointment, [world.blouse]
        )
        entry.owned_item_ids = [world.navy_skirt.id, world.secret_shirt.id]  # type: ignore[list-item]
        session.add(entry)
        await session.flush()
        return lookbook

    async def test_the_customer_sees_items_prices_notes_and_their_own_pieces(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        lookbook = await self._sent(session, world)
        await login(client, world.customer.email)
        page = await client.get(f"/lookbooks/{lookbook.id}")
        assert page.status_code == 200
        html = page.text
        assert "Silk blouse" in html and "¥12,100 (tax incl.)" in html
        assert "紺のスカートに合います" in html
        assert f"/catalog/{world.blouse.sku}/swatch.svg" in html
        assert f"https://shop.kinari.example/items/{world.blouse.sku}" in html
        # Their own items, the hidden one included: it is theirs.
        assert "紺のスカート" in html and "Secret shirt" in html
        listing = await client.get("/lookbooks")
        assert f'href="/lookbooks/{lookbook.id}"' in listing.text

    async def test_staff_see_it_without_the_hidden_item(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        lookbook = await self._sent(session, world)
        for who in (world.stylist, world.manager):
            await login(client, who.email)
            page = await client.get(f"/lookbooks/{lookbook.id}")
            assert page.status_code == 200
            assert "紺のスカート" in page.text and "Secret shirt" not in page.text
            body = (await client.get(base(world))).json()
            assert body["entries"][0]["owned_item_ids"] == [world.navy_skirt.id]
            assert "Secret shirt" not in str(body)

    async def test_an_item_hidden_after_it_was_added_disappears_for_staff(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        await login(client, world.stylist.email)
        await add(
            client,
            world,
            kind="outfit",
            catalog_item_ids=[world.blouse.id],
            owned_item_ids=[world.navy_skirt.id],
        )
        skirt = await session.get(OwnedItem, world.navy_skirt.id)
        assert skirt is not None
        skirt.hidden = True
        session.add(skirt)
        await session.flush()
        body = (await client.get(base(world))).json()
        assert body["entries"][0]["owned_items"] == []
        assert (
            "紺のスカート"
            not in (await client.get(f"/appointments/{world.appointment.id}/lookbook")).text
        )

    @pytest.mark.parametrize("who", ["other_customer", "colleague", "other_manager"])
    async def test_anyone_else_gets_a_404(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, who: str
    ) -> None:
        lookbook = await self._sent(session, world)
        await login(client, getattr(world, who).email)
        assert (await client.get(f"/lookbooks/{lookbook.id}")).status_code == 404

    async def test_a_draft_is_not_shown_to_the_customer(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        lookbook, _entry = await sent_lookbook(
            session, world.customer, world.appointment, [world.blouse], status="draft"
        )
        await login(client, world.customer.email)
        assert (await client.get(f"/lookbooks/{lookbook.id}")).status_code == 404
        assert f"/lookbooks/{lookbook.id}" not in (await client.get("/lookbooks")).text

    async def test_the_page_renders_in_japanese_with_yen_and_the_customers_size_first(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        from tests.wardrobe.lookbook_world import stock

        await stock(session, world.blouse, world.store, "L", 2)
        await stock(session, world.blouse, world.store, "M", 1)
        world.customer.locale = "ja"
        session.add(world.customer)
        await session.flush()
        lookbook = await self._sent(session, world)
        await login(client, world.customer.email)
        html = (await client.get(f"/lookbooks/{lookbook.id}")).text
        assert '<html lang="ja">' in html
        assert "シルクブラウス" in html and "¥12,100（税込）" in html
        # Size M (the profile's top size) is offered first, at the store that has it.
        options = html[html.index('name="choice"') :]
        assert options.index(f'value="{world.store.id}:M"') < options.index(
            f'value="{world.store.id}:L"'
        )
        assert "表参道店" in options
        assert 'name="viewport"' in html


class TestStaffPage:
    async def test_review_remove_and_send_with_plain_forms(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, outbox_dir: Path
    ) -> None:
        world.stylist.locale = "ja"
        session.add(world.stylist)
        await session.flush()
        await login(client, world.stylist.email)
        page_url = f"/appointments/{world.appointment.id}/lookbook"
        token = await csrf_of(client, page_url)
        empty = await client.post(f"{page_url}/send", data={"csrf_token": token})
        assert empty.status_code == 409 and "alert" in empty.text
        added = await client.post(
            f"{page_url}/entries",
            data={"csrf_token": token, "sku": world.blouse.sku, "note": "Goes with navy"},
        )
        assert added.status_code == 303
        unknown = await client.post(
            f"{page_url}/entries", data={"csrf_token": token, "sku": "NOPE"}
        )
        assert unknown.status_code == 404 and 'aria-invalid="true"' in unknown.text
        page = await client.get(page_url)
        assert page.status_code == 200 and "シルクブラウス" in page.text
        [entry] = await entries(session)
        removed = await client.post(
            f"{page_url}/entries/{entry.id}/remove", data={"csrf_token": token}
        )
        assert removed.status_code == 303 and await entries(session) == []
        await client.post(f"{page_url}/entries", data={"csrf_token": token, "sku": world.skirt.sku})
        sent = await client.post(
            f"{page_url}/send", data={"csrf_token": token, "title": "冬", "message": "ぜひ"}
        )
        assert sent.status_code == 303
        [mail] = read_outbox(outbox_dir)
        assert mail["To"] == world.customer.email
        after = await client.get(page_url)
        assert 'action="' + page_url + '/send"' not in after.text

    async def test_forms_without_the_csrf_token_are_refused(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        await login(client, world.stylist.email)
        response = await client.post(
            f"/appointments/{world.appointment.id}/lookbook/entries", data={"sku": world.blouse.sku}
        )
        assert response.status_code == 403 and await entries(session) == []

    async def test_customers_cannot_open_the_staff_page(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await login(client, world.customer.email)
        response = await client.get(f"/appointments/{world.appointment.id}/lookbook")
        assert response.status_code == 403

"""Photos, product cards and unread counts over the HTTP API (each test in its own transaction)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.accounts.models import User
from app.chat.models import ChatMessage, Conversation
from app.chat.ws import RateLimiter
from app.core.config import Settings
from app.store.models import Brand
from tests.factories import (
    api_headers,
    login,
    make_customer,
    make_item,
    make_manager,
    make_store,
    make_stylist,
)
from tests.photos import gps_of, has_metadata, photo, png_header_only

Client = Callable[[User], Awaitable[httpx.AsyncClient]]


@pytest.fixture
async def client_for(app: FastAPI) -> AsyncIterator[Client]:
    """Logged-in clients, one per person, each with its CSRF header."""
    opened: list[httpx.AsyncClient] = []

    async def make(user: User) -> httpx.AsyncClient:
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        )
        opened.append(client)
        await login(client, user.email)
        client.headers.update(await api_headers(client))
        return client

    yield make
    for client in opened:
        await client.aclose()


@pytest.fixture
async def world(session: AsyncSession) -> dict:
    store = await make_store(session)
    brand = await session.get(Brand, store.brand_id)
    other_store = await make_store(session)
    other_brand = await session.get(Brand, other_store.brand_id)
    stylist = await make_stylist(session, store, family_name="田中", given_name="愛子")
    customer = await make_customer(session, family_name="佐藤", given_name="由紀")
    conversation = Conversation(customer_id=customer.id, staff_id=stylist.id, store_id=store.id)
    session.add(conversation)
    await session.flush()
    return {
        "store": store,
        "stylist": stylist,
        "customer": customer,
        "stranger": await make_customer(session),
        "manager": await make_manager(session, store),
        "other_manager": await make_manager(session, other_store),
        "conversation": conversation.id,
        "item": await make_item(session, brand, name_en="Navy blouse", name_ja="紺のブラウス"),
        "gone": await make_item(session, brand, is_active=False),
        "foreign": await make_item(session, other_brand),
    }


def _uploads(settings: Settings) -> list[Path]:
    root = settings.var_dir / "uploads" / "chat"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


async def _upload(
    client: httpx.AsyncClient,
    conversation: int,
    data: bytes,
    *,
    name: str = "closet.jpg",
    content_type: str = "image/jpeg",
    client_msg_id: str | None = None,
) -> httpx.Response:
    return await client.post(
        f"/api/v1/conversations/{conversation}/attachments",
        data={"client_msg_id": client_msg_id or uuid.uuid4().hex},
        files={"file": (name, data, content_type)},
    )


async def _messages(session: AsyncSession, conversation: int) -> list[ChatMessage]:
    statement = select(ChatMessage).where(ChatMessage.conversation_id == conversation)
    return list((await session.exec(statement)).all())


class TestPhotos:
    async def test_a_photo_with_gps_is_stored_and_served_without_exif(
        self, client_for: Client, world: dict, settings: Settings
    ) -> None:
        customer = await client_for(world["customer"])
        original = photo("JPEG", (800, 600), gps=True)
        assert gps_of(original)
        response = await _upload(customer, world["conversation"], original)
        assert response.status_code == 201, response.text
        message = response.json()
        attachment = message["attachment"]
        assert (attachment["width"], attachment["height"], attachment["content_type"]) == (
            800,
            600,
            "image/jpeg",
        )
        assert message["seq"] == 1 and message["sender_id"] == world["customer"].id
        [stored] = _uploads(settings)
        assert stored.parent.name == str(world["conversation"])
        assert stored.name != "closet.jpg"  # never the customer's own file name
        assert gps_of(stored.read_bytes()) == {} and not has_metadata(stored.read_bytes())
        stylist = await client_for(world["stylist"])
        served = await stylist.get(attachment["url"])
        assert served.status_code == 200
        assert served.headers["content-type"] == "image/jpeg"
        assert served.headers["x-content-type-options"] == "nosniff"
        assert served.content == stored.read_bytes()
        history = (
            await stylist.get(f"/api/v1/conversations/{world['conversation']}/messages")
        ).json()
        assert history[0]["attachment"] == attachment

    @pytest.mark.parametrize(
        ("fmt", "declared", "content_type"),
        [
            ("PNG", "image/png", "image/png"),
            ("WEBP", "image/webp", "image/webp"),
            ("HEIF", "image/heic", "image/jpeg"),
            ("PNG", "image/jpeg", "image/png"),  # the declared type is ignored: bytes decide
        ],
    )
    async def test_png_webp_and_heic_are_accepted(
        self, client_for: Client, world: dict, fmt: str, declared: str, content_type: str
    ) -> None:
        customer = await client_for(world["customer"])
        response = await _upload(customer, world["conversation"], photo(fmt), content_type=declared)
        assert response.status_code == 201, response.text
        assert response.json()["attachment"]["content_type"] == content_type
        served = await customer.get(response.json()["attachment"]["url"])
        assert served.headers["content-type"] == content_type

    @pytest.mark.parametrize(
        ("data", "status", "words"),
        [
            (b"just some text, renamed to closet.jpg\n" * 30, 422, "not a photo"),
            (png_header_only(9000, 9000), 413, "too many pixels"),
            (b"\xff\xd8\xff" + b"\x00" * (10 * 1024 * 1024), 413, "10 MB"),  # read, then cut
            (b"\xff\xd8\xff" + b"\x00" * (11 * 1024 * 1024), 413, "10 MB"),  # by its length
        ],
    )
    async def test_bad_uploads_are_refused_and_nothing_is_half_written(
        self,
        client_for: Client,
        world: dict,
        settings: Settings,
        session: AsyncSession,
        data: bytes,
        status: int,
        words: str,
    ) -> None:
        customer = await client_for(world["customer"])
        response = await _upload(customer, world["conversation"], data)
        assert response.status_code == status, response.text
        assert words in response.json()["detail"]
        assert _uploads(settings) == []
        assert await _messages(session, world["conversation"]) == []
        conversation = await session.get(Conversation, world["conversation"])
        await session.refresh(conversation)
        assert conversation is not None and conversation.last_seq == 0

    async def test_a_request_without_a_file_says_what_is_missing(
        self, client_for: Client, world: dict
    ) -> None:
        customer = await client_for(world["customer"])
        response = await customer.post(
            f"/api/v1/conversations/{world['conversation']}/attachments",
            data={"client_msg_id": "no-file"},
        )
        assert response.status_code == 422
        assert "attach a photo" in response.json()["detail"]

    async def test_a_bad_client_msg_id_is_a_clear_422(
        self, client_for: Client, world: dict
    ) -> None:
        customer = await client_for(world["customer"])
        response = await _upload(customer, world["conversation"], photo(), client_msg_id="a b")
        assert response.status_code == 422
        assert response.json()["detail"].startswith("client_msg_id:")

    async def test_a_retried_upload_is_stored_once(
        self, client_for: Client, world: dict, settings: Settings, session: AsyncSession
    ) -> None:
        customer = await client_for(world["customer"])
        first = await _upload(customer, world["conversation"], photo(), client_msg_id="up-1")
        again = await _upload(customer, world["conversation"], photo(), client_msg_id="up-1")
        assert first.json() == again.json()
        assert len(_uploads(settings)) == 1
        assert len(await _messages(session, world["conversation"])) == 1

    async def test_outsiders_can_neither_upload_nor_see_photos(
        self, client_for: Client, client: httpx.AsyncClient, world: dict, settings: Settings
    ) -> None:
        customer = await client_for(world["customer"])
        url = (await _upload(customer, world["conversation"], photo())).json()["attachment"]["url"]
        stranger = await client_for(world["stranger"])
        refused = await _upload(stranger, world["conversation"], photo())
        assert refused.status_code == 404
        assert (await stranger.get(url)).status_code == 404
        other_manager = await client_for(world["other_manager"])
        assert (await other_manager.get(url)).status_code == 404
        # The store's manager may look into the conversation (as today) but not write in it.
        manager = await client_for(world["manager"])
        assert (await manager.get(url)).status_code == 200
        assert (await _upload(manager, world["conversation"], photo())).status_code == 403
        assert len(_uploads(settings)) == 1
        # A guessed name in a conversation one can see is a 404 as well.
        assert (await client.get(url)).status_code == 401  # logged out
        guessed = url.rsplit("/", 1)[0] + "/AAAAAAAAAAAAAAAAAAAAAAAA.jpg"
        assert (await customer.get(guessed)).status_code == 404

    async def test_uploads_need_the_csrf_token(self, client_for: Client, world: dict) -> None:
        customer = await client_for(world["customer"])
        del customer.headers["X-CSRF-Token"]
        response = await _upload(customer, world["conversation"], photo())
        assert response.status_code == 403
        assert response.json()["error"] == "csrf_failed"

    async def test_uploads_share_the_per_user_rate_limit(
        self, client_for: Client, world: dict
    ) -> None:
        customer = await client_for(world["customer"])
        url = f"/api/v1/conversations/{world['conversation']}/messages"
        for index in range(30):
            sent = await customer.post(url, json={"client_msg_id": f"m{index}", "body": "x"})
            assert sent.status_code == 201
        response = await _upload(customer, world["conversation"], photo())
        assert response.status_code == 429
        assert response.json()["error"] == "rate_limited"

    @settings(
        max_examples=6,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(ids=st.lists(st.sampled_from(["a", "b", "c"]), min_size=1, max_size=5))
    async def test_any_mix_of_retries_stores_each_photo_once(
        self, app: FastAPI, client_for: Client, world: dict, settings: Settings, ids: list[str]
    ) -> None:
        app.state.chat_limiter = RateLimiter()  # the examples are one user's, not one burst
        run = uuid.uuid4().hex[:8]
        before = len(_uploads(settings))
        customer = await client_for(world["customer"])
        seqs: dict[str, int] = {}
        for name in ids:
            response = await _upload(
                customer, world["conversation"], photo("PNG"), client_msg_id=f"{run}-{name}"
            )
            assert response.status_code == 201, response.text
            seq = response.json()["seq"]
            assert seqs.setdefault(name, seq) == seq  # a retry gets the stored message back
        assert len(_uploads(settings)) - before == len(set(ids))
        assert sorted(seqs.values()) == list(
            range(min(seqs.values()), min(seqs.values()) + len(seqs))
        )


class TestProductCards:
    async def test_the_stylist_sends_a_card_that_carries_what_the_page_shows(
        self, client_for: Client, world: dict
    ) -> None:
        stylist = await client_for(world["stylist"])
        url = f"/api/v1/conversations/{world['conversation']}/messages"
        item = world["item"]
        response = await stylist.post(
            url,
            json={"client_msg_id": "card-1", "catalog_item_id": item.id, "body": "似合います"},
        )
        assert response.status_code == 201, response.text
        product = response.json()["product"]
        assert product == {
            "id": item.id,
            "sku": item.sku,
            "name_ja": "紺のブラウス",
            "name_en": "Navy blouse",
            "colour_name": "navy",
            "colour_name_ja": "ネイビー",
            "colour_name_en": "Navy",
            "colour_rgb": "#1f2a44",
            "price_yen": 12100,
            "sizes": ["S", "M"],
            "swatch_url": f"/catalog/{item.sku}/swatch.svg",
        }
        assert response.json()["body"] == "似合います"
        customer = await client_for(world["customer"])
        history = (await customer.get(url)).json()
        assert history[0]["product"] == product

    async def test_customers_cannot_send_cards_and_bad_items_are_refused(
        self, client_for: Client, world: dict, session: AsyncSession
    ) -> None:
        url = f"/api/v1/conversations/{world['conversation']}/messages"
        customer = await client_for(world["customer"])
        refused = await customer.post(
            url, json={"client_msg_id": "c1", "catalog_item_id": world["item"].id}
        )
        assert refused.status_code == 403
        assert "Only the stylist" in refused.json()["detail"]
        stylist = await client_for(world["stylist"])
        for item_id, status in (
            (world["gone"].id, 409),
            (world["foreign"].id, 404),
            (2_000_000_000, 404),
        ):
            response = await stylist.post(
                url, json={"client_msg_id": f"s{item_id}", "catalog_item_id": item_id}
            )
            assert response.status_code == status, response.text
            assert response.json()["field"] == "catalog_item_id"
        empty = await stylist.post(url, json={"client_msg_id": "s-empty", "body": "  "})
        assert empty.status_code == 422
        assert await _messages(session, world["conversation"]) == []

    async def test_the_stylist_searches_the_stores_catalog(
        self, client_for: Client, world: dict
    ) -> None:
        url = f"/api/v1/conversations/{world['conversation']}/products"
        stylist = await client_for(world["stylist"])
        for query in ("紺", "navy BLOUSE", world["item"].sku.lower()):
            found = (await stylist.get(url, params={"q": query})).json()
            assert [p["id"] for p in found] == [world["item"].id], query
        assert (await stylist.get(url, params={"q": "100%_"})).json() == []
        customer = await client_for(world["customer"])
        assert (await customer.get(url)).status_code == 403


class TestUnread:
    async def test_each_member_sees_how_many_of_the_others_messages_they_have_not_read(
        self, client_for: Client, world: dict
    ) -> None:
        customer = await client_for(world["customer"])
        stylist = await client_for(world["stylist"])
        url = f"/api/v1/conversations/{world['conversation']}/messages"
        for index in range(3):
            await customer.post(url, json={"client_msg_id": f"c{index}", "body": f"質問{index}"})
        await stylist.post(url, json={"client_msg_id": "s0", "body": "はい"})

        def unread_of(body: dict) -> dict[str, object]:
            [only] = body["data"]
            return {"count": body["count"], "unread": only["unread"], "other": only["other_name"]}

        listed = (await stylist.get("/api/v1/conversations")).json()
        assert unread_of(listed) == {"count": 1, "unread": 3, "other": "佐藤 由紀"}
        listed = (await customer.get("/api/v1/conversations")).json()
        assert unread_of(listed) == {"count": 1, "unread": 1, "other": "田中 愛子"}
        assert listed["data"][0]["last_message_at"] is not None
        page = await stylist.get("/conversations")
        assert page.status_code == 200
        assert "佐藤 由紀" in page.text and "3 unread" in page.text
        page = await stylist.get(f"/conversations/{world['conversation']}")
        assert 'data-unread="3"' in page.text and "chat-product-search" in page.text
        page = await customer.get(f"/conversations/{world['conversation']}")
        assert 'data-unread="1"' in page.text and "chat-product-search" not in page.text
        strangers = await (await client_for(world["stranger"])).get("/api/v1/conversations")
        assert strangers.json() == {"data": [], "count": 0}

"""What the chat page hands its script: the store's time zone (times and day separators are drawn
in it, whoever looks), a composer with the photo button, and message times with their UTC offset."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel.ext.asyncio.session import AsyncSession

from app.chat.models import Conversation
from tests.factories import api_headers, login, make_customer, make_store, make_stylist


@pytest.fixture
async def pair(session: AsyncSession) -> dict:
    store = await make_store(session, time_zone="America/Los_Angeles")
    stylist = await make_stylist(session, store)
    customer = await make_customer(session, time_zone="Asia/Tokyo")
    conversation = Conversation(customer_id=customer.id, staff_id=stylist.id, store_id=store.id)
    session.add(conversation)
    await session.flush()
    return {"customer": customer, "stylist": stylist, "conversation": conversation.id}


@pytest.fixture
async def customer(app: FastAPI, pair: dict) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        await login(client, pair["customer"].email)
        client.headers.update(await api_headers(client))
        yield client


class TestChatPage:
    async def test_times_are_drawn_in_the_store_zone_not_the_viewer_one(
        self, customer: httpx.AsyncClient, pair: dict
    ) -> None:
        page = await customer.get(f"/conversations/{pair['conversation']}")
        assert page.status_code == 200
        assert 'data-time-zone="America/Los_Angeles"' in page.text

    async def test_the_composer_has_a_photo_button_instead_of_a_second_form(
        self, customer: httpx.AsyncClient, pair: dict
    ) -> None:
        page = (await customer.get(f"/conversations/{pair['conversation']}")).text
        assert re.search(r'<button type="button"[^>]*id="chat-photo-button"[^>]*aria-label="', page)
        assert re.search(r'<input id="chat-photo"[^>]*type="file"[^>]*accept="image/jpeg,', page)
        assert 'data-photo-max-bytes="' in page
        assert "chat-photo-form" not in page
        assert page.count("<form") == page.count("</form>")

    async def test_message_times_carry_their_utc_offset(
        self, customer: httpx.AsyncClient, pair: dict
    ) -> None:
        url = f"/api/v1/conversations/{pair['conversation']}/messages"
        sent = await customer.post(url, json={"client_msg_id": "t1", "body": "こんにちは"})
        assert sent.status_code == 201, sent.text
        [listed] = (await customer.get(url)).json()
        for stamp in (sent.json()["created_at"], listed["created_at"]):
            # A browser reads an ISO time without an offset as its own local time.
            assert datetime.fromisoformat(stamp.replace("Z", "+00:00")).utcoffset() is not None

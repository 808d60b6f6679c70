"""Two real browsers chat about an appointment: both ways, typing, read receipts, text stays text."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.async_api import Browser, expect

from app.booking.models import Appointment, Service
from app.core.db import Database, create_engine
from app.core.types import utcnow
from app.demo.loader import DEMO_PASSWORD
from tests.e2e.conftest import LiveServer, open_tab
from tests.e2e.test_accounts_browser import log_in


async def _appointment_for_yuki_and_aiko(live_server: LiveServer) -> int:
    from sqlmodel import select

    from app.accounts.models import User

    db = Database(create_engine(live_server.settings.database_url))
    async with db.sessions() as session:
        yuki = (await session.exec(select(User).where(User.email == "yuki.sato@example.jp"))).one()
        aiko = (
            await session.exec(select(User).where(User.email == "aiko.tanaka@kinari.example"))
        ).one()
        service = (await session.exec(select(Service))).first()
        start = utcnow() + timedelta(days=20, hours=3)
        appointment = Appointment(
            store_id=service.store_id,
            service_id=service.id,
            customer_id=yuki.id,  # type: ignore[union-attr]
            staff_id=aiko.id,
            starts_at=start,
            ends_at=start + timedelta(minutes=30),
            blocked_from=start,
            blocked_until=start + timedelta(minutes=40),
        )
        session.add(appointment)
        await session.commit()
        appointment_id = appointment.id
    await db.dispose()
    return appointment_id  # type: ignore[return-value]


class TestChat:
    async def test_customer_and_stylist_chat_both_ways(
        self, live_server: LiveServer, browser: Browser
    ) -> None:
        base = live_server.base_url
        appointment_id = await _appointment_for_yuki_and_aiko(live_server)
        customer = await open_tab(browser, locale="ja", phone=True)
        stylist = await open_tab(browser, locale="ja", phone=False)
        await log_in(customer.page, base, "yuki.sato@example.jp", DEMO_PASSWORD)
        await log_in(stylist.page, base, "aiko.tanaka@kinari.example", DEMO_PASSWORD)
        await customer.page.goto(f"{base}/appointments/{appointment_id}")
        await customer.page.get_by_role("button", name="担当スタイリストにメッセージ").click()
        await expect(customer.page).to_have_url(re.compile(r"/conversations/\d+$"))
        await stylist.page.goto(f"{base}/appointments/{appointment_id}")
        await stylist.page.get_by_role("button", name="お客様にメッセージ").click()
        assert stylist.page.url == customer.page.url  # one conversation per customer–stylist pair
        for tab in (customer, stylist):
            await expect(tab.page.get_by_role("status")).to_have_text("接続しました")

        await customer.page.get_by_label("メッセージ", exact=True).fill(
            "紺のスカートに合うトップスを相談したいです"
        )
        await customer.page.get_by_role("button", name="送信").click()
        await expect(stylist.page.locator(".chat-message")).to_have_text(
            ["紺のスカートに合うトップスを相談したいです"]
        )
        await expect(customer.page.locator(".chat-message .chat-meta")).to_have_text(
            ["既読"]
        )  # the stylist read it

        await stylist.page.get_by_label("メッセージ", exact=True).fill(
            "<img src=x onerror=alert(1)> 了解です"
        )
        await expect(customer.page.locator("#chat-typing")).to_contain_text("入力中")
        await stylist.page.get_by_role("button", name="送信").click()
        await expect(customer.page.locator(".chat-message").nth(1)).to_have_text(
            "<img src=x onerror=alert(1)> 了解です"
        )
        # The message itself ends "typing…" (not the 4-s timer, which is still running now).
        assert await customer.page.locator("#chat-typing").text_content() == ""
        assert (
            await customer.page.locator(".chat-log img").count() == 0
        )  # shown as text, never as HTML
        await customer.shot("chat_ja_phone")

        # After a reload the whole conversation is there, once, in order.
        await customer.page.reload()
        await expect(customer.page.locator(".chat-message")).to_have_text(
            ["紺のスカートに合うトップスを相談したいです", "<img src=x onerror=alert(1)> 了解です"]
        )
        for tab in (customer, stylist):
            assert tab.problems == [], tab.problems
            await tab.context.close()

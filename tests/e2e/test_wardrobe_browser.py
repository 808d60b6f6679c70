"""The wardrobe journey in two real browsers: the customer adds a closet item with a photo; the stylist
opens the customer, sees it, gets recommendations that name the customer's own pieces, sends an outfit
into the chat and a lookbook; the customer opens the lookbook and reserves an item to try on."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from playwright.async_api import Browser, expect
from sqlmodel import select

from app.accounts.models import User
from app.booking.models import AppointmentStatus, Service
from app.chat.models import Conversation
from app.core.db import Database, create_engine, write_transaction
from app.core.types import utcnow
from app.demo.loader import DEMO_PASSWORD
from tests.e2e.conftest import ARTIFACTS, LiveServer, open_tab
from tests.e2e.test_accounts_browser import log_in
from tests.factories import make_appointment
from tests.photos import photo

CUSTOMER = "yuki.sato@example.jp"
STYLIST = "shota.takahashi@kinari.example"  # a pair no other browser test uses


async def _session_yesterday(live_server: LiveServer) -> tuple[int, int, int]:
    """A completed session between the two, and their conversation: (customer, appointment, chat)."""
    db = Database(create_engine(live_server.settings.database_url))
    async with write_transaction(db) as session:
        customer = (await session.exec(select(User).where(User.email == CUSTOMER))).one()
        stylist = (await session.exec(select(User).where(User.email == STYLIST))).one()
        service = (await session.exec(select(Service))).first()
        appointment = await make_appointment(
            session,
            customer=customer,
            stylist=stylist,
            service=service,
            start=utcnow() - timedelta(days=1),
            status=AppointmentStatus.completed,
        )
        # Their conversation may exist already (a booking of this pair opens one): reuse it.
        conversation = (
            await session.exec(
                select(Conversation).where(
                    Conversation.customer_id == customer.id, Conversation.staff_id == stylist.id
                )
            )
        ).first() or Conversation(
            customer_id=customer.id,  # type: ignore[arg-type]
            staff_id=stylist.id,  # type: ignore[arg-type]
            store_id=appointment.store_id,
        )
        session.add(conversation)
        await session.commit()
        ids = (customer.id, appointment.id, conversation.id)
    await db.dispose()
    return ids  # type: ignore[return-value]


class TestWardrobeJourney:
    async def test_closet_item_to_recommendation_to_lookbook_to_reservation(
        self, live_server: LiveServer, browser: Browser, tmp_path: Path
    ) -> None:
        base = live_server.base_url
        customer_id, appointment_id, conversation_id = await _session_yesterday(live_server)
        picture = tmp_path / "skirt.jpg"
        picture.write_bytes(photo("JPEG", (320, 240), gps=True))
        customer = await open_tab(browser, locale="ja", phone=True)
        stylist = await open_tab(browser, locale="ja", phone=False)
        try:
            await log_in(customer.page, base, CUSTOMER, DEMO_PASSWORD)
            await log_in(stylist.page, base, STYLIST, DEMO_PASSWORD)

            # The customer photographs a skirt from her closet and adds it.
            await customer.page.goto(f"{base}/me/wardrobe/add")
            await customer.page.locator("input[name=image]").set_input_files(str(picture))
            await customer.page.locator("select[name=category]").select_option("skirt")
            await customer.page.locator("input[name=colour_name][value=navy]").check()
            await customer.page.locator("form[action='/me/wardrobe/add'] [type=submit]").click()
            await expect(customer.page).to_have_url(re.compile(r"/me/wardrobe"))
            await expect(customer.page.locator("main")).to_contain_text("ネイビー スカート")
            await customer.shot("wardrobe-customer-phone")

            # The stylist opens the customer and sees it among the wardrobe.
            await stylist.page.goto(f"{base}/customers/{customer_id}")
            panel = stylist.page.locator(".wardrobe-panel")
            await expect(panel).to_contain_text("ネイビー スカート")
            first = stylist.page.locator(".advice-item").first
            await expect(first).to_be_visible(timeout=20_000)
            owned_labels = await panel.locator(".wardrobe-strip-label").all_inner_texts()
            reason = await first.locator(".advice-why").inner_text()
            assert any(label in reason for label in owned_labels), (reason, owned_labels)
            await stylist.shot("wardrobe-stylist-desktop")

            # An outfit of her skirt and the first suggestion goes to the chat and the lookbook.
            await panel.locator("[data-board-owned][data-label='ネイビー スカート']").first.click()
            await first.locator(".advice-actions button").nth(1).click()  # add to board
            await expect(stylist.page.locator("#board-items li")).to_have_count(2)
            await stylist.page.locator("#board-send").click()
            await expect(stylist.page.locator("#board-status")).to_have_text(
                "チャットに送りました。"
            )
            await stylist.page.locator("#board-lookbook").click()
            await expect(stylist.page.locator("#board-actions .advice-note")).not_to_be_empty()
            await first.locator(".advice-actions button").nth(2).click()  # the item alone
            await expect(first.locator(".advice-note")).not_to_be_empty()

            await customer.page.goto(f"{base}/conversations/{conversation_id}")
            await expect(customer.page.locator("#chat-log")).to_contain_text("ネイビー スカート")
            await expect(customer.page.locator(".chat-product").first).to_be_visible()

            # The stylist sends the lookbook; the customer opens it and reserves to try on.
            await stylist.page.goto(f"{base}/appointments/{appointment_id}/lookbook")
            await stylist.page.locator("#f-message").fill("昨日はありがとうございました。")
            await stylist.page.locator("form[action$='/lookbook/send'] [type=submit]").click()
            await customer.page.goto(f"{base}/lookbooks")
            await customer.page.locator("main a[href^='/lookbooks/']").first.click()
            await expect(customer.page.locator("main")).to_contain_text(
                "昨日はありがとうございました。"
            )
            await customer.shot("lookbook-customer-phone")
            reserve = customer.page.locator("details.lookbook-reserve").first
            await reserve.locator("summary").click()
            choice = reserve.locator("select[name=choice] option:not([disabled])").first
            await reserve.locator("select[name=choice]").select_option(
                await choice.get_attribute("value")
            )
            await reserve.locator("[type=submit]").click()
            await expect(customer.page).to_have_url(re.compile(r"/reservations/\d+"))
            await customer.shot("reservation-customer-phone")
            for tab in (customer, stylist):
                assert tab.problems == []
        finally:
            await customer.context.close()
            await stylist.context.close()


STYLIST_TWO = "sakura.ito@kinari.example"  # her own pair with the demo customer


class TestAdvicePanelOnAPhone:
    async def test_distinct_reasons_japanese_colours_pull_list_and_the_held_sessions_lookbook(
        self, live_server: LiveServer, browser: Browser
    ) -> None:
        from app.wardrobe.closet.vocabulary import COLOURS
        from app.wardrobe.models import Lookbook, LookbookEntry

        base = live_server.base_url
        db = Database(create_engine(live_server.settings.database_url))
        async with write_transaction(db) as session:
            customer = (await session.exec(select(User).where(User.email == CUSTOMER))).one()
            stylist = (await session.exec(select(User).where(User.email == STYLIST_TWO))).one()
            service = (await session.exec(select(Service))).first()
            held = await make_appointment(
                session, customer=customer, stylist=stylist, service=service,
                start=utcnow() - timedelta(days=2), status=AppointmentStatus.completed,
            )  # fmt: skip
            await make_appointment(  # her next one: "add to lookbook" must not go there
                session, customer=customer, stylist=stylist, service=service,
                start=utcnow() + timedelta(days=5),
            )  # fmt: skip
            await session.commit()
            customer_id, held_id = customer.id, held.id
        tab = await open_tab(browser, locale="ja", phone=True)
        try:
            await log_in(tab.page, base, STYLIST_TWO, DEMO_PASSWORD)
            await tab.page.goto(f"{base}/customers/{customer_id}")
            items = tab.page.locator(".advice-item")
            await expect(items).to_have_count(8, timeout=20_000)
            reasons = await tab.page.locator(".advice-why").all_inner_texts()
            assert len(set(reasons)) == len(reasons) == 8, reasons
            heads = await tab.page.locator(".advice-counts").all_inner_texts()
            assert all("コーディネート" in h for h in heads), heads
            japanese = {c.ja for c in COLOURS}
            english = {c.code for c in COLOURS}
            for meta in await tab.page.locator(".advice-meta").all_inner_texts():
                colour = meta.rsplit("·", 1)[-1].strip()
                assert colour in japanese and colour not in english, meta
            pulls = tab.page.locator("#pull-list .pull-item")
            await expect(pulls.first).to_be_visible()
            await expect(pulls.first).to_contain_text("おすすめ")
            await expect(tab.page.locator("#advice-lookbook-target")).to_have_value(str(held_id))

            first = items.first
            await first.get_by_role("button", name="ルックブックに追加").click()
            await expect(first.locator(".advice-note")).to_have_text("ルックブックに追加しました。")
            async with write_transaction(db) as session:
                lookbook = (
                    await session.exec(select(Lookbook).where(Lookbook.appointment_id == held_id))
                ).one()
                entries = (
                    await session.exec(
                        select(LookbookEntry).where(LookbookEntry.lookbook_id == lookbook.id)
                    )
                ).all()
            assert len(entries) == 1
            assert tab.problems == []
            for size, name in (((390, 844), "phone"), ((1280, 800), "desktop")):
                await tab.page.set_viewport_size({"width": size[0], "height": size[1]})
                await tab.shot(f"advice-stylist-{name}")
                for part in ("#pull-title", "#advice-title"):  # what a person sees there
                    await tab.page.locator(part).scroll_into_view_if_needed()
                    await tab.page.evaluate(f"document.querySelector('{part}').scrollIntoView()")
                    path = ARTIFACTS / f"advice-stylist-{name}-{part[1:]}.png"
                    await tab.page.screenshot(path=str(path))
        finally:
            await tab.context.close()
            await db.dispose()

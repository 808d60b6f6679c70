"""Two real browsers with fake cameras hold a consultation: lobby, admit, video both ways, chat
beside the call, mute seen by the other side, and one hang-up ending the call for both."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from playwright.async_api import Browser, Page, expect
from sqlmodel import select

from app.accounts.models import User
from app.booking.models import Appointment, Service
from app.core.db import Database, create_engine, write_transaction
from app.core.types import utcnow
from app.demo.loader import DEMO_PASSWORD
from app.wardrobe.models import OwnedItem
from tests.e2e.conftest import LiveServer, open_tab
from tests.e2e.test_accounts_browser import log_in
from tests.factories import make_appointment

CUSTOMER = "yuki.sato@example.jp"
STYLIST = "misaki.suzuki@kinari.example"  # not the pair the chat test uses


async def _appointment_starting_soon(live_server: LiveServer) -> int:
    db = Database(create_engine(live_server.settings.database_url))
    async with write_transaction(db) as session:
        customer = (await session.exec(select(User).where(User.email == CUSTOMER))).one()
        stylist = (await session.exec(select(User).where(User.email == STYLIST))).one()
        service = (await session.exec(select(Service))).first()
        assert service is not None
        appointment = await make_appointment(
            session,
            customer=customer,
            stylist=stylist,
            service=service,
            start=utcnow() - timedelta(minutes=2),  # under way: wrap-up and rating are allowed
        )
        await session.commit()
        appointment_id = appointment.id
    await db.dispose()
    assert appointment_id is not None
    return appointment_id


async def _owned_snapshot(live_server: LiveServer, appointment_id: int) -> tuple:
    """The snapshot saved from this call, as the customer's wardrobe files it."""
    db = Database(create_engine(live_server.settings.database_url))
    async with write_transaction(db) as session:
        statement = select(OwnedItem).where(OwnedItem.appointment_id == appointment_id)
        [item] = (await session.exec(statement)).all()
    await db.dispose()
    return (item.label, item.slot, item.colour_name, item.colour_rgb)


async def _poll(page: Page, script: str, deadline_seconds: float = 30.0) -> object:
    """Evaluate an async check until it returns something truthy (wait_for_function can't await)."""
    loop = asyncio.get_running_loop()
    until = loop.time() + deadline_seconds
    while True:
        value = await page.evaluate(script)
        if value:
            return value
        if loop.time() > until:
            raise AssertionError(f"never became true: {script}")
        await asyncio.sleep(0.25)


CONNECTED = (
    """() => [...window.ccCall.peers.values()].some(p => p.pc.connectionState === "connected")"""
)
FRAMES_DECODED = """async () => {
  for (const peer of window.ccCall.peers.values()) {
    const stats = await peer.pc.getStats();
    let frames = 0;
    stats.forEach(r => { if (r.type === "inbound-rtp" && r.kind === "video") frames += r.framesDecoded || 0; });
    if (frames > 30) return frames;
  }
  return 0;
}"""


class TestConsultationCall:
    async def test_lobby_admit_video_chat_mute_and_hang_up(
        self, live_server: LiveServer, browser: Browser
    ) -> None:
        base = live_server.base_url
        appointment_id = await _appointment_starting_soon(live_server)
        customer = await open_tab(browser, locale="ja", phone=True)
        stylist = await open_tab(browser, locale="ja", phone=False)
        try:
            await log_in(customer.page, base, CUSTOMER, DEMO_PASSWORD)
            await log_in(stylist.page, base, STYLIST, DEMO_PASSWORD)

            # The customer previews the camera in the lobby and waits to be let in.
            await customer.page.goto(f"{base}/appointments/{appointment_id}/call")
            join = customer.page.locator("#join-button")
            await expect(join).to_be_enabled()
            await expect(customer.page.locator("#camera-select")).not_to_be_empty()
            await join.click()
            await expect(customer.page.locator("#lobby-status")).to_contain_text(
                "待機室に入りました"
            )
            await customer.shot("call-lobby-phone")

            # The stylist joins, sees the customer waiting, and admits them.
            await stylist.page.goto(f"{base}/appointments/{appointment_id}/call")
            await stylist.page.locator("#join-button").click()
            let_in = stylist.page.locator("#waiting-list button")
            await expect(let_in).to_be_visible()
            await let_in.click()
            await expect(customer.page.locator("#stage")).to_be_visible()
            await expect(stylist.page.locator("#waiting-empty")).to_be_visible()

            for tab in (customer, stylist):
                await _poll(tab.page, CONNECTED)
                frames = await _poll(tab.page, FRAMES_DECODED)
                assert isinstance(frames, int) and frames > 30

            # An ICE restart renegotiates the same connection: media keeps flowing.
            first_pc = await stylist.page.evaluate("() => window.ccCall.restartAll() || 1")
            assert first_pc == 1
            await _poll(stylist.page, "() => window.ccCall.restarts >= 1")
            await _poll(stylist.page, CONNECTED)
            # The customer's signaling socket drops: they come back into the call, not the lobby.
            await customer.page.evaluate("() => window.ccCall.socket.close()")
            await _poll(customer.page, "() => window.ccCall.socket.readyState === 1")
            await _poll(customer.page, CONNECTED)
            await _poll(stylist.page, CONNECTED)
            await expect(customer.page.locator("#lobby")).to_be_hidden()
            frames = await _poll(customer.page, FRAMES_DECODED)
            assert isinstance(frames, int) and frames > 30

            # Chat beside the video, both ways.
            await customer.page.locator("#chat-input").fill("Here is my navy skirt")
            await customer.page.locator("#chat-form button[type=submit]").click()
            await expect(stylist.page.locator(".chat-message").last).to_have_text(
                "Here is my navy skirt"
            )
            await stylist.page.locator("#chat-input").fill("Lovely, hold it closer")
            await stylist.page.locator("#chat-form button[type=submit]").click()
            await expect(customer.page.locator(".chat-message").last).to_have_text(
                "Lovely, hold it closer"
            )

            # Camera off and screen sharing are shown to the other side too.
            await customer.page.locator("#camera-button").click()
            await expect(stylist.page.locator("#remote-state")).to_contain_text("カメラオフ")
            await customer.page.locator("#camera-button").click()
            await expect(stylist.page.locator("#call")).to_have_attribute(
                "data-remote-camera-off", "false"
            )
            await stylist.page.locator("#share-button").click()
            await expect(customer.page.locator("#remote-state")).to_contain_text("画面を共有中")
            await stylist.page.locator("#share-button").click()
            await expect(customer.page.locator("#remote-state")).not_to_contain_text("画面を共有中")

            # The stylist keeps a still of the garment the customer holds up, and files it:
            # the colour is suggested from the still, the slot from what she calls it.
            await stylist.page.locator("#snapshot-capture").click()
            await expect(stylist.page.locator("#snapshot-preview")).to_be_visible()
            suggested = await stylist.page.locator("#snapshot-colour").input_value()
            assert suggested != ""  # prefilled from the frame
            await expect(stylist.page.locator("#snapshot-colour-hint")).to_contain_text("写真から")
            await stylist.page.locator("#snapshot-form button[type=submit]").click()
            await expect(stylist.page.locator("#snapshot-status")).to_contain_text("何のアイテムか")
            await expect(stylist.page.locator("#snapshot-label")).to_have_attribute(
                "aria-invalid", "true"
            )
            await stylist.page.locator("#snapshot-label").fill("紺のウールコート")
            await expect(stylist.page.locator("#snapshot-label")).to_have_attribute(
                "aria-invalid", "false"
            )
            await expect(stylist.page.locator("#snapshot-status")).to_have_text("")
            await expect(stylist.page.locator("#snapshot-slot")).to_have_value("outerwear")
            await stylist.page.locator("#snapshot-colour").select_option(label="ネイビー")
            await stylist.shot("call-snapshot-file-desktop")
            await stylist.page.locator("#snapshot-form button[type=submit]").click()
            await expect(stylist.page.locator("#snapshot-status")).to_have_text(
                "お客様のクローゼットに保存しました。"
            )
            await expect(stylist.page.locator("#snapshot-details")).to_be_hidden()
            filed = await _owned_snapshot(live_server, appointment_id)
            assert filed == ("紺のウールコート", "outerwear", "navy", "#1f2a44")

            # Muting is seen on the other side.
            await customer.page.locator("#mute-button").click()
            await expect(stylist.page.locator("#remote-state")).to_contain_text("マイクオフ")
            await expect(stylist.page.locator("#call")).to_have_attribute(
                "data-remote-muted", "true"
            )
            await customer.shot("call-connected-phone")
            await stylist.shot("call-connected-desktop")

            # One hang-up ends the session for both and points to the wrap-up and the rating.
            await stylist.page.locator("#hangup-button").click()
            for tab in (stylist, customer):
                await expect(tab.page.locator("#ended")).to_be_visible()
            await expect(customer.page.locator("#ended a.button")).to_be_visible()
            await expect(stylist.page.locator("#ended a.button")).to_be_visible()
            for tab in (customer, stylist):
                assert await tab.page.evaluate("() => window.ccCall.peers.size") == 0
                assert tab.problems == []

            # Wrap-up by the stylist, rating by the customer: both land in the history.
            await stylist.page.locator("#ended a.button").click()
            await stylist.page.locator("#f-summary").fill("紺のコートに合う明るいニットを提案")
            await stylist.page.locator("input[name=outcome]").first.check()
            await stylist.page.locator("form[action$='/wrapup'] button[type=submit]").click()
            await expect(stylist.page.locator("main")).to_contain_text(
                "紺のコートに合う明るいニットを提案"
            )
            await customer.page.locator("#ended a.button").click()
            await customer.page.locator(".star-choice").nth(4).click()
            await customer.page.locator("#f-comment").fill("クローゼットを見てもらえて安心しました")
            await customer.page.locator("form.rating-form button[type=submit]").click()
            await expect(customer.page.locator("main")).to_contain_text(
                "紺のコートに合う明るいニットを提案"
            )  # the stylist's summary is shared with the customer
            await stylist.page.reload()
            await expect(stylist.page.locator("main")).to_contain_text(
                "クローゼットを見てもらえて安心しました"
            )
            # The snapshot is in the customer's wardrobe on their profile, under outerwear.
            await customer.page.goto(f"{base}/me/profile")
            await expect(customer.page.locator("main")).to_contain_text("紺のウールコート")
            await customer.page.goto(f"{base}/me/wardrobe")
            outerwear = customer.page.locator("section:has(h2#slot-outerwear)")
            await expect(outerwear).to_contain_text("紺のウールコート")
            await customer.shot("call-profile-wardrobe-phone")
        finally:
            await customer.context.close()
            await stylist.context.close()

    async def test_the_call_page_says_when_it_opens(
        self, live_server: LiveServer, browser: Browser
    ) -> None:
        base = live_server.base_url
        appointment_id = await _appointment_starting_soon(live_server)
        db = Database(create_engine(live_server.settings.database_url))
        async with write_transaction(db) as session:
            appointment = await session.get(Appointment, appointment_id)
            assert appointment is not None
            appointment.starts_at += timedelta(days=1)
            appointment.ends_at += timedelta(days=1)
            await session.commit()
        await db.dispose()
        customer = await open_tab(browser, locale="ja", phone=True)
        try:
            await log_in(customer.page, base, CUSTOMER, DEMO_PASSWORD)
            await customer.page.goto(f"{base}/appointments/{appointment_id}/call")
            await expect(customer.page.locator("#closed-title")).to_have_text(
                "現在ビデオ相談には参加できません"
            )
            await expect(customer.page.locator("#join-button")).to_have_count(0)
        finally:
            await customer.context.close()


LAYOUT_STYLIST = "shota.takahashi@kinari.example"  # a pair no other call test uses
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}

# Where an element starts on the page (not the scrolled viewport), and the viewport's height.
TOP_ON_PAGE = """(id) => {
  const el = document.getElementById(id);
  const box = el.getBoundingClientRect();
  return {top: box.top + window.scrollY, height: box.height, viewport: window.innerHeight};
}"""
PLAYING = """(id) => {
  const v = document.getElementById(id);
  return Boolean(v && v.srcObject && !v.paused && v.readyState >= 2 && v.videoWidth > 0);
}"""


async def _session_of(live_server: LiveServer, stylist_email: str, start_in: timedelta) -> int:
    db = Database(create_engine(live_server.settings.database_url))
    async with write_transaction(db) as session:
        customer = (await session.exec(select(User).where(User.email == CUSTOMER))).one()
        stylist = (await session.exec(select(User).where(User.email == stylist_email))).one()
        service = (await session.exec(select(Service))).first()
        assert service is not None
        appointment = await make_appointment(
            session, customer=customer, stylist=stylist, service=service, start=utcnow() + start_in
        )
        await session.commit()
        appointment_id = appointment.id
    await db.dispose()
    assert appointment_id is not None
    return appointment_id


async def _in_first_screen(page: Page, element_id: str) -> None:
    where = await page.evaluate(TOP_ON_PAGE, element_id)
    assert where["height"] > 0, f"#{element_id} is not shown"
    assert where["top"] < where["viewport"] * 0.6, f"#{element_id} starts {where} down the page"


class TestCallLayout:
    @pytest.mark.parametrize("size", ["desktop", "phone"])
    async def test_video_stays_on_top_and_the_self_view_plays_then_an_early_call_can_be_wrapped_up(
        self, live_server: LiveServer, browser: Browser, size: str
    ) -> None:
        base = live_server.base_url
        # Eight minutes before the start: the call is open (it opens ten minutes early).
        appointment_id = await _session_of(live_server, LAYOUT_STYLIST, timedelta(minutes=8))
        stylist = await open_tab(browser, locale="ja", phone=size == "phone")
        customer = await open_tab(browser, locale="ja", phone=True)
        await stylist.page.set_viewport_size(SIZES[size])
        try:
            await log_in(stylist.page, base, LAYOUT_STYLIST, DEMO_PASSWORD)
            await log_in(customer.page, base, CUSTOMER, DEMO_PASSWORD)
            for tab in (stylist, customer):
                tab.problems.clear()  # this test is about the call page
            await stylist.page.goto(f"{base}/appointments/{appointment_id}/call")
            await expect(stylist.page.locator("#join-button")).to_be_enabled()
            await _in_first_screen(stylist.page, "preview")
            await _poll(stylist.page, f"() => ({PLAYING})('preview')")
            await stylist.shot(f"call-layout-lobby-{size}")

            await stylist.page.locator("#join-button").click()
            await expect(stylist.page.locator("#stage")).to_be_visible()
            await _in_first_screen(stylist.page, "remote")
            await _poll(stylist.page, f"() => ({PLAYING})('local')")  # the self-view is live
            await customer.page.goto(f"{base}/appointments/{appointment_id}/call")
            await customer.page.locator("#join-button").click()
            await stylist.page.locator("#waiting-list button").click()
            await _poll(stylist.page, CONNECTED)
            await _poll(stylist.page, f"() => ({PLAYING})('remote')")
            await _poll(stylist.page, f"() => ({PLAYING})('local')")
            await _in_first_screen(stylist.page, "remote")
            await stylist.shot(f"call-layout-connected-{size}")
            # Nothing pushes the page sideways (the staff panels once made a phone 442 px wide).
            widths = await stylist.page.evaluate(
                "() => [document.documentElement.scrollWidth, window.innerWidth]"
            )
            assert widths[0] <= widths[1], widths
            # A snapshot on this screen size too: taken, filed by slot and colour, saved.
            await stylist.page.locator("#snapshot-capture").click()
            await stylist.page.locator("#snapshot-label").fill("ベージュのトレンチコート")
            await expect(stylist.page.locator("#snapshot-slot")).to_have_value("outerwear")
            await stylist.page.locator("#snapshot-colour").select_option(label="ベージュ")
            await stylist.page.locator("#snapshot-details").scroll_into_view_if_needed()
            await stylist.shot(f"call-layout-snapshot-{size}")
            await stylist.page.locator("#snapshot-form button[type=submit]").click()
            await expect(stylist.page.locator("#snapshot-status")).to_have_text(
                "お客様のクローゼットに保存しました。"
            )
            filed = await _owned_snapshot(live_server, appointment_id)
            assert filed == ("ベージュのトレンチコート", "outerwear", "beige", "#d8c3a5")

            await stylist.page.locator("#hangup-button").click()
            await expect(stylist.page.locator("#ended")).to_be_visible()
            await stylist.page.evaluate("() => window.scrollTo(0, 0)")
            await _in_first_screen(stylist.page, "ended")
            await stylist.shot(f"call-layout-ended-{size}")
            for tab in (stylist, customer):
                assert tab.problems == [], tab.problems
            # Hung up before the start: the wrap-up is open, as the call took place.
            await stylist.page.locator("#ended a.button").click()
            await stylist.page.locator("#f-summary").fill(
                "開始前に通話、紺のスカートに合うトップスを提案"
            )
            await stylist.page.locator("input[name=outcome]").first.check()
            await stylist.page.locator("form[action$='/wrapup'] button[type=submit]").click()
            await expect(stylist.page.locator("main")).to_contain_text(
                "開始前に通話、紺のスカートに合うトップスを提案"
            )
        finally:
            await customer.context.close()
            await stylist.context.close()

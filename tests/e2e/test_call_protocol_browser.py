"""The call page against the signaling protocol's edges, in real browsers and in Japanese: a second
tab takes the call over and the first one says so (close 4001), fresh TURN credentials are applied
to the running connection (pc.setConfiguration), and the call window ending mid-call ends the call
on both sides with the reason shown (close 4002)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.async_api import Browser, Page, expect

from app.booking.models import Appointment
from app.core.db import Database, create_engine, write_transaction
from app.core.types import utcnow
from app.demo.loader import DEMO_PASSWORD
from tests.e2e.conftest import LiveServer, Tab, open_tab
from tests.e2e.test_accounts_browser import log_in
from tests.e2e.test_call_browser import (
    CONNECTED,
    CUSTOMER,
    STYLIST,
    _appointment_starting_soon,
    _poll,
)


async def _join(page: Page, base: str, appointment_id: int) -> None:
    await page.goto(f"{base}/appointments/{appointment_id}/call")
    join = page.locator("#join-button")
    await expect(join).to_be_enabled()
    await join.click()


async def _in_call(base: str, appointment_id: int, customer: Tab, stylist: Tab) -> None:
    await log_in(customer.page, base, CUSTOMER, DEMO_PASSWORD)
    await log_in(stylist.page, base, STYLIST, DEMO_PASSWORD)
    await _join(customer.page, base, appointment_id)
    await expect(customer.page.locator("#lobby-status")).to_contain_text("待機室に入りました")
    await _join(stylist.page, base, appointment_id)
    await stylist.page.locator("#waiting-list button").click()
    await expect(customer.page.locator("#stage")).to_be_visible()
    for tab in (customer, stylist):
        await _poll(tab.page, CONNECTED)


def _page_errors(tab: Tab) -> list[str]:
    return [p for p in tab.problems if p.startswith("page error")]


class TestCallProtocolInTheBrowser:
    async def test_a_second_tab_takes_the_call_over_and_the_first_says_so(
        self, live_server: LiveServer, browser: Browser
    ) -> None:
        base = live_server.base_url
        appointment_id = await _appointment_starting_soon(live_server)
        customer = await open_tab(browser, locale="ja", phone=True)
        stylist = await open_tab(browser, locale="ja", phone=False)
        try:
            await _in_call(base, appointment_id, customer, stylist)
            seconds: list[Tab] = []
            for first, shot in (
                (customer, "call-replaced-phone"),
                (stylist, "call-replaced-desktop"),
            ):
                second = Tab(await first.context.new_page(), first.context)
                second.page.on(
                    "pageerror", lambda e, t=second: t.problems.append(f"page error: {e}")
                )
                await _join(second.page, base, appointment_id)
                # The first tab steps back to the lobby and says where the call went.
                await expect(first.page.locator("#lobby")).to_be_visible()
                await expect(first.page.locator("#lobby-status")).to_contain_text(
                    "別のタブまたはウィンドウで開かれています"
                )
                await expect(first.page.locator("#join-button")).to_be_enabled()
                assert await first.page.evaluate("() => window.ccCall.peers.size") == 0
                await first.shot(shot)
                # The second tab is in the call, straight away (admission is kept).
                await expect(second.page.locator("#stage")).to_be_visible()
                await _poll(second.page, CONNECTED)
                seconds.append(second)  # the customer's stays in the call for the stylist's turn
            for tab in (customer, stylist, *seconds):
                assert _page_errors(tab) == []
        finally:
            await customer.context.close()
            await stylist.context.close()

    async def test_fresh_ice_servers_are_applied_and_the_window_end_ends_the_call(
        self, live_server: LiveServer, browser: Browser, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        settings = live_server.settings
        # A TURN server nobody answers at: credentials are still issued and refreshed.
        monkeypatch.setattr(settings, "ice_turn_urls", ["turn:127.0.0.1:9?transport=udp"])
        monkeypatch.setattr(settings, "turn_secret", "browser-test-secret")
        monkeypatch.setattr(settings, "turn_ttl_seconds", 3)
        monkeypatch.setattr(settings, "call_keepalive_interval_seconds", 0.5)
        base = live_server.base_url
        appointment_id = await _appointment_starting_soon(live_server)
        customer = await open_tab(browser, locale="ja", phone=True)
        stylist = await open_tab(browser, locale="ja", phone=False)
        try:
            await _in_call(base, appointment_id, customer, stylist)
            for tab in (customer, stylist):
                await _poll(tab.page, "() => (window.ccCall.iceRefreshes || 0) >= 1")
                # The running connection carries the credentials of the latest push.
                applied = await tab.page.evaluate(
                    """() => {
                      const latest = window.ccCall.iceServers.find(s => s.username);
                      const pc = [...window.ccCall.peers.values()][0].pc;
                      const used = pc.getConfiguration().iceServers.find(s => s.username);
                      return [latest.username, used.username];
                    }"""
                )
                assert applied[0] == applied[1]
                await _poll(tab.page, CONNECTED)

            # The session's time runs out mid-call: both sides see the call ended, and why.
            db = Database(create_engine(settings.database_url))
            async with write_transaction(db) as session:
                appointment = await session.get(Appointment, appointment_id)
                assert appointment is not None
                appointment.ends_at = utcnow() - timedelta(minutes=31)
                appointment.starts_at = appointment.ends_at - timedelta(minutes=30)
                await session.commit()
            await db.dispose()
            for tab, shot in (
                (customer, "call-window-over-phone"),
                (stylist, "call-window-over-desktop"),
            ):
                await expect(tab.page.locator("#ended")).to_be_visible()
                await expect(tab.page.locator("#ended-reason")).to_have_text(
                    "セッションの時間が終わったため、通話を終了しました。"
                )
                assert await tab.page.evaluate("() => window.ccCall.peers.size") == 0
                await tab.shot(shot)
                assert _page_errors(tab) == []
        finally:
            await customer.context.close()
            await stylist.context.close()

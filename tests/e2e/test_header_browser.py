"""The header of every page: one compact row on a phone with a menu button (a disclosure a keyboard
can open and Escape closes), the full nav on a desktop, the links still there without JavaScript."""

from __future__ import annotations

import re

from playwright.async_api import Browser, Page, expect

from app.demo.loader import DEMO_PASSWORD
from tests.e2e.conftest import LiveServer, open_tab
from tests.e2e.test_accounts_browser import log_in

CUSTOMER = "yuki.sato@example.jp"
PHONE_HEADER_MAX_PX = 64  # one row: the brand and the menu button (44 px targets)
CUSTOMER_LINKS = ["予約する", "予約一覧", "マイページ", "メッセージ一覧"]


async def _signed_in(page: Page, base: str) -> None:
    await log_in(page, base, CUSTOMER, DEMO_PASSWORD)
    await expect(page).not_to_have_url(re.compile(r"/login"))


class TestPhoneHeader:
    async def test_one_row_and_a_menu_a_keyboard_opens_and_escape_closes(
        self, live_server: LiveServer, browser: Browser
    ) -> None:
        base = live_server.base_url
        tab = await open_tab(browser, locale="ja", phone=True)
        page = tab.page
        await _signed_in(page, base)
        for path in ("/me", "/appointments", "/conversations", "/book"):
            await page.goto(base + path)
            box = await page.locator(".site-header").bounding_box()
            assert box is not None and box["height"] <= PHONE_HEADER_MAX_PX, (path, box)
        nav = page.get_by_role("navigation", name="メイン")
        button = page.get_by_role("button", name="メニュー")
        await expect(button).to_have_attribute("aria-expanded", "false")
        await expect(button).to_have_attribute("aria-controls", "site-nav")
        await expect(nav.get_by_role("link", name="予約一覧")).to_be_hidden()

        # Keyboard only: Tab past the skip link and the brand, Enter opens, Escape closes.
        await page.evaluate("document.activeElement && document.activeElement.blur()")
        for _ in range(3):
            await page.keyboard.press("Tab")
        await expect(button).to_be_focused()
        await page.keyboard.press("Enter")
        await expect(button).to_have_attribute("aria-expanded", "true")
        for name in CUSTOMER_LINKS:
            await expect(nav.get_by_role("link", name=name, exact=True)).to_be_visible()
        await expect(nav.get_by_role("button", name="ログアウト")).to_be_visible()
        await expect(nav.get_by_role("link", name="予約する")).to_have_attribute(
            "aria-current", "page"
        )  # the page the menu was opened on
        await page.keyboard.press("Tab")
        await expect(nav.get_by_role("link", name="予約する")).to_be_focused()
        await page.keyboard.press("Escape")
        await expect(button).to_have_attribute("aria-expanded", "false")
        await expect(button).to_be_focused()
        await expect(nav.get_by_role("link", name="予約一覧")).to_be_hidden()

        # Space toggles it too; a tap outside closes it; a link in it works.
        await page.keyboard.press("Space")
        await expect(button).to_have_attribute("aria-expanded", "true")
        await page.locator("#lang-label").click()  # below the open panel
        await expect(button).to_have_attribute("aria-expanded", "false")
        await button.click()
        await tab.shot("header_menu_ja_phone")
        await nav.get_by_role("link", name="予約一覧").click()
        await expect(page).to_have_url(f"{base}/appointments")
        await expect(page.get_by_role("button", name="メニュー")).to_have_attribute(
            "aria-expanded", "false"
        )
        assert tab.problems == [], tab.problems
        await tab.context.close()

    async def test_signed_out_the_two_links_sit_in_the_row(
        self, live_server: LiveServer, browser: Browser
    ) -> None:
        tab = await open_tab(browser, locale="ja", phone=True)
        await tab.page.goto(live_server.base_url + "/")
        box = await tab.page.locator(".site-header").bounding_box()
        assert box is not None and box["height"] <= PHONE_HEADER_MAX_PX, box
        nav = tab.page.get_by_role("navigation", name="メイン")
        await expect(nav.get_by_role("link", name="ログイン")).to_be_visible()
        await expect(nav.get_by_role("link", name="新規登録")).to_be_visible()
        await expect(tab.page.get_by_role("button", name="メニュー")).to_have_count(0)
        assert tab.problems == [], tab.problems
        await tab.context.close()

    async def test_without_javascript_the_links_are_shown(
        self, live_server: LiveServer, browser: Browser
    ) -> None:
        context = await browser.new_context(
            viewport={"width": 390, "height": 844},
            locale="ja",
            java_script_enabled=False,
            extra_http_headers={"Accept-Language": "ja"},
        )
        page = await context.new_page()
        await _signed_in(page, live_server.base_url)
        nav = page.get_by_role("navigation", name="メイン")
        for name in CUSTOMER_LINKS:
            await expect(nav.get_by_role("link", name=name, exact=True)).to_be_visible()
        await expect(page.locator("#menu-button")).to_be_hidden()
        await context.close()


class TestDesktopHeader:
    async def test_the_full_nav_and_no_menu_button(
        self, live_server: LiveServer, browser: Browser
    ) -> None:
        tab = await open_tab(browser, locale="ja", phone=False)
        page = tab.page
        await _signed_in(page, live_server.base_url)
        nav = page.get_by_role("navigation", name="メイン")
        for name in CUSTOMER_LINKS:
            await expect(nav.get_by_role("link", name=name, exact=True)).to_be_visible()
        await expect(page.locator("#menu-button")).to_be_hidden()
        box = await page.locator(".site-header").bounding_box()
        assert box is not None and box["height"] <= PHONE_HEADER_MAX_PX, box
        await tab.shot("header_ja_desktop")
        assert tab.problems == [], tab.problems
        await tab.context.close()

"""In a real browser: a stylist offers a shift, the manager approves it, a customer books from it,
sees it, moves it and cancels it; the stylist sees it in her agenda; the emails carry calendar files."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.async_api import Browser, expect

from app.demo.loader import DEMO_PASSWORD
from tests.conftest import read_outbox
from tests.e2e.conftest import LiveServer, open_tab
from tests.e2e.test_accounts_browser import log_in

AIKO = "aiko.tanaka@kinari.example"
YUKI = "yuki.sato@example.jp"


def next_free_sunday() -> datetime:
    """A Sunday at least two days ahead in Tokyo: 田中 愛子 has no pattern on Sundays."""
    today = datetime.now(ZoneInfo("Asia/Tokyo")).date()
    day = today + timedelta(days=2)
    while day.weekday() != 6:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, tzinfo=ZoneInfo("Asia/Tokyo"))


class TestBookingJourney:
    async def test_shift_request_approval_booking_reschedule_cancel(
        self, live_server: LiveServer, browser: Browser
    ) -> None:
        base = live_server.base_url
        sunday = next_free_sunday()
        day = sunday.date().isoformat()
        label = f"{sunday.month}/{sunday.day}(日)"

        # 1. The stylist offers an evening shift from home.
        stylist = await open_tab(browser, locale="ja", phone=False)
        await log_in(stylist.page, base, AIKO, DEMO_PASSWORD)
        await stylist.page.goto(f"{base}/stylist/week?week={day}")
        await stylist.page.get_by_label("日付").fill(day)
        await stylist.page.get_by_label(re.compile(r"^開始")).fill("19:00")
        await stylist.page.get_by_label(re.compile(r"^終了")).fill("21:00")
        await stylist.page.get_by_label("店長へのメモ").fill("日曜の夜も入れます")
        await stylist.page.get_by_role("button", name="申請する").click()
        await expect(stylist.page.get_by_role("status")).to_have_text("店長に送信しました。")
        await expect(stylist.page.locator(".week-list")).to_contain_text("19:00–21:00 (承認待ち)")

        # 2. The manager approves it on the roster.
        manager = await open_tab(browser, locale="ja", phone=False)
        await log_in(manager.page, base, "manager.shibuya@kinari.example", DEMO_PASSWORD)
        await manager.page.goto(f"{base}/manager/roster?week={day}")
        pending = manager.page.locator(".request-row", has_text="19:00–21:00")
        await expect(pending).to_contain_text("田中 愛子")
        await pending.get_by_role("button", name=re.compile("^田中 愛子の.*を承認$")).click()
        await expect(manager.page.get_by_role("status")).to_have_text("保存しました。")
        await expect(manager.page.locator("table.roster")).to_contain_text("19:00–21:00")
        await manager.shot("roster_after_approval_ja_desktop")

        # 3. The customer books 19:00 with Aiko that Sunday, on her phone.
        customer = await open_tab(browser, locale="ja", phone=True)
        page = customer.page
        await log_in(page, base, YUKI, DEMO_PASSWORD)
        await page.get_by_role("link", name="予約する", exact=True).click()
        await (
            page.locator("section", has_text="キナリ 渋谷店")
            .get_by_role("link", name=re.compile("スタイリング相談 30分"))
            .click()
        )
        await expect(
            page.get_by_role("link", name=re.compile("田中 愛子.*前回の担当"))
        ).to_be_visible()
        await page.get_by_role("link", name=re.compile("田中 愛子")).click()
        await page.locator("a.day", has_text=label).click()
        await expect(
            page.get_by_role(
                "heading", level=2, name=re.compile(re.escape(f"{sunday.month}月{sunday.day}日"))
            )
        ).to_be_visible()
        await expect(page.locator(".slot")).to_have_text(["19:00", "19:30", "20:00", "20:30"])
        await customer.shot("booking_times_ja_phone")
        await page.get_by_role("link", name="19:00").click()
        await page.get_by_label("どんなことをご相談したいですか？").fill(
            "紺のスカートに合うトップスを知りたい"
        )
        await page.get_by_role("button", name="この日時で予約する").click()
        await expect(page.get_by_role("status")).to_contain_text("ご予約を承りました")
        await expect(page.locator("main")).to_contain_text(
            f"{sunday.month}月{sunday.day}日(日) 19:00"
        )
        await expect(page.locator("main")).to_contain_text("田中 愛子")
        await customer.shot("booking_done_ja_phone")

        await page.get_by_role("link", name="予約一覧").click()
        upcoming = page.locator("section", has_text="今後のご予約")
        await expect(upcoming).to_contain_text(f"{sunday.month}月{sunday.day}日(日) 19:00")

        # 4. The stylist sees it in her week, and opens it. (Her home page lists the next 7 days
        #    only, and from Saturday to Sunday 19:00 JST the Sunday picked above is further away.)
        await stylist.page.goto(f"{base}/stylist/week?week={sunday.date().isoformat()}")
        booked = stylist.page.locator("a.appt", has_text="19:00")
        await expect(booked).to_have_count(1)
        await booked.click()
        await expect(stylist.page.locator("main")).to_contain_text("佐藤 由紀")
        await expect(stylist.page.locator("main")).to_contain_text(
            "紺のスカートに合うトップスを知りたい"
        )

        # 5. The customer moves it to 20:00, then cancels it.
        await upcoming.get_by_role("link").first.click()
        await page.get_by_role("link", name="別の日時に変更").click()
        await page.locator("a.day", has_text=label).click()
        await page.get_by_role("button", name="20:00").click()
        await expect(page.get_by_role("status")).to_contain_text("変更しました")
        await expect(page.locator("main")).to_contain_text(
            f"{sunday.month}月{sunday.day}日(日) 20:00"
        )
        await page.get_by_role("button", name="この予約をキャンセル").click()
        await expect(page.get_by_role("status")).to_have_text("キャンセルしました。")
        await expect(page.locator("main")).to_contain_text("キャンセル済み")

        # 6. The emails, each with its calendar file.
        mails = [m for m in read_outbox(live_server.outbox) if m["To"] == YUKI]
        subjects = [m["Subject"] for m in mails]
        assert any(s.startswith("ご予約を承りました") for s in subjects), subjects
        assert any(s.startswith("ご予約の日時を変更しました") for s in subjects), subjects
        assert any("キャンセルされました" in s for s in subjects), subjects
        for mail in mails:
            [ics] = list(mail.iter_attachments())
            content = ics.get_content()
            text = content.decode() if isinstance(content, bytes) else content
            assert "BEGIN:VEVENT" in text and "田中 愛子" in text.replace("\r\n ", "")
        for tab in (customer, stylist, manager):
            assert tab.problems == [], tab.problems
            await tab.context.close()

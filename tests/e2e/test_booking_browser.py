"""In a real browser: a stylist offers a shift, the manager approves it, a customer books from it,
sees it, moves it and cancels it; the stylist sees it in her agenda; the emails carry calendar files."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.async_api import Browser, Page, expect

from app.core.db import Database, create_engine
from app.demo.loader import DEMO_PASSWORD
from tests.conftest import read_outbox
from tests.e2e.conftest import LiveServer, open_tab
from tests.e2e.test_accounts_browser import log_in
from tests.factories import PASSWORD, make_customer

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
        await page.get_by_role("button", name="メニュー").click()  # on a phone the nav is a menu
        await page.goto(f"{base}/book")  # (the phone header's menu has its own test)
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

        await page.get_by_role("button", name="メニュー").click()  # on a phone the nav is a menu
        await page.goto(f"{base}/appointments")
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

        # 5. The customer moves it to 20:00 (a confirm step names the stylist), then cancels it.
        #    (Her first upcoming session is the demo's one starting in minutes: pick Sunday's.)
        await upcoming.get_by_role(
            "link", name=re.compile(f"{sunday.month}月{sunday.day}日")
        ).click()
        await page.get_by_role("link", name="別の日時に変更").click()
        await page.locator("a.day", has_text=label).click()
        await page.get_by_role("link", name="20:00").click()
        await page.get_by_role("button", name="この日時に変更する（担当：田中 愛子）").click()
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


# ---------------------------------------------------------------- issue 12: booking and roster


def next_weekday(weekday: int, at_least: int = 2) -> date:
    """The first such weekday at least ``at_least`` days ahead in Tokyo (inside the 14-day strip)."""
    day = datetime.now(ZoneInfo("Asia/Tokyo")).date() + timedelta(days=at_least)
    while day.weekday() != weekday:
        day += timedelta(days=1)
    return day


def day_label(day: date) -> str:
    return f"{day.month}/{day.day}({'月火水木金土日'[day.weekday()]})"


async def new_customer(live_server: LiveServer) -> str:
    """A customer of her own (no history), so journeys here do not change Yuki's last stylist."""
    engine = create_engine(live_server.settings.database_url)
    async with Database(engine).sessions() as session:
        user = await make_customer(session, locale="ja", family_name="木村", given_name="彩")
        await session.commit()
        email = user.email
    await engine.dispose()
    return email


async def service_id(page: Page, base: str, name: str) -> int:
    services = await (await page.request.get(f"{base}/api/v1/services")).json()
    return next(s["id"] for s in services if s["name_ja"] == name)


async def staff_id_of(page: Page, base: str, svc: int, name: str) -> int:
    html = await (await page.request.get(f"{base}/book/{svc}?anyone=1")).text()
    match = re.search(rf'staff_id=(\d+)[^"]*"[^>]*>{re.escape(name)}', html)
    assert match, f"no chip for {name}"
    return int(match.group(1))


class TestBookingAndRosterJourneys:
    """Each journey failed on the code before issue 12 (noted per test)."""

    async def test_the_last_stylist_is_preselected_and_the_confirmation_names_her_and_the_deadline(
        self, live_server: LiveServer, browser: Browser
    ) -> None:
        # Before: 「指名なし」 stayed selected although 田中 愛子 was labelled (前回の担当).
        base = live_server.base_url
        tab = await open_tab(browser, locale="ja", phone=True)
        page = tab.page
        await log_in(page, base, YUKI, DEMO_PASSWORD)
        await page.goto(f"{base}/book")
        await (
            page.locator("section", has_text="キナリ 渋谷店")
            .get_by_role("link", name=re.compile("スタイリング相談 30分"))
            .click()
        )
        aiko = page.get_by_role("link", name=re.compile("田中 愛子.*前回の担当"))
        await expect(aiko).to_have_attribute("aria-current", "true")
        await expect(page.get_by_role("link", name="指名なし")).not_to_have_attribute(
            "aria-current", "true"
        )
        monday = next_weekday(0)
        await page.locator("a.day", has_text=day_label(monday)).click()
        await tab.shot("book_preselected_ja_phone")
        await page.get_by_role("link", name="11:00").click()
        facts = page.locator("dl.facts")
        await expect(facts).to_contain_text("田中 愛子")
        await expect(facts).to_contain_text("日本時間")
        deadline = datetime(
            monday.year, monday.month, monday.day, 11, tzinfo=ZoneInfo("Asia/Tokyo")
        )
        deadline -= timedelta(hours=24)
        await expect(page.locator("main")).to_contain_text(
            f"オンラインでの変更・キャンセルは{deadline.month}月{deadline.day}日"
        )
        await expect(page.get_by_role("button", name=re.compile("担当：田中 愛子"))).to_be_visible()
        assert "Asia/Tokyo" not in await page.content()
        assert tab.problems == [], tab.problems
        await tab.context.close()

    async def test_a_same_day_session_shows_why_it_cannot_be_changed_online(
        self, live_server: LiveServer, browser: Browser
    ) -> None:
        # Before: the buttons were live and failed only after the tap.
        base = live_server.base_url
        tab = await open_tab(browser, locale="ja", phone=True)
        page = tab.page
        await log_in(page, base, YUKI, DEMO_PASSWORD)
        await page.goto(f"{base}/appointments")
        # The demo's session with 田中 愛子 starts in a few minutes: well inside the 24 hours.
        await (
            page.locator("section", has_text="今後のご予約")
            .locator("a.appointment-row")
            .first.click()
        )
        change = page.get_by_role("button", name="別の日時に変更")
        cancel = page.get_by_role("button", name="この予約をキャンセル")
        await expect(change).to_be_disabled()
        await expect(cancel).to_be_disabled()
        reason = page.locator("#change-closed")
        await expect(reason).to_have_text(
            "オンラインでの変更は開始の24時間前までです。店舗へお問い合わせください。"
        )
        assert await change.get_attribute("aria-describedby") == "change-closed"
        await expect(page.get_by_role("link", name="別の日時に変更")).to_have_count(0)
        await tab.shot("appointment_change_closed_ja_phone")
        assert tab.problems == [], tab.problems
        await tab.context.close()

    async def test_a_reschedule_to_another_stylists_time_is_confirmed_naming_her(
        self, live_server: LiveServer, browser: Browser
    ) -> None:
        # Before: tapping a time committed at once and silently gave the session to 高橋 翔太.
        base = live_server.base_url
        email = await new_customer(live_server)
        tab = await open_tab(browser, locale="ja", phone=True)
        page = tab.page
        await log_in(page, base, email, PASSWORD)
        svc = await service_id(page, base, "スタイリング相談 30分")
        aiko = await staff_id_of(page, base, svc, "田中 愛子")
        monday = next_weekday(0)
        await page.goto(f"{base}/book/{svc}?staff_id={aiko}&day={monday.isoformat()}")
        await page.get_by_role("link", name="10:00").click()
        await page.get_by_role("button", name=re.compile("この日時で予約する")).click()
        await expect(page.get_by_role("status")).to_contain_text("担当：田中 愛子")

        await page.get_by_role("link", name="別の日時に変更").click()
        # Her own stylist's times first: 田中 愛子 works 10:00–14:00 on Mondays, no evening.
        await expect(page.locator("main")).to_contain_text("現在の担当、田中 愛子の空き時間です。")
        await expect(page.get_by_role("link", name=re.compile("^18:00"))).to_have_count(0)
        await page.get_by_role("link", name="他のスタイリストの時間も表示").click()
        await page.locator("a.day", has_text=day_label(monday)).click()
        evening = page.get_by_role("link", name=re.compile("^18:00"))
        await expect(evening).to_contain_text("高橋 翔太")
        await evening.click()
        await expect(page.get_by_role("alert")).to_have_text(
            "田中 愛子はこの時間に空きがありません。高橋 翔太が担当を引き継ぎます。"
        )
        await tab.shot("reschedule_confirm_other_stylist_ja_phone")
        await page.get_by_role("button", name="この日時に変更する（担当：高橋 翔太）").click()
        await expect(page.get_by_role("status")).to_contain_text("担当は高橋 翔太です")
        await expect(page.locator("dl.facts")).to_contain_text(
            f"{monday.month}月{monday.day}日({'月火水木金土日'[monday.weekday()]}) 18:00"
        )
        assert tab.problems == [], tab.problems
        await tab.context.close()

    async def test_the_waitlist_works_with_a_chosen_stylist_and_her_day_off_is_not_full(
        self, live_server: LiveServer, browser: Browser
    ) -> None:
        # Before: her day off read 満席 and the waitlist button led to an error page.
        base = live_server.base_url
        email = await new_customer(live_server)
        tab = await open_tab(browser, locale="ja", phone=True)
        page = tab.page
        await log_in(page, base, email, PASSWORD)
        svc = await service_id(page, base, "スタイリング相談 30分")
        aiko = await staff_id_of(page, base, svc, "田中 愛子")
        thursday = next_weekday(3)  # 田中 愛子: 19:00–22:00
        services = await (await page.request.get(f"{base}/api/v1/services")).json()
        store = next(x["store_id"] for x in services if x["id"] == svc)
        start = datetime(thursday.year, thursday.month, thursday.day, tzinfo=ZoneInfo("Asia/Tokyo"))
        token = (await (await page.request.get(f"{base}/api/v1/auth/csrf")).json())["csrf_token"]
        for _ in range(10):  # fill her evening through the API
            found = await (
                await page.request.get(
                    f"{base}/api/v1/slots",
                    params={"store_id": store, "service_id": svc, "staff_id": aiko,
                            "start": start.isoformat(),
                            "end": (start + timedelta(days=1)).isoformat()},
                )
            ).json()  # fmt: skip
            if not found["data"]:
                break
            booked = await page.request.post(
                f"{base}/api/v1/appointments",
                data={"service_id": svc, "start": found["data"][0]["start"], "staff_id": aiko},
                headers={"X-CSRF-Token": token},
            )
            assert booked.status == 201, await booked.text()
        await page.goto(f"{base}/book/{svc}?staff_id={aiko}&day={thursday.isoformat()}")
        await expect(page.locator("a.day", has_text=day_label(thursday))).to_contain_text("満席")
        saturday = next_weekday(
            5
        )  # (not tomorrow: the demo's session around now can run past midnight)
        await expect(page.locator("a.day", has_text=day_label(saturday))).to_contain_text("お休み")
        await tab.shot("waitlist_full_day_ja_phone")
        await page.get_by_role("button", name="この日の田中 愛子のキャンセル待ちに登録する").click()
        await expect(page.get_by_role("status")).to_have_text(
            "キャンセル待ちに登録しました。この日に空きが出たらメールでお知らせします。"
        )
        await expect(page.locator(".chip[aria-current=true]")).to_contain_text("田中 愛子")
        await page.locator("a.day", has_text=day_label(saturday)).click()
        await expect(page.locator("main")).to_contain_text("田中 愛子はこの日はお休みです。")
        await expect(page.get_by_role("button", name=re.compile("キャンセル待ち"))).to_have_count(0)
        assert tab.problems == [], tab.problems
        await tab.context.close()

    async def test_saving_a_service_unchanged_keeps_every_field(
        self, live_server: LiveServer, browser: Browser
    ) -> None:
        # Before: the form had no slot-interval field and saving turned 30 into 15 minutes.
        base = live_server.base_url
        tab = await open_tab(browser, locale="ja", phone=True)
        page = tab.page
        await log_in(page, base, "manager.shibuya@kinari.example", DEMO_PASSWORD)
        before = await (await page.request.get(f"{base}/api/v1/services")).json()
        await page.goto(f"{base}/manager/services")
        first = page.locator("details.service-edit").first
        await first.locator("summary").click()
        await expect(first.get_by_label("開始時刻の間隔（分）")).to_have_value("30")
        await expect(first.get_by_label("料金（円・税込）")).to_be_visible()
        await expect(first.get_by_label("短い説明（日本語）")).to_be_visible()
        await tab.shot("service_form_ja_phone")
        await first.get_by_role("button", name="保存する").click()
        await expect(page.get_by_role("status")).to_have_text("保存しました。")
        after = await (await page.request.get(f"{base}/api/v1/services")).json()
        assert after == before
        assert tab.problems == [], tab.problems
        await tab.context.close()

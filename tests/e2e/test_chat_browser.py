"""Real browsers chat: both ways, typing, read receipts, text stays text; and the chat behaves like
the apps people use every day: times and day separators in the store's zone, Enter to send (never
while an IME is composing), a photo button in the composer, the composer pinned on phones."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.async_api import Browser, Page, expect
from sqlmodel import select

from app.accounts.models import User
from app.booking.models import Appointment, Service
from app.chat.models import ChatMessage, Conversation
from app.core.db import Database, create_engine, write_transaction
from app.core.types import utcnow
from app.demo import people
from app.demo.loader import DEMO_PASSWORD
from tests.e2e.conftest import LiveServer, Tab, _request_failed, open_tab
from tests.e2e.test_accounts_browser import log_in
from tests.photos import photo

TOKYO = ZoneInfo("Asia/Tokyo")  # the demo stores' zone
WEEKDAYS_JA = "月火水木金土日"


async def _appointment_for_yuki_and_aiko(live_server: LiveServer) -> int:
    db = Database(create_engine(live_server.settings.database_url))
    async with write_transaction(db) as session:
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


@dataclass
class Pair:
    conversation_id: int
    customer_email: str
    staff_email: str


async def _conversation(
    live_server: LiveServer, customer_index: int, history: Sequence[tuple[datetime, str]] = ()
) -> Pair:
    """A conversation of a demo customer (not one other browser tests use) and 小林 由美, with
    ``history`` already stored as messages from the stylist at the given instants."""
    db = Database(create_engine(live_server.settings.database_url))
    async with write_transaction(db) as session:
        # Demo customers only, from the end of the list (other browser tests sign up customers
        # with their own passwords, and the first demo customers are theirs to use).
        emails = [email for email, *_rest in people.customers()]
        customer = (
            await session.exec(select(User).where(User.email == emails[-1 - customer_index]))
        ).one()
        staff = (
            await session.exec(select(User).where(User.email == "yumi.kobayashi@kinari.example"))
        ).one()
        store_id = (await session.exec(select(Service))).first().store_id  # type: ignore[union-attr]
        conversation = Conversation(
            customer_id=customer.id,  # type: ignore[arg-type]
            staff_id=staff.id,  # type: ignore[arg-type]
            store_id=store_id,
            last_seq=len(history),
        )
        session.add(conversation)
        await session.flush()
        for seq, (moment, body) in enumerate(history, start=1):
            session.add(
                ChatMessage(
                    conversation_id=conversation.id,  # type: ignore[arg-type]
                    seq=seq,
                    sender_id=staff.id,  # type: ignore[arg-type]
                    client_msg_id=f"history-{seq}",
                    body=body,
                    created_at=moment,
                )
            )
        await session.commit()
        pair = Pair(conversation.id, customer.email, staff.email)  # type: ignore[arg-type]
    await db.dispose()
    return pair


async def _tab(
    browser: Browser, *, phone: bool = True, touch: bool = False, zone: str = "UTC"
) -> Tab:
    """A Japanese tab; ``touch`` makes the main pointer coarse, as on a phone; ``zone`` is the
    browser's own time zone (never the one messages are shown in)."""
    viewport = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 800}
    context = await browser.new_context(
        viewport=viewport,
        locale="ja",
        timezone_id=zone,
        has_touch=touch,
        is_mobile=touch,
        extra_http_headers={"Accept-Language": "ja"},
    )
    page = await context.new_page()
    tab = Tab(page, context)
    page.on(
        "console",
        lambda m: tab.problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: tab.problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: _request_failed(tab, r.url, r.failure))
    return tab


async def _open(tab: Tab, live_server: LiveServer, pair: Pair, *, staff: bool = False) -> Page:
    page = tab.page
    email = pair.staff_email if staff else pair.customer_email
    await log_in(page, live_server.base_url, email, DEMO_PASSWORD)
    await expect(page).not_to_have_url(re.compile(r"/login"))
    tab.problems.clear()  # only the conversation page is under test here
    await page.goto(f"{live_server.base_url}/conversations/{pair.conversation_id}")
    await expect(page.get_by_role("status")).to_have_text("接続しました")
    return page


def _day_label_ja(day: datetime, today: datetime) -> str:
    label = f"{day.month}月{day.day}日({WEEKDAYS_JA[day.weekday()]})"
    return label if day.year == today.year else f"{day.year}年{label}"


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
        await expect(customer.page.locator(".chat-entry .chat-state")).to_have_text(
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


class TestTimesAndDays:
    async def test_times_and_day_separators_in_the_store_zone(
        self, live_server: LiveServer, browser: Browser
    ) -> None:
        now = datetime.now(TOKYO)
        today = now.replace(hour=0, minute=0, second=0, microsecond=0)
        long_ago = (today - timedelta(days=3)).replace(hour=10, minute=5)
        last_night = (today - timedelta(days=1)).replace(hour=23, minute=50)
        this_morning = max(now - timedelta(minutes=1), today)
        pair = await _conversation(
            live_server,
            0,
            [
                (long_ago, "先日はありがとうございました"),
                (last_night, "夜分に失礼します"),
                (this_morning, "おはようございます"),
            ],
        )
        # The browser runs in New York: every time and day below is Tokyo's, the store's.
        tab = await _tab(browser, zone="America/New_York")
        page = await _open(tab, live_server, pair)
        log = page.locator("#chat-log > li")
        expected = [
            _day_label_ja(long_ago, today),
            "先日はありがとうございました",
            "昨日",
            "夜分に失礼します",
            "今日",
            "おはようございます",
        ]
        await expect(page.locator("#chat-log > .chat-day, #chat-log .chat-message")).to_have_text(
            expected
        )
        await expect(page.locator(".chat-time")).to_have_text(
            ["10:05", "23:50", this_morning.strftime("%H:%M")]
        )
        assert await log.count() == 6

        # A message sent now lands under "today", with its time, and no second separator.
        await page.get_by_label("メッセージ", exact=True).fill("承知しました")
        await page.get_by_role("button", name="送信").click()
        await expect(page.locator(".chat-entry").last.locator(".chat-time")).to_have_text(
            re.compile(r"^\d\d:\d\d$")
        )
        sent = (
            await page.locator(".chat-entry").last.locator(".chat-time").get_attribute("datetime")
        )
        sent_local = datetime.fromisoformat(sent.replace("Z", "+00:00")).astimezone(TOKYO)  # type: ignore[union-attr]
        await expect(page.locator(".chat-entry").last.locator(".chat-time")).to_have_text(
            sent_local.strftime("%H:%M")
        )
        await expect(page.locator(".chat-day")).to_have_count(3)

        # The history replayed after a reload is drawn the same way.
        await page.reload()
        await expect(page.locator("#chat-log > .chat-day, #chat-log .chat-message")).to_have_text(
            [*expected, "承知しました"]
        )
        await tab.shot("chat_days_ja_phone")
        assert tab.problems == [], tab.problems
        await tab.context.close()


class TestEnterToSend:
    async def test_enter_sends_shift_enter_breaks_and_ime_enter_never_sends(
        self, live_server: LiveServer, browser: Browser
    ) -> None:
        pair = await _conversation(live_server, 1)
        tab = await _tab(browser, phone=False)
        page = await _open(tab, live_server, pair)
        field = page.get_by_label("メッセージ", exact=True)
        await field.focus()
        await page.keyboard.type("一行目")
        await page.keyboard.press("Shift+Enter")
        await page.keyboard.type("二行目")
        await expect(field).to_have_value("一行目\n二行目")
        await page.keyboard.press("Enter")
        await expect(page.locator(".chat-message")).to_have_text(["一行目 二行目"])
        # to_have_text folds white space: the line break itself is kept in the bubble.
        await expect(page.locator(".chat-message p")).to_have_js_property(
            "textContent", "一行目\n二行目"
        )
        await expect(field).to_have_value("")

        # Japanese input: the Enter that turns にほんご into 日本語 is the IME's, not a send.
        cdp = await tab.context.new_cdp_session(page)
        await cdp.send(
            "Input.imeSetComposition", {"text": "にほんご", "selectionStart": 4, "selectionEnd": 4}
        )
        await page.keyboard.press("Enter")  # arrives with isComposing
        await cdp.send("Input.insertText", {"text": "日本語"})
        # Safari's form of the same key: after compositionend, with keyCode 229.
        await cdp.send(
            "Input.dispatchKeyEvent",
            {"type": "rawKeyDown", "key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 229},
        )
        await cdp.send(
            "Input.dispatchKeyEvent",
            {"type": "keyUp", "key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 229},
        )
        # (A synthetic key is not consumed by an IME, so Chromium may add its new line: fine.)
        await expect(field).to_have_value(re.compile(r"^日本語\n?$"))
        await page.keyboard.press("Enter")
        # Had either IME Enter sent, "にほんご" or a first "日本語" would stand before this one.
        await expect(page.locator(".chat-message")).to_have_text(["一行目 二行目", "日本語"])
        assert tab.problems == [], tab.problems
        await tab.context.close()

    async def test_on_a_touch_phone_enter_is_a_new_line_and_the_button_sends(
        self, live_server: LiveServer, browser: Browser
    ) -> None:
        pair = await _conversation(live_server, 2)
        tab = await _tab(browser, touch=True)
        page = await _open(tab, live_server, pair)
        field = page.get_by_label("メッセージ", exact=True)
        await expect(field).to_have_attribute("enterkeyhint", "enter")
        await field.focus()
        await page.keyboard.type("サイズは")
        await page.keyboard.press("Enter")
        await page.keyboard.type("Mです")
        await expect(field).to_have_value("サイズは\nMです")
        await page.get_by_role("button", name="送信").tap()
        await expect(page.locator(".chat-message p")).to_have_js_property(
            "textContent", "サイズは\nMです"
        )
        await expect(field).to_be_focused()  # the keyboard stays up for the next message
        assert tab.problems == [], tab.problems
        await tab.context.close()


class TestPhotoButton:
    async def test_the_composer_sends_a_photo_and_explains_a_refused_file(
        self, live_server: LiveServer, browser: Browser
    ) -> None:
        pair = await _conversation(live_server, 3)
        customer = await _tab(browser)
        stylist = await _tab(browser, phone=False)
        page = await _open(customer, live_server, pair)
        await _open(stylist, live_server, pair, staff=True)
        button = page.get_by_role("button", name="写真を添付")
        alert = page.get_by_role("alert")

        # Not a photo: said at once, nothing is sent.
        async with page.expect_file_chooser() as chooser:
            await button.click()
        await (await chooser.value).set_files(
            {"name": "memo.txt", "mimeType": "text/plain", "buffer": b"hello"}
        )
        await expect(alert).to_contain_text("写真（JPEG, PNG, WebP")
        # Too large: also said before any upload.
        big = live_server.settings.chat_photo_max_bytes + 1
        async with page.expect_file_chooser() as chooser:
            await button.click()
        await (await chooser.value).set_files(
            {"name": "big.jpg", "mimeType": "image/jpeg", "buffer": b"\xff" * big}
        )
        await expect(alert).to_contain_text("MBを超えています")
        await expect(page.locator(".chat-entry")).to_have_count(0)

        # A photo goes up from the composer and appears in both threads.
        async with page.expect_file_chooser() as chooser:
            await button.click()
        await (await chooser.value).set_files(
            {"name": "skirt.png", "mimeType": "image/png", "buffer": photo("PNG")}
        )
        await expect(alert).to_be_hidden()
        for thread in (page, stylist.page):
            shown = thread.locator(".chat-entry .chat-photo img")
            await expect(shown).to_have_count(1)
            await expect(shown).to_have_attribute(
                "src", re.compile(rf"^/api/v1/conversations/{pair.conversation_id}/attachments/")
            )
            await expect(shown).to_have_js_property("complete", True)
            assert await shown.evaluate("img => img.naturalWidth") == 320
        await expect(page.locator(".chat-progress")).to_have_count(0)

        # The server still checks the bytes: a JPEG in name only is refused, with its reason.
        async with page.expect_file_chooser() as chooser:
            await button.click()
        await (await chooser.value).set_files(
            {"name": "fake.jpg", "mimeType": "image/jpeg", "buffer": b"not really a jpeg"}
        )
        await expect(page.locator(".chat-entry.failed")).to_have_count(1)
        await expect(alert).to_be_visible()
        await customer.shot("chat_photo_ja_phone")
        # The refused upload's 422 is logged by Chromium as a failed resource: that one is expected.
        assert [p for p in customer.problems if "422" not in p] == [], customer.problems
        assert stylist.problems == [], stylist.problems
        for tab in (customer, stylist):
            await tab.context.close()


class TestPinnedComposer:
    async def test_the_composer_stays_at_the_bottom_of_a_phone_screen(
        self, live_server: LiveServer, browser: Browser
    ) -> None:
        start = utcnow() - timedelta(hours=2)
        history = [(start + timedelta(minutes=n), f"メッセージ {n}") for n in range(1, 41)]
        pair = await _conversation(live_server, 4, history)
        tab = await _tab(browser)
        page = await _open(tab, live_server, pair)
        await expect(page.locator("#chat-log .chat-message")).to_have_count(40)

        async def check(height: int) -> None:
            composer = await page.locator("#chat-form").bounding_box()
            assert composer is not None
            assert abs(composer["y"] + composer["height"] - height) <= 1, composer
            log = await page.locator("#chat-log").bounding_box()
            last = await page.locator(".chat-entry").last.bounding_box()
            assert log is not None and last is not None
            assert last["y"] >= log["y"] - 1
            assert last["y"] + last["height"] <= log["y"] + log["height"] + 1, (last, log)
            # The page itself does not scroll: only the message list does.
            scroll = await page.evaluate("document.scrollingElement.scrollHeight")
            assert scroll <= height + 1, scroll

        await check(844)
        # The keyboard opens (Chrome on Android shrinks the page for it, as the page asks).
        await page.get_by_label("メッセージ", exact=True).focus()
        await page.set_viewport_size({"width": 390, "height": 500})
        await expect(page.locator("#chat-form")).to_be_in_viewport()
        await page.wait_for_function(
            "() => { const l = document.getElementById('chat-log');"
            " return l.scrollHeight - l.scrollTop - l.clientHeight < 2; }"
        )
        await check(500)
        await page.get_by_label("メッセージ", exact=True).fill("最新のメッセージ")
        await page.get_by_role("button", name="送信").click()
        await expect(page.locator(".chat-entry").last.locator(".chat-time")).not_to_be_empty()
        await check(500)
        await page.set_viewport_size({"width": 390, "height": 844})
        await tab.shot("chat_pinned_ja_phone")
        assert tab.problems == [], tab.problems
        await tab.context.close()

"""Customer data from home, in a real browser: a stylist opens a customer in her care on a phone
and sees the phone masked, reveals it with a reason; her manager finds the entry on the audit
page; a customer whose window has passed answers with a page saying so, in Japanese."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.async_api import Browser, expect
from sqlmodel import select

from app.accounts.models import User
from app.booking.models import AppointmentStatus, Service
from app.core.db import Database, create_engine, write_transaction
from app.core.types import utcnow
from app.demo.loader import DEMO_PASSWORD
from app.store.models import StaffProfile, StoreManager
from tests.e2e.conftest import LiveServer, open_tab
from tests.e2e.test_accounts_browser import log_in
from tests.factories import make_appointment, make_customer

STYLIST = "yumi.kobayashi@kinari.example"  # no other browser test uses her


async def _her_customers(live_server: LiveServer) -> tuple[int, int, str]:
    """(a customer in her care, one whose follow-up ended, her manager's email)."""
    db = Database(create_engine(live_server.settings.database_url))
    async with write_transaction(db) as session:
        stylist = (await session.exec(select(User).where(User.email == STYLIST))).one()
        profile = await session.get(StaffProfile, stylist.id)
        assert profile is not None
        service = (
            await session.exec(select(Service).where(Service.store_id == profile.home_store_id))
        ).first()
        current = await make_customer(
            session,
            family_name="早川",
            given_name="千夏",
            family_name_kana="ハヤカワ",
            given_name_kana="チナツ",
            email="chinatsu.hayakawa@example.jp",
        )
        past = await make_customer(
            session,
            family_name="森",
            given_name="恵",
            family_name_kana="モリ",
            given_name_kana="メグミ",
        )
        await make_appointment(
            session, customer=current, stylist=stylist, service=service,
            start=utcnow() + timedelta(days=1),
        )  # fmt: skip
        await make_appointment(
            session, customer=past, stylist=stylist, service=service,
            start=utcnow() - timedelta(days=40), status=AppointmentStatus.completed,
        )  # fmt: skip
        manager_id = (
            await session.exec(
                select(StoreManager.user_id).where(StoreManager.store_id == profile.home_store_id)
            )
        ).first()
        manager = await session.get(User, manager_id)
        assert manager is not None
        await session.commit()
        ids = (current.id, past.id, manager.email)
    await db.dispose()
    return ids  # type: ignore[return-value]


class TestCustomerDataFromHome:
    async def test_masked_phone_revealed_with_a_reason_found_by_the_manager_then_out_of_care(
        self, live_server: LiveServer, browser: Browser
    ) -> None:
        base = live_server.base_url
        current, past, manager_email = await _her_customers(live_server)
        stylist = await open_tab(browser, locale="ja", phone=True)
        manager = await open_tab(browser, locale="ja", phone=False)
        try:
            await log_in(stylist.page, base, STYLIST, DEMO_PASSWORD)
            await expect(stylist.page).not_to_have_url(re.compile(r"/login"))
            await stylist.page.goto(f"{base}/customers/{current}")
            contact = stylist.page.locator("#contact")
            await expect(contact).to_contain_text("090-****-5678")
            await expect(contact).to_contain_text("c***@example.jp")
            await expect(contact).not_to_contain_text("090-1234-5678")
            await contact.get_by_text("隠れている連絡先を表示").click()
            await contact.get_by_label("理由").select_option("delivery")
            await contact.get_by_label("メモ（「その他」の場合は必須）").fill("受け取り日の確認")
            await stylist.shot("access-reveal-form-phone")
            await contact.get_by_role("button", name="表示する").click()
            await expect(stylist.page.locator("#contact")).to_contain_text("090-1234-5678")
            await expect(stylist.page.locator("#contact [role=status]")).to_contain_text(
                "記録されました"
            )
            await stylist.shot("access-revealed-phone")
            assert stylist.problems == [], stylist.problems

            await log_in(manager.page, base, manager_email, DEMO_PASSWORD)
            await expect(manager.page).not_to_have_url(re.compile(r"/login"))
            await manager.page.goto(f"{base}/manager/audit")
            await manager.page.get_by_label("操作").select_option("customer.contact.reveal")
            await manager.page.get_by_role("button", name="表示する").click()
            entries = manager.page.locator(".audit-list")
            await expect(entries).to_contain_text("小林 由美")
            await expect(entries).to_contain_text("早川 千夏")
            await expect(entries).to_contain_text("お届け・店頭受け取りについて: 受け取り日の確認")
            await manager.shot("access-audit-desktop")
            assert manager.problems == [], manager.problems

            response = await stylist.page.goto(f"{base}/customers/{past}")
            assert response is not None and response.status == 404
            await expect(stylist.page.locator("main")).to_contain_text("現在の担当ではありません")
            await stylist.shot("access-out-of-care-phone")
        finally:
            await stylist.context.close()
            await manager.context.close()

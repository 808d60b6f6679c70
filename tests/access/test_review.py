"""The manager's audit page, CSV, who-saw-whom report and the unusual-access signal."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.access import audit
from app.access.models import AuditEvent
from app.core.config import Settings
from app.core.types import utcnow
from app.scheduling.models import Shift
from tests.conftest import read_outbox
from tests.factories import (
    login,
    make_appointment,
    make_customer,
    make_manager,
    make_service,
    make_store,
    make_stylist,
)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"access_unusual_per_hour": 2})


@dataclass
class Shop:
    stylist_email: str
    stylist_id: int
    manager_email: str
    other_manager_email: str
    customers: list[int]


@pytest.fixture
async def shop(session: AsyncSession) -> Shop:
    store, other = await make_store(session), await make_store(session)
    stylist = await make_stylist(session, store, family_name="田中", given_name="愛子")
    service = await make_service(session, store)
    customers = []
    for n in range(4):
        customer = await make_customer(session, family_name=f"顧客{n}")
        await make_appointment(
            session,
            customer=customer,
            stylist=stylist,
            service=service,
            start=utcnow() + timedelta(hours=2 + n),
        )
        customers.append(customer.id)
    # She is on an approved shift now: only the volume can make her reads unusual.
    session.add(
        Shift(
            staff_id=stylist.id,
            store_id=store.id,
            starts_at=utcnow() - timedelta(hours=1),
            ends_at=utcnow() + timedelta(hours=8),
        )
    )
    manager = await make_manager(session, store)
    other_manager = await make_manager(session, other)
    await session.commit()
    return Shop(stylist.email, stylist.id, manager.email, other_manager.email, customers)  # type: ignore[arg-type]


@asynccontextmanager
async def signed_in(app: FastAPI, email: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        await login(client, email)
        yield client


async def _read(app: FastAPI, shop: Shop, count: int) -> None:
    async with signed_in(app, shop.stylist_email) as client:
        for customer_id in shop.customers[:count]:
            response = await client.get(f"/api/v1/customers/{customer_id}")
            assert response.status_code == 200


class TestAuditPage:
    async def test_the_manager_sees_his_stylists_reads_and_the_other_store_does_not(
        self, app: FastAPI, shop: Shop
    ) -> None:
        await _read(app, shop, 1)
        async with signed_in(app, shop.manager_email) as client:
            page = await client.get(f"/manager/audit?staff_id={shop.stylist_id}")
        assert page.status_code == 200
        assert "田中 愛子" in page.text and "顧客0" in page.text
        assert f"#{shop.customers[0]}" in page.text
        async with signed_in(app, shop.other_manager_email) as client:
            other = await client.get("/manager/audit")
        assert other.status_code == 200 and "顧客0" not in other.text

    async def test_the_filter_form_sent_with_empty_fields_shows_everything(
        self, app: FastAPI, shop: Shop
    ) -> None:
        await _read(app, shop, 1)
        async with signed_in(app, shop.manager_email) as client:
            empty = "staff_id=&customer_id=&action=&on_or_after=&on_or_before="
            page = await client.get(f"/manager/audit?{empty}")
        assert page.status_code == 200 and "顧客0" in page.text

    async def test_a_stylist_cannot_open_it(self, app: FastAPI, shop: Shop) -> None:
        async with signed_in(app, shop.stylist_email) as client:
            response = await client.get("/manager/audit", follow_redirects=False)
        assert response.status_code in (303, 403)

    async def test_csv_export_has_the_rows_and_is_itself_recorded(
        self, app: FastAPI, session: AsyncSession, shop: Shop
    ) -> None:
        await _read(app, shop, 2)
        async with signed_in(app, shop.manager_email) as client:
            response = await client.get(
                "/manager/audit.csv", params={"action": audit.Action.customer_profile_read}
            )
        assert response.status_code == 200 and response.headers["content-type"].startswith(
            "text/csv"
        )
        body = response.content.decode("utf-8-sig")
        rows = body.strip().splitlines()
        assert rows[0].startswith("id,time,actor_id") and len(rows) == 3
        assert all("customer.profile.read" in r for r in rows[1:])
        assert (
            await session.exec(
                select(AuditEvent).where(AuditEvent.action == audit.Action.audit_export)
            )
        ).first() is not None

    @pytest.mark.parametrize(
        "query",
        [
            "action=nonsense",
            "on_or_after=2026-12-05&on_or_before=2026-12-01",
            "staff_id=0",
            "customer_id=abc",
            "on_or_after=0001-01-01",
            "on_or_before=9999-12-31",
            f"customer_id={10**30}",
        ],
    )
    async def test_bad_filters_are_a_clear_4xx(self, app: FastAPI, shop: Shop, query: str) -> None:
        async with signed_in(app, shop.manager_email) as client:
            response = await client.get(f"/manager/audit?{query}")
        assert 400 <= response.status_code < 500


class TestWhoSawWhom:
    async def test_the_report_lists_each_customer_with_fields_and_reads(
        self, app: FastAPI, shop: Shop
    ) -> None:
        await _read(app, shop, 2)
        await _read(app, shop, 1)
        async with signed_in(app, shop.manager_email) as client:
            page = await client.get(f"/manager/audit/report?staff_id={shop.stylist_id}")
            csv_file = await client.get(f"/manager/audit/report.csv?staff_id={shop.stylist_id}")
        assert page.status_code == 200 and "顧客0" in page.text and "顧客1" in page.text
        lines = csv_file.content.decode("utf-8-sig").strip().splitlines()
        by_customer = {line.split(",")[0]: line for line in lines[1:]}
        assert by_customer[str(shop.customers[0])].split(",")[3] == "2"  # read twice
        assert by_customer[str(shop.customers[1])].split(",")[3] == "1"
        assert "name sizes" in by_customer[str(shop.customers[0])]


class TestUnusualAccess:
    async def test_more_customers_in_an_hour_than_the_limit_is_flagged_once_and_emailed(
        self, app: FastAPI, session: AsyncSession, shop: Shop, outbox_dir: Path
    ) -> None:
        await _read(app, shop, 4)  # limit 2: the third crosses it, the fourth is the same hour
        flags = (
            await session.exec(
                select(AuditEvent).where(AuditEvent.action == audit.Action.unusual_volume)
            )
        ).all()
        assert len(flags) == 1 and flags[0].actor_id == shop.stylist_id
        mails = [m for m in read_outbox(outbox_dir) if m["To"] == shop.manager_email]
        assert len(mails) == 1 and "田中 愛子" in str(mails[0]["Subject"])
        async with signed_in(app, shop.manager_email) as client:
            page = await client.get("/manager/audit")
        assert "flags-title" in page.text

    async def test_under_the_limit_and_on_shift_nothing_is_flagged(
        self, app: FastAPI, session: AsyncSession, shop: Shop
    ) -> None:
        await _read(app, shop, 2)
        flagged = (
            await session.exec(select(AuditEvent).where(AuditEvent.action.startswith("access.")))  # type: ignore[attr-defined]
        ).all()
        assert flagged == []

    async def test_reading_outside_her_shifts_is_flagged_once_a_day(
        self, app: FastAPI, session: AsyncSession, shop: Shop
    ) -> None:
        for shift in (await session.exec(select(Shift))).all():
            await session.delete(shift)
        await session.commit()
        await _read(app, shop, 2)
        flags = (
            await session.exec(
                select(AuditEvent).where(AuditEvent.action == audit.Action.outside_shift)
            )
        ).all()
        assert len(flags) == 1

"""The demo brand is believable, complete and can be loaded any number of times."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.accounts.models import User
from app.booking.models import Appointment
from app.consultation.window import call_window
from app.core.config import Settings
from app.customer.models import CustomerProfile, Purchase
from app.demo.loader import load_demo
from app.scheduling.models import Shift
from app.store.models import StaffProfile, Store, StoreManager
from app.wardrobe.models import CatalogItem, CatalogStock, Slot


async def _count(session: AsyncSession, model: type) -> int:
    return (await session.exec(select(func.count()).select_from(model))).one()


class TestDemoData:
    async def test_demo_has_the_promised_people_catalog_and_history(
        self, session: AsyncSession
    ) -> None:
        report = await load_demo(session)
        stores = (await session.exec(select(Store))).all()
        assert {s.slug for s in stores} == {"tokyo-shibuya", "osaka-umeda"}
        assert all(s.time_zone == "Asia/Tokyo" and s.phone_e164.startswith("+81") for s in stores)
        managed = Counter(m.store_id for m in (await session.exec(select(StoreManager))).all())
        assert sorted(managed.values()) == [1, 1]
        staff = (await session.exec(select(StaffProfile))).all()
        assert len(staff) == 6 and sum(p.works_remotely for p in staff) == 4
        customers = (await session.exec(select(User).where(User.role == "customer"))).all()
        assert len(customers) == 30
        assert all(c.family_name_kana and c.given_name_kana for c in customers)
        profiles = (await session.exec(select(CustomerProfile))).all()
        assert all(p.phone_e164 and p.phone_e164.startswith("+81") for p in profiles)

        items = (await session.exec(select(CatalogItem))).all()
        assert len(items) >= 500
        assert {i.slot for i in items} == {s.value for s in Slot}
        assert all(
            i.colour_rgb.startswith("#") and 1 <= i.formality <= 5 and i.seasons and i.sizes
            for i in items
        )
        assert len({i.pattern for i in items}) >= 4 and len({i.material for i in items}) >= 6
        assert all(i.price_yen > 0 for i in items)

        purchases = (await session.exec(select(Purchase))).all()
        buyers = {p.customer_id for p in purchases}
        assert buyers == {c.id for c in customers}
        assert {p.channel for p in purchases} == {"store", "online"}
        assert all((p.channel == "store") == (p.store_id is not None) for p in purchases)
        assert ("customer", "yuki.sato@example.jp") in report.logins

    async def test_every_item_has_stock_online_and_the_stores_have_some(
        self, session: AsyncSession
    ) -> None:
        await load_demo(session)
        items = {i.id: i for i in (await session.exec(select(CatalogItem))).all()}
        stores = {s.id for s in (await session.exec(select(Store))).all()}
        lines = (await session.exec(select(CatalogStock))).all()
        assert all(line.size in items[line.catalog_item_id].sizes for line in lines)
        online = {line.catalog_item_id for line in lines if line.store_id is None and line.quantity}
        assert online == set(items)
        in_store = {line.store_id for line in lines if line.store_id is not None and line.quantity}
        assert in_store == stores
        assert any(line.quantity == 0 for line in lines)  # some sizes are sold out somewhere

    async def test_loading_twice_adds_nothing(self, session: AsyncSession) -> None:
        await load_demo(session)
        before = [
            await _count(session, m)
            for m in (User, CatalogItem, CatalogStock, Purchase, StaffProfile, Store)
        ]
        second = await load_demo(session)
        after = [
            await _count(session, m)
            for m in (User, CatalogItem, CatalogStock, Purchase, StaffProfile, Store)
        ]
        assert before == after
        assert second.created == {}
        assert "already present" in second.summary()


# Sunday 16:30 in UTC is already Monday 01:30 in Tokyo: the dates differ.
NEAR_UTC_MIDNIGHT = datetime(2026, 12, 6, 16, 30, 12, tzinfo=UTC)
TOKYO = ZoneInfo("Asia/Tokyo")


async def _user(session: AsyncSession, email: str) -> User:
    return (await session.exec(select(User).where(User.email == email))).one()


async def _appointments_of(session: AsyncSession, staff_id: int) -> list[Appointment]:
    statement = select(Appointment).where(Appointment.staff_id == staff_id)
    return list((await session.exec(statement.order_by(col(Appointment.starts_at)))).all())


class TestTryItNow:
    async def test_yuki_meets_aiko_in_a_few_minutes_and_the_call_is_already_open(
        self, session: AsyncSession
    ) -> None:
        report = await load_demo(session, now=NEAR_UTC_MIDNIGHT)
        yuki = await _user(session, "yuki.sato@example.jp")
        aiko = await _user(session, "aiko.tanaka@kinari.example")
        assert report.soon is not None
        soon = report.soon
        assert (soon.customer_id, soon.staff_id, soon.status) == (yuki.id, aiko.id, "booked")
        assert timedelta(minutes=5) <= soon.starts_at - NEAR_UTC_MIDNIGHT <= timedelta(minutes=10)
        settings = Settings()
        window = call_window(
            soon,
            opens_before=settings.call_opens_minutes_before,
            grace_after=settings.call_grace_minutes_after,
        )
        assert window.is_open(NEAR_UTC_MIDNIGHT)  # open the moment the demo is loaded
        assert f"/appointments/{soon.id}/call" in report.summary()
        assert "01:" in report.summary()  # its time in Tokyo, not in UTC
        # She is on an approved shift then, with a customer before and one after.
        shifts = (await session.exec(select(Shift).where(Shift.staff_id == aiko.id))).all()
        assert any(
            s.status == "approved" and s.starts_at <= soon.starts_at and soon.ends_at <= s.ends_at
            for s in shifts
        )
        day = [
            a
            for a in await _appointments_of(session, aiko.id)
            if abs(a.starts_at - soon.starts_at) < timedelta(hours=3)
        ]
        assert [a.status for a in day] == ["completed", "booked", "booked"]
        assert len({a.customer_id for a in day}) == 3

    async def test_the_roster_and_history_follow_the_store_date_not_the_utc_date(
        self, session: AsyncSession
    ) -> None:
        await load_demo(session, now=NEAR_UTC_MIDNIGHT)
        aiko = await _user(session, "aiko.tanaka@kinari.example")
        starts = {
            s.starts_at.astimezone(TOKYO).replace(tzinfo=None)
            for s in (await session.exec(select(Shift).where(Shift.staff_id == aiko.id))).all()
        }
        # Tokyo's today is Monday 7 December: its week and the three after it have her shifts,
        # the last on Friday 1 January (a UTC date would have started the weeks on 30 November).
        assert datetime(2026, 12, 7, 10) in starts
        assert datetime(2027, 1, 1, 10) in starts
        assert datetime(2026, 11, 30, 10) not in starts
        yuki = await _user(session, "yuki.sato@example.jp")
        past = (
            await session.exec(
                select(Appointment).where(
                    Appointment.customer_id == yuki.id, Appointment.status == "completed"
                )
            )
        ).one()
        assert past.starts_at.astimezone(TOKYO).date() == date(2026, 11, 16)  # three weeks ago

    async def test_loading_again_later_makes_a_fresh_session_and_keeps_the_old_one(
        self, session: AsyncSession
    ) -> None:
        first = await load_demo(session, now=NEAR_UTC_MIDNIGHT)
        again = await load_demo(session, now=NEAR_UTC_MIDNIGHT + timedelta(minutes=3))
        assert again.soon is None and again.created == {}  # hers is still to come
        later = NEAR_UTC_MIDNIGHT + timedelta(hours=2)
        third = await load_demo(session, now=later)
        assert first.soon is not None and third.soon is not None
        assert third.soon.id != first.soon.id
        assert timedelta(minutes=5) <= third.soon.starts_at - later <= timedelta(minutes=10)
        aiko = await _user(session, "aiko.tanaka@kinari.example")
        booked = [
            (a.blocked_from, a.blocked_until)
            for a in await _appointments_of(session, aiko.id)
            if a.status == "booked"
        ]
        assert all(
            end <= start
            for (_, end), (start, _) in zip(sorted(booked), sorted(booked)[1:], strict=False)
        )  # nothing of hers overlaps

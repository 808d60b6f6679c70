"""The demo brand is believable, complete and can be loaded any number of times."""

from __future__ import annotations

from collections import Counter

from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.accounts.models import User
from app.customer.models import CustomerProfile, Purchase
from app.demo.loader import load_demo
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

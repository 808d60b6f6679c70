"""Arrangements shared by the lookbook and reservation tests: two stores, their staff, a customer
with a session, catalog items with store stock, and owned items (one hidden, one retired)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.accounts.models import User
from app.booking.models import Appointment
from app.store.models import Brand, Store
from app.wardrobe.models import (
    CatalogItem,
    CatalogStock,
    Lookbook,
    LookbookEntry,
    LookbookStatus,
    OwnedItem,
    OwnedItemSource,
    Reservation,
)
from tests.factories import (
    make_appointment,
    make_customer,
    make_item,
    make_manager,
    make_service,
    make_store,
    make_stylist,
)

# Tuesday 24 November 2026, 12:00 in Tokyo: every test runs on this clock.
NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


@dataclass
class World:
    store: Store  # Asia/Tokyo
    other_store: Store
    customer: User
    other_customer: User
    stylist: User  # the session's stylist, home store `store`
    colleague: User  # another stylist of `store`, not on this session
    far_stylist: User  # a stylist of `other_store`
    manager: User  # manages `store`
    other_manager: User  # manages `other_store` only
    appointment: Appointment
    blouse: CatalogItem  # a top in S / M / L
    skirt: CatalogItem
    withdrawn: CatalogItem  # no longer on sale
    navy_skirt: OwnedItem  # the customer's, visible
    secret_shirt: OwnedItem  # the customer's, hidden from staff
    old_coat: OwnedItem  # the customer's, retired
    strangers_bag: OwnedItem  # another customer's


async def _owned(session: AsyncSession, owner: User, label: str, **extra: object) -> OwnedItem:
    item = OwnedItem(
        customer_id=owner.id,  # type: ignore[arg-type]
        label=label,
        slot=extra.pop("slot", "bottom"),  # type: ignore[arg-type]
        colour_rgb="#1f2a44",
        source=OwnedItemSource.upload,
        created_by_id=owner.id,  # type: ignore[arg-type]
        **extra,
    )
    session.add(item)
    await session.flush()
    return item


async def make_world(session: AsyncSession) -> World:
    store = await make_store(
        session,
        name_ja="表参道店",
        name_en="Omotesando",
        address_ja="東京都渋谷区神宮前4-1-1",
        address_en="4-1-1 Jingumae, Shibuya, Tokyo",
    )
    other_store = await make_store(session, name_ja="梅田店", name_en="Umeda")
    stylist = await make_stylist(session, store, family_name="田中", given_name="愛子")
    customer = await make_customer(
        session,
        family_name="佐藤",
        given_name="由紀",
        family_name_kana="サトウ",
        given_name_kana="ユキ",
    )
    service = await make_service(session, store)
    appointment = await make_appointment(
        session, customer=customer, stylist=stylist, service=service, start=NOW - timedelta(hours=1)
    )
    brand = await session.get(Brand, store.brand_id)
    assert brand is not None
    return World(
        store=store,
        other_store=other_store,
        customer=customer,
        other_customer=await make_customer(session, family_name="鈴木", given_name="一郎"),
        stylist=stylist,
        colleague=await make_stylist(session, store, works_remotely=False),  # on the shop floor
        far_stylist=await make_stylist(session, other_store),
        manager=await make_manager(session, store),
        other_manager=await make_manager(session, other_store),
        appointment=appointment,
        blouse=await make_item(
            session, brand, name_ja="シルクブラウス", name_en="Silk blouse", sizes=["S", "M", "L"]
        ),
        skirt=await make_item(
            session,
            brand,
            name_ja="プリーツスカート",
            name_en="Pleated skirt",
            slot="bottom",
            category="skirt",
            price_yen=9900,
        ),
        withdrawn=await make_item(session, brand, name_en="Old cardigan", is_active=False),
        navy_skirt=await _owned(session, customer, "紺のスカート"),
        secret_shirt=await _owned(session, customer, "Secret shirt", slot="top", hidden=True),
        old_coat=await _owned(session, customer, "Old coat", slot="outerwear", retired_at=NOW),
        strangers_bag=await _owned(
            session, await make_customer(session), "Someone's bag", slot="bag"
        ),
    )


async def stock(
    session: AsyncSession, item: CatalogItem, store: Store | None, size: str, quantity: int
) -> None:
    session.add(
        CatalogStock(
            catalog_item_id=item.id,  # type: ignore[arg-type]
            store_id=store.id if store else None,
            size=size,
            quantity=quantity,
        )
    )
    await session.flush()


async def units(session: AsyncSession, item: CatalogItem, store: Store, size: str) -> int:
    """How many units are on hand now (read afresh, past the session's cache)."""
    statement = (
        select(CatalogStock.quantity)
        .where(
            CatalogStock.catalog_item_id == item.id,
            CatalogStock.store_id == store.id,
            CatalogStock.size == size,
        )
        .execution_options(populate_existing=True)
    )
    return sum((await session.exec(statement)).all())


async def reservations_of(session: AsyncSession, customer: User) -> list[Reservation]:
    statement = (
        select(Reservation)
        .where(Reservation.customer_id == customer.id)
        .order_by(Reservation.id)  # type: ignore[arg-type]
        .execution_options(populate_existing=True)
    )
    return list((await session.exec(statement)).all())


async def sent_lookbook(
    session: AsyncSession,
    customer: User,
    appointment: Appointment,
    items: list[CatalogItem],
    *,
    status: str = LookbookStatus.sent,
) -> tuple[Lookbook, LookbookEntry]:
    """A lookbook written directly, with one outfit entry holding ``items``."""
    lookbook = Lookbook(
        appointment_id=appointment.id,  # type: ignore[arg-type]
        customer_id=customer.id,  # type: ignore[arg-type]
        created_by_id=appointment.staff_id,
        status=status,
        sent_at=NOW if status == LookbookStatus.sent else None,
        sent_by_id=appointment.staff_id if status == LookbookStatus.sent else None,
    )
    session.add(lookbook)
    await session.flush()
    entry = LookbookEntry(
        lookbook_id=lookbook.id,  # type: ignore[arg-type]
        kind="outfit" if len(items) > 1 else "item",
        catalog_item_ids=[i.id for i in items],  # type: ignore[misc]
        note="紺のスカートに合います",
        created_by_id=appointment.staff_id,
    )
    session.add(entry)
    await session.flush()
    return lookbook, entry

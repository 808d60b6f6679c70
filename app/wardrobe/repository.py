"""Every query of the wardrobe domain."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.booking.models import Appointment
from app.wardrobe.models import CatalogItem, OwnedItem


async def items_by_ids(session: AsyncSession, ids: set[int]) -> list[CatalogItem]:
    if not ids:
        return []
    statement = select(CatalogItem).where(col(CatalogItem.id).in_(ids))
    return list((await session.exec(statement)).all())


async def item_by_sku(session: AsyncSession, sku: str) -> CatalogItem | None:
    return (await session.exec(select(CatalogItem).where(CatalogItem.sku == sku))).first()


async def owned_of(session: AsyncSession, customer_id: int, limit: int) -> list[OwnedItem]:
    statement = (
        select(OwnedItem)
        .where(OwnedItem.customer_id == customer_id)
        .order_by(col(OwnedItem.created_at).desc(), col(OwnedItem.id).desc())
        .limit(limit)
    )
    return list((await session.exec(statement)).all())


# Who may see a customer's wardrobe depends on the appointments they share. Booking's service has
# no query of that shape, so this reads its table directly (read-only, like chat does).
async def shares_appointment(session: AsyncSession, customer_id: int, staff_id: int) -> bool:
    statement = (
        select(Appointment.id)
        .where(Appointment.customer_id == customer_id, Appointment.staff_id == staff_id)
        .limit(1)
    )
    return (await session.exec(statement)).first() is not None


async def has_appointment_at(session: AsyncSession, customer_id: int, store_ids: list[int]) -> bool:
    if not store_ids:
        return False
    statement = (
        select(Appointment.id)
        .where(Appointment.customer_id == customer_id, col(Appointment.store_id).in_(store_ids))
        .limit(1)
    )
    return (await session.exec(statement)).first() is not None

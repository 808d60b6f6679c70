"""Every query of lookbooks and reservations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import case, func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.wardrobe.models import (
    Lookbook,
    LookbookEntry,
    LookbookStatus,
    OwnedItem,
    Reservation,
    ReservationStatus,
)

# ---------------------------------------------------------------- lookbooks


async def lookbook_of_appointment(session: AsyncSession, appointment_id: int) -> Lookbook | None:
    statement = select(Lookbook).where(Lookbook.appointment_id == appointment_id)
    return (await session.exec(statement)).first()


async def lookbook_for_update(session: AsyncSession, lookbook_id: int) -> Lookbook | None:
    """The lookbook, locked until the transaction ends (PostgreSQL; SQLite locks the database)."""
    statement = select(Lookbook).where(Lookbook.id == lookbook_id).with_for_update()
    return (await session.exec(statement)).first()


async def sent_lookbooks_of(session: AsyncSession, customer_id: int) -> list[Lookbook]:
    statement = (
        select(Lookbook)
        .where(Lookbook.customer_id == customer_id, Lookbook.status == LookbookStatus.sent)
        .order_by(col(Lookbook.sent_at).desc(), col(Lookbook.id).desc())
    )
    return list((await session.exec(statement)).all())


async def entries_of(session: AsyncSession, lookbook_id: int) -> list[LookbookEntry]:
    statement = (
        select(LookbookEntry)
        .where(LookbookEntry.lookbook_id == lookbook_id)
        .order_by(col(LookbookEntry.position), col(LookbookEntry.id))
    )
    return list((await session.exec(statement)).all())


async def entry_counts(session: AsyncSession, lookbook_ids: list[int]) -> dict[int, int]:
    if not lookbook_ids:
        return {}
    statement = (
        select(LookbookEntry.lookbook_id, func.count())
        .where(col(LookbookEntry.lookbook_id).in_(lookbook_ids))
        .group_by(col(LookbookEntry.lookbook_id))
    )
    return {lookbook_id: n for lookbook_id, n in (await session.exec(statement)).all()}


async def next_position(session: AsyncSession, lookbook_id: int) -> int:
    statement = select(func.max(LookbookEntry.position)).where(
        LookbookEntry.lookbook_id == lookbook_id
    )
    highest = (await session.exec(statement)).one()
    return 0 if highest is None else highest + 1


async def owned_by_ids(session: AsyncSession, ids: set[int]) -> list[OwnedItem]:
    if not ids:
        return []
    statement = select(OwnedItem).where(col(OwnedItem.id).in_(ids))
    return list((await session.exec(statement)).all())


# ---------------------------------------------------------------- reservations


async def active_hold(
    session: AsyncSession, customer_id: int, item_id: int, size: str
) -> Reservation | None:
    statement = select(Reservation).where(
        Reservation.customer_id == customer_id,
        Reservation.catalog_item_id == item_id,
        Reservation.size == size,
        Reservation.status == ReservationStatus.active,
    )
    return (await session.exec(statement)).first()


async def active_count(session: AsyncSession, customer_id: int) -> int:
    statement = select(func.count()).where(
        Reservation.customer_id == customer_id, Reservation.status == ReservationStatus.active
    )
    return (await session.exec(statement)).one()


async def close_if_active(
    session: AsyncSession,
    reservation_id: int,
    status: ReservationStatus,
    now: datetime,
    by_id: int | None,
) -> bool:
    """Move an active reservation to ``status``; False when it was no longer active.

    One conditional UPDATE: of two concurrent attempts (a cancel and the expiry job, say) exactly
    one matches the row, so the unit is given back exactly once.
    """
    statement = (
        update(Reservation)
        .where(
            col(Reservation.id) == reservation_id,
            col(Reservation.status) == ReservationStatus.active,
        )
        .values(status=status, closed_at=now, closed_by_id=by_id)
    )
    result = await session.exec(statement)  # type: ignore[call-overload]
    return bool(result.rowcount == 1)


async def due_to_expire(session: AsyncSession, now: datetime, limit: int) -> list[Reservation]:
    statement = (
        select(Reservation)
        .where(Reservation.status == ReservationStatus.active, Reservation.expires_at <= now)
        .order_by(col(Reservation.expires_at), col(Reservation.id))
        .limit(limit)
    )
    return list((await session.exec(statement)).all())


async def reservations_of_customer(
    session: AsyncSession, customer_id: int, limit: int
) -> list[Reservation]:
    statement = (
        select(Reservation)
        .where(Reservation.customer_id == customer_id)
        .order_by(*_active_first(), col(Reservation.id).desc())
        .limit(limit)
    )
    return list((await session.exec(statement)).all())


async def reservations_at(
    session: AsyncSession, store_ids: list[int], closed_since: datetime, limit: int
) -> list[Reservation]:
    """Active reservations of these stores (soonest expiry first), then recently closed ones."""
    return await _staff_list(session, col(Reservation.store_id).in_(store_ids), closed_since, limit)


async def reservations_of_customers(
    session: AsyncSession, customer_ids: list[int], closed_since: datetime, limit: int
) -> list[Reservation]:
    """The same list for these customers, at any store."""
    where = col(Reservation.customer_id).in_(customer_ids)
    return await _staff_list(session, where, closed_since, limit)


async def _staff_list(
    session: AsyncSession, where: Any, closed_since: datetime, limit: int
) -> list[Reservation]:
    statement = (
        select(Reservation)
        .where(
            where,
            (col(Reservation.status) == ReservationStatus.active)
            | (col(Reservation.closed_at) >= closed_since),
        )
        .order_by(*_active_first(), col(Reservation.id).desc())
        .limit(limit)
    )
    return list((await session.exec(statement)).all())


def _active_first() -> tuple[object, ...]:
    is_active = case((col(Reservation.status) == ReservationStatus.active, 0), else_=1)
    # Active ones by how soon they lapse; the others by when they closed, newest first.
    return (
        is_active,
        case((col(Reservation.status) == ReservationStatus.active, Reservation.expires_at)),
        col(Reservation.closed_at).desc(),
    )


async def pickup_code_taken(session: AsyncSession, store_id: int, code: str) -> bool:
    statement = select(Reservation.id).where(
        Reservation.store_id == store_id, Reservation.pickup_code == code
    )
    return (await session.exec(statement)).first() is not None

"""Every query of the scheduling domain."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.scheduling.models import Shift, ShiftStatus, ShiftTemplate, TimeOff


async def overlapping_shifts(
    session: AsyncSession,
    staff_id: int,
    start: datetime,
    end: datetime,
    *,
    exclude: int | None = None,
) -> list[Shift]:
    """Requested or approved shifts of one stylist that overlap [start, end)."""
    statement = select(Shift).where(
        Shift.staff_id == staff_id,
        col(Shift.status).in_([ShiftStatus.requested, ShiftStatus.approved]),
        Shift.starts_at < end,
        Shift.ends_at > start,
    )
    if exclude is not None:
        statement = statement.where(Shift.id != exclude)
    return list((await session.exec(statement)).all())


async def shift_fresh(session: AsyncSession, shift_id: int) -> Shift | None:
    """The shift as committed now (refreshes the copy this session holds)."""
    statement = select(Shift).where(Shift.id == shift_id).execution_options(populate_existing=True)
    return (await session.exec(statement)).first()


async def shifts_in(
    session: AsyncSession,
    store_id: int,
    start: datetime,
    end: datetime,
    *,
    statuses: tuple[str, ...] = (ShiftStatus.approved,),
    staff_ids: list[int] | None = None,
) -> list[Shift]:
    statement = select(Shift).where(
        Shift.store_id == store_id,
        col(Shift.status).in_(statuses),
        Shift.starts_at < end,
        Shift.ends_at > start,
    )
    if staff_ids is not None:
        statement = statement.where(col(Shift.staff_id).in_(staff_ids))
    return list((await session.exec(statement.order_by(col(Shift.starts_at)))).all())


async def shifts_of(
    session: AsyncSession, staff_id: int, start: datetime, end: datetime
) -> list[Shift]:
    statement = (
        select(Shift)
        .where(Shift.staff_id == staff_id, Shift.starts_at < end, Shift.ends_at > start)
        .order_by(col(Shift.starts_at))
    )
    return list((await session.exec(statement)).all())


async def time_off_in(
    session: AsyncSession, staff_ids: list[int], start: datetime, end: datetime
) -> list[TimeOff]:
    statement = select(TimeOff).where(
        col(TimeOff.staff_id).in_(staff_ids), TimeOff.starts_at < end, TimeOff.ends_at > start
    )
    return list((await session.exec(statement)).all())


async def templates_of_store(session: AsyncSession, store_id: int) -> list[ShiftTemplate]:
    statement = (
        select(ShiftTemplate)
        .where(ShiftTemplate.store_id == store_id)
        .order_by(col(ShiftTemplate.staff_id), col(ShiftTemplate.weekday))
    )
    return list((await session.exec(statement)).all())

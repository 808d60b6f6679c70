"""Every query of the consultation domain."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.consultation.models import CallRecord, Rating, WrapUp


async def wrap_up_of(session: AsyncSession, appointment_id: int) -> WrapUp | None:
    statement = select(WrapUp).where(WrapUp.appointment_id == appointment_id)
    return (await session.exec(statement)).first()


async def rating_of(session: AsyncSession, appointment_id: int) -> Rating | None:
    statement = select(Rating).where(Rating.appointment_id == appointment_id)
    return (await session.exec(statement)).first()


async def call_of(session: AsyncSession, appointment_id: int) -> CallRecord | None:
    statement = select(CallRecord).where(CallRecord.appointment_id == appointment_id)
    return (await session.exec(statement)).first()


async def calls_held(session: AsyncSession, appointment_ids: list[int]) -> set[int]:
    """Which of these appointments had their call."""
    if not appointment_ids:
        return set()
    statement = select(CallRecord.appointment_id).where(
        col(CallRecord.appointment_id).in_(appointment_ids)
    )
    return set((await session.exec(statement)).all())

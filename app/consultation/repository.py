"""Every query of the consultation domain."""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.consultation.models import Rating, WrapUp


async def wrap_up_of(session: AsyncSession, appointment_id: int) -> WrapUp | None:
    statement = select(WrapUp).where(WrapUp.appointment_id == appointment_id)
    return (await session.exec(statement)).first()


async def rating_of(session: AsyncSession, appointment_id: int) -> Rating | None:
    statement = select(Rating).where(Rating.appointment_id == appointment_id)
    return (await session.exec(statement)).first()

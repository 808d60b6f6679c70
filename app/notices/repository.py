"""Every query of the notices domain."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.notices.models import Notice


async def latest(session: AsyncSession, user_id: int, limit: int) -> list[Notice]:
    statement = (
        select(Notice)
        .where(Notice.user_id == user_id)
        .order_by(col(Notice.created_at).desc(), col(Notice.id).desc())
        .limit(limit)
    )
    return list((await session.exec(statement)).all())


async def unread_count(session: AsyncSession, user_id: int) -> int:
    statement = select(func.count()).where(Notice.user_id == user_id, col(Notice.read_at).is_(None))
    return int((await session.exec(statement)).one())


async def mark_read(session: AsyncSession, user_id: int, at: datetime) -> None:
    await session.exec(  # type: ignore[call-overload]
        update(Notice)
        .where(col(Notice.user_id) == user_id, col(Notice.read_at).is_(None))
        .values(read_at=at)
    )

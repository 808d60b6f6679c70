"""Every query of the customer domain."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.customer.models import CustomerProfile, Purchase


async def profile(session: AsyncSession, user_id: int) -> CustomerProfile | None:
    return await session.get(CustomerProfile, user_id)


async def purchases_of(session: AsyncSession, customer_id: int, limit: int) -> list[Purchase]:
    statement = (
        select(Purchase)
        .where(Purchase.customer_id == customer_id)
        .order_by(col(Purchase.purchased_at).desc(), col(Purchase.id).desc())
        .limit(limit)
    )
    return list((await session.exec(statement)).all())


async def purchase_count(session: AsyncSession, customer_id: int) -> int:
    statement = select(Purchase.id).where(Purchase.customer_id == customer_id)
    return len((await session.exec(statement)).all())

"""Every query of the store domain."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.accounts.models import User
from app.core import locks
from app.store.models import Brand, StaffProfile, Store, StoreManager


async def lock_calendars(session: AsyncSession, staff_ids: Iterable[int]) -> None:
    """Serialise writes to these stylists' calendars (appointments, shifts, time off).

    A row lock on each stylist's profile, ascending by id (see ``core/locks.py``), held to the end
    of the transaction.
    """

    async def lock(staff_id: int) -> None:
        statement = (
            select(StaffProfile.user_id)
            .where(StaffProfile.user_id == staff_id)
            .with_for_update(key_share=True)  # FOR NO KEY UPDATE: see booking.repository
        )
        await session.exec(statement)

    await locks.acquire(session, locks.LockLevel.calendar, staff_ids, lock)


async def brand_by_slug(session: AsyncSession, slug: str) -> Brand | None:
    return (await session.exec(select(Brand).where(Brand.slug == slug))).first()


async def store_by_slug(session: AsyncSession, slug: str) -> Store | None:
    return (await session.exec(select(Store).where(Store.slug == slug))).first()


async def all_stores(session: AsyncSession) -> list[Store]:
    return list((await session.exec(select(Store).order_by(col(Store.id)))).all())


async def stores_managed_by(session: AsyncSession, user_id: int) -> list[Store]:
    statement = (
        select(Store)
        .join(StoreManager, col(StoreManager.store_id) == Store.id)
        .where(StoreManager.user_id == user_id)
        .order_by(col(Store.id))
    )
    return list((await session.exec(statement)).all())


async def is_manager_of(session: AsyncSession, user_id: int, store_id: int) -> bool:
    statement = select(StoreManager).where(
        StoreManager.user_id == user_id, StoreManager.store_id == store_id
    )
    return (await session.exec(statement)).first() is not None


async def staff_of_stores(
    session: AsyncSession, store_ids: list[int]
) -> list[tuple[StaffProfile, User]]:
    statement = (
        select(StaffProfile, User)
        .join(User, col(User.id) == StaffProfile.user_id)
        .where(col(StaffProfile.home_store_id).in_(store_ids), col(User.is_active))
        .order_by(col(StaffProfile.home_store_id), col(User.family_name_kana), col(User.id))
    )
    return [(profile, user) for profile, user in (await session.exec(statement)).all()]


async def managers_of_stores(session: AsyncSession, store_ids: list[int]) -> list[tuple[int, User]]:
    statement = (
        select(StoreManager.store_id, User)
        .join(User, col(User.id) == StoreManager.user_id)
        .where(col(StoreManager.store_id).in_(store_ids))
        .order_by(col(StoreManager.store_id), col(User.id))
    )
    return [(store_id, user) for store_id, user in (await session.exec(statement)).all()]

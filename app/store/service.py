"""Stores and the people who work for them."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel.ext.asyncio.session import AsyncSession

from app.accounts.models import Role, User
from app.core.errors import NotFound
from app.core.i18n import gettext as _
from app.store import repository as repo
from app.store.models import StaffProfile, Store, StoreManager


async def get_store(session: AsyncSession, *, store_id: int) -> Store:
    """One store, or a 404 that says so."""
    store = await session.get(Store, store_id)
    if store is None:
        raise NotFound(_("There is no such store."), field="store_id")
    return store


async def list_stores(session: AsyncSession) -> list[Store]:
    """Every store of the brand."""
    return await repo.all_stores(session)


async def manages(session: AsyncSession, *, user_id: int, store_id: int) -> bool:
    return await repo.is_manager_of(session, user_id, store_id)


async def stores_managed_by(session: AsyncSession, *, user: User) -> list[Store]:
    """The stores a manager runs; an admin runs them all."""
    if user.role == Role.admin:
        return await repo.all_stores(session)
    assert user.id is not None
    return await repo.stores_managed_by(session, user.id)


async def lock_calendars(session: AsyncSession, *, staff_ids: Iterable[int]) -> None:
    """Take the calendar lock of every stylist a write touches (one call, ascending ids)."""
    await repo.lock_calendars(session, staff_ids)


async def staff_profile(session: AsyncSession, *, user_id: int) -> StaffProfile | None:
    return await session.get(StaffProfile, user_id)


async def staff_of(
    session: AsyncSession, *, stores: list[Store]
) -> list[tuple[StaffProfile, User]]:
    """Stylists whose home store is one of these."""
    return await repo.staff_of_stores(session, [s.id for s in stores if s.id is not None])


async def managers_of(session: AsyncSession, *, stores: list[Store]) -> list[tuple[int, User]]:
    return await repo.managers_of_stores(session, [s.id for s in stores if s.id is not None])


async def join_store(
    session: AsyncSession,
    *,
    user_id: int,
    role: str,
    store_id: int,
    works_remotely: bool,
    skills: list[str],
    languages: list[str],
) -> None:
    """Attach a newly onboarded stylist (profile) or manager (store link) to a store."""
    if role == Role.manager:
        session.add(StoreManager(store_id=store_id, user_id=user_id))
    else:
        session.add(
            StaffProfile(
                user_id=user_id,
                home_store_id=store_id,
                works_remotely=works_remotely,
                skills=skills,
                languages=languages,
            )
        )
    await session.flush()

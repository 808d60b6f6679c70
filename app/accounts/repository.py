"""Every query of the accounts domain."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, delete, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from app.accounts.models import AuthSession, Invitation, PasswordReset, User


async def user_by_email(session: AsyncSession, email: str) -> User | None:
    return (await session.exec(select(User).where(User.email == email))).first()


async def user_by_id(session: AsyncSession, user_id: int) -> User | None:
    return await session.get(User, user_id)


async def users_by_ids(session: AsyncSession, ids: set[int]) -> list[User]:
    if not ids:
        return []
    return list((await session.exec(select(User).where(col(User.id).in_(ids)))).all())


async def user_for_session(session: AsyncSession, digest: str, now: datetime) -> User | None:
    statement = (
        select(User)
        .join(AuthSession, col(AuthSession.user_id) == User.id)
        .where(AuthSession.id == digest, AuthSession.expires_at > now, col(User.is_active))
    )
    return (await session.exec(statement)).first()


async def delete_session(session: AsyncSession, digest: str) -> None:
    await session.exec(delete(AuthSession).where(col(AuthSession.id) == digest))


async def delete_sessions_of(session: AsyncSession, user_id: int) -> None:
    await session.exec(delete(AuthSession).where(col(AuthSession.user_id) == user_id))


async def reset_by_digest(session: AsyncSession, digest: str) -> PasswordReset | None:
    statement = select(PasswordReset).where(PasswordReset.token_digest == digest)
    return (await session.exec(statement)).first()


async def use_up_resets_of(session: AsyncSession, user_id: int, when: datetime) -> None:
    """A password reset makes every other open reset link useless."""
    statement = (
        update(PasswordReset)
        .where(col(PasswordReset.user_id) == user_id, col(PasswordReset.used_at).is_(None))
        .values(used_at=when)
    )
    await session.exec(statement)  # type: ignore[call-overload]


async def invitation_by_digest(session: AsyncSession, digest: str) -> Invitation | None:
    statement = select(Invitation).where(Invitation.token_digest == digest)
    return (await session.exec(statement)).first()


async def invitations_for_stores(
    session: AsyncSession, store_ids: list[int], limit: int = 50
) -> list[Invitation]:
    statement = (
        select(Invitation)
        .where(col(Invitation.store_id).in_(store_ids))
        .order_by(col(Invitation.created_at).desc())
        .limit(limit)
    )
    return list((await session.exec(statement)).all())

"""Administrative account operations used by the CLI."""

from __future__ import annotations

from pydantic import ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession

from app.accounts import repository as repo
from app.accounts.models import Role, User
from app.accounts.schemas import SignupIn
from app.core.errors import InvalidInput
from app.core.security import hash_password


async def create_admin(
    session: AsyncSession, *, email: str, password: str, family_name: str, given_name: str
) -> User:
    """Create an admin, or promote and reset the password of an existing account."""
    try:
        data = SignupIn(
            email=email, password=password, family_name=family_name, given_name=given_name
        )
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise InvalidInput(problems) from exc
    user = await repo.user_by_email(session, data.email)
    if user is None:
        user = User(
            email=data.email,
            password_hash="",
            family_name=data.family_name,
            given_name=data.given_name,
        )
    user.role = Role.admin
    user.password_hash = hash_password(data.password)
    user.is_active = True
    session.add(user)
    await session.flush()
    return user

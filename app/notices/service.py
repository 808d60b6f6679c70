"""Tell staff what happened: an in-app notice (kept) and an email (sent after commit)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from app.accounts.models import User
from app.core.events import after_commit
from app.core.mail import Postman
from app.core.types import utcnow
from app.notices import repository as repo
from app.notices.models import Notice

SHOWN = 10


async def notify(
    session: AsyncSession,
    *,
    user: User,
    kind: str,
    template: str,
    context: dict[str, Any],
    link: str,
    postman: Postman,
) -> Notice:
    """Add a notice for ``user`` and queue the email ``emails/<template>`` for after the commit.

    The notice's line is the email's subject in each UI language, so both say the same."""
    from app.core.templating import render_email

    assert user.id is not None
    texts = {locale: render_email(template, context, locale)[0][:300] for locale in ("ja", "en")}
    notice = Notice(
        user_id=user.id, kind=kind, text_ja=texts["ja"], text_en=texts["en"], link=link[:300]
    )
    session.add(notice)
    email, locale = user.email, user.locale
    # Never inside the transaction (nor under a calendar lock): only once it has committed.
    after_commit(session, lambda: postman.deliver(email, template, context, locale))
    return notice


@dataclass(frozen=True)
class Inbox:
    notices: list[Notice]
    unread: int


async def inbox(session: AsyncSession, *, user: User, limit: int = SHOWN) -> Inbox:
    """The latest notices of a staff member and how many are unread."""
    assert user.id is not None
    return Inbox(
        await repo.latest(session, user.id, limit), await repo.unread_count(session, user.id)
    )


async def mark_all_read(session: AsyncSession, *, user: User) -> None:
    """Mark every notice of ``user`` as read."""
    assert user.id is not None
    await repo.mark_read(session, user.id, utcnow())

"""Side effects that must only happen once the transaction that caused them has committed."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from sqlmodel.ext.asyncio.session import AsyncSession

log = logging.getLogger(__name__)

AfterCommit = Callable[[], Awaitable[None]]
_KEY = "closetcall_after_commit"


def after_commit(session: AsyncSession, action: AfterCommit) -> None:
    """Run ``action`` after ``session`` commits (dropped if it rolls back)."""
    session.info.setdefault(_KEY, []).append(action)


def discard(session: AsyncSession) -> None:
    session.info.pop(_KEY, None)


async def run_after_commit(session: AsyncSession, *, strict: bool = False) -> None:
    """Run the queued actions. After a commit failures are logged; ``strict`` raises them instead
    (for callers that run the actions *before* committing and must not commit on failure)."""
    for action in session.info.pop(_KEY, []):
        try:
            await action()
        except Exception:
            if strict:
                raise
            log.exception("after-commit action failed")

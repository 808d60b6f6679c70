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


async def run_after_commit(session: AsyncSession) -> None:
    """Called by the session owner after a successful commit. Failures are logged, not raised."""
    for action in session.info.pop(_KEY, []):
        try:
            await action()
        except Exception:
            log.exception("after-commit action failed")

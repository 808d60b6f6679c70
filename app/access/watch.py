"""The unusual-access signal: a stylist opening many customers in an hour, or any outside her
shifts, is flagged in the audit log (the manager's audit page lists the flags) and her store's
managers get a notice and an email — once per hour for the count, once per day off-shift.
"""

from __future__ import annotations

from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from app.access import audit
from app.access import repository as repo
from app.accounts.models import Role, User
from app.core.mail import Postman
from app.core.types import utcnow


class Watch:
    """What the app was configured with: the hourly limit, and where emails go."""

    def __init__(self) -> None:
        self.per_hour = 30
        self.postman: Postman | None = None
        self.base_url = ""


WATCH = Watch()


async def after_read(session: AsyncSession, *, viewer: User) -> None:
    """Check the reader's last hour and her shift, after one of her customer reads was recorded."""
    if viewer.role != Role.staff or viewer.id is None:
        return
    now = utcnow()
    count = await repo.customers_read_since(session, viewer.id, now - timedelta(hours=1))
    if count > WATCH.per_hour and not await repo.flagged_since(
        session, viewer.id, audit.Action.unusual_volume, now - timedelta(hours=1)
    ):
        detail = f"{count} customers in an hour (limit {WATCH.per_hour})"
        await _flag(session, viewer, audit.Action.unusual_volume, detail, count=count)
    if not await repo.on_shift(session, viewer.id, now) and not await repo.flagged_since(
        session, viewer.id, audit.Action.outside_shift, now - timedelta(days=1)
    ):
        await _flag(session, viewer, audit.Action.outside_shift, "no approved shift now", count=0)


async def _flag(session: AsyncSession, viewer: User, action: str, detail: str, count: int) -> None:
    from app.notices import service as notices
    from app.store import service as stores

    await audit.record(session, actor_id=viewer.id, action=action, detail=detail)
    profile = await stores.staff_profile(session, user_id=viewer.id)  # type: ignore[arg-type]
    if profile is None or WATCH.postman is None:
        return
    store = await stores.get_store(session, store_id=profile.home_store_id)
    link = f"/manager/audit?staff_id={viewer.id}"
    for _store_id, manager in await stores.managers_of(session, stores=[store]):
        await notices.notify(
            session,
            user=manager,
            kind="unusual_access",
            template="unusual_access",
            context={
                "recipient": f"{manager.family_name} {manager.given_name}",
                "stylist": f"{viewer.family_name} {viewer.given_name}",
                "volume": action == audit.Action.unusual_volume,
                "count": count,
                "limit": WATCH.per_hour,
                "link": f"{WATCH.base_url}{link}",
            },
            link=link,
            postman=WATCH.postman,
        )

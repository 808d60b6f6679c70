"""Tell a store's managers about a stylist's shift request: a notice and an email each."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from app.accounts.models import User
from app.core.mail import Postman
from app.scheduling.models import Shift
from app.store import service as stores
from app.store.models import Store


async def tell_managers(
    session: AsyncSession,
    *,
    shift: Shift,
    stylist: User,
    store: Store,
    postman: Postman,
    base_url: str,
) -> None:
    """Every manager of the shift's store hears of the request (the email after commit)."""
    from zoneinfo import ZoneInfo

    from app.notices import service as notices

    week = shift.starts_at.astimezone(ZoneInfo(store.time_zone)).date().isoformat()
    link = f"/manager/roster?store_id={store.id}&week={week}"
    for _store_id, manager in await stores.managers_of(session, stores=[store]):
        context = {
            "recipient": f"{manager.family_name} {manager.given_name}",
            "stylist": f"{stylist.family_name} {stylist.given_name}",
            "starts_at": shift.starts_at,
            "ends_at": shift.ends_at,
            "time_zone": store.time_zone,
            "note": shift.note,
            "link": f"{base_url}{link}",
        }
        await notices.notify(
            session,
            user=manager,
            kind="shift_request",
            template="shift_request",
            context=context,
            link=link,
            postman=postman,
        )

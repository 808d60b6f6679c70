"""Emails to the customer about lookbooks and reservations, in the customer's language.

Each is queued with ``after_commit``: nothing is sent for a change that did not commit.
"""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from app.accounts.models import User
from app.booking.models import Appointment
from app.core.events import after_commit
from app.core.i18n import format_date, format_datetime
from app.core.mail import Postman
from app.core.text import format_phone
from app.store.models import Store
from app.wardrobe.lookbooks import repository as repo
from app.wardrobe.models import CatalogItem, Lookbook, Reservation

__all__ = ["Postman", "lookbook_sent", "reservation_changed"]
NOTES_IN_EMAIL = 3


def _name(user: User) -> str:
    return f"{user.family_name} {user.given_name}"


async def lookbook_sent(
    session: AsyncSession,
    *,
    lookbook: Lookbook,
    appointment: Appointment,
    postman: Postman,
    base_url: str,
) -> None:
    """Queue the email that tells the customer their lookbook is ready, with its link."""
    customer = await session.get(User, lookbook.customer_id)
    stylist = await session.get(User, appointment.staff_id)
    store = await session.get(Store, appointment.store_id)
    assert customer and stylist and store and lookbook.id is not None
    entries = await repo.entries_of(session, lookbook.id)
    locale = customer.locale
    context = {
        "name": _name(customer),
        "stylist": _name(stylist),
        "day": format_date(appointment.starts_at, store.time_zone, locale),
        "title": lookbook.title,
        "message": lookbook.message,
        "count": len(entries),
        "notes": [e.note for e in entries if e.note][:NOTES_IN_EMAIL],
        "link": f"{base_url}/lookbooks/{lookbook.id}",
    }
    email = customer.email
    after_commit(session, lambda: postman.deliver(email, "lookbook", context, locale))


async def reservation_changed(
    session: AsyncSession,
    *,
    reservation: Reservation,
    kind: str,
    postman: Postman,
    base_url: str,
) -> None:
    """Queue the confirmation of a reservation (``confirmed``) or the store's cancellation."""
    customer = await session.get(User, reservation.customer_id)
    store = await session.get(Store, reservation.store_id)
    item = await session.get(CatalogItem, reservation.catalog_item_id)
    assert customer and store and item
    locale = customer.locale
    ja = locale == "ja"
    context = {
        "kind": kind,
        "name": _name(customer),
        "number": reservation.pickup_code or reservation.id,
        "item": item.name_ja if ja else item.name_en,
        "sku": item.sku,
        "size": reservation.size,
        "store": store.name_ja if ja else store.name_en,
        "address": store.address_ja if ja else store.address_en,
        "phone": format_phone(store.phone_e164) if store.phone_e164 else "",
        "until": format_datetime(reservation.expires_at, store.time_zone, locale),
        "time_zone": store.time_zone,
        "link": f"{base_url}/reservations/{reservation.id}",
    }
    email = customer.email
    after_commit(session, lambda: postman.deliver(email, "reservation", context, locale))

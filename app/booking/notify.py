"""Emails about appointments, in the customer's language, with a calendar file attached."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from app.accounts.models import User
from app.booking.ics import CalendarEvent, build_ics
from app.booking.models import Appointment, AppointmentStatus, Service, WaitlistEntry
from app.core.events import after_commit
from app.core.i18n import format_date, format_datetime
from app.core.mail import Attachment, Postman
from app.store.models import Store


async def appointment_parts(
    session: AsyncSession, appointment: Appointment
) -> tuple[User, User, Service, Store]:
    customer = await session.get(User, appointment.customer_id)
    stylist = await session.get(User, appointment.staff_id)
    service = await session.get(Service, appointment.service_id)
    store = await session.get(Store, appointment.store_id)
    assert customer and stylist and service and store
    return customer, stylist, service, store


def calendar_file(
    appointment: Appointment,
    *,
    customer: User,
    stylist: User,
    service: Service,
    store: Store,
    base_url: str,
    sender: str,
    locale: str,
) -> str:
    name = service.name_ja if locale == "ja" else service.name_en
    store_name = store.name_ja if locale == "ja" else store.name_en
    link = f"{base_url}/appointments/{appointment.id}"
    return build_ics(
        CalendarEvent(
            uid=f"appointment-{appointment.id}@closetcall",
            sequence=appointment.sequence,
            start=appointment.starts_at,
            end=appointment.ends_at,
            summary=f"{name} · {stylist.family_name} {stylist.given_name}",
            description=f"{store_name}\n{link}",
            location=link,
            url=link,
            organizer=sender.split("<")[-1].rstrip(">").strip(),
            attendee=customer.email,
            cancelled=appointment.status == AppointmentStatus.cancelled,
        )
    )


async def calendar_text(
    session: AsyncSession, *, appointment: Appointment, base_url: str, sender: str, locale: str
) -> str:
    """The appointment's .ics, the same file the emails carry."""
    customer, stylist, service, store = await appointment_parts(session, appointment)
    return calendar_file(
        appointment,
        customer=customer,
        stylist=stylist,
        service=service,
        store=store,
        base_url=base_url,
        sender=sender,
        locale=locale,
    )


async def tell_customer(
    session: AsyncSession, *, appointment: Appointment, kind: str, postman: Postman, base_url: str
) -> None:
    """Queue the email about a booking, change, hand-off, cancellation or reminder."""
    customer, stylist, service, store = await appointment_parts(session, appointment)
    locale = customer.locale
    ics = calendar_file(
        appointment,
        customer=customer,
        stylist=stylist,
        service=service,
        store=store,
        base_url=base_url,
        sender=postman.settings.mail_from,
        locale=locale,
    )
    context = {
        "kind": kind,
        "customer": f"{customer.family_name} {customer.given_name}",
        "stylist": f"{stylist.family_name} {stylist.given_name}",
        "service": service.name_ja if locale == "ja" else service.name_en,
        "store": store.name_ja if locale == "ja" else store.name_en,
        "when": format_datetime(appointment.starts_at, store.time_zone, locale),
        "until": format_datetime(appointment.ends_at, store.time_zone, locale)[-5:],
        "link": f"{base_url}/appointments/{appointment.id}",
        "reason": appointment.cancel_reason,
        "hours": service.cancellation_notice_hours,
    }
    attachment = Attachment(f"closetcall-{appointment.id}.ics", ics, "text", "calendar")
    after_commit(
        session,
        lambda: postman.deliver(customer.email, "appointment", context, locale, (attachment,)),
    )


async def tell_waitlisted(
    session: AsyncSession,
    *,
    entry: WaitlistEntry,
    service: Service,
    postman: Postman,
    base_url: str,
) -> None:
    customer = await session.get(User, entry.customer_id)
    store = await session.get(Store, service.store_id)
    assert customer and store
    from datetime import UTC

    day = datetime.combine(entry.on_date, datetime.min.time(), tzinfo=UTC)
    context = {
        "customer": f"{customer.family_name} {customer.given_name}",
        "service": service.name_ja if customer.locale == "ja" else service.name_en,
        "day": format_date(day, "UTC", customer.locale),
        "link": f"{base_url}/book/{service.id}?day={entry.on_date.isoformat()}"
        + (f"&staff_id={entry.staff_id}" if entry.staff_id else "&anyone=1"),
    }
    after_commit(
        session, lambda: postman.deliver(customer.email, "waitlist", context, customer.locale)
    )


async def tell_staff(
    session: AsyncSession,
    *,
    appointment: Appointment,
    kind: str,
    postman: Postman,
    base_url: str,
    actor_id: int | None,
    previous_staff_id: int | None = None,
    previous_start: datetime | None = None,
) -> None:
    """Tell the stylist(s) concerned (never the one who made the change): a notice and an email.

    ``kind`` is booked, rescheduled, cancelled or handed_off. A change of stylist (a hand-off, or
    a move that another stylist took) tells both: the new one it is hers, the old one it is gone.
    """
    from app.notices import service as notices

    customer, stylist, service, store = await appointment_parts(session, appointment)
    base = {
        "customer": f"{customer.family_name} {customer.given_name}",
        "service_ja": service.name_ja,
        "service_en": service.name_en,
        "starts_at": appointment.starts_at,
        "before": previous_start or appointment.starts_at,
        "time_zone": store.time_zone,
        "reason": appointment.cancel_reason,
        "link": f"{base_url}/appointments/{appointment.id}",
    }
    told: list[tuple[User, str, str]] = []  # (recipient, kind, the other stylist's name)
    moved = previous_staff_id is not None and previous_staff_id != appointment.staff_id
    if moved:
        before = await session.get(User, previous_staff_id)
        assert before is not None
        told += [
            (stylist, "handed_to", f"{before.family_name} {before.given_name}"),
            (before, "handed_from", f"{stylist.family_name} {stylist.given_name}"),
        ]
    else:
        told.append((stylist, kind, ""))
    for recipient, what, other in told:
        if recipient.id == actor_id:
            continue
        context = {
            **base,
            "kind": what,
            "other": other,
            "recipient": f"{recipient.family_name} {recipient.given_name}",
        }
        await notices.notify(
            session,
            user=recipient,
            kind=what,
            template="staff_appointment",
            context=context,
            link=f"/appointments/{appointment.id}",
            postman=postman,
        )

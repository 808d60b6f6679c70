"""One customer's history for the staff who serve them: purchases, sessions and notes, wardrobe.

Who may open it is the access policy's decision (app/access/policy.py); anyone else gets a 404.
Past sessions are read as the customer sees them, so a stylist sees every earlier session's
summary — also those with a colleague — but never another session's staff-only outcome.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from app.access import audit, policy
from app.accounts.models import User
from app.booking import service as booking
from app.booking import views as booking_views
from app.booking.models import AppointmentStatus
from app.chat import service as chat
from app.consultation import service as consultation
from app.customer import service as customers
from app.customer.schemas import ProfilePublic
from app.customer.service import PurchaseLine
from app.wardrobe.closet import service as closet

PAST_SESSIONS_SHOWN = 10
PURCHASES_SHOWN = 20
LOOKBOOK_CHOICES = 6  # sessions offered when the stylist picks which lookbook to add to


@dataclass(frozen=True)
class SessionLine:
    view: booking_views.AppointmentView
    summary: str | None  # the wrap-up's summary, when one was written


@dataclass(frozen=True)
class CustomerForStaff:
    profile: ProfilePublic
    purchases: list[PurchaseLine]
    upcoming: list[booking_views.AppointmentView]
    past: list[SessionLine]  # newest first
    wardrobe: closet.StaffPanel
    # The viewer's session whose lookbook "add to lookbook" fills: the one just held (the latest
    # that has begun), None when none has (then the stylist picks among lookbook_choices).
    access: policy.Decision = policy.HIDDEN  # why the viewer may see the customer, until when
    my_latest_appointment_id: int | None = None
    my_conversation_id: int | None = None
    lookbook_choices: list[LookbookChoice] = field(default_factory=list)


@dataclass(frozen=True)
class LookbookChoice:
    appointment_id: int
    label: str  # "12月3日(木) 13:00 · スタイリング相談"
    held: bool  # it has begun (or is over): a lookbook is usually for such a session


async def customer_for_staff(
    session: AsyncSession, *, viewer: User, customer_id: int, locale: str, now: datetime
) -> CustomerForStaff:
    """Everything a stylist should know before the call, for staff who serve the customer."""
    # First: the access policy refuses (404) anyone who does not serve the customer, before
    # anything else is read; a stylist whose relation ended is told so.
    customer, profile, decision = await customers.load_customer_as(
        session, viewer=viewer, customer_id=customer_id, audit_as=audit.Action.customer_page_read
    )
    wardrobe = await closet.wardrobe_for_staff(
        session, viewer=viewer, customer_id=customer_id, locale=locale
    )
    # A purchase whose wardrobe item the customer hid is left out here as well.
    hidden = await closet.hidden_purchase_ids(session, customer_id=customer_id)
    purchases = [
        line
        for line in await customers.purchase_history(
            session,
            viewer=viewer,
            customer_id=customer_id,
            limit=PURCHASES_SHOWN + len(hidden),
            audited=False,  # the page's own read is on record
        )
        if line.purchase.id not in hidden
    ][:PURCHASES_SHOWN]
    views = await booking_views.describe(
        session, await booking.appointments_for(session, viewer=customer), locale
    )
    upcoming = [
        v
        for v in views
        if v.appointment.status == AppointmentStatus.booked and v.appointment.ends_at > now
    ]
    ahead = {v.appointment.id for v in upcoming}
    past = [v for v in views if v.appointment.id not in ahead and v.appointment.starts_at <= now]
    lines = []
    for view in past[::-1][:PAST_SESSIONS_SHOWN]:
        wrap_up = await consultation.get_wrap_up(
            session, viewer=customer, appointment_id=view.appointment.id
        )  # type: ignore[arg-type]
        lines.append(SessionLine(view, wrap_up.summary if wrap_up else None))
    mine = [
        v.appointment
        for v in views
        if v.appointment.staff_id == viewer.id
        and v.appointment.status in (AppointmentStatus.booked, AppointmentStatus.completed)
    ]
    held = [v for v in mine if v.starts_at <= now]
    latest = max(held, key=lambda a: a.starts_at, default=None)
    by_id = {v.appointment.id: v for v in views}
    choices = [
        LookbookChoice(a.id, f"{by_id[a.id].when} · {by_id[a.id].service_name}", a.starts_at <= now)  # type: ignore[arg-type]
        for a in sorted(mine, key=lambda a: a.starts_at, reverse=True)[:LOOKBOOK_CHOICES]
    ]
    conversation = await chat.existing_conversation(session, viewer=viewer, customer_id=customer_id)
    return CustomerForStaff(
        profile=customers.public_profile(customer, profile, decision),
        access=decision,
        purchases=purchases,
        upcoming=upcoming,
        past=lines,
        wardrobe=wardrobe,
        my_latest_appointment_id=latest.id if latest else None,
        my_conversation_id=conversation.id if conversation else None,
        lookbook_choices=choices,
    )

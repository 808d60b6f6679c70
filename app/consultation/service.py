"""After the call: the stylist's wrap-up, the customer's rating, closet snapshots, and the
session history the appointment page shows. Appointments are read and completed through booking."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from app.accounts.models import User
from app.booking import service as booking
from app.booking.models import Appointment, AppointmentStatus
from app.consultation import repository as repo
from app.consultation.models import CallRecord, Rating, WrapUp
from app.consultation.schemas import History, RatingIn, RatingOut, WrapUpIn, WrapUpOut
from app.consultation.window import call_window, has_begun
from app.core.config import Settings
from app.core.errors import Conflict, Forbidden, InvalidInput
from app.core.i18n import format_date
from app.core.i18n import gettext as _
from app.store import service as stores
from app.wardrobe import service as wardrobe
from app.wardrobe.closet import service as closet
from app.wardrobe.closet import vocabulary as vocab
from app.wardrobe.models import OwnedItem
from app.wardrobe.schemas import OwnedItemIn

RATING_EDITABLE_FOR = timedelta(days=7)
FOLLOW_UP_HORIZON = timedelta(days=366)  # "within a year", leap days included
HELD = (AppointmentStatus.booked, AppointmentStatus.completed)


class NotStarted(Conflict):
    code = "not_started"


class NotHeld(Conflict):
    code = "session_not_held"


class RatingLocked(Conflict):
    code = "rating_locked"


class CallNotOpen(Conflict):
    code = "call_not_open"


# ---------------------------------------------------------------- the call window


def call_is_open(appointment: Appointment, settings: Settings, now: datetime) -> bool:
    """The same window as the call itself (booked, shortly before the start to after the end)."""
    window = call_window(
        appointment,
        opens_before=settings.call_opens_minutes_before,
        grace_after=settings.call_grace_minutes_after,
    )
    return window.is_open(now)


# ---------------------------------------------------------------- the call record


async def record_call(session: AsyncSession, *, appointment_id: int, now: datetime) -> None:
    """Note that the appointment's call took place (once; the first admission counts)."""
    if await repo.call_of(session, appointment_id) is not None:
        return
    try:
        async with session.begin_nested():  # a second process may write it at the same moment
            session.add(CallRecord(appointment_id=appointment_id, started_at=now))
    except IntegrityError:
        pass


async def call_took_place(session: AsyncSession, *, appointment_id: int) -> bool:
    """Whether the appointment's call took place (staff let someone in)."""
    return await repo.call_of(session, appointment_id) is not None


async def begun(session: AsyncSession, *, appointment: Appointment, now: datetime) -> bool:
    """The session has started, or its call already took place (it opens before the start)."""
    assert appointment.id is not None
    held = await call_took_place(session, appointment_id=appointment.id)
    return has_begun(appointment, now, call_held=held)


# ---------------------------------------------------------------- checks


async def _as_staff(session: AsyncSession, actor: User, appointment_id: int) -> Appointment:
    """The appointment, for its stylist or a manager of its store (404 for strangers)."""
    appointment = await booking.load_for(session, viewer=actor, appointment_id=appointment_id)
    if actor.id == appointment.customer_id:
        raise Forbidden(_("Only the stylist or a store manager can do this."))
    return appointment


async def _require_held(
    session: AsyncSession, appointment: Appointment, now: datetime, not_started: str
) -> None:
    if appointment.status not in HELD:
        raise NotHeld(_("This session was cancelled or nobody came, so there is nothing to add."))
    if not await begun(session, appointment=appointment, now=now):
        raise NotStarted(not_started)


def follow_up_range(time_zone: str, now: datetime) -> tuple[date, date]:
    """The dates a follow-up may fall on: from today to a year ahead, in the store's zone."""
    zone = ZoneInfo(time_zone)
    return now.astimezone(zone).date(), (now + FOLLOW_UP_HORIZON).astimezone(zone).date()


async def _check_follow_up(
    session: AsyncSession, appointment: Appointment, follow_up_on: date | None, now: datetime
) -> None:
    if follow_up_on is None:
        return
    store = await stores.get_store(session, store_id=appointment.store_id)
    first, last = follow_up_range(store.time_zone, now)
    if follow_up_on < first:
        raise InvalidInput(_("The follow-up date cannot be in the past."), field="follow_up_on")
    if follow_up_on > last:
        raise InvalidInput(_("Choose a follow-up date within the next year."), field="follow_up_on")


async def _flush_once(session: AsyncSession) -> None:
    try:
        await session.flush()
    except IntegrityError as exc:  # the first one was saved at the same moment elsewhere
        raise Conflict(_("This was just saved from somewhere else. Please reload.")) from exc


# ---------------------------------------------------------------- wrap-up


async def wrap_up_to_edit(
    session: AsyncSession, *, actor: User, appointment_id: int, now: datetime
) -> WrapUp | None:
    """The wrap-up to prefill the form with, once the viewer may write one (None: not yet)."""
    appointment = await _as_staff(session, actor, appointment_id)
    await _require_held(
        session,
        appointment,
        now,
        _("The wrap-up can be written once the call has taken place or the session has started."),
    )
    return await repo.wrap_up_of(session, appointment_id)


async def save_wrap_up(
    session: AsyncSession, *, actor: User, appointment_id: int, data: WrapUpIn, now: datetime
) -> WrapUp:
    """Record (or edit) the session's wrap-up; the first one marks the appointment completed."""
    wrap_up = await wrap_up_to_edit(session, actor=actor, appointment_id=appointment_id, now=now)
    appointment = await booking.load_for(session, viewer=actor, appointment_id=appointment_id)
    await _check_follow_up(session, appointment, data.follow_up_on, now)
    if wrap_up is None:
        wrap_up = WrapUp(
            appointment_id=appointment_id,
            author_id=actor.id,
            updated_by_id=actor.id,
            created_at=now,
        )  # type: ignore[arg-type]
    wrap_up.summary, wrap_up.outcome = data.summary, data.outcome
    wrap_up.follow_up_on = data.follow_up_on
    wrap_up.updated_by_id, wrap_up.updated_at = actor.id, now  # type: ignore[assignment]
    session.add(wrap_up)
    if appointment.status == AppointmentStatus.booked:
        await booking.mark(
            session,
            actor=actor,
            appointment_id=appointment_id,
            status=AppointmentStatus.completed,
            now=now,
            begun=True,  # checked above: started, or its call took place
        )
    await _flush_once(session)
    return wrap_up


def wrap_up_out(wrap_up: WrapUp, *, for_staff: bool) -> WrapUpOut:
    """The wrap-up as a viewer may see it: the outcome is for staff only."""
    return WrapUpOut(
        appointment_id=wrap_up.appointment_id,
        summary=wrap_up.summary,
        outcome=wrap_up.outcome if for_staff else None,
        follow_up_on=wrap_up.follow_up_on,
        created_at=wrap_up.created_at,
        updated_at=wrap_up.updated_at,
    )


async def get_wrap_up(
    session: AsyncSession, *, viewer: User, appointment_id: int
) -> WrapUpOut | None:
    """The session's wrap-up as the viewer may see it (none yet: None)."""
    appointment = await booking.load_for(session, viewer=viewer, appointment_id=appointment_id)
    wrap_up = await repo.wrap_up_of(session, appointment_id)
    for_staff = viewer.id != appointment.customer_id
    return wrap_up_out(wrap_up, for_staff=for_staff) if wrap_up else None


# ---------------------------------------------------------------- rating


def _rating_editable(rating: Rating | None, now: datetime) -> bool:
    return rating is None or now - rating.created_at <= RATING_EDITABLE_FOR


async def rating_to_edit(
    session: AsyncSession, *, actor: User, appointment_id: int, now: datetime
) -> Rating | None:
    """The rating to prefill the form with, once the customer may give or change it."""
    appointment = await booking.load_for(session, viewer=actor, appointment_id=appointment_id)
    if actor.id != appointment.customer_id:
        raise Forbidden(_("Only the customer can rate the session."))
    await _require_held(
        session,
        appointment,
        now,
        _("You can rate the session once the call has taken place or the session has started."),
    )
    rating = await repo.rating_of(session, appointment_id)
    if not _rating_editable(rating, now):
        raise RatingLocked(_("A rating can be changed for 7 days after it was given."))
    return rating


async def save_rating(
    session: AsyncSession, *, actor: User, appointment_id: int, data: RatingIn, now: datetime
) -> Rating:
    """Rate the session 1–5 (the customer only); it can be changed for 7 days."""
    rating = await rating_to_edit(session, actor=actor, appointment_id=appointment_id, now=now)
    if rating is None:
        rating = Rating(
            appointment_id=appointment_id, customer_id=actor.id, score=data.score, created_at=now
        )  # type: ignore[arg-type]
    rating.score, rating.comment, rating.updated_at = data.score, data.comment, now
    session.add(rating)
    await _flush_once(session)
    return rating


def rating_out(rating: Rating) -> RatingOut:
    return RatingOut.model_validate(rating, from_attributes=True)


async def get_rating(
    session: AsyncSession, *, viewer: User, appointment_id: int
) -> RatingOut | None:
    """The session's rating, for anyone who may see the appointment (none yet: None)."""
    await booking.load_for(session, viewer=viewer, appointment_id=appointment_id)
    rating = await repo.rating_of(session, appointment_id)
    return rating_out(rating) if rating else None


# ---------------------------------------------------------------- closet snapshots


async def take_snapshot(
    session: AsyncSession,
    *,
    actor: User,
    appointment_id: int,
    data: OwnedItemIn,
    image: bytes,
    now: datetime,
    settings: Settings,
) -> OwnedItem:
    """Save a photo of the customer's own item, taken during the call, to their wardrobe."""
    appointment = await _as_staff(session, actor, appointment_id)
    if not call_is_open(appointment, settings, now):
        raise CallNotOpen(
            _("Closet photos can be saved only while the call is open."), field="image"
        )
    palette = vocab.COLOUR_BY_CODE.get((data.colour_name or "").strip().lower())
    if palette is not None:  # a named colour is the palette's shade, as in the customer's own form
        data = data.model_copy(update={"colour_name": palette.code, "colour_rgb": palette.rgb})
    return await wardrobe.add_closet_snapshot(
        session,
        customer_id=appointment.customer_id,
        appointment_id=appointment_id,
        author=actor,
        data=data,
        image=image,
        var_dir=Path(settings.var_dir),
    )


# ---------------------------------------------------------------- history


def _date_label(day: date) -> str:
    return format_date(datetime(day.year, day.month, day.day, 12, tzinfo=UTC), "UTC")


async def history_for(
    session: AsyncSession, *, viewer: User, appointment_id: int, now: datetime, settings: Settings
) -> History:
    """Wrap-up, rating, what the viewer may do next, and (for staff) the customer's wardrobe."""
    appointment = await booking.load_for(session, viewer=viewer, appointment_id=appointment_id)
    is_staff = viewer.id != appointment.customer_id
    wrap_up = await repo.wrap_up_of(session, appointment_id)
    rating = await repo.rating_of(session, appointment_id)
    held = appointment.status in HELD and await begun(session, appointment=appointment, now=now)
    follow_up = wrap_up.follow_up_on if wrap_up else None
    # The appointment is the stylist's in any case; the customer's wardrobe only while the
    # access policy lets her see the customer (the page then says when it opens).
    customer_visible = is_staff and await wardrobe.may_see_wardrobe(
        session, viewer=viewer, customer_id=appointment.customer_id
    )
    owned = (
        await wardrobe.owned_items(session, viewer=viewer, customer_id=appointment.customer_id)
        if customer_visible
        else []
    )
    return History(
        customer_visible=customer_visible,
        is_staff=is_staff,
        wrap_up=wrap_up_out(wrap_up, for_staff=is_staff) if wrap_up else None,
        rating=rating_out(rating) if rating else None,
        follow_up_label=_date_label(follow_up) if follow_up else "",
        held=held,
        can_wrap_up=is_staff and held,
        can_rate=not is_staff and held and _rating_editable(rating, now),
        call_open=call_is_open(appointment, settings, now),
        call_opens_before=settings.call_opens_minutes_before,
        owned=await closet.owned_out_many(session, owned),  # pictures: photo or catalog swatch
    )

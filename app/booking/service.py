"""Booking use cases.

Every write that puts an appointment on a stylist's calendar takes the calendar lock of each
stylist it touches (one call, ascending ids, after any customer or appointment lock: see
``core/locks.py``), then computes availability and checks for clashes *under* the lock. On
PostgreSQL an exclusion constraint backs this up; its violation is answered as ``slot_taken``.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.accounts.models import Role, User
from app.booking import notify, rules
from app.booking import repository as repo
from app.booking.availability import (
    Slot,
    SlotRequest,
    StaffSchedule,
    available_slots,
    grid_offset,
    local_to_epoch,
)
from app.booking.models import Appointment, AppointmentStatus, Service, WaitlistEntry
from app.booking.schemas import BookIn, ServiceIn
from app.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.core.i18n import gettext as _
from app.core.mail import Postman
from app.core.types import utcnow
from app.scheduling import service as scheduling
from app.store import service as stores
from app.store.models import Store

MAX_WINDOW = timedelta(days=62)


class SlotTaken(Conflict):
    code = "slot_taken"


class SlotNotOffered(InvalidInput):
    code = "slot_not_offered"


class TooLate(Conflict):
    code = "too_late"


class IdempotencyKeyReused(InvalidInput):
    code = "idempotency_key_reused"


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def _utc(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


# ---------------------------------------------------------------- services


async def get_service(session: AsyncSession, *, service_id: int) -> Service:
    """One bookable service, or a 404 that says so."""
    service = await session.get(Service, service_id)
    if service is None:
        raise NotFound(_("There is no such service."), field="service_id")
    return service


async def list_services(session: AsyncSession, *, store_id: int | None = None) -> list[Service]:
    """Services (of one store, or all)."""
    return await repo.services_of(session, store_id)


async def _manages(session: AsyncSession, user: User, store_id: int) -> bool:
    assert user.id is not None
    return user.role == Role.admin or await stores.manages(
        session, user_id=user.id, store_id=store_id
    )


async def save_service(
    session: AsyncSession,
    *,
    manager: User,
    store_id: int,
    data: ServiceIn,
    service_id: int | None = None,
) -> Service:
    """Create or edit a store's bookable service."""
    await stores.get_store(session, store_id=store_id)
    if not await _manages(session, manager, store_id):
        raise Forbidden(_("You can only change the services of stores you manage."))
    service = (
        Service(store_id=store_id)
        if service_id is None
        else await get_service(session, service_id=service_id)
    )
    if service.store_id != store_id:
        raise NotFound(_("There is no such service."))
    for field, value in data.model_dump().items():
        setattr(service, field, value)
    session.add(service)
    await session.flush()
    return service


# ---------------------------------------------------------------- slots


async def qualified_staff(session: AsyncSession, *, service: Service) -> list[int]:
    """Stylists of the service's store who have every skill it requires."""
    store = await stores.get_store(session, store_id=service.store_id)
    needed = set(service.required_skills)
    return sorted(
        p.user_id
        for p, _u in await stores.staff_of(session, stores=[store])
        if needed <= set(p.skills)
    )


async def compute_slots(
    session: AsyncSession,
    *,
    service: Service,
    start: datetime,
    end: datetime,
    now: datetime,
    staff_ids: list[int] | None = None,
    exclude: int | None = None,
    ignore_appointments: bool = False,
) -> list[Slot]:
    """Free slots of a service in [start, end) with the stylists free for each."""
    if end <= start:
        raise InvalidInput(_("The end of the range must be after its start."), field="end")
    if end - start > MAX_WINDOW:
        raise InvalidInput(_("Ask for at most 62 days of slots at a time."), field="end")
    store = await stores.get_store(session, store_id=service.store_id)
    candidates = await qualified_staff(session, service=service)
    if staff_ids is not None:
        candidates = [s for s in candidates if s in staff_ids]
    if not candidates:
        return []
    margin = timedelta(
        minutes=service.duration_min + service.buffer_before_min + service.buffer_after_min
    )
    avail = await scheduling.availability(
        session,
        store_id=store.id,
        staff_ids=candidates,
        start=start - margin,
        end=end + margin,  # type: ignore[arg-type]
    )
    busy: dict[int, list[tuple[int, int]]] = {s: [] for s in candidates}
    if not ignore_appointments:
        for appointment in await repo.active_blocks(
            session, candidates, start - margin, end + margin, exclude=exclude
        ):
            busy[appointment.staff_id].append(
                (_epoch(appointment.blocked_from), _epoch(appointment.blocked_until))
            )
    step = service.step_min * 60
    request = SlotRequest(
        duration=service.duration_min * 60,
        buffer_before=service.buffer_before_min * 60,
        buffer_after=service.buffer_after_min * 60,
        step=step,
        grid_offset=grid_offset(store.time_zone, _epoch(start), step),
        window_start=_epoch(start),
        window_end=_epoch(end),
        earliest=_epoch(now) + service.min_notice_min * 60,
        horizon_end=_epoch(now) + service.horizon_days * 86400,
    )
    schedules = [
        StaffSchedule(a.staff_id, a.shifts, a.breaks, a.time_off, busy[a.staff_id]) for a in avail
    ]
    return available_slots(request, schedules)


async def _free_at(
    session: AsyncSession,
    *,
    service: Service,
    start: datetime,
    now: datetime,
    exclude: int | None = None,
    only_offered: bool = False,
) -> tuple[list[int], list[int]]:
    """(stylists who would offer this start at all, stylists free for it right now)."""
    window = (start, start + timedelta(seconds=1))
    offered = await compute_slots(
        session,
        service=service,
        start=window[0],
        end=window[1],
        now=now,
        exclude=exclude,
        ignore_appointments=True,
    )
    if only_offered:
        return (list(offered[0].staff_ids) if offered else [], [])
    free = await compute_slots(
        session, service=service, start=window[0], end=window[1], now=now, exclude=exclude
    )
    return (list(offered[0].staff_ids) if offered else [], list(free[0].staff_ids) if free else [])


async def _store_day(
    session: AsyncSession, store: Store, moment: datetime
) -> tuple[datetime, datetime]:
    from zoneinfo import ZoneInfo

    day = moment.astimezone(ZoneInfo(store.time_zone)).date()
    return (
        _utc(local_to_epoch(day, datetime.min.time(), store.time_zone)),
        _utc(local_to_epoch(day + timedelta(days=1), datetime.min.time(), store.time_zone)),
    )


async def _preference(
    session: AsyncSession, *, customer_id: int, store: Store, staff_ids: list[int], start: datetime
) -> list[int]:
    """Auto-assignment order: the customer's previous stylist, then the least busy that day."""
    previous = await repo.last_stylist_of(session, customer_id, store.id)  # type: ignore[arg-type]
    day_start, day_end = await _store_day(session, store, start)
    counts = await repo.counts_between(session, staff_ids, day_start, day_end)
    return sorted(staff_ids, key=lambda s: (s != previous, counts.get(s, 0), s))


async def _lock_and_recheck(
    session: AsyncSession,
    *,
    service: Service,
    start: datetime,
    now: datetime,
    touched: set[int],
    exclude: int | None = None,
) -> tuple[list[int], list[int]]:
    """Lock the calendars of ``touched`` plus every stylist who offers ``start``, then re-read.

    Returns (stylists offering the start, stylists free for it) as seen under the locks, limited
    to the stylists locked: one whose shift appeared after the first read is not taken unlocked.
    """
    offered_before, _free = await _free_at(
        session, service=service, start=start, now=now, exclude=exclude, only_offered=True
    )
    locked = touched | set(offered_before)
    await stores.lock_calendars(session, staff_ids=locked)
    offered, free = await _free_at(session, service=service, start=start, now=now, exclude=exclude)
    return [s for s in offered if s in locked], [s for s in free if s in locked]


async def _flush_placed(session: AsyncSession) -> None:
    """Write an appointment placed on a calendar; the database's own guard answers as a clash."""
    try:
        await session.flush()
    except IntegrityError as exc:
        if _is_exclusion_violation(exc):
            raise SlotTaken(
                _("Sorry, that time was just taken. Please choose another time."), field="start"
            ) from exc
        raise


def _is_exclusion_violation(exc: IntegrityError) -> bool:
    """PostgreSQL's exclusion_violation (23P01) from ex_appointment_stylist_time."""
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return code == "23P01" or "ex_appointment_stylist_time" in str(exc.orig)


def _blocked(service: Service, start: datetime) -> tuple[datetime, datetime, datetime]:
    end = start + timedelta(minutes=service.duration_min)
    return (
        start - timedelta(minutes=service.buffer_before_min),
        end + timedelta(minutes=service.buffer_after_min),
        end,
    )


def _slot_message(offered: list[int]) -> tuple[type[Conflict] | type[InvalidInput], str]:
    if not offered:
        return SlotNotOffered, _(
            "That time is not offered for this service. Please pick one of the listed times."
        )
    return SlotTaken, _("Sorry, that time was just taken. Please choose another time.")


# ---------------------------------------------------------------- booking


async def book(
    session: AsyncSession,
    *,
    customer: User,
    data: BookIn,
    idempotency_key: str | None,
    now: datetime,
    postman: Postman,
    base_url: str,
) -> tuple[Appointment, bool]:
    """Book a slot; returns (appointment, replayed) where replayed means the key was seen before.

    With a key, the customer's lock comes first: a parallel retry waits for this request and
    then finds its appointment. The same key with a different request is refused.
    """
    assert customer.id is not None
    fingerprint = _fingerprint(data) if idempotency_key else None
    if idempotency_key:
        await repo.lock_customer(session, customer.id)
        existing = await repo.by_idempotency_key(session, customer.id, idempotency_key)
        if existing is not None:
            if existing.idempotency_fingerprint not in (None, fingerprint):
                raise IdempotencyKeyReused(
                    _(
                        "This Idempotency-Key was already used for a different booking request. "
                        "Send a new key for a new request."
                    ),
                    field="idempotency_key",
                )
            return existing, True
    service = await get_service(session, service_id=data.service_id)
    if not service.is_active:
        raise NotFound(_("This service is not bookable at the moment."), field="service_id")
    start = data.start.astimezone(UTC)
    if start <= now:
        raise InvalidInput(_("That time has already passed."), field="start")
    store = await stores.get_store(session, store_id=service.store_id)
    touched = {data.staff_id} if data.staff_id is not None else set()
    offered, free = await _lock_and_recheck(
        session, service=service, start=start, now=now, touched=touched
    )
    if data.staff_id is not None:
        if data.staff_id not in offered:
            raise SlotNotOffered(
                _("That stylist does not offer this time. Please pick one of the listed times."),
                field="staff_id",
            )
        candidates = [data.staff_id] if data.staff_id in free else []
    else:
        candidates = await _preference(
            session, customer_id=customer.id, store=store, staff_ids=free, start=start
        )
    if not candidates:
        error, message = _slot_message(offered)
        raise error(message, field="start")
    blocked_from, blocked_until, end = _blocked(service, start)
    appointment = Appointment(
        store_id=store.id,
        service_id=service.id,
        customer_id=customer.id,
        staff_id=candidates[0],
        starts_at=start,
        ends_at=end,
        blocked_from=blocked_from,
        blocked_until=blocked_until,
        topic=data.topic,
        idempotency_key=idempotency_key,
        idempotency_fingerprint=fingerprint,
    )  # type: ignore[arg-type]
    session.add(appointment)
    await _flush_placed(session)
    await notify.tell_customer(
        session, appointment=appointment, kind="confirmed", postman=postman, base_url=base_url
    )
    await notify.tell_staff(  # a notice now, the email after commit
        session,
        appointment=appointment,
        kind="booked",
        postman=postman,
        base_url=base_url,
        actor_id=customer.id,
    )
    return appointment, False


def _fingerprint(data: BookIn) -> str:
    """What a keyed booking request asked for, independent of how the client wrote it."""
    canonical = {
        "service_id": data.service_id,
        "start": data.start.astimezone(UTC).isoformat(),
        "staff_id": data.staff_id,
        "topic": data.topic,
    }
    return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()


def _is_manager_role(user: User) -> bool:
    return user.role in (Role.manager, Role.admin)


async def load_for(session: AsyncSession, *, viewer: User, appointment_id: int) -> Appointment:
    """An appointment its customer, stylist or store manager may see; 404 for anyone else."""
    appointment = await session.get(Appointment, appointment_id)
    allowed = appointment is not None and (
        viewer.id in (appointment.customer_id, appointment.staff_id)
        or (_is_manager_role(viewer) and await _manages(session, viewer, appointment.store_id))
    )
    if not allowed:
        raise NotFound(_("There is no such appointment."))
    assert appointment is not None
    return appointment


async def load_locked(session: AsyncSession, *, viewer: User, appointment_id: int) -> Appointment:
    """``load_for``, then the appointment's row lock and a fresh read of it (for changes)."""
    await load_for(session, viewer=viewer, appointment_id=appointment_id)
    appointment = await repo.lock_appointment(session, appointment_id)
    if appointment is None:
        raise NotFound(_("There is no such appointment."))
    return appointment


def _require_booked(appointment: Appointment) -> None:
    if appointment.status != AppointmentStatus.booked:
        raise Conflict(_("This appointment is no longer open for changes."))


def _check_notice(actor: User, appointment: Appointment, service: Service, now: datetime) -> None:
    # The same rule the appointment page uses to disable its buttons (booking.rules).
    refusal = rules.change_refusal(
        status=appointment.status,
        starts_at=appointment.starts_at,
        notice_hours=service.cancellation_notice_hours,
        by_customer=actor.id == appointment.customer_id,
        now=now,
    )
    if refusal is not None:
        raise (TooLate if refusal.code == "too_late" else Conflict)(refusal.message)


class StylistWouldChange(Conflict):
    code = "stylist_would_change"


def _pick_for_reschedule(
    current: int,
    candidates: list[int],
    offered: list[int],
    free: list[int],
    *,
    staff_id: int | None,
    allow_other: bool,
) -> int:
    """The stylist a moved session goes to. Another stylist only when the caller asked for it."""
    if staff_id is not None:
        if staff_id not in offered:
            raise SlotNotOffered(
                _("That stylist does not offer this time. Please pick one of the listed times."),
                field="staff_id",
            )
        if staff_id not in free:
            raise SlotTaken(
                _("Sorry, that time was just taken. Please choose another time."), field="start"
            )
        return staff_id
    if not candidates:
        error, message = _slot_message(offered)
        raise error(message, field="start")
    if candidates[0] != current and not allow_other:
        raise StylistWouldChange(
            _(
                "Your stylist is not free at that time; another stylist could take the session. Send staff_id (one of %(ids)s) to confirm the change, or choose another time.",  # noqa: E501
                ids=", ".join(str(s) for s in candidates),
            ),
            field="staff_id",
        )
    return candidates[0]


async def reschedule(
    session: AsyncSession,
    *,
    actor: User,
    appointment_id: int,
    start: datetime,
    now: datetime,
    postman: Postman,
    base_url: str,
    staff_id: int | None = None,
    allow_other: bool = False,
) -> Appointment:
    """Move an appointment with the same stylist; another one only when asked (staff_id/allow_other)."""  # noqa: E501
    appointment = await load_locked(session, viewer=actor, appointment_id=appointment_id)
    _require_booked(appointment)
    service = await get_service(session, service_id=appointment.service_id)
    _check_notice(actor, appointment, service, now)
    start = start.astimezone(UTC)
    if start <= now:
        raise InvalidInput(_("That time has already passed."), field="start")
    store = await stores.get_store(session, store_id=service.store_id)
    offered, free = await _lock_and_recheck(
        session,
        service=service,
        start=start,
        now=now,
        touched={appointment.staff_id} | ({staff_id} if staff_id is not None else set()),
        exclude=appointment.id,
    )
    others = await _preference(
        session,
        customer_id=appointment.customer_id,
        store=store,
        staff_ids=[s for s in free if s != appointment.staff_id],
        start=start,
    )
    candidates = ([appointment.staff_id] if appointment.staff_id in free else []) + others
    staff_id = _pick_for_reschedule(
        appointment.staff_id,
        candidates,
        offered,
        free,
        staff_id=staff_id,
        allow_other=allow_other,
    )
    blocked_from, blocked_until, end = _blocked(service, start)
    old_start, old_staff = appointment.starts_at, appointment.staff_id
    appointment.staff_id, appointment.starts_at, appointment.ends_at = staff_id, start, end
    appointment.blocked_from, appointment.blocked_until = blocked_from, blocked_until
    appointment.sequence += 1
    appointment.reminder_24h_sent_at = appointment.reminder_1h_sent_at = None
    session.add(appointment)
    await _flush_placed(session)
    await notify.tell_customer(
        session, appointment=appointment, kind="rescheduled", postman=postman, base_url=base_url
    )
    await notify.tell_staff(
        session,
        appointment=appointment,
        kind="rescheduled",
        postman=postman,
        base_url=base_url,
        actor_id=actor.id,
        previous_staff_id=old_staff,
        previous_start=old_start,
    )
    await _offer_freed_day(
        session,
        service=service,
        store=store,
        moment=old_start,
        postman=postman,
        base_url=base_url,
        freed_staff_id=old_staff,
    )
    return appointment


async def cancel(
    session: AsyncSession,
    *,
    actor: User,
    appointment_id: int,
    reason: str,
    now: datetime,
    postman: Postman,
    base_url: str,
) -> Appointment:
    """Cancel: customers within the service's notice period, staff with a reason."""
    appointment = await load_locked(session, viewer=actor, appointment_id=appointment_id)
    _require_booked(appointment)
    service = await get_service(session, service_id=appointment.service_id)
    _check_notice(actor, appointment, service, now)
    if actor.id != appointment.customer_id and not reason.strip():
        raise InvalidInput(
            _("Please tell the customer why the session is cancelled."), field="reason"
        )
    appointment.status = AppointmentStatus.cancelled
    appointment.cancelled_at, appointment.cancelled_by_id = now, actor.id
    appointment.cancel_reason = reason.strip()
    appointment.sequence += 1
    session.add(appointment)
    await session.flush()
    store = await stores.get_store(session, store_id=service.store_id)
    await notify.tell_customer(
        session, appointment=appointment, kind="cancelled", postman=postman, base_url=base_url
    )
    await notify.tell_staff(
        session,
        appointment=appointment,
        kind="cancelled",
        postman=postman,
        base_url=base_url,
        actor_id=actor.id,
    )
    await _offer_freed_day(
        session,
        service=service,
        store=store,
        moment=appointment.starts_at,
        postman=postman,
        base_url=base_url,
        freed_staff_id=appointment.staff_id,
    )
    return appointment


async def mark(
    session: AsyncSession,
    *,
    actor: User,
    appointment_id: int,
    status: str,
    now: datetime,
    begun: bool = False,
) -> Appointment:
    """The stylist (or a manager) records that the session happened, or that nobody came.

    ``begun``: the caller knows the session's call already took place (it opens before the start;
    consultation owns that record), so the start time need not have passed."""
    appointment = await load_locked(session, viewer=actor, appointment_id=appointment_id)
    if actor.id == appointment.customer_id:
        raise Forbidden(_("Only staff can record how a session went."))
    _require_booked(appointment)
    if appointment.starts_at > now and not begun:
        raise Conflict(_("A session can be marked only once it has started."))
    appointment.status = status
    session.add(appointment)
    return appointment


async def hand_off(
    session: AsyncSession,
    *,
    manager: User,
    appointment_id: int,
    staff_id: int,
    now: datetime,
    postman: Postman,
    base_url: str,
) -> Appointment:
    """Give an appointment to another qualified stylist who is free then; the customer is told."""
    if not _is_manager_role(manager):
        raise Forbidden(_("Only a store manager can hand an appointment to someone else."))
    appointment = await load_locked(session, viewer=manager, appointment_id=appointment_id)
    _require_booked(appointment)
    if staff_id == appointment.staff_id:
        raise InvalidInput(_("Choose a different stylist."), field="staff_id")
    service = await get_service(session, service_id=appointment.service_id)
    if staff_id not in await qualified_staff(session, service=service):
        raise InvalidInput(_("That stylist cannot take this service."), field="staff_id")
    await stores.lock_calendars(session, staff_ids=[appointment.staff_id, staff_id])
    if staff_id not in await _able_to_take(session, appointment=appointment, staff_ids=[staff_id]):
        raise SlotTaken(_("That stylist is not free at this time."), field="staff_id")
    previous_staff_id = appointment.staff_id
    appointment.staff_id = staff_id
    appointment.sequence += 1
    session.add(appointment)
    await _flush_placed(session)
    await notify.tell_customer(
        session, appointment=appointment, kind="handed_off", postman=postman, base_url=base_url
    )
    await notify.tell_staff(
        session,
        appointment=appointment,
        kind="handed_off",
        postman=postman,
        base_url=base_url,
        actor_id=manager.id,
        previous_staff_id=previous_staff_id,
    )
    return appointment


async def _able_to_take(
    session: AsyncSession, *, appointment: Appointment, staff_ids: list[int]
) -> list[int]:
    """Of these stylists, those who could run this appointment as it stands.

    On an approved shift for the whole session, not on a break or time off, and with nothing else
    in the appointment's blocked time. Notice and horizon do not apply: a manager is moving an
    existing booking, not offering a new time.
    """
    if not staff_ids:
        return []
    begin, finish = _epoch(appointment.starts_at), _epoch(appointment.ends_at)
    availability = await scheduling.availability(
        session,
        store_id=appointment.store_id,
        staff_ids=staff_ids,
        start=appointment.blocked_from,
        end=appointment.blocked_until,
    )
    able = []
    for entry in availability:
        on_shift = any(s <= begin and finish <= e for s, e in entry.shifts)
        resting = any(s < finish and begin < e for s, e in [*entry.breaks, *entry.time_off])
        busy = await repo.overlapping_active(
            session,
            entry.staff_id,
            appointment.blocked_from,
            appointment.blocked_until,
            exclude=appointment.id,
        )
        if on_shift and not resting and not busy:
            able.append(entry.staff_id)
    return able


async def hand_off_candidates(
    session: AsyncSession, *, manager: User, appointment_id: int
) -> list[int]:
    """The colleagues who could take this appointment now (what the hand-off form offers)."""
    appointment = await load_for(session, viewer=manager, appointment_id=appointment_id)
    service = await get_service(session, service_id=appointment.service_id)
    others = [
        s for s in await qualified_staff(session, service=service) if s != appointment.staff_id
    ]
    return await _able_to_take(session, appointment=appointment, staff_ids=others)


# ---------------------------------------------------------------- waitlist


async def join_waitlist(
    session: AsyncSession,
    *,
    customer: User,
    service_id: int,
    on_date: date,
    now: datetime,
    staff_id: int | None = None,
) -> WaitlistEntry:
    """Wait for a free time on a full day (with one stylist, when staff_id is given)."""
    service = await get_service(session, service_id=service_id)
    store = await stores.get_store(session, store_id=service.store_id)
    start = _utc(local_to_epoch(on_date, datetime.min.time(), store.time_zone))
    end = start + timedelta(days=1)
    # The horizon is an instant, as for slots: a day that starts (in the store's zone) before it
    # can still have bookable times. Its UTC date would be a day short for Tokyo before 09:00.
    if end <= now or start >= now + timedelta(days=service.horizon_days):
        raise InvalidInput(
            _("Choose a day between today and the booking horizon."), field="on_date"
        )
    only = [staff_id] if staff_id is not None else None
    if await compute_slots(session, service=service, start=start, end=end, now=now, staff_ids=only):
        raise Conflict(
            _("There are still free times on that day. Please book one of them."), field="on_date"
        )
    if not await compute_slots(
        session,
        service=service,
        start=start,
        end=end,
        now=now,
        staff_ids=only,
        ignore_appointments=True,
    ):
        # Nobody (or not that stylist) works that day: no booking will ever free a time.
        raise Conflict(
            _("No sessions are offered on that day. Please choose another day."), field="on_date"
        )
    entry = WaitlistEntry(
        store_id=store.id,
        service_id=service.id,
        customer_id=customer.id,
        on_date=on_date,
        staff_id=staff_id,
    )  # type: ignore[arg-type]
    session.add(entry)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Conflict(_("You are already on the waitlist for that day."), field="on_date") from exc
    return entry


async def _offer_freed_day(
    session: AsyncSession,
    *,
    service: Service,
    store: Store,
    moment: datetime,
    postman: Postman,
    base_url: str,
    freed_staff_id: int | None = None,
) -> None:
    from zoneinfo import ZoneInfo

    day = moment.astimezone(ZoneInfo(store.time_zone)).date()
    entries = await repo.waitlist_for(session, service.id, day)  # type: ignore[arg-type]
    for entry in entries:
        if entry.staff_id is not None and entry.staff_id != freed_staff_id:
            continue  # she waits for one stylist, and the time freed is another's
        entry.notified_at = utcnow()
        session.add(entry)
        await notify.tell_waitlisted(
            session, entry=entry, service=service, postman=postman, base_url=base_url
        )


# ---------------------------------------------------------------- reading


async def booked_between(
    session: AsyncSession, *, staff_id: int, start: datetime, end: datetime
) -> list[Appointment]:
    """Booked appointments of a stylist that overlap [start, end) (used by roster edits).

    The caller holds the stylist's calendar lock (taken again here: a no-op then).
    """
    await stores.lock_calendars(session, staff_ids=[staff_id])
    return [
        a
        for a in await repo.overlapping_active(session, staff_id, start, end)
        if a.status == AppointmentStatus.booked
    ]


async def appointments_for(
    session: AsyncSession,
    *,
    viewer: User,
    start: datetime | None = None,
    end: datetime | None = None,
    store_id: int | None = None,
) -> list[Appointment]:
    """Appointments the viewer takes part in (a manager: every appointment of a managed store)."""
    conditions: list[object] = []
    if viewer.role == Role.customer:
        conditions.append(Appointment.customer_id == viewer.id)
    elif viewer.role == Role.staff:
        conditions.append(Appointment.staff_id == viewer.id)
    else:
        managed = [s.id for s in await stores.stores_managed_by(session, user=viewer)]
        if store_id is not None:
            managed = [s for s in managed if s == store_id]
        conditions.append(col(Appointment.store_id).in_(managed))
    if start is not None:
        conditions.append(Appointment.ends_at > start)
    if end is not None:
        conditions.append(Appointment.starts_at < end)
    return await repo.appointments_where(session, *conditions, limit=500)


async def calendar_for(
    session: AsyncSession, *, viewer: User, appointment_id: int, base_url: str, sender: str
) -> str:
    """The appointment as an iCalendar file, for someone who may see it."""
    appointment = await load_for(session, viewer=viewer, appointment_id=appointment_id)
    return await notify.calendar_text(
        session, appointment=appointment, base_url=base_url, sender=sender, locale=viewer.locale
    )


async def last_stylist(session: AsyncSession, *, customer_id: int, store_id: int) -> int | None:
    """The stylist the customer saw most recently at this store (offered first when booking)."""
    return await repo.last_stylist_of(session, customer_id, store_id)

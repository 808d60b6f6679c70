"""Roster use cases: shifts, requests and approvals, time off, weekly templates, week views.

Every change to a stylist's shifts or time off takes that stylist's calendar lock first (the lock
bookings take, see ``core/locks.py``), then reads and checks under it: a shift cannot shrink from
under a booking made at the same moment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from app.accounts.models import Role, User
from app.booking.availability import Interval, local_span, local_to_epoch
from app.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.core.i18n import gettext as _
from app.core.mail import Postman
from app.core.types import utcnow
from app.scheduling import notify
from app.scheduling import repository as repo
from app.scheduling.models import Shift, ShiftStatus, ShiftTemplate, TimeOff
from app.scheduling.schemas import (
    ApplyTemplatesIn,
    ShiftIn,
    ShiftRequestIn,
    ShiftTimes,
    TemplateIn,
    TimeOffIn,
)
from app.store import service as stores
from app.store.models import StaffProfile, Store


class ShiftOverlap(Conflict):
    code = "shift_overlap"


class ShiftHasAppointments(Conflict):
    code = "shift_has_appointments"


def to_utc(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def epoch(moment: datetime) -> int:
    return int(moment.timestamp())


@dataclass(frozen=True)
class Availability:
    """What the slot maths needs to know about one stylist in a window."""

    staff_id: int
    shifts: list[Interval]
    breaks: list[Interval]
    time_off: list[Interval]


async def _profile(session: AsyncSession, staff_id: int) -> StaffProfile:
    profile = await stores.staff_profile(session, user_id=staff_id)
    if profile is None:
        raise NotFound(_("There is no such stylist."), field="staff_id")
    return profile


async def _require_manages(session: AsyncSession, manager: User, store_id: int) -> Store:
    store = await stores.get_store(session, store_id=store_id)
    assert manager.id is not None
    if manager.role != Role.admin and not await stores.manages(
        session, user_id=manager.id, store_id=store_id
    ):
        raise Forbidden(_("You can only change the roster of stores you manage."))
    return store


def _span(
    times: ShiftTimes, zone: str
) -> tuple[datetime, datetime, datetime | None, datetime | None]:
    start, end = local_span(times.on_date, times.starts, times.ends, zone)
    break_start = break_end = None
    if times.break_starts and times.break_ends:
        day = times.on_date if times.break_starts >= times.starts else times.on_date + timedelta(1)
        b_start, b_end = local_span(day, times.break_starts, times.break_ends, zone)
        if not (start <= b_start and b_end <= end):
            raise InvalidInput(_("The break must lie inside the shift."), field="break_starts")
        break_start, break_end = to_utc(b_start), to_utc(b_end)
    return to_utc(start), to_utc(end), break_start, break_end


def _new_shift(
    times: ShiftTimes,
    *,
    staff_id: int,
    store: Store,
    status: str,
    source: str,
    decided_by: User | None,
    note: str = "",
) -> Shift:
    """A shift from local times in the store's zone (not yet checked or added)."""
    start, end, b_start, b_end = _span(times, store.time_zone)
    return Shift(
        staff_id=staff_id,
        store_id=store.id,
        starts_at=start,
        ends_at=end,  # type: ignore[arg-type]
        break_starts_at=b_start,
        break_ends_at=b_end,
        status=status,
        source=source,
        note=note,
        decided_by_id=decided_by.id if decided_by else None,
        decided_at=utcnow() if decided_by else None,
    )


async def _refuse_overlap(session: AsyncSession, shift: Shift) -> None:
    clashes = await repo.overlapping_shifts(
        session, shift.staff_id, shift.starts_at, shift.ends_at, exclude=shift.id
    )
    if clashes:
        raise ShiftOverlap(
            _(
                "This overlaps another shift of the same stylist. Change the times or edit that shift."  # noqa: E501
            )
        )


async def _refuse_stranding(
    session: AsyncSession, shift: Shift, new: tuple[datetime, datetime] | None
) -> None:
    """A shift cannot shrink or disappear from under booked appointments."""
    from app.booking import (
        service as booking,
    )  # booking reads the roster; import late to avoid a cycle

    booked = await booking.booked_between(
        session, staff_id=shift.staff_id, start=shift.starts_at, end=shift.ends_at
    )
    stranded = [
        a for a in booked if new is None or not (new[0] <= a.starts_at and a.ends_at <= new[1])
    ]
    if stranded:
        raise ShiftHasAppointments(
            _(
                "%(count)s booked appointment(s) fall in this shift. Hand them to a colleague or move them first.",  # noqa: E501
                count=len(stranded),
            )
        )


async def create_shift(session: AsyncSession, *, manager: User, data: ShiftIn) -> Shift:
    """Add an approved shift for a stylist of a store you manage."""
    profile = await _profile(session, data.staff_id)
    store = await _require_manages(session, manager, profile.home_store_id)
    shift = _new_shift(
        data,
        staff_id=data.staff_id,
        store=store,
        status=ShiftStatus.approved,
        source="manager",
        decided_by=manager,
        note=data.note,
    )
    await stores.lock_calendars(session, staff_ids=[data.staff_id])
    await _refuse_overlap(session, shift)
    session.add(shift)
    await session.flush()
    return shift


async def request_shift(
    session: AsyncSession,
    *,
    stylist: User,
    data: ShiftRequestIn,
    postman: Postman | None = None,
    base_url: str = "",
) -> Shift:
    """A stylist offers a shift they can work; it produces slots once a manager approves it.

    With a postman the store's managers get a notice and an email (sent after commit)."""
    assert stylist.id is not None
    profile = await _profile(session, stylist.id)
    store = await stores.get_store(session, store_id=profile.home_store_id)
    shift = _new_shift(
        data,
        staff_id=stylist.id,
        store=store,
        status=ShiftStatus.requested,
        source="request",
        decided_by=None,
        note=data.note,
    )
    if shift.starts_at <= utcnow():
        raise InvalidInput(_("You can only offer shifts in the future."), field="on_date")
    await stores.lock_calendars(session, staff_ids=[stylist.id])
    await _refuse_overlap(session, shift)
    session.add(shift)
    await session.flush()
    if postman is not None:
        await notify.tell_managers(
            session, shift=shift, stylist=stylist, store=store, postman=postman, base_url=base_url
        )
    return shift


async def _shift(session: AsyncSession, shift_id: int) -> Shift:
    shift = await session.get(Shift, shift_id)
    if shift is None:
        raise NotFound(_("There is no such shift."))
    return shift


async def _locked_shift(session: AsyncSession, shift_id: int) -> Shift:
    """A shift read again under its stylist's calendar lock (a parallel change is seen)."""
    shift = await _shift(session, shift_id)
    await stores.lock_calendars(session, staff_ids=[shift.staff_id])
    fresh = await repo.shift_fresh(session, shift_id)
    if fresh is None:
        raise NotFound(_("There is no such shift."))
    return fresh


async def decide(session: AsyncSession, *, manager: User, shift_id: int, approve: bool) -> Shift:
    """Approve or decline a stylist's requested shift."""
    shift = await _locked_shift(session, shift_id)
    await _require_manages(session, manager, shift.store_id)
    if shift.status != ShiftStatus.requested:
        raise Conflict(_("This shift was already decided."))
    if approve:
        await _refuse_overlap(session, shift)
    shift.status = ShiftStatus.approved if approve else ShiftStatus.declined
    shift.decided_by_id, shift.decided_at = manager.id, utcnow()
    session.add(shift)
    return shift


async def update_shift(
    session: AsyncSession, *, manager: User, shift_id: int, data: ShiftTimes
) -> Shift:
    """Change a shift's times in place (the roster grid's edit)."""
    shift = await _locked_shift(session, shift_id)
    store = await _require_manages(session, manager, shift.store_id)
    start, end, b_start, b_end = _span(data, store.time_zone)
    await _refuse_stranding(session, shift, (start, end))
    shift.starts_at, shift.ends_at = start, end
    shift.break_starts_at, shift.break_ends_at = b_start, b_end
    await _refuse_overlap(session, shift)
    session.add(shift)
    return shift


async def delete_shift(session: AsyncSession, *, manager: User, shift_id: int) -> None:
    """Remove a shift that has no booked appointments."""
    shift = await _locked_shift(session, shift_id)
    await _require_manages(session, manager, shift.store_id)
    await _refuse_stranding(session, shift, None)
    await session.delete(shift)


async def add_time_off(session: AsyncSession, *, actor: User, data: TimeOffIn) -> TimeOff:
    """Whole days off in the store's zone (managers for their stylists, stylists for themselves)."""
    profile = await _profile(session, data.staff_id)
    if actor.id != data.staff_id:
        await _require_manages(session, actor, profile.home_store_id)
    store = await stores.get_store(session, store_id=profile.home_store_id)
    start = to_utc(local_to_epoch(data.first_day, datetime.min.time(), store.time_zone))
    end = to_utc(
        local_to_epoch(data.last_day + timedelta(days=1), datetime.min.time(), store.time_zone)
    )
    from app.booking import service as booking

    await stores.lock_calendars(session, staff_ids=[data.staff_id])
    if await booking.booked_between(session, staff_id=data.staff_id, start=start, end=end):
        raise ShiftHasAppointments(
            _("There are booked appointments in that time. Hand them to a colleague first.")
        )
    entry = TimeOff(staff_id=data.staff_id, starts_at=start, ends_at=end, reason=data.reason)
    session.add(entry)
    await session.flush()
    return entry


async def create_template(
    session: AsyncSession, *, manager: User, data: TemplateIn
) -> ShiftTemplate:
    """Add a weekly pattern for a stylist (e.g. Mondays 10:00–14:00)."""
    profile = await _profile(session, data.staff_id)
    await _require_manages(session, manager, profile.home_store_id)
    template = ShiftTemplate(
        staff_id=data.staff_id,
        store_id=profile.home_store_id,
        weekday=data.weekday,
        starts_local=data.starts,
        ends_local=data.ends,
        break_starts_local=data.break_starts,
        break_ends_local=data.break_ends,
    )
    session.add(template)
    await session.flush()
    return template


async def delete_template(session: AsyncSession, *, manager: User, template_id: int) -> None:
    """Remove a weekly pattern (shifts already made from it stay)."""
    template = await session.get(ShiftTemplate, template_id)
    if template is None:
        raise NotFound(_("There is no such weekly pattern."))
    await _require_manages(session, manager, template.store_id)
    await session.delete(template)


async def templates_of(session: AsyncSession, *, store_id: int) -> list[ShiftTemplate]:
    return await repo.templates_of_store(session, store_id)


async def apply_templates(session: AsyncSession, *, manager: User, data: ApplyTemplatesIn) -> int:
    """Turn weekly patterns into approved dated shifts; days that already have a shift are kept."""
    store = await _require_manages(session, manager, data.store_id)
    templates = await repo.templates_of_store(session, data.store_id)
    await stores.lock_calendars(session, staff_ids=[t.staff_id for t in templates])
    created = 0
    for template in templates:
        for offset in range(data.weeks * 7):
            day = data.first_day + timedelta(days=offset)
            if day.weekday() != template.weekday:
                continue
            times = ShiftTimes(
                on_date=day,
                starts=template.starts_local,
                ends=template.ends_local,
                break_starts=template.break_starts_local,
                break_ends=template.break_ends_local,
            )
            shift = _new_shift(
                times,
                staff_id=template.staff_id,
                store=store,
                status=ShiftStatus.approved,
                source="template",
                decided_by=manager,
            )
            if await repo.overlapping_shifts(
                session, shift.staff_id, shift.starts_at, shift.ends_at
            ):
                continue
            session.add(shift)
            await session.flush()
            created += 1
    return created


async def availability(
    session: AsyncSession, *, store_id: int, staff_ids: list[int], start: datetime, end: datetime
) -> list[Availability]:
    """Approved shifts, breaks and time off of these stylists overlapping [start, end)."""
    shifts = await repo.shifts_in(session, store_id, start, end, staff_ids=staff_ids)
    offs = await repo.time_off_in(session, staff_ids, start, end)
    result = []
    for staff_id in staff_ids:
        mine = [s for s in shifts if s.staff_id == staff_id]
        result.append(
            Availability(
                staff_id=staff_id,
                shifts=[(epoch(s.starts_at), epoch(s.ends_at)) for s in mine],
                breaks=[
                    (epoch(s.break_starts_at), epoch(s.break_ends_at))
                    for s in mine
                    if s.break_starts_at and s.break_ends_at
                ],
                time_off=[
                    (epoch(t.starts_at), epoch(t.ends_at)) for t in offs if t.staff_id == staff_id
                ],
            )
        )
    return result


async def roster(
    session: AsyncSession, *, store_id: int, start: datetime, end: datetime
) -> tuple[list[Shift], list[TimeOff]]:
    """All requested and approved shifts and the time off in a store's window (for week views)."""
    shifts = await repo.shifts_in(
        session, store_id, start, end, statuses=(ShiftStatus.requested, ShiftStatus.approved)
    )
    staff_ids = sorted({s.staff_id for s in shifts})
    profiles = await stores.staff_of(
        session, stores=[await stores.get_store(session, store_id=store_id)]
    )
    staff_ids = sorted({*staff_ids, *(p.user_id for p, _u in profiles)})
    return shifts, await repo.time_off_in(session, staff_ids, start, end)


async def shifts_of(
    session: AsyncSession, *, staff_id: int, start: datetime, end: datetime
) -> list[Shift]:
    return await repo.shifts_of(session, staff_id, start, end)


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class WeekView:
    store: Store
    days: list[date]
    start: datetime
    end: datetime
    shifts: list[Shift]
    time_off: list[TimeOff]


async def week_view(session: AsyncSession, *, manager: User, store_id: int, week: date) -> WeekView:
    """A store's week (Monday to Sunday in the store's zone): shifts and time off."""
    store = await _require_manages(session, manager, store_id)
    first = week_start(week)
    start = to_utc(local_to_epoch(first, datetime.min.time(), store.time_zone))
    end = to_utc(local_to_epoch(first + timedelta(days=7), datetime.min.time(), store.time_zone))
    shifts, offs = await roster(session, store_id=store_id, start=start, end=end)
    return WeekView(store, [first + timedelta(days=i) for i in range(7)], start, end, shifts, offs)

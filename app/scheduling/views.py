"""View data for roster pages: a store's week grid with an hourly coverage table."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from app.accounts import service as accounts
from app.accounts.models import User
from app.booking import service as booking
from app.booking.models import Appointment, AppointmentStatus
from app.core.types import utcnow
from app.scheduling import service as scheduling
from app.scheduling.models import Shift, ShiftStatus, ShiftTemplate
from app.store import service as stores

HOURS = range(8, 23)
PENDING_DAYS = 366  # how far ahead the roster's landing looks for shift requests


@dataclass
class Cell:
    shifts: list[tuple[Shift, str]] = field(default_factory=list)
    off: bool = False
    appointments: list[tuple[Appointment, str]] = field(default_factory=list)


@dataclass
class RosterGrid:
    store_id: int
    store_name: str
    time_zone: str
    week: date
    days: list[date]
    stylists: list[tuple[int, str, bool]]
    cells: dict[tuple[int, date], Cell]
    coverage: list[tuple[int, list[tuple[int, int]]]]  # hour → per day (on shift, booked)
    pending: list[tuple[Shift, str, str, date]]  # shift, stylist, label, its local day
    templates: list[tuple[ShiftTemplate, str]]


def _span(shift: Shift, zone: ZoneInfo) -> str:
    return f"{shift.starts_at.astimezone(zone):%H:%M}–{shift.ends_at.astimezone(zone):%H:%M}"


async def roster_grid(
    session: AsyncSession, *, manager: User, store_id: int, week: date, locale: str
) -> RosterGrid:
    view = await scheduling.week_view(session, manager=manager, store_id=store_id, week=week)
    zone = ZoneInfo(view.store.time_zone)
    staff = await stores.staff_of(session, stores=[view.store])
    names = {p.user_id: f"{u.family_name} {u.given_name}" for p, u in staff}
    stylists = [(p.user_id, names[p.user_id], p.works_remotely) for p, _u in staff]
    appointments = [
        a
        for a in await booking.appointments_for(
            session, viewer=manager, start=view.start, end=view.end, store_id=store_id
        )
        if a.status != AppointmentStatus.cancelled
    ]
    customers = await accounts.users_by_id(session, ids={a.customer_id for a in appointments})
    cells: dict[tuple[int, date], Cell] = {}
    for shift in view.shifts:
        cell = cells.setdefault((shift.staff_id, shift.starts_at.astimezone(zone).date()), Cell())
        cell.shifts.append((shift, _span(shift, zone)))
    for off in view.time_off:
        day = max(off.starts_at, view.start).astimezone(zone).date()
        while (
            day < min(off.ends_at, view.end).astimezone(zone).date()
            or day == off.starts_at.astimezone(zone).date()
        ):
            cells.setdefault((off.staff_id, day), Cell()).off = True
            day += timedelta(days=1)
            if day > view.days[-1]:
                break
    for a in appointments:
        customer = customers.get(a.customer_id)
        label = f"{a.starts_at.astimezone(zone):%H:%M} {customer.family_name if customer else ''}"
        cells.setdefault(
            (a.staff_id, a.starts_at.astimezone(zone).date()), Cell()
        ).appointments.append((a, label))
    approved = [s for s in view.shifts if s.status == ShiftStatus.approved]
    coverage = []
    for hour in HOURS:
        row = []
        for day in view.days:
            start = datetime(day.year, day.month, day.day, hour, tzinfo=zone)
            end = start + timedelta(hours=1)
            on = sum(
                1
                for s in approved
                if s.starts_at < end
                and s.ends_at > start
                and not (
                    s.break_starts_at and s.break_starts_at <= start and end <= s.break_ends_at
                )
            )
            booked = sum(1 for a in appointments if a.starts_at < end and a.ends_at > start)
            row.append((on, booked))
        coverage.append((hour, row))
    # Requests of every week to come, not only the week on screen: none waits unseen.
    now = utcnow()
    upcoming, _offs = await scheduling.roster(
        session, store_id=store_id, start=now, end=now + timedelta(days=PENDING_DAYS)
    )
    pending = [
        (
            s,
            names.get(s.staff_id, "?"),
            f"{s.starts_at.astimezone(zone):%m/%d} {_span(s, zone)}",
            s.starts_at.astimezone(zone).date(),
        )
        for s in sorted(upcoming, key=lambda s: s.starts_at)
        if s.status == ShiftStatus.requested
    ]
    name = view.store.name_ja if locale == "ja" else view.store.name_en
    templates = [
        (t, names.get(t.staff_id, "?"))
        for t in await scheduling.templates_of(session, store_id=store_id)
    ]
    return RosterGrid(
        store_id,
        name,
        view.store.time_zone,
        view.days[0],
        view.days,
        stylists,
        cells,
        coverage,
        pending,
        templates,
    )


@dataclass
class MyWeek:
    week: date
    days: list[tuple[date, list[tuple[Shift, str]], list[tuple[Appointment, str]]]]
    time_zone: str


async def my_week(session: AsyncSession, *, stylist: User, week: date | None) -> MyWeek:
    assert stylist.id is not None
    profile = await stores.staff_profile(session, user_id=stylist.id)
    store = await stores.get_store(session, store_id=profile.home_store_id) if profile else None
    zone_name = store.time_zone if store else stylist.time_zone
    zone = ZoneInfo(zone_name)
    first = scheduling.week_start(week or datetime.now(zone).date())
    start = datetime(first.year, first.month, first.day, tzinfo=zone)
    end = start + timedelta(days=7)
    shifts = await scheduling.shifts_of(session, staff_id=stylist.id, start=start, end=end)
    appointments = [
        a
        for a in await booking.appointments_for(session, viewer=stylist, start=start, end=end)
        if a.status != AppointmentStatus.cancelled
    ]
    days = []
    for offset in range(7):
        day = first + timedelta(days=offset)
        days.append(
            (
                day,
                [(s, _span(s, zone)) for s in shifts if s.starts_at.astimezone(zone).date() == day],
                [
                    (a, f"{a.starts_at.astimezone(zone):%H:%M}")
                    for a in appointments
                    if a.starts_at.astimezone(zone).date() == day
                ],
            )
        )
    return MyWeek(first, days, zone_name)

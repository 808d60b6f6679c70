"""View data for booking pages: days and slots in the store's zone, appointment summaries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from app.accounts import service as accounts
from app.accounts.models import User
from app.booking import service as booking
from app.booking.availability import Slot, local_to_epoch
from app.booking.models import Appointment, Service
from app.core.i18n import format_date, format_datetime, format_day
from app.scheduling import service as scheduling
from app.store import service as stores
from app.store.models import Store

DAYS_SHOWN = 14


@dataclass(frozen=True)
class DayChoice:
    on: date
    label: str
    free: int
    selected: bool
    # "free": times to pick; "full": times exist but all are taken (a waitlist makes sense);
    # "off": the chosen stylist does not work that day; "closed": nothing offered (any more).
    state: str = "free"


@dataclass(frozen=True)
class SlotChoice:
    start_iso: str
    label: str
    staff_ids: tuple[int, ...]


@dataclass(frozen=True)
class SlotPicker:
    store: Store
    service: Service
    days: list[DayChoice]
    day: date
    day_label: str
    slots: list[SlotChoice]
    stylists: list[tuple[int, str, bool]]  # id, name, was the customer's last stylist
    staff_id: int | None
    last_stylist: int | None = None

    @property
    def day_state(self) -> str:
        return next((d.state for d in self.days if d.selected), "closed")

    def name_of(self, staff_id: int | None) -> str:
        return next((name for sid, name, _last in self.stylists if sid == staff_id), "")


def _midnight(day: date, zone: str) -> datetime:
    return datetime.fromtimestamp(local_to_epoch(day, datetime.min.time(), zone), UTC)


def _by_day(slots: list[Slot], zone: ZoneInfo) -> dict[date, list[SlotChoice]]:
    by_day: dict[date, list[SlotChoice]] = {}
    for slot in slots:
        moment = datetime.fromtimestamp(slot.start, zone)
        by_day.setdefault(moment.date(), []).append(
            SlotChoice(moment.isoformat(), f"{moment:%H:%M}", slot.staff_ids)
        )
    return by_day


async def _working_days(
    session: AsyncSession, store: Store, staff_id: int, start: datetime, end: datetime
) -> set[date]:
    """Store-local days on which the stylist has an approved shift."""
    zone = ZoneInfo(store.time_zone)
    [mine] = await scheduling.availability(
        session,
        store_id=store.id,  # type: ignore[arg-type]
        staff_ids=[staff_id],
        start=start,
        end=end,
    )
    days: set[date] = set()
    for shift_start, shift_end in mine.shifts:
        day = datetime.fromtimestamp(shift_start, zone).date()
        while _midnight(day, store.time_zone) < datetime.fromtimestamp(shift_end, UTC):
            days.add(day)
            day += timedelta(days=1)
    return days


def _state(free: int, offered: int, works: bool) -> str:
    if free:
        return "free"
    if offered:
        return "full"
    return "closed" if works else "off"


async def slot_picker(
    session: AsyncSession,
    *,
    service: Service,
    customer: User,
    day: date | None,
    staff_id: int | None,
    now: datetime,
    exclude: int | None = None,
    prefer_last: bool = False,
) -> SlotPicker:
    """Two weeks of days with their free counts, and the chosen day's slots, in the store's zone.

    ``prefer_last``: with no stylist chosen, show the customer's last stylist (when she can take
    this service), as the page labels her."""
    store = await stores.get_store(session, store_id=service.store_id)
    zone = ZoneInfo(store.time_zone)
    qualified = await booking.qualified_staff(session, service=service)
    last = await booking.last_stylist(session, customer_id=customer.id, store_id=store.id)  # type: ignore[arg-type]
    if staff_id is None and prefer_last and last in qualified:
        staff_id = last
    today = now.astimezone(zone).date()
    start = _midnight(today, store.time_zone)
    end = _midnight(today + timedelta(days=DAYS_SHOWN), store.time_zone)
    only = [staff_id] if staff_id else None
    common = {"service": service, "start": start, "end": end, "now": now, "staff_ids": only}
    by_day = _by_day(await booking.compute_slots(session, **common, exclude=exclude), zone)
    offered = _by_day(
        await booking.compute_slots(session, **common, exclude=exclude, ignore_appointments=True),
        zone,
    )
    works = await _working_days(session, store, staff_id, start, end) if staff_id else None
    if day is None or not (today <= day < today + timedelta(days=DAYS_SHOWN)):
        day = next(iter(sorted(by_day)), today)
    days = [
        DayChoice(
            d,
            format_day(_midnight(d, store.time_zone), store.time_zone),
            len(by_day.get(d, [])),
            d == day,
            _state(len(by_day.get(d, [])), len(offered.get(d, [])), works is None or d in works),
        )
        for d in (today + timedelta(days=i) for i in range(DAYS_SHOWN))
    ]
    people = {
        p.user_id: u
        for p, u in await stores.staff_of(session, stores=[store])
        if p.user_id in qualified
    }
    stylists = sorted(
        ((uid, f"{u.family_name} {u.given_name}", uid == last) for uid, u in people.items()),
        key=lambda s: (not s[2], s[1]),
    )
    return SlotPicker(
        store,
        service,
        days,
        day,
        format_date(_midnight(day, store.time_zone), store.time_zone),
        by_day.get(day, []),
        stylists,
        staff_id,
        last,
    )


async def stylist_name(session: AsyncSession, staff_id: int | None) -> str:
    """「田中 愛子」 for a stylist id (empty for none or an unknown id)."""
    if not staff_id:
        return ""
    found = (await accounts.users_by_id(session, ids={staff_id})).get(staff_id)
    return f"{found.family_name} {found.given_name}" if found else ""


@dataclass(frozen=True)
class AppointmentView:
    appointment: Appointment
    service_name: str
    store_name: str
    time_zone: str
    when: str
    stylist: str
    customer: str


async def describe(
    session: AsyncSession, appointments: list[Appointment], locale: str
) -> list[AppointmentView]:
    """Names and local times for a list of appointments (few queries, then plain data)."""
    services = {s.id: s for s in await booking.list_services(session)}
    all_stores = {s.id: s for s in await stores.list_stores(session)}
    user_ids = {a.staff_id for a in appointments} | {a.customer_id for a in appointments}
    users = await accounts.users_by_id(session, ids=user_ids)
    views = []
    for a in appointments:
        service, store = services[a.service_id], all_stores[a.store_id]
        stylist, customer = users.get(a.staff_id), users.get(a.customer_id)
        views.append(
            AppointmentView(
                a,
                service.name_ja if locale == "ja" else service.name_en,
                store.name_ja if locale == "ja" else store.name_en,
                store.time_zone,
                format_datetime(a.starts_at, store.time_zone, locale),
                f"{stylist.family_name} {stylist.given_name}" if stylist else "",
                f"{customer.family_name} {customer.given_name}" if customer else "",
            )
        )
    return views

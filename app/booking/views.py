"""View data for booking pages: days and slots in the store's zone, appointment summaries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from app.accounts import service as accounts
from app.accounts.models import User
from app.booking import service as booking
from app.booking.availability import local_to_epoch
from app.booking.models import Appointment, Service
from app.core.i18n import format_date, format_datetime, format_day
from app.store import service as stores
from app.store.models import Store

DAYS_SHOWN = 14


@dataclass(frozen=True)
class DayChoice:
    on: date
    label: str
    free: int
    selected: bool


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


def _midnight(day: date, zone: str) -> datetime:
    return datetime.fromtimestamp(local_to_epoch(day, datetime.min.time(), zone), UTC)


async def slot_picker(
    session: AsyncSession,
    *,
    service: Service,
    customer: User,
    day: date | None,
    staff_id: int | None,
    now: datetime,
    exclude: int | None = None,
) -> SlotPicker:
    """Two weeks of days with their free counts, and the chosen day's slots, in the store's zone."""
    store = await stores.get_store(session, store_id=service.store_id)
    zone = ZoneInfo(store.time_zone)
    today = now.astimezone(zone).date()
    start = _midnight(today, store.time_zone)
    end = _midnight(today + timedelta(days=DAYS_SHOWN), store.time_zone)
    slots = await booking.compute_slots(
        session,
        service=service,
        start=start,
        end=end,
        now=now,
        staff_ids=[staff_id] if staff_id else None,
        exclude=exclude,
    )
    by_day: dict[date, list[SlotChoice]] = {}
    for slot in slots:
        moment = datetime.fromtimestamp(slot.start, zone)
        by_day.setdefault(moment.date(), []).append(
            SlotChoice(moment.isoformat(), f"{moment:%H:%M}", slot.staff_ids)
        )
    if day is None or not (today <= day < today + timedelta(days=DAYS_SHOWN)):
        day = next(iter(sorted(by_day)), today)
    days = [
        DayChoice(
            d,
            format_day(_midnight(d, store.time_zone), store.time_zone),
            len(by_day.get(d, [])),
            d == day,
        )
        for d in (today + timedelta(days=i) for i in range(DAYS_SHOWN))
    ]
    qualified = await booking.qualified_staff(session, service=service)
    people = {
        p.user_id: u
        for p, u in await stores.staff_of(session, stores=[store])
        if p.user_id in qualified
    }
    last = await booking.last_stylist(session, customer_id=customer.id, store_id=store.id)  # type: ignore[arg-type]
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
    )


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

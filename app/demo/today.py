"""A day around "now" for someone trying the demo: 佐藤 由紀's session with 田中 愛子 starts a few
minutes after the demo is loaded, so its call is open at once (it opens
``call_opens_minutes_before`` ahead), with another customer before and after it on the same shift.

Idempotent: while Yuki has a booked session with Aiko that has not ended, nothing is added; loading
the demo again later (``make run`` does, every time) makes a fresh one."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.accounts.models import User
from app.booking.models import Appointment, AppointmentStatus, Service
from app.scheduling.models import Shift, ShiftStatus
from app.store.models import Store

# The call opens 10 minutes before the start (the default setting): 5 to 10 minutes ahead is open.
LEAD = timedelta(minutes=5)
ROUND = timedelta(minutes=5)
SHIFT_BEFORE, SHIFT_AFTER = timedelta(minutes=90), timedelta(minutes=120)


@dataclass(frozen=True)
class Visit:
    offset: timedelta  # from the start of Yuki's session
    status: str
    topic: str


YUKI = "yuki.sato@example.jp"
# Two other customers of hers the same day: one seen earlier, one still to come.
COMPANIONS = (
    Visit(timedelta(minutes=-75), AppointmentStatus.completed, "結婚式にお呼ばれした時の服装"),
    Visit(timedelta(minutes=50), AppointmentStatus.booked, "冬のコートに合わせる小物"),
)


def soon_start(now: datetime) -> datetime:
    """The next 5-minute mark at least 5 minutes ahead: never more than 10 minutes away."""
    earliest = (now + LEAD).astimezone(UTC).replace(second=0, microsecond=0)
    minutes = math.ceil((earliest - datetime(2000, 1, 1, tzinfo=UTC)) / ROUND)
    start = datetime(2000, 1, 1, tzinfo=UTC) + minutes * ROUND
    return start if start >= now + LEAD else start + ROUND


async def _first(session: AsyncSession, statement: object) -> object | None:
    return (await session.exec(statement)).first()  # type: ignore[call-overload]


async def _clash(
    session: AsyncSession, staff_id: int, start: datetime, end: datetime
) -> Appointment | None:
    statement = select(Appointment).where(
        Appointment.staff_id == staff_id,
        Appointment.status == AppointmentStatus.booked,
        col(Appointment.blocked_from) < end,
        col(Appointment.blocked_until) > start,
    )
    found = await _first(session, statement)
    return found if isinstance(found, Appointment) else None


async def _free_start(
    session: AsyncSession, staff_id: int, start: datetime, service: Service
) -> datetime:
    """``start``, or the first 5-minute mark after whatever of hers is already booked then."""
    while True:
        length = timedelta(minutes=service.duration_min + service.buffer_after_min)
        blocker = await _clash(session, staff_id, start, start + length)
        if blocker is None:
            return start
        start = soon_start(blocker.blocked_until - LEAD)


async def _cover_with_shift(
    session: AsyncSession,
    report: object,
    stylist: User,
    store: Store,
    begin: datetime,
    end: datetime,
) -> None:
    """An approved shift of hers spans [begin, end]: an overlapping one is widened, else added."""
    statement = select(Shift).where(
        Shift.staff_id == stylist.id,
        Shift.status == ShiftStatus.approved,
        col(Shift.starts_at) < end,
        col(Shift.ends_at) > begin,
    )
    overlapping = list((await session.exec(statement)).all())
    if not overlapping:
        session.add(
            Shift(
                staff_id=stylist.id,  # type: ignore[arg-type]
                store_id=store.id,  # type: ignore[arg-type]
                starts_at=begin,
                ends_at=end,
                status=ShiftStatus.approved,
            )
        )
        report.count("shifts")  # type: ignore[attr-defined]
        return
    # The demo's roster gives her one shift a day, so near any moment there is at most one
    # (two only within 90 minutes of midnight; the first is widened then).
    shift = overlapping[0]
    shift.starts_at, shift.ends_at = min(shift.starts_at, begin), max(shift.ends_at, end)
    session.add(shift)


async def load_today(
    session: AsyncSession, report: object, stylist: User, store: Store, now: datetime
) -> Appointment | None:
    """Yuki's session starting in a few minutes (and the day around it); None when one is on."""
    yuki = await _first(session, select(User).where(User.email == YUKI))
    service = await _first(
        session,
        select(Service).where(
            Service.store_id == store.id, Service.name_en == "Styling consultation 30 min"
        ),
    )
    if not isinstance(yuki, User) or not isinstance(service, Service):
        return None
    on = await _first(
        session,
        select(Appointment).where(
            Appointment.customer_id == yuki.id,
            Appointment.staff_id == stylist.id,
            Appointment.status == AppointmentStatus.booked,
            col(Appointment.ends_at) > now,
        ),
    )
    if on is not None:
        return None
    assert stylist.id is not None
    start = await _free_start(session, stylist.id, soon_start(now), service)
    await _cover_with_shift(
        session, report, stylist, store, start - SHIFT_BEFORE, start + SHIFT_AFTER
    )
    soon = _appointment(store, service, yuki, stylist, start, AppointmentStatus.booked)
    soon.topic = "手持ちの紺のスカートに合うトップスを探しています"
    session.add(soon)
    report.count("appointments")  # type: ignore[attr-defined]
    others = list(
        (
            await session.exec(
                select(User)
                .where(User.role == "customer", User.email != YUKI)
                .order_by(col(User.id))
                .limit(len(COMPANIONS))
            )
        ).all()
    )
    await session.flush()
    for visit, customer in zip(COMPANIONS, others, strict=False):
        at = start + visit.offset
        length = timedelta(minutes=service.duration_min + service.buffer_after_min)
        if await _clash(session, stylist.id, at, at + length) is None:
            other = _appointment(store, service, customer, stylist, at, visit.status)
            other.topic = visit.topic
            session.add(other)
            report.count("appointments")  # type: ignore[attr-defined]
    await session.flush()
    return soon


def _appointment(
    store: Store, service: Service, customer: User, stylist: User, start: datetime, status: str
) -> Appointment:
    end = start + timedelta(minutes=service.duration_min)
    return Appointment(
        store_id=store.id,  # type: ignore[arg-type]
        service_id=service.id,  # type: ignore[arg-type]
        customer_id=customer.id,  # type: ignore[arg-type]
        staff_id=stylist.id,  # type: ignore[arg-type]
        starts_at=start,
        ends_at=end,
        blocked_from=start - timedelta(minutes=service.buffer_before_min),
        blocked_until=end + timedelta(minutes=service.buffer_after_min),
        status=status,
    )

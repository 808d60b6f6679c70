"""Demo services, weekly patterns, four weeks of shifts, a pending request and a past session."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.accounts.models import User
from app.booking.availability import local_span
from app.booking.models import Appointment, AppointmentStatus, Service
from app.scheduling.models import Shift, ShiftStatus, ShiftTemplate
from app.store.models import Store

SERVICES = (
    {
        "name_ja": "スタイリング相談 30分",
        "name_en": "Styling consultation 30 min",
        "duration_min": 30,
        "buffer_after_min": 10,
        "step_min": 30,
    },
    {
        "name_ja": "ワードローブチェック 60分",
        "name_en": "Wardrobe check 60 min",
        "duration_min": 60,
        "buffer_after_min": 15,
        "step_min": 30,
    },
    {
        "name_ja": "シーン別コーデ相談 45分",
        "name_en": "Occasion outfit 45 min",
        "duration_min": 45,
        "buffer_after_min": 15,
        "step_min": 15,
        "required_skills": ["formal"],
    },
)
# email -> [(weekdays, start, end, break start, break end)]
PATTERNS: dict[str, list[tuple[tuple[int, ...], str, str, str | None, str | None]]] = {
    "aiko.tanaka@kinari.example": [
        ((0, 2, 4), "10:00", "14:00", None, None),
        ((1, 3), "19:00", "22:00", None, None),
    ],
    "misaki.suzuki@kinari.example": [((1, 2, 3, 4, 5), "11:00", "19:00", "14:00", "15:00")],
    "shota.takahashi@kinari.example": [
        ((0, 3), "18:00", "22:00", None, None),
        ((5,), "10:00", "16:00", "12:30", "13:30"),
    ],
    "sakura.ito@kinari.example": [((0, 2, 4), "19:00", "22:00", None, None)],
    "daisuke.nakamura@kinari.example": [((2, 3, 4, 5, 6), "11:00", "19:00", "14:00", "15:00")],
    "yumi.kobayashi@kinari.example": [((1, 3, 5), "10:00", "15:00", None, None)],
}


def _t(text: str) -> time:
    return time.fromisoformat(text)


def _utc(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


async def load_roster(
    session: AsyncSession, report: object, stores: dict[str, Store], today: date
) -> None:
    """Idempotent: services by name, patterns by stylist and weekday, shifts by day."""
    for store in stores.values():
        existing = {
            s.name_en
            for s in (await session.exec(select(Service).where(Service.store_id == store.id))).all()
        }
        for data in SERVICES:
            if data["name_en"] not in existing:
                session.add(Service(store_id=store.id, **data))  # type: ignore[arg-type]
                report.count("services")  # type: ignore[attr-defined]
    users = {
        u.email: u
        for u in (await session.exec(select(User).where(User.email.in_(list(PATTERNS))))).all()
    }  # type: ignore[attr-defined]
    monday = today - timedelta(days=today.weekday())
    for email, patterns in PATTERNS.items():
        stylist = users[email]
        home_id = await _home_store(session, stylist)
        store = next(s for s in stores.values() if s.id == home_id)
        for weekdays, start, end, break_start, break_end in patterns:
            for weekday in weekdays:
                found = (
                    await session.exec(
                        select(ShiftTemplate).where(
                            ShiftTemplate.staff_id == stylist.id,
                            ShiftTemplate.weekday == weekday,
                            ShiftTemplate.starts_local == _t(start),
                        )
                    )
                ).first()
                if found is None:
                    session.add(
                        ShiftTemplate(
                            staff_id=stylist.id,
                            store_id=store.id,
                            weekday=weekday,
                            starts_local=_t(start),  # type: ignore[arg-type]
                            ends_local=_t(end),
                            break_starts_local=_t(break_start) if break_start else None,
                            break_ends_local=_t(break_end) if break_end else None,
                        )
                    )
                for week in range(4):
                    day = monday + timedelta(days=7 * week + weekday)
                    await _shift(
                        session, report, stylist, store, day, start, end, break_start, break_end
                    )
    # A home-based stylist offers an extra evening next week: the manager approves it on the roster.
    aiko = users["aiko.tanaka@kinari.example"]
    await _shift(
        session,
        report,
        aiko,
        stores["tokyo-shibuya"],
        monday + timedelta(days=12),
        "19:00",
        "22:00",
        None,
        None,
        status=ShiftStatus.requested,
    )
    await _past_session(session, report, aiko, stores["tokyo-shibuya"], today)


async def _home_store(session: AsyncSession, stylist: User) -> int:
    from app.store.models import StaffProfile

    profile = await session.get(StaffProfile, stylist.id)
    assert profile is not None
    return profile.home_store_id


async def _shift(
    session: AsyncSession,
    report: object,
    stylist: User,
    store: Store,
    day: date,
    start: str,
    end: str,
    break_start: str | None,
    break_end: str | None,
    status: str = ShiftStatus.approved,
) -> None:
    begin, finish = local_span(day, _t(start), _t(end), store.time_zone)
    clash = (
        await session.exec(
            select(Shift).where(
                Shift.staff_id == stylist.id,
                Shift.starts_at < _utc(finish),
                Shift.ends_at > _utc(begin),
            )
        )
    ).first()
    if clash is not None:
        return
    breaks = (
        local_span(day, _t(break_start), _t(break_end), store.time_zone)
        if break_start and break_end
        else None
    )
    session.add(
        Shift(
            staff_id=stylist.id,
            store_id=store.id,
            starts_at=_utc(begin),
            ends_at=_utc(finish),  # type: ignore[arg-type]
            break_starts_at=_utc(breaks[0]) if breaks else None,
            break_ends_at=_utc(breaks[1]) if breaks else None,
            status=status,
            source="template" if status == ShiftStatus.approved else "request",
            note=""
            if status == ShiftStatus.approved
            else "子どもの習い事がない週なので夜も入れます",
        )
    )
    await session.flush()
    report.count("shifts")  # type: ignore[attr-defined]


async def _past_session(
    session: AsyncSession, report: object, stylist: User, store: Store, today: date
) -> None:
    """佐藤 由紀 met 田中 愛子 three weeks ago, so Aiko is offered first when Yuki books again."""
    yuki = (await session.exec(select(User).where(User.email == "yuki.sato@example.jp"))).first()
    service = (await session.exec(select(Service).where(Service.store_id == store.id))).first()
    if yuki is None or service is None:
        return
    if (await session.exec(select(Appointment).where(Appointment.customer_id == yuki.id))).first():
        return
    start, end = local_span(today - timedelta(days=21), time(21), time(21, 30), store.time_zone)
    session.add(
        Appointment(
            store_id=store.id,
            service_id=service.id,
            customer_id=yuki.id,
            staff_id=stylist.id,  # type: ignore[arg-type]
            starts_at=_utc(start),
            ends_at=_utc(end),
            blocked_from=_utc(start),
            blocked_until=_utc(end + 600),
            status=AppointmentStatus.completed,
            topic="紺のスカートをもっと活用したい",
        )
    )
    report.count("appointments")  # type: ignore[attr-defined]

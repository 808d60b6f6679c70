"""Every query of the booking domain, including the customer and appointment row locks."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.accounts.models import User
from app.booking.models import ACTIVE, Appointment, AppointmentStatus, Service, WaitlistEntry
from app.core import locks


async def lock_customer(session: AsyncSession, customer_id: int) -> None:
    """One booking request of a customer at a time (so a retry finds the first one's key)."""

    async def lock(key: int) -> None:
        # FOR NO KEY UPDATE, not FOR UPDATE: another transaction's INSERT that references this
        # user (an appointment's customer_id) takes FOR KEY SHARE on the row, which FOR UPDATE
        # blocks. A keyed booking holding the customer while it waited for a stylist that an
        # unkeyed booking of the same customer held, mid-insert, was a deadlock on PostgreSQL
        # (found by test_concurrent_invariants). NO KEY UPDATE still serialises the lockers.
        await session.exec(select(User.id).where(User.id == key).with_for_update(key_share=True))

    await locks.acquire(session, locks.LockLevel.customer, [customer_id], lock)


async def lock_appointment(session: AsyncSession, appointment_id: int) -> Appointment | None:
    """Lock an appointment row and read it fresh (what a parallel change committed is seen)."""
    found: list[Appointment | None] = [None]

    async def lock(key: int) -> None:
        statement = (
            select(Appointment)
            .where(Appointment.id == key)
            .with_for_update(key_share=True)  # inserts referencing it must not wait (see above)
            .execution_options(populate_existing=True)
        )
        found[0] = (await session.exec(statement)).first()

    await locks.acquire(session, locks.LockLevel.appointment, [appointment_id], lock)
    return found[0]


async def overlapping_active(
    session: AsyncSession,
    staff_id: int,
    start: datetime,
    end: datetime,
    *,
    exclude: int | None = None,
) -> list[Appointment]:
    statement = select(Appointment).where(
        Appointment.staff_id == staff_id,
        col(Appointment.status).in_(ACTIVE),
        Appointment.blocked_from < end,
        Appointment.blocked_until > start,
    )
    if exclude is not None:
        statement = statement.where(Appointment.id != exclude)
    return list((await session.exec(statement)).all())


async def active_blocks(
    session: AsyncSession,
    staff_ids: list[int],
    start: datetime,
    end: datetime,
    *,
    exclude: int | None,
) -> list[Appointment]:
    statement = select(Appointment).where(
        col(Appointment.staff_id).in_(staff_ids),
        col(Appointment.status).in_(ACTIVE),
        Appointment.blocked_from < end,
        Appointment.blocked_until > start,
    )
    if exclude is not None:
        statement = statement.where(Appointment.id != exclude)
    return list((await session.exec(statement)).all())


async def by_idempotency_key(
    session: AsyncSession, customer_id: int, key: str
) -> Appointment | None:
    statement = select(Appointment).where(
        Appointment.customer_id == customer_id, Appointment.idempotency_key == key
    )
    return (await session.exec(statement)).first()


async def last_stylist_of(session: AsyncSession, customer_id: int, store_id: int) -> int | None:
    statement = (
        select(Appointment.staff_id)
        .where(Appointment.customer_id == customer_id, Appointment.store_id == store_id)
        .order_by(col(Appointment.starts_at).desc())
        .limit(1)
    )
    return (await session.exec(statement)).first()


async def counts_between(
    session: AsyncSession, staff_ids: list[int], start: datetime, end: datetime
) -> dict[int, int]:
    statement = (
        select(Appointment.staff_id, func.count())
        .where(
            col(Appointment.staff_id).in_(staff_ids),
            Appointment.status == AppointmentStatus.booked,
            Appointment.starts_at >= start,
            Appointment.starts_at < end,
        )
        .group_by(col(Appointment.staff_id))
    )
    return {staff_id: count for staff_id, count in (await session.exec(statement)).all()}


async def appointments_where(
    session: AsyncSession, *conditions: object, limit: int = 200
) -> list[Appointment]:
    statement = (
        select(Appointment).where(*conditions).order_by(col(Appointment.starts_at)).limit(limit)
    )  # type: ignore[arg-type]
    return list((await session.exec(statement)).all())


async def services_of(session: AsyncSession, store_id: int | None) -> list[Service]:
    statement = select(Service).order_by(col(Service.store_id), col(Service.id))
    if store_id is not None:
        statement = statement.where(Service.store_id == store_id)
    return list((await session.exec(statement)).all())


async def waitlist_for(
    session: AsyncSession, service_id: int, on_date: date
) -> list[WaitlistEntry]:
    statement = (
        select(WaitlistEntry)
        .where(
            WaitlistEntry.service_id == service_id,
            WaitlistEntry.on_date == on_date,
            col(WaitlistEntry.notified_at).is_(None),
        )
        .order_by(col(WaitlistEntry.created_at), col(WaitlistEntry.id))
    )
    return list((await session.exec(statement)).all())


async def due_reminders(
    session: AsyncSession, kind: str, now: datetime, lead: int
) -> list[Appointment]:
    from datetime import timedelta

    sent = Appointment.reminder_24h_sent_at if kind == "24h" else Appointment.reminder_1h_sent_at
    statement = select(Appointment).where(
        Appointment.status == AppointmentStatus.booked,
        col(sent).is_(None),
        Appointment.starts_at > now,
        Appointment.starts_at <= now + timedelta(seconds=lead),
    )
    return list((await session.exec(statement.order_by(col(Appointment.starts_at)))).all())

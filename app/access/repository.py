"""The few reads the access policy needs: what ties one customer to staff and stores.

These read other domains' tables directly and only read them; a relation is a fact of booking,
chat, the purchase history and try-on reservations, and the policy must not depend on those
services (they ask it).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.access.models import AuditEvent, ContactReveal
from app.access.policy import AppointmentTie, ConversationTie, Field, RevealTie, Ties
from app.booking.models import Appointment
from app.chat.models import ChatMessage, Conversation
from app.core.types import UTCDateTime, utcnow
from app.customer.models import Purchase
from app.scheduling.models import Shift, ShiftStatus
from app.store.models import StoreManager
from app.wardrobe.models import Reservation


async def ties_of(session: AsyncSession, customer_id: int) -> Ties:
    appointments = await session.exec(
        select(
            Appointment.staff_id,
            Appointment.store_id,
            Appointment.starts_at,
            Appointment.ends_at,
            Appointment.status,
        ).where(Appointment.customer_id == customer_id)
    )
    last = (
        select(func.max(ChatMessage.created_at, type_=UTCDateTime()))
        .where(ChatMessage.conversation_id == Conversation.id)
        .scalar_subquery()
    )
    conversations = await session.exec(
        select(Conversation.staff_id, Conversation.store_id, last, Conversation.created_at).where(
            Conversation.customer_id == customer_id
        )
    )
    purchases = await session.exec(
        select(Purchase.store_id)
        .where(Purchase.customer_id == customer_id, col(Purchase.store_id).is_not(None))
        .distinct()
    )
    reservations = await session.exec(
        select(Reservation.store_id).where(Reservation.customer_id == customer_id).distinct()
    )
    reveals = await session.exec(
        select(ContactReveal.staff_id, ContactReveal.fields, ContactReveal.expires_at).where(
            ContactReveal.customer_id == customer_id, col(ContactReveal.expires_at) > utcnow()
        )
    )
    return Ties(
        customer_id=customer_id,
        reveals=tuple(
            RevealTie(staff, frozenset(Field(f) for f in fields), until)
            for staff, fields, until in reveals.all()
        ),
        appointments=tuple(AppointmentTie(*row) for row in appointments.all()),
        conversations=tuple(ConversationTie(*row) for row in conversations.all()),
        purchase_store_ids=frozenset(s for s in purchases.all() if s is not None),
        reservation_store_ids=frozenset(reservations.all()),
    )


async def managed_store_ids(session: AsyncSession, user_id: int) -> frozenset[int]:
    rows = await session.exec(select(StoreManager.store_id).where(StoreManager.user_id == user_id))
    return frozenset(rows.all())


async def customers_linked_to(session: AsyncSession, staff_id: int) -> set[int]:
    """Customers this stylist has had an appointment or a conversation with (candidates only:
    the policy decides which of them she may see now)."""
    booked = await session.exec(
        select(Appointment.customer_id).where(Appointment.staff_id == staff_id).distinct()
    )
    talked = await session.exec(
        select(Conversation.customer_id).where(Conversation.staff_id == staff_id).distinct()
    )
    return set(booked.all()) | set(talked.all())


async def customers_read_since(session: AsyncSession, actor_id: int, since: datetime) -> int:
    """How many distinct customers this person opened since then (the audit log's reads)."""
    statement = select(func.count(func.distinct(AuditEvent.customer_id))).where(
        AuditEvent.actor_id == actor_id,
        col(AuditEvent.action).like("customer.%"),
        col(AuditEvent.at) >= since,
    )
    return int((await session.exec(statement)).one())


async def flagged_since(session: AsyncSession, actor_id: int, action: str, since: datetime) -> bool:
    statement = select(AuditEvent.id).where(
        AuditEvent.actor_id == actor_id, AuditEvent.action == action, col(AuditEvent.at) >= since
    )
    return (await session.exec(statement.limit(1))).first() is not None


async def on_shift(session: AsyncSession, staff_id: int, at: datetime) -> bool:
    statement = select(Shift.id).where(
        Shift.staff_id == staff_id,
        Shift.status == ShiftStatus.approved,
        col(Shift.starts_at) <= at,
        col(Shift.ends_at) > at,
    )
    return (await session.exec(statement.limit(1))).first() is not None


async def audit_events(
    session: AsyncSession,
    *,
    actor_ids: set[int] | None,
    actor_id: int | None,
    customer_id: int | None,
    action: str | None,
    since: datetime | None,
    until: datetime | None,
    before_id: int | None,
    limit: int,
) -> list[AuditEvent]:
    """The log, newest first, filtered; ``actor_ids`` None means every actor (an admin)."""
    statement = select(AuditEvent)
    if actor_ids is not None:
        statement = statement.where(col(AuditEvent.actor_id).in_(actor_ids))
    if actor_id is not None:
        statement = statement.where(AuditEvent.actor_id == actor_id)
    if customer_id is not None:
        statement = statement.where(AuditEvent.customer_id == customer_id)
    if action is not None:
        statement = statement.where(AuditEvent.action == action)
    if since is not None:
        statement = statement.where(col(AuditEvent.at) >= since)
    if until is not None:
        statement = statement.where(col(AuditEvent.at) < until)
    if before_id is not None:
        statement = statement.where(col(AuditEvent.id) < before_id)
    statement = statement.order_by(col(AuditEvent.id).desc()).limit(limit)
    return list((await session.exec(statement)).all())


async def managers_of_store_ids(session: AsyncSession, store_ids: frozenset[int]) -> set[int]:
    rows = await session.exec(
        select(StoreManager.user_id).where(col(StoreManager.store_id).in_(store_ids))
    )
    return set(rows.all())

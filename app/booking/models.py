"""Bookable services, appointments and the waitlist."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.core.types import UTCDateTime, utcnow


class ServiceBase(SQLModel):
    name_ja: str = Field(max_length=80)
    name_en: str = Field(max_length=80)
    duration_min: int = Field(ge=10, le=240)
    buffer_before_min: int = Field(default=0, ge=0, le=60)
    buffer_after_min: int = Field(default=0, ge=0, le=60)
    step_min: int = Field(default=15, ge=5, le=120)
    min_notice_min: int = Field(default=120, ge=0, le=7 * 24 * 60)
    horizon_days: int = Field(default=60, ge=1, le=365)
    cancellation_notice_hours: int = Field(default=24, ge=0, le=14 * 24)
    required_skills: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    is_active: bool = True
    price_yen: int = Field(default=0, ge=0, le=1_000_000)  # tax included; 0 means free of charge
    description_ja: str = Field(default="", max_length=300)
    description_en: str = Field(default="", max_length=300)


class Service(ServiceBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    store_id: int = Field(foreign_key="store.id", index=True)


class AppointmentStatus(StrEnum):
    booked = "booked"
    cancelled = "cancelled"
    completed = "completed"
    no_show = "no_show"


# Appointments that occupy the stylist's time.
ACTIVE = (AppointmentStatus.booked, AppointmentStatus.completed, AppointmentStatus.no_show)


class Appointment(SQLModel, table=True):
    # On PostgreSQL the migration also adds ex_appointment_stylist_time: an exclusion constraint
    # that refuses two non-cancelled appointments of one stylist whose blocked ranges overlap.
    __table_args__ = (
        UniqueConstraint("customer_id", "idempotency_key", name="uq_appointment_idempotency"),
        Index("ix_appointment_staff_blocked", "staff_id", "blocked_from"),
    )

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = Field(foreign_key="store.id", index=True)
    service_id: int = Field(foreign_key="service.id")
    customer_id: int = Field(foreign_key="user_account.id", index=True)
    staff_id: int = Field(foreign_key="user_account.id")
    starts_at: datetime = Field(sa_type=UTCDateTime, index=True)
    ends_at: datetime = Field(sa_type=UTCDateTime)
    # The stylist's time taken, buffers included: what two appointments must never share.
    blocked_from: datetime = Field(sa_type=UTCDateTime)
    blocked_until: datetime = Field(sa_type=UTCDateTime)
    status: str = Field(default=AppointmentStatus.booked, max_length=12)
    topic: str = Field(default="", max_length=1000)
    idempotency_key: str | None = Field(default=None, max_length=100)
    # What the keyed request asked for: the same key with another body is refused, not replayed.
    idempotency_fingerprint: str | None = Field(default=None, max_length=64)
    sequence: int = 0  # ICS SEQUENCE: bumped on every change the customer is told about
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    cancelled_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    cancel_reason: str = Field(default="", max_length=300)
    reminder_24h_sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reminder_1h_sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class WaitlistEntry(SQLModel, table=True):
    __tablename__ = "waitlist_entry"
    __table_args__ = (
        UniqueConstraint("customer_id", "service_id", "on_date", name="uq_waitlist_once_per_day"),
    )

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = Field(foreign_key="store.id")
    service_id: int = Field(foreign_key="service.id", index=True)
    customer_id: int = Field(foreign_key="user_account.id")
    on_date: date = Field(index=True)  # the store-local day the customer wants
    # The stylist the customer chose (None: anyone). Only a time freed with her is offered.
    staff_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    notified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

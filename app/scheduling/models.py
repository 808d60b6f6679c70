"""The roster: weekly templates, dated shifts (requested or approved), and time off."""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Index, Integer
from sqlmodel import Field, SQLModel

from app.core.types import UTCDateTime, utcnow


class ShiftStatus(StrEnum):
    requested = "requested"
    approved = "approved"
    declined = "declined"


class ShiftTemplate(SQLModel, table=True):
    """A weekly pattern in the store's local time, e.g. Mondays 10:00–14:00."""

    __tablename__ = "shift_template"

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(
        sa_column=Column(Integer, ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False)
    )
    store_id: int = Field(foreign_key="store.id")
    weekday: int = Field(ge=0, le=6)  # 0 = Monday
    starts_local: time
    ends_local: time
    break_starts_local: time | None = None
    break_ends_local: time | None = None


class Shift(SQLModel, table=True):
    """One dated shift. Only approved shifts produce bookable slots."""

    __table_args__ = (Index("ix_shift_staff_start", "staff_id", "starts_at"),)

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(
        sa_column=Column(Integer, ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False)
    )
    store_id: int = Field(foreign_key="store.id", index=True)
    starts_at: datetime = Field(sa_type=UTCDateTime)
    ends_at: datetime = Field(sa_type=UTCDateTime)
    break_starts_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    break_ends_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    status: str = Field(default=ShiftStatus.approved, max_length=12)
    source: str = Field(default="manager", max_length=12)  # manager | template | request
    note: str = Field(default="", max_length=300)
    decided_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class TimeOff(SQLModel, table=True):
    __tablename__ = "time_off"

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    starts_at: datetime = Field(sa_type=UTCDateTime)
    ends_at: datetime = Field(sa_type=UTCDateTime)
    reason: str = Field(default="", max_length=200)
    created_on: date = Field(default_factory=lambda: utcnow().date())

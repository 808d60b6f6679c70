"""What remains of a consultation after the call: the stylist's wrap-up, the customer's rating."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.core.types import UTCDateTime, utcnow

SUMMARY_MAX = 2000
COMMENT_MAX = 500


class Outcome(StrEnum):
    """How the session ended, from the stylist's point of view (staff-only)."""

    bought = "bought"
    thinking = "thinking"
    not_now = "not_now"


class WrapUpBase(SQLModel):
    summary: str = Field(max_length=SUMMARY_MAX)
    outcome: str = Field(max_length=12)
    follow_up_on: date | None = None  # a store-local date, shown as is


class WrapUp(WrapUpBase, table=True):
    """One per appointment; the staff who wrote it may edit it afterwards."""

    __tablename__ = "consultation_wrap_up"
    __table_args__ = (
        UniqueConstraint("appointment_id", name="uq_consultation_wrap_up_appointment"),
    )

    id: int | None = Field(default=None, primary_key=True)
    appointment_id: int = Field(foreign_key="appointment.id")
    author_id: int = Field(foreign_key="user_account.id")
    updated_by_id: int = Field(foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class RatingBase(SQLModel):
    score: int = Field(ge=1, le=5)
    comment: str = Field(default="", max_length=COMMENT_MAX)


class Rating(RatingBase, table=True):
    """The customer's rating of one session: one per appointment, editable for a while."""

    __tablename__ = "consultation_rating"
    __table_args__ = (
        UniqueConstraint("appointment_id", name="uq_consultation_rating_appointment"),
        CheckConstraint("score BETWEEN 1 AND 5", name="ck_consultation_rating_score"),
    )

    id: int | None = Field(default=None, primary_key=True)
    appointment_id: int = Field(foreign_key="appointment.id")
    customer_id: int = Field(foreign_key="user_account.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CallRecord(SQLModel, table=True):
    """That the call of an appointment took place: written when staff first let someone in.

    A call may begin up to the window's lead time before the start, so "the session happened"
    is "it has started, or its call took place" — not the start time alone."""

    __tablename__ = "consultation_call"
    __table_args__ = (UniqueConstraint("appointment_id", name="uq_consultation_call_appointment"),)

    id: int | None = Field(default=None, primary_key=True)
    appointment_id: int = Field(foreign_key="appointment.id")
    started_at: datetime = Field(sa_type=UTCDateTime)

"""In-app notices for staff: what happened to their calendar or their roster, unread until seen."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer
from sqlmodel import Field, SQLModel

from app.core.types import UTCDateTime, utcnow


class Notice(SQLModel, table=True):
    """One line for one person, kept in both UI languages (rendered when it was raised)."""

    __table_args__ = (Index("ix_notice_user_created", "user_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=Column(Integer, ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False)
    )
    kind: str = Field(max_length=20)  # booked, cancelled, handed_to, shift_request, …
    text_ja: str = Field(max_length=300)
    text_en: str = Field(max_length=300)
    link: str = Field(default="", max_length=300)  # a path inside the app
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    read_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

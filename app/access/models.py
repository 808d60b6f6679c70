"""The audit log: one row per read or change of customer personal data and per security event.

Rows are only ever appended: the database refuses UPDATE and DELETE (triggers made by the
migration, on SQLite and PostgreSQL), and each row carries the hash of the one before it, so
``closetcall audit verify`` finds a row that was altered or deleted behind the app's back.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from app.core.types import UTCDateTime, utcnow


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_actor_at", "actor_id", "at"),
        Index("ix_audit_event_customer_at", "customer_id", "at"),
    )

    # Set by the writer under the audit lock (last id + 1), not by the database: the id is part
    # of the hashed content, and a gap is how a deleted row shows.
    id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    actor_id: int | None = Field(default=None)  # None: not signed in (a failed login)
    action: str = Field(max_length=40, index=True)
    customer_id: int | None = Field(default=None)  # whose data, when it is a customer's
    fields: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    reason: str | None = Field(default=None, max_length=300)
    ip: str | None = Field(default=None, max_length=64)
    user_agent: str | None = Field(default=None, max_length=300)
    detail: str | None = Field(default=None, max_length=300)  # e.g. the email of a failed login
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class ContactReveal(SQLModel, table=True):
    """A stylist chose to see a customer's masked contact data, for a reason, for a while."""

    __tablename__ = "contact_reveal"
    __table_args__ = (Index("ix_contact_reveal_customer_expires", "customer_id", "expires_at"),)

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="user_account.id")
    customer_id: int = Field(foreign_key="user_account.id")
    fields: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    reason: str = Field(max_length=24)
    note: str = Field(default="", max_length=200)
    revealed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)

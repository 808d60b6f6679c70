"""Users, their server-side sessions, password resets and staff invitations."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, ForeignKey, Integer
from sqlmodel import Field, SQLModel

from app.core.types import UTCDateTime, utcnow


class Role(StrEnum):
    customer = "customer"
    staff = "staff"
    manager = "manager"
    admin = "admin"


STAFF_ROLES = frozenset({Role.staff, Role.manager, Role.admin})


class UserBase(SQLModel):
    email: str = Field(max_length=254, unique=True, index=True)
    family_name: str = Field(max_length=50)
    given_name: str = Field(max_length=50)
    family_name_kana: str | None = Field(default=None, max_length=50)
    given_name_kana: str | None = Field(default=None, max_length=50)
    locale: str = Field(default="ja", max_length=5)
    time_zone: str = Field(default="Asia/Tokyo", max_length=64)


class User(UserBase, table=True):
    __tablename__ = "user_account"

    id: int | None = Field(default=None, primary_key=True)
    password_hash: str = Field(max_length=255)
    role: str = Field(default=Role.customer, max_length=16, index=True)
    is_active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_login_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Brute-force protection: consecutive failed logins, and the lock they cause.
    failed_logins: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)


class UserPublic(UserBase):
    id: int
    role: str


class AuthSession(SQLModel, table=True):
    """A logged-in browser. The primary key is the SHA-256 of the cookie's token."""

    __tablename__ = "auth_session"

    id: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("user_account.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)


class PasswordReset(SQLModel, table=True):
    __tablename__ = "password_reset"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("user_account.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    token_digest: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Invitation(SQLModel, table=True):
    """A manager or admin invites a stylist or manager to a store by an emailed link."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, index=True)
    role: str = Field(max_length=16)
    store_id: int = Field(foreign_key="store.id")
    invited_by_id: int = Field(foreign_key="user_account.id")
    works_remotely: bool = False
    skills: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    languages: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    token_digest: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    accepted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class InvitationPublic(SQLModel):
    id: int
    email: str
    role: str
    store_id: int
    created_at: datetime
    expires_at: datetime
    accepted_at: datetime | None

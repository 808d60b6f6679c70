"""Customer profiles and their purchase history across store and web shop."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Integer
from sqlmodel import Field, SQLModel

from app.core.types import UTCDateTime


class CustomerProfile(SQLModel, table=True):
    __tablename__ = "customer_profile"

    user_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
        )
    )
    phone_e164: str | None = Field(default=None, max_length=16)
    born_on: date | None = None
    size_top: str | None = Field(default=None, max_length=8)
    size_bottom: str | None = Field(default=None, max_length=8)
    shoe_size_cm: float | None = None
    marketing_consent: bool = False
    marketing_consent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    home_store_id: int | None = Field(default=None, foreign_key="store.id")


class Channel(StrEnum):
    store = "store"
    online = "online"


class Purchase(SQLModel, table=True):
    """One line of a store receipt or an online order."""

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("user_account.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    channel: str = Field(max_length=8)
    store_id: int | None = Field(default=None, foreign_key="store.id")
    order_ref: str = Field(max_length=40, index=True)
    catalog_item_id: int = Field(foreign_key="catalog_item.id")
    size: str = Field(max_length=8)
    quantity: int = 1
    unit_price_yen: int
    purchased_at: datetime = Field(sa_type=UTCDateTime, index=True)

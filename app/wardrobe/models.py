"""The brand's catalog and the clothes customers already own. (Lookbooks join later.)"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, Column, Index, UniqueConstraint, false, text
from sqlmodel import Field, SQLModel

from app.core.types import UTCDateTime, utcnow


class Slot(StrEnum):
    top = "top"
    bottom = "bottom"
    one_piece = "one_piece"
    outerwear = "outerwear"
    shoes = "shoes"
    bag = "bag"
    accessory = "accessory"


class CatalogItemBase(SQLModel):
    sku: str = Field(max_length=32, unique=True)
    name_ja: str = Field(max_length=120)
    name_en: str = Field(max_length=120)
    category: str = Field(max_length=32, index=True)
    slot: str = Field(max_length=16, index=True)
    colour_name: str = Field(max_length=24)
    colour_rgb: str = Field(max_length=7)
    secondary_colour_name: str | None = Field(default=None, max_length=24)
    secondary_colour_rgb: str | None = Field(default=None, max_length=7)
    pattern: str = Field(max_length=16)
    material: str = Field(max_length=24)
    formality: int = Field(ge=1, le=5)
    seasons: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    style_tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    sizes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    price_yen: int = Field(ge=0)
    is_active: bool = True
    # An http(s) product photo; pages fall back to the generated swatch (swatch.py) when unset.
    image_url: str | None = Field(default=None, max_length=500)


class CatalogItem(CatalogItemBase, table=True):
    __tablename__ = "catalog_item"

    id: int | None = Field(default=None, primary_key=True)
    brand_id: int = Field(foreign_key="brand.id")


class OwnedItemSource(StrEnum):
    closet_snapshot = "closet_snapshot"  # captured by the stylist from the video call
    upload = "upload"  # the customer's own photo
    purchase = "purchase"  # bought from the brand (then catalog_item_id is set)


OWNED_LABEL_MAX = 120


class OwnedItemBase(SQLModel):
    label: str = Field(max_length=OWNED_LABEL_MAX)  # "navy wool coat"
    slot: str | None = Field(default=None, max_length=16)  # a Slot, when known
    colour_name: str | None = Field(default=None, max_length=24)
    colour_rgb: str | None = Field(default=None, max_length=7)  # "#1f2a44"
    catalog_item_id: int | None = Field(default=None, foreign_key="catalog_item.id")
    # What the recommender reads besides slot and colour. Unknown stays NULL (a closet snapshot
    # rarely has more than a label); purchases copy them from the catalog item.
    category: str | None = Field(default=None, max_length=32)  # "knit", "skirt"
    secondary_colour_name: str | None = Field(default=None, max_length=24)
    secondary_colour_rgb: str | None = Field(default=None, max_length=7)
    pattern: str | None = Field(default=None, max_length=16)  # "solid", "stripe"
    formality: int | None = Field(default=None, ge=1, le=5)
    seasons: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    brand: str | None = Field(default=None, max_length=60)  # any brand, as the customer wrote it


class OwnedItem(OwnedItemBase, table=True):
    """Something in the customer's own wardrobe: what recommendations combine with.

    ``hidden`` items are the customer's alone: no staff page, panel, API answer or staff-side
    recommendation ever includes them. ``retired_at`` keeps an item in the history but out of the
    active wardrobe.
    """

    __tablename__ = "owned_item"
    __table_args__ = (
        Index("ix_owned_item_customer_created", "customer_id", "created_at"),
        # One owned item per purchase line: syncing purchases twice adds nothing.
        UniqueConstraint("customer_id", "purchase_id", name="uq_owned_item_customer_purchase"),
    )

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="user_account.id")
    # Relative to settings.var_dir; served only through the access-checked photo route.
    photo_path: str | None = Field(default=None, max_length=200)
    source: str = Field(max_length=16)
    appointment_id: int | None = Field(default=None, foreign_key="appointment.id", index=True)
    purchase_id: int | None = Field(default=None, foreign_key="purchase.id")
    hidden: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    retired_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by_id: int = Field(foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


# ---------------------------------------------------------------- catalog stock (issue 5)


class CatalogStock(SQLModel, table=True):
    """How many units of one size of an item are on hand at a store, or online (store_id NULL).

    Uniqueness of (item, store, size) is kept by two partial unique indexes rather than one
    constraint: SQL treats NULLs as distinct, so on both SQLite and PostgreSQL a plain
    UNIQUE(catalog_item_id, store_id, size) would let any number of "online" rows through.
    One index covers store rows (store_id IS NOT NULL), the other online rows on (item, size).
    Both databases support partial indexes, store_id stays a real foreign key, and "online"
    needs no sentinel store row that every store query would have to skip.
    """

    __tablename__ = "catalog_stock"
    __table_args__ = (
        CheckConstraint("quantity >= 0", name="ck_catalog_stock_quantity"),
        Index(
            "uq_catalog_stock_store",
            "catalog_item_id",
            "store_id",
            "size",
            unique=True,
            sqlite_where=text("store_id IS NOT NULL"),
            postgresql_where=text("store_id IS NOT NULL"),
        ),
        Index(
            "uq_catalog_stock_online",
            "catalog_item_id",
            "size",
            unique=True,
            sqlite_where=text("store_id IS NULL"),
            postgresql_where=text("store_id IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    catalog_item_id: int = Field(foreign_key="catalog_item.id")
    store_id: int | None = Field(default=None, foreign_key="store.id", index=True)  # None: online
    size: str = Field(max_length=8)
    quantity: int = Field(default=0, ge=0)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


# ---------------------------------------------------------------- end catalog stock


# -------------------------------------------------------- lookbooks and reservations (issue 5)


class LookbookStatus(StrEnum):
    draft = "draft"  # the stylist is still putting it together; the customer cannot see it
    sent = "sent"  # emailed to the customer; frozen from then on


class EntryKind(StrEnum):
    item = "item"  # one catalog item
    outfit = "outfit"  # catalog and owned items worn together


LOOKBOOK_TITLE_MAX = 80
LOOKBOOK_MESSAGE_MAX = 1000
ENTRY_NOTE_MAX = 200


class Lookbook(SQLModel, table=True):
    """What the stylist suggests after one appointment: one per appointment, sent once."""

    __tablename__ = "lookbook"

    id: int | None = Field(default=None, primary_key=True)
    appointment_id: int = Field(foreign_key="appointment.id", unique=True)
    customer_id: int = Field(foreign_key="user_account.id", index=True)
    created_by_id: int = Field(foreign_key="user_account.id")
    status: str = Field(default=LookbookStatus.draft, max_length=8)
    title: str = Field(default="", max_length=LOOKBOOK_TITLE_MAX)
    message: str = Field(default="", max_length=LOOKBOOK_MESSAGE_MAX)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sent_by_id: int | None = Field(default=None, foreign_key="user_account.id")


class LookbookEntry(SQLModel, table=True):
    """One suggestion in a lookbook: an item, or an outfit of catalog and owned items.

    The pieces are id lists (JSON) rather than link tables: an entry holds a handful of pieces,
    is written once and read whole, and is checked against the catalog and the customer's
    wardrobe when it is added.
    """

    __tablename__ = "lookbook_entry"

    id: int | None = Field(default=None, primary_key=True)
    lookbook_id: int = Field(foreign_key="lookbook.id", index=True)
    kind: str = Field(max_length=8)
    catalog_item_ids: list[int] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    owned_item_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    note: str = Field(default="", max_length=ENTRY_NOTE_MAX)
    position: int = 0
    created_by_id: int = Field(foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ReservationStatus(StrEnum):
    active = "active"  # one unit set aside at the store until expires_at
    cancelled = "cancelled"  # by the customer or the store; the unit went back
    expired = "expired"  # not collected in time; the unit went back
    collected = "collected"  # the customer came to try it on


class Reservation(SQLModel, table=True):
    """One unit of a catalog item in one size, held at a store for the customer to try on."""

    __tablename__ = "reservation"
    __table_args__ = (
        Index("ix_reservation_store_status", "store_id", "status"),
        Index("ix_reservation_status_expires", "status", "expires_at"),
        # One active hold per customer, item and size (any store): a double click or a second tab
        # cannot set aside two units.
        Index(
            "uq_reservation_active",
            "customer_id",
            "catalog_item_id",
            "size",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
        # The code the customer gives at the counter: short, random, unique within the store.
        Index("uq_reservation_pickup_code", "store_id", "pickup_code", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    pickup_code: str | None = Field(default=None, max_length=8)
    customer_id: int = Field(foreign_key="user_account.id", index=True)
    catalog_item_id: int = Field(foreign_key="catalog_item.id")
    store_id: int = Field(foreign_key="store.id")
    size: str = Field(max_length=8)
    status: str = Field(default=ReservationStatus.active, max_length=10)
    lookbook_entry_id: int | None = Field(default=None, foreign_key="lookbook_entry.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_by_id: int | None = Field(default=None, foreign_key="user_account.id")


# ---------------------------------------------------------------- end lookbooks and reservations


# ---------------------------------------------------------------- catalog version (issue 12)


class CatalogVersion(SQLModel, table=True):
    """One row: counters bumped in the same transaction as every catalog import (``catalog``)
    and every stock change (``stock``). Each process keeps the catalog ready in memory for
    recommendations and re-reads it only when a counter moved — whichever process moved it."""

    __tablename__ = "catalog_version"

    id: int = Field(default=1, primary_key=True)
    catalog: int = Field(default=0, sa_column_kwargs={"server_default": text("0")})
    stock: int = Field(default=0, sa_column_kwargs={"server_default": text("0")})

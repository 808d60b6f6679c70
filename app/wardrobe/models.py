"""The brand's catalog and the clothes customers already own. (Lookbooks join later.)"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, Index
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


class OwnedItem(OwnedItemBase, table=True):
    """Something in the customer's own wardrobe: what recommendations combine with."""

    __tablename__ = "owned_item"
    __table_args__ = (Index("ix_owned_item_customer_created", "customer_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="user_account.id")
    # Relative to settings.var_dir; served only through the access-checked photo route.
    photo_path: str | None = Field(default=None, max_length=200)
    source: str = Field(max_length=16)
    appointment_id: int | None = Field(default=None, foreign_key="appointment.id", index=True)
    created_by_id: int = Field(foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

"""The brand's catalog. (Owned items and lookbooks join this package later.)"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel


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

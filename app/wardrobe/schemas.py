"""Owned-item input and output shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from app.core.i18n import gettext as _
from app.core.text import TextError, clean_line
from app.wardrobe.models import OWNED_LABEL_MAX, CatalogItem, OwnedItem, Slot


def _line(value: str) -> str:
    try:
        value = clean_line(value)
    except TextError as exc:
        raise ValueError(_("Please use one line without control characters.")) from exc
    return value


def _label(value: str) -> str:
    if not value:
        raise ValueError(_("Please say what the item is, e.g. “navy wool coat”."))
    return value


Label = Annotated[
    str, Field(max_length=OWNED_LABEL_MAX), AfterValidator(_line), AfterValidator(_label)
]
ColourName = Annotated[str, Field(max_length=24), AfterValidator(_line)]
ColourRgb = Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$"), AfterValidator(str.lower)]


class OwnedItemIn(BaseModel):
    """What the stylist types beside a closet snapshot (only the label is required)."""

    model_config = ConfigDict(extra="ignore")
    label: Label
    slot: Slot | None = None
    colour_name: ColourName | None = None
    colour_rgb: ColourRgb | None = None


class OwnedItemOut(BaseModel):
    id: int
    customer_id: int
    label: str
    slot: str | None
    colour_name: str | None
    colour_rgb: str | None
    catalog_item_id: int | None
    source: str
    appointment_id: int | None
    created_by_id: int
    created_at: datetime
    photo_url: str | None
    category: str | None = None
    secondary_colour_name: str | None = None
    secondary_colour_rgb: str | None = None
    pattern: str | None = None
    formality: int | None = None
    seasons: list[str] | None = None
    brand: str | None = None
    purchase_id: int | None = None
    hidden: bool = False  # only ever true in the customer's own answers
    retired_at: datetime | None = None
    updated_at: datetime | None = None
    image_url: str | None = None  # the photo, else the catalog image or swatch


class OwnedItemList(BaseModel):
    data: list[OwnedItemOut]
    count: int


def owned_out(item: OwnedItem, catalog_item: CatalogItem | None = None) -> OwnedItemOut:
    assert item.id is not None
    photo_url = f"/api/v1/owned-items/{item.id}/photo" if item.photo_path else None
    image_url = photo_url
    if image_url is None and catalog_item is not None:
        image_url = catalog_item.image_url or f"/catalog/{catalog_item.sku}/swatch.svg"
    return OwnedItemOut(
        id=item.id,
        customer_id=item.customer_id,
        label=item.label,
        slot=item.slot,
        colour_name=item.colour_name,
        colour_rgb=item.colour_rgb,
        catalog_item_id=item.catalog_item_id,
        source=item.source,
        appointment_id=item.appointment_id,
        created_by_id=item.created_by_id,
        created_at=item.created_at,
        photo_url=photo_url,
        category=item.category,
        secondary_colour_name=item.secondary_colour_name,
        secondary_colour_rgb=item.secondary_colour_rgb,
        pattern=item.pattern,
        formality=item.formality,
        seasons=item.seasons,
        brand=item.brand,
        purchase_id=item.purchase_id,
        hidden=item.hidden,
        retired_at=item.retired_at,
        updated_at=item.updated_at,
        image_url=image_url,
    )

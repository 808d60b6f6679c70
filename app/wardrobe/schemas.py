"""Owned-item input and output shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from app.core.i18n import gettext as _
from app.core.text import TextError, clean_line
from app.wardrobe.models import OWNED_LABEL_MAX, OwnedItem, Slot


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


class OwnedItemList(BaseModel):
    data: list[OwnedItemOut]
    count: int


def owned_out(item: OwnedItem) -> OwnedItemOut:
    assert item.id is not None
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
        photo_url=f"/api/v1/owned-items/{item.id}/photo" if item.photo_path else None,
    )
